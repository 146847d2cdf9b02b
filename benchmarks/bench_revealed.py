"""Benchmark of the revealed-criteria search on the real data (issue 14): where its time goes.

In one run, on the framing of ``specs/kominfo_prescreen.yml`` and the curated data:

- building the candidates (baseline);
- every family's nested leave-one-cohort-out without permutations or stability (ratio against the
  baseline);
- the cost of the permutation test and of the stability bootstrap at the given sizes (ratios).

Usage::

    python benchmarks/bench_revealed.py [--permutations 200] [--stability 30]
"""

from __future__ import annotations

import argparse
import time

from smartcity_analysis.curated.inputs import spec_frames
from smartcity_analysis.explanation.candidates import build_candidates
from smartcity_analysis.explanation.models import MODEL_FAMILIES
from smartcity_analysis.explanation.validation import validate_families
from smartcity_analysis.spec import load_spec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--permutations", type=int, default=200)
    ap.add_argument("--stability", type=int, default=30)
    args = ap.parse_args()
    spec = load_spec("specs/kominfo_prescreen.yml")
    frames = spec_frames(spec)

    t0 = time.perf_counter()
    cs = build_candidates(spec, frames)
    t_base = time.perf_counter() - t0
    print(f"candidates: {cs.X.shape[1]} columns, {cs.X.shape[0]} rows: {t_base:.2f} s (baseline)")
    for fam in MODEL_FAMILIES:
        t0 = time.perf_counter()
        validate_families(cs, [fam], n_perm=0, n_boot=0, progress=False)
        t = time.perf_counter() - t0
        print(f"{fam:<20} nested LOCO: {t:6.2f} s  (x{t / t_base:.1f})")
    t0 = time.perf_counter()
    validate_families(cs, list(MODEL_FAMILIES), n_perm=0, n_boot=0, progress=False)
    t_fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    validate_families(cs, list(MODEL_FAMILIES), n_perm=args.permutations, n_boot=0, progress=False)
    t_perm = time.perf_counter() - t0
    t0 = time.perf_counter()
    validate_families(cs, list(MODEL_FAMILIES), n_perm=0, n_boot=args.stability, progress=False)
    t_boot = time.perf_counter() - t0
    print(f"all families: {t_fit:.2f} s; + {args.permutations} permutations: {t_perm:.2f} s "
          f"(x{t_perm / t_fit:.1f}); + {args.stability} stability resamples: {t_boot:.2f} s "
          f"(x{t_boot / t_fit:.1f})")


if __name__ == "__main__":
    main()
