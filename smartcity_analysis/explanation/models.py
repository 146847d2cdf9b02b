"""Model families of the revealed-criteria search: one registry, one contract.

Contract (:data:`MODEL_FAMILIES`)
---------------------------------
Every family is ``fit(X, R, Y, groups, *, W=None, population=None, **options) -> BatchFit`` with

- ``X``: ``(n, p)`` candidate z-scores oriented by their declared direction (higher = the declared
  good direction), complete; ``R``: ``(n, p)`` oriented raw values (NaN = not observed; gates compare
  these with a level, as the engine's threshold rules do);
- ``Y``: ``(n,)`` or ``(n, B)`` 0/1 labels: ``B`` label vectors are fitted at once (the permutation
  test passes ``B`` shuffles); ``W``: optional ``(n, B)`` row multiplicities (the bootstrap passes
  resampling counts); ``groups``: the cohort of each row (each cohort is one pool);
- every choice (indicators, regularisation, gates, levels) is made from these rows only: a family
  never sees the held-out cohort (:mod:`.validation` passes the training cohorts only);
- returns :class:`BatchFit`: per label vector non-negative slopes on ``X`` (signs constrained to the
  declared directions) and gates ``R[:, j] >= level``; the score of a region is ``X @ slopes`` and a
  region failing a gate ranks below every region passing it.

Families: ``sparse_logistic`` (non-negative L1/elastic-net logistic with one intercept per cohort,
penalty chosen by inner leave-one-cohort-out), ``conditional_logit`` (exact likelihood of "k chosen
from this pool", McFadden 1974, on the terms the sparse logistic selects inside the same training
cohorts), ``screen_rank`` (one or two gates, then a sparse weighted score on the regions passing
them), ``baseline_single`` (the single candidate with the best training AUC) and
``baseline_population`` (population alone, larger ranks higher).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize
from scipy.special import expit

from smartcity_analysis.errors import ComputationError, InputError

__all__ = [
    "MODEL_FAMILIES",
    "BatchFit",
    "Gate",
    "auc_columns",
    "conditional_log_likelihood",
    "fit_baseline_population",
    "fit_baseline_single",
    "fit_conditional_logit",
    "fit_screen_rank",
    "fit_sparse_logistic",
    "inclusion_probabilities",
]

#: Penalties tried by the inner leave-one-cohort-out of the sparse logistic, largest (sparsest) first.
LAMBDA_GRID = (0.2, 0.1, 0.05, 0.02, 0.01, 0.005)
#: A region failing a gate scores this much below the others (it ranks below every passing region).
GATE_PENALTY = 1e6


@dataclass(frozen=True)
class Gate:
    """An eligibility gate: pass iff the oriented raw value of column ``column`` is >= ``level``
    (a missing value fails, as the engine's threshold rules do by default)."""

    column: int
    level: float


@dataclass(frozen=True)
class BatchFit:
    """Fits of one family to ``B`` label vectors.

    Attributes
    ----------
    family : str
    slopes : numpy.ndarray, shape (B, p)
        Non-negative coefficients on the candidate z-scores.
    gates : tuple
        Per label vector, a tuple of :class:`Gate`.
    chosen : tuple of dict
        Per label vector, the choices made inside the training rows (penalty, terms, ...).
    """

    family: str
    slopes: np.ndarray
    gates: tuple = ()
    chosen: tuple = ()
    info: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return self.slopes.shape[0]

    def weights(self) -> np.ndarray:
        """Slopes divided by their sum per label vector (zeros where every slope is zero)."""
        tot = self.slopes.sum(axis=1, keepdims=True)
        return np.divide(self.slopes, tot, out=np.zeros_like(self.slopes), where=tot > 0)

    def passes(self, R) -> np.ndarray:
        """``(n, B)`` bool: the region passes every gate of label vector ``b``."""
        R = np.asarray(R, dtype=float)
        out = np.ones((R.shape[0], self.n), dtype=bool)
        for b, gates in enumerate(self.gates or [()] * self.n):
            for g in gates:
                out[:, b] &= np.nan_to_num(R[:, g.column], nan=-np.inf) >= g.level
        return out

    def linear(self, X) -> np.ndarray:
        """``(n, B)`` weighted score without the gates."""
        return np.asarray(X, dtype=float) @ self.slopes.T

    def scores(self, X, R) -> np.ndarray:
        """``(n, B)`` score: the weighted score, minus :data:`GATE_PENALTY` for a failed gate."""
        return self.linear(X) - GATE_PENALTY * ~self.passes(R)

    def take(self, b: int) -> BatchFit:
        """The fit of label vector ``b`` alone."""
        return BatchFit(self.family, self.slopes[b:b + 1],
                        (self.gates[b],) if self.gates else ((),),
                        (self.chosen[b],) if self.chosen else ({},), self.info)


# ---------------------------------------------------------------------------------------------------
# Shared pieces
# ---------------------------------------------------------------------------------------------------


def _as_batch(Y, W, n):
    Y = np.asarray(Y, dtype=float)
    Y = Y[:, None] if Y.ndim == 1 else Y
    if Y.shape[0] != n:
        raise InputError(f"Y must have one row per row of X ({n}). Got shape {Y.shape}.")
    W = np.ones_like(Y) if W is None else np.broadcast_to(np.asarray(W, dtype=float), Y.shape)
    return Y, np.array(W)


def auc_columns(S, Y, W=None) -> np.ndarray:
    """Weighted ROC AUC of every column of ``S`` for the matching column of ``Y`` (ties one half).

    Parameters
    ----------
    S : array (n,) or (n, B)
        Scores (one column, or one per label vector).
    Y : array (n, B)
        0/1 labels.
    W : array (n, B), optional
        Row multiplicities (bootstrap counts); default one.

    Returns
    -------
    numpy.ndarray, shape (B,)
        NaN where a column has one class only.

    Notes
    -----
    AUC = sum over positives i of w_i (W0(s < s_i) + W0(s = s_i) / 2) / (W1 W0), with W0, W1 the
    weights of the negatives and positives; with unit weights this is the Mann-Whitney form of
    scikit-learn's ``roc_auc_score``.

    References
    ----------
    Hanley, J. A., McNeil, B. J. (1982). Radiology 143(1), 29-36.
    """
    Y = np.asarray(Y, dtype=float)
    Y = Y[:, None] if Y.ndim == 1 else Y
    W = np.ones_like(Y) if W is None else np.broadcast_to(np.asarray(W, dtype=float), Y.shape)
    S = np.asarray(S, dtype=float)
    S = np.broadcast_to(S[:, None] if S.ndim == 1 else S, Y.shape)
    S = np.where(np.isfinite(S), S, -np.inf)
    order = np.argsort(S, axis=0, kind="stable")
    wneg = np.take_along_axis(W * (1 - Y), order, axis=0)
    cneg = np.vstack([np.zeros((1, Y.shape[1])), np.cumsum(wneg, axis=0)])
    # scipy.stats costs ~0.7 s to import; report kernels import this module without fitting.
    from scipy.stats import rankdata

    rmin = rankdata(S, method="min", axis=0).astype(int)
    rmax = rankdata(S, method="max", axis=0).astype(int)
    below = np.take_along_axis(cneg, rmin - 1, axis=0)
    equal = np.take_along_axis(cneg, rmax, axis=0) - below
    wpos = W * Y
    num = (wpos * (below + 0.5 * equal)).sum(axis=0)
    den = wpos.sum(axis=0) * (W * (1 - Y)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def _mean_group_auc(S, Y, W, groups) -> np.ndarray:
    out = [auc_columns(S[groups == g], Y[groups == g], W[groups == g]) for g in np.unique(groups)]
    return np.nanmean(np.vstack(out), axis=0)


def _balanced(Y, W, groups) -> np.ndarray:
    """Row weights giving each class of each group equal total weight, summing to one per column."""
    S = np.zeros_like(Y)
    for g in np.unique(groups):
        m = groups == g
        w1 = (W[m] * Y[m]).sum(axis=0)
        w0 = (W[m] * (1 - Y[m])).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            S[m] = W[m] * (Y[m] / np.where(w1 > 0, 2 * w1, np.inf)
                           + (1 - Y[m]) / np.where(w0 > 0, 2 * w0, np.inf))
    tot = S.sum(axis=0, keepdims=True)
    return S / np.where(tot > 0, tot, 1.0)


# ---------------------------------------------------------------------------------------------------
# (a) Sparse non-negative logistic
# ---------------------------------------------------------------------------------------------------


def _logistic_batch(X, Y, S, groups, lam, l1_ratio):
    """Non-negative elastic-net logistic fits of every column of ``Y``.

    Minimises, per column b, sum_i S_ib [log(1 + e^z) - y z] + lam (a |beta|_1 + (1-a)/2 |beta|^2),
    z = X beta + b_g, beta >= 0, one free intercept per group; one bounded L-BFGS-B run per column
    (a joint run over all columns converges far more slowly), each started from the previous
    column's solution."""
    n, p = X.shape
    B = Y.shape[1]
    gid, ginv = np.unique(groups, return_inverse=True)
    G = len(gid)
    A = np.hstack([X, np.eye(G)[ginv]])
    lam = np.broadcast_to(np.asarray(lam, dtype=float), (B,))
    bnds = [(0.0, None)] * p + [(None, None)] * G
    beta = np.zeros((B, p))
    b0 = np.zeros((B, G))
    start = np.zeros(p + G)
    for b in range(B):
        y, s_ = Y[:, b], S[:, b]
        l1, l2 = lam[b] * l1_ratio, lam[b] * (1.0 - l1_ratio)

        def fg(theta, y=y, s_=s_, l1=l1, l2=l2):
            z = A @ theta
            bt = theta[:p]
            f = s_ @ (np.logaddexp(0.0, z) - y * z) + l1 * bt.sum() + 0.5 * l2 * bt @ bt
            g = A.T @ (s_ * (expit(z) - y))
            g[:p] += l1 + l2 * bt
            return f, g

        res = optimize.minimize(fg, start, jac=True, method="L-BFGS-B", bounds=bnds,
                                options={"maxiter": 3000, "ftol": 1e-11, "gtol": 1e-7})
        start = res.x
        beta[b] = np.where(res.x[:p] > 1e-10, res.x[:p], 0.0)
        b0[b] = res.x[p:]
    return beta, b0


def fit_sparse_logistic(X, R, Y, groups, *, W=None, population=None, lambdas=LAMBDA_GRID,
                        l1_ratio: float = 1.0, default_lambda: float = 0.01, **_) -> BatchFit:
    """Sparse non-negative logistic regression at indicator level, penalty chosen inside the rows.

    Parameters
    ----------
    X, R, Y, groups, W, population
        See the module contract (``R`` and ``population`` are not used).
    lambdas : sequence of float
        Penalties tried, largest first; the inner leave-one-cohort-out (each training cohort held
        out in turn) picks the one with the best mean held-out AUC, ties to the sparser.
    l1_ratio : float
        1 = lasso (L1), in (0, 1) elastic net.
    default_lambda : float
        Used when the rows hold a single cohort (no inner validation possible).

    Returns
    -------
    BatchFit

    Notes
    -----
    Objective per label vector (weights s_i balance the two classes within each cohort and sum to
    one): sum_i s_i [log(1 + exp(z_i)) - y_i z_i] + lambda (a sum_j beta_j + (1 - a)/2 sum_j beta_j^2)
    with z_i = x_i beta + b_g(i), beta >= 0. Because beta >= 0 the L1 term is linear, so the problem
    is smooth and is solved exactly by bounded L-BFGS-B (Byrd et al. 1995); the sign constraint is
    the declared direction of each candidate. With one cohort and ``l1_ratio = 1`` it is
    scikit-learn's ``LogisticRegression(penalty="l1", C=1/lambda, class_weight="balanced")`` on
    weights scaled to sum one, restricted to beta >= 0.

    References
    ----------
    Tibshirani, R. (1996). Regression shrinkage and selection via the lasso. JRSS B 58, 267-288.
    Zou, H., Hastie, T. (2005). Regularization and variable selection via the elastic net. JRSS B 67.
    """
    X = np.asarray(X, dtype=float)
    groups = np.asarray(groups)
    Y, W = _as_batch(Y, W, X.shape[0])
    B = Y.shape[1]
    gids = np.unique(groups)
    if len(gids) < 2 or len(lambdas) == 1:
        lam = np.full(B, float(lambdas[0] if len(lambdas) == 1 else default_lambda))
        inner = None
    else:
        inner = np.full((len(lambdas), B), np.nan)
        for li, lam_ in enumerate(lambdas):
            aucs = []
            for h in gids:
                tr = groups != h
                beta, _ = _logistic_batch(X[tr], Y[tr], _balanced(Y[tr], W[tr], groups[tr]),
                                          groups[tr], lam_, l1_ratio)
                aucs.append(auc_columns(X[~tr] @ beta.T, Y[~tr], W[~tr]))
            inner[li] = np.nanmean(np.vstack(aucs), axis=0)
        # first maximum in grid order = the sparsest of the best
        best = np.nanargmax(np.where(np.isnan(inner), -np.inf, inner) - 1e-9 * np.arange(len(lambdas))[:, None],
                            axis=0)
        lam = np.asarray(lambdas, dtype=float)[best]
    beta = np.zeros((B, X.shape[1]))
    S = _balanced(Y, W, groups)
    for lv in np.unique(lam):
        cols = np.flatnonzero(lam == lv)
        beta[cols], _ = _logistic_batch(X, Y[:, cols], S[:, cols], groups, lv, l1_ratio)
    chosen = tuple({"lambda": float(lam[b]), "l1_ratio": float(l1_ratio)} for b in range(B))
    return BatchFit("sparse_logistic", beta, tuple(() for _ in range(B)), chosen,
                    {"inner_auc": None if inner is None else inner.tolist()})


# ---------------------------------------------------------------------------------------------------
# (b) Conditional logit: the exact likelihood of k chosen from a pool
# ---------------------------------------------------------------------------------------------------


def _esp(logw, k):
    """log e_k(w) and the inclusion probabilities d log e_k / d log w_i, per column.

    e_k is the elementary symmetric polynomial of degree k of w = exp(logw) (the sum over every
    k-subset of the product of its w), computed by the forward recursion e_j <- e_j + w_i e_{j-1}
    with per-step rescaling; the inclusion probability of item i is w_i e_{k-1}(w without i) / e_k,
    from the forward and the backward recursion."""
    n, B = logw.shape
    # shift by the k-th largest value: the top-k product is then >= 1, so e_k cannot underflow
    m = -np.partition(-logw, k - 1, axis=0)[k - 1] if k > 0 else np.zeros(B)
    m = np.where(np.isfinite(m), m, 0.0)
    # capped so one step cannot overflow (only reached for absurd predictors: those items then tie)
    w = np.exp(np.minimum(logw - m, 600.0))
    F = np.zeros((n + 1, k + 1, B))
    lf = np.zeros((n + 1, B))
    F[0, 0] = 1.0
    scale = np.zeros(B)
    # entries grow by at most (1 + max w) per step: rescale every step when that can overflow
    every = 16 if np.all(w <= 1.0) else max(1, int(600 // max(np.log1p(w.max()), 1e-9)))
    every = min(every, 16)
    for i in range(n):
        np.multiply(F[i, :-1], w[i], out=F[i + 1, 1:])
        F[i + 1, 1:] += F[i, 1:]
        F[i + 1, 0] = F[i, 0]
        if i % every == every - 1 or i == n - 1:
            c = F[i + 1].max(axis=0)
            F[i + 1] /= c
            scale = scale + np.log(c)
        lf[i + 1] = scale
    G = np.zeros((n + 1, k + 1, B))
    lg = np.zeros((n + 1, B))
    G[n, 0] = 1.0
    scale = np.zeros(B)
    for i in range(n - 1, -1, -1):
        np.multiply(G[i + 1, :-1], w[i], out=G[i, 1:])
        G[i, 1:] += G[i + 1, 1:]
        G[i, 0] = G[i + 1, 0]
        if (n - 1 - i) % every == every - 1 or i == 0:
            c = G[i].max(axis=0)
            G[i] /= c
            scale = scale + np.log(c)
        lg[i] = scale
    with np.errstate(divide="ignore"):
        log_ek = np.log(F[n, k]) + lf[n]
    conv = np.einsum("njb,njb->nb", F[:n, :k], G[1:, k - 1::-1])
    with np.errstate(divide="ignore"):
        # in logs: conv can be tiny where the scales are huge
        pi = np.exp(np.log(w) + np.log(conv) + lf[:n] + lg[1:] - log_ek)
    return log_ek + k * m, pi


def conditional_log_likelihood(logw, Y, groups, *, with_gradient: bool = True):
    """Log-likelihood of the chosen sets under the conditional logit, and d/d logw.

    Parameters
    ----------
    logw : array (n, B)
        Linear predictor of every row.
    Y : array (n, B)
        1 = chosen; the number chosen per group is taken from ``Y``.
    groups : array (n,)
        One pool per group.

    Returns
    -------
    ll : numpy.ndarray (B,)
    grad : numpy.ndarray (n, B)
        ``Y - pi``, with pi the inclusion probabilities (only when ``with_gradient``).

    Notes
    -----
    P(S | pool g) = exp(sum_{i in S} v_i) / sum_{|T| = k_g} exp(sum_{i in T} v_i) (McFadden 1974;
    Chamberlain 1980), the likelihood of statsmodels' ``ConditionalLogit``; the denominator is the
    elementary symmetric polynomial e_k(exp v), computed exactly in O(n k) per pool.

    References
    ----------
    McFadden, D. (1974). Conditional logit analysis of qualitative choice behavior. In Zarembka (ed.),
    Frontiers in Econometrics, 105-142.
    Chamberlain, G. (1980). Analysis of covariance with qualitative data. Rev. Econ. Stud. 47, 225-238.
    """
    ll = (Y * np.where(Y > 0, logw, 0.0)).sum(axis=0)  # an absent row (-inf) is never chosen
    grad = np.array(Y, dtype=float)
    for g in np.unique(groups):
        m = groups == g
        ks = Y[m].sum(axis=0)
        k = int(round(ks[0]))
        if not np.allclose(ks, k):
            raise ComputationError(f"Group {g!r} has a different number chosen per column ({ks}).")
        log_ek, pi = _esp(logw[m], k)
        ll = ll - log_ek
        grad[m] -= pi
    return (ll, grad) if with_gradient else ll


def inclusion_probabilities(v, k: int) -> np.ndarray:
    """P(region i is among the k chosen) under the conditional logit with linear predictor ``v``.

    Parameters
    ----------
    v : array (n,)
    k : int

    Returns
    -------
    numpy.ndarray (n,), summing to ``k``.
    """
    v = np.asarray(v, dtype=float)
    if k <= 0:
        return np.zeros_like(v)
    if k >= len(v):
        return np.ones_like(v)
    return _esp(v[:, None], int(k))[1][:, 0]


def _expand(X, Y, groups, W):
    """Rows repeated by their multiplicity (bootstrap counts) per column, for the exact likelihood."""
    if W is None or np.all(W == 1):
        return None
    reps = int(W.max())
    idx = np.tile(np.arange(X.shape[0]), reps)
    copy = np.repeat(np.arange(reps), X.shape[0])
    present = W[idx] > copy[:, None]
    return idx, present


def fit_conditional_logit(X, R, Y, groups, *, W=None, population=None, max_terms: int = 5,
                          ridge: float = 1e-3, selection: BatchFit | None = None,
                          **options) -> BatchFit:
    """Conditional logit (k chosen from each cohort's pool) on the terms selected inside the rows.

    Parameters
    ----------
    X, R, Y, groups, W, population
        See the module contract.
    max_terms : int
        At most this many candidates: those with the largest slopes of
        :func:`fit_sparse_logistic` on the same rows (its penalty chosen by inner
        leave-one-cohort-out).
    ridge : float
        A small L2 penalty on the average log-likelihood, so that a perfectly separating candidate
        gets a large finite coefficient instead of none.
    selection : BatchFit, optional
        The :func:`fit_sparse_logistic` fit of the same rows and labels, when the caller already has
        it (the validation reuses the one of the sparse-logistic family; same rows, same result).
    **options
        Passed to :func:`fit_sparse_logistic`.

    Returns
    -------
    BatchFit
        ``chosen[b]["coefficients"]`` holds the coefficients on the z-scores (log-odds of being
        chosen per standard deviation, the other terms held fixed).

    Notes
    -----
    Maximises (1/K) sum_g [sum_{i in S_g} x_i beta - log e_{k_g}(exp(X_g beta))] - ridge/2 |beta|^2
    over beta >= 0 on the selected terms (K = number chosen in all pools), bounded L-BFGS-B with the
    exact gradient. The likelihood is statsmodels' ``ConditionalLogit`` (a test checks both agree);
    statsmodels' recursive denominator takes seconds per fit here, too slow for the permutation test,
    so the same likelihood is computed by a vectorised recursion.

    References
    ----------
    McFadden, D. (1974). Conditional logit analysis of qualitative choice behavior.
    """
    X = np.asarray(X, dtype=float)
    groups = np.asarray(groups)
    Y, Wb = _as_batch(Y, W, X.shape[0])
    B, p = Y.shape[1], X.shape[1]
    sel = selection if selection is not None else fit_sparse_logistic(X, R, Y, groups, W=Wb,
                                                                       **options)
    terms = []
    for b in range(B):
        nz = np.flatnonzero(sel.slopes[b] > 0)
        terms.append(nz[np.argsort(-sel.slopes[b, nz], kind="stable")][:max_terms])
    m = max([len(t) for t in terms] + [1])
    T = np.zeros((B, m), dtype=int)
    used = np.zeros((B, m), dtype=bool)
    for b, t in enumerate(terms):
        T[b, :len(t)] = t
        used[b, :len(t)] = True
    exp = _expand(X, Y, groups, Wb)
    if exp is None:
        rows, present = np.arange(X.shape[0]), np.ones((X.shape[0], B), bool)
    else:
        rows, present = exp
    Xr, gr = X[rows], groups[rows]
    Yr = np.where(present, Y[rows], 0.0)
    Xg = np.stack([Xr[:, T[b]] * used[b] for b in range(B)], axis=2)  # (n, m, B)
    K = Yr.sum(axis=0)

    def fg(theta):
        beta = theta.reshape(B, m)
        v = np.einsum("nmb,bm->nb", Xg, beta)
        v = np.where(present, v, -np.inf)
        ll, grad = conditional_log_likelihood(v, Yr, gr)
        grad = np.where(present, grad, 0.0)
        f = -(ll / K).sum() + 0.5 * ridge * (beta**2).sum()
        g = -np.einsum("nmb,nb->bm", Xg, grad) / K[:, None] + ridge * beta
        return f, g.ravel()

    bnds = [(0.0, None if u else 0.0) for u in used.ravel()]
    # start from the selection's slopes (same log-odds scale): fewer iterations, same optimum
    start = np.take_along_axis(sel.slopes, T, axis=1) * used
    res = optimize.minimize(fg, start.ravel(), jac=True, method="L-BFGS-B", bounds=bnds,
                            options={"maxiter": 2000, "ftol": 1e-11, "gtol": 1e-7})
    beta = res.x.reshape(B, m)
    slopes = np.zeros((B, p))
    for b in range(B):
        slopes[b, T[b][used[b]]] = beta[b][used[b]]
    slopes = np.where(slopes > 1e-8, slopes, 0.0)
    chosen = tuple({**sel.chosen[b], "terms": [int(j) for j in terms[b]],
                    "coefficients": slopes[b][slopes[b] > 0].tolist()} for b in range(B))
    return BatchFit("conditional_logit", slopes, tuple(() for _ in range(B)), chosen,
                    {"converged": bool(res.success)})


# ---------------------------------------------------------------------------------------------------
# (c) Screen, then rank
# ---------------------------------------------------------------------------------------------------


def _choose_gate(R, y, w, groups, passing, lost, npos, min_recall, min_removed):
    """The most selective gate keeping at least ``min_recall`` of each group's positives."""
    best = (None, None, 0.0)
    Rn = np.nan_to_num(R, nan=-np.inf)
    negw = w * (1 - y) * passing
    tot_neg = negw.sum()
    if tot_neg <= 0:
        return best
    levels = np.full(R.shape[1], np.inf)
    for g in np.unique(groups):
        m = (groups == g) & passing & (y == 1)
        allow = int(np.floor((1 - min_recall) * npos[g] + 1e-9)) - lost[g]
        if allow < 0:
            return best
        vals = np.repeat(Rn[m], w[m].astype(int), axis=0)
        if vals.shape[0] == 0:
            continue
        vals = np.sort(vals, axis=0)
        levels = np.minimum(levels, vals[min(allow, vals.shape[0] - 1)])
    ok = np.isfinite(levels)
    removed = np.where(ok, (negw[:, None] * (Rn < levels)).sum(axis=0) / tot_neg, 0.0)
    j = int(np.argmax(removed))
    if removed[j] >= min_removed:
        best = (j, float(levels[j]), float(removed[j]))
    return best


def fit_screen_rank(X, R, Y, groups, *, W=None, population=None, max_gates: int = 2,
                    min_recall: float = 0.9, min_removed: float = 0.1, lambdas=LAMBDA_GRID,
                    l1_ratio: float = 1.0, default_lambda: float = 0.01,
                    selection: BatchFit | None = None, **_) -> BatchFit:
    """Screen-then-rank: one or two gates (a candidate above a level), then a weighted score.

    Parameters
    ----------
    X, R, Y, groups, W, population
        See the module contract.
    max_gates : int
        At most this many gates, chosen greedily.
    min_recall : float
        Every gate, with the gates before it, must keep at least this share of the actually selected
        regions of each training cohort.
    min_removed : float
        A gate must remove at least this share of the not-selected regions still passing.
    lambdas, l1_ratio, default_lambda
        Of the weighted score: the sparse non-negative logistic (:func:`fit_sparse_logistic`) of
        the same training rows, its penalty chosen by the same inner leave-one-cohort-out.
    selection : BatchFit, optional
        That fit, when the caller already has it (same rows and labels, same result).

    Returns
    -------
    BatchFit

    Notes
    -----
    The shape of the stated pre-screen (a minimum total budget, then an assessment): for each
    candidate, the highest level (in its raw units, oriented) that keeps ``min_recall`` of each
    training cohort's selections is found; the candidate whose level removes the largest share of
    the not-selected regions becomes the gate. Levels are raw values, like the engine's threshold
    eligibility rules, so they carry over to an exported spec unchanged. The weighted score is
    fitted on every training region (a fit on the passing regions alone has almost no unselected
    regions left when a gate is strong, and then no information); the family therefore answers
    whether non-compensatory gates on top of the compensatory score explain the held-out cohorts
    better than the score alone (``sparse_logistic``).

    References
    ----------
    Kominfo mentor, Banjarbaru (July 2018): "ada total APBD yang ditentukan agar bisa lolos"
    (docs/explanation.md).
    """
    X = np.asarray(X, dtype=float)
    R = np.asarray(R, dtype=float)
    groups = np.asarray(groups)
    Y, W = _as_batch(Y, W, X.shape[0])
    B = Y.shape[1]
    gates_all, passing_all, removed_all = [], np.ones_like(Y, dtype=bool), []
    for b in range(B):
        y, w = Y[:, b], W[:, b]
        npos = {g: float((w * y)[groups == g].sum()) for g in np.unique(groups)}
        lost = {g: 0 for g in npos}
        passing = w > 0
        gates, rem = [], []
        for _ in range(max_gates):
            j, level, removed = _choose_gate(R, y, w, groups, passing, lost, npos, min_recall,
                                             min_removed)
            if j is None:
                break
            gates.append(Gate(j, level))
            rem.append(removed)
            fails = np.nan_to_num(R[:, j], nan=-np.inf) < level
            for g in lost:
                lost[g] += int((w * y * (fails & passing))[groups == g].sum())
            passing = passing & ~fails
        gates_all.append(tuple(gates))
        removed_all.append(rem)
        passing_all[:, b] = passing
    score = selection if selection is not None else fit_sparse_logistic(
        X, R, Y, groups, W=W, lambdas=lambdas, l1_ratio=l1_ratio, default_lambda=default_lambda)
    slopes = score.slopes
    chosen = tuple({"gates": [(g.column, g.level) for g in gates_all[b]],
                    "removed_share": removed_all[b], **score.chosen[b]} for b in range(B))
    return BatchFit("screen_rank", slopes, tuple(gates_all), chosen)


# ---------------------------------------------------------------------------------------------------
# (d) Baselines
# ---------------------------------------------------------------------------------------------------


def fit_baseline_single(X, R, Y, groups, *, W=None, population=None, **_) -> BatchFit:
    """The single candidate with the best mean AUC over the training cohorts (weight 1 on it).

    Notes
    -----
    Candidates are oriented by their declared direction, so "best" can only pick a sign that was
    declared (both signs where none was).
    """
    X = np.asarray(X, dtype=float)
    groups = np.asarray(groups)
    Y, W = _as_batch(Y, W, X.shape[0])
    B, p = Y.shape[1], X.shape[1]
    auc = np.vstack([_mean_group_auc(X[:, [j]].repeat(B, axis=1), Y, W, groups) for j in range(p)])
    best = np.argmax(np.where(np.isnan(auc), -np.inf, auc), axis=0)
    slopes = np.zeros((B, p))
    slopes[np.arange(B), best] = 1.0
    chosen = tuple({"column": int(best[b]), "training_auc": float(auc[best[b], b])} for b in range(B))
    return BatchFit("baseline_single", slopes, tuple(() for _ in range(B)), chosen)


def fit_baseline_population(X, R, Y, groups, *, W=None, population=None, **_) -> BatchFit:
    """Population alone (larger ranks higher): nothing is fitted.

    ``population`` is the position of the population column among the candidates.
    """
    if population is None:
        raise InputError("baseline_population needs the position of the 'population' candidate; "
                         "population is not among the candidates of this data.")
    Y, _ = _as_batch(Y, W, np.asarray(X).shape[0])
    slopes = np.zeros((Y.shape[1], np.asarray(X).shape[1]))
    slopes[:, int(population)] = 1.0
    return BatchFit("baseline_population", slopes, tuple(() for _ in range(Y.shape[1])),
                    tuple({"column": int(population)} for _ in range(Y.shape[1])))


#: The registry of model families (see the module docstring for the contract).
MODEL_FAMILIES: dict[str, Callable[..., BatchFit]] = {
    "sparse_logistic": fit_sparse_logistic,
    "conditional_logit": fit_conditional_logit,
    "screen_rank": fit_screen_rank,
    "baseline_single": fit_baseline_single,
    "baseline_population": fit_baseline_population,
}
