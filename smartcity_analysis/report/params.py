"""The report's parameter model: :class:`ReportParams`, the one vocabulary of CLI, papermill and notebook.

``notebooks/region_report.ipynb``'s tagged parameters cell declares exactly these fields (same names,
types and defaults; ``tests/test_notebooks.py`` checks it). The fields other than ``region`` and their
defaults are the shared :class:`~smartcity_analysis.results.RunParams`.
"""

from __future__ import annotations

from dataclasses import dataclass

from smartcity_analysis.results import RunParams


@dataclass(frozen=True)
class ReportParams(RunParams):
    """Parameters of one region report (the ONE parameter model of CLI, papermill and notebook).

    Parameters
    ----------
    cohort : int
        Cohort year; one of the spec's cohorts (2017, 2018 or 2019 for the shipped specs).
    spec : str
        Criteria spec: a shipped name (``"kominfo_prescreen"``) or the path of a YAML file; ``""``
        means :data:`smartcity_analysis.spec.DEFAULT_SPEC`. :meth:`validate` makes a relative path
        absolute, so a notebook kernel running in ``notebooks/`` finds the same file.
    draws : int
        Monte Carlo draws of the robustness analysis (results are cached per spec, data, cohort, draws
        and seed; a ``smartcity robustness`` run with the same draws and seed is reused).
    seed : int
        Seed of the robustness draws (the robustness analysis's default, so that reuse holds).
    region : str
        BPS code (``"6372"``), Kemendagri code (``"63.72"``) or name (``"Kota Banjarbaru"``); resolved
        with :func:`smartcity_analysis.curated.regions.resolve_region` (a bare 4-digit code is a BPS code first).

    Notes
    -----
    The explanation (counterfactuals) is loaded with its own default settings, shared by every report.
    """

    region: str = "6372"
