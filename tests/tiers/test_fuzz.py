"""Fuzz tier (hypothesis): every input path gives a valid result or one line naming the
field -- never a traceback, a hang, or a file written over an input.

(a) scenario files: JSON and TOML documents built from valid and mutated levers, random keys
    with control characters, huge integers, Unicode digits, NaN and overflowing literals,
    byte-order marks, deep nesting, truncation and random bytes, through ``parse_scenario``
    and ``load_scenario``;
(b) URL queries through ``rebalancing.share.parse_query``;
(c) CLI argument lists through ``rebalancing.cli.main`` in-process, in a sandbox folder
    with good and hostile input files (a FIFO, a folder, a sparse 1 MB file, links to the
    scenario) and a copy of the data; the expensive model runs are replaced by a stored
    result there, and a second test makes real runs at a short horizon.

Each case runs under a SIGALRM time limit, so a hang fails the case instead of the suite.
``REBALANCING_FUZZ_EXAMPLES`` raises the number of cases (default 1,000 per input path).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import re
import shutil
import signal
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from rebalancing import LEVERS, PATHS, Scenario, ScenarioError, dumps_scenario, parse_scenario
from rebalancing.scenario import MAX_SCENARIO_BYTES, RETIRED, load_scenario, validate_value
from rebalancing.share import MAX_WARNINGS, parse_query
from strategies import lever_values

EXAMPLES = int(os.environ.get("REBALANCING_FUZZ_EXAMPLES", "1000"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # a loaded 2-core machine; hangs are caught by time_limit instead
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
VIEWS = ("compare", "mirror", "sectoral", "history", "accounts", "validation")


class Hang(BaseException):
    """A case ran past its time limit (BaseException: no `except Exception` swallows it)."""


@contextlib.contextmanager
def time_limit(seconds: float):
    def on_alarm(signum, frame):
        raise Hang(f"more than {seconds} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def assert_one_line(message: str, limit: int = 2000) -> None:
    assert message and message.isprintable() and len(message) <= limit, repr(message[:300])


# --- (a) scenario files --------------------------------------------------------------------

CONTROL = "\x00\x07\x08\t\n\r\x1b\x7f\x85\x9b\u2028\u2029\u202e\ufeff"
HOSTILE_TEXT = st.text(
    alphabet=st.one_of(st.sampled_from(CONTROL + "[];=.\"'{},0123456789٣"), st.characters()),
    max_size=40,
)


class Raw:
    """A literal written into the document as is (a number no serializer would write)."""

    def __init__(self, text: str):
        self.text = text


LITERALS = [
    *("1" * n for n in (19, 400, 4300, 4301, 5000)),
    "-" + "9" * 4301,
    "1e400",
    "-1e400",
    "1e-400000",
    "0e-400000",
    "-0",
    "2.5e-324",
    "1e308",
    "NaN",
    "Infinity",
    "-Infinity",
    "nan",
    "-inf",
    "٣",
    "２０５０",
    "0x" + "f" * 5000,
    "1_000",
    "2050.0",
    "2040.5",
    "true",
    "{}",
    "[1, 2]",
    '"\\u001b[2J"',
    '"\\ud800"',
    "[" * 3000 + "]" * 3000,
    "{" * 100 + "}" * 100,
    "[" * 100_000 + "]" * 100_000,
]


#: Literals that no lever accepts whatever the file says around them: numbers that round
#: to infinity or to zero, NaN and infinity, integers of thousands of digits, Unicode digits.
NEVER = {lit for lit in LITERALS if lit not in ("0e-400000", "-0", "2.5e-324", "1_000")}
NEVER -= {"2050.0", "2040.5", "true", '"\\ud800"'}


def refused_literal(doc) -> bool:
    """Whether a lever of ``doc`` (nested, flat or metadata form) holds a NEVER literal."""
    if isinstance(doc, dict) and isinstance(doc.get("scenario"), dict):
        doc = doc["scenario"]
    if not isinstance(doc, dict):
        return False
    for key, value in doc.items():
        tables = value.items() if isinstance(value, dict) else []
        pairs = [(key, value)] + [(f"{key}.{k}", v) for k, v in tables]
        for lid, v in pairs:
            if lid in LEVERS and isinstance(v, Raw) and v.text in NEVER:
                return True
    return False


def weird_values():
    return st.one_of(
        st.builds(Raw, st.sampled_from(LITERALS)),
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.booleans(),
        HOSTILE_TEXT,
        st.none(),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    )


def keys():
    ids = list(LEVERS)
    return st.one_of(
        st.sampled_from(ids),
        st.sampled_from(ids),
        st.sampled_from([*RETIRED, "format_version", "package", "scenario", "global", "x.y"]),
        HOSTILE_TEXT,
    )


@st.composite
def lever_entries(draw):
    """(lever id or junk key, value): mostly valid values, some mutated."""
    key = draw(keys())
    lev = LEVERS.get(key)
    choice = draw(st.integers(0, 5))
    if lev is not None and choice <= 2:
        return key, draw(lever_values(lev))
    if choice <= 4:
        return key, Raw(draw(st.sampled_from(LITERALS)))
    return key, draw(weird_values())


def nest(entries: list) -> dict:
    out: dict = {}
    for key, value in entries:
        group, _, name = key.partition(".") if isinstance(key, str) else (key, "", "")
        if name:
            table = out.setdefault(group, {})
            if isinstance(table, dict):
                table[name] = value
        else:
            out[group] = value
    return out


def serialize(doc: dict, fmt: str, ascii_only: bool) -> str:
    raws: list[str] = []

    def mark(v):
        if isinstance(v, Raw):
            raws.append(v.text)
            return f"@@RAW{len(raws) - 1}@@"
        if isinstance(v, dict):
            return {k: mark(x) for k, x in v.items()}
        if isinstance(v, list):
            return [mark(x) for x in v]
        return v

    marked = mark(doc)
    text = None
    if fmt == "toml":
        try:
            text = tomli_w.dumps(marked)
        except (TypeError, ValueError):  # None, mixed arrays: not TOML; write JSON instead
            pass
    if text is None:
        text = json.dumps(marked, ensure_ascii=ascii_only)
    for i, raw in enumerate(raws):
        text = text.replace(f'"@@RAW{i}@@"', raw)
    return text


MUTATIONS = ["bom", "cut", "insert", "dup"]


@st.composite
def scenario_documents(draw):
    """(bytes, file name, whether it must be refused) of a scenario document."""
    kinds = ["valid", "valid", "literal", "literal", "nested", "flat", "meta", "bytes", "many"]
    kind = draw(st.sampled_from(kinds))
    clean = kind in ("valid", "literal")
    if clean:  # levers over their ranges: load unless mutated or
        lids = draw(st.lists(st.sampled_from(list(LEVERS)), max_size=12, unique=True))
        entries = [(lid, draw(lever_values(LEVERS[lid]))) for lid in lids]
        if kind == "literal":  # ... one literal that no lever accepts
            bad = Raw(draw(st.sampled_from(sorted(NEVER))))
            if entries:
                i = draw(st.integers(0, len(entries) - 1))
                entries[i] = (entries[i][0], bad)
            else:
                entries = [("orderly.kappa", bad)]
        kind = draw(st.sampled_from(["nested", "flat"]))
    elif kind == "bytes":
        return (
            draw(st.binary(max_size=300)),
            draw(st.sampled_from(["s.json", "s.toml", "up"])),
            False,
        )
    else:
        entries = draw(st.lists(lever_entries(), max_size=8))
    fmt = draw(st.sampled_from(["json", "toml"]))
    if kind == "many":  # very many keys
        n = draw(st.sampled_from([900, 1001, 5000]))
        doc = {f"orderly.k{i}": 1 for i in range(n)}
    elif kind == "flat":
        doc = {k: v for k, v in entries}
    else:
        doc = nest(entries)
        if draw(st.booleans()):
            version = st.sampled_from([1, 2]) if clean else st.just(2) | weird_values()
            doc["format_version"] = draw(version)
        if kind == "meta":
            doc = {"package": "rebalancing", "version": "0.2.0", "scenario": doc}
    text = serialize(doc, fmt, ascii_only=draw(st.booleans()))
    mutations = st.lists(st.sampled_from(MUTATIONS), max_size=2)
    mutations = draw(st.lists(st.just("bom"), max_size=1) if clean else st.just([]) | mutations)
    must_fail = refused_literal(doc) and "insert" not in mutations and "cut" not in mutations
    for mutation in mutations:
        if mutation == "bom":
            text = "\ufeff" + text
        elif mutation == "cut" and text:
            text = text[: draw(st.integers(0, len(text) - 1))]
        elif mutation == "insert":
            at = draw(st.integers(0, len(text)))
            text = text[:at] + draw(HOSTILE_TEXT) + text[at:]
        elif mutation == "dup":
            lines = text.splitlines(keepends=True)
            if lines:
                i = draw(st.integers(0, len(lines) - 1))
                text = "".join(lines[: i + 1] + lines[i:])
    name = draw(st.sampled_from([f"s.{fmt}", f"s.{fmt}", "upload", "s.JSON", "a\x1b[2J\n.toml"]))
    return text.encode("utf-8", "surrogatepass"), name, must_fail


def check_scenario(content: bytes, name: str):
    """A valid Scenario (every value valid and normalised) or a one-line ScenarioError."""
    try:
        scn = parse_scenario(content, name)
    except ScenarioError as e:
        assert_one_line(str(e))
        assert e.field is None or isinstance(e.field, str)
        return ("error", str(e))
    for lid, v in scn.flat().items():
        lev = LEVERS[lid]
        assert type(v) is lev.type and validate_value(lev, v) == v, (lid, v)
    assert parse_scenario(dumps_scenario(scn), "again.json") == scn
    return ("ok", scn)


@pytest.fixture(scope="module")
def doc_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("docs")


@FUZZ
@given(scenario_documents())
def test_fuzz_scenario_files(doc_dir, doc):
    content, name, must_fail = doc
    with time_limit(10):
        outcome = check_scenario(content, name)
        event(f"scenario file: {outcome[0]}")
        if must_fail:
            assert outcome[0] == "error", "a lever took a literal no lever accepts"
        if len(content) <= MAX_SCENARIO_BYTES:  # the same verdict read from disk
            safe = "doc" + (Path(name).suffix.lower() if name.isprintable() else "")
            p = doc_dir / safe
            p.write_bytes(content)
            try:
                from_disk = ("ok", load_scenario(p))
            except ScenarioError as e:
                from_disk = ("error", str(e))
            assert from_disk == check_scenario(content, safe)


# --- (b) URL queries -----------------------------------------------------------------------

SPECIAL = ["view", "path", "year", "years", "present", *RETIRED]
URL_TEXT = [
    "1.5",
    "2050",
    "2050.0",
    "٣",
    "１",
    "1e400",
    "1e-400000",
    "inf",
    "nan",
    " 3",
    "3_0",
    "true",
    "FALSE",
    "yes",
    "maybe",
    "2030,2040",
    "2030,2030",
    "9" * 5000,
    "\x1b[31m\n",
    "",
    *VIEWS,
    *PATHS,
]


def url_text(lev=None):
    options = [st.sampled_from(URL_TEXT), HOSTILE_TEXT]
    if lev is not None:  # what share_params writes for a valid value
        options.append(
            lever_values(lev).map(lambda v: str(v).lower() if isinstance(v, bool) else str(v))
        )
    return st.one_of(*options)


@st.composite
def url_queries(draw):
    pairs = {}
    for _ in range(draw(st.integers(0, 10))):
        key = draw(st.one_of(st.sampled_from(list(LEVERS) + SPECIAL), HOSTILE_TEXT))
        pairs[key] = draw(st.lists(url_text(LEVERS.get(key)), max_size=3))
    if draw(st.integers(0, 9)) == 0:  # a link with very many bad parameters
        for i in range(draw(st.integers(40, 120))):
            pairs[f"junk{i}"] = ["1"] * draw(st.integers(1, 2))
    return pairs


@FUZZ
@given(url_queries())
def test_fuzz_url_queries(pairs):
    with time_limit(10):
        values, warnings = parse_query(pairs, VIEWS)
    for w in warnings:
        assert_one_line(w, 400)
    allowed = set(LEVERS) | {"view", "path", "year", "years", "present"}
    assert set(values) <= allowed
    for key, v in values.items():
        if key in LEVERS:
            lev = LEVERS[key]
            assert type(v) is lev.type and validate_value(lev, v) == v
            raw = pairs[key][-1]
            if lev.kind != "choice" and lev.kind != "bool":  # an ASCII decimal, as written
                assert re.fullmatch(r"[-+]?[0-9.]+([eE][-+]?[0-9]+)?", raw), raw
                mantissa = re.split("[eE]", raw)[0]
                assert v == float(raw) and (v != 0 or not re.search("[1-9]", mantissa)), raw
        elif key in ("view", "path"):
            assert v in (VIEWS if key == "view" else PATHS)
        elif key == "present":
            assert type(v) is bool
        elif key == "year":
            assert type(v) is int and 1000 <= v <= 9999
        else:
            assert len(set(v)) == len(v) and all(type(y) is int for y in v)
    # every parameter given is either used or warned about, once (plus once if repeated)
    expected = sum((len(g) > 1) + (k not in values) for k, g in pairs.items() if g)
    if expected <= MAX_WARNINGS:
        assert len(warnings) == expected
    else:
        assert len(warnings) == MAX_WARNINGS + 1
        assert warnings[-1] == f"… and {expected - MAX_WARNINGS} more"
    event(f"url: {'warnings' if warnings else 'clean'}")


# --- (c) the command line ------------------------------------------------------------------

INPUTS = {
    "good.json": dumps_scenario(Scenario().with_values({"orderly.kappa": 1.5}), "json"),
    "good.toml": dumps_scenario(Scenario().with_values({"global.two_country": True}), "toml"),
    "r.meta.json": json.dumps({"package": "rebalancing", "scenario": {"orderly": {"band": 4}}}),
    "bad.json": '{"orderly": {"kappa": 9}}',
    "huge.toml": "[global]\nhorizon = " + "1" * 4301 + "\n",
    "evil.json": json.dumps({"\x1b[31mred\nkey": 1}),
    "nan.json": '{"orderly": {"kappa": NaN}}',
    "empty.json": "",
    "deep.json": "[" * 5000 + "]" * 5000,
}
PATH_NAMES = [
    *INPUTS,
    "link.json",
    "hard.csv",
    "fifo",
    "folder",
    "sparse.json",
    "/dev/zero",
    "/dev/full",
    "/dev/null",
    ".",
    "",
    "a\x00b",
    "missing.json",
    "new.csv",
    "new.json",
    "new.toml",
    "r.csv",
    "out/new.csv",
    "folder/new.csv",
    "../data/facts.csv",
    "../data/macro_history.csv",
    "x" * 300,
    "\x1b[31m.csv",
]
#: What --scenario names: the inputs and every kind of file that is not one.
READ_NAMES = [*INPUTS, "link.json", "hard.csv", "fifo", "folder", "sparse.json", "/dev/zero"]
READ_NAMES += ["/dev/null", "missing.json", ".", "", "a\x00b", "x" * 300, "../data/facts.csv"]
NO_SLASH = st.text(
    alphabet=st.characters(exclude_characters="/\\\x00", exclude_categories=("Cs",)),
    max_size=12,
) | st.sampled_from(["-", "--", "-h", "--help", "=", "--out=new.csv", "--horizon=2030"])
YEARS = st.sampled_from(["2030", "2031", "2100", "2029", "٢٠٥٠", "2_030", " 2030", "2030.0", ""])
FLAGS = {
    "--scenario": st.sampled_from(READ_NAMES),
    "--out": st.sampled_from(PATH_NAMES),
    "--markdown": st.sampled_from(PATH_NAMES),
    "--out-dir": st.sampled_from(PATH_NAMES),
    "--horizon": YEARS | NO_SLASH,
    "--first-year": st.sampled_from(["1990", "1959", "١٩٩٠", "x"]) | NO_SLASH,
    "--paths": st.sampled_from(["baseline", "baseline,orderly", "nope", ",", "orderly,orderly"])
    | NO_SLASH,
    "--two-country": None,
    "--refit": None,
    "-h": None,
}
COMMANDS = [["run"], ["run"], ["run"], ["defaults"], ["levers"], ["history"], ["validate"]]
COMMANDS += [["data", "refresh"], ["data"], ["explode"], []]
#: The flags each command takes, for well-formed command lines.
COMMAND_FLAGS = {
    "run": ["--scenario", "--two-country", "--paths", "--horizon", "--out"],
    "defaults": ["--out"],
    "history": ["--horizon", "--out", "--refit"],
    "validate": ["--markdown"],
    "data refresh": ["--out-dir", "--first-year"],
}
#: Mostly valid values, for command lines that get deep into the command.
LIKELY = {
    "--horizon": st.sampled_from(["2030", "2031"]) | FLAGS["--horizon"],
    "--paths": st.sampled_from(["baseline", "orderly,unilateral"]) | FLAGS["--paths"],
    "--first-year": st.just("1990") | FLAGS["--first-year"],
    "--out": st.sampled_from(["new.csv", "out/new.csv", "new.json"]) | FLAGS["--out"],
}


@st.composite
def cli_arguments(draw):
    """Command lines: mostly well formed (each flag of the command, or not, with a likely
    value), some with garbage inserted, some made of random flags."""
    argv = list(draw(st.sampled_from(COMMANDS)))
    if draw(st.integers(0, 3)):
        for flag in COMMAND_FLAGS.get(" ".join(argv), []):
            if flag == "--out" or draw(st.booleans()):
                argv.append(flag)
                if FLAGS[flag] is not None:
                    argv.append(draw(LIKELY.get(flag, FLAGS[flag])))
    else:
        for _ in range(draw(st.integers(0, 5))):
            flag = draw(st.sampled_from(list(FLAGS)))
            argv.append(flag)
            if FLAGS[flag] is not None and draw(st.integers(0, 5)):  # or the value left out
                argv.append(draw(FLAGS[flag]))
    if draw(st.integers(0, 4)) == 0:  # garbage somewhere
        argv.insert(draw(st.integers(0, len(argv))), draw(NO_SLASH))
    return argv


def cli(argv: list[str]) -> tuple[int, str, str]:
    from rebalancing.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(argv)
        except SystemExit as e:
            rc = e.code
    return rc, out.getvalue(), err.getvalue()


PROG = r"(python -m rebalancing|rebalancing)( [a-z]+)*"


def check_cli_outcome(argv, rc, out, err) -> None:
    assert "Traceback" not in err
    assert rc in (0, 1, 2), (argv, rc, err)
    lines = err.splitlines()
    if rc == 0:
        assert all(line.startswith("note: ") for line in lines), err
        return
    assert lines, (argv, rc)
    *usage, last = lines
    assert all(u.startswith(("usage:", " ")) for u in usage), err
    assert_one_line(last)
    if rc == 1:  # the refresh (offline here) and a failing validation check name themselves
        assert last.startswith(("data refresh: ", "validate: ")), err
    else:
        assert re.match(PROG + r": error: \S", last), err


def effective_inputs(argv: list[str], data: Path) -> list[Path]:
    """The files this command line reads: its (last) --scenario and the data files."""
    from rebalancing.cli import build_parser

    files = [data / n for n in ("macro_history.csv", "facts.csv", "statsmodels_fits.json")]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            args = build_parser().parse_args(argv)
        except SystemExit:
            return files
    scenario = getattr(args, "scenario", None)
    try:
        if scenario is not None and scenario.is_file():
            files.append(scenario)
    except OSError:  # a name too long
        pass
    return files


@pytest.fixture
def sandbox(tmp_path_factory):
    """A folder with the input files, a copy of the data, and the model's expensive parts
    replaced by results computed once (the real runs are tested separately)."""
    from rebalancing import history, refresh, results, validate
    from rebalancing.data import data_dir

    root = tmp_path_factory.mktemp("cli")
    data = root / "data"
    shutil.copytree(data_dir(), data)
    work = root / "work"
    work.mkdir()
    for name, text in INPUTS.items():
        (work / name).write_text(text, encoding="utf-8")
    (work / "link.json").symlink_to("good.json")
    os.link(work / "good.json", work / "hard.csv")
    os.mkfifo(work / "fifo")
    (work / "folder").mkdir()
    with open(work / "sparse.json", "wb") as f:
        f.truncate(MAX_SCENARIO_BYTES + 1)

    small = results.simulate(
        Scenario().with_values({"global.horizon": 2030, "global.two_country": True}),
        ["baseline"],
    )
    hist, proj = history.history_frame(), history.projection_frame(2030)
    checks = validate.validation_table()

    def offline(*a, **k):
        raise refresh.RefreshError("offline: the fuzz tier does not fetch")

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REBALANCING_DATA_DIR", str(data))
        mp.chdir(work)
        mp.setattr(results, "simulate", lambda scn=None, paths=None: small)
        mp.setattr(history, "history_frame", lambda h=None: hist)
        mp.setattr(history, "projection_frame", lambda horizon=2040, h=None: proj)
        mp.setattr(history, "write_fits_cache", lambda h=None: data / "statsmodels_fits.json")
        mp.setattr(validate, "validation_table", lambda: checks)
        mp.setattr(refresh, "fetch_wdi", offline)
        yield work, data


def pristine(work: Path, data: Path) -> dict[Path, bytes]:
    files = {work / n: (work / n).read_bytes() for n in INPUTS}
    files.update({p: p.read_bytes() for p in data.iterdir() if p.is_file()})
    return files


@settings(
    FUZZ,
    suppress_health_check=[*FUZZ.suppress_health_check, HealthCheck.function_scoped_fixture],
)
@given(cli_arguments())
def test_fuzz_command_line(sandbox, argv):
    """The sandbox is set up once for all cases (hence the function-scoped fixture); each
    case puts back what it changed."""
    work, data = sandbox
    inputs = {p: p.read_bytes() for p in effective_inputs(argv, data)}
    before = pristine(work, data)
    try:
        with time_limit(30):
            rc, out, err = cli(argv)
        check_cli_outcome(argv, rc, out, err)
        for p, content in inputs.items():
            assert p.read_bytes() == content, f"{p} was written over by {argv!r}"
        event(f"cli: exit {rc}")
    finally:  # put back what a legitimate --out replaced (say `defaults --out good.json`)
        for p, content in before.items():
            if p.read_bytes() != content:
                p.write_bytes(content)


@st.composite
def real_runs(draw):
    """A valid scenario file (every lever drawn over its range) and run flags at a short
    horizon; the model really runs."""
    values = {lid: draw(lever_values(lev)) for lid, lev in LEVERS.items()}
    values["global.horizon"] = 2030
    # the whole box is the adaptive engine's (the model-consistent engine's has its own
    # property test, tests/unit/test_engine3.py)
    values["global.expectations"] = "adaptive"
    fmt = draw(st.sampled_from(["json", "toml"]))
    text = dumps_scenario(Scenario().with_values(values), fmt)
    argv = [
        "run",
        "--scenario",
        f"real.{fmt}",
        "--horizon",
        draw(st.sampled_from(["2030", "2031"])),
    ]
    if draw(st.booleans()):
        argv.append("--two-country")
    if draw(st.booleans()):
        paths = draw(st.lists(st.sampled_from(list(PATHS)), min_size=1, max_size=2, unique=True))
        argv += ["--paths", ",".join(paths)]
    argv += ["--out", draw(st.sampled_from(["real.csv", "out/real.csv", f"real.{fmt}"]))]
    return text, fmt, argv


@settings(
    max_examples=min(EXAMPLES, 120), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(real_runs())
def test_fuzz_real_runs(tmp_path_factory, case):
    """A few hundred milliseconds each at most: real simulations, real files."""
    text, fmt, argv = case
    work = tmp_path_factory.mktemp("real")
    scenario = work / f"real.{fmt}"
    scenario.write_text(text, encoding="utf-8")
    cwd = os.getcwd()
    os.chdir(work)
    try:
        with time_limit(60):
            rc, out, err = cli(argv)
    finally:
        os.chdir(cwd)
    check_cli_outcome(argv, rc, out, err)
    assert scenario.read_text(encoding="utf-8") == text
    if argv[-1] == f"real.{fmt}":
        assert rc == 2 and "it is the scenario file (--scenario)" in err
    elif rc == 0:
        csv = work / argv[-1]
        meta = json.loads(csv.with_name(csv.stem + ".meta.json").read_text())
        flags = {"global.horizon": int(argv[4])}
        if "--two-country" in argv:
            flags["global.two_country"] = True
        expected = parse_scenario(text, f"real.{fmt}").with_values(flags)
        assert parse_scenario(json.dumps(meta), "r.meta.json") == expected
        assert math.isfinite(meta["largest_identity_residual"]["value"])
    event(f"real run: exit {rc}")
