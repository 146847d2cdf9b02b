"""Batch rendering (issue 7): manifest, hashes, resume after a kill, failures isolated.

The end-to-end tests use the TOY renderer of ``tests/batch_helpers.py`` (synthetic two-cell notebook
through the real papermill -> HTML -> WeasyPrint route), so they exercise the batch mechanics without the
data layer.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from batch_helpers import TESTS_DIR, TOY_REGIONS, pdf_text, toy_jobs, write_toy_inputs

from smartcity_analysis.batch import jobs as batch_jobs
from smartcity_analysis.batch import manifest as batch_manifest
from smartcity_analysis.batch import run as batch_run
from smartcity_analysis.errors import InputError
from smartcity_analysis.files import file_sha256


# ------------------------------------------------------------------------------------------ units
def test_file_sha256_known_answer(tmp_path):
    path = tmp_path / "abc.txt"
    path.write_bytes(b"abc")
    # FIPS 180-2 test vector for "abc"
    assert file_sha256(path) == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_job_input_hash_changes_with_each_input():
    base = batch_jobs.job_input_hash("shared", "m:f", "pdf", {"region": "6372", "seed": 1})
    assert base == batch_jobs.job_input_hash("shared", "m:f", "pdf", {"seed": 1, "region": "6372"})
    assert base != batch_jobs.job_input_hash("shared2", "m:f", "pdf", {"region": "6372", "seed": 1})
    assert base != batch_jobs.job_input_hash("shared", "m:g", "pdf", {"region": "6372", "seed": 1})
    assert base != batch_jobs.job_input_hash("shared", "m:f", "html", {"region": "6372", "seed": 1})
    assert base != batch_jobs.job_input_hash("shared", "m:f", "pdf", {"region": "6372", "seed": 2})


def test_is_up_to_date_requires_done_same_inputs_and_intact_output(tmp_path):
    out = tmp_path / "6372-x.pdf"
    out.write_bytes(b"%PDF-1.7 toy")
    entry = {"status": "done", "input_hash": "h1", "output": out.name,
             "output_hash": file_sha256(out)}
    assert batch_manifest.is_up_to_date(tmp_path, entry, "h1")
    assert not batch_manifest.is_up_to_date(tmp_path, entry, "h2")  # inputs changed
    assert not batch_manifest.is_up_to_date(tmp_path, {**entry, "status": "failed"}, "h1")
    assert not batch_manifest.is_up_to_date(tmp_path, None, "h1")
    out.write_bytes(b"%PDF-1.7 to")  # corrupt (truncated)
    assert not batch_manifest.is_up_to_date(tmp_path, entry, "h1")
    out.unlink()  # missing
    assert not batch_manifest.is_up_to_date(tmp_path, entry, "h1")


def test_read_manifest_tolerates_missing_and_garbage(tmp_path):
    assert batch_manifest.read_manifest(tmp_path / "none.json")["jobs"] == {}
    bad = tmp_path / "manifest.json"
    bad.write_text("{not json")
    assert batch_manifest.read_manifest(bad)["jobs"] == {}
    batch_manifest.write_manifest(bad, {"jobs": {"6372": {"status": "done"}}})
    assert batch_manifest.read_manifest(bad)["jobs"]["6372"]["status"] == "done"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]  # no temp file left


def test_build_jobs_rejects_non_string_codes():
    with pytest.raises(InputError, match="4-digit BPS code strings"):
        batch_jobs.build_jobs([6372], cohort=2018, spec=None)
    with pytest.raises(InputError, match="'63.72'"):
        batch_jobs.build_jobs(["63.72"], cohort=2018, spec=None)


def test_build_jobs_shape_and_report_params():
    jobs = batch_jobs.build_jobs(["6372", "3273", "6372"], cohort=2018, spec=None,
                            extra_params={"draws": 50, "seed": None})
    assert [j.key for j in jobs] == [batch_manifest.OVERVIEW_KEY, "6372", "3273"]  # overview first, dedup
    region = jobs[1]
    assert region.params == {"region": "6372", "cohort": 2018, "draws": 50}  # None -> report default
    assert region.renderer == batch_jobs.REGION_RENDERER == "smartcity_analysis.batch:render_region"
    assert len({j.input_hash for j in jobs}) == 3


def test_renderer_strings_of_the_job_hash_still_resolve():
    # the strings are part of every job's input hash: moving them would re-render everything on --resume
    from smartcity_analysis import batch

    assert batch_jobs.resolve_renderer(batch_jobs.REGION_RENDERER) is batch.render_region
    assert batch_jobs.resolve_renderer(batch_jobs.OVERVIEW_RENDERER) is batch.render_overview
    assert batch_jobs.OVERVIEW_RENDERER == "smartcity_analysis.batch:render_overview"


def test_run_jobs_rejects_bad_settings(tmp_path):
    with pytest.raises(InputError, match="Unknown report format"):
        batch_run.run_jobs([], cohort=2018, out_dir=tmp_path, fmt="docx")
    with pytest.raises(InputError, match="at least 1"):
        batch_run.run_jobs([], cohort=2018, out_dir=tmp_path, jobs_n=0)


def test_summary_exit_code():
    s = batch_jobs.BatchSummary(cohort=2018, out_dir=Path("r"), manifest_path=Path("r/m"), done=("1",),
                           skipped=(), failed={})
    assert s.exit_code == 0
    assert batch_jobs.BatchSummary(cohort=2018, out_dir=Path("r"), manifest_path=Path("r/m"), done=(),
                              skipped=(), failed={"9101": "x"}).exit_code == 1


# ---------------------------------------------------------------------------------- end to end
_KILLABLE = """
import sys
from pathlib import Path
from batch_helpers import toy_jobs
from smartcity_analysis.batch.run import run_jobs

if __name__ == "__main__":
    root, out = Path(sys.argv[1]), Path(sys.argv[2])
    run_jobs(toy_jobs(root), cohort=2018, out_dir=out, jobs_n=1, progress=False)
"""


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_killed_batch_then_resume_completes_and_redoes_corrupt_outputs(tmp_path):
    root = write_toy_inputs(tmp_path / "in")
    out = tmp_path / "out"
    cohort_dir = out / "2018"
    script = tmp_path / "run.py"
    script.write_text(_KILLABLE)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS_DIR), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, str(script), str(root), str(out)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while len(list(cohort_dir.glob("*.pdf"))) < 2:
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "batch produced no output in time"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)  # hard kill: no clean-up code runs in the batch process
    proc.wait(timeout=30)

    manifest = json.loads((cohort_dir / "manifest.json").read_text())  # still valid JSON
    done_before = {k for k, e in manifest["jobs"].items() if e["status"] == "done"}
    assert 1 <= len(done_before) < len(TOY_REGIONS), "the kill must land midway"

    summary = batch_run.run_jobs(toy_jobs(root), cohort=2018, out_dir=out, jobs_n=2, resume=True,
                             progress=False)
    assert summary.failed == {}
    assert set(summary.skipped) == done_before
    assert set(summary.done) == set(TOY_REGIONS) - done_before
    for code, name in TOY_REGIONS.items():
        assert f"Toy report {name} ({code})" in pdf_text(cohort_dir / f"{code}-toy.pdf")

    # corrupt one output and delete another: resume redoes exactly those two
    corrupt, missing = sorted(TOY_REGIONS)[:2]
    target = cohort_dir / f"{corrupt}-toy.pdf"
    target.write_bytes(target.read_bytes()[:-100])
    (cohort_dir / f"{missing}-toy.pdf").unlink()
    summary = batch_run.run_jobs(toy_jobs(root), cohort=2018, out_dir=out, jobs_n=2, resume=True,
                             progress=False)
    assert set(summary.done) == {corrupt, missing}
    assert set(summary.skipped) == set(TOY_REGIONS) - {corrupt, missing}
    for code in (corrupt, missing):
        assert TOY_REGIONS[code] in pdf_text(cohort_dir / f"{code}-toy.pdf")

    # changed inputs (a different parameter) are rendered again even though outputs verify
    summary = batch_run.run_jobs(toy_jobs(root, seed=7), cohort=2018, out_dir=out, resume=True,
                             progress=False)
    assert set(summary.done) == set(TOY_REGIONS) and summary.skipped == ()


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_failing_region_is_recorded_and_others_complete(tmp_path):
    regions = dict(list(TOY_REGIONS.items())[:3])
    root = write_toy_inputs(tmp_path / "in", regions)
    bad = "9102"
    (root / f"{bad}.json").write_text('{"name": "Toyland Bra')  # corrupt input of one region
    out = tmp_path / "out"
    summary = batch_run.run_jobs(toy_jobs(root, regions), cohort=2018, out_dir=out, jobs_n=2,
                             progress=False)
    assert set(summary.failed) == {bad}
    assert "JSONDecodeError" in summary.failed[bad]
    assert set(summary.done) == set(regions) - {bad}
    assert summary.exit_code == 1
    entry = json.loads(summary.manifest_path.read_text())["jobs"][bad]
    assert entry["status"] == "failed" and entry["output"] is None and entry["output_hash"] is None
    assert "JSONDecodeError" in entry["error"] and entry["duration_s"] > 0
    assert not (out / "2018" / f"{bad}-toy.pdf").exists()  # nothing half-written

    # fixed input: resume renders only the failed region
    (root / f"{bad}.json").write_text('{"name": "Toyland Bravo"}')
    summary = batch_run.run_jobs(toy_jobs(root, regions), cohort=2018, out_dir=out, resume=True,
                             progress=False)
    assert summary.done == (bad,) and summary.exit_code == 0
    assert "Toyland Bravo" in pdf_text(out / "2018" / f"{bad}-toy.pdf")


@pytest.mark.slow
@pytest.mark.timeout(240)
@pytest.mark.parametrize(
    ("hook", "message"),
    [("crash", "worker process died"),  # the worker process is killed (like an OOM kill)
     ("kill_kernel", "its kernel dies")],  # the kernel dies mid-notebook: must not hang the batch
)
def test_a_dying_worker_or_kernel_fails_its_region_only(tmp_path, hook, message):
    regions = dict(list(TOY_REGIONS.items())[:3])
    root = write_toy_inputs(tmp_path / "in", regions)
    summary = batch_run.run_jobs(toy_jobs(root, regions, **{hook: ["9102"]}), cohort=2018,
                             out_dir=tmp_path / "out", jobs_n=2, progress=False)
    assert set(summary.failed) == {"9102"} and message in summary.failed["9102"]
    assert set(summary.done) == {"9101", "9103"}
    for code in ("9101", "9103"):
        assert f"({code})" in pdf_text(tmp_path / "out" / "2018" / f"{code}-toy.pdf")


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_workers_that_cannot_start_raise_instead_of_hanging(tmp_path):
    root = write_toy_inputs(tmp_path / "in", {"9101": "Toyland Alpha"})
    script = (
        "from pathlib import Path\n"
        "from batch_helpers import toy_jobs\n"
        "from smartcity_analysis.batch.run import run_jobs\n"
        f"run_jobs(toy_jobs(Path({str(root)!r})), cohort=2018, out_dir={str(tmp_path / 'out')!r}, "
        "progress=False)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS_DIR), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-"], input=script.encode(), env=env, capture_output=True,
                          timeout=100)
    assert proc.returncode != 0
    assert b"died while starting" in proc.stderr


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_cli_batch_records_a_failing_region_and_exits_nonzero(tmp_path, monkeypatch, capsys):
    from smartcity_analysis.cli import main

    monkeypatch.setattr(batch_jobs, "REGION_RENDERER", "batch_helpers:render_region_or_fail")
    monkeypatch.setattr(batch_jobs, "OVERVIEW_RENDERER", "batch_helpers:render_region_or_fail")
    out = tmp_path / "reports"
    rc = main(["report", "--regions", "6372,1101,Kota Bandung", "--cohort", "2018", "--out", str(out),
               "--draws", "20", "--jobs", "2"])
    assert rc == 1
    assert "1 report(s) failed" in capsys.readouterr().err
    manifest = json.loads((out / "2018" / "manifest.json").read_text())
    jobs = manifest["jobs"]
    assert jobs["1101"]["status"] == "failed" and "corrupt" in jobs["1101"]["error"]
    assert jobs["6372"]["status"] == jobs["3273"]["status"] == jobs["overview"]["status"] == "done"
    assert "Kota Banjarbaru (6372)" in pdf_text(out / "2018" / "6372-toy.pdf")
    assert "Kota Bandung (3273)" in pdf_text(out / "2018" / "3273-toy.pdf")
    page = (out / "2018" / "index.html").read_text()
    assert '<a href="6372-toy.pdf">PDF</a>' in page and 'href="overview-toy.pdf"' in page
    assert "1101-toy.pdf" not in page  # no link to a report that failed


def test_a_bad_spec_stops_the_batch_before_anything_is_written(tmp_path):
    # one preparation step with one error policy (results.prepare_shared_results): bad input is exit 2
    # before any kernel starts, not one failed report per region
    from smartcity_analysis.errors import SmartcityError

    with pytest.raises(SmartcityError, match="no_such_spec"):
        batch_run.run_batch(["6372"], cohort=2018, spec="no_such_spec", out_dir=tmp_path, progress=False)
    assert list(tmp_path.iterdir()) == []
