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
    python -m rebalancing fan [--draws N] [--seed S] --out fan.csv
                                                # Monte Carlo bands, crisis probability
    python -m rebalancing goal --target CN.current_account_pct_gdp=1.0@2035 \
                               --instrument orderly.cn_consumption_rise [--out s.json]
                                                # what would it take (goal-seek)
    python -m rebalancing goal --target CN.current_account_pct_gdp=1.0@2035+ \
                               --instrument orderly.cn_consumption_rise --instrument-path
                                                # ... as a value for every year (a path)
    python -m rebalancing sweep --grid LEVER=LO:HI:N ... | --sample N --design sobol
                                --out sweep.csv|sweep.parquet [--scheduler ADDRESS]
    python -m rebalancing sensitivity --output US.current_account_pct_gdp@2035 \
                                      --path baseline --sample N
                                                # Sobol' indices of an output to every lever

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
from .errors import RebalancingError, ScenarioError, one_line, shown, shown_repr
from .files import check_outputs, meta_path, sha256_text, write_files, write_text
from .levers import LEVERS, number_from_text
from .paths import PATHS
from .scenario import Scenario, load_scenario_noted, save_scenario
from .sweep import MAX_SETTINGS


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


def _count_arg(text: str) -> int:
    """A whole number as ASCII digits (``int()`` would also read ``٣`` and ``1_0``)."""
    if not re.fullmatch(r"[0-9]{1,9}", text):
        raise argparse.ArgumentTypeError(f"{shown_repr(text, 20)} is not a whole number")
    return int(text)


def _path_arg(text: str) -> Path:
    if not text:
        raise argparse.ArgumentTypeError("empty file name")
    if "\x00" in text:
        raise argparse.ArgumentTypeError(f"{shown_repr(text, 40)}: a file name cannot hold NUL")
    if text.endswith("/"):  # Path() would drop the slash and name a file
        raise argparse.ArgumentTypeError(f"{shown_repr(text, 40)} is a folder, not a file name")
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
    v.add_argument(
        "--charts",
        type=_path_arg,
        metavar="DIR",
        help="also write the impulse-response charts as PNG files irf_<shock>.png in DIR "
        "(e.g. docs/img; needs Chromium for the static export)",
    )

    f = sub.add_parser(
        "fan",
        help="Monte Carlo bands (median, 50%% and 90%%) of the headline series of every path "
        "and the probability of a disorderly correction by year",
    )
    f.add_argument("--scenario", type=_path_arg, help="scenario file (.json or .toml)")
    f.add_argument("--draws", type=_count_arg, help="number of draws (default: global.draws)")
    f.add_argument("--seed", type=_count_arg, help="seed (default: global.seed)")
    f.add_argument("--paths", type=_paths_arg, help=f"comma-separated subset of {','.join(PATHS)}")
    f.add_argument(
        "--out",
        type=_path_arg,
        help="CSV of the bands (path,region,year,variable,quantile,value,unit); the crisis "
        "probability goes to <stem>.crisis.csv, the metadata to <stem>.meta.json",
    )

    g = sub.add_parser(
        "goal",
        help="goal-seek: the lever setting that hits a target (or the closest it can get)",
    )
    g.add_argument(
        "--target",
        required=True,
        help="REGION.VARIABLE=VALUE@YEAR, or @YEAR+ for every year from YEAR on "
        "(e.g. CN.current_account_pct_gdp=1.0@2030)",
    )
    g.add_argument(
        "--instrument", required=True, help="a continuous lever (e.g. orderly.cn_consumption_rise)"
    )
    g.add_argument("--scenario", type=_path_arg, help="scenario file to start from")
    g.add_argument("--path", choices=PATHS, help="path of the target (default: the instrument's)")
    g.add_argument("--range", dest="search", help="LO:HI search range (default: the lever's)")
    g.add_argument(
        "--instrument-path",
        action="store_true",
        help="a value of the instrument for every year from the target's year on, solved "
        "year by year (needs a target from a year on, @YEAR+)",
    )
    g.add_argument(
        "--out",
        type=_path_arg,
        help="write the starting scenario with the answer applied (.json or .toml)",
    )

    sw = sub.add_parser(
        "sweep",
        help="run a design of lever settings in batches; one tidy table (with a draw column) "
        "as CSV or Parquet, with metadata",
    )
    how = sw.add_mutually_exclusive_group(required=True)
    how.add_argument(
        "--grid",
        action="append",
        metavar="LEVER=LO:HI:N",
        help="a lever's values (repeat for more levers: every combination is run)",
    )
    how.add_argument("--sample", type=_count_arg, metavar="N", help="N sampled settings")
    sw.add_argument("--design", choices=("sobol", "lhs", "random"), default="sobol")
    sw.add_argument("--levers", help="comma-separated levers to sample (default: every numeric)")
    sw.add_argument("--seed", type=_count_arg, default=0, help="seed of the sample (default 0)")
    sw.add_argument("--scenario", type=_path_arg, help="base scenario file")
    sw.add_argument("--paths", type=_paths_arg, help=f"comma-separated subset of {','.join(PATHS)}")
    sw.add_argument("--variables", help="comma-separated variables (default: all)")
    sw.add_argument("--out", required=True, type=_path_arg, help=".csv or .parquet to write")
    sw.add_argument(
        "--chunk", type=_count_arg, default=200, help="settings per batch (default 200)"
    )
    sw.add_argument(
        "--scheduler", metavar="ADDRESS", help="dask.distributed scheduler to run the chunks on"
    )
    sw.add_argument("--no-progress", action="store_true", help="no progress bar")
    sw.add_argument(
        "--max-settings",
        type=_count_arg,
        metavar="N",
        help=f"refuse a design of more than N settings (default {MAX_SETTINGS:,})",
    )

    se = sub.add_parser(
        "sensitivity",
        help="first-order and total Sobol' indices of outputs to every lever (SALib)",
    )
    se.add_argument(
        "--output",
        action="append",
        required=True,
        metavar="REGION.VARIABLE@YEAR",
        help="e.g. US.current_account_pct_gdp@2035 (repeatable)",
    )
    se.add_argument(
        "--path",
        default="baseline",
        help="path(s) of the outputs, comma-separated, or 'all' (default baseline)",
    )
    se.add_argument("--levers", help="comma-separated levers (default: every numeric lever)")
    se.add_argument(
        "--sample",
        type=_count_arg,
        default=64,
        help="base sample N, a power of 2 from 2 up (N (levers + 2) model runs)",
    )
    se.add_argument(
        "--max-settings",
        type=_count_arg,
        metavar="N",
        help=f"refuse more than N model runs (default {MAX_SETTINGS:,})",
    )
    se.add_argument("--seed", type=_count_arg, default=0)
    se.add_argument("--scenario", type=_path_arg, help="scenario file")
    se.add_argument(
        "--top", type=_count_arg, default=10, help="levers shown per output (default 10)"
    )
    se.add_argument("--out", type=_path_arg, help="also write the whole table as CSV")

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
    inputs = _inputs(args)
    meta = meta_path(args.out)
    check_outputs({args.out: "", meta: f"the metadata beside {shown(args.out.name)}"}, inputs)
    scn = _scenario(args)
    changes = {}
    if args.two_country:
        changes["global.two_country"] = True
    if args.horizon:
        changes["global.horizon"] = args.horizon
    scn = scn.with_values(changes)
    from .export import write_results  # pandas import only where needed
    from .results import simulate

    res = simulate(scn, args.paths)
    csv_path, meta = write_results(res, args.out, inputs)
    for note in res.notes():
        print(f"note: {note}", file=sys.stderr)
    print(
        f"wrote {shown(csv_path, 200)} ({len(res.paths)} paths, {len(res.regions)} regions, "
        f"{res.years[0]}-{res.years[-1]}) and {shown(meta, 200)}; largest identity residual "
        f"{res.max_residual:.2e} of world GDP"
    )
    return 0


def _scenario(args) -> Scenario:
    """The --scenario file's scenario (its format note on stderr), else the defaults."""
    if not getattr(args, "scenario", None):
        return Scenario()
    scn, note = load_scenario_noted(args.scenario)
    if note:
        print(f"note: {note}", file=sys.stderr)
    return scn


def _inputs(args) -> dict:
    """The files a command reads: the data files and the scenario file (if given)."""
    inputs = data_inputs()
    if getattr(args, "scenario", None):
        inputs[args.scenario] = "the scenario file (--scenario)"
    return inputs


def _fan(args) -> int:
    from .export import safe_frame
    from .uncertainty import fan

    if args.out:
        crisis = args.out.with_name(args.out.stem + ".crisis.csv")
        check_outputs(
            {
                args.out: "",
                crisis: "the crisis probability beside --out",
                meta_path(args.out): "the metadata beside --out",
            },
            _inputs(args),
        )
    scn = _scenario(args)
    if args.draws is not None or args.seed is not None:
        changes = {}
        if args.draws is not None:
            changes["global.draws"] = args.draws
        if args.seed is not None:
            changes["global.seed"] = args.seed
        scn = scn.with_values(changes)
    f = fan(scn, paths=args.paths or PATHS)
    c = f.crisis
    print(
        f"{f.draws} draws (seed {f.seed}) of {len(f.paths)} paths in {f.seconds:.2f} s; "
        f"largest identity residual {f.max_residual:.2e} of world GDP"
    )
    for side, region in (("deficit", "US"), ("surplus", "CN")):
        med = c.median_year(side)
        print(
            f"probability of a disorderly correction, {side} side ({region}): "
            + ", ".join(
                f"by {y} {100 * c.by(y, side):.1f}%" for y in (2030, 2035, 2040) if y <= f.years[-1]
            )
            + f"; median year {med if med else 'after ' + str(int(f.years[-1]))}"
        )
    if args.out:
        crisis_csv = args.out.with_name(args.out.stem + ".crisis.csv")
        meta = meta_path(args.out)
        bands = safe_frame(f.frame()).to_csv(index=False, float_format="%.10g", lineterminator="\n")
        crisis = c.frame().to_csv(index=False, float_format="%.10g", lineterminator="\n")
        info = {
            "package": "rebalancing",
            "scenario": scn.to_dict(),
            **f.metadata(),
            "results_file": args.out.name,
            "results_sha256": sha256_text(bands),
            "crisis_file": crisis_csv.name,
            "crisis_sha256": sha256_text(crisis),
        }
        write_files(
            {
                args.out: bands,
                crisis_csv: crisis,
                meta: json.dumps(info, indent=2, default=float) + "\n",
            },
            _inputs(args),
            labels={
                crisis_csv: "the crisis probability beside --out",
                meta: "the metadata beside --out",
            },
        )
        print(f"wrote {shown(args.out, 200)}, {shown(crisis_csv, 200)} and {shown(meta, 200)}")
    return 0


def _goal(args) -> int:
    from .goalseek import goal_seek, goal_seek_path

    lo = hi = None
    if args.search:
        parts = args.search.split(":")
        if len(parts) != 2:
            raise ScenarioError(f"range: {shown_repr(args.search, 40)} is not LO:HI", "range")
        lo, hi = (number_from_text(x, "range") for x in parts)
    if args.out:
        check_outputs([args.out], _inputs(args))
    if args.instrument_path:
        r = goal_seek_path(
            _scenario(args), args.target, args.instrument, path=args.path, lo=lo, hi=hi
        )
        width = max(len(r.instrument), 5)
        print(f"year  {r.instrument:>{width}}  {'achieved':>12}  {'gap':>9}  method   hit")
        for y, v, a, g, m, h in zip(r.years, r.values, r.achieved, r.gaps, r.methods, r.hits):
            hit = "yes" if h else "no"
            print(f"{y}  {v:>{width}.6g}  {a:>12.6g}  {g:>9.1e}  {m:<7}  {hit}")
        print(r.message())
        print(
            f"{r.evaluations} model runs, {r.seconds:.2f} s; {sum(r.hits)} of "
            f"{len(r.years)} years hit"
        )
    else:
        r = goal_seek(_scenario(args), args.target, args.instrument, path=args.path, lo=lo, hi=hi)
        print(r.message())
        print(
            f"method {r.method}, {r.evaluations} model runs; target gap {r.gap:.3g} {r.target.unit}"
        )
    if args.out:
        save_scenario(r.scenario, args.out, _inputs(args))
        print(f"wrote {shown(args.out, 200)}")
    print(r.setting)
    return 0 if r.hit else 1


def _sweep(args) -> int:
    from .files import partial_path
    from .sweep import grid_design, parse_grid, sample_design, write_sweep

    if args.chunk < 1:
        raise ScenarioError("chunk: expected at least 1", "chunk")
    inputs = _inputs(args)
    check_outputs(
        {
            args.out: "",
            partial_path(args.out): "the partial file beside --out",
            meta_path(args.out): "the metadata beside --out",
            args.out.with_name(args.out.stem + ".design.csv"): "the design beside --out",
        },
        inputs,
    )
    scn = _scenario(args)
    if args.grid:
        design = grid_design(dict(parse_grid(g) for g in args.grid), args.max_settings)
        how = "grid " + " ".join(args.grid)
    else:
        levers = [x.strip() for x in args.levers.split(",")] if args.levers else None
        design = sample_design(levers, args.sample, args.design, args.seed, args.max_settings)
        how = f"sample {args.sample} {args.design} seed {args.seed}"
    variables = [x.strip() for x in args.variables.split(",")] if args.variables else None
    r = write_sweep(
        scn,
        design,
        args.out,
        args.paths or PATHS,
        variables,
        chunk=args.chunk,
        scheduler=args.scheduler,
        progress=not args.no_progress,
        how=how,
        inputs=inputs,
    )
    for f in r.failed:
        print(
            f"note: setting {f['draw']} has no admissible solution: {f['error']}", file=sys.stderr
        )
    print(
        f"wrote {r.out} ({r.settings} settings, {r.rows} rows, {r.seconds:.1f} s) and "
        f"{r.meta}; largest identity residual {r.max_residual:.2e} of world GDP"
    )
    return 0


def _sensitivity(args) -> int:
    from .sensitivity import parse_output, sensitivity

    if args.out:
        check_outputs([args.out], _inputs(args))

    try:
        paths = PATHS if args.path == "all" else _paths_arg(args.path)
    except argparse.ArgumentTypeError as e:
        raise ScenarioError(f"path: {e}", "path") from None
    outputs = [parse_output(o, p) for o in args.output for p in paths]
    levers = [x.strip() for x in args.levers.split(",")] if args.levers else None
    df = sensitivity(
        _scenario(args),
        outputs,
        levers,
        args.sample,
        seed=args.seed,
        max_settings=args.max_settings,
    )
    for out, rows in df.groupby("output", sort=False):
        print(out)
        print(f"  {'lever':40s} {'S1':>7s} {'+/-':>6s} {'ST':>7s} {'+/-':>6s}")
        for row in rows.head(args.top).itertuples():
            print(
                f"  {row.parameter:40s} {row.S1:7.3f} {row.S1_conf:6.3f} {row.ST:7.3f} "
                f"{row.ST_conf:6.3f}"
            )
    if args.out:
        write_text(
            args.out,
            df.to_csv(index=False, float_format="%.6g", lineterminator="\n"),
            _inputs(args),
        )
        print(f"wrote {shown(args.out, 200)}")
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
    write_text(
        args.out,
        safe_frame(df).to_csv(index=False, float_format="%.10g", lineterminator="\n"),
        data_inputs(),
    )
    print(
        f"wrote {shown(args.out, 200)}: history {df[df.path == 'history'].year.min()}-"
        f"{df[df.path == 'history'].year.max()}, projection to {args.horizon} "
        f"({len(df)} rows)"
    )
    return 0


def _validate(args) -> int:
    from .validate import impulse_markdown, impulses, markdown, text, validation_table

    charts = None
    if args.charts:
        charts = {args.charts / f"irf_{k}.png" for k in ("monetary", "premium", "fiscal", "tariff")}
    if args.markdown or charts:
        check_outputs(
            [*([args.markdown] if args.markdown else []), *sorted(charts or ())], data_inputs()
        )
    checks = validation_table()
    print(text(checks), end="")
    for kind in ("validation", "calibration"):
        rows = [c for c in checks if c.kind == kind]
        print(f"{sum(c.inside for c in rows)} of {len(rows)} {kind} checks inside their band")
    items = impulses() if args.markdown or charts else []
    if args.markdown:
        doc = VALIDATION_HEADER + markdown(checks) + "\n" + impulse_markdown(items, checks)
        write_text(args.markdown, doc, data_inputs())
        print(f"wrote {shown(args.markdown, 200)}")
    if charts:
        from .export import ExportUnavailable, figure_bytes
        from .validate import impulse_figure

        try:
            files = {
                args.charts / f"irf_{imp.id}.png": figure_bytes(impulse_figure(imp, checks), "png")
                for imp in items
            }
        except ExportUnavailable as e:
            print(f"validate: the charts were not written: {e}", file=sys.stderr)
            return 2
        write_files(files, data_inputs())
        print(f"wrote {len(files)} charts in {shown(str(args.charts), 200)}")
    outside = [c.id for c in checks if not c.inside]
    if outside:
        print(
            f"validate: {len(outside)} checks outside their band ({', '.join(outside)}); "
            "docs/validation.md says why",
            file=sys.stderr,
        )
    return 1 if outside else 0


VALIDATION_HEADER = """# Validation against published results

Generated by `python -m rebalancing validate --markdown docs/validation.md` from
`rebalancing/validate.py` and `data/validation_bands.csv` (each check's band, source, where
the figure was read and why the range, committed before the model was compared with it);
`tests/unit/test_validate.py` asserts that this file is current, that no band differs from
the committed one, and that every check outside its band says why the model cannot match
it. The experiments run the model-consistent engine (`global.expectations =
model-consistent`, docs/model.md section 3b). Validation checks compare the model with
results it was not set to match; calibration checks are results it was set to match. Each
row: the study, its figure, the band the model's figure must fall in (and why), the horizon,
the lever settings or shock that reproduce the experiment, the model's figure.

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
            save_scenario(Scenario(), args.out, data_inputs())
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
        if args.command == "fan":
            return _fan(args)
        if args.command == "goal":
            return _goal(args)
        if args.command == "sweep":
            return _sweep(args)
        if args.command == "sensitivity":
            return _sensitivity(args)
    except RebalancingError as e:  # scenario, file, data, model and identity errors
        print(f"{ap.prog}: error: {one_line(str(e))}", file=sys.stderr)
        _kept(e)
        return 2
    except OSError as e:  # from a library: name the file if it says which
        where = f"{shown(e.filename, 200)}: " if e.filename is not None else ""
        print(f"{ap.prog}: error: {where}{one_line(e.strerror or str(e))}", file=sys.stderr)
        _kept(e)
        return 2
    except MemoryError:  # a limit that could not be computed before running
        print(
            f"{ap.prog}: error: out of memory; ask for less (fewer settings, draws, paths "
            "or years)",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt as e:
        print(f"{ap.prog}: interrupted", file=sys.stderr)
        _kept(e)
        return 130
    return 2


def _kept(e: BaseException) -> None:
    """Say where a streamed output that stopped keeps what it computed."""
    for note in getattr(e, "__notes__", ()):
        if note.startswith(PARTIAL_NOTE):
            print(f"note: {one_line(note[len(PARTIAL_NOTE) :], 500)}", file=sys.stderr)


PARTIAL_NOTE = "partial: "


if __name__ == "__main__":
    sys.exit(main())
