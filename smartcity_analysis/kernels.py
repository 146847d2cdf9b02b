"""Warm Jupyter kernels: start, stop, keep one client per kernel, the warm papermill engine, the reset cell.

A report batch runs hundreds of notebooks; starting a kernel and importing numpy, pandas and matplotlib
into it costs more than most reports (``docs/batch.md``). So a kernel is started once
(:func:`start_kernel`, with :data:`WARMUP_CODE`), every notebook run on it starts with the tagged reset
cell (:func:`reset_cell`), runs through one client kept per kernel (:func:`kept_client`, papermill engine
:data:`WARM_ENGINE`), and whoever shuts the kernel down calls :func:`stop_kernel`, which releases the
kept client first.

Used by :mod:`smartcity_analysis.rendering` (which executes notebooks) and by the batch
(:mod:`smartcity_analysis.batch.local`, :mod:`smartcity_analysis.batch.cluster`, which own kernels);
this module imports neither.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import threading
import warnings
from collections.abc import Callable
from typing import Any

from smartcity_analysis.paths import notebooks_dir

#: Tag of the ``%reset -f`` cell inserted when a warm kernel is reused; removed from the output.
RESET_TAG = "smartcity-reset"

#: Source of the first cell run in a warm kernel: clear the previous report's namespace, then move
#: what survived (imported modules, per-kernel memos) out of the cyclic garbage collector's reach.
#: ``%reset -f`` ends in a full collection, which costs ~0.2 s per report over the ~200,000 objects
#: of a warm kernel and ~0.4 ms once they are frozen (measured here; docs/batch.md). Freezing right
#: after a full collection freezes only live objects; the next report's garbage is collected as usual.
RESET_SOURCE = "%reset -f\nimport gc as _gc\n_gc.freeze()\ndel _gc"


def reset_cell():
    """The first cell of a notebook run on a warm kernel: :data:`RESET_SOURCE`, tagged :data:`RESET_TAG`."""
    # nbformat imports jsonschema: rendering keeps it from building the unused rfc3987 grammar, and
    # must be imported first (batch.local._import_renderer_modules), so nbformat is imported only here.
    import nbformat

    cell = nbformat.v4.new_code_cell(RESET_SOURCE)
    cell.metadata["tags"] = [RESET_TAG]
    return cell


#: Name of the papermill engine used with a warm kernel (:func:`register_warm_engine`).
WARM_ENGINE = "smartcity_warm"


#: One started, ready kernel client per warm kernel: ``{id(km): (km, client)}``.
_KEPT_CLIENTS: dict[int, tuple[Any, Any]] = {}
_KEPT_LOCK = threading.Lock()


def kept_client(km):
    """The kernel client kept for the warm kernel ``km``: started and ready, created on first use.

    papermill (nbclient) otherwise connects a new client for every notebook and waits for it to be
    ready, which includes 0.2 s of listening for stray IOPub messages (``wait_for_ready``): idle time on
    every report of a batch. Clients of one kernel manager share its session identity, so only one
    of them may be live at a time; this one is used for every notebook run on ``km`` until
    :func:`release_client`.
    """
    with _KEPT_LOCK:
        entry = _KEPT_CLIENTS.get(id(km))
        if entry is not None and entry[0] is km and entry[1].channels_running:
            return entry[1]
        if entry is not None:
            with contextlib.suppress(Exception):
                entry[1].stop_channels()
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
        except BaseException:
            with contextlib.suppress(Exception):
                kc.stop_channels()
            raise
        kc.allow_stdin = False
        _KEPT_CLIENTS[id(km)] = (km, kc)
        return kc


def release_client(km) -> None:
    """Stop and forget the client kept for ``km`` (call before shutting the kernel down)."""
    with _KEPT_LOCK:
        entry = _KEPT_CLIENTS.pop(id(km), None)
    if entry is not None:
        with contextlib.suppress(Exception):
            entry[1].stop_channels()


def register_warm_engine() -> None:
    """Register the papermill engine ``smartcity_warm`` (nbclient with the kept client of ``km``).

    papermill's own ``nbclient`` engine always connects a new client; this one hands nbclient the
    client of :func:`kept_client`, so nbclient skips connecting. Everything else (parameter
    injection, per-cell metadata, error cells) is papermill's.

    References
    ----------
    papermill, "Extending papermill through entry points" (custom engines):
    https://papermill.readthedocs.io/en/latest/extending-entry-points.html
    """
    # papermill is heavy (~0.5 s) and only needed by whoever executes a notebook on a warm kernel.
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.exceptions import PapermillException

    try:
        papermill_engines.get_engine(WARM_ENGINE)
        return
    except PapermillException:
        pass

    class KeptClientNotebookClient(PapermillNotebookClient):
        def __init__(self, nb_man, km=None, **kw):
            super().__init__(nb_man, km=km, **kw)
            self.kc = kept_client(km)

    class WarmKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None,
                                     **kwargs):
            for unused in ("input_path", "timeout", "startup_timeout"):
                kwargs.pop(unused, None)
            return KeptClientNotebookClient(
                nb_man, timeout=execution_timeout, startup_timeout=start_timeout,
                kernel_name=kernel_name, log=logging.getLogger("papermill"), log_output=log_output,
                stdout_file=stdout_file, stderr_file=stderr_file, **kwargs,
            ).execute()

    papermill_engines.register(WARM_ENGINE, WarmKernelEngine)


#: Code run once in every fresh kernel so that each report only pays for its own work.
WARMUP_CODE = """\
import warnings
warnings.filterwarnings("ignore")
import numpy, pandas, matplotlib
import matplotlib.pyplot
for _mod in ("smartcity_analysis.report", "smartcity_analysis.overview", "smartcity_analysis.plots"):
    try:
        __import__(_mod)
    except Exception:
        pass
del _mod
import gc
gc.collect()
gc.freeze()  # what the warm-up imported stays: keep it out of every later collection
del gc
"""


def _kernel_env() -> dict[str, str]:
    env = dict(os.environ)
    # Figures must reach the notebook's outputs: an inherited MPLBACKEND=Agg (test suites, headless
    # shells) would silently drop every figure from the reports.
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    env.setdefault("PYTHONWARNINGS", "ignore")
    return env


def start_kernel(warmup: str | None = WARMUP_CODE, cwd: str | os.PathLike | None = None, *,
                 while_starting: Callable[[], Any] | None = None):
    """Start a Python kernel, run ``warmup`` in it, and return its ``KernelManager``.

    The kernel runs this interpreter (``sys.executable``), so the package and its data are the ones of
    the calling environment. ``while_starting`` is called after the kernel process is launched and
    before waiting for it (the batch worker imports its own rendering modules there, in parallel with
    the kernel's start-up).
    """
    # jupyter_client (zmq, tornado) only when a kernel is started: the CLI and the batch parent import
    # this module without starting one.
    from jupyter_client.manager import KernelManager

    warnings.filterwarnings("ignore", message=".*unencrypted.*")
    km = KernelManager(kernel_name="python3")
    # The kernel process's own stderr only carries ipykernel's start-up log (the harmless
    # "unencrypted TCP" warning); errors of the notebook code travel over IOPub, not here.
    quiet = {} if os.environ.get("SMARTCITY_BATCH_TRACEBACK") else {"stderr": subprocess.DEVNULL}
    km.start_kernel(env=_kernel_env(), cwd=str(cwd or notebooks_dir()), **quiet)
    if while_starting is not None:
        with contextlib.suppress(Exception):
            while_starting()
    if warmup:
        try:
            run_in_kernel(km, warmup)
        except BaseException:
            stop_kernel(km)
            raise
    return km


def run_in_kernel(km, code: str, *, timeout: float = 180) -> None:
    """Run ``code`` in the warm kernel ``km`` through its kept client and wait until it is done.

    Outputs are discarded and an exception in ``code`` is not raised here (a warm-up or preload step
    that fails leaves the report's own cells to fail, where the error is reported in context).

    Parameters
    ----------
    km : jupyter_client.KernelManager
        A started kernel.
    code : str
        Python source.
    timeout : float
        Seconds to wait for the kernel to finish.
    """
    kept_client(km).execute_interactive(
        code, store_history=False, timeout=timeout, output_hook=lambda msg: None
    )


def stop_kernel(km) -> None:
    """Shut a kernel down, ignoring a kernel that is already gone."""
    if km is None:
        return
    release_client(km)
    with contextlib.suppress(Exception):
        km.shutdown_kernel(now=True)
