"""Rendering helpers: slugs, report paths, the print exporter (no kernel needed)."""

from __future__ import annotations

import nbformat
import pytest

from smartcity_analysis import kernels, rendering
from smartcity_analysis.errors import InputError


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Kota Banjarbaru", "kota-banjarbaru"), ("Kab. Pulau Taliabu", "kab-pulau-taliabu"),
     ("Kota Bau-Bau", "kota-bau-bau"), ("Kepulauan Seribu ", "kepulauan-seribu")],
)
def test_slugify(name, slug):
    assert rendering.slugify(name) == slug


def test_report_path_layout(tmp_path):
    path = rendering.report_path(tmp_path, 2018, "6372", "Kota Banjarbaru", "pdf")
    assert path == tmp_path / "2018" / "6372-kota-banjarbaru.pdf"


def test_unknown_template_lists_available():
    with pytest.raises(InputError, match="region_report"):
        rendering.resolve_template("no_such_template")


def test_print_exporter_hides_inputs_parameters_and_stderr():
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("region = 'SECRET_PARAM'")
    params.metadata["tags"] = ["parameters"]
    body = nbformat.v4.new_code_cell("print('VISIBLE_INPUT_SOURCE')")
    body.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="VISIBLE_OUTPUT\n"),
        nbformat.v4.new_output("stream", name="stderr", text="SOME_WARNING\n"),
    ]
    nb.cells = [params, body, nbformat.v4.new_markdown_cell("## Heading text")]
    html = rendering.notebook_to_html(nb)
    assert "VISIBLE_OUTPUT" in html
    assert "Heading text" in html
    assert "VISIBLE_INPUT_SOURCE" not in html
    assert "SECRET_PARAM" not in html
    assert "SOME_WARNING" not in html
    assert "size: A4 portrait" in html and "counter(pages)" in html
    assert "<script" not in html


@pytest.mark.slow
def test_failing_cell_is_named_by_its_code(tmp_path):
    # Tiny test notebook; the error must name the failing cell by its code (an execution counter is
    # meaningless in a reused kernel) and come as one SmartcityError line.
    from smartcity_analysis.errors import ComputationError

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("x = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("y = x + 1"), nbformat.v4.new_code_cell("1 / (x - 2)")]
    path = tmp_path / "fails.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(ComputationError, match=r"failed in cell `1 / \(x - 2\)` with ZeroDivisionError"):
        rendering.execute_notebook(path, {"x": 2}, cwd=tmp_path)


def _toy(tmp_path, name: str, *sources: str):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("x = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, *(nbformat.v4.new_code_cell(s) for s in sources)]
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def _stdout(nb) -> str:
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


@pytest.mark.slow
def test_warm_kernel_keeps_one_client_resets_namespace_and_survives_a_failing_notebook(tmp_path):
    from smartcity_analysis.errors import ComputationError
    from smartcity_analysis.kernels import start_kernel, stop_kernel

    define = _toy(tmp_path, "define", "leak = x * 21\nprint('defined', leak)")
    check = _toy(tmp_path, "check", "import gc\nprint('leaked' if 'leak' in dir() else 'clean', x,"
                                    " 'frozen' if gc.get_freeze_count() else 'not frozen')")
    fails = _toy(tmp_path, "fails", "leak = 1\n1 / 0")
    km = start_kernel(None, cwd=tmp_path)
    try:
        assert "defined 42" in _stdout(rendering.execute_notebook(define, {"x": 2}, km=km, cwd=tmp_path))
        client = kernels.kept_client(km)
        # the next notebook on the same kernel: same client, previous namespace gone, heap frozen
        assert "clean 3 frozen" in _stdout(rendering.execute_notebook(check, {"x": 3}, km=km, cwd=tmp_path))
        assert kernels.kept_client(km) is client
        with pytest.raises(ComputationError, match="ZeroDivisionError"):
            rendering.execute_notebook(fails, {}, km=km, cwd=tmp_path)
        # a failed notebook leaves no stray reply behind: the next one gets its own outputs
        assert "clean 4 frozen" in _stdout(rendering.execute_notebook(check, {"x": 4}, km=km, cwd=tmp_path))
        assert kernels.kept_client(km) is client
    finally:
        stop_kernel(km)
    assert not client.channels_running
    assert id(km) not in kernels._KEPT_CLIENTS


@pytest.mark.slow
def test_report_with_a_relative_spec_path_from_another_directory(tmp_path):
    """The README's "copy a spec, edit it" workflow: the CLI resolves `--spec rel/myspec.yml` against
    the user's directory once, and the kernel (which runs in notebooks/) gets the absolute path.
    The copy has the shipped spec's content, so it reuses the session's cached explanation."""
    import shutil
    import subprocess
    import sys

    from smartcity_analysis.paths import specs_dir

    (tmp_path / "rel").mkdir()
    shutil.copy(specs_dir() / "kominfo_prescreen.yml", tmp_path / "rel" / "myspec.yml")
    proc = subprocess.run(
        [sys.executable, "-m", "smartcity_analysis", "report", "--region", "6372", "--spec", "rel/myspec.yml",
         "--format", "html", "--draws", "200", "--out", "out"],
        cwd=tmp_path, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    written = sorted((tmp_path / "out" / "2018").glob("6372-*.html"))
    assert [p.name for p in written] == ["6372-kota-banjarbaru.html"]
    page = written[0].read_text(encoding="utf-8")
    assert "Banjarbaru" in page and str((tmp_path / "rel" / "myspec.yml").resolve()) in page
