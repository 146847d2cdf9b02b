"""The shared results of a run: one parameter model, one set of defaults, one memo.

Build once, report many (STYLE.md): the index build, the nominal selection, the robustness run and the
explanation of a (spec, cohort, draws, seed) are computed once and read by every document: the region
reports, the national overview, the index page and the explorer. They all come through
:func:`load_cohort_results`, and their parameters through :class:`RunParams`, whose defaults are the
robustness analysis's own (:class:`~smartcity_analysis.robustness.RobustnessSettings`), so a
``smartcity robustness`` run with default options and a default report read the same cache entry.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import sys
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from smartcity_analysis import robustness
from smartcity_analysis.curated.inputs import spec_frames, user_supplied_files
from smartcity_analysis.engine.selection import CohortSelection, run_cohorts
from smartcity_analysis.errors import InputError, SmartcityError
from smartcity_analysis.explanation import load_or_run_explanation
from smartcity_analysis.paths import data_dir, specs_dir
from smartcity_analysis.spec import DEFAULT_SPEC, Spec, resolve_spec, spec_location

__all__ = ["REVEALED_SPEC", "CohortResults", "RunParams", "canonical_spec", "check_parameters",
           "load_cohort_results", "load_revealed"]

#: The shipped spec of the revealed model (``smartcity explain --export-spec``; issue 14): the
#: documents show it beside the stated spec.
REVEALED_SPEC = "revealed_2017_2019"

_DEFAULTS = robustness.RobustnessSettings()


def canonical_spec(value: str | os.PathLike) -> str:
    """The form of a spec argument that means the same thing from every working directory.

    Parameters
    ----------
    value : str or path-like
        ``""`` (the default spec), a shipped name, or a path relative to the caller's directory.

    Returns
    -------
    str
        ``""`` stays ``""``; a shipped spec given by name stays its name (``"six_pillars"``); any other
        file becomes its absolute path. A notebook kernel or a batch worker running in another folder
        then finds the same file.

    Raises
    ------
    SpecError
        When no such file or shipped spec exists.
    """
    text = os.fspath(value).strip()
    if not text:
        return ""
    location = spec_location(text)
    if len(Path(text).parts) == 1 and location.parent == specs_dir().resolve() and not Path(text).is_file():
        return location.stem
    return str(location)


def check_parameters(params: Any, label: str) -> None:
    """Check the field types and ranges of a parameter dataclass (:class:`RunParams` and subclasses).

    Parameters
    ----------
    params : dataclass instance
        The parameters (``ReportParams``, ``OverviewParams``).
    label : str
        What they are, for the message (``"Report"``).

    Raises
    ------
    InputError
        Naming the field, the value got and what was expected.
    """
    hints = typing.get_type_hints(type(params))
    for f in dataclasses.fields(params):
        value = getattr(params, f.name)
        expected = hints[f.name]
        if not isinstance(value, expected) or isinstance(value, bool):
            raise InputError(
                f"{label} parameter '{f.name}' must be of type {expected.__name__}. "
                f"Got {value!r} ({type(value).__name__}) instead."
            )
    if params.draws < 1:
        raise InputError(f"{label} parameter 'draws' must be >= 1. Got {params.draws}.")
    if params.seed < 0:
        raise InputError(f"{label} parameter 'seed' must be >= 0. Got {params.seed}.")


@dataclass(frozen=True)
class RunParams:
    """The parameters every document of a run shares (the overview's are exactly these).

    Parameters
    ----------
    cohort : int
        Cohort year; one of the spec's cohorts (2017, 2018 or 2019 for the shipped specs).
    spec : str
        Criteria spec: a shipped name (``"kominfo_prescreen"``) or the path of a YAML file; ``""`` means
        :data:`smartcity_analysis.spec.DEFAULT_SPEC`.
    draws : int
        Monte Carlo draws of the robustness analysis.
    seed : int
        Seed of the robustness draws.

    Notes
    -----
    The defaults of ``draws`` and ``seed`` are those of
    :class:`~smartcity_analysis.robustness.RobustnessSettings`, so the documents and a ``smartcity
    robustness`` run with default options share one cached result.
    """

    cohort: int = 2018
    spec: str = DEFAULT_SPEC
    draws: int = _DEFAULTS.draws
    seed: int = _DEFAULTS.seed

    def validate(self):
        """Check types and ranges and make ``spec`` canonical (see :func:`canonical_spec`).

        Returns
        -------
        RunParams
            A copy (of the same class) whose ``spec`` means the same file from any working directory.

        Raises
        ------
        InputError
            Naming the field, the value got and what was expected.
        SpecError
            When the spec is not found, is not valid, or does not declare ``cohort``.
        """
        label = type(self).__name__.removesuffix("Params") or "Run"
        check_parameters(self, label)
        spec = canonical_spec(self.spec)
        resolve_spec(spec).cohort(self.cohort)  # a SpecError naming the declared cohorts
        return self if spec == self.spec else dataclasses.replace(self, spec=spec)

    def to_parameters(self) -> dict[str, Any]:
        """The papermill parameters dict (field name -> value).

        Returns
        -------
        dict
        """
        return dataclasses.asdict(self)

    def settings(self) -> robustness.RobustnessSettings:
        """The robustness settings of these parameters.

        Returns
        -------
        RobustnessSettings
        """
        return dataclasses.replace(_DEFAULTS, draws=self.draws, seed=self.seed)


@dataclass(frozen=True)
class CohortResults:
    """Index build, nominal selection, robustness and explanation of one cohort under one spec.

    Attributes
    ----------
    spec : Spec
    run : CohortSelection
        The cohort's selection run (table, index result with diagnostics, selected codes).
    selection : DataFrame
        ``run.table`` (one row per region, :func:`smartcity_analysis.engine.selection.run_selection` columns).
    robustness : DataFrame or None
        Per-region robustness (``region_code``, ``p_selected``, rank interval, class); None when it
        could not be computed (see ``notes``).
    robustness_result : RobustnessResult or None
        The whole cached robustness result.
    explanation : dict or None
        Tables of the cached explanation (``weights``, ``validation``, ``agreement_summary`` ...).
    explanation_result : ExplanationResult or None
        The whole cached explanation.
    runs : dict
        Every cohort run up to this one (``year -> CohortSelection``).
    notes : tuple of str
        What could not be computed and why.
    """

    spec: Spec
    run: CohortSelection
    selection: pd.DataFrame
    robustness: pd.DataFrame | None
    robustness_result: Any = None
    explanation: dict | None = None
    explanation_result: Any = None
    runs: dict = dataclasses.field(default_factory=dict)
    notes: tuple[str, ...] = ()


def _robustness(spec: Spec, params: RunParams) -> tuple[Any, pd.DataFrame | None, str | None]:
    try:  # the same call as every document and `smartcity robustness`: one cached result
        res = robustness.load_or_run_robustness(spec, settings=params.settings(), cohort=params.cohort)
    except SmartcityError as exc:
        return None, None, f"robustness could not be computed: {exc}"
    table = res.regions
    if "region_code" not in table.columns:
        table = table.rename_axis("region_code").reset_index()
    return res, table.assign(region_code=table["region_code"].astype(str)), None


def _explanation(spec: Spec) -> tuple[Any, dict | None, str | None]:
    try:  # default settings, as every document: one cached explanation per spec and data
        res = load_or_run_explanation(spec, progress=False)
    except SmartcityError as exc:
        return None, None, f"explanation could not be computed: {exc}"
    return res, dict(res.tables), None


@functools.lru_cache(maxsize=8)
def _cohort_results(params: RunParams, spec_hash: str, data: tuple) -> CohortResults:
    del spec_hash, data  # key parts only: a changed spec file or data file is a new entry
    spec = resolve_spec(params.spec)
    runs = run_cohorts(spec, until=params.cohort, indicators=spec_frames(spec, until=params.cohort),
                       diagnostics=True)
    run = runs[params.cohort]
    notes = []
    rob, table, note = _robustness(spec, params)
    if note:
        notes.append(note)
    expl, tables, note = _explanation(spec)
    if note:
        notes.append(note)
    return CohortResults(spec=spec, run=run, selection=run.table, robustness=table, robustness_result=rob,
                         explanation=tables, explanation_result=expl, runs=runs, notes=tuple(notes))


def _data_stamp(spec: Spec) -> tuple:
    """What the memo must notice: the curated tables and the spec's user-supplied files."""
    files = [p for p in sorted(data_dir().glob("*")) if p.is_file()] + list(user_supplied_files(spec).values())
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) if p.is_file() else (str(p), "missing")
                 for p in files)


def load_cohort_results(*, cohort: int | None = None, spec: Any = "", draws: int | None = None,
                        seed: int | None = None, params: RunParams | None = None) -> CohortResults:
    """The shared results of one cohort under one spec (memoised per process).

    Parameters
    ----------
    cohort : int, optional
        Cohort year (default: :class:`RunParams`'s).
    spec : str or Spec
        Shipped name, path or ``""`` (see :func:`canonical_spec`); a :class:`Spec` object is keyed by
        its source file.
    draws, seed : int, optional
        Robustness settings (default: :class:`RunParams`'s, which are the robustness analysis's).
    params : RunParams, optional
        All of the above at once (then the other arguments must be left out).

    Returns
    -------
    CohortResults

    Raises
    ------
    InputError, SpecError
        When a parameter is out of range, the spec is not found, or it does not declare ``cohort``.

    Notes
    -----
    Robustness and explanation failures that are :class:`~smartcity_analysis.errors.SmartcityError`
    are recorded in ``notes`` (the documents say what they could not load); anything else is a bug and
    raises.
    """
    if params is None:
        if isinstance(spec, Spec):
            if not spec.source:
                raise InputError(f"Spec '{spec.id}' has no file; shared results are keyed by the spec's file. "
                                 "Save it as YAML and pass its path.")
            spec = spec.source
        defaults = RunParams()
        params = RunParams(cohort=defaults.cohort if cohort is None else int(cohort), spec=str(spec or ""),
                           draws=defaults.draws if draws is None else int(draws),
                           seed=defaults.seed if seed is None else int(seed))
    elif (cohort, draws, seed) != (None, None, None) or spec not in ("", None):
        raise InputError("load_cohort_results takes either params= or cohort/spec/draws/seed, not both.")
    params = RunParams(**{f.name: getattr(params, f.name) for f in dataclasses.fields(RunParams)}).validate()
    spec_obj = resolve_spec(params.spec)
    return _cohort_results(params, spec_obj.spec_hash, _data_stamp(spec_obj))


def prepare_shared_results(
    *, cohort: int, spec: Any = "", draws: int | None = None, seed: int | None = None, progress: bool = True
) -> None:
    """Load or compute the cached shared results (index, robustness, explanation) before any kernel runs.

    Used by ``smartcity report`` for one region and by :func:`smartcity_analysis.batch.run_batch`: one
    preparation step with one error policy.
    Computing them here first means a first run on an empty cache says what it is doing instead of
    waiting silently inside a kernel, and the workers of a batch do not all miss the cache at the same
    moment and compute the same Monte Carlo and explanation in parallel.

    Parameters
    ----------
    cohort, spec, draws, seed
        As :func:`load_cohort_results`.
    progress : bool
        Say on stderr what is being prepared (and warn when it is incomplete).

    Raises
    ------
    SmartcityError
        Bad input (an unknown spec, a cohort the spec does not declare): nothing has been rendered or
        written yet, so the command stops here with one line and exit code 2.

    Notes
    -----
    Any other failure is not fatal: the documents then say themselves which results they could not
    load.
    """
    if progress:
        sys.stderr.write("smartcity: loading or computing the shared results (index, robustness, explanation)\n")
    try:
        load_cohort_results(cohort=cohort, spec=spec, draws=draws, seed=seed)
    except SmartcityError:
        raise
    except Exception as exc:  # the documents state what is missing
        if progress:
            sys.stderr.write(f"smartcity: warning: shared results incomplete ({type(exc).__name__}: {exc})\n")


@dataclass(frozen=True)
class RevealedResults:
    """The revealed model's nominal run of a cohort, and its robustness only if already cached.

    Attributes
    ----------
    spec : Spec
        :data:`REVEALED_SPEC`.
    run : CohortSelection
    robustness_result : RobustnessResult or None
        None when no robustness run of the revealed spec with these settings is cached (it is never
        computed here: a 10 000-draw run per report would be far too slow).
    settings : RobustnessSettings
        The settings looked up (the documents' own, so ``smartcity robustness --spec
        revealed_2017_2019`` with the same draws and seed fills that entry).
    """

    spec: Spec
    run: CohortSelection
    robustness_result: Any
    settings: Any


@functools.lru_cache(maxsize=8)
def _revealed_runs(until: int, spec_hash: str, data: tuple) -> dict:
    del spec_hash, data  # key parts only
    spec = resolve_spec(REVEALED_SPEC)
    return run_cohorts(spec, until=until, indicators=spec_frames(spec, until=until))


def load_revealed(params: RunParams) -> RevealedResults:
    """The revealed model (:data:`REVEALED_SPEC`) for the cohort of ``params`` (run memoised per
    process; robustness looked up in the cache, never computed).

    Parameters
    ----------
    params : RunParams
        Cohort, draws and seed (the spec field is ignored: this is always the revealed spec).

    Returns
    -------
    RevealedResults

    Raises
    ------
    SpecError
        When the revealed spec is missing or does not declare the cohort.
    """
    spec = resolve_spec(REVEALED_SPEC)
    spec.cohort(params.cohort)
    runs = _revealed_runs(int(params.cohort), spec.spec_hash, _data_stamp(spec))
    settings = params.settings()
    rob = robustness.cached_robustness(spec, settings, cohort=params.cohort)
    return RevealedResults(spec=spec, run=runs[params.cohort], robustness_result=rob, settings=settings)
