"""Robustness of the *selection*: Monte Carlo over weights, methods, thresholds, noise and indicators.

Published index audits stop at "how robust is the ranking". This package answers "would this region
have been selected if the criteria had been set a little differently?". It draws the uncertain choices
of a criteria spec (weights, normalisation, aggregation, imputation, eligibility thresholds, relative
noise on values, leave-one-indicator-out), recomputes the cohort selection for every draw, and reports
per region P(eligible), P(selected), the rank distribution and a robustness class; per cohort the
expected selected set, the mean Jaccard similarity to the nominal selection and the contestable
regions; Sobol indices of the selection and possible/necessary selection under the weight bounds
(beside the weights-only Monte Carlo that answers the same question); and what a region asks (SMAA:
central weights, confidence factors, pairwise winning indices, decision entropy), exact weight
stability intervals, "without indicator X" scenarios and audit figures against the actual cohort.

The rooms, lowest first (a file imports only files above it in this list):

- :mod:`.kernel`: arrays only. :class:`RobustnessProblem`, :class:`DrawPlan`, :class:`QuotaArrays`,
  :class:`ThresholdRule`, :func:`select_top_k` (the array twin of ``selection.select_cohort``),
  :func:`evaluate_plan` (vectorised over draws, chunked), :func:`jaccard_to`;
- :mod:`.plans`: :class:`UncertaintySettings`, :func:`factor_layout`, :func:`plan_from_unit`,
  :func:`draw_plan`, :func:`nominal_plan`;
- :mod:`.smaa`: arrays only, on the kernel: :func:`central_weights`, :func:`confidence_factors`,
  :func:`winning_indices`, :func:`decision_entropy`, :func:`stability_intervals`,
  :func:`audit_figures`;
- :mod:`.sobol`: Sobol indices of the selection through SALib (was ``sensitivity.py``);
- :mod:`.possible`: possible/necessary selection by LP (was ``possible.py``);
- :mod:`.from_spec`: the bridge from a spec to the arrays (:func:`problem_from_spec`,
  :func:`settings_from_spec`, :class:`SpecContext`): with :mod:`.reference`, the only files that call
  the engine's orchestrator;
- :mod:`.reference`: :func:`evaluate_plan_reference`, the slow oracle that proves the kernel right
  draw by draw (tests and benchmarks only);
- :mod:`.answers`: :func:`cohort_answers`, the SMAA tables of one run (uses :mod:`.smaa`);
- :mod:`.run`: :class:`RobustnessSettings`, :func:`summarise`, :func:`classify`, the cached
  :func:`run_robustness` / :func:`load_or_run_robustness` and :class:`RobustnessResult`.

References
----------
Saisana, M., Saltelli, A. & Tarantola, S. (2005). Uncertainty and sensitivity analysis techniques as
tools for the quality assessment of composite indicators. J. R. Stat. Soc. A 168(2), 307-323.

OECD/JRC (2008). Handbook on Constructing Composite Indicators, step 7 (uncertainty and sensitivity).
"""

from smartcity_analysis.robustness.from_spec import (
    SpecContext,
    problem_from_spec,
    settings_from_spec,
)
from smartcity_analysis.robustness.kernel import (
    DrawOutcome,
    DrawPlan,
    QuotaArrays,
    RobustnessProblem,
    ThresholdRule,
    evaluate_plan,
    jaccard_to,
    select_top_k,
)
from smartcity_analysis.robustness.plans import (
    Factor,
    UncertaintySettings,
    draw_plan,
    factor_layout,
    nominal_plan,
    plan_from_unit,
)
from smartcity_analysis.robustness.reference import evaluate_plan_reference
from smartcity_analysis.robustness.run import (
    ALGORITHM_VERSION,
    RobustnessResult,
    RobustnessSettings,
    cached_robustness,
    classify,
    load_or_run_robustness,
    run_robustness,
    summarise,
)
from smartcity_analysis.robustness.smaa import (
    StabilityInterval,
    audit_figures,
    central_weights,
    confidence_factors,
    decision_entropy,
    stability_intervals,
    winning_indices,
)

__all__ = [
    "ALGORITHM_VERSION",
    "DrawOutcome",
    "DrawPlan",
    "Factor",
    "QuotaArrays",
    "RobustnessProblem",
    "RobustnessResult",
    "RobustnessSettings",
    "SpecContext",
    "StabilityInterval",
    "ThresholdRule",
    "UncertaintySettings",
    "audit_figures",
    "central_weights",
    "classify",
    "confidence_factors",
    "decision_entropy",
    "draw_plan",
    "evaluate_plan",
    "evaluate_plan_reference",
    "factor_layout",
    "jaccard_to",
    "cached_robustness",
    "load_or_run_robustness",
    "nominal_plan",
    "plan_from_unit",
    "problem_from_spec",
    "run_robustness",
    "select_top_k",
    "settings_from_spec",
    "stability_intervals",
    "summarise",
    "winning_indices",
]
