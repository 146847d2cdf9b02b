"""The revealed-criteria search on a spec's framing: candidates, families, validation, tables.

:func:`revealed_criteria` is the one call :func:`~.run.run_explanation` makes for this part (and
the one a report or the national overview can make on its own): it builds every measured candidate
(:mod:`.candidates`), validates every family of :data:`~.models.MODEL_FAMILIES`
(:mod:`.validation`) and returns the tables and the summary block ``revealed`` of
``summary.json``. :mod:`.export` turns the chosen model into a criteria spec.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from smartcity_analysis.explanation import models as mdl
from smartcity_analysis.explanation.candidates import build_candidates
from smartcity_analysis.explanation.validation import RevealedValidation, validate_families

__all__ = ["REVEALED_TABLES", "RevealedCriteria", "revealed_criteria"]

#: Tables this part adds to an :class:`~.settings.ExplanationResult` (its rows of ``validation``
#: are appended to that table).
REVEALED_TABLES = (
    "revealed_weights",
    "revealed_comparison",
    "revealed_calibration",
    "revealed_candidates",
    "revealed_scores",
)


@dataclass(frozen=True)
class RevealedCriteria:
    """Tables and summary of the revealed-criteria search.

    Attributes
    ----------
    tables : dict of DataFrame
        ``validation`` (one row per family and held-out cohort) and :data:`REVEALED_TABLES`.
    summary : dict
        The ``revealed`` block of ``summary.json``: chosen family and why, the chosen model's
        weights and gates, comparison rows, candidates left out and why, provenance.
    validation : RevealedValidation
    candidates : CandidateSet
    """

    tables: dict
    summary: dict
    validation: RevealedValidation
    candidates: object


def revealed_criteria(spec, frames, *, regions=None, cohorts=None, definition: str = "mou",
                      families=tuple(mdl.MODEL_FAMILIES), n_perm: int = 200, n_boot: int = 30,
                      seed: int = 0, ci_level: float = 0.95, options: dict | None = None,
                      progress: bool = True) -> RevealedCriteria:
    """Search every measured indicator for the model that best explains the actual cohorts.

    Parameters
    ----------
    spec : Spec
        Supplies the framing only (cohorts, data years, pool exits).
    frames : mapping
        ``data_year -> wide frame``.
    regions, cohorts : DataFrame, optional
    definition : str
        Outcome definition.
    families : sequence of str
        Keys of :data:`~.models.MODEL_FAMILIES`; ``baseline_population`` is skipped (with a note)
        when population is not a candidate.
    n_perm, n_boot, seed, ci_level, options, progress
        See :func:`~.validation.validate_families`.

    Returns
    -------
    RevealedCriteria

    Notes
    -----
    Method and guards against leakage: docs/explanation.md, section "Revealed criteria".
    """
    cs = build_candidates(spec, frames, regions=regions, cohorts=cohorts, definition=definition)
    notes = [f"Cohort {y} has no actually selected (or no unselected) region: it is in no "
             "revealed-criteria fit." for y in cs.dropped_cohorts]
    fams = [f for f in families if f != "baseline_population" or "population" in cs.names]
    if len(fams) < len(families):
        notes.append("baseline_population skipped: population is not among the candidates.")
    val = validate_families(cs, fams, options=options, n_perm=n_perm, n_boot=n_boot, seed=seed,
                            ci_level=ci_level, progress=progress)
    w = val.weights
    chosen_rows = w[w["method"] == val.chosen]
    comp = val.comparison
    summary = {
        **val.summary,
        "definition": definition,
        "data_hash": cs.data_hash,
        "data_years": {str(k): v for k, v in cs.data_years.items()},
        "candidates": cs.names,
        "candidates_excluded": cs.excluded.to_dict("records"),
        "chosen_model": {
            "family": val.chosen,
            "why": val.summary["why"],
            "weights": chosen_rows.to_dict("records"),
            "mean_auc_out": float(comp.loc[comp["method"] == val.chosen, "mean_auc_out"].iloc[0]),
        },
        "comparison": comp.to_dict("records"),
        "notes": val.summary["notes"] + notes,
    }
    tables = {
        "validation": val.validation,
        "revealed_weights": w,
        "revealed_comparison": comp,
        "revealed_calibration": val.calibration,
        "revealed_candidates": pd.concat([cs.table().assign(candidate=True, reason=""),
                                          cs.excluded.assign(candidate=False)],
                                         ignore_index=True),
        "revealed_scores": val.scores,
    }
    return RevealedCriteria(tables=tables, summary=summary, validation=val, candidates=cs)
