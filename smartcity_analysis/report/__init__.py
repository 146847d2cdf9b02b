"""The region report: one parameter model, one context loader, one function per report section.

``notebooks/region_report.ipynb`` is a thin papermill view over this package (``report.header(ctx)``
...): its tagged parameters cell
declares exactly the fields of :class:`ReportParams` (same names, types and defaults; a test checks it),
one cell calls :func:`load_context`, and every further cell calls one section function. The CLI
(``smartcity report``), papermill and the notebook share this one vocabulary.

Sections (see ``docs/report.md`` for how to read each one):

========================  ==========================================================================
function                  content
========================  ==========================================================================
:func:`header`            name, BPS/Kemendagri codes, province, type, population, area
:func:`fig_locator`       locator map (country, with the province zoomed)
:func:`decision_box`      gates (rule, reason code, value, assumed level, declared range, pass/FAIL/
                          not applied), the quota line, score, ranks, nominal decision, actual
                          cohort, margin, P(selected), 5-95 % rank interval
:func:`fig_profile`       pillar (criterion) profile against the median of peers and the last selected
:func:`profile_styled`    the same numbers as a table (:func:`profile_table` as a DataFrame)
:func:`indicator_dashboard`  value, unit, data year, source, score, traffic light, trend, flags
:func:`strengths_weaknesses` best and worst indicators relative to peers
:func:`peers_table`       peers in the province, of the same type and nearest by profile
:func:`robustness_summary`, :func:`fig_rank`, :func:`sobol_table`, :func:`rivals_table`
                          rank distribution, drivers of the status, contestable rivals
:func:`typical_weights_text`, :func:`fig_typical_weights`
                          the typical (central) weights that select the region, its confidence factor
:func:`weights_only_table` P(selected) with only the weights drawn, possible/necessary, with labels
:func:`winning_table`     P(placed above) each of its nearest rivals (pairwise winning indices)
:func:`stability_table`   stability interval of each weight (region, cohort; who enters/leaves)
:func:`scenarios_table`   "without indicator X" scenarios
:func:`revealed_decision` the stated spec and the revealed model side by side (decision, place,
                          P(selected) when a robustness run of the revealed spec is cached)
:func:`revealed_text`, :func:`revealed_weights_table`, :func:`revealed_place_table`
                          what the actual choices imply: revealed weights with intervals, the
                          region's place under them
:func:`what_it_would_take_text`, :func:`what_it_would_take`
                          gap to the cutoff and counterfactual changes (single indicator, combined)
:func:`not_measured`      what is really missing (criteria, gates not applied, own values), the
                          assumptions and data caveats
:func:`methodology_table`, :func:`methodology_text`, :func:`provenance`
                          the spec, data years, sources and licences, seed and hashes
========================  ==========================================================================

Heavy results (robustness, explanation) are loaded from the cache (computed once when missing); when a
result cannot be computed, its section says so plainly instead of failing the report.

The files follow the report's table of contents: :mod:`.params` (:class:`ReportParams`),
:mod:`.context` (:func:`load_context`, :class:`ReportContext`, the per-kernel memo), :mod:`.text`
(formatting, :class:`ReportText`), then the four parts of the PDF: :mod:`.decision` (header, locator,
eligibility, decision box), :mod:`.profile` (profile, dashboard, strengths, peers), :mod:`.uncertainty`
(robustness summary, rank figure, Sobol drivers, rivals) and :mod:`.methodology` (what it would take,
not measured, methodology, provenance). This module re-exports the notebook's whole vocabulary.
"""


from smartcity_analysis.report.context import (
    Availability,
    ReportContext,
    clear_context_memo,
    load_context,
)
from smartcity_analysis.report.decision import (
    decision_box,
    eligibility_table,
    fig_locator,
    header,
)
from smartcity_analysis.report.methodology import (
    ASSESSMENT_STAGE,
    methodology_table,
    methodology_text,
    not_measured,
    provenance,
    what_it_would_take,
    what_it_would_take_text,
)
from smartcity_analysis.report.params import ReportParams
from smartcity_analysis.report.profile import (
    LIGHT_GREEN,
    LIGHT_LABELS,
    LIGHT_RED,
    N_PEERS,
    fig_profile,
    indicator_dashboard,
    peers_table,
    profile_styled,
    profile_table,
    strengths_weaknesses,
)
from smartcity_analysis.report.revealed import (
    revealed_decision,
    revealed_place_table,
    revealed_text,
    revealed_weights_table,
)
from smartcity_analysis.report.text import (
    STYLER_UUID,
    ReportText,
)
from smartcity_analysis.report.uncertainty import (
    FACTOR_LABELS,
    SMAA_LABELS,
    fig_rank,
    fig_typical_weights,
    rivals_table,
    robustness_summary,
    scenarios_table,
    sobol_table,
    stability_table,
    typical_weights,
    typical_weights_text,
    weights_only_table,
    winning_table,
)

__all__ = [
    "ASSESSMENT_STAGE",
    "Availability",
    "FACTOR_LABELS",
    "LIGHT_GREEN",
    "LIGHT_LABELS",
    "LIGHT_RED",
    "N_PEERS",
    "ReportContext",
    "ReportParams",
    "ReportText",
    "SMAA_LABELS",
    "STYLER_UUID",
    "clear_context_memo",
    "decision_box",
    "eligibility_table",
    "fig_locator",
    "fig_profile",
    "fig_rank",
    "fig_typical_weights",
    "header",
    "indicator_dashboard",
    "load_context",
    "methodology_table",
    "methodology_text",
    "not_measured",
    "peers_table",
    "profile_styled",
    "profile_table",
    "provenance",
    "revealed_decision",
    "revealed_place_table",
    "revealed_text",
    "revealed_weights_table",
    "rivals_table",
    "robustness_summary",
    "scenarios_table",
    "sobol_table",
    "stability_table",
    "strengths_weaknesses",
    "typical_weights",
    "typical_weights_text",
    "weights_only_table",
    "what_it_would_take",
    "what_it_would_take_text",
    "winning_table",
]
