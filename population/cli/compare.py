"""``addsim compare BASE.toml SCENARIO.toml [...] --seeds K --out DIR``: scenarios against a
baseline on the same seeds, through the batch engine (population/batches/compare.py)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from addsim._errors import ConfigError, shown
from addsim.population.cli._common import UsageError, check_workers, out_dir


def load_arms(paths: list[str], sets: list[str], ticks: str | None) -> list[Any]:
    """The baseline and scenarios (name: the file's stem) with ``--set``/``--ticks`` applied
    to every one; a mistake is one line naming the file."""
    from addsim.population.batches.compare import scenarios_from
    from addsim.population.config import load

    extra = list(sets) + ([f"run.ticks={ticks}"] if ticks is not None else [])
    seen: dict[str, int] = {}
    items = []
    for k, path in enumerate(paths):
        what = "BASE" if k == 0 else "SCENARIO"
        key = str(Path(path).resolve()) if Path(path).exists() else path
        if key in seen:
            raise UsageError(f"{what}: {shown(path)} is listed twice; give each scenario once")
        seen[key] = k
        try:
            cfg = load(path, extra)
        except ConfigError as exc:
            text = str(exc)
            raise UsageError(text if shown(path) in text else f"{what} {shown(path)}: {text}"
                             ) from None
        items.append((Path(path).stem, cfg))
    return scenarios_from(items)


def _seeds(text: str) -> Any:
    """``--seeds``: a count or a comma-separated list of seeds."""
    try:
        if "," in text:
            return [int(x) for x in text.split(",") if x.strip()]
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"got {shown(text)}, expected a count such as 10 or a list such as 0,1,2") from None


def cmd_compare(args: argparse.Namespace) -> int:
    """Run the baseline and the scenarios on the same seeds; write the differences."""
    from addsim.population.batches.compare import check_seeds, make_plan, run_compare
    from addsim.population.batches.store import completed
    from addsim.population.cli.batch import run_with_progress

    check_workers(args.workers, args.scheduler)
    try:
        seeds = check_seeds(args.seeds)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    out = out_dir(args.out)
    arms = load_arms([args.base, *args.scenarios], args.set or [], args.ticks)
    try:
        cp = make_plan(arms, seeds)
        from addsim.population.batches.store import prepare

        prepare(cp.plan, out)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    runs = len(cp.plan.runs)
    skipped = len(completed(out) & {r.run_id for r in cp.plan.runs})
    print(f"compare: {len(arms) - 1} scenario(s) against {cp.baseline} on {len(seeds)} seeds "
          f"({runs} runs{f', {skipped} already done' if skipped else ''})")

    t0 = time.perf_counter()
    outcome, result = run_with_progress(
        "compare", runs, skipped, args.workers, args.scheduler, out,
        lambda ex, on: run_compare(cp, out, ex, on))
    if result is None:
        print(f"compare: {outcome.failed} run(s) failed (see the error column of "
              f"{out / 'index.parquet'}); rerun the same command to retry them",
              file=sys.stderr)
        return 1
    for line in result.summary():
        print(f"compare: {line}")
    print(f"compare: {outcome.done} runs done, {outcome.skipped} skipped in "
          f"{time.perf_counter() - t0:.1f} s; wrote difference, totals and yearly "
          f"(.csv, .parquet, .json), compare.png to {out}")
    return 0


def add_parser(sub: Any) -> None:
    """Register ``addsim compare``."""
    p = sub.add_parser("compare")
    p.add_argument("base", metavar="BASE.toml", help="the baseline's run config")
    p.add_argument("scenarios", nargs="*", metavar="SCENARIO.toml",
                   help="one or more scenario configs (each against the baseline)")
    p.add_argument("--seeds", type=_seeds, default=10,
                   help="seeds every arm runs on: a count (0..K-1, default 10) or a list "
                        "such as 0,1,2")
    p.add_argument("--out", required=True, help="comparison folder (a resumable batch)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a config key in every arm (repeatable)")
    p.add_argument("--ticks", help="override run.ticks in every arm (ticks or a duration "
                   "such as '5 years')")
    p.add_argument("--workers", type=int, help="local worker processes (default: the cores)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on a Dask cluster, e.g. tcp://host:8786")
    p.set_defaults(func=cmd_compare)
