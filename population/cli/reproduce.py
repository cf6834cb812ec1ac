"""``addsim reproduce NAME``: one of the report's results into NAME.csv, NAME.png, NAME.json."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from addsim._errors import did_you_mean, shown
from addsim._files import atomic_write
from addsim.population.cli._common import UsageError, out_dir, write_error
from addsim.population.io.console import progress_bar


def cmd_reproduce(args: argparse.Namespace) -> int:
    """Run one of the report's protocols; write NAME.csv, NAME.png and NAME.json."""
    from addsim.population.reproduce import REGISTRY

    if args.list:
        width = max(map(len, REGISTRY))
        for name, entry in REGISTRY.items():
            print(f"{name:<{width}}  {entry.doc}")
        return 0
    if args.name is None:
        raise UsageError("reproduce: NAME is required (addsim reproduce --list names them)")
    if args.name not in REGISTRY:
        raise UsageError(  # the names are too many for one line: --list gives them
            f"reproduce: NAME {shown(args.name)} is unknown (addsim reproduce --list names "
            f"the {len(REGISTRY)} protocols)" + did_you_mean(args.name, REGISTRY)
        )
    if args.out is None:
        raise UsageError("reproduce: --out DIR is required")
    if not 1 <= args.individuals <= 10_000_000:
        raise UsageError(
            f"--individuals: got {args.individuals}, expected a whole number in [1, 10000000]"
        )
    if not 0 <= args.seed < 2**63:
        raise UsageError(f"--seed: got {args.seed}, expected a whole number in [0, 2**63)")
    kwargs: dict[str, object] = {}
    if args.name == "heatmap":
        k = 5.0 / args.step if 0.0 < args.step <= 5.0 else 0.0
        if not (k and abs(k - round(k)) <= 1e-6 and round(k) <= 1000):
            raise UsageError(f"--step: got {args.step}, expected a value in (0, 5] that divides "
                             "5 into at most 1000 steps (e.g. 0.1, 0.25, 0.5)")
        kwargs["step"] = args.step
    elif args.step != 0.1:
        raise UsageError("--step: only the heatmap takes a grid step")
    out = out_dir(args.out)

    from rich.progress import TextColumn, TimeRemainingColumn

    from addsim.population.reproduce.heatmap import heatmap_grid

    entry = REGISTRY[args.name]
    units = entry.units
    if args.name == "heatmap":
        rewards, surges = heatmap_grid(args.step)
        units = rewards.size * surges.size * args.individuals
    t0 = time.perf_counter()
    with progress_bar(
        args.name, TextColumn("{task.percentage:>3.0f}%"), TimeRemainingColumn()
    ) as bar:
        task = bar.add_task(args.name, total=units)
        result = entry.run(
            n=args.individuals, seed=args.seed,
            progress=lambda k: bar.advance(task, k), **kwargs,
        )
    seconds = time.perf_counter() - t0
    csv, png, js = (out / f"{args.name}.{ext}" for ext in ("csv", "png", "json"))
    meta = {"name": args.name, "individuals": args.individuals, "seed": args.seed,
            "seconds": round(seconds, 3), "summary": result.summary, **kwargs}
    try:
        out.mkdir(parents=True, exist_ok=True)
        atomic_write(csv, lambda p: result.frame.to_csv(p, index=False))
        atomic_write(png, lambda p: entry.plot(result.frame, p))
        atomic_write(js, lambda p: p.write_text(json.dumps(meta, indent=2, default=str)))
    except OSError as exc:  # full or read-only disk after the work: one line, no traceback
        raise write_error("--out", out, exc) from None
    print(f"{args.name}: wrote {csv}, {png} and {js} in {seconds:.1f} s")
    return 0


def add_parser(sub: Any) -> None:
    """Register ``addsim reproduce``."""
    rep = sub.add_parser("reproduce")
    rep.add_argument("name", nargs="?", help="the protocol (see --list)")
    rep.add_argument("--list", action="store_true", help="name the protocols and stop")
    rep.add_argument("--out", help="output folder for NAME.csv, NAME.png, NAME.json")
    rep.add_argument("--individuals", type=int, default=100, help="individuals per condition")
    rep.add_argument("--seed", type=int, default=0, help="random seed (same seed, same result)")
    rep.add_argument("--step", type=float, default=0.1, help="heatmap grid step (default 0.1)")
    rep.set_defaults(func=cmd_reproduce)
