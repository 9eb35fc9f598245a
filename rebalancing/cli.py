"""Command line: ``python -m rebalancing {defaults,run,levers,history,data} ...``, also installed
as the console script ``rebalancing`` (pyproject.toml), which does the same.

    python -m rebalancing defaults --out scenario.json
    python -m rebalancing run [--scenario FILE] [--two-country] [--paths a,b] [--horizon Y]
                              --out results.csv
    python -m rebalancing levers                # every lever: id, unit, range, default, source
    python -m rebalancing history --out history.csv
    python -m rebalancing data refresh          # new WDI vintage into data/vintages/
    python -m rebalancing validate [--markdown docs/validation.md]
                                                # the model against published results

A bad argument or file prints a usage line or one error line naming the field and exits
with status 2; nothing prints a traceback. Numbers are ASCII decimals (``--horizon 2050``);
a scenario must be a regular file of at most 1 MB (a device, a FIFO or a folder is refused
by name, before it is opened); an output that is an input (the scenario, the metadata
beside ``--out``, a data file) is refused before anything is written; a file that cannot
be read or written is named with the system's reason
(``error: cannot write out/r.csv: No space left on device``). Text from the command line is
quoted with control characters escaped, so an error is always one line.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from .data import data_dir
from .errors import FileError, RebalancingError, one_line, shown, shown_repr
from .files import check_outputs, make_dirs, write_text
from .paths import PATHS
from .scenario import LEVERS, Scenario, load_scenario, save_scenario


def meta_path(out: Path) -> Path:
    """``results.csv`` -> ``results.meta.json`` beside it."""
    if out.name in ("", ".", ".."):  # `--out .`: a folder, no file name to derive from
        raise FileError(
            f"cannot write {shown(out, 300)}: it is a folder, not a file name", str(out)
        )
    return out.with_name(out.stem + ".meta.json")


class Parser(argparse.ArgumentParser):
    """argparse, with its one error line made safe: argparse quotes some arguments as given
    (``unrecognized arguments: ...``), so control characters are escaped and the line cut."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {one_line(message, 500)}\n")


def _paths_arg(text: str) -> tuple[str, ...]:
    ids = tuple(dict.fromkeys(p.strip() for p in text.split(",") if p.strip()))
    bad = [shown(p, 30) for p in ids if p not in PATHS]
    if not ids or bad:
        raise argparse.ArgumentTypeError(
            f"unknown path id(s) {', '.join(bad[:5]) or '(none given)'}"
            f"{'...' if len(bad) > 5 else ''}; expected a comma-separated list of "
            f"{', '.join(PATHS)}"
        )
    return ids


def _year(text: str, lo: int, hi: int) -> int:
    """A year as ASCII digits (``int()`` would also read ``٢٠٥٠``, ``2_050`` and `` 2050``)."""
    if not re.fullmatch(r"[0-9]{1,9}", text):
        raise argparse.ArgumentTypeError(f"{shown_repr(text, 20)} is not a year")
    y = int(text)
    if not lo <= y <= hi:
        raise argparse.ArgumentTypeError(f"{y} is outside {lo}-{hi}")
    return y


def _horizon_arg(text: str) -> int:
    lev = LEVERS["global.horizon"]
    return _year(text, lev.lo, lev.hi)


def _first_year_arg(text: str) -> int:
    return _year(text, 1960, 2100)  # the World Bank's WDI starts in 1960


def _path_arg(text: str) -> Path:
    if not text:
        raise argparse.ArgumentTypeError("empty file name")
    if "\x00" in text:
        raise argparse.ArgumentTypeError(f"{shown_repr(text, 40)}: a file name cannot hold NUL")
    return Path(text)


def build_parser() -> argparse.ArgumentParser:
    # The console script `rebalancing` (pyproject.toml) and `python -m rebalancing` are one CLI.
    script = Path(sys.argv[0]).name == "rebalancing"
    ap = Parser(
        prog="rebalancing" if script else "python -m rebalancing",
        description="Exact multi-region accounting model of US-China rebalancing.",
    )
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    d = sub.add_parser("defaults", help="write the full default scenario (JSON or TOML)")
    d.add_argument(
        "--out", required=True, type=_path_arg, help="scenario file to write (.json or .toml)"
    )

    r = sub.add_parser("run", help="simulate the paths and write a tidy CSV + metadata")
    r.add_argument("--scenario", type=_path_arg, help="scenario file (.json or .toml)")
    r.add_argument("--two-country", action="store_true", help="only US and China")
    r.add_argument("--paths", type=_paths_arg, help=f"comma-separated subset of {','.join(PATHS)}")
    r.add_argument("--horizon", type=_horizon_arg, help="last year (2030-2100)")
    r.add_argument("--out", required=True, type=_path_arg, help="CSV to write")

    sub.add_parser("levers", help="list every lever with unit, range, default and source")

    h = sub.add_parser(
        "history",
        help="history 1990-2024, statsmodels trends and the "
        "status-quo projection with 80%%/95%% bands (tidy CSV)",
    )
    h.add_argument(
        "--horizon", type=_horizon_arg, default=2040, help="last projected year (default 2040)"
    )
    h.add_argument("--out", type=_path_arg, help="CSV to write")
    h.add_argument(
        "--refit",
        action="store_true",
        help="refit with statsmodels and rewrite data/statsmodels_fits.json "
        "(after replacing data/macro_history.csv)",
    )

    v = sub.add_parser(
        "validate",
        help="compare the model with published results (exit 1 if any falls outside its range)",
    )
    v.add_argument(
        "--markdown",
        type=_path_arg,
        help="also write the table as Markdown (e.g. docs/validation.md)",
    )

    dp = sub.add_parser("data", help="data maintenance")
    dsub = dp.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    rf = dsub.add_parser(
        "refresh",
        help="fetch the latest World Bank WDI vintage (needs "
        "internet) into data/vintages/ and report changes",
    )
    rf.add_argument(
        "--out-dir", type=_path_arg, help="folder for the new vintage (default data/vintages)"
    )
    rf.add_argument("--first-year", type=_first_year_arg, default=1990)
    return ap


def data_inputs() -> dict[Path, str]:
    """The data files every command reads: never to be written over by an ``--out``."""
    d = data_dir()
    return {
        d / name: f"a data file the model reads ({name})"
        for name in ("macro_history.csv", "facts.csv", "statsmodels_fits.json")
    }


def _run(args) -> int:
    inputs = data_inputs()
    if args.scenario:
        inputs[args.scenario] = "the scenario file (--scenario)"
    meta = meta_path(args.out)
    check_outputs({args.out: "", meta: f"the metadata beside {shown(args.out.name)}"}, inputs)
    scn = load_scenario(args.scenario) if args.scenario else Scenario()
    changes = {}
    if args.two_country:
        changes["global.two_country"] = True
    if args.horizon:
        changes["global.horizon"] = args.horizon
    scn = scn.with_values(changes)
    from .export import write_results  # pandas import only where needed
    from .results import simulate

    res = simulate(scn, args.paths)
    csv_path, meta = write_results(res, args.out)
    for note in res.notes():
        print(f"note: {note}", file=sys.stderr)
    print(
        f"wrote {shown(csv_path, 200)} ({len(res.paths)} paths, {len(res.regions)} regions, "
        f"{res.years[0]}-{res.years[-1]}) and {shown(meta, 200)}; largest identity residual "
        f"{res.max_residual:.2e} of world GDP"
    )
    return 0


def _history(args) -> int:
    import pandas as pd

    if args.refit:
        from .history import write_fits_cache

        print(f"wrote {write_fits_cache()}")
        if not args.out:
            return 0
    if not args.out:
        print(
            "python -m rebalancing history: error: --out is required (or --refit)", file=sys.stderr
        )
        return 2

    from .export import safe_frame
    from .history import history_frame, projection_frame

    check_outputs([args.out], data_inputs())
    df = pd.concat([history_frame(), projection_frame(args.horizon)], ignore_index=True)
    make_dirs(args.out.parent)
    write_text(
        args.out,
        safe_frame(df).to_csv(index=False, float_format="%.10g", lineterminator="\n"),
    )
    print(
        f"wrote {shown(args.out, 200)}: history {df[df.path == 'history'].year.min()}-"
        f"{df[df.path == 'history'].year.max()}, projection to {args.horizon} "
        f"({len(df)} rows)"
    )
    return 0


def _validate(args) -> int:
    from .validate import markdown, text, validation_table

    if args.markdown:
        check_outputs([args.markdown], data_inputs())
    checks = validation_table()
    print(text(checks), end="")
    outside = [c.id for c in checks if not c.inside]
    print(
        f"{len(checks) - len(outside)} of {len(checks)} published results inside their "
        f"range" + (f"; outside: {', '.join(outside)}" if outside else "")
    )
    if args.markdown:
        make_dirs(args.markdown.parent)
        write_text(args.markdown, VALIDATION_HEADER + markdown(checks))
        print(f"wrote {shown(args.markdown, 200)}")
    return 1 if outside else 0


VALIDATION_HEADER = """# Validation against published results

Generated by `python -m rebalancing validate --markdown docs/validation.md` from
`rebalancing/validate.py`; the published figures are rows of `data/facts.csv` (with their
sources and vintages), and `tests/test_validate.py` asserts that every check is inside and
that this file is current. Each row: the study, its figure, the range the model's figure
must fall in (and why), the lever settings that reproduce the experiment, the model's
figure.

"""


def _refresh(args) -> int:
    from .refresh import RefreshError, refresh

    try:
        path, changes = refresh(args.out_dir, args.first_year)
    except RefreshError as e:
        print(f"data refresh: {e}; the shipped data are unchanged", file=sys.stderr)
        return 1
    print(f"wrote new vintage {path} (the shipped data/macro_history.csv is unchanged)")
    print("series                              compared  changed  new  max |change|")
    for c in changes:
        print(f"{c.series:<36}{c.compared:>8}{c.changed:>9}{c.new:>5}  {c.max_abs_change:.6g}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    try:
        if args.command == "defaults":
            check_outputs([args.out], data_inputs())
            save_scenario(Scenario(), args.out)
            print(f"wrote {shown(args.out, 200)}")
            return 0
        if args.command == "levers":
            for lev in LEVERS.values():
                rng = (
                    f"{'|'.join(lev.choices)}"
                    if lev.choices
                    else "true|false"
                    if lev.kind == "bool"
                    else f"{lev.lo}..{lev.hi}"
                )
                print(
                    f"{lev.id}\t{lev.unit}\t{rng}\tdefault {json.dumps(lev.default)}\t"
                    f"{lev.help}\t[{lev.source}]"
                )
            return 0
        if args.command == "run":
            return _run(args)
        if args.command == "history":
            return _history(args)
        if args.command == "data":
            return _refresh(args)
        if args.command == "validate":
            return _validate(args)
    except RebalancingError as e:  # scenario, file, data, model and identity errors
        print(f"{ap.prog}: error: {one_line(str(e))}", file=sys.stderr)
        return 2
    except OSError as e:  # from a library: name the file if it says which
        where = f"{shown(e.filename, 200)}: " if e.filename is not None else ""
        print(f"{ap.prog}: error: {where}{one_line(e.strerror or str(e))}", file=sys.stderr)
        return 2
    return 2


if __name__ == "__main__":
    sys.exit(main())
