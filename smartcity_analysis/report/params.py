"""The report's parameter model: :class:`ReportParams`, the one vocabulary of CLI, papermill and notebook.

``notebooks/region_report.ipynb``'s tagged parameters cell declares exactly these fields (same names,
types and defaults; ``tests/test_notebooks.py`` checks it).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from smartcity_analysis.errors import InputError

#: Cohort years of the programme covered by the report.
COHORT_YEARS = (2017, 2018, 2019)


#: The spec used when ``ReportParams.spec`` is empty.
DEFAULT_SPEC = "kominfo_prescreen"


def check_parameters(params: Any, label: str) -> None:
    """Check a parameter dataclass (``ReportParams``, ``OverviewParams``): field types, cohort, draws.

    Raises
    ------
    InputError
        Naming the field, the value got and what was expected.
    """
    for f in dataclasses.fields(params):
        value = getattr(params, f.name)
        expected = {"str": str, "int": int}[f.type if isinstance(f.type, str) else f.type.__name__]
        if not isinstance(value, expected) or isinstance(value, bool):
            raise InputError(
                f"{label} parameter '{f.name}' must be of type {expected.__name__}. "
                f"Got {value!r} ({type(value).__name__}) instead."
            )
    if params.cohort not in COHORT_YEARS:
        raise InputError(
            f"{label} parameter 'cohort' must be one of {list(COHORT_YEARS)}. Got {params.cohort}."
        )
    if params.draws < 1:
        raise InputError(f"{label} parameter 'draws' must be >= 1. Got {params.draws}.")


@dataclass(frozen=True)
class ReportParams:
    """Parameters of one region report (the ONE parameter model of CLI, papermill and notebook).

    Parameters
    ----------
    region : str
        BPS code (``"6372"``), Kemendagri code (``"63.72"``) or name (``"Kota Banjarbaru"``); resolved
        with :func:`smartcity_analysis.regions.resolve_region` (a bare 4-digit code is a BPS code first).
    cohort : int
        Cohort year (2017, 2018 or 2019).
    spec : str
        Criteria spec: a path to a YAML file or the name of a shipped spec in ``specs/``
        (``"kominfo_prescreen"``); ``""`` means :data:`DEFAULT_SPEC`.
    draws : int
        Monte Carlo draws of the robustness analysis (results are cached per spec, cohort, draws, seed;
        a ``smartcity robustness`` run with the same draws and seed is reused).
    seed : int
        Seed of the robustness draws and of the Sobol bootstrap intervals. Non-zero on purpose: SALib
        treats ``seed=0`` as "no seed", which leaves the Sobol confidence intervals unreproducible. The
        explanation (counterfactuals) is loaded with its own default settings, shared by every report.
    """

    region: str = "6372"
    cohort: int = 2018
    spec: str = "kominfo_prescreen"
    draws: int = 10000
    seed: int = 2017

    def validate(self) -> ReportParams:
        """Check types and ranges; return ``self``.

        Raises
        ------
        InputError
            Naming the field, the value got and what was expected.
        """
        check_parameters(self, "Report")
        return self

    def to_parameters(self) -> dict[str, Any]:
        """The papermill parameters dict (field name -> value)."""
        return dataclasses.asdict(self)
