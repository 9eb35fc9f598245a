"""The package's seams, read from its source (AST, not grep): what may import what
(docs/architecture.md).

Every ``import`` and ``from ... import`` statement counts, at module level or inside a
function (a deferred import is still a dependency a reader must follow). The import graph
of ``rebalancing`` (and ``dashboard``, once it exists) must have no circle: its strongly
connected components (Tarjan's algorithm) are all single modules. No module imports
another's private name (``from .results import _calibrated``, or ``results._calibrated``
through an imported module); the Monte Carlo imports no charts and no worker task;
nothing under ``rebalancing/`` imports Streamlit; the blocks import neither the engine nor
one another.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = [p for p in ("rebalancing", "dashboard") if (ROOT / p).is_dir()]


def modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


MODULES = modules()


def _package_of(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def imports(name: str) -> list[tuple[str, str | None, int]]:
    """Every import of module ``name``: (imported module, imported name or None, line)."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    pkg = _package_of(name, path)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in MODULES:
                    out.append((sub, None, node.lineno))
                else:
                    out.append((target, alias.name, node.lineno))
        elif isinstance(node, ast.Import):
            out.extend((alias.name, None, node.lineno) for alias in node.names)
    return out


def graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports (the package's own ``__init__`` when a name
    comes from it)."""
    return {m: {t for t, _, _ in imports(m) if t in MODULES and t != m} for m in MODULES}


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the strongly connected components of a directed graph."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def closure(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for w in edges[todo.pop()]:
            if w not in seen:
                seen.add(w)
                todo.append(w)
    return seen


def test_the_finder_finds_a_circle_and_a_private_name(tmp_path):
    """The checks below can fail: a made-up graph with a circle has a component of two."""
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert [sorted(c) for c in strongly_connected(edges) if len(c) > 1] == [["a", "b", "c"]]
    assert closure("d", edges) == {"a", "b", "c"}


def test_no_import_circle():
    circles = [c for c in strongly_connected(graph()) if len(c) > 1]
    assert not circles, f"import circles: {circles}"


def test_no_private_name_crosses_modules():
    bad = []
    for m in MODULES:
        for target, name, line in imports(m):
            if target in MODULES and name and name.startswith("_") and not name.startswith("__"):
                bad.append(f"{MODULES[m].relative_to(ROOT)}:{line}: {name} from {target}")
        # module._name through a module imported by name (from . import results)
        aliases = {}
        tree = ast.parse(MODULES[m].read_text(encoding="utf-8"))
        pkg = _package_of(m, MODULES[m])
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)]
                for alias in node.names:
                    sub = ".".join(base + ([node.module] if node.module else []) + [alias.name])
                    if sub in MODULES:
                        aliases[alias.asname or alias.name] = sub
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                bad.append(
                    f"{MODULES[m].relative_to(ROOT)}:{node.lineno}: "
                    f"{node.value.id}.{node.attr} of {aliases[node.value.id]}"
                )
    assert not bad, "private names imported across modules:\n" + "\n".join(bad)


def test_the_monte_carlo_knows_nothing_of_the_dashboard():
    edges = graph()
    reached = closure("rebalancing.uncertainty", edges)
    assert "rebalancing.charts" not in reached
    assert "rebalancing._worker" not in reached
    assert not any(m.startswith("dashboard") for m in reached)


@pytest.mark.parametrize("name", [m for m in MODULES if m.startswith("rebalancing")])
def test_the_package_never_imports_streamlit_or_the_app(name):
    for target, _, line in imports(name):
        assert not target.startswith(("streamlit", "dashboard", "app")), (
            f"{MODULES[name].relative_to(ROOT)}:{line} imports {target}"
        )


def test_the_blocks_import_neither_the_engine_nor_each_other():
    edges = graph()
    blocks = [m for m in MODULES if m.startswith("rebalancing.blocks.")]
    assert blocks
    for b in blocks:
        assert "rebalancing.engine" not in closure(b, edges), b
        others = set(blocks) - {b}
        assert not edges[b] & others, f"{b} imports {edges[b] & others}"
