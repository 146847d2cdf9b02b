"""Benchmark of the robustness Monte Carlo on the real data (prints; asserts nothing).

Times, in one run on this machine:

1. preparing the arrays of one cohort (``problem_from_spec``: one engine build per variant);
2. the vectorised kernel on 10,000 draws with the spec's full uncertainty block (value noise included),
   and on the same 10,000 draws without value noise;
3. the reference loop (one ``selection.run_cohorts`` call per draw) on a few hundred noise-free draws,
   scaled per draw, and the ratio of the two paths on the same noise-free plan;
4. the same 10,000 draws with the new outputs of issue 13 (pillar scores kept for the confidence
   factors, central weights, confidence factors, winning indices, stability intervals, audit figures,
   the weights-only Monte Carlo beside possible/necessary, the "without indicator X" scenarios),
   beside the kernel alone, and their ratio;
5. peak memory: traced Python/numpy allocations of the kernel run (``tracemalloc``) and the process's
   peak resident size (``resource.getrusage``).

Usage::

    .venv/bin/python benchmarks/bench_robustness.py [--cohort 2018] [--draws 10000] [--ref-draws 200]

Targets (issue 4): 10,000 draws in under 10 s on the 2-core machine; at least 50x the reference loop.
Issue 13: the new outputs make the 10,000-draw run at most 1.5x slower.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import time
import tracemalloc

import numpy as np

from smartcity_analysis.paths import specs_dir
from smartcity_analysis.robustness.answers import CONFIDENCE_DRAWS, cohort_answers
from smartcity_analysis.robustness.from_spec import problem_from_spec
from smartcity_analysis.robustness.kernel import evaluate_plan
from smartcity_analysis.robustness.plans import draw_plan, nominal_plan
from smartcity_analysis.robustness.reference import evaluate_plan_reference
from smartcity_analysis.robustness.run import (
    WEIGHTS_ONLY_DRAWS,
    _scenarios,
    summarise,
    weights_only_p_selected,
)


def _with_new_outputs(problem, settings, plan, chunk, seed):
    """The kernel run plus every new output of issue 13, as ``run_robustness`` computes them."""
    out, kept = evaluate_plan(problem, plan, chunk_size=chunk, return_pillar_scores=CONFIDENCE_DRAWS)
    nominal, nominal_pillars = evaluate_plan(problem, nominal_plan(problem), return_pillar_scores=1)
    t0 = time.perf_counter()
    table, _ = summarise(problem, out, nominal)  # today's path too: not counted
    t_summary = time.perf_counter() - t0
    actual = np.zeros(problem.n, dtype=bool)
    actual[np.flatnonzero(nominal.selected[0])[::2]] = True  # any cohort: the cost does not depend on it
    cohort_answers(
        problem, plan, out, kept, nominal, nominal_pillars, actual, table["rank_median"].to_numpy()
    )
    if settings.weights != "none":
        weights_only_p_selected(problem, settings, min(plan.draws, WEIGHTS_ONLY_DRAWS), seed)
    _scenarios(problem, nominal)
    return t_summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--spec", default=str(specs_dir() / "kominfo_prescreen.yml"))
    ap.add_argument("--cohort", type=int, default=2018)
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--ref-draws", type=int, default=200)
    ap.add_argument("--chunk", type=int, default=1024)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    print(f"cores available: {os.cpu_count()}; spec {args.spec}; cohort {args.cohort}")
    t0 = time.perf_counter()
    problem, settings, ctx = problem_from_spec(args.spec, args.cohort)
    t_prep = time.perf_counter() - t0
    print(
        f"prepare: {t_prep:.2f} s  ({problem.normalised.shape[0]} imputations x "
        f"{problem.normalised.shape[1]} normalisations x {problem.normalised.shape[2]} leave-out "
        f"variants, {problem.n} regions x {len(problem.indicators)} indicators, k={problem.k}, "
        f"quotas={'yes' if problem.quotas is not None else 'no'})"
    )
    print(f"settings: {settings.as_dict()}")

    plan = draw_plan(problem, settings, args.draws, args.seed)
    evaluate_plan(problem, plan.take(np.arange(min(64, args.draws))))  # warm-up (imports, caches)
    # best of two runs for the two timings compared below (the machine is shared)
    t_full = np.inf
    for _ in range(2):
        t0 = time.perf_counter()
        evaluate_plan(problem, plan, chunk_size=args.chunk)
        t_full = min(t_full, time.perf_counter() - t0)
    print(
        f"kernel, full uncertainty (noise {settings.noise}), best of 2: {args.draws} draws in "
        f"{t_full:.2f} s "
        f"({1e6 * t_full / args.draws:.0f} us/draw)"
    )

    t_new = np.inf
    for _ in range(2):
        t0 = time.perf_counter()
        t_summary = _with_new_outputs(problem, settings, plan, args.chunk, args.seed)
        t_new = min(t_new, time.perf_counter() - t0 - t_summary)
    print(
        f"kernel + new outputs (central weights, confidence on {CONFIDENCE_DRAWS} draws, winning, "
        f"stability, audit, weights-only MC, scenarios), best of 2: {args.draws} draws in "
        f"{t_new:.2f} s; "
        f"ratio to the kernel alone {t_new / t_full:.2f}x (target <= 1.5x: "
        f"{'met' if t_new <= 1.5 * t_full else 'NOT met'})"
    )

    quiet = dataclasses.replace(settings, noise=0.0)
    plan_q = draw_plan(problem, quiet, args.draws, args.seed)
    t0 = time.perf_counter()
    fast = evaluate_plan(problem, plan_q, chunk_size=args.chunk)
    t_quiet = time.perf_counter() - t0
    print(
        f"kernel, no value noise: {args.draws} draws in {t_quiet:.2f} s "
        f"({1e6 * t_quiet / args.draws:.0f} us/draw)"
    )

    ref_rows = np.arange(min(args.ref_draws, args.draws))
    t0 = time.perf_counter()
    ref = evaluate_plan_reference(problem, ctx, plan_q.take(ref_rows))
    t_ref = time.perf_counter() - t0
    per_ref = t_ref / len(ref_rows)
    same = bool(np.array_equal(ref.selected, fast.selected[ref_rows]))
    print(
        f"reference loop: {len(ref_rows)} draws in {t_ref:.2f} s ({1e3 * per_ref:.1f} ms/draw); "
        f"selections identical to the kernel's: {same}"
    )
    print(f"reference scaled to {args.draws} draws: {per_ref * args.draws:.0f} s")
    print(f"speed-up, same noise-free plan: {per_ref / (t_quiet / args.draws):.0f}x")
    print(
        f"speed-up, kernel with noise vs reference without: {per_ref / (t_full / args.draws):.0f}x"
    )
    print(
        f"speed-up, kernel + new outputs vs reference without: "
        f"{per_ref / (t_new / args.draws):.0f}x"
    )

    tracemalloc.start()
    evaluate_plan(problem, plan, chunk_size=args.chunk)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(
        f"peak traced allocations during the 10k-draw kernel run: {peak / 2**20:.0f} MiB; "
        f"process peak RSS: {rss:.0f} MiB"
    )
    print(
        f"targets: 10k draws < 10 s -> {'met' if t_full < 10 else 'NOT met'} ({t_full:.2f} s); "
        f">= 50x -> {'met' if per_ref / (t_quiet / args.draws) >= 50 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
