"""``smartcity explore [--cohort YEAR] [--spec SPEC] [--port N]``: the criteria explorer as a web app.

Serves ``notebooks/criteria_explorer.ipynb`` with Voila on 127.0.0.1: the code is hidden, the widgets are
the ones JupyterLab shows (``smartcity_analysis.explorer``). The cohort and spec are passed as a
parametrised copy of the notebook written to a temporary folder (a cell tagged ``injected-parameters``
after the ``parameters`` cell, as papermill does), so the notebook itself is not touched and runs in
JupyterLab as before.

Voila runs as a child process in its own session; Ctrl-C (SIGINT) or SIGTERM to this command stops it
with SIGTERM (Voila then shuts its kernels down), waits, and removes the temporary folder. A port in use
is one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Voila's own default port.
DEFAULT_PORT = 8866
#: Host the explorer is served on (never another interface).
HOST = "127.0.0.1"
#: Seconds to wait for Voila to listen, and to stop.
START_TIMEOUT, STOP_TIMEOUT = 60.0, 15.0

NOTEBOOK = "criteria_explorer.ipynb"


def register(subparsers) -> None:
    """Add the ``explore`` command."""
    p = subparsers.add_parser(
        "explore",
        help="serve the criteria explorer as a web app (Voila on 127.0.0.1)",
        description=("Serve notebooks/criteria_explorer.ipynb with Voila on 127.0.0.1: the explorer's "
                     "sliders and tables in a browser page, code hidden. Ctrl-C stops it."),
    )
    p.add_argument("--cohort", type=int, default=2018, metavar="YEAR",
                   help="cohort year (default: %(default)s)")
    p.add_argument("--spec", default="", metavar="SPEC",
                   help="criteria spec: a shipped name (e.g. kominfo_prescreen) or the path of a YAML "
                   "file (default: the package default spec)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="N",
                   help="port on 127.0.0.1 (default: %(default)s)")
    p.set_defaults(func=_explore)


def parametrised_notebook(folder: Path, *, cohort: int, spec: str) -> Path:
    """Write a copy of the explorer notebook with ``cohort`` and ``spec`` injected; return its path.

    Parameters
    ----------
    folder : Path
        Where to write the copy (a temporary folder).
    cohort : int
        Cohort year.
    spec : str
        ``""`` or an absolute spec path (see :func:`smartcity_analysis.spec.spec_location`).
    """
    import nbformat

    from smartcity_analysis.paths import notebooks_dir

    nb = nbformat.read(notebooks_dir() / NOTEBOOK, as_version=4)
    at = next((i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])),
              -1)
    cell = nbformat.v4.new_code_cell(f"# Parameters\ncohort = {int(cohort)!r}\nspec = {spec!r}\n")
    cell.metadata["tags"] = ["injected-parameters"]
    style = nbformat.v4.new_code_cell(VOILA_STYLE)
    style.metadata["tags"] = ["voila-style"]
    nb.cells[at + 1:at + 1] = [cell, style]
    for c in nb.cells:  # the controls are interactive here too: drop the JupyterLab-only hint
        if c.cell_type == "markdown":
            c.source = c.source.replace(" " + JUPYTERLAB_HINT, "").replace(JUPYTERLAB_HINT, "")
    path = Path(folder) / NOTEBOOK
    nbformat.write(nb, path)
    return path


def notebook_spec(value: str) -> str:
    """The spec as passed to the notebook: ``""`` for the default, else an absolute path.

    Parameters
    ----------
    value : str
        ``--spec``: empty, a shipped name or a path relative to the caller's directory.

    Returns
    -------
    str
        ``""`` or the absolute path (:func:`smartcity_analysis.spec.spec_location`), so the kernel,
        which runs in a temporary folder, finds the same file.
    """
    from smartcity_analysis.spec import spec_location

    return str(spec_location(value)) if value.strip() else ""


def port_free(port: int, host: str = HOST) -> bool:
    """True when ``host:port`` can be bound now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def _listening(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def voila_command(notebook: Path, port: int) -> list[str]:
    """The Voila command line (this Python, so the kernel is this environment's)."""
    return [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}",
            f"--Voila.ip={HOST}", "--Voila.port_retries=0", "--strip_sources=True",
            "--Voila.log_level=WARN"]


#: Injected before the explorer cell, in the Voila copy only: the lab template of Voila 0.5 lets the
#: output next to the controls (an HBox of a VBox and an Output) squeeze the controls' VBox to zero
#: width, so the sliders were drawn under the summary table. The style keeps that VBox at its width.
VOILA_STYLE = (
    "from IPython.display import HTML, display\n"
    "display(HTML('<style>.widget-hbox > .widget-vbox { flex-shrink: 0; }</style>'))\n"
)


#: A sentence of the notebook's introduction that is true in JupyterLab only (left out of the copy).
JUPYTERLAB_HINT = "Run the notebook in JupyterLab for the interactive controls."


class _Stop(Exception):
    """SIGINT or SIGTERM received."""


def _raise_stop(signum, frame):  # pragma: no cover - signal handler
    raise _Stop()


def stop_process(proc: subprocess.Popen, timeout: float = STOP_TIMEOUT) -> int:
    """SIGTERM ``proc`` (Voila then shuts down its kernels), wait; SIGKILL its session if it hangs."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
    return proc.returncode


def _explore(args: argparse.Namespace) -> int:
    from smartcity_analysis.errors import InputError
    from smartcity_analysis.spec import resolve_spec

    spec = notebook_spec(args.spec)
    resolve_spec(spec).cohort(args.cohort)  # a SpecError naming the declared cohorts, before serving
    if not 0 < args.port < 65536:
        raise InputError(f"--port must be between 1 and 65535. Got {args.port}.")
    if not port_free(args.port):
        raise InputError(f"port {args.port} on {HOST} is already in use; choose another with --port N.")
    try:
        import voila  # noqa: F401
    except ImportError as exc:
        raise InputError("smartcity explore needs Voila: pip install -e '.[report]'") from exc

    folder = Path(tempfile.mkdtemp(prefix="smartcity-explore-"))
    # Both signals stop the explorer, also when started from a shell that ignores SIGINT (``cmd &``).
    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    proc = None
    try:
        notebook = parametrised_notebook(folder, cohort=args.cohort, spec=spec)
        proc = subprocess.Popen(voila_command(notebook, args.port), cwd=folder, start_new_session=True,
                                stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        while not _listening(args.port):
            if proc.poll() is not None:
                sys.stderr.write(f"smartcity: error: Voila exited with code {proc.returncode} before "
                                 "serving\n")
                return 1
            if time.monotonic() > deadline:
                sys.stderr.write(f"smartcity: error: Voila did not listen on {HOST}:{args.port} within "
                                 f"{START_TIMEOUT:.0f} s\n")
                return 1
            time.sleep(0.2)
        print(f"Criteria explorer (cohort {args.cohort}) at http://{HOST}:{args.port}/ - press Ctrl-C "
              "to stop.", flush=True)
        code = proc.wait()
        sys.stderr.write(f"smartcity: Voila stopped by itself (exit code {code})\n")
        return 1
    except (KeyboardInterrupt, _Stop):  # Ctrl-C, SIGINT or SIGTERM: a clean stop
        print("Stopping the explorer...", flush=True)
        return 0
    finally:
        if proc is not None:
            stop_process(proc)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        shutil.rmtree(folder, ignore_errors=True)
