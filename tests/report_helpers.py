"""Shared helpers of the report/notebook tests (imported explicitly; not a conftest).

- :func:`parameters_cell` / :func:`declared_parameters`: parse a notebook's tagged papermill parameters
  cell (``name: type = default  # help``) with :mod:`ast`.
- :func:`thin_notebook_problems`: the thin-notebook lint (no def/class/lambda/for/while in any cell).
- :func:`warm_kernel`: one Jupyter kernel reused by the papermill tests of a module.
- :func:`page_fill`: how far down each page of a WeasyPrint layout its content reaches.
- :func:`cell_line_counts`: how many lines each table cell of a given column takes in print.
"""

from __future__ import annotations

import ast
import contextlib
import re
from pathlib import Path

import nbformat

from smartcity_analysis.paths import notebooks_dir

#: Statements and expressions a thin notebook must not contain (logic belongs in the library).
FORBIDDEN_NODES = {
    ast.FunctionDef: "function definition",
    ast.AsyncFunctionDef: "function definition",
    ast.ClassDef: "class definition",
    ast.Lambda: "lambda",
    ast.For: "for loop",
    ast.AsyncFor: "for loop",
    ast.While: "while loop",
}


def all_notebooks() -> list[Path]:
    """Every notebook under ``notebooks/`` (templates and explorations), checkpoints excluded."""
    return sorted(p for p in notebooks_dir().rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def _python_source(source: str) -> str:
    """Cell source with IPython magics and shell escapes blanked (they are not Python syntax)."""
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        lines.append("" if stripped.startswith(("%", "!")) else line)
    return "\n".join(lines)


def parameters_cell(nb) -> nbformat.NotebookNode:
    """The (single) code cell tagged ``parameters``."""
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise AssertionError(f"expected exactly one cell tagged 'parameters', found {len(cells)}")
    return cells[0]


def declared_parameters(nb) -> list[tuple[str, str, object, str]]:
    """``(name, type annotation, default value, help comment)`` of each parameter, in order."""
    src = parameters_cell(nb).source
    tree = ast.parse(src)
    lines = src.splitlines()
    out = []
    for node in tree.body:
        if not isinstance(node, ast.AnnAssign) or not isinstance(node.target, ast.Name):
            raise AssertionError(
                f"parameters cell line {node.lineno}: expected 'name: type = default  # help', "
                f"got {ast.unparse(node)!r}"
            )
        comment = re.split(r"#\s*", lines[node.lineno - 1], maxsplit=1)
        out.append(
            (
                node.target.id,
                ast.unparse(node.annotation),
                ast.literal_eval(node.value),
                comment[1].strip() if len(comment) == 2 else "",
            )
        )
    return out


def thin_notebook_problems(nb) -> list[str]:
    """Every forbidden construct in a notebook's code cells, as ``"cell N line L: what"``."""
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(_python_source(cell.source))
        except SyntaxError as exc:
            problems.append(f"cell {i} line {exc.lineno}: not valid Python ({exc.msg})")
            continue
        for node in ast.walk(tree):
            what = FORBIDDEN_NODES.get(type(node))
            if what:
                problems.append(f"cell {i} line {node.lineno}: {what}")
    return problems


@contextlib.contextmanager
def warm_kernel():
    """A started ``python3`` kernel (quiet), shut down on exit."""
    from jupyter_client.manager import KernelManager

    from smartcity_analysis.kernels import stop_kernel

    km = KernelManager(kernel_name="python3")
    km.start_kernel(extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
    try:
        yield km
    finally:
        stop_kernel(km)  # releases the renderer's kept client first


def _content_bottoms(box, out: list[float]) -> list[float]:
    for child in getattr(box, "children", None) or []:
        if type(child).__name__.startswith("Margin"):  # running header, page numbers
            continue
        if getattr(child, "children", None) is None or type(child).__name__ in ("LineBox", "BlockReplacedBox",
                                                                                "InlineReplacedBox"):
            out.append(child.position_y + child.margin_height())
        _content_bottoms(child, out)
    return out


def page_fill(html: str) -> list[float]:
    """Lay out ``html`` with WeasyPrint and return, per page, the share of the page's content height
    that its content fills (0 empty, 1 full): the lowest text line or image, margin boxes left out.

    Reads WeasyPrint's layout tree (``Page._page_box``): it has no public API for box positions."""
    from weasyprint import HTML

    doc = HTML(string=html).render()
    fills = []
    for page in doc.pages:
        box = page._page_box
        bottoms = _content_bottoms(box, [])
        fills.append((max(bottoms) - box.content_box_y()) / box.height if bottoms else 0.0)
    return fills


def _walk(box):
    yield box
    for child in getattr(box, "children", None) or []:
        yield from _walk(child)


def cell_line_counts(html: str, tag: str, css_class: str) -> list[int]:
    """Lay out ``html`` with WeasyPrint and return the number of text lines of every ``<tag>`` cell
    with class ``css_class`` (e.g. ``"td", "col0"``: the first column of a pandas Styler table)."""
    from weasyprint import HTML

    counts = []
    for page in HTML(string=html).render().pages:
        for box in _walk(page._page_box):
            element = getattr(box, "element", None)
            if (type(box).__name__ == "TableCellBox" and getattr(box, "element_tag", None) == tag
                    and css_class in (element.get("class") or "").split()):
                counts.append(sum(type(b).__name__ == "LineBox" for b in _walk(box)))
    return counts
