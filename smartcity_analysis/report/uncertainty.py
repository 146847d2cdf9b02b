"""How sure the decision is: the robustness summary, the rank distribution, the Sobol drivers of the
status and the contestable rivals."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from smartcity_analysis.report.context import ReportContext, _actual, _region_robustness
from smartcity_analysis.report.text import ReportText, _esc, _isnum, _pct, _rank, _style


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
    possible, necessary = rob.get("possible"), rob.get("necessary")
    if _isnum(possible) and _isnum(necessary):
        if float(necessary) >= 0.5:
            text += (" Under every admissible weighting of the criteria (the declared weight bounds, other "
                     "choices fixed) it is selected: its selection is *necessary*.")
        elif float(possible) >= 0.5:
            text += (" Some admissible weighting of the criteria selects it and some does not: its "
                     "selection is *possible* but not necessary.")
        else:
            text += " No admissible weighting of the criteria selects it: its selection is *not possible*."
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
