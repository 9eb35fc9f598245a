"""The five paths as arrays the engine reads: tariff schedules, demand shifts, rules.

Each path is the status quo plus its own levers (docs/model.md section 4). All paths share 2024
(the calibrated base year) and 2025 (the 2025 truce tariffs); alternative policies move from
``global.policy_start``. This is the one place where percent levers become fractions.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from .calibration import BASE_YEAR, Calibration
from .numerics import clip
from .scenario import Scenario


@dataclass(frozen=True)
class PathInfo:
    """What every face says and draws of a path: ``title`` (short), ``help`` (one line: the
    widgets' help and the CLI), ``description`` (a paragraph paraphrasing the IOG report,
    then what the model does: the story), its line's ``colour``, ``dash`` and ``marker`` on
    every chart (Paul Tol's palette, checked under colour blindness: tests/unit/test_charts.py)
    and the lever ``group`` that holds its levers (:data:`rebalancing.levers.GROUPS`)."""

    id: str
    title: str
    help: str
    description: str
    colour: str
    dash: str
    marker: str
    group: str


#: The registry of paths, in the order every face lists them (the status quo first: every
#: other path is measured against it). Adding a path: docs/architecture.md.
PATH_INFO: dict[str, PathInfo] = {
    info.id: info
    for info in (
        PathInfo(
            id="baseline",
            title="Status quo",
            help=(
                "Today's policies persist: 2025 truce tariffs, trend growth; the imbalances "
                "persist and net foreign positions stay large ('stable disequilibrium')."
            ),
            description=(
                "Today's policies carry on. The 2025 truce tariffs stay, growth follows the IMF's"
                " projections, and the US deficit and China's surplus follow the IMF's "
                "projections to 2030 and then the model's own dynamics. Everyone knows the "
                "imbalances cannot last, but no one has a reason to change course: the report's "
                "'stable disequilibrium'. With model-consistent expectations net foreign positions "
                "level off at large values (the real exchange rates move just enough for the "
                "debtors to stay solvent); with adaptive expectations they keep drifting apart."
            ),
            colour="#000000",
            dash="dot",
            marker="circle",
            group="baseline",
        ),
        PathInfo(
            id="orderly",
            title="Orderly",
            help=(
                "Coordinated rules: currencies move against imbalances beyond a band, China "
                "consumes more, the US consolidates, tariffs roll back ('self-enforcing WTO')."
            ),
            description=(
                "The countries agree rules that make adjustment automatic, a 'self-enforcing WTO'"
                " in the spirit of the Bretton Woods proposals of 1944. In the model, currencies "
                "of countries with current accounts beyond a band move against the imbalance each"
                " year, China raises its consumption (and invests less), the US consolidates its "
                "budget, and tariffs return to their pre-2018 levels."
            ),
            colour="#6699CC",
            dash="solid",
            marker="square",
            group="orderly",
        ),
        PathInfo(
            id="disorderly",
            title="Disorderly",
            help=(
                "Markets force it: a sudden stop makes the deficit country's current account jump"
                " to a financing floor; currency fall, output loss, spill-over."
            ),
            description=(
                "Markets force the correction. A sudden stop cuts off the financing of the "
                "deficit country: its currency falls, its current account must jump to a floor, "
                "demand is cut until it does, and part of the output lost never comes back. "
                "Optionally the crisis starts on the surplus side instead, as a Chinese property "
                "and debt crisis. The report's 'black swan'."
            ),
            colour="#994455",
            dash="dash",
            marker="x",
            group="disorderly",
        ),
        PathInfo(
            id="unilateral",
            title="Unilateral",
            help=(
                "US tariffs and industrial policy, Chinese retaliation, trade diverted to third "
                "markets; from slow de-risking to rapid decoupling."
            ),
            description=(
                "The US uses tariffs and industrial policy, China retaliates, and trade is "
                "diverted to third markets. It can be slow de-risking or a rapid decoupling (the "
                "phase-in lever). Tariffs raise consumer prices and, in the long run, cost output"
                " on both sides; the bilateral balance moves far more than the overall ones."
            ),
            colour="#997700",
            dash="dashdot",
            marker="diamond",
            group="unilateral",
        ),
        PathInfo(
            id="subglobal",
            title="Sub-global multilateral",
            help=(
                "An EU + CPTPP bloc trades freely inside, guards against diverted Chinese exports"
                " and rebalances internally; US and China act unilaterally."
            ),
            description=(
                "An aligned bloc (the EU and the CPTPP members) keeps free trade inside, guards "
                "against diverted Chinese exports with a safeguard, and rebalances internally; "
                "the US and China go on unilaterally, and the US may join the bloc. The report's "
                "middle path between unilateralism and the old rules-based order."
            ),
            colour="#004488",
            dash="longdash",
            marker="triangle-up",
            group="subglobal",
        ),
    )
}

PATHS = tuple(PATH_INFO)
PATH_TITLES = {k: v.title for k, v in PATH_INFO.items()}
PATH_HELP = {k: v.help for k, v in PATH_INFO.items()}


def ramp(years: np.ndarray, start: int, n_years: int) -> np.ndarray:
    """0 before ``start``, rising linearly to 1 after ``n_years`` years (1 at start+n-1)."""
    return clip((years - start + 1) / n_years, 0.0, 1.0)


@dataclass
class PathSpec:
    """Arrays for P paths over T years (index 0 = base year) and n regions.

    Fractions throughout (a 51.1% tariff is 0.511). ``tau[p, t, i, j]`` is the tariff region
    i levies on imports from region j.
    """

    names: tuple[str, ...]
    regions: tuple[str, ...]
    years: np.ndarray  # (T,)
    tau: np.ndarray  # (P, T, n, n)
    share_factor: np.ndarray  # (P, T, n, n) trade creation / reshoring multipliers on mu
    c_shift: np.ndarray  # (P, T, n) consumption shift, fraction of potential GDP
    g_cut: np.ndarray  # (P, T, n) government consumption cut, fraction of potential
    i_extra: np.ndarray  # (P, T, n) extra investment, USD bn
    i_shift: np.ndarray  # (P, T, n) investment shift, fraction of potential GDP
    rule_kappa: np.ndarray  # (P, n) orderly currency rule: dlog qbar per unit of CA gap
    rule_band: np.ndarray  # (P, n) the rule's band, fraction of GDP
    bloc_speed: np.ndarray  # (P, n) bloc demand rule: shift per unit of CA gap a year
    bloc_band: np.ndarray  # (P, n)
    rule_start: np.ndarray  # (P,) int: first year the orderly and bloc rules (and the
    #                            crisis hazard) act
    has_currency_rule: bool  # any path with the orderly currency rule
    has_bloc_rule: bool  # any path with the bloc's internal rebalancing
    crisis: np.ndarray  # (P,) bool: path has a crisis
    crisis_side: int  # region index of the crisis country
    crisis_side_name: str  # "US" or "CN"
    absorption_shares: np.ndarray  # (3,) base-year C, I, G shares of the crisis country
    crisis_other: int  # region index of the other side (spill-over)
    floor_scale: float  # share of the floor's required improvement that applies
    # The crisis levers, (P,) one value per path row (fractions; years as ints):
    crisis_fixed_year: np.ndarray  # the crisis year where fixed; 0: the hazard times it
    crisis_quantile: np.ndarray  # with the hazard, the crisis starts in the first year the
    #                               survival probability is at most this (0.5: the median
    #                               year; a uniform draw: a year drawn from the hazard)
    hazard_base: np.ndarray
    hazard_slope: np.ndarray
    ca_floor: np.ndarray
    adjustment_years: np.ndarray
    constraint_years: np.ndarray
    currency_fall: np.ndarray
    output_loss: np.ndarray
    permanent_share: np.ndarray
    recovery: np.ndarray
    spillover: np.ndarray
    cn_investment_collapse: np.ndarray
    # Where the rows repeat a few tariff schedules (one scenario's paths for many draws,
    # :func:`spec_rows`): row p's tariffs are ``tau_distinct[tau_of_row[p]]`` ((U, T, n, n)
    # and (P,)), and the engine derives what depends on the tariffs alone once a schedule.
    tau_distinct: np.ndarray | None = None
    tau_of_row: np.ndarray | None = None


def _floor_scale(cal: Calibration) -> float:
    """1 with four regions. In two-country mode US trade is only its trade with China (about
    a tenth of its trade) and current accounts are bilateral balances, about a tenth as
    large: thresholds in % of GDP (the crisis floor's required improvement, the orderly band)
    are scaled by the US trade openness of the two-country calibration relative to the
    four-region one."""
    if "BLOC" in cal.regions:
        return 1.0
    from .calibration import calibrate

    cal4 = calibrate(False)

    def openness(c):
        i = c.index("US")
        return (c.X[i] + c.M[i]) / c.Y[i]

    return float(openness(cal) / openness(cal4))


def pair_tariffs(cal: Calibration, tau: np.ndarray, us_on_others: np.ndarray) -> np.ndarray:
    """Two-country mode: the pair's tariffs (P, T, 2, 2) from the bilateral ones ``tau`` and
    the US tariff on other partners (P, T): each importer's tariffs on China (or the US) and
    on the rest of its partners, averaged with the four-region import shares (each economy
    trades with the other as with the world: :func:`rebalancing.calibration._calibrate2`).
    China's tariffs on partners other than the US stay at their base-year level."""
    from .calibration import calibrate, pair_shares

    cal4 = calibrate(False)
    w_us, w_cn = pair_shares(cal4)
    us4, cn4 = cal4.index("US"), cal4.index("CN")
    rest4 = [k for k in range(cal4.n) if k not in (us4, cn4)]
    m_cn = cal4.trade[cn4]
    cn_rest = float((m_cn[rest4] * cal4.tariff0[cn4, rest4]).sum() / m_cn.sum())
    us, cn = cal.index("US"), cal.index("CN")
    out = tau.copy()
    out[:, :, us, cn] = w_us * tau[:, :, us, cn] + (1 - w_us) * us_on_others
    out[:, :, cn, us] = w_cn * tau[:, :, cn, us] + cn_rest
    out[:, 0] = cal.tariff0  # the base year: the calibration's (already the pair's averages)
    return out


#: The PathSpec fields indexed by year (axis 1): what a lever path sets year by year.
TIME_FIELDS = ("tau", "share_factor", "c_shift", "g_cut", "i_extra", "i_shift")


def build_paths(scn: Scenario, cal: Calibration, names: tuple[str, ...] = PATHS) -> PathSpec:
    """The arrays of the paths ``names`` for scenario ``scn``. With lever paths
    (:attr:`Scenario.lever_paths`), year t of every time-indexed array (:data:`TIME_FIELDS`)
    is year t of the scenario with each such lever at its year-t value (a ramped lever's
    ramp still applies)."""
    if scn.lever_paths:
        return _follow_lever_paths(scn, cal, names)
    return _build_paths(scn, cal, names)


def _follow_lever_paths(scn: Scenario, cal: Calibration, names: tuple[str, ...]) -> PathSpec:
    plain = scn.without_paths()
    spec = _build_paths(plain, cal, names)
    paths = scn.paths()
    built: dict[tuple, PathSpec] = {}
    for t, year in enumerate(spec.years):
        values = {lid: path[int(year)] for lid, path in paths.items() if int(year) in path}
        if not values:
            continue
        key = tuple(values.items())
        other = built.get(key)
        if other is None:
            other = built[key] = _build_paths(plain.with_values(values), cal, names)
        for f in TIME_FIELDS:
            getattr(spec, f)[:, t] = getattr(other, f)[:, t]
    return spec


def _build_paths(scn: Scenario, cal: Calibration, names: tuple[str, ...] = PATHS) -> PathSpec:
    gs = scn.global_
    regions = cal.regions
    n = len(regions)
    us, cn = regions.index("US"), regions.index("CN")
    bloc = regions.index("BLOC") if "BLOC" in regions else None
    years = np.arange(BASE_YEAR, gs.horizon + 1)
    T, P = len(years), len(names)
    start = gs.policy_start
    scale = _floor_scale(cal)  # two-country thresholds in % of GDP scale with openness
    after_base = (years > BASE_YEAR).astype(float)

    tau = np.broadcast_to(cal.tariff0, (P, T, n, n)).copy()
    share_factor = np.ones((P, T, n, n))
    c_shift = np.zeros((P, T, n))
    g_cut = np.zeros((P, T, n))
    i_extra = np.zeros((P, T, n))
    i_shift = np.zeros((P, T, n))
    rule_kappa = np.zeros((P, n))
    rule_band = np.zeros((P, n))
    bloc_speed = np.zeros((P, n))
    bloc_band = np.zeros((P, n))
    crisis = np.zeros(P, dtype=bool)

    b = scn.baseline
    sq_us, sq_cn = b.us_tariff_on_cn / 100, b.cn_tariff_on_us / 100
    others = [k for k in range(n) if k not in (us, cn)]
    for k in others:  # the status quo's US tariff on other partners, from 2025, all paths
        tau[:, :, us, k] = np.where(after_base, b.us_tariff_on_others / 100, cal.tariff0[us, k])
    # the US tariff on partners other than China, by path and year (two-country mode folds
    # it into the pair's average: pair_tariffs)
    us_on_others = np.broadcast_to(
        np.where(after_base, b.us_tariff_on_others / 100, 0.0), (P, T)
    ).copy()

    def us_cn_tariffs(p, target_us, target_cn, n_years):
        """Status-quo tariffs from 2025, moving linearly to targets from the policy start."""
        w = ramp(years, start, n_years)
        tau[p, :, us, cn] = np.where(
            after_base, sq_us + (target_us - sq_us) * w, cal.tariff0[us, cn]
        )
        tau[p, :, cn, us] = np.where(
            after_base, sq_cn + (target_cn - sq_cn) * w, cal.tariff0[cn, us]
        )

    u = scn.unilateral
    for p, name in enumerate(names):
        us_cn_tariffs(p, sq_us, sq_cn, 1)
        if name == "orderly":
            o = scn.orderly
            w = ramp(years, start, o.years)
            us_cn_tariffs(p, o.us_tariff_target / 100, o.cn_tariff_target / 100, o.years)
            rule_kappa[p] = o.kappa  # % per pp = dlog p per unit of gap (fraction)
            rule_band[p] = o.band / 100 * scale
            for k in others:  # the US rolls back its other tariffs too
                tau[p, :, us, k] = np.where(
                    after_base, b.us_tariff_on_others / 100 * (1 - w), cal.tariff0[us, k]
                )
            us_on_others[p] = np.where(after_base, b.us_tariff_on_others / 100 * (1 - w), 0.0)
            c_shift[p, :, cn] = o.cn_consumption_rise / 100 * w
            i_shift[p, :, cn] = -o.cn_investment_offset / 100 * o.cn_consumption_rise / 100 * w
            g_cut[p, :, us] = o.us_fiscal_consolidation / 100 * w
        elif name == "disorderly":
            crisis[p] = True
        elif name in ("unilateral", "subglobal"):
            w = ramp(years, start, u.phase_in_years)
            us_cn_tariffs(p, u.us_tariff_on_cn / 100, u.cn_tariff_on_us / 100, u.phase_in_years)
            active = (years >= start) & (years <= u.industrial_end_year)
            i_extra[p, :, us] = np.where(active, u.us_industrial_investment, 0.0)
            share_factor[p, :, us, :] *= (1 - u.us_reshoring / 100 * w)[:, None]
            if name == "subglobal" and bloc is not None:
                s = scn.subglobal
                wb = ramp(years, start, s.years)
                tau[p, :, bloc, cn] = cal.tariff0[bloc, cn] + s.safeguard / 100 * wb
                members = [bloc] + ([us] if s.us_joins else [])
                for i in members:
                    for j in members:
                        share_factor[p, :, i, j] *= 1 + s.trade_creation / 100 * wb
                bloc_speed[p, members] = s.speed
                bloc_band[p, members] = s.band / 100

    if bloc is None:
        tau = pair_tariffs(cal, tau, us_on_others)
    d = scn.disorderly
    side = us if d.side == "US" else cn
    return PathSpec(
        names=tuple(names),
        regions=tuple(regions),
        years=years,
        tau=tau,
        share_factor=share_factor,
        c_shift=c_shift,
        g_cut=g_cut,
        i_extra=i_extra,
        i_shift=i_shift,
        rule_kappa=rule_kappa,
        rule_band=rule_band,
        bloc_speed=bloc_speed,
        bloc_band=bloc_band,
        has_currency_rule=bool(rule_kappa.any()),
        has_bloc_rule=bool(bloc_speed.any()),
        rule_start=np.full(P, start),
        crisis=crisis,
        crisis_side=side,
        crisis_side_name=regions[side],
        absorption_shares=np.array([cal.C[side], cal.I[side], cal.G[side]]) / cal.A[side],
        crisis_other=cn if side == us else us,
        floor_scale=scale,
        **crisis_rows(
            {f"disorderly.{f.name}": getattr(d, f.name) for f in fields(d)}, np.zeros(P, int)
        ),
    )


#: The crisis levers that are one value per path row in a :class:`PathSpec`: field, lever,
#: and the factor from the lever's unit (percent) to the model's (fraction).
CRISIS_LEVERS = {
    "hazard_base": ("disorderly.hazard_base", 0.01),
    "hazard_slope": ("disorderly.hazard_slope", 0.01),
    "ca_floor": ("disorderly.ca_floor", 0.01),
    "adjustment_years": ("disorderly.adjustment_years", 1),
    "constraint_years": ("disorderly.constraint_years", 1),
    "currency_fall": ("disorderly.currency_fall", 0.01),
    "output_loss": ("disorderly.output_loss", 0.01),
    "permanent_share": ("disorderly.permanent_share", 0.01),
    "recovery": ("disorderly.recovery", 0.01),
    "spillover": ("disorderly.spillover", 0.01),
    "cn_investment_collapse": ("disorderly.cn_investment_collapse", 0.01),
}


def crisis_rows(values, scenario_of_row: np.ndarray) -> dict[str, np.ndarray]:
    """The crisis fields of a :class:`PathSpec`, one value per path row, from the disorderly
    levers' values (``{lever id: value}``: a number, or an array (R,) with one value per
    scenario of a batch); ``scenario_of_row[p]`` is the scenario of path row p (all 0 for
    one scenario). The crisis year is fixed unless the timing is the hazard (US side only;
    the China-side crisis always comes in its year); the hazard's default quantile is 0.5,
    its median year."""

    def per_row(lever, factor=1):
        v = np.asarray(values[lever])
        v = v[scenario_of_row] if v.ndim else np.full(len(scenario_of_row), v)
        return v * factor if factor != 1 else v

    hazard = values["disorderly.timing"] == "hazard" and values["disorderly.side"] == "US"
    out = {
        "crisis_fixed_year": per_row("disorderly.crisis_year") * (0 if hazard else 1),
        "crisis_quantile": np.full(len(scenario_of_row), 0.5),
    }
    for fld, (lever, factor) in CRISIS_LEVERS.items():
        out[fld] = per_row(lever, factor)
    return out


#: The PathSpec fields with one entry per path row (leading axis P).
ROW_FIELDS = (
    "tau",
    "share_factor",
    "c_shift",
    "g_cut",
    "i_extra",
    "i_shift",
    "rule_kappa",
    "rule_band",
    "bloc_speed",
    "bloc_band",
    "rule_start",
    "crisis",
    "crisis_fixed_year",
    "crisis_quantile",
    *CRISIS_LEVERS,
)


def spec_rows(spec: PathSpec, rows) -> PathSpec:
    """The path rows ``rows`` of ``spec`` (indices, repeats allowed): e.g. one scenario's
    paths repeated for many draws."""
    rows = np.asarray(rows)
    kw = {f: take_rows(getattr(spec, f), rows) for f in ROW_FIELDS}
    if spec.tau_of_row is None:
        kw.update(tau_distinct=spec.tau, tau_of_row=rows)
    else:
        kw.update(tau_of_row=spec.tau_of_row[rows])
    return replace(spec, names=tuple(spec.names[i] for i in rows), **kw)


def spec_years(spec: PathSpec, T: int) -> PathSpec:
    """The first ``T`` years of ``spec``. The model is recursive (a year depends on the
    years before it, never after), so a run of these gives those years' values exactly."""
    kw = {f: getattr(spec, f)[:, :T] for f in TIME_FIELDS}
    if spec.tau_distinct is not None:
        kw["tau_distinct"] = spec.tau_distinct[:, :T]
    return replace(spec, years=spec.years[:T], **kw)


def take_rows(a: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Rows ``rows`` of ``a`` (P, ...); an array by path row and year (P, T, ...) is stored
    year-major, as a (P, T, ...) view of a contiguous (T, P, ...) array: the engine reads
    it a year at a time, and a year's slice ``a[:, t]`` is then one contiguous block (a
    row-major slice is P pieces T years apart, which NumPy runs several times slower)."""
    if a.ndim < 3:
        return a[rows]
    # np.take, not a[:, rows]: fancy indexing lays the indexed axis outermost in memory.
    return np.swapaxes(np.take(np.swapaxes(a, 0, 1), rows, axis=1), 0, 1)


def stack_specs(specs: list[PathSpec]) -> PathSpec:
    """The path rows of several specs (same regions, years and crisis side) as one."""
    first = specs[0]
    for sp in specs[1:]:
        if (sp.regions, sp.crisis_side, len(sp.years)) != (
            first.regions,
            first.crisis_side,
            len(first.years),
        ):
            raise ValueError("specs differ in regions, years or crisis side: not one batch")
    kw = {f: np.concatenate([getattr(sp, f) for sp in specs]) for f in ROW_FIELDS}
    return replace(
        first,
        names=tuple(n for sp in specs for n in sp.names),
        has_currency_rule=any(sp.has_currency_rule for sp in specs),
        has_bloc_rule=any(sp.has_bloc_rule for sp in specs),
        tau_distinct=None,
        tau_of_row=None,
        **kw,
    )
