"""The engine: one exact linear solve per year for all paths at once.

For region i in year t (flows in USD bn at 2024 prices, DESIGN.md sections 2-3)::

    mu_ij = mu0_ij(tariffs, diversion) * (p_j / p_i)^(-eta)      import shares
    A_i   = C_i + I_i + G_i                                      absorption
    M_ij  = mu_ij * A_i ;  X_j = sum_i M_ij                      trade, booked once
    Y_i   = A_i - M_i + X_i   <=>   Y = B A,  B = mu^T + diag(1 - m)   (column-stochastic)
    T_i   = theta_i * Y_i + sum_j tau_ij M_ij                    net taxes incl. tariff revenue
    NI_i  = r * NFA_i(t-1) + q_i * Ypot_i                        net foreign income
    C_i   = alpha_i * (Y_i + NI_i - T_i) + Cshift_i
  =>  A = k Y + D,   k = alpha (1 - theta) / (1 + alpha rt),
                     D = (alpha NI + Cshift + I + G) / (1 + alpha rt),   rt_i = sum_j tau_ij mu_ij
  =>  (I - B diag(k)) Y = B D                                    one n x n solve, |k| < 1

Closure: with lambda_i the share of the output gap that policy closes through investment,
``Y* = Ypot + (1 - lambda)(Y_K - Ypot)`` where Y_K is the solution above; the investment that
delivers it is ``dI = (1 + alpha rt)(A* - k Y*) - D`` with ``A* = B^-1 Y*``. Exact, linear.

Everything in a year is linear in autonomous demand, so the crisis absorption cut that puts
the deficit country's current account on its financing floor is found exactly from two
solves (CA - floor * Y is affine in the cut).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .calibration import Calibration
from .paths import PathSpec


#: Largest forced cut in the crisis country's autonomous demand, % of potential output. With a
#: multiplier near 3 this is a Great-Depression-sized fall in output; where even this cannot
#: lift the current account to the financing floor (e.g. two-country mode, where US imports
#: are ~1.5% of demand, with no depreciation), the shortfall is reported, not hidden.
MAX_CRISIS_CUT_PCT = 10.0

#: Bound on real exchange rates relative to 2024 (log points): a third to three times. Keeps a
#: currency rule acting through a lagged trade response (J-curve) from overshooting without
#: limit; never reached in the default scenario.
MAX_LOG_RER = np.log(3.0)

#: Bound on the bloc's accumulated internal-rebalancing demand shift, fraction of potential.
#: Under a strong closure (lambda near 1) demand shifts only change the mix of demand (policy
#: offsets them through investment), so an unbounded integral rule would wind up for ever.
MAX_BLOC_SHIFT = 0.10


class ModelError(RuntimeError):
    """A scenario has no admissible solution (e.g. negative output); names path, region, year."""


@dataclass(frozen=True)
class Params:
    """Behavioural parameters derived from the calibration (all per region, fractions)."""
    alpha: np.ndarray    # propensity to consume out of disposable income
    theta: np.ndarray    # net tax rate on GDP (excl. tariff revenue)
    gamma: np.ndarray    # G / Ypot
    iota: np.ndarray     # I / Ypot
    q: np.ndarray        # base-year net income gap, fraction of Ypot
    mubar: np.ndarray    # base-year import shares (n, n)
    r: float
    growth: np.ndarray   # trend growth of potential output
    eps: float
    eta: float
    lam: float
    switching: float     # share of the gap to the long-run RER response closed per year
    diversion: float
    rerouting: float


def derive_params(cal: Calibration, *, r: float, growth: np.ndarray, eps: float, eta: float,
                  lam: float, switching: float, diversion: float, rerouting: float) -> Params:
    """Invert the behavioural equations at the base year (output at potential)."""
    mubar = cal.mu
    rt0 = (cal.tariff0 * mubar).sum(axis=1)
    T0 = cal.public_saving + cal.G                 # public saving = T - G
    theta = (T0 - rt0 * cal.A) / cal.Y
    alpha = cal.C / (cal.Y + cal.NI - T0)
    q = (cal.NI - r * cal.NFA_prev) / cal.Y
    return Params(alpha=alpha, theta=theta, gamma=cal.G / cal.Y, iota=cal.I / cal.Y, q=q,
                  mubar=mubar, r=r, growth=np.asarray(growth, float), eps=eps, eta=eta,
                  lam=lam, switching=switching, diversion=diversion, rerouting=rerouting)


def trend_trade(cal: Calibration, growth: np.ndarray, T: int) -> np.ndarray:
    """Trend bilateral flows, (T, n, n): gravity with no policy change.

    ``M_ij(t) = M_ij(0) * S_i(t) * S_j(t) / W(t)``, with S the potential-output index of each
    region and W that of the world. Each region's exports and imports then grow with its own
    size times its partners' size relative to the world, so a region with fast-growing
    partners sees both sides of its trade rise together. Fixed import shares instead would let
    its exports outgrow its imports and drift it into ever larger surpluses with no policy
    change at all. Always positive and feasible, no iteration.
    """
    n = cal.n
    size = np.cumprod(np.vstack([np.ones(n), np.tile(1 + np.asarray(growth), (T - 1, 1))]),
                      axis=0)                                        # (T, n)
    world = size @ cal.Y / cal.Y.sum()                               # (T,)
    return cal.trade[None] * size[:, :, None] * size[:, None, :] / world[:, None, None]


def trade_shares(cal: Calibration, prm: Params, spec: PathSpec) -> np.ndarray:
    """Import shares before exchange rates, mu0[p, t, i, j] (trend, tariffs, diversion).

    On trend, mu_ij(t) = M_ij(t) / A_i(t) from :func:`trend_trade`. A tariff scales mu_ij by
    ((1 + tau_ij) / (1 + tau0_ij))^(-eps). Of the share it shuts out, ``L_ij``, the importer
    buys ``rerouting`` from its other suppliers (in proportion to their shares) and the
    exporter sells ``diversion`` of the lost value in its other markets (in proportion to its
    base exports, valued at trend absorption). A tariff cut does the reverse. All of this is
    exogenous, so it is computed for all years at once.
    """
    n, T = cal.n, len(spec.years)
    flows = trend_trade(cal, prm.growth, T)                            # (T, n, n)
    size = np.cumprod(np.vstack([np.ones(n), np.tile(1 + prm.growth, (T - 1, 1))]), axis=0)
    Apot = cal.A[None, :] * size                                       # (T, n)
    mu_t = flows / Apot[:, :, None]                                    # (T, n, n)
    F = ((1 + spec.tau) / (1 + cal.tariff0)) ** (-prm.eps)
    L = mu_t * (1 - F)                                                 # (P, T, n, n)
    eye = np.eye(n, dtype=bool)
    # Importer side: W[t, i, j, k] = share of supplier k among i's suppliers other than j.
    W = mu_t[:, :, None, :] * (~eye)[None, None, :, :]
    tot = W.sum(-1, keepdims=True)
    W = np.divide(W, tot, out=np.zeros_like(W), where=tot > 0)
    R = prm.rerouting * np.einsum("ptij,tijk->ptik", L, W)
    # Exporter side: w[i, j, k] = share of market k in j's exports to markets other than i, j.
    w = np.zeros((n, n, n))
    for i in range(n):
        for j in range(n):
            mask = np.ones(n, dtype=bool)
            mask[[i, j]] = False
            tot = cal.trade[mask, j].sum()
            if i != j and tot > 0:
                w[i, j, mask] = cal.trade[mask, j] / tot
    V = prm.diversion * np.einsum("ptij,ti,ijk->ptkj", L, Apot, w) / Apot[None, :, :, None]
    return (mu_t * F + R + V) * spec.share_factor


def armington(v: np.ndarray, dom0: np.ndarray) -> np.ndarray:
    """Import shares from demand weights: ``mu_ij = v_ij / (dom0_i + sum_k v_ik)``.

    The domestic good keeps its base-year weight ``dom0_i = 1 - sum_k mubar_ik``; in the base
    year the weights are the shares and the denominator is 1, so 2024 is unchanged. However
    far tariffs, trend and exchange rates push the weights, shares stay in (0, 1) and the
    domestic share positive: the CES (Armington) share form.
    """
    return v / (dom0[..., :, None] + v.sum(-1, keepdims=True))


@dataclass
class Solution:
    """Raw arrays of a run, shapes (P, T, n) unless noted."""
    years: np.ndarray
    Y: np.ndarray
    Ypot: np.ndarray
    C: np.ndarray
    I: np.ndarray
    G: np.ndarray
    trade: np.ndarray        # (P, T, n, n) imports of i from j
    T: np.ndarray
    NI: np.ndarray
    NFA: np.ndarray
    NFA_prev: np.ndarray
    logp: np.ndarray
    cut: np.ndarray          # crisis absorption cut, USD bn (same for every region column)
    shortfall: np.ndarray    # USD bn by which the crisis CA stays below its floor
    drift: np.ndarray        # (P, T, n, 2) status-quo shifts: C (USD bn), log import weights
    Cshift: np.ndarray       # consumption shifts (policy, bloc rule, drift, crisis), USD bn
    alpha: np.ndarray        # (n,) propensity to consume, for the behavioural residuals
    theta: np.ndarray        # (n,) net tax rate on GDP
    tau: np.ndarray          # (P, T, n, n)
    crisis_year: np.ndarray  # (P,) int, 0 = none


def _gap(ca_ratio: np.ndarray, band) -> np.ndarray:
    """CA/GDP beyond +/- band (0 inside)."""
    band = np.asarray(band)[..., None] if np.ndim(band) else band
    return ca_ratio - np.clip(ca_ratio, -band, band)


#: Policy cannot push investment below this share of its trend level (iota * Ypot): the
#: closure's lower bound (assumption). Where it binds, output is not fully stabilised.
MIN_INVESTMENT_SHARE = 0.25


def _solve_year(prm: Params, mu, tau, Ypot, D_raw, lam, I_min=None, I0=None):
    """Solve one year for all paths: returns Y, A, dI (closure investment).

    mu, tau: (P, n, n); Ypot, D_raw, lam, I_min, I0: (P, n). With A the unknown, each region
    contributes one row: its closure target ``(B A)_i = Y*_i`` where lambda_i > 0, or
    ``dI_i = 0`` where lambda_i = 0 (no policy), or ``dI_i = I_min_i - I0_i`` where the
    closure would push investment below its floor. The set of floored regions is found by
    adding violators until none is left (at most n rounds); each round is an exact solve.
    """
    P, n = Ypot.shape
    eye = np.eye(n)
    m = mu.sum(-1)
    B = np.swapaxes(mu, -1, -2) + (1 - m)[..., None] * eye
    rt = (tau * mu).sum(-1)
    scale = 1 + prm.alpha * rt
    k = prm.alpha * (1 - prm.theta) / scale
    D = D_raw / scale
    try:
        YK = np.linalg.solve(eye - B * k[:, None, :], (B @ D[..., None]))[..., 0]
    except np.linalg.LinAlgError:
        raise ModelError("the year's linear system is singular (trade shares out of their "
                         "admissible range)") from None
    Ystar = Ypot + (1 - lam) * (YK - Ypot)
    # Row forms: closure target (B A)_i = Y*_i; fixed investment:
    # scale_i A_i - scale_i k_i (B A)_i = D_raw_i + dI_i.
    fixed_rows = scale[..., None] * (eye - k[..., None] * B)
    targeted = lam > 0
    floored = np.zeros((P, n), dtype=bool)
    for _ in range(n + 1):
        use_target = targeted & ~floored
        lhs = np.where(use_target[..., None], B, fixed_rows)
        dI_fixed = np.where(floored, (I_min - I0) if I_min is not None else 0.0, 0.0)
        rhs = np.where(use_target, Ystar, D_raw + dI_fixed)
        try:
            A = np.linalg.solve(lhs, rhs[..., None])[..., 0]
        except np.linalg.LinAlgError:
            raise ModelError("the closure's linear system is singular") from None
        Y = (B @ A[..., None])[..., 0]
        dI = scale * (A - k * Y) - D_raw
        if I_min is None:
            break
        new = use_target & (I0 + dI < I_min)
        if not new.any():
            break
        floored |= new
    return Y, A, dI


@dataclass(frozen=True)
class Target:
    """A ratio the status quo must follow: ``kind`` in {"C", "S", "CA"} over GDP of region
    ``region`` (index), with ``values`` (T,) as fractions (NaN = no target that year)."""
    kind: str
    region: int
    values: np.ndarray


def _hit_targets(prm, v, dom0, tau, Ypot, D_raw, lam, I_min, I0, G, NI, targets,
                 instruments, t, z0=None):
    """Status-quo shifts z (P, k) that put each target ratio on its value.

    Instruments are ("C", region): a consumption shift, USD bn; or ("M", region): a log
    shift of the region's import demand weights (home bias). Consumption and saving targets
    are affine in the first; the current account responds to the second under any closure
    and any price elasticity. Newton steps with finite-difference Jacobians; converged to
    1e-12 of GDP (targets are behaviour, not identities, which hold exactly regardless).
    """
    P, n = Ypot.shape
    k = len(instruments)
    step = np.array([0.01 * Ypot[:, i].mean() if kind == "C" else 1e-3
                     for kind, i in instruments])
    # The base point and its k finite-difference points are solved together, stacked on
    # the path axis: one batched solve per Newton step instead of k + 1.
    Zs = np.vstack([np.zeros(k), np.diag(step)])               # (k + 1, k)
    rep = lambda a: np.repeat(a, k + 1, axis=0)                 # noqa: E731
    v_r, D_r, tau_r, Ypot_r, lam_r = rep(v), rep(D_raw), rep(tau), rep(Ypot), rep(lam)
    Imin_r, I0_r, G_r, NI_r = rep(I_min), rep(I0), rep(G), rep(NI)
    c_cols = [(m, i) for m, (kind, i) in enumerate(instruments) if kind == "C"]
    m_cols = [(m, i) for m, (kind, i) in enumerate(instruments) if kind == "M"]
    values = np.array([tg.values[t] for tg in targets])

    def residuals(z):
        """Target residuals at z and at z + step_m e_m, shape (P, k + 1, targets)."""
        Z = (z[:, None, :] + Zs[None]).reshape(P * (k + 1), k)
        Dz, vz = D_r.copy(), v_r.copy()
        for m, i in c_cols:
            Dz[:, i] += Z[:, m]
        for m, i in m_cols:
            vz[:, i, :] *= np.exp(Z[:, m])[:, None]
        mu = armington(vz, dom0)
        Y, A, dI = _solve_year(prm, mu, tau_r, Ypot_r, Dz, lam_r, Imin_r, I0_r)
        I = I0_r + dI
        Mt = mu * A[..., None]
        CA = Mt.sum(-2) - Mt.sum(-1) + NI_r
        got = {"C": A - I - G_r, "S": CA + I, "CA": CA}
        r = np.stack([got[tg.kind][:, tg.region] / Y[:, tg.region] for tg in targets], -1)
        return (r - values).reshape(P, k + 1, len(targets))

    z = np.zeros((P, k)) if z0 is None else z0.copy()   # warm start: last year's shifts
    for _ in range(12):
        R = residuals(z)
        r0 = R[:, 0]
        if np.abs(r0).max() < 1e-12:
            break
        J = np.swapaxes((R[:, 1:] - r0[:, None]) / step[None, :, None], 1, 2)
        try:
            z = z - np.linalg.solve(J, r0[..., None])[..., 0]
        except np.linalg.LinAlgError:
            raise ModelError(f"year {2024 + t}: the status quo cannot follow the projection "
                             "with these settings (its targets no longer respond to the "
                             "shifts); turn off baseline.follow_projection or shorten "
                             "global.horizon") from None
    else:
        raise ModelError(f"year {2024 + t}: the status quo cannot follow the projection "
                         "with these settings (turn off baseline.follow_projection)")
    return z


def run(cal: Calibration, prm: Params, spec: PathSpec, *, drift: np.ndarray | None = None,
        targets: tuple[Target, ...] = (), instruments: tuple[tuple[str, int], ...] = ()
        ) -> Solution:
    """Simulate all paths of ``spec`` from the base year to the horizon.

    ``drift`` (T, n, 2): status-quo shifts applied to every path: consumption, USD bn
    ([..., 0]), and the log of import demand weights ([..., 1]). With ``targets`` and as many
    ``instruments``, the shifts are instead solved for, year by year, so that the targets
    hold; they are returned as ``Solution.drift``.
    """
    years = spec.years
    P, T, n = len(spec.names), len(years), cal.n
    mu0 = trade_shares(cal, prm, spec)
    dom0 = 1.0 - prm.mubar.sum(-1)          # base-year domestic share of demand
    shape = (P, T, n)
    out = {k: np.zeros(shape) for k in ("Y", "Ypot", "C", "I", "G", "T", "NI", "NFA",
                                        "NFA_prev", "logp", "cut", "shortfall", "Cshift")}
    drift_out = np.zeros((P, T, n, 2))
    z_prev = None
    trade = np.zeros((P, T, n, n))
    base_shares = np.stack([cal.C, cal.I, cal.G]) / cal.A          # (3, n)
    c, o = spec.crisis_side, spec.crisis_other
    last = n - 1   # the region whose net income is booked as the mirror of the others'

    Ytrend = np.broadcast_to(cal.Y, (P, n)).astype(float)
    loss = np.zeros((P, n))
    logp = np.zeros((P, n))
    logp_eff = np.zeros((P, n))     # the real exchange rate trade has responded to so far
    crisis_logp = np.zeros((P, n))  # crisis fall of the currency, unwinding at the recovery speed
    nfa_prev = np.broadcast_to(cal.NFA_prev, (P, n)).astype(float)
    ca_ratio_prev = np.broadcast_to(cal.CA / cal.Y, (P, n)).astype(float)
    y_prev = np.broadcast_to(cal.Y, (P, n)).astype(float)
    bloc_shift = np.zeros((P, n))
    survival = np.ones(P)
    crisis_year = np.zeros(P, dtype=int)
    floor_from = np.zeros(P)
    cn_collapse = np.zeros(P)
    has_crisis = spec.crisis

    for t, year in enumerate(years):
        if t > 0:
            Ytrend = Ytrend * (1 + prm.growth)
            loss = loss * (1 - spec.recovery)
            crisis_logp = crisis_logp * (1 - spec.recovery)
            cn_collapse = cn_collapse * (1 - spec.recovery)
            rules_on = year >= spec.rule_start
            # Crisis onset (fixed year, or the median year of the hazard on the US side).
            if has_crisis.any():
                if spec.crisis_fixed_year is not None:
                    starts = has_crisis & (crisis_year == 0) & (year == spec.crisis_fixed_year)
                else:
                    nfl = np.maximum(0.0, -nfa_prev[:, c] / y_prev[:, c] - 0.60)
                    h = np.clip(spec.hazard_base + spec.hazard_slope * nfl / 0.10, 0.0, 1.0)
                    survival = np.where(has_crisis & (crisis_year == 0) & rules_on,
                                        survival * (1 - h), survival)
                    starts = has_crisis & (crisis_year == 0) & (survival <= 0.5)
                crisis_year = np.where(starts, year, crisis_year)
                loss[starts, c] = spec.output_loss
                crisis_logp[starts, c] = np.log1p(-spec.currency_fall)
                floor_from = np.where(starts, ca_ratio_prev[:, c], floor_from)
                if c == cal.index("CN"):
                    cn_collapse = np.where(starts, spec.cn_investment_collapse, cn_collapse)
            if rules_on:
                logp = logp + spec.kappa[:, None] * _gap(ca_ratio_prev, spec.band)
                bloc_shift = np.clip(bloc_shift + np.where(
                    spec.bloc_members, spec.bloc_speed[:, None]
                    * _gap(ca_ratio_prev, spec.bloc_band), 0.0), -MAX_BLOC_SHIFT, MAX_BLOC_SHIFT)
        Ypot = Ytrend * (1 - loss)
        logp = np.clip(logp, -MAX_LOG_RER, MAX_LOG_RER)
        p_now = np.clip(logp + crisis_logp, -MAX_LOG_RER, MAX_LOG_RER)
        logp_eff = logp_eff + prm.switching * (p_now - logp_eff)
        v = mu0[:, t] * np.exp(-prm.eta * (logp_eff[:, None, :] - logp_eff[:, :, None]))
        if drift is not None:
            v = v * np.exp(drift[t, :, 1])[None, :, None]
        tau = spec.tau[:, t]
        NI = prm.r * nfa_prev + prm.q * Ypot
        NI[:, last] = -NI[:, :last].sum(-1)
        G = (prm.gamma - spec.g_cut[:, t]) * Ypot
        I0 = prm.iota * Ypot + spec.i_extra[:, t]
        Cs = (spec.c_shift[:, t] + bloc_shift) * Ypot
        if c == cal.index("CN"):
            I0[:, c] -= cn_collapse * Ypot[:, c]
            I0[:, o] -= spec.spillover * cn_collapse * Ypot[:, o]
        lam = np.full((P, n), prm.lam)
        I_min = MIN_INVESTMENT_SHARE * prm.iota * Ypot
        if drift is not None:
            Cs = Cs + drift[t, :, 0]
            drift_out[:, t] = drift[t]
        D_raw = prm.alpha * NI + Cs + I0 + G
        if targets and t > 0:
            z = _hit_targets(prm, v, dom0, tau, Ypot, D_raw, lam, I_min, I0, G, NI,
                             targets, instruments, t, z_prev)
            z_prev = z
            for m, (kind, i) in enumerate(instruments):
                if kind == "C":
                    D_raw[:, i] += z[:, m]
                    Cs[:, i] += z[:, m]
                    drift_out[:, t, i, 0] += z[:, m]
                else:
                    v[:, i, :] *= np.exp(z[:, m])[:, None]
                    drift_out[:, t, i, 1] += z[:, m]
        mu = armington(v, dom0)

        # Financing constraint of a deficit-side crisis: binds from the crisis year for
        # constraint_years, with the floor reached linearly over adjustment_years.
        cut = np.zeros(P)
        shortfall = np.zeros(P)       # USD bn by which CA stays below the floor
        since = year - crisis_year
        binding = (has_crisis & (crisis_year > 0) & (since >= 0)
                   & (since < spec.constraint_years) & (c == cal.index("US")))
        if binding.any():
            reach = np.minimum(1.0, (since + 1) / spec.adjustment_years)
            f0 = np.minimum(floor_from, spec.ca_floor)
            floor = f0 + (spec.ca_floor - f0) * reach
            unit = np.zeros((P, n))
            unit[:, c] = -0.01 * Ypot[:, c]                 # a cut of 1% of potential
            unit[:, o] = -spec.spillover * 0.01 * Ypot[:, o]

            rows = np.flatnonzero(binding)   # only the crisis paths need the search

            def excess(D, lam_):
                """CA - floor * Y of the crisis country on the crisis paths: affine in D."""
                Y_, A_, _ = _solve_year(prm, mu[rows], tau[rows], Ypot[rows], D[rows],
                                        lam_[rows], I_min[rows], I0[rows])
                M_ = mu[rows] * A_[..., None]
                ca = M_.sum(-2)[:, c] - M_.sum(-1)[:, c] + NI[rows, c]
                out = np.zeros(P)
                out[rows] = ca - floor[rows] * Y_[:, c]
                return out

            binding &= excess(D_raw, lam) < 0
            # Where the floor binds there is no policy room: the cut is forced austerity.
            lam[binding, c] = 0.0
            # CA - floor*Y is affine in the cut within a set of floored investments and
            # piecewise affine across them: exact Newton steps land on the root.
            cut = np.zeros(P)
            for _ in range(6):
                if not binding.any():
                    break
                g0 = excess(D_raw + cut[:, None] * unit, lam)
                slope = excess(D_raw + (cut + 1.0)[:, None] * unit, lam) - g0
                step = np.where(binding & (slope > 0), -g0 / np.where(slope > 0, slope, 1.0),
                                0.0)
                new_cut = np.clip(cut + step, 0.0, MAX_CRISIS_CUT_PCT)
                if np.allclose(new_cut, cut, rtol=0, atol=1e-12):
                    break
                cut = new_cut
            D_raw = D_raw + cut[:, None] * unit
            g_end = excess(D_raw, lam)
            shortfall = np.where(binding, np.maximum(0.0, -g_end), 0.0)
        Y, A, dI = _solve_year(prm, mu, tau, Ypot, D_raw, lam, I_min, I0)

        # Book the crisis cut to C, I, G in base-year shares of absorption (spill-over to I).
        cut_bn = cut * 0.01 * Ypot[:, c]
        G[:, c] -= cut_bn * base_shares[2, c]
        I = I0 + dI
        I[:, c] -= cut_bn * base_shares[1, c]
        I[:, o] -= spec.spillover * cut * 0.01 * Ypot[:, o]
        C = A - I - G
        Cs = Cs.copy()
        Cs[:, c] -= cut_bn * base_shares[0, c]     # the crisis cut's consumption part
        M = mu * A[..., None]
        rt = (tau * mu).sum(-1)
        Tax = prm.theta * Y + rt * A
        X = M.sum(-2)
        CA = X - M.sum(-1) + NI
        NFA = nfa_prev + CA
        _admissible(spec, years, t, Y=Y, C=C, I=I, G=G, A=A, mu=mu, regions=cal.regions,
                    nfa_ratio=nfa_prev / np.where(y_prev > 0, y_prev, np.inf))

        for k, v in (("Y", Y), ("Ypot", Ypot), ("C", C), ("I", I), ("G", G), ("T", Tax),
                     ("NI", NI), ("NFA", NFA), ("NFA_prev", nfa_prev), ("logp", p_now),
                     ("cut", np.broadcast_to((cut * 0.01 * Ypot[:, c])[:, None], (P, n))),
                     ("shortfall", np.broadcast_to(shortfall[:, None], (P, n))),
                     ("Cshift", Cs)):
            out[k][:, t] = v
        trade[:, t] = M
        nfa_prev, ca_ratio_prev, y_prev = NFA, CA / Y, Y

    return Solution(years=years, trade=trade, tau=spec.tau, crisis_year=crisis_year,
                    drift=drift_out, alpha=prm.alpha, theta=prm.theta, **out)


def _admissible(spec: PathSpec, years, t, *, regions, nfa_ratio=None, **arrays) -> None:
    """Raise ModelError if any account is non-finite or a level is not positive."""
    for name, v in arrays.items():
        if name == "mu":
            bad = ~np.isfinite(v).all(axis=(-1, -2)) | (v.sum(-1) >= 1).any(-1)
            what = "domestic share of demand 1 - sum_j mu_ij is not positive"
            if bad.any():
                p = int(np.argmax(bad))
                i = int(np.argmax(v[p].sum(-1) >= 1))
                raise ModelError(f"path {spec.names[p]}, region {regions[i]}, year "
                                 f"{years[t]}: {what}")
            continue
        bad = ~np.isfinite(v) | (v <= 0)
        if bad.any():
            p, i = map(int, np.argwhere(bad)[0])
            why = ""
            if nfa_ratio is not None and nfa_ratio[p, i] < -1.5:
                why = (f" (net foreign assets have reached {100 * nfa_ratio[p, i]:.0f}% of "
                       "GDP: with the return on net foreign assets above growth the debt "
                       "spirals; lower global.return_on_nfa, raise growth or shorten "
                       "global.horizon)")
            raise ModelError(f"path {spec.names[p]}, region {regions[i]}, year {years[t]}: "
                             f"{name} = {v[p, i]:.6g} is not a positive finite number{why}")
