"""Revealed weights: which non-negative weights over the measured criteria best separate the regions
that were actually selected from those that were not.

Every function here is pure and works on arrays: ``X`` (regions x criteria, normalised so that higher
is better, typically in [0, 1]), ``y`` (1 = actually selected in the region's cohort, 0 = in the pool
but not selected) and ``groups`` (the cohort of each row; each cohort has its own cutoff/intercept,
because the pools and cohort sizes differ). Two methods share one contract (:data:`REVEALED_METHODS`):

``fit(X, y, groups, **options) -> RevealedFit`` with ``weights`` >= 0 summing to one (or all NaN when
no criterion separates the classes at all).

- ``"logistic"``: L2-regularised logistic regression with non-negative slopes and one free intercept
  per cohort, fitted by a *constrained* optimiser (scipy L-BFGS-B with bounds ``w >= 0``; not a
  projection of an unconstrained fit). Its objective is exactly scikit-learn's
  ``LogisticRegression(C=C, class_weight="balanced")``; the tests check that both coincide when the
  bounds do not bind. Weights are the slopes divided by their sum.
- ``"margin"``: a linear programme (scipy HiGHS) that maximises the margin by which actually selected
  regions score above, and the others below, a per-cohort cutoff, with slack (nu-formulation).

Bootstrap intervals (:func:`bootstrap_weights`), leave-one-cohort-out validation
(:func:`leave_one_group_out`) and identification diagnostics (:func:`identification`) build on them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize
from scipy import sparse as sp

from smartcity_analysis.errors import ComputationError, InputError

__all__ = [
    "REVEALED_METHODS",
    "RevealedFit",
    "auc_score",
    "balanced_sample_weights",
    "bootstrap_weights",
    "fit_logistic_weights",
    "fit_margin_weights",
    "identification",
    "leave_one_group_out",
    "precision_at_k",
    "weight_intervals",
]


@dataclass(frozen=True)
class RevealedFit:
    """Result of one revealed-weights fit.

    Attributes
    ----------
    method : str
        Key in :data:`REVEALED_METHODS`.
    weights : numpy.ndarray
        Non-negative weights summing to one, one per criterion (all NaN when every slope is zero, i.e.
        no non-negative combination of the criteria separates the classes better than a constant).
    cutoffs : dict
        Per group: the logistic intercept, or the LP cutoff on the weighted score.
    info : dict
        Method details (objective value, raw slopes, margin, share of margin errors, solver status).
    """

    method: str
    weights: np.ndarray
    cutoffs: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------
# Input checks and helpers
# ---------------------------------------------------------------------------------------------------


def _check_xy(X, y, groups) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2:
        raise InputError(f"X must be a 2-D array (regions x criteria). Got {X.ndim} dimension(s).")
    if y.shape != (X.shape[0],):
        raise InputError(
            f"y must have one entry per row of X ({X.shape[0]}). Got shape {y.shape}."
        )
    if not np.isin(y, (0, 1)).all():
        raise InputError("y must hold 0 (not selected) and 1 (selected) only. Got other values.")
    if not np.isfinite(X).all():
        raise InputError(
            "X holds NaN or infinite values. Drop or impute the incomplete regions before fitting "
            "revealed weights."
        )
    groups = np.zeros(X.shape[0], dtype=int) if groups is None else np.asarray(groups)
    if groups.shape != (X.shape[0],):
        raise InputError(f"groups must have one entry per row of X. Got shape {groups.shape}.")
    for g in np.unique(groups):
        yg = y[groups == g]
        if yg.min() == yg.max():
            raise ComputationError(
                f"Group {g!r} has only {'selected' if yg[0] == 1 else 'not-selected'} regions; "
                "revealed weights need both in every cohort. Drop the group or check the cohort data."
            )
    return X, y.astype(int), groups


def balanced_sample_weights(y, groups=None) -> np.ndarray:
    """Per-row weights that balance the two classes within each group.

    Parameters
    ----------
    y : array of 0/1
    groups : array, optional
        Group (cohort) of each row; one group when omitted.

    Returns
    -------
    numpy.ndarray
        ``s_i = n_g / (2 n_{g,c})`` for row ``i`` of class ``c`` in group ``g`` (scikit-learn's
        ``class_weight="balanced"`` applied within each group), so each class of each group carries
        half of that group's rows.

    Notes
    -----
    Within group ``g`` both classes then carry ``n_g / 2`` of the total weight ``n_g``.

    References
    ----------
    King, G., Zeng, L. (2001). Logistic regression in rare events data. Political Analysis 9(2),
    137-163.
    """
    y = np.asarray(y).astype(int)
    groups = np.zeros(len(y), dtype=int) if groups is None else np.asarray(groups)
    s = np.empty(len(y), dtype=float)
    for g in np.unique(groups):
        m = groups == g
        n = m.sum()
        for c in (0, 1):
            mc = m & (y == c)
            if mc.any():
                s[mc] = n / (2.0 * mc.sum())
    return s


def _normalise_weights(w: np.ndarray, tol: float = 1e-12) -> np.ndarray:
    w = np.where(w > tol * max(1.0, float(np.abs(w).max(initial=0.0))), w, 0.0)
    total = w.sum()
    if total <= 0:
        return np.full_like(w, np.nan)
    return w / total


# ---------------------------------------------------------------------------------------------------
# Method 1: non-negative L2 logistic regression with per-group intercepts
# ---------------------------------------------------------------------------------------------------


def fit_logistic_weights(
    X,
    y,
    groups=None,
    *,
    C: float = 1.0,
    class_weight: str | None = "balanced",
) -> RevealedFit:
    """Revealed weights from an L2-regularised logistic model with non-negative slopes.

    Parameters
    ----------
    X : array (n, p)
        Normalised criteria, higher is better.
    y : array (n,) of 0/1
        1 = actually selected.
    groups : array (n,), optional
        Cohort of each row; each cohort gets its own (unpenalised) intercept.
    C : float, default 1.0
        Inverse regularisation strength, as in scikit-learn.
    class_weight : {"balanced", None}, default "balanced"
        ``"balanced"`` weighs each class of each cohort equally (see
        :func:`balanced_sample_weights`); ``None`` weighs every region 1.

    Returns
    -------
    RevealedFit
        ``weights = beta / sum(beta)``; ``cutoffs`` are the intercepts; ``info["slopes"]`` the
        unnormalised ``beta``; ``info["at_bound"]`` flags slopes held at zero by the bound (their
        gradient is positive: without the bound they would turn negative, i.e. the criterion is
        associated with *not* being selected once the others are accounted for).

    Notes
    -----
    Minimises, over ``beta >= 0`` and free intercepts ``b_g``,

    .. math:: \\tfrac12 \\lVert\\beta\\rVert^2 + C \\sum_i s_i \\left[\\log(1 + e^{z_i}) - y_i z_i\\right],
              \\qquad z_i = x_i^\\top \\beta + b_{g(i)},

    which is scikit-learn's ``LogisticRegression`` objective (lbfgs, L2) with per-group intercepts and
    the bound ``beta >= 0`` added. The bound is enforced by scipy's L-BFGS-B (a constrained fit, not a
    projection). Only the direction of ``beta`` matters for a ranking, hence the normalisation to a
    sum of one; the scale measures how sharply the criteria separate.

    References
    ----------
    Hastie, T., Tibshirani, R., Friedman, J. (2009). The Elements of Statistical Learning, 2nd ed.,
    section 4.4. Byrd, R. H., Lu, P., Nocedal, J., Zhu, C. (1995). A limited memory algorithm for bound
    constrained optimization. SIAM J. Sci. Comput. 16(5), 1190-1208. Pedregosa et al. (2011).
    Scikit-learn: machine learning in Python. JMLR 12, 2825-2830.
    """
    X, y, groups = _check_xy(X, y, groups)
    if not C > 0:
        raise InputError(f"C must be a positive number. Got {C!r}.")
    n, p = X.shape
    labels, gidx = np.unique(groups, return_inverse=True)
    G = len(labels)
    if class_weight == "balanced":
        s = balanced_sample_weights(y, groups)
    elif class_weight is None:
        s = np.ones(n)
    else:
        raise InputError(f"class_weight must be 'balanced' or None. Got {class_weight!r}.")
    cs = C * s
    onehot = np.zeros((n, G))
    onehot[np.arange(n), gidx] = 1.0

    def fun(theta):
        beta, b = theta[:p], theta[p:]
        z = X @ beta + b[gidx]
        # log(1 + e^z) - y z, computed stably
        loss = np.logaddexp(0.0, z) - y * z
        r = cs * (1.0 / (1.0 + np.exp(-z)) - y)
        f = 0.5 * beta @ beta + cs @ loss
        grad = np.concatenate([X.T @ r + beta, onehot.T @ r])
        return f, grad

    theta0 = np.zeros(p + G)
    bounds = [(0.0, None)] * p + [(None, None)] * G
    res = optimize.minimize(
        fun, theta0, jac=True, method="L-BFGS-B", bounds=bounds,
        options={"maxiter": 5000, "ftol": 1e-14, "gtol": 1e-10},
    )
    beta = res.x[:p]
    grad = fun(res.x)[1][:p]
    # a slope held at 0 whose gradient is positive would go negative without the bound
    at_bound = (beta <= 1e-10) & (grad > 1e-6 * max(1.0, float(np.abs(grad).max(initial=0.0))))
    return RevealedFit(
        method="logistic",
        weights=_normalise_weights(beta),
        cutoffs={labels[g].item() if hasattr(labels[g], "item") else labels[g]: float(res.x[p + g])
                 for g in range(G)},
        info={"slopes": beta.tolist(), "objective": float(res.fun), "converged": bool(res.success),
              "C": C, "class_weight": class_weight, "at_bound": at_bound.tolist()},
    )


# ---------------------------------------------------------------------------------------------------
# Method 2: max-margin linear programme over the simplex
# ---------------------------------------------------------------------------------------------------


def _margin_lp(X, y, groups, nu):
    """Cost vector, constraint matrices and bounds of the max-margin LP (see fit_margin_weights)."""
    n, p = X.shape
    _, gidx = np.unique(groups, return_inverse=True)
    G = int(gidx.max()) + 1
    s = balanced_sample_weights(y, groups)
    s = s / s.sum()
    # variables: w (p) | t (G) | rho (1) | xi (n)
    c = np.zeros(p + G + 1 + n)
    c[p + G] = -1.0
    c[p + G + 1:] = s / nu
    # positives: -w.x + t + rho - xi <= 0; negatives: w.x - t + rho - xi <= 0
    sign = np.where(y == 1, -1.0, 1.0)
    A_ub = sp.hstack([
        sp.csr_matrix(sign[:, None] * X),
        sp.csr_matrix((-sign, (np.arange(n), gidx)), shape=(n, G)),
        sp.csr_matrix(np.ones((n, 1))),
        -sp.identity(n, format="csr"),
    ], format="csr")
    A_eq = sp.csr_matrix(np.concatenate([np.ones(p), np.zeros(G + 1 + n)])[None, :])
    bounds = [(0, None)] * p + [(None, None)] * (G + 1) + [(0, None)] * n
    return c, A_ub, A_eq, bounds, s


def fit_margin_weights(X, y, groups=None, *, nu: float = 0.5,
                       optimal_range: bool = False) -> RevealedFit:
    """Revealed weights from a max-margin linear programme (selected above a cutoff, others below).

    Parameters
    ----------
    X : array (n, p)
        Normalised criteria, higher is better.
    y : array (n,) of 0/1
        1 = actually selected.
    groups : array (n,), optional
        Cohort of each row; each cohort has its own cutoff ``t_g``.
    nu : float in (0, 1], default 0.5
        Upper bound on the (class-balanced) share of regions allowed inside the margin or on the
        wrong side of their cohort's cutoff. Small ``nu`` approaches a hard margin.
    optimal_range : bool, default False
        Also compute, for each weight, its smallest and largest value over *all* optimal solutions
        (``info["optimal_low"]``, ``info["optimal_high"]``; 2p extra LPs). A wide range means the LP
        optimum is not unique and the data do not pin that weight down.

    Returns
    -------
    RevealedFit
        ``weights`` (a vertex of the simplex face that is optimal: LP solutions tend to be sparse);
        ``cutoffs`` the ``t_g``; ``info`` the margin ``rho`` and the balanced share of margin errors.

    Notes
    -----
    With balanced row weights ``s_i`` summing to one (each class of each cohort carries an equal
    share), solve

    .. math::
        \\max_{w, t, \\rho, \\xi} \\; \\rho - \\frac{1}{\\nu} \\sum_i s_i \\xi_i \\quad \\text{s.t.}\\quad
        w^\\top x_i \\ge t_{g(i)} + \\rho - \\xi_i \\;(y_i = 1), \\quad
        w^\\top x_j \\le t_{g(j)} - \\rho + \\xi_j \\;(y_j = 0),

    with ``w >= 0``, ``sum(w) = 1``, ``xi >= 0``. Because a cohort is the top ``k`` of a pool, "selected
    above a cutoff, the rest below" is the selection rule itself; it implies that every selected region
    ranks above every unselected one, with O(n) rather than O(n^2) pairwise constraints. As in the
    nu-SVM, at the optimum the balanced share of margin errors is at most ``nu``.

    References
    ----------
    Mangasarian, O. L. (1965). Linear and nonlinear separation of patterns by linear programming.
    Operations Research 13(3), 444-452. Bennett, K. P., Mangasarian, O. L. (1992). Robust linear
    programming discrimination of two linearly inseparable sets. Optimization Methods and Software 1,
    23-34. Schoelkopf, B., Smola, A. J., Williamson, R. C., Bartlett, P. L. (2000). New support vector
    algorithms. Neural Computation 12(5), 1207-1245. Huangfu, Q., Hall, J. A. J. (2018). Parallelizing
    the dual revised simplex method. Math. Prog. Comp. 10, 119-142 (HiGHS).
    """
    X, y, groups = _check_xy(X, y, groups)
    if not (0 < nu <= 1):
        raise InputError(f"nu must lie in (0, 1]. Got {nu!r}.")
    n, p = X.shape
    labels = np.unique(groups)
    G = len(labels)
    c, A_ub, A_eq, bounds, s = _margin_lp(X, y, groups, nu)
    res = optimize.linprog(c, A_ub=A_ub, b_ub=np.zeros(n), A_eq=A_eq, b_eq=[1.0], bounds=bounds,
                           method="highs")
    if res.status != 0:
        raise ComputationError(
            f"The max-margin linear programme did not solve (HiGHS status {res.status}: "
            f"{res.message}). Check X for constant or extreme columns."
        )
    if optimal_range:
        # every optimal solution: fix the objective at its optimum, then min and max each weight
        tol = 1e-7 * max(1.0, abs(res.fun))
        A2 = sp.vstack([A_ub, sp.csr_matrix(c[None, :])], format="csr")
        b2 = np.r_[np.zeros(n), res.fun + tol]
        rng_lo, rng_hi = np.empty(p), np.empty(p)
        for j in range(p):
            e = np.zeros_like(c)
            e[j] = 1.0
            for sgn, store in ((1.0, rng_lo), (-1.0, rng_hi)):
                r2 = optimize.linprog(sgn * e, A_ub=A2, b_ub=b2, A_eq=A_eq, b_eq=[1.0],
                                      bounds=bounds, method="highs")
                store[j] = r2.x[j] if r2.status == 0 else np.nan
    w = res.x[:p]
    xi = res.x[p + G + 1:]
    return RevealedFit(
        method="margin",
        weights=_normalise_weights(np.clip(w, 0, None)),
        cutoffs={labels[g].item() if hasattr(labels[g], "item") else labels[g]: float(res.x[p + g])
                 for g in range(G)},
        info={"margin": float(res.x[p + G]), "objective": float(-res.fun),
              "margin_error_share": float(s[xi > 1e-9].sum()), "nu": nu,
              **({"optimal_low": rng_lo.tolist(), "optimal_high": rng_hi.tolist()}
                 if optimal_range else {})},
    )


#: Registry of revealed-weight methods. Contract: ``fit(X, y, groups, **options) -> RevealedFit``
#: with weights >= 0 summing to one (or all NaN when nothing separates the classes).
REVEALED_METHODS: dict[str, Callable[..., RevealedFit]] = {
    "logistic": fit_logistic_weights,
    "margin": fit_margin_weights,
}


def _method(name: str) -> Callable[..., RevealedFit]:
    try:
        return REVEALED_METHODS[name]
    except KeyError:
        raise InputError(
            f"Unknown revealed-weights method {name!r}. Expected one of {sorted(REVEALED_METHODS)}."
        ) from None


# ---------------------------------------------------------------------------------------------------
# Scores of a weighting: AUC and precision at k
# ---------------------------------------------------------------------------------------------------


def auc_score(y, score) -> float:
    """ROC AUC of ``score`` for ``y`` (scikit-learn), NaN when ``y`` has one class only.

    Notes
    -----
    Equals the probability that a randomly drawn selected region scores above a randomly drawn
    unselected one (ties count one half). Missing scores rank lowest.

    References
    ----------
    Hanley, J. A., McNeil, B. J. (1982). The meaning and use of the area under a receiver operating
    characteristic (ROC) curve. Radiology 143(1), 29-36.
    """
    from sklearn.metrics import roc_auc_score

    y = np.asarray(y).astype(int)
    score = np.asarray(score, dtype=float)
    if y.size == 0 or y.min() == y.max():
        return float("nan")
    score = np.where(np.isfinite(score), score, -np.inf)
    if np.isinf(score).any():
        finite = score[np.isfinite(score)]
        score = np.where(np.isfinite(score), score, (finite.min() if finite.size else 0.0) - 1.0)
    return float(roc_auc_score(y, score))


def precision_at_k(y, score, k: int | None = None) -> float:
    """Share of actually selected regions among the ``k`` highest scores.

    Parameters
    ----------
    y : array of 0/1
    score : array of float
        Missing scores rank lowest.
    k : int, optional
        Default: the number of actually selected regions (then precision at k equals recall at k).

    Notes
    -----
    Ties at the k-th place are broken by the original order of rows (stable sort), so the value is
    deterministic.

    References
    ----------
    Manning, C. D., Raghavan, P., Schuetze, H. (2008). Introduction to Information Retrieval, ch. 8.
    """
    y = np.asarray(y).astype(int)
    score = np.asarray(score, dtype=float)
    k = int(y.sum()) if k is None else int(k)
    if k <= 0:
        return float("nan")
    key = np.where(np.isfinite(score), score, -np.inf)
    order = np.argsort(-key, kind="stable")
    return float(y[order[:k]].mean())


# ---------------------------------------------------------------------------------------------------
# Bootstrap, leave-one-group-out, identification
# ---------------------------------------------------------------------------------------------------


def bootstrap_weights(
    X,
    y,
    groups=None,
    *,
    method: str = "logistic",
    n_boot: int = 200,
    seed: int = 0,
    progress: bool = False,
    desc: str | None = None,
    **options,
) -> np.ndarray:
    """Bootstrap replicates of revealed weights (rows resampled within each cohort and class).

    Parameters
    ----------
    X, y, groups
        As in the fitting functions.
    method : str
        Key of :data:`REVEALED_METHODS`.
    n_boot : int, default 200
    seed : int, default 0
        Seed of ``numpy.random.default_rng``.
    progress : bool, default False
        Show a tqdm progress bar.
    **options
        Passed to the method.

    Returns
    -------
    numpy.ndarray (n_boot, p)
        One row of weights per replicate (NaN rows when a replicate separates nothing).

    Notes
    -----
    Stratified nonparametric bootstrap: within each (cohort, class) cell, rows are drawn with
    replacement, keeping the cell sizes, so every replicate has the actual cohort sizes. Percentile
    intervals are taken by the caller (:func:`weight_intervals`).

    References
    ----------
    Efron, B., Tibshirani, R. J. (1993). An Introduction to the Bootstrap. Chapman & Hall, ch. 13.
    """
    from tqdm.auto import tqdm

    X, y, groups = _check_xy(X, y, groups)
    if n_boot < 1:
        raise InputError(f"n_boot must be a positive integer. Got {n_boot!r}.")
    fit = _method(method)
    rng = np.random.default_rng(seed)
    cells = [np.flatnonzero((groups == g) & (y == c)) for g in np.unique(groups) for c in (0, 1)]
    out = np.empty((n_boot, X.shape[1]))
    for b in tqdm(range(n_boot), disable=not progress, desc=desc or f"bootstrap {method}",
                  leave=False):
        idx = np.concatenate([rng.choice(cell, size=cell.size, replace=True) for cell in cells])
        out[b] = fit(X[idx], y[idx], groups[idx], **options).weights
    return out


def weight_intervals(replicates: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap interval of each weight (NaN replicates ignored).

    Notes
    -----
    Percentile interval: the ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles of the replicates.

    References
    ----------
    Efron, B., Tibshirani, R. J. (1993). An Introduction to the Bootstrap, ch. 13.
    """
    alpha = (1.0 - level) / 2.0
    reps = np.asarray(replicates, dtype=float)
    ok = ~np.isnan(reps).any(axis=1)
    if not ok.any():
        nan = np.full(reps.shape[1], np.nan)
        return nan, nan.copy()
    lo, hi = np.quantile(reps[ok], [alpha, 1.0 - alpha], axis=0)
    return lo, hi


def leave_one_group_out(
    X,
    y,
    groups,
    *,
    method: str = "logistic",
    **options,
) -> list[dict]:
    """Fit on all cohorts but one, score the held-out cohort; in-sample scores alongside.

    Parameters
    ----------
    X, y, groups
        As in the fitting functions; at least two groups.
    method : str
        Key of :data:`REVEALED_METHODS`.

    Returns
    -------
    list of dict
        One per held-out group: ``group``, ``weights_out`` (fitted without it), ``auc_out``,
        ``precision_at_k_out`` (with ``k`` = its number of selected regions), and ``auc_in``,
        ``precision_at_k_in`` of the weights fitted on all groups, ``n``, ``n_selected``.

    Notes
    -----
    The held-out score is ``X_g w_{-g}``: the cutoff/intercept of a cohort does not affect its ranking,
    so it need not be transferred.

    References
    ----------
    Hastie, T., Tibshirani, R., Friedman, J. (2009). The Elements of Statistical Learning, 2nd ed.,
    section 7.10 (cross-validation).
    """
    X, y, groups = _check_xy(X, y, groups)
    labels = np.unique(groups)
    if labels.size < 2:
        raise ComputationError(
            "Leave-one-cohort-out needs at least two cohorts. Got one; fit in sample only."
        )
    fit = _method(method)
    w_all = fit(X, y, groups, **options).weights
    rows = []
    for g in labels:
        test = groups == g
        w_out = fit(X[~test], y[~test], groups[~test], **options).weights
        s_out = X[test] @ np.nan_to_num(w_out, nan=0.0) if np.isfinite(w_out).all() else np.full(
            test.sum(), np.nan)
        s_in = X[test] @ w_all if np.isfinite(w_all).all() else np.full(test.sum(), np.nan)
        rows.append({
            "group": g.item() if hasattr(g, "item") else g,
            "n": int(test.sum()),
            "n_selected": int(y[test].sum()),
            "weights_out": w_out,
            "auc_in": auc_score(y[test], s_in),
            "precision_at_k_in": precision_at_k(y[test], s_in),
            "auc_out": auc_score(y[test], s_out),
            "precision_at_k_out": precision_at_k(y[test], s_out),
        })
    return rows


def identification(
    X,
    names: Sequence[str],
    ci_low=None,
    ci_high=None,
    *,
    collinear_r: float = 0.9,
    wide_ci: float = 0.8,
) -> list[str]:
    """Say, per criterion, why the data may not identify its weight ("" when nothing was found).

    Parameters
    ----------
    X : array (n, p)
        The criteria the weights were fitted on.
    names : sequence of str
        Criterion names (for messages).
    ci_low, ci_high : array (p,), optional
        Bootstrap interval of each weight.
    collinear_r : float, default 0.9
        Absolute Pearson correlation from which two criteria count as collinear.
    wide_ci : float, default 0.8
        Interval width from which a weight counts as undetermined.

    Returns
    -------
    list of str
        One note per criterion; several reasons joined by "; ".

    Notes
    -----
    Three checks: a criterion constant over the fitted rows carries no information; two criteria with
    ``|r| >= collinear_r`` make only the sum of their weights well determined; a bootstrap interval
    wider than ``wide_ci`` (e.g. [0.05, 0.95]) means resampling the regions moves the weight across most
    of [0, 1].

    References
    ----------
    Belsley, D. A., Kuh, E., Welsch, R. E. (1980). Regression Diagnostics: Identifying Influential
    Data and Sources of Collinearity. Wiley.
    """
    X = np.asarray(X, dtype=float)
    p = X.shape[1]
    notes: list[list[str]] = [[] for _ in range(p)]
    sd = X.std(axis=0)
    constant = sd < 1e-12
    for j in np.flatnonzero(constant):
        notes[j].append("constant over the fitted regions")
    ok = ~constant
    if ok.sum() >= 2:
        r = np.corrcoef(X[:, ok], rowvar=False)
        idx = np.flatnonzero(ok)
        for a in range(len(idx)):
            for b in range(len(idx)):
                if a != b and abs(r[a, b]) >= collinear_r:
                    notes[idx[a]].append(f"collinear with {names[idx[b]]} (r = {r[a, b]:.2f})")
    if ci_low is not None and ci_high is not None:
        width = np.asarray(ci_high, dtype=float) - np.asarray(ci_low, dtype=float)
        for j in range(p):
            if np.isnan(width[j]):
                notes[j].append("no bootstrap interval (no replicate separated the classes)")
            elif width[j] >= wide_ci:
                notes[j].append(
                    f"bootstrap interval [{ci_low[j]:.2f}, {ci_high[j]:.2f}] spans most of [0, 1]"
                )
    return ["; ".join(n) for n in notes]
