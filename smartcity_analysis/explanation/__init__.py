"""Explaining the real cohorts: agreement, revealed weights, rank extremes, counterfactuals.

Pure methods live in :mod:`.agreement`, :mod:`.revealed`, :mod:`.anomalies` and
:mod:`.counterfactual`. Above them: :mod:`.settings` (:class:`ExplanationSettings`,
:class:`ExplanationResult`, :data:`TABLES`), :mod:`.inputs` (the spec and data doors),
:mod:`.what_it_would_take` (counterfactuals on the real build, :func:`verify_change`) and, on top,
:mod:`.run`, which runs them on a spec and the curated data (:func:`run_explanation`) and caches the
result (:func:`load_or_run_explanation`). The revealed-criteria search over every measured
indicator: :mod:`.candidates`, :mod:`.models` (the family registry), :mod:`.validation`,
:mod:`.criteria_search` (the one call, and the views for reports) and :mod:`.export` (the chosen
model as a spec). Method and limits: docs/explanation.md.
"""

from smartcity_analysis.explanation import (
    agreement,
    anomalies,
    candidates,
    counterfactual,
    criteria_search,
    export,
    models,
    revealed,
    validation,
)
from smartcity_analysis.explanation.run import load_or_run_explanation, run_explanation
from smartcity_analysis.explanation.settings import (
    RESULT_FORMAT,
    TABLES,
    ExplanationResult,
    ExplanationSettings,
)
from smartcity_analysis.explanation.what_it_would_take import verify_change

__all__ = [
    "RESULT_FORMAT",
    "TABLES",
    "ExplanationResult",
    "ExplanationSettings",
    "agreement",
    "anomalies",
    "candidates",
    "counterfactual",
    "criteria_search",
    "export",
    "load_or_run_explanation",
    "models",
    "revealed",
    "run_explanation",
    "validation",
    "verify_change",
]
