"""Explaining the real cohorts: agreement, revealed weights, rank extremes, counterfactuals.

Pure methods live in :mod:`.agreement`, :mod:`.revealed`, :mod:`.anomalies` and
:mod:`.counterfactual`. Above them: :mod:`.settings` (:class:`ExplanationSettings`,
:class:`ExplanationResult`, :data:`TABLES`), :mod:`.inputs` (the spec and data doors),
:mod:`.what_it_would_take` (counterfactuals on the real build, :func:`verify_change`) and, on top,
:mod:`.run`, which runs them on a spec and the curated data (:func:`run_explanation`) and caches the
result (:func:`load_or_run_explanation`). Method and limits: docs/explanation.md.
"""

from smartcity_analysis.explanation import agreement, anomalies, counterfactual, revealed
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
    "counterfactual",
    "load_or_run_explanation",
    "revealed",
    "run_explanation",
    "verify_change",
]
