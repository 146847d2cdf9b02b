"""The batch's front page: ``<out_dir>/<cohort>/index.html``, every region on one page.

At the top the summary figures (cohort size, the model's nominal selection against the actual cohort,
the contestable count) and a link to the national overview; then a choropleth map of the 514 regions
(inline SVG from ``data/boundaries.geojson``, simplified; coloured by P(selected) or score; hover shows
the region's figures, a click opens its report); then a text search over names and codes, filters
(province, type, nominal decision, actual cohort, robustness class) and the table, sortable by every
column with the sort shown. Filters and search narrow the table and dim the map alike.

The page is one self-contained file: no network, no library, hand-written JavaScript (docs/batch.md says
why), so it opens from disk and from any static web server. The table is written as HTML, so it reads
without JavaScript too. Written atomically.
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
from smartcity_analysis.curated.loaders import load_boundaries, load_cohorts, load_regions
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
    "robustness": "Robustness",
    "report": "Report",
}

#: Columns offered as filters (each a drop-down of the values present).
FILTER_COLUMNS = ("province", "type", "nominal", "actual", "robustness")

#: Actual statuses that count as "in the cohort" (as in the national overview's agreement table).
ACTUAL_SELECTED_STATUSES = ("selected", "not_awarded", "cancelled", "deferred")

#: Robustness classes as shown (``robustness.run.classify``).
ROBUSTNESS_LABELS = {"robustly_in": "robustly in", "contestable": "contestable", "robustly_out": "robustly out"}

#: Map projection: SVG units per degree (plate carree; Indonesia straddles the equator).
MAP_SCALE = 100
#: Simplification tolerance of the map outlines, in degrees (about 1.5 km).
MAP_TOLERANCE = 0.015

_JS = r"""
(function () {
  var table = document.getElementById('regions'), body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var col = {}; heads.forEach(function (th, i) { col[th.getAttribute('data-col')] = i; });
  var byCode = {};
  rows.forEach(function (r) { byCode[r.cells[0].getAttribute('data-code')] = r; });
  function val(r, name) { return r.cells[col[name]].getAttribute('data-v'); }
  var q = document.getElementById('q'), shown = document.getElementById('shown');
  var filters = Array.prototype.slice.call(document.querySelectorAll('select.filter'));
  var paths = Array.prototype.slice.call(document.querySelectorAll('#map path[data-code]'));

  function norm(s) { return (s || '').toLowerCase().replace(/\s+/g, ' ').trim(); }
  function apply() {
    var terms = norm(q.value).split(' ').filter(Boolean), n = 0;
    rows.forEach(function (r) {
      var hay = norm(val(r, 'name') + ' ' + r.cells[0].getAttribute('data-code'));
      var ok = terms.every(function (t) { return hay.indexOf(t) >= 0; });
      filters.forEach(function (f) { if (ok && f.value !== '*') ok = val(r, f.getAttribute('data-col')) === f.value; });
      r.hidden = !ok; if (ok) n++;
    });
    shown.textContent = n + ' of ' + rows.length + ' regions shown';
    paths.forEach(function (p) {
      var r = byCode[p.getAttribute('data-code')];
      p.classList.toggle('dim', !r || r.hidden);
    });
  }
  q.addEventListener('input', apply);
  filters.forEach(function (f) { f.addEventListener('change', apply); });
  document.getElementById('reset').addEventListener('click', function () {
    q.value = ''; filters.forEach(function (f) { f.value = '*'; }); apply();
  });

  var sortinfo = document.getElementById('sortinfo');
  heads.forEach(function (th, c) {
    th.tabIndex = 0;
    function sort() {
      var asc = th.getAttribute('aria-sort') !== 'ascending';
      heads.forEach(function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
      rows.sort(function (a, b) {
        var x = a.cells[c].getAttribute('data-v'), y = b.cells[c].getAttribute('data-v');
        var nx = parseFloat(x), ny = parseFloat(y), k;
        if (x === '' && y === '') k = 0; else if (x === '') return 1; else if (y === '') return -1;
        else if (!isNaN(nx) && !isNaN(ny)) k = nx - ny; else k = x.localeCompare(y);
        return asc ? k : -k;
      });
      rows.forEach(function (r) { body.appendChild(r); });
      sortinfo.textContent = 'Sorted by ' + th.textContent.trim() +
        (asc ? ', ascending.' : ', descending.');
    }
    th.addEventListener('click', sort);
    th.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); } });
  });

  // choropleth: colour ramp (ColorBrewer YlGnBu: light = low), by P(selected) or score
  var STOPS = [[255, 255, 217], [199, 233, 180], [65, 182, 196], [34, 94, 168], [8, 29, 88]];
  function ramp(t) {
    t = Math.max(0, Math.min(1, t)) * (STOPS.length - 1);
    var i = Math.min(Math.floor(t), STOPS.length - 2), f = t - i, a = STOPS[i], b = STOPS[i + 1];
    return 'rgb(' + [0, 1, 2].map(function (k) { return Math.round(a[k] + f * (b[k] - a[k])); }).join(',') + ')';
  }
  var by = document.getElementById('colour-by');
  if (!by) { apply(); return; }  // a page without the map
  var lo = document.getElementById('legend-lo'),
      hi = document.getElementById('legend-hi');
  function colour() {
    var key = by.value, vs = rows.map(function (r) { return parseFloat(val(r, key)); })
      .filter(function (v) { return !isNaN(v); });
    var min = key === 'p_selected' ? 0 : Math.min.apply(null, vs), max = key === 'p_selected' ? 1 : Math.max.apply(null, vs);
    if (!vs.length) { min = 0; max = 1; }
    lo.textContent = key === 'p_selected' ? '0 %' : min.toFixed(1);
    hi.textContent = key === 'p_selected' ? '100 %' : max.toFixed(1);
    paths.forEach(function (p) {
      var r = byCode[p.getAttribute('data-code')], v = r ? parseFloat(val(r, key)) : NaN;
      p.style.fill = isNaN(v) ? '' : ramp(max > min ? (v - min) / (max - min) : 0.5);
    });
  }
  by.addEventListener('change', colour);

  var tip = document.getElementById('tip'), wrap = document.getElementById('mapwrap');
  function show(e) {
    var p = e.target.closest ? e.target.closest('path[data-code]') : null;
    if (!p) { tip.hidden = true; return; }
    var r = byCode[p.getAttribute('data-code')];
    if (!r) { tip.hidden = true; return; }
    var lines = [r.cells[0].textContent];
    ['province', 'score', 'rank', 'p_selected', 'nominal', 'actual', 'robustness'].forEach(function (k) {
      lines.push(heads[col[k]].textContent.trim() + ': ' + (r.cells[col[k]].textContent || '-'));
    });
    if (!val(r, 'report')) lines.push('(no report)');
    tip.textContent = ''; lines.forEach(function (t, i) {
      var d = document.createElement(i ? 'div' : 'strong'); d.textContent = t; tip.appendChild(d);
    });
    var box = wrap.getBoundingClientRect(), x = e.clientX - box.left, y = e.clientY - box.top;
    tip.hidden = false;
    tip.style.left = Math.min(x + 12, box.width - tip.offsetWidth - 4) + 'px';
    tip.style.top = (y + 14) + 'px';
  }
  wrap.addEventListener('mousemove', show);
  wrap.addEventListener('mouseleave', function () { tip.hidden = true; });

  colour(); apply();
})();
"""

_CSS = """
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 1em auto; padding: 0 1em; color: #222;
       max-width: 1200px; }
h1 { font-size: 1.35em; margin-bottom: .2em; }
p.meta { color: #555; margin: .2em 0; }
.figures { display: flex; flex-wrap: wrap; gap: .6em; margin: .8em 0; }
.figure { border: 1px solid #ddd; border-radius: 4px; padding: .4em .8em; min-width: 10em; background: #fafafa; }
.figure b { display: block; font-size: 1.5em; }
.figure span { color: #555; font-size: .85em; }
#mapwrap { position: relative; margin: .5em 0; }
#map { width: 100%; height: auto; background: #f4f8fb; border: 1px solid #ddd; }
#map path { fill: #bdbdbd; stroke: #888; stroke-width: .6; }
#map path.dim { fill-opacity: .18; }
#map a:hover path, #map path:hover { stroke: #000; stroke-width: 3; }
#tip { position: absolute; background: rgba(255,255,255,.96); border: 1px solid #999; padding: .3em .5em;
       font-size: .8em; pointer-events: none; max-width: 22em; box-shadow: 0 1px 4px rgba(0,0,0,.2); }
.legend { display: flex; align-items: center; gap: .4em; font-size: .85em; flex-wrap: wrap; }
.legend .bar { width: 10em; height: .8em; background: linear-gradient(to right, #ffffd9, #c7e9b4, #41b6c4, #225ea8, #081d58); }
.controls { display: flex; flex-wrap: wrap; gap: .5em; align-items: end; margin: .8em 0 .4em; }
.controls label { display: flex; flex-direction: column; font-size: .8em; color: #444; }
.controls input, .controls select, .controls button { font-size: 1rem; padding: .2em; max-width: 16em; }
.tablewrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: .9em; width: 100%; }
th, td { padding: .25em .5em; border-bottom: 1px solid #ddd; text-align: left; }
th { cursor: pointer; background: #f2f2f2; position: sticky; top: 0; user-select: none; white-space: nowrap; }
th[aria-sort=ascending]::after { content: " \\25B2"; }
th[aria-sort=descending]::after { content: " \\25BC"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.selected td:first-child { border-left: 4px solid #1b7837; }
td.na { color: #999; }
@media (max-width: 600px) { body { padding: 0 .4em; } .figure { min-width: 0; flex: 1 1 45%; } table { font-size: .8em; } th, td { padding: .2em .3em; } }
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
    cohort: int | None = None,
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
        Per-region robustness table with ``p_selected`` and ``robustness_class`` (index or column
        ``region_code``).
    cohorts : DataFrame, optional
        ``loaders.load_cohorts()``; used for the actual cohort when ``selection`` lacks it.
    manifest : mapping, optional
        The batch manifest; gives each region's report link (only for reports that are ``done``).
    cohort : int, optional
        The cohort of the page; sets ``in_cohort`` (actually in this cohort).

    Returns
    -------
    DataFrame
        Index ``region_code``; columns ``name, province, type, score, rank, nominal, actual,
        p_selected, robustness, report`` (``report`` a path relative to the cohort folder, or ``""``)
        and ``in_cohort`` (bool: the region is in the actual cohort ``cohort``).
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
    out["robustness"] = ""
    out["in_cohort"] = False
    year = status = None
    if selection is not None and len(selection):
        sel = selection.set_index("region_code") if "region_code" in selection.columns else selection
        sel = sel.reindex(out.index)
        if "score" in sel:
            out["score"] = pd.to_numeric(sel["score"], errors="coerce")
        if "rank_national" in sel:
            out["rank"] = pd.to_numeric(sel["rank_national"], errors="coerce")
        out["nominal"] = [nominal_decision(r) for r in sel.to_dict("records")]
        if "actual_cohort" in sel:
            year = sel["actual_cohort"]
            status = sel["actual_status"] if "actual_status" in sel else pd.Series(None, index=sel.index)
    if year is None and cohorts is not None and len(cohorts):
        first = cohorts.sort_values("cohort_year").drop_duplicates("region_code").set_index("region_code")
        first = first.reindex(out.index)
        year, status = first["cohort_year"], first["status"]
    if year is not None:
        out["actual"] = [actual_label(c, s) for c, s in zip(year, status, strict=True)]
        if cohort is not None:
            y = pd.to_numeric(pd.Series(year.to_numpy(), index=out.index), errors="coerce")
            st = pd.Series(status.to_numpy(), index=out.index).astype(str)
            out["in_cohort"] = ((y == cohort) & st.isin(ACTUAL_SELECTED_STATUSES)).to_numpy()
    if robustness is not None and len(robustness) and "p_selected" in robustness:
        rob = robustness.set_index("region_code") if "region_code" in robustness.columns else robustness
        rob = rob.set_axis(rob.index.astype(str)).reindex(out.index)
        out["p_selected"] = pd.to_numeric(rob["p_selected"], errors="coerce")
        if "robustness_class" in rob:
            out["robustness"] = [ROBUSTNESS_LABELS.get(str(c), str(c)) if _present(c) else ""
                                 for c in rob["robustness_class"]]
    jobs = (manifest or {}).get("jobs", {})
    out["report"] = [
        jobs[c]["output"] if c in jobs and jobs[c].get("status") == "done" and jobs[c].get("output") else ""
        for c in out.index
    ]
    return out


def index_summary(table: pd.DataFrame, *, cohort_size: int | None = None) -> dict[str, Any]:
    r"""The summary figures at the top of the page (pure).

    Parameters
    ----------
    table : DataFrame
        From :func:`index_table`.
    cohort_size : int, optional
        The spec's cohort size (default: the number of nominally selected regions).

    Returns
    -------
    dict
        ``regions``, ``reports``, ``cohort_size``, ``nominal`` (selected by the model), ``actual`` (in
        the actual cohort), ``both``, ``jaccard`` (:math:`|N\cap A| / |N\cup A|`, None when both are
        empty) and ``contestable`` (None when robustness is not available).
    """
    nominal = table["nominal"] == "selected"
    actual = table["in_cohort"].astype(bool) if "in_cohort" in table else pd.Series(False, index=table.index)
    both, union = int((nominal & actual).sum()), int((nominal | actual).sum())
    has_rob = "robustness" in table and table["robustness"].astype(bool).any()
    return {
        "regions": len(table),
        "reports": int((table["report"] != "").sum()) if "report" in table else 0,
        "cohort_size": int(cohort_size) if cohort_size is not None else int(nominal.sum()),
        "nominal": int(nominal.sum()),
        "actual": int(actual.sum()),
        "both": both,
        "jaccard": round(both / union, 3) if union else None,
        "contestable": int((table["robustness"] == "contestable").sum()) if has_rob else None,
    }


def _iter_polygons(geometry: Mapping) -> list[list]:
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Polygon":
        return [coords]
    if kind == "MultiPolygon":
        return list(coords)
    return []


def map_paths(
    boundaries: Mapping | None = None, *, tolerance: float = MAP_TOLERANCE, scale: float = MAP_SCALE
) -> tuple[dict[str, str], tuple[int, int, int, int]]:
    """SVG path data of every region, simplified, in one plate carree frame (pure but for the default).

    Parameters
    ----------
    boundaries : dict, optional
        GeoJSON FeatureCollection (WGS84 lon/lat, ``properties.region_code``); default
        :func:`smartcity_analysis.curated.loaders.load_boundaries`.
    tolerance : float
        Douglas-Peucker tolerance in degrees (shapely ``simplify``, topology preserved per region).
        Islands smaller than ``tolerance**2`` are dropped unless they are the region's largest part.
    scale : float
        SVG units per degree; coordinates are rounded to whole units.

    Returns
    -------
    (dict, tuple)
        ``region_code -> d`` (relative path commands, holes ignored) and the ``viewBox``
        ``(x, y, width, height)``.
    """
    from shapely.geometry import Polygon

    boundaries = load_boundaries() if boundaries is None else boundaries
    polys: dict[str, list] = {}
    for feat in boundaries.get("features", []):
        code = str(feat.get("properties", {}).get("region_code", ""))
        for poly in _iter_polygons(feat.get("geometry") or {}):
            if poly and len(poly[0]) >= 3:
                polys.setdefault(code, []).append(Polygon(poly[0]))
    if not polys:
        return {}, (0, 0, 1, 1)
    bounds = [p.bounds for ps in polys.values() for p in ps]
    x0, x1 = min(b[0] for b in bounds), max(b[2] for b in bounds)
    y0, y1 = min(b[1] for b in bounds), max(b[3] for b in bounds)
    out = {}
    for code, parts in polys.items():
        biggest = max(parts, key=lambda p: p.area)
        d = []
        for part in parts:
            if part is not biggest and part.area < tolerance**2:
                continue
            simple = part.simplify(tolerance, preserve_topology=True)
            if simple.is_empty or simple.geom_type != "Polygon":
                simple = part
            pts, last = [], None
            for lon, lat in simple.exterior.coords[:-1]:
                pt = (round((lon - x0) * scale), round((y1 - lat) * scale))
                if pt != last:
                    pts.append(pt)
                    last = pt
            if len(pts) < 3:
                if part is not biggest:
                    continue
                pts = pts + [(pts[-1][0] + 1, pts[-1][1] + 1)] * (3 - len(pts))
            rel = [f"M{pts[0][0]} {pts[0][1]}l"]
            rel += [f"{b[0] - a[0]} {b[1] - a[1]}" for a, b in zip(pts, pts[1:], strict=False)]
            d.append(rel[0] + " ".join(rel[1:]).replace(" -", "-") + "z")
        out[code] = "".join(d)
    width, height = math.ceil((x1 - x0) * scale), math.ceil((y1 - y0) * scale)
    return out, (0, 0, width, height)


def _cell(value: Any, kind: str) -> str:
    if kind == "num" or kind == "int" or kind == "p":
        if not _present(value):
            return '<td class="num na" data-v="" title="not available">&ndash;</td>'
        v = float(value)
        text = f"{int(v)}" if kind == "int" else (f"{100 * v:.0f} %" if kind == "p" else f"{v:.1f}")
        return f'<td class="num" data-v="{v!r}">{text}</td>'
    text = html.escape(str(value))
    return f'<td data-v="{text}">{text}</td>'


def _summary_html(summary: Mapping[str, Any], cohort: int) -> str:
    def fig(value: Any, label: str) -> str:
        return f'<div class="figure"><b>{html.escape(str(value))}</b><span>{html.escape(label)}</span></div>'

    jac = summary.get("jaccard")
    agree = f"{summary['both']} of {summary['nominal']}"
    cont = summary.get("contestable")
    parts = [
        fig(summary["cohort_size"], f"cohort size {cohort} (spec)"),
        fig(agree, f"model's picks in the actual cohort ({summary['actual']} actually selected)"),
        fig("n/a" if jac is None else f"{jac:.2f}", "agreement, Jaccard |N\u2229A| / |N\u222aA|"),
        fig("n/a" if cont is None else cont, "contestable (5 % < P(selected) < 95 %)"),
        fig(f"{summary['reports']} / {summary['regions']}", "reports / regions"),
    ]
    return f'<div class="figures" id="figures">{"".join(parts)}</div>'


def _map_html(table: pd.DataFrame, paths: Mapping[str, str], viewbox: tuple[int, int, int, int]) -> str:
    if not paths:
        return ""
    shapes = []
    for code, d in paths.items():
        name = table.loc[code, "name"] if code in table.index else code
        href = table.loc[code, "report"] if code in table.index else ""
        label = html.escape(f"{name} ({code})")
        shape = f'<path data-code="{html.escape(code)}" aria-label="{label}" d="{d}"/>'
        if href:
            shape = f'<a href="{html.escape(href)}">{shape}</a>'
        shapes.append(shape)
    vb = " ".join(str(v) for v in viewbox)
    return (
        '<div class="legend"><label>Colour by <select id="colour-by"><option value="p_selected">'
        'P(selected)</option><option value="score">score</option></select></label>'
        '<span id="legend-lo"></span><span class="bar"></span><span id="legend-hi"></span>'
        '<span style="color:#777">grey: no value; faded: filtered out; click a region for its report'
        '</span></div>'
        f'<div id="mapwrap"><svg id="map" viewBox="{vb}" role="img" aria-label="Map of the regions">'
        + "\n".join(shapes)
        + '</svg><div id="tip" hidden></div></div>'
    )


def _controls_html(table: pd.DataFrame) -> str:
    parts = ['<label>Search name or code<input id="q" type="search" placeholder="e.g. Banjarbaru or 6372" '
             'autocomplete="off"></label>']
    for col in FILTER_COLUMNS:
        values = sorted({str(v) for v in table[col]}, key=lambda v: (v == "", v))
        opts = ['<option value="*">all</option>'] + [
            f'<option value="{html.escape(v)}">{html.escape(v) if v else "(none)"}</option>' for v in values
        ]
        parts.append(f'<label>{html.escape(INDEX_COLUMNS[col])}<select class="filter" data-col="{col}" '
                     f'id="f-{col}">{"".join(opts)}</select></label>')
    parts.append('<button id="reset" type="button">Clear</button>')
    return f'<div class="controls">{"".join(parts)}</div>'


def render_index_html(
    table: pd.DataFrame,
    *,
    cohort: int,
    title: str | None = None,
    overview_href: str | None = None,
    notes: tuple[str, ...] | list[str] = (),
    generated: str | None = None,
    summary: Mapping[str, Any] | None = None,
    paths: tuple[Mapping[str, str], tuple[int, int, int, int]] | None = None,
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
    summary : mapping, optional
        From :func:`index_summary` (default: computed from ``table``).
    paths : (dict, tuple), optional
        From :func:`map_paths`; no map when left out.
    """
    title = title or f"Gerakan Menuju 100 Smart City - region reports, cohort {cohort}"
    summary = summary or index_summary(table)
    kinds = {"score": "num", "rank": "int", "p_selected": "p"}
    head = "".join(f'<th data-col="{c}" scope="col">{html.escape(h)}</th>' for c, h in INDEX_COLUMNS.items())
    rows = []
    for code, row in table.iterrows():
        cls = ' class="selected"' if row.get("nominal") == "selected" else ""
        cells = []
        for col in INDEX_COLUMNS:
            if col == "name":
                name = html.escape(str(row["name"]))
                cells.append(f'<td data-v="{name}" data-code="{html.escape(str(code))}">{name} '
                             f'<small>({html.escape(str(code))})</small></td>')
            elif col == "report":
                href = row.get("report") or ""
                link = f'<a href="{html.escape(href)}">PDF</a>' if href else ""
                if href and not href.lower().endswith(".pdf"):
                    link = f'<a href="{html.escape(href)}">{html.escape(Path(href).suffix[1:].upper())}</a>'
                cells.append(f'<td data-v="{html.escape(href)}">{link}</td>')
            else:
                cells.append(_cell(row.get(col), kinds.get(col, "text")))
        rows.append(f"<tr{cls}>{''.join(cells)}</tr>")
    meta = []
    if overview_href:
        meta.append(f'<a href="{html.escape(overview_href)}">National overview (PDF)</a>.')
    if generated:
        meta.append(f"Generated {html.escape(generated)}.")
    notes_html = "".join(f"<p class=\"meta\">{html.escape(n)}</p>" for n in notes)
    map_html = _map_html(table, *paths) if paths else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p class=\"meta\">{' '.join(meta)}</p>{notes_html}"
        f"{_summary_html(summary, cohort)}{map_html}{_controls_html(table)}"
        "<p class=\"meta\"><span id=\"shown\"></span> <span id=\"sortinfo\">Click a column header to "
        "sort.</span></p>"
        f"<div class=\"tablewrap\"><table id=\"regions\" class=\"sortable\"><thead><tr>{head}</tr></thead>"
        "<tbody>\n"
        + "\n".join(rows)
        + f"\n</tbody></table></div><script>{_JS}</script></body></html>\n"
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
    # Only in the batch process: a spawned worker imports this package before its kernel starts, and
    # results imports robustness (SALib, scipy.stats: ~1 s).
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
        cohort=cohort,
    )
    try:
        size = results.spec.cohort(cohort).size
    except Exception:  # noqa: BLE001 - the figure falls back to the nominal count
        size = None
    overview = manifest["jobs"].get(OVERVIEW_KEY, {})
    href = overview.get("output") if overview.get("status") == "done" else None
    page = render_index_html(
        table,
        cohort=cohort,
        overview_href=href,
        notes=results.notes,
        generated=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        summary=index_summary(table, cohort_size=size),
        paths=map_paths(),
    )
    return write_atomic(cohort_dir / "index.html", page)
