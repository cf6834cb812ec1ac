"""``addsim run``: one population into a run folder."""

from __future__ import annotations

import argparse
import time
from typing import Any

from addsim.population.cli._common import UsageError, load_config, out_dir
from addsim.population.io.console import progress_bar


def cmd_run(args: argparse.Namespace) -> int:
    """Run a population (the embedded default without CONFIG) and write its outputs."""
    from addsim.population.config import ConfigError

    cfg = load_config(args)
    out = out_dir(args.out)
    from addsim.population.io.export import write_run
    from addsim.population.model import PopulationModel

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


def add_parser(sub: Any) -> None:
    """Register ``addsim run``."""
    run = sub.add_parser("run", help="run a population and write its prevalence tables")
    run.add_argument("config", nargs="?", help="TOML config (default: the embedded one)")
    run.add_argument("--out", required=True, help="output folder")
    run.add_argument("--ticks", type=int, help="override run.ticks")
    run.add_argument("--seed", type=int, help="override run.seed")
    run.add_argument("--set", action="append", metavar="KEY=VALUE",
                     help="override any config key, e.g. population.size=5000 (repeatable)")
    run.add_argument("--history", action="store_true", help="keep per-person status history")
    run.set_defaults(func=cmd_run)
