"""The batch's front page: ``<out_dir>/<cohort>/index.html``, a sortable table of every region.

One row per region: name, province, type, score, national rank, the nominal decision of the spec, the
actual cohort, P(selected) from the robustness analysis, and a link to the region's report; a link to
the national overview sits above the table. Click a column header to sort (a few lines of inline
JavaScript; the page also reads fine without it). The page is self-contained (no network) and written
atomically.
"""

from __future__ import annotations

import html
import math
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from smartcity_analysis.batch.manifest import OVERVIEW_KEY, read_manifest
from smartcity_analysis.curated.loaders import load_cohorts, load_regions
from smartcity_analysis.files import write_atomic

#: Columns of the index table, in display order, with their header text.
INDEX_COLUMNS = {
    "name": "Region",
    "province": "Province",
    "type": "Type",
    "score": "Score",
    "rank": "Rank",
    "nominal": "Nominal decision",
    "actual": "Actual cohort",
    "p_selected": "P(selected)",
    "report": "Report",
}

_SORT_JS = """
document.querySelectorAll('table.sortable th').forEach(function (th, col) {
  th.addEventListener('click', function () {
    var table = th.closest('table'), body = table.tBodies[0];
    var asc = th.getAttribute('aria-sort') !== 'ascending';
    table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col].getAttribute('data-v'), y = b.cells[col].getAttribute('data-v');
      var nx = parseFloat(x), ny = parseFloat(y), c;
      if (x === '' && y === '') c = 0; else if (x === '') return 1; else if (y === '') return -1;
      else if (!isNaN(nx) && !isNaN(ny)) c = nx - ny; else c = x.localeCompare(y);
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""

_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; margin-bottom: .2em; }
p.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; font-size: .9em; }
th, td { padding: .25em .6em; border-bottom: 1px solid #ddd; text-align: left; }
th { cursor: pointer; background: #f2f2f2; position: sticky; top: 0; user-select: none; }
th[aria-sort=ascending]::after { content: " \\25B2"; }
th[aria-sort=descending]::after { content: " \\25BC"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.selected td:first-child { border-left: 4px solid #1b7837; }
td.na { color: #999; }
"""


def nominal_decision(row: Mapping[str, Any]) -> str:
    """Text of the spec's nominal decision for one ``selection.run_selection`` row.

    ``selected`` / ``not selected`` / ``ineligible`` / ``not in pool`` (a region that left the pool with
    an earlier cohort); empty when the row carries no decision.
    """
    if not _present(row.get("in_pool")) and not _present(row.get("selected")):
        return ""
    if _present(row.get("in_pool")) and not bool(row.get("in_pool")):
        return "not in pool"
    if bool(row.get("selected")):
        return "selected"
    if _present(row.get("eligible")) and not bool(row.get("eligible")):
        return "ineligible"
    return "not selected"


def _present(value: Any) -> bool:
    if value is None:
        return False
    try:
        return not pd.isna(value)
    except (TypeError, ValueError):
        return True


def actual_label(cohort_year: Any, status: Any) -> str:
    """``"2018"``, ``"2017 (added_late)"``, or ``""`` for a region never in a cohort."""
    if not _present(cohort_year):
        return ""
    text = str(int(cohort_year))
    if _present(status) and str(status) not in ("", "selected"):
        text += f" ({status})"
    return text


def index_table(
    regions: pd.DataFrame,
    *,
    selection: pd.DataFrame | None = None,
    robustness: pd.DataFrame | None = None,
    cohorts: pd.DataFrame | None = None,
    manifest: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Assemble the index rows (pure: no I/O).

    Parameters
    ----------
    regions : DataFrame
        ``loaders.load_regions()`` (index ``region_code``; ``name``, ``province_name``, ``type``).
    selection : DataFrame, optional
        ``selection.run_selection`` output (``region_code``, ``score``, ``rank_national``, ``in_pool``,
        ``eligible``, ``selected``, ``actual_cohort``, ``actual_status``). Missing: empty columns.
    robustness : DataFrame, optional
        Per-region robustness table with ``p_selected`` (index or column ``region_code``).
    cohorts : DataFrame, optional
        ``loaders.load_cohorts()``; used for the actual cohort when ``selection`` lacks it.
    manifest : mapping, optional
        The batch manifest; gives each region's report link (only for reports that are ``done``).

    Returns
    -------
    DataFrame
        Index ``region_code``; columns ``name, province, type, score, rank, nominal, actual,
        p_selected, report`` (``report`` a path relative to the cohort folder, or ``""``).
    """
    out = pd.DataFrame(index=pd.Index(regions.index.astype(str), name="region_code"))
    out["name"] = regions["name"].astype(str).to_numpy()
    out["province"] = regions["province_name"].astype(str).to_numpy()
    out["type"] = regions["type"].astype(str).to_numpy()
    out["score"] = math.nan
    out["rank"] = math.nan
    out["nominal"] = ""
    out["actual"] = ""
    out["p_selected"] = math.nan
    if selection is not None and len(selection):
        sel = selection.set_index("region_code") if "region_code" in selection.columns else selection
        sel = sel.reindex(out.index)
        if "score" in sel:
            out["score"] = pd.to_numeric(sel["score"], errors="coerce")
        if "rank_national" in sel:
            out["rank"] = pd.to_numeric(sel["rank_national"], errors="coerce")
        out["nominal"] = [nominal_decision(r) for r in sel.to_dict("records")]
        if "actual_cohort" in sel:
            status = sel["actual_status"] if "actual_status" in sel else pd.Series(None, index=sel.index)
            out["actual"] = [actual_label(c, s) for c, s in zip(sel["actual_cohort"], status, strict=True)]
    if cohorts is not None and len(cohorts) and not out["actual"].astype(bool).any():
        first = cohorts.sort_values("cohort_year").drop_duplicates("region_code").set_index("region_code")
        first = first.reindex(out.index)
        out["actual"] = [
            actual_label(c, s) for c, s in zip(first["cohort_year"], first["status"], strict=True)
        ]
    if robustness is not None and len(robustness) and "p_selected" in robustness:
        rob = robustness.set_index("region_code") if "region_code" in robustness.columns else robustness
        out["p_selected"] = pd.to_numeric(rob["p_selected"].reindex(out.index), errors="coerce")
    jobs = (manifest or {}).get("jobs", {})
    out["report"] = [
        jobs[c]["output"] if c in jobs and jobs[c].get("status") == "done" and jobs[c].get("output") else ""
        for c in out.index
    ]
    return out


def _cell(value: Any, kind: str) -> str:
    if kind == "num" or kind == "int" or kind == "p":
        if not _present(value):
            return '<td class="num na" data-v="" title="not available">&ndash;</td>'
        v = float(value)
        text = f"{int(v)}" if kind == "int" else (f"{v:.2f}" if kind == "p" else f"{v:.1f}")
        return f'<td class="num" data-v="{v!r}">{text}</td>'
    text = html.escape(str(value))
    return f'<td data-v="{text}">{text}</td>'


def render_index_html(
    table: pd.DataFrame,
    *,
    cohort: int,
    title: str | None = None,
    overview_href: str | None = None,
    notes: tuple[str, ...] | list[str] = (),
    generated: str | None = None,
) -> str:
    """The index page as a self-contained HTML string (pure).

    Parameters
    ----------
    table : DataFrame
        From :func:`index_table`.
    overview_href : str, optional
        Relative link to the national overview PDF.
    notes : sequence of str
        Lines shown under the title (e.g. which inputs were not available).
    """
    title = title or f"Gerakan Menuju 100 Smart City - region reports, cohort {cohort}"
    kinds = {"score": "num", "rank": "int", "p_selected": "p"}
    head = "".join(f"<th>{html.escape(h)}</th>" for h in INDEX_COLUMNS.values())
    rows = []
    for code, row in table.iterrows():
        cls = ' class="selected"' if row.get("nominal") == "selected" else ""
        cells = []
        for col in INDEX_COLUMNS:
            if col == "name":
                cells.append(
                    f'<td data-v="{html.escape(str(row["name"]))}">{html.escape(str(row["name"]))} '
                    f'<small>({html.escape(str(code))})</small></td>'
                )
            elif col == "report":
                href = row.get("report") or ""
                link = f'<a href="{html.escape(href)}">PDF</a>' if href else ""
                if href and not href.lower().endswith(".pdf"):
                    link = f'<a href="{html.escape(href)}">{html.escape(Path(href).suffix[1:].upper())}</a>'
                cells.append(f'<td data-v="{html.escape(href)}">{link}</td>')
            else:
                cells.append(_cell(row.get(col), kinds.get(col, "text")))
        rows.append(f"<tr{cls}>{''.join(cells)}</tr>")
    n_reports = int((table["report"] != "").sum()) if "report" in table else 0
    meta = [f"{len(table)} regions, {n_reports} reports."]
    if overview_href:
        meta.insert(0, f'<a href="{html.escape(overview_href)}">National overview (PDF)</a>.')
    if generated:
        meta.append(f"Generated {html.escape(generated)}.")
    notes_html = "".join(f"<p class=\"meta\">{html.escape(n)}</p>" for n in notes)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p class=\"meta\">{' '.join(meta)} Click a column header to "
        f"sort.</p>{notes_html}"
        f"<table class=\"sortable\"><thead><tr>{head}</tr></thead><tbody>\n"
        + "\n".join(rows)
        + f"\n</tbody></table><script>{_SORT_JS}</script></body></html>\n"
    )


def write_index(
    out_dir: str | os.PathLike,
    *,
    cohort: int,
    spec: Any = None,
    draws: int | None = None,
    seed: int | None = None,
) -> Path:
    """Write ``<out_dir>/<cohort>/index.html`` from the manifest and the cached cohort results.

    The nominal selection and P(selected) come from the same cached computations the reports use
    (:func:`smartcity_analysis.results.load_cohort_results`); a part that cannot be computed is left
    empty and named in a note on the page, rather than failing the batch.

    Returns
    -------
    pathlib.Path
        The written page.
    """
    # Both only in the batch process: a spawned worker imports this package before its kernel starts.
    # rendering imports nbconvert, hence jsonschema, which the worker must import only after it has
    # kept it from building the rfc3987 grammar (batch.local._import_renderer_modules); results
    # imports robustness (SALib, scipy.stats: ~1 s).
    from smartcity_analysis.results import load_cohort_results

    cohort_dir = Path(out_dir) / str(cohort)
    manifest = read_manifest(cohort_dir / "manifest.json")
    results = load_cohort_results(cohort=cohort, spec=spec, draws=draws, seed=seed)
    table = index_table(
        load_regions(),
        selection=results.selection,
        robustness=results.robustness,
        cohorts=load_cohorts(),
        manifest=manifest,
    )
    overview = manifest["jobs"].get(OVERVIEW_KEY, {})
    href = overview.get("output") if overview.get("status") == "done" else None
    page = render_index_html(
        table,
        cohort=cohort,
        overview_href=href,
        notes=results.notes,
        generated=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    )
    return write_atomic(cohort_dir / "index.html", page)
