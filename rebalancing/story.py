"""Plain words: what each path is, and what the current scenario says, in sentences.

:data:`PATH_DESCRIPTIONS` paraphrases the IOG report (September 2025) and says what the model
does on each path. :func:`summary` writes the scenario's headline results as sentences with
their numbers, read from :class:`~rebalancing.results.Results`, so the text always agrees
with the charts and the CSV. :func:`with_labels` turns lever ids in a message into the
labels shown on screen.
"""

from __future__ import annotations

import re

from .levers import LEVERS
from .paths import PATH_INFO, PATH_TITLES
from .results import Results

#: One paragraph per path: the report's idea in our words, then what the model does (the
#: registry's, rebalancing.paths.PATH_INFO).
PATH_DESCRIPTIONS = {k: v.description for k, v in PATH_INFO.items()}

_LEVER_ID = re.compile(r"\b(?:global|baseline|orderly|disorderly|unilateral|subglobal)\.[a-z_]+")


def with_labels(text: str) -> str:
    """Replace every lever id in ``text`` by its on-screen label (ids unknown stay)."""

    def label(m: re.Match) -> str:
        lev = LEVERS.get(m.group(0))
        return f"'{lev.label}'" if lev else m.group(0)

    return _LEVER_ID.sub(label, text)


def _pct(x: float) -> str:
    """A figure in % with one decimal and a sign that reads (no '-0.0')."""
    return f"{round(x, 1) + 0.0:.1f}%"


def _signed(x: float) -> str:
    return f"{round(x, 1) + 0.0:+.1f}%"


def summary(res: Results, year: int | None = None) -> list[str]:
    """The scenario in sentences, one per path shown (plus the status quo), in ``year``
    (default: 2030, or the horizon if earlier). Current accounts are signed (deficits
    negative), in % of GDP; GDP against the status quo in %."""
    last = int(res.years[-1])
    year = min(year or 2030, last)
    v = res.value
    us_sq = v("baseline", "US", "current_account_pct_gdp", year)
    cn_sq = v("baseline", "CN", "current_account_pct_gdp", year)
    out = [
        f"Status quo: the US current account is {_signed(us_sq)} of GDP in {year} "
        f"({_signed(v('baseline', 'US', 'current_account_pct_gdp', 2024))} in 2024) and "
        f"China's {_signed(cn_sq)} "
        f"({_signed(v('baseline', 'CN', 'current_account_pct_gdp', 2024))}); the US net "
        f"international investment position reaches "
        f"{_signed(v('baseline', 'US', 'niip_pct_gdp', last))} of GDP by {last}."
    ]
    for p in res.paths:
        if p == "baseline":
            continue
        title = PATH_TITLES[p]
        if p == "disorderly" and res.crisis_year():
            yc = res.crisis_year()
            side = res.scenario.disorderly.side
            name = "the US" if side == "US" else "China"
            out.append(
                f"Disorderly: a crisis hits {name} in {yc}. Its GDP falls "
                f"{_pct(abs(v(p, side, 'gdp_vs_baseline_pct', yc)))} below the status quo "
                f"that year and is still "
                f"{_pct(abs(v(p, side, 'gdp_vs_baseline_pct', last)))} below it in {last}; "
                f"the US current account is "
                f"{_signed(v(p, 'US', 'current_account_pct_gdp', yc))} of GDP in {yc}."
            )
            continue
        us = v(p, "US", "current_account_pct_gdp", year)
        cn = v(p, "CN", "current_account_pct_gdp", year)
        moves = "narrow" if abs(us) + abs(cn) < abs(us_sq) + abs(cn_sq) else "widen"
        out.append(
            f"{title}: by {year} the imbalances {moves}: the US current account is "
            f"{_signed(us)} of GDP ({_signed(us_sq)} in the status quo) and China's "
            f"{_signed(cn)} ({_signed(cn_sq)}); China's consumption is "
            f"{_pct(v(p, 'CN', 'consumption_pct_gdp', year))} of GDP; GDP against the status "
            f"quo is {_signed(v(p, 'US', 'gdp_vs_baseline_pct', year))} in the US and "
            f"{_signed(v(p, 'CN', 'gdp_vs_baseline_pct', year))} in China."
        )
    return out
