"""The region report: one parameter model, one context loader, one function per report section.

``notebooks/region_report.ipynb`` is a thin papermill view over this module: its tagged parameters cell
declares exactly the fields of :class:`ReportParams` (same names, types and defaults; a test checks it),
one cell calls :func:`load_context`, and every further cell calls one section function. The CLI
(``smartcity report``), papermill and the notebook share this one vocabulary.

Sections (see ``docs/report.md`` for how to read each one):

========================  ==========================================================================
function                  content
========================  ==========================================================================
:func:`header`            name, BPS/Kemendagri codes, province, type, population, area
:func:`fig_locator`       locator map (country, with the province zoomed)
:func:`decision_box`      eligibility rules (value, threshold, pass), score, ranks, nominal decision,
                          actual cohort, margin, P(selected), 5-95 % rank interval
:func:`fig_profile`       pillar (criterion) profile against the median of peers and the last selected
:func:`profile_styled`    the same numbers as a table (:func:`profile_table` as a DataFrame)
:func:`indicator_dashboard`  value, unit, data year, source, score, traffic light, trend, flags
:func:`strengths_weaknesses` best and worst indicators relative to peers
:func:`peers_table`       peers in the province, of the same type and nearest by profile
:func:`robustness_summary`, :func:`fig_rank`, :func:`sobol_table`, :func:`rivals_table`
                          rank distribution, drivers of the status, contestable rivals
:func:`what_it_would_take_text`, :func:`what_it_would_take`
                          gap to the cutoff and counterfactual changes (single indicator, combined)
:func:`not_measured`      criteria and values without data, named
:func:`methodology_table`, :func:`methodology_text`, :func:`provenance`
                          the spec, data years, sources and licences, seed and hashes
========================  ==========================================================================

Heavy results (robustness, explanation) are loaded from the cache (computed once when missing); when a
result cannot be had, its section says so plainly instead of failing the report.
"""

from __future__ import annotations

import dataclasses
import html
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from smartcity_analysis.cache import file_sha256
from smartcity_analysis.errors import InputError, SmartcityError

#: Cohort years of the programme covered by the report.
COHORT_YEARS = (2017, 2018, 2019)

#: The spec used when ``ReportParams.spec`` is empty.
DEFAULT_SPEC = "kominfo_prescreen"

#: Fixed uuid of every Styler in the report (stable HTML ids, so golden notebooks do not churn).
STYLER_UUID = "smartcity"

#: Traffic lights: share of peers the region does better than (direction-adjusted).
LIGHT_GREEN = 2 / 3
LIGHT_RED = 1 / 3

#: How many peers of each kind the peer table lists.
N_PEERS = 5

#: What the programme assessed after the desk pre-screen, for which no per-region score is public
#: (DOMAIN.md section 2): always named in "what was not measured".
ASSESSMENT_STAGE = (
    "the questionnaire and two-day assessment before a panel (leadership vision, regulation, human "
    "resources, infrastructure: 'struktur, infrastruktur, suprastruktur'); no per-region scores of "
    "that stage were published"
)


# --------------------------------------------------------------------------------------------------
# parameters and context
# --------------------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class ReportText:
    """Markdown/HTML text of a report section; displays as Markdown in notebooks and in the PDF."""

    text: str

    def _repr_markdown_(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


def resolve_spec_path(spec: str) -> Path:
    """``""`` -> the default spec; a name -> ``specs/<name>.yml``; otherwise a path.

    Raises
    ------
    InputError
        When no such file exists (the message lists the shipped specs).
    """
    from smartcity_analysis.paths import specs_dir

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
    """Run ``loader``; on any failure return ``({}, Availability(False, why))``: the report then says
    plainly that this result is not available and why, instead of failing as a whole."""
    try:
        return loader(), Availability(True)
    except ModuleNotFoundError as exc:
        return {}, Availability(False, f"the {what} module ({exc.name}) is not installed in this build")
    except (ImportError, AttributeError) as exc:
        return {}, Availability(False, f"the {what} results cannot be loaded in this build ({exc})")
    except SmartcityError as exc:
        return {}, Availability(False, f"the {what} could not be computed: {exc}")
    except Exception as exc:  # noqa: BLE001 - a failing optional part must not sink the whole report
        return {}, Availability(False, f"the {what} failed ({type(exc).__name__}: {exc})")


def _load_robustness(spec, params: ReportParams) -> Mapping[str, Any]:
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
    from smartcity_analysis.explanation import load_or_run_explanation

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
    from smartcity_analysis.paths import data_dir, specs_dir

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
    from smartcity_analysis import api, loaders
    from smartcity_analysis.spec import load_spec

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
    from smartcity_analysis.regions import resolve_region

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


# --------------------------------------------------------------------------------------------------
# formatting helpers (private)
# --------------------------------------------------------------------------------------------------


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=False)


def _isnum(x: Any) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _fmt(x: Any, digits: int | None = None) -> str:
    """Human number: thousands separators for large values, 1-2 decimals for small ones."""
    if not _isnum(x):
        return "n/a"
    v = float(x)
    if digits is not None:
        return f"{v:,.{digits}f}"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:,.1f}"
    if a >= 1:
        return f"{v:,.2f}"
    return f"{v:.3g}"


def _rank(x: Any) -> str:
    return f"{int(round(float(x)))}" if _isnum(x) else "n/a"


def _pct(p: Any) -> str:
    if not _isnum(p):
        return "n/a"
    p = float(p)
    if 0 < p < 0.01:
        return "<1 %"
    if 0.99 < p < 1:
        return ">99 %"
    return f"{100 * p:.0f} %"


def _table_html(rows: list[tuple[str, str]], cls: str = "keyfacts") -> str:
    body = "".join(f"<tr><th>{_esc(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="{cls}">{body}</table>'


def _style(df: pd.DataFrame, name: str, caption: str | None = None, *, precision: int = 2):
    """A Styler with a fixed, per-table uuid (``smartcity-<name>``: stable across runs, and distinct
    between tables so one table's cell styles never apply to another's), no index, and a caption."""
    styler = (
        df.style.set_uuid(f"{STYLER_UUID}-{name}")
        .hide(axis="index")
        .format(precision=precision, na_rep="n/a")
    )
    if caption:
        styler = styler.set_caption(caption)
    return styler


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


def _peer_share(ctx: ReportContext, code: str) -> float:
    """Share of same-type peers the region does better than on indicator ``code`` (ties count half),
    using the raw value of the data year in the indicator's good direction; NaN without data."""
    d = _direction(ctx, code)
    if d == 0 or code not in ctx.values.columns:
        return float("nan")
    col = ctx.values[code]
    own = col.get(ctx.region_code, np.nan)
    peers = col.reindex(ctx.peer_codes).dropna()
    if not _isnum(own) or peers.empty:
        return float("nan")
    better = (d * (own - peers) > 0).mean()
    ties = (own == peers).mean()
    return float(better + 0.5 * ties)


def _light(share: float) -> str:
    if not _isnum(share):
        return "none"
    if share >= LIGHT_GREEN:
        return "green"
    if share < LIGHT_RED:
        return "red"
    return "amber"


#: Text of each traffic light in tables (a coloured dot is added by the Styler).
LIGHT_LABELS = {"green": "better than most", "amber": "middle third", "red": "behind most", "none": "n/a"}


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


def _cutoff_code(ctx: ReportContext) -> str | None:
    """The nominally selected region with the lowest score: the "last selected"."""
    sel = ctx.selection
    chosen = sel[sel["selected"].astype(bool)]
    if chosen.empty:
        return None
    return str(chosen["score"].astype(float).idxmin())


# --------------------------------------------------------------------------------------------------
# sections
# --------------------------------------------------------------------------------------------------


def header(ctx: ReportContext) -> ReportText:
    """Title block: official name, BPS and Kemendagri codes, province, type, population, area.

    Returns
    -------
    ReportText
        Markdown with an HTML key-facts table.
    """
    r = ctx.region
    pop = ctx.values.get("population", pd.Series(dtype=float)).get(ctx.region_code, np.nan)
    pop_text = f"{_fmt(pop, 0)} ({ctx.data_year})" if _isnum(pop) else "not in the data"
    facts = [
        ("BPS code", f"<b>{_esc(ctx.region_code)}</b>"),
        ("Kemendagri code", _esc(r.get("kemendagri_code", "n/a"))),
        ("Province", _esc(r.get("province_name", "n/a"))),
        ("Type", _esc(_type_label(ctx))),
        ("Island group", _esc(r.get("island_group", "n/a"))),
        ("Population", pop_text),
        ("Area", f"{_fmt(r.get('area_km2'), 0)} km²" if _isnum(r.get("area_km2")) else "n/a"),
    ]
    spec_title = _esc(ctx.spec.title)
    return ReportText(
        f"# {_esc(ctx.name)}\n\n"
        f'<p class="muted">Smart-city selection report - Gerakan Menuju 100 Smart City, cohort '
        f"{ctx.params.cohort} (data year {ctx.data_year}); criteria spec <i>{spec_title}</i> "
        f"(<code>{_esc(ctx.spec.id)}</code>).</p>\n\n" + _table_html(facts)
    )


def fig_locator(ctx: ReportContext, ax=None):
    """Locator map: the region in red, its province shaded, with the province zoomed in an inset.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from smartcity_analysis.plots import locator

    prov = ctx.regions.index[ctx.regions["province_code"] == ctx.region["province_code"]]
    # boundaries=None: the curated boundaries, parsed once per kernel (plots.maps.boundary_rings)
    return locator(ctx.region_code, list(prov), boundaries=None,
                   province_name=str(ctx.region["province_name"]), ax=ax)


def _compare(value: float, op: str, threshold: float) -> bool:
    return {
        ">=": value >= threshold,
        ">": value > threshold,
        "<=": value <= threshold,
        "<": value < threshold,
        "==": value == threshold,
        "!=": value != threshold,
    }[op]


def eligibility_table(ctx: ReportContext) -> pd.DataFrame:
    """One row per eligibility rule of the spec: rule, what it checks, the region's value, the
    threshold, and pass/fail.

    Returns
    -------
    pandas.DataFrame
        Columns ``rule, checks, value, threshold, result``.

    Notes
    -----
    Pass/fail is taken from the engine's ``fail_reasons`` for the region (the authority); the value is
    the raw data-year value for threshold rules, the share of the spec's computed indicators observed
    (before imputation) for completeness rules, and the region type for type rules.
    """
    row = ctx.row
    reasons = str(row.get("fail_reasons") or "")
    failed = {r.strip().split(":")[0] for r in reasons.replace(";", ",").replace("|", ",").split(",") if r.strip()}
    out = []
    for rule in ctx.spec.eligibility:
        if rule.kind == "threshold":
            value = ctx.values.get(rule.indicator, pd.Series(dtype=float)).get(ctx.region_code, np.nan)
            checks = _indicator_name(ctx, rule.indicator)
            val_text = _fmt(value) if _isnum(value) else "missing"
            thr_text = f"{rule.op} {_fmt(rule.value)}"
            if not _isnum(value):
                thr_text += f" (missing: {rule.if_missing})"
        elif rule.kind == "completeness":
            raw = ctx.result.raw
            share = raw.loc[ctx.region_code].notna().mean() if ctx.region_code in raw.index else np.nan
            checks = "share of the spec's indicators with data"
            val_text = _pct(share)
            thr_text = f">= {_pct(rule.min_share)}"
        else:
            checks = "region type"
            val_text = _type_label(ctx)
            thr_text = "one of " + ", ".join(rule.allowed)
        result = "FAIL" if rule.reason in failed else "pass"
        out.append((rule.id, checks, val_text, thr_text, result))
    return pd.DataFrame(out, columns=["rule", "checks", "value", "threshold", "result"])


def _decision_words(ctx: ReportContext) -> tuple[str, str]:
    """(css class, verdict sentence) of the nominal model."""
    row = ctx.row
    if not bool(row.get("in_pool", True)):
        return "na", (
            f"Not in the {ctx.params.cohort} pool: already selected in cohort {_actual(ctx, ctx.region_code)}."
        )
    if bool(row.get("selected")):
        return "yes", f"Selected under the nominal model of this spec (cohort {ctx.params.cohort})."
    if not bool(row.get("eligible", True)):
        return "no", "Not selected under the nominal model: the region fails an eligibility rule."
    return "no", "Not selected under the nominal model of this spec."


def decision_box(ctx: ReportContext) -> ReportText:
    """The decision box: nominal decision, actual cohort, eligibility rules, score, ranks, margin,
    P(selected) and the 5-95 % rank interval.

    Returns
    -------
    ReportText
        HTML block (class ``decision``).

    Notes
    -----
    The margin is the engine's ``margin_points`` (score minus the score of the last selected region for
    a non-selected region, or minus the best non-selected for a selected one) and ``margin_places``
    (places to gain or that can be lost). P(selected) is the share of Monte Carlo draws of the declared
    uncertainty in which the region is selected.
    """
    row = ctx.row
    cls, verdict = _decision_words(ctx)
    n_ranked = int(ctx.selection["score"].notna().sum())
    prov_n = int(
        (ctx.regions.reindex(ctx.selection.index)["province_code"] == ctx.region["province_code"]).sum()
    )
    type_n = len(ctx.peer_codes) + 1
    actual = _actual(ctx, ctx.region_code)
    actual_text = (
        "not selected in any 2017-2019 cohort" if actual == "none" else f"selected in cohort {actual}"
    )
    rob = _region_robustness(ctx)
    in_pool = bool(row.get("in_pool", True))
    if not in_pool:
        p_text = interval = "n/a (not in this cohort's pool)"
    elif rob is not None:
        cls_text = str(rob.get("robustness_class", "")).replace("_", " ")
        p_text = f"<b>{_pct(rob.get('p_selected'))}</b> ({_esc(cls_text)})"
        interval = (
            f"{_rank(rob.get('rank_p05'))} - {_rank(rob.get('rank_p95'))} "
            f"(median {_rank(rob.get('rank_median'))})"
        )
    else:
        p_text = interval = '<span class="muted">not available (see "How sure is the decision?")</span>'
    margin_pts = row.get("margin_points")
    margin_pl = row.get("margin_places")
    if _isnum(margin_pts):
        sign = "above" if float(margin_pts) >= 0 else "below"
        margin = f"{_fmt(abs(float(margin_pts)))} points {sign} the cutoff"
        if _isnum(margin_pl) and not bool(row.get("selected")):
            gap = abs(int(float(margin_pl)))
            margin += f" ({gap} place{'s' if gap != 1 else ''} to gain)"
    else:
        margin = "n/a (not an eligible region of the pool)" if in_pool else "n/a"
    position = row.get("position")
    n_order = int(pd.to_numeric(ctx.selection["position"], errors="coerce").max()) if "position" in ctx.selection else 0
    place = (f"{_rank(position)} of {n_order} eligible regions in the pool (the first {ctx.cohort_size} "
             "are selected, subject to quotas)") if _isnum(position) else (
        "not an eligible region of the pool" if in_pool else "not in this cohort's pool")
    model_sel = bool(row.get("selected"))
    if not bool(row.get("in_pool", True)):
        agreement = "n/a (the region left the pool before this cohort)"
    else:
        actual_here = actual != "none" and str(actual).startswith(str(ctx.params.cohort))
        agreement = "agree" if actual_here == model_sel else "<b>disagree</b>"
    facts = [
        ("Actual programme", f"<b>{_esc(actual_text)}</b>"),
        ("Model vs programme", agreement),
        ("Score", f"{_fmt(row.get('score'))} (0-100)"),
        ("Place in the pool", place),
        ("Rank, national", f"{_rank(row.get('rank_national'))} of {n_ranked} (all regions)"),
        ("Rank, province", f"{_rank(row.get('rank_province'))} of {prov_n}"),
        (f"Rank among {_type_label(ctx)}", f"{_rank(row.get('rank_type'))} of {type_n}"),
        ("Margin to the cutoff", margin),
        ("P(selected)", p_text),
        ("Place in the pool, 5-95 % of draws", interval),
    ]
    elig = eligibility_table(ctx)
    rules = "".join(
        f"<tr><td>{_esc(r.rule)}</td><td>{_esc(r.checks)}</td><td>{_esc(r.value)}</td>"
        f"<td>{_esc(r.threshold)}</td><td><b class=\"{'light-red' if r.result == 'FAIL' else 'light-green'}\">"
        f"{_esc(r.result)}</b></td></tr>"
        for r in elig.itertuples()
    )
    rules_html = (
        "<table><thead><tr><th>eligibility rule</th><th>checks</th><th>value</th><th>threshold</th>"
        f"<th>result</th></tr></thead><tbody>{rules}</tbody></table>"
        if len(elig)
        else '<p class="muted">The spec declares no eligibility rule.</p>'
    )
    return ReportText(
        '<div class="decision">'
        f'<p class="verdict {cls}">{_esc(verdict)}</p>'
        f"{_table_html(facts)}{rules_html}"
        f'<p class="muted">Cohort {ctx.params.cohort}: {ctx.cohort_size} regions selected by the model '
        f"from the pool of regions not selected before; data year {ctx.data_year}.</p>"
        "</div>"
    )


def profile_table(ctx: ReportContext) -> pd.DataFrame:
    """Pillar (criterion) scores of the region, the median of its peers (same type), and the last
    selected region under the nominal model.

    Returns
    -------
    pandas.DataFrame
        Index = pillar names; columns = the region's name, ``median of <type> peers`` and
        ``last selected (<name>)``.
    """
    ps = ctx.result.pillar_scores
    names = _pillar_names(ctx)
    cols = [c for c in ps.columns]
    out = pd.DataFrame(index=[names.get(c, c) for c in cols])
    out[ctx.name] = ps.loc[ctx.region_code, cols].to_numpy(dtype=float) if ctx.region_code in ps.index else np.nan
    peers = ps.reindex(ctx.peer_codes)[cols]
    out[f"median of {_type_label(ctx)} peers"] = peers.median().to_numpy(dtype=float)
    cut = _cutoff_code(ctx)
    if cut is not None and cut in ps.index:
        out[f"last selected ({ctx.selection.at[cut, 'name'] if 'name' in ctx.selection else cut})"] = (
            ps.loc[cut, cols].to_numpy(dtype=float)
        )
    return out


def profile_styled(ctx: ReportContext):
    """:func:`profile_table` for print (one row per criterion, scores with one decimal).

    Returns
    -------
    pandas.io.formats.style.Styler
    """
    df = profile_table(ctx).reset_index(names="criterion")
    return _style(df, "profile", "Criterion scores (0-100, higher is better).", precision=1)


def fig_profile(ctx: ReportContext, ax=None):
    """Dot chart of :func:`profile_table`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from smartcity_analysis.plots import pillar_profile

    return pillar_profile(profile_table(ctx), ax=ax)


def _components(ctx: ReportContext, code: str) -> list[str]:
    """Data columns behind an indicator: itself, or the numerator and denominator of a derived one."""
    try:
        ind = ctx.spec.indicator(code)
    except KeyError:
        return [code]
    if ind.derive is not None:
        return [ind.derive.numerator, ind.derive.denominator]
    return [code]


def _history(ctx: ReportContext, code: str) -> pd.Series:
    """The region's values of an indicator by year (derived indicators recomputed per year)."""
    h = ctx.history
    try:
        ind = ctx.spec.indicator(code)
    except KeyError:
        ind = None
    if ind is not None and ind.derive is not None:
        d = ind.derive
        num = h[h["indicator"] == d.numerator].set_index("year")["value"]
        den = h[h["indicator"] == d.denominator].set_index("year")["value"]
        out = (d.scale * num / den.replace(0, np.nan)).dropna()
    else:
        out = h[h["indicator"] == code].set_index("year")["value"].dropna()
    out.index = out.index.astype(int)
    return out.sort_index()


def _trend(ctx: ReportContext, code: str) -> str:
    h = _history(ctx, code)
    h = h[h.index <= ctx.data_year]
    if len(h) < 2:
        return "n/a"
    y0, y1 = int(h.index[0]), int(h.index[-1])
    v0, v1 = float(h.iloc[0]), float(h.iloc[-1])
    d = _direction(ctx, code)
    delta = v1 - v0
    rel = abs(delta) / max(abs(v0), 1e-12)
    arrow = "→" if rel < 0.01 else ("↑" if delta > 0 else "↓")
    verdict = ""
    if d != 0 and arrow != "→":
        verdict = " better" if d * delta > 0 else " worse"
    return f"{arrow}{verdict} {y0}-{y1}: {_fmt(v0)} → {_fmt(v1)}"


def _flag_text(ctx: ReportContext, code: str) -> str:
    parts = []
    mask = ctx.result.imputed_mask
    if code in mask.columns and ctx.region_code in mask.index and bool(mask.at[ctx.region_code, code]):
        parts.append("imputed")
    comps = _components(ctx, code)
    if comps != [code]:
        parts.append("derived")
    if not ctx.flags.empty and ctx.region_code in ctx.flags.index:
        for c in comps:
            if c in ctx.flags.columns:
                f = str(ctx.flags.at[ctx.region_code, c] or "")
                if f and f not in parts:
                    parts.append(f)
    return ", ".join(parts)


def _source_ids(ctx: ReportContext, code: str, region_only: bool = True) -> list[str]:
    s = ctx.sources_used
    comps = _components(ctx, code)
    hit = s[s["indicator"].isin(comps)]
    if region_only:
        mine = hit[hit["region_code"] == ctx.region_code]
        hit = mine if not mine.empty else hit
    return sorted(set(hit["source_id"]))


def _source_label(ctx: ReportContext, code: str) -> str:
    ids = _source_ids(ctx, code)
    return ", ".join(ids) if ids else "n/a"


def indicator_dashboard(ctx: ReportContext):
    """Indicator dashboard: one row per computed indicator of the spec.

    Columns: indicator, value, unit, data year, source, normalised score, traffic light against the
    same-type peers, trend over the years the data hold (up to the data year), and flags (imputed,
    estimate, interpolated, derived).

    Returns
    -------
    pandas.io.formats.style.Styler

    Notes
    -----
    Traffic light: the share :math:`s` of same-type peers the region does better than on the raw value
    in the indicator's good direction (ties count half): green :math:`s \\ge 2/3`, amber
    :math:`1/3 \\le s < 2/3`, red :math:`s < 1/3`. An imputed value gets a score but no light.

    References
    ----------
    .. [1] Sachs, J. et al. (2023). Sustainable Development Report: SDG dashboards (traffic-light
       rating of each indicator per country).
    .. [2] European Commission (2023). EU Regional Competitiveness Index 2.0: regional profiles with
       peer-group comparison.
    """
    rows = []
    pillar_of = _pillar_of(ctx)
    names = _pillar_names(ctx)
    norm = ctx.result.normalised
    for code in ctx.result.raw.columns:
        value = ctx.values.get(code, pd.Series(dtype=float)).get(ctx.region_code, np.nan)
        flags = _flag_text(ctx, code)
        share = _peer_share(ctx, code) if "imputed" not in flags else float("nan")
        light = _light(share)
        score = norm.at[ctx.region_code, code] if code in norm.columns and ctx.region_code in norm.index else np.nan
        rows.append(
            {
                "indicator": f"{_indicator_name(ctx, code)} [{names.get(pillar_of.get(code), '')}]",
                "value": _fmt(value) if _isnum(value) else "missing",
                "unit": _unit(ctx, code),
                "year": ctx.data_year if _isnum(value) else "-",
                "source": _source_label(ctx, code) if _isnum(value) else "-",
                "score": score,
                "vs peers": LIGHT_LABELS[light],
                "trend": _trend(ctx, code),
                "flag": flags,
            }
        )
    df = pd.DataFrame(rows)
    colours = {v: k for k, v in LIGHT_LABELS.items()}
    palette = {"green": "#d4efdf", "amber": "#fcf3cf", "red": "#f5b7b1", "none": ""}

    def _bg(col):
        return [f"background-color: {palette[colours.get(v, 'none')]}" if palette[colours.get(v, 'none')] else ""
                for v in col]

    styler = _style(df, "dashboard", f"Indicators of the spec, data year {ctx.data_year}; score = normalised value "
                        f"(higher is better); 'vs peers' compares with the {len(ctx.peer_codes)} other "
                        f"{_type_label(ctx)}.", precision=1)
    return styler.apply(_bg, subset=["vs peers"])


def strengths_weaknesses(ctx: ReportContext, n: int = 3) -> ReportText:
    """The indicators on which the region does best and worst relative to its same-type peers.

    Returns
    -------
    ReportText
    """
    shares = {code: _peer_share(ctx, code) for code in ctx.result.raw.columns}
    shares = {c: s for c, s in shares.items() if _isnum(s)}
    if not shares:
        return ReportText("No indicator of the spec has a value for this region and its peers.")
    ordered = sorted(shares, key=lambda c: shares[c], reverse=True)
    strong = [c for c in ordered if shares[c] >= 0.5][:n]
    weak = [c for c in reversed(ordered) if shares[c] < 0.5][:n]

    def _line(code: str) -> str:
        value = ctx.values[code].get(ctx.region_code)
        peers = ctx.values[code].reindex(ctx.peer_codes).median()
        unit = _unit(ctx, code)
        return (f"- **{_esc(_indicator_name(ctx, code))}**: {_fmt(value)} {_esc(unit)} "
                f"(peer median {_fmt(peers)}); better than {_pct(shares[code])} of {_type_label(ctx)}")

    parts = ["**Strengths**", ""] + ([_line(c) for c in strong] or ["- none above the peer median"])
    parts += ["", "**Weaknesses**", ""] + ([_line(c) for c in weak] or ["- none below the peer median"])
    return ReportText("\n".join(parts))


def _region_robustness(ctx: ReportContext) -> Mapping[str, Any] | None:
    table = ctx.robustness.get("regions") if ctx.robustness_status.ok else None
    if isinstance(table, pd.DataFrame) and ctx.region_code in table.index.astype(str):
        row = table.copy()
        row.index = row.index.astype(str)
        return row.loc[ctx.region_code].to_dict()
    return None


def peers_table(ctx: ReportContext):
    """Peers: the nearest regions by rank in the same province, by score among the same type, and by
    indicator profile (Euclidean distance between normalised indicator vectors).

    Returns
    -------
    pandas.io.formats.style.Styler

    Notes
    -----
    Profile distance :math:`d(i, j) = \\sqrt{\\operatorname{mean}_k (y_{ik} - y_{jk})^2}` over the
    indicators both regions have (normalised values, imputed ones included), among all regions.

    References
    ----------
    .. [1] European Commission (2023). EU Regional Competitiveness Index 2.0, regional profiles
       (comparison with regions of similar GDP per head).
    """
    sel = ctx.selection
    me = ctx.region_code
    regions = ctx.regions.reindex(sel.index)
    scored = sel[sel["score"].notna()]
    my_score = sel.at[me, "score"]
    chosen: dict[str, str] = {}

    prov = scored[(regions.loc[scored.index, "province_code"] == ctx.region["province_code"]).to_numpy()]
    if _isnum(my_score):
        for c in (prov["score"] - my_score).abs().sort_values().index:
            if c != me and len(chosen) < N_PEERS:
                chosen.setdefault(c, "same province")
        same_type = scored.reindex(ctx.peer_codes).dropna(subset=["score"])
        n = 0
        for c in (same_type["score"] - my_score).abs().sort_values().index:
            if c not in chosen and n < N_PEERS:
                chosen[c] = "same type, similar score"
                n += 1
    norm = ctx.result.normalised
    if me in norm.index:
        diff = norm.sub(norm.loc[me], axis=1)
        dist = np.sqrt((diff**2).mean(axis=1, skipna=True)).drop(index=me).dropna().sort_values()
        n = 0
        for c in dist.index:
            if c not in chosen and n < N_PEERS:
                chosen[c] = "similar profile"
                n += 1
    rob = ctx.robustness.get("regions") if ctx.robustness_status.ok else None
    rows = []
    for c in [me, *chosen]:
        p = np.nan
        if isinstance(rob, pd.DataFrame) and c in rob.index.astype(str):
            p = rob.set_axis(rob.index.astype(str)).at[c, "p_selected"]
        rows.append(
            {
                "region": ("▶ " if c == me else "") + str(ctx.regions.at[c, "name"]),
                "province": str(ctx.regions.at[c, "province_name"]),
                "peer because": "this report" if c == me else chosen[c],
                "score": sel.at[c, "score"],
                "rank": _rank(sel.at[c, "rank_national"]),
                "model selects": "yes" if bool(sel.at[c, "selected"]) else "no",
                "P(selected)": _pct(p) if _isnum(p) else "n/a",
                "actual cohort": _actual(ctx, c),
            }
        )
    df = pd.DataFrame(rows)
    return _style(df, "peers", "Peers (national rank 1 = best).", precision=1).apply(
        lambda r: ["font-weight: bold" if r["peer because"] == "this report" else "" for _ in r], axis=1
    )


def robustness_summary(ctx: ReportContext) -> ReportText:
    """How sure the nominal decision is: P(selected), robustness class, rank interval, cohort-level
    stability (mean Jaccard similarity of the draws to the nominal selection).

    Returns
    -------
    ReportText

    Notes
    -----
    :math:`P(\\text{selected}) = \\frac{1}{D}\\sum_d 1[i \\in S_d]` over the :math:`D` draws; classes
    robustly in (:math:`P \\ge 0.95`), robustly out (:math:`P \\le 0.05`), else contestable
    (:mod:`smartcity_analysis.robustness`).

    References
    ----------
    .. [1] Saisana, M., Saltelli, A. & Tarantola, S. (2005). Uncertainty and sensitivity analysis
       techniques as tools for the quality assessment of composite indicators. J. R. Stat. Soc. A
       168(2), 307-323.
    """
    if not bool(ctx.row.get("in_pool", True)):
        return ReportText(
            f"{_esc(ctx.name)} is not in the pool of cohort {ctx.params.cohort} (selected in cohort "
            f"{_esc(_actual(ctx, ctx.region_code))}), so the uncertainty of this cohort's selection does "
            "not concern it. Render the report of its own cohort to see how sure that selection was."
        )
    if not ctx.robustness_status.ok:
        return ReportText(
            '<p class="notice"><b>Robustness results are not available</b> for this report: '
            f"{_esc(ctx.robustness_status.message)}. The nominal decision above is therefore shown without "
            "its uncertainty.</p>"
        )
    rob = _region_robustness(ctx)
    summ = ctx.robustness.get("summary") or {}
    if rob is None:
        return ReportText(
            f'<p class="notice">The robustness run holds no row for {_esc(ctx.name)} in cohort '
            f"{ctx.params.cohort} (the region is not in that cohort's pool).</p>"
        )
    cls = str(rob.get("robustness_class", "")).replace("_", " ")
    draws = summ.get("draws", ctx.params.draws)
    text = (
        f"Over **{draws:,} draws** of the uncertainty the spec declares (weights, methods, thresholds, "
        f"noise), {_esc(ctx.name)} is selected in **{_pct(rob.get('p_selected'))}** of them and is "
        f"eligible in {_pct(rob.get('p_eligible'))}: **{_esc(cls)}** "
        f"(robustly in: P >= 95 %; robustly out: P <= 5 %; otherwise contestable). Its place in the "
        f"eligible pool (1 = first; the first {ctx.cohort_size} are selected, subject to quotas) lies "
        f"between {_rank(rob.get('rank_p05'))} and {_rank(rob.get('rank_p95'))} in 90 % of the draws "
        f"(median {_rank(rob.get('rank_median'))}; {_rank(ctx.row.get('position'))} under the nominal spec)."
    )
    possible, necessary = rob.get("possible"), rob.get("necessary")
    if _isnum(possible) and _isnum(necessary):
        if float(necessary) >= 0.5:
            text += (" Under every admissible weighting of the criteria (the declared weight bounds, other "
                     "choices fixed) it is selected: its selection is *necessary*.")
        elif float(possible) >= 0.5:
            text += (" Some admissible weighting of the criteria selects it and some does not: its "
                     "selection is *possible* but not necessary.")
        else:
            text += " No admissible weighting of the criteria selects it: its selection is *not possible*."
    if summ:
        text += (
            f"\n\nFor the cohort as a whole, a draw's selection shares on average "
            f"{_pct(summ.get('mean_jaccard'))} of its members with the nominal one (Jaccard similarity); "
            f"{summ.get('n_robustly_in', 'n/a')} regions are robustly in and "
            f"{summ.get('n_contestable', 'n/a')} contestable."
        )
    return ReportText(text)


def fig_rank(ctx: ReportContext, ax=None):
    """The region's place in the eligible pool under uncertainty (histogram over draws when kept, 5-95 %
    interval, median, nominal place, cohort size).

    Returns
    -------
    matplotlib.axes.Axes or None
        None (nothing drawn) when robustness results are not available.
    """
    from smartcity_analysis.plots import rank_interval

    rob = _region_robustness(ctx)
    if rob is None or not bool(ctx.row.get("in_pool", True)) or not _isnum(rob.get("rank_median")):
        return None
    hist = ctx.robustness.get("rank_draws")
    ranks = None
    if isinstance(hist, pd.DataFrame) and ctx.region_code in hist.columns.astype(str):
        ranks = hist.set_axis(hist.columns.astype(str), axis=1)[ctx.region_code].to_numpy(dtype=float)
    return rank_interval(
        float(rob.get("rank_median", np.nan)),
        float(rob.get("rank_p05", np.nan)),
        float(rob.get("rank_p95", np.nan)),
        nominal_rank=float(ctx.row.get("position")) if _isnum(ctx.row.get("position")) else None,
        cutoff=ctx.cohort_size,
        pool_size=int(pd.to_numeric(ctx.selection["position"], errors="coerce").max()),
        ranks=ranks,
        xlabel="place in the eligible pool (1 = first)",
        ax=ax,
    )


def sobol_table(ctx: ReportContext):
    """What drives the region's selected/not-selected status: first-order and total Sobol indices of
    the uncertain inputs, with confidence intervals.

    Returns
    -------
    pandas.io.formats.style.Styler or ReportText
        Text when the indices are not available or not trustworthy.
    """
    if not ctx.robustness_status.ok:
        return ReportText("Sensitivity (Sobol) indices are not available: robustness results are missing.")
    sob = ctx.robustness.get("sobol_regions")
    if not isinstance(sob, pd.DataFrame) or sob.empty:
        return ReportText("Sensitivity (Sobol) indices were not computed for this cohort.")
    df = sob.copy()
    if "region_code" in df.columns:
        df = df[df["region_code"].astype(str) == ctx.region_code]
    if df.empty:
        return ReportText(
            "The region's status does not vary across the draws (or was not analysed), so no input "
            "drives it: Sobol indices are undefined."
        )
    df = df.sort_values("ST", ascending=False).head(8)
    out = pd.DataFrame(
        {
            "uncertain input": [_factor_label(ctx, f) for f in df["factor"]],
            "first order S1": [_pm(a, b) for a, b in zip(df["S1"], df.get("S1_conf", np.nan), strict=False)],
            "total ST": [_pm(a, b) for a, b in zip(df["ST"], df.get("ST_conf", np.nan), strict=False)],
            "reliable": ["yes" if bool(t) else "indicative" for t in df.get("trusted", True)],
        }
    )
    return _style(out, "sobol", "Sobol indices of the region's selected/not-selected outcome: the share of "
                                "its variance due to each input alone (S1) and with interactions (ST).")


def _pm(value: Any, conf: Any) -> str:
    if not _isnum(value):
        return "n/a"
    return f"{float(value):.2f} ± {float(conf):.2f}" if _isnum(conf) else f"{float(value):.2f}"


#: Labels of the robustness factors (``threshold:<rule>`` and indicator names are built on the fly).
FACTOR_LABELS = {
    "weights": "criterion weights",
    "imputation": "imputation method",
    "normalisation": "normalisation method",
    "aggregation_index": "aggregation across criteria",
    "aggregation_pillars": "aggregation within criteria",
    "noise": "noise on indicator values",
    "leave_one_out": "leaving one indicator out",
}


def _factor_label(ctx: ReportContext, factor: str) -> str:
    factor = str(factor)
    if factor.startswith("threshold:"):
        return f"threshold of rule '{factor.split(':', 1)[1]}'"
    return FACTOR_LABELS.get(factor, factor.replace("_", " "))


def rivals_table(ctx: ReportContext, n: int = 8):
    """Contestable rivals: the regions whose selection is uncertain (5 % < P < 95 %) and whose nominal
    place in the eligible pool is closest to the region's (or to the cutoff for a region outside it).

    Returns
    -------
    pandas.io.formats.style.Styler or ReportText
    """
    if not ctx.robustness_status.ok:
        return ReportText("Contestable rivals cannot be listed: robustness results are missing.")
    table = ctx.robustness.get("regions")
    if not isinstance(table, pd.DataFrame):
        return ReportText("Contestable rivals cannot be listed: no per-region robustness table.")
    t = table.set_axis(table.index.astype(str))
    contest = t[t["robustness_class"] == "contestable"]
    if contest.empty:
        return ReportText("No region of this cohort is contestable: every selection is robust.")
    sel = ctx.selection
    pos = pd.to_numeric(sel["position"], errors="coerce")
    mine = pos.get(ctx.region_code)
    contest = contest.drop(index=ctx.region_code, errors="ignore")
    dist = (pos.reindex(contest.index) - (mine if _isnum(mine) else ctx.cohort_size)).abs()
    order = dist.sort_values().index[:n]
    rows = [
        {
            "region": str(ctx.regions.at[c, "name"]),
            "province": str(ctx.regions.at[c, "province_name"]),
            "place (nominal)": _rank(pos.get(c)),
            "model selects": "yes" if bool(sel.at[c, "selected"]) else "no",
            "P(selected)": _pct(contest.at[c, "p_selected"]),
            "place 5-95 %": f"{_rank(contest.at[c, 'rank_p05'])}-{_rank(contest.at[c, 'rank_p95'])}",
            "actual cohort": _actual(ctx, c),
        }
        for c in order
    ]
    return _style(pd.DataFrame(rows), "rivals", "Contestable regions nearest in place in the pool "
                                                "(5 % < P(selected) < 95 %).")


def _explanation_rows(ctx: ReportContext, table: str) -> pd.DataFrame | None:
    """The region's rows of an explanation table for the report's cohort (None when unavailable)."""
    if not ctx.explanation_status.ok:
        return None
    tables = ctx.explanation.get("tables") or {}
    t = tables.get(table)
    if not isinstance(t, pd.DataFrame):
        return None
    t = t[t["region_code"].astype(str) == ctx.region_code]
    if "cohort_year" in t.columns:
        t = t[t["cohort_year"].astype(int) == ctx.params.cohort]
    return t.reset_index(drop=True)


def _truthy(value: Any) -> bool:
    """True for True/1/"True"/"true"; False for False, 0, None, NaN and anything else."""
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    try:
        return bool(value) and not (isinstance(value, float) and np.isnan(value))
    except (TypeError, ValueError):
        return False


def what_it_would_take_text(ctx: ReportContext) -> ReportText:
    """What it would take, in words: the gap to the cohort's cutoff and the outcome of the
    counterfactual search (already selected, reachable, not reachable within the plausible bounds,
    ineligible).

    Returns
    -------
    ReportText

    Notes
    -----
    The counterfactuals come from :mod:`smartcity_analysis.explanation` under the spec's nominal weights
    on the actual pool of the cohort (regions selected earlier have left). They change one region's
    values and hold the others' normalised values fixed; each computed change is re-checked through the
    real build ("verified").
    """
    if not ctx.explanation_status.ok:
        return ReportText(
            '<p class="notice"><b>Counterfactuals are not available</b> for this report: '
            f"{_esc(ctx.explanation_status.message)}.</p>"
        )
    reg = _explanation_rows(ctx, "counterfactual_regions")
    if reg is None or reg.empty:
        return ReportText(
            f"{_esc(ctx.name)} was not evaluated for cohort {ctx.params.cohort} (not in its pool), so "
            "there is no counterfactual."
        )
    r = reg.iloc[0]
    outcome = str(r.get("outcome", ""))
    gap = r.get("gap")
    single = _explanation_rows(ctx, "counterfactual_single")
    feasible = single[[_truthy(v) for v in single["reachable"]]] if single is not None and len(single) else None
    if outcome != "already selected" and not outcome.startswith("ineligible") and feasible is not None \
            and len(feasible):
        # The per-indicator table is the evidence; say "reachable" whenever one change is.
        outcome = "reachable"
    head = (f"Score {_fmt(r.get('score'))}; the cutoff of cohort {ctx.params.cohort} (the score of the "
            f"last of the {ctx.cohort_size} regions selected from the actual pool) is "
            f"{_fmt(r.get('cutoff'))}")
    if outcome == "already selected":
        return ReportText(f"{head}: {_esc(ctx.name)} is already above it; nothing is needed.")
    if outcome == "reachable":
        n_comb = int(r.get("combined_n_indicators") or 0)
        if feasible is None or not len(feasible):
            # only a combined change closes the gap: no single indicator can within its bounds
            return ReportText(
                f"{head}: a gap of **{_fmt(gap)} points**. No single indicator can close it within the "
                f"plausible change the spec declares; the cheapest combined change moves {n_comb} "
                "indicator(s) together (see the 'combined change' column of the table)."
            )
        best = feasible.sort_values("change_normalised").iloc[0]
        code = str(best["indicator"])
        comb = (f"; the cheapest combined change moves {n_comb} indicator(s)" if n_comb else "")
        text = (f"{head}: a gap of **{_fmt(gap)} points**. The smallest single change (in normalised "
                f"units) is in **{_esc(_indicator_name(ctx, code))}**: from {_fmt(best['current_value'])} "
                f"to {_fmt(best['required_value'])} {_esc(_unit(ctx, code))}{comb}. The table lists "
                "every indicator, within the plausible change the spec declares.")
        return ReportText(text)
    if outcome.startswith("ineligible"):
        return ReportText(f"{head}. {_esc(ctx.name)} is {_esc(outcome)}: no change of the scored "
                          "indicators alone can select it.")
    return ReportText(
        f"{head}: a gap of **{_fmt(gap)} points**, which no change within the plausible bounds the spec "
        "declares can close (neither one indicator alone nor all of them together)."
    )


def what_it_would_take(ctx: ReportContext):
    """What it would take to reach the cohort's cutoff under the nominal weights: the smallest change
    of each single indicator, and the cheapest combined change.

    Returns
    -------
    pandas.io.formats.style.Styler or None
        Columns ``indicator, now, needed, change, unit, combined change, verified``; None (nothing to
        show) when the region is already selected or no counterfactual is available (the text of
        :func:`what_it_would_take_text` says why).
    """
    single = _explanation_rows(ctx, "counterfactual_single")
    if single is None or single.empty:
        return None
    reg = _explanation_rows(ctx, "counterfactual_regions")
    if reg is not None and not reg.empty and str(reg.iloc[0].get("outcome")) == "already selected":
        return None
    comb = _explanation_rows(ctx, "counterfactual_combined")
    comb_change = {} if comb is None else dict(zip(comb["indicator"], comb["change"], strict=False))
    rows = []
    for r in single.itertuples():
        reachable = _truthy(r.reachable)
        verified = getattr(r, "verified", None)
        verified = None if verified is None or (isinstance(verified, float) and np.isnan(verified)) \
            else _truthy(verified)
        rows.append(
            {
                "indicator": _indicator_name(ctx, r.indicator),
                "now": _fmt(r.current_value),
                "needed": _fmt(r.required_value) if reachable else "-",
                "change": (("+" if r.change > 0 else "") + _fmt(r.change)) if reachable else "out of bounds",
                "unit": _unit(ctx, r.indicator),
                "combined change": (("+" if comb_change[r.indicator] > 0 else "") + _fmt(comb_change[r.indicator]))
                if r.indicator in comb_change else "-",
                "verified": "yes" if verified is True else ("no" if verified is False else "-"),
            }
        )
    return _style(pd.DataFrame(rows), "counterfactuals", "Smallest change of each indicator alone, and the cheapest "
                                      "combination (nominal weights, other regions held fixed).")


def not_measured(ctx: ReportContext) -> ReportText:
    """What the report could not measure: criteria of the spec without data (named, with the proxy
    they stand for), indicators without data in the data year, the region's own missing values, and
    the programme's assessment stage.

    Returns
    -------
    ReportText
    """
    lines = []
    excl = ctx.result.excluded
    for r in excl.itertuples():
        ind = ctx.spec.indicator(r.indicator)
        label = _indicator_name(ctx, r.indicator)
        crit = f" (stands for: {ind.proxy_for})" if ind.proxy_for else ""
        note = f" {ind.note}" if ind.note else ""
        lines.append(f"- **{_esc(label)}**{_esc(crit)}: {_esc(r.reason)}.{_esc(note)}")
    for pid in ctx.result.dropped_pillars:
        lines.append(f"- Criterion **{_esc(_pillar_names(ctx).get(pid, pid))}** has no measured indicator: "
                     "its weight was spread over the other criteria.")
    raw = ctx.result.raw
    if ctx.region_code in raw.index:
        missing = [c for c in raw.columns if pd.isna(raw.at[ctx.region_code, c])]
        if missing:
            names = ", ".join(_indicator_name(ctx, c) for c in missing)
            how = ctx.spec.methods.imputation.name
            treat = "imputed" if how != "none" else "left missing (the score uses the remaining indicators)"
            lines.append(f"- For {_esc(ctx.name)}, no {ctx.data_year} value of: {_esc(names)}; {treat}"
                         f"{' by ' + _esc(how) if how != 'none' else ''}.")
    lines.append(f"- Not measurable by any spec: {ASSESSMENT_STAGE}.")
    lines.append("- Kominfo never published the criteria's weights or thresholds: those in this spec are "
                 "modelling choices, and the robustness section shows how much they matter.")
    return ReportText("\n".join(lines))


def methodology_table(ctx: ReportContext):
    """The spec's indicators: pillar, direction, weight, transform, data year, source and licence.

    Returns
    -------
    pandas.io.formats.style.Styler
    """
    w = ctx.result.weights.set_index("indicator") if len(ctx.result.weights) else pd.DataFrame()
    names = _pillar_names(ctx)
    pillar_of = _pillar_of(ctx)
    excluded = set(ctx.result.excluded["indicator"]) if len(ctx.result.excluded) else set()
    rows = []
    for ind in ctx.spec.indicators:
        code = ind.code
        srcs = [] if code in excluded else _source_ids(ctx, code, region_only=False)
        licences = sorted({str((ctx.sources.get(s) or {}).get("licence", "n/a")) for s in srcs})
        weight = w.at[code, "overall_weight"] if code in w.index else np.nan
        rows.append(
            {
                "indicator": _indicator_name(ctx, code) + (" (proxy)" if ind.is_proxy else ""),
                "criterion": names.get(pillar_of.get(code, ""), "-"),
                "direction": {1: "higher better", -1: "lower better"}.get(ind.direction, "neutral"),
                "weight": f"{100 * weight:.1f} %" if _isnum(weight) else "0 (not computed)",
                "transform": ind.transform or "-",
                "data year": "-" if code in excluded else str(ctx.data_year),
                "source": ", ".join(srcs) or "-",
                "licence": ", ".join(licences) if srcs else "-",
            }
        )
    return _style(pd.DataFrame(rows), "methodology", f"Indicators of spec '{ctx.spec.id}' (overall weight = weight "
                                      "within the criterion x weight of the criterion).")


def _method_text(choice) -> str:
    kw = choice.kwargs
    extra = ", ".join(f"{k}={v}" for k, v in kw.items())
    return f"{choice.name}" + (f" ({extra})" if extra else "")


def methodology_text(ctx: ReportContext) -> ReportText:
    """Methods of each build step, eligibility rules, cohort and pool rules, quotas and tie-breaking;
    then the sources with their licences.

    Returns
    -------
    ReportText
    """
    s = ctx.spec
    m = s.methods
    lines = [
        f"**Spec**: {_esc(s.title)} (<code>{_esc(s.id)}</code>, version {_esc(s.version)}). "
        + _esc(s.description),
        "",
        f"- Imputation: {_esc(_method_text(m.imputation))}; outlier treatment: {_esc(_method_text(m.outliers))}.",
        f"- Normalisation: {_esc(_method_text(m.normalisation))}.",
        f"- Weighting: indicators {_esc(_method_text(m.weighting_indicators))}, criteria "
        f"{_esc(_method_text(m.weighting_pillars))}.",
        f"- Aggregation: within criteria {_esc(_method_text(m.aggregation_pillars))}, across criteria "
        f"{_esc(_method_text(m.aggregation_index))}; minimum data coverage {_pct(m.min_coverage_pillars)} "
        f"within a criterion, {_pct(m.min_coverage_index)} across.",
        f"- Cohort {ctx.params.cohort}: {ctx.cohort_size} regions, data year {ctx.data_year}; earlier "
        f"selections leave the pool ({_esc(s.pool.previous_cohorts)} cohorts).",
    ]
    rules = "; ".join(
        f"{r.id}: {r.indicator} {r.op} {_fmt(r.value)}" if r.kind == "threshold"
        else f"{r.id}: at least {_pct(r.min_share)} of indicators observed" if r.kind == "completeness"
        else f"{r.id}: type in {', '.join(r.allowed)}"
        for r in s.eligibility
    )
    lines.append(f"- Eligibility: {_esc(rules) or 'none'}.")
    q = s.quotas
    quota_bits = []
    if q.max_per_province is not None:
        quota_bits.append(f"at most {q.max_per_province} per province")
    if q.min_share_outside_java is not None:
        quota_bits.append(f"at least {_pct(q.min_share_outside_java)} outside Java")
    for tm in q.type_mix:
        quota_bits.append(f"{tm.type} share in [{_pct(tm.min_share)}, {_pct(tm.max_share)}]")
    lines.append(f"- Quotas: {_esc('; '.join(quota_bits)) if quota_bits else 'none'}.")
    ties = ", ".join(f"{t.key} ({t.order})" for t in s.tie_breaking)
    lines.append(f"- Ties broken by: {_esc(ties + ', ' if ties else '')}region code.")
    lines += ["", "**Sources**", ""]
    used = sorted(set(ctx.sources_used["source_id"]))
    for sid in used:
        meta = ctx.sources.get(sid) or {}
        citation = meta.get("citation") or meta.get("origin") or ""
        lines.append(f"- <code>{_esc(sid)}</code>: {_esc(citation)} Licence: {_esc(meta.get('licence', 'n/a'))}.")
    if not used:
        lines.append("- none")
    return ReportText("\n".join(lines))


def provenance(ctx: ReportContext) -> ReportText:
    """Seed, draws, spec hash, data hash and package version: what is needed to reproduce the report.

    Returns
    -------
    ReportText
    """
    from smartcity_analysis import __version__

    p = ctx.params
    facts = [
        ("Region / cohort", f"{_esc(ctx.region_code)} / {p.cohort}"),
        ("Spec", f"{_esc(ctx.spec.id)} v{_esc(ctx.spec.version)}, hash <code>{_esc(ctx.spec.spec_hash)}</code>"),
        ("Data hash", f"<code>{_esc(ctx.data_hash)}</code> (data/regions.csv + data/indicators.csv)"),
        ("Seed / draws", f"{p.seed} / {p.draws:,}"),
        ("Package", f"smartcity-analysis {_esc(__version__)}"),
        ("Reproduce", f"<code>smartcity report --region {_esc(ctx.region_code)} --cohort {p.cohort} "
                      f"--spec {_esc(p.spec or DEFAULT_SPEC)} --draws {p.draws} --seed {p.seed}</code>"),
    ]
    notes = "".join(f'<p class="muted">Note: {_esc(n)}.</p>' for n in ctx.notes)
    return ReportText(_table_html(facts) + notes)
