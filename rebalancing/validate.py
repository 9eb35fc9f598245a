"""Validation: the model's behaviour against published results (docs/validation.md).

Each check's band, study and source are in ``data/validation_bands.csv``, committed before
the model was compared with them (docs/validation.md, "How the bands were set"); this
module runs the experiment of each and reads off the model's figure. A check is either
``validation`` (a result the model was not fitted to) or ``calibration`` (a figure a
parameter was set from: it checks the setting, not the model). A check outside its band is
shown as outside, with the reason the model cannot match it (:data:`WHY_OUTSIDE`); its band
is never moved to let it in.

``python -m rebalancing validate`` prints the table, the app's Validation view shows it,
and the tests keep docs/validation.md current with it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from .data import DataError, data_dir, load_facts
from .results import simulate
from .scenario import Scenario

#: The 2024 tariffs between the US and China (PIIE, data/facts.csv): the counterfactual
#: of the tariff studies.
TARIFFS_2024 = {"baseline.us_tariff_on_cn": 20.8, "baseline.cn_tariff_on_us": 21.2}

#: US imports are about 78% goods: a tariff of x on the goods of all other partners is about
#: 0.78 x on all their goods and services, the base of the model's tariff levers.
GOODS_SHARE_OF_US_IMPORTS = 0.78

#: Every check runs with model-consistent expectations (the impulse responses need them).
MODEL = {"global.expectations": "model-consistent"}

#: The year the impulse responses start (announced and unforeseen before).
IRF_START = 2026

BAND_COLUMNS = (
    "id",
    "kind",
    "topic",
    "study",
    "where",
    "published",
    "low",
    "high",
    "unit",
    "horizon",
    "why_range",
    "experiment",
)
MAX_BAND_ROWS = 200
MAX_BAND_BYTES = 256_000


@dataclass(frozen=True)
class Band:
    """A check's published result and the range the model's figure must fall in."""

    id: str
    kind: str  # "validation" or "calibration"
    topic: str
    study: str
    where: str  # where in the study the figure was read (page, table, figure, abstract)
    published: str
    low: float
    high: float
    unit: str
    horizon: str
    why_range: str
    experiment: str


@dataclass(frozen=True)
class Check:
    id: str
    topic: str
    study: str
    published: str  # the figure as published, in words
    low: float  # the range the model's figure must fall in
    high: float
    why_range: str
    experiment: str  # lever settings and the measure taken
    unit: str
    model: float
    model_text: str = ""  # where the model's figure is itself a range
    kind: str = "validation"
    where: str = ""
    horizon: str = ""
    reason: str = ""  # why the model cannot match it, where it does not

    @property
    def inside(self) -> bool:
        if self.model_text:  # a bracket of the model's that must hold the published figure
            return self.low <= self.model <= self.high
        return bool(np.isfinite(self.model)) and self.low <= self.model <= self.high


def load_bands(path: Path | None = None) -> dict[str, Band]:
    """Read ``validation_bands.csv`` (bounded: size, rows, exact columns; numbers checked)."""
    path = Path(path) if path else data_dir() / "validation_bands.csv"
    raw = path.read_bytes()
    if len(raw) > MAX_BAND_BYTES:
        raise DataError(f"{path.name}: larger than {MAX_BAND_BYTES:,} bytes", path.name)
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    if len(rows) > MAX_BAND_ROWS:
        raise DataError(f"{path.name}: more than {MAX_BAND_ROWS} rows", path.name)
    out: dict[str, Band] = {}
    for k, row in enumerate(rows, start=2):
        if tuple(row) != BAND_COLUMNS:
            raise DataError(
                f"{path.name} line {k}: expected the columns {', '.join(BAND_COLUMNS)}", path.name
            )
        if row["kind"] not in ("validation", "calibration"):
            raise DataError(
                f"{path.name} line {k}: kind: expected validation or calibration, "
                f"got {row['kind']!r}",
                path.name,
            )
        try:
            low = float(row["low"]) if row["low"] else float("-inf")
            high = float(row["high"]) if row["high"] else float("inf")
        except ValueError:
            raise DataError(
                f"{path.name} line {k}: low/high: expected numbers", path.name
            ) from None
        if not low <= high:
            raise DataError(f"{path.name} line {k}: low is above high", path.name)
        if row["id"] in out:
            raise DataError(f"{path.name} line {k}: id {row['id']!r} twice", path.name)
        out[row["id"]] = Band(**{**row, "low": low, "high": high})
    return out


def _fact(subject: str, fact: str) -> float:
    return load_facts().get(subject, fact).number


def _pct(a: float, b: float) -> float:
    return 100.0 * (a / b - 1.0)


def _scn(values: dict | None = None) -> Scenario:
    return Scenario().with_values({**MODEL, **(values or {})})


@lru_cache(maxsize=32)
def _run(items: tuple, paths: tuple):
    return simulate(_scn(dict(items)), list(paths))


def _sim(values: dict | None = None, paths=("baseline",)):
    return _run(tuple(sorted((values or {}).items())), tuple(paths))


# --- the experiments: each returns {check id: model figure (or (figure, text))} ---------


def _tariffs_2025() -> dict:
    others = round(GOODS_SHARE_OF_US_IMPORTS * 12.0, 1)
    now = _sim({"baseline.us_tariff_on_others": others})
    then = _sim(TARIFFS_2024)

    def gdp(r, y):
        return _pct(
            now.value("baseline", r, "real_gdp", y), then.value("baseline", r, "real_gdp", y)
        )

    prices = now.value("baseline", "US", "consumer_price_level", 2026) - then.value(
        "baseline", "US", "consumer_price_level", 2026
    )
    return {
        "tariffs_2025_long_run": gdp("US", 2040),
        "tariffs_2025_prices": prices,
        "tariffs_2025_short_run": gdp("US", 2026),
        "tariffs_2025_china_long_run": gdp("CN", 2040),
    }


def _tariff_war() -> dict:
    war = {
        "baseline.us_tariff_on_cn": 80.8,
        "baseline.cn_tariff_on_us": 81.2,
        "baseline.us_tariff_on_others": round(GOODS_SHARE_OF_US_IMPORTS * 10.0, 1),
    }
    a, b = _sim(war), _sim(TARIFFS_2024)

    def gdp(r, y):
        return _pct(a.value("baseline", r, "real_gdp", y), b.value("baseline", r, "real_gdp", y))

    return {
        "tariff_war_us": gdp("US", 2030),
        "tariff_war_cn": gdp("CN", 2026),
        "tariff_war_us_two_years": gdp("US", 2026),
    }


def _tariff_cbo() -> dict:
    cbo = {
        "baseline.us_tariff_on_cn": 80.8,
        "baseline.cn_tariff_on_us": 21.2,
        "baseline.us_tariff_on_others": round(GOODS_SHARE_OF_US_IMPORTS * 10.0, 1),
    }
    a, b = _sim(cbo), _sim(TARIFFS_2024)
    return {
        "tariff_cbo_2035": _pct(
            a.value("baseline", "US", "real_gdp", 2035), b.value("baseline", "US", "real_gdp", 2035)
        )
    }


def _tariff_universal() -> dict:
    ten = {**TARIFFS_2024, "baseline.us_tariff_on_cn": 30.8, "baseline.us_tariff_on_others": 10.0}
    a, b = _sim(ten), _sim(TARIFFS_2024)
    return {
        "tariff_dollar_sign": _pct(
            a.value("baseline", "US", "real_exchange_rate", 2025),
            b.value("baseline", "US", "real_exchange_rate", 2025),
        ),
        "tariff_ca_sign": a.value("baseline", "US", "current_account_pct_gdp", 2026)
        - b.value("baseline", "US", "current_account_pct_gdp", 2026),
    }


def _trade_2025() -> dict:
    res = _sim()

    def change(region):
        return _pct(
            res.value("baseline", "CN", f"exports_to_{region}", 2025),
            res.value("baseline", "CN", f"exports_to_{region}", 2024),
        )

    return {"trade_2025_us": change("US"), "trade_2025_bloc": change("BLOC")}


#: The orderly path with only the US consolidation (its other levers off, its tariff
#: targets the status quo's).
ONLY_FISCAL = {
    "orderly.us_fiscal_consolidation": 1.0,
    "orderly.cn_consumption_rise": 0.0,
    "orderly.kappa": 0.0,
    "orderly.us_tariff_target": 51.1,
    "orderly.cn_tariff_target": 32.6,
}


def _fiscal() -> dict:
    res = _sim({**ONLY_FISCAL, "orderly.years": 3}, ("orderly",))
    done = res.scenario.global_.policy_start + 3 - 1  # the year the cut is complete

    def ca(y):
        return res.value("orderly", "US", "current_account_pct_gdp", y) - res.value(
            "baseline", "US", "current_account_pct_gdp", y
        )

    sol, cal = impulse_response("fiscal")
    t1 = IRF_START + 1 - int(sol.years[0])
    gdp = _irf_var(sol, cal, "real_gdp")
    return {
        "fiscal_consolidation_ca": ca(done + 2),
        "fiscal_ca_five_years": ca(done + 5),
        "fiscal_ca_ten_years": ca(done + 10),
        "fiscal_gdp_two_years": _pct(gdp[1, t1], gdp[0, t1]),
    }


def impulse_response(shock: str, size: float = 0.01, start: int = IRF_START):
    """The US impulse response of ``shock`` at the validation's settings
    (:func:`rebalancing.irf.us_shock`)."""
    from .irf import us_shock

    return us_shock(_scn(), shock, size, start)


def _irf_var(sol, cal, name: str) -> np.ndarray:
    from .irf import response

    return response(sol, cal, name)


def _monetary() -> dict:
    sol, cal = impulse_response("monetary")
    t0 = IRF_START - int(sol.years[0])
    gap = _irf_var(sol, cal, "output_gap_pct")
    pi = _irf_var(sol, cal, "inflation")
    d_gap = gap[1] - gap[0]
    return {
        "monetary_gap_year1": float(d_gap[t0]),
        "monetary_gap_year2": float(d_gap[t0 + 1]),
        "monetary_gap_year3": float(d_gap[t0 + 2]),
        "monetary_inflation_year2": float(pi[1, t0 + 1] - pi[0, t0 + 1]),
    }


def _premium() -> dict:
    sol, cal = impulse_response("premium", 0.02)
    t0 = IRF_START - int(sol.years[0])
    reer = _irf_var(sol, cal, "real_exchange_rate")
    fall = 100.0 * (1.0 - reer[1] / reer[0])  # % fall of the real effective dollar
    rnx = _irf_var(sol, cal, "real_net_exports_pct_gdp")
    ca = _irf_var(sol, cal, "current_account_pct_gdp")
    d_rnx, d_ca = rnx[1] - rnx[0], ca[1] - ca[0]
    us = cal.regions.index("US")
    # US import prices in dollars: import values over volumes (trade[i, j]: i's imports
    # from j), 2024 = 1
    pm = sol.trade[:, :, us, :].sum(-1) / sol.Mreal[:, :, us]
    dlog_pm = 100.0 * np.log(pm[1] / pm[0])
    t10 = t0 + 9
    return {
        "premium_net_exports": float(10.0 * d_rnx[t0 + 1] / fall[t0 + 1]),
        "premium_jcurve": float(10.0 * d_ca[t0] / fall[t0]),
        "dollar_fall_per_point": float(fall[t10] / d_ca[t10]),
        "import_pass_through_us": float(dlog_pm[t0] / (-100.0 * np.log(reer[1, t0] / reer[0, t0]))),
    }


def _crisis_us() -> dict:
    res = _sim({}, ("disorderly",))
    yc = res.crisis_year()
    reer_d = res.series("disorderly", "US", "real_exchange_rate")
    reer_b = res.series("baseline", "US", "real_exchange_rate")

    def fall(y):
        return 100.0 * (1.0 - reer_d[y] / reer_b[y])

    val_d = res.series("disorderly", "US", "nfa_valuation")
    val_b = res.series("baseline", "US", "nfa_valuation")
    gdp = res.series("disorderly", "US", "gdp")
    gain = 100.0 * (val_d[yc] - val_b[yc]) / gdp[yc]
    return {
        "dollar_crisis_output": float(res.series("disorderly", "US", "gdp_vs_baseline_pct")[yc]),
        "crisis_depreciation_persistence": float(fall(yc + 10) / fall(yc)),
        "valuation_crisis_year": float(10.0 * gain / fall(yc)),
    }


def _crisis_cn() -> dict:
    res = _sim({"disorderly.side": "CN"}, ("disorderly",))
    yc = res.crisis_year()
    s = res.series("disorderly", "CN", "gdp_vs_baseline_pct")
    return {"sudden_stop_first_year": float(s[yc]), "crisis_persistence": float(s[yc + 7])}


def _valuation_2024q4() -> dict:
    from .calibration import calibrate
    from .constants import CURRENCIES

    cal = calibrate(False)
    rise = _fact("US", "dollar_index_change_2024q4") / 100
    assets = cal.assets[cal.index("US")]
    factor = 1 / (1 + rise) - 1  # value of foreign currency in dollars
    bloc_only = assets[CURRENCIES.index("BLOC")] * factor
    all_ccy = assets[1:].sum() * factor
    pub = _fact("US", "iip_exchange_rate_changes_2024q4")
    # the model gives a bracket; the published figure must fall inside it
    return {
        "valuation_2024q4": (
            pub,
            min(bloc_only, all_ccy),
            max(bloc_only, all_ccy),
            f"{bloc_only:,.0f} (bloc currencies) to {all_ccy:,.0f} (all)",
        )
    }


#: Every experiment (each gives the figures of one or more checks).
EXPERIMENTS: tuple[Callable[[], dict], ...] = (
    _tariffs_2025,
    _tariff_war,
    _tariff_cbo,
    _tariff_universal,
    _trade_2025,
    _fiscal,
    _monetary,
    _premium,
    _crisis_us,
    _crisis_cn,
    _valuation_2024q4,
)

#: Why the model cannot match a check it falls outside of (docs/validation.md).
_SHORT_RUN_TARIFF = (
    "The model's short-run cost of a tariff is the demand and price channel only: one final "
    "good per region (no imported intermediate inputs that raise costs and cut supply at "
    "once), no investment falling with uncertainty or with the expected return on capital, "
    "and forward-looking households who smooth the real-income loss; G-Cubed, NiGEM and the "
    "Yale model have these channels, so their first-year losses are larger. The long-run "
    "losses (the supply side) are inside their bands."
)

WHY_OUTSIDE: dict[str, str] = {
    "tariffs_2025_short_run": _SHORT_RUN_TARIFF,
    "tariff_war_us": _SHORT_RUN_TARIFF,
    "tariff_war_cn": _SHORT_RUN_TARIFF,
    "tariff_war_us_two_years": _SHORT_RUN_TARIFF,
    "tariff_ca_sign": (
        "Tariff revenue is public saving in the model: the fiscal rule returns it only "
        "slowly (its tax response is 0.1 a year), so national saving rises by most of the "
        "revenue and the current account improves. In the published "
        "models the revenue is rebated or lowers other taxes, and investment and the "
        "dollar's appreciation widen the deficit."
    ),
    "dollar_fall_per_point": (
        "The published figure is the depreciation that closes a point of deficit by "
        "expenditure switching alone. In the model a lasting risk premium also cuts US "
        "absorption (higher borrowing rates), and with model-consistent expectations the "
        "dollar falls at once and then recovers as net liabilities shrink (external "
        "solvency), as in G-Cubed: per point of current-account improvement the real dollar "
        "is lower by far less than the static elasticities imply."
    ),
    "crisis_depreciation_persistence": (
        "The crisis premium decays (persistence 0.8 a year, 0.5 pp lasting) and the crisis "
        "itself improves the US position (the current-account swing and the valuation gain), "
        "so the debt-elastic premium falls and the real dollar returns most of the way within "
        "ten years: it stays below the status quo's through the horizon, but by about an "
        "eighth of its crisis-year fall, not the half or more Obstfeld and Rogoff find. A "
        "more lasting repricing needs a larger permanent loss of the reserve-currency "
        "privilege than the model's default assumes."
    ),
    "valuation_crisis_year": (
        "The model revalues the US foreign-currency assets at the bilateral rates: in the "
        "crisis they move more than the real effective index (11.1% per 10% effective fall), "
        "on foreign-currency holdings that have grown with the issuer's trend size to about "
        "92% of GDP by the crisis year (2024: BEA, about 70% of assets); the BEA-derived "
        "bracket is for 2024's positions and a move of the broad index."
    ),
}


def validation_table() -> list[Check]:
    """Every check of ``validation_bands.csv``, in its order, with the model's figure."""
    bands = load_bands()
    figures: dict = {}
    for make in EXPERIMENTS:
        figures.update(make())
    missing = set(bands) - set(figures)
    if missing:
        raise DataError(f"validation_bands.csv: no experiment for {', '.join(sorted(missing))}")
    out = []
    for b in bands.values():
        got = figures[b.id]
        low, high, text = b.low, b.high, ""
        if isinstance(got, tuple):  # a bracket of the model's that must hold the figure
            got, low, high, text = got
        out.append(
            Check(
                id=b.id,
                topic=b.topic,
                study=b.study,
                published=b.published,
                low=low,
                high=high,
                why_range=b.why_range,
                experiment=b.experiment,
                unit=b.unit,
                model=float(got),
                model_text=text,
                kind=b.kind,
                where=b.where,
                horizon=b.horizon,
                reason=WHY_OUTSIDE.get(b.id, ""),
            )
        )
    return out


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:+.2f}"


def _range(c: Check) -> str:
    if c.model_text:  # the model gives a bracket that must hold the published figure
        return f"bracket must hold {_num(c.model)}"
    return f"{_num(c.low)} to {_num(c.high)}"


def _model(c: Check) -> str:
    return c.model_text or _num(c.model)


def _result(c: Check) -> str:
    return "inside" if c.inside else "OUTSIDE"


def markdown(checks: list[Check]) -> str:
    """The tables as Markdown (docs/validation.md): validation checks, then calibration."""
    out = []
    for kind, title in (("validation", "Validation checks"), ("calibration", "Calibration checks")):
        rows = [c for c in checks if c.kind == kind]
        out += [
            f"### {title} ({sum(c.inside for c in rows)} of {len(rows)} inside)",
            "",
            "| topic | study (where read) | published | allowed range | horizon | experiment | "
            "model | result |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for c in rows:
            out.append(
                f"| {c.topic} | {c.study} ({c.where}) | {c.published} | {_range(c)} {c.unit} "
                f"({c.why_range}) | {c.horizon} | {c.experiment} | {_model(c)} | "
                f"{_result(c)} |"
            )
        out.append("")
    failing = [c for c in checks if not c.inside]
    if failing:
        out += ["### Where the model cannot match", ""]
        out += [f"- **{c.id}** ({c.topic}): {c.reason or 'no reason given'}" for c in failing]
        out.append("")
    return "\n".join(out)


def text(checks: list[Check]) -> str:
    """A plain table for the terminal."""
    rows = [("check", "kind", "published", "range", "model", "result")]
    for c in checks:
        rows.append((c.id, c.kind[:5], c.published[:50], _range(c), _model(c), _result(c)))
    widths = [max(len(r[k]) for r in rows) for k in range(6)]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in rows) + "\n"


def frame(checks: list[Check] | None = None):
    """The published-results table as a pandas DataFrame, one row per check, in the
    dashboard's words (its Validation view)."""
    import pandas as pd

    checks = validation_table() if checks is None else checks
    return pd.DataFrame(
        [
            {
                "Kind": c.kind,
                "Topic": c.topic,
                "Study": f"{c.study} ({c.where})" if c.where else c.study,
                "Published": c.published,
                "Allowed range": f"{_range(c)} {c.unit}",
                "Horizon": c.horizon,
                "Model": _model(c),
                "Result": _result(c),
                "Why it cannot match": c.reason,
                "Experiment": c.experiment,
                "Why this range": c.why_range,
            }
            for c in checks
        ]
    )


#: The headline table's rows: (region, variable, label) read in 2030, 2035 and 2040.
HEADLINE_ROWS = (
    ("US", "current_account_pct_gdp", "US current account, % of GDP"),
    ("CN", "current_account_pct_gdp", "China current account, % of GDP"),
    ("US", "output_gap_pct", "US output gap, %"),
    ("CN", "output_gap_pct", "China output gap, %"),
    ("US", "real_exchange_rate", "US real effective exchange rate, 2024 = 100"),
    ("CN", "real_exchange_rate", "China real effective exchange rate, 2024 = 100"),
    ("US", "niip_pct_gdp", "US net international investment position, % of GDP"),
)
HEADLINE_YEARS = (2030, 2035, 2040)


def headline_markdown(expectations: str = "model-consistent") -> str:
    """The headline table of docs/model.md section 3b, from the model (never typed): every
    path, 2030/2035/2040, the default levers, in four-region and two-country mode."""
    from .paths import PATH_TITLES, PATHS

    out = []
    for two, mode in ((False, "four regions"), (True, "two countries")):
        res = simulate(
            Scenario().with_values({"global.expectations": expectations, "global.two_country": two})
        )
        out += [
            f"**{mode.capitalize()}** (`global.expectations = {expectations}`, default levers)",
            "",
            "| series | year | " + " | ".join(PATH_TITLES[p] for p in PATHS) + " |",
            "|---|---|" + "---|" * len(PATHS),
        ]
        for region, var, label in HEADLINE_ROWS:
            for y in HEADLINE_YEARS:
                vals = [res.value(p, region, var, y) for p in PATHS]
                out.append(f"| {label} | {y} | " + " | ".join(f"{v:.2f}" for v in vals) + " |")
        out.append("")
    return "\n".join(out)


HEADLINE_START, HEADLINE_END = "<!-- headline:start -->", "<!-- headline:end -->"


def with_headline(doc: str, table: str) -> str:
    """``doc`` (docs/model.md) with the text between its headline markers replaced."""
    a, b = doc.index(HEADLINE_START) + len(HEADLINE_START), doc.index(HEADLINE_END)
    return doc[:a] + "\n" + table.rstrip("\n") + "\n" + doc[b:]


def write_headline(path) -> None:
    """Regenerate the headline table of docs/model.md in place (an atomic write):
    ``python -c "from rebalancing.validate import write_headline as w; w('docs/model.md')"``."""
    from pathlib import Path as _Path

    from .files import write_text

    p = _Path(path)
    write_text(p, with_headline(p.read_text(encoding="utf-8"), headline_markdown()))


# --- impulse responses beside the published ones (docs/validation.md) -------------------


@dataclass(frozen=True)
class Impulse:
    """One shock's response in the model, by year after the shock (1 = its first year),
    beside the bands of the checks it is compared with."""

    id: str
    title: str
    unit: str
    lines: dict  # label -> tuple of values, years 1..len
    checks: tuple  # (check id, year after the shock, label)
    scale: dict = field(default_factory=dict)  # check id -> factor on its band (charts)


IMPULSE_YEARS = 10


def impulses() -> list[Impulse]:
    """The four shocks of the validation (a monetary tightening, a risk-premium shock, a
    fiscal consolidation, a tariff war), the model's responses over :data:`IMPULSE_YEARS`."""
    n = IMPULSE_YEARS
    out = []
    sol, cal = impulse_response("monetary")
    t0 = IRF_START - int(sol.years[0])
    gap, pi = _irf_var(sol, cal, "output_gap_pct"), _irf_var(sol, cal, "inflation")
    out.append(
        Impulse(
            "monetary",
            "US monetary tightening: 1 pp on the policy rule for one year",
            "pp or % of potential, difference from no shock",
            {
                "output gap (% of potential)": tuple((gap[1] - gap[0])[t0 : t0 + n]),
                "inflation (pp)": tuple((pi[1] - pi[0])[t0 : t0 + n]),
            },
            (
                ("monetary_gap_year1", 1, "output gap"),
                ("monetary_gap_year2", 2, "output gap"),
                ("monetary_gap_year3", 3, "output gap"),
                ("monetary_inflation_year2", 2, "inflation"),
            ),
        )
    )
    sol, cal = impulse_response("premium", 0.02)
    t0 = IRF_START - int(sol.years[0])
    reer = _irf_var(sol, cal, "real_exchange_rate")
    fall = 100.0 * (1.0 - reer[1] / reer[0])
    rnx = _irf_var(sol, cal, "real_net_exports_pct_gdp")
    ca = _irf_var(sol, cal, "current_account_pct_gdp")
    out.append(
        Impulse(
            "premium",
            "Risk premium on US assets: +2 pp for good",
            "% of GDP or %, difference from no shock; the bands (per 10% depreciation) "
            "scaled to the model's fall that year",
            {
                "real net exports (% of GDP)": tuple((rnx[1] - rnx[0])[t0 : t0 + n]),
                "current account (% of GDP)": tuple((ca[1] - ca[0])[t0 : t0 + n]),
                "real effective dollar (% fall)": tuple(fall[t0 : t0 + n]),
            },
            (
                ("premium_jcurve", 1, "current account"),
                ("premium_net_exports", 2, "real net exports"),
            ),
            {"premium_jcurve": fall[t0] / 10.0, "premium_net_exports": fall[t0 + 1] / 10.0},
        )
    )
    res = _sim({**ONLY_FISCAL, "orderly.years": 3}, ("orderly",))
    start = res.scenario.global_.policy_start
    years = range(start, min(start + n, res.scenario.global_.horizon + 1))
    d_ca = tuple(
        res.value("orderly", "US", "current_account_pct_gdp", y)
        - res.value("baseline", "US", "current_account_pct_gdp", y)
        for y in years
    )
    sol, cal = impulse_response("fiscal")
    t0 = IRF_START - int(sol.years[0])
    gdp = _irf_var(sol, cal, "real_gdp")
    out.append(
        Impulse(
            "fiscal",
            "US fiscal consolidation: 1% of GDP (phased in over 3 years; GDP: at once)",
            "% of GDP or %, difference from no consolidation",
            {
                "current account (% of GDP; 3-year phase-in)": d_ca,
                "real GDP (%; permanent cut at once)": tuple(
                    (100 * (gdp[1] / gdp[0] - 1))[t0 : t0 + n]
                ),
            },
            (
                ("fiscal_gdp_two_years", 2, "real GDP"),
                ("fiscal_consolidation_ca", 3 + 2, "current account"),
                ("fiscal_ca_five_years", 3 + 5, "current account"),
            ),
        )
    )
    war = {
        "baseline.us_tariff_on_cn": 80.8,
        "baseline.cn_tariff_on_us": 81.2,
        "baseline.us_tariff_on_others": round(GOODS_SHARE_OF_US_IMPORTS * 10.0, 1),
    }
    a, b = _sim(war), _sim(TARIFFS_2024)
    years = range(2025, 2025 + n)

    def gdp_pct(r):
        return tuple(
            _pct(a.value("baseline", r, "real_gdp", y), b.value("baseline", r, "real_gdp", y))
            for y in years
        )

    out.append(
        Impulse(
            "tariff",
            "Tariff war from 2025: US-China tariffs about 81%, the US 10% on others",
            "% of real GDP, difference from the 2024 tariffs",
            {"US real GDP (%)": gdp_pct("US"), "China real GDP (%)": gdp_pct("CN")},
            (
                ("tariff_war_us_two_years", 2, "US real GDP"),
                ("tariff_war_cn", 2, "China real GDP"),
                ("tariff_war_us", 6, "US real GDP"),
            ),
        )
    )
    return out


def impulse_markdown(items: list[Impulse], checks: list[Check], img: str = "img") -> str:
    """The impulse responses as numbers (the model's, year by year, and the bands they are
    compared with), each with its chart (``img``/irf_<id>.png, written by
    :func:`impulse_figure`)."""
    by_id = {c.id: c for c in checks}
    out = [
        "## Impulse responses beside the published ones",
        "",
        "Numbers are compared, not pictures: each table gives the model's response by year "
        "after the shock; the bands are the checks above (the chart draws each as a bar at "
        "its horizon). Charts: `python -m rebalancing validate --charts docs/img`.",
        "",
    ]
    for imp in items:
        n = max(len(v) for v in imp.lines.values())
        out += [
            f"### {imp.title}",
            "",
            f"![{imp.title}]({img}/irf_{imp.id}.png)",
            "",
            "| series (" + imp.unit + ") | " + " | ".join(str(k) for k in range(1, n + 1)) + " |",
            "|---|" + "---|" * n,
        ]
        for label, vals in imp.lines.items():
            out.append(f"| {label} | " + " | ".join(f"{v:+.2f}" for v in vals) + " |")
        out.append("")
        for cid, year, label in imp.checks:
            c = by_id[cid]
            out.append(
                f"- {label}, year {year}: {c.published} ({c.study}); band {_range(c)}, "
                f"model {_model(c)}: {_result(c)}"
            )
        out.append("")
    return "\n".join(out)


def impulse_figure(imp: Impulse, checks: list[Check]):
    """A plotly figure of one impulse response: the model's lines and each check's band as
    a bar at its horizon (16:9, title, unit, source)."""
    import plotly.graph_objects as go

    by_id = {c.id: c for c in checks}
    fig = go.Figure()
    palette = ("#1f4e79", "#b03a2e", "#7d6608")
    colour = {}
    for k, (label, vals) in enumerate(imp.lines.items()):
        colour[label] = palette[k % len(palette)]
        fig.add_trace(
            go.Scatter(
                x=list(range(1, len(vals) + 1)),
                y=list(vals),
                name=f"model: {label}",
                mode="lines+markers",
                line={"color": colour[label], "width": 3},
            )
        )
    seen = set()
    for cid, year, label in imp.checks:
        c = by_id[cid]
        line = next((lab for lab in imp.lines if lab.startswith(label)), None)
        study = c.study.split("(")[0].split(";")[0].split(",")[0].strip()
        k = imp.scale.get(cid, 1.0)
        fig.add_trace(
            go.Scatter(
                x=[year, year],
                y=[k * c.low, k * c.high],
                name=f"published band: {study}",
                legendgroup=study,
                showlegend=study not in seen,
                mode="lines",
                line={"color": colour.get(line, "#555555"), "width": 12},
                opacity=0.4,
            )
        )
        seen.add(study)
    fig.add_hline(y=0, line={"color": "#999999", "width": 1})
    fig.update_layout(
        title={
            "text": f"{imp.title}<br><sup>{imp.unit}. Source: rebalancing validate "
            "(model-consistent engine); bands: data/validation_bands.csv</sup>",
            "x": 0.02,
        },
        xaxis={"title": "year after the shock", "dtick": 1},
        width=1280,
        height=720,
        template="plotly_white",
        legend={"orientation": "h", "y": -0.15},
        margin={"b": 150},
    )
    return fig
