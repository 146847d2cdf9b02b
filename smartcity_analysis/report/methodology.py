"""What would change the decision and how it was made: what it would take, what was not measured, the
methodology appendix and the provenance line."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from smartcity_analysis import __version__
from smartcity_analysis.report.context import (
    ReportContext,
    _indicator_name,
    _pillar_names,
    _pillar_of,
    _source_ids,
    _unit,
)
from smartcity_analysis.report.text import ReportText, _esc, _fmt, _isnum, _pct, _style, _table_html
from smartcity_analysis.spec import DEFAULT_SPEC

#: What the programme assessed after the desk pre-screen, for which no per-region score is public
#: (DOMAIN.md section 2): always named in "what was not measured".
ASSESSMENT_STAGE = (
    "the questionnaire and two-day assessment before a panel (leadership vision, regulation, human "
    "resources, infrastructure: 'struktur, infrastruktur, suprastruktur'); no per-region scores of "
    "that stage were published"
)


def _explanation_rows(ctx: ReportContext, table: str) -> pd.DataFrame | None:
    """The region's rows of an explanation table for the report's cohort (None when unavailable)."""
    if not ctx.explanation_status.ok:
        return None
    tables = ctx.explanation.get("tables") or {}
    t = tables.get(table)
    if not isinstance(t, pd.DataFrame):
        return None
    t = t[t["region_code"].astype(str) == ctx.region_code]
    if "cohort_year" in t.columns:
        t = t[t["cohort_year"].astype(int) == ctx.params.cohort]
    return t.reset_index(drop=True)


def _truthy(value: Any) -> bool:
    """True for True/1/"True"/"true"; False for False, 0, None, NaN and anything else."""
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    try:
        return bool(value) and not (isinstance(value, float) and np.isnan(value))
    except (TypeError, ValueError):
        return False


def what_it_would_take_text(ctx: ReportContext) -> ReportText:
    """What it would take, in words: the gap to the cohort's cutoff and the outcome of the
    counterfactual search (already selected, reachable, not reachable within the plausible bounds,
    ineligible).

    Returns
    -------
    ReportText

    Notes
    -----
    The counterfactuals come from :mod:`smartcity_analysis.explanation` under the spec's nominal weights
    on the actual pool of the cohort (regions selected earlier have left). They change one region's
    values and hold the others' normalised values fixed; each computed change is re-checked through the
    real build ("verified").
    """
    if not ctx.explanation_status.ok:
        return ReportText(
            '<p class="notice"><b>Counterfactuals are not available</b> for this report: '
            f"{_esc(ctx.explanation_status.message)}.</p>"
        )
    reg = _explanation_rows(ctx, "counterfactual_regions")
    if reg is None or reg.empty:
        return ReportText(
            f"{_esc(ctx.name)} was not evaluated for cohort {ctx.params.cohort} (not in its pool), so "
            "there is no counterfactual."
        )
    r = reg.iloc[0]
    outcome = str(r.get("outcome", ""))
    gap = r.get("gap")
    single = _explanation_rows(ctx, "counterfactual_single")
    feasible = single[[_truthy(v) for v in single["reachable"]]] if single is not None and len(single) else None
    if outcome != "already selected" and not outcome.startswith("ineligible") and feasible is not None \
            and len(feasible):
        # The per-indicator table is the evidence; say "reachable" whenever one change is.
        outcome = "reachable"
    head = (f"Score {_fmt(r.get('score'))}; the cutoff of cohort {ctx.params.cohort} (the score of the "
            f"last of the {ctx.cohort_size} regions selected from the actual pool) is "
            f"{_fmt(r.get('cutoff'))}")
    if outcome == "already selected":
        return ReportText(f"{head}: {_esc(ctx.name)} is already above it; nothing is needed.")
    if outcome == "reachable":
        n_comb = int(r.get("combined_n_indicators") or 0)
        if feasible is None or not len(feasible):
            # only a combined change closes the gap: no single indicator can within its bounds
            return ReportText(
                f"{head}: a gap of **{_fmt(gap)} points**. No single indicator can close it within the "
                f"plausible change the spec declares; the cheapest combined change moves {n_comb} "
                "indicator(s) together (see the 'combined change' column of the table)."
            )
        best = feasible.sort_values("change_normalised").iloc[0]
        code = str(best["indicator"])
        comb = (f"; the cheapest combined change moves {n_comb} indicator(s)" if n_comb else "")
        text = (f"{head}: a gap of **{_fmt(gap)} points**. The smallest single change (in normalised "
                f"units) is in **{_esc(_indicator_name(ctx, code))}**: from {_fmt(best['current_value'])} "
                f"to {_fmt(best['required_value'])} {_esc(_unit(ctx, code))}{comb}. The table lists "
                "every indicator, within the plausible change the spec declares.")
        return ReportText(text)
    if outcome.startswith("ineligible"):
        return ReportText(f"{head}. {_esc(ctx.name)} is {_esc(outcome)}: no change of the scored "
                          "indicators alone can select it.")
    return ReportText(
        f"{head}: a gap of **{_fmt(gap)} points**, which no change within the plausible bounds the spec "
        "declares can close (neither one indicator alone nor all of them together)."
    )


def what_it_would_take(ctx: ReportContext):
    """What it would take to reach the cohort's cutoff under the nominal weights: the smallest change
    of each single indicator, and the cheapest combined change.

    Returns
    -------
    pandas.io.formats.style.Styler or None
        Columns ``indicator, now, needed, change, unit, combined change, verified``; None (nothing to
        show) when the region is already selected or no counterfactual is available (the text of
        :func:`what_it_would_take_text` says why).
    """
    single = _explanation_rows(ctx, "counterfactual_single")
    if single is None or single.empty:
        return None
    reg = _explanation_rows(ctx, "counterfactual_regions")
    if reg is not None and not reg.empty and str(reg.iloc[0].get("outcome")) == "already selected":
        return None
    comb = _explanation_rows(ctx, "counterfactual_combined")
    comb_change = {} if comb is None else dict(zip(comb["indicator"], comb["change"], strict=False))
    rows = []
    for r in single.itertuples():
        reachable = _truthy(r.reachable)
        verified = getattr(r, "verified", None)
        verified = None if verified is None or (isinstance(verified, float) and np.isnan(verified)) \
            else _truthy(verified)
        rows.append(
            {
                "indicator": _indicator_name(ctx, r.indicator),
                "now": _fmt(r.current_value),
                "needed": _fmt(r.required_value) if reachable else "-",
                "change": (("+" if r.change > 0 else "") + _fmt(r.change)) if reachable else "out of bounds",
                "unit": _unit(ctx, r.indicator),
                "combined change": (("+" if comb_change[r.indicator] > 0 else "") + _fmt(comb_change[r.indicator]))
                if r.indicator in comb_change else "-",
                "verified": "yes" if verified is True else ("no" if verified is False else "-"),
            }
        )
    return _style(pd.DataFrame(rows), "counterfactuals", "Smallest change of each indicator alone, and the cheapest "
                                      "combination (nominal weights, other regions held fixed).")


def not_measured(ctx: ReportContext) -> ReportText:
    """What the report could not measure: criteria of the spec without data (named, with the proxy
    they stand for), indicators without data in the data year, the region's own missing values, and
    the programme's assessment stage.

    Returns
    -------
    ReportText
    """
    lines = []
    excl = ctx.result.excluded
    for r in excl.itertuples():
        ind = ctx.spec.indicator(r.indicator)
        label = _indicator_name(ctx, r.indicator)
        crit = f" (stands for: {ind.proxy_for})" if ind.proxy_for else ""
        note = f" {ind.note}" if ind.note else ""
        lines.append(f"- **{_esc(label)}**{_esc(crit)}: {_esc(r.reason)}.{_esc(note)}")
    for pid in ctx.result.dropped_pillars:
        lines.append(f"- Criterion **{_esc(_pillar_names(ctx).get(pid, pid))}** has no measured indicator: "
                     "its weight was spread over the other criteria.")
    raw = ctx.result.raw
    if ctx.region_code in raw.index:
        missing = [c for c in raw.columns if pd.isna(raw.at[ctx.region_code, c])]
        if missing:
            names = ", ".join(_indicator_name(ctx, c) for c in missing)
            how = ctx.spec.methods.imputation.name
            treat = "imputed" if how != "none" else "left missing (the score uses the remaining indicators)"
            lines.append(f"- For {_esc(ctx.name)}, no {ctx.data_year} value of: {_esc(names)}; {treat}"
                         f"{' by ' + _esc(how) if how != 'none' else ''}.")
    lines.append(f"- Not measurable by any spec: {ASSESSMENT_STAGE}.")
    lines.append("- Kominfo never published the criteria's weights or thresholds: those in this spec are "
                 "modelling choices, and the robustness section shows how much they matter.")
    return ReportText("\n".join(lines))


def methodology_table(ctx: ReportContext):
    """The spec's indicators: pillar, direction, weight, transform, data year, source and licence.

    Returns
    -------
    pandas.io.formats.style.Styler
    """
    w = ctx.result.weights.set_index("indicator") if len(ctx.result.weights) else pd.DataFrame()
    names = _pillar_names(ctx)
    pillar_of = _pillar_of(ctx)
    excluded = set(ctx.result.excluded["indicator"]) if len(ctx.result.excluded) else set()
    rows = []
    for ind in ctx.spec.indicators:
        code = ind.code
        srcs = [] if code in excluded else _source_ids(ctx, code, region_only=False)
        licences = sorted({str((ctx.sources.get(s) or {}).get("licence", "n/a")) for s in srcs})
        weight = w.at[code, "overall_weight"] if code in w.index else np.nan
        rows.append(
            {
                "indicator": _indicator_name(ctx, code) + (" (proxy)" if ind.is_proxy else ""),
                "criterion": names.get(pillar_of.get(code, ""), "-"),
                "direction": {1: "higher better", -1: "lower better"}.get(ind.direction, "neutral"),
                "weight": f"{100 * weight:.1f} %" if _isnum(weight) else "0 (not computed)",
                "transform": ind.transform or "-",
                "data year": "-" if code in excluded else str(ctx.data_year),
                "source": ", ".join(srcs) or "-",
                "licence": ", ".join(licences) if srcs else "-",
            }
        )
    return _style(pd.DataFrame(rows), "methodology", f"Indicators of spec '{ctx.spec.id}' (overall weight = weight "
                                      "within the criterion x weight of the criterion).")


def _method_text(choice) -> str:
    kw = choice.kwargs
    extra = ", ".join(f"{k}={v}" for k, v in kw.items())
    return f"{choice.name}" + (f" ({extra})" if extra else "")


def methodology_text(ctx: ReportContext) -> ReportText:
    """Methods of each build step, eligibility rules, cohort and pool rules, quotas and tie-breaking;
    then the sources with their licences.

    Returns
    -------
    ReportText
    """
    s = ctx.spec
    m = s.methods
    lines = [
        f"**Spec**: {_esc(s.title)} (<code>{_esc(s.id)}</code>, version {_esc(s.version)}). "
        + _esc(s.description),
        "",
        f"- Imputation: {_esc(_method_text(m.imputation))}; outlier treatment: {_esc(_method_text(m.outliers))}.",
        f"- Normalisation: {_esc(_method_text(m.normalisation))}.",
        f"- Weighting: indicators {_esc(_method_text(m.weighting_indicators))}, criteria "
        f"{_esc(_method_text(m.weighting_pillars))}.",
        f"- Aggregation: within criteria {_esc(_method_text(m.aggregation_pillars))}, across criteria "
        f"{_esc(_method_text(m.aggregation_index))}; minimum data coverage {_pct(m.min_coverage_pillars)} "
        f"within a criterion, {_pct(m.min_coverage_index)} across.",
        f"- Cohort {ctx.params.cohort}: {ctx.cohort_size} regions, data year {ctx.data_year}; earlier "
        f"selections leave the pool ({_esc(s.pool.previous_cohorts)} cohorts).",
    ]
    rules = "; ".join(
        f"{r.id}: {r.indicator} {r.op} {_fmt(r.value)}" if r.kind == "threshold"
        else f"{r.id}: at least {_pct(r.min_share)} of indicators observed" if r.kind == "completeness"
        else f"{r.id}: type in {', '.join(r.allowed)}"
        for r in s.eligibility
    )
    lines.append(f"- Eligibility: {_esc(rules) or 'none'}.")
    q = s.quotas
    quota_bits = []
    if q.max_per_province is not None:
        quota_bits.append(f"at most {q.max_per_province} per province")
    if q.min_share_outside_java is not None:
        quota_bits.append(f"at least {_pct(q.min_share_outside_java)} outside Java")
    for tm in q.type_mix:
        quota_bits.append(f"{tm.type} share in [{_pct(tm.min_share)}, {_pct(tm.max_share)}]")
    lines.append(f"- Quotas: {_esc('; '.join(quota_bits)) if quota_bits else 'none'}.")
    ties = ", ".join(f"{t.key} ({t.order})" for t in s.tie_breaking)
    lines.append(f"- Ties broken by: {_esc(ties + ', ' if ties else '')}region code.")
    lines += ["", "**Sources**", ""]
    used = sorted(set(ctx.sources_used["source_id"]))
    for sid in used:
        meta = ctx.sources.get(sid) or {}
        citation = meta.get("citation") or meta.get("origin") or ""
        lines.append(f"- <code>{_esc(sid)}</code>: {_esc(citation)} Licence: {_esc(meta.get('licence', 'n/a'))}.")
    if not used:
        lines.append("- none")
    return ReportText("\n".join(lines))


def provenance(ctx: ReportContext) -> ReportText:
    """Seed, draws, spec hash, data hash and package version: what is needed to reproduce the report.

    Returns
    -------
    ReportText
    """
    p = ctx.params
    facts = [
        ("Region / cohort", f"{_esc(ctx.region_code)} / {p.cohort}"),
        ("Spec", f"{_esc(ctx.spec.id)} v{_esc(ctx.spec.version)}, hash <code>{_esc(ctx.spec.spec_hash)}</code>"),
        ("Data hash", f"<code>{_esc(ctx.data_hash)}</code> (data/regions.csv + data/indicators.csv)"),
        ("Seed / draws", f"{p.seed} / {p.draws:,}"),
        ("Package", f"smartcity-analysis {_esc(__version__)}"),
        ("Reproduce", f"<code>smartcity report --region {_esc(ctx.region_code)} --cohort {p.cohort} "
                      f"--spec {_esc(p.spec or DEFAULT_SPEC)} --draws {p.draws} --seed {p.seed}</code>"),
    ]
    notes = "".join(f'<p class="muted">Note: {_esc(n)}.</p>' for n in ctx.notes)
    return ReportText(_table_html(facts) + notes)
