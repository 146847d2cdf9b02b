"""The national overview's parameters and context: :class:`OverviewParams`, :func:`load_overview`
(the cohort results from :func:`smartcity_analysis.results.load_cohort_results`, the one memo shared
with the region reports, the index page and the explorer) and who counts as actually selected.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from smartcity_analysis.curated.loaders import load_regions
from smartcity_analysis.results import CohortResults, RunParams, load_cohort_results

#: Actual-cohort statuses counted as "actually selected" in a cohort: the MoU list (the outcome of the
#: pre-screen and assessment), the explanation's default outcome definition, so that the overview and
#: the explanation count the same regions.
ACTUAL_SELECTED_STATUSES = ("selected", "not_awarded", "cancelled", "deferred")

#: Name of the Java island group in ``regions.island_group``.
JAVA = "Jawa"

#: File name of the overview in ``<out_dir>/<cohort>/``.
OVERVIEW_STEM = "national-overview"

@dataclass(frozen=True)
class OverviewParams(RunParams):
    """Parameters of the national overview (papermill parameters of the overview notebook).

    Parameters
    ----------
    cohort : int
        Cohort year; one of the spec's cohorts.
    spec : str
        Criteria spec: a shipped name or the path of a YAML file; ``""`` means the default spec.
    draws : int
        Monte Carlo draws of the robustness analysis.
    seed : int
        Seed of the robustness draws.

    Notes
    -----
    Exactly the shared :class:`~smartcity_analysis.results.RunParams`: the overview reads the same
    cached results as the region reports and ``smartcity robustness`` with the same defaults.
    """

@dataclass(frozen=True)
class OverviewContext:
    """Everything the overview sections read, loaded once by :func:`load_overview`."""

    params: OverviewParams
    results: CohortResults
    regions: pd.DataFrame
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def spec(self):
        return self.results.spec

    @property
    def index_result(self):
        return self.results.run.result

    @property
    def table(self) -> pd.DataFrame:
        """Selection table indexed by ``region_code``, with ``island_group`` and ``actual``."""
        t = self.results.selection.set_index("region_code")
        t["island_group"] = self.regions["island_group"].reindex(t.index)
        t["actual"] = actual_selected(t, self.params.cohort)
        return t

def load_overview(params: OverviewParams) -> OverviewContext:
    """Validate the parameters and load every result the overview needs.

    Parameters
    ----------
    params : OverviewParams

    Returns
    -------
    OverviewContext
    """
    params = params.validate()
    results = load_cohort_results(params=params)
    return OverviewContext(params=params, results=results, regions=load_regions(),
                           notes=results.notes)

def actual_selected(table: pd.DataFrame, cohort: int) -> pd.Series:
    """Boolean per region: actually in cohort ``cohort`` (status selected or added late)."""
    year = pd.to_numeric(table["actual_cohort"], errors="coerce")
    status = table["actual_status"].astype(str)
    return (year == cohort) & status.isin(ACTUAL_SELECTED_STATUSES)

class Markdown(str):
    """Markdown text that displays as Markdown in notebooks and the PDF."""

    def _repr_markdown_(self) -> str:
        return str(self)
