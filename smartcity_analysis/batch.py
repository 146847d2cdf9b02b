"""Render many regional reports in one batch: warm kernels, a manifest, resume, failures isolated.

A batch of 514 papermill runs is dominated by kernel start-up and imports (about 2.4 s of every ~3 s
run, see ``docs/batch.md``). :func:`run_batch` therefore starts a *spawn* process pool whose initializer
starts one Jupyter kernel per worker and imports the heavy modules into it once; every region then runs
in that warm kernel (``%reset -f`` first, inserted by :mod:`smartcity_analysis.rendering`).

Per job the parent records status, error, duration, input hash and output hash in
``<out_dir>/<cohort>/manifest.json``, rewritten atomically after each job, so a batch killed midway leaves
a valid manifest. ``resume=True`` skips jobs whose inputs did not change and whose output still exists
with the recorded hash; missing or corrupt outputs are rendered again. A failing region is recorded and
the others go on. With ``scheduler="tcp://HOST:PORT"`` the same jobs run on an existing Dask cluster
(:mod:`smartcity_analysis.distributed`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import importlib
import json
import multiprocessing
import multiprocessing.util
import os
import re
import sys
import tempfile
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smartcity_analysis import __version__
from smartcity_analysis.cache import file_sha256
from smartcity_analysis.errors import InputError
from smartcity_analysis.kernels import WARMUP_CODE, start_kernel, stop_kernel
from smartcity_analysis.paths import data_dir, notebooks_dir, specs_dir

#: Version of the manifest layout; bump when keys change meaning.
MANIFEST_SCHEMA = 1

#: Key of the national overview job in the manifest (region jobs use their 4-char region code).
OVERVIEW_KEY = "overview"

#: Output formats a batch can write.
FORMATS = ("pdf", "html", "ipynb")

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
# hashing and the manifest
# --------------------------------------------------------------------------------------------------
def _tree_sha256(root: Path) -> str:
    """Hash of every non-hidden file under ``root`` (relative names and contents), order-independent."""
    digest = hashlib.sha256()
    if not root.exists():
        return "missing"
    files = sorted(
        p for p in root.rglob("*") if p.is_file() and not any(s.startswith(".") for s in p.parts[len(root.parts):])
    )
    for p in files:
        digest.update(p.relative_to(root).as_posix().encode())
        digest.update(file_sha256(p).encode())
    return digest.hexdigest()


def _spec_fingerprint(spec: Any) -> str:
    """Content fingerprint of a spec given as a path, a shipped spec name, a dict or a Spec object."""
    if spec is None:
        return "none"
    spec_hash = getattr(spec, "spec_hash", None)
    if isinstance(spec_hash, str):
        return spec_hash
    if isinstance(spec, Mapping):
        return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()
    text = str(spec)
    for candidate in (Path(text), specs_dir() / text, specs_dir() / f"{text}.yml"):
        if candidate.is_file():
            return file_sha256(candidate)
    return hashlib.sha256(text.encode()).hexdigest()


def inputs_fingerprint(*, spec: Any, templates: Iterable[Path] = ()) -> str:
    """Fingerprint of everything a report depends on besides its own parameters.

    The curated data directory, the shipped specs and the given spec's content, the notebook templates
    and the package version.
    A change in any of them makes ``resume`` render again.
    """
    digest = hashlib.sha256()
    digest.update(f"smartcity-analysis {__version__}".encode())
    digest.update(_tree_sha256(data_dir()).encode())
    digest.update(_tree_sha256(specs_dir()).encode())  # the default spec ("") lives there too
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


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to ``path`` through a temporary file in the same folder and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True, default=str)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def manifest_path(out_dir: str | os.PathLike, cohort: int) -> Path:
    """``<out_dir>/<cohort>/manifest.json``."""
    return Path(out_dir) / str(cohort) / "manifest.json"


def read_manifest(path: str | os.PathLike) -> dict[str, Any]:
    """Read a batch manifest; an absent or unreadable file gives an empty manifest.

    An unreadable manifest is not an error: it only means nothing can be skipped on resume.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"schema": MANIFEST_SCHEMA, "jobs": {}}
    if not isinstance(data, dict) or not isinstance(data.get("jobs"), dict):
        return {"schema": MANIFEST_SCHEMA, "jobs": {}}
    return data


def output_verifies(cohort_dir: Path, entry: Mapping[str, Any]) -> bool:
    """True when a manifest entry's output file exists and has the recorded SHA-256."""
    output, expected = entry.get("output"), entry.get("output_hash")
    if not output or not expected:
        return False
    path = cohort_dir / output
    return path.is_file() and file_sha256(path) == expected


def is_up_to_date(cohort_dir: Path, entry: Mapping[str, Any] | None, input_hash: str) -> bool:
    """Whether a job can be skipped on resume: done before, same inputs, output intact."""
    return bool(
        entry
        and entry.get("status") == "done"
        and entry.get("input_hash") == input_hash
        and output_verifies(cohort_dir, entry)
    )


# --------------------------------------------------------------------------------------------------
# worker side: one warm kernel per worker
# --------------------------------------------------------------------------------------------------
_WORKER: dict[str, Any] = {"km": None}


def _init_worker(warmup: str | None, ready=None) -> None:
    """Pool initializer: start this worker's kernel and stop it when the worker exits.

    A kernel that cannot start is not fatal here: the error is kept and every job of this worker then
    retries the start and, failing again, is recorded as failed with that error (never a dead pool).
    """
    warnings.filterwarnings("ignore", message=".*unencrypted.*")
    _WORKER["warmup"] = warmup
    try:
        _WORKER["km"] = start_kernel(warmup, while_starting=_import_renderer_modules)
    except Exception as exc:
        _WORKER["km"], _WORKER["start_error"] = None, _one_line_error(exc)
    _freeze_heap()
    multiprocessing.util.Finalize(None, _shutdown_worker, exitpriority=10)
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    if ready is not None:
        with ready.get_lock():
            ready.value += 1


def _import_renderer_modules() -> None:
    """Import what the worker itself runs per job (papermill, nbconvert, WeasyPrint) ahead of time.

    nbformat imports jsonschema, which imports the optional ``rfc3987_syntax`` when installed (it comes
    with JupyterLab's ``jupyter-events``): building its grammar takes ~0.65 s at every import, measured
    here, for the "iri" string format that the notebook schema never uses. The worker marks it as
    absent before importing (jsonschema then simply skips that format checker).
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]
    import nbconvert.exporters  # noqa: F401
    import papermill  # noqa: F401
    import weasyprint  # noqa: F401

    import smartcity_analysis.rendering  # noqa: F401


def _watch_parent(parent_pid: int, interval: float = 1.0) -> None:
    """Exit the worker (and stop its kernel) when the batch process is gone.

    Pool workers hold both ends of the task pipe, so a parent killed with SIGKILL would otherwise leave
    them (and their kernels) waiting forever.
    """
    while os.getppid() == parent_pid:
        time.sleep(interval)
    _shutdown_worker()
    os._exit(1)


def _shutdown_worker() -> None:
    stop_kernel(_WORKER.get("km"))
    _WORKER["km"] = None


def _live_kernel(state: dict[str, Any]):
    """The worker's kernel, restarted when a previous job killed it."""
    km = state.get("km")
    if km is None or not km.is_alive():
        stop_kernel(km)
        km = state["km"] = start_kernel(state.get("warmup", WARMUP_CODE))
    return km


def resolve_renderer(path: str) -> Callable[..., Path]:
    """Import a ``"module:function"`` renderer."""
    module_name, _, attr = path.partition(":")
    if not module_name or not attr:
        raise InputError(
            f"A batch renderer must be given as 'module:function'. Got {path!r}. "
            "Use e.g. 'smartcity_analysis.rendering:render_report'."
        )
    return getattr(importlib.import_module(module_name), attr)


def _one_line_error(exc: BaseException) -> str:
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
    start = time.perf_counter()
    cohort_dir = Path(out_dir) / str(job.params.get("cohort", ""))
    output = output_hash = error = None
    try:
        renderer = resolve_renderer(job.renderer)
        path = Path(renderer(dict(job.params), Path(out_dir), fmt, km=km))
        if not path.is_file():
            raise FileNotFoundError(f"the renderer returned {path}, which does not exist")
        output_hash = file_sha256(path)
        try:
            output = path.resolve().relative_to(cohort_dir.resolve()).as_posix()
        except ValueError:
            output = str(path.resolve())
        status = "done"
    except Exception as exc:  # a failing region is recorded; the batch goes on
        status = "failed"
        error = _one_line_error(exc)
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
    )


def _run_in_worker(task: tuple[BatchJob, str, str]) -> JobOutcome:
    job, out_dir, fmt = task
    try:
        km = _live_kernel(_WORKER)
    except Exception as exc:
        first = _WORKER.get("start_error")
        return _failed(job, f"kernel could not start: {_one_line_error(exc)}"
                       + (f" (first attempt: {first})" if first else ""))
    with _kernel_watchdog(km):
        outcome = execute_job(job, out_dir, fmt, km)
    if outcome.status == "failed" and not km.is_alive():
        _live_kernel(_WORKER)  # leave a working kernel for the next job
    _freeze_heap()
    return outcome


#: Seconds between two checks that the kernel of a running job is alive (:func:`_kernel_watchdog`).
KERNEL_WATCH_INTERVAL = 1.0

#: Exit status of a worker whose kernel died during a job.
KERNEL_DIED_EXIT = 75


@contextlib.contextmanager
def _kernel_watchdog(km, interval: float = KERNEL_WATCH_INTERVAL):
    """End this worker process when its kernel dies while a job runs.

    nbclient reads a blocking kernel client's IOPub messages without a timeout, so a kernel that dies
    in the middle of a notebook (killed for memory, a crash in native code) would leave the job, and
    the batch, waiting forever. The worker exits instead; :func:`iter_local` then treats the job like
    any job whose worker died: re-run alone on a fresh pool, and recorded as failed if it kills its
    worker (here: its kernel) again.
    """
    done = threading.Event()

    def watch():
        while not done.wait(interval):
            with contextlib.suppress(Exception):
                if not km.is_alive() and not done.is_set():
                    os._exit(KERNEL_DIED_EXIT)

    threading.Thread(target=watch, name="kernel-watchdog", daemon=True).start()
    try:
        yield
    finally:
        done.set()


def _freeze_heap() -> None:
    """Collect, then freeze the surviving objects out of the cyclic garbage collector's reach.

    A worker holds ~350,000 long-lived objects (pandas, nbconvert, WeasyPrint, caches); every
    full collection triggered while WeasyPrint lays out a report walks them all. Frozen, they are
    skipped: the HTML -> PDF step went from 0.80 s to 0.64 s per report, measured here
    (docs/batch.md). Only objects alive right after a full collection are frozen, so no garbage is
    kept; the kernel does the same in its reset cell (:data:`smartcity_analysis.rendering.RESET_SOURCE`).
    """
    gc.collect()
    gc.freeze()


def _failed(job: BatchJob, error: str) -> JobOutcome:
    return JobOutcome(
        key=job.key, kind=job.kind, label=job.label, status="failed", error=error, duration_s=0.0,
        input_hash=job.input_hash, output=None, output_hash=None,
        finished_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )


def _kill_workers(executor) -> None:
    """Stop an executor at once (Ctrl-C): cancel queued jobs and terminate its worker processes."""
    procs = list((getattr(executor, "_processes", None) or {}).values())  # no public API for this
    executor.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        with contextlib.suppress(Exception):
            proc.terminate()


def iter_local(
    jobs: list[BatchJob], out_dir: Path, fmt: str, n_workers: int, warmup: str | None = WARMUP_CODE,
) -> Iterator[JobOutcome]:
    """Run jobs on a spawn process pool with one warm kernel per worker; yield outcomes as they end.

    At most ``n_workers`` jobs are in flight, so when a worker process dies (out of memory, a crash in a
    native library) the jobs that may have caused it are known. They are re-run one at a time on a
    fresh pool; a job whose worker dies while it runs alone is recorded as failed, the others go on.
    The batch therefore never hangs on a dead worker.

    Raises
    ------
    ComputationError
        When the worker processes die before any of them finishes starting (for example when the
        calling script cannot be re-imported by a spawned process: run it from a file, with its entry
        point guarded by ``if __name__ == "__main__":``).

    Notes
    -----
    A spawn context is required: a fork-based pool created after a kernel was started in the parent
    hangs.
    """
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    if not jobs:
        return
    ctx = multiprocessing.get_context("spawn")
    n_workers = max(1, min(n_workers, len(jobs)))
    queue = list(reversed(jobs))  # pop() from the end keeps the given order
    suspects: list[BatchJob] = []  # in flight when a worker died: re-run alone
    while queue or suspects:
        ready = ctx.Value("i", 0)
        executor = ProcessPoolExecutor(n_workers, mp_context=ctx, initializer=_init_worker,
                                       initargs=(warmup, ready))
        running: dict[Any, BatchJob] = {}
        broken = False
        try:
            while not broken:
                source = suspects if suspects else queue
                try:
                    # suspects run alone, so a worker death while one runs convicts it
                    while source and len(running) < (1 if source is suspects else n_workers):
                        job = source.pop()
                        running[executor.submit(_run_in_worker, (job, str(out_dir), fmt))] = job
                except BrokenProcessPool:  # a worker died since the last wait: this job never ran
                    source.append(job)
                    broken = True
                if not running:
                    break
                alone = len(running) == 1
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                if broken or any(isinstance(f.exception(), BrokenProcessPool) for f in done):
                    broken = True
                    wait(running)  # every in-flight future of a broken pool fails
                    done = set(running)
                for future in done:
                    job = running.pop(future)
                    if not isinstance(future.exception(), BrokenProcessPool):
                        yield future.result()
                    elif ready.value == 0:  # nobody got past start-up: not this job's fault
                        queue.append(job)
                    elif alone:
                        yield _failed(job, "the worker process died while rendering this job alone "
                                           "(a worker also exits when its kernel dies); see the "
                                           "system log (out of memory?)")
                    else:
                        suspects.append(job)
        except BaseException:
            _kill_workers(executor)
            raise
        executor.shutdown(wait=True)
        if broken and ready.value == 0:
            from smartcity_analysis.errors import ComputationError

            raise ComputationError(
                "Batch worker processes died while starting, before any report ran. Spawned workers "
                "re-import the calling script: run the batch from the 'smartcity report' command or "
                "from a script file whose entry point is guarded by 'if __name__ == \"__main__\":' "
                "(not from stdin or an interactive session)."
            )


# --------------------------------------------------------------------------------------------------
# building the jobs
# --------------------------------------------------------------------------------------------------
REGION_RENDERER = "smartcity_analysis.batch:render_region"
OVERVIEW_RENDERER = "smartcity_analysis.batch:render_overview"


def _report_params(params: Mapping[str, Any]):
    """Build :class:`smartcity_analysis.report.ReportParams` from a plain dict of its fields."""
    from smartcity_analysis.report import ReportParams

    names = {f.name for f in dataclasses.fields(ReportParams)}
    return ReportParams(**{k: v for k, v in params.items() if k in names})


def render_region(params: Mapping[str, Any], out_dir: Path, fmt: str, *, km=None) -> Path:
    """Renderer of a region job: :func:`smartcity_analysis.rendering.render_report`."""
    from smartcity_analysis.rendering import render_report

    return render_report(_report_params(params), out_dir, fmt, km=km)


def render_overview(params: Mapping[str, Any], out_dir: Path, fmt: str, *, km=None) -> Path:
    """Renderer of the national overview job (``notebooks/national_overview.ipynb``)."""
    from smartcity_analysis.overview import render_overview as _render

    return _render(dict(params), out_dir, fmt, km=km)


def region_label(code: str) -> str:
    """Display name of a region for the progress bar and manifest (the code when data are absent)."""
    try:
        from smartcity_analysis.loaders import load_regions

        return str(load_regions().loc[code, "name"])
    except Exception:
        return code


def _labels(codes: list[str]) -> dict[str, str]:
    try:
        from smartcity_analysis.loaders import load_regions

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
            "(smartcity_analysis.regions) or pass codes."
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
    region_renderer: str = REGION_RENDERER,
    overview_renderer: str = OVERVIEW_RENDERER,
) -> list[BatchJob]:
    """The jobs of a batch: the overview first (the longest job), then one per region.

    Parameters
    ----------
    regions : iterable of str
        4-character BPS region codes.
    extra_params : mapping, optional
        Further report parameters shared by every job (``draws``, ``seed``); None values are dropped so
        that the report's own defaults apply.
    """
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


# --------------------------------------------------------------------------------------------------
# the batch
# --------------------------------------------------------------------------------------------------
def _progress(total: int, enabled: bool, desc: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="report", disable=not enabled, dynamic_ncols=True)


def run_jobs(
    jobs: list[BatchJob],
    *,
    cohort: int,
    out_dir: str | os.PathLike,
    fmt: str = "pdf",
    jobs_n: int = 2,
    resume: bool = False,
    scheduler: str | None = None,
    progress: bool = True,
    warmup: str | None = WARMUP_CODE,
    settings: Mapping[str, Any] | None = None,
) -> BatchSummary:
    """Run prepared jobs, keep the manifest, and summarise (the engine behind :func:`run_batch`).

    Parameters
    ----------
    jobs : list of BatchJob
        From :func:`build_jobs` (or hand-built, e.g. in tests with a toy renderer).
    jobs_n : int
        Number of local worker processes (ignored with ``scheduler``).
    resume : bool
        Skip jobs that are up to date (:func:`is_up_to_date`).
    scheduler : str, optional
        ``tcp://HOST:PORT`` of a running Dask scheduler; the jobs then run on its workers.
    settings : mapping, optional
        Batch-level settings recorded in the manifest.
    """
    if fmt not in FORMATS:
        raise InputError(f"Unknown report format {fmt!r}. Expected one of {', '.join(FORMATS)}.")
    if int(jobs_n) < 1:
        raise InputError(f"The number of parallel jobs must be at least 1. Got {jobs_n}.")
    out_dir = Path(out_dir)
    cohort_dir = out_dir / str(cohort)
    cohort_dir.mkdir(parents=True, exist_ok=True)
    mpath = manifest_path(out_dir, cohort)
    manifest = read_manifest(mpath)
    manifest.update(
        schema=MANIFEST_SCHEMA,
        cohort=int(cohort),
        fmt=fmt,
        package_version=__version__,
        settings=dict(settings or {}),
        started_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    entries: dict[str, Any] = manifest["jobs"]

    todo: list[BatchJob] = []
    skipped: list[str] = []
    for job in jobs:
        if resume and is_up_to_date(cohort_dir, entries.get(job.key), job.input_hash):
            skipped.append(job.key)
        else:
            todo.append(job)
    manifest["running"] = True
    write_json_atomic(mpath, manifest)

    done: list[str] = []
    failed: dict[str, str] = {}
    start = time.perf_counter()
    bar = _progress(len(todo), progress, f"reports {cohort}")
    if skipped:
        bar.write(f"resume: {len(skipped)} report(s) up to date, skipped")
    try:
        if scheduler:
            from smartcity_analysis.distributed import iter_cluster

            outcomes = iter_cluster(todo, out_dir, fmt, scheduler, warmup=warmup)
        else:
            outcomes = iter_local(todo, out_dir, fmt, int(jobs_n), warmup=warmup)
        for outcome in outcomes:
            entries[outcome.key] = outcome.to_manifest()
            manifest["updated_at"] = outcome.finished_at
            write_json_atomic(mpath, manifest)
            if outcome.status == "done":
                done.append(outcome.key)
            else:
                failed[outcome.key] = outcome.error or "unknown error"
                bar.write(f"failed: {outcome.key} {outcome.label}: {(outcome.error or '')[:200]}")
            bar.set_postfix_str(f"{outcome.key} {outcome.label[:24]}" + (f", {len(failed)} failed" if failed else ""))
            bar.update(1)
    finally:
        bar.close()
        manifest["running"] = False
        manifest["elapsed_s"] = round(time.perf_counter() - start, 2)
        write_json_atomic(mpath, manifest)

    overview_entry = entries.get(OVERVIEW_KEY)
    overview_path = (
        cohort_dir / overview_entry["output"]
        if overview_entry and overview_entry.get("status") == "done" and overview_entry.get("output")
        else None
    )
    return BatchSummary(
        cohort=int(cohort),
        out_dir=out_dir,
        manifest_path=mpath,
        done=tuple(done),
        skipped=tuple(skipped),
        failed=failed,
        elapsed_s=round(time.perf_counter() - start, 2),
        overview_path=overview_path,
    )


def _prepare_shared_results(*, cohort: int, spec: Any, draws: int | None, seed: int | None,
                            progress: bool) -> None:
    """Compute the cached shared results (index, robustness, explanation) once, before the workers.

    Otherwise every worker (and the overview job) would miss the cache at the same moment and compute
    the same Monte Carlo and explanation in parallel. A failure here is not fatal: the reports then
    say themselves what they could not load.
    """
    from smartcity_analysis.overview import load_cohort_results

    if progress:
        sys.stderr.write("preparing the shared results (index, robustness, explanation)...\n")
    with contextlib.suppress(Exception):
        load_cohort_results(cohort=cohort, spec=spec, draws=draws, seed=seed)


def run_batch(
    regions: Iterable[str],
    *,
    cohort: int,
    spec: Any = None,
    out_dir: str | os.PathLike = "reports",
    fmt: str = "pdf",
    jobs: int = 2,
    resume: bool = False,
    scheduler: str | None = None,
    draws: int | None = None,
    seed: int | None = None,
    progress: bool = True,
    overview: bool = True,
    index: bool = True,
) -> BatchSummary:
    """Render the reports of many regions, the national overview and the index page.

    Parameters
    ----------
    regions : iterable of str
        4-character BPS region codes (e.g. all 514 from ``loaders.load_regions().index``).
    cohort : int
        Cohort year (2017, 2018 or 2019); outputs go to ``<out_dir>/<cohort>/``.
    spec : str or path, optional
        Criteria spec (name or YAML path) passed to every report; None uses the report default.
    out_dir : path
        Root output folder (``reports``).
    fmt : {"pdf", "html", "ipynb"}
        Output format of each report.
    jobs : int
        Local worker processes, each with one warm kernel (2 on a 2-core machine).
    resume : bool
        Skip reports whose inputs did not change and whose output exists with the recorded hash.
    scheduler : str, optional
        ``tcp://HOST:PORT`` of an existing Dask scheduler to run on instead of local processes.
    draws, seed : int, optional
        Robustness settings passed to every report (None: the report defaults).
    progress : bool
        Show a tqdm progress bar with ETA.
    overview, index : bool
        Also render the national overview, and write ``index.html`` after the reports.

    Returns
    -------
    BatchSummary
        ``failed`` lists every failed job; ``exit_code`` is 1 when any failed.

    Notes
    -----
    The input hash of a report is SHA-256 over the package version, every file of the curated data
    directory, the spec's content, the notebook templates, the renderer, the format and the report's
    parameters. The output hash is SHA-256 of the written file. ``resume`` re-renders a report when
    either no longer matches.

    References
    ----------
    papermill's ``km=`` engine argument (one kernel reused across notebooks) and Python's
    ``multiprocessing`` spawn start method; measured recipe in ``docs/batch.md``.
    """
    _prepare_shared_results(cohort=cohort, spec=spec, draws=draws, seed=seed, progress=progress)
    batch_jobs = build_jobs(
        regions, cohort=cohort, spec=spec, fmt=fmt, overview=overview,
        extra_params={"draws": draws, "seed": seed},
        # looked up at call time so that tests can swap in a toy renderer
        region_renderer=REGION_RENDERER, overview_renderer=OVERVIEW_RENDERER,
    )
    summary = run_jobs(
        batch_jobs, cohort=cohort, out_dir=out_dir, fmt=fmt, jobs_n=jobs, resume=resume,
        scheduler=scheduler, progress=progress,
        settings={"spec": str(spec) if spec is not None else None, "draws": draws, "seed": seed},
    )
    if index:
        try:
            from smartcity_analysis.site import write_index

            path = write_index(out_dir, cohort=cohort, spec=spec, draws=draws, seed=seed)
            summary = dataclasses.replace(summary, index_path=path)
        except Exception as exc:  # the reports are done; say why the index is not
            summary = dataclasses.replace(summary, index_error=_one_line_error(exc))
    if progress:
        sys.stderr.write(summary.describe() + "\n")
    return summary
