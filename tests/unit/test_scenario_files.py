"""rebalancing.scenario_files: scenario files as documents (read bounded, shape-checked,
parsed, written). The worst files are in tests/corpus (tests/tiers/test_hostile.py)."""

import pytest

from rebalancing.errors import ScenarioError
from rebalancing.scenario_files import (
    MAX_KEY_PARTS,
    check_shape,
    dumps_document,
    file_format,
    load_document,
    read_document,
    write_document,
)


def test_json_and_toml_read_to_the_same_document(tmp_path):
    doc = {"format_version": 2, "orderly": {"kappa": 2.5, "years": 6}}
    for fmt in ("json", "toml"):
        text = dumps_document(doc, fmt)
        assert load_document(text, f"s.{fmt}") == doc
        write_document(doc, tmp_path / f"s.{fmt}")
        assert read_document(tmp_path / f"s.{fmt}") == doc
    assert file_format("a.TOML") == "toml" and file_format("a.txt") == "json"


def test_the_format_is_sniffed_without_an_extension():
    assert load_document('{"a": 1}', "scenario") == {"a": 1}
    assert load_document("a = 1", "scenario") == {"a": 1}


def test_shapes_no_scenario_has_are_refused_before_parsing():
    check_shape("a.b.c = 1\n", "toml")
    with pytest.raises(ScenarioError, match=f"more than {MAX_KEY_PARTS} parts"):
        check_shape(".".join("a" * (MAX_KEY_PARTS + 1)) + " = 1\n", "toml")
    with pytest.raises(ScenarioError, match="nested more than 32 deep"):
        check_shape("[" * 40, "json")


def test_a_byte_order_mark_is_read_and_bad_bytes_are_named():
    assert load_document(b"\xef\xbb\xbf{}", "s.json") == {}
    with pytest.raises(ScenarioError, match="s.json: not UTF-8"):
        load_document(b"\xff\xfe", "s.json")
