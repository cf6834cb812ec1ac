"""``addsim sensitivity CONFIG --params PARAMS --outcomes ... --out DIR``: SALib screening.

Which of the parameters in PARAMS (the parameters file of ``addsim calibrate``; its
``[calibration]`` table is ignored) move the chosen survey outcomes, by Morris elementary
effects (default) or Sobol' indices (``--method sobol``). Every design point runs through
the batch engine on seeds 0 .. K-1 (``--seeds``). Writes into DIR: ``sensitivity.csv`` (one
row per outcome and parameter: the indices, their 95% intervals and the parameter's rank),
``sensitivity.json`` (settings, runs, wall time, points without a value, the rows),
``samples.parquet`` (every run: point, seed, parameter values, outcome values) and
``sensitivity.png``. See population/sensitivity.py.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path
from typing import Any

from addsim._errors import ConfigError, shown
from addsim._files import atomic_bytes, atomic_write, records_json
from addsim.population.cli._common import UsageError, check_workers, out_dir, write_error

MADE = ("sensitivity.csv", "sensitivity.json", "samples.parquet", "sensitivity.png")
MAX_RUNS = 1_000_000
DEFAULT_N = {"morris": 10, "sobol": 64}


def _size(args: argparse.Namespace) -> int:
    """The design size: Morris trajectories or Sobol' base samples, checked."""
    if args.method == "morris":
        if args.samples is not None:
            raise UsageError("--samples: sets the Sobol' sample (--method sobol); Morris takes "
                             "--trajectories")
        n = args.trajectories if args.trajectories is not None else DEFAULT_N["morris"]
        if not 2 <= n <= 100_000:
            raise UsageError(f"--trajectories: got {n}, expected a whole number in "
                             "[2, 100000]")
        return n
    if args.trajectories is not None:
        raise UsageError("--trajectories: sets the Morris design (--method morris); Sobol' "
                         "takes --samples")
    n = args.samples if args.samples is not None else DEFAULT_N["sobol"]
    if not 2 <= n <= 2**20 or n & (n - 1):
        raise UsageError(f"--samples: got {n}, expected a power of 2 in [2, 1048576] (the "
                         "balance of Sobol' points needs one)")
    return n


def _inputs(args: argparse.Namespace) -> tuple[Any, list[Any]]:
    """The parameter space over the config (CONFIG and --set) and the outcomes, all
    checked before any work."""
    from addsim.population import sensitivity as sa
    from addsim.population.config import load_raw, validate
    from addsim.population.params import Space, load_params
    from addsim.population.targets import load_targets

    if (args.outcomes is None) == (args.outcomes_from is None):
        raise UsageError("--outcomes: give the outcomes (MEASURE[:ACTIVITY[:YEARS]] ...) or "
                         "--outcomes-from TARGETS.toml, one of the two")
    try:
        raw = load_raw(args.config, args.set)
        cfg = validate(copy.deepcopy(raw))
        space = Space(load_params(args.params), raw)
        if args.outcomes is not None:
            outcomes = sa.parse_outcomes(args.outcomes, cfg)
        else:
            outcomes = sa.outcomes_from(load_targets(args.outcomes_from, "--outcomes-from"),
                                        cfg)
        sa.check_names(outcomes, space, "--outcomes" if args.outcomes else "--outcomes-from")
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    return space, outcomes


def _claim(out: Path) -> None:
    """``out`` must be new, empty, or an earlier sensitivity analysis (its files replaced)."""
    if out.is_dir() and any(out.iterdir()) and not (out / "sensitivity.json").is_file():
        raise UsageError(f"--out: {shown(str(out))} is not empty and holds no sensitivity "
                         "analysis; give a new or empty folder")


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Screen the parameters of PARAMS for their effect on the outcomes; write the report."""
    from addsim.population import sensitivity as sa
    from addsim.population.batches.execute import open_executor
    from addsim.population.io.console import progress_bar

    out = out_dir(args.out)
    check_workers(args.workers, args.scheduler)
    if not 1 <= args.seeds <= 10_000:
        raise UsageError(f"--seeds: got {args.seeds}, expected a whole number in [1, 10000]")
    n = _size(args)
    space, outcomes = _inputs(args)
    total = sa.runs_needed(args.method, n, len(space.keys), args.seeds)
    if total > MAX_RUNS:
        raise UsageError(f"--{'trajectories' if args.method == 'morris' else 'samples'}: "
                         f"{n} means {total:,} runs, more than the {MAX_RUNS:,} allowed")
    _claim(out)
    names = [t.name for t in outcomes]
    x = sa.design(space, args.method, n)
    try:
        runs = sa.plan(space, x, args.seeds)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    t0 = time.perf_counter()
    try:
        with open_executor(args.workers, args.scheduler) as (ex, where), \
                progress_bar("sensitivity") as bar:
            task = bar.add_task("runs", total=len(runs.runs))
            ev = sa.evaluate(runs, outcomes, ex, lambda: bar.advance(task))
    except ConfigError as exc:  # a Dask scheduler that cannot be reached or lost its workers
        raise UsageError(str(exc)) from None
    wall = time.perf_counter() - t0
    y, missing = sa.fill_missing(sa.point_means(ev.y))
    table = sa.analyze(space, args.method, x, y, names)
    samples = sa.samples_frame(space, x, ev.y, names)
    nan_points = {nm: c for nm, c in zip(names, missing, strict=True) if c}
    meta: dict[str, Any] = {
        "config": args.config or "(embedded default)", "set": args.set or [],
        "params": str(args.params),
        "parameters": [p.model_dump() for p in space.params.param],
        "outcomes": [{"name": t.name, "measure": t.measure, "activity": t.activity,
                      "age_band": t.age_band, "years": list(t.year_range)} for t in outcomes],
        "outcomes_from": str(args.outcomes_from) if args.outcomes_from else None,
        "method": args.method,
        **({"trajectories": n, "num_levels": sa.NUM_LEVELS} if args.method == "morris"
           else {"samples": n, "second_order": False}),
        "design_seed": sa.SEED, "points": len(x), "seeds": list(range(args.seeds)),
        "runs": len(x) * args.seeds, "distinct_runs": len(runs.runs), "failed_runs": ev.failed,
        "workers": args.workers, "scheduler": args.scheduler, "executor": where,
        "wall_seconds": wall,
        "nan_points": nan_points,
        "nan_handling": ("a point where an outcome has no value in any of its seeds takes "
                         "the outcome's mean over the other points (the design needs every "
                         "point); an outcome with no value anywhere has NaN indices"),
        "rows": json.loads(records_json(table)),
    }
    try:
        out.mkdir(parents=True, exist_ok=True)
        atomic_write(out / "sensitivity.csv", lambda p: table.to_csv(p, index=False))
        atomic_write(out / "samples.parquet", lambda p: samples.to_parquet(p, index=False))
        atomic_write(out / "sensitivity.png", lambda p: sa.plot(table, args.method, p))
        atomic_bytes(out / "sensitivity.json",
                     (json.dumps(meta, indent=2, default=float) + "\n").encode())
    except OSError as exc:
        raise write_error("--out", out, exc) from None
    by = sa.RANK_BY[args.method]
    top = table[table["rank"] == 1].drop_duplicates("outcome")
    ranked = "; ".join(f"{r['outcome']}: {r['param']}" for _, r in top.iterrows())
    print(f"sensitivity: {args.method}, {len(x)} points x {args.seeds} seed(s) = "
          f"{len(x) * args.seeds} runs in {wall:.0f} s; largest {by}: {ranked}; wrote {out}",
          flush=True)
    for name, count in nan_points.items():
        print(f"sensitivity: warning: {shown(name)} has no value at {count} of {len(x)} point(s) "
              "(nobody to measure); they take its mean over the other points",
              file=sys.stderr)
    if ev.failed:
        print(f"sensitivity: warning: {len(ev.failed)} run(s) failed, their outcomes count as "
              f"missing; first: {ev.failed[0]}", file=sys.stderr)
    return 0


def add_parser(sub: Any) -> None:
    """Register ``addsim sensitivity``."""
    p = sub.add_parser("sensitivity")
    p.add_argument("config", nargs="?", help="TOML config (default: the embedded one)")
    p.add_argument("--params", required=True,
                   help="a parameters file (TOML): keys and ranges, as for addsim calibrate")
    p.add_argument("--outcomes", nargs="+", metavar="MEASURE[:ACTIVITY[:YEARS[:AGE_BAND]]]",
                   help="survey outcomes, e.g. past_year_disorder lifetime_use:gambling "
                        "conditional_dependence:substance:11-20 (defaults: substance, every "
                        "year of the run, age band all)")
    p.add_argument("--outcomes-from", metavar="TARGETS.toml",
                   help="use a targets file's slices as the outcomes instead")
    p.add_argument("--out", required=True, help="output folder (new, empty or an earlier "
                   "sensitivity analysis)")
    p.add_argument("--method", choices=("morris", "sobol"), default="morris",
                   help="Morris elementary effects (default) or Sobol' indices")
    p.add_argument("--trajectories", type=int,
                   help=f"Morris trajectories r (default {DEFAULT_N['morris']}): r x (params "
                        "+ 1) points")
    p.add_argument("--samples", type=int,
                   help=f"Sobol' base sample N, a power of 2 (default {DEFAULT_N['sobol']}): "
                        "N x (params + 2) points")
    p.add_argument("--seeds", type=int, default=1,
                   help="seeds per point, 0 .. K-1, the same at every point (default 1)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a config key first (repeatable)")
    p.add_argument("--workers", type=int, help="local processes (default: the cores)")
    p.add_argument("--scheduler", help="a Dask scheduler address")
    p.set_defaults(func=cmd_sensitivity)
