"""The model against published results (docs/validation.md): every check inside its range."""

from pathlib import Path

import pytest

from rebalancing.cli import VALIDATION_HEADER, main
from rebalancing.validate import markdown, validation_table

DOC = Path(__file__).resolve().parents[1] / "docs" / "validation.md"


@pytest.fixture(scope="module")
def checks():
    return validation_table()


def test_at_least_the_required_published_results_are_covered(checks):
    ids = {c.id for c in checks}
    assert {
        "tariffs_2025_long_run",
        "tariff_war_us",
        "sudden_stop_first_year",
        "crisis_persistence",
        "fiscal_consolidation_ca",
        "trade_2025_us",
        "valuation_2024q4",
    } <= ids
    for c in checks:
        assert c.study and c.published and c.experiment and c.why_range and c.unit
        assert c.low < c.high


def test_every_published_result_is_inside_its_range(checks):
    outside = [(c.id, c.model, c.low, c.high) for c in checks if not c.inside]
    assert not outside


def test_the_validation_document_is_current(checks):
    """docs/validation.md is what `validate --markdown` writes today (regenerate it with
    that command when a number moves)."""
    assert DOC.read_text(encoding="utf-8") == VALIDATION_HEADER + markdown(checks)


def test_validate_cli_prints_the_table_and_exits_0(capsys, tmp_path):
    assert main(["validate", "--markdown", str(tmp_path / "v.md")]) == 0
    out = capsys.readouterr().out
    assert "inside" in out and "OUTSIDE" not in out
    assert (tmp_path / "v.md").read_text(encoding="utf-8").startswith("# Validation")
