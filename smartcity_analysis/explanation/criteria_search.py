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

__all__ = [
    "REVEALED_TABLES",
    "RevealedCriteria",
    "model_comparison",
    "region_revealed",
    "revealed_criteria",
    "revealed_weights",
]

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


# ---------------------------------------------------------------------------------------------------
# Views for the region report and the national overview (pure functions of a result's tables)
# ---------------------------------------------------------------------------------------------------


def _require(result):
    if "revealed_scores" not in result.tables or "revealed" not in result.summary:
        from smartcity_analysis.errors import InputError

        raise InputError("This explanation has no revealed-criteria search (settings.families is "
                         "empty); rerun it with the default families.")
    return result.summary["revealed"]


def model_comparison(result, *, spec_label: str = "spec") -> pd.DataFrame:
    """One row per (model, cohort): the explained spec's own score and every revealed family, in
    and out of sample, for the overview's model comparison.

    Parameters
    ----------
    result : ExplanationResult
    spec_label : str
        Method name given to the explained spec's own score.

    Returns
    -------
    DataFrame
        ``method, cohort_year, auc_in, auc_out, precision_at_k_in, precision_at_k_out, brier_out,
        p_value_out, mean_auc_out, ci_low, ci_high, chosen, separable_from_chosen`` (the spec's
        row is not fitted: in = out; its AUC is the agreement AUC of section 2).
    """
    rev = _require(result)
    val = result.tables["validation"]
    fam = val[val["method"].isin(rev["families"])].copy()
    comp = pd.DataFrame(rev["comparison"]).set_index("method")
    for c in ("mean_auc_out", "ci_low", "ci_high", "separable_from_chosen"):
        fam[c] = fam["method"].map(comp[c])
    fam["chosen"] = fam["method"] == rev["chosen"]
    spec_rows = val[val["method"] == "spec"].assign(method=spec_label, chosen=False)
    out = pd.concat([spec_rows, fam], ignore_index=True)
    cols = ["method", "cohort_year", "auc_in", "auc_out", "precision_at_k_in",
            "precision_at_k_out", "brier_out", "p_value_out", "mean_auc_out", "ci_low", "ci_high",
            "chosen", "separable_from_chosen"]
    return out.reindex(columns=cols)


def region_revealed(result, region_code: str, *, family: str | None = None) -> pd.DataFrame:
    """A region's place under a revealed model, per cohort it was evaluated in.

    Parameters
    ----------
    result : ExplanationResult
    region_code : str
    family : str, optional
        Default: the chosen family.

    Returns
    -------
    DataFrame
        ``cohort_year, family, actual, rank_in, rank_out, n_pool, p_selected_out, passes_gates``:
        ``rank_in`` under the fit on all cohorts (the exported spec's order), ``rank_out`` under the
        fit that never saw that cohort, ``p_selected_out`` its out-of-sample probability of being
        among the cohort's k (conditional logit on the score, section 8 of docs/explanation.md).
    """
    rev = _require(result)
    family = family or rev["chosen"]
    s = result.tables["revealed_scores"]
    s = s[s["method"] == family].copy()
    s["region_code"] = s["region_code"].astype(str)
    g = s.groupby("cohort_year")
    s["rank_in"] = g["score_in"].rank(ascending=False, method="min").astype(int)
    s["rank_out"] = g["score_out"].rank(ascending=False, method="min").astype(int)
    s["n_pool"] = g["score_in"].transform("size")
    s["passes_gates"] = s["score_in"] > -1e5
    r = s[s["region_code"] == str(region_code)]
    return r.assign(family=family, p_selected_out=r["prob_out"]).reindex(
        columns=["cohort_year", "family", "actual", "rank_in", "rank_out", "n_pool",
                 "p_selected_out", "passes_gates"]).reset_index(drop=True)


def revealed_weights(result, *, family: str | None = None) -> pd.DataFrame:
    """The weights (with bootstrap intervals and stability) and gates of a revealed model.

    Parameters
    ----------
    result : ExplanationResult
    family : str, optional
        Default: the chosen family.

    Returns
    -------
    DataFrame
        Rows of ``revealed_weights`` for that family, largest weight first.
    """
    rev = _require(result)
    family = family or rev["chosen"]
    w = result.tables["revealed_weights"]
    return w[w["method"] == family].sort_values("weight", ascending=False,
                                                kind="stable").reset_index(drop=True)
