"""Convenience layer: load the real curated data and run a spec.

>>> from smartcity_analysis import api
>>> table = api.rank("specs/kominfo_prescreen.yml", cohort=2018)   # doctest: +SKIP

User-supplied indicators whose spec entry gives a ``path`` are read here (CSV with columns
``region_code`` and ``value``) and added to every data year's frame.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from smartcity_analysis.errors import InputError
from smartcity_analysis.pipeline import IndexResult, build_index
from smartcity_analysis.selection import CohortSelection, run_cohorts, run_selection
from smartcity_analysis.spec import Spec, load_spec


def _spec(spec: Spec | str | os.PathLike) -> Spec:
    return spec if isinstance(spec, Spec) else load_spec(spec)


def read_user_indicator(path: str | os.PathLike, code: str, *, base: str | os.PathLike | None = None) -> pd.Series:
    """Read a user-supplied indicator file: CSV with columns ``region_code`` (4-char) and ``value``.

    Raises
    ------
    InputError
        When the file is missing or malformed (names the file, column and rows).

    Notes
    -----
    Thin wrapper over the engine (:mod:`smartcity_analysis.pipeline`, :mod:`smartcity_analysis.selection`)
    on the curated data of ``data/`` (:mod:`smartcity_analysis.loaders`).

    References
    ----------
    .. [1] docs/methodology.md.
    """
    p = Path(path)
    if not p.is_absolute() and base is not None:
        p = Path(base) / p
    if not p.is_file():
        raise InputError(f"User-supplied file for indicator '{code}' not found: '{p}'. Give an existing "
                         "CSV with columns region_code,value or set user_supplied.path to null.")
    df = pd.read_csv(p, dtype={"region_code": str})
    missing = {"region_code", "value"} - set(df.columns)
    if missing:
        raise InputError(f"User-supplied file '{p}' for indicator '{code}' lacks column(s) "
                         f"{sorted(missing)}; expected columns region_code,value.")
    bad = ~df["region_code"].str.fullmatch(r"\d{4}")
    if bad.any():
        rows = ", ".join(str(i + 2) for i in df.index[bad][:5])
        raise InputError(f"User-supplied file '{p}', column 'region_code': rows {rows} are not 4-digit BPS "
                         "codes (write them as text, e.g. 6372).")
    if df["region_code"].duplicated().any():
        raise InputError(f"User-supplied file '{p}' lists a region_code more than once.")
    vals = pd.to_numeric(df["value"], errors="coerce")
    return pd.Series(vals.to_numpy(), index=df["region_code"].to_numpy(), name=code, dtype=float)


def load_data(spec: Spec, data_year: int) -> pd.DataFrame:
    """The wide ``region_code x indicator`` frame of ``data_year`` plus the spec's supplied files.

    Notes
    -----
    Thin wrapper over the engine (:mod:`smartcity_analysis.pipeline`, :mod:`smartcity_analysis.selection`)
    on the curated data of ``data/`` (:mod:`smartcity_analysis.loaders`).

    References
    ----------
    .. [1] docs/methodology.md.
    """
    from smartcity_analysis import loaders

    wide = loaders.load_indicators(int(data_year), wide=True)
    base = Path(spec.source).parent if spec.source else None
    for ind in spec.indicators:
        if ind.availability == "user_supplied" and ind.user_supplied and ind.user_supplied.path:
            s = read_user_indicator(ind.user_supplied.path, ind.code, base=base)
            wide[ind.code] = s.reindex(wide.index.astype(str)).to_numpy()
    return wide


def _frames(spec: Spec) -> dict[int, pd.DataFrame]:
    return {c.data_year: load_data(spec, c.data_year) for c in spec.cohorts}


def build(spec: Spec | str | os.PathLike, data_year: int, *, diagnostics: bool = True) -> IndexResult:
    """Build the index of ``spec`` on the real data of ``data_year``.

    Notes
    -----
    Thin wrapper over the engine (:mod:`smartcity_analysis.pipeline`, :mod:`smartcity_analysis.selection`)
    on the curated data of ``data/`` (:mod:`smartcity_analysis.loaders`).

    References
    ----------
    .. [1] docs/methodology.md.
    """
    from smartcity_analysis import loaders

    s = _spec(spec)
    return build_index(load_data(s, data_year), s, regions=loaders.load_regions(), data_year=int(data_year),
                       diagnostics=diagnostics)


def cohorts(spec: Spec | str | os.PathLike, *, until: int | None = None,
            diagnostics: bool = True) -> dict[int, CohortSelection]:
    """Run the spec's cohorts in sequence on the real data (see :func:`selection.run_cohorts`); each
    cohort's :class:`IndexResult` carries its diagnostics unless ``diagnostics=False``.

    Notes
    -----
    Thin wrapper over the engine (:mod:`smartcity_analysis.pipeline`, :mod:`smartcity_analysis.selection`)
    on the curated data of ``data/`` (:mod:`smartcity_analysis.loaders`).

    References
    ----------
    .. [1] docs/methodology.md.
    """
    s = _spec(spec)
    return run_cohorts(s, until=until, indicators=_frames(s), diagnostics=diagnostics)


def rank(spec: Spec | str | os.PathLike, cohort: int | None = None) -> pd.DataFrame:
    """Per-region selection table of ``cohort`` (all cohorts when None) on the real data.

    Returns
    -------
    DataFrame
        See :func:`smartcity_analysis.selection.run_selection`.

    Notes
    -----
    Thin wrapper over the engine (:mod:`smartcity_analysis.pipeline`, :mod:`smartcity_analysis.selection`)
    on the curated data of ``data/`` (:mod:`smartcity_analysis.loaders`).

    References
    ----------
    .. [1] docs/methodology.md.
    """
    s = _spec(spec)
    return run_selection(s, cohort=cohort, indicators=_frames(s))
