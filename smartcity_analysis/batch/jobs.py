"""The jobs of a batch: what to render, with which inputs, and what happened.

A :class:`BatchJob` names its renderer as a ``"module:function"`` string and carries its input hash
(:func:`inputs_fingerprint` + :func:`job_input_hash`); :func:`execute_job` renders one job with a given
kernel and returns its :class:`JobOutcome`, one manifest entry. The two renderers of the real batch,
:func:`render_region` and :func:`render_overview`, are named ``"smartcity_analysis.batch:render_region"``
and ``"smartcity_analysis.batch:render_overview"``: those strings are part of every job's input hash, so
they stay importable from the package.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import os
import re
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smartcity_analysis import __version__
from smartcity_analysis.batch.manifest import OVERVIEW_KEY
from smartcity_analysis.curated.loaders import load_regions
from smartcity_analysis.errors import InputError
from smartcity_analysis.files import file_sha256, tree_sha256
from smartcity_analysis.paths import data_dir, notebooks_dir, specs_dir
from smartcity_analysis.spec import resolve_spec

#: Output formats a batch can write.
FORMATS = ("pdf", "html", "ipynb")

#: Renderers of the real batch; looked up by :func:`build_jobs` at call time so tests can swap in a toy.
REGION_RENDERER = "smartcity_analysis.batch:render_region"
OVERVIEW_RENDERER = "smartcity_analysis.batch:render_overview"

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


# --------------------------------------------------------------------------------------------------
# jobs, outcomes, summary
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BatchJob:
    """One unit of work of a batch: a region report or the national overview.

    ``renderer`` is a ``"module:function"`` path resolved in the worker (it must be importable
    there), called as ``renderer(params, out_dir, fmt, km=kernel_manager) -> Path``.
    """

    key: str
    kind: str
    label: str
    params: Mapping[str, Any]
    renderer: str
    input_hash: str


@dataclass(frozen=True)
class JobOutcome:
    """What happened to one job (one manifest entry)."""

    key: str
    kind: str
    label: str
    status: str  # "done" | "failed" | "skipped"
    error: str | None
    duration_s: float
    input_hash: str
    output: str | None  # path relative to the cohort directory
    output_hash: str | None
    finished_at: str
    #: Seconds per rendering stage (:data:`smartcity_analysis.rendering.STAGES`; ``write`` includes
    #: hashing the output), for where a report's time goes; None for a job that never rendered.
    stages: dict[str, float] | None = None

    def to_manifest(self) -> dict[str, Any]:
        """The manifest entry of this outcome (JSON-serialisable)."""
        entry = dataclasses.asdict(self)
        entry.pop("key")
        return entry


@dataclass(frozen=True)
class BatchSummary:
    """Result of :func:`run_batch`.

    Attributes
    ----------
    done, skipped : tuple of str
        Keys (region codes, or ``"overview"``) rendered in this run, and skipped by ``resume``.
    failed : dict
        Key -> one-line error for every job that failed in this run.
    manifest_path, index_path, overview_path : Path or None
        Files written by the batch (``index_path`` None when the index could not be written).
    """

    cohort: int
    out_dir: Path
    manifest_path: Path
    done: tuple[str, ...]
    skipped: tuple[str, ...]
    failed: dict[str, str] = field(default_factory=dict)
    elapsed_s: float = 0.0
    index_path: Path | None = None
    overview_path: Path | None = None
    index_error: str | None = None

    @property
    def ok(self) -> bool:
        """True when no job failed (and the index, if asked for, was written)."""
        return not self.failed and self.index_error is None

    @property
    def exit_code(self) -> int:
        """Process exit code for the CLI: 0 when everything succeeded, 1 when any job failed."""
        return 0 if self.ok else 1

    def describe(self) -> str:
        """One line for the terminal."""
        n_render = len(self.done) + len(self.failed)
        per = f", {self.elapsed_s / n_render:.2f} s/report" if n_render else ""
        text = (
            f"{len(self.done)} rendered, {len(self.skipped)} skipped (unchanged), "
            f"{len(self.failed)} failed in {self.elapsed_s:.1f} s{per}; manifest: {self.manifest_path}"
        )
        if self.failed:
            text += "; failed: " + ", ".join(sorted(self.failed))
        if self.index_error:
            text += f"; index not written: {self.index_error}"
        return text


# --------------------------------------------------------------------------------------------------
# input fingerprints
# --------------------------------------------------------------------------------------------------
def _spec_fingerprint(spec: Any) -> str:
    """Content fingerprint of the spec of a batch: the one resolver's ``spec_hash`` (None: the default)."""
    return resolve_spec("" if spec is None else spec).spec_hash


def inputs_fingerprint(*, spec: Any, templates: Iterable[Path] = ()) -> str:
    """Fingerprint of everything a report depends on besides its own parameters.

    The curated data directory, the shipped specs and the given spec's content, the notebook templates
    and the package version.
    A change in any of them makes ``resume`` render again.
    """
    digest = hashlib.sha256()
    digest.update(f"smartcity-analysis {__version__}".encode())
    digest.update(tree_sha256(data_dir()).encode())
    digest.update(tree_sha256(specs_dir()).encode())  # the default spec ("") lives there too
    digest.update(_spec_fingerprint(spec).encode())
    for template in templates:
        template = Path(template)
        digest.update(file_sha256(template).encode() if template.is_file() else b"missing")
    return digest.hexdigest()


def job_input_hash(shared: str, renderer: str, fmt: str, params: Mapping[str, Any]) -> str:
    """Input hash of one job: the shared fingerprint plus the job's renderer, format and parameters."""
    payload = json.dumps(
        {"shared": shared, "renderer": renderer, "fmt": fmt, "params": dict(params)},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


# --------------------------------------------------------------------------------------------------
# running one job
# --------------------------------------------------------------------------------------------------
def resolve_renderer(path: str) -> Callable[..., Path]:
    """Import a ``"module:function"`` renderer."""
    module_name, _, attr = path.partition(":")
    if not module_name or not attr:
        raise InputError(
            f"A batch renderer must be given as 'module:function'. Got {path!r}. "
            "Use e.g. 'smartcity_analysis.rendering:render_report'."
        )
    return getattr(importlib.import_module(module_name), attr)


def one_line_error(exc: BaseException) -> str:
    """A short, ANSI-free description of an exception for the manifest."""
    ename = getattr(exc, "ename", None)
    evalue = getattr(exc, "evalue", None)
    if ename is not None:  # papermill's PapermillExecutionError: the error raised inside the notebook
        cell = getattr(exc, "exec_count", None)
        text = f"{ename}: {evalue} (notebook cell {cell})"
    else:
        text = f"{type(exc).__name__}: {exc}"
    text = _ANSI.sub("", text).strip()
    return text if len(text) <= 2000 else text[:1997] + "..."


def execute_job(job: BatchJob, out_dir: str, fmt: str, km) -> JobOutcome:
    """Render one job with a given kernel and describe what happened (never raises for job errors)."""
    # nbconvert (via rendering) only in the workers: the batch parent imports this module too.
    from smartcity_analysis import rendering

    start = time.perf_counter()
    cohort_dir = Path(out_dir) / str(job.params.get("cohort", ""))
    output = output_hash = error = stages = None
    try:
        renderer = resolve_renderer(job.renderer)
        rendering.reset_stage_times()
        path = Path(renderer(dict(job.params), Path(out_dir), fmt, km=km))
        if not path.is_file():
            raise FileNotFoundError(f"the renderer returned {path}, which does not exist")
        hashed = time.perf_counter()
        output_hash = file_sha256(path)
        stages = rendering.stage_times()
        stages["write"] = stages.get("write", 0.0) + time.perf_counter() - hashed
        stages = {k: round(v, 4) for k, v in stages.items()}
        try:
            output = path.resolve().relative_to(cohort_dir.resolve()).as_posix()
        except ValueError:
            output = str(path.resolve())
        status = "done"
    except Exception as exc:  # a failing region is recorded; the batch goes on
        status = "failed"
        error = one_line_error(exc)
        if os.environ.get("SMARTCITY_BATCH_TRACEBACK"):
            error += "\n" + traceback.format_exc()
    return JobOutcome(
        key=job.key,
        kind=job.kind,
        label=job.label,
        status=status,
        error=error,
        duration_s=round(time.perf_counter() - start, 3),
        input_hash=job.input_hash,
        output=output,
        output_hash=output_hash,
        finished_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        stages=stages,
    )


def failed_outcome(job: BatchJob, error: str) -> JobOutcome:
    """The outcome of a job that failed before or outside its renderer (worker or kernel gone)."""
    return JobOutcome(
        key=job.key, kind=job.kind, label=job.label, status="failed", error=error, duration_s=0.0,
        input_hash=job.input_hash, output=None, output_hash=None,
        finished_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )


# --------------------------------------------------------------------------------------------------
# renderers and building the jobs
# --------------------------------------------------------------------------------------------------
def _report_params(params: Mapping[str, Any]):
    """Build :class:`smartcity_analysis.report.ReportParams` from a plain dict of its fields."""
    # The report package imports the engine (api -> scipy.stats, ~0.8 s): a spawned worker imports
    # this package before its kernel starts, and the kernel, not the worker, runs the report's code.
    from smartcity_analysis.report import ReportParams

    names = {f.name for f in dataclasses.fields(ReportParams)}
    return ReportParams(**{k: v for k, v in params.items() if k in names})


def render_region(params: Mapping[str, Any], out_dir: Path, fmt: str, *, km=None) -> Path:
    """Renderer of a region job: :func:`smartcity_analysis.rendering.render_report`."""
    # rendering imports nbconvert (~0.5 s): only the workers pay for it, not the batch parent.
    from smartcity_analysis.rendering import render_report

    return render_report(_report_params(params), out_dir, fmt, km=km)


def render_overview(params: Mapping[str, Any], out_dir: Path, fmt: str, *, km=None) -> Path:
    """Renderer of the national overview job (``notebooks/national_overview.ipynb``)."""
    # rendering imports the overview (hence results, robustness, SALib, scipy.stats: ~1 s) and
    # jsonschema; a spawned worker imports this package before its kernel starts (see render_region)
    from smartcity_analysis.rendering import render_overview as _render_overview

    return _render_overview(dict(params), out_dir, fmt, km=km)


def _labels(codes: list[str]) -> dict[str, str]:
    """Display names for the progress bar and the manifest (the codes themselves when data are absent)."""
    try:
        names = load_regions()["name"]
        return {c: str(names.get(c, c)) for c in codes}
    except Exception:
        return {c: c for c in codes}


def _check_codes(regions: Iterable[str]) -> list[str]:
    codes, bad = [], []
    for r in regions:
        if isinstance(r, str) and len(r) == 4 and r.isdigit():
            codes.append(r)
        else:
            bad.append(r)
    if bad:
        raise InputError(
            f"Region codes of a batch must be 4-digit BPS code strings such as '6372'. "
            f"Got {bad[:5]!r}{' ...' if len(bad) > 5 else ''}. Resolve names first "
            "(smartcity_analysis.curated.regions) or pass codes."
        )
    return list(dict.fromkeys(codes))  # de-duplicate, keep order


def build_jobs(
    regions: Iterable[str],
    *,
    cohort: int,
    spec: Any,
    fmt: str = "pdf",
    overview: bool = True,
    extra_params: Mapping[str, Any] | None = None,
    region_renderer: str | None = None,
    overview_renderer: str | None = None,
) -> list[BatchJob]:
    """The jobs of a batch: the overview first (the longest job), then one per region.

    Parameters
    ----------
    regions : iterable of str
        4-character BPS region codes.
    extra_params : mapping, optional
        Further report parameters shared by every job (``draws``, ``seed``); None values are dropped so
        that the report's own defaults apply.
    region_renderer, overview_renderer : str, optional
        ``"module:function"`` renderers; None means :data:`REGION_RENDERER` / :data:`OVERVIEW_RENDERER`,
        read at call time (tests swap in a toy renderer by patching them).
    """
    region_renderer = region_renderer or REGION_RENDERER
    overview_renderer = overview_renderer or OVERVIEW_RENDERER
    codes = _check_codes(regions)
    common = {"cohort": int(cohort)}
    if spec is not None:
        common["spec"] = str(spec) if isinstance(spec, os.PathLike) else spec
    common.update({k: v for k, v in (extra_params or {}).items() if v is not None})
    templates = [notebooks_dir() / "region_report.ipynb"]
    if overview:
        templates.append(notebooks_dir() / "national_overview.ipynb")
    shared = inputs_fingerprint(spec=spec, templates=templates)
    jobs: list[BatchJob] = []
    if overview:
        params = dict(common)
        jobs.append(
            BatchJob(
                key=OVERVIEW_KEY, kind="overview", label="National overview", params=params,
                renderer=overview_renderer,
                input_hash=job_input_hash(shared, overview_renderer, fmt, params),
            )
        )
    labels = _labels(codes)
    for code in codes:
        params = {"region": code, **common}
        jobs.append(
            BatchJob(
                key=code, kind="region", label=labels[code], params=params,
                renderer=region_renderer,
                input_hash=job_input_hash(shared, region_renderer, fmt, params),
            )
        )
    return jobs
