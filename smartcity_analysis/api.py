"""The README's convenience doors: rank, build and run a spec on the real curated data.

>>> from smartcity_analysis import api
>>> table = api.rank("kominfo_prescreen", cohort=2018)   # doctest: +SKIP

``spec`` is a :class:`~smartcity_analysis.spec.Spec`, a shipped spec name or a path (resolved by
:func:`smartcity_analysis.spec.resolve_spec`); the data are those of
:func:`smartcity_analysis.curated.inputs.spec_frames` (user-supplied files included), the same door
every analysis and report uses.
"""

from __future__ import annotations

import os

import pandas as pd

from smartcity_analysis.curated import loaders
from smartcity_analysis.curated.inputs import data_frame, spec_frames
from smartcity_analysis.engine.pipeline import IndexResult, build_index
from smartcity_analysis.engine.selection import CohortSelection, run_cohorts, run_selection
from smartcity_analysis.spec import Spec, resolve_spec

SpecLike = Spec | str | os.PathLike


def load_data(spec: SpecLike, data_year: int) -> pd.DataFrame:
    """The wide ``region_code x indicator`` frame of ``data_year`` plus the spec's supplied files.

    Parameters
    ----------
    spec : Spec, str or path-like
        The spec (object, shipped name or path).
    data_year : int
        The data year.

    Returns
    -------
    pandas.DataFrame
        See :func:`smartcity_analysis.curated.inputs.data_frame`.
    """
    return data_frame(resolve_spec(spec), data_year)


def build(spec: SpecLike, data_year: int, *, diagnostics: bool = True) -> IndexResult:
    """Build the index of ``spec`` on the real data of ``data_year``.

    Parameters
    ----------
    spec : Spec, str or path-like
        The spec (object, shipped name or path).
    data_year : int
        The data year.
    diagnostics : bool
        Compute the index diagnostics (correlations, Cronbach's alpha, ...).

    Returns
    -------
    IndexResult
        Every intermediate of the build (see :func:`smartcity_analysis.engine.pipeline.build_index`).
    """
    s = resolve_spec(spec)
    return build_index(data_frame(s, data_year), s, regions=loaders.load_regions(), data_year=int(data_year),
                       diagnostics=diagnostics)


def cohorts(spec: SpecLike, *, until: int | None = None, diagnostics: bool = True) -> dict[int, CohortSelection]:
    """Run the spec's cohorts in sequence on the real data.

    Parameters
    ----------
    spec : Spec, str or path-like
        The spec (object, shipped name or path).
    until : int, optional
        Last cohort year to run (default: every cohort).
    diagnostics : bool
        Give each cohort's :class:`IndexResult` its diagnostics.

    Returns
    -------
    dict
        Cohort year -> :class:`~smartcity_analysis.engine.selection.CohortSelection` (see
        :func:`smartcity_analysis.engine.selection.run_cohorts`).
    """
    s = resolve_spec(spec)
    return run_cohorts(s, until=until, indicators=spec_frames(s, until=until), diagnostics=diagnostics)


def rank(spec: SpecLike, cohort: int | None = None) -> pd.DataFrame:
    """Per-region selection table of ``cohort`` (all cohorts when None) on the real data.

    Parameters
    ----------
    spec : Spec, str or path-like
        The spec (object, shipped name or path).
    cohort : int, optional
        The cohort year (default: every cohort).

    Returns
    -------
    pandas.DataFrame
        See :func:`smartcity_analysis.engine.selection.run_selection`.
    """
    s = resolve_spec(spec)
    return run_selection(s, cohort=cohort, indicators=spec_frames(s, until=cohort))
