"""rebalancing.version: the package's version and the scenario file format's."""

import importlib.metadata

import rebalancing
from rebalancing.version import FORMAT_VERSION, __version__


def test_one_version_everywhere():
    assert rebalancing.__version__ == __version__ == importlib.metadata.version("rebalancing")
    assert rebalancing.FORMAT_VERSION == FORMAT_VERSION == 3
