"""``addsim calibrate CONFIG --targets FILE --params PARAMS --out DIR``: ABC-SMC with pyabc.

Writes into DIR: ``calibration.db`` (pyabc's history, one generation at a time: rerun the
same command after a kill and it continues), ``posterior.parquet`` (every generation's
particles: weight, distance, values), ``posterior_summary.csv`` (the last generation's
weighted mean and percentiles), ``posterior.png``, ``best.toml`` (the config of the last
generation's particle nearest the targets, which ``addsim run`` accepts),
``validation.{csv,json,png}`` (that config on seeds the calibration did not use) and
``calibration.json`` (settings, generations, wall time). See population/calibrate.py.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import copy
import json
import sys
import time
from pathlib import Path
from typing import Any

from addsim._errors import ConfigError, shown
from addsim._files import atomic_bytes, atomic_write, records_json
from addsim._read import read_json
from addsim.population.cli._common import UsageError, check_workers, out_dir, write_error


def _inputs(args: argparse.Namespace) -> tuple[dict[str, Any], Any, Any, Any]:
    """The raw config (CONFIG and --set), targets, parameters and their space, checked."""
    from addsim.population.config import load_raw, validate
    from addsim.population.params import Space, load_params
    from addsim.population.targets import load_targets

    try:
        raw = load_raw(args.config, args.set)
        validate(copy.deepcopy(raw))
        targets = load_targets(args.targets)
        params = load_params(args.params)
        space = Space(params, raw)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    return raw, targets, params, space


def _claim(out: Path, sig: str) -> bool:
    """Check that ``out`` is new, empty, or this calibration's own; True when resuming."""
    meta = out / "calibration.json"
    if meta.is_file():
        try:
            old = read_json(meta, "--out").get("signature")
        except ConfigError:  # damaged: not provably this calibration's
            old = None
        if old != sig:
            raise UsageError(f"--out: {shown(str(out))} holds a calibration of another config, "
                             "targets or parameters file; give a new folder")
        return (out / "calibration.db").is_file()
    if out.is_dir() and any(out.iterdir()):
        raise UsageError(f"--out: {shown(str(out))} is not empty and holds no calibration; give a "
                         "new or empty folder")
    return False


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Calibrate CONFIG's parameters to the targets; write posterior, best config, report."""
    from addsim.population import calibrate as cal
    from addsim.population.io.console import progress_bar

    out = out_dir(args.out)
    raw, targets, params, space = _inputs(args)
    check_workers(args.workers)  # beside --scheduler: pyabc's Dask sampler takes both
    sig = cal.signature(raw, space, targets)
    resuming = _claim(out, sig)
    settings = params.calibration
    meta: dict[str, Any] = {
        "signature": sig, "config": args.config or "(embedded default)", "set": args.set or [],
        "targets": str(args.targets), "params": str(args.params),
        "calibration": settings.model_dump(), "workers": args.workers or 1,
        "scheduler": args.scheduler,
    }
    try:
        out.mkdir(parents=True, exist_ok=True)
        if not resuming:
            atomic_bytes(out / "calibration.json", cal.to_json(meta).encode())
    except OSError as exc:
        raise write_error("--out", out, exc) from None
    db = out / "calibration.db"
    start = cal._generations(db) if resuming else 0
    if resuming:
        print(f"calibrate: continuing from generation {start} of {settings.generations} "
              f"in {db}")
    client = None
    if args.scheduler:
        from addsim.population.batches.execute import _connect

        try:
            client = _connect(args.scheduler)
        except ConfigError as exc:
            raise UsageError(str(exc)) from None
    t0 = time.perf_counter()
    try:
        with progress_bar("calibrate") as bar:
            task = bar.add_task("generations", total=settings.generations, completed=start)

            def step(t: int, eps: float, acc: float) -> None:
                bar.update(task, completed=t + 1,
                           description=f"generation {t}: epsilon {eps:.3g}, acceptance "
                                       f"{acc:.2f}")

            history = cal.run_abc(space, targets, db, args.workers or 1, client, step)
    except KeyboardInterrupt:
        print(f"calibrate: interrupted; {cal._generations(db)} complete generation(s) are in "
              f"{db}; run the same command to continue", flush=True)
        raise
    finally:
        if client is not None:
            client.close(timeout=5)
    abc_s = time.perf_counter() - t0
    post = cal.posterior(db, space)
    best = cal.best(post, space)
    summary = cal.summary(post, space)
    last = cal.last_generation(post)
    ess = cal.effective_sample_size(last["weight"].to_numpy())
    best_cfg = space.config(best)
    seeds = list(range(settings.validation_first_seed,
                       settings.validation_first_seed + settings.validation_seeds))
    surveys, val_s = _validate_best(space, best, seeds, args)
    from addsim.population.cli.validate import plot_validation
    from addsim.population.config import to_toml
    from addsim.population.targets import validate

    table = validate(surveys, targets)
    meta.update({
        "generations": (gens := cal.generations_table(history)),
        "abc_seconds": sum(g["seconds"] for g in gens) if resuming else abc_s,
        "validation_seconds": val_s, "resumed_at": start if resuming else None,
        "best": best, "posterior": json.loads(records_json(summary)),
        "effective_sample_size": ess,
        "validation_seeds": seeds,
        "within": int(table["within"].sum()), "of": len(table),
    })
    report = {"targets": str(args.targets), "runs": len(surveys), "seeds": meta[
        "validation_seeds"], "within": meta["within"], "of": meta["of"],
        "rows": json.loads(records_json(table))}
    header = (f"# best-fitting config of `addsim calibrate` ({args.targets}, {args.params}):\n"
              + "".join(f"#   {k} = {v:g}\n" for k, v in best.items()))
    try:
        atomic_write(out / "posterior.parquet", lambda p: post.to_parquet(p, index=False))
        atomic_write(out / "posterior_summary.csv", lambda p: summary.to_csv(p, index=False))
        atomic_write(out / "posterior.png", lambda p: cal.plot_posterior(post, space, p))
        atomic_bytes(out / "best.toml", (header + to_toml(best_cfg)).encode())
        atomic_write(out / "validation.csv", lambda p: table.to_csv(p, index=False))
        atomic_bytes(out / "validation.json", cal.to_json(report).encode())
        atomic_write(out / "validation.png", lambda p: plot_validation(table, p))
        atomic_bytes(out / "calibration.json", cal.to_json(meta).encode())
    except OSError as exc:
        raise write_error("--out", out, exc) from None
    warning = cal.ess_warning(ess, len(last))
    if warning is not None:
        print(warning, file=sys.stderr, flush=True)
    best_shown = ", ".join(f"{k} = {v:.4g}" for k, v in best.items())
    print(f"calibrate: {history.max_t + 1} generation(s) in {abc_s:.0f} s; best {best_shown}; "
          f"{meta['within']} of {meta['of']} targets within their interval on "
          f"{len(surveys)} new seed(s); wrote {out}")
    return 0


def _validate_best(space: Any, best: dict[str, float], seeds: list[int],
                   args: argparse.Namespace) -> tuple[list[Any], float]:
    """The best config's survey tables on ``seeds`` (consecutive), through the batch
    engine."""
    import io

    import pandas as pd

    from addsim.population.batches.execute import open_executor, results
    from addsim.population.batches.plan import Run, run_hash
    from addsim.population.calibrate import validation_configs
    from addsim.population.io.console import progress_bar

    texts = validation_configs(space, best, len(seeds), seeds[0] if seeds else 0)
    runs = [Run(run_hash(text), "best", {}, s, text) for s, text in zip(seeds, texts, strict=True)]
    t0 = time.perf_counter()
    surveys = []
    local = (args.workers or 1) == 1 and not args.scheduler  # one worker: in this process
    with (contextlib.nullcontext((_InProcess(), "")) if local
          else open_executor(args.workers, args.scheduler)) as (ex, _), \
            progress_bar("validate best config") as bar:
        task = bar.add_task("runs", total=len(runs))
        for run, res, err in results(runs, ex):
            if res is None:
                raise UsageError(f"calibrate: the best config's run with seed {run.seed} "
                                 f"failed: {err}")
            surveys.append((run.seed, pd.read_parquet(io.BytesIO(res["survey"]))))
            bar.advance(task)
    return [s for _, s in sorted(surveys, key=lambda x: x[0])], time.perf_counter() - t0


class _InProcess(cf.Executor):
    """An executor that runs each call at once in this process (one worker, no pool)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> cf.Future:
        fut: cf.Future = cf.Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except Exception as exc:
            fut.set_exception(exc)
        return fut


def add_parser(sub: Any) -> None:
    """Register ``addsim calibrate``."""
    p = sub.add_parser("calibrate")
    p.add_argument("config", nargs="?", help="TOML config (default: the embedded one)")
    p.add_argument("--targets", required=True, help="a targets file (TOML)")
    p.add_argument("--params", required=True, help="a parameters file (TOML): keys, ranges")
    p.add_argument("--out", required=True, help="output folder (rerun to continue)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a config key before calibrating (repeatable)")
    p.add_argument("--workers", type=int, help="local processes (default 1: reproducible)")
    p.add_argument("--scheduler", help="a Dask scheduler address (pyabc's Dask sampler)")
    p.set_defaults(func=cmd_calibrate)
