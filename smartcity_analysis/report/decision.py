"""The first part of the report: who the region is and what the spec decides (header, locator map,
eligibility rules, the decision box)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from smartcity_analysis.report.context import (
    ReportContext,
    _actual,
    _indicator_name,
    _region_robustness,
    _type_label,
)
from smartcity_analysis.report.text import ReportText, _esc, _fmt, _isnum, _pct, _rank, _table_html


def header(ctx: ReportContext) -> ReportText:
    """Title block: official name, BPS and Kemendagri codes, province, type, population, area.

    Returns
    -------
    ReportText
        Markdown with an HTML key-facts table.
    """
    r = ctx.region
    pop = ctx.values.get("population", pd.Series(dtype=float)).get(ctx.region_code, np.nan)
    pop_text = f"{_fmt(pop, 0)} ({ctx.data_year})" if _isnum(pop) else "not in the data"
    facts = [
        ("BPS code", f"<b>{_esc(ctx.region_code)}</b>"),
        ("Kemendagri code", _esc(r.get("kemendagri_code", "n/a"))),
        ("Province", _esc(r.get("province_name", "n/a"))),
        ("Type", _esc(_type_label(ctx))),
        ("Island group", _esc(r.get("island_group", "n/a"))),
        ("Population", pop_text),
        ("Area", f"{_fmt(r.get('area_km2'), 0)} km²" if _isnum(r.get("area_km2")) else "n/a"),
    ]
    spec_title = _esc(ctx.spec.title)
    return ReportText(
        f"# {_esc(ctx.name)}\n\n"
        f'<p class="muted">Smart-city selection report - Gerakan Menuju 100 Smart City, cohort '
        f"{ctx.params.cohort} (data year {ctx.data_year}); criteria spec <i>{spec_title}</i> "
        f"(<code>{_esc(ctx.spec.id)}</code>).</p>\n\n" + _table_html(facts)
    )


def fig_locator(ctx: ReportContext, ax=None):
    """Locator map: the region in red, its province shaded, with the province zoomed in an inset.

    Returns
    -------
    matplotlib.axes.Axes
    """
    # matplotlib only where a figure is drawn (a kernel): the CLI imports this package too.
    from smartcity_analysis.plots import locator

    prov = ctx.regions.index[ctx.regions["province_code"] == ctx.region["province_code"]]
    # boundaries=None: the curated boundaries, parsed once per kernel (plots.maps.boundary_rings)
    return locator(ctx.region_code, list(prov), boundaries=None,
                   province_name=str(ctx.region["province_name"]), ax=ax)


def _compare(value: float, op: str, threshold: float) -> bool:
    return {
        ">=": value >= threshold,
        ">": value > threshold,
        "<=": value <= threshold,
        "<": value < threshold,
        "==": value == threshold,
        "!=": value != threshold,
    }[op]


def eligibility_table(ctx: ReportContext) -> pd.DataFrame:
    """One row per eligibility rule of the spec: rule, what it checks, the region's value, the
    threshold, and pass/fail.

    Returns
    -------
    pandas.DataFrame
        Columns ``rule, checks, value, threshold, result``.

    Notes
    -----
    Pass/fail is taken from the engine's ``fail_reasons`` for the region (the authority); the value is
    the raw data-year value for threshold rules, the share of the spec's computed indicators observed
    (before imputation) for completeness rules, and the region type for type rules.
    """
    row = ctx.row
    reasons = str(row.get("fail_reasons") or "")
    failed = {r.strip().split(":")[0] for r in reasons.replace(";", ",").replace("|", ",").split(",") if r.strip()}
    out = []
    for rule in ctx.spec.eligibility:
        if rule.kind == "threshold":
            value = ctx.values.get(rule.indicator, pd.Series(dtype=float)).get(ctx.region_code, np.nan)
            checks = _indicator_name(ctx, rule.indicator)
            val_text = _fmt(value) if _isnum(value) else "missing"
            thr_text = f"{rule.op} {_fmt(rule.value)}"
            if not _isnum(value):
                thr_text += f" (missing: {rule.if_missing})"
        elif rule.kind == "completeness":
            raw = ctx.result.raw
            share = raw.loc[ctx.region_code].notna().mean() if ctx.region_code in raw.index else np.nan
            checks = "share of the spec's indicators with data"
            val_text = _pct(share)
            thr_text = f">= {_pct(rule.min_share)}"
        else:
            checks = "region type"
            val_text = _type_label(ctx)
            thr_text = "one of " + ", ".join(rule.allowed)
        result = "FAIL" if rule.reason in failed else "pass"
        out.append((rule.id, checks, val_text, thr_text, result))
    return pd.DataFrame(out, columns=["rule", "checks", "value", "threshold", "result"])


def _decision_words(ctx: ReportContext) -> tuple[str, str]:
    """(css class, verdict sentence) of the nominal model."""
    row = ctx.row
    if not bool(row.get("in_pool", True)):
        return "na", (
            f"Not in the {ctx.params.cohort} pool: already selected in cohort {_actual(ctx, ctx.region_code)}."
        )
    if bool(row.get("selected")):
        return "yes", f"Selected under the nominal model of this spec (cohort {ctx.params.cohort})."
    if not bool(row.get("eligible", True)):
        return "no", "Not selected under the nominal model: the region fails an eligibility rule."
    return "no", "Not selected under the nominal model of this spec."


def decision_box(ctx: ReportContext) -> ReportText:
    """The decision box: nominal decision, actual cohort, eligibility rules, score, ranks, margin,
    P(selected) and the 5-95 % rank interval.

    Returns
    -------
    ReportText
        HTML block (class ``decision``).

    Notes
    -----
    The margin is the engine's ``margin_points`` (score minus the score of the last selected region for
    a non-selected region, or minus the best non-selected for a selected one) and ``margin_places``
    (places to gain or that can be lost). P(selected) is the share of Monte Carlo draws of the declared
    uncertainty in which the region is selected.
    """
    row = ctx.row
    cls, verdict = _decision_words(ctx)
    n_ranked = int(ctx.selection["score"].notna().sum())
    prov_n = int(
        (ctx.regions.reindex(ctx.selection.index)["province_code"] == ctx.region["province_code"]).sum()
    )
    type_n = len(ctx.peer_codes) + 1
    actual = _actual(ctx, ctx.region_code)
    actual_text = (
        "not selected in any 2017-2019 cohort" if actual == "none" else f"selected in cohort {actual}"
    )
    rob = _region_robustness(ctx)
    in_pool = bool(row.get("in_pool", True))
    if not in_pool:
        p_text = interval = "n/a (not in this cohort's pool)"
    elif rob is not None:
        cls_text = str(rob.get("robustness_class", "")).replace("_", " ")
        p_text = f"<b>{_pct(rob.get('p_selected'))}</b> ({_esc(cls_text)})"
        interval = (
            f"{_rank(rob.get('rank_p05'))} - {_rank(rob.get('rank_p95'))} "
            f"(median {_rank(rob.get('rank_median'))})"
        )
    else:
        p_text = interval = '<span class="muted">not available (see "How sure is the decision?")</span>'
    margin_pts = row.get("margin_points")
    margin_pl = row.get("margin_places")
    if _isnum(margin_pts):
        sign = "above" if float(margin_pts) >= 0 else "below"
        margin = f"{_fmt(abs(float(margin_pts)))} points {sign} the cutoff"
        if _isnum(margin_pl) and not bool(row.get("selected")):
            gap = abs(int(float(margin_pl)))
            margin += f" ({gap} place{'s' if gap != 1 else ''} to gain)"
    else:
        margin = "n/a (not an eligible region of the pool)" if in_pool else "n/a"
    position = row.get("position")
    n_order = int(pd.to_numeric(ctx.selection["position"], errors="coerce").max()) if "position" in ctx.selection else 0
    place = (f"{_rank(position)} of {n_order} eligible regions in the pool (the first {ctx.cohort_size} "
             "are selected, subject to quotas)") if _isnum(position) else (
        "not an eligible region of the pool" if in_pool else "not in this cohort's pool")
    model_sel = bool(row.get("selected"))
    if not bool(row.get("in_pool", True)):
        agreement = "n/a (the region left the pool before this cohort)"
    else:
        actual_here = actual != "none" and str(actual).startswith(str(ctx.params.cohort))
        agreement = "agree" if actual_here == model_sel else "<b>disagree</b>"
    facts = [
        ("Actual programme", f"<b>{_esc(actual_text)}</b>"),
        ("Model vs programme", agreement),
        ("Score", f"{_fmt(row.get('score'))} (0-100)"),
        ("Place in the pool", place),
        ("Rank, national", f"{_rank(row.get('rank_national'))} of {n_ranked} (all regions)"),
        ("Rank, province", f"{_rank(row.get('rank_province'))} of {prov_n}"),
        (f"Rank among {_type_label(ctx)}", f"{_rank(row.get('rank_type'))} of {type_n}"),
        ("Margin to the cutoff", margin),
        ("P(selected)", p_text),
        ("Place in the pool, 5-95 % of draws", interval),
    ]
    elig = eligibility_table(ctx)
    rules = "".join(
        f"<tr><td>{_esc(r.rule)}</td><td>{_esc(r.checks)}</td><td>{_esc(r.value)}</td>"
        f"<td>{_esc(r.threshold)}</td><td><b class=\"{'light-red' if r.result == 'FAIL' else 'light-green'}\">"
        f"{_esc(r.result)}</b></td></tr>"
        for r in elig.itertuples()
    )
    rules_html = (
        "<table><thead><tr><th>eligibility rule</th><th>checks</th><th>value</th><th>threshold</th>"
        f"<th>result</th></tr></thead><tbody>{rules}</tbody></table>"
        if len(elig)
        else '<p class="muted">The spec declares no eligibility rule.</p>'
    )
    return ReportText(
        '<div class="decision">'
        f'<p class="verdict {cls}">{_esc(verdict)}</p>'
        f"{_table_html(facts)}{rules_html}"
        f'<p class="muted">Cohort {ctx.params.cohort}: {ctx.cohort_size} regions selected by the model '
        f"from the pool of regions not selected before; data year {ctx.data_year}.</p>"
        "</div>"
    )
