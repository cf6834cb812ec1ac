"""The batch folder: run files, the index, the batch's signature.

DIR/batch.json names the swept keys, level factors and a signature of the plan; DIR/index.parquet
has one row per run (ok, failed or pending); DIR/runs/<id>.parquet holds a run's prevalence (and
<id>.individuals.parquet its people). A run file on disk is the source of truth for resuming.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from addsim._errors import ConfigError, shown
from addsim._files import atomic_bytes
from addsim._read import read_json
from addsim.population.batches.plan import Plan, canonical, run_hash

INDEX_EVERY_S = 0.5  # rewrite the index at most this often (and always at the end)


def run_path(out: Path, run_id: str, table: str = "prevalence") -> Path:
    """Where a run's table lives: runs/<id>.parquet, or runs/<id>.<table>.parquet."""
    suffix = ".parquet" if table == "prevalence" else f".{table}.parquet"
    return out / "runs" / f"{run_id}{suffix}"


def completed(out: Path) -> set[str]:
    """Run ids whose files on disk are whole (the source of truth for resuming): the
    prevalence file, written last, and every other table of the run have readable Parquet
    footers. A run file cut short or garbled (a disk that filled, a copy that failed) is
    not complete: the batch runs it again and replaces its files."""
    from addsim._read import parquet_readable

    runs = out / "runs"
    if not runs.is_dir():
        return set()
    tables: dict[str, list[Path]] = {}
    for p in runs.glob("*.parquet"):
        if not p.name.startswith("."):
            tables.setdefault(p.name.split(".", 1)[0], []).append(p)
    return {run for run, paths in tables.items()
            if any(p.name.count(".") == 1 for p in paths)
            and all(parquet_readable(p) for p in paths)}


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
                    {str(k): float(v) for k, v in zip(old["run_id"], old["duration"],
                                                      strict=True) if v == v}
                )
            except Exception:  # a damaged index only loses the durations; it is rewritten
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
    return run_hash(canonical(sorted(r.run_id for r in plan.runs)))


def prepare(plan: Plan, out: Path) -> None:
    """Check that ``out`` is new or holds this same batch (else a one-line ConfigError)."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out: {shown(str(out))} exists and is not a folder")
    meta = out / "batch.json"
    if out.is_dir() and not meta.is_file():
        from addsim._files import entries

        other = [p.name for p in entries(out) if p.name not in (LOCK, "runs", "index.parquet")]
        if other:
            raise ConfigError(f"--out: {shown(str(out))} holds files that are not a batch ("
                              f"{', '.join(other[:3])}{', ...' if len(other) > 3 else ''}); "
                              "use a new folder")
    if meta.is_file():
        try:
            old = read_json(meta, "--out").get("signature")
        except ConfigError as exc:
            raise ConfigError(f"{exc}; remove it to resume this batch, or use a new folder"
                              ) from None
        if old != _plan_signature(plan):
            raise ConfigError(
                f"--out: {shown(str(out))} holds a different batch; use a new folder to start "
                "another"
            )


def write_meta(plan: Plan, out: Path) -> None:
    """DIR/batch.json: the swept keys, level factors and signature (read by summarize)."""
    meta = {
        "signature": _plan_signature(plan), "runs": len(plan.runs), "keys": plan.keys,
        "levels": plan.levels, "seeds": plan.seeds, "individuals": plan.individuals,
    }
    atomic_bytes(out / "batch.json", (json.dumps(meta, indent=2) + "\n").encode())


LOCK = "batch.lock"


@contextlib.contextmanager
def lock(out: Path) -> Iterator[None]:
    """Hold DIR/batch.lock for the whole batch (an OS lock: released when the process ends,
    even by SIGKILL); a second batch on the same folder gets a one-line ConfigError naming
    the process that holds it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock
        yield
        return
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
            raise ConfigError(
                f"--out: {shown(str(out))} is in use by another batch ({holder}); wait for it to "
                "finish or use another folder"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}, since "
                      f"{time.strftime('%Y-%m-%d %H:%M:%S')}".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock
