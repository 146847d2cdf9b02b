"""Benchmark of the region report: one cold ``smartcity report`` (new process, new kernel) against a
warm in-process render (``rendering.render_report`` with a reused kernel, as the batch uses).

Run: ``.venv/bin/python benchmarks/bench_report.py [--region 6372] [--cohort 2018] [--draws N]
[--repeats 3] [--sample N]``. The cached robustness and explanation results are computed first (untimed) so both
paths measure rendering only. Prints, for each path, the median time and where it goes (the stages of
:data:`smartcity_analysis.rendering.STAGES`; the cold path's ``--timings`` line, plus what is outside
them: process start-up, imports, exit), and the ratio cold / warm against the issue-15 target (at most 2x).

``--sample N`` instead renders N different regions (spread over the code list) twice in one warm kernel,
as a batch worker does: once with the per-kernel context memo (``report.load_context`` reuses the
region-independent part) and once with the memo cleared before every report (the route before the
memo), and prints both per-report times.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from smartcity_analysis.kernels import start_kernel, stop_kernel
from smartcity_analysis.rendering import STAGES, stage_times

BIN = Path(sys.executable).parent
COLD_TARGET = 2.0


def _breakdown(label: str, runs: list[dict[str, float]], totals: list[float]) -> None:
    med = {s: statistics.median(r.get(s, 0.0) for r in runs) for s in STAGES if any(s in r for r in runs)}
    total = statistics.median(totals)
    rest = total - sum(med.values())
    parts = ", ".join(f"{s} {v:.2f}" for s, v in med.items())
    print(f"{label}: {total:.2f} s median of {len(totals)} (runs: {', '.join(f'{x:.2f}' for x in totals)})")
    print(f"    stages (median s): {parts}; outside the stages {rest:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", default="6372")
    parser.add_argument("--cohort", type=int, default=2018)
    parser.add_argument("--draws", type=int, default=None, help="default: ReportParams().draws")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sample", type=int, default=0, help="warm-kernel memo comparison on N regions")
    args = parser.parse_args()
    if args.sample:
        return memo_comparison(args)

    from smartcity_analysis import report
    from smartcity_analysis.rendering import render_report

    defaults = report.ReportParams()
    params = report.ReportParams(region=args.region, cohort=args.cohort,
                                 draws=args.draws or defaults.draws)
    t0 = time.perf_counter()
    report.load_context(params)  # fills the result cache when it is cold (untimed below)
    print(f"warm-up (context + cached results): {time.perf_counter() - t0:.2f} s")

    cmd = [str(BIN / "smartcity"), "report", "--region", params.region, "--cohort", str(params.cohort),
           "--draws", str(params.draws), "--seed", str(params.seed), "--timings"]
    with tempfile.TemporaryDirectory() as out:
        cold, cold_stages = [], []
        for _ in range(args.repeats):
            t = time.perf_counter()
            done = subprocess.run([*cmd, "--out", out], check=True, capture_output=True, text=True)
            cold.append(time.perf_counter() - t)
            line = re.search(r"seconds per stage: (.*)", done.stderr)
            cold_stages.append({k: float(v) for k, v in re.findall(r"(\w+) ([0-9.]+)", line.group(1))}
                               if line else {})

        km = start_kernel()  # as a batch worker: warm-up imports, the kernel's env
        try:
            render_report(params, out, "pdf", km=km)  # first render in this kernel fills its memo
            warm, warm_stages = [], []
            for _ in range(args.repeats):
                t = time.perf_counter()
                render_report(params, out, "pdf", km=km)
                warm.append(time.perf_counter() - t)
                warm_stages.append(stage_times())
        finally:
            stop_kernel(km)

    _breakdown("cold `smartcity report` (new process + kernel)", cold_stages, cold)
    _breakdown("warm in-process render_report (reused kernel)", warm_stages, warm)
    c, w = statistics.median(cold), statistics.median(warm)
    ratio = c / w
    print(f"ratio cold / warm: {ratio:.1f}x (target <= {COLD_TARGET:.0f}x: "
          f"{'met' if ratio <= COLD_TARGET else 'NOT met'})")
    return 0


def _in_kernel(km, code: str) -> None:
    # the renderer's own client: a second client of the same kernel manager would take over its
    # session identity (kernels.kept_client)
    from smartcity_analysis.kernels import kept_client

    reply = kept_client(km).execute_interactive(code, timeout=60)
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"kernel code failed: {reply['content']}")


def memo_comparison(args) -> int:
    """N regions in one warm kernel: context memo kept versus cleared before each report."""
    from smartcity_analysis import report
    from smartcity_analysis.curated.regions import load_region_table
    from smartcity_analysis.rendering import render_report

    codes = sorted(load_region_table().index)
    regions = [codes[int(i * len(codes) / args.sample)] for i in range(args.sample)]
    defaults = report.ReportParams()
    draws = args.draws or defaults.draws
    report.load_context(report.ReportParams(region=regions[0], cohort=args.cohort, draws=draws))
    km = start_kernel()
    times: dict[str, list[float]] = {"memo cleared before each report": [], "memo kept (default)": []}
    try:
        with tempfile.TemporaryDirectory() as out:
            render_report(report.ReportParams(region=regions[0], cohort=args.cohort, draws=draws), out,
                          "pdf", km=km)  # imports the package in the kernel (untimed)
            for label, clear in (("memo cleared before each report", True), ("memo kept (default)", False)):
                for code in regions:
                    if clear:
                        _in_kernel(km, "from smartcity_analysis import report as _r; _r.clear_context_memo()")
                    t = time.perf_counter()
                    render_report(report.ReportParams(region=code, cohort=args.cohort, draws=draws), out,
                                  "pdf", km=km)
                    times[label].append(time.perf_counter() - t)
    finally:
        stop_kernel(km)
    for label, ts in times.items():
        print(f"{label}: {statistics.mean(ts):.2f} s per report (median {statistics.median(ts):.2f}, "
              f"{len(ts)} regions)")
    a, b = (statistics.mean(ts) for ts in times.values())
    print(f"saved per report: {a - b:.2f} s ({(a - b) / a:.0%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
