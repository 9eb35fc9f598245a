"""The accounting identities of docs/model.md section 2, each a named residual.

Every function takes a :class:`~rebalancing.engine.Solution` and returns the residual (USD bn)
with shape (P, T, n) for per-region identities or (P, T) for world ones. They are used by
the model's own check after every solve, by the tests and by the app's "accounts balance"
badge. :func:`check` raises :class:`IdentityError` when any residual exceeds ``TOLERANCE``
times world GDP of that path and year.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np

from .errors import IdentityError
from .numerics import max_last, sum_axis, sum_last, sum_last_diff

__all__ = [
    "IdentityError",
    "TOLERANCE",
    "RESIDUALS",
    "residuals",
    "year_residuals",
    "max_residual",
    "check",
    "check_residuals",
]

#: Largest admissible residual, as a share of world GDP (docs/model.md section 2).
TOLERANCE = 1e-9


def exports(s) -> np.ndarray:
    """X_j = sum_i M_ij: every import is someone's export (the matrix is booked once)."""
    X = getattr(s, "_X", None)  # summed once for all identities (:func:`residuals`)
    return sum_axis(s.trade, -2) if X is None else X


def imports(s) -> np.ndarray:
    M = getattr(s, "_M", None)
    return sum_last(s.trade) if M is None else M


def national_income(s) -> np.ndarray:
    """YN = Y + NI."""
    YN = getattr(s, "_YN", None)  # computed once for all identities (:func:`residuals`)
    return s.Y + s.NI if YN is None else YN


def saving(s) -> np.ndarray:
    """S = YN - C - G."""
    S = getattr(s, "_S", None)
    return national_income(s) - s.C - s.G if S is None else S


def private_saving(s) -> np.ndarray:
    """S_p = YN - T - C."""
    return national_income(s) - s.T - s.C


def public_saving(s) -> np.ndarray:
    """S_g = T - G."""
    return s.T - s.G


def current_account(s) -> np.ndarray:
    """CA = X - M + NI."""
    CA = getattr(s, "_CA", None)
    return exports(s) - imports(s) + s.NI if CA is None else CA


# --- residuals -----------------------------------------------------------------------------


def gdp_expenditure(s) -> np.ndarray:
    """Y - (C + I + G + X - M): GDP by expenditure."""
    return s.Y - (s.C + s.I + s.G + exports(s) - imports(s))


def saving_split(s) -> np.ndarray:
    """S - (S_p + S_g): national saving = private + public."""
    return saving(s) - (private_saving(s) + public_saving(s))


def current_account_two_ways(s) -> np.ndarray:
    """(X - M + NI) - (S - I): the current account measured both ways."""
    return current_account(s) - (saving(s) - s.I)


def nfa_stock_flow(s) -> np.ndarray:
    """NFA(t) - NFA(t-1) - CA(t) - VAL(t): net foreign assets are flows plus valuation."""
    return s.NFA - s.NFA_prev - current_account(s) - s.VAL


def net_positions(s) -> np.ndarray:
    """A_k - L_k: net positions by currency, (..., n, K)."""
    D = getattr(s, "_D_pos", None)
    return s.A_pos - s.L_pos if D is None else D


def nfa_positions(s) -> np.ndarray:
    """NFA - sum_k (A_k - L_k): the net position is the gross positions' balance."""
    D = getattr(s, "_D_pos", None)  # sum_last_diff(A, L) is sum_last(A - L) to the bit
    return s.NFA - (sum_last_diff(s.A_pos, s.L_pos) if D is None else sum_last(D))


def nfa_continuity(s) -> np.ndarray:
    """NFA_prev(t) - NFA(t-1): each year starts from the stock the last one ended with."""
    r = np.zeros_like(s.NFA)
    r[:, 1:] = s.NFA_prev[:, 1:] - s.NFA[:, :-1]
    return r


def world_trade(s) -> np.ndarray:
    """sum_i X_i - sum_i M_i: the world's exports equal its imports."""
    return sum_last(exports(s)) - sum_last(imports(s))


def world_income(s) -> np.ndarray:
    """sum_i NI_i: every income paid is received."""
    return sum_last(s.NI)


def world_current_account(s) -> np.ndarray:
    """sum_i CA_i = 0 (in two-country mode: CA_US + CA_CN = 0)."""
    return sum_last(current_account(s))


def world_net_lending(s) -> np.ndarray:
    """sum_i (S - I)_i = 0 (in two-country mode: (S-I)_US + (S-I)_CN = 0)."""
    return sum_last(saving(s) - s.I)


def world_nfa(s) -> np.ndarray:
    """sum_i NFA_i = 0: one region's asset is another's liability."""
    return sum_last(s.NFA)


def world_valuation(s) -> np.ndarray:
    """sum_i VAL_i = 0: a currency move revalues an asset and a liability by the same amount."""
    return sum_last(s.VAL)


def world_currency_positions(s) -> np.ndarray:
    """max_k |sum_i (A_ik - L_ik)|: every asset in a currency is someone's liability in it."""
    return max_last(np.abs(sum_axis(net_positions(s), -2)))


# --- behaviour, checked the same way: a mis-booked flow that keeps the accounts consistent
# (e.g. tariff revenue left out of taxes) still breaks one of these.


def consumption_function(s) -> np.ndarray:
    """C - (alpha (Y + NI - T) + Chabit + Cshift + Crate): consumption out of disposable income
    (net of taxes, tariff revenue included), last year's habit and the interest-rate term."""
    return s.C - (s.alpha * (s.Y + s.NI - s.T) + s.Chabit + s.Cshift + s.Crate)


def net_taxes(s) -> np.ndarray:
    """T - (theta Y + sum_j tau_ij M_ij): net taxes include tariff revenue."""
    return s.T - (s.theta * s.Y + sum_last(s.tau * s.trade))


RESIDUALS = {
    "gdp_expenditure": gdp_expenditure,
    "saving_split": saving_split,
    "current_account_two_ways": current_account_two_ways,
    "nfa_stock_flow": nfa_stock_flow,
    "nfa_positions": nfa_positions,
    "nfa_continuity": nfa_continuity,
    "world_trade": world_trade,
    "world_income": world_income,
    "world_current_account": world_current_account,
    "world_net_lending": world_net_lending,
    "world_nfa": world_nfa,
    "world_valuation": world_valuation,
    "world_currency_positions": world_currency_positions,
    "consumption_function": consumption_function,
    "net_taxes": net_taxes,
}


def _with_sums(s):
    """``s`` with the aggregates several identities read computed once: exports ``_X`` and
    imports ``_M`` (five identities), national income ``_YN`` (four), saving ``_S`` and the
    current account ``_CA`` (three each), net positions by currency ``_D_pos`` (two). The
    same sums, so the same residuals. Private names: a field of a solution never stands
    in for the sum an identity checks it against."""
    if getattr(s, "_X", None) is not None:
        return s
    fields = (
        vars(s)
        if isinstance(s, SimpleNamespace)
        else {f.name: getattr(s, f.name) for f in dataclasses.fields(s)}
    )
    s = SimpleNamespace(**fields, _X=sum_axis(s.trade, -2), _M=sum_last(s.trade))
    s._YN = national_income(s)
    s._S = saving(s)
    s._CA = current_account(s)
    s._D_pos = net_positions(s)
    return s


def residuals(s) -> dict[str, np.ndarray]:
    """Every residual as a share of world GDP, shape (P, T) (max over regions)."""
    s = _with_sums(s)
    wgdp = sum_last(s.Y)  # Y.sum(-1) to the bit, without NumPy's per-row loop
    out = {}
    for name, f in RESIDUALS.items():
        r = np.abs(f(s))
        if r.ndim == 3:
            r = max_last(r)
        out[name] = r / wgdp
    return out


def year_residuals(rec: dict, alpha, theta, tau, nfa_last) -> dict[str, np.ndarray]:
    """Every residual of one year of a run as a share of world GDP, shape (P,): the same
    functions as :func:`residuals`, applied to the engine's record of the year (arrays
    (P, n), (P, n, n) for trade, (P, n, K) for positions; ``tau`` (P, n, n) the year's
    tariffs) as a run of one year. The continuity of net foreign assets, which links two
    years, is checked against last year's end stock ``nfa_last`` (P, n) (None in the first
    year, whose opening stock is the calibration's).

    A run that records only some variables (:func:`rebalancing.engine.run` with ``keep``)
    checks every identity this way year by year, while the year's arrays are at hand."""
    s = SimpleNamespace(
        **{k: v[:, None] for k, v in rec.items()}, alpha=alpha, theta=theta, tau=tau[:, None]
    )
    out = {k: v[:, 0] for k, v in residuals(s).items()}
    if nfa_last is not None:
        wgdp = sum_last(rec["Y"])
        out["nfa_continuity"] = max_last(np.abs(rec["NFA_prev"] - nfa_last)) / wgdp
    return out


def max_residual(s) -> tuple[float, str]:
    """Largest residual (share of world GDP) and the identity it belongs to."""
    res = residuals(s)
    name = max(res, key=lambda k: float(np.max(res[k])))
    return float(np.max(res[name])), name


def check(s, names=None, years=None) -> dict[str, np.ndarray]:
    """Raise :class:`IdentityError` if any identity fails; return the residuals (as
    :func:`residuals`, so that callers need not compute them twice)."""
    return check_residuals(residuals(s), names, years)


def check_residuals(res: dict, names=None, years=None) -> dict[str, np.ndarray]:
    """Raise :class:`IdentityError` if any residual (shares of world GDP, (P, T) each, as
    :func:`residuals` returns them) is above ``TOLERANCE`` or not finite; return them."""
    for name, r in res.items():
        bad = ~np.isfinite(r) | (r > TOLERANCE)
        if bad.any():
            p, t = map(int, np.argwhere(bad)[0])
            path = names[p] if names else p
            year = years[t] if years is not None else t
            raise IdentityError(
                f"identity {name} fails on path {path}, year {year}: residual "
                f"{r[p, t]:.3g} of world GDP > {TOLERANCE:g}"
            )
    return res
