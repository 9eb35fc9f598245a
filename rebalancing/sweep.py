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
import itertools
import json
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .batch import batchable, check_values, run_batch
from .calibration import BASE_YEAR
from .errors import ModelError
from .paths import PATHS
from .results import NO_PATH_EFFECT, _calibrated, all_variables
from .scenario import LEVERS, Scenario, ScenarioError

#: Settings solved per batch by default: large enough to amortise the year loop's Python
#: work, small enough that a chunk's tidy table stays in the tens of MB.
CHUNK = 200

DESIGNS = ("sobol", "lhs", "random")

#: Seconds to wait for a Dask scheduler.
CONNECT_TIMEOUT = 20


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


def grid_design(grids: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every combination of the levers' values (the last lever varies fastest)."""
    if not grids:
        raise ScenarioError("grid: no levers given", "grid")
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
    levers: list[str] | None, n: int, design: str = "sobol", seed: int = 0
) -> dict[str, np.ndarray]:
    """``n`` points over the levers' ranges (all numeric levers if None): "sobol" (scrambled
    Sobol' sequence, scipy.stats.qmc), "lhs" (Latin hypercube) or "random" (uniform), from
    ``seed``. Whole-number levers are rounded; n a power of 2 keeps Sobol' balanced."""
    from scipy.stats import qmc

    levers = list(levers) if levers else default_levers()
    for lid in levers:
        if lid not in LEVERS:
            raise ScenarioError(f"{lid}: unknown lever", lid)
        if not batchable(lid) or LEVERS[lid].kind not in ("int", "float"):
            raise ScenarioError(f"{lid}: only numeric levers can be sampled", lid)
    if n < 1:
        raise ScenarioError("sample: expected at least one point", "sample")
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
        unknown = set(variables) - set(all_variables(_calibrated(scn)[0].regions))
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
        from dask.distributed import Client

        if isinstance(scheduler, Client):
            client = scheduler
        else:
            try:
                client = Client(scheduler, timeout=CONNECT_TIMEOUT)
            except (OSError, TimeoutError) as e:
                raise ScenarioError(
                    f"scheduler: cannot connect to {scheduler} ({type(e).__name__})", "scheduler"
                ) from None
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


def meta_path(out: Path) -> Path:
    return out.with_name(out.stem + ".meta.json")


def design_path(out: Path) -> Path:
    return out.with_name(out.stem + ".design.csv")


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
) -> SweepResult:
    """Write the sweep to ``out`` (``.csv`` or ``.parquet``) chunk by chunk, with
    ``<stem>.meta.json`` and ``<stem>.design.csv`` beside it. ``how``: the design as the
    user gave it (for the metadata)."""
    t0 = time.perf_counter()
    scn = scenario or Scenario()
    out = Path(out)
    fmt = out.suffix.lower()
    if fmt not in (".csv", ".parquet"):
        raise ScenarioError(f"out: {out.name} must end in .csv or .parquet", "out")
    design, R = check_values(design)
    out.parent.mkdir(parents=True, exist_ok=True)
    report: dict = {}
    rows = 0
    writer = None
    try:
        csv = open(out, "w", encoding="utf-8", newline="") if fmt == ".csv" else nullcontext()
        with csv as fh:
            for frame in iter_sweep(
                scn,
                design,
                paths,
                variables,
                chunk=chunk,
                scheduler=scheduler,
                progress=progress,
                report=report,
            ):
                if fmt == ".csv":
                    frame.to_csv(
                        fh, index=False, header=rows == 0, float_format="%.10g", lineterminator="\n"
                    )
                else:
                    import pyarrow as pa
                    import pyarrow.parquet as pq

                    table = pa.Table.from_pandas(frame, preserve_index=False)
                    if writer is None:
                        writer = pq.ParquetWriter(out, table.schema)
                    writer.write_table(table)
                rows += len(frame)
    finally:
        if writer is not None:
            writer.close()
    pd.DataFrame({"draw": np.arange(R), **design}).to_csv(
        design_path(out), index=False, float_format="%.10g", lineterminator="\n"
    )
    cal, _ = _calibrated(scn)
    meta = {
        "package": "rebalancing",
        "version": __version__,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "what": "sweep: one tidy table of every setting of the design (column draw)",
        "how": how,
        "scenario": scn.to_dict(),
        "design": {"settings": R, "levers": list(design), "file": design_path(out).name},
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
        "seconds": time.perf_counter() - t0,
    }
    meta_file = meta_path(out)
    meta_file.write_text(json.dumps(meta, indent=2, default=float) + "\n", encoding="utf-8")
    return SweepResult(
        out=out,
        meta=meta_file,
        rows=rows,
        settings=R,
        failed=meta["failed"],
        max_residual=meta["largest_identity_residual"]["value"],
        seconds=meta["seconds"],
    )
