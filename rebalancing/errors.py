"""One base error class for everything the package refuses, so callers catch one type.

Each subclass also derives from the builtin a caller would expect (a bad value is a
``ValueError``, an unbalanced account an ``ArithmeticError``).
"""

from __future__ import annotations


class RebalancingError(Exception):
    """Base class of every error the package raises on purpose; the message names the field,
    the file, the path, the region or the year involved."""


class ModelError(RebalancingError, RuntimeError):
    """A scenario has no admissible solution (e.g. negative output); names path, region, year."""


class IdentityError(RebalancingError, ArithmeticError):
    """An accounting identity does not hold; the message names it, the path and the year."""
