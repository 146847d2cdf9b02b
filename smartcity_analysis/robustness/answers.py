"""The answers a region asks of one cohort's robustness run, as tables (used by :mod:`.run`).

:func:`cohort_answers` turns the draws of a Monte Carlo run into the tables of
:mod:`~smartcity_analysis.robustness.smaa`: per region its central weight vector and confidence
factor, pairwise winning indices against its nearest rivals, the exact weight stability interval of
each criterion (for the cohort and per region), the cohort's settledness and audit figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from smartcity_analysis.robustness.kernel import DrawOutcome, DrawPlan, RobustnessProblem
from smartcity_analysis.robustness.smaa import (
    audit_figures,
    central_weights,
    confidence_factors,
    decision_entropy,
    nearest_rivals,
    stability_intervals,
    winning_indices,
)

__all__ = [
    "CONFIDENCE_DRAWS",
    "N_RIVALS",
    "REGION_STABILITY_COLUMNS",
    "STABILITY_COLUMNS",
    "WINNING_COLUMNS",
    "CohortAnswers",
    "cohort_answers",
    "stability_tables",
]

#: Draws (the run's first) over which each confidence factor is estimated (standard error at most
#: 0.5 / sqrt(128) = 0.044); sized so the new outputs cost at most half the 10,000-draw kernel run.
CONFIDENCE_DRAWS = 128

#: Rivals per region in the winning-index table (nearest by median place).
N_RIVALS = 5

WINNING_COLUMNS = ["region_code", "rival", "p_above"]
STABILITY_COLUMNS = [
    "criterion",
    "weight",
    "low",
    "high",
    "enters_low",
    "leaves_low",
    "enters_high",
    "leaves_high",
]
REGION_STABILITY_COLUMNS = ["region_code", "criterion", "weight", "low", "high"]


@dataclass(frozen=True)
class CohortAnswers:
    """Tables of :func:`cohort_answers`: ``region_columns`` (index ``region_code``: ``confidence``
    and ``central_weight_<criterion>``), ``winning``, ``stability``, ``region_stability`` and the
    ``summary`` entries (``criteria``, ``nominal_weights``, ``mean_confidence``,
    ``decision_entropy_bits``, ``confidence_draws``, ``stability_note``, ``audit``)."""

    region_columns: pd.DataFrame
    winning: pd.DataFrame
    stability: pd.DataFrame
    region_stability: pd.DataFrame
    summary: dict


def stability_tables(
    pillar_scores: pd.DataFrame,
    weights,
    eligible,
    k: int,
    *,
    index_aggregation: str = "arithmetic",
    tie_order=None,
    quotas: bool = False,
):
    """Weight stability intervals as tables, for any weights (the explorer's sliders included).

    Parameters
    ----------
    pillar_scores : DataFrame
        Index ``region_code``, one column per criterion (pillar), e.g. the ``pillar_<id>`` columns
        of ``selection.run_cohorts(spec)[year].table`` renamed to the pillar ids.
    weights : mapping or array-like
        Criterion -> weight (any positive scale): the nominal weights or the current slider values.
    eligible : array-like of bool
        Eligible and in the pool, aligned with ``pillar_scores``.
    k : int
        Cohort size.
    index_aggregation : {"arithmetic", "geometric"}
        The index-level method (a geometric index is handled through the log pillar scores).
    tie_order : array-like of int, optional
        Lower wins a tie (default: row order).
    quotas : bool
        Whether the spec has quotas (only for the note: they are not modelled).

    Returns
    -------
    stability : DataFrame
        :data:`STABILITY_COLUMNS`, one row per criterion.
    region_stability : DataFrame
        :data:`REGION_STABILITY_COLUMNS`, one row per eligible region and criterion.
    note : str
        What the intervals answer, or why they were not computed (then both tables are empty).

    Notes
    -----
    See :func:`~smartcity_analysis.robustness.smaa.stability_intervals`.
    """
    criteria = list(pillar_scores.columns)
    codes = [str(c) for c in pillar_scores.index]
    w = np.array(
        [float(weights[c]) for c in criteria] if hasattr(weights, "keys") else weights, dtype=float
    )
    empty = (
        pd.DataFrame(columns=STABILITY_COLUMNS),
        pd.DataFrame(columns=REGION_STABILITY_COLUMNS),
    )
    if index_aggregation not in ("arithmetic", "geometric"):
        return *empty, (
            f"Not computed: the index aggregation is {index_aggregation!r}; the exact intervals need "
            "arithmetic (or geometric) aggregation."
        )
    if len(criteria) < 2:
        return *empty, "Not computed: a single criterion has no weight to move."
    eligible = np.asarray(eligible, dtype=bool)
    values = pillar_scores.to_numpy(dtype=float)
    if np.isnan(values[eligible]).any():
        return *empty, (
            "Not computed: some eligible regions lack a pillar score (the index then renormalises "
            "over the pillars present, which is not linear in the weights)."
        )
    how = "arithmetic aggregation"
    if index_aggregation == "geometric":
        if (values[eligible] <= 0).any():
            return *empty, "Not computed: a geometric index with a zero pillar score."
        # a weighted geometric mean ranks as the weighted arithmetic mean of the logarithms
        values = np.log(np.where(eligible[:, None], values, 1.0))
        how = "geometric aggregation (the arithmetic mean of the log pillar scores ranks the same)"
    res = stability_intervals(
        values,
        w,
        eligible,
        k,
        tie_order=None if tie_order is None else np.asarray(tie_order),
        criteria=criteria,
        region_codes=codes,
    )
    rows = [
        (
            s.criterion,
            s.weight,
            s.low,
            s.high,
            ";".join(s.enters_low),
            ";".join(s.leaves_low),
            ";".join(s.enters_high),
            ";".join(s.leaves_high),
        )
        for s in res
    ]
    per_region = [
        (codes[i], s.criterion, s.weight, float(s.region_low[i]), float(s.region_high[i]))
        for s in res
        for i in np.flatnonzero(eligible)
    ]
    note = (
        f"Exact for the given pillar scores with {how} and plain top-k selection among the "
        "eligible (the other weights rescaled proportionally)"
        + ("; the spec's quotas are not modelled." if quotas else ".")
    )
    return (
        pd.DataFrame(rows, columns=STABILITY_COLUMNS),
        pd.DataFrame(per_region, columns=REGION_STABILITY_COLUMNS),
        note,
    )


def _stability(problem, nominal_pillars, nominal: DrawOutcome):
    frame = pd.DataFrame(
        nominal_pillars[0],
        index=pd.Index(list(problem.region_codes), name="region_code"),
        columns=list(problem.pillars),
    )
    return stability_tables(
        frame,
        problem.pillar_weights,
        nominal.eligible[0],
        problem.k,
        index_aggregation=problem.aggregators_across[0][0],
        tie_order=np.asarray(problem.tie_order)[0],
        quotas=problem.quotas is not None,
    )


def cohort_answers(
    problem: RobustnessProblem,
    plan: DrawPlan,
    outcome: DrawOutcome,
    pillar_scores: np.ndarray,
    nominal: DrawOutcome,
    nominal_pillars: np.ndarray,
    actual: np.ndarray,
    rank_median: np.ndarray,
) -> CohortAnswers:
    """Central weights, confidence factors, winning indices, stability intervals and audit figures.

    Parameters
    ----------
    problem, plan, outcome
        The Monte Carlo run.
    pillar_scores : ndarray, shape (C, n, P)
        Pillar scores of the first ``C`` draws (``evaluate_plan(..., return_pillar_scores=C)``).
    nominal : DrawOutcome
        The nominal plan's outcome; ``nominal_pillars`` its pillar scores ``(1, n, P)``.
    actual : ndarray of bool, shape (n,)
        The actual cohort.
    rank_median : ndarray, shape (n,)
        Median place per region (for the nearest rivals).

    Returns
    -------
    CohortAnswers
    """
    codes = np.asarray(problem.region_codes)
    p_sel = outcome.selected.mean(axis=0)
    central = central_weights(outcome.selected, plan.pillar_weights)
    candidates = np.flatnonzero(p_sel > 0)
    c = pillar_scores.shape[0]
    variant = plan.left_out[:c] + 1 if problem.n_variants > 1 else None
    confidence = confidence_factors(
        problem,
        pillar_scores,
        outcome.eligible[:c],
        plan.agg_across[:c],
        central,
        candidates,
        variant=variant,
    )
    cols = {"confidence": confidence}
    for j, crit in enumerate(problem.pillars):
        cols[f"central_weight_{crit}"] = central[:, j]
    region_columns = pd.DataFrame(cols, index=pd.Index(list(codes), name="region_code"))

    rivals = nearest_rivals(rank_median, candidates, N_RIVALS)
    pairs = [(i, j) for i, js in rivals.items() for j in js]
    p_above = winning_indices(outcome.rank, pairs)
    winning = pd.DataFrame(
        {
            "region_code": [codes[i] for i, _ in pairs],
            "rival": [codes[j] for _, j in pairs],
            "p_above": p_above,
        },
        columns=WINNING_COLUMNS,
    )

    stability, region_stability, note = _stability(problem, nominal_pillars, nominal)
    tie = np.asarray(problem.tie_order)[0]
    order = np.lexsort((tie, -p_sel))
    expected = order[: problem.k][p_sel[order[: problem.k]] > 0]
    conf_expected = confidence[expected]
    audit = audit_figures(
        np.vstack([nominal.selected[:1], outcome.selected]),
        np.vstack([nominal.eligible[:1], outcome.eligible]),
        np.vstack([nominal.rank[:1], outcome.rank]),
        actual,
        problem.k,
    )
    w0 = np.asarray(problem.pillar_weights, dtype=float)
    summary = {
        "criteria": list(problem.pillars),
        "nominal_weights": {c: float(v) for c, v in zip(problem.pillars, w0 / w0.sum(), strict=True)},
        "mean_confidence": float(np.nanmean(conf_expected)) if np.isfinite(conf_expected).any()
        else None,
        "decision_entropy_bits": decision_entropy(p_sel),
        "confidence_draws": int(c),
        "stability_note": note,
        "audit": audit,
    }
    return CohortAnswers(region_columns, winning, stability, region_stability, summary)
