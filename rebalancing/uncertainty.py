"""How sure: Monte Carlo fans for every path, and the probability of a disorderly correction.

The uncertain parameters (:data:`DISTRIBUTIONS`, one table, each with its source or labelled
as an assumption; docs/uncertainty.md prints it) are drawn around the scenario's own lever
settings from a seeded generator, ``numpy.random.default_rng(seed)``: the same scenario,
number of draws and seed give the same draws, and the first m of n draws are the m draws
of the same seed (draw i is row i of one (n, k) array of uniforms). All draws of all paths
run as batches of the engine (:func:`rebalancing.batch.run_batch`), every draw's accounts
checked as a single run's are.

Each draw keeps the scenario's status-quo steering (docs/model.md 3.8: the saving and
equilibrium exchange-rate shifts that put the central case on the IMF's 2030 projections)
and asks how the paths would differ with other parameter values: so the status quo's 2030
current accounts have a spread too, as the projections they follow are uncertain.

Crisis probability (:class:`CrisisProbability`): the annual hazard of docs/model.md 3.7,

    h_i(t) = h0 + h1 max(0, -NFA_i(t-1) / Y_i(t-1) - 0.6) / 0.1,

evaluated on each draw's status quo (a crisis is the event the status quo may end in) from
the policy start year, gives each draw's probability of a crisis by year t,
``1 - prod_s (1 - h(s))``; the chart shows their mean over the draws (the probability with
the parameters uncertain) and the 5-95% range of the draws' own probabilities. The deficit
side is the US; the surplus side China, a net creditor, whose hazard the model leaves at
the base rate h0 (it has no domestic-credit block: see docs/uncertainty.md).
"""

from __future__ import annotations

import atexit
import os
import pickle
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from .batch import run_batch
from .blocks import crisis
from .calibration import BASE_YEAR
from .data import data_key
from .paths import PATHS
from .results import VARIABLES, Results, simulate, solution_fields
from .scenario import LEVERS, Scenario, dumps_scenario, parse_scenario

#: Quantiles of the fans: the median, the 50% band (25-75) and the 90% band (5-95).
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
QUANTILE_NAMES = ("p5", "p25", "p50", "p75", "p95")


@dataclass(frozen=True)
class Uncertain:
    """One uncertain parameter: a lever drawn from a normal distribution centred on the
    scenario's setting, with standard deviation ``sd`` (the lever's unit), truncated to
    [``lo``, ``hi``] (the lever's range unless narrower)."""

    lever: str
    sd: float
    source: str
    lo: float | None = None
    hi: float | None = None

    def bounds(self) -> tuple[float, float]:
        lev = LEVERS[self.lever]
        return (lev.lo if self.lo is None else self.lo, lev.hi if self.hi is None else self.hi)


#: The uncertain parameters, in the order of the draws' columns. Every distribution is a
#: normal around the scenario's value truncated to the lever's range; the spreads cite
#: their source or are labelled as assumptions (docs/uncertainty.md).
DISTRIBUTIONS: tuple[Uncertain, ...] = (
    Uncertain(
        "global.tariff_elasticity",
        0.5,
        "Boehm, Levchenko & Pandalai-Nayar (AER 2023): about 0.8 after one year, about 2 "
        "in the long run; +/-2 sd around the calibrated 1.8 spans both (sd: assumption)",
    ),
    Uncertain(
        "global.price_elasticity",
        0.25,
        "Boehm, Levchenko & Pandalai-Nayar (AER 2023): -0.76 after one year; published "
        "trade price elasticities mostly between 0.3 and 1.5 (sd: assumption)",
    ),
    Uncertain(
        "global.monetary_response",
        0.25,
        "estimated Taylor-rule responses differ from Taylor (1993) by tens of percent "
        "across periods (Clarida, Gali & Gertler, QJE 2000) (sd: assumption)",
    ),
    Uncertain(
        "global.risk_premium",
        1.0,
        "assumption: the slope is itself an assumption (docs/model.md 3.5)",
    ),
    Uncertain(
        "global.growth_US",
        0.3,
        "of the order of the range of FOMC participants' longer-run growth projections "
        "(roughly 1.5-2.5%) around CBO's 1.8% (sd: assumption)",
    ),
    Uncertain(
        "global.growth_CN",
        0.7,
        "IMF WP/24/238: 2.8% without reforms, higher with them; published long-run "
        "estimates span roughly 2-4% (sd: assumption)",
    ),
    Uncertain("global.growth_BLOC", 0.3, "assumption (as for the US)"),
    Uncertain("global.growth_ROW", 0.5, "assumption"),
    Uncertain(
        "disorderly.output_loss",
        2.0,
        "Hutchison & Noy (JDE 2006): sudden stops cost 6-8% of output in the crisis year, "
        "varying widely across episodes (sd: assumption)",
    ),
    Uncertain(
        "disorderly.currency_fall",
        7.0,
        "assumption: real depreciations in sudden-stop episodes range from about 10% to over 40%",
    ),
    Uncertain(
        "disorderly.hazard_base",
        0.5,
        "Laeven & Valencia (IMF WP/18/206): 151 systemic banking crises in 1970-2017 "
        "across some 165 countries, about 2% a country-year; the frequency differs across "
        "samples (sd: assumption)",
    ),
    Uncertain(
        "disorderly.hazard_slope",
        0.5,
        "assumption: Catao & Milesi-Ferretti (JIE 2014) find crisis risk rising with net "
        "foreign liabilities beyond about 50-60% of GDP; the slope is an assumption",
    ),
)

#: Crisis timing: where ``disorderly.timing = hazard``, each draw's crisis year is drawn
#: from the hazard itself (a uniform u: the first year the survival probability is at most
#: u; exact inverse-CDF sampling of the model's own timing distribution).
TIMING_SOURCE = "the model's hazard (docs/model.md 3.7): a uniform draw of its survival probability"

#: The series the fans follow by default: the compare charts' and the headline table's.
FAN_SERIES: tuple[tuple[str, str], ...] = (
    ("US", "current_account_pct_gdp"),
    ("CN", "current_account_pct_gdp"),
    ("CN", "consumption_pct_gdp"),
    ("US", "saving_pct_gdp"),
    ("US", "gdp_vs_baseline_pct"),
    ("CN", "gdp_vs_baseline_pct"),
    ("US", "nfa_pct_gdp"),
    ("CN", "nfa_pct_gdp"),
    ("US", "bilateral_balance"),
)

#: Series beyond :data:`~rebalancing.results.VARIABLES`: the US-China bilateral balance
#: (US exports to China less US imports from China, USD bn; for region CN its negative).
EXTRA_SERIES = {"bilateral_balance": "USD bn (2024 prices)"}


def series_unit(variable: str) -> str:
    return EXTRA_SERIES.get(variable) or Results.unit(variable)


def series_values(variables: dict, regions, region: str, variable: str) -> np.ndarray:
    """(rows..., T) of one region's series from a batch's variables (:meth:`Batch.variables`),
    including :data:`EXTRA_SERIES`."""
    if variable == "bilateral_balance":
        us, cn = regions.index("US"), regions.index("CN")
        bal = variables["exports_to_CN"][..., us] - variables["exports_to_US"][..., cn]
        return bal if region == "US" else -bal
    return variables[variable][..., regions.index(region)]


def series_needs(variable: str) -> list[str]:
    """The reported variables a series is computed from."""
    if variable == "bilateral_balance":
        return ["exports_to_CN", "exports_to_US"]
    if variable not in VARIABLES and not variable.startswith(("exports_to_", "tariff_on_")):
        raise KeyError(f"{variable}: unknown variable")
    return [variable]


def draw_parameters(scenario: Scenario, draws: int, seed: int) -> tuple[dict, np.ndarray]:
    """The drawn lever values ``{lever: (draws,)}`` and the crisis-timing quantiles
    (draws,): truncated normals around the scenario's settings by inverse CDF of one
    (draws, k + 1) array of uniforms from ``numpy.random.default_rng(seed)``."""
    if draws < 1:
        raise ValueError("draws: expected at least 1")
    u = np.random.default_rng(seed).random((draws, len(DISTRIBUTIONS) + 1))
    out = {}
    for m, d in enumerate(DISTRIBUTIONS):
        mu = float(scenario.get(d.lever))
        lo, hi = d.bounds()
        a, b = ndtr((lo - mu) / d.sd), ndtr((hi - mu) / d.sd)
        x = mu + d.sd * ndtri(a + u[:, m] * (b - a))
        out[d.lever] = np.clip(x, lo, hi)  # rounding at the bounds
    timing = np.clip(u[:, -1], 1e-12, 1 - 1e-12)
    return out, timing


@dataclass(frozen=True)
class CrisisProbability:
    """Probability of a disorderly correction by year (cumulative), deficit side (US) and
    surplus side (China): the mean over the draws, and the 5-95% range of the draws'
    own probabilities (parameter uncertainty)."""

    years: np.ndarray
    deficit: np.ndarray  # (T,) mean cumulative probability, fraction
    surplus: np.ndarray
    deficit_range: np.ndarray  # (2, T) 5% and 95% of the draws' probabilities
    surplus_range: np.ndarray
    start: int  # first year the hazard acts (the policy start)

    def median_year(self, side: str = "deficit") -> int | None:
        """First year the cumulative probability reaches 50%, None if not by the horizon."""
        p = self.deficit if side == "deficit" else self.surplus
        hit = np.flatnonzero(p >= 0.5)
        return int(self.years[hit[0]]) if len(hit) else None

    def by(self, year: int, side: str = "deficit") -> float:
        """Cumulative probability of a crisis by the end of ``year``."""
        p = self.deficit if side == "deficit" else self.surplus
        return float(p[int(np.searchsorted(self.years, year))])

    def frame(self) -> pd.DataFrame:
        """Tidy: ``side, region, year, probability, p5, p95`` (fractions)."""
        rows = []
        for side, region, p, rng in (
            ("deficit", "US", self.deficit, self.deficit_range),
            ("surplus", "CN", self.surplus, self.surplus_range),
        ):
            rows.append(
                pd.DataFrame(
                    {
                        "side": side,
                        "region": region,
                        "year": self.years,
                        "probability": p,
                        "p5": rng[0],
                        "p95": rng[1],
                    }
                )
            )
        return pd.concat(rows, ignore_index=True)


@dataclass(frozen=True)
class Fan:
    """Monte Carlo bands of every path: for each (region, variable) series, the quantiles
    :data:`QUANTILES` over the draws, (Q, P, T)."""

    scenario: Scenario
    draws: int
    seed: int
    paths: tuple[str, ...]
    years: np.ndarray
    bands_: dict = field(repr=False)  # (region, variable) -> (Q, P, T)
    crisis: CrisisProbability
    parameters: dict = field(repr=False)  # lever -> (draws,) drawn values
    timing: np.ndarray = field(repr=False)  # (draws,) crisis-timing quantiles
    crisis_years: np.ndarray = field(repr=False)  # (draws,) disorderly crisis year, 0 none
    max_residual: float = 0.0  # largest identity residual of any draw, share of world GDP
    seconds: float = 0.0  # wall time of the computation

    @property
    def series(self) -> list[tuple[str, str]]:
        return list(self.bands_)

    def bands(self, variable: str, region: str, path: str) -> pd.DataFrame:
        """One path's bands: index year, columns p5, p25, p50 (median), p75, p95."""
        q = self.bands_[(region, variable)][:, self.paths.index(path)]
        return pd.DataFrame(
            q.T, index=pd.Index(self.years, name="year"), columns=list(QUANTILE_NAMES)
        )

    def value(self, variable: str, region: str, path: str, year: int, q: str = "p50") -> float:
        t = int(np.searchsorted(self.years, year))
        if t >= len(self.years) or self.years[t] != year:
            raise KeyError(f"year {year} outside {self.years[0]}-{self.years[-1]}")
        k = QUANTILE_NAMES.index(q)
        return float(self.bands_[(region, variable)][k, self.paths.index(path), t])

    def table(self, year: int) -> pd.DataFrame:
        """The headline table's bands at ``year``: one row per series (index ``region``,
        ``variable``), columns (path, quantile)."""
        t = int(np.searchsorted(self.years, year))
        if t >= len(self.years) or self.years[t] != year:
            raise KeyError(f"year {year} outside {self.years[0]}-{self.years[-1]}")
        data = {
            (path, name): [q[k, p, t] for q in self.bands_.values()]
            for p, path in enumerate(self.paths)
            for k, name in enumerate(QUANTILE_NAMES)
        }
        index = pd.MultiIndex.from_tuples(list(self.bands_), names=["region", "variable"])
        return pd.DataFrame(data, index=index)

    def frame(self) -> pd.DataFrame:
        """Tidy: ``path, region, year, variable, quantile, value, unit``."""
        frames = []
        T = len(self.years)
        for (region, variable), q in self.bands_.items():
            for k, name in enumerate(QUANTILE_NAMES):
                for p, path in enumerate(self.paths):
                    frames.append(
                        pd.DataFrame(
                            {
                                "path": path,
                                "region": region,
                                "year": self.years,
                                "variable": variable,
                                "quantile": np.full(T, name),
                                "value": q[k, p],
                                "unit": series_unit(variable),
                            }
                        )
                    )
        return pd.concat(frames, ignore_index=True)

    def metadata(self) -> dict:
        """What reproduces the fan: the scenario, the draws, the seed, the distributions."""
        return {
            "draws": self.draws,
            "seed": self.seed,
            "generator": "numpy.random.default_rng (PCG64)",
            "quantiles": list(QUANTILES),
            "distributions": distribution_table(self.scenario),
            "crisis_timing": TIMING_SOURCE,
            "status_quo_steering": "the scenario's, held in every draw (docs/uncertainty.md)",
            "largest_identity_residual": self.max_residual,
            "seconds": self.seconds,
        }


def distribution_table(scenario: Scenario | None = None) -> list[dict]:
    """The distributions as rows (lever, centre, sd, bounds, unit, source): the table of
    docs/uncertainty.md, centred on ``scenario``'s settings (the defaults if None)."""
    scn = scenario or Scenario()
    rows = []
    for d in DISTRIBUTIONS:
        lo, hi = d.bounds()
        rows.append(
            {
                "lever": d.lever,
                "centre": scn.get(d.lever),
                "sd": d.sd,
                "lo": lo,
                "hi": hi,
                "unit": LEVERS[d.lever].unit,
                "distribution": "normal, truncated",
                "source": d.source,
            }
        )
    return rows


def distribution_markdown() -> str:
    """The distributions as the Markdown table of docs/uncertainty.md (a test keeps the
    two the same)."""
    lines = [
        "| lever | unit | distribution around the scenario's value | bounds | source |",
        "|---|---|---|---|---|",
    ]
    for r in distribution_table():
        lines.append(
            f"| `{r['lever']}` | {r['unit']} | normal, sd {r['sd']:g}, truncated "
            f"(default centre {r['centre']:g}) | {r['lo']:g} to {r['hi']:g} | {r['source']} |"
        )
    lines.append(
        "| crisis timing (`disorderly.timing = hazard`) | year | the year the hazard's "
        "survival first falls to a uniform draw u | policy start to horizon | "
        f"{TIMING_SOURCE} |"
    )
    return "\n".join(lines) + "\n"


def _hazard_probability(nfa, y, base, slope, years, start) -> np.ndarray:
    """Each draw's cumulative crisis probability by year, (draws, T), from its status quo's
    net foreign assets and GDP (draws, T): the engine's hazard (:func:`crisis.hazard`) on
    last year's position, from the policy start."""
    N, T = nfa.shape
    survival = np.ones(N)
    out = np.zeros((N, T))
    for t in range(1, T):
        active = np.full(N, years[t] >= start)
        survival = crisis.hazard(survival, nfa[:, t - 1], y[:, t - 1], base, slope, active)
        out[:, t] = 1 - survival
    return out


def _quantiles_sorted(x: np.ndarray) -> np.ndarray:
    """:data:`QUANTILES` of ``x`` (..., N) over its last axis, linear interpolation (NumPy's
    default method), by one sort: (Q, ...)."""
    s = np.sort(x, axis=-1)
    N = s.shape[-1]
    out = []
    for q in QUANTILES:
        h = (N - 1) * q
        lo = int(np.floor(h))
        hi = min(lo + 1, N - 1)
        out.append(s[..., lo] + (h - lo) * (s[..., hi] - s[..., lo]))
    return np.stack(out)


def solve_chunk(scn: Scenario, values: dict, timing, paths, series) -> dict:
    """One chunk of a fan's draws (``values``: {lever: (m,)}, ``timing``: (m,) crisis-timing
    quantiles or None) as one batch of the engine (:func:`rebalancing.batch.run_batch`,
    every draw's accounts checked year by year): what the fan keeps of them, ``series``
    {(region, variable): (paths, T, m)}, the status quo's ``nfa`` and ``gdp`` {US, CN: (m, T)},
    ``crisis_years`` (m,) and the chunk's ``max_residual``."""
    need = sorted({v for _, var in series for v in series_needs(var)})
    # The raw arrays the series and the crisis probability are derived from: only these
    # are recorded for each draw (the engine checks every draw's accounts as it goes).
    keep = solution_fields(need) | {"Y", "NFA"}
    b = run_batch(scn, values, paths, drift="base", crisis_quantile=timing, keep=keep)
    v = b.variables(need)
    idx = [b.run_paths.index(p) for p in paths]
    if idx == list(range(b.P)):
        idx = slice(None)  # every path in order: a view, not a copy (the fan copies it)
    b0, T = b.run_paths.index("baseline"), len(b.years)

    def status_quo(x, r):
        return x.reshape(b.R, b.P, T, -1)[:, b0, :, b.regions.index(r)]

    return {
        "series": {s: np.moveaxis(series_values(v, b.regions, *s)[:, idx], 0, -1) for s in series},
        "nfa": {r: status_quo(b.solution.NFA, r) for r in ("US", "CN")},
        "gdp": {r: status_quo(b.solution.Y, r) for r in ("US", "CN")},
        "crisis_years": b.crisis_years(),
        "max_residual": b.max_residual,
    }


# --- worker processes ------------------------------------------------------------------------
#
# The chunks of a large fan run in parallel: this process solves chunks itself and hands
# others, one at a time each, to ``workers - 1`` persistent worker processes (threads would
# share the interpreter lock, which the engine's many small NumPy calls take and release
# thousands of times a chunk). A worker is a fresh interpreter running
# :mod:`rebalancing._worker` (not a fork of this process, which may be a multi-threaded
# server, and not multiprocessing's start methods, which import the caller's main module
# in the worker: a dashboard's script). It receives the scenario as its scenario-file text
# (parsed and validated there as any scenario file) and the chunk's drawn values, and
# returns arrays. Which process solves a chunk does not change its result: every chunk is
# the same computation on the same inputs, so the fan does not depend on the workers.


class _WorkerError(Exception):
    """A worker met an error (in a chunk or a model run): the caller solves it itself and
    raises there."""


#: The size asked for the answer pipe, in bytes: a dashboard's answer (results and chart
#: specs, ~0.2 MB) fits whole, and a chunk's (~6 MB) goes in a few pieces.
PIPE_BYTES = 1 << 20


def _widen_pipe(fd: int) -> None:
    """Ask for a pipe of ``PIPE_BYTES`` (Linux; at most its ``pipe-max-size``, 1 MiB by
    default): the worker then writes a dashboard's answer at once, and the reading thread
    takes it with one read. With the default 64 kB the worker waits for the reader to empty
    the pipe several times an answer, and under 20 sessions each time costs the reader a
    wait for the interpreter lock (measured: most model runs then found the worker still
    held and ran in the server). Elsewhere nothing is changed."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        return


#: The largest answer a worker can give, in bytes: a length beyond it is a broken pipe's.
MAX_ANSWER_BYTES = 1 << 30


def _read_answer(fd: int) -> bytearray:
    """One answer's pickle from the worker's pipe ``fd``: its length (8 bytes) and then
    that many bytes, with as few reads as the pipe allows (each read gives the interpreter
    lock up and must take it back, which under load means a wait): a dashboard's answer in
    one. EOFError if the pipe ends first (the worker is lost), or if the length is not one
    an answer can have or more bytes come than it said (the pipe is out of step)."""
    first = os.read(fd, PIPE_BYTES)
    while 0 < len(first) < 8:
        more = os.read(fd, 8 - len(first))
        if not more:
            break
        first += more
    if len(first) < 8:
        raise EOFError("the worker process ended")
    size = int.from_bytes(first[:8], "little")
    if size > MAX_ANSWER_BYTES or len(first) > 8 + size:
        raise EOFError(f"the worker's answer is out of step (length {size})")
    out = bytearray(size)
    got = len(first) - 8
    out[:got] = first[8:]
    view = memoryview(out)
    while got < size:
        n = os.readv(fd, [view[got : got + PIPE_BYTES]])
        if not n:
            raise EOFError("the worker process ended")
        got += n
    return out


def _answer(raw: bytearray):
    """A worker's answer opened: the result, or :class:`_WorkerError` with its message."""
    status, out = pickle.loads(raw)
    if status != "ok":
        raise _WorkerError(out)
    return out


class _Worker:
    """One worker process and its two pipes."""

    def __init__(self):
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[1])  # where this package is found
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (root, env.get("PYTHONPATH"))))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rebalancing._worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        _widen_pipe(self.proc.stdout.fileno())

    def ask(self, args: tuple) -> bytearray:
        """Send a request; the answer's pickle, read whole (:func:`_answer` opens it)."""
        # Pickles only between this process and the child it started, over that child's
        # own pipes: user input never becomes pickle bytes (a scenario goes as its file
        # text, a str inside our request, and is parsed and validated again there).
        self.proc.stdin.write(pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL))
        self.proc.stdin.flush()
        return _read_answer(self.proc.stdout.fileno())

    def solve(self, args: tuple):
        """The answer to a request (:meth:`ask`, :func:`_answer`)."""
        return _answer(self.ask(args))

    def close(self) -> None:
        """End the process: its input closed, it returns."""
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()


class _Workers:
    """``size`` worker processes shared by every fan and every dashboard model run of this
    process; one request at a time each (a caller borrows an idle one)."""

    def __init__(self, size: int):
        self.size = size
        self.idle: queue.Queue[_Worker] = queue.Queue()
        self.all = [_Worker() for _ in range(size)]  # started now; they import meanwhile
        for w in self.all:
            self.idle.put(w)

    def borrow(self, wanted) -> _Worker | None:
        """An idle worker, waiting while ``wanted()``; None once it is not."""
        while wanted():
            try:
                return self.idle.get(timeout=0.02)
            except queue.Empty:
                continue
        return None

    def close(self) -> None:
        for w in self.all:
            w.close()


_POOL_LOCK = threading.Lock()
_POOL: _Workers | None = None


def _pool(size: int) -> _Workers | None:
    """The shared worker processes, at least ``size`` of them (started on first use; a
    smaller pool is replaced by one of ``size``; None where processes cannot be started).
    A fan uses as many of them as it asks for (:func:`_map_chunks`)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None and _POOL.size < size:
            _POOL.close()
            _POOL = None
        if _POOL is None:
            try:
                _POOL = _Workers(size)
            except OSError:
                return None
        return _POOL


def _drop_pool(pool: _Workers) -> None:
    """Forget workers of which one was lost (the next fan or model run starts new ones)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is pool:
            _POOL = None
    pool.close()


@atexit.register
def _close_pool() -> None:
    if _POOL is not None:
        _POOL.close()


@lru_cache(maxsize=8)
def _scenario_from_text(text: str) -> Scenario:
    return parse_scenario(text, "scenario.json")


def _use_data(data: tuple[str | None, str]) -> None:
    """In a worker: use the data folder the caller uses (``data``: ``$REBALANCING_DATA_DIR``
    or None, and the data's key, checked)."""
    folder, key = data
    if folder is None:
        os.environ.pop("REBALANCING_DATA_DIR", None)
    else:
        os.environ["REBALANCING_DATA_DIR"] = folder
    if data_key() != key:
        raise RuntimeError("the data changed")  # the caller solves it itself


def _solve_chunk_in_worker(text: str, data: tuple[str | None, str], *args) -> dict:
    """:func:`solve_chunk` in a worker process: the scenario from its file text, the data
    the caller uses (:func:`_use_data`)."""
    _use_data(data)
    out = solve_chunk(_scenario_from_text(text), *args)
    out["series"] = {k: np.ascontiguousarray(v) for k, v in out["series"].items()}
    return out


def _simulate_in_worker(text: str, data: tuple[str | None, str], draw: bool = False):
    """:func:`rebalancing.simulate` in a worker process (:func:`simulate_in_worker`); with
    ``draw``, also the compare view's charts at the default style as specs
    (:func:`simulate_and_draw_in_worker`)."""
    _use_data(data)
    res = simulate(_scenario_from_text(text))
    if not draw:
        return res
    from . import charts

    return res, charts.figure_specs(charts.compare_charts(res))


def simulate_in_worker(scn: Scenario, wait: float = 0.1, data: str | None = None) -> Results | None:
    """``simulate(scn)`` in one of the shared worker processes (:func:`run_workers`) if
    one is idle within ``wait`` seconds, else None; None too where the worker could not
    (an error, a lost process): the caller then runs it itself, raising what a run
    raises. For a server whose sessions share one interpreter lock (Streamlit): the
    model's ~4,000 Python calls a run are made in the worker, on another core, while the
    session's thread waits on a pipe without the lock. The results are the same (the
    same code on the same scenario, read back from its file text).

    Waiting for a busy worker rather than running at once: a run takes a worker ~6 ms,
    but the session that sent it holds it until its thread gets the lock back to read the
    answer, several ms more under load. Waiting costs no lock time, running here ~6 ms
    of it. ``data``: the data's key if the caller has it
    (:func:`rebalancing.data.data_key`, ~0.2 ms)."""
    return _ask_worker("simulate", scn, wait, data, False)


def simulate_and_draw_in_worker(
    scn: Scenario, wait: float = 0.1, data: str | None = None
) -> tuple[Results, dict[str, dict]] | None:
    """:func:`simulate_in_worker`, and the worker draws the results too: the compare
    view's charts at the default style (``charts.compare_charts(res)``), as plotly dicts
    (``charts.figure_specs``; rebuilt with ``charts.figures_from_specs``). For the
    dashboard, whose lever moves mostly redraw that view: the figures are built and
    validated on the worker's core, not with the interpreter lock the server's sessions
    share. None as :func:`simulate_in_worker`."""
    return _ask_worker("simulate", scn, wait, data, True)


#: Worker processes for the dashboard's model runs (on a machine with more than one core),
#: unless ``REBALANCING_RUN_WORKERS`` says otherwise (:func:`run_workers`). Two, not one: a
#: run and its charts take a worker ~30 ms, and the session that sent them holds it until
#: its thread gets the interpreter lock back (~20 ms more under 20 sessions); with one
#: worker most runs found it held and ran in the server (measured: 28-43% of the runs
#: reached it, 80% with two). Each adds ~165-180 MB of RSS under 20 sessions
#: (docs/deploy.md).
RUN_WORKERS = 2

#: The environment variable that sets the number of worker processes for model runs.
RUN_WORKERS_ENV = "REBALANCING_RUN_WORKERS"


def run_workers(value: str | None = None) -> int:
    """How many worker processes the dashboard's model runs use: ``value`` (by default
    ``$REBALANCING_RUN_WORKERS``, read at each call), a whole number 0-8 in ASCII digits,
    0 for none (every run in the server: the least memory); unset or empty,
    :data:`RUN_WORKERS`. Anything else is reported on standard error, naming the variable,
    once per value, and the default used (a deployment setting read on a lever move,
    where raising would break the page)."""
    return _run_workers(os.environ.get(RUN_WORKERS_ENV, "") if value is None else value)


@lru_cache(maxsize=8)
def _run_workers(value: str) -> int:
    text = value.strip()
    if not text:
        return RUN_WORKERS
    if text.isascii() and text.isdigit() and int(text) <= 8:
        return int(text)
    print(
        f"{RUN_WORKERS_ENV}: expected a whole number from 0 to 8, got {value[:40]!r}; "
        f"using {RUN_WORKERS}",
        file=sys.stderr,
    )
    return RUN_WORKERS


def _ask_worker(verb: str, scn: Scenario, wait: float, data: str | None, *args):
    """The answer of a shared worker to ``(verb, scenario text, data, *args)``, or None
    (no idle worker within ``wait`` seconds, an error there, a lost process). The worker
    goes back to the pool as soon as its answer is read, before it is opened."""
    size = run_workers()
    pool = _pool(size) if size and (os.cpu_count() or 1) > 1 else None
    if pool is None:
        return None
    try:
        w = pool.idle.get(timeout=wait)
    except queue.Empty:
        return None
    try:
        text = dumps_scenario(scn)
        request = (verb, text, (os.environ.get("REBALANCING_DATA_DIR"), data or data_key()))
        ready = _scenario_from_text(text) == scn  # else not one a file can hold: run here
    except Exception:  # not the worker's: the caller's own run raises it
        ready = False
    if not ready:
        pool.idle.put(w)
        return None
    try:
        raw = w.ask((*request, *args))
    except Exception:  # the worker is lost (ended, out of step)
        _drop_pool(pool)
        return None
    except BaseException:  # cut short: what is left in its pipe is unknown, so not reused
        _drop_pool(pool)
        raise
    if _POOL is pool:
        pool.idle.put(w)  # before the answer is opened: the next session may go on
    try:
        return _answer(raw)
    except _WorkerError:
        return None
    except Exception:  # an unreadable answer: the worker is not to be trusted further
        _drop_pool(pool)
        return None


def _map_chunks(scn: Scenario, n: int, task, store, workers: int) -> None:
    """Solve chunks 0..n-1 (:func:`solve_chunk` of ``task(c)``) and ``store(c, result)``
    each: in this process, and with ``workers > 1`` in ``workers - 1`` worker processes as
    well, each taking the next chunk when it is done with one. A chunk a worker cannot
    solve (an error, a lost process) is solved here, so an error is raised as this process
    would raise it; of several, the first chunk's, as a loop over the chunks would."""
    lock = threading.Lock()
    errors: dict[int, BaseException] = {}
    stored = set()
    first = [0]  # the next chunk to claim

    def left() -> bool:
        return not errors and first[0] < n

    def claim() -> int | None:
        with lock:
            if not left():
                return None
            first[0] += 1
            return first[0] - 1

    def keep(c: int, out: dict) -> None:
        with lock:
            store(c, out)
            stored.add(c)

    def here(c: int) -> None:
        try:
            out = solve_chunk(scn, *task(c))
        except Exception as e:  # raised below, the first chunk's first
            with lock:
                errors[c] = e
            return
        keep(c, out)

    pool = _pool(workers - 1) if workers > 1 and n > 1 else None
    text = dumps_scenario(scn) if pool else None
    if text is not None and _scenario_from_text(text) != scn:
        pool = None  # not one a file can hold: solved here
    remote = []
    if pool is not None:
        data = (os.environ.get("REBALANCING_DATA_DIR"), data_key())

        def feed() -> None:
            while (w := pool.borrow(left)) is not None:
                c = claim()
                if c is None:
                    pool.idle.put(w)
                    return
                try:
                    out = w.solve(("chunk", text, data, *task(c)))
                except _WorkerError:
                    pool.idle.put(w)
                    here(c)
                    continue
                except Exception:  # the worker is lost (ended, unreadable answer)
                    _drop_pool(pool)
                    here(c)
                    return
                pool.idle.put(w)
                keep(c, out)

        remote = [threading.Thread(target=feed, daemon=True) for _ in range(workers - 1)]
        for th in remote:
            th.start()
    while (c := claim()) is not None:
        here(c)
    for th in remote:
        th.join()
    if errors:
        raise errors[min(errors)]
    if len(stored) != n:  # not expected: every claimed chunk is stored or raises
        raise RuntimeError(f"Monte Carlo: {n - len(stored)} of {n} chunks not solved")


def fan(
    scenario: Scenario | None = None,
    draws: int | None = None,
    seed: int | None = None,
    *,
    paths=PATHS,
    series=FAN_SERIES,
    chunk: int = 1000,
    workers: int | None = None,
) -> Fan:
    """Monte Carlo fans of ``series`` (pairs (region, variable)) for every path, and the
    crisis probability, from ``draws`` draws (default ``global.draws``) with ``seed``
    (default ``global.seed``). A pure function of (scenario, draws, seed, paths, series):
    cache it on those.

    The draws run ``chunk`` at a time (memory is bounded by the chunk and the series kept),
    in this process and ``workers - 1`` persistent worker processes (default ``workers``:
    the machine's cores, at most 2; :func:`_map_chunks`), started on the first fan of more
    than one chunk. The chunks, not the workers, set the batches, so the fan is the same to
    the bit with any number of workers. Each chunk records only the raw arrays its series
    and the crisis probability are derived from; the engine checks every draw's accounts
    year by year as it solves them (:func:`rebalancing.engine.run` with ``keep``).
    """
    t0 = time.perf_counter()
    scn = scenario or Scenario()
    N = int(scn.global_.draws if draws is None else draws)
    seed = int(scn.global_.seed if seed is None else seed)
    values, timing = draw_parameters(scn, N, seed)
    hazard_timing = scn.disorderly.timing == "hazard" and scn.disorderly.side == "US"
    req = tuple(p for p in PATHS if p in paths)
    years = np.arange(BASE_YEAR, scn.global_.horizon + 1)
    T = len(years)
    buf = {s: np.empty((len(req), T, N)) for s in series}
    nfa = {r: np.empty((N, T)) for r in ("US", "CN")}
    gdp = {r: np.empty((N, T)) for r in ("US", "CN")}
    crisis_years = np.zeros(N, dtype=int)
    chunks = [slice(c, min(N, c + chunk)) for c in range(0, N, chunk)]
    resid = np.zeros(len(chunks))

    def task(c: int) -> tuple:
        sl = chunks[c]
        q = timing[sl] if hazard_timing else None
        return {k: v[sl] for k, v in values.items()}, q, req, tuple(series)

    def store(c: int, out: dict) -> None:
        sl = chunks[c]
        for s in series:
            buf[s][:, :, sl] = out["series"][s]
        for r in ("US", "CN"):
            nfa[r][sl], gdp[r][sl] = out["nfa"][r], out["gdp"][r]
        crisis_years[sl] = out["crisis_years"]
        resid[c] = out["max_residual"]

    workers = workers or min(2, os.cpu_count() or 1)
    _map_chunks(scn, len(chunks), task, store, workers)

    bands = {s: _quantiles_sorted(buf[s]) for s in series}
    start = scn.global_.policy_start
    base = values["disorderly.hazard_base"] / 100
    slope = values["disorderly.hazard_slope"] / 100
    probs = {
        r: _hazard_probability(nfa[r], gdp[r], base, slope, years, start) for r in ("US", "CN")
    }

    def summary(p):
        return p.mean(0), np.quantile(p, (0.05, 0.95), axis=0)

    (dm, dr), (sm, sr) = summary(probs["US"]), summary(probs["CN"])
    return Fan(
        scenario=scn,
        draws=N,
        seed=seed,
        paths=req,
        years=years,
        bands_=bands,
        crisis=CrisisProbability(years, dm, sm, dr, sr, start),
        parameters=values,
        timing=timing,
        crisis_years=crisis_years,
        max_residual=float(resid.max()),
        seconds=time.perf_counter() - t0,
    )
