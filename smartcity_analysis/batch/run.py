"""Run a batch: the jobs, the manifest after every job, the index page; locally or on a Dask cluster.

The only module of the batch that knows both executors (:mod:`~smartcity_analysis.batch.local` and
:mod:`~smartcity_analysis.batch.cluster`), so neither imports the other and nothing below imports this.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from smartcity_analysis import __version__
from smartcity_analysis.batch.index_page import write_index
from smartcity_analysis.batch.jobs import (
    FORMATS,
    BatchJob,
    BatchSummary,
    build_jobs,
    one_line_error,
)
from smartcity_analysis.batch.local import iter_local
from smartcity_analysis.batch.manifest import (
    MANIFEST_SCHEMA,
    OVERVIEW_KEY,
    is_up_to_date,
    manifest_path,
    read_manifest,
    write_manifest,
)
from smartcity_analysis.errors import InputError
from smartcity_analysis.kernels import WARMUP_CODE


def _progress(total: int, enabled: bool, desc: str):
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
    client = None
    if scheduler:
        # connect before anything is written: with no scheduler there, the batch stops with one line
        # and leaves no manifest. distributed is an optional dependency (the "report" extra) and slow
        # to import (~1 s): only a batch sent to a cluster pays for it.
        from smartcity_analysis.batch.cluster import connect, iter_cluster

        client = connect(scheduler)
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
    write_manifest(mpath, manifest)

    done: list[str] = []
    failed: dict[str, str] = {}
    start = time.perf_counter()
    bar = _progress(len(todo), progress, f"reports {cohort}")
    if skipped:
        bar.write(f"resume: {len(skipped)} report(s) up to date, skipped")
    try:
        if scheduler:
            outcomes = iter_cluster(todo, out_dir, fmt, scheduler, warmup=warmup, client=client)
        else:
            outcomes = iter_local(todo, out_dir, fmt, int(jobs_n), warmup=warmup)
        for outcome in outcomes:
            entries[outcome.key] = outcome.to_manifest()
            manifest["updated_at"] = outcome.finished_at
            write_manifest(mpath, manifest)
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
        write_manifest(mpath, manifest)

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
    # results imports robustness (SALib, scipy.stats: ~1 s): every spawned worker imports this package
    # before its kernel starts, and only the batch process prepares the shared results.
    from smartcity_analysis.results import canonical_spec, prepare_shared_results

    # the spec is made to mean the same file in every worker and kernel (their working directory is
    # notebooks/): a relative path becomes absolute here, once
    spec = None if spec is None else canonical_spec(spec)
    prepare_shared_results(cohort=cohort, spec=spec, draws=draws, seed=seed, progress=progress)
    batch_jobs = build_jobs(
        regions, cohort=cohort, spec=spec, fmt=fmt, overview=overview,
        extra_params={"draws": draws, "seed": seed},
    )
    summary = run_jobs(
        batch_jobs, cohort=cohort, out_dir=out_dir, fmt=fmt, jobs_n=jobs, resume=resume,
        scheduler=scheduler, progress=progress,
        settings={"spec": str(spec) if spec is not None else None, "draws": draws, "seed": seed},
    )
    if index:
        try:
            path = write_index(out_dir, cohort=cohort, spec=spec, draws=draws, seed=seed)
            summary = dataclasses.replace(summary, index_path=path)
        except Exception as exc:  # the reports are done; say why the index is not
            summary = dataclasses.replace(summary, index_error=one_line_error(exc))
    if progress:
        sys.stderr.write(summary.describe() + "\n")
    return summary
