"""Benchmark of batch report rendering (issue 7): the batch engine against the naive route.

Both routes render the same 10-region sample of cohort 2018 to PDF, in one run:

- naive: for each region, one after another, ``papermill`` CLI (fresh kernel), then ``jupyter nbconvert
  --to smartcity_print`` CLI (the package's print HTML exporter), then the ``weasyprint`` CLI;
- batch: :func:`smartcity_analysis.batch.run_batch` with ``--jobs`` workers (spawn pool, one warm
  kernel per worker, in-process HTML and PDF).

The shared results (index build, robustness, explanation) are computed once before timing, so both routes
only load them. Prints the per-report time of each route and where it goes (naive: each CLI step;
batch: the stages each worker records in the manifest, :data:`smartcity_analysis.rendering.STAGES`,
plus the worker time outside them: kernel start-up, imports, waiting), the ratio against the issue-15
target (at least 12x), and the extrapolation to 514 regions. Usage::

    python benchmarks/bench_batch.py [--jobs 2] [--n 10] [--cohort 2018]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from smartcity_analysis.batch import run_batch
from smartcity_analysis.curated.regions import load_region_table
from smartcity_analysis.paths import notebooks_dir
from smartcity_analysis.rendering import STAGES
from smartcity_analysis.report import ReportParams

BIN = Path(sys.executable).parent


def sample(n: int) -> list[str]:
    """``n`` regions spread over the sorted code list (deterministic; all provinces' ranges)."""
    codes = sorted(load_region_table().index)
    step = len(codes) / n
    return [codes[int(i * step)] for i in range(n)]


def warm_shared_results(cohort: int) -> float:
    """Compute the cached shared results once (as the first report of any batch would)."""
    from smartcity_analysis.report import load_context

    start = time.perf_counter()
    load_context(ReportParams(cohort=cohort))
    return time.perf_counter() - start


TARGET = 12.0
NAIVE_STEPS = ("papermill", "nbconvert", "weasyprint")


def naive(regions: list[str], cohort: int, out: Path) -> tuple[float, int, dict[str, float]]:
    """papermill CLI then nbconvert CLI then weasyprint CLI, one region after another.

    Returns the wall time, the number of regions whose chain failed (like the batch, a failing region
    does not stop the run) and the total seconds of each step.
    """
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    quiet = {"env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    failed = 0
    steps_s = dict.fromkeys(NAIVE_STEPS, 0.0)
    start = time.perf_counter()
    for code in regions:
        executed = out / f"{code}.ipynb"
        steps = [
            [str(BIN / "papermill"), str(notebooks_dir() / "region_report.ipynb"), str(executed),
             "-r", "region", code, "-p", "cohort", str(cohort), "--cwd", str(notebooks_dir()),
             "--no-progress-bar", "--log-level", "ERROR"],
            [str(BIN / "jupyter"), "nbconvert", "--to", "smartcity_print", str(executed),
             "--output-dir", str(out), "--log-level", "ERROR"],
            [str(BIN / "weasyprint"), "-q", str(out / f"{code}.html"), str(out / f"{code}.pdf")],
        ]
        for name, cmd in zip(NAIVE_STEPS, steps, strict=True):
            t = time.perf_counter()
            rc = subprocess.run(cmd, **quiet).returncode
            steps_s[name] += time.perf_counter() - t
            if rc != 0:
                failed += 1
                break
    return time.perf_counter() - start, failed, steps_s


def batch(regions: list[str], cohort: int, out: Path, jobs: int) -> tuple[float, int, dict[str, float]]:
    """The batch engine (no overview, no index: the same work as the naive route).

    Returns the wall time, the number of failed regions and the total seconds of each rendering stage
    over the reports (read from the manifest the workers write).
    """
    start = time.perf_counter()
    summary = run_batch(regions, cohort=cohort, out_dir=out, jobs=jobs, progress=False,
                        overview=False, index=False)
    wall = time.perf_counter() - start
    entries = json.loads(Path(summary.manifest_path).read_text())["jobs"].values()
    stages = {s: sum((e.get("stages") or {}).get(s, 0.0) for e in entries) for s in STAGES}
    return wall, len(summary.failed), {s: v for s, v in stages.items() if v > 0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--cohort", type=int, default=2018)
    args = parser.parse_args(argv)

    regions = sample(args.n)
    print(f"sample of {len(regions)} regions, cohort {args.cohort}: {', '.join(regions)}")
    print(f"shared results computed/loaded once before timing: {warm_shared_results(args.cohort):.1f} s")
    root = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        t_batch, n_failed, b_stages = batch(regions, args.cohort, root / "batch", args.jobs)
        t_naive, n_naive_failed, n_steps = naive(regions, args.cohort, root / "naive")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    n = len(regions)
    print(f"naive route (papermill CLI + nbconvert CLI + weasyprint CLI, sequential): "
          f"{t_naive:.1f} s, {t_naive / n:.2f} s/report ({n_naive_failed} failed)")
    print("    per report: " + ", ".join(f"{k} {v / n:.2f} s" for k, v in n_steps.items()))
    print(f"batch engine (--jobs {args.jobs}, warm kernels, in-process PDF):            "
          f"{t_batch:.1f} s, {t_batch / n:.2f} s/report ({n_failed} failed)")
    worker = args.jobs * t_batch / n
    inside = sum(b_stages.values()) / n
    print(f"    per report, worker time {worker:.2f} s: "
          + ", ".join(f"{k} {v / n:.2f} s" for k, v in b_stages.items())
          + f"; outside the stages (kernel start-up, imports, waiting) {worker - inside:.2f} s")
    ratio = t_naive / t_batch
    print(f"speed-up: {ratio:.1f}x (target >= {TARGET:.0f}x: {'met' if ratio >= TARGET else 'NOT met'})")
    print(f"extrapolated to 514 regions: batch {514 * t_batch / n / 60:.1f} min (target < 10 min), "
          f"naive {514 * t_naive / n / 60:.1f} min")
    return 1 if n_failed or n_naive_failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
