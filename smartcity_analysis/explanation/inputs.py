"""The explanation's doors to a spec and to its data (one module, so both the run and the
counterfactual checks use the same ones).

The spec and its data come through the package's one doors (:func:`smartcity_analysis.spec.resolve_spec`,
:func:`smartcity_analysis.curated.inputs.spec_frames`); these helpers only accept the other shapes a
caller may pass its own indicators in (one wide frame, a long frame, a mapping of years).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from smartcity_analysis.curated import loaders
from smartcity_analysis.curated.inputs import spec_frames
from smartcity_analysis.engine import selection
from smartcity_analysis.errors import InputError


def _indicators_or_spec_data(spec, indicators):
    """The caller's indicators, or (None) the data of the spec: curated tables + user-supplied files."""
    return spec_frames(spec) if indicators is None else indicators


def _wide_for(indicators, year: int) -> pd.DataFrame:
    if isinstance(indicators, Mapping):
        if year not in indicators:
            raise InputError(
                f"No indicator frame for data year {year} in the 'indicators' mapping (got years "
                f"{sorted(indicators)}). Pass one wide frame per data year of the spec's cohorts."
            )
        return indicators[year]
    if isinstance(indicators, pd.DataFrame):
        if isinstance(indicators.index, pd.MultiIndex):
            return indicators.xs(year, level="year")
        if {"region_code", "year", "indicator", "value"} <= set(indicators.columns):
            wide = loaders.to_wide(indicators[indicators["year"] == year])
            if isinstance(wide.index, pd.MultiIndex):
                wide = wide.droplevel("year")
            return wide
        return indicators
    raise InputError(
        f"'indicators' must be None, a wide DataFrame, a long DataFrame or a mapping year -> wide "
        f"DataFrame. Got {type(indicators).__name__}."
    )


def _run_cohorts(spec, indicators, regions, cohorts) -> dict:
    """The engine's builds and selections of every cohort: ``{year: (IndexResult, table)}``, the
    table indexed by region_code."""
    data = indicators
    if isinstance(indicators, pd.DataFrame):
        data = {c.data_year: _wide_for(indicators, c.data_year) for c in spec.cohorts}
    runs = selection.run_cohorts(spec, indicators=data, regions=regions, cohorts=cohorts)
    out = {}
    for year, run in runs.items():
        t = run.table.copy()
        t["region_code"] = t["region_code"].astype(str)
        out[year] = (run.result, t.set_index("region_code"))
    return out
