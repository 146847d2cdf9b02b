"""Benchmark of the index engine on the real 514-region data (issue 3).

Times, on one core, ``build_index`` plus the selection of one cohort (eligibility, order, quota-aware
selection) for each shipped spec, and prints the median over repeats, the ratio to the 50 ms target and,
as an in-run baseline, the ratio to the same build with diagnostics and to the full three-cohort run.

Run: ``.venv/bin/python benchmarks/bench_engine.py [--repeats N]``.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from smartcity_analysis import api  # noqa: E402
from smartcity_analysis.curated import loaders  # noqa: E402
from smartcity_analysis.engine.pipeline import build_index  # noqa: E402
from smartcity_analysis.engine.selection import (  # noqa: E402
    evaluate_eligibility,
    run_cohorts,
    select_cohort,
    selection_order,
)
from smartcity_analysis.spec import list_specs, load_spec  # noqa: E402

TARGET_MS = 50.0


def _median_ms(fn, repeats: int) -> float:
    """Median wall-clock milliseconds of ``fn`` over ``repeats`` calls (after one warm-up)."""
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _median_cpu_ms(fn, repeats: int) -> float:
    """Median CPU milliseconds of this process (robust to other load on a shared machine)."""
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        times.append((time.process_time() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    regions = loaders.load_regions()
    cohorts = loaders.load_cohorts()
    print(f"index engine benchmark: median of {args.repeats} repeats, one core, 514 regions")
    print(f"load average (1 min): {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; wall times grow with "
          "other load, CPU times much less")
    print(f"{'spec':<20} {'build+select ms':>16} {'cpu ms':>7} {'x target':>9} {'numpy floor ms':>15} {'x floor':>8} "
          f"{'+diagnostics ms':>16} {'3 cohorts ms':>13}")
    for path in list_specs():
        spec = load_spec(path)
        cohort = spec.cohorts[min(1, len(spec.cohorts) - 1)]
        data = api.load_data(spec, cohort.data_year)
        frames = {c.data_year: api.load_data(spec, c.data_year) for c in spec.cohorts}

        def one(diag=False, spec=spec, cohort=cohort, data=data):
            res = build_index(data, spec, regions=regions, data_year=cohort.data_year, diagnostics=diag)
            eligible, _, _ = evaluate_eligibility(spec, res.raw, regions)
            cand = list(res.index.index[eligible.to_numpy()])
            order = selection_order(res.index, cand, spec.tie_breaking, values=res.raw)
            return select_cohort(order, cohort.size, regions=regions, quotas=spec.quotas)

        fast = _median_ms(one, args.repeats)
        cpu = _median_cpu_ms(one, args.repeats)
        res = build_index(data, spec, regions=regions, diagnostics=False)
        mat = res.raw.to_numpy()
        w = res.weights["overall_weight"].to_numpy()

        def floor(mat=mat, w=w, k=cohort.size):
            lo, hi = np.nanmin(mat, axis=0), np.nanmax(mat, axis=0)
            y = np.nan_to_num((mat - lo) / (hi - lo)) @ w
            return np.argsort(-y, kind="stable")[:k]

        base = _median_ms(floor, args.repeats)
        full = _median_ms(lambda one=one: one(True), max(3, args.repeats // 3))
        seq = _median_ms(lambda spec=spec, frames=frames: run_cohorts(
            spec, indicators=frames, regions=regions, cohorts=cohorts), max(3, args.repeats // 3))
        print(f"{spec.id:<20} {fast:>16.1f} {cpu:>7.1f} {fast / TARGET_MS:>9.2f} {base:>15.3f} {fast / base:>8.0f} "
              f"{full:>16.1f} {seq:>13.1f}")
    print(f"target: build+select < {TARGET_MS:.0f} ms per build ('x target' = wall / target; < 1 meets it)")


if __name__ == "__main__":
    main()
