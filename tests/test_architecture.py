"""The import graph of the library: no cycle between files, counting imports inside functions too.

A cycle between two files means one of them holds two floors (STYLE.md, "Layers show in the folders");
the renovation (docs/ARCHITECTURE.md) removed the two that existed. The graph is read from the source
with ``ast``, so an import hidden inside a function counts as much as one at the top of a file; imports
under ``if TYPE_CHECKING:`` do not run and do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "smartcity_analysis"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE


def _module_files() -> dict[str, Path]:
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, module: str, is_package: bool):
    """Yield the absolute names imported anywhere in ``tree`` (skipping TYPE_CHECKING blocks)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                stack.extend(child.orelse)
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = module.split(".") if is_package else module.split(".")[:-1]
                    base = base[: len(base) - (child.level - 1)]
                    prefix = ".".join(base + ([child.module] if child.module else []))
                else:
                    prefix = child.module or ""
                # `from pkg import sub` is pkg.sub when sub is a module, else pkg (resolved by the caller)
                for alias in child.names:
                    yield f"{prefix}.{alias.name}"
            stack.append(child)


def import_graph() -> dict[str, set[str]]:
    """``module -> modules of the package it imports`` (each name resolved to the file that defines it)."""
    files = _module_files()
    graph: dict[str, set[str]] = {m: set() for m in files}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for name in _imports(tree, module, path.name == "__init__.py"):
            if not name.startswith(PACKAGE):
                continue
            # the longest prefix that is a file: `from a.b import c` is a.b.c when c is a module
            target = name
            while target and target not in files:
                target = target.rpartition(".")[0]
            if target and target != module and target != PACKAGE:
                graph[module].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one file (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
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
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_cycle_finder_finds_a_known_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_import_graph_sees_imports_inside_functions(tmp_path):
    tree = ast.parse("def f():\n    from smartcity_analysis.spec import load_spec\n"
                     "if TYPE_CHECKING:\n    from smartcity_analysis import report\n")
    names = set(_imports(tree, "smartcity_analysis.x", False))
    assert "smartcity_analysis.spec.load_spec" in names
    assert not any("report" in n for n in names)


def test_graph_is_read_from_the_real_package():
    graph = import_graph()
    assert len(graph) > 40
    assert "smartcity_analysis.spec" in graph["smartcity_analysis.engine.pipeline"]


def test_no_import_cycle_between_library_files():
    found = cycles(import_graph())
    if found:
        pytest.fail("Import cycles between library files (a file that holds two floors; move the shared "
                    "part down a layer): " + "; ".join(" <-> ".join(c) for c in found))


#: The floors of the package, lowest first (the map in ``smartcity_analysis/__init__.py``). A file may
#: import from its own floor or below.
FLOORS = (
    ("__init__", "errors", "paths", "files"),
    ("databuild", "curated"),
    ("spec",),
    ("engine", "cache"),
    ("robustness", "explanation", "api"),
    ("results", "plots"),
    ("report", "overview", "explorer"),
    ("kernels", "rendering"),
    ("batch",),
    ("cli", "__main__"),
)

#: Imports that reach up a floor on purpose: the spec parser checks method names and their parameters
#: against the engine's registries and which aggregators need a positive scale (the xclim pattern:
#: the schema knows the registry).
ALLOWED_UP = {("smartcity_analysis.spec.", "smartcity_analysis.engine.")}


def floor_of(module: str) -> int:
    part = module.split(".")[1] if "." in module else "__init__"
    for i, names in enumerate(FLOORS):
        if part in names:
            return i
    raise AssertionError(f"{module} is on no floor of FLOORS; add it to the map")


def test_every_file_is_on_a_floor_and_no_import_reaches_up():
    graph = import_graph()
    up = []
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            if floor_of(target) > floor_of(module) and not any(
                module.startswith(a) and target.startswith(b) for a, b in ALLOWED_UP
            ):
                up.append(f"{module} -> {target}")
    assert up == [], "imports that reach up a floor (move the shared part down): " + "; ".join(up)


def test_floor_check_catches_an_upward_import():
    assert floor_of("smartcity_analysis.engine.pipeline") < floor_of("smartcity_analysis.report.context")
    with pytest.raises(AssertionError, match="no floor"):
        floor_of("smartcity_analysis.nowhere")


def test_library_files_stay_under_800_lines():
    long = {str(p.relative_to(ROOT)): n for p in ROOT.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 800}
    assert long == {}, f"files over ~800 lines usually hold two rooms: split them at their banners: {long}"
