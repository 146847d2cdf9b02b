"""Candidate indicators for the revealed-criteria search: everything measured, not only a spec's.

The spec supplies only the framing (cohorts, data years, pool exits); the candidates are every
indicator of the curated registry (``data/indicators.yml``) that is observed for at least
:data:`MIN_COVERAGE` of the regions in *every* data year of the spec's cohorts (the weights are shared
across cohorts, so an indicator missing in one data year cannot take part), with

- a declared transform (:func:`candidate_transform`): ``log`` for sizes and money (units in IDR,
  persons, night-light sums), ``log1p`` where such a column has zeros, none otherwise;
- a per-capita form beside a total where both mean something (:data:`PER_CAPITA`: money totals without
  a per-capita column of their own in the registry), derived exactly as a spec would
  (``derive: {numerator, denominator: population, scale}``);
- a declared direction: the registry's ``+1``/``-1``; where the registry says ``0`` (no good
  direction: population, transfers, government size) both orientations are candidates, so the fit
  chooses the sign inside the training cohorts and still constrains it.

The candidate matrix is built by the index engine itself (:func:`smartcity_analysis.engine.pipeline.build_index`
on a generated spec: province-median imputation, no outlier treatment, z-scores over all regions of a
data year), so a spec exported from a fitted model (:mod:`.export`) scores regions exactly as the fit
did. Labels never enter this step: the z-scores of a data year use every region of that year, selected
or not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from smartcity_analysis.curated import loaders
from smartcity_analysis.curated.inputs import data_key
from smartcity_analysis.engine import pipeline
from smartcity_analysis.errors import ComputationError
from smartcity_analysis.explanation import agreement as agr
from smartcity_analysis.spec import load_spec

__all__ = [
    "CANDIDATE_METHODS",
    "MIN_COVERAGE",
    "PER_CAPITA",
    "CandidateSet",
    "build_candidates",
    "candidate_transform",
]

#: Share of regions an indicator must be observed for in every data year to be a candidate.
MIN_COVERAGE = 0.9

#: Money totals given a per-capita form (thousand IDR per person = 1e6 * billion IDR / persons);
#: the registry already holds the per-capita forms of GRDP, fiscal capacity and own-source revenue.
PER_CAPITA = {
    "government_consumption": "government_consumption_per_capita",
    "personnel_spending": "personnel_spending_per_capita",
    "dbh_tax": "dbh_tax_per_capita",
    "dbh_natural_resources": "dbh_natural_resources_per_capita",
}
_PER_CAPITA_SCALE = 1e6

#: Engine methods of the candidate matrix (and of every exported spec).
CANDIDATE_METHODS = {
    "imputation": {"method": "group_median", "group": "province"},
    "outliers": "none",
    "normalisation": "zscore",
    "weighting": "explicit",
    "aggregation": {"pillars": "arithmetic", "index": "arithmetic"},
    "min_coverage": {"indicators": 0.5, "pillars": 0.0, "index": 0.0},
}

_SIZE_UNITS = ("idr", "persons", "dn sum")
#: Suffix of the reversed orientation of an indicator with no declared direction.
NEG = "__neg"


def candidate_transform(unit: str, values: np.ndarray) -> str | None:
    """The declared transform of a candidate: ``log`` for sizes and money, ``log1p`` when such a
    column holds zeros, ``None`` otherwise.

    Parameters
    ----------
    unit : str
        The registry's unit text (``"billion IDR"``, ``"persons per km2"``, ``"percent"``...).
    values : array
        Observed values over every data year (to detect zeros or negatives).

    Returns
    -------
    str or None
    """
    u = str(unit).lower()
    if not any(s in u for s in _SIZE_UNITS):
        return None
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size and v.min() > 0:
        return "log"
    return "log1p" if v.size and v.min() >= 0 else None


@dataclass(frozen=True)
class CandidateSet:
    """The candidates on the evaluated regions of every cohort (one row per cohort and region).

    Attributes
    ----------
    X : numpy.ndarray, shape (n, p)
        Engine z-scores (imputed, transformed), oriented so that higher means the declared direction.
    R : numpy.ndarray, shape (n, p)
        Raw (observed, untransformed) values times the orientation; NaN where not observed. Gates
        compare these with a level, as the engine's threshold rules do.
    y : numpy.ndarray
        1 = actually selected in the row's cohort.
    groups : numpy.ndarray
        Cohort year of each row.
    region_codes : numpy.ndarray of str
    columns : DataFrame
        One row per candidate column: ``name, indicator, direction, transform, derive_numerator,
        derive_denominator, derive_scale, form`` (``total`` / ``per_capita`` / ``other``), ``unit``.
    excluded : DataFrame
        ``indicator, reason`` for registry indicators that are not candidates.
    indicator_spec : dict
        The generated engine spec the matrix was built with (one entry per indicator).
    data_hash : str
        :func:`~smartcity_analysis.curated.inputs.data_key` of the data frames used.
    data_years : dict
        Cohort year -> data year.
    """

    X: np.ndarray
    R: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    region_codes: np.ndarray
    columns: pd.DataFrame
    excluded: pd.DataFrame
    indicator_spec: dict
    data_hash: str
    data_years: dict
    dropped_cohorts: tuple = ()

    @property
    def names(self) -> list[str]:
        return list(self.columns["name"])

    def column(self, name: str) -> int:
        """Position of a candidate column by name."""
        return self.names.index(name)

    def table(self) -> pd.DataFrame:
        """The candidates with their coverage, for ``candidates.csv``."""
        out = self.columns.copy()
        out["n_rows"] = len(self.y)
        out["share_observed"] = np.isfinite(self.R).mean(axis=0)
        return out


def _indicator_entries(registry: Mapping, frames: Mapping[int, pd.DataFrame]):
    """Candidate indicator entries for the engine spec, and the excluded registry indicators."""
    entries, rows, excluded = [], [], []
    for code, meta in sorted(registry.items()):
        cover = [float(f[code].notna().mean()) if code in f.columns else 0.0 for f in frames.values()]
        if min(cover) < MIN_COVERAGE:
            years = [y for y, c in zip(frames, cover, strict=True) if c < MIN_COVERAGE]
            excluded.append((code, f"observed for less than {MIN_COVERAGE:.0%} of the regions in data "
                                   f"year(s) {years}"))
            continue
        vals = np.concatenate([f[code].to_numpy(float) for f in frames.values()])
        unit = str(meta.get("unit", ""))
        transform = candidate_transform(unit, vals)
        direction = int(meta.get("direction", 1))
        low = unit.lower()
        form = "per_capita" if "per_capita" in code or "per person" in low else (
            "total" if low in ("billion idr", "persons") else "other")
        entries.append({"code": code, "direction": 1, "transform": transform})
        rows.append((code, direction, transform, None, None, None, form, unit))
        pc = PER_CAPITA.get(code)
        if pc and pc not in registry and "population" in registry:
            pvals = np.concatenate([(_PER_CAPITA_SCALE * f[code] / f["population"]).to_numpy(float)
                                    for f in frames.values()])
            ptr = candidate_transform("thousand IDR per person", pvals)
            entries.append({"code": pc, "direction": 1, "transform": ptr,
                            "derive": {"numerator": code, "denominator": "population",
                                       "scale": _PER_CAPITA_SCALE}})
            rows.append((pc, direction, ptr, code, "population", _PER_CAPITA_SCALE, "per_capita",
                         "thousand IDR per person"))
    info = pd.DataFrame(rows, columns=["indicator", "registry_direction", "transform",
                                       "derive_numerator", "derive_denominator", "derive_scale",
                                       "form", "unit"])
    return entries, info, pd.DataFrame(excluded, columns=["indicator", "reason"])


def candidate_spec(spec, entries) -> dict:
    """The generated engine spec of the candidates: the spec's framing, one pillar of everything."""
    return {
        "id": "revealed_candidates",
        "title": "Candidate indicators of the revealed-criteria search (generated)",
        "cohorts": [{"year": c.year, "size": c.size, "data_year": c.data_year} for c in spec.cohorts],
        "pool": {"previous_cohorts": "actual", "leave_statuses": list(spec.pool.leave_statuses)},
        "indicators": entries,
        "pillars": [{"id": "candidates", "weight": 1,
                     "indicators": {e["code"]: 1 for e in entries}}],
        "methods": CANDIDATE_METHODS,
    }


def build_candidates(spec, frames: Mapping[int, pd.DataFrame], *, regions: pd.DataFrame | None = None,
                     cohorts: pd.DataFrame | None = None, definition: str = "mou",
                     registry: Mapping | None = None) -> CandidateSet:
    """Every measured candidate on the evaluated regions of each cohort of ``spec``.

    Parameters
    ----------
    spec : Spec
        Supplies the framing only: cohorts, data years, pool exits.
    frames : mapping
        ``data_year -> wide frame`` (:func:`~smartcity_analysis.curated.inputs.spec_frames`).
    regions, cohorts : DataFrame, optional
        Default ``loaders.load_regions()`` / ``loaders.load_cohorts()``.
    definition : str
        Outcome definition (:data:`~.agreement.OUTCOME_DEFINITIONS`).
    registry : mapping, optional
        Indicator registry (default ``loaders.load_indicator_registry()``), restricted to the columns
        of the frames.

    Returns
    -------
    CandidateSet

    Notes
    -----
    Rows: per cohort, the regions whose role is ``selected`` or ``not_selected``
    (:func:`~.agreement.cohort_roles` with the spec's ``pool.leave_statuses``); a cohort without
    selected (or without unselected) regions is left out and listed in ``dropped_cohorts``. Columns: per candidate
    indicator one column oriented by its registry direction, two (``code`` and ``code__neg``) where
    the registry declares none.
    """
    regions = loaders.load_regions() if regions is None else regions
    cohorts = loaders.load_cohorts() if cohorts is None else cohorts
    frames = {y: frames[y] for y in sorted({c.data_year for c in spec.cohorts})}
    registry = loaders.load_indicator_registry() if registry is None else registry
    common = set.intersection(*(set(f.columns) for f in frames.values()))
    registry = {k: v for k, v in registry.items() if k in common}
    entries, info, excluded = _indicator_entries(registry, frames)
    if not entries:
        raise ComputationError(
            f"No indicator is observed for {MIN_COVERAGE:.0%} of the regions in every data year "
            f"{sorted(frames)} of spec '{spec.id}'; the revealed-criteria search has no candidate."
        )
    cand = candidate_spec(spec, entries)
    cspec = load_spec(cand, known_indicators=set(registry) | {e["code"] for e in entries})
    builds = {y: pipeline.build_index(f, cspec, regions=regions, data_year=y, diagnostics=False)
              for y, f in frames.items()}
    # the engine may drop an indicator (coverage); keep only what every year computed
    codes = [e["code"] for e in entries
             if all(e["code"] in b.normalised.columns for b in builds.values())]
    info = info.set_index("indicator").loc[codes].reset_index()
    cols = []
    for _, r in info.iterrows():
        dirs = (1, -1) if r["registry_direction"] == 0 else (int(r["registry_direction"]),)
        for d in dirs:
            name = r["indicator"] if d == 1 or r["registry_direction"] != 0 else r["indicator"] + NEG
            cols.append({"name": name, **r.to_dict(), "direction": d})
    columns = pd.DataFrame(cols)[["name", "indicator", "direction", "registry_direction", "transform",
                                  "derive_numerator", "derive_denominator", "derive_scale", "form",
                                  "unit"]]
    sign = columns["direction"].to_numpy(float)
    ind = list(columns["indicator"])
    Xs, Rs, ys, gs, cs, dropped = [], [], [], [], [], []
    for c in spec.cohorts:
        roles = agr.cohort_roles(cohorts, c.year, regions.index, definition=definition,
                                 leave_statuses=spec.pool.leave_statuses)
        ev = roles.index[roles["role"].isin(["selected", "not_selected"])]
        label = (roles.loc[ev, "role"] == "selected").to_numpy(int)
        if label.min(initial=1) == label.max(initial=0):
            dropped.append(c.year)  # no selected (or no unselected) region: nothing to explain
            continue
        b = builds[c.data_year]
        Xs.append(b.normalised.reindex(ev)[ind].to_numpy(float) * sign)
        Rs.append(b.raw.reindex(ev)[ind].to_numpy(float) * sign)
        ys.append(label)
        gs.append(np.full(len(ev), c.year))
        cs.append(np.asarray(ev, dtype=str))
    X = np.vstack(Xs)
    # a region the engine could not impute (no value in the whole country) sits at the mean
    X = np.where(np.isfinite(X), X, 0.0)
    return CandidateSet(
        X=X, R=np.vstack(Rs), y=np.concatenate(ys), groups=np.concatenate(gs),
        region_codes=np.concatenate(cs), columns=columns, excluded=excluded,
        indicator_spec={e["code"]: e for e in entries if e["code"] in codes},
        data_hash=data_key(frames),
        data_years={c.year: c.data_year for c in spec.cohorts if c.year not in dropped},
        dropped_cohorts=tuple(dropped),
    )
