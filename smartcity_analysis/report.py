"""The region report: one parameter model, one context loader, one function per report section.

``notebooks/region_report.ipynb`` is a thin papermill view over this module: its tagged parameters cell
declares exactly the fields of :class:`ReportParams` (same names, types and defaults; a test checks it),
one cell calls :func:`load_context`, and every further cell calls one section function. The CLI
(``smartcity report``), papermill and the notebook therefore share one vocabulary.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from smartcity_analysis.errors import InputError

#: Cohort years of the programme covered by the report.
COHORT_YEARS = (2017, 2018, 2019)


@dataclass(frozen=True)
class ReportParams:
    """Parameters of one region report (the ONE parameter model of CLI, papermill and notebook).

    Parameters
    ----------
    region : str
        BPS code (``"6372"``), Kemendagri code (``"63.72"``) or name (``"Kota Banjarbaru"``); resolved
        with :func:`smartcity_analysis.regions.resolve_region`.
    cohort : int
        Cohort year (2017, 2018 or 2019).
    spec : str
        Criteria spec: a path to a YAML file or the name of a shipped spec in ``specs/``; ``""`` means the
        package's default spec.
    draws : int
        Monte Carlo draws of the robustness analysis (results are cached per spec, cohort, draws, seed).
    seed : int
        Seed of every random step (robustness draws).
    """

    region: str = "6372"
    cohort: int = 2018
    spec: str = ""
    draws: int = 1000
    seed: int = 2017

    def validate(self) -> ReportParams:
        """Check types and ranges; return ``self``.

        Raises
        ------
        InputError
            Naming the field, the value got and what was expected.
        """
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            expected = {"str": str, "int": int}[f.type if isinstance(f.type, str) else f.type.__name__]
            if not isinstance(value, expected) or isinstance(value, bool):
                raise InputError(
                    f"Report parameter '{f.name}' must be of type {expected.__name__}. "
                    f"Got {value!r} ({type(value).__name__}) instead."
                )
        if self.cohort not in COHORT_YEARS:
            raise InputError(
                f"Report parameter 'cohort' must be one of {list(COHORT_YEARS)}. Got {self.cohort}."
            )
        if self.draws < 1:
            raise InputError(f"Report parameter 'draws' must be >= 1. Got {self.draws}.")
        return self

    def to_parameters(self) -> dict[str, Any]:
        """The papermill parameters dict (field name -> value)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class ReportContext:
    """Everything the report sections read, loaded once by :func:`load_context`."""

    params: ReportParams
    region_code: str
    name: str
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ReportText:
    """Markdown/HTML text of a report section; displays as Markdown in notebooks and the PDF."""

    text: str

    def _repr_markdown_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


def load_context(params: ReportParams) -> ReportContext:
    """Resolve the region and load every cached result the report sections need.

    Parameters
    ----------
    params : ReportParams
        The report parameters.

    Returns
    -------
    ReportContext
    """
    from smartcity_analysis.regions import region_name, resolve_region

    params.validate()
    code = resolve_region(params.region)
    return ReportContext(params=params, region_code=code, name=region_name(code))


def header(ctx: ReportContext) -> ReportText:
    """Report title block: official name and codes."""
    return ReportText(
        f"# {ctx.name}\n\n"
        f"Smart-city selection report, cohort {ctx.params.cohort}. BPS code {ctx.region_code}."
    )
