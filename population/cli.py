"""The ``addsim`` command line.

A user's mistake (unknown name, out-of-range number, unwritable output) ends in one line on
stderr naming the field, the value and what is allowed, exit status 2, and nothing written.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from population.config import UsageError
from population.output import atomic_write, progress_bar

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own errors: one line, exit 2
        self.exit(EXIT_USAGE, f"addsim: error: {message}\n")


def _out_dir(value: str) -> Path:
    out = Path(value)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: {value!r} exists and is not a folder")
    return out


def cmd_reproduce(args: argparse.Namespace) -> int:
    """Run one of the report's protocols; write NAME.csv, NAME.png and NAME.json."""
    from population.protocols import PROTOCOLS

    if args.list:
        width = max(map(len, PROTOCOLS))
        for name, (_, doc, _) in PROTOCOLS.items():
            print(f"{name:<{width}}  {doc}")
        return 0
    if args.name is None:
        raise UsageError("reproduce: NAME is required (addsim reproduce --list names them)")
    if args.name not in PROTOCOLS:
        hint = difflib.get_close_matches(args.name, list(PROTOCOLS), n=1)
        raise UsageError(
            f"reproduce: NAME {args.name!r} is unknown; allowed: {', '.join(PROTOCOLS)}"
            + (f"; did you mean {hint[0]!r}?" if hint else "")
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
        if not 0.0 < args.step <= 5.0:
            raise UsageError(f"--step: got {args.step}, expected a value in (0, 5]")
        kwargs["step"] = args.step
    elif args.step != 0.1:
        raise UsageError("--step: only the heatmap takes a grid step")
    out = _out_dir(args.out)

    from rich.progress import TextColumn, TimeRemainingColumn

    from population.plots import plot
    from population.protocols import heatmap_grid

    func, _, units = PROTOCOLS[args.name]
    if args.name == "heatmap":
        rewards, surges = heatmap_grid(args.step)
        units = rewards.size * surges.size * args.individuals
    t0 = time.perf_counter()
    with progress_bar(
        args.name, TextColumn("{task.percentage:>3.0f}%"), TimeRemainingColumn()
    ) as bar:
        task = bar.add_task(args.name, total=units)
        result = func(
            n=args.individuals, seed=args.seed,
            progress=lambda k: bar.advance(task, k), **kwargs,
        )
    seconds = time.perf_counter() - t0
    out.mkdir(parents=True, exist_ok=True)
    csv, png, js = (out / f"{args.name}.{ext}" for ext in ("csv", "png", "json"))
    atomic_write(csv, lambda p: result.frame.to_csv(p, index=False))
    atomic_write(png, lambda p: plot(args.name, result.frame, p))
    meta = {"name": args.name, "individuals": args.individuals, "seed": args.seed,
            "seconds": round(seconds, 3), "summary": result.summary, **kwargs}
    atomic_write(js, lambda p: p.write_text(json.dumps(meta, indent=2, default=str)))
    print(f"{args.name}: wrote {csv}, {png} and {js} in {seconds:.1f} s")
    return 0


def _load_config(args: argparse.Namespace) -> Any:
    from population.config import ConfigError, load

    sets = list(args.set or [])
    if getattr(args, "ticks", None) is not None:
        sets.append(f"run.ticks={args.ticks}")
    if getattr(args, "seed", None) is not None:
        sets.append(f"run.seed={args.seed}")
    try:
        return load(args.config, sets)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def cmd_run(args: argparse.Namespace) -> int:
    """Run a population (the embedded default without CONFIG) and write its outputs."""
    from population.config import ConfigError

    cfg = _load_config(args)
    if args.history:
        cfg = cfg.model_copy(update={"run": cfg.run.model_copy(update={"history": True})})
    out = _out_dir(args.out)
    from population.export import write_run
    from population.model import PopulationModel

    try:
        model = PopulationModel(cfg)
    except (ConfigError, ValueError) as exc:  # bad graph file, risk CSV, network parameters
        raise UsageError(str(exc)) from None
    t0 = time.perf_counter()
    with progress_bar(f"run {model.n} people") as bar:
        task = bar.add_task("ticks", total=cfg.run.ticks)
        model.run(cfg.run.ticks, progress=lambda k: bar.advance(task, k))
    seconds = time.perf_counter() - t0
    written = write_run(model, cfg, out, seconds)
    print(f"run: {model.n} people x {cfg.run.ticks} ticks in {seconds:.1f} s; wrote "
          f"{', '.join(p.name for p in written)} to {out}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Convert a run's table to CSV, Parquet or JSON."""
    from population.export import export

    run_dir = Path(args.dir)
    src = run_dir / f"{args.what}.parquet"
    if not src.is_file():
        raise UsageError(f"export: {str(src)!r} not found (is {args.dir!r} a run folder?)")
    if args.format == "parquet" and args.to is None:
        raise UsageError("--to: parquet is binary; give --to FILE")
    to = Path(args.to) if args.to else None
    if to is not None and to.is_dir():
        raise UsageError(f"--to: {args.to!r} is a folder, expected a file name")
    if to is not None:
        atomic_write(to, lambda p: export(run_dir, args.what, args.format, p))
    else:
        sys.stdout.write(export(run_dir, args.what, args.format, None) or "")
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    """Show the documented default config, or check a config file."""
    from population.config import ConfigError, documented_default, load

    if args.check:
        try:
            cfg = load(args.check)
        except ConfigError as exc:
            raise UsageError(str(exc)) from None
        print(f"ok: {args.check} ({cfg.population.size} people, network {cfg.network.kind}, "
              f"{cfg.run.ticks} ticks, activities {', '.join(cfg.enabled_activities)})")
        return 0
    print(documented_default())
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``addsim`` with its subcommands."""
    parser = _Parser(prog="addsim", description="Simulate addiction in populations of "
                     "dual-process reinforcement learners.")
    parser.add_argument("--version", action="version", version=f"addsim {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    rep = sub.add_parser("reproduce", help="reproduce a result of the report (SCIENCE.md 4)")
    rep.add_argument("name", nargs="?", help="the protocol (see --list)")
    rep.add_argument("--list", action="store_true", help="name the protocols and stop")
    rep.add_argument("--out", help="output folder for NAME.csv, NAME.png, NAME.json")
    rep.add_argument("--individuals", type=int, default=100, help="individuals per condition")
    rep.add_argument("--seed", type=int, default=0, help="random seed (same seed, same result)")
    rep.add_argument("--step", type=float, default=0.1, help="heatmap grid step (default 0.1)")
    rep.set_defaults(func=cmd_reproduce)

    run = sub.add_parser("run", help="run a population and write its prevalence tables")
    run.add_argument("config", nargs="?", help="TOML config (default: the embedded one)")
    run.add_argument("--out", required=True, help="output folder")
    run.add_argument("--ticks", type=int, help="override run.ticks")
    run.add_argument("--seed", type=int, help="override run.seed")
    run.add_argument("--set", action="append", metavar="KEY=VALUE",
                     help="override any config key, e.g. population.size=5000 (repeatable)")
    run.add_argument("--history", action="store_true", help="keep per-person status history")
    run.set_defaults(func=cmd_run)

    exp = sub.add_parser("export", help="convert a run's table")
    exp.add_argument("dir", help="a folder written by addsim run")
    exp.add_argument("--format", choices=("csv", "parquet", "json"), default="csv")
    exp.add_argument("--what", choices=("prevalence", "events", "individuals"),
                     default="prevalence")
    exp.add_argument("--to", help="output file (default: standard output)")
    exp.set_defaults(func=cmd_export)

    cfg = sub.add_parser("config", help="show the default config or check a file")
    group = cfg.add_mutually_exclusive_group(required=True)
    group.add_argument("--show", action="store_true", help="print the documented default")
    group.add_argument("--check", metavar="FILE", help="validate FILE")
    cfg.set_defaults(func=cmd_config)

    from population.batch import add_batch_parsers

    add_batch_parsers(sub)

    from population.view_source import add_view_parser

    add_view_parser(sub)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("addsim")
    except PackageNotFoundError:
        return "0+unknown"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script: parse, run, map user mistakes to exit status 2."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except UsageError as exc:
        print(f"addsim: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("addsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and closed: not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
