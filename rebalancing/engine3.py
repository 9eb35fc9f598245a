"""Version 3's engine: every year of every path solved at once with model-consistent
expectations (docs/model.md section 3b), then booked into the exact accounts.

Per region i and year t the unknowns are (in this order, :data:`VARS`):

    gap    output gap, Yv / Ypot - 1 (Yv real GDP, 2024 prices)
    c      consumption / (e Ypot), own-output units
    pi     inflation (fraction)
    i      policy rate
    s      log price of i's output in US goods (the real exchange rate against the US;
           s_US = 0)
    x      the relative price trade volumes have responded to (lagged s: the J-curve)
    ydp    permanent disposable income / (e Ypot): the forward-looking households' income
    nfa    net foreign assets, USD bn / base-year GDP (end of year)
    ca     current account / GDP
    d      the fiscal rule's state: cumulative public-saving deviation / potential
    Q      the orderly rule's agreed realignment of the exchange rate (log)
    bs     the bloc rule's internal demand shift / potential
    rn     the central bank's estimate of the neutral real rate (it learns from the gap)
    inv    investment / (e Ypot): it moves part of the way to its target each year

and the residuals (:func:`residuals`), with e = exp(s), pm_ij = exp(psi_i (s_j - s_i)) the
price of j's goods in i's, r = i - pi(t+1):

    goods market     Ypot (1 + gap) = Dv + Xv                   volumes, exact
    consumption      c = (1 - lam) [a alpha yd + (1 - a) c(-1)] + lam alpha ydp
                         + m_w (nfa_ratio(-1) - nfa_ratio_2024) + cs + bs - c_r (r - r*)
    permanent income ydp = (1 - beta) yd + beta ydp(+1)
    Phillips curve   pih = phi_f pih(+1) + (1 - phi_f) pih(-1) + kappa gap + dw
    policy rate      i = max(floor, rho i(-1) + (1 - rho)(r* + pi(+1)
                         + s_m phi_pi (pi(+1) - pi*) + s_m phi_y gap))
    exchange rates   sh = omega sh(+1) + (1 - omega) sh(-1) + (r - r*) - (r_US - r*_US),
                     sh = s - Q (i != US); s_US = 0
    risk premium     rp = slope (nfl(-1) - nfl_2024) + crisis premium;  r* = rbar + rp
    trade lag        x = x(-1) + lam_sw (s - x(-1))
    net foreign assets NFA = NFA(-1) + CA + VAL
    fiscal rule      d = rho_d d(-1) + (sg - sg_2024),  theta = theta_2024 - phi_b d(-1)

Years before a path's start (its policies' announcement, or a crisis's surprise) are the
status quo's; the last year is followed by no change (the terminal condition), far enough
past the horizon (:data:`EXTENSION` years) that the years shown do not depend on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import stacked
from .blocks import trade
from .calibration import Calibration
from .errors import ModelError
from .numerics import sum_last
from .paths import PathSpec

VARS = ("gap", "c", "pi", "i", "s", "x", "ydp", "nfa", "ca", "d", "Q", "bs", "rn", "inv")
K = len(VARS)
IX = {v: k for k, v in enumerate(VARS)}

#: Years solved past the last year shown: the terminal condition (no change) is put this
#: far out (tests/unit/test_engine3.py checks that moving it moves no year shown).
EXTENSION = 40

# --- behaviour (docs/model.md 3b; sources there) ------------------------------------------
FORWARD_SHARE = 0.5  # lam: share of consumption by forward-looking households
ADJUST = 0.5  # a: share of a change of current income spent within the year
ANNUITY = 0.9  # beta: weight of next year's permanent income
WEALTH_MPC = 0.02  # m_w: consumption out of net foreign wealth, a year
PC_FORWARD = 0.7  # phi_f
PHILLIPS_SLOPE = 0.15  # kappa: inflation per unit of output gap, annual
UIP_FORWARD = 0.8  # omega
PASS_THROUGH = {"US": 0.3, "CN": 0.7, "BLOC": 0.7, "ROW": 0.7}  # psi: importer's
FISCAL_RULE = 0.1  # phi_b: tax-rate response to the rule's state
INVESTMENT_INERTIA = 0.5  # share of last year's investment ratio carried
#: Transmission lags of an annual model (docs/model.md 3b): the share of last year's real
#: rate gap in this year's spending, of last year's output gap in this year's inflation,
#: and of last year's relative prices in this year's trade volumes (the J-curve).
RATE_LAG = 0.5
GAP_LAG = 1.0
VOLUME_LAG = 1.0
#: Share of a risk-premium shock (a repricing of the country's assets) that its borrowers
#: pay on top of the policy rate: long-term rates and the cost of capital (IMF WEO
#: September 2006's disruptive adjustment: "sharply rising US interest rates").
PREMIUM_PASS = 1.0
FISCAL_MEMORY = 0.97  # rho_d
RESERVE_PREMIUM_SHARE = 0.25  # the reserve issuer's premium slope relative to others'


@dataclass
class Inputs:
    """Exogenous paths over the solved years (B rows, Te years, n regions)."""

    years: np.ndarray  # (Te,)
    shown: int  # years shown (T of the spec)
    Ypot: np.ndarray  # (B, Te, n)
    mu0: np.ndarray  # (B, Te, n, n)
    tau: np.ndarray  # (B, Te, n, n)
    cs: np.ndarray  # (B, Te, n) consumption shift (policy + status quo), share of Ypot
    gcut: np.ndarray
    ishift: np.ndarray
    iextra: np.ndarray  # USD bn
    collapse: np.ndarray  # (B, Te, n) investment collapse, share of Ypot
    cp: np.ndarray  # (B, Te, n) crisis premium
    rule_on: np.ndarray  # (B, Te) bool
    kappa: np.ndarray  # (B, n)
    band: np.ndarray  # (B, n)
    bloc_speed: np.ndarray  # (B, n)
    bloc_band: np.ndarray  # (B, n)
    growth_world: np.ndarray  # (B, Te) world potential index, 2024 = 1
    issuer_size: np.ndarray  # (B, Te, n) each region's trend size index, 2024 = 1
    dq: np.ndarray  # (B, Te, n) change in the net-income term q (a crisis's lost privilege)
    dslope: np.ndarray  # (B, Te, n) rise in the premium slope, share of the calibrated one
    ishock: np.ndarray  # (B, Te, n) a shock to the policy rule (impulse responses)
    pre: np.ndarray  # (B, Te) bool: year fixed to ``fixed`` (before the path's start)
    fixed: np.ndarray  # (B, Te, K, n) the values of fixed years

    def rows(self, k: int) -> Inputs:
        """The inputs for a batch of k copies of each row (colouring, :mod:`stacked`)."""
        if k == 1:
            return self
        kw = {}
        for f, a in self.__dict__.items():
            kw[f] = (
                np.tile(a, (k,) + (1,) * (a.ndim - 1))
                if isinstance(a, np.ndarray) and (f != "years")
                else a
            )
        return Inputs(**kw)


@dataclass
class Coeffs:
    """Calibrated coefficients by region (n,) and the levers' (B, 1) per row."""

    regions: tuple
    Y0: np.ndarray
    alpha: np.ndarray
    theta: np.ndarray
    gamma: np.ndarray
    iota: np.ndarray
    q: np.ndarray
    dom0: np.ndarray
    tau0: np.ndarray  # (n, n)
    pi_target: np.ndarray
    rbar: np.ndarray
    psi: np.ndarray  # (n,) pass-through of each importer
    held: np.ndarray  # (n, n) foreign-currency net positions, units of currency k, end-2024
    nfl0: np.ndarray  # base-year NFL / GDP
    nfa_2023: np.ndarray  # net foreign assets at the end of 2023, USD bn
    sg0: np.ndarray  # base-year public saving / GDP
    # per row (B, 1):
    r_nfa: np.ndarray
    sigma: np.ndarray
    switching: np.ndarray
    monetary: np.ndarray
    slope: np.ndarray  # (B, n): risk-premium slope by region

    def rows(self, k: int) -> Coeffs:
        """The coefficients for a batch of k copies of each row (colouring, :mod:`stacked`)."""
        if k == 1:
            return self
        kw = dict(self.__dict__)
        for f in ("r_nfa", "sigma", "switching", "monetary", "slope"):
            kw[f] = np.tile(getattr(self, f), (k, 1))
        kw["q"] = np.tile(self.q, (k, 1, 1))
        return Coeffs(**kw)


def coefficients(cal: Calibration, prm, B: int) -> Coeffs:
    """The coefficients of the residuals from the calibration and version 2's parameters
    (:class:`rebalancing.engine.Params`: their levers, floats or one value per row)."""
    from .constants import PI_TARGET, R_NEUTRAL

    def col(v):
        return np.broadcast_to(np.reshape(np.asarray(v, float), (-1, 1)), (B, 1)).copy()

    n = cal.n
    us = cal.regions.index("US")
    slope = np.broadcast_to(col(prm.rp_slope), (B, n)).copy()
    slope[:, us] *= RESERVE_PREMIUM_SHARE

    held = cal.assets - cal.liabilities
    held[:, us] = 0.0  # the dollar column moves with the current account, not valuation
    return Coeffs(
        regions=cal.regions,
        Y0=cal.Y.copy(),
        alpha=prm.alpha,
        theta=prm.theta,
        gamma=prm.gamma,
        iota=prm.iota,
        q=np.broadcast_to(np.reshape(prm.q, (-1, 1, n)), (B, 1, n)).copy(),
        dom0=prm.dom0,
        tau0=cal.tariff0,
        pi_target=np.array([PI_TARGET[r] for r in cal.regions]),
        rbar=np.array([R_NEUTRAL[r] for r in cal.regions]),
        psi=np.array([PASS_THROUGH[r] for r in cal.regions]),
        held=held,
        nfl0=-cal.NFA / cal.Y,
        nfa_2023=cal.NFA_prev.copy(),
        sg0=cal.public_saving / cal.Y,
        r_nfa=col(prm.r_nfa),
        sigma=col(prm.eta),
        switching=col(prm.switching),
        monetary=col(prm.monetary),
        slope=slope,
    )


#: Bound on the policy rate (a shadow rate counting unconventional policy), fraction: Wu &
#: Xia (JMCB 2016) put the US shadow rate at about -3% in 2014, the euro area's lower; -5% is
#: an assumption. With model-consistent expectations a tighter bound leaves large crises
#: (a dollar crisis that appreciates every other currency) with no solution that stays at
#: the bound.
RATE_FLOOR = -0.05

#: Width of the rounding of the policy-rate floor, fraction: the rate follows its rule
#: exactly more than a few widths above the floor, and the floor more than a few below;
#: between, a smooth blend. A kink there would make Newton cycle and a path jump when a
#: lever moves it across (docs/model.md 3b, "No cliffs").
FLOOR_WIDTH = 0.0025


def smooth_max(a, floor):
    """max(a, floor), rounded over FLOOR_WIDTH: floor + w log(1 + exp((a - floor) / w))
    (exact to e^-20 more than 20 widths from the floor)."""
    return floor + FLOOR_WIDTH * np.logaddexp(0.0, (a - floor) / FLOOR_WIDTH)


#: Share of the stimulus a rate cut below the floor would have given that government
#: spending delivers instead (an assumption: most of it, as the 2009 and 2020 packages did;
#: version 2 had 0.3 of the gap).
FLOOR_FISCAL_SHARE = 0.75


def policy_rule(v: dict, cf: Coeffs, shock=0.0) -> np.ndarray:
    """The inertial Taylor rule's rate, before the floor: rho i(-1) + (1 - rho)(rn + pi(+1)
    + s phi_pi (pi(+1) - pi*) + s phi_y gap)."""
    from .constants import TAYLOR_PHI_PI, TAYLOR_PHI_Y, TAYLOR_RHO

    sm = cf.monetary[:, :, None]
    pie = _lead(v["pi"])
    return (
        TAYLOR_RHO * _lag(v["i"])
        + (1 - TAYLOR_RHO)
        * (v["rn"] + pie + sm * TAYLOR_PHI_PI * (pie - cf.pi_target) + sm * TAYLOR_PHI_Y * v["gap"])
        + shock
    )


def _lag(a):
    return np.concatenate([a[:, :1], a[:, :-1]], axis=1)


def _lead(a):
    return np.concatenate([a[:, 1:], a[:, -1:]], axis=1)


#: Width of the rounding of the rules' kinks (the band of a current-account rule, the
#: bound on the bloc's shift), fraction: as the policy-rate floor's (FLOOR_WIDTH), so that
#: a path moves smoothly when a lever takes it across (docs/model.md 3b, "No cliffs").
RULE_WIDTH = 0.0025


def _softplus(a, w=RULE_WIDTH):
    return w * np.logaddexp(0.0, a / w)


def _band_excess(ca, band):
    """ca - clip(ca, -band, band), rounded over RULE_WIDTH."""
    return _softplus(ca - band) - _softplus(-ca - band)


def _soft_clip(a, bound):
    """clip(a, -bound, bound), rounded over RULE_WIDTH."""
    return a - _softplus(a - bound) + _softplus(-a - bound)


def flows(x: np.ndarray, inp: Inputs, cf: Coeffs) -> dict:
    """Every flow and price of the unknowns ``x`` (B, Te, K, n): the one definition the
    residuals and the booking read."""
    from .constants import C_RATE, I_RATE

    v = {name: x[:, :, k] for k, name in enumerate(VARS)}
    Ypot = inp.Ypot
    s = v["s"]
    e = np.exp(s)
    # prices of j's goods in i's (pass-through psi_i of the importer)
    ds = s[..., None, :] - s[..., :, None]  # (B, T, i, j): s_j - s_i
    pm = np.exp(cf.psi[:, None] * ds)
    dx = v["x"][..., None, :] - v["x"][..., :, None]
    w8 = inp.mu0 * np.exp(-cf.sigma[:, :, None, None] * dx)
    mu = w8 / (cf.dom0[:, None] + sum_last(w8)[..., None])
    dom = 1.0 - sum_last(mu)
    PA = dom + sum_last(mu * pm)
    PC = dom + sum_last(mu * pm * (1 + inp.tau) / (1 + cf.tau0))
    r = v["i"] - _lead(v["pi"])
    r[:, 0] = v["i"][:, 0] - v["pi"][:, 0]  # the base year: rates at neutral, as calibrated
    NFA = v["nfa"] * cf.Y0
    NFA_prev = _lag(NFA)
    NFA_prev[:, 0] = cf.nfa_2023  # the base year's opening stock (its own accounts)
    eY = e * Ypot
    ratio_prev = _lag(NFA / eY)
    ratio_prev[:, 0] = -cf.nfl0  # no wealth or premium effect in the base year itself
    # the premium on net liabilities beyond the base year's (the rates that held them were
    # calibrated), and, where a crisis took a reserve issuer's status, on its whole stock
    slope = cf.slope[:, None, :]
    rp = slope * (-ratio_prev - cf.nfl0) + slope * inp.dslope * (-ratio_prev) + inp.cp
    rstar = cf.rbar  # the structural neutral rate
    # UIP prices the real-rate gap less the premium on the country's assets: a premium
    # that lasts holds its real rates above the others' (and its currency lower).
    gap_r = r - rstar
    uip_gap = r - rstar - rp
    # investment's target; the investment ratio itself (the unknown inv) adjusts towards
    # it (INVESTMENT_INERTIA: the hump-shaped responses of the projection models)
    # Borrowers pay the premium on the country's assets (its long rates and cost of
    # capital) as well: a repricing raises the rates that spending answers.
    dom_gap = gap_r + PREMIUM_PASS * rp
    rate_gap = (1 - RATE_LAG) * dom_gap + RATE_LAG * _lag(dom_gap)
    inv_target = cf.iota + inp.ishift - I_RATE * rate_gap - inp.collapse + inp.iextra / eY
    inv = v["inv"]
    # Where the policy rule asks for a rate below the floor, government spending delivers
    # a share (FISCAL_AT_FLOOR) of the stimulus the missing cut would have given:
    # (c_r + i_r) per unit of rate. Without it, a large shock that holds rates at the floor
    # has no solution under model-consistent expectations (a deflationary trap).
    rule = policy_rule(v, cf, inp.ishock)
    below = smooth_max(rule, RATE_FLOOR) - rule
    below[:, 0] = 0.0  # the base year's accounts are the calibration's
    g = cf.gamma - inp.gcut + FLOOR_FISCAL_SHARE * (C_RATE + I_RATE) * below
    A = Ypot * (v["c"] + inv + g)  # own-output units
    Av = A / PA
    Mv = mu * Av[..., None]
    Dv = dom * Av
    Xv = Mv.sum(-2)
    Mn = e[..., None] * pm * Mv
    Xn = Mn.sum(-2)
    Msum = sum_last(Mn)
    Yn = e * Dv + Xn
    NI = (cf.q + inp.dq) * eY + cf.r_nfa[:, :, None] * NFA_prev
    NI[..., -1] = -sum_last(NI[..., :-1])
    TR = sum_last(inp.tau * Mn)

    theta_t = cf.theta - FISCAL_RULE * _lag(v["d"])
    Tax = theta_t * Yn + TR
    YD = Yn + NI - Tax
    CA = Xn - Msum + NI
    # Valuation in real dollars (docs/model.md 3b): a position in currency k changes with
    # k's real exchange rate and loses k's inflation (nominal claims); foreign-currency
    # positions in currency k are kept in proportion to k's economy (the supply of assets
    # in k grows with its issuer), the dollar column holds the rest. Every position is
    # someone's liability: the world's valuation sums to zero, currency by currency.
    e_prev = _lag(e)
    size_prev = _lag(inp.issuer_size)
    infl = 1.0 + v["pi"]
    held_prev = cf.held[None, None] * (size_prev * e_prev)[:, :, None, :]  # (B, T, i, k)
    val_fx = (cf.held[None, None] * (size_prev * (e / infl - e_prev))[:, :, None, :]).sum(-1)
    usd_prev = NFA_prev - held_prev.sum(-1)
    us = cf.regions.index("US")
    VAL = val_fx - usd_prev * (v["pi"][..., us : us + 1] / infl[..., us : us + 1])
    Gn = eY * g
    In = eY * inv
    return dict(
        v=v,
        e=e,
        pm=pm,
        mu=mu,
        PA=PA,
        PC=PC,
        r=r,
        rp=rp,
        rstar=rstar,
        gap_r=gap_r,
        uip_gap=uip_gap,
        rate_gap=rate_gap,
        inv=inv,
        inv_target=inv_target,
        g=g,
        A=A,
        Av=Av,
        Mv=Mv,
        Dv=Dv,
        Xv=Xv,
        Mn=Mn,
        Xn=Xn,
        Msum=Msum,
        Yn=Yn,
        NI=NI,
        TR=TR,
        theta_t=theta_t,
        Tax=Tax,
        YD=YD,
        yd=YD / eY,
        CA=CA,
        VAL=VAL,
        NFA=NFA,
        NFA_prev=NFA_prev,
        eY=eY,
        Gn=Gn,
        In=In,
        ratio_prev=ratio_prev,
        C_RATE=C_RATE,
        w=np.log(PC),
    )


def residuals(x: np.ndarray, inp: Inputs, cf: Coeffs) -> np.ndarray:
    """The residuals (B, Te, K, n) of the unknowns (B, Te, K, n): docs/model.md 3b."""
    from .constants import (
        MAX_BLOC_SHIFT,
        NEUTRAL_LEARNING,
    )

    f = flows(x, inp, cf)
    v = f["v"]
    us = cf.regions.index("US")
    out = np.empty_like(x)
    Ypot = inp.Ypot
    out[:, :, IX["gap"]] = (1 + v["gap"]) - (f["Dv"] + f["Xv"]) / Ypot
    c_rule = ADJUST * cf.alpha * f["yd"] + (1 - ADJUST) * _lag(v["c"])
    wealth = WEALTH_MPC * (f["ratio_prev"] + cf.nfl0)
    out[:, :, IX["c"]] = v["c"] - (
        (1 - FORWARD_SHARE) * c_rule
        + FORWARD_SHARE * cf.alpha * v["ydp"]
        + wealth
        + inp.cs
        + v["bs"]
        - f["C_RATE"] * f["rate_gap"]
    )
    out[:, :, IX["ydp"]] = v["ydp"] - (1 - ANNUITY) * f["yd"] - ANNUITY * _lead(v["ydp"])
    pih = v["pi"] - cf.pi_target
    dw = f["w"] - _lag(f["w"])
    out[:, :, IX["pi"]] = (
        pih
        - PC_FORWARD * _lead(pih)
        - (1 - PC_FORWARD) * _lag(pih)
        - PHILLIPS_SLOPE * ((1 - GAP_LAG) * v["gap"] + GAP_LAG * _lag(v["gap"]))
        - dw
    )
    out[:, :, IX["i"]] = v["i"] - smooth_max(policy_rule(v, cf, inp.ishock), RATE_FLOOR)
    sh = v["s"] - v["Q"]
    drive = f["uip_gap"] - f["uip_gap"][..., us : us + 1]
    rs = sh - UIP_FORWARD * _lead(sh) - (1 - UIP_FORWARD) * _lag(sh) - drive
    rs[..., us] = v["s"][..., us]
    out[:, :, IX["s"]] = rs
    s_seen = (1 - VOLUME_LAG) * v["s"] + VOLUME_LAG * _lag(v["s"])
    out[:, :, IX["x"]] = v["x"] - _lag(v["x"]) - cf.switching[:, :, None] * (s_seen - _lag(v["x"]))
    out[:, :, IX["nfa"]] = (f["NFA"] - f["NFA_prev"] - f["CA"] - f["VAL"]) / cf.Y0
    out[:, :, IX["ca"]] = v["ca"] - f["CA"] / f["Yn"]
    sg = (f["Tax"] - f["Gn"]) / f["eY"]
    out[:, :, IX["d"]] = v["d"] - FISCAL_MEMORY * _lag(v["d"]) - (sg - cf.sg0)
    on = inp.rule_on[..., None]
    ca_prev = _lag(v["ca"])
    out[:, :, IX["Q"]] = (
        v["Q"] - _lag(v["Q"]) - on * inp.kappa[:, None] * _band_excess(ca_prev, inp.band[:, None])
    )
    bs_new = _soft_clip(
        _lag(v["bs"])
        + on * inp.bloc_speed[:, None] * _band_excess(ca_prev, inp.bloc_band[:, None]),
        MAX_BLOC_SHIFT,
    )
    out[:, :, IX["bs"]] = v["bs"] - bs_new
    out[:, :, IX["inv"]] = v["inv"] - (
        INVESTMENT_INERTIA * _lag(v["inv"]) + (1 - INVESTMENT_INERTIA) * f["inv_target"]
    )
    # The neutral-rate estimate moves towards the real rates policy has had to set:
    # still where they equal it, which with the rule above means inflation at target and
    # no gap (a learning from the gap alone leaves inflation wherever the gap closes).
    r_prev = _lag(v["i"]) - v["pi"]
    out[:, :, IX["rn"]] = v["rn"] - _lag(v["rn"]) - NEUTRAL_LEARNING * (r_prev - _lag(v["rn"]))
    # years fixed (the base year; a path's years before its start)
    pre = inp.pre[:, :, None, None]
    return np.where(pre, x - inp.fixed, out)


# --- the exogenous paths ---------------------------------------------------------------


def _extend(a: np.ndarray, Te: int, axis: int = 1) -> np.ndarray:
    """``a`` with its last year repeated to Te years along ``axis`` (policies persist)."""
    T = a.shape[axis]
    if T >= Te:
        return a
    last = np.take(a, [T - 1], axis=axis)
    reps = [1] * a.ndim
    reps[axis] = Te - T
    return np.concatenate([a, np.tile(last, reps)], axis=axis)


def openness_four(cal: Calibration) -> np.ndarray:
    """Each region's trade openness, (M + X) / (2 Y), in the four-region calibration: the
    unit in which whole-economy trade parameters (the tariff cost) are stated, so that in
    two-country mode they apply per unit of the flows they hit."""
    from .calibration import calibrate

    cal4 = cal if "BLOC" in cal.regions else calibrate(False)
    o = (cal4.M + cal4.X) / (2 * cal4.Y)
    return np.array([o[cal4.regions.index(r)] for r in cal.regions])


def base_values(cal: Calibration, prm) -> np.ndarray:
    """The unknowns in 2024, (K, n): output at potential, inflation at target, rates at
    neutral, prices at 1, the calibrated ratios."""
    from .constants import PI_TARGET, R_NEUTRAL

    pi = np.array([PI_TARGET[r] for r in cal.regions])
    rbar = np.array([R_NEUTRAL[r] for r in cal.regions])
    T0 = cal.public_saving + cal.G
    yd = (cal.Y + cal.NI - T0) / cal.Y
    z = np.zeros((K, cal.n))
    z[IX["c"]] = cal.C / cal.Y
    z[IX["pi"]] = pi
    z[IX["i"]] = rbar + pi
    z[IX["ydp"]] = yd
    z[IX["nfa"]] = cal.NFA / cal.Y
    z[IX["ca"]] = cal.CA / cal.Y
    z[IX["rn"]] = rbar
    z[IX["inv"]] = cal.I / cal.Y
    return z


def potential(cal, prm, spec: PathSpec, Te: int, crisis_year=None) -> tuple:
    """Potential output (P, Te, n), the world potential index (P, Te) and the size index of
    trade (P, Te, n): trend growth, the tariff cost (per unit of the flows a tariff hits)
    and a crisis's loss (``crisis_year`` (P,), 0: none)."""
    from .constants import TARIFF_COST_SPEED

    P, n = len(spec.names), cal.n
    g = _extend(np.broadcast_to(prm.growth, (P,) + np.shape(prm.growth)[-2:]), Te)
    size = np.cumprod(1 + g, axis=-2)
    Ytrend = cal.Y * size
    tau = _extend(spec.tau, Te)
    dtau = tau - cal.tariff0
    burden = (sum_last(dtau * cal.trade) + (dtau * cal.trade).sum(-2)) / cal.Y  # (P, Te, n)
    beta = np.reshape(np.asarray(prm.tariff_cost, float), (-1, 1)) / openness_four(cal)
    beta = np.broadcast_to(beta, (P, n))
    cost = np.zeros((P, Te, n))
    for t in range(1, Te):
        cost[:, t] = cost[:, t - 1] + TARIFF_COST_SPEED * (beta * burden[:, t] - cost[:, t - 1])
    loss = np.zeros((P, Te, n))
    if crisis_year is not None:
        years = spec.years[0] + np.arange(Te)
        c = spec.crisis_side
        for p in range(P):
            if crisis_year[p]:
                since = years - crisis_year[p]
                fade = spec.permanent_share[p] + (1 - spec.permanent_share[p]) * (
                    1 - spec.recovery[p]
                ) ** np.maximum(since, 0)
                loss[p, :, c] = np.where(since >= 0, crisis_loss(spec, p) * fade, 0.0)
    Ypot = Ytrend * (1 - loss) * (1 - cost)
    world = Ytrend.sum(-1) / cal.Y.sum()
    return Ypot, world, size


# --- the solution ------------------------------------------------------------------------

#: Newton stops when every residual is below this (residuals are shares of potential
#: output or of base-year GDP, rates as fractions: 1e-12 keeps the booked accounts'
#: behavioural residuals far inside the identities' tolerance of 1e-9 of world GDP).
TOL = 1e-12
MAX_ITER = 60
#: A factorisation is kept while each step lowers the residual at least this much.
CHORD_RATE = 0.6
DEBUG = False


#: Most Jacobians one solve of a scenario may compute (its work bound): a default move
#: takes 0-2, a cold start 3-6, a far setting by continuation 10-40. A setting that needs
#: more is refused (ModelError, a second or two) rather than searched for minutes.
MAX_JACOBIANS = 60


class OverBudget(ModelError):
    """A solve that would take more than :data:`MAX_JACOBIANS` Jacobians: not retried."""


#: What most often puts a path beyond the work bound, and the way back (the survey of
#: docs/model.md 3b.1).
OVER_BUDGET_HINTS = {
    "disorderly": "a crisis this deep and lasting can hold interest rates at their floor for "
    "good, and a demand shock that never ends at the floor has no model-consistent "
    "solution (a deflation trap): lower its size or raise disorderly.recovery",
    "orderly": "a strong realignment rule can feed on itself: lower orderly.kappa or raise "
    "orderly.band",
    "subglobal": "lower subglobal.speed or subglobal.trade_creation",
}


def over_budget_message(path: str) -> str:
    """The one-line refusal for a path beyond the work bound, with its likely cause."""
    hint = OVER_BUDGET_HINTS.get(path.split(" ")[0], "move the levers last changed back")
    return (
        f"{path}: the model-consistent solution was not found within its work bound "
        f"({MAX_JACOBIANS} Jacobians): {hint}; or set global.expectations = adaptive"
    )


@dataclass
class Stats:
    """How a solve went: Newton steps, Jacobians (and factorisations) computed, and the
    blocks of the last Jacobian (for the cache of :func:`solve_paths`); ``budget`` the
    Jacobians it may still compute (shared by the solves of one scenario)."""

    iterations: int = 0
    jacobians: int = 0
    blocks: tuple | None = None
    budget: list = field(default_factory=lambda: [MAX_JACOBIANS])


def newton(
    F,
    x0: np.ndarray,
    *,
    border=None,
    stats: Stats | None = None,
    tol: float = TOL,
    fac0: stacked.Factors | None = None,
):
    """Solve F(x) = 0 for x (B, Te, K, n) by stacked-time Newton (:mod:`rebalancing.stacked`).

    A factorisation is re-used while the residual falls at least tenfold a step (the chord
    method, Kelley 2003 ch. 5), a new one is taken otherwise; a step that does not lower a
    row's largest residual is halved for that row (backtracking, up to eight times; with a
    re-used factorisation, a new one is taken first).

    ``border``: optional extra scalar unknowns z (B, k) and equations (the status quo's
    anchors): ``(z0, F_of(z) -> the residual function with z, G(x, z) -> (B, k), Gx)``,
    Gx (B, k, Te, K n) the constant derivative of G; the bordered step is solved by block
    elimination (k + 1 right-hand sides). ``fac0``: a factorisation to start from (a
    cached one, of the same rows' Jacobian at another solution: the chord method)."""
    stats = stats or Stats()
    B, Te, Kk, n = x0.shape
    m = Kk * n
    x = x0.copy()
    z = None if border is None else border[0].copy()

    def Fz(xx, zz):
        return (F if zz is None else border[1](zz))(xx)

    def sizes(ff, gg):
        s_ = np.abs(ff).reshape(ff.shape[0], -1).max(-1)
        if gg is not None:
            s_ = np.maximum(s_, np.abs(gg).max(-1))
        return s_

    def merit(ff, gg):  # the line search's: a smooth norm (the max norm can stall it)
        s_ = (ff.reshape(ff.shape[0], -1) ** 2).sum(-1)
        if gg is not None:
            s_ = s_ + (gg**2).sum(-1)
        return np.sqrt(s_)

    def step(xx, zz, ff, gg, fac):
        rhs = [ff.reshape(B, Te, m)]
        if zz is not None:
            hz = 1e-7 * np.maximum(1.0, np.abs(zz))
            for j in range(zz.shape[1]):
                z2 = zz.copy()
                z2[:, j] += hz[:, j]
                rhs.append(((Fz(xx, z2) - ff) / hz[:, j, None, None, None]).reshape(B, Te, m))
        R = np.moveaxis(np.stack(rhs, -1), 1, 0)  # (Te, B, m, 1 + k)
        sol = np.moveaxis(stacked.solve(fac, R), 0, 1)  # (B, Te, m, 1 + k)
        if zz is None:
            return sol[..., 0].reshape(xx.shape), None
        # dx = -(a + A dz) from J dx + Jz dz = -f; with G's linear part, Gx dx = -g:
        # Gx A dz = g - Gx a (G depends on z only through x).
        Gx = border[3]
        a = np.einsum("bktm,btm->bk", Gx, sol[..., 0])
        A = np.einsum("bktm,btmj->bkj", Gx, sol[..., 1:])
        dz = np.linalg.solve(A, (gg - a)[..., None])[..., 0]
        dx = (sol[..., 0] + np.einsum("btmj,bj->btm", sol[..., 1:], dz)).reshape(xx.shape)
        return dx, -dz

    def jac(xx, zz, ff):
        Fb = lambda q: Fz(q.reshape(-1, Te, Kk, n), zz).reshape(-1, Te, m)  # noqa: E731
        L, D, U = stacked.blocks(Fb, xx.reshape(B, Te, m), f0=ff.reshape(B, Te, m))
        stats.jacobians += 1
        stats.budget[0] -= 1
        if stats.budget[0] < 0:
            raise OverBudget(
                f"the model-consistent solution was not found within its work bound "
                f"({MAX_JACOBIANS} Jacobians): the settings are outside the range the "
                "model-consistent engine was validated for; move the levers last changed "
                "towards their defaults, or set global.expectations = adaptive"
            )
        stats.blocks = (L, D, U)
        return stacked.factor(L, D, U)

    f = Fz(x, z)
    g = None if z is None else border[2](x, z)
    size = sizes(f, g)
    norm = merit(f, g)
    fac, fresh, last = fac0, False, np.full(B, np.inf)
    for it in range(MAX_ITER):
        if not np.isfinite(size).all():
            raise ModelError("the model's equations have no finite solution from this start")
        if (size < tol).all():
            stats.iterations += it
            return (x, z) if border is not None else x
        if DEBUG:
            print("newton", it, size.max(), np.unravel_index(np.abs(f).argmax(), f.shape), z)
        # rows already solved (below tol) do not call for a new factorisation
        if fac is None or ((size > CHORD_RATE * last) & (size >= tol)).any():
            fac, fresh = jac(x, z, f), True
        dx, dz = step(x, z, f, g, fac)
        lam = np.ones(B)
        for _ in range(9):
            shape = (B,) + (1,) * (x.ndim - 1)
            x_try = x - lam.reshape(shape) * dx
            z_try = None if z is None else z - lam[:, None] * dz
            # A trial step may leave the model's domain (an overflow): its merit is then
            # not finite, it is rejected and the step halved, so no warning is due.
            with np.errstate(all="ignore"):
                f_try = Fz(x_try, z_try)
                g_try = None if z is None else border[2](x_try, z_try)
                s_try = sizes(f_try, g_try)
                n_try = merit(f_try, g_try)
            ok = (n_try < (1 - 1e-4 * lam) * norm) | (size < tol)
            if ok.all():
                break
            if not fresh:  # a stale factorisation first: take a new one
                fac, fresh = jac(x, z, f), True
                dx, dz = step(x, z, f, g, fac)
                lam = np.ones(B)
                continue
            lam = np.where(ok, lam, 0.5 * lam)
        last = size
        x, z, f, g, size, norm = x_try, z_try, f_try, g_try, s_try, n_try
        fresh = False
    raise ModelError(
        f"the model did not converge in {MAX_ITER} Newton steps (largest residual "
        f"{size.max():.2g}): the settings are outside what the model can solve"
    )


class _LRU:
    """A small least-recently-used cache (the dashboard's sessions share it: a lock)."""

    def __init__(self, size: int):
        import threading
        from collections import OrderedDict

        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key][0]
        return None

    def put(self, key, value, shape=None):
        with self.lock:
            self.items[key] = (value, shape)
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def last_like(self, shape):
        """The most recently used value stored with ``shape`` (None if none)."""
        with self.lock:
            for value, s in reversed(self.items.values()):
                if s == shape:
                    return value
        return None

    def clear(self):
        with self.lock:
            self.items.clear()


#: The status quo's Jacobian blocks and factorisations (and its last solution, a warm
#: start), by what they depend on: the calibration, the parameters, the years solved. A
#: lever that moves only a path's policies re-uses them (chord steps from a Jacobian at a
#: nearby solution); the other paths' are the status quo's with their fixed years masked.
_JACOBIANS = _LRU(16)


def _jacobian_key(cal, prm, Te: int):
    import hashlib

    h = hashlib.sha1()
    h.update(repr(cal.regions).encode())
    h.update(np.asarray(cal.Y).tobytes())
    from .engine import LEVER_PARAMS

    for f in ("growth", *LEVER_PARAMS, "q"):
        h.update(np.asarray(getattr(prm, f), float).tobytes())
    h.update(str(Te).encode())
    return h.hexdigest()


def _pattern_factors(cached, pre: np.ndarray):
    """The factorisation of the status quo's Jacobian for rows whose years ``pre`` (B, Te)
    are fixed: those years' residuals are x - fixed (identity blocks)."""
    sig = pre.tobytes() + str(pre.shape).encode()
    hit = cached["patterns"].get(sig)
    if hit is not None:
        return hit
    L0, D0, U0 = cached["blocks"]
    T_, _, m, _ = D0.shape
    B = pre.shape[0]
    L = np.repeat(L0, B, 1)
    D = np.repeat(D0, B, 1)
    U = np.repeat(U0, B, 1)
    eye = np.eye(m)
    for b in range(B):
        for t in np.flatnonzero(pre[b]):
            L[t, b] = 0.0
            U[t, b] = 0.0
            D[t, b] = eye
    fac = stacked.factor(L, D, U)
    if len(cached["patterns"]) > 8:
        cached["patterns"].clear()
    cached["patterns"][sig] = fac
    return fac


#: The exogenous paths a continuation blends (the rest are the target's).
BLENDED = (
    "Ypot",
    "mu0",
    "tau",
    "cs",
    "gcut",
    "ishift",
    "iextra",
    "collapse",
    "cp",
    "kappa",
    "band",
    "bloc_speed",
    "bloc_band",
    "growth_world",
    "issuer_size",
    "dq",
    "dslope",
    "ishock",
)


def continued(
    target: Inputs,
    start: Inputs,
    cf: Coeffs,
    x_start,
    stats: Stats,
    min_step: float = 1 / 64,
    fac0=None,
):
    """Solve the rows of ``target`` from ``x_start``, the solution of ``start``: directly,
    or, where Newton fails from there, by continuation (a homotopy: the exogenous paths
    move from ``start``'s to ``target``'s in steps, each solved from the last, the step
    halved where Newton fails). A large shock (a crisis that takes rates to their floor)
    is reached through the smaller ones the model solves."""
    try:
        return newton(system(target, cf), x_start, stats=stats, fac0=fac0)
    except OverBudget:
        raise
    except ModelError:
        pass
    B = x_start.shape[0]
    if B > 1:  # the rows are independent: solve each alone (a hard one holds no other back)
        rows = []
        for b in range(B):
            try:
                rows.append(
                    continued(
                        _take(target, [b]),
                        _take(start, [b]),
                        _take_cf(cf, [b]),
                        x_start[[b]],
                        stats,
                        min_step,
                    )
                )
            except OverBudget as e:
                e.row = getattr(e, "row", b)  # the row that used up the bound
                raise
        return np.concatenate(rows)
    done, step, x = 0.0, 0.5, x_start
    while done < 1.0:
        lam = min(1.0, done + step)
        kw = dict(target.__dict__)
        for f in BLENDED:
            kw[f] = getattr(start, f) + lam * (getattr(target, f) - getattr(start, f))
        try:
            x = newton(system(Inputs(**kw), cf), x, stats=stats)
        except OverBudget:
            raise
        except ModelError:
            step /= 2
            if step < min_step:
                raise
            continue
        done = lam
        step = min(0.5, 2 * step)
    return x


#: The status quo's structural saving shifts reach their level in this year (linear from
#: 2025): the year of the current-account anchors (constants.CA_ANCHORS).
ANCHOR_YEAR = 2030


def _inputs(cal, prm, spec: PathSpec, Te: int, cs_extra=None, crisis_year=None) -> Inputs:
    """The exogenous paths of every row of ``spec`` over Te years."""
    P, n = len(spec.names), cal.n
    Ypot, world, size = potential(cal, prm, spec, Te, crisis_year)
    tau = _extend(spec.tau, Te)
    mu0 = trade.trade_shares(
        cal.trade,
        cal.A,
        cal.Y,
        size,
        tau,
        cal.tariff0,
        prm.eps,
        prm.diversion,
        prm.rerouting,
        _extend(spec.share_factor, Te),
    )
    years = spec.years[0] + np.arange(Te)
    cs = _extend(spec.c_shift, Te)
    if cs_extra is not None:
        cs = cs + cs_extra
    zeros = np.zeros((P, Te, n))
    return Inputs(
        years=years,
        shown=len(spec.years),
        Ypot=Ypot,
        mu0=mu0,
        tau=tau,
        cs=cs,
        gcut=_extend(spec.g_cut, Te),
        ishift=_extend(spec.i_shift, Te),
        iextra=_extend(spec.i_extra, Te),
        collapse=zeros.copy(),
        cp=zeros.copy(),
        rule_on=years[None, :] >= spec.rule_start[:, None],
        kappa=spec.rule_kappa,
        band=spec.rule_band,
        bloc_speed=spec.bloc_speed,
        bloc_band=spec.bloc_band,
        growth_world=world,
        issuer_size=size,
        dq=zeros.copy(),
        dslope=zeros.copy(),
        ishock=zeros.copy(),
        pre=np.zeros((P, Te), bool),
        fixed=np.zeros((P, Te, K, n)),
    )


def _take(inp: Inputs, rows) -> Inputs:
    rows = np.asarray(rows)
    kw = {
        f: (a[rows] if isinstance(a, np.ndarray) and f != "years" else a)
        for f, a in inp.__dict__.items()
    }
    return Inputs(**kw)


def _take_cf(cf: Coeffs, rows) -> Coeffs:
    rows = np.asarray(rows)
    kw = dict(cf.__dict__)
    for f in ("r_nfa", "sigma", "switching", "monetary", "slope", "q"):
        kw[f] = getattr(cf, f)[rows]
    return Coeffs(**kw)


def system(inp: Inputs, cf: Coeffs):
    """F(x) for x of any multiple of the rows of ``inp`` (the colouring's batches)."""
    B = inp.Ypot.shape[0]
    cache = {}

    def F(x):
        k = x.shape[0] // B
        if k not in cache:
            cache[k] = (inp.rows(k), cf.rows(k))
        i2, c2 = cache[k]
        return residuals(x, i2, c2)

    return F


#: Persistence of a crisis's risk-premium shock a year, and the share of it that is
#: permanent (the repricing of the debtor's assets that Obstfeld and Rogoff's and Krugman's
#: disorderly scenarios describe; docs/model.md 3b).
CRISIS_PERSISTENCE = 0.9
#: The premium that lasts after a crisis, a year: the US's return differential on its
#: external position (about 2% a year before the crisis, Gourinchas and Rey) halved.
CRISIS_LASTING_PREMIUM = 0.005
#: Share of the reserve issuer's net-income privilege (its calibrated income beyond the
#: marginal return on its position: the US earns more on its assets than it pays on its
#: liabilities, Gourinchas and Rey) lost for good in a dollar crisis: its reserve status.
CRISIS_PRIVILEGE_LOSS = 0.5
#: The deficit side's demand collapse in a crisis, per unit of its output loss: the loss
#: of potential is the lasting part of a fall in demand (credit is cut).
CRISIS_DEMAND_SHARE = 1.0
#: The premium shock per unit of the forward-UIP size of the fall: rates respond and absorb
#: part of it; tuned so that the dollar falls by about ``disorderly.currency_fall`` on
#: impact at the defaults (docs/model.md 3b).
CRISIS_PREMIUM_SCALE = 0.8


#: The reserve issuer's loss of potential in a crisis, share of the lever's (emerging-market
#: sudden-stop) loss: the currency-crisis part of Hutchison & Noy's total (2-3% of 8-11%).
#: A dollar crisis is a currency crisis of a debtor that borrows in its own currency, not
#: a sudden stop (IMF WEO 2005, 2006: several quarters of sub-trend growth; docs/model.md 3b).
RESERVE_LOSS_SHARE = 0.2


def crisis_loss(spec: PathSpec, p: int) -> float:
    """Row p's loss of potential output in its crisis, share of potential."""
    share = RESERVE_LOSS_SHARE if spec.crisis_side_name == "US" else 1.0
    return float(spec.output_loss[p]) * share


def crisis_premium(fall, years, tc) -> np.ndarray:
    """A crisis's premium path (Te,): a jump sized so that, under forward UIP with rates
    unchanged, the currency would fall by ``fall`` (fraction) on impact (times
    CRISIS_PREMIUM_SCALE), fading at CRISIS_PERSISTENCE a year, plus a lasting premium
    (CRISIS_LASTING_PREMIUM: the repricing of the debtor's assets, its privilege lost)."""
    size = -np.log1p(-fall) * CRISIS_PREMIUM_SCALE
    k = years - tc
    temp = size * (1 - CRISIS_PERSISTENCE) * CRISIS_PERSISTENCE ** np.maximum(k, 0)
    return np.where(k >= 0, temp + CRISIS_LASTING_PREMIUM, 0.0)


def crisis_years(spec: PathSpec, x_base: np.ndarray, inp: Inputs, base_of_row) -> np.ndarray:
    """Each row's crisis year (0: none): fixed, or (US side, hazard timing) the first year
    from the rules' start in which the survival probability of the hazard on the status
    quo's net foreign liabilities is at most the row's quantile."""
    from .blocks import crisis

    P = len(spec.names)
    out = np.zeros(P, dtype=int)
    years = inp.years
    c = spec.crisis_side
    for p in range(P):
        if not spec.crisis[p]:
            continue
        if spec.crisis_fixed_year[p]:
            out[p] = spec.crisis_fixed_year[p]
            continue
        b = base_of_row[p]
        nfa = x_base[b, :, IX["nfa"], c] * inp.Ypot[b, 0, c] / inp.Ypot[b, 0, c]
        # NFA / GDP of the previous year: nfa is NFA / base GDP; the hazard reads NFA / Y
        ratio = x_base[b, :, IX["nfa"], c] * inp.Ypot[b, 0, c] / inp.Ypot[b, :, c]
        surv = 1.0
        for t in range(1, inp.shown):
            if years[t] < spec.rule_start[p]:
                continue
            surv = float(
                crisis.hazard(
                    np.array(surv),
                    np.array(ratio[t - 1]),
                    np.array(1.0),
                    spec.hazard_base[p],
                    spec.hazard_slope[p],
                    True,
                )
            )
            if surv <= spec.crisis_quantile[p]:
                out[p] = int(years[t])
                break
        del nfa
    return out


def _anchor_border(cal, inp: Inputs, base_rows, F_of_cs):
    """The status quo's anchors as a bordered system: unknowns z (B, 2), the US's and
    China's structural consumption shifts (share of potential) reached linearly in
    ANCHOR_YEAR from 2025; equations: their current accounts / GDP in ANCHOR_YEAR at
    constants.CA_ANCHORS."""
    from .constants import CA_ANCHORS

    regions = list(cal.regions)
    idx = [regions.index("US"), regions.index("CN")]
    years = inp.years
    ramp = np.clip((years - 2024) / (ANCHOR_YEAR - 2024), 0.0, 1.0)
    t = int(np.flatnonzero(years == ANCHOR_YEAR)[0])
    target = np.array([CA_ANCHORS["US"][ANCHOR_YEAR], CA_ANCHORS["CN"][ANCHOR_YEAR]]) / 100
    B, Te = inp.Ypot.shape[:2]
    n = cal.n
    m = K * n

    # The US's and China's shifts are a reallocation of the world's demand, not a change
    # in it: the other regions take up what the two give up (or give up what they take),
    # in proportion to their GDP (an assumption: otherwise the anchors would be a global
    # saving glut that drags every economy below potential).
    rest = [k for k in range(n) if k not in idx]
    Y0 = cal.Y
    weights = Y0[rest] / Y0[rest].sum() if rest else None

    def shift(z):
        cs = np.zeros((B, Te, n))
        for k, i in enumerate(idx):
            cs[:, :, i] = z[:, k, None] * ramp
        if rest:
            moved = -(z * Y0[idx]).sum(-1)  # (B,) USD bn at 2024 scale
            for k, j in enumerate(rest):
                cs[:, :, j] = (moved * weights[k] / Y0[j])[:, None] * ramp
        return cs

    def G(x, z):
        return np.stack([x[:, t, IX["ca"], i] for i in idx], -1) - target

    Gx = np.zeros((B, 2, Te, m))
    for k, i in enumerate(idx):
        Gx[:, k, t, IX["ca"] * n + i] = 1.0
    return shift, G, Gx


def _blend(a, b, lam: float):
    """The dataclass ``b`` with its float arrays moved from ``a``'s by ``lam`` (0: ``a``,
    1: ``b``); other fields are ``b``'s."""
    kw = {}
    for f, vb in b.__dict__.items():
        va = getattr(a, f)
        if isinstance(vb, np.ndarray) and vb.dtype.kind == "f" and np.shape(va) == vb.shape:
            kw[f] = va + lam * (vb - va)
        else:
            kw[f] = vb
    return type(b)(**kw)


def _homotopy(solve, start, target, x0, z0, bordered: bool, min_step: float = 1 / 256):
    """Solve at ``target`` (inputs, coefficients) by continuation from ``start``, whose
    solution is ``x0`` (``z0``): the two blended in steps, each solved from the last
    (``solve(inputs, coefficients, x, z) -> (x, z)``), a step halved where it fails."""
    done, step, x, z = 0.0, 0.25, x0, z0
    while done < 1.0:
        lam = min(1.0, done + step)
        try:
            x, z2 = solve(_blend(start[0], target[0], lam), _blend(start[1], target[1], lam), x, z)
        except OverBudget:
            raise
        except ModelError:
            step /= 2
            if step < min_step:
                raise
            continue
        z = z2 if bordered else z
        done = lam
        step = min(0.5, 2 * step)
    return x, (z if bordered else None)


@dataclass
class Run3:
    """A solved run: the unknowns (B, Te, K, n), its inputs and coefficients, the status
    quo's structural shifts and each row's crisis year."""

    x: np.ndarray
    inp: Inputs
    cf: Coeffs
    anchors: np.ndarray | None
    crisis_year: np.ndarray
    stats: Stats
    shifts: np.ndarray | None = None  # (Te, n) the status quo's structural shifts used


def solve_paths(
    cal,
    prm,
    spec: PathSpec,
    *,
    anchor: bool = True,
    stats: Stats | None = None,
    shocks: dict | None = None,
    starts: dict | None = None,
    shifts: np.ndarray | None = None,
):
    """Solve every path of ``spec`` (one scenario: its rows are paths, the status quo among
    them): the status quo first, over every year, anchored (``anchor``, four regions); then
    the other paths from their start year with the years before it the status quo's (their
    policies are announced then; a crisis is a surprise in its year).

    ``shocks`` {row: {input field: array (Te, n)}} adds to the inputs of those rows, and
    ``starts`` {row: year} sets their start (impulse responses, :func:`impulse`).

    ``shifts`` (Te', n), the status quo's structural consumption shifts found for another
    setting (:func:`anchor_shifts`, the reference of the model's parameters), are used as
    they are instead of being solved for: a lever that is an assumption of the scenario (a
    tariff, a growth rate) then moves the status quo's current account."""
    stats = stats or Stats()
    P, n = len(spec.names), cal.n
    T = len(spec.years)
    Te = T + EXTENSION
    names = list(spec.names)
    b0 = names.index("baseline")
    x_init = base_values(cal, prm)

    inp = _inputs(cal, prm, spec, Te)
    cf = coefficients(cal, prm, P)
    key = _jacobian_key(cal, prm, Te)
    cached = _JACOBIANS.get(key)
    near = cached if cached is not None else _JACOBIANS.last_like((cal.regions, Te))
    # --- the status quo
    ib, cb = _take(inp, [b0]), _take_cf(cf, [b0])
    ib.pre[:, 0] = True
    ib.fixed[:] = x_init
    # A cached Jacobian of these parameters, or else the last one of the same shape (a
    # nearby parameter setting: the chord method from it), and its solution as the start.
    x0 = np.broadcast_to(x_init, (1, Te, K, n)).copy() if near is None else near["x"].copy()
    x0[:, 0] = x_init
    fac0 = None if near is None else near["factors"]
    z0 = np.zeros((1, 2)) if near is None or near["z"] is None else near["z"]
    z = None
    before = stats.jacobians
    cold = np.broadcast_to(x_init, (1, Te, K, n)).copy()
    bordered = shifts is None and anchor and "BLOC" in cal.regions
    cs_fixed = np.zeros((Te, n)) if shifts is None else _extend(np.asarray(shifts)[None], Te)[0]
    shift = None
    if bordered:
        shift, G, Gx = _anchor_border(cal, ib, [0], None)

    def solve_sq(i_, c_, xs, fs, zs):
        """The status quo of inputs ``i_`` (before the fixed shifts) and coefficients ``c_``
        from ``xs`` (and ``zs``, the anchors' shifts), Jacobian ``fs`` to start."""
        i_ = Inputs(**{**i_.__dict__, "cs": i_.cs + cs_fixed})
        if not bordered:
            return newton(system(i_, c_), xs, stats=stats, fac0=fs), None

        def F_of(zz):
            return system(Inputs(**{**i_.__dict__, "cs": i_.cs + shift(zz)}), c_)

        return newton(system(i_, c_), xs, border=(zs, F_of, G, Gx), stats=stats, fac0=fs)

    # From the nearby setting's solution and Jacobian; or else from the base year's values
    # held; or else by continuation from the nearby setting (its inputs and coefficients
    # move to these in steps: a far setting of the parameters).
    try:
        xb, z = solve_sq(ib, cb, x0, fac0, z0)
    except OverBudget:
        raise
    except ModelError:
        if near is not None and "inp" in near:
            try:
                xb, z = _homotopy(
                    lambda i_, c_, xs, zs: solve_sq(i_, c_, xs, None, zs),
                    (near["inp"], near["cf"]),
                    (ib, cb),
                    near["x"],
                    near["z"] if near["z"] is not None else np.zeros((1, 2)),
                    bordered,
                )
            except OverBudget:
                raise
            except ModelError:
                xb, z = solve_sq(ib, cb, cold, None, np.zeros((1, 2)))
        else:
            xb, z = solve_sq(ib, cb, cold, None, np.zeros((1, 2)))
    cs_sq = cs_fixed if not bordered else shift(z)[0]
    if cached is None:
        if stats.jacobians > before:
            blocks = stats.blocks
            cached = {"blocks": blocks, "factors": stacked.factor(*blocks), "patterns": {}}
        else:  # converged on the nearby setting's Jacobian: share it
            cached = {
                "blocks": near["blocks"],
                "factors": near["factors"],
                "patterns": dict(near["patterns"]),
                "warm": dict(near.get("warm", {})),
            }
        _JACOBIANS.put(key, cached, shape=(cal.regions, Te))
    elif stats.jacobians > before:
        cached.update(blocks=stats.blocks, factors=stacked.factor(*stats.blocks), patterns={})
    cached["x"], cached["z"], cached["inp"], cached["cf"] = xb, z, ib, cb
    # --- every path: the status quo's shifts, its years before the start
    inp.cs = inp.cs + cs_sq
    years = inp.years
    cyear = crisis_years(spec, np.repeat(xb, P, 0), inp, np.zeros(P, int))
    if cyear.any():
        inp = _inputs(cal, prm, spec, Te, cs_extra=cs_sq, crisis_year=cyear)
        c, o = spec.crisis_side, spec.crisis_other
        for p in np.flatnonzero(cyear):
            inp.cp[p, :, c] = crisis_premium(spec.currency_fall[p], years, cyear[p])
            k = years - cyear[p]
            fade = np.where(k >= 0, (1 - spec.recovery[p]) ** np.maximum(k, 0), 0.0)
            # The crisis country's demand collapses (investment: credit is cut), fading at
            # the recovery speed; the other side's investment falls by the spill-over share.
            size = (
                spec.cn_investment_collapse[p]
                if spec.crisis_side_name == "CN"
                else CRISIS_DEMAND_SHARE * crisis_loss(spec, p)
            )
            inp.collapse[p, :, c] = size * fade
            inp.collapse[p, :, o] = spec.spillover[p] * size * fade
            if spec.crisis_side_name == "US":
                # the reserve issuer loses part of its privilege: the income it earns on its
                # position beyond the marginal return (q > 0) falls for good
                q_us = float(np.ravel(cf.q[p, 0, c])[0])
                inp.dq[p, :, c] = np.where(k >= 0, -CRISIS_PRIVILEGE_LOSS * max(q_us, 0.0), 0.0)
                # ... and its reserve status: its premium answers its liabilities as any
                # other debtor's does
                inp.dslope[p, :, c] = np.where(
                    k >= 0, CRISIS_PRIVILEGE_LOSS * (1 / RESERVE_PREMIUM_SHARE - 1), 0.0
                )
    for row, fields_ in (shocks or {}).items():
        for fld, arr in fields_.items():
            getattr(inp, fld)[row] += arr
    start = np.where(cyear > 0, cyear, spec.rule_start)
    for row, year in (starts or {}).items():
        start[row] = year
    start[b0] = years[0] + 1
    inp.pre = years[None, :] < start[:, None]
    inp.fixed = np.repeat(xb, P, 0)
    x0 = np.repeat(xb, P, 0)
    others = [p for p in range(P) if p != b0]
    x = x0.copy()
    if others:
        io, co = _take(inp, others), _take_cf(cf, others)
        base = _take(inp, [b0] * len(others))
        base.pre, base.fixed = io.pre, io.fixed
        alt = Stats(budget=stats.budget)
        sig = io.pre.tobytes() + str(io.pre.shape).encode() + repr(others).encode()
        start = x0[others]
        warm = cached.setdefault("warm", {}).get(sig)
        if warm is not None:  # the last solution of these paths, its fixed years renewed
            start = np.where(io.pre[:, :, None, None], start, warm)
        try:
            x[others] = continued(io, base, co, start, alt, fac0=_pattern_factors(cached, io.pre))
        except OverBudget as e:
            row = getattr(e, "row", None)
            if row is None:
                raise
            raise OverBudget(over_budget_message(names[others[row]])) from None
        except ModelError:
            if warm is None:
                raise
            x[others] = continued(
                io, base, co, x0[others], alt, fac0=_pattern_factors(cached, io.pre)
            )
        cached["warm"][sig] = x[others]
        if alt.blocks is not None and alt.blocks[1].shape[1] == len(others):
            # the paths' own Jacobian, at a nearby solution: the next move starts from it
            cached["patterns"][io.pre.tobytes() + str(io.pre.shape).encode()] = stacked.factor(
                *alt.blocks
            )
        stats.iterations += alt.iterations
        stats.jacobians += alt.jacobians
    x[b0] = xb[0]
    return Run3(
        x=x,
        inp=inp,
        cf=cf,
        anchors=None if z is None else z[0],
        crisis_year=cyear,
        stats=stats,
        shifts=cs_sq,
    )


def reer_weights(cal: Calibration) -> np.ndarray:
    """(n, n) weights of each region's real effective exchange rate: its 2024 trade
    (exports plus imports) with each partner over its total, itself excluded."""
    tr = cal.trade + cal.trade.T
    np.fill_diagonal(tr, 0.0)
    return tr / tr.sum(-1, keepdims=True)


def book(cal: Calibration, prm, spec: PathSpec, run: Run3):
    """The accounts of a solved run over the years shown, exactly (docs/model.md section
    2): every flow from the solution's volumes and prices, GDP as expenditure, consumption
    as absorption less investment and government, net foreign assets accumulated from the
    current account and valuation. Returns a :class:`rebalancing.engine.Solution`."""
    from .engine import Solution

    T = run.inp.shown
    # Flows over every year solved (so that the last year shown has its lead), with the
    # years before a path's start as the status quo had them: expectations formed before
    # an announcement (or a crisis) did not know of it.
    f = flows(run.x, run.inp, run.cf)
    b0 = list(spec.names).index("baseline")
    fb = flows(
        run.x[[b0] * len(run.x)],
        _take(run.inp, [b0] * len(run.x)),
        _take_cf(run.cf, [b0] * len(run.x)),
    )
    pre = run.inp.pre
    for key, a in f.items():
        if key == "v":
            continue
        if isinstance(a, np.ndarray) and a.ndim >= 2 and a.shape[:2] == pre.shape:
            m = pre.reshape(pre.shape + (1,) * (a.ndim - 2))
            f[key] = np.where(m, fb[key], a)[:, :T]
    f["v"] = {k: a[:, :T] for k, a in f["v"].items()}
    x = run.x[:, :T]
    inp = _take_years(run.inp, T)
    P, n = x.shape[0], x.shape[-1]
    e = f["e"]
    eY = f["eY"]
    In, Gn = f["In"], f["Gn"]
    absorption = e * f["A"]
    C = absorption - In - Gn
    trade = f["Mn"]
    X, M = trade.sum(-2), sum_last(trade)
    Y = absorption + X - M
    NI = f["NI"]
    Tax = f["theta_t"] * Y + sum_last(inp.tau * trade)
    VAL = f["VAL"].copy()
    VAL[:, 0] = 0.0
    CA = X - M + NI
    NFA = np.empty_like(Y)
    NFA[:, 0] = cal.NFA
    for t in range(1, T):
        NFA[:, t] = NFA[:, t - 1] + CA[:, t] + VAL[:, t]
    NFA_prev = np.concatenate([np.broadcast_to(cal.NFA_prev, (P, 1, n)), NFA[:, :-1]], 1)
    # gross positions by currency: each currency's in proportion to its issuer's economy
    # (revalued), the dollar column the rest, gross by its sign
    us = cal.regions.index("US")
    size = inp.issuer_size[:, :, None, :]  # (P, T, 1, k)
    fx = cal.assets[None, None] * size * e[:, :, None, :]
    fxl = cal.liabilities[None, None] * size * e[:, :, None, :]
    fx[..., us] = 0.0
    fxl[..., us] = 0.0
    net_usd = NFA - (fx - fxl).sum(-1)
    size_us = inp.issuer_size[:, :, us : us + 1]
    base_usd = (cal.assets[:, us] - cal.liabilities[:, us])[None, None] * size_us
    extra = net_usd - base_usd
    A_pos, L_pos = fx, fxl
    A_pos[..., us] = cal.assets[:, us] * size_us + np.maximum(extra, 0.0)
    L_pos[..., us] = cal.liabilities[:, us] * size_us + np.maximum(-extra, 0.0)
    v = f["v"]
    w = reer_weights(cal)
    reer = v["s"] - np.einsum("ij,ptj->pti", w, v["s"])
    # The consumption function's parts (identities.consumption_function checks them
    # against the booked consumption: the solver's tolerance, not zero by construction):
    # out of this year's disposable income, carried from last year and forward-looking,
    # the shifts, the interest-rate term.
    alpha_eff = (1 - FORWARD_SHARE) * ADJUST * run.cf.alpha
    c_lag = np.concatenate([np.broadcast_to(x[:, :1, IX["c"]], (P, 1, n)), x[:, :-1, IX["c"]]], 1)
    Chabit = eY * (
        (1 - FORWARD_SHARE) * (1 - ADJUST) * c_lag
        + FORWARD_SHARE * run.cf.alpha * v["ydp"]
        + WEALTH_MPC * (f["ratio_prev"] + run.cf.nfl0)
    )
    Cshift = eY * (inp.cs + v["bs"])
    Crate = -eY * f["C_RATE"] * f["rate_gap"]
    years = spec.years
    Xv = f["Mv"].sum(-2)
    Mv = sum_last(f["Mv"])
    return Solution(
        years=years,
        Y=Y,
        Ypot=inp.Ypot,
        C=C,
        I=In,
        G=Gn,
        trade=trade,
        T=Tax,
        NI=NI,
        NFA=NFA,
        NFA_prev=NFA_prev,
        VAL=VAL,
        A_pos=A_pos,
        L_pos=L_pos,
        logp=v["s"],
        pi=v["pi"],
        i=v["i"],
        r=f["r"],
        w=f["w"],
        # the crisis's credit collapse of investment demand, USD bn (no financing floor here)
        cut=inp.collapse * eY,
        shortfall=np.zeros((P, T, n)),
        drift=np.zeros((P, T, n, 2)),
        Cshift=Cshift,
        Crate=Crate,
        Chabit=Chabit,
        alpha=alpha_eff,
        theta=f["theta_t"],
        tau=inp.tau,
        crisis_year=run.crisis_year,
        Yreal=inp.Ypot * (1 + v["gap"]),
        Creal=C / (e * np.exp(f["w"])),
        reer=reer,
        Xreal=Xv,
        Mreal=Mv,
    )


def _take_years(inp: Inputs, T: int) -> Inputs:
    kw = {}
    for k, a in inp.__dict__.items():
        if k == "years":
            kw[k] = a[:T]
        elif (
            isinstance(a, np.ndarray)
            and a.ndim >= 2
            and k not in ("kappa", "band", "bloc_speed", "bloc_band")
        ):
            kw[k] = a[:, :T]
        else:
            kw[k] = a
    return Inputs(**kw)


def run(cal, prm, spec: PathSpec, *, anchor: bool = True, shifts=None):
    """Solve (:func:`solve_paths`) and book (:func:`book`) the paths of ``spec``."""
    r = solve_paths(cal, prm, spec, anchor=anchor, shifts=shifts)
    return book(cal, prm, spec, r), r


def anchor_shifts(cal, prm, spec: PathSpec) -> np.ndarray:
    """The status quo's structural consumption shifts (Te, n), share of potential, that take
    the status quo of ``spec`` (its reference setting) to the current-account anchors."""
    return solve_paths(cal, prm, spec, anchor=True).shifts


@dataclass(frozen=True)
class Determinacy:
    """The Blanchard-Kahn count of a solved row's linearised model: with the unknowns of
    two successive years as the state (those of year t-1 predetermined), a unique stable
    solution needs exactly as many roots outside the unit circle (infinite ones counted) as
    there are unknowns a year (Blanchard & Kahn 1980; Klein 2000)."""

    unknowns: int  # m: unknowns a year
    unstable: int  # roots with modulus above 1 + 1e-6
    unit: int  # roots on the unit circle (the rules' states that hold while inactive)

    @property
    def determinate(self) -> bool:
        return self.unstable == self.unknowns


def determinacy(run: Run3, row: int = 0, years_from_end: int = EXTENSION // 2) -> Determinacy:
    """The Blanchard-Kahn count of row ``row`` of a solved run, linearised at its solution
    ``years_from_end`` years before the last solved year (in the extension, where the
    exogenous paths have settled): L x(t-1) + D x(t) + U x(t+1) = 0 as the pencil
    [[0, I], [-L, -D]] - lambda [[I, 0], [0, U]]."""
    import scipy.linalg

    B, Te, k, n = run.x.shape
    m = k * n
    F = system(_take(run.inp, [row]), _take_cf(run.cf, [row]))

    def Fm(x):
        return F(x.reshape(x.shape[0], Te, k, n)).reshape(x.shape[0], Te, m)

    L, D, U = stacked.blocks(Fm, run.x[[row]].reshape(1, Te, m))
    t = Te - years_from_end
    z, eye = np.zeros((m, m)), np.eye(m)
    lam = scipy.linalg.eigvals(
        np.block([[z, eye], [-L[t, 0], -D[t, 0]]]), np.block([[eye, z], [z, U[t, 0]]])
    )
    mod = np.where(np.isfinite(lam), np.abs(lam), np.inf)
    return Determinacy(
        unknowns=m,
        unstable=int(np.sum(mod > 1 + 1e-6)),
        unit=int(np.sum(np.abs(mod - 1) <= 1e-6)),
    )
