"""The first part of the report: who the region is and what the spec decides (header, locator map,
eligibility rules, the decision box)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from smartcity_analysis.engine.selection import quota_effect
from smartcity_analysis.report import gates
from smartcity_analysis.report.context import (
    ReportContext,
    _actual,
    _indicator_name,
    _pool_note,
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


def _skipped(ctx: ReportContext) -> tuple[str, ...]:
    """Rules the engine did not apply in this cohort (their indicator has no data in the data year)."""
    if ctx.run is not None:
        return tuple(ctx.run.skipped_rules)
    raw = ctx.result.raw.columns
    return tuple(r.id for r in ctx.spec.eligibility if r.kind == "threshold" and r.indicator not in raw)


def eligibility_table(ctx: ReportContext) -> pd.DataFrame:
    """One row per eligibility rule (gate) of the spec: rule, reason code, indicator, the region's
    value, the nominal level, its declared range, and the result.

    Returns
    -------
    pandas.DataFrame
        Columns ``rule, reason, indicator, value, level, range, result``.

    Notes
    -----
    The result is taken from the engine's ``fail_reasons`` for the region and the cohort's
    ``skipped_rules`` (the authority): ``pass``, ``FAIL``, ``FAIL (missing)`` (no value; the six DKI
    administrative units have no budget of their own) or ``not applied (no data for data year Y)``.
    The value is the raw data-year value in the indicator's terms (BPK opinion as WTP/WDP/TW/TMP, money
    in bn IDR, 0/1 as yes/no) for threshold rules, the share of the spec's computed indicators observed
    (before imputation) for completeness rules, and the region type for type rules. Every level is an
    assumption; the range is the spec's ``uncertainty.thresholds`` entry, which the robustness analysis
    draws from.
    """
    row = ctx.row
    reasons = str(row.get("fail_reasons") or "")
    skipped = _skipped(ctx)
    out = []
    for rule in ctx.spec.eligibility:
        if rule.kind == "threshold":
            indicator = _indicator_name(ctx, rule.indicator)
            if rule.id in skipped:
                val_text = f"no data for {ctx.data_year}"
            else:
                value = ctx.values.get(rule.indicator, pd.Series(dtype=float)).get(ctx.region_code, np.nan)
                val_text = gates.value_text(rule.indicator, value, ctx.registry)
                if val_text == "missing" and ctx.region_code in (
                        (ctx.registry.get(rule.indicator) or {}).get("missing_regions") or ()):
                    val_text = gates.MISSING_BY_NATURE
        elif rule.kind == "completeness":
            raw = ctx.result.raw
            share = raw.loc[ctx.region_code].notna().mean() if ctx.region_code in raw.index else np.nan
            n_obs = int(raw.loc[ctx.region_code].notna().sum()) if ctx.region_code in raw.index else 0
            indicator = "share of the spec's computed indicators with data"
            val_text = f"{_pct(share)} ({n_obs} of {raw.shape[1]})"
        else:
            indicator = "region type"
            val_text = _type_label(ctx)
        out.append((rule.id, rule.reason, indicator, val_text, gates.level_text(rule, ctx.registry),
                    gates.range_text(ctx.spec, rule, ctx.registry),
                    gates.rule_result(rule, reasons, skipped, ctx.data_year)))
    return pd.DataFrame(out, columns=["rule", "reason", "indicator", "value", "level", "range", "result"])


def quota_text(ctx: ReportContext) -> str:
    """The quota line of the decision box: the quotas, whether they bind in this cohort, and whether
    this region was taken in or displaced by them (:func:`~smartcity_analysis.engine.selection.quota_effect`).
    """
    q = ctx.spec.quotas
    if not q.active:
        return "The spec declares no quota."
    bits = []
    if q.min_share_outside_java is not None:
        bits.append(f"at least {_pct(q.min_share_outside_java)} outside Java")
    if q.max_per_province is not None:
        bits.append(f"at most {q.max_per_province} per province")
    bits += [f"{tm.type} share in [{_pct(tm.min_share)}, {_pct(tm.max_share)}]" for tm in q.type_mix]
    head = f"Quota ({'; '.join(bits)}, an assumption)"
    if ctx.run is None:
        return f"{head}: its effect is not available."
    taken_in, left_out = quota_effect(ctx.run)
    if not taken_in and not left_out:
        return (f"{head}: does not bind in cohort {ctx.params.cohort} (the first {ctx.cohort_size} "
                "eligible regions of the order already meet it), so it changes nobody's selection.")
    if ctx.region_code in taken_in:
        mine = f"{_esc(ctx.name)} was <b>taken in</b> by it (below the cutoff of the order)."
    elif ctx.region_code in left_out:
        mine = f"{_esc(ctx.name)} was <b>displaced</b> by it (inside the cutoff of the order, not selected)."
    else:
        mine = f"{_esc(ctx.name)} is neither taken in nor displaced by it."
    return (f"{head}: <b>binds</b> in cohort {ctx.params.cohort}: {len(taken_in)} region(s) below the "
            f"cutoff taken in place of {len(left_out)} above it. {mine}")


def _decision_words(ctx: ReportContext) -> tuple[str, str]:
    """(css class, verdict sentence) of the nominal model."""
    row = ctx.row
    if not bool(row.get("in_pool", True)):
        reason = str(row.get("pool_reason") or "")
        if reason.startswith("actual_cohort_"):
            why = f"already selected in cohort {_actual(ctx, ctx.region_code)}"
        else:
            why = _pool_note(row).removesuffix(", not in this pool")
        return "na", f"Not in the {ctx.params.cohort} pool: {why}."
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
        ("Score", f"{_fmt(row.get('score'))} ({_esc(ctx.score_scale)})"),
        ("Place in the pool", place),
        ("Rank, national", f"{_rank(row.get('rank_national'))} of {n_ranked} (all regions)"),
        ("Rank, province", f"{_rank(row.get('rank_province'))} of {prov_n}"),
        (f"Rank among {_type_label(ctx)}", f"{_rank(row.get('rank_type'))} of {type_n}"),
        ("Margin to the cutoff", margin),
        ("P(selected)", p_text),
        ("Place in the pool, 5-95 % of draws", interval),
    ]
    elig = eligibility_table(ctx)

    def _cls(result: str) -> str:
        return "light-red" if result.startswith("FAIL") else ("light-green" if result.startswith("pass")
                                                               else "muted")

    rules = "".join(
        f"<tr><td>{_esc(r.rule)}</td><td><code>{_esc(r.reason)}</code></td><td>{_esc(r.indicator)}</td>"
        f"<td>{_esc(r.value)}</td><td>{_esc(r.level)}</td><td>{_esc(r.range)}</td>"
        f"<td><b class=\"{_cls(r.result)}\">{_esc(r.result)}</b></td></tr>"
        for r in elig.itertuples()
    )
    rules_html = (
        "<table><thead><tr><th>gate (eligibility rule)</th><th>reason code</th><th>indicator</th>"
        "<th>value</th><th>level (assumed)</th><th>declared range</th><th>result</th></tr></thead>"
        f"<tbody>{rules}</tbody></table>"
        if len(elig)
        else '<p class="muted">The spec declares no eligibility rule.</p>'
    )
    rules_html += f"<p>{quota_text(ctx)}</p>"
    return ReportText(
        '<div class="decision">'
        f'<p class="verdict {cls}">{_esc(verdict)}</p>'
        f"{_table_html(facts)}{rules_html}"
        f'<p class="muted">Cohort {ctx.params.cohort}: {ctx.cohort_size} regions selected by the model '
        f"from the pool of regions not selected before; data year {ctx.data_year}.</p>"
        "</div>"
    )
