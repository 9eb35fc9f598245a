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

import os
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from .batch import run_batch
from .blocks import crisis
from .calibration import BASE_YEAR
from .levers import LEVERS
from .paths import PATHS
from .results import solution_fields
from .scenario import Scenario
from .series import HEADLINE, needs
from .series import unit as unit_of
from .series import values as values_of
from .workers import map_chunks

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

#: The series the fans follow by default: the headline series of the catalogue
#: (rebalancing.series.HEADLINE), which the compare charts' bands and the table show.
FAN_SERIES: tuple[tuple[str, str], ...] = HEADLINE


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
    centre: str = "adaptive"  # the engine of the line the bands are centred on

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
                                "unit": unit_of(variable),
                            }
                        )
                    )
        return pd.concat(frames, ignore_index=True)

    @property
    def engine(self) -> str:
        """The engine the draws ran (always the adaptive one, whatever the central line's)."""
        return self.scenario.global_.expectations

    def metadata(self) -> dict:
        """What reproduces the fan: the scenario, the draws, the seed, the distributions."""
        return {
            "engine": f"global.expectations = {self.engine} (every draw; docs/uncertainty.md)",
            "centre": (
                "the draws' own median"
                if self.centre == self.engine
                else f"the {self.centre} central line: every quantile moved by the central "
                "line's difference between the engines (docs/uncertainty.md)"
            ),
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


def _recentre(line: Scenario, scn: Scenario, req, bands: dict) -> None:
    """Centre the adaptive draws' bands on the central line of another engine, in place.

    band_q(path, t) += x_line(path, t) - x_adaptive(path, t) for every quantile q: the spread
    is the adaptive draws', the centre the line's (model-consistent) solution. The crisis
    probability and the draws' crisis years stay the adaptive draws' own (the hazard on
    their status quos), so that they agree with each other. An approximation, stated on the
    chart and in the fan's metadata (docs/uncertainty.md)."""
    from .results import simulate

    mc, ad = simulate(line, req), simulate(scn, req)
    rows = [mc.run_paths.index(p) for p in req]
    for (region, variable), q in bands.items():
        r = mc.regions.index(region)
        q += (mc.variables[variable][rows, :, r] - ad.variables[variable][rows, :, r])[None]


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
    need = sorted({v for _, var in series for v in needs(var)})
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
        "series": {s: np.moveaxis(values_of(v, b.regions, *s)[:, idx], 0, -1) for s in series},
        "nfa": {r: status_quo(b.solution.NFA, r) for r in ("US", "CN")},
        "gdp": {r: status_quo(b.solution.Y, r) for r in ("US", "CN")},
        "crisis_years": b.crisis_years(),
        "max_residual": b.max_residual,
    }


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
    centre = scn.global_.expectations
    # The draws run the adaptive engine: the model-consistent one solves a setting in
    # 20-400 ms, too slow for 1,000 draws a move (docs/uncertainty.md); the fan says so.
    line, scn = scn, scn.with_values({"global.expectations": "adaptive"})
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
    map_chunks(scn, len(chunks), task, store, workers, solve_chunk)

    bands = {s: _quantiles_sorted(buf[s]) for s in series}
    if centre != "adaptive":
        _recentre(line, scn, req, bands)
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
        centre=centre,
    )
