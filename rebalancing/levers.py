"""Every lever of every path plus the global settings: its unit, range, default, one-line
help and source (or the word "assumption"), and what a value for it may be.

One frozen dataclass per group (``global``, ``baseline``, ``orderly``, ``disorderly``,
``unilateral``, ``subglobal``); each field is a :func:`lever`. A lever's id is
``group.field`` (e.g. ``orderly.kappa``): the same id names the widget in the app, the URL
parameter and the key in a scenario file. Percentages are stored as the user sees them
(percent, percentage points); the model converts them to fractions in one place
(:mod:`rebalancing.paths`).

Every value is checked by :func:`validate_value` wherever it comes from (a file, a URL, a
flag, the constructors: ``OrderlyLevers(kappa=float("nan"))`` raises ScenarioError naming
``orderly.kappa``). A number must be what it says: a literal that rounds to infinity or to
zero (``1e400``, ``1e-400000``), NaN, infinity, or an integer of thousands of digits is
refused naming the lever (:class:`NumberText`). Which levers can follow a path (a value per
year) is declared here too (:data:`PATHABLE`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from .errors import ScenarioError, shown, shown_repr

FACTS = "data/facts.csv"
TREND_SOURCE = (
    "statsmodels UC local linear trend of WEO nominal-USD GDP 1990-2024 (mean "
    "slope 2015-2024) less 2% dollar inflation (assumption); "
    "rebalancing.history.trend_growth"
)


#: Levers that no longer exist, with what replaced them (one message names the replacement).
RETIRED = {
    "global.closure": "global.monetary_response (an inertial Taylor rule now closes output "
    "gaps; 1.0 = Taylor 1993)",
}


def lever(
    default,
    lo=None,
    hi=None,
    *,
    unit: str,
    help: str,
    source: str,
    step=None,
    choices: tuple | None = None,
    label: str | None = None,
):
    """A scenario field with its metadata (unit, range, help, source)."""
    return field(
        default=default,
        metadata=dict(
            lo=lo,
            hi=hi,
            unit=unit,
            help=help,
            source=source,
            step=step,
            choices=choices,
            label=label,
        ),
    )


class LeverGroup:
    """Base of the per-group dataclasses: every field is validated when an instance is built
    (the constructor, :func:`dataclasses.replace`, :meth:`Scenario.with_values`), ints given
    for floats become floats, and a bad value raises ScenarioError naming the lever."""

    #: ``(field name, Lever)`` of the group, filled in once LEVERS exists.
    _levers: ClassVar[tuple] = ()

    def __post_init__(self):
        d = self.__dict__
        for name, lev in self._levers:
            v = d[name]
            if v is lev.default:  # checked once, at import
                continue
            ok = validate_value(lev, v)
            if ok is not v:
                object.__setattr__(self, name, ok)


@dataclass(frozen=True)
class GlobalSettings(LeverGroup):
    horizon: int = lever(
        2040,
        2030,
        2100,
        step=1,
        unit="year",
        label="Horizon",
        help="Last year projected (annual steps from the 2024 base year).",
        source="docs/model.md section 2 (default 2040)",
    )
    two_country: bool = lever(
        False,
        unit="on/off",
        label="Two-country mode",
        help="Only US and China: every flow is bilateral and CA_US = -CA_CN exactly.",
        source="docs/model.md section 2",
    )
    expectations: str = lever(
        "model-consistent",
        choices=("model-consistent", "adaptive"),
        unit="rule",
        label="Expectations",
        help="model-consistent: every year of every path solved at once, agents foresee "
        "the model's own future (policies once announced, crises once they happen); "
        "adaptive: version 2's engine, year by year on the past, its status quo steered "
        "to the same 2030 projections by the equilibrium exchange rate.",
        source="docs/model.md section 3b (IMF GPM/G3MOD, FRB/US MCE, G-Cubed)",
    )
    monetary_response: float = lever(
        1.0,
        0.25,
        2.0,
        step=0.05,
        unit="x Taylor (1993)",
        label="Monetary policy response",
        help="Strength of the central banks' response to "
        "inflation and the output gap, as a multiple of the "
        "Taylor (1993) coefficients (phi_pi = 0.5, phi_y = "
        "0.5) and of the neutral-rate learning that closes "
        "persistent gaps. Below 0.25 gaps need not close: "
        "outside the validated range.",
        source="Taylor (1993); inertial rule as in the IMF GPM (Carabenciov et al. 2008)",
    )
    policy_start: int = lever(
        2026,
        2025,
        2035,
        step=1,
        unit="year",
        label="Policy start year",
        help="First year in which the alternative paths' policies move "
        "(2025 is the same for all paths: the 2025 truce).",
        source="assumption: 2025 has passed as the status quo",
    )
    return_on_nfa: float = lever(
        3.0,
        0.0,
        5.0,
        step=0.25,
        unit="% per year",
        label="Return on net foreign assets at the margin",
        help="Interest paid on each extra dollar of net foreign "
        "liabilities (earned on assets); the base-year income "
        "gap is a fixed region-specific term.",
        source="assumption, about long-run nominal US bond yields less growth",
    )
    risk_premium: float = lever(
        2.0,
        0.0,
        10.0,
        step=0.5,
        unit="bp per pp of GDP",
        label="Risk premium on foreign liabilities",
        help="Rise of a currency's risk premium per point of net "
        "foreign liabilities beyond 60% of GDP: the currency "
        "falls by premium / 0.2 under the exchange-rate block.",
        source="threshold: Catao & Milesi-Ferretti (JIE 2014); slope: assumption",
    )
    tariff_cost: float = lever(
        0.03,
        0.0,
        0.11,
        step=0.01,
        unit="% of GDP per pp",
        label="Long-run cost of own tariffs",
        help="Loss of potential output per point of a region's "
        "import-weighted average tariff: tariffs misallocate "
        "capital and supply chains. 0.11 is Furceri et al.'s "
        "upper estimate.",
        source="Yale Budget Lab, State of U.S. Tariffs (2025): long-run "
        "GDP -0.4% for a 14-15 pp rise in the effective rate",
    )
    tariff_elasticity: float = lever(
        1.8,
        0.5,
        4.0,
        step=0.1,
        unit="elasticity",
        label="Trade response to tariffs",
        help="Tariff elasticity of import shares (epsilon): "
        "mu_ij falls with (1+tariff)^(-epsilon). 1.8 turns "
        "the 2025 rise from 20.8% to 51.1% into the observed "
        "-33% in China's exports to the US.",
        source=f"calibrated to {FACTS} (PIIE tariffs, IOG -33%); "
        "Boehm et al. (AER 2023): 0.8 short, ~2 long run",
    )
    price_elasticity: float = lever(
        0.8,
        0.2,
        1.5,
        step=0.1,
        unit="elasticity",
        label="Trade response to exchange rates",
        help="Real-exchange-rate elasticity of import shares "
        "(eta): mu_ij moves with (p_j/p_i)^(-eta); a currency "
        "10% stronger buys ~8% more imports. Above 1.5 with "
        "fast switching the annual model can cycle: outside "
        "the validated range.",
        source="Boehm, Levchenko & Pandalai-Nayar (AER 2023): -0.76 after one year",
    )
    switching_speed: float = lever(
        50.0,
        10.0,
        60.0,
        step=5.0,
        unit="% per year",
        label="Speed of expenditure switching",
        help="Share of the remaining gap to the long-run trade "
        "response to a real-exchange-rate move closed each "
        "year (J-curve). Faster than 60% a year is outside "
        "the range validated (and the literature's).",
        source="Boehm et al. (AER 2023): trade elasticities take "
        "several years to reach their long-run value",
    )
    growth_US: float = lever(
        1.8,
        0.0,
        4.0,
        step=0.1,
        unit="% per year",
        label="Long-run real growth, US",
        help="Growth of potential output from 2030 (2025-26: IMF WEO "
        "October 2025, 2.0 and 2.1; linear in between).",
        source="CBO long-term budget outlook: potential growth about 1.8% a year",
    )
    growth_CN: float = lever(
        2.8,
        0.0,
        6.0,
        step=0.1,
        unit="% per year",
        label="Long-run real growth, China",
        help="Growth of potential output from 2030 (2025-26: IMF WEO "
        "October 2025, 4.8 and 4.2; linear in between).",
        source="IMF WP/24/238: potential growth 3.8% 2025-30, 2.8% 2031-40 without reforms",
    )
    growth_BLOC: float = lever(
        1.0,
        0.0,
        3.0,
        step=0.1,
        unit="% per year",
        label="Long-run real growth, bloc",
        help="Growth of potential output of the EU + CPTPP bloc (euro "
        "area + Japan core) from 2030.",
        source="assumption: euro-area potential ~1.2%, Japan ~0.5%",
    )
    growth_ROW: float = lever(
        3.0,
        0.0,
        5.0,
        step=0.1,
        unit="% per year",
        label="Long-run real growth, rest of world",
        help="Growth of potential output of the rest of the world from 2030.",
        source="assumption: between emerging-market (~3.8%) and other "
        "advanced-economy (~1.5%) growth in the WEO",
    )
    seed: int = lever(
        1,
        0,
        999_999,
        step=1,
        unit="integer",
        label="Random seed",
        help="Seed of the Monte Carlo draws behind the fans and the crisis probability: "
        "the same seed (and number of draws) gives the same draws, so a shared link "
        "reproduces the bands exactly. Changes no path.",
        source="numpy.random.default_rng (PCG64); docs/uncertainty.md",
    )
    draws: int = lever(
        1000,
        100,
        10_000,
        step=100,
        unit="draws",
        label="Monte Carlo",
        help="Number of draws of the uncertain parameters (elasticities, policy response, "
        "risk premium, crisis size and timing, growth) behind the fans and the crisis "
        "probability. Changes no path.",
        source="docs/uncertainty.md (distributions, each with its source or labelled "
        "an assumption)",
    )


@dataclass(frozen=True)
class BaselineLevers(LeverGroup):
    us_tariff_on_cn: float = lever(
        51.1,
        0.0,
        150.0,
        step=0.1,
        unit="%",
        label="US tariff on China, status quo",
        help="Average US tariff on Chinese goods held from 2025 on.",
        source=f"{FACTS}: PIIE, after the Geneva truce of 14 May 2025",
    )
    cn_tariff_on_us: float = lever(
        32.6,
        0.0,
        125.0,
        step=0.1,
        unit="%",
        label="China tariff on US, status quo",
        help="Average Chinese tariff on US goods held from 2025 on.",
        source=f"{FACTS}: PIIE, after the Geneva truce of 14 May 2025",
    )
    us_tariff_on_others: float = lever(
        0.0,
        0.0,
        30.0,
        step=0.5,
        unit="%",
        label="US tariff on other partners, status quo",
        help="Average US tariff on the bloc and the rest of the "
        "world from 2025. 0 leaves out the 2025 universal "
        "and sectoral tariffs (about 12% on non-Chinese "
        "imports, Yale Budget Lab, Sept 2025); the orderly "
        "path rolls it back.",
        source="assumption (the report's levers are US-China)",
    )
    follow_projection: bool = lever(
        True,
        unit="on/off",
        label="Follow published projections",
        help="The status quo follows the IMF's current-account "
        "projections to 2030 (US to -2.5% of GDP, China from "
        "3.3%), then its own dynamics (all paths inherit the "
        "same drift).",
        source=f"{FACTS}: IMF External Sector Report 2025, IMF China mission December 2025",
    )
    diversion: float = lever(
        80.0,
        0.0,
        100.0,
        step=5.0,
        unit="% of lost sales",
        label="Trade diversion, exporter side",
        help="Share of sales that a tariff shuts out which the exporter "
        "sells in its other markets instead (all paths).",
        source=f"assumption informed by {FACTS}: 2025 China exports to US "
        "-33%, ASEAN +22%, EU +10%",
    )
    rerouting: float = lever(
        70.0,
        0.0,
        100.0,
        step=5.0,
        unit="% of lost imports",
        label="Import rerouting, importer side",
        help="Share of imports that a tariff shuts out which the importer "
        "buys from third countries (the rest is made at home).",
        source="assumption (2018-19 trade war: most US imports from China "
        "were replaced by other suppliers)",
    )


@dataclass(frozen=True)
class OrderlyLevers(LeverGroup):
    band: float = lever(
        3.0,
        0.5,
        8.0,
        step=0.5,
        unit="% of GDP",
        label="Current-account band",
        help="Imbalances inside +/- band are left alone; beyond it the currency adjusts.",
        source=f"assumption; the 2010 G20 proposal was +/-4% ({FACTS})",
    )
    kappa: float = lever(
        2.0,
        0.0,
        3.0,
        step=0.1,
        unit="% per pp per year",
        label="Currency adjustment speed",
        help="Each year the equilibrium real exchange rate moves by kappa % "
        "per point of CA/GDP beyond the band: surplus currencies "
        "appreciate, deficit currencies depreciate.",
        source="assumption (a 'self-enforcing WTO' rule, the seed report)",
    )
    cn_consumption_rise: float = lever(
        5.0,
        0.0,
        10.0,
        step=0.5,
        unit="pp of GDP",
        label="China consumption share rise",
        help="Shift of China's consumption function, in % of "
        "potential GDP, reached after the adjustment years.",
        source="assumption (Bessent's 'great rebalancing', the "
        "seed report); 10 is the validated limit",
    )
    cn_investment_offset: float = lever(
        50.0,
        0.0,
        100.0,
        step=5.0,
        unit="% of the consumption rise",
        label="China investment fall, share of the rise",
        help="China's investment falls by this share of its "
        "consumption rise: rebalancing from investment to "
        "consumption, not only more demand.",
        source="IMF China Article IV consultations: "
        "rebalancing from investment to consumption; "
        "the split is an assumption",
    )
    us_fiscal_consolidation: float = lever(
        2.0,
        0.0,
        6.0,
        step=0.25,
        unit="pp of GDP",
        label="US fiscal consolidation",
        help="Cut in US government consumption, % of "
        "potential GDP, reached after the adjustment "
        "years: the US saves more.",
        source="assumption",
    )
    years: int = lever(
        10,
        3,
        20,
        step=1,
        unit="years",
        label="Adjustment years",
        help="Years over which consumption, fiscal and tariff changes phase in linearly.",
        source="assumption",
    )
    us_tariff_target: float = lever(
        3.1,
        0.0,
        150.0,
        step=0.1,
        unit="%",
        label="US tariff on China, target",
        help="Tariffs rolled back to pre-2018 levels.",
        source="PIIE chart (Bown), Jan 2018 level; not in the shipped facts: assumption",
    )
    cn_tariff_target: float = lever(
        8.0,
        0.0,
        125.0,
        step=0.1,
        unit="%",
        label="China tariff on US, target",
        help="Tariffs rolled back to pre-2018 levels.",
        source="PIIE chart (Bown), Jan 2018 level; not in the shipped facts: assumption",
    )


@dataclass(frozen=True)
class DisorderlyLevers(LeverGroup):
    side: str = lever(
        "US",
        choices=("US", "CN"),
        unit="region",
        label="Crisis side",
        help="US: a sudden stop on the deficit side; CN: a debt/property crisis "
        "on the surplus side.",
        source="the seed report",
    )
    timing: str = lever(
        "fixed",
        choices=("fixed", "hazard"),
        unit="rule",
        label="Crisis timing",
        help="fixed: in the crisis year; hazard (US side): the median year of "
        "a hazard that rises with US net foreign liabilities/GDP.",
        source="the seed report; docs/model.md 3.7",
    )
    crisis_year: int = lever(
        2030,
        2026,
        2060,
        step=1,
        unit="year",
        label="Crisis year",
        help="Year the crisis hits (timing = fixed).",
        source="assumption",
    )
    hazard_base: float = lever(
        2.0,
        0.0,
        20.0,
        step=0.5,
        unit="% per year",
        label="Crisis hazard at low liabilities",
        help="Annual crisis probability with net foreign liabilities under the threshold.",
        source="Laeven & Valencia (IMF WP/18/206): 151 systemic banking crises in "
        "1970-2017 across some 165 countries, about 2% a country-year",
    )
    hazard_slope: float = lever(
        1.0,
        0.0,
        10.0,
        step=0.25,
        unit="% per year per 10 pp",
        label="Hazard rise with liabilities",
        help="Extra annual probability per 10 pp of GDP of net foreign "
        "liabilities above 60% of GDP.",
        source="assumption (cf. Catao & Milesi-Ferretti 2014: crisis risk rises above ~60% of GDP)",
    )
    ca_floor: float = lever(
        1.0,
        -4.0,
        2.0,
        step=0.25,
        unit="% of GDP",
        label="Financing floor for the US current account",
        help="A sudden stop forces the deficit country's CA up to this "
        "floor (0 = net inflows stop; above 0 = capital flight to be "
        "repaid); the demand cut that achieves it is found exactly."
        " Adaptive engine only: with model-consistent expectations a crisis is a "
        "repricing (docs/model.md 3b.4).",
        source="Hutchison & Noy (JDE 2006), Freund (JIMF 2005): reversals "
        "of 3-5 points of GDP, from deficit to balance or surplus",
    )
    adjustment_years: int = lever(
        1,
        1,
        2,
        step=1,
        unit="years",
        label="Years to reach the floor",
        help="The CA reaches the floor within 1-2 years."
        " Adaptive engine only: with model-consistent expectations a crisis is a "
        "repricing (docs/model.md 3b.4).",
        source="Calvo et al. (2004): reversals within 1-2 years",
    )
    constraint_years: int = lever(
        3,
        1,
        5,
        step=1,
        unit="years",
        label="Years the financing constraint binds",
        help="After these years, markets finance deficits again and "
        "the forced cut fades at the recovery speed."
        " Adaptive engine only: with model-consistent expectations a crisis is a "
        "repricing (docs/model.md 3b.4).",
        source="Hutchison & Noy (JDE 2006): output losses of sudden "
        "stops measured over three years",
    )
    currency_fall: float = lever(
        20.0,
        0.0,
        40.0,
        step=1.0,
        unit="%",
        label="Real depreciation of the crisis currency",
        help="One-off real fall in the crisis year, unwinding at the recovery speed.",
        source="assumption (typical of sudden-stop episodes)",
    )
    output_loss: float = lever(
        6.0,
        0.0,
        12.0,
        step=0.5,
        unit="% of potential",
        label="Loss of potential output",
        help="Level loss of the crisis country's potential output in the crisis year.",
        source="Hutchison & Noy (JDE 2006): sudden stops cost 6-8% of "
        "output in the crisis year beyond a currency crisis",
    )
    permanent_share: float = lever(
        70.0,
        0.0,
        100.0,
        step=5.0,
        unit="% of the loss",
        label="Permanent share of the loss",
        help="Share of the potential-output loss never recovered "
        "(hysteresis); the rest recovers at the recovery "
        "speed.",
        source="Cerra & Saxena (AER 2008); IMF WEO Oct 2009 ch. 4: "
        "output ~10% below trend 7 years after crises",
    )
    recovery: float = lever(
        20.0,
        0.0,
        100.0,
        step=5.0,
        unit="% per year",
        label="Recovery speed",
        help="Share of the remaining temporary loss (and of the crisis "
        "risk premium) recovered each year.",
        source="assumption",
    )
    spillover: float = lever(
        30.0,
        0.0,
        100.0,
        step=5.0,
        unit="% of the shock",
        label="Financial spill-over to the other side",
        help="The other country's investment falls by this share of the "
        "crisis country's demand cut (each in % of own GDP).",
        source="assumption",
    )
    cn_investment_collapse: float = lever(
        6.0,
        0.0,
        15.0,
        step=0.5,
        unit="pp of GDP",
        label="China investment collapse (side = CN)",
        help="Fall in China's investment in a property/debt crisis, fading at the recovery speed.",
        source="assumption",
    )


@dataclass(frozen=True)
class UnilateralLevers(LeverGroup):
    us_tariff_on_cn: float = lever(
        126.5,
        0.0,
        150.0,
        step=0.5,
        unit="%",
        label="US tariff on China, target",
        help="Reached after the phase-in years from the 2025 truce "
        "level. 145% was the 2025 statutory peak.",
        source=f"{FACTS}: PIIE average at the May 2025 peak",
    )
    cn_tariff_on_us: float = lever(
        125.0,
        0.0,
        125.0,
        step=0.5,
        unit="%",
        label="China retaliation tariff, target",
        help="Reached after the phase-in years from the 2025 truce level (32.6%).",
        source="assumption: China's April 2025 statutory rate",
    )
    phase_in_years: int = lever(
        5,
        1,
        15,
        step=1,
        unit="years",
        label="Phase-in (1 = one-year decoupling)",
        help="Years from the 2025 tariffs to the targets: slow de-risking to rapid decoupling.",
        source="seed report: 'slowly ... or rapid chain of events'",
    )
    us_industrial_investment: float = lever(
        110.0,
        0.0,
        500.0,
        step=10.0,
        unit="USD bn per year",
        label="US industrial-policy investment",
        help="Extra US investment each year to the end "
        "year, incl. foreign-financed (Japan's $550bn "
        "to 2029 = 110/yr).",
        source=f"{FACTS}: Japan-US MOU, $550bn by 2029",
    )
    industrial_end_year: int = lever(
        2029,
        2025,
        2060,
        step=1,
        unit="year",
        label="Industrial-policy end year",
        help="Last year of the extra investment.",
        source=f"{FACTS}: the MOU runs to 2029",
    )
    us_reshoring: float = lever(
        0.0,
        0.0,
        30.0,
        step=1.0,
        unit="% of import shares",
        label="US reshoring",
        help="Cut in all US import shares by the end of the phase-in (production moved home).",
        source="assumption (0 = none)",
    )


@dataclass(frozen=True)
class SubglobalLevers(LeverGroup):
    safeguard: float = lever(
        25.0,
        0.0,
        100.0,
        step=1.0,
        unit="%",
        label="Bloc safeguard on Chinese goods",
        help="Tariff-equivalent the bloc puts on diverted Chinese exports.",
        source="assumption",
    )
    trade_creation: float = lever(
        10.0,
        0.0,
        50.0,
        step=1.0,
        unit="% of trade shares",
        label="Trade creation inside the bloc",
        help="Rise in trade shares among members (incl. intra-bloc "
        "trade) from freer trade inside the bloc.",
        source="assumption",
    )
    band: float = lever(
        2.0,
        0.0,
        6.0,
        step=0.5,
        unit="% of GDP",
        label="Members' balance band",
        help="Members rebalance internally towards a CA inside +/- band.",
        source="assumption (seed: members 'would still need ... internal rebalancing')",
    )
    speed: float = lever(
        0.5,
        0.0,
        1.0,
        step=0.05,
        unit="pp of GDP per pp per year",
        label="Internal rebalancing speed",
        help="Each year a member with a CA beyond the band shifts its "
        "domestic demand (up in surplus, down in deficit) by this share "
        "of the excess, up to 10% of GDP; the higher rates that follow "
        "appreciate its currency through the exchange-rate block.",
        source="assumption (the seed report: members 'would still need ... internal rebalancing')",
    )
    years: int = lever(
        5,
        1,
        20,
        step=1,
        unit="years",
        label="Bloc phase-in years",
        help="Years over which the safeguard and trade creation phase in.",
        source="assumption",
    )
    us_joins: bool = lever(
        False,
        unit="on/off",
        label="US joins the bloc",
        help="The US trades freely with the bloc and rebalances with it; "
        "US-China tariffs still follow the unilateral levers.",
        source="the seed report",
    )


GROUPS: dict[str, type] = {
    "global": GlobalSettings,
    "baseline": BaselineLevers,
    "orderly": OrderlyLevers,
    "disorderly": DisorderlyLevers,
    "unilateral": UnilateralLevers,
    "subglobal": SubglobalLevers,
}

GROUP_TITLES = {
    "global": "Global settings",
    "baseline": "Status quo",
    "orderly": "Orderly rebalancing",
    "disorderly": "Disorderly rebalancing",
    "unilateral": "Unilateral rebalancing",
    "subglobal": "Sub-global multilateral",
}


@dataclass(frozen=True)
class Lever:
    """Metadata of one lever, for the CLI, the app and the docs."""

    id: str
    group: str
    name: str
    default: Any
    type: type
    lo: Any
    hi: Any
    step: Any
    unit: str
    label: str
    help: str
    source: str
    choices: tuple | None

    @property
    def kind(self) -> str:
        if self.choices:
            return "choice"
        return {bool: "bool", int: "int", float: "float"}[self.type]


def _levers() -> dict[str, Lever]:
    out = {}
    for group, cls in GROUPS.items():
        hints = {f.name: f.type for f in fields(cls)}
        for f in fields(cls):
            m = f.metadata
            typ = {"int": int, "float": float, "bool": bool, "str": str}[hints[f.name]]
            out[f"{group}.{f.name}"] = Lever(
                id=f"{group}.{f.name}",
                group=group,
                name=f.name,
                default=f.default,
                type=typ,
                lo=m["lo"],
                hi=m["hi"],
                step=m["step"],
                unit=m["unit"],
                label=m["label"] or f.name,
                help=m["help"],
                source=m["source"],
                choices=m["choices"],
            )
    return out


#: Every lever by id (``group.name``), in declaration order.
LEVERS: dict[str, Lever] = _levers()

for _g, _cls in GROUPS.items():
    _cls._levers = tuple((lev.name, lev) for lev in LEVERS.values() if lev.group == _g)


#: Levers that can follow a path (a value per year): those whose effect enters the model
#: only through the time-indexed arrays of :func:`rebalancing.paths.build_paths` (tariff
#: schedules, demand shifts, investment, trade-share factors). tests/unit/test_goalseek.py checks
#: this list against that definition, lever by lever.
PATHABLE = (
    "baseline.us_tariff_on_cn",
    "baseline.cn_tariff_on_us",
    "baseline.us_tariff_on_others",
    "orderly.cn_consumption_rise",
    "orderly.cn_investment_offset",
    "orderly.us_fiscal_consolidation",
    "orderly.years",
    "orderly.us_tariff_target",
    "orderly.cn_tariff_target",
    "unilateral.us_tariff_on_cn",
    "unilateral.cn_tariff_on_us",
    "unilateral.phase_in_years",
    "unilateral.us_industrial_investment",
    "unilateral.industrial_end_year",
    "unilateral.us_reshoring",
    "subglobal.safeguard",
    "subglobal.trade_creation",
    "subglobal.years",
)

#: First year a lever path may set (the base year, 2024, is the calibration's).
FIRST_PATH_YEAR = 2025

#: Levers whose range is narrower with model-consistent expectations: the range the engine
#: was validated for (docs/model.md 3b.1); the adaptive engine covers the whole range.
#: Elasticity and switching: below these, trade answers prices so little or so slowly that
#: the forward-looking exchange rate has to move very far to clear the accounts: the
#: solution was not found (0.2-0.33, 10-11.5) or jumped between neighbouring settings (up
#: to 2.6 pp of output gap at 0.34; 1.4 pp at 12) in sweeps of 1/100 of the range. The
#: orderly band: below 2.5% of GDP the realignment rule reaches the bloc, whose current
#: account first rises as its currency appreciates (prices move before volumes), so the
#: rule feeds on itself: realignments of 25% and more, 5.7 pp of output gap between bands
#: of 1.925 and 2.0, and no solution at 0.65-0.8 or with kappa above 2.7 at 2.2. From 2.5
#: the sweeps of the band (every kappa) move output gaps by at most 0.13 pp a step. The
#: monetary response: below half of Taylor's, in two-country mode, no solution at
#: 0.25-0.285 and 1.8 pp of output gap between 0.32 and 0.34 (the rule barely leans
#: against expected inflation); from 0.5 at most 0.07 pp a step. China's trend growth:
#: above 4.7% in two-country mode no solution (the pair's sizes drift apart for the 40
#: years of the terminal extension); up to 4.5 none is refused in either mode.
CONSISTENT_RANGES = {
    "global.monetary_response": (0.5, 2.0),
    "global.price_elasticity": (0.4, 1.5),
    "global.switching_speed": (15.0, 60.0),
    "global.growth_CN": (0.0, 4.5),
    "orderly.band": (2.5, 8.0),
}


def validated_range(lid: str, expectations: str = "model-consistent") -> tuple[float, float]:
    """The range lever ``lid`` was validated for with ``expectations``: narrower than the
    lever's own for the model-consistent engine's :data:`CONSISTENT_RANGES`."""
    lev = LEVERS[lid]
    if expectations == "model-consistent" and lid in CONSISTENT_RANGES:
        return CONSISTENT_RANGES[lid]
    return lev.lo, lev.hi


def consistent_range_problem(values: Mapping[str, Any]) -> tuple[str, str] | None:
    """(lever id, message) for the first value outside :data:`CONSISTENT_RANGES`, or None."""
    for lid, (lo, hi) in CONSISTENT_RANGES.items():
        v = values.get(lid)
        if v is not None and not lo <= v <= hi:
            lev = LEVERS[lid]
            return lid, (
                f"{lid}: {v:g} {lev.unit} is outside {lo:g}-{hi:g}, the range the "
                "model-consistent engine is validated for; choose a value inside it, or "
                "global.expectations = adaptive (validated for the whole range)"
            )
    return None


def not_pathable_reason(lid: str) -> str:
    """Why lever ``lid`` cannot follow a path (one clause)."""
    lev = LEVERS[lid]
    if lev.kind not in ("int", "float"):
        return "it is not a number"
    if lev.group == "global":
        return "a global setting applies to the whole run, not to a year"
    if lev.group == "disorderly":
        return "a crisis lever is one value per path, not a value per year"
    return (
        "it sets a rule or a behaviour parameter, not a year's policy (only levers that "
        "enter the model as a value per year can follow a path)"
    )


def check_pathable(lid: Any, field: str | None = None) -> str:
    """``lid`` if it is a lever that can follow a path; else ScenarioError naming it."""
    field = field or f"paths.{lid}"
    if lid not in LEVERS:
        raise ScenarioError(f"{shown(field, 80)}: unknown lever", field)
    if lid not in PATHABLE:
        raise ScenarioError(
            f"{field}: this lever cannot follow a path: {not_pathable_reason(lid)}", field
        )
    return lid


def path_value(lid: str, year: Any, v: Any, horizon: int, field: str | None = None) -> tuple:
    """One entry of a lever path, ``(year, value)`` validated; ScenarioError naming the
    field (``paths.<lever id>``) and the year."""
    field = field or f"paths.{lid}"
    if isinstance(year, str):
        if not re.fullmatch(r"[0-9]{4}", year):  # ASCII digits only
            raise ScenarioError(f"{field}: {shown_repr(year, 20)} is not a year", field)
        year = int(year)
    if isinstance(year, bool) or not isinstance(year, int):
        raise ScenarioError(f"{field}: {shown_repr(year, 20)} is not a year", field)
    if not FIRST_PATH_YEAR <= year <= horizon:
        shown_year = huge_int_text(year) if abs(year) > 10**9 else year  # never str() a huge int
        raise ScenarioError(
            f"{field}: year {shown_year} is outside {FIRST_PATH_YEAR}-{horizon} (global.horizon)",
            field,
        )
    try:
        v = validate_value(LEVERS[lid], v)
    except ScenarioError as e:
        msg = str(e).removeprefix(f"{lid}: ")
        raise ScenarioError(f"{field}: {year}: {msg}", field) from None
    return year, v


def unknown_lever_message(lid: str) -> str:
    """One message for a lever id that does not exist, naming its replacement if retired."""
    if isinstance(lid, str) and lid in RETIRED:
        return f"{lid}: this lever no longer exists; use {RETIRED[lid]}"
    return f"{shown(lid)}: unknown lever"


def validate_value(lev: Lever, v: Any) -> Any:
    """Check type and range of one value; returns it (ints accepted for floats)."""
    lid = lev.id
    if type(v) is NumberText:
        raise ScenarioError(f"{lid}: {v.message(lev)}", lid)
    if lev.choices:
        if not isinstance(v, str):
            raise ScenarioError(
                f"{lid}: expected one of {', '.join(lev.choices)}, got {describe(v)}", lid
            )
        if v not in lev.choices:
            raise ScenarioError(
                f"{lid}: {shown_repr(v)} is not one of {', '.join(lev.choices)}", lid
            )
        return v
    if lev.type is bool:
        if not isinstance(v, bool):
            raise ScenarioError(f"{lid}: expected true or false, got {describe(v)}", lid)
        return v
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ScenarioError(f"{lid}: expected a number ({lev.unit}), got {describe(v)}", lid)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ScenarioError(f"{lid}: {v} is not a finite number", lid)
    elif abs(v) > 10**9:  # far outside every range; never converted to float (overflow)
        raise ScenarioError(f"{lid}: {huge_int_text(v)} is out of range {range_text(lev)}", lid)
    if lev.type is int:
        if isinstance(v, float):
            if not v.is_integer():
                raise ScenarioError(f"{lid}: expected a whole number ({lev.unit}), got {v}", lid)
        if type(v) is not int:
            v = int(v)
    elif type(v) is not float:
        v = float(v)
    if not lev.lo <= v <= lev.hi:
        raise ScenarioError(f"{lid}: {v} is out of range {range_text(lev)}", lid)
    return v


#: What a file's value is, in the words of its formats (JSON, TOML), not Python's.
_TYPE_NAMES = {
    bool: "true/false",
    int: "a whole number",
    float: "a number",
    str: "text",
    list: "a list",
    dict: "a table",
    type(None): "null",
}


def describe(v: Any) -> str:
    """What ``v`` is, for a message: ``text "2"``, ``a whole number (3)``, ``a list``."""
    name = _TYPE_NAMES.get(type(v))
    if name is None:
        return shown(type(v).__name__)
    if isinstance(v, str):
        return f"{name} {shown_repr(v, 40)}"
    if isinstance(v, bool):
        return f"{name} ({str(v).lower()})"
    if isinstance(v, int):
        return f"{name} ({huge_int_text(v) if abs(v) > 10**12 else v})"
    if isinstance(v, float):
        return f"{name} ({v})"
    return name


def range_text(lev: Lever) -> str:
    return f"[{lev.lo}, {lev.hi}] ({lev.unit})"


def huge_int_text(v: int) -> str:
    """The first digits of a huge integer, without converting all of it to text (Python
    refuses more than 4,300 digits, and it takes quadratic time)."""
    if v.bit_length() <= 10_000:  # ~3,000 digits
        return f"{str(v)[:12]}..."
    return f"a number of about {int(v.bit_length() * math.log10(2))} digits"


class NumberText:
    """A number literal in a scenario file that has no faithful value (it rounds to infinity
    or to zero, is NaN or infinity, or is an integer of thousands of digits). The parsers
    keep the text in its place so that the lever that receives it is named in the message
    (:func:`validate_value` refuses it whatever the lever)."""

    __slots__ = ("text", "why")

    def __init__(self, text: str, why: str | None):
        self.text = text
        self.why = why  # None: an integer too long to be in any lever's range

    def message(self, lev: Lever | None = None) -> str:
        if self.why is None:
            n = len(self.text.lstrip("+-"))
            rng = f" {range_text(lev)}" if lev is not None else ""
            return f"{self.text[:12]}... ({n} digits) is out of range{rng}"
        return f"{shown(self.text, 30)} {self.why}"

    def __str__(self) -> str:
        return shown(self.text, 30)

    __repr__ = __str__


#: An ASCII decimal number, as written in a URL or a command-line flag: digits 0-9 only
#: (``int()`` and ``float()`` also read Arabic-Indic, fullwidth and other Unicode digits).
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NONZERO_DIGIT = re.compile(r"[1-9]")

#: Longest number text read from a URL or a flag (a float's repr is at most ~24).
MAX_NUMBER_CHARS = 100


def float_literal(text: str) -> float | NumberText:
    """``float(text)`` of a decimal literal, or a NumberText if it is not what it says."""
    body = text.lstrip("+-").lower()
    if body in ("inf", "infinity", "nan"):
        return NumberText(text, "is not a finite number")
    v = float(text)
    if math.isinf(v):
        return NumberText(text, "is too large to be a number (it rounds to infinity)")
    if v == 0.0 and _NONZERO_DIGIT.search(body.split("e")[0]):
        return NumberText(text, "is too small to be a number (it rounds to zero; write 0)")
    return v


def int_literal(text: str) -> int | NumberText:
    # 18 digits is far outside every lever's range; longer literals are never converted
    # (int() of 4,301+ digits raises ValueError, and conversion is quadratic)
    return int(text) if len(text) <= 18 else NumberText(text, None)


def number_from_text(text: str, field: str) -> float:
    """An ASCII decimal number (``2050``, ``-1.5``, ``3e-2``) from a URL parameter or a flag;
    ScenarioError naming ``field`` for anything else (Unicode digits, ``inf``, ``nan``, a
    value that rounds to infinity or to zero, spaces, underscores)."""
    if len(text) > MAX_NUMBER_CHARS or not _DECIMAL.fullmatch(text):
        hint = (
            " (use the digits 0-9)"
            if any(c.isdigit() and not c.isascii() for c in text[:MAX_NUMBER_CHARS])
            else ""
        )
        raise ScenarioError(f"{field}: {shown_repr(text, 20)} is not a number{hint}", field)
    v = float_literal(text)
    if type(v) is NumberText:
        raise ScenarioError(f"{field}: {v.message()}", field)
    return v


# Defaults are valid (LeverGroup skips them by identity): checked once, here.
for _lev in LEVERS.values():
    if validate_value(_lev, _lev.default) is not _lev.default:  # raises if out of range
        raise TypeError(f"{_lev.id}: default {_lev.default!r} is not a {_lev.type.__name__}")
