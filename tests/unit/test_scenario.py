"""Scenario files: round trips, and each kind of bad file rejected with one line naming the
field, nothing clamped or guessed."""

import json

import pytest

from rebalancing import LEVERS, Scenario, ScenarioError, dumps_scenario, parse_scenario
from rebalancing.scenario import MAX_SCENARIO_BYTES, load_scenario, save_scenario


def changed_scenario():
    return Scenario().with_values(
        {
            "global.horizon": 2050,
            "global.two_country": True,
            "global.monetary_response": 0.5,
            "orderly.kappa": 1.3,
            "disorderly.side": "CN",
            "disorderly.timing": "hazard",
            "unilateral.phase_in_years": 1,
            "subglobal.us_joins": True,
        }
    )


@pytest.mark.parametrize("fmt", ["json", "toml"])
def test_round_trip_in_memory(fmt):
    scn = changed_scenario()
    assert parse_scenario(dumps_scenario(scn, fmt), f"s.{fmt}") == scn


@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_round_trip_on_disk(tmp_path, suffix):
    scn = changed_scenario()
    p = tmp_path / f"scenario{suffix}"
    save_scenario(scn, p)
    assert load_scenario(p) == scn
    assert load_scenario(p).changed() == scn.changed()


def test_every_lever_is_in_the_file_with_its_default():
    d = json.loads(dumps_scenario(Scenario()))
    for lid, lev in LEVERS.items():
        g, name = lid.split(".")
        assert d[g][name] == lev.default


def test_partial_file_keeps_other_defaults():
    scn = parse_scenario('{"format_version": 3, "orderly": {"band": 4}}', "s.json")
    assert scn.orderly.band == 4.0 and isinstance(scn.orderly.band, float)
    assert scn.changed() == {"orderly.band": 4.0}
    # Without a format version a file is read as format 1 (version 0.1 wrote none): the
    # engine it was written for, the adaptive one, runs it
    old = parse_scenario('{"orderly": {"band": 4}}', "s.json")
    assert old.changed() == {"orderly.band": 4.0, "global.expectations": "adaptive"}


def test_format_is_sniffed_without_extension():
    assert parse_scenario('{"orderly": {"band": 4}}', "upload").orderly.band == 4
    assert parse_scenario("[orderly]\nband = 4\n", "upload").orderly.band == 4


BAD = [
    ("not JSON", b'{"orderly": {"band": 4}', "s.json", "not valid JSON"),
    ("not TOML", b"[orderly\nband = 4", "s.toml", "not valid TOML"),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00", "s.json", "not UTF-8"),
    ("top level list", b"[1, 2]", "s.json", "expected a table"),
    ("unknown group", b'{"bogus": {}}', "s.json", "bogus: unknown group"),
    ("unknown lever", b'{"orderly": {"speed": 1}}', "s.json", "orderly.speed: unknown lever"),
    ("group not a table", b'{"orderly": 3}', "s.json", "orderly: expected a table"),
    (
        "string for number",
        b'{"orderly": {"band": "4"}}',
        "s.json",
        "orderly.band: expected a number",
    ),
    (
        "bool for number",
        b'{"orderly": {"band": true}}',
        "s.json",
        "orderly.band: expected a number",
    ),
    (
        "number for bool",
        b'{"global": {"two_country": 1}}',
        "s.json",
        "global.two_country: expected true or false",
    ),
    (
        "fraction for int",
        b'{"global": {"horizon": 2040.5}}',
        "s.json",
        "global.horizon: expected a whole number",
    ),
    (
        "bad choice",
        b'{"disorderly": {"side": "EU"}}',
        "s.json",
        "disorderly.side: 'EU' is not one of",
    ),
    ("out of range", b'{"orderly": {"kappa": 9}}', "s.json", "orderly.kappa: 9.0 is out of range"),
    (
        "below range",
        b"[global]\nhorizon = 2029\n",
        "s.toml",
        "global.horizon: 2029 is out of range",
    ),
    ("NaN", b'{"orderly": {"kappa": NaN}}', "s.json", "orderly.kappa: NaN is not a finite"),
    (
        "infinity in TOML",
        b"[orderly]\nkappa = inf\n",
        "s.toml",
        "orderly.kappa: inf is not a finite",
    ),
]


@pytest.mark.parametrize("what,content,name,message", BAD, ids=[b[0] for b in BAD])
def test_bad_files_are_rejected_naming_the_field(what, content, name, message):
    with pytest.raises(ScenarioError) as e:
        parse_scenario(content, name)
    text = str(e.value)
    assert message in text
    assert "\n" not in text


def test_oversized_file_is_rejected():
    with pytest.raises(ScenarioError, match="larger than"):
        parse_scenario(b" " * (MAX_SCENARIO_BYTES + 1), "big.json")


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "nope.json")


def test_with_values_rejects_unknown_and_out_of_range():
    with pytest.raises(ScenarioError, match="nope.x: unknown lever"):
        Scenario().with_values({"nope.x": 1})
    with pytest.raises(ScenarioError, match="out of range"):
        Scenario().with_values({"unilateral.us_tariff_on_cn": 151})


def test_every_lever_has_metadata():
    for lev in LEVERS.values():
        assert lev.unit and lev.help and lev.source and lev.label
        if lev.kind in ("int", "float"):
            assert lev.lo <= lev.default <= lev.hi
        if lev.kind == "choice":
            assert lev.default in lev.choices


@pytest.mark.parametrize(
    "content,name,needle",
    [
        (
            b"[global]\nmonetary_response = 1" + b"0" * 400 + b"\n",
            "s.toml",
            "global.monetary_response: 1000",
        ),
        (b"a = " + b"[" * 3000 + b"]" * 3000, "s.toml", "nested more than 32 deep"),
        (b'{"a":' * 3000 + b"1" + b"}" * 3000, "s.json", "nested more than 32 deep"),
        (b'{"orderly": {"band": 4, "band": 5}}', "s.json", "key 'band' appears twice"),
    ],
)
def test_hostile_files_are_rejected_not_crashing(content, name, needle):
    with pytest.raises(ScenarioError, match=needle):
        parse_scenario(content, name)


def test_a_retired_lever_names_its_replacement():
    """Files and links written before the Taylor rule replaced the closure get one message
    that says what to use instead."""
    for make in (
        lambda: Scenario().with_values({"global.closure": 0.5}),
        lambda: parse_scenario(b'{"global": {"closure": 0.5}}', "old.json"),
    ):
        with pytest.raises(
            ScenarioError,
            match="global.closure: this lever no longer exists; use global.monetary_response",
        ):
            make()


def test_files_carry_a_format_version():
    import json

    from rebalancing.scenario import FORMAT_VERSION

    d = json.loads(dumps_scenario(Scenario(), "json"))
    assert d["format_version"] == FORMAT_VERSION == 3
    assert parse_scenario(
        b'{"format_version": 1, "global": {"horizon": 2050}}', "s.json"
    ) == Scenario().with_values({"global.horizon": 2050, "global.expectations": "adaptive"})
    with pytest.raises(ScenarioError, match="format_version: 7 is not a known"):
        parse_scenario(b'{"format_version": 7}', "s.json")


@pytest.mark.parametrize("version", [1, 2])
def test_an_older_file_runs_the_engine_it_was_written_for_with_a_note(version, tmp_path):
    """Format 1 and 2 files (before engine v3) run with global.expectations = adaptive
    unless they set it, and say so; a format 3 file and one that sets it get no note."""
    import json

    from rebalancing.scenario import format_note, load_scenario_noted

    doc = {"format_version": version, "orderly": {"kappa": 2.5}}
    scn = parse_scenario(json.dumps(doc), "s.json")
    assert scn.global_.expectations == "adaptive" and scn.orderly.kappa == 2.5
    assert "global.expectations = adaptive" in format_note(doc)
    path = tmp_path / "old.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert load_scenario_noted(path) == (scn, format_note(doc))
    chosen = {**doc, "global": {"expectations": "model-consistent"}}
    assert parse_scenario(json.dumps(chosen), "s.json").global_.expectations == ("model-consistent")
    assert format_note(chosen) is None
    assert format_note({"format_version": 3, "orderly": {"kappa": 2.5}}) is None
    assert format_note({"orderly.kappa": 2.5}) is None  # flat lever ids: no format


def test_the_cli_prints_the_note_of_an_older_file(tmp_path, capsys):
    from rebalancing.cli import main

    old = tmp_path / "old.json"
    old.write_text('{"format_version": 2, "global": {"horizon": 2030}}', encoding="utf-8")
    assert main(["run", "--scenario", str(old), "--out", str(tmp_path / "r.csv")]) == 0
    err = capsys.readouterr().err
    assert "note: the file is in scenario format 2" in err


def test_a_byte_order_mark_is_read():
    """Windows editors start UTF-8 files with a byte-order mark."""
    content = "\ufeff" + dumps_scenario(changed_scenario(), "json")
    assert parse_scenario(content.encode("utf-8"), "s.json") == changed_scenario()
    toml = "\ufeff" + dumps_scenario(changed_scenario(), "toml")
    assert parse_scenario(toml.encode("utf-8"), "s.toml") == changed_scenario()


def test_flat_lever_ids_are_read():
    """The form of the URL and of the `levers` command."""
    got = parse_scenario(b'{"global.horizon": 2050, "orderly.kappa": 1.5}', "flat.json")
    assert got == Scenario().with_values({"global.horizon": 2050, "orderly.kappa": 1.5})
    with pytest.raises(ScenarioError, match="global.closure: this lever no longer exists"):
        parse_scenario(b'{"global.closure": 0.5}', "flat.json")
    with pytest.raises(ScenarioError, match="nope.x: unknown lever"):
        parse_scenario(b'{"nope.x": 1}', "flat.json")


def test_a_results_metadata_file_loads_its_scenario(tmp_path):
    """The .meta.json written beside every results CSV reproduces its run."""
    from rebalancing import simulate
    from rebalancing.export import results_meta_json

    scn = Scenario().with_values({"global.horizon": 2045, "unilateral.us_tariff_on_cn": 80.0})
    meta = results_meta_json(simulate(scn, ["baseline", "unilateral"]))
    assert parse_scenario(meta, "results.meta.json") == scn
