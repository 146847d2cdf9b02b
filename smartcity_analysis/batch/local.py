"""Run batch jobs on local processes: a spawn pool, one warm kernel per worker, a kernel watchdog.

Each worker process starts one Jupyter kernel in its initializer (:func:`_init_worker`, with
:data:`smartcity_analysis.kernels.WARMUP_CODE`) and imports its own rendering modules while the kernel
starts; every job then runs in that warm kernel. The worker freezes its long-lived heap after start-up
and after each job (:func:`_freeze_heap`), exits when its kernel dies mid-job (:func:`_kernel_watchdog`)
or when the batch process is gone (:func:`_watch_parent`). :func:`iter_local` re-runs the jobs of a dead
worker one at a time, so one bad report never hangs or sinks the batch.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import multiprocessing.util
import os
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from smartcity_analysis.batch.jobs import (
    BatchJob,
    JobOutcome,
    execute_job,
    failed_outcome,
    one_line_error,
)
from smartcity_analysis.errors import ComputationError
from smartcity_analysis.kernels import WARMUP_CODE, start_kernel, stop_kernel

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
        _WORKER["km"], _WORKER["start_error"] = None, one_line_error(exc)
    _freeze_heap()
    multiprocessing.util.Finalize(None, _shutdown_worker, exitpriority=10)
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    if ready is not None:
        with ready.get_lock():
            ready.value += 1


def _import_renderer_modules() -> None:
    """Import what the worker itself runs per job (papermill, nbconvert, WeasyPrint) ahead of time,
    while the kernel process starts (start_kernel's while_starting).

    ``smartcity_analysis.rendering`` comes first: it keeps jsonschema (imported by nbformat) from
    building the grammar of the optional ``rfc3987_syntax`` (~1 s per process, for a string format the
    notebook schema never uses), which only works before anything imports jsonschema.
    """
    # isort: off
    import smartcity_analysis.rendering  # noqa: F401  (first, see above; it imports nbconvert)
    import papermill  # noqa: F401
    import weasyprint  # noqa: F401
    # isort: on


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


def _run_in_worker(task: tuple[BatchJob, str, str]) -> JobOutcome:
    job, out_dir, fmt = task
    try:
        km = _live_kernel(_WORKER)
    except Exception as exc:
        first = _WORKER.get("start_error")
        return failed_outcome(job, f"kernel could not start: {one_line_error(exc)}"
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
    kept; the kernel does the same in its reset cell (:data:`smartcity_analysis.kernels.RESET_SOURCE`).
    """
    gc.collect()
    gc.freeze()


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

    Yields
    ------
    JobOutcome
        One per job, in the order the jobs finish.

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
                        yield failed_outcome(job, "the worker process died while rendering this job alone "
                                           "(a worker also exits when its kernel dies); see the "
                                           "system log (out of memory?)")
                    else:
                        suspects.append(job)
        except BaseException:
            _kill_workers(executor)
            raise
        executor.shutdown(wait=True)
        if broken and ready.value == 0:
            raise ComputationError(
                "Batch worker processes died while starting, before any report ran. Spawned workers "
                "re-import the calling script: run the batch from the 'smartcity report' command or "
                "from a script file whose entry point is guarded by 'if __name__ == \"__main__\":' "
                "(not from stdin or an interactive session)."
            )
