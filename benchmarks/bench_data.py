"""Benchmark of the data layer: the full build and the validated loaders.

Prints the median over repeats of (1) ``smartcity data build`` into a temporary folder, with the
build's own 30 s budget as reference, and (2) ``loaders.load_indicators()`` uncached (validation
included) and cached, each as a ratio to the in-run baseline of a bare ``pandas.read_csv`` of the same
file. Skips the build when the raw data are absent.

Run: ``.venv/bin/python benchmarks/bench_data.py [--repeats N]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

from smartcity_analysis import paths
from smartcity_analysis.curated import loaders
from smartcity_analysis.databuild import build
from smartcity_analysis.errors import RawDataError


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    try:
        raw = paths.raw_dir()
    except RawDataError as exc:
        raw = None
        print(f"build: skipped ({exc})")
    if raw is not None:
        with tempfile.TemporaryDirectory() as tmp:
            t = _median_time(lambda: build(raw, out_dir=Path(tmp), progress=False), args.repeats)
        print(f"build: {t:.2f} s median of {args.repeats} (budget 30 s, ratio {t / 30:.2f})")

    csv = paths.data_dir() / "indicators.csv"
    base = _median_time(lambda: pd.read_csv(csv, dtype={"region_code": str}), args.repeats)

    def uncached():
        loaders._read_cached.cache_clear()
        loaders.load_indicators()

    t_unc = _median_time(uncached, args.repeats)
    loaders.load_indicators()
    t_cached = _median_time(loaders.load_indicators, args.repeats)
    t_wide = _median_time(lambda: loaders.load_indicators(2017, wide=True), args.repeats)
    print(f"baseline pandas.read_csv(indicators.csv): {base * 1000:.0f} ms")
    print(f"load_indicators() uncached + validation: {t_unc * 1000:.0f} ms "
          f"(x{t_unc / base:.1f} baseline)")
    print(f"load_indicators() cached: {t_cached * 1000:.1f} ms (x{t_cached / base:.2f} baseline)")
    print(f"load_indicators(2017, wide=True) cached: {t_wide * 1000:.1f} ms "
          f"(x{t_wide / base:.2f} baseline)")


if __name__ == "__main__":
    main()
