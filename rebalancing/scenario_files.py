"""Scenario files as documents: read (bounded), checked for shape, parsed, and written.

A scenario file is JSON or TOML (the format from the extension, else sniffed), at most
:data:`MAX_SCENARIO_BYTES`, UTF-8 (a byte-order mark is read). Its text is checked for the
shape of a scenario before any parser sees it (:func:`check_shape`), so no input within the
size limit takes a parser long; numbers are read by hooks that keep a literal with no
faithful value as :class:`rebalancing.levers.NumberText`, so that the lever receiving it is
named. A bad file gets a :class:`ScenarioError` whose one-line message names the file and
the field; nothing is clamped or guessed, and nothing is evaluated. Text from the user
(keys, values, file names) is quoted in messages with control characters escaped
(:func:`rebalancing.errors.shown`).

This module knows documents (tables of groups and levers), not scenarios:
:mod:`rebalancing.scenario` turns one into a :class:`~rebalancing.scenario.Scenario` and back.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from .errors import FileError, ScenarioError, shown, shown_repr
from .files import read_bytes, write_text
from .levers import NumberText, describe, float_literal, int_literal

#: Largest scenario file accepted (bytes). A full scenario is ~2 kB. 1 MB as the dashboard's
#: uploader counts it (10**6 bytes: it refuses a larger file with "File must be 1.0MB or
#: smaller"; Streamlit's server, with server.maxUploadSize = 1, takes up to 2**20).
MAX_SCENARIO_BYTES = 1_000_000

#: Most keys in one JSON object of a scenario file (a full flat scenario has ~45).
MAX_KEYS = 1000


def load_document(content: bytes | str, filename: str = "scenario") -> Any:
    """The table of a JSON or TOML scenario file, checked for size, encoding and syntax."""
    name = shown(filename)
    if isinstance(content, str):
        if len(content) > MAX_SCENARIO_BYTES:  # each character is at least one byte
            raise ScenarioError(f"{name}: file is larger than {MAX_SCENARIO_BYTES} bytes")
        content = content.encode("utf-8", "surrogatepass")  # a lone surrogate: not UTF-8
    if not isinstance(content, (bytes, bytearray)):
        raise ScenarioError(f"{name}: expected the file's bytes or text, got {describe(content)}")
    if len(content) > MAX_SCENARIO_BYTES:
        raise ScenarioError(f"{name}: file is larger than {MAX_SCENARIO_BYTES} bytes")
    try:
        # utf-8-sig: a byte-order mark (as Windows editors write) is read, not refused
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError(f"{name}: not UTF-8 text (expected JSON or TOML)") from None
    lower = str(filename).lower()
    fmt = (
        "json"
        if lower.endswith(".json")
        else "toml"
        if lower.endswith(".toml")
        else "json"
        if text.lstrip().startswith("{")
        else "toml"
    )
    check_shape(text, fmt, name)
    try:
        data = _load_json(text, name) if fmt == "json" else _load_toml(text, name)
    except RecursionError:
        raise ScenarioError(f"{name}: nested too deeply to be a scenario") from None
    return data


#: The shape of a text that can be a scenario, checked before any parser sees it (a full
#: scenario with a pinned one and a path for every lever stays far inside each): the
#: parsers take time quadratic in some shapes (tomllib in the parts of one dotted key:
#: ``a.a.a...a = 1`` of 40 kB took 7-15 s) and at least linear in the number of entries,
#: so each is bounded. Measured at these bounds, at the 1 MB size limit, on this project's
#: 2-core machine: the worst case parses in about 0.1 s (tests/unit/test_files.py).
MAX_LINES = 20_000
MAX_ENTRIES = 5_000  # key/value pairs: "=" in TOML, ":" in JSON
MAX_ITEMS = 20_000  # list items and inline-table entries: ","
MAX_BRACKETS = 10_000  # tables and lists opened: "[" and "{"
MAX_DEPTH = 32  # lists and tables inside each other
MAX_KEY_PARTS = 6  # parts of one dotted TOML key (a.b.c = 1 has three)

_KEY_PART = r"""(?:[A-Za-z0-9_-]++|"(?:[^"\\\n]++|\\.)*+"|'[^'\n]*+')"""
#: A TOML dotted key of more than MAX_KEY_PARTS parts. Linear: a chain is tried from its
#: first part only (the look-behind), every quantifier is possessive, and a match ends the
#: search. No "=" is required after it, which would make a failed match rescan the chain
#: from each part; so text such as a name "a.b.c.d.e.f.g" inside a string is refused too.
_LONG_KEY = re.compile(
    rf"""(?<![A-Za-z0-9_.'"\\-]){_KEY_PART}(?:[ \t]*+\.[ \t]*+{_KEY_PART}){{{MAX_KEY_PARTS},}}+"""
)
_BRACKET = re.compile(r"[\[\]{}]")


def check_shape(text: str, fmt: str, name: str = "scenario") -> None:
    """Refuse, before parsing, a text whose shape no scenario has and that a parser would
    take long over (:data:`MAX_LINES` and the other bounds): one message naming the file
    and the bound. Counts are of characters anywhere (in strings too), which only makes
    the check stricter; a scenario's strings are short names."""

    def refuse(what: str) -> ScenarioError:
        return ScenarioError(f"{name}: {what}; not a scenario file")

    counts = (
        (text.count("\n") + 1, MAX_LINES, "lines"),
        (text.count("=" if fmt == "toml" else ":"), MAX_ENTRIES, "entries"),
        (text.count(","), MAX_ITEMS, "list items (commas)"),
        (text.count("[") + text.count("{"), MAX_BRACKETS, "tables and lists"),
    )
    for n, limit, what in counts:
        if n > limit:
            raise refuse(f"more than {limit:,} {what} ({n:,})")
    depth = 0
    for m in _BRACKET.finditer(text):  # at most 2 x MAX_BRACKETS matches
        depth += 1 if m.group() in "[{" else -1
        if depth > MAX_DEPTH:
            line = text.count("\n", 0, m.start()) + 1
            raise refuse(f"line {line}: lists or tables nested more than {MAX_DEPTH} deep")
    if fmt == "toml":
        m = _LONG_KEY.search(text)
        if m is not None:
            line = text.count("\n", 0, m.start()) + 1
            raise refuse(f"line {line}: a dotted key of more than {MAX_KEY_PARTS} parts")


class _Refused(Exception):
    """Raised inside the JSON parser's hooks; not a ValueError, so nothing rewraps it."""


def _load_json(text: str, name: str) -> Any:
    try:
        return json.loads(
            text,
            parse_int=int_literal,
            parse_float=float_literal,
            parse_constant=_json_constant,
            object_pairs_hook=_json_object,
        )
    except json.JSONDecodeError as e:
        raise ScenarioError(f"{name}: not valid JSON ({shown(e, 200)})") from None
    except _Refused as e:
        raise ScenarioError(f"{name}: {e}") from None


def _json_object(pairs: list) -> dict:
    if len(pairs) > MAX_KEYS:
        raise _Refused(f"an object with {len(pairs)} keys is not a scenario (at most {MAX_KEYS})")
    d = dict(pairs)
    if len(d) < len(pairs):  # a repeated key: find the first, in linear time
        seen = set()
        for k, _ in pairs:
            if k in seen:
                raise _Refused(f"key {shown_repr(k)} appears twice")
            seen.add(k)
    return d


def _json_constant(name: str) -> NumberText:
    return NumberText(name, "is not a finite number")


def _load_toml(text: str, name: str) -> Any:
    try:
        return tomllib.loads(text, parse_float=float_literal)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{name}: not valid TOML ({shown(e, 200)})") from None
    except ValueError as e:  # int() of more digits than Python converts (4,300)
        where, field = _long_integer_at(text)
        if where is None:
            raise ScenarioError(f"{name}: not valid TOML ({shown(e, 200)})") from None
        raise ScenarioError(f"{name}: {where}", field) from None


def _long_integer_at(text: str) -> tuple[str | None, str | None]:
    """Where the first integer too long to convert is in a TOML text: ``line 2:
    global.horizon: 1111... (4301 digits) is out of range``."""
    m = re.search(r"[0-9][0-9_]{999,}", text)
    if m is None:
        return None, None
    start = text.rfind("\n", 0, m.start()) + 1
    key = text[start : m.start()].split("=")[0].strip().strip("\"'")
    tables = re.findall(r"(?m)^[ \t]*\[([^\[\]\n]+)\][ \t]*(?:#.*)?$", text[:start])
    field = f"{tables[-1].strip()}.{key}" if tables else key
    digits = len(m.group().replace("_", ""))
    line = text.count("\n", 0, m.start()) + 1
    return (
        f"line {line}: {shown(field)}: {m.group()[:12]}... ({digits} digits) is out of range",
        field,
    )


def read_document(path: str | Path) -> Any:
    """The table of a scenario file on disk: only a regular file, at most
    MAX_SCENARIO_BYTES read (a device, a FIFO or a folder is refused by name, before it is
    opened)."""
    p = Path(path)
    try:
        content = read_bytes(p, MAX_SCENARIO_BYTES)
    except FileError as e:
        raise ScenarioError(str(e)) from None
    return load_document(content, p.name)


def dumps_document(document: dict, fmt: str = "json") -> str:
    """A scenario document as the text of a JSON or TOML file."""
    if fmt == "json":
        return json.dumps(document, indent=2) + "\n"
    if fmt == "toml":
        return tomli_w.dumps(document)
    raise ScenarioError(f"format: {shown_repr(fmt)} is not json or toml")


def file_format(path: str | Path) -> str:
    """``toml`` for a ``.toml`` name, else ``json``."""
    return "toml" if Path(path).suffix.lower() == ".toml" else "json"


def write_document(document: dict, path: str | Path, inputs: dict | None = None) -> None:
    """Write a scenario document (TOML for a ``.toml`` name, else JSON) the one way files
    are written (:func:`rebalancing.files.write_text`: never over ``inputs`` or the
    package's files, atomically)."""
    write_text(Path(path), dumps_document(document, file_format(path)), inputs)
