"""Explaining the real cohorts: agreement, revealed weights, rank extremes, counterfactuals.

Pure methods live in :mod:`.agreement`, :mod:`.revealed`, :mod:`.anomalies` and
:mod:`.counterfactual`; :mod:`.orchestration` runs them on a spec and the curated data
(:func:`run_explanation`), caches the result (:func:`load_or_run_explanation`) and checks a
counterfactual through the real build (:func:`verify_change`). Method and limits: docs/explanation.md.
"""

from smartcity_analysis.explanation import agreement, anomalies, counterfactual, revealed
from smartcity_analysis.explanation.orchestration import (
    TABLES,
    ExplanationResult,
    ExplanationSettings,
    load_or_run_explanation,
    run_explanation,
    verify_change,
)

__all__ = [
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
