"""The orchestrator: one index build from a wide indicator frame and a spec.

:func:`build_index` composes the steps in methodological order (OECD/JRC handbook): select the
computable indicators -> impute -> transform -> treat outliers -> normalise -> weight -> aggregate to
pillars -> aggregate to the index -> rank -> diagnostics, and returns an immutable :class:`IndexResult`
that keeps every intermediate and its provenance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from smartcity_analysis import __version__
from smartcity_analysis.curated.inputs import hash_frame
from smartcity_analysis.engine.aggregation import aggregate
from smartcity_analysis.engine.diagnostics import Diagnostics, compute_diagnostics
from smartcity_analysis.engine.imputation import impute
from smartcity_analysis.engine.normalisation import NORMALISERS, output_range
from smartcity_analysis.engine.outliers import treat
from smartcity_analysis.engine.weighting import WEIGHTERS
from smartcity_analysis.errors import ComputationError, DataError
from smartcity_analysis.spec import IndicatorSpec, MethodChoice, Spec

EXCLUDED_COLUMNS = ["indicator", "pillar", "availability", "reason"]
WEIGHT_COLUMNS = ["pillar", "indicator", "weight_in_pillar", "pillar_weight", "overall_weight",
                  "nominal_in_pillar", "nominal_pillar"]


@dataclass(frozen=True)
class IndexResult:
    """Every intermediate of one index build, and its provenance (immutable).

    Attributes
    ----------
    raw : DataFrame
        ``region_code x indicator`` values of the computed indicators (derived ones included), before
        imputation.
    imputed, imputed_mask : DataFrame
        Values after imputation; True where a value was imputed.
    treated : DataFrame
        After the declared transform (log) and outlier treatment.
    treatment_log : DataFrame
        One row per indicator (see :mod:`smartcity_analysis.engine.outliers`).
    normalised : DataFrame
        Normalised values, higher is better.
    pillar_scores : DataFrame
        ``region_code x pillar`` (only pillars with at least one computed indicator).
    index : Series
        The composite score (NaN below the minimum data coverage).
    ranks : DataFrame
        ``rank_national`` and, when the region table is given, ``rank_province`` and ``rank_type``
        (1 = best, ties share the best rank; NaN where the score is NaN).
    weights : DataFrame
        Weights used: ``pillar, indicator, weight_in_pillar, pillar_weight, overall_weight,
        nominal_in_pillar, nominal_pillar``.
    excluded : DataFrame
        Indicators carried by the spec but not computed: ``indicator, pillar, availability, reason``.
    dropped_pillars : tuple of str
        Pillars without any computed indicator (their weight is renormalised over the others).
    diagnostics : Diagnostics or None
    provenance : dict
        ``spec_id, spec_hash, spec_version, data_hash, package_version, data_year, seed``.
    spec : Spec
    """

    raw: pd.DataFrame
    imputed: pd.DataFrame
    imputed_mask: pd.DataFrame
    treated: pd.DataFrame
    treatment_log: pd.DataFrame
    normalised: pd.DataFrame
    pillar_scores: pd.DataFrame
    index: pd.Series
    ranks: pd.DataFrame
    weights: pd.DataFrame
    excluded: pd.DataFrame
    dropped_pillars: tuple[str, ...]
    diagnostics: Diagnostics | None
    provenance: dict
    spec: Spec = field(repr=False)

    @property
    def imputed_cells(self) -> pd.DataFrame:
        """Long table of imputed cells: ``region_code, indicator, value`` (for flags in reports)."""
        m = self.imputed_mask.stack()
        cells = m[m].index
        out = pd.DataFrame({"region_code": cells.get_level_values(0).astype(str),
                            "indicator": cells.get_level_values(1)})
        out["value"] = [self.imputed.at[r, c] for r, c in zip(out["region_code"], out["indicator"], strict=True)]
        return out

    @property
    def treated_cells(self) -> pd.DataFrame:
        """Long table of cells changed by the outlier treatment: ``region_code, indicator, action``."""
        rows = [(r, t.indicator, t.action) for t in self.treatment_log.itertuples()
                if t.action != "none" for r in str(t.treated_regions).split(";") if r]
        return pd.DataFrame(rows, columns=["region_code", "indicator", "action"])

    @property
    def members(self) -> dict[str, list[str]]:
        """Pillar id -> computed indicator codes."""
        return {p: list(g["indicator"]) for p, g in self.weights.groupby("pillar", sort=False)}


def _transform(x: pd.Series, kind: str | None) -> pd.Series:
    if kind is None:
        return x
    v = x.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "log":
            out = np.log(np.where(v > 0, v, np.nan))
        else:
            out = np.log1p(np.where(v > -1, v, np.nan))
    return pd.Series(out, index=x.index, name=x.name)


def computed_indicators(spec: Spec, columns) -> tuple[list[IndicatorSpec], list[tuple[str, str]]]:
    """Split the spec's indicators into the computable ones (given the data's columns) and the
    excluded ones with a reason.

    Notes
    -----
    Excluded: ``unavailable``; ``user_supplied`` without its column; derived indicators whose inputs are
    missing; measured indicators absent from the data. (Indicators observed for too few regions are excluded
    later, in :func:`build_index`.)

    References
    ----------
    .. [1] OECD/JRC (2008). Handbook on Constructing Composite Indicators, step 2 (data selection).
    """
    cols = set(columns)
    keep, excluded = [], []
    for ind in spec.indicators:
        if ind.availability == "unavailable":
            excluded.append((ind.code, "declared unavailable"))
        elif ind.availability == "user_supplied" and ind.code not in cols:
            excluded.append((ind.code, "user-supplied file not given"))
        elif ind.derive is not None and not {ind.derive.numerator, ind.derive.denominator} <= cols:
            missing = sorted({ind.derive.numerator, ind.derive.denominator} - cols)
            excluded.append((ind.code, f"derivation inputs not in data: {', '.join(missing)}"))
        elif ind.derive is None and ind.availability == "measured" and ind.code not in cols:
            excluded.append((ind.code, "not in data"))
        else:
            keep.append(ind)
    return keep, excluded


def _raw_frame(indicators: pd.DataFrame, inds: list[IndicatorSpec]) -> pd.DataFrame:
    out = np.empty((len(indicators), len(inds)))
    for j, ind in enumerate(inds):
        if ind.derive is not None:
            num = indicators[ind.derive.numerator].to_numpy(dtype=float)
            den = indicators[ind.derive.denominator].to_numpy(dtype=float)
            with np.errstate(divide="ignore", invalid="ignore"):
                out[:, j] = ind.derive.scale * num / np.where(den != 0, den, np.nan)
        else:
            out[:, j] = indicators[ind.code].to_numpy(dtype=float)
    out[~np.isfinite(out)] = np.nan
    index = pd.Index(indicators.index.astype(str), name="region_code")
    return pd.DataFrame(out, index=index, columns=[ind.code for ind in inds])


def normalise_frame(treated: pd.DataFrame, spec: Spec, default: MethodChoice | None = None) -> pd.DataFrame:
    """Normalise each column with its indicator's override, else the spec's (or ``default``) method.

    Notes
    -----
    Columns sharing a method and parameters are normalised in one array call.

    References
    ----------
    .. [1] OECD/JRC (2008). Handbook on Constructing Composite Indicators, section 5.
    """
    default = default or spec.methods.normalisation
    groups: dict[MethodChoice, list[str]] = {}
    for c in treated.columns:
        ind = spec.indicator(c)
        groups.setdefault(ind.normalisation or default, []).append(c)
    vals = treated.to_numpy(dtype=float)
    out = np.empty_like(vals)
    pos = {c: j for j, c in enumerate(treated.columns)}
    for choice, cols in groups.items():
        idx = [pos[c] for c in cols]
        d = np.array([spec.indicator(c).direction for c in cols], dtype=float)
        out[:, idx] = NORMALISERS[choice.name](vals[:, idx], d, **choice.kwargs)
    return pd.DataFrame(out, index=treated.index, columns=treated.columns)


def rank_desc(scores: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
    """Competition ranks ("min": ties share the best rank), 1 = highest score, within ``groups``.

    NaN scores get NaN ranks.

    Notes
    -----
    :math:`r_i = 1 + \\#\\{k \\in G_i : s_k > s_i\\}` (competition ranking), computed by one lexicographic sort.

    References
    ----------
    .. [1] OECD/JRC (2008). Handbook on Constructing Composite Indicators, section 6.
    """
    s = np.asarray(scores, dtype=float)
    g = np.zeros(s.size, dtype=np.int64) if groups is None else pd.factorize(groups)[0].astype(np.int64)
    ok = ~np.isnan(s)
    ranks = np.full(s.size, np.nan)
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return ranks
    order = idx[np.lexsort((-s[idx], g[idx]))]
    gs, ss = g[order], s[order]
    new_group = np.r_[True, gs[1:] != gs[:-1]]
    new_value = new_group | np.r_[True, ss[1:] != ss[:-1]]
    pos = np.arange(order.size)
    group_start = np.maximum.accumulate(np.where(new_group, pos, 0))
    run_start = np.maximum.accumulate(np.where(new_value, pos, 0))
    ranks[order] = run_start - group_start + 1
    return ranks


def _ranks(index: pd.Series, regions: pd.DataFrame | None) -> pd.DataFrame:
    out = pd.DataFrame({"rank_national": rank_desc(index.to_numpy())}, index=index.index)
    if regions is not None:
        reg = regions.reindex(index.index)
        for col, key in (("rank_province", "province_code"), ("rank_type", "type")):
            if key in reg.columns:
                out[col] = rank_desc(index.to_numpy(), reg[key].to_numpy())
    return out


def build_index(indicators_wide: pd.DataFrame, spec: Spec, *, regions: pd.DataFrame | None = None,
                data_year: int | None = None, diagnostics: bool = True) -> IndexResult:
    """Build the composite index of ``spec`` on one year's wide indicator frame.

    Parameters
    ----------
    indicators_wide : DataFrame
        ``region_code x indicator`` (``loaders.load_indicators(year, wide=True)``); user-supplied
        indicators are extra columns named by their code.
    spec : Spec
    regions : DataFrame, optional
        Region table (``loaders.load_regions()``): needed for group imputation and the province/type
        ranks.
    data_year : int, optional
        Recorded in the provenance.
    diagnostics : bool
        Compute :class:`~smartcity_analysis.engine.diagnostics.Diagnostics` (skip in inner loops).

    Returns
    -------
    IndexResult

    Raises
    ------
    DataError
        When no indicator of the spec can be computed from the frame.

    Notes
    -----
    Pillar score of region :math:`i` in pillar :math:`p`:
    :math:`P_{ip} = A_p(\\{y_{ij}\\}_{j \\in p}; w_{j|p})`, index :math:`I_i = A(\\{P_{ip}\\}; v_p)`,
    where :math:`y` are normalised values, :math:`A_p, A` the declared aggregators, :math:`w_{j|p}` the
    weights within the pillar and :math:`v_p` the pillar weights (both renormalised over what is
    computed). Indicators that are unavailable, user-supplied without a file, or absent from the data
    are excluded and recorded in ``excluded``; pillars left without indicators are dropped and listed
    in ``dropped_pillars``.

    References
    ----------
    .. [1] OECD/JRC (2008). Handbook on Constructing Composite Indicators: Methodology and User Guide.
    .. [2] Becker W. et al. (2022). COINr. JOSS 7(78), 4567.
    """
    if not isinstance(indicators_wide, pd.DataFrame):
        raise DataError(f"build_index needs a wide DataFrame region_code x indicator. Got "
                        f"{type(indicators_wide).__name__}.")
    m = spec.methods
    keep, excluded = computed_indicators(spec, indicators_wide.columns)
    raw = _raw_frame(indicators_wide, keep).sort_index()
    # an indicator observed for too few regions is not used (imputing most of it would invent it)
    n = max(len(raw), 1)
    sparse = [c for c in raw.columns if raw[c].notna().sum() / n + 1e-12 < max(m.min_coverage_indicators, 1e-9)]
    when = f" in data year {data_year}" if data_year else ""
    for c in sparse:
        excluded.append((c, f"observed for {int(raw[c].notna().sum())}/{len(raw)} regions{when}, below "
                            f"min_coverage.indicators {m.min_coverage_indicators:g}"))
    raw = raw.drop(columns=sparse)
    if raw.shape[1] == 0:
        raise DataError(
            f"No indicator of spec '{spec.id}' can be computed from the data "
            f"(data year {data_year}); excluded: {', '.join(c for c, _ in excluded)}. Check the data year "
            "or the indicator codes."
        )
    pillar_of = {code: p.id for p in spec.pillars for code in p.indicator_codes}
    excl = pd.DataFrame(
        [(c, pillar_of.get(c), spec.indicator(c).availability, r) for c, r in excluded],
        columns=EXCLUDED_COLUMNS,
    )

    imputed, mask = impute(raw, m.imputation.name, regions=regions, **m.imputation.kwargs)
    transformed = imputed
    if any(spec.indicator(c).transform for c in imputed.columns):
        transformed = imputed.copy()
        for c in imputed.columns:
            if spec.indicator(c).transform:
                transformed[c] = _transform(imputed[c], spec.indicator(c).transform)
    treated, log = treat(transformed, m.outliers.name, **m.outliers.kwargs)
    normalised = normalise_frame(treated, spec)

    # weights and aggregation, level 1 (indicators -> pillars)
    pillar_scores = {}
    pillar_nominal = {}
    weight_rows = []
    dropped = []
    norm_vals = normalised.to_numpy()
    col_pos = {c: j for j, c in enumerate(normalised.columns)}
    for p in spec.pillars:
        cols = [c for c in p.indicator_codes if c in col_pos]
        if not cols:
            dropped.append(p.id)
            continue
        nominal = np.array([np.nan if p.indicator_weights[c] is None else p.indicator_weights[c] for c in cols])
        vals = norm_vals[:, [col_pos[c] for c in cols]]
        w = WEIGHTERS[m.weighting_indicators.name](vals, nominal, **m.weighting_indicators.kwargs)
        agg = p.aggregation or m.aggregation_pillars
        pillar_scores[p.id] = aggregate(vals, w, agg.name, min_coverage=m.min_coverage_pillars, **agg.kwargs)
        pillar_nominal[p.id] = np.nan if p.weight is None else p.weight
        for c, wc, nc in zip(cols, w, nominal, strict=True):
            weight_rows.append([p.id, c, float(wc), np.nan, np.nan, nc, pillar_nominal[p.id]])
    ps = pd.DataFrame(pillar_scores, index=normalised.index)

    # level 2 (pillars -> index)
    pids = list(ps.columns)
    pnom = np.array([pillar_nominal[p] for p in pids])
    pw = WEIGHTERS[m.weighting_pillars.name](ps.to_numpy(), pnom, **m.weighting_pillars.kwargs)
    if not np.isfinite(pw).all():
        raise ComputationError(f"Pillar weights of spec '{spec.id}' are not finite: {pw}.")
    index = pd.Series(
        aggregate(ps.to_numpy(), pw, m.aggregation_index.name, min_coverage=m.min_coverage_index,
                  **m.aggregation_index.kwargs),
        index=normalised.index, name="score",
    )
    pw_of = dict(zip(pids, pw, strict=True))
    weights = pd.DataFrame(weight_rows, columns=WEIGHT_COLUMNS)
    weights["pillar_weight"] = weights["pillar"].map(pw_of)
    weights["overall_weight"] = weights["pillar_weight"] * weights["weight_in_pillar"]

    ranks = _ranks(index, regions)
    diag = None
    if diagnostics:
        members = {p: list(g["indicator"]) for p, g in weights.groupby("pillar", sort=False)}
        diag = compute_diagnostics(normalised, ps, index, members,
                                   weights.set_index("indicator")["overall_weight"])
    provenance = {
        "spec_id": spec.id,
        "spec_hash": spec.spec_hash,
        "spec_version": spec.version,
        "data_hash": hash_frame(raw),
        "package_version": __version__,
        "data_year": data_year,
        "seed": m.imputation.kwargs.get("seed"),
    }
    return IndexResult(raw=raw, imputed=imputed, imputed_mask=mask, treated=treated, treatment_log=log,
                       normalised=normalised, pillar_scores=ps, index=index, ranks=ranks, weights=weights,
                       excluded=excl, dropped_pillars=tuple(dropped), diagnostics=diag,
                       provenance=provenance, spec=spec)


#: Aggregators whose result lies between the smallest and largest component (weighted means).
_MEANS = frozenset({"arithmetic", "geometric", "harmonic"})


def score_range(spec: Spec) -> tuple[float, float] | None:
    """The interval the pillar scores and the index of ``spec`` always lie in, or None.

    Parameters
    ----------
    spec : Spec

    Returns
    -------
    tuple of float or None
        ``(low, high)`` when every indicator's normalisation maps into that same interval and both
        aggregation levels are weighted means (arithmetic, geometric, harmonic), which stay inside it;
        None otherwise (z-scores, ranks, the Mazziotta-Pareto index, Copeland scores), where a score has
        no fixed scale and only its order and differences mean something.
    """
    methods = spec.methods
    if {methods.aggregation_pillars.name, methods.aggregation_index.name} - _MEANS:
        return None
    ranges = {output_range(c.name, c.kwargs)
              for c in (ind.normalisation or methods.normalisation for ind in spec.indicators)}
    return ranges.pop() if len(ranges) == 1 else None

