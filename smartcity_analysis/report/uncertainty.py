"""How sure the decision is: the robustness summary, the rank distribution, the Sobol drivers of the
status and the contestable rivals; then the SMAA answers (issue 13): the typical weights that select the
region and its confidence factor, the weights-only possible/necessary answers, winning indices against
its nearest rivals, the weight stability intervals and the "without indicator X" scenarios."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from smartcity_analysis.report.context import (
    ReportContext,
    _actual,
    _indicator_name,
    _pillar_names,
    _region_robustness,
)
from smartcity_analysis.report.text import ReportText, _esc, _isnum, _pct, _rank, _style
from smartcity_analysis.robustness.run import COLUMN_LABELS


def robustness_summary(ctx: ReportContext) -> ReportText:
    """How sure the nominal decision is: P(selected), robustness class, rank interval, cohort-level
    stability (mean Jaccard similarity of the draws to the nominal selection).

    Returns
    -------
    ReportText

    Notes
    -----
    :math:`P(\\text{selected}) = \\frac{1}{D}\\sum_d 1[i \\in S_d]` over the :math:`D` draws; classes
    robustly in (:math:`P \\ge 0.95`), robustly out (:math:`P \\le 0.05`), else contestable
    (:mod:`smartcity_analysis.robustness`).

    References
    ----------
    .. [1] Saisana, M., Saltelli, A. & Tarantola, S. (2005). Uncertainty and sensitivity analysis
       techniques as tools for the quality assessment of composite indicators. J. R. Stat. Soc. A
       168(2), 307-323.
    """
    if not bool(ctx.row.get("in_pool", True)):
        return ReportText(
            f"{_esc(ctx.name)} is not in the pool of cohort {ctx.params.cohort} (selected in cohort "
            f"{_esc(_actual(ctx, ctx.region_code))}), so the uncertainty of this cohort's selection does "
            "not concern it. Render the report of its own cohort to see how sure that selection was."
        )
    if not ctx.robustness_status.ok:
        return ReportText(
            '<p class="notice"><b>Robustness results are not available</b> for this report: '
            f"{_esc(ctx.robustness_status.message)}. The nominal decision above is therefore shown without "
            "its uncertainty.</p>"
        )
    rob = _region_robustness(ctx)
    summ = ctx.robustness.get("summary") or {}
    if rob is None:
        return ReportText(
            f'<p class="notice">The robustness run holds no row for {_esc(ctx.name)} in cohort '
            f"{ctx.params.cohort} (the region is not in that cohort's pool).</p>"
        )
    cls = str(rob.get("robustness_class", "")).replace("_", " ")
    draws = summ.get("draws", ctx.params.draws)
    text = (
        f"Over **{draws:,} draws** of the uncertainty the spec declares (weights, methods, thresholds, "
        f"noise), {_esc(ctx.name)} is selected in **{_pct(rob.get('p_selected'))}** of them and is "
        f"eligible in {_pct(rob.get('p_eligible'))}: **{_esc(cls)}** "
        f"(robustly in: P >= 95 %; robustly out: P <= 5 %; otherwise contestable). Its place in the "
        f"eligible pool (1 = first; the first {ctx.cohort_size} are selected, subject to quotas) lies "
        f"between {_rank(rob.get('rank_p05'))} and {_rank(rob.get('rank_p95'))} in 90 % of the draws "
        f"(median {_rank(rob.get('rank_median'))}; {_rank(ctx.row.get('position'))} under the nominal spec)."
    )
    if summ:
        text += (
            f"\n\nFor the cohort as a whole, a draw's selection shares on average "
            f"{_pct(summ.get('mean_jaccard'))} of its members with the nominal one (Jaccard similarity); "
            f"{summ.get('n_robustly_in', 'n/a')} regions are robustly in and "
            f"{summ.get('n_contestable', 'n/a')} contestable."
        )
    return ReportText(text)


def fig_rank(ctx: ReportContext, ax=None):
    """The region's place in the eligible pool under uncertainty (histogram over draws when kept, 5-95 %
    interval, median, nominal place, cohort size).

    Returns
    -------
    matplotlib.axes.Axes or None
        None (nothing drawn) when robustness results are not available.
    """
    # matplotlib only where a figure is drawn (a kernel): the CLI imports this package too.
    from smartcity_analysis.plots import rank_interval

    rob = _region_robustness(ctx)
    if rob is None or not bool(ctx.row.get("in_pool", True)) or not _isnum(rob.get("rank_median")):
        return None
    hist = ctx.robustness.get("rank_draws")
    ranks = None
    if isinstance(hist, pd.DataFrame) and ctx.region_code in hist.columns.astype(str):
        ranks = hist.set_axis(hist.columns.astype(str), axis=1)[ctx.region_code].to_numpy(dtype=float)
    return rank_interval(
        float(rob.get("rank_median", np.nan)),
        float(rob.get("rank_p05", np.nan)),
        float(rob.get("rank_p95", np.nan)),
        nominal_rank=float(ctx.row.get("position")) if _isnum(ctx.row.get("position")) else None,
        cutoff=ctx.cohort_size,
        pool_size=int(pd.to_numeric(ctx.selection["position"], errors="coerce").max()),
        ranks=ranks,
        xlabel="place in the eligible pool (1 = first)",
        ax=ax,
    )


def sobol_table(ctx: ReportContext):
    """What drives the region's selected/not-selected status: first-order and total Sobol indices of
    the uncertain inputs, with confidence intervals.

    Returns
    -------
    pandas.io.formats.style.Styler or ReportText
        Text when the indices are not available or not trustworthy.
    """
    if not ctx.robustness_status.ok:
        return ReportText("Sensitivity (Sobol) indices are not available: robustness results are missing.")
    sob = ctx.robustness.get("sobol_regions")
    if not isinstance(sob, pd.DataFrame) or sob.empty:
        return ReportText("Sensitivity (Sobol) indices were not computed for this cohort.")
    df = sob.copy()
    if "region_code" in df.columns:
        df = df[df["region_code"].astype(str) == ctx.region_code]
    if df.empty:
        return ReportText(
            "The region's status does not vary across the draws (or was not analysed), so no input "
            "drives it: Sobol indices are undefined."
        )
    df = df.sort_values("ST", ascending=False).head(8)
    out = pd.DataFrame(
        {
            "uncertain input": [_factor_label(ctx, f) for f in df["factor"]],
            "first order S1": [_pm(a, b) for a, b in zip(df["S1"], df.get("S1_conf", np.nan), strict=False)],
            "total ST": [_pm(a, b) for a, b in zip(df["ST"], df.get("ST_conf", np.nan), strict=False)],
            "reliable": ["yes" if bool(t) else "indicative" for t in df.get("trusted", True)],
        }
    )
    return _style(out, "sobol", "Sobol indices of the region's selected/not-selected outcome: the share of "
                                "its variance due to each input alone (S1) and with interactions (ST).")


def _pm(value: Any, conf: Any) -> str:
    if not _isnum(value):
        return "n/a"
    return f"{float(value):.2f} ± {float(conf):.2f}" if _isnum(conf) else f"{float(value):.2f}"


#: Labels of the robustness factors (``threshold:<rule>`` and indicator names are built on the fly).
FACTOR_LABELS = {
    "weights": "criterion weights",
    "imputation": "imputation method",
    "normalisation": "normalisation method",
    "aggregation_index": "aggregation across criteria",
    "aggregation_pillars": "aggregation within criteria",
    "noise": "noise on indicator values",
    "leave_one_out": "leaving one indicator out",
}


def _factor_label(ctx: ReportContext, factor: str) -> str:
    factor = str(factor)
    if factor.startswith("threshold:"):
        return f"threshold of rule '{factor.split(':', 1)[1]}'"
    return FACTOR_LABELS.get(factor, factor.replace("_", " "))


def rivals_table(ctx: ReportContext, n: int = 8):
    """Contestable rivals: the regions whose selection is uncertain (5 % < P < 95 %) and whose nominal
    place in the eligible pool is closest to the region's (or to the cutoff for a region outside it).

    Returns
    -------
    pandas.io.formats.style.Styler or ReportText
    """
    if not ctx.robustness_status.ok:
        return ReportText("Contestable rivals cannot be listed: robustness results are missing.")
    table = ctx.robustness.get("regions")
    if not isinstance(table, pd.DataFrame):
        return ReportText("Contestable rivals cannot be listed: no per-region robustness table.")
    t = table.set_axis(table.index.astype(str))
    contest = t[t["robustness_class"] == "contestable"]
    if contest.empty:
        return ReportText("No region of this cohort is contestable: every selection is robust.")
    sel = ctx.selection
    pos = pd.to_numeric(sel["position"], errors="coerce")
    mine = pos.get(ctx.region_code)
    contest = contest.drop(index=ctx.region_code, errors="ignore")
    dist = (pos.reindex(contest.index) - (mine if _isnum(mine) else ctx.cohort_size)).abs()
    order = dist.sort_values().index[:n]
    rows = [
        {
            "region": str(ctx.regions.at[c, "name"]),
            "province": str(ctx.regions.at[c, "province_name"]),
            "place (nominal)": _rank(pos.get(c)),
            "model selects": "yes" if bool(sel.at[c, "selected"]) else "no",
            "P(selected)": _pct(contest.at[c, "p_selected"]),
            "place 5-95 %": f"{_rank(contest.at[c, 'rank_p05'])}-{_rank(contest.at[c, 'rank_p95'])}",
            "actual cohort": _actual(ctx, c),
        }
        for c in order
    ]
    return _style(pd.DataFrame(rows), "rivals", "Contestable regions nearest in place in the pool "
                                                "(5 % < P(selected) < 95 %).")


# --------------------------------------------------------------------------------------------------
# SMAA answers (issue 13 items 6, 7 and 9)
# --------------------------------------------------------------------------------------------------
#: What each SMAA column answers, printed beside it (issue 13 defect 2: never "not possible" next to a
#: P(selected) that answers another question): the robustness run's own labels.
SMAA_LABELS = dict(COLUMN_LABELS)


def _label(ctx: ReportContext, column: str) -> str:
    """The label of a robustness column, from the run's summary (``summary["labels"]``) when it has one."""
    labels = (ctx.robustness.get("summary") or {}).get("labels") or {}
    return str(labels.get(column) or SMAA_LABELS[column])


def _unavailable(ctx: ReportContext, what: str) -> ReportText | None:
    """The plain sentence of a SMAA section that cannot be shown (None when it can)."""
    if not bool(ctx.row.get("in_pool", True)):
        return ReportText(f"{_esc(ctx.name)} is not in the pool of cohort {ctx.params.cohort}: no {what}.")
    if not ctx.robustness_status.ok:
        return ReportText(f"No {what}: robustness results are missing.")
    if _region_robustness(ctx) is None:
        return ReportText(f"No {what}: the robustness run holds no row for {_esc(ctx.name)}.")
    return None


def typical_weights(ctx: ReportContext) -> pd.DataFrame:
    """The region's central weight vector beside the nominal weights, one row per criterion.

    Returns
    -------
    DataFrame
        Index: criterion (pillar) name (criteria of weight 0 that only gate are left out); columns
        ``nominal`` (the spec's weights, summing to 1) and ``typical`` (mean weights over the draws that select the region; NaN when it is never selected).
        Empty when robustness results are not available.

    Notes
    -----
    Central weight vector of SMAA (Lahdelma & Salminen 2001): :math:`w^c_i = E[w \\mid i \\in S]`.
    """
    rob = _region_robustness(ctx) if bool(ctx.row.get("in_pool", True)) else None
    summ = ctx.robustness.get("summary") or {}
    nominal = summ.get("nominal_weights") or {}
    if rob is None or not nominal:
        return pd.DataFrame(columns=["nominal", "typical"])
    names = _pillar_names(ctx)
    rows = {names.get(c, c): (float(w), float(rob.get(f"central_weight_{c}", np.nan)))
            for c, w in nominal.items()}
    # a criterion that only gates (weight 0, never drawn above 0) has nothing to show
    rows = {k: v for k, v in rows.items() if not (v[0] == 0 and not v[1] > 0)}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["nominal", "typical"]).rename_axis("criterion")


def typical_weights_text(ctx: ReportContext) -> ReportText:
    """The typical weights that select the region, in words, and its confidence factor with its label.

    Returns
    -------
    ReportText
        Says plainly when no draw selects the region (no typical weights, no confidence factor).

    Notes
    -----
    Confidence factor (Lahdelma & Salminen 2001): P(selected) with the criterion weights fixed at the
    region's central weights and every other uncertainty still drawn (estimated on the run's first
    ``summary["confidence_draws"]`` draws).
    """
    missing = _unavailable(ctx, "typical weights")
    if missing is not None:
        return missing
    rob = _region_robustness(ctx)
    tw = typical_weights(ctx)
    if tw.empty or not tw["typical"].notna().any():
        return ReportText(
            f"**No draw selects {_esc(ctx.name)}** (P(selected) = {_pct(rob.get('p_selected'))}): there is "
            "no weighting of the criteria under which it is typically chosen, so it has no typical weights "
            "and no confidence factor."
        )
    diff = (tw["typical"] - tw["nominal"]).sort_values()
    up, down = diff.index[-1], diff.index[0]
    text = (
        f"In the draws that select {_esc(ctx.name)} ({_pct(rob.get('p_selected'))} of them), the criteria "
        f"weigh on average as in the chart: the **typical weights that select this region** (SMAA central "
        f"weights). Against the spec's weights they lean most towards **{_esc(up)}** "
        f"({tw.at[up, 'typical']:.2f} instead of {tw.at[up, 'nominal']:.2f}) and away from "
        f"**{_esc(down)}** ({tw.at[down, 'typical']:.2f} instead of {tw.at[down, 'nominal']:.2f})."
    )
    conf = rob.get("confidence")
    draws = (ctx.robustness.get("summary") or {}).get("confidence_draws")
    if _isnum(conf):
        text += (
            f"\n\n**Confidence factor: {_pct(conf)}** ({_label(ctx, 'confidence')}; the other "
            f"uncertainty still drawn{f', over {draws} draws' if draws else ''}). "
            + ("Even under its own typical weights the region is often not selected: what decides it is "
               "mostly not the weighting." if float(conf) < 0.5 else
               "Under its typical weights the region is selected in most draws.")
        )
    return ReportText(text)


def fig_typical_weights(ctx: ReportContext, ax=None):
    """Bar chart: the typical weights that select the region beside the nominal weights.

    Returns
    -------
    matplotlib.axes.Axes or None
        None (nothing drawn) when robustness results are not available; only the nominal bars when the
        region is never selected (the text above says so).
    """
    from smartcity_analysis.plots import central_weights

    tw = typical_weights(ctx)
    if tw.empty:
        return None
    return central_weights(tw["typical"], tw["nominal"], ax=ax)


def weights_only_table(ctx: ReportContext):
    """The weights-only answers side by side: P(selected) with only the weights drawn (no quotas), and
    whether the selection is possible / necessary under the admissible weights, each with its label.

    Returns
    -------
    pandas.io.formats.style.Styler or ReportText

    Notes
    -----
    The possible/necessary answers come from an exact mixed-integer programme over the admissible
    weights (``docs/robustness.md``); they answer the same question as ``p_selected_weights_only``, never the
    question of the full P(selected) (issue 13, defect 2).
    """
    missing = _unavailable(ctx, "weights-only answers")
    if missing is not None:
        return missing
    rob = _region_robustness(ctx)
    note = (ctx.robustness.get("summary") or {}).get("possible_note", "")

    def yes_no(v):
        return ("yes" if float(v) >= 0.5 else "no") if _isnum(v) else "not computed"

    rows = [
        {"question": _label(ctx, "p_selected_weights_only"), "answer": _pct(rob.get("p_selected_weights_only"))},
        {"question": _label(ctx, "possible"), "answer": yes_no(rob.get("possible"))},
        {"question": _label(ctx, "necessary"), "answer": yes_no(rob.get("necessary"))},
    ]
    caption = "Weights only: the criterion weights vary, everything else is held at the spec's values."
    if note:
        caption += f" {note}"
    return _style(pd.DataFrame(rows), "weights-only", caption)


def winning_table(ctx: ReportContext):
    """Pairwise winning indices against the region's nearest rivals (by median place): the share of
    draws in which the region is placed above each rival.

    Returns
    -------
    pandas.io.formats.style.Styler or ReportText

    Notes
    -----
    :math:`P(i \\succ j) = \\frac{1}{D}\\sum_d 1[r_{d,i} < r_{d,j}]` over the draws where both are
    ranked (Lahdelma & Salminen 2001, pairwise winning indices).
    """
    missing = _unavailable(ctx, "winning indices")
    if missing is not None:
        return missing
    never = ReportText(f"{_esc(ctx.name)} is selected in no draw, so it is compared with no rival "
                       "(winning indices are computed for regions with P(selected) > 0).")
    p = _region_robustness(ctx).get("p_selected")
    if _isnum(p) and float(p) == 0:
        return never
    win = ctx.robustness.get("winning")
    if not isinstance(win, pd.DataFrame) or win.empty:
        return ReportText("Winning indices were not computed for this cohort.")
    mine = win[win["region_code"].astype(str) == ctx.region_code]
    if mine.empty:
        return ReportText(f"Winning indices of {_esc(ctx.name)} were not computed.")
    table = ctx.robustness["regions"].set_axis(ctx.robustness["regions"].index.astype(str))
    pos = pd.to_numeric(ctx.selection["position"], errors="coerce")
    rows = []
    for rival, p in zip(mine["rival"].astype(str), mine["p_above"], strict=True):
        r = table.loc[rival] if rival in table.index else pd.Series(dtype=object)
        rows.append({
            "rival": str(ctx.regions.at[rival, "name"]) if rival in ctx.regions.index else rival,
            "province": str(ctx.regions.at[rival, "province_name"]) if rival in ctx.regions.index else "",
            "place (nominal)": _rank(pos.get(rival)),
            "rival P(selected)": _pct(r.get("p_selected")),
            "rival class": str(r.get("robustness_class", "")).replace("_", " "),
            f"P({ctx.name} above)": _pct(p),
        })
    return _style(pd.DataFrame(rows), "winning",
                  f"Winning indices: share of draws in which {ctx.name} is placed above each of its nearest "
                  "rivals (nearest by median place); 50 % is a coin toss.")


def _names(ctx: ReportContext, codes: Any, limit: int = 3) -> str:
    items = [c for c in str(codes).split(";") if c] if isinstance(codes, str) else []
    names = [str(ctx.regions.at[c, "name"]) if c in ctx.regions.index else c for c in items]
    if len(names) > limit:
        return ", ".join(names[:limit]) + f" +{len(names) - limit}"
    return ", ".join(names) or "-"


def _interval(lo: Any, hi: Any) -> str:
    return f"{float(lo):.2f}-{float(hi):.2f}" if _isnum(lo) and _isnum(hi) else "n/a"


def stability_table(ctx: ReportContext):
    """The weight stability interval of each criterion: how far its weight can move (the others rescaled
    proportionally) before the region's status changes, and before the whole nominal cohort changes, with
    who enters and who leaves the cohort at each end of the cohort's interval.

    Returns
    -------
    pandas.io.formats.style.Styler or ReportText

    Notes
    -----
    Exact for arithmetic aggregation over fixed pillar scores: the index of every region is linear in
    the moved weight, so each interval end is the nearest crossing of two regions' index lines at the
    cutoff (see ``docs/robustness.md``).
    """
    missing = _unavailable(ctx, "weight stability intervals")
    if missing is not None:
        return missing
    cohort = ctx.robustness.get("stability")
    region = ctx.robustness.get("region_stability")
    note = (ctx.robustness.get("summary") or {}).get("stability_note", "")
    if not isinstance(cohort, pd.DataFrame) or cohort.empty:
        return ReportText(f"Weight stability intervals were not computed. {_esc(note)}".strip())
    mine = pd.DataFrame(columns=["criterion", "low", "high"])
    if isinstance(region, pd.DataFrame) and not region.empty:
        mine = region[region["region_code"].astype(str) == ctx.region_code]
    mine = mine.set_index("criterion")
    names = _pillar_names(ctx)
    status = "selected" if bool(ctx.row.get("selected", False)) else "not selected"
    rows = []
    for _, s in cohort.iterrows():
        crit = str(s["criterion"])
        own = mine.loc[crit] if crit in mine.index else {}
        rows.append({
            "criterion": names.get(crit, crit),
            "weight": f"{float(s['weight']):.2f}",
            f"stays {status}": _interval(own.get("low"), own.get("high")) if len(own) else "n/a",
            "cohort unchanged": _interval(s["low"], s["high"]),
            "below: enters": _names(ctx, s["enters_low"]),
            "below: leaves": _names(ctx, s["leaves_low"]),
            "above: enters": _names(ctx, s["enters_high"]),
            "above: leaves": _names(ctx, s["leaves_high"]),
        })
    return _style(pd.DataFrame(rows), "stability",
                  f"Weight stability intervals (weights sum to 1; moving one weight rescales the others "
                  f"proportionally): the range over which {ctx.name} stays {status}, and over which the "
                  f"nominal cohort stays the same, with who enters and leaves just beyond each end. {note}")


def scenarios_table(ctx: ReportContext):
    """The "without indicator X" scenarios: the nominal spec with one indicator left out (nothing else
    drawn), whether the region is then selected, and how much of the cohort changes.

    Returns
    -------
    pandas.io.formats.style.Styler or ReportText
        Text when the spec declares no such scenarios (``uncertainty.leave_one_out``).
    """
    missing = _unavailable(ctx, "'without indicator X' scenarios")
    if missing is not None:
        return missing
    summary = (ctx.robustness.get("summary") or {}).get("scenarios") or []
    if not summary:
        return ReportText("The spec declares no \"without indicator X\" scenarios "
                          "(`uncertainty.leave_one_out`).")
    long = ctx.robustness.get("scenarios")
    long = long if isinstance(long, pd.DataFrame) else pd.DataFrame(columns=["left_out", "region_code"])
    mine = long[long["region_code"].astype(str) == ctx.region_code].set_index("left_out")
    rows = []
    for sc in summary:
        x = sc["left_out"]
        hit = mine.loc[x] if x in mine.index else None
        selected = bool(hit["selected"]) if hit is not None else False
        rows.append({
            "without indicator": _indicator_name(ctx, x),
            f"{ctx.name} selected": "yes" if selected else "no",
            "its place": _rank(hit["position"]) if hit is not None else "-",
            "cohort overlap (Jaccard)": _pct(sc.get("jaccard")),
            "regions entering": len(sc.get("enters", [])),
            "regions leaving": len(sc.get("leaves", [])),
        })
    return _style(pd.DataFrame(rows), "scenarios",
                  "The nominal spec with one indicator left out (the others of its criterion reweighted), "
                  "nothing else drawn; the place is shown where the region is selected in the scenario or "
                  "nominally.")
