"""The national overview, the weights revealed by the actual cohort and the model comparison of the
revealed criteria (stated spec, each family, baselines; in and out of sample; ROC and precision at k
per cohort).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from smartcity_analysis.explanation import criteria_search
from smartcity_analysis.explanation.revealed import auc_score, fit_logistic_weights
from smartcity_analysis.overview.context import OverviewContext


def revealed_weights_table(ctx: OverviewContext) -> pd.DataFrame:
    """Pillar weights of the spec against the weights revealed by the actual cohorts.

    From the cached explanation (:mod:`smartcity_analysis.explanation`): the non-negative logistic fit
    pooled over the cohorts with its bootstrap 95 % interval, and the fit of this cohort alone. Without
    the explanation, the logistic fit of this cohort is computed here
    (:func:`smartcity_analysis.explanation.revealed.fit_logistic_weights`).
    """
    tables = ctx.results.explanation or {}
    w = tables.get("weights")
    if w is not None and len(w) and {"method", "fit", "criterion", "weight"} <= set(w.columns):
        w = w[w["method"] == "logistic"]
        pooled = w[w["fit"].astype(str) == "pooled"].set_index("criterion")
        cohort = w[w["fit"].astype(str) == str(ctx.params.cohort)].set_index("criterion")
        out = pd.DataFrame(index=pd.Index(pooled.index, name="criterion"))
        out["spec weight"] = pooled["nominal_weight"].round(3)
        out["revealed (pooled)"] = pooled["weight"].round(3)
        out["95% interval"] = [f"{a:.2f}-{b:.2f}" if np.isfinite(a) and np.isfinite(b) else ""
                               for a, b in zip(pooled["ci_low"], pooled["ci_high"], strict=True)]
        out[f"revealed ({ctx.params.cohort})"] = cohort["weight"].reindex(out.index).round(3)
        return out
    return _revealed_here(ctx)

def validation_table(ctx: OverviewContext) -> pd.DataFrame:
    """How well each weighting ranks the actually selected regions of this cohort above the rest.

    AUC (0.5 = chance) and precision at the cohort size, in sample and out of sample (weights fitted
    without this cohort), for the spec's weights and the revealed ones; from the cached explanation.
    Empty when the explanation is not available.
    """
    v = (ctx.results.explanation or {}).get("validation")
    cols = ["AUC in sample", "AUC out of sample", "precision at k (out)"]
    if v is None or not len(v):
        return pd.DataFrame(columns=cols)
    v = v[v["cohort_year"].astype(int) == ctx.params.cohort].set_index("method")
    out = pd.DataFrame({"AUC in sample": v["auc_in"], "AUC out of sample": v.get("auc_out"),
                        "precision at k (out)": v.get("precision_at_k_out")})
    out.index.name = "weights"
    return out.round(3)

def _revealed_search(ctx: OverviewContext):
    """The cached explanation when it holds the revealed-criteria search, else None."""
    res = ctx.results.explanation_result
    if res is None or "revealed_scores" not in res.tables or "revealed" not in res.summary:
        return None
    return res

def _per_cohort(rows: pd.DataFrame, col: str, digits: int) -> str:
    vals = rows.sort_values("cohort_year")[col]
    return " / ".join("-" if not np.isfinite(v) else f"{v:.{digits}f}" for v in vals.astype(float))

def model_comparison_table(ctx: OverviewContext) -> pd.DataFrame:
    """The stated spec, each revealed family and the baselines, in and out of sample.

    One row per model; per-cohort figures as ``2017 / 2018 / 2019`` (held-out cohorts of the nested
    leave-one-cohort-out), the mean out-of-sample AUC with its paired-bootstrap interval, and whether
    the data can separate the model from the chosen one (:func:`~smartcity_analysis.explanation.
    criteria_search.model_comparison`). The spec's row is its own score, not fitted (in = out).

    Returns
    -------
    DataFrame
        Index ``model``; 8 columns. Empty when the explanation has no revealed-criteria search.
    """
    cols = ["AUC in", "AUC out", "P@k out", "Brier out", "mean AUC out [95 %]", "p (out)",
            "separable from chosen", "chosen"]
    res = _revealed_search(ctx)
    if res is None:
        return pd.DataFrame(columns=cols).rename_axis("model")
    comp = criteria_search.model_comparison(res, spec_label=f"{ctx.spec.id} (stated)")
    rows = {}
    for method, g in comp.groupby("method", sort=False):
        first = g.iloc[0]
        stated = not np.isfinite(float(first["mean_auc_out"]))
        rows[method] = {
            "AUC in": _per_cohort(g, "auc_in", 2),
            "AUC out": "(not fitted: = in)" if stated else _per_cohort(g, "auc_out", 2),
            "P@k out": _per_cohort(g, "precision_at_k_out", 2),
            "Brier out": _per_cohort(g, "brier_out", 3),
            "mean AUC out [95 %]": "-" if stated else (f"{first['mean_auc_out']:.3f} "
                                                        f"[{first['ci_low']:.3f}, {first['ci_high']:.3f}]"),
            "p (out)": "-" if stated else f"{g['p_value_out'].astype(float).max():.3f}",
            "separable from chosen": "-" if stated or bool(first["chosen"]) else (
                "yes" if bool(first["separable_from_chosen"]) else "no"),
            "chosen": "yes" if bool(first["chosen"]) else "",
        }
    return pd.DataFrame.from_dict(rows, orient="index", columns=cols).rename_axis("model")

def fig_model_curves(ctx: OverviewContext, kind: str = "roc", which: str = "out"):
    """ROC (``kind="roc"``) or precision-at-k curves of every revealed family, one panel per cohort
    (:func:`smartcity_analysis.plots.revealed.cohort_curves`); None when the explanation has no
    revealed-criteria search.

    Returns
    -------
    numpy array of matplotlib Axes or None
    """
    res = _revealed_search(ctx)
    if res is None:
        return None
    # matplotlib only where a figure is drawn (a kernel): the CLI imports this module too
    from smartcity_analysis.plots.revealed import cohort_curves

    years = sorted(int(y) for y in res.tables["revealed_scores"]["cohort_year"].unique())
    return cohort_curves(res, years, kind=kind, which=which)

def _revealed_here(ctx: OverviewContext) -> pd.DataFrame:

    t = ctx.table
    cols = [c for c in t.columns if c.startswith("pillar_")]
    pool = t[t["in_pool"].fillna(False).astype(bool)].dropna(subset=cols)
    weights = ctx.index_result.weights
    nominal = (weights.groupby("pillar")["pillar_weight"].first()
               if weights is not None and "pillar_weight" in weights else pd.Series(dtype=float))
    nominal = nominal / nominal.sum() if nominal.sum() else nominal
    out = pd.DataFrame(index=pd.Index([c.removeprefix("pillar_") for c in cols], name="criterion"))
    out["spec weight"] = nominal.reindex(out.index).round(3)
    y = pool["actual"].astype(int).to_numpy()
    if len(cols) == 0 or y.sum() == 0 or y.sum() == len(y):
        out[f"revealed ({ctx.params.cohort})"] = np.nan
        return out
    X = pool[cols].to_numpy(dtype=float)
    fit = fit_logistic_weights(X, y)
    out[f"revealed ({ctx.params.cohort})"] = np.round(fit.weights, 3)
    score = X @ np.nan_to_num(fit.weights)
    out.loc["AUC (in sample)", f"revealed ({ctx.params.cohort})"] = round(float(auc_score(y, score)), 3)
    out.loc["AUC (in sample)", "spec weight"] = round(float(auc_score(y, pool["score"].to_numpy(float))), 3)
    return out
