"""Input hardening (issue 12): each reproducer found on main, and the rules behind it.

Every input path -- the CLI, the bytes of an upload (``parse_scenario``), URL values
(``rebalancing.share.parse_query``), the Python API (``Scenario(...)``) -- either gives a
valid value or one line naming the field: never a traceback, a hang, a silently rounded
number, a terminal escape in a message, or a file written over an input.
"""

import contextlib
import dataclasses
import errno
import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rebalancing
from rebalancing import GROUPS, LEVERS, Scenario, ScenarioError, parse_scenario
from rebalancing import files as files_mod
from rebalancing.cli import main
from rebalancing.errors import shown
from rebalancing.scenario import (
    MAX_KEYS,
    MAX_SCENARIO_BYTES,
    load_scenario,
    number_from_text,
    scenario_from_dict,
    validate_value,
)
from rebalancing.share import MAX_WARNINGS, parse_query

VIEWS = ("compare", "mirror", "sectoral", "history", "accounts", "validation")


def cli(*argv: str) -> tuple[int, str, str]:
    """The CLI in-process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(list(argv))
        except SystemExit as e:
            rc = e.code
    return rc, out.getvalue(), err.getvalue()


def error_line(err: str) -> str:
    """The one error line of a refused command (after argparse's usage lines, if any)."""
    lines = err.splitlines()
    assert lines, "nothing on stderr"
    *usage, last = lines
    assert all(u.startswith(("usage:", " ")) for u in usage), err
    assert ": error: " in last and last.isprintable(), err
    return last


def one_line(message: str) -> None:
    assert message.isprintable(), repr(message)  # no newline, no escape character


# --- huge integers ----------------------------------------------------------------------

HUGE_TOML = b"[global]\nhorizon = " + b"1" * 4301 + b"\n"


def test_a_4301_digit_toml_integer_is_a_scenario_error_naming_the_field():
    with pytest.raises(ScenarioError) as e:
        parse_scenario(HUGE_TOML, "s.toml")
    assert str(e.value).startswith("s.toml: line 2: global.horizon: 111111111111...")
    assert "(4301 digits) is out of range" in str(e.value)
    assert e.value.field == "global.horizon"
    one_line(str(e.value))


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_a_huge_format_version_is_named_by_its_size(fmt):
    """Found by the fuzz tier: a hex literal of 5,000 digits as ``format_version`` (a field
    read before any lever) crashed the message that names it (Python refuses to print an
    integer of more than 4,300 digits)."""
    text = (
        "format_version = 0x" + "f" * 5000
        if fmt == "toml"
        else '{"format_version": ' + "9" * 5000 + "}"
    )
    with pytest.raises(ScenarioError) as e:
        parse_scenario(text, f"s.{fmt}")
    named = "a number of about" if fmt == "toml" else "9999999999"  # JSON keeps its text
    assert str(e.value).startswith(f"format_version: {named}")
    assert "is not a known scenario format" in str(e.value)
    one_line(str(e.value))


def test_a_4301_digit_integer_in_the_cli_is_one_line_exit_2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("s.toml").write_bytes(HUGE_TOML)
    rc, _, err = cli("run", "--scenario", "s.toml", "--out", "x.csv")
    assert rc == 2
    assert error_line(err).endswith("global.horizon: 111111111111... (4301 digits) is out of range")
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert not Path("x.csv").exists()


@pytest.mark.parametrize(
    "content,name",
    [
        (b'{"global": {"horizon": ' + b"1" * 4301 + b"}}", "s.json"),
        (b'{"global": {"horizon": -' + b"9" * 100_000 + b"}}", "s.json"),
        (b"[orderly]\nkappa = 0x" + b"f" * 5000 + b"\n", "s.toml"),  # hex: no digit limit
        (b"[orderly]\nkappa = 1_" + b"1" * 4400 + b"\n", "s.toml"),
    ],
)
def test_huge_integers_name_the_field(content, name):
    with pytest.raises(ScenarioError, match=r"(global\.horizon|orderly\.kappa): .*out of range"):
        parse_scenario(content, name)


# --- files that are not regular files ----------------------------------------------------


def test_dev_zero_is_refused_by_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError, match="cannot read /dev/zero: it is a character device"):
        load_scenario("/dev/zero")
    rc, _, err = cli("run", "--scenario", "/dev/zero", "--out", "x.csv")
    assert rc == 2 and "cannot read /dev/zero: it is a character device" in error_line(err)


def test_a_folder_is_refused_by_name(tmp_path):
    with pytest.raises(ScenarioError, match="it is a folder, not a regular file"):
        load_scenario(tmp_path)


def subprocess_env() -> dict[str, str]:
    """The package under test (this checkout or the installed one), and nothing else."""
    return {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(Path(rebalancing.__file__).resolve().parent.parent),
    }


def test_a_fifo_is_refused_without_blocking(tmp_path):
    """Opening a FIFO for reading blocks until a writer comes: it is refused by name (stat)
    before it is opened. Run in a subprocess with a timeout so that a regression fails
    instead of hanging the suite."""
    os.mkfifo(tmp_path / "pipe.json")
    r = subprocess.run(
        [sys.executable, "-m", "rebalancing", "run", "--scenario", "pipe.json", "--out", "x.csv"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=60,
    )
    assert r.returncode == 2, r.stderr
    assert "cannot read pipe.json: it is a FIFO (named pipe), not a regular file" in r.stderr
    assert len(r.stderr.splitlines()) == 1
    assert not (tmp_path / "x.csv").exists()


def test_a_fifo_output_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "out.csv")
    r = subprocess.run(
        [sys.executable, "-m", "rebalancing", "defaults", "--out", "out.csv"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=60,
    )
    assert r.returncode == 2 and "cannot write out.csv: it is a FIFO" in r.stderr


def test_a_fifo_swapped_in_after_the_check_does_not_block(tmp_path, monkeypatch):
    """The name is checked with stat, then opened non-blocking and checked again."""
    os.mkfifo(tmp_path / "pipe")
    real_stat = os.stat
    monkeypatch.setattr(
        files_mod.os,
        "stat",
        lambda p, *a, **k: real_stat(tmp_path / "regular" if Path(p).name == "pipe" else p),
    )
    (tmp_path / "regular").write_text("{}")
    with pytest.raises(files_mod.FileError, match="it is a FIFO"):
        files_mod.read_bytes(tmp_path / "pipe", 100)


def test_at_most_the_limit_plus_one_byte_is_read(tmp_path, monkeypatch):
    """A file that reports a small size but holds more (a /proc file, a growing file) is
    still read only up to the limit."""
    p = tmp_path / "s.json"
    p.write_bytes(b" " * 5000)
    reads = []
    real_read = os.read
    monkeypatch.setattr(files_mod.os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    with pytest.raises(files_mod.FileError, match="larger than 100 bytes"):
        files_mod.read_bytes(p, 100)
    assert sum(reads) <= 101
    with pytest.raises(files_mod.FileError, match="larger than 99 bytes"):
        files_mod.read_bytes("/proc/self/status", 99)  # st_size 0, content longer


def test_an_oversized_scenario_file_is_refused_before_reading(tmp_path, monkeypatch):
    p = tmp_path / "big.json"
    with open(p, "wb") as f:
        f.truncate(MAX_SCENARIO_BYTES + 1)  # sparse
    monkeypatch.setattr(files_mod.os, "read", lambda *a: pytest.fail("read a file too large"))
    with pytest.raises(ScenarioError, match=f"big.json: larger than {MAX_SCENARIO_BYTES} bytes"):
        load_scenario(p)


# --- many keys, duplicate keys -----------------------------------------------------------


def test_a_25000_key_json_is_refused_with_a_message():
    doc = "{" + ",".join(f'"k{i}": {i}' for i in range(25_000)) + "}"
    with pytest.raises(ScenarioError, match="many.json: more than 5,000 entries .25,000."):
        parse_scenario(doc, "many.json")


def test_a_2000_key_json_object_is_refused_by_the_parser_hook():
    doc = "{" + ",".join(f'"k{i}": {i}' for i in range(2_000)) + "}"
    with pytest.raises(ScenarioError, match="an object with 2000 keys is not a scenario"):
        parse_scenario(doc, "many.json")


def test_the_duplicate_key_check_is_linear(monkeypatch):
    """A set, not list.count: the number of key comparisons grows with n, not n**2."""
    from rebalancing import scenario

    calls = []

    class CountingSet(set):
        def __contains__(self, k):
            calls.append(k)
            return super().__contains__(k)

    monkeypatch.setattr(scenario, "set", CountingSet, raising=False)
    n = MAX_KEYS
    doc = "{" + ",".join(f'"k{i}": 1' for i in range(n - 1)) + ', "k0": 2}'
    with pytest.raises(ScenarioError, match="key 'k0' appears twice"):
        parse_scenario(doc, "dup.json")
    assert len(calls) <= n


def test_many_unknown_toml_keys_are_refused():
    doc = "[orderly]\n" + "\n".join(f"k{i} = 1" for i in range(25_000))
    with pytest.raises(ScenarioError, match="many.toml: more than 20,000 lines"):
        parse_scenario(doc, "many.toml")
    doc = "[orderly]\n" + "\n".join(f"k{i} = 1" for i in range(2_500))
    with pytest.raises(ScenarioError, match="orderly.k0: unknown lever"):
        parse_scenario(doc, "many.toml")


# --- outputs that are inputs -------------------------------------------------------------


@pytest.mark.parametrize("out", ["s.json", "./s.json", "../{dir}/s.json", "link.json"])
def test_out_naming_the_scenario_is_refused_and_the_file_untouched(tmp_path, monkeypatch, out):
    monkeypatch.chdir(tmp_path)
    Path("s.json").write_text('{"global": {"horizon": 2035}}')
    Path("link.json").symlink_to("s.json")
    before = Path("s.json").read_bytes()
    rc, _, err = cli("run", "--scenario", "s.json", "--out", out.format(dir=tmp_path.name))
    assert rc == 2
    assert "it is the scenario file (--scenario); nothing was written" in error_line(err)
    assert Path("s.json").read_bytes() == before
    assert not Path("s.meta.json").exists()


def test_the_metadata_beside_out_naming_the_scenario_is_refused(tmp_path, monkeypatch):
    """`run --scenario r.meta.json --out r.csv` would write r.meta.json over its input."""
    monkeypatch.chdir(tmp_path)
    Path("r.meta.json").write_text('{"global": {"horizon": 2035}}')
    before = Path("r.meta.json").read_bytes()
    rc, _, err = cli("run", "--scenario", "r.meta.json", "--out", "r.csv")
    assert rc == 2
    assert error_line(err).endswith(
        "cannot write r.meta.json, the metadata beside r.csv: it is the scenario file "
        "(--scenario); nothing was written"
    )
    assert Path("r.meta.json").read_bytes() == before and not Path("r.csv").exists()


def test_a_hard_link_to_the_scenario_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("s.json").write_text("{}")
    os.link("s.json", "same.csv")
    rc, _, err = cli("run", "--scenario", "s.json", "--out", "same.csv")
    assert rc == 2 and "it is the scenario file" in err and Path("s.json").read_text() == "{}"


@pytest.mark.parametrize("command", [("defaults",), ("history",), ("run",)])
def test_out_naming_a_data_file_is_refused(tmp_path, monkeypatch, command):
    import shutil

    from rebalancing.data import data_dir

    data = tmp_path / "data"
    shutil.copytree(data_dir(), data)
    monkeypatch.setenv("REBALANCING_DATA_DIR", str(data))
    before = (data / "facts.csv").read_bytes()
    rc, _, err = cli(*command, "--out", str(data / "facts.csv"))
    assert rc == 2 and "it is a data file the model reads (facts.csv)" in error_line(err)
    assert (data / "facts.csv").read_bytes() == before


# --- ASCII numbers -----------------------------------------------------------------------


@pytest.mark.parametrize("flag", [("run", "--horizon"), ("history", "--horizon")])
@pytest.mark.parametrize("text", ["٢٠٥٠", "２０５０", "2_050", " 2050", "2050.0", "२०५०"])
def test_unicode_digits_in_flags_are_refused(tmp_path, monkeypatch, flag, text):
    monkeypatch.chdir(tmp_path)
    rc, _, err = cli(*flag, text, "--out", "x.csv")
    assert rc == 2 and "is not a year" in error_line(err)
    assert not Path("x.csv").exists()


def test_unicode_digits_in_first_year_are_refused():
    rc, _, err = cli("data", "refresh", "--first-year", "١٩٩٠")
    assert rc == 2 and "argument --first-year: '١٩٩٠' is not a year" in error_line(err)


@pytest.mark.parametrize("text", ["٣", "３", "١.٥", "𝟑"])
def test_unicode_digits_in_a_url_are_refused(text):
    values, warnings = parse_query({"orderly.kappa": [text]}, VIEWS)
    assert values == {}
    assert warnings == [
        f"orderly.kappa: {text!r} is not a number (use the digits 0-9); using the default"
    ]


def test_unicode_digits_in_a_url_year_are_refused():
    values, warnings = parse_query({"year": ["٢٠٣٠"], "years": ["2030,٢٠٤٠"]}, VIEWS)
    assert values == {} and len(warnings) == 2


@pytest.mark.parametrize(
    "text,value", [("1.5", 1.5), ("-0", 0.0), ("2e0", 2.0), (".5", 0.5), ("3.", 3.0)]
)
def test_ascii_decimals_are_read(text, value):
    assert number_from_text(text, "x") == value


# --- numbers that round to zero or infinity ----------------------------------------------


@pytest.mark.parametrize(
    "content,name,needle",
    [
        (b'{"orderly": {"kappa": 1e-400000}}', "s.json", "1e-400000 is too small"),
        (b'{"orderly": {"kappa": 1e400}}', "s.json", "1e400 is too large"),
        (b"[orderly]\nkappa = 1e-400000\n", "s.toml", "1e-400000 is too small"),
        (b"[orderly]\nkappa = 1e400\n", "s.toml", "1e400 is too large"),
        (b'{"orderly": {"kappa": -Infinity}}', "s.json", "-Infinity is not a finite number"),
        (b"[orderly]\nkappa = -nan\n", "s.toml", "-nan is not a finite number"),
        (b'{"disorderly": {"side": 1e400}}', "s.json", "1e400 is too large"),
        (b'{"global": {"two_country": 1e-999}}', "s.json", "1e-999 is too small"),
    ],
)
def test_numbers_that_round_to_zero_or_infinity_are_refused(content, name, needle):
    with pytest.raises(ScenarioError) as e:
        parse_scenario(content, name)
    assert needle in str(e.value) and str(e.value).split(":")[0] in LEVERS


@pytest.mark.parametrize("text", ["0e-400000", "0.000", "-0.0e5"])
def test_an_explicit_zero_is_still_zero(text):
    assert parse_scenario(f'{{"orderly": {{"kappa": {text}}}}}', "s.json").orderly.kappa == 0.0
    assert number_from_text(text, "x") == 0.0


@pytest.mark.parametrize(
    "text,needle",
    [
        ("1e400", "orderly.kappa: 1e400 is too large"),
        ("1e-400000", "orderly.kappa: 1e-400000 is too small"),
        ("inf", "orderly.kappa: 'inf' is not a number"),
        ("nan", "orderly.kappa: 'nan' is not a number"),
    ],
)
def test_url_numbers_that_round_are_refused(text, needle):
    values, warnings = parse_query({"orderly.kappa": [text]}, VIEWS)
    assert values == {} and len(warnings) == 1 and warnings[0].startswith(needle)


# --- control characters in messages ------------------------------------------------------

EVIL = "\x1b[31mred\x1b[0m\nsecond line\r\x07\u2028\x85\u202e"


def test_control_characters_in_file_keys_are_escaped():
    for doc in (
        json.dumps({EVIL: 1}),
        json.dumps({"orderly": {EVIL: 1}}),
        json.dumps({"orderly.kappa" + EVIL: 1}),
        json.dumps({"disorderly": {"side": EVIL}}),
        json.dumps({"format_version": EVIL}),
    ):
        with pytest.raises(ScenarioError) as e:
            parse_scenario(doc, "evil.json")
        one_line(str(e.value))
        assert "\\x1b[31mred" in str(e.value)


def test_control_characters_in_a_file_name_are_escaped():
    with pytest.raises(ScenarioError) as e:
        parse_scenario(b"{", "a\x1b[2J\nb.json")
    one_line(str(e.value))
    assert str(e.value).startswith("a\\x1b[2J\\nb.json: not valid JSON")


def test_control_characters_in_url_keys_and_values_are_escaped():
    _, warnings = parse_query(
        {EVIL: ["1"], "orderly.kappa": [EVIL], "view": [EVIL], "global.two_country": [EVIL]},
        VIEWS,
    )
    assert len(warnings) == 4
    for w in warnings:
        one_line(w)


def test_control_characters_in_cli_arguments_are_escaped(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for argv in (
        ("run", EVIL, "--out", "x.csv"),
        ("run", "--horizon", EVIL, "--out", "x.csv"),
        ("run", "--paths", EVIL, "--out", "x.csv"),
        ("run", "--scenario", EVIL, "--out", "x.csv"),
        (EVIL,),
    ):
        rc, _, err = cli(*argv)
        assert rc == 2
        assert "\\x1b[31mred" in error_line(err)


def test_long_keys_are_cut_with_an_ellipsis():
    with pytest.raises(ScenarioError) as e:
        parse_scenario(json.dumps({"orderly": {"k" * 10_000: 1}}), "s.json")
    assert len(str(e.value)) < 200 and "…" in str(e.value)


def test_shown_escapes_every_non_printable_character():
    for c in map(chr, [*range(0, 32), *range(127, 160), 0x2028, 0x2029, 0x202E, 0xD800]):
        s = shown(f"a{c}b")
        assert s.isprintable() and s.startswith("a\\") and s.endswith("b")


# --- I/O errors name the file ------------------------------------------------------------


def test_a_full_disk_names_the_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files_mod, "_write", full)
    rc, _, err = cli("run", "--horizon", "2030", "--paths", "baseline", "--out", "out/r.csv")
    assert rc == 2
    assert error_line(err) == (
        "python -m rebalancing: error: cannot write out/r.csv: No space left on device"
    )
    for argv in (
        ("defaults", "--out", "d.json"),
        ("history", "--horizon", "2030", "--out", "h.csv"),
    ):
        rc, _, err = cli(*argv)
        assert rc == 2 and f"cannot write {argv[-1]}: No space left on device" in err


def test_a_full_disk_on_close_names_the_file(tmp_path, monkeypatch):
    real_close = os.close
    closed = []

    def close(fd):
        real_close(fd)
        if not closed:
            closed.append(fd)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files_mod.os, "close", close)
    with pytest.raises(OSError, match="cannot write .*d.json: No space left on device"):
        files_mod.write_text(tmp_path / "d.json", "{}")


def test_dev_full_is_refused_as_an_output():
    rc, _, err = cli("defaults", "--out", "/dev/full")
    assert rc == 2 and "cannot write /dev/full: it is a character device" in error_line(err)


def test_an_unwritable_folder_names_the_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("afile").write_text("")
    rc, _, err = cli("defaults", "--out", "afile/sub/d.json")
    assert rc == 2 and "None" not in err
    assert "afile/sub" in error_line(err)


def test_no_error_says_none(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for argv in (
        ("run", "--out", "."),
        ("run", "--out", "nope/../.."),
        ("defaults", "--out", "/"),
        ("run", "--out", "a\x00b"),
        ("run", "--out", ""),
        ("run", "--scenario", "x" * 5000, "--out", "r.csv"),
    ):
        rc, _, err = cli(*argv)
        assert rc == 2 and "None" not in err, err
        error_line(err)


# --- Scenario construction is validated ---------------------------------------------------


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, "2", None, [1], True, 99])
def test_scenario_constructors_refuse_bad_values(bad):
    from rebalancing.scenario import OrderlyLevers

    for make in (
        lambda: OrderlyLevers(kappa=bad),
        lambda: Scenario(orderly=OrderlyLevers(kappa=bad)),
        lambda: dataclasses.replace(Scenario().orderly, kappa=bad),
        lambda: Scenario().with_values({"orderly.kappa": bad}),
        lambda: scenario_from_dict({"orderly": {"kappa": bad}}),
    ):
        with pytest.raises(ScenarioError) as e:
            make()
        assert e.value.field == "orderly.kappa" and str(e.value).startswith("orderly.kappa: ")


def test_nan_cannot_reach_the_metadata_export():
    """On main, Scenario(orderly=OrderlyLevers(kappa=nan)) was built, and the metadata
    export raised ValueError (NaN is not JSON)."""
    from rebalancing.scenario import OrderlyLevers

    with pytest.raises(ScenarioError, match="orderly.kappa: nan is not a finite number"):
        Scenario(orderly=OrderlyLevers(kappa=math.nan))


@pytest.mark.parametrize("bad", [None, 3, {"kappa": 1.0}, "orderly"])
def test_a_group_of_the_wrong_type_is_refused(bad):
    with pytest.raises(ScenarioError, match="orderly: expected OrderlyLevers") as e:
        Scenario(orderly=bad)
    assert e.value.field == "orderly"
    from rebalancing.scenario import BaselineLevers

    with pytest.raises(ScenarioError, match="orderly: expected OrderlyLevers, got BaselineLevers"):
        Scenario(orderly=BaselineLevers())


def test_with_values_needs_a_mapping():
    with pytest.raises(ScenarioError, match="values: expected a mapping"):
        Scenario().with_values([("orderly.kappa", 1.0)])


def test_constructed_values_are_normalised():
    """Ints given for floats become floats, whole floats for ints become ints: the same
    scenario whichever way it is built."""
    from rebalancing.scenario import GlobalSettings, OrderlyLevers

    assert type(OrderlyLevers(kappa=1).kappa) is float
    assert type(GlobalSettings(horizon=2050.0).horizon) is int
    assert Scenario(global_=GlobalSettings(horizon=2050.0)) == Scenario().with_values(
        {"global.horizon": 2050}
    )


def bad_values(lev):
    """Values lever ``lev`` must refuse."""
    wrong_types = st.sampled_from([None, [], {}, b"1", "1", 1j, object(), (1,), math.nan])
    if lev.choices:
        return st.one_of(
            wrong_types,
            st.integers(),
            st.floats(),
            st.text().filter(lambda s: s not in lev.choices),
        )
    if lev.kind == "bool":
        return st.one_of(wrong_types, st.integers(), st.floats(), st.text())
    out_of_range = st.one_of(
        st.floats(max_value=lev.lo, exclude_max=True),
        st.floats(min_value=lev.hi, exclude_min=True),
        st.integers(max_value=math.ceil(lev.lo) - 1),
        st.integers(min_value=math.floor(lev.hi) + 1),
    )
    extra = [wrong_types, st.booleans(), st.text(), out_of_range]
    if lev.kind == "int":
        extra.append(
            st.floats(lev.lo, lev.hi).filter(lambda v: not float(v).is_integer()),
        )
    return st.one_of(*extra)


@st.composite
def bad_constructions(draw):
    """(what, a zero-argument call that must raise ScenarioError, the field it names)."""
    lid = draw(st.sampled_from(list(LEVERS)))
    lev = LEVERS[lid]
    v = draw(bad_values(lev))
    cls = GROUPS[lev.group]
    attr = "global_" if lev.group == "global" else lev.group
    how = draw(st.sampled_from(["group", "scenario", "replace", "with_values", "from_dict"]))
    calls = {
        "group": lambda: cls(**{lev.name: v}),
        "scenario": lambda: Scenario(**{attr: cls(**{lev.name: v})}),
        "replace": lambda: dataclasses.replace(Scenario().group(lev.group), **{lev.name: v}),
        "with_values": lambda: Scenario().with_values({lid: v}),
        "from_dict": lambda: scenario_from_dict({lev.group: {lev.name: v}}),
    }
    if draw(st.booleans()) and how == "scenario":  # a whole group of the wrong type
        other = draw(st.sampled_from([None, 0, v, {lev.name: v}, *(c() for c in GROUPS.values())]))
        if not isinstance(other, cls):
            return (f"Scenario({attr}={other!r})", lambda: Scenario(**{attr: other}), lev.group)
    return (f"{how} {lid}={v!r}", calls[how], lid)


@settings(max_examples=300, deadline=None)
@given(bad_constructions())
def test_300_random_bad_constructions_raise_scenario_error(case):
    what, make, field = case
    with pytest.raises(ScenarioError) as e:
        make()
    assert e.value.field == field, what
    one_line(str(e.value))


def test_validate_value_refuses_what_the_constructor_refuses():
    lev = LEVERS["global.horizon"]
    assert validate_value(lev, 2050.0) == 2050
    with pytest.raises(ScenarioError, match="out of range"):
        validate_value(lev, 10**5000)


# --- the URL query: what app.py did, in the package -------------------------------------


@pytest.mark.parametrize(
    "pairs,values,warnings",
    [
        (
            {"orderly.kappa": ["1.5"], "global.two_country": ["true"], "view": ["mirror"]},
            {"orderly.kappa": 1.5, "global.two_country": True, "view": "mirror"},
            [],
        ),
        (
            {"path": ["orderly"], "year": ["2030"], "years": ["2030,2040,2030"]},
            {"path": "orderly", "year": 2030, "years": [2030, 2040]},
            [],
        ),
        ({"present": ["YES"]}, {"present": True}, []),
        ({"global.horizon": ["2050.0"]}, {"global.horizon": 2050}, []),
        ({"disorderly.side": ["CN"]}, {"disorderly.side": "CN"}, []),
        (
            {"orderly.kappa": ["abc"]},
            {},
            ["orderly.kappa: 'abc' is not a number; using the default"],
        ),
        (
            {"orderly.kappa": ["9"]},
            {},
            [
                "orderly.kappa: 9.0 is out of range [0.0, 3.0] (% per pp per year); "
                "using the default"
            ],
        ),
        (
            {"global.horizon": ["2040.5"]},
            {},
            ["global.horizon: expected a whole number (year), got 2040.5; using the default"],
        ),
        (
            {"global.two_country": ["maybe"]},
            {},
            ["global.two_country: 'maybe' is not true or false; using the default"],
        ),
        (
            {"disorderly.side": ["EU"]},
            {},
            ["disorderly.side: 'EU' is not one of US, CN; using the default"],
        ),
        (
            {"view": ["nope"]},
            {},
            [f"view: 'nope' is not one of {', '.join(VIEWS)}; using the default"],
        ),
        ({"bogus": ["1"]}, {}, ["bogus: unknown parameter; ignored"]),
        ({"year": ["²"]}, {}, ["year: '²' is not a year; using the default"]),
        ({"present": ["maybe"]}, {}, ["present: 'maybe' is not true or false; using the default"]),
        (
            {"years": ["2030,soon"]},
            {},
            ["years: '2030,soon' is not a comma-separated list of years; using the default"],
        ),
        (
            {"orderly.kappa": ["1.5", "2.5"]},
            {"orderly.kappa": 2.5},
            ["orderly.kappa: given 2 times; the last value is used"],
        ),
        (
            {"global.closure": ["0.5"]},
            {},
            [
                "global.closure: this lever no longer exists; use global.monetary_response "
                "(an inertial Taylor rule now closes output gaps; 1.0 = Taylor 1993); ignored"
            ],
        ),
        ({"orderly.kappa": []}, {}, []),
    ],
)
def test_parse_query(pairs, values, warnings):
    assert parse_query(pairs, VIEWS) == (values, warnings)


def test_parse_query_caps_the_warnings():
    _, warnings = parse_query({f"nonsense{k}": ["1"] for k in range(120)}, VIEWS)
    assert len(warnings) == MAX_WARNINGS + 1
    assert warnings[-1] == "… and 70 more"
    assert warnings[0] == "nonsense0: unknown parameter; ignored"


def test_a_year_of_5000_digits_is_one_short_warning():
    _, warnings = parse_query({"year": ["9" * 5000]}, VIEWS)
    assert len(warnings) == 1 and len(warnings[0]) < 100 and "is not a year" in warnings[0]
