"""The engine: the year loop over the blocks of docs/model.md section 3, batched over paths.

Each year, for every path at once (arrays (P, n)):

1. supply (3.1): potential output from real growth, crisis losses and tariff costs;
2. exchange rates (3.5): real UIP on last year's real-rate gaps and this year's risk premia,
   the orderly and bloc rules moving the equilibrium; trade responds with a lag;
3. trade shares (3.2): tariffs, diversion, relative prices, the status quo's drift;
4. prices (3.3) and monetary policy (3.4): the parts known before output is;
5. the goods market (3.2): one exact linear solve, with the rate held at its bounds and a
   crisis's financing floor found exactly (3.7);
6. booking (section 2) and external stocks (3.6): the accounts, valuation, positions.

Everything within a year is linear in output, so every identity holds to rounding.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from . import identities as idn
from .blocks import crisis, demand, exchange, policy, prices, stocks, supply, trade
from .calibration import Calibration
from .constants import (
    CONSUMPTION_ADJUSTMENT,
    CUT_FADE,
    FISCAL_AT_FLOOR,
    MAX_CRISIS_CUT_PCT,
    PI_TARGET,
    R_NEUTRAL,
)
from .errors import ModelError
from .numerics import sum_axis, sum_last
from .paths import PathSpec, take_rows

__all__ = [
    "ModelError",
    "Params",
    "Solution",
    "derive_params",
    "run",
    "YearInputs",
    "State",
    "initial_state",
    "year_inputs",
    "step",
]


@dataclass(frozen=True)
class Params:
    """Behavioural parameters: calibrated (per region) and from the scenario's levers.

    The lever parameters (``r_nfa`` to ``tariff_cost``) are floats, or arrays (P,) with one
    value per path row when many scenarios run as one batch (:mod:`rebalancing.batch`);
    then ``growth`` is (P, T, n) and ``q``, ``rp0`` are (P, n). (Within :func:`run`, a
    large batch's :func:`step` reads those of :data:`EXPANDED` as (P, n) arrays.)
    """

    alpha: np.ndarray  # propensity to consume out of disposable income
    theta: np.ndarray  # net tax rate on GDP (excl. tariff revenue)
    gamma: np.ndarray  # G / Ypot
    iota: np.ndarray  # I / Ypot
    q: np.ndarray  # base-year net income gap, fraction of Ypot
    mubar: np.ndarray  # base-year import shares (n, n)
    tau0: np.ndarray  # base-year tariffs (n, n)
    dom0: np.ndarray  # base-year domestic share of demand
    weights: np.ndarray  # base-year GDP shares (world means of exchange rates)
    trade_w: tuple  # base-year import and export weights (effective tariff rates)
    etr0: np.ndarray  # base-year effective tariff rates
    pi_target: np.ndarray
    r_neutral: np.ndarray
    rp0: np.ndarray  # base-year risk premium (priced in the 2024 exchange rates)
    growth: np.ndarray  # (T, n) real growth of potential, or (P, T, n)
    r_nfa: float | np.ndarray
    eps: float | np.ndarray
    eta: float | np.ndarray
    switching: float | np.ndarray
    diversion: float | np.ndarray
    rerouting: float | np.ndarray
    monetary: float | np.ndarray
    rp_slope: float | np.ndarray
    tariff_cost: float | np.ndarray

    @property
    def rows(self) -> int | None:
        """Number of path rows the parameters are given for (None: the same for all)."""
        sizes = {len(getattr(self, f)) for f in LEVER_PARAMS if np.ndim(getattr(self, f))}
        sizes |= {len(getattr(self, f)) for f, nd in ROW_ARRAYS.items() if self._by_row(f, nd)}
        if len(sizes) > 1:
            raise ValueError(f"parameters with different row counts {sorted(sizes)}")
        return sizes.pop() if sizes else None

    def _by_row(self, f: str, ndim: int) -> bool:
        return np.ndim(getattr(self, f)) == ndim

    def first_years(self, T: int) -> Params:
        """The parameters of the first ``T`` years (``growth`` is the one array by year)."""
        return replace(self, growth=self.growth[..., :T, :])

    def take(self, rows) -> Params:
        """The parameters of path rows ``rows`` (indices; shared parameters stay shared)."""
        if self.rows is None:
            return self
        rows = np.asarray(rows)
        kw = {f: getattr(self, f)[rows] for f in LEVER_PARAMS if np.ndim(getattr(self, f))}
        kw.update(
            {f: getattr(self, f)[rows] for f, nd in ROW_ARRAYS.items() if self._by_row(f, nd)}
        )
        return replace(self, **kw)


#: The Params fields that come from levers and may vary by path row.
LEVER_PARAMS = (
    "r_nfa",
    "eps",
    "eta",
    "switching",
    "diversion",
    "rerouting",
    "monetary",
    "rp_slope",
    "tariff_cost",
)


#: Batches of at least this many path rows compute their trade shares year by year.
BY_YEAR_ROWS = 256

#: The derived arrays that carry a leading path-row axis when the levers vary by row, with
#: their number of dimensions then.
ROW_ARRAYS = {"growth": 3, "q": 2, "rp0": 2}


def col(x):
    """A lever parameter against (P, n) arrays: a scalar as it is, a (P,) array as (P, 1)."""
    return x[:, None] if isinstance(x, np.ndarray) and x.ndim == 1 else x


def _columns(prm: Params) -> Params:
    """The parameters with every per-row lever parameter as a (P, 1) column, ready to
    broadcast against the year's (P, n) arrays (done once a run, not once a use)."""
    if prm.rows is None:
        return prm
    return replace(prm, **{f: col(getattr(prm, f)) for f in LEVER_PARAMS})


#: The parameters :func:`step` combines with the year's (P, n) arrays as per-region vectors
#: (n,) or per-row columns (P, 1): expanded to (P, n) for large batches (the goods market's
#: rounds and the crisis search take the rows they solve of ``alpha``, ``theta`` and
#: ``r_neutral``).
EXPANDED = (
    "alpha",
    "theta",
    "r_neutral",
    "gamma",
    "iota",
    "dom0",
    "weights",
    "etr0",
    "pi_target",
    "r_nfa",
    "eta",
    "switching",
    "monetary",
    "rp_slope",
    "tariff_cost",
)


def _expanded(prm: Params, P: int, n: int) -> Params:
    """The parameters with those of :data:`EXPANDED` that are arrays given as (P, n) arrays:
    NumPy runs an operation of a (P, n) array with an (n,) vector or a (P, 1) column as one
    inner loop of n elements per row, several times slower than with another (P, n) array
    (docs/benchmarks.md). The same values, so the same results."""
    kw = {}
    for f in EXPANDED:
        x = getattr(prm, f)
        if isinstance(x, np.ndarray):
            kw[f] = np.ascontiguousarray(np.broadcast_to(x, (P, n)))
    return replace(prm, **kw)


def derive_params(
    cal: Calibration,
    *,
    years,
    long_run_growth,
    r_nfa,
    eps,
    eta,
    switching,
    diversion,
    rerouting,
    monetary,
    rp_slope,
    tariff_cost,
) -> Params:
    """Invert the behavioural equations at the base year (output at potential, rates at
    neutral, inflation at target).

    Every lever argument may be a float or an array (R,) of one value per row (then
    ``long_run_growth`` is (R, n)): the parameters of R scenarios for one batched run.
    """
    mubar = cal.mu
    rt0 = (cal.tariff0 * mubar).sum(axis=1)
    T0 = cal.public_saving + cal.G  # public saving = T - G
    theta = (T0 - rt0 * cal.A) / cal.Y
    alpha = cal.C / (cal.Y + cal.NI - T0)
    rp_base = exchange.risk_premium(cal.NFA_prev, cal.Y, col(rp_slope), 0.0)
    trade_w = supply.trade_weights(cal.trade)
    region = np.array
    return Params(
        alpha=alpha,
        theta=theta,
        gamma=cal.G / cal.Y,
        iota=cal.I / cal.Y,
        q=(cal.NI - col(r_nfa) * cal.NFA_prev) / cal.Y,
        mubar=mubar,
        tau0=cal.tariff0,
        dom0=1.0 - mubar.sum(-1),
        weights=cal.Y / cal.Y.sum(),
        trade_w=trade_w,
        etr0=supply.effective_tariff(cal.tariff0, trade_w),
        pi_target=region([PI_TARGET[r] for r in cal.regions]),
        r_neutral=region([R_NEUTRAL[r] for r in cal.regions]),
        rp0=rp_base,
        growth=supply.growth_path(years, cal.regions, np.asarray(long_run_growth, float)),
        r_nfa=r_nfa,
        eps=eps,
        eta=eta,
        switching=switching,
        diversion=diversion,
        rerouting=rerouting,
        monetary=monetary,
        rp_slope=rp_slope,
        tariff_cost=tariff_cost,
    )


@dataclass
class State:
    """What a year hands to the next, (P, n) unless noted."""

    Ytrend: np.ndarray
    Y: np.ndarray
    gap: np.ndarray
    c_habit: np.ndarray  # last year's income-driven consumption, share of potential
    ca_ratio: np.ndarray
    nfa: np.ndarray
    A_pos: np.ndarray  # (P, n, K) gross assets by currency
    L_pos: np.ndarray  # (P, n, K) gross liabilities by currency
    pi: np.ndarray
    i: np.ndarray
    rgap: np.ndarray  # real rate less neutral, smoothed (what currency markets price)
    rn: np.ndarray  # the central bank's neutral-rate estimate
    w: np.ndarray  # log consumer prices / GDP deflator
    logp: np.ndarray
    logp_eff: np.ndarray
    qbar: np.ndarray
    bloc_shift: np.ndarray  # bloc members' internal-rebalancing demand shift, share of Ypot
    cost: np.ndarray  # tariff efficiency cost
    crisis_rp: np.ndarray
    collapse: np.ndarray  # (P,) investment collapse of the crisis country, fraction of potential
    L0: np.ndarray  # crisis level loss of potential
    survival: np.ndarray  # (P,)
    crisis_year: np.ndarray  # (P,) int, 0 = none
    floor_from: np.ndarray  # (P,) CA/GDP before the crisis
    cut: np.ndarray  # (P,) forced demand cut, % of the crisis country's potential
    rationed: np.ndarray  # (P, n) bool: the region's demand was rationed by markets


def initial_state(cal: Calibration, prm: Params, P: int) -> State:
    """End-2023: steady state at the base-year ratios."""
    n = cal.n

    def rep(a):
        return np.broadcast_to(np.asarray(a, float), (P,) + np.shape(a)).copy()

    zeros = np.zeros((P, n))
    return State(
        Ytrend=rep(cal.Y),
        Y=rep(cal.Y),
        gap=zeros.copy(),
        c_habit=rep(prm.alpha * (cal.Y + cal.NI - cal.public_saving - cal.G) / cal.Y),
        ca_ratio=rep(cal.CA / cal.Y),
        nfa=rep(cal.NFA_prev),
        A_pos=rep(cal.assets),
        L_pos=rep(cal.liabilities),
        pi=rep(prm.pi_target),
        i=rep(prm.r_neutral + prm.pi_target),
        rgap=zeros.copy(),
        rn=rep(prm.r_neutral),
        w=zeros.copy(),
        logp=zeros.copy(),
        logp_eff=zeros.copy(),
        qbar=zeros.copy(),
        bloc_shift=zeros.copy(),
        cost=zeros.copy(),
        crisis_rp=zeros.copy(),
        collapse=np.zeros(P),
        L0=zeros.copy(),
        survival=np.ones(P),
        crisis_year=np.zeros(P, dtype=int),
        floor_from=np.zeros(P),
        cut=np.zeros(P),
        rationed=np.zeros((P, n), dtype=bool),
    )


@dataclass
class YearInputs:
    """The exogenous inputs of one year for P paths (slices of the path arrays)."""

    year: int
    t: int
    mu0: np.ndarray  # (P, n, n)
    tau: np.ndarray  # (P, n, n)
    etr: np.ndarray  # (P, n) effective tariff rates (3.1)
    w_tariff: np.ndarray  # (P, n) the tariff part of the consumer-price wedge (3.3)
    c_shift: np.ndarray  # (P, n)
    g_cut: np.ndarray
    i_extra: np.ndarray
    i_shift: np.ndarray
    rule_kappa: np.ndarray
    rule_band: np.ndarray
    bloc_speed: np.ndarray
    bloc_band: np.ndarray
    crisis: np.ndarray  # (P,) bool
    drift: np.ndarray  # (P, n, 2): consumption shift (share of potential), log
    #                          equilibrium real exchange rate


def year_inputs(
    spec: PathSpec,
    mu0: np.ndarray,
    t: int,
    drift: np.ndarray | None,
    etr: np.ndarray,
    w_tariff: np.ndarray,
) -> YearInputs:
    """Year t's slices of the path arrays and of what :func:`run` derives from them in
    advance (``etr``, ``w_tariff``: (P, T, n)); ``mu0`` (P, n, n): year t's trade shares."""
    P, n = len(spec.names), spec.tau.shape[-1]
    if drift is None:
        d = np.zeros((P, n, 2))
    else:
        d = drift[..., t, :, :]
        if d.shape != (P, n, 2):
            d = np.broadcast_to(d, (P, n, 2))
    return YearInputs(
        year=int(spec.years[t]),
        t=t,
        mu0=mu0,
        tau=spec.tau[:, t],
        etr=etr[:, t],
        w_tariff=w_tariff[:, t],
        c_shift=spec.c_shift[:, t],
        g_cut=spec.g_cut[:, t],
        i_extra=spec.i_extra[:, t],
        i_shift=spec.i_shift[:, t],
        rule_kappa=spec.rule_kappa,
        rule_band=spec.rule_band,
        bloc_speed=spec.bloc_speed,
        bloc_band=spec.bloc_band,
        crisis=spec.crisis,
        drift=d,
    )


#: The arrays of :class:`Solution` only version 3 (rebalancing.engine3) records.
VERSION3_ONLY = ("Yreal", "Creal", "reer", "Xreal", "Mreal")


@dataclass
class Solution:
    """Raw arrays of a run, shapes (P, T, n) unless noted."""

    years: np.ndarray
    Y: np.ndarray
    Ypot: np.ndarray
    C: np.ndarray
    I: np.ndarray  # noqa: E741 (the national-accounts symbol)
    G: np.ndarray
    trade: np.ndarray  # (P, T, n, n) imports of i from j
    T: np.ndarray
    NI: np.ndarray
    NFA: np.ndarray
    NFA_prev: np.ndarray
    VAL: np.ndarray  # valuation change of net foreign assets
    A_pos: np.ndarray  # (P, T, n, K) gross assets by currency, end of year
    L_pos: np.ndarray  # (P, T, n, K) gross liabilities by currency
    logp: np.ndarray
    pi: np.ndarray  # inflation, fraction
    i: np.ndarray  # policy rate, fraction
    r: np.ndarray  # ex-ante real rate, fraction
    w: np.ndarray  # log consumer prices / GDP deflator
    cut: np.ndarray  # crisis demand cut, USD bn (same for every region column)
    shortfall: np.ndarray  # USD bn by which the crisis CA stays below its floor
    drift: np.ndarray  # (P, T, n, 2) status-quo shifts
    Cshift: np.ndarray  # consumption shifts (policy, drift, crisis cut), USD bn
    Crate: np.ndarray  # interest-rate term of consumption, USD bn
    Chabit: np.ndarray  # consumption carried from last year (habit), USD bn
    alpha: np.ndarray  # (n,) propensity to consume within the year (adjustment share x
    #                          long-run propensity), for the behavioural residuals
    theta: np.ndarray  # (n,) net tax rate on GDP
    tau: np.ndarray  # (P, T, n, n)
    crisis_year: np.ndarray  # (P,) int, 0 = none
    # When the run kept only some arrays (``run(..., keep=...)``) the others are None, and
    # the identities were checked year by year: their residuals, (P, T) shares of world GDP
    # (as :func:`rebalancing.identities.residuals` gives them).
    residuals: dict | None = None
    # Version 3 (rebalancing.engine3) books prices apart from volumes; version 2's
    # solutions leave these None (its accounts are at 2024 prices, volumes = values):
    Yreal: np.ndarray | None = None  # real GDP, USD bn at 2024 prices
    Creal: np.ndarray | None = None  # consumption deflated by consumer prices
    reer: np.ndarray | None = None  # log real effective exchange rate vs partners
    Xreal: np.ndarray | None = None  # export volumes, USD bn at 2024 prices
    Mreal: np.ndarray | None = None  # import volumes


def _uniform(mask: np.ndarray):
    """A (P,) mask as one bool where all its rows agree (the blocks then skip the mask)."""
    if mask.all():
        return True
    return mask if mask.any() else False


def _market(prm, B, rt, alpha_w, Ypot, D_auto, i0, i1, pi_e):
    """Goods market with the policy rate held at its bounds where the rule would cross them
    (and fiscal policy leaning against the gap where the rate is at its lower bound): each
    round is an exact solve, at most n + 1 rounds; a round re-solves only the path rows whose
    rate was newly held at a bound (the others' systems are unchanged)."""
    f1 = np.zeros(i0.shape)
    rows = None  # all

    def sub(x):  # a parameter's rows: of (P, n) ones, those solved (an (n,) vector: all)
        return x[rows] if np.ndim(x) == 2 else x

    for _ in range(B.shape[-1] + 1):
        if rows is None:
            Y, A = demand.solve(
                B, rt, alpha_w, prm.theta, Ypot, D_auto, i0 - pi_e, prm.r_neutral, i1, f1
            )
        else:
            Y[rows], A[rows] = demand.solve(
                B[rows],
                rt[rows],
                sub(alpha_w),
                sub(prm.theta),
                Ypot[rows],
                D_auto[rows],
                i0[rows] - pi_e[rows],
                sub(prm.r_neutral),
                i1[rows],
                f1[rows],
            )
        i0_new, i1_new, changed = policy.bound(i0, i1, Y / Ypot - 1)
        if not changed:
            break
        rows = np.flatnonzero(((i0_new != i0) | (i1_new != i1)).any(-1))
        i0, i1 = i0_new, i1_new
        f1 = np.where(policy.at_floor(i0, i1), FISCAL_AT_FLOOR, 0.0)
    return Y, A, i0, i1, f1


def step(prm: Params, spec: PathSpec, inp: YearInputs, s: State) -> tuple[State, dict]:
    """One year for every path: the blocks in order, then the accounts. Returns the state
    for next year and the year's record (arrays (P, n))."""
    t, year = inp.t, inp.year
    P, n = s.Y.shape
    c, o = spec.crisis_side, spec.crisis_other
    rules_on = _uniform((t > 0) & (year >= spec.rule_start))  # (P,) mask, or one bool

    # --- 3.7 crisis onset (fixed year, or a year drawn from the US-side hazard: by default
    # its median year)
    survival, crisis_year, floor_from = s.survival, s.crisis_year, s.floor_from
    crisis_rp, collapse, L0 = s.crisis_rp * (1 - spec.recovery[:, None]), s.collapse, s.L0
    collapse = collapse * (1 - spec.recovery)
    if t > 0 and inp.crisis.any():
        waiting = inp.crisis & (crisis_year == 0)
        fixed = spec.crisis_fixed_year > 0
        starts = waiting & fixed & (year == spec.crisis_fixed_year)
        drawn = waiting & ~fixed
        if drawn.any():
            survival = crisis.hazard(
                survival,
                s.nfa[:, c],
                s.Y[:, c],
                spec.hazard_base,
                spec.hazard_slope,
                drawn & np.asarray(rules_on),
            )
            starts = starts | (drawn & (survival <= spec.crisis_quantile))
        if starts.any():
            crisis_year = np.where(starts, year, crisis_year)
            L0, crisis_rp, collapse = L0.copy(), crisis_rp.copy(), collapse.copy()
            L0[starts, c] = spec.output_loss[starts]
            crisis_rp[starts, c] = crisis.premium_for_fall(spec.currency_fall[starts])
            floor_from = np.where(starts, s.ca_ratio[:, c], floor_from)
            if spec.crisis_side_name == "CN":
                collapse[starts] = spec.cn_investment_collapse[starts]
    since = np.where(crisis_year > 0, year - crisis_year, -1)

    # --- 3.1 supply
    Ytrend = s.Ytrend * (1 + prm.growth[..., t, :])
    cost = supply.tariff_cost(s.cost, inp.etr, prm.etr0, prm.tariff_cost)
    loss = np.zeros((P, n))
    if L0.any():
        loss[:, c] = supply.crisis_loss(L0[:, c], spec.permanent_share, spec.recovery, since)
    Ypot = supply.potential(Ytrend, loss, cost)

    # --- 3.5 exchange rates; trade follows with a lag
    qbar = exchange.policy_equilibrium(
        s.qbar, s.ca_ratio, inp.rule_kappa, inp.rule_band, rules_on & spec.has_currency_rule
    )
    rp = exchange.risk_premium(s.nfa, s.Y, prm.rp_slope, crisis_rp) - prm.rp0
    logp = exchange.real_exchange_rates(qbar + inp.drift[..., 1], s.rgap, rp, prm.weights)
    logp_eff = exchange.switching(s.logp_eff, logp, prm.switching)

    # --- 3.2 trade shares
    v = trade.relative_price_weights(inp.mu0, logp_eff, prm.eta)
    mu = trade.armington(v, prm.dom0)
    B, rt = demand.goods_matrix(mu), demand.tariff_rate(inp.tau, mu)

    # --- 3.3 prices and 3.4 policy: the parts known before output
    w = prices.consumer_price_wedge(inp.w_tariff, logp, prm.mubar)
    pi_e = prices.expected_inflation(s.pi, prm.pi_target)
    dw = w - s.w
    # While markets ration credit the gap is not one rates can close: no learning from it.
    rn = policy.learn_neutral(s.rn, np.where(s.rationed, 0.0, s.gap), prm.monetary, s.i)
    i0, i1 = policy.rule(s.i, rn, pi_e + dw, prm.pi_target, prm.monetary)

    # --- 3.2 autonomous demand (with the bloc's internal rebalancing); 3.6 net income
    bloc_shift = demand.internal_rebalancing(
        s.bloc_shift, s.ca_ratio, inp.bloc_speed, inp.bloc_band, rules_on & spec.has_bloc_rule
    )
    NI = stocks.net_income(prm.q, Ypot, prm.r_nfa, s.nfa)
    G = (prm.gamma - inp.g_cut) * Ypot
    I_auto = (prm.iota + inp.i_shift) * Ypot + inp.i_extra
    I_auto[:, c] -= collapse * Ypot[:, c]
    I_auto[:, o] -= spec.spillover * collapse * Ypot[:, o]
    Cs = (inp.c_shift + inp.drift[..., 0] + bloc_shift) * Ypot
    # Consumption out of disposable income at market prices (net of tariff revenue, which
    # households pay through prices); its volume is C / exp(w) (real_consumption). Deflating
    # the propensity as well would charge the tariff twice. Within the year only a share
    # of an income change is spent; the rest follows last year's consumption (3.2).
    alpha_w = CONSUMPTION_ADJUSTMENT * prm.alpha
    C_habit = (1 - CONSUMPTION_ADJUSTMENT) * s.c_habit * Ypot
    D_auto = alpha_w * NI + C_habit + Cs + I_auto + G

    # --- 3.7 financing constraint (deficit side): CA >= floor Y, found exactly. A cut once
    # forced fades by CUT_FADE a year at most (deleveraging takes time, credit returns
    # gradually); while the constraint binds, more is cut where the floor needs it.
    cut = np.where(since >= 1, s.cut * (1 - CUT_FADE), 0.0)
    shortfall = np.zeros(P)
    binding = (
        inp.crisis
        & (since >= 0)
        & (since < spec.constraint_years)
        & (spec.crisis_side_name == "US")
    )
    unit = np.zeros((P, n))
    unit[:, c] = -0.01 * Ypot[:, c]  # a cut of 1% of potential
    unit[:, o] = -spec.spillover * 0.01 * Ypot[:, o]
    if binding.any():
        # The search runs on the binding rows only (rows: bi).
        bi = np.flatnonzero(binding)
        floor = crisis.floor_path(
            floor_from[bi],
            spec.ca_floor[bi],
            since[bi],
            spec.adjustment_years[bi],
            spec.floor_scale,
        )
        carried = cut[bi]

        def two(x):
            xb = x[bi]
            return np.concatenate([xb, xb])

        # The pair's inputs other than the cut, the same at every trial: stacked once.
        B2, rt2, Ypot2, D2, unit2 = two(B), two(rt), two(Ypot), two(D_auto), two(unit)
        i0_2, i1_2, pi_e2, mu2, NI2 = two(i0), two(i1), two(pi_e), two(mu), two(NI)[:, c]
        floor2 = np.concatenate([floor, floor])

        def two_prm(x):  # a parameter: (P, n) ones as the rows are (an (n,) vector as it is)
            return two(x) if np.ndim(x) == 2 else x

        alpha_w2 = two_prm(alpha_w)
        prm2 = replace(prm, theta=two_prm(prm.theta), r_neutral=two_prm(prm.r_neutral))

        def excess_pair(a, b):
            """CA - floor Y of the crisis country at two extra cuts, one batched solve."""
            cuts = np.concatenate([carried + a, carried + b])
            Y_, A_, _, _, _ = _market(
                prm2, B2, rt2, alpha_w2, Ypot2, D2 + cuts[:, None] * unit2, i0_2, i1_2, pi_e2
            )
            # c's exports and imports: of the trade matrix M_ij = mu_ij A_i only column c
            # and row c (the same products as the whole matrix's).
            X_c = sum_last(mu2[:, :, c] * A_)
            M_c = sum_last(mu2[:, c, :] * A_[:, c, None])
            g = X_c - M_c + NI2 - floor2 * Y_[:, c]
            return g[: len(bi)], g[len(bi) :]

        extra, left = crisis.find_cut(
            excess_pair, np.ones(len(bi), dtype=bool), MAX_CRISIS_CUT_PCT - carried
        )
        cut = cut.copy()
        cut[bi] = carried + extra
        shortfall[bi] = np.maximum(0.0, -left)
    D_auto = D_auto + cut[:, None] * unit
    Y, A, i0, i1, f1 = _market(prm, B, rt, alpha_w, Ypot, D_auto, i0, i1, pi_e)

    # --- booking (section 2): the accounts
    gap = Y / Ypot - 1
    pi = prices.phillips(pi_e, dw, gap)
    i = i0 + i1 * gap
    r = i - pi_e
    Crate, Irate = demand.rate_terms(r, prm.r_neutral, Ypot)
    C_income = alpha_w * (Y + NI - prm.theta * Y - rt * A) + C_habit
    cut_bn = cut * 0.01 * Ypot[:, c]
    base = spec.absorption_shares  # (3,) C, I, G of the crisis country
    I = I_auto + Irate  # noqa: E741
    I[:, c] -= cut_bn * base[1]
    I[:, o] -= spec.spillover * cut * 0.01 * Ypot[:, o]
    G = G - f1 * (Y - Ypot)  # the fiscal response at the bound
    G[:, c] -= cut_bn * base[2]
    Cs = Cs.copy()
    Cs[:, c] -= cut_bn * base[0]
    C = A - I - G
    M = mu * A[..., None]
    Tax = prm.theta * Y + rt * A
    CA = sum_axis(M, -2) - sum_last(M) + NI

    # --- 3.6 external stocks: valuation at this year's exchange rates, then the flows
    if t == 0:
        A_pos, L_pos, VAL = s.A_pos, s.L_pos, np.zeros((P, n))
        NFA = s.nfa + CA
    else:
        e_ratio = exchange.dollar_values(logp) / exchange.dollar_values(s.logp)
        A_pos, L_pos, VAL = stocks.revalue(s.A_pos, s.L_pos, e_ratio)
        A_pos, L_pos = stocks.finance_into(A_pos, L_pos, CA)  # revalue made them
        NFA = s.nfa + CA + VAL

    new = State(
        Ytrend=Ytrend,
        Y=Y,
        gap=gap,
        c_habit=C_income / Ypot,
        ca_ratio=CA / Y,
        nfa=NFA,
        A_pos=A_pos,
        L_pos=L_pos,
        pi=pi,
        i=i,
        rgap=exchange.smooth_rate_gap(s.rgap, r - prm.r_neutral),
        rn=rn,
        w=w,
        logp=logp,
        logp_eff=logp_eff,
        qbar=qbar,
        bloc_shift=bloc_shift,
        cost=cost,
        crisis_rp=crisis_rp,
        collapse=collapse,
        L0=L0,
        survival=survival,
        crisis_year=crisis_year,
        floor_from=floor_from,
        cut=cut,
        rationed=(binding[:, None] & (np.arange(n) == c)),
    )
    record = dict(
        Y=Y,
        Ypot=Ypot,
        C=C,
        I=I,
        G=G,
        trade=M,
        T=Tax,
        NI=NI,
        NFA=NFA,
        NFA_prev=s.nfa,
        VAL=VAL,
        A_pos=A_pos,
        L_pos=L_pos,
        logp=logp,
        pi=pi,
        i=i,
        r=r,
        w=w,
        Cshift=Cs,
        Crate=Crate,
        Chabit=C_habit,
        drift=inp.drift,
        dom=1 - sum_last(mu),
        cut=cut_bn,
        shortfall=shortfall,
    )
    return new, record


def run(
    cal: Calibration,
    prm: Params,
    spec: PathSpec,
    *,
    drift: np.ndarray | None = None,
    qbar_extra: np.ndarray | None = None,
    keep=None,
) -> Solution:
    """Simulate all paths of ``spec`` from the base year to the horizon.

    ``drift`` (T, n, 2): the status quo's shifts, applied to every path: consumption as a
    share of potential ([..., 0]) and the log equilibrium real exchange rate ([..., 1]);
    (P, T, n, 2): one drift per path row (a batch of scenarios, :mod:`rebalancing.batch`).
    The lever parameters of ``prm`` are floats or one value per path row.
    ``qbar_extra`` (P, T, n): per-path equilibrium exchange-rate shifts on top (the status
    quo's search, :mod:`rebalancing.drift`, solves its trial paths this way).

    ``keep``: the names of the :class:`Solution` arrays to record (None: all). The others
    are None in the solution; every identity is then checked on every path row year by
    year (:func:`rebalancing.identities.year_residuals`, into ``Solution.residuals``) and
    every year's admissibility as it is solved. A large batch that needs a few series (the
    Monte Carlo fans) so stores and re-reads a few arrays instead of all of them.
    """
    years = spec.years
    P, T = len(spec.names), len(years)
    if prm.rows not in (None, P):
        raise ValueError(f"parameters for {prm.rows} path rows, paths for {P}")
    size = trade.size_index(prm.growth)
    prm = _columns(prm)

    def shares(t):
        """Import shares before exchange rates of years t (a slice): trend, tariffs."""
        return trade.trade_shares(
            cal.trade,
            cal.A,
            cal.Y,
            size[..., t, :],
            spec.tau[:, t],
            cal.tariff0,
            prm.eps,
            prm.diversion,
            prm.rerouting,
            spec.share_factor[:, t],
        )

    # Inputs known in advance: for all years at once, or, on large batches (where the
    # (P, T, n, n) arrays would not stay in the processor's cache), year by year.
    by_year = P >= BY_YEAR_ROWS
    mu0 = None if by_year else shares(slice(None))
    if spec.tau_of_row is None:
        etr = supply.effective_tariff(spec.tau, prm.trade_w)
        w_tariff = prices.tariff_wedge(spec.tau, prm.tau0, prm.mubar)
    else:  # a few tariff schedules repeated over many rows: derived once a schedule
        etr = take_rows(supply.effective_tariff(spec.tau_distinct, prm.trade_w), spec.tau_of_row)
        w_tariff = take_rows(
            prices.tariff_wedge(spec.tau_distinct, prm.tau0, prm.mubar), spec.tau_of_row
        )
    if drift is not None and drift.ndim == 3:  # one drift for every path: broadcast once
        drift = np.broadcast_to(drift, (P,) + drift.shape)
    s = initial_state(cal, prm, P)
    prm_year = _expanded(prm, P, cal.n) if by_year else prm  # what step reads
    out = None
    alpha_w = CONSUMPTION_ADJUSTMENT * prm.alpha
    by_year_checks = keep is not None
    if by_year_checks:
        # version 3's arrays (volumes and prices apart) are not version 2's: it has none
        keep = set(keep) - set(VERSION3_ONLY)
        unknown = keep - RECORDED
        if unknown:
            raise ValueError(f"keep: not arrays of a solution: {', '.join(sorted(unknown))}")
        res = None  # the identities' residuals, year by year
    for t in range(T):
        mu0_t = shares(slice(t, t + 1))[:, 0] if by_year else mu0[:, t]
        inp = year_inputs(spec, mu0_t, t, drift, etr, w_tariff)
        if qbar_extra is not None:
            inp.drift = inp.drift.copy()
            inp.drift[..., 1] += qbar_extra[:, t]
        Y_last, nfa_last = s.Y, s.nfa
        s, rec = step(prm_year, spec, inp, s)
        if by_year_checks:
            _admissible_year(spec, rec, t, Y_last)
            r = idn.year_residuals(rec, alpha_w, prm.theta, inp.tau, nfa_last if t else None)
            res = _store_year(res, r, t, T)
            out = _store_year(out, {k: v for k, v in rec.items() if k in keep}, t, T)
        else:
            if out is None:
                out = {k: np.empty((P, T) + np.shape(v)[1:]) for k, v in rec.items()}
            for k, v in rec.items():
                out[k][:, t] = v
    if by_year_checks:
        res = {k: v.T for k, v in res.items()}
        out = {k: np.swapaxes(out[k], 0, 1) if k in out else None for k in RECORDED}
    else:
        _admissible(spec, out)
        res = None
    del out["dom"]
    n = cal.n
    for k in ("cut", "shortfall"):
        if out[k] is not None:
            out[k] = np.broadcast_to(out[k][..., None], (P, T, n))
    return Solution(
        years=years,
        tau=spec.tau,
        crisis_year=s.crisis_year,
        alpha=alpha_w,
        theta=prm.theta,
        residuals=res,
        **out,
    )


def _store_year(store: dict | None, values: dict, t: int, T: int) -> dict:
    """Write year t's arrays (P, ...) into ``store``, arrays (T, P, ...) allocated in the
    first year: year-major, so that a year's write is one contiguous block (into (P, T, ...)
    arrays it is P pieces T apart). :func:`run` returns them as (P, T, ...) views."""
    if store is None:
        store = {k: np.empty((T,) + np.shape(v)) for k, v in values.items()}
    for k, v in values.items():
        store[k][t] = v
    return store


#: The arrays a run records from each year (:func:`step`'s record; "dom", the domestic
#: share of demand, only for the admissibility check).
RECORDED = frozenset(
    (
        "Y Ypot C I G trade T NI NFA NFA_prev VAL A_pos L_pos logp pi i r w Cshift Crate "
        "Chabit drift dom cut shortfall"
    ).split()
)

#: The arrays that must be positive finite numbers (:func:`_admissible`).
ADMISSIBLE = ("dom", "Y", "C", "I", "G")


def _admissible(spec: PathSpec, out: dict) -> None:
    """Raise ModelError at the first path, year and region whose domestic share of demand or
    whose output, consumption, investment or government consumption is not a positive
    finite number (checked once for the whole run: a bad year's NaNs only propagate)."""
    first = None
    for name in ADMISSIBLE:
        v = out[name]
        bad = ~np.isfinite(v) | (v <= 0)
        if bad.any():
            p, t, i = map(int, np.argwhere(bad)[np.argmin(np.argwhere(bad)[:, 1])])
            if first is None or t < first[2]:
                first = (name, p, t, i, v[p, t, i])
    if first is None:
        return
    name, p, t, i, x = first
    prev = out["NFA_prev"][p, t, i] / out["Y"][p, max(t - 1, 0), i]
    raise _inadmissible(spec, name, p, t, i, x, prev)


def _admissible_year(spec: PathSpec, rec: dict, t: int, Y_last: np.ndarray) -> None:
    """:func:`_admissible` for year t alone, from its record (arrays (P, n)) and last
    year's output ``Y_last``: the same error at the first year that has one."""
    for name in ADMISSIBLE:
        v = rec[name]
        bad = ~np.isfinite(v) | (v <= 0)
        if bad.any():
            p, i = map(int, np.argwhere(bad)[0])
            prev = rec["NFA_prev"][p, i] / (Y_last if t else rec["Y"])[p, i]
            raise _inadmissible(spec, name, p, t, i, v[p, i], prev)


def _inadmissible(spec: PathSpec, name, p, t, i, x, prev) -> ModelError:
    """The error for ``name`` = x not admissible on path row p, year index t, region i;
    ``prev``: net foreign assets at the start of the year / last year's GDP."""
    where = f"path {spec.names[p]}, region {spec.regions[i]}, year {spec.years[t]}"
    if name == "dom":
        return ModelError(f"{where}: the domestic share of demand is not positive")
    why = ""
    if prev < -1.5:
        why = (
            f" (net foreign assets have reached {100 * prev:.0f}% of GDP: with the return "
            "on net foreign assets above growth the debt spirals; lower the return on net "
            "foreign assets, raise growth or shorten the horizon)"
        )
    return ModelError(f"{where}: {name} = {x:.6g} is not a positive finite number{why}")
