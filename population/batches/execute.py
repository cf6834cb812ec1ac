"""Running a plan: one code path through a ``concurrent.futures`` executor.

A ``ProcessPoolExecutor`` (spawned workers) by default, or ``distributed.Client(address)
.get_executor()`` when a scheduler address is given. Workers return Parquet bytes; only this
process writes, through the store (DIR/runs/<id>.parquet, each to a temporary name and then
renamed; DIR/index.parquet rewritten the same way as runs finish). A run file present means
the run is complete, so a kill (SIGINT or SIGKILL) loses at most the runs in flight. Failed
runs are recorded with their error and retried on resume.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import io
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from addsim import _jit
from addsim._errors import ConfigError, missing_extra, shown
from addsim._files import atomic_bytes
from addsim.population.batches.plan import Plan, Run, run_hash
from addsim.population.batches.store import (
    Index,
    Outcome,
    completed,
    lock,
    run_path,
    write_meta,
)

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
    _jit.set_threads(1)


def execute_run(config: str, individuals: bool = False) -> dict[str, Any]:
    """Run one resolved config (canonical JSON) and return its tables as Parquet bytes.

    Top-level and free of open files so process pools and Dask workers can call it; the seed
    is in the config, so the result does not depend on which worker runs it.
    """
    from addsim.population.config import Config
    from addsim.population.io.export import individuals_frame, prevalence_frame, survey_frame
    from addsim.population.model import PopulationModel

    _one_thread()
    cfg = Config.model_validate(json.loads(config))
    run_id = run_hash(config)
    t0 = time.perf_counter()
    model = PopulationModel(cfg)
    model.run(cfg.run.ticks)
    seconds = time.perf_counter() - t0
    meta = {"run_id": run_id, "seed": cfg.run.seed, "duration": seconds, "n": model.n}
    prev = prevalence_frame(model)
    prev.insert(0, "run_id", run_id)
    out: dict[str, Any] = {"duration": seconds, "prevalence": _parquet(prev, meta)}
    survey = survey_frame(model)
    survey.insert(0, "run_id", run_id)
    out["survey"] = _parquet(survey, meta)
    if individuals:
        ind = individuals_frame(model)
        ind.insert(0, "run_id", run_id)
        out["individuals"] = _parquet(ind, meta)
    return out


# --------------------------------------------------------------------- executors


MAX_WORKERS = 4096  # local worker processes of any command


def check_workers(workers: Any, scheduler: Any = None, what: str = "--workers") -> None:
    """Local workers: None or a whole number in [1, MAX_WORKERS], not beside a scheduler
    (the Dask cluster decides its workers); else one ConfigError line naming ``what``."""
    if workers is None:
        return
    if isinstance(workers, bool) or not isinstance(workers, int) or not (
            1 <= workers <= MAX_WORKERS):
        raise ConfigError(f"{what}: got {shown(workers)}, expected a whole number in "
                          f"[1, {MAX_WORKERS}]")
    if scheduler:
        raise ConfigError(f"{what}: the Dask cluster decides its workers; drop {what}")


CONNECT_S = 15.0  # a Dask scheduler that has not answered by then is not one
NO_WORKERS_S = float(os.environ.get("ADDSIM_DASK_NO_WORKERS_S", "60"))  # all workers lost
WATCH_S = 1.0  # how often a local worker checks that its parent is alive


def _watch_parent(parent: int) -> None:
    """Worker initializer: leave Ctrl-C to the parent, and exit when the parent is gone (a
    SIGKILL of the batch leaves no worker running on)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while True:
            time.sleep(WATCH_S)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="addsim-watchdog", daemon=True).start()


@contextlib.contextmanager
def second_interrupt_exits() -> Iterator[None]:
    """While cleaning up after a first Ctrl-C, a second one exits at once (status 130); the
    local workers follow within a second (their watchdog sees the parent gone)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: os._exit(130))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _abandon(executor: cf.ProcessPoolExecutor) -> None:
    """Cancel what has not started and stop the workers now (Ctrl-C: runs in flight are lost,
    finished ones are already on disk)."""
    procs = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        p.terminate()
    deadline = time.monotonic() + 3.0
    for p in procs:
        p.join(max(0.0, deadline - time.monotonic()))
        if p.is_alive():
            p.kill()


def _connect(scheduler: str) -> Any:
    """A distributed Client for ``scheduler``, or a one-line ConfigError within CONNECT_S
    (Dask's own timeout does not cover a port that accepts and never answers, e.g. HTTP)."""
    try:
        from distributed import Client
    except ImportError:
        raise ConfigError(missing_extra("--scheduler", "distributed")) from None
    box: dict[str, Any] = {}

    def connect() -> None:
        try:
            box["client"] = Client(scheduler, timeout=f"{CONNECT_S:g}s")
        except Exception as exc:  # every way a connection fails is the same one line
            box["error"] = exc

    thread = threading.Thread(target=connect, name="addsim-connect", daemon=True)
    thread.start()
    thread.join(CONNECT_S + 2)
    if "client" in box:
        return box["client"]
    if "error" in box:
        first = (str(box["error"]) or type(box["error"]).__name__).splitlines()[0]
        raise ConfigError(f"--scheduler: cannot connect to {shown(scheduler)}: {first}")
    raise ConfigError(f"--scheduler: {shown(scheduler)} accepted the connection but did not answer "
                      f"as a Dask scheduler within {CONNECT_S:g} s (is it the scheduler's port?)")


@contextlib.contextmanager
def open_executor(workers: int | None = None, scheduler: str | None = None
                  ) -> Iterator[tuple[cf.Executor, str]]:
    """A process pool of ``workers`` (default: the cores), or a Dask cluster's executor.

    Local workers exit when this process dies; on Ctrl-C (or any error) pending runs are
    cancelled and the workers stopped at once instead of finishing the runs in flight.
    """
    if scheduler is not None:
        client = _connect(scheduler)
        ex = None
        try:
            n = len(client.scheduler_info().get("workers", {}))
            ex = client.get_executor()
            ex.workers_alive = lambda: bool(client.scheduler_info().get("workers"))
            yield ex, f"Dask at {scheduler} ({n} workers)"
            ex.shutdown(wait=True)
        except BaseException:
            if ex is not None:
                with second_interrupt_exits():
                    ex.shutdown(wait=False)
            raise
        finally:
            client.close(timeout=5)
        return
    import multiprocessing as mp

    n = workers or os.cpu_count() or 1
    pool = cf.ProcessPoolExecutor(n, mp_context=mp.get_context("spawn"),
                                  initializer=_watch_parent, initargs=(os.getpid(),))
    try:
        yield pool, f"{n} local worker process{'es' if n > 1 else ''}"
    except BaseException:
        with second_interrupt_exits():
            _abandon(pool)
        raise
    pool.shutdown(wait=True)


def results(runs: list[Run], executor: cf.Executor, individuals: bool = False
            ) -> Iterator[tuple[Run, dict[str, Any] | None, str | None]]:
    """Submit every run and yield (run, result, error) as each finishes, in completion order."""
    futures = {executor.submit(execute_run, r.config, individuals): r for r in runs}
    alive = getattr(executor, "workers_alive", None)  # Dask: are any workers left?
    pending = set(futures)
    lost_since: float | None = None
    try:
        while pending:
            done, pending = cf.wait(pending, timeout=2.0, return_when=cf.FIRST_COMPLETED)
            for fut in done:
                run = futures[fut]
                try:
                    yield run, fut.result(), None
                except Exception as exc:  # the run's own failure: recorded, the batch goes on
                    yield run, None, f"{type(exc).__name__}: {exc}".splitlines()[0][:1000]
            if alive is not None and not done:
                if alive():
                    lost_since = None
                elif lost_since is None:
                    lost_since = time.monotonic()
                elif time.monotonic() - lost_since > NO_WORKERS_S:
                    raise ConfigError(
                        f"--scheduler: no Dask workers for {NO_WORKERS_S:g} s; finished runs "
                        "are kept; start workers and run the same command again"
                    )
    finally:
        for fut in futures:
            fut.cancel()


def run_batch(
    plan: Plan, out: Path, executor: cf.Executor,
    on_result: Callable[[Outcome], None] | None = None,
) -> Outcome:
    """Execute the runs of ``plan`` not yet on disk, writing each as it finishes (holding the
    folder's lock, so a second batch on the same folder is refused)."""
    with lock(out):
        return _run_batch(plan, out, executor, on_result)


def _run_batch(plan: Plan, out: Path, executor: cf.Executor,
               on_result: Callable[[Outcome], None] | None) -> Outcome:
    (out / "runs").mkdir(parents=True, exist_ok=True)
    _sweep(out)  # temporary files of a batch killed while writing
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
                for table in ("individuals", "survey"):  # before the prevalence (completion)
                    if table in res:
                        atomic_bytes(run_path(out, run.run_id, table), res[table])
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
        with second_interrupt_exits():
            index.write(force=True)
        raise
    finally:
        index.write(force=True)
        _sweep(out)  # the lock is held: no temporary file here belongs to anyone else
    return outcome


def _sweep(out: Path) -> None:
    """Remove the hidden temporary files of interrupted writes in the batch folder."""
    for folder in (out, out / "runs"):
        for stale in folder.glob(".*.tmp*"):
            if stale.is_file():
                stale.unlink(missing_ok=True)
