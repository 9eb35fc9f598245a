"""Versions: the package's (``pyproject.toml``, read from the installed metadata) and the
scenario file format's.

A module of its own, at the bottom of the package, so that the modules that stamp their
outputs with the version (the results' metadata, the charts' citation, the exports) need
not import the package's ``__init__``, which imports them.
"""

import importlib.metadata as _metadata

try:
    __version__ = _metadata.version("rebalancing")
except _metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0.0.0+unknown"

#: Version of the scenario file format: 2 since the semi-structural engine (lever
#: ``global.closure`` retired), 3 since engine v3 (lever ``global.expectations``). Files
#: without ``format_version`` are read as version 1; files of versions 1 and 2 run with
#: ``global.expectations = adaptive`` (the engine they were written for) unless they set it.
FORMAT_VERSION = 3

#: The scenario file formats this version reads.
KNOWN_FORMATS = (1, 2, 3)
