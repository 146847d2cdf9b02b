"""Render papermill notebook templates into region reports (executed notebook, HTML, PDF).

The route, measured in ``PIPELINE.md``: papermill executes the template in a Jupyter kernel (optionally a
warm, reused one), nbconvert turns the executed notebook into HTML with the package's print template
(inputs hidden, A4 ``@page`` CSS with page numbers), and WeasyPrint lays the HTML out as a PDF, all in
process. Every file is written atomically (temporary file, then rename), so an interrupted or failed
render never leaves a partial report behind.

Regenerate the committed golden notebooks (``tests/golden/``) after an intended change of results::

    python -m smartcity_analysis.rendering --regenerate-golden
"""

from __future__ import annotations

import argparse
import copy
import logging
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nbconvert.exporters import HTMLExporter
from traitlets import default

from smartcity_analysis.errors import ComputationError, InputError
from smartcity_analysis.kernels import RESET_TAG, WARM_ENGINE, register_warm_engine, reset_cell
from smartcity_analysis.paths import REPO_ROOT, notebooks_dir

#: Formats :func:`render_report` can write, with their file extensions.
FORMATS = {"pdf": "pdf", "html": "html", "ipynb": "ipynb"}

#: The notebook template of the region report (a name in ``notebooks/`` or a path).
REPORT_TEMPLATE = "region_report"

#: Cell tags whose cells never reach the HTML/PDF (the parameter cells and the reset cell).
HIDDEN_CELL_TAGS = frozenset({RESET_TAG, "parameters", "injected-parameters", "remove-cell"})

#: Directory holding the nbconvert print template (``templates/smartcity_print``).
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

#: Where the committed golden notebooks live and which regions they cover (nbval checks them).
GOLDEN_DIR = REPO_ROOT / "tests" / "golden"
#: 1000 draws, as the papermill tests use, so a test session computes the robustness run only once.
GOLDEN_CASES = {
    "region_report_6372_2018": {"region": "6372", "cohort": 2018, "spec": "kominfo_prescreen", "draws": 1000}
}


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same directory, then rename.

    Parameters
    ----------
    path : str or path-like
        Destination file. Missing parent directories are created.
    data : str or bytes
        Content; ``str`` is written as UTF-8.

    Returns
    -------
    pathlib.Path
        The destination path.

    Notes
    -----
    ``os.replace`` is atomic on POSIX when source and destination are on the same file system, which the
    temporary file in the destination's directory guarantees: readers see either the old file or the
    complete new one, never a partial file. On any error the temporary file is removed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def resolve_template(template: str | os.PathLike) -> Path:
    """Find a notebook template: an existing path, or a name (with or without ``.ipynb``) in
    ``notebooks/``.

    Raises
    ------
    InputError
        When no such notebook exists (the message lists the available templates).
    """
    path = Path(template)
    if path.is_file():
        return path
    name = path.name if path.suffix == ".ipynb" else f"{path.name}.ipynb"
    candidate = notebooks_dir() / name
    if candidate.is_file():
        return candidate
    available = sorted(p.stem for p in notebooks_dir().glob("*.ipynb"))
    raise InputError(
        f"Notebook template '{template}' not found (looked for the path and for "
        f"'{candidate}'). Expected one of {available} or an existing .ipynb path."
    )


def execute_notebook(
    template: str | os.PathLike,
    parameters: Mapping[str, Any],
    *,
    output: str | os.PathLike | None = None,
    km=None,
    cwd: str | os.PathLike | None = None,
):
    """Execute a papermill notebook template with parameters and return the executed notebook.

    Parameters
    ----------
    template : str or path-like
        Template name in ``notebooks/`` (e.g. ``"region_report"``) or a path to an ``.ipynb`` file.
    parameters : mapping
        Papermill parameters (for the region report: the fields of
        :class:`smartcity_analysis.report.ReportParams`, see ``ReportParams.to_parameters()``).
    output : path-like, optional
        Where to write the executed notebook (atomically, only when execution succeeded).
    km : jupyter_client.KernelManager, optional
        A warm kernel to reuse (batch rendering). A first cell ``%reset -f`` tagged ``smartcity-reset``
        (:func:`smartcity_analysis.kernels.reset_cell`) clears the previous report's namespace; that
        cell is removed from the returned notebook. The notebook runs through one client kept per
        kernel (:func:`smartcity_analysis.kernels.kept_client`). The kernel is left running (its owner
        stops it with :func:`smartcity_analysis.kernels.stop_kernel`).
    cwd : path-like, optional
        Working directory of the kernel; defaults to the notebooks directory.

    Returns
    -------
    nbformat.NotebookNode
        The executed notebook (papermill metadata, injected parameters cell, outputs).

    Raises
    ------
    ComputationError
        When a cell raises; the message names the exception and its text (the traceback stays in the
        kernel's output, not on the terminal).

    Notes
    -----
    Module state such as ``matplotlib.rcParams`` survives ``%reset -f``; the report notebook therefore
    sets its plotting style explicitly. The kernel is the ``python3`` kernel of the running interpreter.

    References
    ----------
    papermill, "Python API": https://papermill.readthedocs.io/en/latest/usage-execute.html
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    logging.getLogger("papermill").setLevel(logging.ERROR)
    path = resolve_template(template)
    nb = nbformat.read(path, as_version=4)
    if km is not None:
        nb.cells.insert(0, reset_cell())
        register_warm_engine()
    workdir = Path(cwd) if cwd is not None else notebooks_dir()
    try:
        executed = papermill.execute_notebook(
            nb,
            None,
            parameters=dict(parameters),
            progress_bar=False,
            cwd=str(workdir),
            km=km,
            engine_name=WARM_ENGINE if km is not None else None,
            kernel_name="python3",
            language="python",
            request_save_on_cell_execute=False,
            # ipykernel's start-up warning (unencrypted TCP) and shutdown noise are harmless.
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
    except PapermillExecutionError as exc:
        evalue = " ".join(str(exc.evalue).split())
        # Name the cell by its code: the execution counter keeps growing in a reused (warm) kernel.
        source = " ".join(str(exc.source or "").split())
        source = source if len(source) <= 80 else source[:77] + "..."
        raise ComputationError(
            f"Notebook '{path.name}' failed in cell `{source}` with {exc.ename}: {evalue}"
        ) from None
    executed.cells = [c for c in executed.cells if RESET_TAG not in c.metadata.get("tags", [])]
    if output is not None:
        write_atomic(output, nbformat.writes(executed))
    return executed


class PrintHTMLExporter(HTMLExporter):
    """nbconvert HTML exporter with the ``smartcity_print`` template: A4 print layout, inputs hidden.

    Registered as the nbconvert exporter ``smartcity_print``, so
    ``jupyter nbconvert --to smartcity_print executed.ipynb`` gives the same HTML as
    :func:`notebook_to_html`. Cells tagged ``parameters``, ``injected-parameters``, ``remove-cell`` or
    ``smartcity-reset`` and stderr streams (warnings) are left out.
    """

    export_from_notebook = "Smartcity print HTML"

    @default("template_name")
    def _template_name_default(self):
        return "smartcity_print"

    @default("extra_template_basedirs")
    def _default_extra_template_basedirs(self):
        return [str(TEMPLATES_DIR)]

    @default("exclude_input")
    def _default_exclude_input(self):
        return True

    @default("exclude_input_prompt")
    def _default_exclude_input_prompt(self):
        return True

    @default("exclude_output_prompt")
    def _default_exclude_output_prompt(self):
        return True

    @default("embed_images")
    def _default_embed_images(self):
        return True

    def from_notebook_node(self, nb, resources=None, **kw):
        """Drop hidden cells and stderr streams, then convert with the print template."""
        nb = copy.deepcopy(nb)
        cells = []
        for cell in nb.cells:
            if HIDDEN_CELL_TAGS.intersection(cell.metadata.get("tags", [])):
                continue
            if cell.cell_type == "code":
                cell.outputs = [
                    o
                    for o in cell.outputs
                    if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                ]
            cells.append(cell)
        nb.cells = cells
        return super().from_notebook_node(nb, resources=resources, **kw)


def notebook_to_html(nb) -> str:
    """Convert an executed notebook into print-ready HTML (inputs hidden) with the print template.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        Executed notebook (e.g. from :func:`execute_notebook`).

    Returns
    -------
    str
        A self-contained HTML document (images embedded as data URIs, no JavaScript).
    """
    exporter = getattr(_EXPORTERS, "print_html", None)
    if exporter is None:  # one per thread: building it loads and compiles the Jinja templates (~35 ms)
        exporter = _EXPORTERS.print_html = PrintHTMLExporter()
    html, _ = exporter.from_notebook_node(nb)
    return html


_EXPORTERS = threading.local()


def html_to_pdf(html: str, path: str | os.PathLike) -> Path:
    """Lay out HTML as an A4 PDF with WeasyPrint (in process) and write it atomically to ``path``.

    Notes
    -----
    WeasyPrint runs no JavaScript; page size, margins and page numbers come from the print template's
    ``@page`` CSS.

    References
    ----------
    WeasyPrint documentation: https://doc.courtbouillon.org/weasyprint/
    """
    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    pdf = weasyprint.HTML(string=html, base_url=str(TEMPLATES_DIR)).write_pdf()
    return write_atomic(path, pdf)


def slugify(text: str) -> str:
    """ASCII, lower-case, hyphen-separated slug of a region name (``"Kota Banjarbaru"`` ->
    ``"kota-banjarbaru"``)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "region"


def report_path(out_dir: str | os.PathLike, cohort: int, region_code: str, name: str, fmt: str) -> Path:
    """Path of one report: ``<out_dir>/<cohort>/<region_code>-<slug>.<ext>``."""
    return Path(out_dir) / str(cohort) / f"{region_code}-{slugify(name)}.{FORMATS[fmt]}"


def render_report(params, out_dir: str | os.PathLike, fmt: str = "pdf", *, km=None) -> Path:
    """Render one region report and write it atomically as PDF, HTML or executed notebook.

    Parameters
    ----------
    params : smartcity_analysis.report.ReportParams
        Report parameters. ``params.region`` may be any query :func:`~smartcity_analysis.regions.
        resolve_region` accepts; it is resolved to the BPS code before the kernel starts, so an unknown
        or ambiguous region fails fast and nothing is written.
    out_dir : path-like
        Output root; the file goes to ``<out_dir>/<cohort>/<region_code>-<slug>.<ext>``.
    fmt : {"pdf", "html", "ipynb"}
        Output format.
    km : jupyter_client.KernelManager, optional
        A warm kernel to reuse (see :func:`execute_notebook`).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    InputError
        For an unknown ``fmt``.
    RegionNotFoundError, AmbiguousRegionError
        For a region query that matches no region or several.
    ComputationError
        When the notebook fails.
    """
    import dataclasses

    from smartcity_analysis.regions import region_name, resolve_region

    if fmt not in FORMATS:
        raise InputError(f"Unknown report format '{fmt}'. Expected one of {sorted(FORMATS)}.")
    code = resolve_region(params.region)
    params = dataclasses.replace(params, region=code)
    params.validate()
    name = region_name(code)
    target = report_path(out_dir, params.cohort, code, name, fmt)
    nb = execute_notebook(REPORT_TEMPLATE, params.to_parameters(), km=km)
    return write_document(
        nb,
        target,
        fmt,
        title=f"{name} ({code}) - smart-city selection report, cohort {params.cohort}",
        running_title=f"{name} ({code}) - cohort {params.cohort}",
    )


def write_document(nb, target: str | os.PathLike, fmt: str, *, title: str, running_title: str) -> Path:
    """Write an executed notebook as ``fmt`` (pdf, html or ipynb) to ``target``, atomically.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook.
    target : path
        Output file.
    fmt : {"pdf", "html", "ipynb"}
    title, running_title : str
        Document title and the running title printed in the page header.
    """
    import nbformat

    nb.metadata["title"] = title
    nb.metadata.setdefault("smartcity", {})["running_title"] = running_title
    if fmt == "ipynb":
        return write_atomic(target, nbformat.writes(nb))
    html = notebook_to_html(nb)
    if fmt == "html":
        return write_atomic(target, html)
    return html_to_pdf(html, target)


def regenerate_golden(golden_dir: str | os.PathLike | None = None) -> list[Path]:
    """Re-execute the region-report template for every case in :data:`GOLDEN_CASES` and write the
    executed notebooks to ``tests/golden/`` (the files nbval compares against).

    Returns
    -------
    list of pathlib.Path
        The written golden notebooks.
    """
    import nbformat

    from smartcity_analysis.report import ReportParams

    target_dir = Path(golden_dir) if golden_dir is not None else GOLDEN_DIR
    written = []
    for stem, fields in GOLDEN_CASES.items():
        params = ReportParams(**fields)
        nb = execute_notebook(REPORT_TEMPLATE, params.to_parameters())
        # Volatile papermill metadata (timestamps, durations, paths) would churn the diff; drop it.
        nb.metadata.pop("papermill", None)
        for cell in nb.cells:
            cell.metadata.pop("papermill", None)
            cell.metadata.pop("execution", None)
        written.append(write_atomic(target_dir / f"{stem}.ipynb", nbformat.writes(nb)))
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m smartcity_analysis.rendering --regenerate-golden``."""
    parser = argparse.ArgumentParser(
        prog="python -m smartcity_analysis.rendering",
        description="Maintenance commands of the report renderer.",
    )
    parser.add_argument(
        "--regenerate-golden",
        action="store_true",
        help="re-execute the golden report notebooks under tests/golden/ (after an intended change)",
    )
    args = parser.parse_args(argv)
    if not args.regenerate_golden:
        parser.print_help()
        return 0
    for path in regenerate_golden():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
