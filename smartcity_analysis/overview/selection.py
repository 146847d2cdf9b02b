"""The national overview, the nominal selection against the actual cohort and its robustness (agreement,
contestable regions, the audit figures with their Monte Carlo uncertainty, how settled the cohort is)
and spatial equity (Java versus outside Java, provinces).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from smartcity_analysis.overview.context import JAVA, OverviewContext


def selection_flags(ctx: OverviewContext) -> dict[str, pd.Series]:
    """``nominal``, ``actual`` and ``in_pool`` flags per region (keyword arguments of the maps)."""
    t = ctx.table
    return {"nominal": t["selected"].fillna(False).astype(bool), "actual": t["actual"],
            "in_pool": t["in_pool"].fillna(False).astype(bool)}

def agreement_table(ctx: OverviewContext) -> pd.DataFrame:
    """Nominal selection of the spec against the actual cohort (counts, Jaccard, precision).

    Notes
    -----
    With :math:`N` the nominal and :math:`A` the actual set: Jaccard :math:`|N\\cap A| / |N\\cup A|`,
    precision :math:`|N\\cap A| / |N|`.
    """
    t = ctx.table
    nominal, actual = t["selected"].fillna(False).astype(bool), t["actual"]
    both = int((nominal & actual).sum())
    union = int((nominal | actual).sum())
    rows = {
        "nominal selection (spec)": int(nominal.sum()),
        "actual cohort (MoU list)": int(actual.sum()),
        "in both": both,
        "nominal only": int((nominal & ~actual).sum()),
        "actual only": int((actual & ~nominal).sum()),
        "actual but ineligible under the spec": int((actual & ~t["eligible"].fillna(False).astype(bool)).sum()),
        "Jaccard": round(both / union, 3) if union else np.nan,
        "precision (share of nominal picks actually selected)": round(both / nominal.sum(), 3)
        if nominal.sum() else np.nan,
    }
    return pd.DataFrame({"value": pd.Series(rows, dtype=object)})

def contestable_table(ctx: OverviewContext, n: int = 25) -> pd.DataFrame:
    """The regions whose selection is least certain under the declared uncertainty.

    Sorted by :math:`|P(\\text{selected}) - 0.5|` ascending (most contestable first); only regions with
    :math:`0 < P < 1`. Empty when the robustness analysis is not available.
    """
    rob = ctx.results.robustness
    cols = ["region", "province", "nominal", "actual", "P(selected)", "rank 5-95%"]
    if rob is None or not len(rob):
        return pd.DataFrame(columns=cols)
    t = ctx.table
    r = rob.set_index("region_code").reindex(t.index)
    p = pd.to_numeric(r["p_selected"], errors="coerce")
    keep = p[(p > 0) & (p < 1)]
    order = (keep - 0.5).abs().sort_values(kind="mergesort").index[:n]
    out = pd.DataFrame({
        "region": t.loc[order, "name"],
        "province": t.loc[order, "province_name"],
        "nominal": np.where(t.loc[order, "selected"].fillna(False).astype(bool), "selected", "-"),
        "actual": np.where(t.loc[order, "actual"], "selected", "-"),
        "P(selected)": p[order].round(2),
    })
    if {"rank_p05", "rank_p95"} <= set(r.columns):
        out["rank 5-95%"] = [f"{int(a)}-{int(b)}" if np.isfinite(a) and np.isfinite(b) else ""
                             for a, b in zip(r.loc[order, "rank_p05"], r.loc[order, "rank_p95"],
                                             strict=True)]
    out.index = pd.RangeIndex(1, len(out) + 1, name="#")
    return out

def robustness_summary(ctx: OverviewContext) -> pd.DataFrame:
    """Count of regions per robustness class (or per P(selected) band when classes are absent)."""
    rob = ctx.results.robustness
    if rob is None or not len(rob):
        return pd.DataFrame({"regions": []})
    if "robustness_class" in rob.columns:
        counts = rob["robustness_class"].astype(str).value_counts()
    else:
        bands = pd.cut(rob["p_selected"], [-0.01, 0.0, 0.1, 0.9, 0.999999, 1.0],
                       labels=["never", "rarely", "contestable", "usually", "always"])
        counts = bands.value_counts().sort_index()
    return counts.rename("regions").to_frame()

#: Rows of :func:`audit_table` (keys of the robustness run's ``summary["audit"]``).
AUDIT_ROWS = {
    "actual_outside_top_k": "actual cohort outside the model's selection",
    "actual_failing_gate": "actual cohort failing a stated gate (or outside the pool)",
    "top_k_not_chosen": "model's selection not in the actual cohort",
}

def _robustness_summary_dict(ctx: OverviewContext) -> dict:
    res = ctx.results.robustness_result
    return dict(res.summary) if res is not None else {}

def audit_table(ctx: OverviewContext) -> pd.DataFrame:
    r"""The audit figures of the cohort, as audit offices publish them for grant programmes: how many of
    the actual cohort the model does not select (and by how many places they miss), how many fail a
    stated eligibility gate, how many of the model's selection were not chosen; for the nominal model
    and over the Monte Carlo draws (mean and 5-95 % interval).

    Returns
    -------
    DataFrame
        Index: figure; columns ``nominal model``, ``Monte Carlo mean``, ``5-95 % of draws``. Empty when
        the robustness analysis is not available.

    Notes
    -----
    With :math:`A` the actual cohort (statuses selected or added late, as the robustness run counts
    them), :math:`S_d` the selection and :math:`E_d` the eligible pool of draw :math:`d`:
    :math:`|A \setminus S_d|`, :math:`|A \setminus E_d|`, :math:`|S_d \setminus A|`. "Places beyond
    the cutoff" is the place in the nominal eligible order minus :math:`k` of each actual region outside
    the nominal selection (median, maximum; regions not ranked are counted apart).
    """
    cols = ["nominal model", "Monte Carlo mean", "5-95 % of draws"]
    audit = _robustness_summary_dict(ctx).get("audit")
    if not audit:
        return pd.DataFrame(columns=cols)
    rows = {"actual cohort (selected or added late)": [int(audit["n_actual"]), "", ""],
            "cohort size k of the model": [int(audit["k"]), "", ""]}
    for key, label in AUDIT_ROWS.items():
        a = audit[key]
        rows[label] = [int(a["nominal"]), round(float(a["mean"]), 1),
                       f"{int(a['p05'])}-{int(a['p95'])}"]
    b = audit.get("places_beyond_k") or {}

    def places(v):
        return "n/a" if v is None else int(round(float(v)))

    rows["places beyond the cutoff, median / max (nominal)"] = [
        f"{places(b.get('median'))} / {places(b.get('max'))}", "", ""]
    rows["actual cohort not ranked at all (nominal)"] = [int(b.get("not_ranked", 0)), "", ""]
    return pd.DataFrame.from_dict(rows, orient="index", columns=cols).rename_axis("figure")

def settledness_table(ctx: OverviewContext) -> pd.DataFrame:
    r"""How settled the cohort's selection is: the mean confidence factor of the expected selection and
    the decision entropy (SMAA; issue 13 item 6).

    Returns
    -------
    DataFrame
        Index: measure; column ``value`` and ``reads`` (how to read it). Empty when the robustness
        analysis is not available.

    Notes
    -----
    Mean confidence: the mean, over the ``k`` regions most often selected, of the confidence factor
    (P(selected) with the weights fixed at the region's central weights, the other uncertainty drawn).
    Decision entropy :math:`H = \sum_i h(p_i)`, :math:`h(p) = -p\log_2 p - (1-p)\log_2(1-p)`: 0 bits
    for a settled cohort, one bit per region decided by a coin toss.
    """
    summ = _robustness_summary_dict(ctx)
    if not summ or summ.get("decision_entropy_bits") is None:
        return pd.DataFrame(columns=["value", "reads"])
    conf = summ.get("mean_confidence")
    rows = {
        "mean confidence factor (expected selection)": [
            "n/a" if conf is None else f"{100 * float(conf):.0f} %",
            "100 % = every expected pick is chosen in every draw under its typical weights"],
        "decision entropy": [
            f"{float(summ['decision_entropy_bits']):.1f} bits",
            "0 = settled; each region decided by a coin toss adds 1 bit"],
        "draws": [f"{int(summ.get('draws', ctx.params.draws)):,}",
                  f"confidence factors on the first {summ.get('confidence_draws', 'n/a')}"],
    }
    return pd.DataFrame.from_dict(rows, orient="index", columns=["value", "reads"]).rename_axis("measure")

def equity_table(ctx: OverviewContext) -> pd.DataFrame:
    """Java versus outside Java: pool, nominal and actual selections (counts and shares)."""
    t = ctx.table
    group = np.where(t["island_group"].astype(str) == JAVA, "Java", "outside Java")
    nominal = t["selected"].fillna(False).astype(bool)
    frame = pd.DataFrame({"group": group, "pool": t["in_pool"].fillna(False).astype(bool),
                          "nominal": nominal, "actual": t["actual"]})
    out = frame.groupby("group")[["pool", "nominal", "actual"]].sum().astype(int)
    for col in ("nominal", "actual"):
        total = out[col].sum()
        out[f"{col} %"] = (100 * out[col] / total).round(1) if total else np.nan
    out["pool %"] = (100 * out["pool"] / out["pool"].sum()).round(1)
    return out[["pool", "pool %", "nominal", "nominal %", "actual", "actual %"]]

def province_table(ctx: OverviewContext, n: int = 15) -> pd.DataFrame:
    """Provinces with the most nominal or actual selections (pool, nominal, actual counts)."""
    t = ctx.table
    frame = pd.DataFrame({"province": t["province_name"], "pool": t["in_pool"].fillna(False).astype(bool),
                          "nominal": t["selected"].fillna(False).astype(bool), "actual": t["actual"]})
    out = frame.groupby("province")[["pool", "nominal", "actual"]].sum().astype(int)
    out["difference"] = out["nominal"] - out["actual"]
    out = out[(out["nominal"] > 0) | (out["actual"] > 0)]
    return out.sort_values(["actual", "nominal"], ascending=False).head(n)
