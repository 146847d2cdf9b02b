"""``smartcity explore`` in a real browser (issue 15, items 2 and 3): Voila serves the criteria explorer.

One server per module (``smartcity explore --port <free port>`` as a child process, the real command);
the page loads with its widgets and the code hidden, and moving a weight slider changes the selection.
Teardown stops the server with SIGINT, as Ctrl-C does, and checks that it exits 0 leaving no process
(Voila, kernels) behind. Requests off 127.0.0.1 (the Voila template asks a CDN for an icon font) are
aborted: nothing is fetched. The screenshot after the slider move goes to a temporary folder.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from browser_helpers import WAIT_MS, browser, free_port

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

#: Upper bound for the server to print its address, in seconds.
START_S = 120


def _descendants(pid: int) -> set[int]:
    """Every live process under ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture(scope="module")
def server():
    port = free_port()
    cmd = [sys.executable, "-m", "smartcity_analysis", "explore", "--cohort", "2018", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    deadline = time.monotonic() + START_S
    while not any("http://" in line for line in lines):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"smartcity explore did not start (exit {proc.poll()}): {proc.stderr.read()[-2000:]}")
        time.sleep(0.2)
    url = re.search(r"http://\S+/", next(line for line in lines if "http://" in line)).group(0)
    info = {"proc": proc, "url": url, "port": port, "lines": lines}
    try:
        yield info
    finally:
        below = _descendants(proc.pid)
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            code = None
        time.sleep(0.5)
        left = sorted(p for p in below if _alive(p))
        for p in left:
            os.kill(p, signal.SIGKILL)
        assert code == 0, f"smartcity explore exited {code} on SIGINT"
        assert not left, f"processes left behind by smartcity explore: {left}"


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


def test_parametrised_copy_gets_cohort_and_an_absolute_spec(tmp_path, monkeypatch):
    import shutil

    import nbformat

    from smartcity_analysis.cli import explore
    from smartcity_analysis.paths import specs_dir

    monkeypatch.chdir(tmp_path)
    shutil.copy(specs_dir() / "kominfo_prescreen.yml", tmp_path / "mine.yml")
    spec = explore.notebook_spec("mine.yml")
    assert spec == str(tmp_path / "mine.yml")
    assert explore.notebook_spec("kominfo_prescreen") == str(specs_dir().resolve() / "kominfo_prescreen.yml")
    assert explore.notebook_spec("") == ""
    nb = nbformat.read(explore.parametrised_notebook(tmp_path, cohort=2019, spec=spec), as_version=4)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    at = tags.index(["injected-parameters"])
    assert tags[at - 1] == ["parameters"] and tags[at + 1] == ["voila-style"]
    ns: dict = {}
    exec(nb.cells[at].source, ns)
    assert ns["cohort"] == 2019 and ns["spec"] == str(tmp_path / "mine.yml")
    assert explore.JUPYTERLAB_HINT not in "".join(c.source for c in nb.cells)


def test_url_is_on_loopback(server):
    assert server["url"] == f"http://127.0.0.1:{server['port']}/"


def test_port_in_use_is_one_line_and_exit_2(server):
    res = subprocess.run([sys.executable, "-m", "smartcity_analysis", "explore", "--port",
                          str(server["port"])], capture_output=True, text=True, timeout=120)
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0 and "already in use" in res.stderr, res.stderr


def test_explorer_loads_and_a_weight_slider_changes_the_selection(server, chromium, tmp_path_factory):
    ctx = chromium.new_context(viewport={"width": 1280, "height": 1400})
    page = ctx.new_page()
    page.set_default_timeout(WAIT_MS)
    off_site: list[str] = []

    def route(r):
        if r.request.url.startswith(server["url"]):
            return r.continue_()
        off_site.append(r.request.url)
        return r.abort()

    page.route("**/*", route)
    try:
        page.goto(server["url"], timeout=90_000)
        page.wait_for_selector(".widget-slider", timeout=90_000)
        assert "build_explorer" not in page.content()  # code hidden
        assert "Criteria explorer" in page.inner_text("body") and "JupyterLab" not in page.inner_text("body")
        labels = page.locator(".widget-slider .widget-label").all_inner_texts()
        assert any("Kemampuan Keuangan" in t for t in labels) and "cohort size" in labels
        slider = page.locator(".widget-slider", has_text="Kemampuan Keuangan")
        readout = slider.locator(".widget-readout")
        assert readout.inner_text() == "1.00"
        summary = page.locator(".widget-hbox > .widget-output").first
        before = summary.inner_text()
        outputs = page.locator(".widget-tab .widget-output")
        ranking, changes = outputs.nth(0), outputs.nth(2)  # the "Ranking" and "Changes vs nominal" tabs
        ranking_before = ranking.inner_text()
        assert "entered" not in changes.text_content()

        handle = slider.locator(".noUi-handle").bounding_box()
        track = slider.locator(".noUi-target").bounding_box()
        y = handle["y"] + handle["height"] / 2
        page.mouse.move(handle["x"] + handle["width"] / 2, y)
        page.mouse.down()
        page.mouse.move(track["x"] + track["width"] * 0.9, y, steps=8)
        page.mouse.up()
        page.wait_for_function("r => r.innerText !== '1.00'", arg=readout.element_handle())
        page.wait_for_function("([el, b]) => el.innerText !== b && el.innerText.includes('entered')",
                               arg=[summary.element_handle(), before], timeout=60_000)
        after = summary.inner_text()
        entered = int(re.search(r"entered\s+(\d+)", after).group(1))
        assert entered > 0, after
        # the outputs are refreshed one after the other (summary, ranking, map, changes)
        page.wait_for_function("([el, b]) => el.innerText.trim() && el.innerText !== b",
                               arg=[ranking.element_handle(), ranking_before])
        page.get_by_text("Changes vs nominal").click()
        page.wait_for_function("el => el.innerText.includes('entered')", arg=changes.element_handle())
        assert changes.inner_text().count("entered") == entered
        page.get_by_text("Ranking", exact=True).click()
        shots = tmp_path_factory.mktemp("screenshots")
        page.screenshot(path=str(shots / "explorer-after-slider.png"), full_page=True)
        print(f"\nscreenshot: {shots / 'explorer-after-slider.png'}")
    finally:
        ctx.close()
    assert all(not u.startswith(("http://127.", "ws://127.")) for u in off_site)
