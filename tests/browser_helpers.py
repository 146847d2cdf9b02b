"""Real-browser test helpers (issue 15): Debian's chromium driven by Playwright for Python.

The browser is the system one (``/usr/bin/chromium``, ``apt-get install chromium``; ``.ci/run`` installs
it when missing); Playwright's own browser download is never used. When chromium or Playwright is
missing or the browser cannot start, the tests FAIL with a line that says how to install it: a browser
test that skips would let CI pass without testing the pages.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import socket
import threading
from pathlib import Path

import pytest

#: The browser the tests drive (``SMARTCITY_CHROMIUM`` overrides it).
CHROMIUM = os.environ.get("SMARTCITY_CHROMIUM", "/usr/bin/chromium")

#: Upper bound of every wait in the browser tests, in milliseconds.
WAIT_MS = 20_000


def launch_chromium(playwright):
    """Start headless chromium, or fail the test with what to install."""
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.fail(f"chromium not found at {CHROMIUM}: install it with 'apt-get install -y chromium' "
                    "(the browser tests never download a browser)", pytrace=False)
    try:
        return playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                          args=["--no-sandbox", "--disable-dev-shm-usage"])
    except Exception as exc:  # noqa: BLE001 - any start failure is a test failure, with its reason
        pytest.fail(f"chromium at {CHROMIUM} could not start: {exc}", pytrace=False)


@contextlib.contextmanager
def browser():
    """A started chromium browser (module fixtures wrap this)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.fail(f"Playwright for Python is missing ({exc}): pip install -e '.[test]'", pytrace=False)
    with sync_playwright() as p:
        b = launch_chromium(p)
        try:
            yield b
        finally:
            b.close()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def static_server(folder: Path):
    """Serve ``folder`` on 127.0.0.1 (a plain static server) and yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
