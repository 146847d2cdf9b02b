"""Explaining the real cohorts: agreement, revealed weights, rank extremes, counterfactuals.

Pure methods live in :mod:`.agreement`, :mod:`.revealed`, :mod:`.anomalies` and
:mod:`.counterfactual`; the orchestration on the real data is added here.
"""

from smartcity_analysis.explanation import agreement, anomalies, counterfactual, revealed

__all__ = ["agreement", "anomalies", "counterfactual", "revealed"]
