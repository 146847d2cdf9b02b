"""Variance-based (Sobol) sensitivity of the selection, computed with SALib.

Which uncertain choice decides the selection? For (a) the Jaccard similarity of a draw's selection to
the nominal selection and (b) each region's selected/not outcome, this module estimates first-order
(``S1``) and total (``ST``) Sobol indices with bootstrap confidence intervals. The weights are one group
factor (however many weights vary), each method choice (normalisation, imputation, aggregation per
level) a discrete factor, each uncertain threshold, the value noise and the left-out indicator a factor
of its own.

Estimation is SALib's: Saltelli/Sobol-sequence sampling (:func:`SALib.sample.sobol.sample`) and the
Jansen/Saltelli estimators with bootstrap intervals (:func:`SALib.analyze.sobol.analyze`). This module
never estimates indices itself; it maps SALib's unit-hypercube sample onto the robustness draw plan
(:func:`smartcity_analysis.robustness.plans.plan_from_unit`) and feeds the outputs back.

Trust: every index row carries ``reliable`` (bool) and the table a note. An index is flagged
unreliable when the base sample is smaller than :data:`MIN_BASE_SAMPLES`, or its confidence interval
half-width exceeds :data:`MAX_CONF_HALF_WIDTH`, or the output hardly varies (fewer than
:data:`MIN_MINORITY` draws on the minority side of a 0/1 outcome).

References
----------
Saltelli, A. et al. (2010). Variance based sensitivity analysis of model output. Design and estimator
for the total sensitivity index. Computer Physics Communications 181(2), 259-270.

Herman, J. & Usher, W. (2017). SALib: An open-source Python library for sensitivity analysis. Journal of
Open Source Software 2(9), 97.

Saisana, M., Saltelli, A. & Tarantola, S. (2005). Uncertainty and sensitivity analysis techniques as
tools for the quality assessment of composite indicators. J. R. Stat. Soc. A 168(2), 307-323.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from smartcity_analysis.errors import ComputationError, InputError
from smartcity_analysis.robustness.kernel import RobustnessProblem, evaluate_plan, jaccard_to
from smartcity_analysis.robustness.plans import (
    UncertaintySettings,
    factor_layout,
    nominal_plan,
    plan_from_unit,
)

__all__ = [
    "MAX_CONF_HALF_WIDTH",
    "MIN_BASE_SAMPLES",
    "SobolResult",
    "salib_problem",
    "sobol_indices",
    "selection_sobol",
]

#: Below this base sample size N (model runs = N (G + 2)) indices are flagged unreliable.
MIN_BASE_SAMPLES = 256
#: A 95 % confidence half-width above this flags the index unreliable.
MAX_CONF_HALF_WIDTH = 0.1
#: A 0/1 outcome needs at least this many draws on its minority side to be analysed reliably.
MIN_MINORITY = 20


@dataclass(frozen=True)
class SobolResult:
    """Sobol indices of the selection outcomes.

    ``table``: long DataFrame with columns ``output`` (``"jaccard"`` or a region code), ``factor``,
    ``S1, S1_conf, ST, ST_conf`` (``*_conf`` = half-width of the confidence interval), ``reliable``;
    ``n_base``, ``n_runs``, ``factors`` (group names), ``note`` (human sentence on trust).
    """

    table: pd.DataFrame
    n_base: int
    n_runs: int
    factors: tuple
    note: str


def salib_problem(names: Sequence[str], groups: Sequence[str]) -> dict:
    """SALib problem over the unit hypercube with factor ``groups`` (one group per listed name)."""
    if len(names) == 0:
        raise ComputationError(
            "Sobol analysis needs at least one uncertain factor; the spec's uncertainty block declares "
            "none. Add weights, method alternatives, threshold ranges, noise or leave-one-out."
        )
    if len(set(groups)) < 2:
        raise ComputationError(
            f"Sobol analysis needs at least two factor groups to apportion variance; got only "
            f"{sorted(set(groups))}. Declare another source of uncertainty."
        )
    return {
        "num_vars": len(names),
        "names": list(names),
        "bounds": [[0.0, 1.0]] * len(names),
        "groups": list(groups),
    }


def sobol_indices(
    problem: dict,
    model: Callable[[np.ndarray], dict[str, np.ndarray]],
    n_base: int = 512,
    seed: int = 0,
    num_resamples: int = 200,
    conf_level: float = 0.95,
    min_minority: int | None = None,
) -> SobolResult:
    """First-order and total Sobol indices of several outputs of one model, via SALib.

    Parameters
    ----------
    problem : dict
        SALib problem (see :func:`salib_problem`), bounds ``[0, 1]``.
    model : callable
        ``model(X) -> {output_name: y}`` with ``X`` the ``(runs, num_vars)`` SALib sample and each ``y`` a
        ``(runs,)`` array.
    n_base : int
        Base sample size N (a power of two; runs = N (G + 2) with G groups, no second order).
    seed : int
        Seed of the scrambled Sobol sequence and of the bootstrap.
    num_resamples, conf_level
        Bootstrap settings of SALib's confidence intervals.
    min_minority : int, optional
        For 0/1 outputs: minimum count of the minority value for a reliable estimate (default
        :data:`MIN_MINORITY`).

    Returns
    -------
    SobolResult

    Notes
    -----
    ``S_i = V[E(Y | X_i)] / V(Y)`` and ``S_Ti = E[V(Y | X_~i)] / V(Y)``, estimated by SALib
    (Saltelli 2010 for ``S_i``, Jansen for ``S_Ti``) on a scrambled Sobol sequence; an output with zero
    variance gets NaN indices.

    References
    ----------
    Saltelli et al. (2010), Comput. Phys. Commun. 181, 259-270; Herman & Usher (2017), JOSS 2(9), 97.
    """
    n_base = int(n_base)
    if n_base < 2 or (n_base & (n_base - 1)) != 0:
        raise InputError(
            f"The Sobol base sample size must be a power of two (Sobol sequence). Got {n_base}; "
            f"use e.g. {1 << max(int(np.ceil(np.log2(max(n_base, 2)))), 1)}."
        )
    # SALib pulls in scipy.stats (~0.7 s of import); report kernels import this module only to read
    # cached results.
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    min_minority = MIN_MINORITY if min_minority is None else int(min_minority)
    X = sobol_sample.sample(problem, n_base, calc_second_order=False, seed=seed)
    outputs = model(X)
    groups = list(dict.fromkeys(problem.get("groups") or problem["names"]))
    rows = []
    small = n_base < MIN_BASE_SAMPLES
    for out_name, y in outputs.items():
        y = np.asarray(y, dtype=float)
        if y.shape != (X.shape[0],):
            raise ComputationError(
                f"Output {out_name!r} has shape {y.shape}; expected ({X.shape[0]},) (one per run)."
            )
        binary = np.isin(y, (0.0, 1.0)).all()
        minority = int(min(np.sum(y == 0), np.sum(y == 1))) if binary else None
        if np.var(y) == 0:
            for g in groups:
                rows.append((out_name, g, np.nan, np.nan, np.nan, np.nan, False))
            continue
        with warnings.catch_warnings():
            # SALib warns on constant sub-samples; a 0/1 outcome that rarely flips is flagged below
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", UserWarning)
            res = sobol_analyze.analyze(
                problem,
                y,
                calc_second_order=False,
                num_resamples=num_resamples,
                conf_level=conf_level,
                # SALib's analyze() tests `if seed:`, so seed 0 would mean "unseeded" and the
                # bootstrap intervals would change between runs: shift to a never-zero seed.
                seed=seed + 1,
            )
        for i, g in enumerate(groups):
            s1, s1c = float(res["S1"][i]), float(res["S1_conf"][i])
            st, stc = float(res["ST"][i]), float(res["ST_conf"][i])
            ok = (
                not small
                and np.isfinite([s1, s1c, st, stc]).all()
                and max(s1c, stc) <= MAX_CONF_HALF_WIDTH
                and (minority is None or minority >= min_minority)
            )
            rows.append((out_name, g, s1, s1c, st, stc, bool(ok)))
    table = pd.DataFrame(
        rows, columns=["output", "factor", "S1", "S1_conf", "ST", "ST_conf", "reliable"]
    )
    n_unrel = int((~table["reliable"]).sum())
    if small:
        note = (
            f"Base sample N={n_base} is below {MIN_BASE_SAMPLES}: the indices are too uncertain to "
            f"trust; rerun with a larger N."
        )
    elif n_unrel:
        note = (
            f"{n_unrel} of {len(table)} indices are flagged unreliable (confidence half-width > "
            f"{MAX_CONF_HALF_WIDTH}, an outcome that hardly varies, or no variance); read them as "
            f"indicative only or rerun with a larger N."
        )
    else:
        note = f"All indices have confidence half-widths <= {MAX_CONF_HALF_WIDTH} (N={n_base})."
    return SobolResult(
        table=table, n_base=n_base, n_runs=int(X.shape[0]), factors=tuple(groups), note=note
    )


def selection_sobol(
    problem: RobustnessProblem,
    settings: UncertaintySettings,
    n_base: int = 512,
    seed: int = 0,
    regions: Sequence[str] | None = None,
    chunk_size: int = 512,
    progress: bool = False,
    num_resamples: int = 200,
) -> SobolResult:
    """Sobol indices of (a) the Jaccard similarity to the nominal selection and (b) each region's
    selected/not outcome.

    Parameters
    ----------
    problem : RobustnessProblem
    settings : UncertaintySettings
    n_base : int
        Base sample size (power of two); the selection is evaluated ``n_base * (G + 2)`` times.
    seed : int
    regions : sequence of str, optional
        Region codes for the per-region outputs. Default: every region whose outcome varies in the
        Sobol sample (regions always or never selected have no variance to apportion).
    chunk_size, progress
        Passed to :func:`~smartcity_analysis.robustness.kernel.evaluate_plan`.
    num_resamples : int
        Bootstrap resamples for the confidence intervals.

    Returns
    -------
    SobolResult
        Outputs ``"jaccard"`` and one per region code.

    Notes
    -----
    Factor groups follow :func:`~smartcity_analysis.robustness.plans.factor_layout`: every weight column is in
    the one group ``"weights"``; a discrete factor with ``L`` levels is ``floor(u L)`` of its uniform.
    """
    layout = factor_layout(problem, settings)
    names, groups = [], []
    for f in layout:
        for j in range(f.size):
            names.append(f"{f.name}[{j}]" if f.size > 1 else f.name)
            groups.append(f.group)
    sp = salib_problem(names, groups)
    nominal = evaluate_plan(problem, nominal_plan(problem)).selected[0]
    codes = list(problem.region_codes)
    wanted = None if regions is None else [codes.index(c) for c in regions if c in codes]

    def model(X):
        plan = plan_from_unit(problem, settings, X)
        out = evaluate_plan(problem, plan, chunk_size=chunk_size, progress=progress)
        result = {"jaccard": jaccard_to(out.selected, nominal)}
        sel = out.selected
        idx = wanted
        if idx is None:
            share = sel.mean(axis=0)
            idx = np.flatnonzero((share > 0) & (share < 1)).tolist()
        for i in idx:
            result[codes[i]] = sel[:, i].astype(float)
        return result

    return sobol_indices(sp, model, n_base=n_base, seed=seed, num_resamples=num_resamples)
