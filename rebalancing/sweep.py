"""Sweeps for researchers: a whole design of lever settings in vectorised batches, one tidy
table.

A design is R settings of some levers, ``{lever id: values (R,)}``: a full grid
(:func:`grid_design`, ``lever=lo:hi:n`` for each lever, every combination) or a sample
(:func:`sample_design`: scrambled Sobol', Latin hypercube or uniform random points over the
levers' ranges, seeded). :func:`iter_sweep` solves it ``chunk`` settings at a time
(:func:`rebalancing.batch.run_batch`; each row equals :func:`~rebalancing.simulate` of its
settings, status quo re-anchored) and yields the ``run`` CSV's tidy table with a ``draw``
column (the setting's index in the design); :func:`write_sweep` writes the chunks as they come
to CSV or Parquet (pyarrow), so memory is bounded by a chunk, with a metadata file beside it
(the base scenario, the design, data vintages, version, failures, the largest identity
residual) and the design itself as ``<stem>.design.csv``.

With ``scheduler`` (a ``dask.distributed`` scheduler address, or a ``Client``), the chunks are
computed on the cluster's workers (each chunk one task) and written here in order.

A setting with no admissible solution (docs/model.md 3.10) does not stop the sweep: its rows
are left out and it is listed, with the model's message, under ``failed`` in the metadata.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import itertools
import json
import os
import re
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .batch import batchable, check_values, run_batch
from .calibration import BASE_YEAR
from .errors import FileError, ModelError, ScenarioError, shown
from .inputs import NO_PATH_EFFECT, calibrated
from .levers import LEVERS
from .paths import PATHS
from .results import all_variables
from .scenario import Scenario
from .version import __version__

#: Settings solved per batch by default: large enough to amortise the year loop's Python
#: work, small enough that a chunk's tidy table stays in the tens of MB.
CHUNK = 200

DESIGNS = ("sobol", "lhs", "random")

#: Seconds to wait for a Dask scheduler: a scheduler that does not answer the probe in
#: this time is named and refused before any work is sent.
CONNECT_TIMEOUT = 5

#: Most settings a sweep (or a sensitivity analysis) runs unless the caller raises it
#: (``max_settings``; the command line's ``--max-settings``): 100,000 settings take minutes
#: and their tidy table holds about two billion rows (five paths, four regions, horizon
#: 2040), so a larger design is a mistake far more often than a plan.
MAX_SETTINGS = 100_000


def check_size(runs: int, max_settings: int | None, what: str, field: str) -> None:
    """Refuse a design of more than ``max_settings`` model runs (default
    :data:`MAX_SETTINGS`) before it is built: one line naming the size, the limit and how
    to raise it. ``what`` says what was asked for (``a grid of 1,000 x 1,000``)."""
    limit = MAX_SETTINGS if max_settings is None else int(max_settings)
    if runs > limit:
        raise ScenarioError(
            f"{field}: {what} is {runs:,} model runs, more than the limit of {limit:,} "
            "(raise it with --max-settings, or max_settings= in Python)",
            field,
        )


def parse_grid(text: str) -> tuple[str, np.ndarray]:
    """``lever=lo:hi:n`` (n evenly spaced values from lo to hi) or ``lever=v1,v2,...``."""
    if "=" not in text:
        raise ScenarioError(f"grid: {text!r} is not LEVER=LO:HI:N or LEVER=V1,V2,...", "grid")
    lid, spec = (s.strip() for s in text.split("=", 1))
    if lid not in LEVERS:
        raise ScenarioError(f"{lid}: unknown lever", lid)
    try:
        if ":" in spec:
            lo, hi, n = spec.split(":")
            if not re.fullmatch(r"[0-9]{1,7}", n.strip()):
                raise ValueError
            n = int(n)
            if n < 1 or n > 1_000_000:
                raise ValueError
            values = np.linspace(float(lo), float(hi), n)
        else:
            values = np.array([float(v) for v in spec.split(",")])
    except ValueError:
        raise ScenarioError(
            f"{lid}: {spec!r} is not LO:HI:N (N a whole number >= 1) or a list V1,V2,...", lid
        ) from None
    if LEVERS[lid].kind == "int":
        values = np.unique(np.round(values))
    return lid, values


def grid_design(
    grids: dict[str, np.ndarray], max_settings: int | None = None
) -> dict[str, np.ndarray]:
    """Every combination of the levers' values (the last lever varies fastest); refused
    before it is built if there are more than ``max_settings`` (:func:`check_size`)."""
    if not grids:
        raise ScenarioError("grid: no levers given", "grid")
    size = 1
    for values in grids.values():
        size *= len(values)
    shape = " x ".join(f"{len(v):,}" for v in grids.values())
    check_size(size, max_settings, f"a grid of {shape}", "grid")
    combos = np.array(list(itertools.product(*grids.values())), dtype=float)
    design = {lid: combos[:, k] for k, lid in enumerate(grids)}
    check_values(design)
    return design


def default_levers(scenario: Scenario | None = None) -> list[str]:
    """Every lever that can vary in a batch and changes some path (numeric levers; not the
    Monte Carlo's seed and draws)."""
    return [
        lid
        for lid, lev in LEVERS.items()
        if batchable(lid) and lev.kind in ("int", "float") and lid not in NO_PATH_EFFECT
    ]


def sample_design(
    levers: list[str] | None,
    n: int,
    design: str = "sobol",
    seed: int = 0,
    max_settings: int | None = None,
) -> dict[str, np.ndarray]:
    """``n`` points over the levers' ranges (all numeric levers if None): "sobol" (scrambled
    Sobol' sequence, scipy.stats.qmc), "lhs" (Latin hypercube) or "random" (uniform), from
    ``seed``. Whole-number levers are rounded; n a power of 2 keeps Sobol' balanced. More
    than ``max_settings`` points are refused before any is drawn (:func:`check_size`)."""
    from scipy.stats import qmc

    levers = list(levers) if levers else default_levers()
    for lid in levers:
        if lid not in LEVERS:
            raise ScenarioError(f"{lid}: unknown lever", lid)
        if not batchable(lid) or LEVERS[lid].kind not in ("int", "float"):
            raise ScenarioError(f"{lid}: only numeric levers can be sampled", lid)
    if n < 1:
        raise ScenarioError("sample: expected at least one point", "sample")
    check_size(int(n), max_settings, "the sample", "sample")
    if design not in DESIGNS:
        raise ScenarioError(f"design: {design!r} is not one of {', '.join(DESIGNS)}", "design")
    d = len(levers)
    if design == "sobol":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # n not a power of 2: still valid
            u = qmc.Sobol(d, scramble=True, seed=seed).random(n)
    elif design == "lhs":
        u = qmc.LatinHypercube(d, seed=seed).random(n)
    elif design == "random":
        u = np.random.default_rng(seed).random((n, d))
    else:
        raise ScenarioError(f"design: {design!r} is not one of {', '.join(DESIGNS)}", "design")
    out = {}
    for k, lid in enumerate(levers):
        lev = LEVERS[lid]
        x = lev.lo + u[:, k] * (lev.hi - lev.lo)
        out[lid] = np.round(x) if lev.kind == "int" else x
    return out


@dataclass
class SweepResult:
    """What a written sweep holds."""

    out: Path | None
    meta: Path | None
    rows: int
    settings: int
    failed: list[dict] = field(default_factory=list)
    max_residual: float = 0.0
    seconds: float = 0.0


def _chunk_frame(scenario, values, paths, variables, first_draw):
    """One chunk's tidy table (the task a Dask worker runs), its largest residual and the
    settings that failed (draw, message)."""
    R = len(next(iter(values.values())))
    try:
        b = run_batch(scenario, values, paths)
        return b.frame(variables, first_draw), b.max_residual, []
    except ModelError:
        if R == 1:
            raise
    # A setting with no admissible solution: solve the chunk's settings one by one.
    frames, resid, failed = [], 0.0, []
    for r in range(R):
        one = {k: v[r : r + 1] for k, v in values.items()}
        try:
            f, m, _ = _chunk_frame(scenario, one, paths, variables, first_draw + r)
            frames.append(f)
            resid = max(resid, m)
        except ModelError as e:
            failed.append({"draw": first_draw + r, "error": str(e)})
    frame = pd.concat(frames, ignore_index=True) if frames else None
    return frame, resid, failed


def iter_sweep(
    scenario: Scenario | None,
    design: dict,
    paths=PATHS,
    variables=None,
    *,
    chunk: int = CHUNK,
    scheduler=None,
    progress: bool = False,
    report: dict | None = None,
) -> Iterator[pd.DataFrame]:
    """The sweep's tidy table chunk by chunk (in draw order). ``report`` (a dict), if given,
    receives ``failed`` and ``max_residual`` as the chunks come in."""
    scn = scenario or Scenario()
    design, R = check_values(design)
    if variables:
        unknown = set(variables) - set(all_variables(calibrated(scn)[0].regions))
        if unknown:
            raise ScenarioError(f"variables: unknown {', '.join(sorted(unknown))}", "variables")
    starts = list(range(0, R, max(1, int(chunk))))
    parts = [{k: v[s : s + chunk] for k, v in design.items()} for s in starts]
    report = {} if report is None else report
    report.setdefault("failed", [])
    report.setdefault("max_residual", 0.0)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=R, unit="setting", file=sys.stderr, desc="sweep")

    def results():
        if scheduler is None:
            for s, part in zip(starts, parts):
                yield _chunk_frame(scn, part, paths, variables, s)
            return
        client = connect(scheduler)
        try:
            futures = [
                client.submit(_chunk_frame, scn, part, paths, variables, s, pure=False)
                for s, part in zip(starts, parts)
            ]
            for fut in futures:
                yield fut.result()
                fut.release()
        finally:
            if client is not scheduler:
                client.close()

    try:
        for (frame, resid, failed), part in zip(results(), parts):
            report["failed"].extend(failed)
            report["max_residual"] = max(report["max_residual"], resid)
            if bar is not None:
                bar.update(len(next(iter(part.values()))))
            if frame is not None:
                yield frame
    finally:
        if bar is not None:
            bar.close()


def sweep(
    scenario: Scenario | None, design: dict, paths=PATHS, variables=None, **kw
) -> pd.DataFrame:
    """The whole sweep as one tidy table in memory (see :func:`write_sweep` for large ones)."""
    frames = list(iter_sweep(scenario, design, paths, variables, **kw))
    return pd.concat(frames, ignore_index=True)


class _CsvSink:
    """A sweep's chunks as CSV text, through the partial file's hashed writes."""

    def __init__(self, part):
        self.part = part.open_text()

    def write(self, frame: pd.DataFrame, header: bool) -> None:
        self.part.write(
            frame.to_csv(index=False, header=header, float_format="%.10g", lineterminator="\n")
        )

    def close(self) -> None:
        pass

    def abort(self) -> bool:
        """Whether what was marked whole is readable: CSV rows are, cut back to a chunk."""
        return True


class _ParquetSink:
    """A sweep's chunks as Parquet row groups (pyarrow writes the file itself); an OS
    error names the partial file."""

    def __init__(self, part):
        self.part, self.writer, self.failed = part, None, False

    def _named(self, e: OSError) -> FileError:
        self.failed = True
        why = os.strerror(e.errno) if e.errno else str(e)
        return FileError(f"cannot write {shown(self.part.path, 300)}: {why}", str(self.part.path))

    def write(self, frame: pd.DataFrame, header: bool) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False)
        try:
            if self.writer is None:
                self.writer = pq.ParquetWriter(self.part.unhashed(), table.schema)
            self.writer.write_table(table)
        except OSError as e:
            raise self._named(e) from None

    def close(self) -> None:
        if self.writer is not None:
            writer, self.writer = self.writer, None
            try:
                writer.close()  # the footer: a Parquet file is readable only with it
            except OSError as e:
                raise self._named(e) from None

    def abort(self) -> bool:
        """Close what was written (its footer) and read it back: False if the file is not
        whole (a write failed, the footer could not be written or read)."""
        import pyarrow.parquet as pq

        try:
            self.close()
            if self.failed:
                return False
            pq.ParquetFile(self.part.real_partial).metadata  # noqa: B018 -- reads the footer
        except Exception:  # noqa: BLE001 -- any failure: the file is not kept
            return False
        return True


def design_path(out: Path) -> Path:
    return out.with_name(out.stem + ".design.csv")


def connect(scheduler):
    """A ``dask.distributed`` client of ``scheduler`` (an address), probed with a short
    time-out (:data:`CONNECT_TIMEOUT`) so that an unreachable one is named at once; a
    ``Client`` is returned as it is."""
    from dask.distributed import Client

    if isinstance(scheduler, Client):
        return scheduler
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise ScenarioError("scheduler: expected an address such as tcp://host:8786", "scheduler")
    try:
        return Client(scheduler, timeout=f"{CONNECT_TIMEOUT}s")
    except (OSError, TimeoutError, ValueError) as e:
        raise ScenarioError(
            f"scheduler: cannot connect to {shown(scheduler, 100)} within "
            f"{CONNECT_TIMEOUT} s ({type(e).__name__})",
            "scheduler",
        ) from None


def write_sweep(
    scenario: Scenario | None,
    design: dict,
    out: str | Path,
    paths=PATHS,
    variables=None,
    *,
    chunk: int = CHUNK,
    scheduler=None,
    progress: bool = False,
    how: str = "",
    inputs: dict | None = None,
) -> SweepResult:
    """Write the sweep to ``out`` (``.csv`` or ``.parquet``) chunk by chunk, with
    ``<stem>.meta.json`` and ``<stem>.design.csv`` beside it. ``how``: the design as the
    user gave it (for the metadata); ``inputs``: files the run reads (never written over).

    The table is written to ``<stem>.partial<suffix>`` and renamed to ``out`` only when
    every chunk is in (:func:`rebalancing.files.partial_file`); an interruption (Ctrl-C, an
    error) leaves what was computed under the partial name and nothing under ``out``. The
    metadata (with the SHA-256 of the table and of the design) and the design are then
    written together, as one change."""
    from .files import meta_path, partial_file, write_files

    t0 = time.perf_counter()
    scn = scenario or Scenario()
    out = Path(out)
    fmt = out.suffix.lower()
    if fmt not in (".csv", ".parquet"):
        raise ScenarioError(f"out: {out.name} must end in .csv or .parquet", "out")
    design, R = check_values(design)
    client = connect(scheduler) if scheduler is not None else None
    report: dict = {}
    rows = 0
    try:
        with partial_file(out, inputs) as part:
            sink = _CsvSink(part) if fmt == ".csv" else _ParquetSink(part)
            try:
                for frame in iter_sweep(
                    scn,
                    design,
                    paths,
                    variables,
                    chunk=chunk,
                    scheduler=client,
                    progress=progress,
                    report=report,
                ):
                    sink.write(frame, header=rows == 0)
                    rows += len(frame)
                    part.mark()
                sink.close()
            except BaseException as e:
                kept = rows if sink.abort() else 0
                if not kept:
                    part.discard()
                if kept:
                    e.add_note(
                        f"partial: the {kept} rows computed before this are kept in "
                        f"{shown(part.path, 300)}, not under {shown(out.name)}"
                    )
                raise
    finally:
        if client is not None and client is not scheduler:
            client.close()
    cal, _ = calibrated(scn)
    design_file = design_path(out)
    design_csv = pd.DataFrame({"draw": np.arange(R), **design}).to_csv(
        index=False, float_format="%.10g", lineterminator="\n"
    )
    meta = {
        "package": "rebalancing",
        "version": __version__,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "what": "sweep: one tidy table of every setting of the design (column draw)",
        "how": how,
        "scenario": scn.to_dict(),
        "design": {"settings": R, "levers": list(design), "file": design_file.name},
        "paths": [p for p in PATHS if p in paths],
        "regions": list(cal.regions),
        "years": [BASE_YEAR, scn.global_.horizon],
        "variables": list(variables) if variables else "all",
        "rows": rows,
        "failed": report.get("failed", []),
        "largest_identity_residual": {
            "value": report.get("max_residual", 0.0),
            "unit": "share of world GDP",
        },
        "status_quo": "re-anchored for each setting (each row equals a single run)",
        "data_vintages": list(cal.vintages),
        "results_file": out.name,
        "results_sha256": part.sha256,
        "design_sha256": hashlib.sha256(design_csv.encode()).hexdigest(),
        "seconds": time.perf_counter() - t0,
    }
    meta_file = meta_path(out)
    write_files(
        {design_file: design_csv, meta_file: json.dumps(meta, indent=2, default=float) + "\n"},
        inputs,
        labels={design_file: "the design beside --out", meta_file: "the metadata beside --out"},
    )
    return SweepResult(
        out=out,
        meta=meta_file,
        rows=rows,
        settings=R,
        failed=meta["failed"],
        max_residual=meta["largest_identity_residual"]["value"],
        seconds=meta["seconds"],
    )
