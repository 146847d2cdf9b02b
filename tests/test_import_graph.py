"""Import cycles between library files (issue 11), counting imports inside functions too.

The whole package is not cycle-free yet (robustness <-> possible <-> sensitivity is being split in
parallel); this test pins the part that is: the batch package, the kernels, the renderer and the report.
Widen ``CHECKED`` as the other rooms are split.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "smartcity_analysis"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE

#: Module name prefixes that must sit in no import cycle.
CHECKED = ("smartcity_analysis.batch", "smartcity_analysis.kernels", "smartcity_analysis.rendering",
           "smartcity_analysis.report")


def _modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def import_graph() -> dict[str, set[str]]:
    """``{module: modules of the package it imports anywhere in its file}`` (functions included)."""
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = name.split(".") if is_pkg else name.split(".")[:-1]
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                # 'from pkg import mod' imports the submodule; 'from mod import name' imports mod
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            for target in targets:
                while target and target not in modules:  # 'pkg.mod.func' -> 'pkg.mod'
                    target = target.rpartition(".")[0]
                if target and target != name and target != PACKAGE:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_batch_kernels_rendering_and_report_sit_in_no_import_cycle():
    bad = [sorted(c) for c in cycles(import_graph()) if any(m.startswith(CHECKED) for m in c)]
    assert bad == []


def test_the_batch_package_is_layered():
    graph = import_graph()
    below = {  # what each room of the batch may import from the batch package
        "smartcity_analysis.batch.manifest": set(),
        "smartcity_analysis.batch.jobs": {"smartcity_analysis.batch.manifest"},
        "smartcity_analysis.batch.local": {"smartcity_analysis.batch.jobs"},
        "smartcity_analysis.batch.cluster": {"smartcity_analysis.batch.jobs"},
        "smartcity_analysis.batch.index_page": {"smartcity_analysis.batch.manifest"},
    }
    for module, allowed in below.items():
        inside = {m for m in graph[module] if m.startswith("smartcity_analysis.batch")}
        assert inside <= allowed, module
    assert "smartcity_analysis.rendering" not in graph["smartcity_analysis.kernels"]
    assert not {m for m in graph["smartcity_analysis.kernels"] if m.startswith("smartcity_analysis.batch")}
