"""Regenerate the committed golden notebooks of this folder (nbval compares against them).

Run after an intended change of results, then review and commit the diff::

    .venv/bin/python tests/golden/regenerate.py      # or: make golden

Test maintenance, not library code: it used to be ``python -m smartcity_analysis.rendering
--regenerate-golden``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import nbformat

from smartcity_analysis.files import write_atomic
from smartcity_analysis.rendering import REPORT_TEMPLATE, execute_notebook
from smartcity_analysis.report import ReportParams

#: Where the committed golden notebooks live (this folder).
GOLDEN_DIR = Path(__file__).resolve().parent

#: The regions they cover. 1000 draws, as the papermill tests use, so a test session computes the
#: robustness run only once.
GOLDEN_CASES = {
    "region_report_6372_2018": {"region": "6372", "cohort": 2018, "spec": "kominfo_prescreen", "draws": 1000}
}


def regenerate_golden(golden_dir: str | os.PathLike | None = None) -> list[Path]:
    """Re-execute the region-report template for every case in :data:`GOLDEN_CASES` and write the
    executed notebooks to ``golden_dir`` (default: this folder).

    Returns
    -------
    list of pathlib.Path
        The written golden notebooks.
    """
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
    """``python tests/golden/regenerate.py [--out DIR]``."""
    parser = argparse.ArgumentParser(
        prog="python tests/golden/regenerate.py",
        description="Re-execute the golden report notebooks under tests/golden/ (after an intended change).",
    )
    parser.add_argument("--out", default=None, metavar="DIR", help="write there instead of tests/golden/")
    args = parser.parse_args(argv)
    for path in regenerate_golden(args.out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
