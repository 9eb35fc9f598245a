"""Impulse responses: the status quo and the same with a shock from a start year,
announced then and unforeseen before (:func:`impulse`), solved with model-consistent
expectations (:mod:`rebalancing.engine3`). The validation's monetary, premium and fiscal
checks read them (:mod:`rebalancing.validate`); docs/validation.md charts them."""

from __future__ import annotations

import numpy as np

from .data import data_key
from .engine3 import EXTENSION, book, solve_paths
from .inputs import calibrated, structural_shifts
from .paths import build_paths


def impulse(scn, start: int, shocks: dict, *, values: dict | None = None):
    """An impulse response: the status quo of ``scn`` and the same with ``shocks`` ({input
    field: array (Te, n) or a function of the years (Te,) -> (Te, n)}) from ``start``,
    announced (and believed) then and unforeseen before; ``values`` sets levers of the
    shocked row alone (tariffs). Returns (status quo, shocked) as
    :class:`rebalancing.engine.Solution` rows of one booking."""
    cal, prm = calibrated(scn)
    spec = build_paths(scn, cal, ("baseline", "baseline"))
    if values:
        other = build_paths(scn.with_values(values), cal, ("baseline",))
        for f in ("tau", "share_factor", "c_shift", "g_cut", "i_extra", "i_shift"):
            getattr(spec, f)[1] = getattr(other, f)[0]
    Te = len(spec.years) + EXTENSION
    years = spec.years[0] + np.arange(Te)
    arrays = {f: (a(years) if callable(a) else a) for f, a in shocks.items()}
    r = solve_paths(
        cal,
        prm,
        spec,
        anchor=False,
        shifts=structural_shifts(scn, data_key()),
        shocks={1: arrays},
        starts={1: start},
    )
    return book(cal, prm, spec, r)


#: The shocks of :func:`us_shock`: the input each moves.
SHOCKS = {"monetary": "ishock", "premium": "cp", "fiscal": "gcut"}


def us_shock(scn, shock: str, size: float = 0.01, start: int = 2026):
    """The US impulse response of ``shock`` (``monetary``: a one-year innovation of ``size``
    (fraction) to the policy rule; ``premium``: a permanent rise of ``size`` in the premium
    on US assets; ``fiscal``: a permanent cut of government spending of ``size`` of
    potential) from ``start``, announced then: the status quo and the shocked run as
    :class:`rebalancing.engine.Solution` rows 0 and 1, and the calibration."""
    cal, _ = calibrated(scn)
    us = cal.regions.index("US")

    def path(years):
        a = np.zeros((len(years), cal.n))
        on = (years == start) if shock == "monetary" else (years >= start)
        a[:, us] = np.where(on, size, 0.0)
        return a

    return impulse(scn, start, {SHOCKS[shock]: path}), cal


def response(sol, cal, name: str, region: str = "US") -> np.ndarray:
    """A reported variable (:data:`rebalancing.results.VARIABLES`) of ``region`` in both rows
    of an impulse response, (2, years)."""
    from .results import derive_variables

    v = derive_variables(sol, cal.regions, np.zeros(2, int), 0, only=[name])[name]
    return v[:, :, cal.regions.index(region)]
