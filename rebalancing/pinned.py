"""A pinned scenario: named settings kept beside the current ones for an A/B comparison.

The dashboard draws the pinned scenario's paths faintly on every chart and gives it its own
columns in the headline table. A pinned scenario travels

- in a share link as ``pin=<name>`` plus ``pin.<lever id>=<value>`` for each lever that
  differs from its default (``?pin=Plan%20B&pin.orderly.kappa=2``; written by
  :meth:`Pinned.to_query`, read by :func:`rebalancing.share.pinned_from_query`), and
- in a scenario file as a ``pinned`` table: ``{"name": ..., "levers": {lever id: value}}``
  (flat lever ids, the levers that differ from the defaults).

A name is shown in chart legends (plotly reads a subset of HTML there) and in Markdown, so
only letters, digits, spaces and ``- _ . , ( ) ' +`` are accepted, up to 40 characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .scenario import LEVERS, Scenario, ScenarioError, unknown_lever_message

#: URL parameter of the name, and the prefix of the pinned scenario's levers.
PIN_NAME = "pin"
PIN_PREFIX = "pin."
MAX_NAME = 40
_NAME = re.compile(r"[\w .,()'+-]+")


def check_name(name: Any) -> str:
    """The name stripped, or a ScenarioError naming the field ``pinned.name``."""
    if not isinstance(name, str):
        raise ScenarioError(f"pinned.name: expected text, got {type(name).__name__}", "pinned.name")
    name = name.strip()
    if not name:
        raise ScenarioError("pinned.name: the name is empty", "pinned.name")
    if len(name) > MAX_NAME:
        raise ScenarioError(
            f"pinned.name: longer than {MAX_NAME} characters ({len(name)})", "pinned.name"
        )
    if not _NAME.fullmatch(name) or not name.isprintable():
        raise ScenarioError(
            "pinned.name: use letters, digits, spaces and - _ . , ( ) ' + only",
            "pinned.name",
        )
    return name


@dataclass(frozen=True)
class Pinned:
    """A named scenario kept for comparison (B) with the current settings (A)."""

    name: str
    scenario: Scenario

    def __post_init__(self):
        object.__setattr__(self, "name", check_name(self.name))
        if not isinstance(self.scenario, Scenario):
            raise ScenarioError("pinned.levers: expected a Scenario", "pinned.levers")

    def to_dict(self) -> dict[str, Any]:
        """The ``pinned`` table of a scenario file."""
        return {"name": self.name, "levers": dict(self.scenario.changed())}

    @classmethod
    def from_dict(cls, data: Any) -> Pinned:
        """Read a file's ``pinned`` table; ScenarioError names the bad field."""
        if not isinstance(data, dict):
            raise ScenarioError(
                f"pinned: expected a table with name and levers, got {type(data).__name__}",
                "pinned",
            )
        extra = sorted(set(data) - {"name", "levers"})
        if extra:
            raise ScenarioError(
                f"pinned.{str(extra[0])[:40]}: unknown key (expected name and levers)", "pinned"
            )
        levers = data.get("levers", {})
        if not isinstance(levers, dict):
            raise ScenarioError(
                f"pinned.levers: expected a table of lever ids, got {type(levers).__name__}",
                "pinned.levers",
            )
        for lid in levers:
            if lid not in LEVERS:
                raise ScenarioError(f"pinned.levers: {unknown_lever_message(str(lid)[:60])}", lid)
        return cls(check_name(data.get("name")), Scenario().with_values(dict(levers)))

    def to_query(self) -> dict[str, str]:
        """Share-link parameters: the name and each changed lever, prefixed ``pin.``."""
        q = {PIN_NAME: self.name}
        for lid, v in self.scenario.changed().items():
            q[PIN_PREFIX + lid] = str(v).lower() if isinstance(v, bool) else str(v)
        return q


def parse_with_pinned(
    content: bytes | str, filename: str = "scenario"
) -> tuple[Scenario, Pinned | None]:
    """A scenario file's scenario and, if it carries one, its pinned scenario."""
    from .scenario import load_document, scenario_from_dict

    data = load_document(content, filename)
    scn = scenario_from_dict(data)
    pinned = data.get("pinned") if isinstance(data, dict) else None
    return scn, (None if pinned is None else Pinned.from_dict(pinned))
