"""Model constants in one place, each with its source or labelled as an assumption.

Annual frequency; rates and gaps as fractions (0.02 = 2%). Quarterly coefficients of the
IMF's projection models are converted to annual ones where they are used (a quarterly
persistence rho_q is rho_q**4 a year). The levers of :mod:`rebalancing.scenario` override
the few of these a user may want to move (their defaults are these values).

docs/model.md section 3 explains each block; the section is named beside each constant.
"""

from __future__ import annotations

# --- 3.1 Supply ------------------------------------------------------------------------------

#: Real GDP growth by region and year, %: IMF WEO October 2025 (as reported at its launch,
#: data/facts.csv rows real_gdp_growth_projection_*) for 2025-26; from 2027 growth moves
#: linearly to the long-run rate of the ``global.growth_*`` levers by ``ANCHOR_END_YEAR``.
#: The bloc (euro area + Japan) and the rest of the world have no shipped WEO rows: their
#: 2025-26 figures are an assumption of the order of the WEO's euro area / Japan (about 1%)
#: and emerging-market (about 4%) forecasts, labelled as such in docs/model.md.
GROWTH_ANCHORS = {
    "US": {2025: 2.0, 2026: 2.1},
    "CN": {2025: 4.8, 2026: 4.2},
    "BLOC": {2025: 1.0, 2026: 0.9},
    "ROW": {2025: 3.6, 2026: 3.5},
}
#: Last year of the published medium-term projections (WEO October 2025 runs to 2030).
ANCHOR_END_YEAR = 2030

#: Share of a crisis's level loss of potential output that is permanent (hysteresis): Cerra &
#: Saxena (AER 2008) find output losses after financial crises persist ten years on; IMF WEO
#: October 2009 ch. 4 finds output about 10% below the pre-crisis trend seven years after
#: banking crises, with no average recovery. The default lever value; docs/model.md 3.7.
PERMANENT_LOSS_SHARE = 0.7

#: Elasticity of potential output to a region's own import-weighted average tariff, % of GDP
#: per percentage point: the Yale Budget Lab's 2025 releases put the long-run cost of a
#: 14-15 pp rise in the US effective tariff rate at -0.4% of real GDP (about 0.03 per pp);
#: our tariffs are weighted by goods-and-services imports, so 0.03 is a lower-middle value.
TARIFF_COST_PER_PP = 0.03
#: Share of the remaining gap to the long-run efficiency cost closed each year (capital and
#: supply chains adjust over several years; assumption consistent with Yale's "long run").
TARIFF_COST_SPEED = 0.3

# --- 3.2 Demand ------------------------------------------------------------------------------

#: Semi-elasticities of consumption and investment to the real interest-rate gap, share of
#: potential output per unit of rate (0.15: 1 pp above neutral lowers consumption by 0.15%
#: of potential). Together with the multiplier, 1 pp lowers output by about 0.6% within two
#: years, the size of FRB/US's and the GPM's responses to a 100 bp tightening.
C_RATE = 0.15
I_RATE = 0.25
#: Neutral real policy rates, fraction: Holston-Laubach-Williams (New York Fed) estimates of
#: about 0.8% for the US and near zero for the euro area; China and the rest of the world
#: are assumptions (1.0%, 1.5%), the bloc's includes Japan's negative rate.
R_NEUTRAL = {"US": 0.008, "CN": 0.010, "BLOC": 0.000, "ROW": 0.015}

#: Share of the output gap government spending offsets while the policy rate is at its lower
#: bound (assumption: 0.3, about the 2009 US stimulus, some 5% of GDP over three years
#: against a gap near 6%). Without it a large demand shock at the bound becomes a
#: deflationary spiral under adaptive expectations.
FISCAL_AT_FLOOR = 0.3

#: Bound on the bloc's accumulated internal-rebalancing demand shift, share of potential.
MAX_BLOC_SHIFT = 0.10

# --- 3.3 Prices ------------------------------------------------------------------------------

#: Phillips curve ``pi = a pi(-1) + (1-a) pi* + kappa gap + d(import price wedge)``:
#: persistence a and slope kappa at annual frequency, from the GPM/G3MOD quarterly values
#: (persistence ~0.7-0.75 a quarter on lagged inflation with the rest on expectations; slope
#: ~0.1-0.25 a quarter on the gap, i.e. 0.2-0.3 a year once gaps persist).
PC_PERSISTENCE = 0.6
PC_SLOPE = 0.25
#: Inflation targets, fraction: 2% for the Federal Reserve, the ECB and the Bank of Japan;
#: China and the rest of the world: assumptions (2%, 3%).
PI_TARGET = {"US": 0.02, "CN": 0.02, "BLOC": 0.02, "ROW": 0.03}
#: Pass-through of a tariff to the importer's price of the good: about one (Amiti, Redding
#: & Weinstein, JEP 2019; Fajgelbaum et al., QJE 2020: near-complete pass-through of the
#: 2018 US tariffs to import prices including the duty).
TARIFF_PASSTHROUGH = 1.0
#: Pass-through of the exchange rate to import prices: about 0.3 a year for the US (Gopinath,
#: Jackson Hole 2015, dollar invoicing); a common value for all regions (assumption).
ER_PASSTHROUGH = 0.3

# --- 3.4 Monetary policy ---------------------------------------------------------------------

#: Inertial Taylor rule ``i = rho i(-1) + (1-rho) (rn + pi + phi_pi (pi - pi*) + phi_y gap)``:
#: Taylor (1993) phi_pi = 0.5 (1.5 on inflation in all), phi_y = 0.5; smoothing 0.8 a quarter
#: in the GPM (Carabenciov et al. 2008) is about 0.4 a year.
TAYLOR_RHO = 0.4
TAYLOR_PHI_PI = 0.5
TAYLOR_PHI_Y = 0.5
#: Speed at which the central bank's estimate of the neutral rate follows a persistent gap,
#: fraction per year per unit of gap (an integral term): as in Laubach-Williams, a persistent
#: demand shift moves the neutral rate, so no gap survives. Assumption, tuned so that a
#: permanent demand shift of 1% of GDP is closed within about 8 years.
NEUTRAL_LEARNING = 0.3

# --- 3.5 Exchange rates ----------------------------------------------------------------------

#: Annual mean reversion of the real exchange rate towards its equilibrium, expected by
#: markets: PPP deviations have a half-life of 3-5 years (Rogoff, JEL 1996), i.e. 13-21% a
#: year; 0.2 here. Under real UIP with such expectations, a lasting 1 pp real-rate
#: differential holds the currency 1 / 0.2 = 5% above equilibrium.
RER_REVERSION = 0.2
#: Weight of the past in the real-rate gap currency markets price (smoothing; assumption:
#: 0.7, so a new differential moves the currency by 30% of its UIP size in its first year;
#: with less smoothing the annual, backward-looking timing can turn the exchange rate and
#: the policy rate into a growing two-year cycle at high trade elasticities).
RATE_GAP_MEMORY = 0.7
#: Net foreign liabilities / GDP beyond which the risk premium rises (Catao & Milesi-
#: Ferretti, JIE 2014: crisis risk rises markedly above ~50-60% of GDP).
RP_THRESHOLD = 0.6

# --- 3.6 External stocks ---------------------------------------------------------------------

#: Currency composition of gross external positions, share of each region's assets or
#: liabilities by currency (USD, CNY, bloc currencies, ROW currencies). US: about 70% of
#: assets in foreign currency (IMF ESR 2025) split by the issuers' weight in US holdings
#: (assumption), liabilities in dollars. China: reserves ($3.46tn of $10.22tn) and most
#: other assets in dollars (assumption 60% USD), direct and portfolio liabilities ($5.56tn
#: of $6.92tn) in renminbi. Bloc and rest of world: assumptions (half in own currency).
CURRENCIES = ("US", "CN", "BLOC", "ROW")
ASSET_CURRENCY = {
    "US": {"US": 0.30, "CN": 0.03, "BLOC": 0.42, "ROW": 0.25},
    "CN": {"US": 0.60, "CN": 0.05, "BLOC": 0.20, "ROW": 0.15},
    "BLOC": {"US": 0.40, "CN": 0.02, "BLOC": 0.45, "ROW": 0.13},
    "ROW": {"US": 0.55, "CN": 0.05, "BLOC": 0.20, "ROW": 0.20},
}
LIABILITY_CURRENCY = {
    "US": {"US": 1.00},
    "CN": {"US": 0.20, "CN": 0.80},
    "BLOC": {"US": 0.25, "BLOC": 0.75},
    "ROW": {"US": 0.45, "BLOC": 0.05, "ROW": 0.50},
}
#: Gross external assets of the bloc (euro area + Japan), % of GDP: no shipped IIP data; the
#: order of the ECB's and the Ministry of Finance's figures (assumption), with net zero.
BLOC_GROSS_PCT_GDP = 250.0

# --- 3.7 Crises ------------------------------------------------------------------------------

#: Largest forced cut in the crisis country's autonomous demand, % of potential output: a
#: Great-Depression-sized fall; where even this cannot lift the current account to the
#: financing floor, the shortfall is reported, not hidden.
MAX_CRISIS_CUT_PCT = 15.0
#: Share of the forced demand cut that fades each year once the financing constraint lifts
#: (assumption: half, so demand is mostly back within three years, as in Hutchison & Noy's
#: "large negative, but short-lived" output effects).
CUT_FADE = 0.5

# --- bounds that keep every path admissible -------------------------------------------------

#: Bound on real exchange rates relative to 2024 (log points): a third to three times.
MAX_LOG_RER = 1.0986122886681098
#: Bound on the policy rate, fraction: a lower bound on the shadow rate, counting
#: unconventional policy (Wu & Xia, JMCB 2016: the US shadow rate reached about -3% in 2014),
#: and a 25% ceiling.
RATE_FLOOR = -0.03
RATE_CEILING = 0.25
#: Investment cannot fall below this share of its trend level (iota Ypot) in a crisis.
MIN_INVESTMENT_SHARE = 0.25

# --- validated range (what the notes warn about) --------------------------------------------

#: Output gaps and current accounts beyond these (% of potential / of GDP) are outside the
#: range the model was validated for: the app and the CLI metadata carry a note.
VALID_GAP_PCT = 10.0
VALID_CA_PCT = 15.0

# --- 3.8 Status quo --------------------------------------------------------------------------

#: Current accounts the status quo follows to ``ANCHOR_END_YEAR``, % of GDP, linear between
#: the 2024 model value and these anchors (data/facts.csv): the US deficit narrows to about
#: 2.5% of GDP (IMF External Sector Report 2025, medium term); China's surplus is 3.3% in
#: 2025 (IMF China mission, December 2025) and, as an assumption (no published 2030 figure is
#: shipped), narrows halfway to its 1.2% EBA norm, 2.25%, by 2030. The 2025 jump came from a
#: real depreciation and weak demand the model does not replay; it is not steered to.
CA_ANCHORS = {"US": {2030: -2.5}, "CN": {2030: 2.25}}
