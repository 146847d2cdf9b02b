"""Test fixtures of the batch area (issue 7): a TOY report renderer, clearly synthetic.

The toy report is a two-cell notebook that reads its region's name from a small JSON input file and
prints it. It goes through the real route (papermill in a warm kernel, the print HTML exporter,
WeasyPrint), so the batch mechanics (pool, manifest, resume, failures, Dask) are tested without the data
layer or the index engine. A corrupt input file makes exactly that region's notebook fail.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat

from smartcity_analysis.batch.jobs import BatchJob, job_input_hash

TESTS_DIR = Path(__file__).resolve().parent

#: Renderer path resolved inside batch workers (``tests/`` is on their ``sys.path``).
TOY_RENDERER = "batch_helpers:render_toy"

#: Synthetic toy regions (codes and names are labelled as toys; not real data).
TOY_REGIONS = {
    "9101": "Toyland Alpha",
    "9102": "Toyland Bravo",
    "9103": "Toyland Charlie",
    "9104": "Toyland Delta",
    "9105": "Toyland Echo",
    "9106": "Toyland Foxtrot",
}


def toy_notebook() -> nbformat.NotebookNode:
    """Parameters cell + one cell that loads the region's input and shows its name."""
    params = nbformat.v4.new_code_cell('input_file: str = ""\nregion: str = ""\ncohort: int = 2018')
    params.metadata["tags"] = ["parameters"]
    body = nbformat.v4.new_code_cell(
        "import json\n"
        "from IPython.display import Markdown\n"
        "record = json.load(open(input_file))\n"
        "Markdown(f\"# Toy report {record['name']} ({region}), cohort {cohort}\")"
    )
    nb = nbformat.v4.new_notebook(cells=[params, body])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def write_toy_inputs(root: Path, regions: dict[str, str] = TOY_REGIONS) -> Path:
    """Write the toy template and one JSON input per region under ``root``; return ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    nbformat.write(toy_notebook(), root / "toy_report.ipynb")
    killer = toy_notebook()  # test hook: the kernel process dies in the middle of the notebook
    killer.cells[1] = nbformat.v4.new_code_cell("import os\nos._exit(1)")
    nbformat.write(killer, root / "toy_kill_kernel.ipynb")
    for code, name in regions.items():
        (root / f"{code}.json").write_text(json.dumps({"name": name}), encoding="utf-8")
    return root


def render_toy(params: dict[str, Any], out_dir: Path, fmt: str, *, km=None) -> Path:
    """Toy renderer with the batch renderer contract: execute, HTML, PDF, atomic write."""
    from smartcity_analysis.files import write_atomic
    from smartcity_analysis.rendering import execute_notebook, html_to_pdf, notebook_to_html

    root = Path(params["input_root"])
    code = params["region"]
    if code in params.get("crash", ()):  # test hook: the worker process dies (like an OOM kill)
        import os

        os._exit(3)
    template = "toy_kill_kernel.ipynb" if code in params.get("kill_kernel", ()) else "toy_report.ipynb"
    nb = execute_notebook(
        root / template,
        {"input_file": str(root / f"{code}.json"), "region": code, "cohort": params["cohort"]},
        km=km,
        cwd=root,
    )
    target = Path(out_dir) / str(params["cohort"]) / f"{code}-toy.{fmt}"
    if fmt == "ipynb":
        return write_atomic(target, nbformat.writes(nb))
    html = notebook_to_html(nb)
    if fmt == "html":
        return write_atomic(target, html)
    return html_to_pdf(html, target)


def toy_jobs(
    root: Path, regions: dict[str, str] = TOY_REGIONS, cohort: int = 2018, fmt: str = "pdf",
    **extra: Any,
) -> list[BatchJob]:
    """One toy job per region (same shape as :func:`smartcity_analysis.batch.jobs.build_jobs`)."""
    jobs = []
    for code, name in regions.items():
        params = {"region": code, "cohort": cohort, "input_root": str(root), **extra}
        jobs.append(
            BatchJob(
                key=code, kind="region", label=name, params=params, renderer=TOY_RENDERER,
                input_hash=job_input_hash("toy", TOY_RENDERER, fmt, params),
            )
        )
    return jobs


def pdf_text(path: Path) -> str:
    """All text of a PDF (pypdf)."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def render_region_or_fail(params: dict[str, Any], out_dir: Path, fmt: str, *, km=None) -> Path:
    """Toy renderer with the real parameter shape: region 1101's input is 'corrupt' (test hook);
    every other region gets a one-page PDF naming it (no notebook: the CLI path is what is tested)."""
    from smartcity_analysis.curated.regions import region_name
    from smartcity_analysis.errors import DataError
    from smartcity_analysis.rendering import html_to_pdf

    code = params.get("region", "overview")
    if code == "1101":
        raise DataError("Data file 'toy-corrupt.csv' of region 1101 is corrupt (test hook).")
    name = region_name(code) if code != "overview" else "National overview"
    target = Path(out_dir) / str(params["cohort"]) / f"{code}-toy.pdf"
    return html_to_pdf(f"<h1>Toy report {name} ({code})</h1>", target)
