"""One base error class for everything the package refuses, so callers catch one type.

Each subclass also derives from the builtin a caller would expect (a bad value is a
``ValueError``, an unbalanced account an ``ArithmeticError``).
"""

from __future__ import annotations

import math
import re


class RebalancingError(Exception):
    """Base class of every error the package raises on purpose; the message names the field,
    the file, the path, the region or the year involved."""


class ModelError(RebalancingError, RuntimeError):
    """A scenario has no admissible solution (e.g. negative output); names path, region, year."""


class IdentityError(RebalancingError, ArithmeticError):
    """An accounting identity does not hold; the message names it, the path and the year."""


class ScenarioError(RebalancingError, ValueError):
    """A scenario value or file is invalid; ``field`` names the lever (or ``None``)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class FileError(RebalancingError, OSError):
    """A file cannot be read or written, or is refused (not a regular file, too large, an
    output that names an input); the message names the file and the reason; ``filename``
    is the file's name."""

    def __new__(cls, message: str, filename: str | None = None):
        return super().__new__(cls, message)  # not OSError's (errno, strerror) arguments

    def __init__(self, message: str, filename: str | None = None):
        super().__init__(message)
        self.filename = filename

    def __str__(self) -> str:
        return self.args[0]

    def __reduce__(self):
        return type(self), (self.args[0], self.filename)


#: Longest piece of user text (a key, a value, a file name) quoted in an error message.
SHOWN_CHARS = 80

_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def shown(text: object, limit: int = SHOWN_CHARS) -> str:
    """User text as it may appear in a one-line message: cut to ``limit`` characters (with
    "…") and every character that is not printable (ANSI escapes, newlines, other C0/C1
    controls, line separators, bidi overrides, lone surrogates) written as ``\\x1b``,
    ``\\n``, ``\\u2028``... so it can neither break the line nor drive a terminal."""
    s = text if type(text) is str else _text(text)
    if len(s) > limit:
        s = s[:limit] + "…"
    if s.isprintable():
        return s
    return "".join(c if c.isprintable() else _escape(c) for c in s)


def _text(value: object) -> str:
    """``str(value)``, except for an integer of thousands of digits (a file can hold one:
    ``0xfff...``), which Python refuses to convert (more than 4,300 digits) and would take
    quadratic time on: its size is named instead."""
    if isinstance(value, int) and value.bit_length() > 10_000:  # ~3,000 digits
        return f"a number of about {int(value.bit_length() * math.log10(2))} digits"
    return str(value)


def _escape(c: str) -> str:
    if c in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[c]
    n = ord(c)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"


def shown_repr(text: object, limit: int = SHOWN_CHARS) -> str:
    """``repr``-style quotes around user text (for values: ``'EU'``), cut to ``limit``
    characters; ``repr`` escapes every character that is not printable."""
    s = text if type(text) is str else _text(text)
    return repr(s[:limit]) + ("…" if len(s) > limit else "")


def one_line(message: str, limit: int = 1000) -> str:
    """A whole message made safe for one line of a terminal (a last pass: the parts taken
    from user input are already :func:`shown`)."""
    return shown(message, limit)


#: Every ASCII punctuation character: CommonMark lets each be backslash-escaped.
_MD_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")


#: Where GFM's autolink literals start: a scheme before its colon, "www" before its dot, the
#: domain after an "@". Streamlit's renderer finds them in the text *after* escapes are
#: resolved, so ``http\\:\\/\\/evil.example`` still became a link; a zero-width space
#: (U+200B) at each such point stops it and is not seen.
_AUTOLINK = re.compile(
    r"(?i)(?<=https)(?=:)|(?<=http)(?=:)|(?<=ftp)(?=:)|(?<=mailto)(?=:)"
    r"|(?<=xmpp)(?=:)|(?<=www)(?=\.)|(?<=@)"
)
ZWSP = "\u200b"


def markdown_text(text: object) -> str:
    """``text`` escaped so that a Markdown renderer (Streamlit's ``st.error``, ``st.warning``,
    ``st.caption``...) shows it literally: every ASCII punctuation character backslash-
    escaped (CommonMark), which disarms links ``[x](url)``, images ``![x](url)``, emphasis,
    raw HTML ``<img>``, ``$`` math, and Streamlit's ``:red[...]`` / ``:material/...:``
    directives; a zero-width space after ``http``/``www``/``@`` keeps GFM from turning a
    bare address into a link; a line break becomes a visible ``\\n`` (see :func:`shown`,
    no cut)."""
    s = text if type(text) is str else str(text)
    if not s.isprintable():
        s = "".join(c if c.isprintable() else _escape(c) for c in s)
    return _MD_SPECIAL.sub(r"\\\1", _AUTOLINK.sub(ZWSP, s))
