"""The reference path: the slow oracle that proves the vectorised kernel right.

:func:`evaluate_plan_reference` loops over the draws of a
:class:`~smartcity_analysis.robustness.kernel.DrawPlan` and calls the engine's own orchestrator
(``selection.run_cohorts``) on a variant spec per draw. It is slow and exists for tests and
benchmarks: for the same plan it gives the same selections, eligibility and positions as
:func:`~smartcity_analysis.robustness.kernel.evaluate_plan` (``tests/test_robustness_real.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from smartcity_analysis.engine.aggregation import aggregate
from smartcity_analysis.engine.outliers import _log_ct
from smartcity_analysis.engine.pipeline import _transform, build_index, normalise_frame
from smartcity_analysis.engine.selection import (
    evaluate_eligibility,
    run_cohorts,
    select_cohort,
    selection_order,
)
from smartcity_analysis.engine.weighting import WEIGHTERS
from smartcity_analysis.robustness.from_spec import SpecContext, _variant_spec
from smartcity_analysis.robustness.kernel import (
    DrawOutcome,
    DrawPlan,
    RobustnessProblem,
    noise_factors,
)

__all__ = ["evaluate_plan_reference"]

def _reference_noisy_draw(problem, context, vs, plan, r, thresholds):
    """One noisy draw through the engine's step functions (see :func:`evaluate_plan_reference`)."""
    coh = context.cohort
    data = context.frames[coh.data_year]
    res = build_index(data, vs, regions=context.regions, data_year=coh.data_year, diagnostics=False)
    cols = list(problem.indicators)
    imputed = res.imputed.reindex(columns=cols).to_numpy(dtype=float)
    factors = noise_factors(plan.noise_seed[r], (problem.n, len(cols)), plan.noise)
    noisy = pd.DataFrame(imputed * factors, index=res.imputed.index, columns=cols)
    # the engine's transform, then its nominal treatment replayed (fitted once, on the nominal data)
    actions = res.treatment_log.set_index("indicator")["action"]
    for c in res.treated.columns:
        x = _transform(noisy[c], vs.indicator(c).transform)
        if actions.get(c) == "winsorised":
            x = x.clip(res.treated[c].min(), res.treated[c].max())
        elif actions.get(c) == "log":
            x = pd.Series(_log_ct(x.to_numpy(dtype=float)), index=x.index)
        noisy[c] = x
    normalised = normalise_frame(noisy[list(res.treated.columns)], vs)
    m = vs.methods
    scores = {}
    nominal_pw = {}
    for p in vs.pillars:
        pc = [c for c in p.indicator_codes if c in normalised.columns]
        if not pc:
            continue
        vals = normalised[pc].to_numpy()
        nominal = np.array(
            [np.nan if p.indicator_weights[c] is None else p.indicator_weights[c] for c in pc]
        )
        w = WEIGHTERS[m.weighting_indicators.name](vals, nominal, **m.weighting_indicators.kwargs)
        agg = p.aggregation or m.aggregation_pillars
        scores[p.id] = aggregate(
            vals, w, agg.name, min_coverage=m.min_coverage_pillars, **agg.kwargs
        )
        nominal_pw[p.id] = np.nan if p.weight is None else p.weight
    ps = pd.DataFrame(scores, index=normalised.index)
    pnom = np.array([nominal_pw[p] for p in ps.columns])
    pw = WEIGHTERS[m.weighting_pillars.name](ps.to_numpy(), pnom, **m.weighting_pillars.kwargs)
    index = pd.Series(
        aggregate(
            ps.to_numpy(),
            pw,
            m.aggregation_index.name,
            min_coverage=m.min_coverage_index,
            **m.aggregation_index.kwargs,
        ),
        index=normalised.index,
    )
    in_pool = context.nominal.set_index("region_code")["in_pool"]
    elig, _, _ = evaluate_eligibility(vs, res.raw, context.regions, thresholds=thresholds)
    elig = elig & in_pool.reindex(elig.index).fillna(False).astype(bool)
    cand = [c for c in index.index if elig[c]]
    order = selection_order(index, cand, vs.tie_breaking, values=pd.concat([res.raw, ps], axis=1))
    return select_cohort(order, coh.size, regions=context.regions, quotas=vs.quotas), elig, order


def evaluate_plan_reference(
    problem: RobustnessProblem,
    context: SpecContext,
    plan: DrawPlan,
    *,
    progress: bool = False,
) -> DrawOutcome:
    """Reference path: one call of the engine's orchestrator per draw (slow; for tests and timing).

    Each draw becomes a variant spec (``dataclasses.replace``: the drawn imputation, normalisation and
    aggregation methods, explicit weights equal to the drawn ones, the left-out indicator declared
    unavailable) and the drawn thresholds go to ``selection.run_cohorts(..., thresholds=...)``.

    Returns
    -------
    DrawOutcome
        ``selected``, ``eligible`` (pool and rules) and ``rank`` (``position`` in the eligible order).

    Draws with value noise cannot go through ``run_cohorts`` (it takes no noise): for them the path
    re-enters the engine below the orchestrator, with the engine's own step functions on the variant
    spec: ``build_index`` for the imputed values, the same noise factors (:func:`noise_factors`) on
    them, the engine's transform and its nominal outlier treatment replayed, ``pipeline.normalise_frame``, the ``WEIGHTERS`` and ``aggregate`` per pillar
    and for the index (as ``build_index`` does), ``evaluate_eligibility``, ``selection_order`` (tie
    keys from the noisy pillar scores) and ``select_cohort``.
    """
    d, n = plan.draws, problem.n
    codes = list(problem.region_codes)
    selected = np.zeros((d, n), dtype=bool)
    eligible = np.zeros((d, n), dtype=bool)
    rank = np.zeros((d, n), dtype=np.int32)
    rows = range(d)
    if progress:
        rows = tqdm(rows, desc="reference draws", unit="draw")
    base = context.base_spec
    year = context.cohort.year
    for r in rows:
        lo = int(plan.left_out[r])
        within = {c: float(plan.within_weights[r, j]) for j, c in enumerate(problem.indicators)}
        pws = {p: float(plan.pillar_weights[r, j]) for j, p in enumerate(problem.pillars)}
        a_p = int(plan.agg_within[r])
        positive = ()
        if problem.rescale is not None:
            mask = np.asarray(problem.rescale)[
                int(plan.normaliser[r]), a_p, int(plan.agg_across[r])
            ]
            positive = {c for c, hit in zip(problem.indicators, mask, strict=True) if hit}
        vs = _variant_spec(
            base,
            imputation=context.imputers[int(plan.imputer[r])],
            normalisation=context.normalisers[int(plan.normaliser[r])],
            left_out=problem.indicators[lo] if lo >= 0 else None,
            agg_pillars=context.agg_pillars[a_p] if a_p > 0 else None,
            agg_index=context.agg_index[int(plan.agg_across[r])],
            within=within,
            pillar_weights=pws,
            positive=positive,
        )
        thresholds = {
            rule.rule_id: float(plan.thresholds[r, i])
            for i, rule in enumerate(problem.threshold_rules)
        }
        if plan.noise > 0 and plan.noise_seed[r] >= 0:
            sel_codes, elig_s, order = _reference_noisy_draw(
                problem, context, vs, plan, r, thresholds
            )
            selected[r] = np.isin(codes, sel_codes)
            eligible[r] = elig_s.reindex(codes).fillna(False).to_numpy(bool)
            pos = {c: i + 1 for i, c in enumerate(order)}
            rank[r] = [pos.get(c, 0) for c in codes]
            continue
        run = run_cohorts(
            vs,
            indicators=context.frames,
            regions=context.regions,
            cohorts=context.cohorts,
            thresholds=thresholds,
        )[year]
        t = run.table.set_index("region_code").reindex(codes)
        selected[r] = t["selected"].to_numpy(bool)
        eligible[r] = (t["eligible"] & t["in_pool"]).to_numpy(bool)
        rank[r] = t["position"].fillna(0).to_numpy(np.int32)
    return DrawOutcome(selected=selected, eligible=eligible, rank=rank)
