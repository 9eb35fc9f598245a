"""The model's inputs, behind public names that :func:`rebalancing.simulate` and
:func:`rebalancing.batch.run_batch` share: the calibration and the behavioural parameters
from the levers (:func:`calibrated`, :func:`params_from_levers`), and the status quo's
steering towards the published projections (:func:`status_quo_drift`, cached by the levers
that shape it: :func:`steering_scenario`).

Each is cached by exactly what it depends on (levers and the data's fingerprint,
:func:`rebalancing.data.data_key`), so moving a lever re-derives only what that lever
changes; :func:`clear_caches` empties them (benchmarks time cold runs with it).
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from functools import lru_cache

import numpy as np

from .calibration import BASE_YEAR, Calibration, calibrate
from .data import data_key
from .drift import steer
from .engine import Params, derive_params
from .levers import LEVERS, GlobalSettings
from .paths import build_paths
from .scenario import Scenario


def steering_scenario(scn: Scenario) -> Scenario:
    """What the status quo's steering depends on: the global settings (without those that
    change no path), the status-quo levers and their lever paths."""
    paths = {
        lid: p for lid, p in scn.paths().items() if LEVERS[lid].group in ("global", "baseline")
    }
    key = Scenario(global_=model_globals(scn.global_), baseline=scn.baseline)
    return key.with_paths(paths) if paths else key


#: Global levers that change no path (they set the Monte Carlo draws): left out of the
#: caches' keys, so moving them re-solves nothing.
NO_PATH_EFFECT = ("global.seed", "global.draws")


def model_globals(g):
    """The global settings with the levers that change no path at their defaults."""
    defaults = {lid.split(".", 1)[1]: LEVERS[lid].default for lid in NO_PATH_EFFECT}
    return dataclasses.replace(g, **defaults)


def calibrated(scn: Scenario) -> tuple[Calibration, Params]:
    """The calibration (of the scenario's mode) and the behavioural parameters of its
    levers; cached (:func:`calibrated_for`)."""
    return calibrated_for(model_globals(scn.global_), scn.baseline, data_key())


@lru_cache(maxsize=64)
def calibrated_for(g, baseline, data: str) -> tuple[Calibration, Params]:
    """The calibration and the parameters, cached by the levers they depend on and the
    data (the parameters' arrays are never written to)."""
    cal = calibrate(g.two_country)
    values = {f"global.{k}": v for k, v in dataclasses.asdict(g).items()}
    values.update({f"baseline.{k}": v for k, v in dataclasses.asdict(baseline).items()})
    return cal, params_from_levers(cal, values, g.horizon)


#: The levers the behavioural parameters depend on (besides the calibration).
PARAM_LEVERS = (
    "global.growth_US",
    "global.growth_CN",
    "global.growth_BLOC",
    "global.growth_ROW",
    "global.return_on_nfa",
    "global.tariff_elasticity",
    "global.price_elasticity",
    "global.switching_speed",
    "global.monetary_response",
    "global.risk_premium",
    "global.tariff_cost",
    "baseline.diversion",
    "baseline.rerouting",
)


def params_from_levers(cal: Calibration, values, horizon: int) -> Params:
    """The parameters from the levers' values (``{lever id: value}``, percent as the user
    sees it; each value a number, or an array (R,) for R rows of a batch)."""
    growth = np.stack(
        np.broadcast_arrays(
            *(np.asarray(values[f"global.growth_{r}"], float) for r in cal.regions)
        ),
        -1,
    )
    return derive_params(
        cal,
        years=np.arange(BASE_YEAR, horizon + 1),
        long_run_growth=growth / 100,
        r_nfa=values["global.return_on_nfa"] / 100,
        eps=values["global.tariff_elasticity"],
        eta=values["global.price_elasticity"],
        switching=values["global.switching_speed"] / 100,
        diversion=values["baseline.diversion"] / 100,
        rerouting=values["baseline.rerouting"] / 100,
        monetary=values["global.monetary_response"],
        rp_slope=values["global.risk_premium"] / 100,
        tariff_cost=values["global.tariff_cost"],
    )


class DriftCache:
    """The status quo's drifts by (Scenario of the levers that shape it, data), at most
    ``maxsize``, least recently used first out; shared by :func:`simulate` (which fills it
    with the drift its finished run used) and :func:`status_quo_drift`. Sessions of the
    dashboard run in threads: a lock keeps the order consistent."""

    def __init__(self, maxsize: int):
        self.maxsize, self.items, self.lock = maxsize, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        return None

    def put(self, key, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.maxsize:
                self.items.popitem(last=False)

    def cache_clear(self) -> None:
        with self.lock:
            self.items.clear()
        reference_knots.cache_clear()


#: The status quo's drifts of the scenarios seen last (the dashboard's sessions share it).
DRIFTS = DriftCache(64)


@lru_cache(maxsize=8)
def reference_knots(two_country: bool, horizon: int, data: str) -> np.ndarray:
    """The status quo's knot values at the default settings (of this mode and horizon):
    where every other search starts. From there a lever move needs two Newton steps instead
    of three or four from zero."""
    ref = Scenario(global_=GlobalSettings(two_country=two_country, horizon=horizon))
    cal, prm = calibrated(ref)
    return steer(cal, prm, build_paths(ref, cal, ("baseline",))).z[0]


def status_quo_drift(scn: Scenario, data: str) -> tuple[np.ndarray, float]:
    """The status quo's drift (T, n, 2) and its miss, cached by the levers that shape it (the
    global settings and the status-quo group) and the data; :mod:`rebalancing.drift`."""
    hit = DRIFTS.get((scn, data))
    if hit is None:
        cal, prm = calibrated(scn)
        z0 = reference_knots(scn.global_.two_country, scn.global_.horizon, data)
        s = steer(cal, prm, build_paths(scn, cal, ("baseline",)), z0)
        hit = (s.drift[0], float(s.miss[0]))
        DRIFTS.put((scn, data), hit)
    return hit


status_quo_drift.cache_clear = DRIFTS.cache_clear  # as functools' caches (benchmarks)


def status_quo_for_run(scn: Scenario, cal: Calibration, prm: Params, spec, key: str):
    """The status quo's drift and miss for a run of ``spec`` (``None, 0.0`` when the status
    quo does not follow the projections), and the run itself when the search had to be
    made (it finishes with the run: :func:`rebalancing.drift.steer`), else ``None``."""
    if not scn.baseline.follow_projection:
        return None, 0.0, None
    drift_key = (steering_scenario(scn), key)  # only these levers shape the drift
    hit = DRIFTS.get(drift_key)
    if hit is not None:
        return hit[0], hit[1], None
    g = model_globals(scn.global_)
    z0 = reference_knots(g.two_country, g.horizon, key)
    base = build_paths(drift_key[0], cal, ("baseline",))
    s = steer(cal, prm, base, z0, finish=spec)
    hit = (s.drift[0], float(s.miss[0]))
    DRIFTS.put(drift_key, hit)
    return hit[0], hit[1], s.finished


def clear_caches() -> None:
    """Empty every cache of the model's inputs (calibrations, parameters, drifts)."""
    calibrated_for.cache_clear()
    DRIFTS.cache_clear()
    SHIFTS.cache_clear()


# --- version 3: the status quo's structural shifts ---------------------------------------

#: Levers that are assumptions of a scenario rather than parameters of the model: under
#: model-consistent expectations the status quo's structural shifts (the saving and demand
#: assumptions that reach the published 2030 anchors) are found at their defaults and kept
#: when they move, so that moving one moves the status quo's current account. A move of any
#: other lever (a parameter: an elasticity, the policy rule, the premium; the mode or the
#: horizon) re-anchors: the same projections, read through the new parameters.
ASSUMPTION_LEVERS = (
    "global.policy_start",
    "global.growth_US",
    "global.growth_CN",
    "global.growth_BLOC",
    "global.growth_ROW",
    "baseline.us_tariff_on_cn",
    "baseline.cn_tariff_on_us",
    "baseline.us_tariff_on_others",
)


def anchor_scenario(scn: Scenario) -> Scenario:
    """The reference setting whose status quo is anchored: ``scn``'s model parameters, its
    assumptions (:data:`ASSUMPTION_LEVERS`) at their defaults, following the projections."""
    defaults = {
        lid.split(".", 1)[1]: LEVERS[lid].default
        for lid in ASSUMPTION_LEVERS
        if lid.startswith("global.")
    }
    g = dataclasses.replace(model_globals(scn.global_), **defaults)
    b = dataclasses.replace(
        type(scn.baseline)(),
        diversion=scn.baseline.diversion,
        rerouting=scn.baseline.rerouting,
    )
    paths = {
        lid: p
        for lid, p in scn.paths().items()
        if LEVERS[lid].group in ("global", "baseline") and lid not in ASSUMPTION_LEVERS
    }
    ref = Scenario(global_=g, baseline=b)
    return ref.with_paths(paths) if paths else ref


#: The structural shifts of the anchor scenarios seen last, by (anchor scenario, data).
SHIFTS = DriftCache(64)


def structural_shifts(scn: Scenario, data: str) -> np.ndarray | None:
    """The status quo's structural consumption shifts (years, regions), share of potential,
    for a model-consistent run of ``scn``: solved once per :func:`anchor_scenario` (the
    first run of a new parameter setting re-anchors; every other lever move reuses them).
    ``None`` when the status quo does not follow the projections or there is no anchor
    (two-country mode)."""
    from .engine3 import anchor_shifts

    if not scn.baseline.follow_projection or scn.global_.two_country:
        return None
    ref = anchor_scenario(scn)
    hit = SHIFTS.get((ref, data))
    if hit is None:
        default = anchor_scenario(Scenario(global_=_mode_of(scn.global_)))
        if ref != default and SHIFTS.get((default, data)) is None:
            # the default setting first: the solver reaches a far setting from it
            structural_shifts(default, data)
        cal, prm = calibrated(ref)
        hit = anchor_shifts(cal, prm, build_paths(ref, cal, ("baseline",)))
        SHIFTS.put((ref, data), hit)
    return hit


def _mode_of(g: GlobalSettings) -> GlobalSettings:
    """The default global settings of ``g``'s mode, horizon and expectations."""
    return GlobalSettings(two_country=g.two_country, horizon=g.horizon, expectations=g.expectations)
