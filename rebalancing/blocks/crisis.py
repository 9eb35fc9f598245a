"""3.7 Crises: onset, risk-premium jump, and the financing constraint found exactly.

Deficit side (sudden stop): the crisis currency's risk premium jumps so that it falls by
``currency_fall`` on impact (under the UIP block a premium x lowers the level by x / rev),
the premium fading at the recovery speed; potential output takes a level loss, partly
permanent (3.1); and for ``constraint_years`` the current account may not fall below a
financing floor, reached within ``adjustment_years``. Where the floor binds, autonomous
demand is cut until it holds: CA - floor Y is affine in the cut (piecewise, across the rate
bounds), so Newton steps land on it exactly.

A cut once forced fades by at most ``CUT_FADE`` a year (deleveraging takes time, credit
returns gradually); while the constraint binds, more is cut where the floor needs it.

Surplus side (China): investment collapses (fading at the recovery speed), capital flees
(the same premium jump), inflation falls with the gap; the other side's investment falls
by the spill-over share.
"""

from __future__ import annotations

import numpy as np

from ..constants import RER_REVERSION, RP_THRESHOLD
from ..numerics import clip


def hazard(survival, nfa_prev, y_prev, base: float, slope: float, active) -> np.ndarray:
    """Survival probability after this year's hazard: ``h = base + slope (NFL/Y - 0.6) / 0.1``
    (annual crisis probability rising with net foreign liabilities beyond 60% of GDP)."""
    nfl = np.maximum(0.0, -nfa_prev / y_prev - RP_THRESHOLD)
    h = clip(base + slope * nfl / 0.10, 0.0, 1.0)
    return np.where(active, survival * (1 - h), survival)


def premium_for_fall(fall: float) -> float:
    """Risk-premium jump that lowers a currency by ``fall`` (fraction) on impact."""
    return -np.log1p(-fall) * RER_REVERSION


def floor_path(ca_before, floor, since, adjustment_years: int, scale: float) -> np.ndarray:
    """The CA/GDP floor in year ``since`` of the crisis: from the pre-crisis ratio towards
    the floor linearly within ``adjustment_years`` (``scale`` < 1 asks only that share of the
    improvement: two-country mode)."""
    reach = np.minimum(1.0, (since + 1) / adjustment_years)
    f0 = np.minimum(ca_before, floor)
    return f0 + scale * (floor - f0) * reach


def find_cut(excess_pair, binding, max_cut) -> tuple[np.ndarray, np.ndarray]:
    """The smallest cut (% of potential, (P,)) with ``excess(cut) >= 0`` where ``binding``
    and ``excess(0) < 0``, at most ``max_cut`` (scalar or (P,)); returns the cut and the
    excess left at it (0 where the floor is met, negative where the cap stops the cut).

    ``excess`` is affine in the cut between kinks: exact Newton steps from zero.
    ``excess_pair(a, b)`` evaluates it at two cuts in one batched solve: the point and
    the point plus one, which gives the slope.
    """
    cut = np.zeros(binding.shape)
    g, g1 = excess_pair(cut, cut + 1.0)
    binding = binding & (g < 0)
    for _ in range(8):
        if not binding.any():
            break
        slope = g1 - g
        step = np.where(binding & (slope > 0), -g / np.where(slope > 0, slope, 1.0), 0.0)
        new = clip(cut + step, 0.0, max_cut)
        # np.allclose(new, cut, rtol=0, atol=1e-12) for finite cuts (and False at a NaN, as
        # there) without its wrapping.
        moved = not (np.abs(new - cut) <= 1e-12).all()
        cut = new
        g, g1 = excess_pair(cut, cut + 1.0)
        if not moved or np.abs(np.where(binding & (cut < max_cut), g, 0.0)).max() < 1e-9:
            break
    return cut, np.where(binding, g, 0.0)
