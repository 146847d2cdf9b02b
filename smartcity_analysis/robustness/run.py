"""One cached robustness run per (spec, data, cohort, settings): what the CLI and the reports use.

:func:`run_robustness` prepares the problem of a cohort
(:func:`~smartcity_analysis.robustness.from_spec.problem_from_spec`), draws the Monte Carlo plan,
evaluates it with the vectorised kernel, summarises it per region and per cohort (:func:`summarise`,
:func:`classify`), adds Sobol indices (:mod:`~smartcity_analysis.robustness.sobol`) and
possible/necessary selection (:mod:`~smartcity_analysis.robustness.possible`), and caches the
:class:`RobustnessResult`. :class:`RobustnessSettings` owns the run's defaults (draws, seed, Sobol
size) and the one rule of precedence between a call, the spec and those defaults.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from smartcity_analysis import __version__
from smartcity_analysis.cache import cached, load_tables, lookup, save_tables
from smartcity_analysis.curated.inputs import data_key, spec_frames
from smartcity_analysis.errors import ComputationError, InputError
from smartcity_analysis.robustness.answers import (
    CONFIDENCE_DRAWS,
    REGION_STABILITY_COLUMNS,
    STABILITY_COLUMNS,
    WINNING_COLUMNS,
    cohort_answers,
)
from smartcity_analysis.robustness.from_spec import problem_from_spec
from smartcity_analysis.robustness.kernel import (
    DrawOutcome,
    RobustnessProblem,
    evaluate_plan,
    jaccard_to,
)
from smartcity_analysis.robustness.plans import (
    UncertaintySettings,
    draw_plan,
    factor_layout,
    nominal_plan,
    scenario_plan,
)
from smartcity_analysis.robustness.possible import possible_necessary, weight_bounds
from smartcity_analysis.robustness.sobol import selection_sobol
from smartcity_analysis.spec import resolve_spec

__all__ = [
    "ALGORITHM_VERSION",
    "RobustnessResult",
    "RobustnessSettings",
    "cached_robustness",
    "classify",
    "load_or_run_robustness",
    "run_robustness",
    "summarise",
]

#: Bumped when the algorithm changes in a way that changes results (part of the cache key).
# 2: positive scale for power means, noise on raw values, loo scenarios
# 3: ties broken by the draw's own pillar scores when a tie-breaking key is a pillar
ALGORITHM_VERSION = 3


#: P(selected) at or above which a region is "robustly in", at or below which "robustly out".
ROBUST_IN = 0.95
ROBUST_OUT = 0.05


def classify(p_selected) -> np.ndarray:
    """Robustness class per region: ``robustly_in`` (P >= 0.95), ``robustly_out`` (P <= 0.05),
    else ``contestable``."""
    p = np.asarray(p_selected, dtype=float)
    return np.where(
        p >= ROBUST_IN, "robustly_in", np.where(p <= ROBUST_OUT, "robustly_out", "contestable")
    )


def _rank_quantiles(rank: np.ndarray, qs=(0.05, 0.5, 0.95)) -> np.ndarray:
    """Quantiles of ranks per region over the draws where the region is ranked (rank > 0)."""
    r = np.where(rank > 0, rank.astype(float), np.nan)
    with np.errstate(all="ignore"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanquantile(r, qs, axis=0, method="linear")


def summarise(
    problem: RobustnessProblem,
    outcome: DrawOutcome,
    nominal: DrawOutcome,
) -> tuple[pd.DataFrame, dict]:
    """Per-region table and cohort summary of a Monte Carlo run.

    Returns
    -------
    regions : DataFrame
        Index ``region_code``; columns ``p_eligible, p_selected, rank_median, rank_p05, rank_p95,
        robustness_class, nominal_selected, expected_selected``. Ranks are 1-based ranks among
        eligible regions with a score, over the draws where the region is eligible (NaN if never).
    summary : dict
        ``cohort, k, draws, mean_jaccard, jaccard_p05, jaccard_p50, jaccard_p95,
        n_robustly_in, n_contestable, n_robustly_out, expected_selected (list), contestable (list,
        by descending P), nominal_selected (list), min_selected, max_selected, draws_short`` (draws
        selecting fewer than ``k`` although ``k`` regions are eligible: a quota cannot be met),
        ``draws_with_unscored, max_unscored`` (draws in which an eligible region has no score, and
        the most such regions in one draw; both 0 unless a component is missing beyond
        ``min_coverage``).

    Notes
    -----
    The expected selected set is the ``k`` regions with the highest P(selected) (ties by the spec's tie
    order); ``sum_i P_i = E|S| = k`` when every draw selects ``k``.
    """
    sel = outcome.selected
    d = sel.shape[0]
    p_sel = sel.mean(axis=0)
    p_elig = outcome.eligible.mean(axis=0)
    q05, q50, q95 = _rank_quantiles(outcome.rank)
    codes = list(problem.region_codes)
    nominal_sel = nominal.selected[0]
    tie = np.asarray(problem.tie_order)[0]
    order = np.lexsort((tie, -p_sel))
    expected = np.zeros(problem.n, dtype=bool)
    expected[order[: problem.k]] = True
    expected &= p_sel > 0
    cls = classify(p_sel)
    table = pd.DataFrame(
        {
            "p_eligible": p_elig,
            "p_selected": p_sel,
            "rank_median": q50,
            "rank_p05": q05,
            "rank_p95": q95,
            "robustness_class": cls,
            "nominal_selected": nominal_sel,
            "expected_selected": expected,
        },
        index=pd.Index(codes, name="region_code"),
    )
    jac = jaccard_to(sel, nominal_sel)
    n_sel = sel.sum(axis=1)
    unscored = np.zeros(d, dtype=np.int64) if outcome.unscored is None else outcome.unscored
    contest = [codes[i] for i in order if cls[i] == "contestable"]
    summary = {
        "cohort": problem.cohort,
        "k": int(problem.k),
        "draws": int(d),
        "mean_jaccard": float(jac.mean()),
        "jaccard_p05": float(np.quantile(jac, 0.05)),
        "jaccard_p50": float(np.quantile(jac, 0.5)),
        "jaccard_p95": float(np.quantile(jac, 0.95)),
        "n_robustly_in": int((cls == "robustly_in").sum()),
        "n_contestable": int((cls == "contestable").sum()),
        "n_robustly_out": int((cls == "robustly_out").sum()),
        "min_selected": int(n_sel.min()),
        "max_selected": int(n_sel.max()),
        "draws_short": int(((n_sel < problem.k) & (outcome.eligible.sum(axis=1) >= problem.k)).sum()),
        "draws_with_unscored": int((unscored > 0).sum()),
        "max_unscored": int(unscored.max()) if d else 0,
        "expected_selected": [codes[i] for i in order[: problem.k] if expected[i]],
        "contestable": contest,
        "nominal_selected": [codes[i] for i in np.flatnonzero(nominal_sel)],
    }
    return table, summary


# ---------------------------------------------------------------------------------------------------
# One cached run per (spec, data, cohort, draws, seed): what the CLI and the reports use
# ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RobustnessSettings:
    """Settings of a robustness run besides the spec's ``uncertainty`` block (all in the cache key).

    The one home of their defaults: ``smartcity robustness`` reads its help and defaults from here,
    and :meth:`for_spec` is the one rule of precedence between a call, the spec and these defaults.

    Attributes
    ----------
    draws : int
        Monte Carlo draws (>= 1).
    seed : int
        Seed (>= 0) of ``numpy.random.default_rng`` for the draws, and of SALib's bootstrap of the
        Sobol intervals (:mod:`~smartcity_analysis.robustness.sobol` shifts it, because SALib reads 0
        as "unseeded").
    sobol_base : int
        Sobol base sample, a power of two; 0 skips Sobol.
    """

    draws: int = 10_000
    seed: int = 0
    sobol_base: int = 512

    def __post_init__(self):
        problems = []
        for name, low in (("draws", 1), ("seed", 0), ("sobol_base", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                problems.append(f"{name} must be a whole number, got {value!r}")
            elif value < low:
                problems.append(f"{name} must be >= {low}, got {value}")
        if problems:
            raise InputError("Invalid robustness settings: " + "; ".join(problems) + ".")

    def key(self) -> dict:
        """Plain form, part of the cache key (the same entries as before the settings existed)."""
        return {"draws": int(self.draws), "seed": int(self.seed), "sobol_base": int(self.sobol_base)}

    @classmethod
    def for_spec(
        cls,
        spec,
        draws: int | None = None,
        seed: int | None = None,
        sobol_base: int | None = None,
    ) -> RobustnessSettings:
        """The settings of a run of ``spec``: an explicit argument, then the spec's
        ``uncertainty.draws`` / ``uncertainty.seed``, then the class defaults.

        Parameters
        ----------
        spec : Spec
        draws, seed, sobol_base : int, optional
            ``None`` means "not given" (the spec's value, else the default).

        Returns
        -------
        RobustnessSettings
        """
        u = spec.uncertainty
        declared = {
            "draws": None if u is None else u.draws,
            "seed": None if u is None else u.seed,
        }
        given = {"draws": draws, "seed": seed, "sobol_base": sobol_base}
        chosen = {}
        for name, value in given.items():
            value = declared.get(name) if value is None else value
            if value is not None:
                chosen[name] = value
        return cls(**chosen)

REGION_COLUMNS = [
    "name",
    "province_name",
    "type",
    "in_pool",
    "nominal_eligible",
    "nominal_selected",
    "nominal_position",
    "p_eligible",
    "p_selected",
    "rank_median",
    "rank_p05",
    "rank_p95",
    "robustness_class",
    "expected_selected",
    "possible",
    "necessary",
    "p_selected_weights_only",
    "actual_cohort",
    "actual_status",
]


#: What each probability or certainty answers (print these beside the columns; issue 13, defect 2).
COLUMN_LABELS = {
    "p_selected": "P(selected): every declared uncertainty drawn, quotas applied",
    "possible": "possible: some admissible pillar weights select it (weights only, no quotas)",
    "necessary": "necessary: every admissible pillar weight vector selects it (weights only, no quotas)",
    "p_selected_weights_only": "P(selected), weights only, no quotas: the question 'possible' answers",
    "confidence": "confidence factor: P(selected) with the weights fixed at its central weights",
}

#: Statuses of ``data/programme/cohorts.csv`` that count as "in the actual cohort" (audit figures).
ACTUAL_STATUSES = ("selected", "added_late")

#: Draws whose per-region ranks are kept for plots (``RobustnessResult.rank_draws``).
RANK_DRAWS_KEPT = 1000


@dataclass(frozen=True)
class RobustnessResult:
    """A robustness run of one cohort, as stored in the cache.

    Attributes
    ----------
    regions : DataFrame
        Index ``region_code``; columns :data:`REGION_COLUMNS` (``possible``/``necessary`` are NaN when
        the LP does not apply, see ``summary["possible_note"]``), then ``confidence`` and one
        ``central_weight_<criterion>`` per criterion (pillar; NaN where never selected). ``rank_*`` are places in the order of
        the eligible pool (1 = best; the place that decides selection, comparable with the cohort size
        and with ``nominal_position``), over the draws where the region is eligible.
    summary : dict
        Cohort summary (:func:`summarise`) plus ``spec_id, spec_hash, data_hash, package_version,
        seed, settings, factors, sobol_note, possible_note``.
    sobol : DataFrame
        Long table ``output, factor, S1, S1_conf, ST, ST_conf, reliable`` (``output`` is ``"jaccard"``
        or a region code; empty when not computed).
    rank_draws : DataFrame
        Places of every region (columns, region codes) in the first :data:`RANK_DRAWS_KEPT` draws
        (rows); NaN where the region is not eligible in that draw. For histograms.
    scenarios : DataFrame
        The "without indicator X" scenarios (``leave_one_out: true``), long: ``left_out,
        region_code, selected, nominal_selected, position`` for every region selected in the scenario
        or nominally (nominal spec with X left out, nothing else drawn); ``summary["scenarios"]``
        gives per X the Jaccard similarity to the nominal selection and who enters and leaves.
    winning : DataFrame
        ``region_code, rival, p_above``: pairwise winning indices of every region with
        P(selected) > 0 against its nearest rivals by median place.
    stability : DataFrame
        One row per criterion: ``criterion, weight, low, high, enters_low, leaves_low, enters_high,
        leaves_high`` (region codes joined by ``;``): the weights over which the nominal cohort stays
        the same (exact; see ``summary["stability_note"]``).
    region_stability : DataFrame
        ``region_code, criterion, weight, low, high``: each nominally eligible region's own interval.
    sobol_regions : DataFrame
        Derived view of ``sobol`` for the per-region outputs: ``region_code, factor, S1, S1_conf, ST,
        ST_conf, trusted``.
    """

    regions: pd.DataFrame
    summary: dict
    sobol: pd.DataFrame
    rank_draws: pd.DataFrame = field(default_factory=pd.DataFrame)
    scenarios: pd.DataFrame = field(default_factory=pd.DataFrame)
    winning: pd.DataFrame = field(default_factory=pd.DataFrame)
    stability: pd.DataFrame = field(default_factory=pd.DataFrame)
    region_stability: pd.DataFrame = field(default_factory=pd.DataFrame)
    sobol_regions: pd.DataFrame = field(init=False, repr=False)

    def __post_init__(self):
        sob = self.sobol
        if isinstance(sob, pd.DataFrame) and not sob.empty and "output" in sob.columns:
            view = sob[sob["output"].astype(str) != "jaccard"].rename(
                columns={"output": "region_code", "reliable": "trusted"}
            )
            view = view.assign(region_code=view["region_code"].astype(str)).reset_index(drop=True)
        else:
            view = pd.DataFrame(
                columns=["region_code", "factor", "S1", "S1_conf", "ST", "ST_conf", "trusted"]
            )
        object.__setattr__(self, "sobol_regions", view)

    def tables(self) -> dict:
        """The result as the mapping stored by :func:`smartcity_analysis.cache.save_tables`."""
        return {
            "regions": self.regions,
            "summary": self.summary,
            "sobol": self.sobol,
            "rank_draws": self.rank_draws,
            "scenarios": self.scenarios,
            "winning": self.winning,
            "stability": self.stability,
            "region_stability": self.region_stability,
        }


#: Draws of the weights-only Monte Carlo that answers the LP's question (at most the run's draws;
#: standard error at most 0.016; "not possible" -> 0 and "necessary" -> 1 hold exactly at any size).
WEIGHTS_ONLY_DRAWS = 1000


def weights_only_p_selected(problem, settings, draws: int, seed: int) -> np.ndarray:
    """P(selected) under the LP's question: pillar weights drawn as declared, everything else
    nominal, no quotas (plain top ``k`` of the eligible).

    Notes
    -----
    The same question as :func:`~smartcity_analysis.robustness.possible.possible_necessary` on the
    nominal pillar scores, so "not possible" implies 0 here and "necessary" implies 1: the two are
    printed side by side, never next to the full Monte Carlo's P(selected).
    """
    only = UncertaintySettings(
        weights=settings.weights,
        concentration=settings.concentration,
        bound=settings.bound,
        weight_level="pillars",
    )
    plain = replace(problem, quotas=None)
    out = evaluate_plan(plain, draw_plan(plain, only, draws, seed))
    return out.selected.mean(axis=0)


def _possible_columns(problem, settings, nominal_outcome, context):
    """Possible/necessary selection under the pillar-weight bounds (NaN with a note when N/A)."""
    n = problem.n
    na = np.full(n, np.nan)
    if settings.weights == "none":
        return na, na, "Not computed: the spec declares no weight uncertainty."
    if problem.aggregators_across[0][0] != "arithmetic":
        return (
            na,
            na,
            (
                f"Not computed: the index aggregation is {problem.aggregators_across[0][0]!r}; the LP "
                "covers linear (arithmetic) aggregation only."
            ),
        )
    table = context.nominal.set_index("region_code").reindex(list(problem.region_codes))
    values = table[[f"pillar_{p}" for p in problem.pillars]].to_numpy(dtype=float)
    eligible = nominal_outcome.eligible[0]
    if np.isnan(values[eligible]).any():
        return (
            na,
            na,
            (
                "Not computed: some eligible regions lack a pillar score, and the index then renormalises "
                "over the pillars present, which is not linear in the weights."
            ),
        )
    lower, upper = weight_bounds(problem.pillar_weights, settings.weights, settings.bound)
    res = possible_necessary(
        values,
        lower,
        upper,
        eligible,
        problem.k,
        region_codes=problem.region_codes,
        tie_order=np.asarray(problem.tie_order)[0],
        quotas_ignored=problem.quotas is not None,
        open_lower=settings.weights in ("dirichlet", "uniform"),
    )
    note = (
        "Pillar weights anywhere in the declared "
        + (
            "Dirichlet support (any non-negative weights)"
            if settings.weights in ("dirichlet", "uniform")
            else f"bounds (+-{settings.bound:g} relative)"
        )
        + ", indicator weights within pillars and methods at their nominal values. "
        + res.note
    )
    return (
        res.table["possible"].to_numpy(float),
        res.table["necessary"].to_numpy(float),
        note,
    )


def _compute(spec, year, run: RobustnessSettings, data, regions, cohorts, progress, chunk_size):
    problem, settings, context = problem_from_spec(
        spec, year, frames=data, regions=regions, cohorts=cohorts
    )
    plan = draw_plan(problem, settings, run.draws, run.seed)
    outcome, pillar_scores = evaluate_plan(
        problem,
        plan,
        chunk_size=chunk_size,
        progress=progress,
        return_pillar_scores=CONFIDENCE_DRAWS,
    )
    nominal, nominal_pillars = evaluate_plan(problem, nominal_plan(problem), return_pillar_scores=1)
    table, summary = summarise(problem, outcome, nominal)
    nom = context.nominal.set_index("region_code").reindex(list(problem.region_codes))
    for col in ("name", "province_name", "type", "in_pool", "actual_cohort", "actual_status"):
        table[col] = nom[col].to_numpy()
    table["nominal_eligible"] = nominal.eligible[0]
    table["nominal_position"] = nominal.rank[0].astype(float)
    table.loc[table["nominal_position"] == 0, "nominal_position"] = np.nan
    table["actual_cohort"] = pd.to_numeric(table["actual_cohort"], errors="coerce").astype(float)
    table["actual_status"] = table["actual_status"].fillna("").astype(str)
    possible, necessary, possible_note = _possible_columns(problem, settings, nominal, context)
    table["possible"], table["necessary"] = possible, necessary
    actual = (table["actual_cohort"].to_numpy() == year) & table["actual_status"].isin(
        ACTUAL_STATUSES
    ).to_numpy()
    answers = cohort_answers(
        problem,
        plan,
        outcome,
        pillar_scores,
        nominal,
        nominal_pillars,
        actual,
        table["rank_median"].to_numpy(float),
    )
    table["p_selected_weights_only"] = np.nan
    if not np.isnan(possible).all():
        table["p_selected_weights_only"] = weights_only_p_selected(
            problem, settings, min(int(run.draws), WEIGHTS_ONLY_DRAWS), int(run.seed)
        )
    table = pd.concat([table[REGION_COLUMNS], answers.region_columns], axis=1)

    sobol = pd.DataFrame(columns=["output", "factor", "S1", "S1_conf", "ST", "ST_conf", "reliable"])
    sobol_note = "Not computed (sobol_base = 0)."
    if run.sobol_base:
        try:
            res = selection_sobol(
                problem,
                settings,
                n_base=int(run.sobol_base),
                seed=int(run.seed),
                regions=summary["contestable"],
                chunk_size=chunk_size,
                progress=progress,
            )
            sobol, sobol_note = res.table, res.note + f" ({res.n_runs} model runs)"
        except ComputationError as exc:
            sobol_note = f"Not computed: {exc}"
    summary.update(
        {
            "spec_id": spec.id,
            "spec_hash": spec.spec_hash,
            "data_hash": context.data_hash,
            "package_version": __version__,
            "algorithm_version": ALGORITHM_VERSION,
            "seed": int(run.seed),
            "settings": settings.as_dict(),
            "factors": list(dict.fromkeys(f.group for f in factor_layout(problem, settings))),
            "imputers": list(problem.imputers),
            "normalisers": list(problem.normalisers),
            "aggregations_index": [a[0] for a in problem.aggregators_across],
            "quotas": problem.quotas is not None,
            "sobol_base": int(run.sobol_base),
            "sobol_note": sobol_note,
            "possible_note": possible_note,
            "labels": COLUMN_LABELS,
            **answers.summary,
        }
    )
    scenarios, summary["scenarios"] = _scenarios(problem, nominal)
    kept = outcome.rank[:RANK_DRAWS_KEPT].astype(float)
    kept[kept == 0] = np.nan
    rank_draws = pd.DataFrame(kept, columns=list(problem.region_codes))
    rank_draws.index.name = "draw"
    return RobustnessResult(
        regions=table,
        summary=summary,
        sobol=sobol,
        rank_draws=rank_draws,
        scenarios=scenarios,
        winning=answers.winning,
        stability=answers.stability,
        region_stability=answers.region_stability,
    )


SCENARIO_COLUMNS = ["left_out", "region_code", "selected", "nominal_selected", "position"]


def _scenarios(problem: RobustnessProblem, nominal: DrawOutcome):
    """The "without indicator X" scenarios: long table and per-scenario summary (empty if none)."""
    if problem.n_variants == 1:
        return pd.DataFrame(columns=SCENARIO_COLUMNS), []
    out = evaluate_plan(problem, scenario_plan(problem))
    codes = np.asarray(problem.region_codes)
    nom = nominal.selected[0]
    rows, summary = [], []
    for j, code in enumerate(problem.indicators):
        sel = out.selected[j]
        for i in np.flatnonzero(sel | nom):
            rank = int(out.rank[j, i])
            rows.append((code, codes[i], bool(sel[i]), bool(nom[i]), rank if rank else np.nan))
        summary.append(
            {
                "left_out": code,
                "jaccard": float(jaccard_to(sel[None, :], nom)[0]),
                "enters": codes[sel & ~nom].tolist(),
                "leaves": codes[nom & ~sel].tolist(),
            }
        )
    return pd.DataFrame(rows, columns=SCENARIO_COLUMNS), summary


def run_robustness(
    spec,
    settings: RobustnessSettings | None = None,
    *,
    cohort: int | None = None,
    data: Mapping | None = None,
    regions: pd.DataFrame | None = None,
    cohorts: pd.DataFrame | None = None,
    progress: bool = False,
    chunk_size: int = 1024,
    use_cache: bool = True,
    refresh: bool = False,
    draws: int | None = None,
    seed: int | None = None,
    sobol_base: int | None = None,
) -> RobustnessResult:
    """Monte Carlo robustness of one cohort's selection, with Sobol indices and possible/necessary
    selection; cached per (spec hash, data hash, cohort, settings).

    Parameters
    ----------
    spec : Spec or path
    settings : RobustnessSettings, optional
        Draws, seed and Sobol size. Default :meth:`RobustnessSettings.for_spec`: the spec's
        ``uncertainty.draws`` / ``uncertainty.seed``, else 10 000 draws, seed 0, Sobol base 512.
    cohort : int, optional
        Cohort year (default: the spec's first cohort).
    data : mapping, optional
        ``data_year -> wide indicator frame`` of every cohort up to ``cohort`` (default: the real
        curated data with the spec's user-supplied files, :func:`~smartcity_analysis.curated.inputs.spec_frames`).
    regions, cohorts : DataFrame, optional
        Region table and actual cohorts (default: ``loaders``).
    progress : bool
        Show tqdm progress bars.
    chunk_size : int
        Draws per vectorised chunk (does not change results).
    use_cache, refresh : bool
        Read/write the result cache (:mod:`smartcity_analysis.cache`, kind ``"robustness"``);
        ``refresh`` recomputes.
    draws, seed, sobol_base : int, optional
        Single fields that override ``settings`` (or the spec, when ``settings`` is not given).

    Returns
    -------
    RobustnessResult

    Notes
    -----
    Per region: :math:`P(\\text{eligible})`, :math:`P(\\text{selected}) = \\frac{1}{D}\\sum_d
    1[i \\in S_d]`, rank quantiles (5, 50, 95 %) over the draws where the region is eligible, class
    robustly in (:math:`P \\ge 0.95`), robustly out (:math:`P \\le 0.05`) or contestable. Per cohort:
    mean Jaccard :math:`|S_d \\cap S_0| / |S_d \\cup S_0|` to the nominal selection :math:`S_0`.

    References
    ----------
    Saisana, Saltelli & Tarantola (2005), J. R. Stat. Soc. A 168(2), 307-323.
    """
    if settings is not None and not isinstance(settings, RobustnessSettings):
        raise TypeError(
            "run_robustness(spec, settings, *, cohort=...): the second argument is a "
            f"RobustnessSettings, got {type(settings).__name__} {settings!r}. Pass the cohort year "
            "as cohort=..."
        )
    spec, year, settings, data, key = _cache_entry(spec, settings, cohort, data, draws, seed, sobol_base)

    def compute():
        return _compute(
            spec, year, settings, data, regions, cohorts, progress, chunk_size
        ).tables()

    tables = cached(
        "robustness", key, compute, save_tables, load_tables, refresh=refresh, use_cache=use_cache
    )
    return _from_tables(tables)


def _cache_entry(spec, settings, cohort, data, draws, seed, sobol_base):
    """The one rule turning a call's arguments into (spec, year, settings, data, cache key)."""
    spec = resolve_spec(spec)
    year = spec.cohorts[0].year if cohort is None else int(cohort)
    coh = spec.cohort(year)
    given = {"draws": draws, "seed": seed, "sobol_base": sobol_base}
    given = {k: v for k, v in given.items() if v is not None}
    if settings is None:
        settings = RobustnessSettings.for_spec(spec, **given)
    elif given:
        settings = replace(settings, **given)
    years = [c.data_year for c in spec.cohorts if c.year <= year]
    if data is None:
        data = spec_frames(spec, until=year)
    key = {
        "spec": spec.spec_hash,
        "data": data_key(data, years),
        "cohort": coh.year,
        **settings.key(),
        "algorithm": ALGORITHM_VERSION,
        "package": __version__,
    }
    return spec, year, settings, data, key


def _from_tables(tables) -> RobustnessResult:
    return RobustnessResult(
        regions=tables["regions"],
        summary=tables["summary"],
        sobol=tables["sobol"],
        rank_draws=tables.get("rank_draws", pd.DataFrame()),
        scenarios=tables.get("scenarios", pd.DataFrame(columns=SCENARIO_COLUMNS)),
        winning=tables.get("winning", pd.DataFrame(columns=WINNING_COLUMNS)),
        stability=tables.get("stability", pd.DataFrame(columns=STABILITY_COLUMNS)),
        region_stability=tables.get(
            "region_stability", pd.DataFrame(columns=REGION_STABILITY_COLUMNS)
        ),
    )


def cached_robustness(spec, settings: RobustnessSettings | None = None, *, cohort: int | None = None,
                      data: Mapping | None = None, draws: int | None = None, seed: int | None = None,
                      sobol_base: int | None = None) -> RobustnessResult | None:
    """The robustness result :func:`run_robustness` would return with these arguments, if it is
    already cached; None otherwise (this never runs the Monte Carlo).

    Parameters
    ----------
    spec, settings, cohort, data, draws, seed, sobol_base
        As :func:`run_robustness` (the same cache key).

    Returns
    -------
    RobustnessResult or None
    """
    *_, key = _cache_entry(spec, settings, cohort, data, draws, seed, sobol_base)
    tables = lookup("robustness", key, load_tables)
    return None if tables is None else _from_tables(tables)


def load_or_run_robustness(
    spec, settings: RobustnessSettings | None = None, **kwargs
) -> RobustnessResult:
    """The cached robustness result of a cohort, computing it once if it is not cached yet.

    For the reports: every document asking for the same (spec, data, cohort, settings) loads the same
    stored tables, so reports never recompute and always agree. Keyword arguments go to
    :func:`run_robustness` (``cohort=``, ``draws=``, ``seed=``, ``progress=``, ...).

    Parameters
    ----------
    spec : Spec or path
    settings : RobustnessSettings, optional
        Default :meth:`RobustnessSettings.for_spec` (the same entry ``smartcity robustness`` fills).

    Returns
    -------
    RobustnessResult
        ``regions`` (per-region table), ``summary`` (cohort summary dict), ``sobol`` (Sobol table).
    """
    return run_robustness(spec, settings, **kwargs)
