"""Scale a report batch out on an existing Dask ``distributed`` cluster (``--scheduler tcp://HOST:PORT``).

The same :class:`~smartcity_analysis.batch.jobs.BatchJob` list that the local process pool runs is submitted
to the cluster's workers. Each worker keeps warm Jupyter kernels through :class:`WarmKernelPlugin` (a
Dask worker plugin): a kernel is started the first time a worker thread needs one, imports the heavy
modules once, and is handed from report to report (``%reset -f`` in between), at most one kernel per
worker thread. Results stream back to the batch process, which keeps the manifest exactly as in the
local case.

Requirements: the workers run the same environment (this package importable, the same curated data),
and ``out_dir`` is a path every worker and the batch process see (one machine, or a shared file system):
the workers write the reports, the batch process verifies their hashes on ``--resume``.

Start a cluster (see ``docs/batch.md``)::

    dask scheduler --host 127.0.0.1 --port 8786 &
    dask worker tcp://127.0.0.1:8786 --nworkers 2 --nthreads 1 &
    smartcity report --all --cohort 2018 --scheduler tcp://127.0.0.1:8786
"""

from __future__ import annotations

import asyncio
import queue
import uuid
from collections.abc import Iterator
from pathlib import Path

from smartcity_analysis.batch.jobs import BatchJob, JobOutcome, execute_job, failed_outcome
from smartcity_analysis.errors import InputError
from smartcity_analysis.kernels import WARMUP_CODE, start_kernel, stop_kernel

#: Name under which the kernel plugin is registered on every worker.
PLUGIN_NAME = "smartcity-warm-kernels"

try:  # distributed is an optional ("report" extra) dependency
    from distributed import WorkerPlugin as _WorkerPluginBase
except ImportError:  # pragma: no cover - without distributed only the local pool is available
    _WorkerPluginBase = object


class WarmKernelPlugin(_WorkerPluginBase):
    """Dask worker plugin holding warm Jupyter kernels for report rendering.

    Kernels are started lazily inside task threads (never on the worker's event loop) and returned to a
    queue after each report, so a worker with ``n`` threads holds at most ``n`` kernels. Teardown (worker
    shutdown or plugin replacement) stops them all.

    Parameters
    ----------
    warmup : str, optional
        Code run once in each new kernel (imports of numpy, pandas, matplotlib and the report modules).
    """

    name = PLUGIN_NAME

    def __init__(self, warmup: str | None = WARMUP_CODE):
        self.warmup = warmup
        self._idle: queue.SimpleQueue | None = None
        self._all: list = []

    def setup(self, worker=None):
        """Prepare the (empty) kernel queue on a worker."""
        self._idle = queue.SimpleQueue()
        self._all = []

    def acquire(self):
        """A live kernel for the calling thread: an idle one, or a newly started one."""
        while True:
            try:
                km = self._idle.get_nowait()
            except queue.Empty:
                km = start_kernel(self.warmup)
                self._all.append(km)
                return km
            if km.is_alive():
                return km
            stop_kernel(km)
            self._all.remove(km)

    def release(self, km) -> None:
        """Give a kernel back for the next report (a dead kernel is dropped)."""
        if km.is_alive():
            self._idle.put(km)
        else:
            stop_kernel(km)
            if km in self._all:
                self._all.remove(km)

    def _stop_all(self) -> None:
        for km in list(self._all):
            stop_kernel(km)
        self._all = []

    async def teardown(self, worker=None):
        """Stop every kernel of this worker (off the event loop: shutdown blocks)."""
        await asyncio.get_running_loop().run_in_executor(None, self._stop_all)


def run_on_worker(job: BatchJob, out_dir: str, fmt: str) -> JobOutcome:
    """Dask task: render one job with one of this worker's warm kernels."""
    from distributed import get_worker  # optional dependency: see the import of WorkerPlugin above

    worker = get_worker()
    plugin = worker.plugins.get(PLUGIN_NAME)
    if plugin is None:  # registered after this worker joined and not yet set up: start one here
        plugin = WarmKernelPlugin()
        plugin.setup(worker)
        worker.plugins[PLUGIN_NAME] = plugin
    km = plugin.acquire()
    try:
        return execute_job(job, out_dir, fmt, km)
    finally:
        plugin.release(km)


#: Seconds to wait for a Dask scheduler to answer before the batch gives up (nothing is written before).
CONNECT_TIMEOUT_S = 30.0


def connect(scheduler: str, timeout: float | None = None):
    """Connect a ``distributed.Client`` to ``tcp://HOST:PORT``, with a helpful error when that fails.

    Raises
    ------
    InputError
        When the address is malformed or no scheduler answers there.
    """
    from distributed import Client  # optional dependency: see the import of WorkerPlugin above

    timeout = CONNECT_TIMEOUT_S if timeout is None else timeout
    if "://" not in scheduler:
        raise InputError(
            f"The Dask scheduler address must look like 'tcp://HOST:PORT'. Got {scheduler!r}. "
            "Start one with 'dask scheduler' (see docs/batch.md)."
        )
    try:
        return Client(scheduler, timeout=timeout, set_as_default=False)
    except OSError as exc:
        raise InputError(
            f"No Dask scheduler answered at {scheduler} within {timeout:.0f} s ({exc}). Start one with "
            "'dask scheduler --host HOST --port PORT' and at least one 'dask worker', or run without "
            "--scheduler to use local processes."
        ) from None


def iter_cluster(
    jobs: list[BatchJob], out_dir: Path, fmt: str, scheduler: str, *, warmup: str | None = WARMUP_CODE,
    client=None,
) -> Iterator[JobOutcome]:
    """Run jobs on the Dask cluster at ``scheduler``; yield outcomes as they finish.

    A job whose task is lost (its worker died more often than the scheduler allows) is yielded as
    failed, like a job whose notebook raised.

    Yields
    ------
    JobOutcome
        One per job, in the order the jobs finish.
    """
    # optional dependency: see the import of WorkerPlugin above
    from distributed import as_completed

    client = connect(scheduler) if client is None else client
    if not jobs:
        client.close()
        return
    try:
        client.register_plugin(WarmKernelPlugin(warmup), name=PLUGIN_NAME)
        run_id = uuid.uuid4().hex[:8]
        futures = client.map(
            run_on_worker, jobs, out_dir=str(Path(out_dir).resolve()), fmt=fmt, pure=False,
            key=[f"smartcity-report-{job.key}-{run_id}" for job in jobs],
        )
        by_key = {f.key: job for f, job in zip(futures, jobs, strict=True)}
        with client.as_current():
            for future in as_completed(futures):
                try:
                    outcome = future.result()
                except Exception as exc:
                    outcome = failed_outcome(by_key[future.key], f"lost on the cluster: {type(exc).__name__}: {exc}")
                yield outcome
    finally:
        client.close()
