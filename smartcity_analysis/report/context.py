"""What every report section reads: :func:`load_context` -> :class:`ReportContext`, and lookups on it.

The region-independent part of the context comes from the shared results
(:func:`smartcity_analysis.results.load_cohort_results`: spec, cohort run, robustness, explanation, the
same memo the overview and the index page read) plus the report's own tables, memoised in this module
on top of them, so both survive the ``%reset -f`` of a warm batch kernel (``docs/report.md``).
Robustness and explanation are optional parts: when one cannot be computed, the context says why
(:class:`Availability`) and its sections say so plainly.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from smartcity_analysis.curated import loaders
from smartcity_analysis.curated.inputs import data_frame, user_supplied_files
from smartcity_analysis.curated.regions import resolve_region
from smartcity_analysis.engine.pipeline import score_range
from smartcity_analysis.errors import ComputationError, SmartcityError
from smartcity_analysis.report.params import ReportParams
from smartcity_analysis.report.text import _isnum
from smartcity_analysis.results import CohortResults, load_cohort_results, load_revealed
from smartcity_analysis.spec import spec_location


@dataclass(frozen=True)
class Availability:
    """Whether an optional result (robustness, explanation) could be loaded, and why not."""

    ok: bool
    message: str = ""


@dataclass(frozen=True, eq=False)
class ReportContext:
    """Everything the report sections read, loaded once by :func:`load_context` (read-only)."""

    params: ReportParams
    region_code: str
    region: pd.Series
    regions: pd.DataFrame
    spec: Any
    spec_path: str
    data_year: int
    cohort_size: int
    result: Any
    selection: pd.DataFrame
    history: pd.DataFrame
    values: pd.DataFrame
    flags: pd.DataFrame
    sources_used: pd.DataFrame
    registry: Mapping[str, dict]
    sources: Mapping[str, dict]
    robustness: Mapping[str, Any]
    robustness_status: Availability
    explanation: Mapping[str, Any]
    explanation_status: Availability
    data_hash: str
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: The cohort's :class:`~smartcity_analysis.engine.selection.CohortSelection` (``skipped_rules``,
    #: ``order``, ``selected``: what the decision box needs for rules not applied and the quota line).
    run: Any = None
    #: The revealed model (:func:`~smartcity_analysis.results.load_revealed`): ``spec``, ``run``
    #: (its :class:`CohortSelection`), ``robustness`` (cached result or None), ``settings``.
    revealed: Mapping[str, Any] = field(default_factory=dict)
    revealed_status: Availability = Availability(False, "the revealed model was not loaded")

    @property
    def name(self) -> str:
        return str(self.region["name"])

    @property
    def row(self) -> pd.Series:
        """The region's row of the selection table."""
        return self.selection.loc[self.region_code]

    @functools.cached_property
    def score_range(self) -> tuple[float, float] | None:
        """The fixed range of this spec's scores, or None (:func:`~smartcity_analysis.engine.pipeline.score_range`)."""
        return score_range(self.spec)

    @functools.cached_property
    def score_scale(self) -> str:
        """How to read a score of this spec: its fixed range (``"0-100"``) or, for a spec whose scores
        have none (z-scores, ranks), what they are."""
        rng = self.score_range
        if rng is not None:
            return f"{rng[0]:g}-{rng[1]:g}"
        name = self.spec.methods.normalisation.name
        what = {"zscore": "z-scores", "rank": "ranks", "borda": "Borda counts"}.get(name, f"{name} scores")
        return f"weighted {what}, no fixed range"

    @functools.cached_property
    def peer_codes(self) -> list[str]:
        """Regions of the same type (kota or kabupaten) with a score, the region excluded (computed once
        per report: a dozen report functions ask)."""
        sel = self.selection
        same = sel.index[(self.regions.reindex(sel.index)["type"] == self.region["type"]).to_numpy()]
        return [c for c in same if c != self.region_code and pd.notna(sel.at[c, "score"])]


def _optional(loader: Callable[[], Mapping[str, Any]], what: str) -> tuple[Mapping[str, Any], Availability]:
    """Run ``loader``; when it fails with a computation or input error (:class:`SmartcityError`) return
    ``({}, Availability(False, why))``: the report then says plainly that this result is not available
    and why, instead of failing as a whole.

    Anything else (a missing module, a typo in a loader) is a packaging or programming error and
    propagates: it must fail the report loudly, not become a sentence in the PDF.
    """
    try:
        return loader(), Availability(True)
    except SmartcityError as exc:
        return {}, Availability(False, f"the {what} could not be computed: {exc}")


def _load_robustness(spec, params: ReportParams) -> Mapping[str, Any]:
    """The robustness part of a report: the shared cached result of :func:`load_cohort_results`."""
    results = load_cohort_results(params=params)
    res = results.robustness_result
    if res is None:
        raise ComputationError("; ".join(n for n in results.notes if n.startswith("robustness"))
                               or "no robustness result")
    return {
        "regions": res.regions,
        "summary": dict(res.summary),
        "sobol_regions": res.sobol_regions,
        "rank_draws": res.rank_draws,
        # the SMAA answers (issue 13 items 6-7): pairwise winning indices, weight stability intervals
        # of the cohort and of each region, the "without indicator X" scenarios
        "winning": res.winning,
        "region_stability": res.region_stability,
        "stability": res.stability,
        "scenarios": res.scenarios,
    }


def _load_explanation(spec, params: ReportParams) -> Mapping[str, Any]:
    """The explanation part of a report (default settings on purpose: one cached result per spec and
    data, shared by every region report and the national overview)."""
    results = load_cohort_results(params=params)
    res = results.explanation_result
    if res is None:
        raise ComputationError("; ".join(n for n in results.notes if n.startswith("explanation"))
                               or "no explanation result")
    return {"tables": dict(res.tables), "summary": dict(res.summary)}


def _load_revealed(spec, params: ReportParams) -> Mapping[str, Any]:
    """The revealed model beside the stated one: its nominal run of the cohort (memoised per process)
    and its robustness only when already cached (never a Monte Carlo run per report)."""
    rev = load_revealed(params)
    return {"spec": rev.spec, "run": rev.run, "robustness": rev.robustness_result,
            "settings": rev.settings}


@dataclass(frozen=True)
class _SharedContext:
    """The part of a report's context that is the same for every region of one set of shared results
    (see :func:`_shared_context`)."""

    results: CohortResults
    spec: Any
    cohort: Any
    regions: pd.DataFrame
    result: Any
    selection: pd.DataFrame
    values: pd.DataFrame
    long: pd.DataFrame
    flags: pd.DataFrame
    sources_used: pd.DataFrame
    registry: Mapping[str, Any]
    sources: Mapping[str, Any]
    data_hash: str
    notes: tuple[str, ...]
    rob: Mapping[str, Any]
    rob_status: Availability
    expl: Mapping[str, Any]
    expl_status: Availability
    revealed: Mapping[str, Any] = field(default_factory=dict)
    revealed_status: Availability = Availability(False, "the revealed model was not loaded")


# Memo of the region-independent context, on top of the shared results' own memo
# (results.load_cohort_results). Both live in modules, so they survive the ``%reset -f`` that the
# batch runs before each report in a warm kernel: the 2nd..514th report of a batch skip the cohort
# run, the registry YAML and the per-report tables below.
_SHARED_MEMO: dict[tuple, _SharedContext] = {}


_SHARED_MEMO_MAX = 4


def _shared_context(params: ReportParams) -> _SharedContext:
    results = load_cohort_results(params=params)
    # the results object is the key: a new spec, data or settings gives a new one (its own memo is
    # keyed on their content); the loaders are part of it so a replaced loader (tests) never gets
    # another one's results
    key = (id(results), _load_robustness, _load_explanation, _load_revealed)
    shared = _SHARED_MEMO.get(key)
    if shared is None or shared.results is not results:
        shared = _build_shared_context(results, params)
        if not (shared.rob_status.ok and shared.expl_status.ok and shared.revealed_status.ok
                and not shared.notes):
            return shared  # a failed optional load is retried on the next report, not remembered
        if len(_SHARED_MEMO) >= _SHARED_MEMO_MAX:
            _SHARED_MEMO.pop(next(iter(_SHARED_MEMO)))
        _SHARED_MEMO[key] = shared
    return shared


def clear_context_memo() -> None:
    """Forget the memoised region-independent contexts (they are rebuilt on the next report)."""
    _SHARED_MEMO.clear()


def _build_shared_context(results: CohortResults, params: ReportParams) -> _SharedContext:
    spec = results.spec
    cohort = spec.cohort(params.cohort)
    regions = loaders.load_regions()
    run = results.run
    result = run.result
    selection = run.table.set_index("region_code")
    selection.index = selection.index.astype(str)
    wide = data_frame(spec, cohort.data_year)
    # derived indicators (e.g. per-capita ratios) exist only in the build's raw frame
    derived = [c for c in result.raw.columns if c not in wide.columns]
    values = wide.join(result.raw[derived]) if derived else wide

    codes = [c for c in spec.indicator_codes if c in wide.columns]
    for ind in spec.indicators:
        if ind.derive is not None:
            codes += [c for c in (ind.derive.numerator, ind.derive.denominator) if c in wide.columns]
    # history, flags and sources exist for the curated indicators; a user-supplied file has none of
    # them (its values are in `values`; the methodology appendix names the file)
    supplied = set(user_supplied_files(spec))
    codes = [c for c in dict.fromkeys(codes) if c not in supplied]
    long = loaders.load_indicators(indicators=codes) if codes else pd.DataFrame(
        columns=["region_code", "year", "indicator", "value", "source_id", "flag"]
    )
    this_year = long[long["year"] == cohort.data_year]
    sources_used = this_year[["region_code", "indicator", "source_id"]].reset_index(drop=True)
    flags = loaders.load_indicator_flags(cohort.data_year, indicators=codes) if codes else pd.DataFrame()

    notes = []
    try:
        registry = loaders.load_indicator_registry()
    except SmartcityError as exc:
        registry = {}
        notes.append(f"indicator registry not available: {exc}")
    try:
        sources = loaders.load_sources()
    except SmartcityError as exc:
        sources = {}
        notes.append(f"source registry not available: {exc}")
    try:
        data_hash = loaders.data_hash()[:16]
    except SmartcityError:
        data_hash = str(result.provenance.get("data_hash", "n/a"))

    rob, rob_status = _optional(lambda: _load_robustness(spec, params), "robustness analysis")
    expl, expl_status = _optional(lambda: _load_explanation(spec, params), "explanation")
    revealed, revealed_status = _optional(lambda: _load_revealed(spec, params), "revealed model")
    return _SharedContext(
        results=results, spec=spec, cohort=cohort, regions=regions, result=result, selection=selection,
        values=values, long=long, flags=flags, sources_used=sources_used, registry=registry,
        sources=sources, data_hash=data_hash, notes=tuple(notes), rob=rob, rob_status=rob_status,
        expl=expl, expl_status=expl_status, revealed=revealed, revealed_status=revealed_status,
    )


def load_context(params: ReportParams) -> ReportContext:
    """Resolve the region, build the nominal index and selection, and load cached robustness and
    explanation results.

    Parameters
    ----------
    params : ReportParams

    Returns
    -------
    ReportContext

    Raises
    ------
    RegionNotFoundError, AmbiguousRegionError
        For a region query that matches no region or several.
    InputError, SpecError
        For bad parameters or an invalid spec.

    Notes
    -----
    The index is built on the cohort's data year (``spec.cohort(year).data_year``: the pre-screen of a
    cohort could only see figures of the previous year or older). Robustness and explanation are looked
    up in the result cache and computed once when missing; if that fails, the report says so.
    """
    params = params.validate()
    code = resolve_region(params.region)
    shared = _shared_context(params)
    long = shared.long
    history = long[long["region_code"] == code].reset_index(drop=True)
    regions = shared.regions
    spec, cohort, result = shared.spec, shared.cohort, shared.result
    selection, values, flags, sources_used = shared.selection, shared.values, shared.flags, shared.sources_used
    registry, sources, data_hash, notes = shared.registry, shared.sources, shared.data_hash, list(shared.notes)
    rob, rob_status, expl, expl_status = shared.rob, shared.rob_status, shared.expl, shared.expl_status
    return ReportContext(
        params=dataclasses.replace(params, region=code),
        region_code=code,
        region=regions.loc[code],
        regions=regions,
        spec=spec,
        spec_path=str(spec_location(params.spec)),
        data_year=cohort.data_year,
        cohort_size=cohort.size,
        result=result,
        selection=selection,
        history=history,
        values=values,
        flags=flags,
        sources_used=sources_used,
        registry=registry,
        sources=sources,
        robustness=rob,
        robustness_status=rob_status,
        explanation=expl,
        explanation_status=expl_status,
        data_hash=data_hash,
        notes=tuple(notes),
        run=shared.results.run,
        revealed=shared.revealed,
        revealed_status=shared.revealed_status,
    )


def _indicator_name(ctx: ReportContext, code: str) -> str:
    entry = ctx.registry.get(code) or {}
    spec_name = None
    try:
        spec_name = ctx.spec.indicator(code).name
    except KeyError:
        pass
    return str(spec_name or entry.get("name_en") or code.replace("_", " "))


#: Magnitude words of the money units, as powers of ten.
_MAGNITUDES = {"": 0, "thousand": 3, "million": 6, "billion": 9, "trillion": 12}


#: How a unit written at the end of an indicator's name begins (``"..., billion IDR (DJPK)"``).
_UNIT_START = re.compile(r"(?:(?:thousand|million|billion|trillion)\s+)?(?:IDR|percent|persons?|years?|"
                         r"index|score|ratio|km|ordinal|0/1)\b", re.IGNORECASE)


def _split_unit(name: str) -> tuple[str, str]:
    """``(name without its unit, unit)`` of an indicator name that ends in a unit after its last comma
    outside parentheses; ``(name, "")`` when it names none.

    A trailing parenthesis in capitals is the source and stays with the name:
    ``"Kapasitas fiskal: PAD + DBH Pajak + DBH SDA, billion IDR (DJPK)"`` ->
    ``("Kapasitas fiskal: PAD + DBH Pajak + DBH SDA (DJPK)", "billion IDR")``; any other is part of the
    unit: ``"Government consumption (PK-P) per capita, million IDR (constant 2010)"`` ->
    ``("Government consumption (PK-P) per capita", "million IDR (constant 2010)")``. A score range at the
    end of the last parenthesis is a unit too: ``"Indeks SPBE (e-government maturity, KemenPANRB,
    1-5)"`` -> ``("Indeks SPBE (e-government maturity, KemenPANRB)", "scale 1-5")``.
    """
    scale = re.fullmatch(r"(.*\([^()]*?),\s*(\d+(?:\.\d+)?-\d+(?:\.\d+)?)\)", name)
    if scale:
        return f"{scale.group(1)})", f"scale {scale.group(2)}"
    depth, cut = 0, -1
    for i, ch in enumerate(name):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        elif ch == "," and depth == 0:
            cut = i
    if cut < 0:
        return name, ""
    head, tail = name[:cut].rstrip(), name[cut + 1:].strip()
    if not _UNIT_START.match(tail):
        return name, ""
    source = re.fullmatch(r"(.*?)\s*\(([^()]+)\)", tail)
    if source and source.group(2).isupper():
        return f"{head} ({source.group(2)})", source.group(1)
    return head, tail


def _derived_unit(ctx: ReportContext, code: str) -> str:
    """Unit of a derived indicator ``scale * numerator / denominator`` from its components' units:
    ``1e6 * billion IDR / persons`` -> ``"thousand IDR per person"``; ``""`` when it cannot be said."""
    try:
        d = ctx.spec.indicator(code).derive
    except KeyError:
        return ""
    if d is None:
        return ""
    num = str((ctx.registry.get(d.numerator) or {}).get("unit") or "")
    den = str((ctx.registry.get(d.denominator) or {}).get("unit") or "")
    if not num or not den:
        return ""
    per = "person" if den == "persons" else den
    word, _, rest = num.partition(" ")
    power, rest = (_MAGNITUDES[word], rest) if word in _MAGNITUDES and rest else (0, num)
    base, _, qualifier = rest.partition(",")
    qualifier = f",{qualifier}" if qualifier else ""
    shift = math.log10(d.scale) if d.scale > 0 else math.nan
    words = {v: k for k, v in _MAGNITUDES.items()}
    if math.isfinite(shift) and shift == round(shift) and power - int(round(shift)) in words:
        magnitude = words[power - int(round(shift))]
        return f"{magnitude + ' ' if magnitude else ''}{base.strip()} per {per}{qualifier}"
    return f"{d.scale:g} × {num} per {per}"


def _unit(ctx: ReportContext, code: str) -> str:
    """The indicator's unit: the curated registry's, else the one its spec name ends in, else the one
    of a derived indicator's components (:func:`_split_unit`, :func:`_derived_unit`)."""
    unit = (ctx.registry.get(code) or {}).get("unit")
    if unit:
        return str(unit)
    return _split_unit(_indicator_name(ctx, code))[1] or _derived_unit(ctx, code)


def _indicator_label(ctx: ReportContext, code: str) -> str:
    """The indicator's name for a table with a unit column: without the unit it ends in, when that is
    the unit the column shows."""
    name = _indicator_name(ctx, code)
    head, unit = _split_unit(name)
    return head if unit and unit == _unit(ctx, code) else name


def _pillar_names(ctx: ReportContext) -> dict[str, str]:
    return {p.id: (p.name or p.id.replace("_", " ").capitalize()) for p in ctx.spec.pillars}


def _pillar_of(ctx: ReportContext) -> dict[str, str]:
    return {code: p.id for p in ctx.spec.pillars for code in p.indicator_codes}


def _direction(ctx: ReportContext, code: str) -> int:
    try:
        return int(ctx.spec.indicator(code).direction)
    except KeyError:
        return int((ctx.registry.get(code) or {}).get("direction", 0) or 0)


def _type_label(ctx: ReportContext) -> str:
    return "kota" if ctx.region["type"] == "kota" else "kabupaten"


def _actual(ctx: ReportContext, code: str) -> str:
    return _actual_label(ctx.selection.loc[code])


def _actual_label(row: pd.Series) -> str:
    """The actual cohort of a selection-table row (programme data): ``"2017"``, ``"2017 (not
    awarded)"`` or ``"none"``."""
    year = row.get("actual_cohort")
    status = row.get("actual_status")
    if not _isnum(year):
        return "none"
    label = f"{int(float(year))}"
    if isinstance(status, str) and status and status != "selected":
        label += f" ({status.replace('_', ' ')})"
    return label


def _pool_note(row: pd.Series) -> str:
    """Why a region of a selection table is not in this cohort's pool, for a table cell (``""`` when it
    is in the pool): ``"selected in 2017, not in this pool"``.

    A region that left the pool has no chance in this cohort by construction: its P(selected) 0 and
    "model selects no" would read as a loss, so the tables say this instead.
    """
    if bool(row.get("in_pool", True)):
        return ""
    reason = str(row.get("pool_reason") or "")
    if reason.startswith("actual_cohort_"):
        actual = _actual_label(row)
        year = actual if actual != "none" else reason.removeprefix("actual_cohort_")
        return f"selected in {year}, not in this pool"
    if reason.startswith("model_cohort_"):
        return f"selected by the model in {reason.removeprefix('model_cohort_')}, not in this pool"
    if reason in ("excluded_region", "excluded_type"):
        return "excluded by the spec, not in this pool"
    return "not in this pool"


def _components(ctx: ReportContext, code: str) -> list[str]:
    """Data columns behind an indicator: itself, or the numerator and denominator of a derived one."""
    try:
        ind = ctx.spec.indicator(code)
    except KeyError:
        return [code]
    if ind.derive is not None:
        return [ind.derive.numerator, ind.derive.denominator]
    return [code]


def _source_ids(ctx: ReportContext, code: str, region_only: bool = True) -> list[str]:
    s = ctx.sources_used
    comps = _components(ctx, code)
    hit = s[s["indicator"].isin(comps)]
    if region_only:
        mine = hit[hit["region_code"] == ctx.region_code]
        hit = mine if not mine.empty else hit
    return sorted(set(hit["source_id"]))


def _region_robustness(ctx: ReportContext) -> Mapping[str, Any] | None:
    table = ctx.robustness.get("regions") if ctx.robustness_status.ok else None
    if isinstance(table, pd.DataFrame) and ctx.region_code in table.index.astype(str):
        row = table.copy()
        row.index = row.index.astype(str)
        return row.loc[ctx.region_code].to_dict()
    return None
