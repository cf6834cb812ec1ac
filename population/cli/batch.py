"""``addsim batch`` and ``addsim summarize``."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from addsim._errors import ConfigError
from addsim.population.batches.execute import open_executor, run_batch
from addsim.population.batches.plan import canonical, load_sweep
from addsim.population.batches.store import Outcome, completed, prepare
from addsim.population.cli._common import UsageError, check_workers, out_dir, write_error
from addsim.population.io.console import progress_bar

T = TypeVar("T")


def _progress_bar() -> Any:
    from rich.progress import MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    return progress_bar(
        "batch", MofNCompleteColumn(), TextColumn("{task.fields[failed]} failed"),
        TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
    )


def run_with_progress(command: str, total: int, skipped: int, workers: int | None,
                      scheduler: str | None, out: Path,
                      work: Callable[[Any, Callable[[Outcome], None]], T]) -> T:
    """Run ``work(executor, on_result)`` on local processes or a Dask cluster under a
    progress bar of ``total`` runs (``skipped`` already done); SIGTERM stops it as Ctrl-C
    does; finished runs stay in ``out`` (the same command resumes); mistakes and failed
    writes are the one-line user errors. Shared by ``batch`` and ``compare``."""

    def terminate(signum: int, frame: Any) -> None:  # SIGTERM: stop as Ctrl-C does
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        with open_executor(workers, scheduler) as (executor, where):
            print(f"{command}: running {total - skipped} on {where}")
            with _progress_bar() as bar:
                task = bar.add_task("runs", total=total, completed=skipped, failed=0)

                def on_result(o: Outcome) -> None:
                    bar.update(task, completed=o.skipped + o.done + o.failed, failed=o.failed)

                return work(executor, on_result)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    except KeyboardInterrupt:
        print(f"{command}: interrupted; finished runs are kept in {out}; run the same "
              "command again to resume", file=sys.stderr)
        raise
    except OSError as exc:  # the batch folder could not be written (full, read-only)
        raise write_error("--out", out, exc) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


def cmd_batch(args: argparse.Namespace) -> int:
    """Expand SWEEP.toml into runs and execute those not yet in DIR; exit 1 if any failed."""
    check_workers(args.workers, args.scheduler)
    out = out_dir(args.out)
    try:
        plan = load_sweep(args.sweep, dry_run=args.dry_run)
        if not args.dry_run:
            prepare(plan, out)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    seeds = len(plan.seeds)
    print(f"batch: {len(plan.runs)} runs ({plan.conditions} condition"
          f"{'s' if plan.conditions != 1 else ''} x {seeds} seed{'s' if seeds != 1 else ''})")
    if args.dry_run:
        for r in plan.runs:
            shown = " ".join(f"{k}={canonical(v)}" for k, v in r.params.items())
            print(f"{r.run_id}  seed={r.seed}  {shown}".rstrip())
        return 0
    skipped = len(completed(out) & {r.run_id for r in plan.runs})
    if skipped:
        print(f"batch: {skipped} already complete in {out}, skipped")
    t0 = time.perf_counter()
    outcome = run_with_progress("batch", len(plan.runs), skipped, args.workers, args.scheduler,
                                out, lambda ex, on: run_batch(plan, out, ex, on))
    seconds = time.perf_counter() - t0
    print(f"batch: {outcome.done} done, {outcome.failed} failed, {outcome.skipped} skipped "
          f"in {seconds:.1f} s; index in {out / 'index.parquet'}")
    if outcome.failed:
        print(f"batch: {outcome.failed} run(s) failed (see the error column of "
              f"{out / 'index.parquet'}); rerun the same command to retry them", file=sys.stderr)
        return 1
    return 0


def cmd_summarize(args: argparse.Namespace) -> int:
    """Summarize a batch folder: mean and 95% interval across seeds, curves and heatmap."""
    from addsim.population.batches.summarize import summarize

    try:
        written = summarize(Path(args.dir), statistic=args.statistic, activity=args.activity)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise write_error("summarize", args.dir, exc) from None
    print(f"summarize: wrote {', '.join(p.name for p in written)} to {args.dir}")
    return 0


def add_parser(sub: Any) -> None:
    """Register ``addsim batch`` and ``addsim summarize`` on the CLI's subparsers."""
    b = sub.add_parser("batch")
    b.add_argument("sweep", help="sweep TOML: [base], [sweep] grid/zip/seeds, [output]")
    b.add_argument("--out", required=True, help="batch folder (runs/, index.parquet)")
    b.add_argument("--workers", type=int, help="local worker processes (default: the cores)")
    b.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on a Dask cluster, e.g. tcp://host:8786")
    b.add_argument("--dry-run", action="store_true", help="list the runs and stop")
    b.set_defaults(func=cmd_batch)
    s = sub.add_parser("summarize")
    s.add_argument("dir", help="a folder written by addsim batch")
    s.add_argument("--statistic", default="fraction_addicted",
                   help="final statistic of the heatmap (default: fraction_addicted)")
    s.add_argument("--activity", help="activity of the heatmap (default: the first)")
    s.set_defaults(func=cmd_summarize)
