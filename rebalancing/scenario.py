"""The Scenario: a value for every lever of every path and the global settings, and lever
paths (a value per year for some levers).

Built from the declarations of :mod:`rebalancing.levers` (each value validated wherever it
comes from) and read from and written to files through :mod:`rebalancing.scenario_files`
(documents: JSON or TOML tables). A scenario file reads::

    format_version = 2
    [orderly]
    kappa = 2.0

This module also keeps, for users' scripts, every name that lived here before the three
modules were split (version 0.3): ``from rebalancing.scenario import LEVERS,
parse_scenario, MAX_SCENARIO_BYTES`` still works.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import ScenarioError, shown
from .levers import (  # noqa: F401 -- re-exported: the lever declarations' old home
    FACTS,
    FIRST_PATH_YEAR,
    GROUP_TITLES,
    GROUPS,
    LEVERS,
    MAX_NUMBER_CHARS,
    PATHABLE,
    RETIRED,
    TREND_SOURCE,
    BaselineLevers,
    DisorderlyLevers,
    GlobalSettings,
    Lever,
    LeverGroup,
    NumberText,
    OrderlyLevers,
    SubglobalLevers,
    UnilateralLevers,
    check_pathable,
    describe,
    lever,
    not_pathable_reason,
    number_from_text,
    path_value,
    unknown_lever_message,
    validate_value,
)
from .scenario_files import (  # noqa: F401 -- re-exported: the scenario files' old home
    MAX_BRACKETS,
    MAX_DEPTH,
    MAX_ENTRIES,
    MAX_ITEMS,
    MAX_KEY_PARTS,
    MAX_KEYS,
    MAX_LINES,
    MAX_SCENARIO_BYTES,
    check_shape,
    dumps_document,
    file_format,
    load_document,
    read_document,
    write_document,
)
from .version import FORMAT_VERSION, KNOWN_FORMATS

_KNOWN = ", ".join(map(str, KNOWN_FORMATS[:-1])) + f" or {KNOWN_FORMATS[-1]}"


@dataclass(frozen=True)
class Scenario:
    """All levers of all paths plus the global settings."""

    global_: GlobalSettings = field(default_factory=GlobalSettings)
    baseline: BaselineLevers = field(default_factory=BaselineLevers)
    orderly: OrderlyLevers = field(default_factory=OrderlyLevers)
    disorderly: DisorderlyLevers = field(default_factory=DisorderlyLevers)
    unilateral: UnilateralLevers = field(default_factory=UnilateralLevers)
    subglobal: SubglobalLevers = field(default_factory=SubglobalLevers)

    #: Lever paths: ``((lever id, ((year, value), ...)), ...)``, in LEVERS order and by
    #: year; a year in a lever's path takes that value instead of the lever's (docs/model.md
    #: "Lever paths"). Empty for a scenario without paths (every file before them).
    lever_paths: tuple = ()

    def __post_init__(self):
        for g, cls in GROUPS.items():
            v = self.group(g)
            if not isinstance(v, cls):
                raise ScenarioError(
                    f"{g}: expected {cls.__name__}, got {shown(type(v).__name__)}", g
                )
        if self.lever_paths:
            object.__setattr__(
                self, "lever_paths", _normal_paths(self.lever_paths, self.global_.horizon)
            )

    def group(self, name: str):
        return getattr(self, "global_" if name == "global" else name)

    def get(self, lever_id: str):
        group, name = lever_id.split(".", 1)
        return getattr(self.group(group), name)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Nested ``{group: {lever: value}}``, the file format; with lever paths also
        ``paths: {lever id: {"year": value}}`` (years as text: TOML and JSON keys)."""
        d = {g: dataclasses.asdict(self.group(g)) for g in GROUPS}
        if self.lever_paths:
            d["paths"] = {
                lid: {str(y): v for y, v in path.items()} for lid, path in self.paths().items()
            }
        return d

    def paths(self) -> dict[str, dict[int, Any]]:
        """The lever paths, ``{lever id: {year: value}}`` (empty without paths)."""
        return {lid: dict(path) for lid, path in self.lever_paths}

    def path_of(self, lever_id: str) -> dict[int, Any]:
        """One lever's path, ``{year: value}`` (empty if it has none)."""
        return dict(dict(self.lever_paths).get(lever_id, ()))

    def with_paths(self, paths: Mapping[str, Mapping[int, Any] | None]) -> Scenario:
        """A copy with the lever paths ``{lever id: {year: value}}`` set (a lever's whole
        path replaced; ``None`` or ``{}`` removes it), each validated: the lever can follow
        a path (:data:`PATHABLE`), the years are inside BASE_YEAR+1..horizon and the values
        inside the lever's range."""
        if not isinstance(paths, Mapping):
            raise ScenarioError("paths: expected a mapping of lever ids to {year: value}", "paths")
        merged = self.paths()
        for lid, path in paths.items():
            if path:
                merged[lid] = path
            else:
                merged.pop(lid, None)
        return replace(self, lever_paths=tuple((lid, p) for lid, p in merged.items()))

    def without_paths(self) -> Scenario:
        """The scenario with every lever at its one value (no paths)."""
        return replace(self, lever_paths=()) if self.lever_paths else self

    def flat(self) -> dict[str, Any]:
        """``{lever_id: value}``."""
        return {lid: self.get(lid) for lid in LEVERS}

    def changed(self) -> dict[str, Any]:
        """Levers that differ from their defaults."""
        return {lid: v for lid, v in self.flat().items() if v != LEVERS[lid].default}

    def with_values(self, values: Mapping[str, Any]) -> Scenario:
        """A copy with ``{lever_id: value}`` applied, each value validated."""
        if not isinstance(values, Mapping):
            raise ScenarioError(
                f"values: expected a mapping of lever ids to values, got "
                f"{shown(type(values).__name__)}"
            )
        groups = {g: {} for g in GROUPS}
        for lid, v in values.items():
            lev = LEVERS.get(lid)
            if lev is None:
                raise ScenarioError(unknown_lever_message(lid), lid)
            groups[lev.group][lev.name] = validate_value(lev, v)
        kw = {}
        for g, changes in groups.items():
            if changes:
                kw["global_" if g == "global" else g] = replace(self.group(g), **changes)
        return replace(self, **kw)


def _normal_paths(paths: Any, horizon: int) -> tuple:
    """Lever paths as Scenario holds them (see :attr:`Scenario.lever_paths`), validated."""
    items = paths.items() if isinstance(paths, Mapping) else paths
    try:
        items = [(lid, path) for lid, path in items]
    except (TypeError, ValueError):
        raise ScenarioError("paths: expected lever ids with {year: value}", "paths") from None
    out = {}
    for lid, path in items:
        check_pathable(lid)
        if isinstance(path, Mapping):
            path = path.items()
        try:
            entries = [path_value(lid, y, v, horizon) for y, v in path]
        except (TypeError, ValueError) as e:
            if isinstance(e, ScenarioError):
                raise
            raise ScenarioError(
                f"paths.{lid}: expected a table of years and values", f"paths.{lid}"
            ) from None
        if len({y for y, _ in entries}) < len(entries):
            raise ScenarioError(f"paths.{lid}: a year appears twice", f"paths.{lid}")
        if entries:
            out[lid] = tuple(sorted(entries))
    return tuple((lid, out[lid]) for lid in LEVERS if lid in out)


def default_scenario() -> Scenario:
    return Scenario()


def scenario_from_dict(data: Any) -> Scenario:
    """Build a scenario from a file's table; missing levers keep defaults.

    Three forms are read: the scenario file ``{group: {lever: value}}`` (with an optional
    ``format_version``); flat lever ids ``{"global.horizon": 2050}``, the form of the URL and
    of the ``levers`` command; and the ``.meta.json`` written beside every results CSV,
    whose ``scenario`` table is used.
    """
    if not isinstance(data, dict):
        raise ScenarioError(
            f"scenario: expected a table of groups ({', '.join(GROUPS)}), got {describe(data)}"
        )
    if data.get("package") == "rebalancing" and isinstance(data.get("scenario"), dict):
        data = data["scenario"]  # a results .meta.json
    if data and all(isinstance(k, str) and "." in k for k in data):
        for lid in data:  # flat lever ids
            if lid not in LEVERS:
                raise ScenarioError(unknown_lever_message(lid), lid)
        return Scenario().with_values(dict(data))
    values = {}
    data = dict(data)
    data.pop("pinned", None)  # a pinned scenario for comparison: rebalancing.pinned
    paths = data.pop("paths", None)
    if paths is not None and not isinstance(paths, dict):
        raise ScenarioError(
            f"paths: expected a table of lever ids to {{year: value}}, got {describe(paths)}",
            "paths",
        )
    for lid, path in (paths or {}).items():
        check_pathable(lid)
        if not isinstance(path, dict):
            raise ScenarioError(
                f"paths.{lid}: expected a table of years to values, got {describe(path)}",
                f"paths.{lid}",
            )
    version = data.pop("format_version", 1)
    if type(version) not in (int, NumberText):  # NumberText: a number too long to read
        raise ScenarioError(
            f"format_version: expected a whole number ({_KNOWN}), got {describe(version)}",
            "format_version",
        )
    if version not in KNOWN_FORMATS:
        raise ScenarioError(
            f"format_version: {shown(version, 40)} is not a known scenario format "
            f"(expected {_KNOWN})",
            "format_version",
        )
    if version < 3:  # written for version 2's engine: run it with that engine
        values["global.expectations"] = "adaptive"
    for g, table in data.items():
        if g not in GROUPS:
            raise ScenarioError(
                f"{shown(g)}: unknown group (expected one of {', '.join(GROUPS)})", g
            )
        if not isinstance(table, dict):
            raise ScenarioError(f"{g}: expected a table of levers, got {describe(table)}", g)
        for k, v in table.items():
            lid = f"{g}.{k}"
            if lid not in LEVERS:
                raise ScenarioError(unknown_lever_message(lid), lid)
            values[lid] = v
    scn = Scenario().with_values(values)
    return scn.with_paths(paths) if paths else scn


def format_note(data: Any) -> str | None:
    """The note for a scenario file written before the current format: which engine runs
    it (None for a current file, flat lever ids and results metadata)."""
    if not isinstance(data, dict) or data.get("package") == "rebalancing":
        return None
    if data and all(isinstance(k, str) and "." in k for k in data):
        return None
    version = data.get("format_version", 1)
    if version not in KNOWN_FORMATS or version >= 3:
        return None
    table = data.get("global")
    if isinstance(table, dict) and "expectations" in table:
        return None
    return (
        f"the file is in scenario format {version} (before version 0.3): it runs with "
        "global.expectations = adaptive, the engine it was written for; set "
        "global.expectations = model-consistent to run it with the new engine"
    )


def parse_scenario(content: bytes | str, filename: str = "scenario") -> Scenario:
    """Parse a JSON or TOML scenario (format from the extension, else sniffed)."""
    return scenario_from_dict(load_document(content, filename))


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario file (:func:`rebalancing.scenario_files.read_document`)."""
    return scenario_from_dict(read_document(path))


def load_scenario_noted(path: str | Path) -> tuple[Scenario, str | None]:
    """A scenario file's scenario and its :func:`format_note` (None for a current file)."""
    data = read_document(path)
    return scenario_from_dict(data), format_note(data)


#: dumps_scenario's recent texts, by the repr of its arguments (which tells 1 from 1.0 and
#: True): the dashboard asks for the same scenario's text several times a rerun.
_DUMPS: dict[tuple[str, str, str], str] = {}
_DUMPS_MAX = 256


def dumps_scenario(scn: Scenario, fmt: str = "json", pinned=None) -> str:
    """The scenario file's text; ``pinned`` (a :class:`rebalancing.pinned.Pinned`) adds the
    scenario pinned for comparison as a ``pinned`` table."""
    key = (repr(scn), str(fmt), repr(pinned))
    text = _DUMPS.get(key)
    if text is None:
        text = _dumps_scenario(scn, fmt, pinned)
        if len(_DUMPS) >= _DUMPS_MAX:
            _DUMPS.clear()
        _DUMPS[key] = text
    return text


def _dumps_scenario(scn: Scenario, fmt: str, pinned) -> str:
    d = {"format_version": FORMAT_VERSION, **scn.to_dict()}
    if pinned is not None:
        d["pinned"] = pinned.to_dict()
    return dumps_document(d, fmt)


def save_scenario(scn: Scenario, path: str | Path, inputs: dict | None = None) -> None:
    """Write the scenario file (TOML for a ``.toml`` name, else JSON) the one way files are
    written (:func:`rebalancing.files.write_text`: never over ``inputs`` or the package's
    files, atomically)."""
    write_document({"format_version": FORMAT_VERSION, **scn.to_dict()}, path, inputs)
