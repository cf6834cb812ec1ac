"""Benchmark: batch throughput (runs/s with 1 and 2 worker processes) and the heatmap sweep.

The small sweep is 16 runs (2 conditions x 8 seeds, 1,000 people on a small-world network,
substance only, 500 ticks); its runs/s include the pool's start-up, as a user sees it. The
heatmap is the report's sweep (examples/heatmap.toml, population.batch.heatmap_sweep) at
``--step`` (0.1 is the full 51 x 51 grid, 520 million individual-steps); a coarser step gives
a quick measure and an extrapolation to the full grid from individual-steps per second.
Prints JSON; never asserted in tests.

    python benchmarks/bench_batch.py [--step 0.1] [--workers 2] [--skip-small] [--skip-heatmap]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from addsim.population.batches.execute import execute_run, open_executor, run_batch
from addsim.population.batches.plan import heatmap_sweep, plan_from_dict

SMALL = {
    "base": {
        "population": {"size": 1000}, "network": {"kind": "watts_strogatz", "k": 6},
        "activities": {"gambling": {"enabled": False}}, "run": {"ticks": 500},
        "interventions": [],
    },
    "sweep": {"grid": {"exposure.p_peer": [0.0, 0.05]}, "seeds": 8},
}
FULL_STEPS = 51 * 51 * 100 * 2000


def timed_batch(data: dict, workers: int) -> tuple[float, int, int]:
    """Run a sweep into a fresh temporary folder; return (seconds, runs, individual-steps)."""
    plan = plan_from_dict(data)
    steps = 0
    for r in plan.runs:
        cfg = json.loads(r.config)
        steps += cfg["population"]["size"] * cfg["run"]["ticks"]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        with open_executor(workers) as (executor, _):
            outcome = run_batch(plan, Path(tmp) / "out", executor)
        seconds = time.perf_counter() - t0
    if outcome.failed:
        raise SystemExit(f"bench: {outcome.failed} runs failed")
    return seconds, len(plan.runs), steps


def main() -> None:
    """Measure and print the figures as JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--save", metavar="LABEL",
                        help="store the result as measurement LABEL of "
                             "benchmarks/results/batch.json (machine, date, commit)")
    ap.add_argument("--step", type=float, default=0.1, help="heatmap grid step (0.1 = full)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                    help="worker processes for the heatmap (default: the cores)")
    ap.add_argument("--skip-small", action="store_true", help="skip the runs/s sweep")
    ap.add_argument("--skip-heatmap", action="store_true", help="skip the heatmap")
    args = ap.parse_args()
    out: dict = {"python": platform.python_version(), "cores": os.cpu_count(),
                 "load_average_before": os.getloadavg()[0]}
    tiny = dict(SMALL, sweep={"seeds": 1})
    execute_run(plan_from_dict(tiny).runs[0].config)  # warm-up: fills numba's on-disk cache
    if not args.skip_small:
        for workers in (1, 2):
            seconds, runs, _ = timed_batch(SMALL, workers)
            out[f"small_sweep_{workers}_workers"] = {
                "runs": runs, "seconds": round(seconds, 2), "runs_per_s": round(runs / seconds, 2),
            }
    if not args.skip_heatmap:
        seconds, runs, steps = timed_batch(heatmap_sweep(args.step), args.workers)
        k = round(5.0 / args.step) + 1
        entry = {
            "step": args.step, "cells": k * k, "runs": runs, "workers": args.workers,
            "individual_steps": steps, "seconds": round(seconds, 1),
            "individual_steps_per_s": round(steps / seconds),
        }
        if args.step != 0.1:
            entry["full_grid_seconds_extrapolated"] = round(seconds * FULL_STEPS / steps, 1)
            entry["note"] = ("extrapolated from individual-steps/s; with fewer runs than workers "
                             "the coarse grid leaves cores idle, so this overestimates")
        out["heatmap"] = entry
    out["load_average_after"] = os.getloadavg()[0]
    if args.save:
        from _record import save

        save("batch", args.save, out)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
