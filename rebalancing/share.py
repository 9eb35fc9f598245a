"""Share links: the dashboard's URL query read into lever values and view settings, without
Streamlit, so that it can be tested and fuzzed on its own.

A link carries the changed levers by id (``orderly.kappa=1.5``) and the view: ``view``,
``path``, ``year`` (accounts), ``years`` (headline years, comma-separated), ``present``
(presentation mode), ``fan`` (Monte Carlo bands on the compare charts), a pinned
scenario (``pin``, ``pin.<lever id>``) and lever paths (``path.<lever id>=2030:1.5,2031:2``:
the lever's value in each year given, :attr:`rebalancing.Scenario.lever_paths`). Each
parameter that cannot be used (unknown, malformed, out of range, given twice) gets one
warning naming it, and the rest of the link still applies. Numbers are ASCII decimals
(``1.5``, ``2050``; not ``٣``, ``inf`` or ``1e400``); text from the link is quoted in
warnings with control characters escaped and cut short.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .errors import shown, shown_repr
from .paths import PATHS
from .pinned import PIN_NAME, PIN_PREFIX, from_query
from .scenario import (
    LEVERS,
    RETIRED,
    Scenario,
    ScenarioError,
    check_pathable,
    number_from_text,
    path_value,
    unknown_lever_message,
    validate_value,
)

#: Prefix of a lever path's parameter: ``path.orderly.cn_consumption_rise=2030:1.5,2031:2``.
PATH_PREFIX = "path."

#: Warnings listed at most; the rest are counted in one last line.
MAX_WARNINGS = 50

TRUE = ("true", "1", "yes", "on")
FALSE = ("false", "0", "no", "off")

_YEAR = re.compile(r"[0-9]{4}")  # [0-9]: ASCII digits only


def parse_value(key: str, raw: str) -> Any:
    """A URL parameter's text as lever ``key``'s type; ScenarioError names the parameter."""
    lev = LEVERS[key]
    if lev.kind == "bool":
        flag = _flag(raw)
        if flag is None:
            raise ScenarioError(f"{key}: {shown_repr(raw, 20)} is not true or false", key)
        return flag
    if lev.kind in ("int", "float"):
        return validate_value(lev, number_from_text(raw, key))
    return validate_value(lev, raw)


def path_param(lid: str, path: Mapping[int, Any]) -> tuple[str, str]:
    """A lever path as a share-link parameter: ``("path.<lid>", "2030:1.5,2031:2.0")``
    (each value as Python writes it, which reads back to the same number)."""
    return PATH_PREFIX + lid, ",".join(f"{y}:{v}" for y, v in sorted(path.items()))


def path_params(scn: Scenario) -> dict[str, str]:
    """The share-link parameters of a scenario's lever paths."""
    return dict(path_param(lid, p) for lid, p in scn.paths().items())


#: Most years in one lever path's parameter (a horizon of 2100 has 76).
MAX_PATH_YEARS = 100


def parse_path(lid: str, raw: str, horizon: int) -> dict[int, Any]:
    """A ``path.<lid>`` parameter's text (``2030:1.5,2031:2``) as ``{year: value}``;
    ScenarioError naming the parameter for an unknown or unpathable lever, a malformed
    entry, a year given twice or outside 2025-horizon, a value out of range or not an ASCII
    decimal."""
    key = PATH_PREFIX + lid
    check_pathable(lid, key)
    entries = raw.split(",")
    if len(entries) > MAX_PATH_YEARS:
        raise ScenarioError(f"{key}: more than {MAX_PATH_YEARS} years", key)
    out: dict[int, Any] = {}
    for entry in entries:
        year, sep, text = entry.partition(":")
        if not sep or not _YEAR.fullmatch(year):
            raise ScenarioError(
                f"{key}: {shown_repr(entry, 30)} is not YEAR:VALUE (e.g. 2030:1.5)", key
            )
        if int(year) in out:
            raise ScenarioError(f"{key}: year {year} given twice", key)
        y, v = path_value(lid, int(year), number_from_text(text, key), horizon, key)
        out[y] = v
    return out


def _flag(raw: str) -> bool | None:
    low = raw.lower() if raw.isascii() else raw
    return True if low in TRUE else False if low in FALSE else None


def parse_query(
    pairs: Mapping[str, Sequence[str]], views: Iterable[str]
) -> tuple[dict[str, Any], list[str]]:
    """The values a link sets and its warnings.

    ``pairs`` maps each parameter to every value it was given (Streamlit's
    ``query_params.get_all``); the last one is used. ``views`` are the dashboard's view ids.
    Returns ``values`` -- lever ids, ``view``, ``path``, ``present`` and ``fan`` (bool),
    ``year`` (int),
    ``years`` (list of int, without repeats), ``pinned`` (a
    :class:`rebalancing.pinned.Pinned`, from ``pin`` and ``pin.<lever id>``) and
    ``lever_paths`` (``{lever id: {year: value}}``, from ``path.<lever id>``; years checked
    against the link's horizon), each only if given and valid -- and
    ``warnings``, one line each, at most MAX_WARNINGS plus a line counting the rest.
    """
    views = tuple(views)
    values: dict[str, Any] = {}
    warnings: list[str] = []
    last = {}
    for key, given in pairs.items():
        if isinstance(given, str):  # one value rather than a list of them
            given = [given]
        if not given:
            continue
        raw = last[key] = given[-1]
        name = shown(key)
        if len(given) > 1:
            warnings.append(f"{name}: given {len(given)} times; the last value is used")
        try:
            if key == PIN_NAME or key.startswith(PIN_PREFIX):
                continue  # the pinned scenario: read below
            elif key.startswith(PATH_PREFIX):
                continue  # lever paths: read below, once the horizon is known
            elif key in LEVERS:
                values[key] = parse_value(key, raw)
            elif key in ("view", "path"):
                options = views if key == "view" else tuple(PATHS)
                if raw not in options:
                    raise ScenarioError(
                        f"{key}: {shown_repr(raw, 30)} is not one of {', '.join(options)}"
                    )
                values[key] = raw
            elif key == "year":
                if not _YEAR.fullmatch(raw):
                    raise ScenarioError(f"year: {shown_repr(raw, 20)} is not a year")
                values["year"] = int(raw)
            elif key == "years":
                ys = raw.split(",")
                if not all(_YEAR.fullmatch(y) for y in ys):
                    raise ScenarioError(
                        f"years: {shown_repr(raw, 30)} is not a comma-separated list of years"
                    )
                values["years"] = list(dict.fromkeys(int(y) for y in ys))  # no repeats
            elif key in ("present", "fan"):
                flag = _flag(raw)
                if flag is None:
                    raise ScenarioError(f"{key}: {shown_repr(raw, 20)} is not true or false")
                values[key] = flag
            elif key in RETIRED:
                warnings.append(f"{unknown_lever_message(key)}; ignored")
            else:
                warnings.append(f"{name}: unknown parameter; ignored")
        except ScenarioError as e:
            warnings.append(f"{e}; using the default")
    horizon = values.get("global.horizon", LEVERS["global.horizon"].default)
    for key, raw in last.items():
        if not key.startswith(PATH_PREFIX):
            continue
        try:
            path = parse_path(key[len(PATH_PREFIX) :], raw, horizon)
            values.setdefault("lever_paths", {})[key[len(PATH_PREFIX) :]] = path
        except ScenarioError as e:
            warnings.append(f"{e}; ignored")
    pinned, pin_warnings = from_query(last)
    if pinned is not None:
        values["pinned"] = pinned
    warnings += pin_warnings
    if len(warnings) > MAX_WARNINGS:
        warnings = warnings[:MAX_WARNINGS] + [f"… and {len(warnings) - MAX_WARNINGS} more"]
    return values, warnings
