"""Headless population batches: a sweep file becomes runs executed on processes or Dask.

A sweep TOML has a ``[base]`` table (a full run config, or ``config = "path.toml"`` plus
overrides), a ``[sweep]`` table (``grid``: cartesian product over dotted keys, ``zip``: paired
lists, ``seeds``: a count or a list) and an optional ``[output]`` table (``individuals``: also
keep each run's per-person table). A run is a resolved config plus its seed; its id is a hash of
the canonical JSON of both, so a rerun of the same command skips what is on disk.

Execution is one code path through a ``concurrent.futures`` executor: a ``ProcessPoolExecutor``
(spawned workers) by default, or ``distributed.Client(address).get_executor()`` when a scheduler
address is given. Workers return Parquet bytes, only this process writes: DIR/runs/<id>.parquet
(prevalence per tick; DIR/runs/<id>.individuals.parquet first when kept), each to a temporary
name and then ``os.replace``; DIR/index.parquet is rewritten the same way as runs finish. A run
file present means the run is complete, whatever the index says, so a kill (SIGINT or SIGKILL)
loses at most the runs in flight. Failed runs are recorded with their error and retried on
resume.

Grids inside a run. The report's heatmap (51 x 51 cells x 100 people, 2,000 ticks) is not
2,601 runs of 100 people: the per-run cost (process hop, model construction, Python overhead
per tick) would dominate. One axis becomes a deterministic risk factor ``{dist = "levels"}``
(individual i gets level (i // each) mod k) inside each run, so a run is one natural-reward
value with all 51 surge levels as 5,100 individuals in one batched array step; the sweep has
51 runs, enough to keep every core busy, and each run's individuals table carries the level,
the final P(addictive) and status that ``addsim summarize`` groups by.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import copy
import hashlib
import io
import itertools
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from population.config import ConfigError, UsageError, read_toml, validate
from population.output import atomic_bytes, progress_bar

SWEEP_TABLES = ("base", "sweep", "output")
SWEEP_KEYS = ("grid", "zip", "seeds")
OUTPUT_KEYS = ("individuals",)
MAX_RUNS = 1_000_000
INDEX_EVERY_S = 0.5  # rewrite the index at most this often (and always at the end)


# --------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Run:
    """One run: its id, its condition (the swept values) and seed, and the resolved config."""

    run_id: str
    condition: str
    params: dict[str, Any]
    seed: int
    config: str  # canonical JSON of the resolved config (seed included)


@dataclass
class Plan:
    """Every run of a sweep, the swept keys in file order, and what each run keeps."""

    runs: list[Run]
    keys: list[str]
    levels: list[str] = field(default_factory=list)  # risk factors drawn as levels
    individuals: bool = False
    seeds: list[int] = field(default_factory=list)

    @property
    def conditions(self) -> int:
        """Number of distinct conditions (runs per seed)."""
        return len({r.condition for r in self.runs})


def _unknown(where: str, key: str, allowed: tuple[str, ...]) -> ConfigError:
    import difflib

    hint = difflib.get_close_matches(key, allowed, n=1)
    return ConfigError(
        f"{where}{key}: unknown key; allowed: {', '.join(allowed)}"
        + (f"; did you mean {hint[0]!r}?" if hint else "")
    )


def _values(where: str, spec: Any) -> list[Any]:
    """A sweep axis: a non-empty list, or a range table ``{low, high, step}``."""
    if isinstance(spec, dict):
        extra = sorted(set(spec) - {"low", "high", "step"})
        if extra or not {"low", "high", "step"} <= set(spec):
            raise ConfigError(
                f"{where}: got {spec!r}, expected a list or a table {{ low, high, step }}"
            )
        try:
            from population.config import Levels

            return Levels(dist="levels", **spec).levels()
        except ValueError as exc:
            msg = str(exc).splitlines()[-1] if "\n" in str(exc) else str(exc)
            raise ConfigError(f"{where}: {msg.removeprefix('Value error, ')}") from None
    if not isinstance(spec, list) or not spec:
        raise ConfigError(f"{where}: got {spec!r}, expected a non-empty list of values")
    return spec


def _seeds(spec: Any) -> list[int]:
    if isinstance(spec, bool) or not isinstance(spec, (int, list)):
        raise ConfigError(f"sweep.seeds: got {spec!r}, expected a count or a list of seeds")
    seeds = list(range(spec)) if isinstance(spec, int) else spec
    if isinstance(spec, int) and not 1 <= spec <= MAX_RUNS:
        raise ConfigError(f"sweep.seeds: got {spec}, expected a count in [1, {MAX_RUNS}]")
    if not seeds or any(isinstance(s, bool) or not isinstance(s, int) or not 0 <= s < 2**63
                        for s in seeds):
        raise ConfigError(f"sweep.seeds: got {spec!r}, expected whole numbers in [0, 2**63)")
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"sweep.seeds: got {spec!r}, expected distinct seeds")
    return seeds


def _set(data: dict[str, Any], key: str, value: Any) -> None:
    node = data
    parts = key.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"sweep: {key} goes through a value that is not a table")
    node[parts[-1]] = copy.deepcopy(value)


def _merge(into: dict[str, Any], other: dict[str, Any]) -> None:
    for k, v in other.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _merge(into[k], v)
        else:
            into[k] = copy.deepcopy(v)


def canonical(data: Any) -> str:
    """Canonical JSON (sorted keys, no spaces): the text a run id is hashed from."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def _hash(text: str, n: int = 16) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:n]


def plan_from_dict(data: dict[str, Any], base_dir: Path | None = None) -> Plan:
    """Expand and validate a parsed sweep into runs; raise a one-line ConfigError naming the key."""
    from population import risk

    for key in data:
        if key not in SWEEP_TABLES:
            raise _unknown("", key, SWEEP_TABLES)
    base = data.get("base", {})
    sweep = data.get("sweep", {})
    output = data.get("output", {})
    for name, table in (("base", base), ("sweep", sweep), ("output", output)):
        if not isinstance(table, dict):
            raise ConfigError(f"{name}: got {table!r}, expected a table")
    for key in sweep:
        if key not in SWEEP_KEYS:
            raise _unknown("sweep.", key, SWEEP_KEYS)
    for key in output:
        if key not in OUTPUT_KEYS:
            raise _unknown("output.", key, OUTPUT_KEYS)
    individuals = output.get("individuals", False)
    if not isinstance(individuals, bool):
        raise ConfigError(f"output.individuals: got {individuals!r}, expected true or false")

    raw = copy.deepcopy(base)
    if "config" in raw:
        ref = raw.pop("config")
        if not isinstance(ref, str):
            raise ConfigError(f"base.config: got {ref!r}, expected a path to a run config")
        p = Path(ref) if base_dir is None or Path(ref).is_absolute() else base_dir / ref
        loaded = read_toml(p, "base.config")
        _merge(loaded, raw)
        raw = loaded
    try:
        base_cfg = validate(raw)
    except ConfigError as exc:
        raise ConfigError(f"base: {exc}") from None

    grid, zipped = sweep.get("grid", {}), sweep.get("zip", {})
    for name, table in (("grid", grid), ("zip", zipped)):
        if not isinstance(table, dict):
            raise ConfigError(f"sweep.{name}: got {table!r}, expected a table of key = values")
    axes = {k: _values(f"sweep.grid.{k}", v) for k, v in grid.items()}
    zips = {k: _values(f"sweep.zip.{k}", v) for k, v in zipped.items()}
    for k in (*axes, *zips):
        if k == "run.seed" or k.startswith("run.seed."):
            raise ConfigError(f"sweep: {k}: the seed is swept with sweep.seeds")
    both = set(axes) & set(zips)
    if both:
        raise ConfigError(f"sweep.zip.{sorted(both)[0]}: also in sweep.grid; use one of them")
    lengths = {len(v) for v in zips.values()}
    if len(lengths) > 1:
        k = next(k for k, v in zips.items() if len(v) != len(next(iter(zips.values()))))
        raise ConfigError(
            f"sweep.zip.{k}: got {len(zips[k])} values, expected {len(next(iter(zips.values())))}"
            " like the first zip list (zip pairs lists of equal length)"
        )
    seeds = _seeds(sweep.get("seeds", [base_cfg.run.seed]))
    n_cond = len(next(iter(zips.values()))) if zips else 1
    for v in axes.values():
        n_cond *= len(v)
    if n_cond * len(seeds) > MAX_RUNS:
        raise ConfigError(f"sweep: {n_cond * len(seeds)} runs, expected at most {MAX_RUNS}")

    keys = [*axes, *zips]
    zip_rows = list(zip(*zips.values(), strict=True)) if zips else [()]
    runs: list[Run] = []
    levels: set[str] = set()
    for combo in itertools.product(*axes.values()):
        for pair in zip_rows:
            params = dict(zip(keys, (*combo, *pair), strict=True))
            data_c = copy.deepcopy(raw)
            for k, v in params.items():
                _set(data_c, k, v)
            try:
                cfg = validate(data_c)
                risk.check_levels(cfg.risk, cfg.population.size)
            except ConfigError as exc:
                shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
                raise ConfigError(f"sweep ({shown}): {exc}") from None
            levels.update(risk.level_factors(cfg.risk))
            condition = _hash(canonical(params), 12)
            for seed in seeds:
                cfg_s = cfg.model_copy(update={"run": cfg.run.model_copy(update={"seed": seed})})
                text = canonical(cfg_s.model_dump())
                runs.append(Run(_hash(text), condition, params, seed, text))
    return Plan(runs, keys, sorted(levels), individuals, seeds)


def load_sweep(path: str | Path) -> Plan:
    """Read and expand a sweep TOML file; raise a one-line ConfigError on any mistake."""
    return plan_from_dict(read_toml(path, "sweep"), Path(path).parent)


HEATMAP_RUN_SIZE = 32_000  # individuals per heatmap run: amortizes per-tick overhead


def heatmap_sweep(step: float = 0.1, n: int = 100, ticks: int = 2000, seed: int = 0,
                  learner: str = "dual_process") -> dict[str, Any]:
    """The report's heatmap (SCIENCE.md 4 item 8) as a sweep: examples/heatmap.toml at 0.1.

    Both axes are ``levels`` risk factors; the natural-reward levels are split into parts of
    at most about HEATMAP_RUN_SIZE individuals, one run per part (9 runs at step 0.1). A cohort:
    no network, substance only, the drug always available, no interventions.
    """
    import numpy as np

    k = round(5.0 / step) + 1
    parts = min(k, max(1, -(-k * k * n // HEATMAP_RUN_SIZE)))
    sizes = [len(c) * k * n for c in np.array_split(np.arange(k), parts)]
    return {
        "base": {
            "population": {"size": sizes[0]},
            "network": {"kind": "empty"},
            "activities": {"substance": {"enabled": True, "learner": learner},
                           "gambling": {"enabled": False}},
            "interventions": [],
            "run": {"ticks": ticks},
            "risk": {
                "natural_reward": {"dist": "levels", "low": 7.5, "high": 12.5, "step": step,
                                   "each": k * n, "parts": parts},
                "surge": {"dist": "levels", "low": 12.5, "high": 17.5, "step": step, "each": n},
                "access": {"dist": "fixed", "value": 1.0},
                "learning_rate": {"dist": "fixed", "value": 0.2},
                "inverse_temperature": {"dist": "fixed", "value": 0.3},
            },
            "exposure": {"p_peer": 0.0},
        },
        "sweep": {
            "zip": {"risk.natural_reward.part": list(range(parts)), "population.size": sizes},
            "seeds": [seed],
        },
        "output": {"individuals": True},
    }


# --------------------------------------------------------------------- one run (in a worker)


def _parquet(frame: Any, meta: dict[str, Any]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), b"addsim": json.dumps(meta).encode()}
    )
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def _one_thread() -> None:
    """One compute thread per run: batches parallelize across runs, and numba's parallel
    kernels oversubscribe the cores when several runs share them (16x slower measured)."""
    try:
        import numba
    except ImportError:
        return
    numba.set_num_threads(1)


def execute_run(config: str, individuals: bool = False) -> dict[str, Any]:
    """Run one resolved config (canonical JSON) and return its tables as Parquet bytes.

    Top-level and free of open files so process pools and Dask workers can call it; the seed
    is in the config, so the result does not depend on which worker runs it.
    """
    from population.config import Config
    from population.export import individuals_frame, prevalence_frame
    from population.model import PopulationModel

    _one_thread()
    cfg = Config.model_validate(json.loads(config))
    run_id = _hash(config)
    t0 = time.perf_counter()
    model = PopulationModel(cfg)
    model.run(cfg.run.ticks)
    seconds = time.perf_counter() - t0
    meta = {"run_id": run_id, "seed": cfg.run.seed, "duration": seconds, "n": model.n}
    prev = prevalence_frame(model)
    prev.insert(0, "run_id", run_id)
    out: dict[str, Any] = {"duration": seconds, "prevalence": _parquet(prev, meta)}
    if individuals:
        ind = individuals_frame(model)
        ind.insert(0, "run_id", run_id)
        out["individuals"] = _parquet(ind, meta)
    return out


# --------------------------------------------------------------------- executors


@contextlib.contextmanager
def open_executor(workers: int | None = None, scheduler: str | None = None
                  ) -> Iterator[tuple[cf.Executor, str]]:
    """A process pool of ``workers`` (default: the cores), or a Dask cluster's executor."""
    if scheduler is not None:
        try:
            from distributed import Client
        except ImportError:
            raise ConfigError(
                "--scheduler: needs Dask (pip install 'dask[distributed]')"
            ) from None
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise ConfigError(f"--scheduler: cannot connect to {scheduler!r}: {exc}") from None
        try:
            n = len(client.scheduler_info().get("workers", {}))
            with client.get_executor() as ex:
                yield ex, f"Dask at {scheduler} ({n} workers)"
        finally:
            client.close()
        return
    import multiprocessing as mp

    n = workers or os.cpu_count() or 1
    with cf.ProcessPoolExecutor(n, mp_context=mp.get_context("spawn")) as ex:
        yield ex, f"{n} local worker process{'es' if n > 1 else ''}"


def results(runs: list[Run], executor: cf.Executor, individuals: bool = False
            ) -> Iterator[tuple[Run, dict[str, Any] | None, str | None]]:
    """Submit every run and yield (run, result, error) as each finishes, in completion order."""
    futures = {executor.submit(execute_run, r.config, individuals): r for r in runs}
    try:
        for fut in cf.as_completed(futures):
            run = futures[fut]
            try:
                yield run, fut.result(), None
            except Exception as exc:  # the run's own failure: recorded, the batch goes on
                yield run, None, f"{type(exc).__name__}: {exc}".splitlines()[0][:1000]
    finally:
        for fut in futures:
            fut.cancel()


# --------------------------------------------------------------------- the folder


def run_path(out: Path, run_id: str, table: str = "prevalence") -> Path:
    """Where a run's table lives: runs/<id>.parquet, or runs/<id>.<table>.parquet."""
    suffix = ".parquet" if table == "prevalence" else f".{table}.parquet"
    return out / "runs" / f"{run_id}{suffix}"


def completed(out: Path) -> set[str]:
    """Run ids whose prevalence file is on disk (the source of truth for resuming)."""
    runs = out / "runs"
    if not runs.is_dir():
        return set()
    return {p.name.split(".", 1)[0] for p in runs.glob("*.parquet")
            if not p.name.startswith(".") and p.name.count(".") == 1}


def _param_columns(plan: Plan) -> dict[str, list[Any]]:
    cols: dict[str, list[Any]] = {}
    for key in plan.keys:
        vals = [r.params[key] for r in plan.runs]
        if all(isinstance(v, bool) for v in vals) or all(isinstance(v, str) for v in vals):
            cols[key] = vals
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
            cols[key] = vals
        elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
            cols[key] = [float(v) for v in vals]
        else:
            cols[key] = [canonical(v) for v in vals]
    return cols


class Index:
    """DIR/index.parquet: one row per run of the plan (status ok, failed or pending)."""

    def __init__(self, plan: Plan, out: Path) -> None:
        self.plan, self.path = plan, out / "index.parquet"
        self.status = {r.run_id: "pending" for r in plan.runs}
        self.duration: dict[str, float] = {}
        self.error: dict[str, str] = {}
        self._written = 0.0
        if self.path.is_file():  # keep durations of runs done before a resume
            import pandas as pd

            try:
                old = pd.read_parquet(self.path, columns=["run_id", "duration"])
                self.duration.update(
                    {k: float(v) for k, v in zip(old["run_id"], old["duration"], strict=True)
                     if v == v}
                )
            except (OSError, ValueError, KeyError):
                pass

    def frame(self) -> Any:
        """The index as a DataFrame (run id, condition, parameters, seed, status, ...)."""
        import pandas as pd

        runs = self.plan.runs
        data: dict[str, Any] = {
            "run_id": [r.run_id for r in runs], "condition": [r.condition for r in runs],
        }
        data.update(_param_columns(self.plan))
        data["seed"] = [r.seed for r in runs]
        data["status"] = [self.status[r.run_id] for r in runs]
        data["duration"] = [self.duration.get(r.run_id, float("nan")) for r in runs]
        data["error"] = [self.error.get(r.run_id, "") for r in runs]
        return pd.DataFrame(data)

    def write(self, force: bool = False) -> None:
        """Rewrite the index atomically (throttled unless ``force``)."""
        now = time.monotonic()
        if not force and now - self._written < INDEX_EVERY_S:
            return
        buf = io.BytesIO()
        self.frame().to_parquet(buf, index=False)
        atomic_bytes(self.path, buf.getvalue())
        self._written = now


@dataclass
class Outcome:
    """What a batch did: runs skipped (already done), completed now, failed now."""

    total: int
    skipped: int
    done: int = 0
    failed: int = 0
    interrupted: bool = False


def _plan_signature(plan: Plan) -> str:
    return _hash(canonical(sorted(r.run_id for r in plan.runs)))


def prepare(plan: Plan, out: Path) -> None:
    """Check that ``out`` is new or holds this same batch (else a one-line ConfigError)."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out: {str(out)!r} exists and is not a folder")
    meta = out / "batch.json"
    if meta.is_file():
        try:
            old = json.loads(meta.read_text()).get("signature")
        except (OSError, ValueError):
            old = None
        if old != _plan_signature(plan):
            raise ConfigError(
                f"--out: {str(out)!r} holds a different batch; use a new folder to start another"
            )


def write_meta(plan: Plan, out: Path) -> None:
    """DIR/batch.json: the swept keys, level factors and signature (read by summarize)."""
    meta = {
        "signature": _plan_signature(plan), "runs": len(plan.runs), "keys": plan.keys,
        "levels": plan.levels, "seeds": plan.seeds, "individuals": plan.individuals,
    }
    atomic_bytes(out / "batch.json", (json.dumps(meta, indent=2) + "\n").encode())


def run_batch(
    plan: Plan, out: Path, executor: cf.Executor,
    on_result: Callable[[Outcome], None] | None = None,
) -> Outcome:
    """Execute the runs of ``plan`` not yet on disk, writing each as it finishes."""
    (out / "runs").mkdir(parents=True, exist_ok=True)
    for stale in (out / "runs").glob(".*.tmp"):  # left by a killed batch
        stale.unlink(missing_ok=True)
    write_meta(plan, out)
    done = completed(out)
    index = Index(plan, out)
    todo = []
    for r in plan.runs:
        if r.run_id in done:
            index.status[r.run_id] = "ok"
        else:
            todo.append(r)
    outcome = Outcome(len(plan.runs), len(plan.runs) - len(todo))
    index.write(force=True)
    try:
        for run, res, err in results(todo, executor, plan.individuals):
            if res is None:
                index.status[run.run_id], index.error[run.run_id] = "failed", err or ""
                outcome.failed += 1
            else:
                if "individuals" in res:
                    atomic_bytes(run_path(out, run.run_id, "individuals"), res["individuals"])
                atomic_bytes(run_path(out, run.run_id), res["prevalence"])
                index.status[run.run_id] = "ok"
                index.error.pop(run.run_id, None)
                index.duration[run.run_id] = float(res["duration"])
                outcome.done += 1
            index.write()
            if on_result is not None:
                on_result(outcome)
    except KeyboardInterrupt:
        outcome.interrupted = True
        raise
    finally:
        index.write(force=True)
    return outcome


# --------------------------------------------------------------------- the command line


def _progress_bar() -> Any:
    from rich.progress import MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    return progress_bar(
        "batch", MofNCompleteColumn(), TextColumn("{task.fields[failed]} failed"),
        TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
    )


def cmd_batch(args: argparse.Namespace) -> int:
    """Expand SWEEP.toml into runs and execute those not yet in DIR; exit 1 if any failed."""
    if args.workers is not None and not 1 <= args.workers <= 4096:
        raise UsageError(f"--workers: got {args.workers}, expected a whole number in [1, 4096]")
    if args.workers is not None and args.scheduler:
        raise UsageError("--workers: the Dask cluster decides its workers; drop --workers")
    out = Path(args.out)
    try:
        plan = load_sweep(args.sweep)
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
    try:
        with open_executor(args.workers, args.scheduler) as (executor, where):
            print(f"batch: running {len(plan.runs) - skipped} on {where}")
            with _progress_bar() as bar:
                task = bar.add_task("runs", total=len(plan.runs), completed=skipped, failed=0)

                def on_result(o: Outcome) -> None:
                    bar.update(task, completed=o.skipped + o.done + o.failed, failed=o.failed)

                outcome = run_batch(plan, out, executor, on_result)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    except KeyboardInterrupt:
        print(f"batch: interrupted; finished runs are kept in {out}; run the same command "
              "again to resume", file=sys.stderr)
        raise
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
    from population.summarize import summarize

    try:
        written = summarize(Path(args.dir), statistic=args.statistic, activity=args.activity)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    print(f"summarize: wrote {', '.join(p.name for p in written)} to {args.dir}")
    return 0


def add_batch_parsers(sub: Any) -> None:
    """Register ``addsim batch`` and ``addsim summarize`` on the CLI's subparsers."""
    b = sub.add_parser("batch", help="run a sweep across parameters and seeds (resumable)")
    b.add_argument("sweep", help="sweep TOML: [base], [sweep] grid/zip/seeds, [output]")
    b.add_argument("--out", required=True, help="batch folder (runs/, index.parquet)")
    b.add_argument("--workers", type=int, help="local worker processes (default: the cores)")
    b.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on a Dask cluster, e.g. tcp://host:8786")
    b.add_argument("--dry-run", action="store_true", help="list the runs and stop")
    b.set_defaults(func=cmd_batch)
    s = sub.add_parser("summarize", help="mean and 95%% interval across seeds of a batch")
    s.add_argument("dir", help="a folder written by addsim batch")
    s.add_argument("--statistic", default="fraction_addicted",
                   help="final statistic of the heatmap (default: fraction_addicted)")
    s.add_argument("--activity", help="activity of the heatmap (default: the first)")
    s.set_defaults(func=cmd_summarize)


__all__ = [
    "Index", "Outcome", "Plan", "Run", "add_batch_parsers", "canonical", "completed",
    "execute_run", "heatmap_sweep", "load_sweep", "open_executor", "plan_from_dict", "results",
    "run_batch",
]
