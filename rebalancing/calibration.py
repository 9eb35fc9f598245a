"""Base-year (2024) calibration from ``data/``, reproducing the data exactly.

Regions: ``US``, ``CN`` (China), ``BLOC`` (EU + CPTPP; calibrated core = euro area + Japan,
the members the data cover) and ``ROW`` (World - US - CN - BLOC). In two-country mode only
``US`` and ``CN``.

Where the measured data break the identities, the gap goes to a named place (see
docs/model.md, "Calibration"):

* expenditure discrepancy (C + G + I + X - M != Y): into investment, reported as
  ``investment_discrepancy``;
* CA != X - M: the difference is the region's net primary + secondary income ``NI``;
* WEO saving != CA + I: saving is derived as CA + I, the gap reported;
* world current accounts sum to +495 bn: ROW's current account is the residual that makes
  the world sum zero, so the discrepancy is taken out of ROW;
* world net foreign assets: ROW holds the residual that makes them sum to zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .constants import ASSET_CURRENCY, BLOC_GROSS_PCT_GDP, LIABILITY_CURRENCY
from .data import DataError, Facts, History, data_key, load_all

BASE_YEAR = 2024
REGIONS4 = ("US", "CN", "BLOC", "ROW")
REGIONS2 = ("US", "CN")
REGION_NAMES = {
    "US": "United States",
    "CN": "China",
    "BLOC": "EU + CPTPP bloc",
    "ROW": "Rest of world",
}

#: Base-year public saving (T - G), % of GDP. Not in the shipped data: an assumption of the
#: order of the IMF Fiscal Monitor's general-government balances plus public investment.
#: It splits national saving into public and private parts and changes no total.
PUBLIC_SAVING_PCT = {"US": -4.0, "CN": -1.5, "BLOC": 0.0, "ROW": -1.0}

#: Net foreign assets of the bloc at end-2024, USD bn: no IIP data for the euro area and
#: Japan in the shipped vintage, so 0 (assumption); ROW holds the world residual.
NFA_BLOC_ASSUMED = 0.0

HIST_CODES = {"US": "US", "CN": "China", "EA": "Euro area", "JP": "Japan", "WORLD": "World"}


@dataclass(frozen=True)
class Calibration:
    """Base-year levels (USD bn, 2024) and the derived behavioural parameters.

    Arrays are indexed by region in the order of ``regions``; ``trade[i, j]`` is what region
    i imports from region j (so region j's exports to i), with intra-bloc and intra-ROW trade
    on the diagonal.
    """

    regions: tuple[str, ...]
    Y: np.ndarray
    C: np.ndarray
    I: np.ndarray
    G: np.ndarray
    trade: np.ndarray
    CA: np.ndarray
    NI: np.ndarray
    NFA: np.ndarray
    tariff0: np.ndarray  # base-year tariff matrix, fraction, importer x exporter
    public_saving: np.ndarray  # T - G, USD bn
    assets: np.ndarray = None  # (n, n) gross external assets of i in currency k, end-2024
    liabilities: np.ndarray = None  # (n, n) gross external liabilities of i in currency k
    notes: dict = field(default_factory=dict)
    vintages: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        return len(self.regions)

    @property
    def X(self) -> np.ndarray:
        return self.trade.sum(axis=0)

    @property
    def M(self) -> np.ndarray:
        return self.trade.sum(axis=1)

    @property
    def A(self) -> np.ndarray:
        """Absorption C + I + G."""
        return self.C + self.I + self.G

    @property
    def NFA_prev(self) -> np.ndarray:
        """End-2023 position implied stock-flow: NFA(2024) - CA(2024)."""
        return self.NFA - self.CA

    @property
    def mu(self) -> np.ndarray:
        """Import shares mu_ij = M_ij / A_i."""
        return self.trade / self.A[:, None]

    def index(self, region: str) -> int:
        return self.regions.index(region)


def ras(
    seed: np.ndarray, rows: np.ndarray, cols: np.ndarray, tol: float = 1e-13, max_iter: int = 2_000
) -> np.ndarray:
    """Biproportional (RAS) balancing of ``seed`` to given row and column totals.

    Returns ``r_i * seed_ij * s_j`` with row sums ``rows`` and column sums ``cols``
    (relative error below ``tol``). Zeros in the seed stay zero. Written here because it is
    ten lines and the maintained alternatives (``ipfn``) add a dependency for no gain.
    """
    if not np.isclose(rows.sum(), cols.sum(), rtol=1e-12):
        raise ValueError("RAS: row and column totals differ")
    x = seed.astype(float).copy()
    for _ in range(max_iter):
        x *= (rows / x.sum(axis=1))[:, None]
        x *= (cols / x.sum(axis=0))[None, :]
        if np.max(np.abs(x.sum(axis=1) - rows) / rows) < tol:
            return x
    raise ValueError("RAS did not converge")


def _pct(h: History, region: str, series: str) -> float:
    return h.value(HIST_CODES[region], series, BASE_YEAR) / 100.0


def _levels(h: History, code: str) -> dict[str, float]:
    """Base-year levels of one data region from the WEO, WDI and UN AMA rows."""
    Y = h.value(HIST_CODES[code], "gdp_usd_bn", BASE_YEAR)
    if not Y > 0:
        raise DataError(
            f"{h.path.name}: {HIST_CODES[code]} {BASE_YEAR} gdp_usd_bn = {Y:g}; "
            "GDP must be positive"
        )
    out = {
        "Y": Y,
        "I": Y * _pct(h, code, "gross_capital_formation_pct_gdp"),
        "X": Y * _pct(h, code, "exports_pct_gdp"),
        "M": Y * _pct(h, code, "imports_pct_gdp"),
        "S_weo": Y * _pct(h, code, "gross_national_saving_pct_gdp"),
    }
    if code != "WORLD":
        out["CA"] = h.value(HIST_CODES[code], "current_account_usd_bn", BASE_YEAR)
    if code in ("US", "CN", "JP"):
        out["C"] = Y * _pct(h, code, "household_consumption_pct_gdp")
        out["G"] = Y * _pct(h, code, "government_consumption_pct_gdp")
    return out


def _tariffs0(facts: Facts, regions) -> np.ndarray:
    t = np.zeros((len(regions), len(regions)))
    us, cn = regions.index("US"), regions.index("CN")
    t[us, cn] = (
        facts.get("US->China", "average_us_tariff_on_chinese_exports", "2025-01-20").number / 100
    )
    # China's average on US goods on 20 Jan 2025 = 32.6 after the truce less the 11.4 pp rise
    # since then (PIIE, quoted in facts.csv).
    t[cn, us] = (facts.get("China->US", "average_chinese_tariff_on_us_exports").number - 11.4) / 100
    return t


def _currency_shares(table: dict, regions) -> np.ndarray:
    """Shares by currency for the regions present; absent currencies folded into dollars."""
    out = np.array([table.get(k, 0.0) for k in regions])
    out[0] += 1.0 - out.sum()
    return out


def positions(
    regions, Y: np.ndarray, nfa: np.ndarray, facts: Facts, residual: str
) -> tuple[np.ndarray, np.ndarray]:
    """Gross external assets and liabilities by currency (n, n), end-2024, USD bn.

    US and China: the BEA and SAFE gross positions (data/facts.csv) split by the currency
    shares of :mod:`rebalancing.constants`; the bloc: gross positions of BLOC_GROSS_PCT_GDP
    of GDP either side (assumption, net zero). The ``residual`` region holds, currency by
    currency, minus the others' net positions, so every currency's world net position is
    exactly zero and the residual's net position is the calibrated one.
    """
    n = len(regions)
    gross = {
        "US": ("US", "gross_external_assets", "gross_external_liabilities"),
        "CN": ("China", "gross_external_assets", "gross_external_liabilities"),
    }
    A, L = np.zeros((n, n)), np.zeros((n, n))
    for i, r in enumerate(regions):
        if r == residual:
            continue
        if r in gross:
            subj, fa, fl = gross[r]
            a, l_ = facts.get(subj, fa).number, facts.get(subj, fl).number
        else:
            a = l_ = BLOC_GROSS_PCT_GDP / 100 * Y[i]
        A[i] = a * _currency_shares(ASSET_CURRENCY[r], regions)
        L[i] = l_ * _currency_shares(LIABILITY_CURRENCY[r], regions)
    k = regions.index(residual)
    net = -(A - L).sum(0)
    A[k], L[k] = np.maximum(net, 0.0), np.maximum(-net, 0.0)
    if not np.allclose((A - L).sum(1), nfa, rtol=1e-12, atol=1e-6):
        raise DataError(
            "facts.csv: gross external assets less liabilities do not equal the "
            "net international investment position; check the gross_external_* "
            "and net_international_investment_position rows"
        )
    return A, L


def _calibrate4(h: History, facts: Facts) -> Calibration:
    us, cn, ea, jp, w = (_levels(h, c) for c in ("US", "CN", "EA", "JP", "WORLD"))
    notes = {}
    # --- US and China: C, G (UN AMA), X, M (WDI), CA (WEO); investment closes GDP.
    rows = {}
    for code, d in (("US", us), ("CN", cn)):
        I_data = d["I"]
        I = d["Y"] - d["C"] - d["G"] - d["X"] + d["M"]
        notes[f"investment_discrepancy_{code}"] = I - I_data
        rows[code] = dict(Y=d["Y"], C=d["C"], G=d["G"], I=I, X=d["X"], M=d["M"], CA=d["CA"])
    # --- Bloc = euro area + Japan. C+G is the residual of Y - I - NX; its split uses Japan's
    # government share of consumption (the euro area has no C/G split in the data).
    Yb = ea["Y"] + jp["Y"]
    Ib = ea["I"] + jp["I"]
    Xb, Mb = ea["X"] + jp["X"], ea["M"] + jp["M"]
    CGb = Yb - Ib - (Xb - Mb)
    g_share_jp = jp["G"] / (jp["C"] + jp["G"])
    rows["BLOC"] = dict(
        Y=Yb, C=CGb * (1 - g_share_jp), G=CGb * g_share_jp, I=Ib, X=Xb, M=Mb, CA=ea["CA"] + jp["CA"]
    )
    notes["bloc_government_share_of_consumption"] = g_share_jp
    # --- ROW = World - others. Its CA makes the world sum zero (absorbing the measured +495 bn
    # world discrepancy); its imports are World imports - others; its exports follow from
    # NX = CA - NI with NI the residual of the world income sum.
    world_ca_measured = h.value("World", "current_account_usd_bn", BASE_YEAR)
    notes["world_ca_discrepancy_measured"] = world_ca_measured
    # Euro area + Japan are the bloc; everything else is ROW.
    Yr = w["Y"] - us["Y"] - cn["Y"] - Yb
    Ir = w["I"] - us["I"] - cn["I"] - Ib  # WEO investment (not the closed US/CN figure)
    Mr = w["M"] - us["M"] - cn["M"] - Mb
    CAr = -(rows["US"]["CA"] + rows["CN"]["CA"] + rows["BLOC"]["CA"])
    notes["row_ca_measured"] = world_ca_measured - (
        rows["US"]["CA"] + rows["CN"]["CA"] + rows["BLOC"]["CA"]
    )
    NI = {r: rows[r]["CA"] - (rows[r]["X"] - rows[r]["M"]) for r in ("US", "CN", "BLOC")}
    NI["ROW"] = -sum(NI.values())
    NXr = CAr - NI["ROW"]
    Xr = Mr + NXr
    CGr = Yr - Ir - NXr
    pool = [us, cn, jp]
    g_share_pool = sum(d["G"] for d in pool) / sum(d["C"] + d["G"] for d in pool)
    rows["ROW"] = dict(
        Y=Yr, C=CGr * (1 - g_share_pool), G=CGr * g_share_pool, I=Ir, X=Xr, M=Mr, CA=CAr
    )
    notes["row_government_share_of_consumption"] = g_share_pool
    notes["world_exports_minus_imports_measured"] = w["X"] - w["M"]
    for r, d in zip(("US", "CN"), (us, cn)):
        notes[f"saving_discrepancy_{r}"] = (rows[r]["CA"] + rows[r]["I"]) - d["S_weo"]

    regions = REGIONS4
    # --- Bilateral matrix: US<-CN and CN<-US fixed at the Census goods flows; US and CN have
    # no diagonal; BLOC and ROW keep their internal trade on the diagonal. The free cells are
    # RAS-balanced to the row (imports) and column (exports) totals from a proportional seed.
    us_x_cn = h.value("US", "us_goods_exports_to_china_usd_bn", BASE_YEAR)
    us_m_cn = h.value("US", "us_goods_imports_from_china_usd_bn", BASE_YEAR)
    Mtot = np.array([rows[r]["M"] for r in regions])
    Xtot = np.array([rows[r]["X"] for r in regions])
    fixed = np.zeros((4, 4))
    fixed[0, 1] = us_m_cn
    fixed[1, 0] = us_x_cn
    free = np.ones((4, 4))
    free[0, 0] = free[1, 1] = 0.0
    free[0, 1] = free[1, 0] = 0.0
    seed = free * np.outer(Mtot, Xtot) / Xtot.sum()
    trade = fixed + ras(seed, Mtot - fixed.sum(axis=1), Xtot - fixed.sum(axis=0))
    # X and M are recomputed from the matrix itself below, so the RAS tolerance never shows
    # up as an accounting residual.
    notes["ras_max_relative_error"] = float(
        max(np.max(np.abs(trade.sum(1) - Mtot) / Mtot), np.max(np.abs(trade.sum(0) - Xtot) / Xtot))
    )

    vec = {k: np.array([rows[r][k] for r in regions]) for k in ("Y", "C", "G", "I", "CA")}
    # GDP identity with the matrix's own X and M: fold the (1e-13) RAS residue into I.
    NX = trade.sum(0) - trade.sum(1)
    vec["I"] = vec["Y"] - vec["C"] - vec["G"] - NX
    NIv = vec["CA"] - NX
    NIv[3] = -NIv[:3].sum()
    vec["CA"] = NX + NIv
    nfa = np.array(
        [
            facts.get("US", "net_international_investment_position").number,
            facts.get("China", "net_international_investment_position").number,
            NFA_BLOC_ASSUMED,
            0.0,
        ]
    )
    nfa[3] = -nfa[:3].sum()
    notes["nfa_row_residual"] = nfa[3]
    A, L = positions(regions, vec["Y"], nfa, facts, residual="ROW")
    return Calibration(
        regions=regions,
        Y=vec["Y"],
        C=vec["C"],
        I=vec["I"],
        G=vec["G"],
        trade=trade,
        CA=vec["CA"],
        NI=NIv,
        NFA=nfa,
        tariff0=_tariffs0(facts, regions),
        public_saving=np.array([PUBLIC_SAVING_PCT[r] / 100 for r in regions]) * vec["Y"],
        assets=A,
        liabilities=L,
        notes=notes,
        vintages=tuple(h.vintages()),
    )


#: In two-country mode each economy trades with the other as it trades with the world: the
#: pair's flows are its whole trade (each the mean of the two sides' totals), so trade is
#: the same share of GDP as in four-region mode and every parameter stated per unit of trade
#: (elasticities, the tariff cost, the crisis premium) has the same effect in % of GDP
#: (docs/model.md 3b, "Two-country mode").
def pair_shares(cal4: Calibration) -> tuple[float, float]:
    """The shares of the US's imports that come from China and of China's imports that come
    from the US in the four-region calibration: the weights of the bilateral tariffs in the
    pair's average tariffs (:func:`rebalancing.paths.pair_tariffs`)."""
    us, cn = cal4.index("US"), cal4.index("CN")
    return (
        float(cal4.trade[us, cn] / cal4.trade[us].sum()),
        float(cal4.trade[cn, us] / cal4.trade[cn].sum()),
    )


def _calibrate2(h: History, facts: Facts, cal4: Calibration) -> Calibration:
    """Two-country mode: US and China as a closed pair, each trading with the other as it
    trades with the world.

    GDP of each is the data; the US's imports from China are the mean of the US's total
    imports and China's total exports in the four-region calibration, and its exports to
    China the mean of its total exports and China's total imports (so trade is the same share
    of GDP as there, and CA_US = -CA_CN exactly); each one's domestic demand (C, I, G in the
    four-region shares of absorption) absorbs the difference. The pair's tariffs are the
    averages of the bilateral ones and those on other partners, weighted by the four-region
    import shares (:func:`pair_shares`). Net income between the pair is not measured: zero in
    the base year (assumption). China's NFA is the SAFE figure and the US holds the mirror.
    """
    regions = REGIONS2
    us, cn = cal4.index("US"), cal4.index("CN")
    us_m_cn = 0.5 * (cal4.trade[us].sum() + cal4.trade[:, cn].sum())
    us_x_cn = 0.5 * (cal4.trade[:, us].sum() + cal4.trade[cn].sum())
    trade = np.array([[0.0, us_m_cn], [us_x_cn, 0.0]])
    Y = cal4.Y[:2].copy()
    NX = trade.sum(0) - trade.sum(1)
    A = Y - NX
    share = np.stack([cal4.C[:2], cal4.I[:2], cal4.G[:2]]) / cal4.A[:2]
    C, I, G = share * A
    I = Y - C - G - NX  # exact closure of the GDP identity
    NI = np.zeros(2)
    CA = NX + NI
    nfa_cn = facts.get("China", "net_international_investment_position").number
    nfa = np.array([-nfa_cn, nfa_cn])
    A, L = positions(regions, Y, nfa, facts, residual="US")
    w_us, w_cn = pair_shares(cal4)
    t4 = cal4.tariff0
    others = [k for k in range(cal4.n) if k not in (us, cn)]
    m_us, m_cn = cal4.trade[us], cal4.trade[cn]
    tariff0 = np.zeros((2, 2))
    tariff0[0, 1] = w_us * t4[us, cn] + (m_us[others] * t4[us, others]).sum() / m_us.sum()
    tariff0[1, 0] = w_cn * t4[cn, us] + (m_cn[others] * t4[cn, others]).sum() / m_cn.sum()
    return Calibration(
        regions=regions,
        Y=Y,
        C=C,
        I=I,
        G=G,
        trade=trade,
        CA=CA,
        NI=NI,
        NFA=nfa,
        tariff0=tariff0,
        public_saving=np.array([PUBLIC_SAVING_PCT[r] / 100 for r in regions]) * Y,
        assets=A,
        liabilities=L,
        notes={
            "two_country": "each economy trades with the other as with the world (the pair's "
            "flows are the mean of the two sides' total trade); tariffs are import-weighted "
            "averages of the bilateral ones and those on others; base-year net income set to 0"
        },
        vintages=cal4.vintages,
    )


def check_calibration(cal: Calibration, h: History) -> Calibration:
    """Refuse base-year data the model cannot stand on, naming the data to check.

    The loader checks each row's form; this checks what they add up to: positive GDP,
    consumption, investment and government consumption, non-negative bilateral flows, and a
    domestic share of demand in (0, 1).
    """
    name = h.path.name
    hints = {
        "Y": "gdp_usd_bn",
        "C": "household_consumption_pct_gdp",
        "I": "gross_capital_formation_pct_gdp (investment closes the expenditure "
        "identity: C + G + X - M must stay below GDP)",
        "G": "government_consumption_pct_gdp",
    }
    for var, hint in hints.items():
        vals = getattr(cal, var)
        bad = ~np.isfinite(vals) | (vals <= 0)
        if bad.any():
            r = cal.regions[int(np.argmax(bad))]
            raise DataError(
                f"{name}: the {BASE_YEAR} data give {var} = {vals[bad][0]:.6g} "
                f"USD bn for {r}; check {hint}"
            )
    if (~np.isfinite(cal.trade)).any() or (cal.trade < 0).any():
        i, j = map(int, np.argwhere(~(cal.trade >= 0))[0])
        raise DataError(
            f"{name}: the {BASE_YEAR} data imply a negative flow from "
            f"{cal.regions[j]} to {cal.regions[i]} ({cal.trade[i, j]:.6g} USD bn); "
            "check exports_pct_gdp, imports_pct_gdp and the US-China goods rows"
        )
    dom = 1 - cal.mu.sum(-1)
    if ((dom <= 0) | (dom >= 1)).any():
        r = cal.regions[int(np.argmax((dom <= 0) | (dom >= 1)))]
        raise DataError(
            f"{name}: the {BASE_YEAR} imports of {r} leave no domestic share of "
            "demand; check imports_pct_gdp"
        )
    return cal


@lru_cache(maxsize=8)
def _calibrate_cached(two_country: bool, key: str) -> Calibration:
    h, facts = load_all()
    try:
        cal4 = check_calibration(_calibrate4(h, facts), h)
    except ValueError as e:  # RAS cannot balance the trade matrix with these totals
        if isinstance(e, DataError):
            raise
        raise DataError(
            f"{h.path.name}: the {BASE_YEAR} trade totals cannot be balanced "
            f"({e}); check exports_pct_gdp and imports_pct_gdp"
        ) from None
    return check_calibration(_calibrate2(h, facts, cal4), h) if two_country else cal4


def calibrate(two_country: bool = False) -> Calibration:
    """The base-year calibration (cached until the data files change)."""
    return _calibrate_cached(bool(two_country), data_key())
