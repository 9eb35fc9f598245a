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


def _tenth(x: float) -> float:
    """``x`` to one decimal, first to 1e-9: a figure the model hits exactly (an anchor of
    2.25) rounds the same way whatever the solver's last digits (2.2499999999999 or
    2.2500000000001, from different warm starts: docs/model.md 3b.8)."""
    return round(round(x, 9), 1) + 0.0


def _pct(x: float) -> str:
    """A figure in % with one decimal and a sign that reads (no '-0.0')."""
    return f"{_tenth(x):.1f}%"


def _signed(x: float) -> str:
    return f"{_tenth(x):+.1f}%"


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


def _years_text(years) -> str:
    """2030-2033, 2035 (runs of consecutive years)."""
    out: list[list[int]] = []
    for y in years:
        if out and y == out[-1][-1] + 1:
            out[-1].append(y)
        else:
            out.append([y])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in out)


def goal_sentence(r, label: str | None = None, unit: str | None = None) -> str:
    """A goal-seek answer (:class:`~rebalancing.goalseek.GoalResult` or
    :class:`~rebalancing.goalseek.PathGoalResult`) in one sentence.

    By id (``label`` None: lever ids, ``US current_account on the orderly path``, six
    significant digits; the command line's and :attr:`GoalResult.message`'s form), or
    labelled (``label`` the target's on-screen label, ``unit`` its unit: lever labels and
    path titles, as the dashboard shows it)."""
    lev, t = LEVERS[r.instrument], r.target
    if label is None:
        what = f"{t.region} {t.variable} on the {r.path} path"
        name, unit, fig = r.instrument, t.unit, ".6g"
    else:
        what = f"{label.rsplit(',', 1)[0]} on the {PATH_TITLES[r.path].lower()} path"
        name, unit, fig = f"'{lev.label}'", unit or t.unit, ".2f"
    if hasattr(r, "years"):  # a path of the instrument, year by year
        return _goal_path_sentence(r, lev, t, what, name, unit, labelled=label is not None)
    when = f"from {t.year} on" if t.onwards else f"in {t.year}"
    setting = f"{r.value:.6g}" if label is None else f"{r.value:.4g}"
    if r.hit:
        if label is None:
            return (
                f"{name} = {setting} {lev.unit} brings {what} to {r.achieved:{fig}} {unit} "
                f"{when} (target {t.value:g}; was {r.start_achieved:{fig}} at "
                f"{r.start_value:g})."
            )
        return (
            f"Setting {name} to {setting} {lev.unit} brings the {what} to "
            f"{r.achieved:{fig}} {unit} {when} (with the current {r.start_value:g} it is "
            f"{r.start_achieved:{fig}})."
        )
    the = "" if label is None else "the "
    if r.method != "closest":
        at = f"{name} = {setting}" if label is None else f"{setting} {lev.unit}"
        return (
            f"{name} cannot bring {the}{what} exactly to {t.value:g} {unit} {when}: it jumps "
            f"across the target at {at}, where it is {r.achieved:{fig}}."
        )
    if label is None:
        return (
            f"{name} cannot bring {what} to {t.value:g} {unit} {when} within its range "
            f"[{r.lo:g}, {r.hi:g}] {lev.unit}: the closest is {r.achieved:{fig}} at "
            f"{name} = {setting} (was {r.start_achieved:{fig}} at {r.start_value:g})."
        )
    return (
        f"{name} cannot bring the {what} to {t.value:g} {unit} {when} within its range "
        f"({r.lo:g} to {r.hi:g} {lev.unit}): the closest is {r.achieved:{fig}} at "
        f"{setting} {lev.unit} (now {r.start_achieved:{fig}} at {r.start_value:g})."
    )


def _goal_path_sentence(r, lev, t, what, name, unit, *, labelled: bool) -> str:
    span = f"{r.years[0]}-{r.years[-1]}"
    if not labelled:
        rng = f"{min(r.values):.6g} to {max(r.values):.6g} {lev.unit}"
        if r.hit:
            return (
                f"A path of {name} ({rng}, largest yearly step {r.largest_step:.3g}) brings "
                f"{what} to {t.value:g} {unit} in every year {span} (largest gap "
                f"{max(abs(g) for g in r.gaps):.1e})."
            )
        missed = [y for y, h in zip(r.years, r.hits) if not h]
        worst = max(range(len(r.gaps)), key=lambda i: abs(r.gaps[i]))
        return (
            f"A path of {name} within [{r.lo:g}, {r.hi:g}] {lev.unit} hits {what} = "
            f"{t.value:g} {unit} in {sum(r.hits)} of {len(r.years)} years {span}; it cannot "
            f"in {_years_text(missed)}: the largest gap is {r.gaps[worst]:+.3g} {unit} in "
            f"{r.years[worst]} (at {r.values[worst]:.6g} {lev.unit})."
        )
    rng = f"{min(r.values):.3g} to {max(r.values):.3g} {lev.unit}"
    if r.hit:
        return (
            f"A path of {name} from {rng} brings the {what} to {t.value:g} {unit} in every "
            f"year {span}; it moves by up to {r.largest_step:.3g} {lev.unit} from one year "
            "to the next."
        )
    missed = [y for y, h in zip(r.years, r.hits) if not h]
    worst = max(range(len(r.gaps)), key=lambda i: abs(r.gaps[i]))
    return (
        f"A path of {name} within its range ({r.lo:g} to {r.hi:g} {lev.unit}) brings the "
        f"{what} to {t.value:g} {unit} in {sum(r.hits)} of {len(r.years)} years {span}, not "
        f"in {', '.join(map(str, missed))}: the furthest is {r.achieved[worst]:.2f} in "
        f"{r.years[worst]} (at {r.values[worst]:.3g} {lev.unit})."
    )
