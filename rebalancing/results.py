"""``simulate(scenario) -> Results``: the Python API the CLI and the app call.

Results hold the raw arrays of a run and derive every reported variable from them, with its
unit, so that the CSV, the charts and the tests read the same numbers.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from . import identities as idn
from .calibration import BASE_YEAR, Calibration
from .constants import VALID_CA_PCT, VALID_GAP_PCT
from .data import data_key
from .engine import Solution, run
from .errors import ScenarioError
from .inputs import (  # noqa: F401 -- re-exported (their home before 0.3)
    NO_PATH_EFFECT,
    PARAM_LEVERS,
    calibrated,
    calibrated_for,
    model_globals,
    params_from_levers,
    status_quo_for_run,
    steering_scenario,
)
from .levers import LEVERS
from .paths import PATHS, build_paths
from .scenario import Scenario
from .version import __version__

USD = "USD bn (2024 prices)"
PCT_GDP = "% of GDP"

#: Every variable in the output: (unit, description).
VARIABLES: dict[str, tuple[str, str]] = {
    "gdp": (USD, "GDP, Y = C + I + G + X - M"),
    "potential_gdp": (USD, "potential output Ypot (trend, less any crisis loss)"),
    "consumption": (USD, "household consumption C"),
    "investment": (USD, "gross capital formation I"),
    "government": (USD, "government consumption G"),
    "exports": (USD, "exports X (goods and services)"),
    "imports": (USD, "imports M (goods and services)"),
    "net_exports": (USD, "X - M"),
    "net_income": (USD, "net primary and secondary income from abroad NI"),
    "national_income": (USD, "YN = Y + NI"),
    "net_taxes": (USD, "T = theta Y + tariff revenue"),
    "tariff_revenue": (USD, "sum_j tau_ij M_ij"),
    "national_saving": (USD, "S = YN - C - G"),
    "private_saving": (USD, "S_p = YN - T - C"),
    "public_saving": (USD, "S_g = T - G"),
    "current_account": (USD, "CA = X - M + NI = S - I"),
    "net_foreign_assets": (USD, "NFA, end of year"),
    "real_exchange_rate": (
        "index, 2024 = 100",
        "real effective exchange rate against the region's partners (up = appreciation): "
        "the prices of its output against theirs, weighted by its 2024 trade (exports plus "
        "imports) with each, itself excluded",
    ),
    "real_gdp": (USD, "real GDP, at 2024 prices (volumes)"),
    "real_consumption": (USD, "C deflated by consumer prices relative to the GDP deflator"),
    "inflation": ("%", "consumer-price inflation, Phillips curve"),
    "policy_rate": ("%", "nominal policy rate, inertial Taylor rule"),
    "real_interest_rate": ("%", "ex-ante real policy rate, i - expected inflation"),
    "consumer_price_level": (
        "index, 2024 = 100",
        "consumer prices relative to the GDP deflator (tariffs and the exchange rate)",
    ),
    "nfa_valuation": (USD, "valuation change of net foreign assets from currency moves"),
    "gross_assets": (USD, "gross external assets, end of year"),
    "gross_liabilities": (USD, "gross external liabilities, end of year"),
    "niip_pct_gdp": (PCT_GDP, "net international investment position / Y (= NFA / Y)"),
    "crisis_absorption_cut": (
        USD,
        "cut in demand forced by the crisis: by the financing floor (adaptive expectations), "
        "by the credit collapse of investment (model-consistent)",
    ),
    "financing_shortfall": (
        USD,
        "how far CA stays below the financing floor at the largest admissible cut",
    ),
    "current_account_pct_gdp": (PCT_GDP, "CA / Y"),
    "consumption_pct_gdp": (PCT_GDP, "C / Y"),
    "investment_pct_gdp": (PCT_GDP, "I / Y"),
    "saving_pct_gdp": (PCT_GDP, "S / Y (national saving rate)"),
    "nfa_pct_gdp": (PCT_GDP, "NFA / Y"),
    "net_exports_pct_gdp": (PCT_GDP, "(X - M) / Y"),
    "private_balance_pct_gdp": (PCT_GDP, "private sector balance (S_p - I) / Y"),
    "public_balance_pct_gdp": (PCT_GDP, "public sector balance (T - G) / Y"),
    "foreign_balance_pct_gdp": (PCT_GDP, "rest of world's balance with the region, -CA / Y"),
    "output_gap_pct": ("% of potential", "Y / Ypot - 1"),
    "gdp_vs_baseline_pct": ("% vs status quo", "real GDP / real GDP(status quo) - 1, same year"),
    "export_volume": (USD, "exports at 2024 prices (volumes)"),
    "import_volume": (USD, "imports at 2024 prices (volumes)"),
    "terms_of_trade": ("index, 2024 = 100", "export prices / import prices"),
    "real_net_exports_pct_gdp": (PCT_GDP, "(export - import volumes) / real GDP"),
    "bilateral_balance": (
        USD,
        "US-China bilateral trade balance, seen from each of the two: for US, exports to "
        "China less imports from China; for CN, the negative; 0 for BLOC and ROW, which "
        "are not party to it (so the regions sum to zero, as every bilateral balance does)",
    ),
}


def _pct(a, b):
    return 100.0 * a / b


def _bilateral(trade: np.ndarray, regions) -> np.ndarray:
    """The US-China balance (rows, T, n) from the trade matrix ``trade[..., i, j]`` (region
    i's imports from region j): US exports to China less US imports from China in the US
    column, its negative in China's, zero elsewhere."""
    us, cn = regions.index("US"), regions.index("CN")
    bal = trade[:, :, cn, us] - trade[:, :, us, cn]
    out = np.zeros(trade.shape[:2] + (len(regions),))
    out[:, :, us] = bal
    out[:, :, cn] = -bal
    return out


def _terms_of_trade(s, X, M) -> np.ndarray:
    """Export prices over import prices, 2024 = 1: values over volumes of each."""
    if getattr(s, "Xreal", None) is None:
        return np.ones_like(X)
    return (X / s.Xreal) / (M / s.Mreal)


def all_variables(regions) -> list[str]:
    """Every reported variable name: :data:`VARIABLES` plus ``exports_to_R`` and
    ``tariff_on_R`` for each region R."""
    return list(VARIABLES) + [f"{k}_{r}" for r in regions for k in ("exports_to", "tariff_on")]


#: The raw arrays of a :class:`~rebalancing.engine.Solution` each reported variable is
#: derived from (beyond ``tau``, which a solution always has): what a run must keep to
#: report only some variables (:func:`solution_fields`).
_RAW = {
    "gdp": "Y",
    "potential_gdp": "Ypot",
    "consumption": "C",
    "investment": "I",
    "government": "G",
    "exports": "trade",
    "imports": "trade",
    "net_exports": "trade",
    "net_income": "NI",
    "national_income": "Y NI",
    "net_taxes": "T",
    "tariff_revenue": "trade",
    "national_saving": "Y NI C G",
    "private_saving": "Y NI T C",
    "public_saving": "T G",
    "current_account": "trade NI",
    "net_foreign_assets": "NFA",
    "real_exchange_rate": "logp reer",
    "real_gdp": "Y Yreal",
    "real_consumption": "C w Creal",
    "inflation": "pi",
    "policy_rate": "i",
    "real_interest_rate": "r",
    "consumer_price_level": "w",
    "nfa_valuation": "VAL",
    "gross_assets": "A_pos",
    "gross_liabilities": "L_pos",
    "niip_pct_gdp": "NFA Y",
    "crisis_absorption_cut": "cut",
    "financing_shortfall": "shortfall",
    "current_account_pct_gdp": "trade NI Y",
    "consumption_pct_gdp": "C Y",
    "investment_pct_gdp": "I Y",
    "saving_pct_gdp": "Y NI C G",
    "nfa_pct_gdp": "NFA Y",
    "net_exports_pct_gdp": "trade Y",
    "private_balance_pct_gdp": "Y NI T C I",
    "public_balance_pct_gdp": "T G Y",
    "foreign_balance_pct_gdp": "trade NI Y",
    "output_gap_pct": "Y Ypot Yreal",
    "gdp_vs_baseline_pct": "Y Yreal",
    "export_volume": "trade Xreal",
    "import_volume": "trade Mreal",
    "terms_of_trade": "trade Xreal Mreal",
    "real_net_exports_pct_gdp": "trade Xreal Mreal Y Yreal",
    "bilateral_balance": "trade",
}


def solution_fields(variables) -> set[str]:
    """The raw solution arrays :func:`derive_variables` reads to derive ``variables``
    (``exports_to_R`` reads the trade matrix, ``tariff_on_R`` only the tariffs)."""
    out = set()
    for v in variables:
        if v.startswith("exports_to_"):
            out.add("trade")
        elif not v.startswith("tariff_on_"):
            out.update(_RAW[v].split())
    return out


def derive_variables(
    s: Solution, regions, base_rows: np.ndarray, crisis_region: int, only=None
) -> dict[str, np.ndarray]:
    """Every reported variable (or those in ``only``) from a solution's raw arrays, (rows, T,
    n): the one definition the tidy table, the charts, the batches and the fans read.

    ``base_rows[p]``: the row of the status quo that row p's ``gdp_vs_baseline_pct`` is
    measured against (the same scenario's baseline path); ``crisis_region``: the region
    index of the crisis country (its financing-floor series).
    """
    want = None if only is None else set(only)

    def need(*names):
        return want is None or any(k in want for k in names)

    Y = s.Y
    Yv = Y if getattr(s, "Yreal", None) is None else s.Yreal  # volumes (2024 prices)
    X = M = S = Sp = Sg = CA = None
    if (
        need("exports", "imports", "net_exports", "net_exports_pct_gdp")
        or need("export_volume", "import_volume", "terms_of_trade", "real_net_exports_pct_gdp")
        or need("current_account", "current_account_pct_gdp", "foreign_balance_pct_gdp")
    ):
        X, M = idn.exports(s), idn.imports(s)
    if need("national_saving", "saving_pct_gdp"):
        S = idn.saving(s)
    if need("private_saving", "private_balance_pct_gdp"):
        Sp = idn.private_saving(s)
    if need("public_saving", "public_balance_pct_gdp"):
        Sg = idn.public_saving(s)
    if need("current_account", "current_account_pct_gdp", "foreign_balance_pct_gdp"):
        CA = X - M + s.NI  # idn.current_account(s), from the sums above (not summed again)
    crisis_col = np.arange(len(regions)) == crisis_region
    table = {
        "gdp": lambda: Y,
        "potential_gdp": lambda: s.Ypot,
        "consumption": lambda: s.C,
        "investment": lambda: s.I,
        "government": lambda: s.G,
        "exports": lambda: X,
        "imports": lambda: M,
        "net_exports": lambda: X - M,
        "net_income": lambda: s.NI,
        "national_income": lambda: idn.national_income(s),
        "net_taxes": lambda: s.T,
        "tariff_revenue": lambda: (s.tau * s.trade).sum(-1),
        "national_saving": lambda: S,
        "private_saving": lambda: Sp,
        "public_saving": lambda: Sg,
        "current_account": lambda: CA,
        "net_foreign_assets": lambda: s.NFA,
        "real_exchange_rate": lambda: 100.0 * np.exp(s.logp if s.reer is None else s.reer),
        "real_gdp": lambda: Yv,
        "real_consumption": lambda: s.C / np.exp(s.w) if s.Creal is None else s.Creal,
        "inflation": lambda: 100.0 * s.pi,
        "policy_rate": lambda: 100.0 * s.i,
        "real_interest_rate": lambda: 100.0 * s.r,
        "consumer_price_level": lambda: 100.0 * np.exp(s.w),
        "nfa_valuation": lambda: s.VAL,
        "gross_assets": lambda: s.A_pos.sum(-1),
        "gross_liabilities": lambda: s.L_pos.sum(-1),
        "niip_pct_gdp": lambda: _pct(s.NFA, Y),
        "crisis_absorption_cut": lambda: np.where(crisis_col, s.cut, 0.0),
        "financing_shortfall": lambda: np.where(crisis_col, s.shortfall, 0.0),
        "current_account_pct_gdp": lambda: _pct(CA, Y),
        "consumption_pct_gdp": lambda: _pct(s.C, Y),
        "investment_pct_gdp": lambda: _pct(s.I, Y),
        "saving_pct_gdp": lambda: _pct(S, Y),
        "nfa_pct_gdp": lambda: _pct(s.NFA, Y),
        "net_exports_pct_gdp": lambda: _pct(X - M, Y),
        "private_balance_pct_gdp": lambda: _pct(Sp - s.I, Y),
        "public_balance_pct_gdp": lambda: _pct(Sg, Y),
        "foreign_balance_pct_gdp": lambda: _pct(-CA, Y),
        "output_gap_pct": lambda: 100.0 * (Yv / s.Ypot - 1),
        "gdp_vs_baseline_pct": lambda: 100.0 * (Yv / Yv[base_rows] - 1),
        "export_volume": lambda: X if s.Xreal is None else s.Xreal,
        "import_volume": lambda: M if s.Mreal is None else s.Mreal,
        "terms_of_trade": lambda: 100.0 * _terms_of_trade(s, X, M),
        "real_net_exports_pct_gdp": lambda: _pct(
            (X - M) if s.Xreal is None else (s.Xreal - s.Mreal), Yv
        ),
        "bilateral_balance": lambda: _bilateral(s.trade, regions),
    }
    for k, r in enumerate(regions):
        table[f"exports_to_{r}"] = lambda k=k: s.trade[:, :, k, :]
        table[f"tariff_on_{r}"] = lambda k=k: 100.0 * s.tau[:, :, :, k]
    unknown = [] if want is None else sorted(want - set(table))
    if unknown:
        raise KeyError(f"unknown variable(s) {', '.join(unknown)}")
    return {k: f() for k, f in table.items() if want is None or k in want}


@dataclass
class Results:
    """A simulated scenario: raw arrays plus every reported variable."""

    scenario: Scenario
    calibration: Calibration
    solution: Solution
    paths: tuple[str, ...]  # paths requested (subset of the solution's)
    run_paths: tuple[str, ...]  # paths solved (always includes the baseline)
    created: str
    anchor_miss: float = 0.0  # how far the status quo misses its CA anchors (fraction)

    @property
    def regions(self) -> tuple[str, ...]:
        return self.calibration.regions

    @property
    def years(self) -> np.ndarray:
        return self.solution.years

    @cached_property
    def max_residual_identity(self) -> str:
        return max(self.residuals, key=lambda k: float(np.max(self.residuals[k])))

    @cached_property
    def max_residual(self) -> float:
        """Largest residual of any identity, path, region and year, share of world GDP."""
        return float(np.max(self.residuals[self.max_residual_identity]))

    @cached_property
    def residuals(self) -> dict[str, np.ndarray]:
        """Each identity's residual, share of world GDP, (P, T) over the solved paths."""
        return idn.residuals(self.solution)

    def crisis_year(self) -> int | None:
        if "disorderly" not in self.run_paths:
            return None
        y = int(self.solution.crisis_year[self.run_paths.index("disorderly")])
        # None when there is none within the shown years (a crisis year set past the
        # horizon, or one the engine dated beyond it): readers take the year's values
        return y if self.years[0] <= y <= self.years[-1] else None

    @cached_property
    def variables(self) -> dict[str, np.ndarray]:
        """Every variable, (P_run, T, n), plus ``exports_to_R`` and ``tariff_on_R``."""
        base = np.full(len(self.run_paths), self.run_paths.index("baseline"))
        return derive_variables(self.solution, self.regions, base, self._crisis_region())

    def notes(self) -> list[str]:
        """Settings that do something other than a user might expect, each naming the
        lever(s): shown by the app, printed by the CLI, kept in the metadata."""
        scn, out = self.scenario, []
        g, d, u = scn.global_, scn.disorderly, scn.unilateral
        H = int(self.years[-1])
        if "disorderly" in self.paths and self.crisis_year() is None:
            if d.timing == "hazard" and d.side == "US":
                out.append(
                    f"disorderly.timing = hazard: the crisis hazard does not reach 50% "
                    f"by {H}, so the disorderly path has no crisis within the horizon."
                )
            else:
                out.append(
                    f"disorderly.crisis_year ({d.crisis_year}) is after global.horizon "
                    f"({H}): the disorderly path has no crisis and equals the status "
                    "quo."
                )
        if "disorderly" in self.paths and d.timing == "hazard" and d.side == "CN":
            out.append(
                "disorderly.timing = hazard applies to the US side only; the China-side "
                "crisis comes in disorderly.crisis_year."
            )
        if (
            {"unilateral", "subglobal"} & set(self.paths)
            and u.us_industrial_investment > 0
            and u.industrial_end_year < g.policy_start
        ):
            out.append(
                f"unilateral.industrial_end_year ({u.industrial_end_year}) is before "
                f"global.policy_start ({g.policy_start}): no industrial-policy "
                "investment is added."
            )
        if g.policy_start > H:
            out.append(
                f"global.policy_start ({g.policy_start}) is after global.horizon ({H}): "
                "every path equals the status quo."
            )
        if g.two_country and "subglobal" in self.paths:
            out.append(
                "global.two_country: there is no bloc, so the sub-global path equals "
                "the unilateral path."
            )
        if "disorderly" in self.run_paths:
            short = self.solution.shortfall[self.run_paths.index("disorderly"), :, 0]
            if short.max() > 1e-6:
                years = ", ".join(str(int(y)) for y in self.years[short > 1e-6])
                out.append(
                    f"disorderly.ca_floor could not be reached in {years} (largest "
                    f"shortfall {short.max():,.0f} USD bn): the forced cut is capped "
                    "at 15% of potential output; see financing_shortfall."
                )
        if self.anchor_miss > 0:
            out.append(
                "baseline.follow_projection: with these settings the status quo cannot "
                "reach the IMF's 2030 current-account projections within the exchange-"
                f"rate bounds; it misses them by {100 * self.anchor_miss:.2f} points of "
                "GDP (the closest point is used)."
            )
        for lid, path in scn.paths().items():
            out.append(path_note(lid, path, scn.get(lid)))
        out.extend(self.validity_notes())
        return out

    def validity_notes(self) -> list[str]:
        """Paths that leave the range the model was validated for (docs/validation.md):
        output gaps beyond +/-VALID_GAP_PCT or current accounts beyond +/-VALID_CA_PCT."""
        v, out = self.variables, []
        for var, limit, what in (
            ("output_gap_pct", VALID_GAP_PCT, "output gap"),
            ("current_account_pct_gdp", VALID_CA_PCT, "current account"),
        ):
            a = v[var]
            for p in self.paths:
                x = a[self.run_paths.index(p)]  # (T, n)
                bad = np.abs(x) > limit
                if bad.any():
                    t, i = np.unravel_index(np.argmax(np.abs(x)), x.shape)
                    out.append(
                        f"{p}: the {what} of {self.regions[i]} reaches "
                        f"{x[t, i]:+.1f}% in {int(self.years[t])}, beyond the +/-"
                        f"{limit:g}% the model was validated for; read this path with "
                        "care."
                    )
        return out

    def _crisis_region(self) -> int:
        return self.regions.index(self.scenario.disorderly.side)

    @staticmethod
    def unit(variable: str) -> str:
        if variable.startswith("exports_to_"):
            return USD
        if variable.startswith("tariff_on_"):
            return "% ad valorem"
        return VARIABLES[variable][0]

    def series(self, path: str, region: str, variable: str) -> pd.Series:
        """One variable of one path and region, indexed by year."""
        a = self.variables[variable][self.run_paths.index(path), :, self.regions.index(region)]
        return pd.Series(a, index=pd.Index(self.years, name="year"), name=variable)

    def value(self, path: str, region: str, variable: str, year: int) -> float:
        t = int(year) - BASE_YEAR
        if not 0 <= t < len(self.years):
            raise KeyError(f"year {year} outside {self.years[0]}-{self.years[-1]}")
        return float(
            self.variables[variable][self.run_paths.index(path), t, self.regions.index(region)]
        )

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: ``path, region, year, variable, value, unit`` (requested paths)."""
        T, n = len(self.years), len(self.regions)
        idx = [self.run_paths.index(p) for p in self.paths]
        frames = []
        for var, arr in self.variables.items():
            a = arr[idx]  # (P, T, n)
            P = len(idx)
            frames.append(
                pd.DataFrame(
                    {
                        "path": np.repeat(np.array(self.paths, dtype=object), T * n),
                        "region": np.tile(np.array(self.regions, dtype=object), P * T),
                        "year": np.tile(np.repeat(self.years, n), P),
                        "variable": var,
                        "value": a.reshape(-1),
                        "unit": self.unit(var),
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    def metadata(self) -> dict:
        """Everything needed to reproduce the numbers."""
        return {
            "package": "rebalancing",
            "version": __version__,
            "created": self.created,
            "scenario": self.scenario.to_dict(),
            "paths": list(self.paths),
            "regions": list(self.regions),
            "years": [int(self.years[0]), int(self.years[-1])],
            "base_year": BASE_YEAR,
            "data_vintages": list(self.calibration.vintages),
            "data_files": ["data/macro_history.csv", "data/facts.csv"],
            "largest_identity_residual": {
                "value": self.max_residual,
                "identity": self.max_residual_identity,
                "unit": "share of world GDP",
                "tolerance": idn.TOLERANCE,
            },
            "crisis_year": self.crisis_year(),
            "notes": self.notes(),
            "calibration_notes": {
                k: (float(v) if isinstance(v, (int, float, np.floating)) else v)
                for k, v in self.calibration.notes.items()
            },
            "units": {k: u for k, (u, _) in VARIABLES.items()},
        }


def path_note(lid: str, path: dict, value) -> str:
    """One line saying that lever ``lid`` follows a path (provenance: notes, citations)."""
    lev = LEVERS[lid]
    ys, vs = sorted(path), list(path.values())
    span = f"{ys[0]}" if len(ys) == 1 else f"{ys[0]}-{ys[-1]}"
    gaps = len(ys) < ys[-1] - ys[0] + 1
    return (
        f"{lid} follows a lever path in {span}{' (some years)' if gaps else ''}: "
        f"{min(vs):g} to {max(vs):g} {lev.unit} (other years {value:g})."
    )


def simulate(
    scenario: Scenario | None = None, paths: tuple[str, ...] | list[str] | None = None
) -> Results:
    """Run the scenario's paths; raises ScenarioError, ModelError or IdentityError.

    ``paths`` defaults to all five (:data:`rebalancing.paths.PATHS`). The status quo is
    always solved as well, since ``gdp_vs_baseline_pct`` is measured against it.
    """
    scn = scenario or Scenario()
    req = tuple(dict.fromkeys(paths)) if paths else PATHS  # duplicates dropped, order kept
    unknown = [p for p in req if p not in PATHS]
    if unknown:
        raise ScenarioError(
            f"paths: unknown path id(s) {', '.join(unknown)} (expected {', '.join(PATHS)})", "paths"
        )
    run_paths = tuple(p for p in PATHS if p in req or p == "baseline")
    key = data_key()
    cal, prm = calibrated_for(model_globals(scn.global_), scn.baseline, key)
    spec = build_paths(scn, cal, run_paths)
    miss = 0.0
    if scn.global_.expectations == "model-consistent":
        from .engine3 import run as run3
        from .inputs import structural_shifts
        from .levers import consistent_range_problem

        bad = consistent_range_problem(scn.flat())
        if bad:
            raise ScenarioError(bad[1], bad[0])
        shifts = structural_shifts(scn, key)
        sol, _ = run3(cal, prm, spec, anchor=False, shifts=shifts)
    else:
        drift, miss, sol = status_quo_for_run(scn, cal, prm, spec, key)
        if sol is None:
            sol = run(cal, prm, spec, drift=drift)
    resid = idn.check(sol, run_paths, sol.years)
    res = Results(
        scenario=scn,
        calibration=cal,
        solution=sol,
        paths=req,
        run_paths=run_paths,
        created=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        anchor_miss=miss,
    )
    res.__dict__["residuals"] = resid  # the check's residuals: the cached property
    return res
