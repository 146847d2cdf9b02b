"""What would change the decision and how it was made: what it would take, what was not measured, the
methodology appendix and the provenance line."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from smartcity_analysis import __version__
from smartcity_analysis.curated import loaders
from smartcity_analysis.report import gates
from smartcity_analysis.report.context import (
    ReportContext,
    _indicator_name,
    _pillar_names,
    _pillar_of,
    _source_ids,
    _unit,
)
from smartcity_analysis.report.text import ReportText, _esc, _fmt, _pct, _style, _table_html
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


#: Inputs of the derived indicators whose own source id is ``derived``: the appendix cites the
#: sources of these inputs (data/indicators.yml caveats give the formulas).
DERIVED_INPUTS = {
    "fiscal_capacity": ("own_source_revenue", "dbh_tax", "dbh_natural_resources"),
    "total_revenue_proxy": ("own_source_revenue", "dbh_tax", "dbh_natural_resources", "dau", "dak"),
    "fiscal_capacity_per_capita": ("own_source_revenue", "dbh_tax", "dbh_natural_resources", "population"),
}

#: DJPK product and data-year lag per indicator (SOURCE.md of djpk-datadasar-betauliansyah,
#: smartcity_analysis/databuild/djpk.py): the value of data year ``y`` comes from the file of year
#: ``y + lag``.
DJPK_YEAR_MAPPING = {
    "own_source_revenue": ("Data Dasar DAU", 2),
    "dbh_tax": ("Data Dasar DAU", 2),
    "dbh_natural_resources": ("Data Dasar DAU", 2),
    "personnel_spending": ("Data Dasar DAU", 2),
    "bpk_opinion": ("Data Dasar DID", 2),
    "apbd_on_time": ("Data Dasar DID", 1),
    "e_procurement": ("Data Dasar DID", 1),
    "e_budgeting": ("Data Dasar DID", 1),
    "djpk_fiscal_health_score": ("Data Dasar DID", 2),
    "government_performance_award": ("Data Dasar DID", 2),
    "dak": ("TKDD", 0),
}

#: Caveats said whenever the spec uses the indicator (gate or score).
DATA_CAVEATS = {
    "bpk_opinion": (
        "BPK publishes its opinion on the accounts of year t around May-June of t+1: for cohorts 2018 "
        "and 2019 the opinion used (accounts of the data year) was published a few months after the "
        "selection. Opinions are persistent (87-88 % of regions keep theirs from one year to the next)."
    ),
    "fiscal_capacity": (
        "Fiscal capacity (PAD + DBH Pajak + DBH SDA, the DAU formula's fiscal-capacity term) is not the "
        "total APBD: the total-revenue proxy (PAD + DBH + DAU + DAK, DJPK TKDD) exists for data years "
        "2018-2019 only and is a median 5.8 times the fiscal capacity, so the budget level is stated in "
        "bn IDR of fiscal capacity, not of APBD."
    ),
}


def _gate_of(ctx: ReportContext, code: str) -> list:
    return [r for r in ctx.spec.eligibility if r.kind == "threshold" and r.indicator == code]


def not_measured(ctx: ReportContext) -> ReportText:
    """What the report could not measure, and only that: criteria of the spec without data (with the
    measured indicator that partly stands in for them), gates not applied in this cohort, the region's
    own missing values (missing by nature for the DKI administrative units), and the programme's
    assessment stage; then the assumptions and data caveats that weigh on the decision.

    Returns
    -------
    ReportText
    """
    lines = []
    excl = ctx.result.excluded
    pillar_of = _pillar_of(ctx)
    dropped = set(ctx.result.dropped_pillars)
    raw = ctx.result.raw
    said: set[str] = set()
    for r in excl.itertuples():
        ind = ctx.spec.indicator(r.indicator)
        label = _indicator_name(ctx, r.indicator)
        pid = pillar_of.get(r.indicator, "")
        pillar_codes = next((p.indicator_codes for p in ctx.spec.pillars if p.id == pid), ())
        stand_in = [c for c in pillar_codes if c != r.indicator and c in raw.columns]
        line = f"- **{_esc(label)}**: {_esc(r.reason)}."
        if ind.note:
            line += f" {_esc(ind.note)}"
        for code in stand_in:
            sub = ctx.spec.indicator(code)
            partial = "partial " if "partial" in str(sub.proxy_for or "").lower() else ""
            line += (f" In its place, as a {partial}proxy: {_esc(_indicator_name(ctx, code))}"
                     + (f" ({_esc(sub.note.rstrip('.'))})" if sub.note else "") + ".")
        if pid in dropped and pid not in said:
            said.add(pid)
            line += (f" Criterion **{_esc(_pillar_names(ctx).get(pid, pid))}** has no measured indicator: "
                     "its weight was spread over the other criteria.")
        lines.append(line)
    for pid in sorted(dropped - said):
        lines.append(f"- Criterion **{_esc(_pillar_names(ctx).get(pid, pid))}** has no measured indicator: "
                     "its weight was spread over the other criteria.")
    skipped = ctx.run.skipped_rules if ctx.run is not None else ()
    for rule in ctx.spec.eligibility:
        if rule.id in skipped:
            lines.append(f"- Gate **{_esc(rule.id)}** (<code>{_esc(rule.reason)}</code>, "
                         f"{_esc(_indicator_name(ctx, rule.indicator))}): not applied in cohort "
                         f"{ctx.params.cohort}, no data for data year {ctx.data_year}; nobody is gated on it "
                         "in this cohort.")
    if ctx.region_code in raw.index:
        missing = [c for c in raw.columns if pd.isna(raw.at[ctx.region_code, c])]
        by_nature = [c for c in missing
                     if ctx.region_code in ((ctx.registry.get(c) or {}).get("missing_regions") or ())]
        other = [c for c in missing if c not in by_nature]
        if by_nature:
            names = ", ".join(_indicator_name(ctx, c) for c in by_nature)
            gated = [r.id for c in by_nature for r in _gate_of(ctx, c)]
            lines.append(f"- For {_esc(ctx.name)}, no {ctx.data_year} value of: {_esc(names)}: missing by "
                         "nature (a DKI Jakarta administrative unit has no budget of its own), not zero"
                         + (f"; the gate(s) {_esc(', '.join(gated))} fail as missing" if gated else "")
                         + ".")
        if other:
            names = ", ".join(_indicator_name(ctx, c) for c in other)
            how = ctx.spec.methods.imputation.name
            treat = "imputed" if how != "none" else "left missing (the score uses the remaining indicators)"
            lines.append(f"- For {_esc(ctx.name)}, no {ctx.data_year} value of: {_esc(names)}; {treat}"
                         f"{' by ' + _esc(how) if how != 'none' else ''} for the score (gates read the "
                         "published value only).")
    lines.append(f"- Not measurable by any spec: {ASSESSMENT_STAGE}.")
    lines.append("- **All levels and weights are assumptions**: Kominfo never published the criteria's "
                 "weights, thresholds or the total-APBD level; the robustness section shows how much they "
                 "matter.")
    for code, text in DATA_CAVEATS.items():
        if code in raw.columns:
            lines.append(f"- {_esc(text)}")
    return ReportText("\n".join(lines))


def _input_sources(ctx: ReportContext, code: str) -> list[str]:
    """Source ids of the data-year values behind ``code``: its own, or for a derived indicator
    (:data:`DERIVED_INPUTS`) those of its inputs."""
    inputs = DERIVED_INPUTS.get(code)
    if not inputs:
        return _source_ids(ctx, code, region_only=False)
    return _inputs_long(ctx, inputs)


def _inputs_long(ctx: ReportContext, inputs) -> list[str]:
    long = loaders.load_indicators(indicators=list(inputs))
    return sorted(set(long.loc[long["year"] == ctx.data_year, "source_id"]))


def _year_mapping(ctx: ReportContext, codes) -> list[str]:
    """``"bpk_opinion 2017 = Data Dasar DID 2019"`` for the DJPK-sourced codes (and inputs) of the spec."""
    out = []
    for code in codes:
        for c in DERIVED_INPUTS.get(code, (code,)):
            if c in DJPK_YEAR_MAPPING:
                product, lag = DJPK_YEAR_MAPPING[c]
                out.append(f"{c} {ctx.data_year} = {product} {ctx.data_year + lag}")
    return list(dict.fromkeys(out))


def methodology_table(ctx: ReportContext):
    """The spec's indicators: criterion, direction, weight (``gate only`` for gate indicators of weight
    0), transform, data year, source and licence (for a derived indicator, the sources of its inputs).

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
        srcs = [] if code in excluded else _input_sources(ctx, code)
        licences = sorted({str((ctx.sources.get(s) or {}).get("licence", "n/a")) for s in srcs})
        weight = w.at[code, "overall_weight"] if code in w.index else np.nan
        if code in excluded:
            weight_text = "0 (not computed)"
        else:
            weight_text = gates.weight_text(ctx.spec, code, weight)
            if _gate_of(ctx, code) and weight_text != "gate only":
                weight_text += " + gate"
        derived = "derived from " + ", ".join(srcs) if code in DERIVED_INPUTS and srcs else ""
        rows.append(
            {
                "indicator": _indicator_name(ctx, code) + (" (proxy)" if ind.is_proxy else ""),
                "criterion": names.get(pillar_of.get(code, ""), "-"),
                "direction": {1: "higher better", -1: "lower better"}.get(ind.direction, "neutral"),
                "weight": weight_text,
                "transform": ind.transform or "-",
                "data year": "-" if code in excluded else str(ctx.data_year),
                "source": derived or ", ".join(srcs) or "-",
                "licence": ", ".join(licences) if srcs else "-",
            }
        )
    return _style(pd.DataFrame(rows), "methodology", f"Indicators of spec '{ctx.spec.id}' (overall weight = weight "
                                      "within the criterion x weight of the criterion; 'gate only': used by an "
                                      "eligibility rule, not scored).")


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
    registry = ctx.registry
    rules = "; ".join(
        f"{r.id} (<code>{_esc(r.reason)}</code>): "
        + _esc(f"{r.indicator + ' ' if r.kind == 'threshold' else ''}"
               f"{gates.level_text(r, registry)}, range {gates.range_text(s, r, registry)}")
        for r in s.eligibility
    )
    lines.append(f"- Eligibility (gates; every level an assumption): {rules or 'none'}.")
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
    used = set(ctx.sources_used["source_id"])
    computed = [c for c in s.indicator_codes if c in ctx.result.raw.columns]
    for code in computed:
        if code in DERIVED_INPUTS:
            used |= set(_input_sources(ctx, code))
    also = {"djpk-tkdd"} if "fiscal_capacity" in computed and "djpk-tkdd" in ctx.sources else set()
    for sid in sorted(used | also):
        meta = ctx.sources.get(sid) or {}
        citation = meta.get("citation") or meta.get("origin") or ""
        note = (" Cited for the total-APBD comparison, not an input of this spec."
                if sid in also - used else "")
        lines.append(f"- <code>{_esc(sid)}</code>: {_esc(citation)}{_esc(note)} Licence: "
                     f"{_esc(meta.get('licence', 'n/a'))}.")
    if not used:
        lines.append("- none")
    mapping = _year_mapping(ctx, computed)
    if mapping:
        lines += ["", f"**DJPK data years** (the value of data year {ctx.data_year} comes from the file of a "
                  "later year: DAU year t is computed from data of t-2; DID year t holds the BPK opinion on the "
                  "accounts of t-2 and the APBD timing of t-1): " + _esc("; ".join(mapping)) + "."]
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
