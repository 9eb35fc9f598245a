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

Bounds. A link the dashboard makes has at most :data:`MAX_PARAMS` parameters; of a longer
query only the first MAX_PARAMS are read and the rest are counted in one warning
(:func:`parse_link`; Streamlit itself ignores a query of more than 1,000 parameters, so the
dashboard reads the query string as the browser sent it). A link longer than
:data:`MAX_LINK_CHARS` characters is not offered as a link (:func:`link_too_long`): HTTP
recommends that servers accept request lines of at least 8,000 octets, and common servers
and proxies refuse longer ones.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .errors import shown, shown_repr
from .paths import PATHS
from .pinned import PIN_NAME, PIN_PREFIX, Pinned
from .scenario import (
    LEVERS,
    PATHABLE,
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

#: The view's own parameters (besides levers, lever paths and the pinned scenario).
VIEW_PARAMS = ("view", "path", "year", "years", "present", "fan")

#: Most parameters a link the dashboard makes can have: every lever, every lever pinned
#: and the pin's name, a path for every lever that can have one, and the view's own.
MAX_PARAMS = 2 * len(LEVERS) + 1 + len(PATHABLE) + len(VIEW_PARAMS)

#: Longest link (characters, scheme to query) the share box offers. RFC 9110 section 4.1
#: and RFC 9112 section 3 recommend that HTTP senders and recipients support request lines
#: (and URIs) of at least 8,000 octets; longer ones are refused by common defaults (nginx's
#: 8 kB header buffers: 414; Apache's LimitRequestLine 8190; and this app's own server,
#: uvicorn with h11, refuses a request head over 16 KiB that arrives in pieces, as it does
#: over a network: 400 "Invalid HTTP request received.").
MAX_LINK_CHARS = 8000

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


def pinned_from_query(params: Mapping[str, str]) -> tuple[Pinned | None, list[str]]:
    """The pinned scenario of a share link's ``pin`` and ``pin.*`` parameters (the last
    value of each), and one warning per parameter that could not be used; each lever is read
    as its own URL parameter is (:func:`parse_value`). Levers given without a name are
    pinned as "Pinned". (Here, not in :mod:`rebalancing.pinned`, which writes the
    parameters: the pinned module imports nothing of this one.)"""
    warnings: list[str] = []
    values: dict[str, Any] = {}
    for key, raw in params.items():
        if not key.startswith(PIN_PREFIX):
            continue
        lid = key[len(PIN_PREFIX) :]
        try:
            if lid not in LEVERS:
                raise ScenarioError(unknown_lever_message(shown(lid, 60)))
            values[lid] = parse_value(lid, raw)
        except ScenarioError as e:
            warnings.append(f"{PIN_PREFIX}{e}; not pinned")
    name = params.get(PIN_NAME)
    if name is None and not values:
        return None, warnings
    try:
        pinned = Pinned("Pinned" if name is None else name, Scenario().with_values(values))
    except ScenarioError as e:
        warnings.append(f"{e}; nothing pinned")
        return None, warnings
    return pinned, warnings


def to_query(
    scn: Scenario,
    *,
    view: str = "compare",
    path: str | None = None,
    year: int | None = None,
    years: Sequence[int] | None = None,
    default_years: Sequence[int] | None = None,
    present: bool = False,
    fan: bool = False,
    pinned: Pinned | None = None,
) -> dict[str, str]:
    """The URL parameters that restore this exact view (the inverse of :func:`parse_query`):
    the changed levers, lever paths (``path.<lever id>``), the view and its settings where
    they differ from the defaults, and the pinned scenario."""
    p = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in scn.changed().items()}
    p.update(path_params(scn))
    if view != "compare":
        p["view"] = view
    if view == "accounts" and path is not None and path != "baseline":  # one-path view
        p["path"] = path
    if view == "accounts" and year is not None:
        p["year"] = str(year)
    if view == "compare" and years and list(years) != list(default_years or ()):
        p["years"] = ",".join(str(y) for y in years)
    if present:
        p["present"] = "true"
    if fan and view == "compare":
        p["fan"] = "true"
    if pinned is not None:
        p.update(pinned.to_query())
    return p


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


def cut_query(query: str, limit: int = MAX_PARAMS) -> tuple[str, int]:
    """The text of a raw query string's first ``limit`` parameters (``a=1&b=2``, without a
    leading ``?``; empty fields do not count), and how many parameters follow them. Reading
    stops after ``limit`` parameters; the rest are only counted (exactly up to a mebibyte
    of text, beyond that as the number of ``&``)."""
    start = end = 1 if query.startswith("?") else 0
    for n, m in enumerate(_FIELD.finditer(query, start)):
        if n == limit:
            break
        end = m.end()
    else:
        return query[start:], 0
    tail = query[end:]
    if len(tail) <= 1 << 20:
        return query[start:end], sum(1 for f in tail.split("&") if f)
    return query[start:end], tail.strip("&").count("&") + 1


def split_query(query: str, limit: int = MAX_PARAMS) -> tuple[dict[str, list[str]], int]:
    """A raw query string as ``{parameter: [values]}`` of its first ``limit`` parameters
    (``+`` and ``%XX`` decoded, as a browser encodes a form), and how many parameters follow
    them (ignored): :func:`cut_query`."""
    kept, rest = cut_query(query, limit)
    pairs: dict[str, list[str]] = {}
    for m in _FIELD.finditer(kept):
        key, _, value = m.group().partition("=")
        pairs.setdefault(urllib.parse.unquote_plus(key), []).append(
            urllib.parse.unquote_plus(value)
        )
    return pairs, rest


_FIELD = re.compile(r"[^&]+")


def parse_link(
    query: str, views: Iterable[str], ignored: int = 0
) -> tuple[dict[str, Any], list[str], int]:
    """A raw query string's values and warnings (as :func:`parse_query`, of its first
    :data:`MAX_PARAMS` parameters), and how many parameters could not be used: one per
    warning, counting those past MAX_WARNINGS, plus every parameter past MAX_PARAMS, which
    gets one warning line, first. ``ignored``: parameters already cut off the end of
    ``query`` (:func:`cut_query`), counted with those past MAX_PARAMS."""
    pairs, rest = split_query(query)
    ignored += rest
    values, warnings = _parse_query(pairs, views)
    count = len(warnings) + ignored
    if ignored:
        warnings.insert(
            0,
            f"{ignored:,} parameter(s) after the first {MAX_PARAMS} ignored: a link of this "
            f"dashboard has at most {MAX_PARAMS}",
        )
    return values, _capped(warnings), count


def link_too_long(link: str) -> bool:
    """True if ``link`` is longer than :data:`MAX_LINK_CHARS` characters."""
    return len(link) > MAX_LINK_CHARS


def _capped(warnings: list[str]) -> list[str]:
    if len(warnings) > MAX_WARNINGS:
        return warnings[:MAX_WARNINGS] + [f"… and {len(warnings) - MAX_WARNINGS} more"]
    return warnings


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
    values, warnings = _parse_query(pairs, views)
    return values, _capped(warnings)


def _parse_query(
    pairs: Mapping[str, Sequence[str]], views: Iterable[str]
) -> tuple[dict[str, Any], list[str]]:
    """:func:`parse_query` with every warning (not capped)."""
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
    pinned, pin_warnings = pinned_from_query(last)
    if pinned is not None:
        values["pinned"] = pinned
    warnings += pin_warnings
    return values, warnings
