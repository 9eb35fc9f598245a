"""rebalancing.errors: one base class, and messages that are always one printable line."""

import pickle

from rebalancing.errors import (
    FileError,
    IdentityError,
    ModelError,
    RebalancingError,
    ScenarioError,
    one_line,
    shown,
)


def test_every_error_is_a_rebalancing_error_and_the_builtin_a_caller_expects():
    assert issubclass(ScenarioError, ValueError) and issubclass(FileError, OSError)
    assert issubclass(ModelError, RuntimeError) and issubclass(IdentityError, ArithmeticError)
    for cls in (ScenarioError, FileError, ModelError, IdentityError):
        assert issubclass(cls, RebalancingError)
    e = pickle.loads(pickle.dumps(FileError("cannot write x: full", "x")))
    assert str(e) == "cannot write x: full" and e.filename == "x"
    assert ScenarioError("a: bad", "a").field == "a"


def test_user_text_is_escaped_and_cut():
    assert shown("a\nb\x1b") == "a\\nb\\x1b"
    assert len(shown("x" * 1000, 50)) <= 51
    assert "\n" not in one_line("two\nlines")
