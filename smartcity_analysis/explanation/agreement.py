"""Agreement of a criteria spec with the actual cohorts.

Two steps, both pure:

1. :func:`cohort_roles` turns the curated cohort table (``loaders.load_cohorts()``) into one role per
   region for one cohort: ``"selected"`` (counts as actually selected), ``"not_selected"`` (in the pool,
   not selected), ``"left_pool"`` (actually selected in an earlier cohort) or ``"excluded"`` (a quirk
   that the chosen definition keeps out of this cohort's evaluation). The rules are data:
   :data:`OUTCOME_DEFINITIONS`.
2. :func:`agreement_table` / :func:`agreement_summary` compare a score and a nominal selection with
   those roles: precision and recall of the nominal selection, ROC AUC of the score, precision at k,
   and the rank of each actually selected region within the pool.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from smartcity_analysis.errors import InputError
from smartcity_analysis.explanation.revealed import auc_score, precision_at_k

__all__ = [
    "OUTCOME_DEFINITIONS",
    "STATUSES",
    "OutcomeDefinition",
    "agreement_summary",
    "agreement_table",
    "cohort_roles",
    "nominal_selection",
]

#: Status values of ``data/programme/cohorts.csv`` (see docs/ARCHITECTURE.md).
STATUSES = ("selected", "added_late", "not_awarded", "cancelled", "deferred")

#: Statuses after which a region leaves the pool of later cohorts; the same default as the index
#: engine's ``pool.leave_statuses`` (``spec.DEFAULT_LEAVE_STATUSES``). A spec can override it.
LEAVE_STATUSES = ("selected", "added_late", "not_awarded", "deferred")


@dataclass(frozen=True)
class OutcomeDefinition:
    """Which cohort statuses count as "actually selected", and which make a region leave the pool.

    Attributes
    ----------
    positive : frozenset of str
        Statuses that count as selected in that cohort.
    excluded : frozenset of str
        Statuses that keep the region out of that cohort's evaluation (neither selected nor not).
    leaves_pool : frozenset of str
        Statuses after which the region is no longer in the pool of later cohorts.
    description : str
    """

    positive: frozenset
    excluded: frozenset
    leaves_pool: frozenset
    description: str


#: Registry of outcome definitions. ``"mou"`` is the default: the decision being explained is the list
#: announced at the cohort's MoU, i.e. the result of the pre-screen and the assessment.
OUTCOME_DEFINITIONS: dict[str, OutcomeDefinition] = {
    "mou": OutcomeDefinition(
        positive=frozenset({"selected", "not_awarded", "cancelled", "deferred"}),
        excluded=frozenset({"added_late"}),
        leaves_pool=frozenset(LEAVE_STATUSES),
        description=(
            "Selected = on the cohort's MoU list (statuses selected, not_awarded, cancelled, "
            "deferred): the outcome of the pre-screen and assessment. added_late regions joined "
            "after the list by another route and are left out of that cohort's evaluation. "
            "A region leaves the pool of later cohorts after selected, added_late, not_awarded or "
            "deferred (Kab. Banyumas, deferred in 2018, is therefore not re-counted in 2019: it was "
            "chosen once, by the 2018 process); a cancelled region stays in the pool (Kota Depok, "
            "cancelled in 2018, counts as selected in 2019)."
        ),
    ),
    "completed": OutcomeDefinition(
        positive=frozenset({"selected", "added_late"}),
        excluded=frozenset({"not_awarded", "cancelled", "deferred"}),
        leaves_pool=frozenset(LEAVE_STATUSES),
        description=(
            "Selected = went through the programme with that cohort (selected, added_late). Regions "
            "announced but not awarded, cancelled or deferred are left out of that cohort's "
            "evaluation (they were chosen, then something else happened). Pool exits as in 'mou'."
        ),
    ),
    "any": OutcomeDefinition(
        positive=frozenset(STATUSES),
        excluded=frozenset(),
        leaves_pool=frozenset(LEAVE_STATUSES),
        description="Selected = any mention in the cohort (every status). Pool exits as in 'mou'.",
    ),
}


def _definition(name: str) -> OutcomeDefinition:
    try:
        return OUTCOME_DEFINITIONS[name]
    except KeyError:
        raise InputError(
            f"Unknown outcome definition {name!r}. Expected one of {sorted(OUTCOME_DEFINITIONS)}."
        ) from None


def cohort_roles(
    cohorts: pd.DataFrame,
    cohort_year: int,
    region_codes: Iterable[str],
    *,
    definition: str = "mou",
    leave_statuses: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Role of every region in one cohort's evaluation.

    Parameters
    ----------
    cohorts : DataFrame
        ``region_code, cohort_year, status`` (as from ``loaders.load_cohorts()``).
    cohort_year : int
    region_codes : iterable of str
        All regions (the 514 of the pre-screen).
    definition : str, default "mou"
        Key of :data:`OUTCOME_DEFINITIONS`.
    leave_statuses : iterable of str, optional
        Overrides the definition's pool exits (pass the spec's ``pool.leave_statuses`` so that the
        explanation and the engine use the same pool).

    Returns
    -------
    DataFrame
        Index ``region_code``; columns ``role`` (``selected`` / ``not_selected`` / ``left_pool`` /
        ``excluded``), ``status`` (the region's status in this cohort, "" if none), ``earlier``
        (``"<year>:<status>"`` of earlier cohorts, joined by ", ").

    Notes
    -----
    The pool of cohort ``c`` is every region minus those with a ``leaves_pool`` status in an earlier
    cohort; this is the *actual* history, not the nominal cascade of a spec. A region with a status in
    both an earlier cohort and ``c`` (Kota Depok: cancelled 2018, selected 2019) is judged by ``c``
    when the earlier status does not leave the pool.

    References
    ----------
    The cohort lists and their quirks: ``data/programme/cohorts.csv`` and its sources (docs/data.md).
    """
    d = _definition(definition)
    missing = {"region_code", "cohort_year", "status"} - set(cohorts.columns)
    if missing:
        raise InputError(
            f"The cohorts table lacks column(s) {sorted(missing)}; expected the frame of "
            "loaders.load_cohorts()."
        )
    unknown = set(cohorts["status"]) - set(STATUSES)
    if unknown:
        raise InputError(
            f"Unknown cohort status value(s) {sorted(unknown)}. Expected one of {list(STATUSES)}."
        )
    codes = pd.Index([str(c) for c in region_codes], name="region_code")
    cy = cohorts.assign(cohort_year=cohorts["cohort_year"].astype(int))
    here = cy[cy["cohort_year"] == int(cohort_year)].drop_duplicates("region_code", keep="last")
    before = cy[cy["cohort_year"] < int(cohort_year)].sort_values("cohort_year")
    leaves = d.leaves_pool if leave_statuses is None else frozenset(leave_statuses)
    left = set(before.loc[before["status"].isin(leaves), "region_code"])
    status = here.set_index("region_code")["status"].reindex(codes).fillna("")
    earlier = (
        before.assign(tag=before["cohort_year"].astype(str) + ":" + before["status"])
        .groupby("region_code")["tag"].agg(", ".join).reindex(codes).fillna("")
    )
    role = pd.Series("not_selected", index=codes, dtype=object)
    role[status.isin(d.positive)] = "selected"
    role[status.isin(d.excluded)] = "excluded"
    role[codes.isin(list(left))] = "left_pool"
    return pd.DataFrame({"role": role, "status": status, "earlier": earlier})


def nominal_selection(
    score: pd.Series,
    eligible: pd.Series,
    in_pool: pd.Series,
    k: int,
) -> pd.Series:
    """Top-``k`` eligible regions of the pool by score (no quotas), ties broken by region code.

    Parameters
    ----------
    score, eligible, in_pool : Series indexed by region_code
    k : int
        Cohort size.

    Returns
    -------
    Series of bool
        ``True`` for the nominally selected regions.

    Notes
    -----
    Used when the index engine's own selection cannot be run on the actual pool. A missing score never
    selects.

    References
    ----------
    OECD/JRC (2008). Handbook on Constructing Composite Indicators, step 8 (presentation of ranks).
    """
    ok = in_pool.astype(bool) & eligible.astype(bool) & score.notna()
    cand = score[ok].sort_index()
    chosen = cand.sort_values(ascending=False, kind="stable").index[: int(k)]
    return pd.Series(score.index.isin(chosen), index=score.index)


def agreement_table(
    roles: pd.DataFrame,
    score: pd.Series,
    nominal: pd.Series,
    *,
    eligible: pd.Series | None = None,
) -> pd.DataFrame:
    """One row per region of the evaluation (actually selected or not, in the pool).

    Parameters
    ----------
    roles : DataFrame
        From :func:`cohort_roles`.
    score : Series
        The spec's score per region (higher is better).
    nominal : Series of bool
        The spec's nominal selection within the actual pool.
    eligible : Series of bool, optional

    Returns
    -------
    DataFrame
        Index ``region_code``; columns ``role``, ``status``, ``actual`` (bool), ``score``,
        ``rank_in_pool`` (1 = highest score among the evaluated regions; missing scores last),
        ``eligible``, ``nominal``.

    Notes
    -----
    ``rank_in_pool`` is the competition rank (``method="min"``) of the score among the evaluated
    regions, missing scores ranked last.

    References
    ----------
    Kominfo (2017-2019). Gerakan Menuju 100 Smart City, cohort lists (``data/programme/cohorts.csv``).
    """
    ev = roles[roles["role"].isin(["selected", "not_selected"])].copy()
    ev["actual"] = ev["role"] == "selected"
    ev["score"] = score.reindex(ev.index).astype(float)
    key = ev["score"].fillna(-np.inf)
    ev["rank_in_pool"] = key.rank(ascending=False, method="min").astype(int)
    ev["eligible"] = (
        eligible.reindex(ev.index).fillna(False).astype(bool) if eligible is not None else True
    )
    ev["nominal"] = nominal.reindex(ev.index).fillna(False).astype(bool)
    return ev


def agreement_summary(table: pd.DataFrame) -> dict:
    """Precision, recall, AUC and precision at k of one cohort's agreement table.

    Parameters
    ----------
    table : DataFrame
        From :func:`agreement_table`.

    Returns
    -------
    dict
        ``n_pool``, ``n_actual``, ``n_nominal``, ``n_both``, ``precision`` (share of the nominal
        selection actually selected), ``recall`` (share of the actual cohort nominally selected),
        ``auc`` (ROC AUC of the score for actual selection), ``precision_at_k`` (``k`` = ``n_actual``),
        ``n_missing_score``, ``median_rank_actual``.

    Notes
    -----
    ``precision = |N & A| / |N|``, ``recall = |N & A| / |A|``. AUC = P(score of a random actually
    selected region > that of a random unselected one), ties one half.

    References
    ----------
    Manning, C. D., Raghavan, P., Schuetze, H. (2008). Introduction to Information Retrieval, ch. 8.
    Fawcett, T. (2006). An introduction to ROC analysis. Pattern Recognition Letters 27, 861-874.
    """
    a = table["actual"].to_numpy(bool)
    nmask = table["nominal"].to_numpy(bool)
    s = table["score"].to_numpy(float)
    both = int((a & nmask).sum())
    return {
        "n_pool": int(len(table)),
        "n_actual": int(a.sum()),
        "n_nominal": int(nmask.sum()),
        "n_both": both,
        "precision": both / nmask.sum() if nmask.any() else float("nan"),
        "recall": both / a.sum() if a.any() else float("nan"),
        "auc": auc_score(a.astype(int), s),
        "precision_at_k": precision_at_k(a.astype(int), s),
        "n_missing_score": int(np.isnan(s).sum()),
        "median_rank_actual": float(np.median(table.loc[a, "rank_in_pool"])) if a.any()
        else float("nan"),
    }


def role_counts(roles: pd.DataFrame) -> Mapping[str, int]:
    """Number of regions per role (for the summary)."""
    return {str(k): int(v) for k, v in roles["role"].value_counts().sort_index().items()}
