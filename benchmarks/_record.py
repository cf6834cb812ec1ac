"""Where benchmark results are kept: one JSON file per benchmark in benchmarks/results/.

A benchmark's figures depend on the machine, the day (what else ran) and the code, so every
stored measurement carries all three: the machine (CPU model, cores, memory, OS, Python), the
date and time, and the git commit it measured (with ``dirty`` when the working tree had
changes). A file holds a list of measurements, each with a ``label`` ("before", "after",
"main", ...); saving a label again replaces that entry, so a rerun updates its row. The docs'
benchmark page is rendered from these files by ``docs/_scripts/tables.py``; nothing in tests/
times anything.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def _git(*args: str, cwd: Path = ROOT) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                             timeout=30, check=True)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()


def commit(cwd: Path = ROOT) -> dict[str, Any]:
    """The commit a measurement is of: its short hash, and whether tracked files differed."""
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no", cwd=cwd))
    return {"commit": _git("rev-parse", "--short=12", "HEAD", cwd=cwd) or "unknown",
            "dirty": dirty}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def machine() -> dict[str, Any]:
    """What the figures depend on: CPU model and count, memory, OS and Python."""
    return {"cpu": _cpu_model(), "cpus": os.cpu_count(), "memory_gib": _memory_gib(),
            "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version()}


def save(name: str, label: str, results: dict[str, Any], *,
         code: dict[str, Any] | None = None) -> Path:
    """Store ``results`` as the measurement ``label`` of benchmark ``name`` (replacing an
    earlier one of that label) with machine, date and commit; ``code`` overrides the commit
    when the measured code is not this checkout (an install of another commit)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    data = json.loads(path.read_text()) if path.exists() else {"benchmark": name,
                                                                 "measurements": []}
    entry = {"label": label,
             "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
             **(code or commit()), "machine": machine(), "results": results}
    kept = [m for m in data["measurements"] if m["label"] != label]
    data["measurements"] = [*kept, entry]
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path
