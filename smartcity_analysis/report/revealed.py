"""The revealed model in the region report (issue 14 item 5): beside the stated spec in the decision
box, and a short section "what the actual choices imply".

The revealed model is the shipped spec :data:`~smartcity_analysis.results.REVEALED_SPEC` (the
explanation's chosen family over every measured indicator, exported as a spec). Its decision and
place come from the engine's run of that spec (``ctx.revealed``); its P(selected) only from a
robustness run already in the cache (a 10 000-draw run per report would be far too slow); its
weights, intervals and out-of-sample place from the explanation the context holds
(:mod:`smartcity_analysis.explanation.criteria_search`).
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from smartcity_analysis.explanation import criteria_search
from smartcity_analysis.report.context import (
    ReportContext,
    _indicator_name,
    _pool_note,
    _region_robustness,
)
from smartcity_analysis.report.text import ReportText, _esc, _fmt, _pct, _rank, _style

__all__ = ["revealed_decision", "revealed_place_table", "revealed_text", "revealed_weights_table"]


def _search(ctx: ReportContext):
    """The explanation's revealed-criteria search as the object criteria_search reads, or None."""
    if not ctx.explanation_status.ok:
        return None
    tables = ctx.explanation.get("tables") or {}
    summary = ctx.explanation.get("summary") or {}
    if "revealed_scores" not in tables or "revealed" not in summary:
        return None
    return SimpleNamespace(tables=tables, summary=summary)


def _decision(table: pd.DataFrame, code: str, size: int) -> tuple[str, str]:
    """(decision, place) of a region in a cohort selection table indexed by region code."""
    if code not in table.index:
        return "not in the data", "n/a"
    row = table.loc[code]
    if not bool(row.get("in_pool", True)):
        return _esc(_pool_note(row)), "n/a"
    n_order = int(pd.to_numeric(table["position"], errors="coerce").max())
    pos = row.get("position")
    place = f"{_rank(pos)} of {n_order} eligible (first {size} selected)" if pd.notna(pos) else "not eligible"
    if bool(row.get("selected")):
        return "<b>selected</b>", place
    if not bool(row.get("eligible", True)):
        return "not selected (fails a gate)", place
    return "not selected", place


def _revealed_p(ctx: ReportContext) -> str:
    rob = ctx.revealed.get("robustness")
    settings = ctx.revealed.get("settings")
    if rob is None:
        what = f"{settings.draws} draws, seed {settings.seed}" if settings is not None else "these settings"
        return (f'<span class="muted">not computed (no cached robustness run of this spec with {what}; '
                f"<code>smartcity robustness --spec {_esc(ctx.revealed['spec'].id)} --cohort "
                f"{ctx.params.cohort}</code> computes it)</span>")
    regions = rob.regions.copy()
    regions.index = regions.index.astype(str)
    if ctx.region_code not in regions.index:
        return "n/a"
    return f"<b>{_pct(regions.at[ctx.region_code, 'p_selected'])}</b>"


def revealed_decision(ctx: ReportContext) -> ReportText:
    """The stated spec and the revealed model side by side: selected or not, place in the pool,
    P(selected).

    Returns
    -------
    ReportText
        HTML table (class ``decision``), or a sentence when the revealed model is not available.

    Notes
    -----
    The revealed model's P(selected) is shown only when a robustness run of the revealed spec with
    the report's draws and seed is already cached; otherwise it says "not computed".
    """
    if not ctx.revealed_status.ok:
        return ReportText(f'<p class="muted">The revealed model is not available: '
                          f"{_esc(ctx.revealed_status.message)}.</p>")
    rspec = ctx.revealed["spec"]
    rtable = ctx.revealed["run"].table.set_index("region_code")
    rtable.index = rtable.index.astype(str)
    size = ctx.cohort_size
    s_dec, s_place = _decision(ctx.selection, ctx.region_code, size)
    r_dec, r_place = _decision(rtable, ctx.region_code, size)
    rob = _region_robustness(ctx)
    s_p = f"<b>{_pct(rob.get('p_selected'))}</b>" if rob is not None else '<span class="muted">not available</span>'
    same = rspec.spec_hash == ctx.spec.spec_hash
    r_p = s_p if same else _revealed_p(ctx)
    # out of the pool (selected in an earlier cohort): no chance by construction, not a 0 % loss
    if _pool_note(ctx.row):
        s_p = "n/a"
    if ctx.region_code in rtable.index and _pool_note(rtable.loc[ctx.region_code]):
        r_p = "n/a"
    rows = [("stated" + (" (= revealed)" if same else ""), ctx.spec.id, s_dec, s_place, s_p),
            ("revealed by the actual choices", rspec.id, r_dec, r_place, r_p)]
    body = "".join(f"<tr><td>{_esc(a)}</td><td><code>{_esc(b)}</code></td><td>{c}</td><td>{_esc(d)}</td>"
                   f"<td>{e}</td></tr>" for a, b, c, d, e in rows)
    return ReportText(
        '<div class="decision"><table><thead><tr><th>model</th><th>spec</th><th>decision</th>'
        f"<th>place in the pool</th><th>P(selected)</th></tr></thead><tbody>{body}</tbody></table>"
        f'<p class="muted">The revealed model is the model over every measured indicator that best '
        f"explains who was actually selected in 2017-2019 (see \"What the actual choices imply\").</p>"
        "</div>"
    )


def revealed_text(ctx: ReportContext) -> ReportText:
    """What the actual choices imply: the chosen revealed model, why, and the region's place under it.

    Returns
    -------
    ReportText
    """
    res = _search(ctx)
    if res is None:
        why = (ctx.explanation_status.message if not ctx.explanation_status.ok
               else "the explanation has no revealed-criteria search")
        return ReportText(f"The revealed criteria are not available: {_esc(why)}.")
    chosen = res.summary.get("chosen_model") or res.summary["revealed"].get("chosen_model") or {}
    family = chosen.get("family", res.summary["revealed"]["chosen"])
    w = criteria_search.revealed_weights(res)
    top = ", ".join(f"{_esc(_indicator_name(ctx, r.indicator))} {r.weight:.2f} "
                    f"[{r.ci_low:.2f}, {r.ci_high:.2f}]" for r in w.head(3).itertuples())
    gates = [r for r in w.itertuples() if isinstance(r.gate_op, str) and r.gate_op]
    gate_text = ("; gates: " + ", ".join(f"{_esc(_indicator_name(ctx, g.indicator))} {g.gate_op} "
                                         f"{_fmt(g.gate_level)}" for g in gates)) if gates else ""
    place = criteria_search.region_revealed(res, ctx.region_code)
    here = place[place["cohort_year"] == ctx.params.cohort]
    if here.empty:
        mine = (f"{_esc(ctx.name)} is not among the evaluated regions of cohort {ctx.params.cohort} "
                "(not in its pool).")
    else:
        r = here.iloc[0]
        mine = (f"Under it, {_esc(ctx.name)} ranks <b>{int(r.rank_in)} of {int(r.n_pool)}</b> in the "
                f"{ctx.params.cohort} pool (the first {ctx.cohort_size} are selected); fitted without "
                f"cohort {ctx.params.cohort} it ranks {int(r.rank_out)}, P(selected) out of sample "
                f"{_pct(r.p_selected_out)}; it {'passes' if r.passes_gates else 'fails'} the model's "
                f"gates; actually {'selected' if r.actual else 'not selected'} in {ctx.params.cohort}.")
    return ReportText(
        f"The actual choices are best described by <code>{_esc(family)}</code> (mean out-of-sample "
        f"AUC {_fmt(chosen.get('mean_auc_out'))}): {_esc(chosen.get('why', ''))}. Largest weights "
        f"(95 % bootstrap interval): {top}{gate_text}. These are weights over measured indicators; the "
        f"assessment stage was never published, so no model explains every choice.\n\n{mine}"
    )


def revealed_weights_table(ctx: ReportContext):
    """The revealed model's weights with their bootstrap intervals, stability and gates.

    Returns
    -------
    pandas.io.formats.style.Styler or ReportText
    """
    res = _search(ctx)
    if res is None:
        return ReportText("Revealed weights are not available.")
    w = criteria_search.revealed_weights(res)
    out = pd.DataFrame({
        "indicator": [_indicator_name(ctx, c) for c in w["indicator"]],
        "direction": ["higher" if int(d) > 0 else "lower" for d in w["direction"]],
        "weight": w["weight"].round(3),
        "95 % interval": [f"{a:.2f}-{b:.2f}" for a, b in zip(w["ci_low"], w["ci_high"], strict=True)],
        "chosen in": [_pct(s) for s in w["stability"]],
        "gate": [f"{o} {_fmt(v)}" if isinstance(o, str) and o else "" for o, v in
                 zip(w["gate_op"], w["gate_level"], strict=True)],
    })
    return _style(out, "revealed-weights", "Revealed weights (sum to one, over z-scores), their 95 % "
                  "bootstrap interval, the share of resamples giving each a weight, gates in raw units.",
                  precision=3)


def revealed_place_table(ctx: ReportContext):
    """The region's place under the revealed model in each cohort it was in the pool of.

    Returns
    -------
    pandas.io.formats.style.Styler or ReportText
    """
    res = _search(ctx)
    if res is None:
        return ReportText("The region's place under the revealed model is not available.")
    r = criteria_search.region_revealed(res, ctx.region_code).sort_values("cohort_year")
    if r.empty:
        return ReportText(f"{_esc(ctx.name)} was in no cohort pool of the revealed-criteria fit.")
    out = pd.DataFrame({
        "cohort": r["cohort_year"].astype(int).astype(str),
        "actually selected": ["yes" if a else "no" for a in r["actual"]],
        "rank (fit on all)": r["rank_in"].astype(int),
        "rank (cohort held out)": r["rank_out"].astype(int),
        "pool": r["n_pool"].astype(int),
        "P(selected), held out": [_pct(p) for p in r["p_selected_out"]],
        "passes gates": ["yes" if g else "no" for g in r["passes_gates"]],
    })
    return _style(out, "revealed-place", "Place under the revealed model: fitted on all cohorts (the "
                  "spec's order) and fitted without the cohort (out of sample).")

