"""The national overview: one parameter model, one context loader, one function per table.

``notebooks/national_overview.ipynb`` is a thin papermill view over this package and
:mod:`smartcity_analysis.plots.national`: a tagged parameters cell (the fields of
:class:`OverviewParams`), one :func:`load_overview` call, then one call per table or figure. Sections:
the declared criteria and which have data; distributions, correlations and Cronbach's alpha; the nominal
selection of the spec against the actual cohort; robustness (the contestable regions, the audit figures
with their Monte Carlo uncertainty, how settled the cohort is); weights revealed by
the actual cohort; the model comparison of the revealed criteria (stated spec, each family,
baselines; in and out of sample; ROC and precision at k per cohort); spatial equity (Java versus outside Java, provinces).

The cohort results (index build, selection, robustness, explanation) come from
:func:`smartcity_analysis.results.load_cohort_results`, the one memo shared with the region reports, the
index page and the explorer.

Modules: :mod:`.context` (parameters, context, who counts as actually selected), :mod:`.criteria` (the
declared criteria, coverage, correlations, reliability), :mod:`.selection` (agreement, robustness, the
audit, spatial equity), :mod:`.revealed` (revealed weights and the model comparison). Every table and
figure is importable from the package itself (``overview.criteria_table``).
"""

from smartcity_analysis.overview.context import (
    ACTUAL_SELECTED_STATUSES,
    JAVA,
    OVERVIEW_STEM,
    Markdown,
    OverviewContext,
    OverviewParams,
    actual_selected,
    load_overview,
)
from smartcity_analysis.overview.criteria import (
    CRITERION_WIDTH,
    cohort_runs,
    correlation,
    coverage_by_region,
    coverage_note,
    criteria_styled,
    criteria_table,
    fig_coverage_map,
    gate_effects_table,
    header,
    reliability_table,
    unmeasured_criteria,
)
from smartcity_analysis.overview.revealed import (
    fig_model_curves,
    model_comparison_table,
    revealed_weights_table,
    validation_table,
)
from smartcity_analysis.overview.selection import (
    AUDIT_ROWS,
    agreement_table,
    audit_table,
    contestable_table,
    equity_table,
    province_table,
    robustness_summary,
    selection_flags,
    settledness_table,
)

__all__ = [
    "ACTUAL_SELECTED_STATUSES",
    "JAVA",
    "OVERVIEW_STEM",
    "OverviewParams",
    "OverviewContext",
    "load_overview",
    "actual_selected",
    "Markdown",
    "header",
    "cohort_runs",
    "criteria_table",
    "CRITERION_WIDTH",
    "criteria_styled",
    "gate_effects_table",
    "coverage_by_region",
    "coverage_note",
    "fig_coverage_map",
    "unmeasured_criteria",
    "correlation",
    "reliability_table",
    "selection_flags",
    "agreement_table",
    "contestable_table",
    "robustness_summary",
    "AUDIT_ROWS",
    "audit_table",
    "settledness_table",
    "equity_table",
    "province_table",
    "revealed_weights_table",
    "validation_table",
    "model_comparison_table",
    "fig_model_curves",
]
