"""Validation of the revealed-criteria families, as a methods section would report it.

:func:`validate_families` runs, for every family of :data:`~.models.MODEL_FAMILIES`:

1. **nested leave-one-cohort-out**: each cohort is held out in turn; the family is fitted on the
   other cohorts only (and makes every choice - indicators, penalty, gates, levels - inside them,
   by its own inner leave-one-cohort-out where it has one); the held-out cohort is then scored.
   ``auc_out``, ``precision_at_k_out`` and ``brier_out`` are computed there; ``auc_in`` and
   ``precision_at_k_in`` come from the fit on all cohorts;
2. a **permutation test** of the out-of-sample AUC: labels are shuffled within each cohort's pool
   (keeping every cohort's size), the whole leave-one-cohort-out is rerun on each shuffle, and
   ``p = (1 + #{AUC_perm >= AUC_obs}) / (1 + n_perm)`` (Ojala & Garriga 2010, test 1);
3. **bootstrap stability** of the chosen indicators: regions are resampled within (cohort, class)
   cells and the family refitted on all cohorts; the share of replicates giving each candidate a
   positive weight (and the percentile interval of its weight);
4. a **calibration table** of the out-of-sample probabilities, and a **paired bootstrap** of the
   mean out-of-sample AUC of every family, to say when the data cannot separate two models.

The probabilities behind the Brier score: a family's score ``s`` is turned into P(selected) by the
conditional logit with linear predictor ``a * s`` (``a >= 0`` fitted on the training cohorts), i.e.
the probability of being among the ``k`` chosen of the held-out pool, with ``k`` the held-out
cohort's size (public framing, not its labels); a region failing a gate gets 0.

Cost: in permutation and bootstrap replicates the penalty of the sparse logistic (and of the
selection step of the conditional logit and the score of screen-then-rank) is held at the value the real-data fit chose inside the
same training cohorts; every other choice (indicators, terms, gates, levels, the single indicator)
is remade on every replicate. Tuning the penalty again on each of 200 shuffles would cost about ten
times more; with it held, the permutation test is slightly anti-conservative.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize
from tqdm.auto import tqdm

from smartcity_analysis.errors import ComputationError
from smartcity_analysis.explanation import models as mdl
from smartcity_analysis.explanation.revealed import auc_score, precision_at_k

__all__ = [
    "CALIBRATION_BINS",
    "RevealedValidation",
    "calibration_table",
    "choose_model",
    "permuted_labels",
    "stratified_counts",
    "validate_families",
]

#: Bin edges of the calibration table (predicted P(selected)).
CALIBRATION_BINS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
_LAMBDA_FAMILIES = ("sparse_logistic", "conditional_logit", "screen_rank")


@dataclass(frozen=True)
class FamilyResult:
    """Everything computed for one family (arrays over the rows of the candidate set)."""

    family: str
    folds: dict
    final: mdl.BatchFit
    oos_score: np.ndarray
    oos_prob: np.ndarray
    in_score: np.ndarray
    perm_auc: np.ndarray
    boot_slopes: np.ndarray
    boot_gates: np.ndarray


@dataclass(frozen=True)
class RevealedValidation:
    """Result of :func:`validate_families`.

    Attributes
    ----------
    validation : DataFrame
        One row per (method, cohort_year): ``method, cohort_year, n, n_selected, auc_in, auc_out,
        precision_at_k_in, precision_at_k_out, brier_out, p_value_out, weights_out``.
    weights : DataFrame
        One row per (method, candidate with a positive weight or a gate) of the fit on all cohorts:
        ``method, candidate, indicator, direction, role, weight, coefficient, ci_low, ci_high,
        stability, gate_op, gate_level, gate_stability``.
    calibration : DataFrame
        ``method, bin_low, bin_high, n, n_selected, mean_predicted, observed_share``.
    comparison : DataFrame
        ``method, mean_auc_out, ci_low, ci_high, diff_to_chosen, diff_ci_low, diff_ci_high,
        separable_from_chosen, p_value_mean_auc``.
    scores : DataFrame
        One row per (method, cohort, region): ``score_in, score_out, prob_out, actual``.
    chosen : str
        The chosen family.
    summary : dict
        Chosen model, why, settings, per-family notes.
    results : dict
        ``family -> FamilyResult`` (for :mod:`.export`).
    """

    validation: pd.DataFrame
    weights: pd.DataFrame
    calibration: pd.DataFrame
    comparison: pd.DataFrame
    scores: pd.DataFrame
    chosen: str
    summary: dict = field(default_factory=dict)
    results: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------
# Resampling
# ---------------------------------------------------------------------------------------------------


def permuted_labels(y, groups, n_perm: int, seed: int) -> np.ndarray:
    """``(n, n_perm)`` labels shuffled within each group (each cohort keeps its size).

    Parameters
    ----------
    y : array of 0/1
    groups : array
    n_perm : int
    seed : int

    Returns
    -------
    numpy.ndarray
    """
    rng = np.random.default_rng(seed)
    Y = np.repeat(np.asarray(y, dtype=float)[:, None], n_perm, axis=1)
    for g in np.unique(groups):
        m = np.flatnonzero(groups == g)
        Y[m] = rng.permuted(Y[m], axis=0)
    return Y


def stratified_counts(y, groups, n_boot: int, seed: int) -> np.ndarray:
    """``(n, n_boot)`` bootstrap multiplicities, resampling within each (group, class) cell.

    Notes
    -----
    Stratified nonparametric bootstrap (Efron & Tibshirani 1993): each cell keeps its size.
    """
    rng = np.random.default_rng(seed)
    W = np.zeros((len(y), n_boot))
    for g in np.unique(groups):
        for c in (0, 1):
            m = np.flatnonzero((groups == g) & (np.asarray(y) == c))
            if m.size:
                W[m] = rng.multinomial(m.size, np.full(m.size, 1.0 / m.size), size=n_boot).T
    return W


# ---------------------------------------------------------------------------------------------------
# Probabilities and calibration
# ---------------------------------------------------------------------------------------------------


def _fit_scale(s, y, groups, passing) -> float:
    """The ``a >= 0`` maximising the conditional-logit likelihood of ``a * s`` (passing rows)."""
    m = passing.astype(bool)
    s, y, groups = s[m], y[m].astype(float), groups[m]
    keep = np.zeros(len(y), bool)
    for g in np.unique(groups):
        gm = groups == g
        keep |= gm & (0 < y[gm].sum() < gm.sum())
    if not keep.any():
        return 0.0
    s, y, groups = s[keep], y[keep], groups[keep]

    def nll(a):
        v = -float(mdl.conditional_log_likelihood((a * s)[:, None], y[:, None], groups,
                                                  with_gradient=False)[0])
        return v if np.isfinite(v) else 1e300

    res = optimize.minimize_scalar(nll, bounds=(0.0, 20.0), method="bounded",
                                   options={"xatol": 1e-4})
    return float(res.x)


def _probabilities(a, s, passing, k) -> np.ndarray:
    p = np.zeros(len(s))
    m = passing.astype(bool)
    if m.any():
        p[m] = mdl.inclusion_probabilities(a * s[m], min(int(k), int(m.sum())))
    return p


def calibration_table(method: str, prob, y) -> pd.DataFrame:
    """Predicted against observed share selected, per probability bin.

    Parameters
    ----------
    method : str
    prob, y : array
        Out-of-sample P(selected) and the actual outcome of the same rows.

    Returns
    -------
    DataFrame
        ``method, bin_low, bin_high, n, n_selected, mean_predicted, observed_share``.
    """
    prob, y = np.asarray(prob, float), np.asarray(y, int)
    edges = np.asarray(CALIBRATION_BINS)
    b = np.clip(np.searchsorted(edges, prob, side="right") - 1, 0, len(edges) - 2)
    rows = []
    for i in range(len(edges) - 1):
        m = b == i
        rows.append({"method": method, "bin_low": edges[i], "bin_high": edges[i + 1],
                     "n": int(m.sum()), "n_selected": int(y[m].sum()),
                     "mean_predicted": float(prob[m].mean()) if m.any() else np.nan,
                     "observed_share": float(y[m].mean()) if m.any() else np.nan})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------------
# One family
# ---------------------------------------------------------------------------------------------------


def _fixed(family: str, chosen: dict, options: dict) -> dict:
    """Options of a replicate: the real fit's penalty held (see the module docstring)."""
    out = dict(options)
    if family in _LAMBDA_FAMILIES and "lambda" in chosen:
        out["lambdas"] = (chosen["lambda"],)
    return out


def _fit(family, X, R, Y, groups, *, W=None, population=None, options=None, selection=None):
    opts = dict(options or {})
    if family in ("conditional_logit", "screen_rank") and selection is not None:
        opts["selection"] = selection
    return mdl.MODEL_FAMILIES[family](X, R, Y, groups, W=W, population=population, **opts)


def _run_family(cs, family, *, options, population, Yp, Wb, cache, progress) -> FamilyResult:
    X, R, y, groups = cs.X, cs.R, cs.y.astype(float), cs.groups
    years = list(dict.fromkeys(groups))
    oos = np.full(len(y), np.nan)
    prob = np.full(len(y), np.nan)
    perm = np.full((Yp.shape[1], len(years)), np.nan)
    folds = {}
    for gi, h in enumerate(years):
        tr = groups != h
        sel = cache.get(("sparse_logistic", h))
        fit = _fit(family, X[tr], R[tr], y[tr], groups[tr], population=population, options=options,
                   selection=sel)
        if family == "sparse_logistic":
            cache[("sparse_logistic", h)] = fit
        folds[h] = fit
        ho = ~tr
        oos[ho] = fit.scores(X[ho], R[ho])[:, 0]
        a = _fit_scale(fit.linear(X[tr])[:, 0], y[tr], groups[tr], fit.passes(R[tr])[:, 0])
        prob[ho] = _probabilities(a, fit.linear(X[ho])[:, 0], fit.passes(R[ho])[:, 0],
                                  int(y[ho].sum()))
        if Yp.shape[1]:
            fo = _fixed(family, fit.chosen[0], options)
            psel = cache.get(("sparse_logistic_perm", h))
            pf = _fit(family, X[tr], R[tr], Yp[tr], groups[tr], population=population, options=fo,
                      selection=psel)
            if family == "sparse_logistic":
                cache[("sparse_logistic_perm", h)] = pf
            perm[:, gi] = mdl.auc_columns(pf.scores(X[ho], R[ho]), Yp[ho])
    final = _fit(family, X, R, y, groups, population=population, options=options,
                 selection=cache.get(("sparse_logistic", "all")))
    if family == "sparse_logistic":
        cache[("sparse_logistic", "all")] = final
    if Wb.shape[1]:
        fo = _fixed(family, final.chosen[0], options)
        Yb = np.repeat(y[:, None], Wb.shape[1], axis=1)
        bsel = cache.get(("sparse_logistic_boot", "all"))
        bf = _fit(family, X, R, Yb, groups, W=Wb, population=population, options=fo,
                  selection=bsel)
        if family == "sparse_logistic":
            cache[("sparse_logistic_boot", "all")] = bf
        boot_slopes = bf.slopes
        boot_gates = np.zeros((Wb.shape[1], X.shape[1]), bool)
        for b, gates in enumerate(bf.gates):
            for g in gates:
                boot_gates[b, g.column] = True
    else:
        boot_slopes = np.zeros((0, X.shape[1]))
        boot_gates = np.zeros((0, X.shape[1]), bool)
    return FamilyResult(family, folds, final, oos, prob, final.scores(X, R)[:, 0], perm,
                        boot_slopes, boot_gates)


# ---------------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------------


def _weights_text(fit: mdl.BatchFit, names) -> str:
    w = fit.weights()[0]
    parts = [f"{names[j]}:{w[j]:.3f}" for j in np.argsort(-w, kind="stable") if w[j] > 0]
    parts += [f"gate {names[g.column]}>={g.level:.6g}" for g in fit.gates[0]]
    return "; ".join(parts)


def _validation_rows(cs, res: FamilyResult) -> list[dict]:
    rows = []
    years = list(dict.fromkeys(cs.groups))
    for gi, h in enumerate(years):
        m = cs.groups == h
        y = cs.y[m]
        obs = auc_score(y, res.oos_score[m])
        pa = res.perm_auc[:, gi]
        pa = pa[np.isfinite(pa)]
        rows.append({
            "method": res.family, "cohort_year": int(h), "n": int(m.sum()),
            "n_selected": int(y.sum()),
            "auc_in": auc_score(y, res.in_score[m]),
            "auc_out": obs,
            "precision_at_k_in": precision_at_k(y, res.in_score[m]),
            "precision_at_k_out": precision_at_k(y, res.oos_score[m]),
            "brier_out": float(np.mean((res.oos_prob[m] - y) ** 2)),
            "p_value_out": float((1 + np.sum(pa >= obs - 1e-12)) / (1 + pa.size)) if pa.size
            else np.nan,
            "n_perm": int(pa.size),
            "weights_out": _weights_text(res.folds[h], cs.names),
        })
    return rows


def _weight_rows(cs, res: FamilyResult, ci_level: float) -> list[dict]:
    fit = res.final
    w = fit.weights()[0]
    bw = mdl.BatchFit(fit.family, res.boot_slopes).weights() if len(res.boot_slopes) else None
    q = (1 - ci_level) / 2
    gates = {g.column: g for g in fit.gates[0]}
    rows = []
    for j, name in enumerate(cs.names):
        if w[j] <= 0 and j not in gates:
            continue
        info = cs.columns.iloc[j]
        d = int(info["direction"])
        g = gates.get(j)
        rows.append({
            "method": fit.family, "candidate": name, "indicator": info["indicator"],
            "direction": d, "role": "score+gate" if (g and w[j] > 0) else ("gate" if g else "score"),
            "weight": float(w[j]), "coefficient": float(fit.slopes[0, j]),
            "ci_low": float(np.quantile(bw[:, j], q)) if bw is not None else np.nan,
            "ci_high": float(np.quantile(bw[:, j], 1 - q)) if bw is not None else np.nan,
            "stability": float((res.boot_slopes[:, j] > 0).mean()) if bw is not None else np.nan,
            "gate_op": (">=" if d == 1 else "<=") if g else "",
            "gate_level": float(g.level * d) if g else np.nan,
            "gate_stability": float(res.boot_gates[:, j].mean()) if g and bw is not None else np.nan,
        })
    return rows


def _mean_auc_boot(cs, scores: dict, n_boot: int, seed: int) -> dict:
    """Paired bootstrap (regions resampled within (cohort, class), the same draws for every
    family) of the mean over cohorts of the out-of-sample AUC."""
    W = stratified_counts(cs.y, cs.groups, n_boot, seed)
    out = {}
    for fam, s in scores.items():
        per = []
        for g in np.unique(cs.groups):
            m = cs.groups == g
            Y = np.repeat(cs.y[m, None].astype(float), n_boot, axis=1)
            per.append(mdl.auc_columns(s[m], Y, W[m]))
        out[fam] = np.nanmean(np.vstack(per), axis=0)
    return out


def choose_model(comparison: pd.DataFrame, n_terms: dict) -> tuple[str, str]:
    """The family with the highest mean out-of-sample AUC (ties: fewer indicators), and why.

    Parameters
    ----------
    comparison : DataFrame
        ``method, mean_auc_out`` (and the interval columns).
    n_terms : dict
        Family -> number of candidates with a positive weight or a gate in its fit on all cohorts.

    Returns
    -------
    (str, str)
        The chosen family and a sentence saying why.
    """
    c = comparison.assign(n_terms=comparison["method"].map(n_terms))
    c = c.sort_values(["mean_auc_out", "n_terms"], ascending=[False, True], kind="stable")
    best = c.iloc[0]
    return str(best["method"]), (
        f"highest mean out-of-sample AUC over the held-out cohorts "
        f"({best['mean_auc_out']:.3f}, {int(best['n_terms'])} indicator(s))")


def validate_families(cs, families=tuple(mdl.MODEL_FAMILIES), *, options: dict | None = None,
                      n_perm: int = 200, n_boot: int = 50, n_auc_boot: int = 1000, seed: int = 0,
                      ci_level: float = 0.95, progress: bool = True) -> RevealedValidation:
    """Nested leave-one-cohort-out validation, permutation test, stability and comparison.

    Parameters
    ----------
    cs : CandidateSet
        From :func:`~.candidates.build_candidates`.
    families : sequence of str
        Keys of :data:`~.models.MODEL_FAMILIES`.
    options : dict, optional
        ``family -> keyword options`` of that family.
    n_perm : int
        Label shuffles of the permutation test (0 = no test).
    n_boot : int
        Bootstrap replicates of the stability analysis (0 = none).
    n_auc_boot : int
        Paired bootstrap replicates of the model comparison.
    seed : int
    ci_level : float
    progress : bool

    Returns
    -------
    RevealedValidation

    Notes
    -----
    The held-out cohort's rows are never passed to a family while it is fitted for that fold (a test
    changes them and checks that the fold's fit does not move). Two models are "not separable" when
    the paired-bootstrap interval of the difference of their mean out-of-sample AUC contains 0.

    References
    ----------
    Ojala, M., Garriga, G. C. (2010). Permutation tests for studying classifier performance. JMLR 11,
    1833-1863.
    Varma, S., Simon, R. (2006). Bias in error estimation when using cross-validation for model
    selection. BMC Bioinformatics 7, 91.
    Efron, B., Tibshirani, R. J. (1993). An Introduction to the Bootstrap. Chapman & Hall.
    """
    options = dict(options or {})
    unknown = [f for f in families if f not in mdl.MODEL_FAMILIES]
    if unknown or not families:
        raise ComputationError(f"Unknown model families {unknown}; expected a non-empty subset of "
                               f"{sorted(mdl.MODEL_FAMILIES)}.")
    if len(np.unique(cs.groups)) < 2:
        raise ComputationError("Leave-one-cohort-out validation needs at least two cohorts.")
    population = cs.column("population") if "population" in cs.names else None
    Yp = permuted_labels(cs.y, cs.groups, n_perm, seed)
    Wb = stratified_counts(cs.y, cs.groups, n_boot, seed + 1)
    # the conditional logit's selection step is the sparse logistic of the same rows: run it first
    order = sorted(families, key=lambda f: f != "sparse_logistic")
    cache: dict = {}
    results = {}
    for fam in tqdm(order, desc="revealed families", disable=not progress, leave=False):
        opts = dict(options.get(fam, {}))
        # the conditional logit reuses the sparse-logistic fits when its selection options match
        own = {k: v for k, v in opts.items()
               if k not in ("max_terms", "ridge", "max_gates", "min_recall", "min_removed")}
        share = fam == "sparse_logistic" or (fam in ("conditional_logit", "screen_rank")
                                             and "sparse_logistic" in families
                                             and own == dict(options.get("sparse_logistic", {})))
        cache_use = cache if share else {}
        results[fam] = _run_family(cs, fam, options=opts, population=population, Yp=Yp, Wb=Wb,
                                   cache=cache_use, progress=progress)
    results = {f: results[f] for f in families}

    val = pd.DataFrame([r for f in families for r in _validation_rows(cs, results[f])])
    weights = pd.DataFrame([r for f in families for r in _weight_rows(cs, results[f], ci_level)])
    calib = pd.concat([calibration_table(f, results[f].oos_prob, cs.y) for f in families],
                      ignore_index=True)
    boot = _mean_auc_boot(cs, {f: results[f].oos_score for f in families}, n_auc_boot, seed + 2)
    q = (1 - ci_level) / 2
    mean_auc = val.groupby("method", sort=False)["auc_out"].mean()
    comp = pd.DataFrame({
        "method": list(families),
        "mean_auc_out": [float(mean_auc[f]) for f in families],
        "ci_low": [float(np.quantile(boot[f], q)) for f in families],
        "ci_high": [float(np.quantile(boot[f], 1 - q)) for f in families],
    })
    # p-value of the mean out-of-sample AUC over the cohorts
    pvals = []
    for f in families:
        pm = np.nanmean(results[f].perm_auc, axis=1) if n_perm else np.array([])
        obs = float(mean_auc[f])
        pvals.append(float((1 + np.sum(pm >= obs - 1e-12)) / (1 + pm.size)) if pm.size else np.nan)
    comp["p_value_mean_auc"] = pvals
    n_terms = {f: int(((results[f].final.slopes[0] > 0)
                       | np.isin(np.arange(cs.X.shape[1]),
                                 [g.column for g in results[f].final.gates[0]])).sum())
               for f in families}
    chosen, why = choose_model(comp, n_terms)
    diff = {f: boot[f] - boot[chosen] for f in families}
    comp["diff_to_chosen"] = comp["mean_auc_out"] - float(mean_auc[chosen])
    comp["diff_ci_low"] = [float(np.quantile(diff[f], q)) for f in families]
    comp["diff_ci_high"] = [float(np.quantile(diff[f], 1 - q)) for f in families]
    comp["separable_from_chosen"] = [bool(f != chosen and (diff[f].max() < 0 or
                                                           np.quantile(diff[f], 1 - q) < 0
                                                           or np.quantile(diff[f], q) > 0))
                                     for f in families]
    comp["intervals_overlap_chosen"] = [
        bool(r.ci_high >= comp.loc[comp.method == chosen, "ci_low"].iloc[0]
             and r.ci_low <= comp.loc[comp.method == chosen, "ci_high"].iloc[0])
        for r in comp.itertuples()]
    comp["n_terms"] = comp["method"].map(n_terms)
    not_sep = [f for f in families if f != chosen
               and not comp.loc[comp.method == f, "separable_from_chosen"].iloc[0]]
    if not_sep:
        why += ("; the data cannot separate it from " + ", ".join(not_sep) +
                f" (paired-bootstrap {int(ci_level * 100)}% interval of the difference of mean "
                "out-of-sample AUC contains 0)")
    else:
        why += "; it is separable from every other family (paired bootstrap)"

    scores = pd.concat([pd.DataFrame({
        "method": f, "cohort_year": cs.groups.astype(int), "region_code": cs.region_codes,
        "actual": cs.y.astype(bool), "score_in": results[f].in_score,
        "score_out": results[f].oos_score, "prob_out": results[f].oos_prob})
        for f in families], ignore_index=True)
    summary = {
        "chosen": chosen,
        "why": why,
        "families": list(families),
        "n_perm": int(n_perm), "n_boot": int(n_boot), "n_auc_boot": int(n_auc_boot),
        "seed": int(seed), "ci_level": float(ci_level),
        "options": {f: {k: (list(v) if isinstance(v, tuple) else v)
                        for k, v in options.get(f, {}).items()} for f in families},
        "chosen_inside_training": {
            f: {str(h): {k: v for k, v in fit.chosen[0].items()}
                for h, fit in results[f].folds.items()} for f in families},
        "n_candidates": int(cs.X.shape[1]),
        "notes": [
            "Every choice of a family (indicators, penalty, gates and levels, the single "
            "indicator) is made inside the training cohorts of each fold; the held-out cohort "
            "is only scored.",
            "In permutation and bootstrap replicates the penalty of the sparse logistic is held at "
            "the real fit's choice in the same training cohorts; everything else is refitted.",
            "Probabilities (Brier, calibration) are inclusion probabilities of a k-of-n "
            "conditional logit on each family's score, k = the held-out cohort's size.",
        ],
    }
    return RevealedValidation(validation=val, weights=weights, calibration=calib, comparison=comp,
                              scores=scores, chosen=chosen, summary=summary, results=results)
