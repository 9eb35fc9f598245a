"""The hostile-input tier (issue 20): every reproducer of lost work or a hang, as a real
process where it was found in one, and the corpus of the worst scenario files found
(``tests/corpus/scenario_files.json``), so CI tries them all every time.

What each asserts is what a user is owed: exit status 2 (130 when interrupted) and one
line naming the field or the file, no traceback, no hang, no input or package file written
over, and no partial file under a final name. Timings are never asserted; a hang is caught
by a generous alarm (``time_limit``) or a subprocess time-out.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from rebalancing.pinned import parse_with_pinned
from rebalancing.scenario import ScenarioError, parse_scenario

CORPUS = Path(__file__).parents[1] / "corpus" / "scenario_files.json"
PROG = "python -m rebalancing"
#: Seconds after which a command counts as hung (a minute of a shared 2-core machine).
HANG = 120


class Hang(Exception):
    pass


@contextmanager
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


def corpus_text(case: dict) -> str:
    parts = []
    for text, n in case["parts"]:
        parts.append(
            "".join(text.replace("{i}", str(i)) for i in range(n)) if "{i}" in text else text * n
        )
    return "".join(parts)[:1_000_001]


CASES = json.loads(CORPUS.read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_the_corpus_of_worst_scenario_files(case):
    """Every worst file is refused with its message (or read, if valid), by the CLI's
    parser and by the upload's, and none hangs."""
    text = corpus_text(case)
    for parse in (parse_scenario, parse_with_pinned):
        with time_limit(30):
            if case["needle"] is None:
                parse(text.encode(), case["file"])
                continue
            with pytest.raises(ScenarioError) as e:
                parse(text.encode(), case["file"])
        message = str(e.value)
        assert case["needle"] in message, message
        assert message.isprintable() and len(message) < 400


# --- the command line, as real processes --------------------------------------------------


def run(*argv, cwd, env=None, timeout=HANG) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rebalancing", *map(str, argv)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def refused(r: subprocess.CompletedProcess, needle: str, status: int = 2) -> str:
    """The one error line of a refused command, checked."""
    assert "Traceback" not in r.stderr, r.stderr
    assert r.returncode == status, (r.returncode, r.stderr)
    lines = [x for x in r.stderr.splitlines() if not x.startswith(("usage:", " "))]
    error = [x for x in lines if ": error: " in x]
    assert len(error) == 1, r.stderr
    assert needle in error[0], error[0]
    return error[0]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_an_input_is_not_overwritten_through_a_folder_that_does_not_exist(tmp_path):
    assert run("defaults", "--out", "my.json", cwd=tmp_path).returncode == 0
    before = snapshot(tmp_path)
    r = run("run", "--scenario", "my.json", "--out", "newdir/../my.json", cwd=tmp_path)
    refused(r, "cannot write newdir/../my.json: it is the scenario file (--scenario)")
    assert snapshot(tmp_path) == before and not (tmp_path / "newdir").exists()


def test_the_model_s_data_is_not_overwritten_through_dot_dot(tmp_path):
    data = tmp_path / "checkout" / "data"
    shutil.copytree(
        Path(__file__).parents[2] / "data", data, ignore=shutil.ignore_patterns("vintages")
    )
    before = snapshot(data)
    (tmp_path / "work" / "somewhere").mkdir(parents=True)
    target = "nope/../../../checkout/data/facts.csv"
    r = run(
        "run",
        "--paths",
        "baseline",
        "--horizon",
        "2030",
        "--out",
        target,
        cwd=tmp_path / "work" / "somewhere",
        env={"REBALANCING_DATA_DIR": str(data)},
    )
    refused(r, "it is a data file the model reads (facts.csv); nothing was written")
    assert snapshot(data) == before
    r = run("validate", cwd=tmp_path, env={"REBALANCING_DATA_DIR": str(data)})
    assert r.returncode in (0, 1) and "Traceback" not in r.stderr  # the data still load


def test_a_folder_name_is_not_taken_for_a_file_name(tmp_path):
    refused(run("defaults", "--out", "results/", cwd=tmp_path), "is a folder, not a file name")
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def full_folder(tmp_path):
    """A folder on a 64 kB tmpfs (mounted when this process may), holding an old output of
    each command; None where nothing can be mounted (the in-process tests inject ENOSPC)."""
    mnt = tmp_path / "full"
    mnt.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        yield None
        return
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)],
        capture_output=True,
        check=False,
    )
    if r.returncode != 0:
        yield None
        return
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


FULL_DISK = {
    "run": (("run", "--out", "r.csv"), "r.csv"),
    "fan": (("fan", "--draws", "100", "--paths", "baseline,orderly", "--out", "f.csv"), "f.csv"),
    "sweep-csv": (
        ("sweep", "--grid", "orderly.kappa=0:3:4", "--no-progress", "--out", "s.csv"),
        "s.partial.csv",
    ),
    "sweep-parquet": (
        ("sweep", "--grid", "orderly.kappa=0:3:4", "--no-progress", "--out", "s.parquet"),
        "s.partial.parquet",
    ),
    "history": (("history", "--out", "h.csv"), "h.csv"),
}


@pytest.mark.parametrize("command", list(FULL_DISK))
def test_a_full_disk_leaves_the_old_output_and_names_the_file(
    full_folder, tmp_path, command, monkeypatch
):
    argv, named = FULL_DISK[command]
    out = argv[-1]
    if full_folder is None:  # no tmpfs here: inject the full disk into the writer
        from rebalancing import files
        from rebalancing.cli import main

        def full(*_):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(files, "_write", full)
        monkeypatch.chdir(tmp_path)
        Path(out).write_text("old output\n")
        if command != "sweep-parquet":
            assert main(list(argv)) == 2
            assert Path(out).read_text() == "old output\n"
        return
    (full_folder / out).write_text("old output\n")
    before = snapshot(full_folder)
    r = run(*argv, cwd=full_folder)
    refused(r, f"cannot write {named}: No space left on device")
    assert snapshot(full_folder) == before  # the old file whole, nothing else left


@pytest.mark.parametrize(
    "argv,needle",
    [
        (
            (
                "sweep",
                "--grid",
                "orderly.kappa=0:3:1000",
                "--grid",
                "global.tariff_elasticity=1:3:1000",
                "--grid",
                "orderly.band=1:5:1000",
                "--out",
                "s.csv",
            ),
            "grid: a grid of 1,000 x 1,000 x 1,000 is 1,000,000,000 model runs, more than the "
            "limit of 100,000 (raise it with --max-settings",
        ),
        (
            ("sweep", "--sample", "999999999", "--out", "s.csv"),
            "sample: the sample is 999,999,999 model runs, more than the limit of 100,000",
        ),
        (
            ("sensitivity", "--output", "US.current_account_pct_gdp@2035", "--sample", "0"),
            "sample: 0 is not a power of 2 of at least 2",
        ),
        (
            ("sensitivity", "--output", "US.current_account_pct_gdp@2035", "--sample", "3"),
            "sample: 3 is not a power of 2 of at least 2",
        ),
        (
            ("sensitivity", "--output", "US.current_account_pct_gdp@2035", "--sample", "65536"),
            "more than the limit of 100,000",
        ),
        (
            (
                "sweep",
                "--grid",
                "orderly.kappa=0:3:2",
                "--scheduler",
                "tcp://127.0.0.1:9",
                "--out",
                "s.csv",
            ),
            "scheduler: cannot connect to tcp://127.0.0.1:9 within 5 s",
        ),
    ],
    ids=["grid-1e9", "sample-1e9", "sobol-0", "sobol-3", "sobol-runs", "scheduler"],
)
def test_impossible_work_is_refused_up_front(tmp_path, argv, needle):
    refused(run(*argv, cwd=tmp_path), needle)
    assert list(tmp_path.iterdir()) == []


def test_a_limit_can_be_raised_by_its_flag(tmp_path):
    r = run(
        "sweep",
        "--grid",
        "orderly.kappa=0:3:3",
        "--max-settings",
        "2",
        "--out",
        "s.csv",
        cwd=tmp_path,
    )
    refused(r, "more than the limit of 2")
    r = run(
        "sweep",
        "--grid",
        "orderly.kappa=0:3:3",
        "--max-settings",
        "3",
        "--paths",
        "orderly",
        "--variables",
        "current_account",
        "--no-progress",
        "--out",
        "s.csv",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize(
    "text,name,needle",
    [
        (
            '{"format_version": "2"}',
            "s.json",
            "format_version: expected a whole number (1, 2 or 3), got text '2'",
        ),
        ("a." * 40_000 + "a = 1\n", "s.toml", "a dotted key of more than 6 parts"),
    ],
    ids=["format-version-text", "dotted-key-80kB"],
)
def test_bad_scenario_files_get_one_line(tmp_path, text, name, needle):
    (tmp_path / name).write_text(text)
    refused(run("run", "--scenario", name, "--out", "r.csv", cwd=tmp_path), needle)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_an_interrupted_sweep_keeps_its_whole_chunks_under_a_partial_name(tmp_path):
    (tmp_path / "s.csv").write_text("the last complete sweep\n")
    p = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rebalancing",
            "sweep",
            "--grid",
            "orderly.kappa=0:3:4000",  # minutes if not interrupted
            "--chunk",
            "2",
            "--paths",
            "orderly",
            "--no-progress",
            "--out",
            "s.csv",
        ],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C's disposition in a terminal: a test run in a background job inherits
        # SIGINT ignored (POSIX), and the sweep would then never see the interrupt
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    partial = tmp_path / "s.partial.csv"
    deadline = time.monotonic() + HANG
    seen = []  # sizes of the partial file while the sweep runs
    while p.poll() is None:
        size = partial.stat().st_size if partial.exists() else -1
        seen.append(size)
        if size >= 100_000:  # a few whole chunks
            break
        assert time.monotonic() < deadline, "the sweep wrote nothing"
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    err = p.communicate(timeout=HANG)[1]
    files = sorted(x.name for x in tmp_path.iterdir())
    assert p.returncode == 130 and "Traceback" not in err, (err, seen[-5:], len(seen), files)
    assert "are kept in s.partial.csv, not under s.csv" in err
    assert (tmp_path / "s.csv").read_text() == "the last complete sweep\n"
    lines = partial.read_text().splitlines()
    rows = int(err.split("the ")[1].split(" rows")[0])
    assert lines[0].startswith("draw,") and len(lines) == rows + 1
    assert all(line.count(",") == lines[0].count(",") for line in lines[-10:])
    assert not [x for x in tmp_path.iterdir() if x.name.startswith(".")]  # no temporary files
