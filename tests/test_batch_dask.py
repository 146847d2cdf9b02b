"""The batch on a Dask distributed cluster (issue 7): a LocalCluster on loopback 127.0.0.1 only."""

from __future__ import annotations

import os

import pytest
from batch_helpers import TESTS_DIR, TOY_REGIONS, pdf_text, toy_jobs, write_toy_inputs

from smartcity_analysis.batch.run import run_jobs
from smartcity_analysis.errors import InputError

distributed = pytest.importorskip("distributed")


def test_scheduler_address_must_be_a_url(tmp_path):
    from smartcity_analysis.batch.cluster import connect

    with pytest.raises(InputError, match="tcp://HOST:PORT"):
        connect("127.0.0.1:8786")


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_batch_on_local_cluster_on_loopback(tmp_path, monkeypatch):
    # workers must import the toy renderer from tests/
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(TESTS_DIR), os.environ.get("PYTHONPATH", "")]))
    regions = dict(list(TOY_REGIONS.items())[:4])
    root = write_toy_inputs(tmp_path / "in", regions)
    bad = "9104"
    (root / f"{bad}.json").write_text("not json")
    out = tmp_path / "out"
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, host="127.0.0.1", dashboard_address=None,
        processes=True,
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        summary = run_jobs(toy_jobs(root, regions), cohort=2018, out_dir=out,
                                 scheduler=cluster.scheduler_address, progress=False)
        assert set(summary.done) == set(regions) - {bad}
        assert set(summary.failed) == {bad} and "JSONDecodeError" in summary.failed[bad]
        for code in summary.done:
            assert f"Toy report {regions[code]} ({code})" in pdf_text(out / "2018" / f"{code}-toy.pdf")
        # warm kernels: at most one per worker thread, kept between reports
        with distributed.Client(cluster.scheduler_address) as client:
            counts = client.run(lambda dask_worker: len(dask_worker.plugins[
                "smartcity-warm-kernels"]._all))
        assert 1 <= sum(counts.values()) <= 2

        # resume on the cluster: only the fixed region runs
        (root / f"{bad}.json").write_text('{"name": "Toyland Delta"}')
        summary = run_jobs(toy_jobs(root, regions), cohort=2018, out_dir=out, resume=True,
                                 scheduler=cluster.scheduler_address, progress=False)
        assert summary.done == (bad,) and set(summary.skipped) == set(regions) - {bad}
