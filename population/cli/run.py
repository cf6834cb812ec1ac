"""``addsim run``: one population into a run folder."""

from __future__ import annotations

import argparse
import contextlib
import time
from typing import Any

from addsim._errors import shown
from addsim.population.cli._common import UsageError, load_config, out_dir, write_error
from addsim.population.io.console import progress_bar, time_left_column

# Said once when a kernel starts compiling; later runs load the compiled kernels from the cache.
COMPILING = "compiling kernels, first run only (later runs load them from the cache)"


def cfg_source(args: argparse.Namespace) -> str:
    """Which input an error while reading it refers to (the config, a graph or a CSV)."""
    return f"config {shown(args.config)}" if args.config else "config"


def cmd_run(args: argparse.Namespace) -> int:
    """Run a population (the embedded default without CONFIG) and write its outputs, holding
    an OS lock on --out from the check of the folder to the last file written."""
    from addsim._files import hold_folder
    from addsim.population.config import ConfigError

    out = out_dir(args.out)
    cfg = load_config(args)
    from addsim.population.io.export import check_out, write_run
    from addsim.population.model import PopulationModel

    with contextlib.ExitStack() as held:
        try:
            held.enter_context(hold_folder(out))
            check_out(out, cfg, args.force)
            model = PopulationModel(cfg)
        except (ConfigError, ValueError) as exc:  # bad graph file, risk CSV, network, lock
            raise UsageError(str(exc)) from None
        except OSError as exc:
            raise UsageError(f"{cfg_source(args)}: {exc.strerror or exc}") from None
        from rich.progress import MofNCompleteColumn

        from addsim import _jit

        t0 = time.perf_counter()
        columns = MofNCompleteColumn(), time_left_column(_jit.compile_seconds)
        # The bar is shown from the third tick on: a cold first run forks a compile helper
        # during the first two (addsim._jit.compile_ahead), which a process with other
        # threads does not do, and a shown bar has a refresh thread. (Stopping a shown bar
        # does not wait for that thread to end: forking after a stop was left to chance.)
        bar = progress_bar(f"run {model.n} people", *columns)
        # the burn-in's ticks first (run.burn_in: the years before the recorded ones)
        task = bar.add_task("ticks", total=model.burn_in_ticks + cfg.run.ticks)

        def advance(k: int) -> None:
            if not bar.live.is_started:
                bar.start()
            bar.advance(task, k)

        try:
            with _jit.compiling(lambda: bar.console.print(COMPILING)):
                model.burn_in(progress=advance)
                model.run(cfg.run.ticks, progress=advance)
        finally:
            bar.stop()
        seconds = time.perf_counter() - t0
        try:
            written = write_run(model, cfg, out, seconds)
        except OSError as exc:  # full or read-only disk, a folder removed under us
            raise write_error("--out", out, exc) from None
    burn = f" after a burn-in of {model.burn_in_ticks}" if model.burn_in_ticks else ""
    print(f"run: {model.n} people x {cfg.run.ticks} ticks{burn} in {seconds:.1f} s; wrote "
          f"{', '.join(p.name for p in written)} to {out}")
    return 0


def add_parser(sub: Any) -> None:
    """Register ``addsim run``."""
    run = sub.add_parser("run")
    run.add_argument("config", nargs="?", help="TOML config (default: the embedded one)")
    run.add_argument("--out", required=True, help="output folder")
    run.add_argument("--ticks", metavar="TICKS",
                     help="override run.ticks: ticks or a duration, e.g. 500 or '2 years'")
    run.add_argument("--seed", type=int, help="override run.seed")
    run.add_argument("--set", action="append", metavar="KEY=VALUE",
                     help="override any config key, e.g. population.size=5000 (repeatable)")
    run.add_argument("--history", action="store_true", help="keep per-person status history")
    run.add_argument("--force", action="store_true",
                     help="replace a non-empty --out that is not a run of this config")
    run.set_defaults(func=cmd_run)
