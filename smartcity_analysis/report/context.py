"""What every report section reads: :func:`load_context` -> :class:`ReportContext`, and lookups on it.

The region-independent part of the context (spec, cohort run, data tables, registries, robustness and
explanation results) is memoised in this module, so it survives the ``%reset -f`` of a warm batch
kernel; the memo key is the content of the spec, the data and the shipped specs (``docs/report.md``).
Robustness and explanation are optional parts: when one cannot be computed, the context says why
(:class:`Availability`) and its sections say so plainly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from smartcity_analysis import api, loaders
from smartcity_analysis.cache import file_sha256
from smartcity_analysis.errors import InputError, SmartcityError
from smartcity_analysis.explanation import load_or_run_explanation
from smartcity_analysis.paths import data_dir, specs_dir
from smartcity_analysis.regions import resolve_region
from smartcity_analysis.report.params import DEFAULT_SPEC, ReportParams
from smartcity_analysis.report.text import _isnum
from smartcity_analysis.spec import load_spec


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

    @property
    def name(self) -> str:
        return str(self.region["name"])

    @property
    def row(self) -> pd.Series:
        """The region's row of the selection table."""
        return self.selection.loc[self.region_code]

    @property
    def peer_codes(self) -> list[str]:
        """Regions of the same type (kota or kabupaten) with a score, the region excluded."""
        sel = self.selection
        same = sel.index[(self.regions.reindex(sel.index)["type"] == self.region["type"]).to_numpy()]
        return [c for c in same if c != self.region_code and pd.notna(sel.at[c, "score"])]


def resolve_spec_path(spec: str) -> Path:
    """``""`` -> the default spec; a name -> ``specs/<name>.yml``; otherwise a path.

    Raises
    ------
    InputError
        When no such file exists (the message lists the shipped specs).
    """
    name = spec.strip() or DEFAULT_SPEC
    path = Path(name)
    if path.is_file():
        return path
    for candidate in (specs_dir() / name, specs_dir() / f"{name}.yml", specs_dir() / f"{name}.yaml"):
        if candidate.is_file():
            return candidate
    shipped = sorted(p.stem for p in specs_dir().glob("*.yml"))
    raise InputError(
        f"Spec '{spec}' not found: no such file, and no '{name}.yml' in {specs_dir()}. Expected a "
        f"YAML path or one of the shipped specs {shipped}."
    )


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
    # robustness (with SALib and scipy.stats) adds ~1 s to importing this package, which every
    # `smartcity` command does for ReportParams; only a kernel rendering a report needs it.
    from smartcity_analysis import robustness

    res = robustness.load_or_run_robustness(
        spec, cohort=params.cohort, draws=params.draws, seed=params.seed, progress=False
    )
    return {
        "regions": res.regions,
        "summary": dict(res.summary),
        "sobol_regions": res.sobol_regions,
        "rank_draws": getattr(res, "rank_draws", None),
    }


def _load_explanation(spec, params: ReportParams) -> Mapping[str, Any]:
    # Default settings on purpose: the explanation is one cached result per spec and data, shared by
    # every region report and the national overview (its own seed is in its settings).
    res = load_or_run_explanation(spec, progress=False)
    return {"tables": dict(res.tables), "summary": dict(res.summary)}


@dataclass(frozen=True)
class _SharedContext:
    """The part of a report's context that is the same for every region of one (spec, cohort, draws,
    seed) and data version (see :func:`_shared_context`)."""

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


# Module-level memo of the region-independent context. It lives in the module, so it survives the
# ``%reset -f`` that the batch runs before each report in a warm kernel: the 2nd..514th report of a
# batch skip the spec parsing, the cohort run, the registry YAML and the cached result loads.
_SHARED_MEMO: dict[tuple, _SharedContext] = {}


_SHARED_MEMO_MAX = 4


def _tree_fingerprint(root: Path) -> tuple:
    if not root.exists():
        return (str(root), "missing")
    files = sorted(
        p for p in root.rglob("*")
        if p.is_file() and not any(s.startswith(".") for s in p.parts[len(root.parts):])
    )
    return (str(root.resolve()),) + tuple((p.relative_to(root).as_posix(), file_sha256(p)) for p in files)


def _shared_key(spec_path: Path, params: ReportParams) -> tuple:
    """Memo key: the content of the spec, of every curated data file and of every shipped spec (a spec
    may build on another), and the parameters other than the region. Any change gives a new key, so
    the memo never serves results of older inputs."""
    return (
        str(Path(spec_path).resolve()),
        file_sha256(Path(spec_path)),
        _tree_fingerprint(data_dir()),
        _tree_fingerprint(specs_dir()),
        params.cohort,
        params.draws,
        params.seed,
        _load_robustness,  # a replaced loader (tests) never gets results of another one
        _load_explanation,
    )


def _shared_context(spec_path: Path, params: ReportParams) -> _SharedContext:
    key = _shared_key(spec_path, params)
    shared = _SHARED_MEMO.get(key)
    if shared is None:
        shared = _build_shared_context(spec_path, params)
        if not (shared.rob_status.ok and shared.expl_status.ok and not shared.notes):
            return shared  # a failed optional load is retried on the next report, not remembered
        if len(_SHARED_MEMO) >= _SHARED_MEMO_MAX:
            _SHARED_MEMO.pop(next(iter(_SHARED_MEMO)))
        _SHARED_MEMO[key] = shared
    return shared


def clear_context_memo() -> None:
    """Forget the memoised region-independent contexts (they are rebuilt on the next report)."""
    _SHARED_MEMO.clear()


def _build_shared_context(spec_path: Path, params: ReportParams) -> _SharedContext:
    spec = load_spec(spec_path)
    cohort = spec.cohort(params.cohort)
    regions = loaders.load_regions()
    run = api.cohorts(spec, until=params.cohort)[params.cohort]
    result = run.result
    selection = run.table.set_index("region_code")
    selection.index = selection.index.astype(str)
    wide = api.load_data(spec, cohort.data_year)
    # derived indicators (e.g. per-capita ratios) exist only in the build's raw frame
    derived = [c for c in result.raw.columns if c not in wide.columns]
    values = wide.join(result.raw[derived]) if derived else wide

    codes = [c for c in spec.indicator_codes if c in wide.columns]
    for ind in spec.indicators:
        if ind.derive is not None:
            codes += [c for c in (ind.derive.numerator, ind.derive.denominator) if c in wide.columns]
    codes = list(dict.fromkeys(codes))
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
    return _SharedContext(
        spec=spec, cohort=cohort, regions=regions, result=result, selection=selection, values=values,
        long=long, flags=flags, sources_used=sources_used, registry=registry, sources=sources,
        data_hash=data_hash, notes=tuple(notes), rob=rob, rob_status=rob_status, expl=expl,
        expl_status=expl_status,
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
    params.validate()
    code = resolve_region(params.region)
    spec_path = resolve_spec_path(params.spec)
    shared = _shared_context(spec_path, params)
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
        spec_path=str(spec_path),
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
    )


def _indicator_name(ctx: ReportContext, code: str) -> str:
    entry = ctx.registry.get(code) or {}
    spec_name = None
    try:
        spec_name = ctx.spec.indicator(code).name
    except KeyError:
        pass
    return str(spec_name or entry.get("name_en") or code.replace("_", " "))


def _unit(ctx: ReportContext, code: str) -> str:
    return str((ctx.registry.get(code) or {}).get("unit") or "")


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
    row = ctx.selection.loc[code]
    year = row.get("actual_cohort")
    status = row.get("actual_status")
    if not _isnum(year):
        return "none"
    label = f"{int(float(year))}"
    if isinstance(status, str) and status and status != "selected":
        label += f" ({status.replace('_', ' ')})"
    return label


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
