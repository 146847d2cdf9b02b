"""Benchmark of the region report: one cold ``smartcity report`` (new process, new kernel) against a
warm in-process render (``rendering.render_report`` with a reused kernel, as the batch uses).

Run: ``.venv/bin/python benchmarks/bench_report.py [--region 6372] [--cohort 2018] [--draws N]
[--repeats 3]``. The cached robustness and explanation results are computed first (untimed) so both
paths measure rendering only. Prints the median times and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", default="6372")
    parser.add_argument("--cohort", type=int, default=2018)
    parser.add_argument("--draws", type=int, default=None, help="default: ReportParams().draws")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from smartcity_analysis import report
    from smartcity_analysis.rendering import render_report

    defaults = report.ReportParams()
    params = report.ReportParams(region=args.region, cohort=args.cohort,
                                 draws=args.draws or defaults.draws)
    t0 = time.perf_counter()
    report.load_context(params)  # fills the result cache when it is cold (untimed below)
    print(f"warm-up (context + cached results): {time.perf_counter() - t0:.2f} s")

    cmd = [str(BIN / "smartcity"), "report", "--region", params.region, "--cohort", str(params.cohort),
           "--draws", str(params.draws), "--seed", str(params.seed)]
    with tempfile.TemporaryDirectory() as out:
        cold = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            subprocess.run([*cmd, "--out", out], check=True, capture_output=True)
            cold.append(time.perf_counter() - t)

        from jupyter_client.manager import KernelManager

        km = KernelManager(kernel_name="python3")
        km.start_kernel(extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
        try:
            render_report(params, out, "pdf", km=km)  # first render in this kernel imports the package
            warm = []
            for _ in range(args.repeats):
                t = time.perf_counter()
                render_report(params, out, "pdf", km=km)
                warm.append(time.perf_counter() - t)
        finally:
            km.shutdown_kernel(now=True)

    c, w = statistics.median(cold), statistics.median(warm)
    print(f"cold `smartcity report` (new process + kernel), median of {args.repeats}: {c:.2f} s "
          f"(runs: {', '.join(f'{x:.2f}' for x in cold)})")
    print(f"warm in-process render_report (reused kernel), median of {args.repeats}: {w:.2f} s "
          f"(runs: {', '.join(f'{x:.2f}' for x in warm)})")
    print(f"ratio cold / warm: {c / w:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
