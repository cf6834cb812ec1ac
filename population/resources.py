"""What a run will cost, estimated from its config before any work: edges and memory.

A config can ask for more than a machine has (a Watts-Strogatz ring with k = 1000 at two
million people, a status history of terabytes). Those are refused at the boundary, like any
other mistake, in one line that names the field, the estimate and the limit, instead of an
allocation error after minutes of work. The estimates are deliberately simple upper bounds of
the engine's arrays (measured: about 2.5 KB per person with two dual-process activities).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from addsim import _read
from addsim._errors import ConfigError, shown

MAX_EDGES = 50_000_000  # generated networks (population/network.py refuses the same)
PERSON_BYTES = 600  # risk factors, degree, the Mesa view object of one person
ACTIVITY_BYTES = 1400  # learner, task core and tracker of one person in one activity
EDGE_BYTES = 40  # CSR indices both ways plus the sort keys while building
RECORD_COLUMNS = 14  # len(records.COLUMNS), per tick and activity (float64; tested)


def edges(cfg: Any) -> tuple[int, str] | None:
    """Expected undirected edges of the configured network and the field that sets them
    (a graph file's own count of edges)."""
    net, n = cfg.network, cfg.population.size
    pairs = n * (n - 1) // 2
    if net.kind == "watts_strogatz":
        half = max(1, min(net.k // 2, (n - 1) // 2)) if n > 2 else 0
        return n * half, "network.k"
    if net.kind == "barabasi_albert":
        m = max(1, min(net.m, n - 1)) if n > 1 else 0
        return (n - m) * m, "network.m"
    if net.kind == "erdos_renyi":
        return (round(pairs * min(1.0, net.mean_degree / (n - 1))) if n > 1 else 0,
                "network.mean_degree")
    if net.kind == "stochastic_block":
        blocks = max(1, min(net.blocks, n))
        sizes = [(n * (b + 1)) // blocks - (n * b) // blocks for b in range(blocks)]
        within = sum(s * (s - 1) // 2 * min(1.0, net.mean_degree_in / (s - 1))
                     for s in sizes if s > 1)
        between = 0.0
        if blocks > 1 and net.mean_degree_out > 0:
            outside = sum(s * (n - s) for s in sizes)  # ordered pairs across blocks
            between = outside / 2 * min(1.0, net.mean_degree_out / (outside / n))
        field = "network.mean_degree_in" if within >= between else "network.mean_degree_out"
        return round(within + between), field
    if net.kind == "complete":
        return pairs, "population.size"
    if net.kind == "empty":
        return 0, "network.kind"
    if net.kind == "file" and net.file:  # read once; validation and the model share it
        from addsim.population import network

        return network.load(net.file, net.max_nodes, net.max_edges).n_edges, "network.file"
    return None


def memory(cfg: Any) -> dict[str, tuple[int, str, str]]:
    """Estimated bytes per part of a run: {part: (bytes, field, how it is computed)}."""
    n, ticks, acts = cfg.population.size, cfg.run.ticks, len(cfg.enabled_activities)
    e = edges(cfg)
    per_act = ACTIVITY_BYTES + cfg.status.window
    parts = {
        "people": (n * (PERSON_BYTES + acts * per_act), "population.size",
                   f"{n:,} people x {acts} activities"),
        "records": (ticks * acts * RECORD_COLUMNS * 8, "run.ticks",
                    f"prevalence of {ticks:,} ticks x {acts} activities"),
    }
    if e is not None:
        parts["network"] = (e[0] * EDGE_BYTES, e[1], f"{e[0]:,} edges")
    if cfg.run.history:
        parts["history"] = (ticks * acts * n, "run.history",
                            f"status history of {ticks:,} ticks x {acts} activities x "
                            f"{n:,} people")
    return parts


CGROUP = Path("/sys/fs/cgroup")


def _number(path: Path) -> int | None:
    """A cgroup limit file's number (None: missing, unreadable, or "max")."""
    try:
        text = path.read_text().strip()
    except (OSError, ValueError):
        return None
    return int(text) if text.isascii() and text.isdigit() else None


def cgroup_limit(root: Path = CGROUP, proc: Path = Path("/proc/self/cgroup")) -> int | None:
    """The memory limit of this process's control group (v2 ``memory.max``, v1
    ``memory.limit_in_bytes``) and of its ancestors, the smallest; None when unlimited."""
    try:
        lines = proc.read_text().splitlines()
    except OSError:
        lines = []
    found: list[int] = []
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        if parts[0] == "0" and parts[1] == "":
            base, name = root, "memory.max"
        elif "memory" in parts[1].split(","):
            base, name = root / "memory", "memory.limit_in_bytes"
        else:
            continue
        folder = base / parts[2].lstrip("/")
        while True:
            value = _number(folder / name)
            if value is not None and value < 2**60:  # v1 writes "unlimited" as ~2**63
                found.append(value)
            if folder == base or base not in folder.parents:
                break
            folder = folder.parent
    return min(found) if found else None


def _address_space() -> tuple[int, int] | None:
    """(RLIMIT_AS soft limit, address space in use now), or None without a limit."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError):
        return None
    if soft == resource.RLIM_INFINITY:
        return None
    try:
        used = int(Path("/proc/self/statm").read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        used = 0
    return soft, used


def _limits(in_use: bool) -> list[tuple[int, str]]:
    """This machine's RAM, the process's address-space limit (``ulimit -v``; ``in_use``:
    less what it already maps) and its control group's limit, each with its reason."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 16 * 2**30
    limits = [(int(total), "this machine's memory; ADDSIM_MEMORY_LIMIT=GiB changes it")]
    group = cgroup_limit()
    if group is not None:
        limits.append((group, "the memory limit of this container (cgroup)"))
    space = _address_space()
    if space is not None:
        soft, used = space
        why = "the address-space limit (ulimit -v)"
        limits.append((max(soft - used, 0), f"{why} of {size(soft)} less the {size(used)} in "
                                            "use") if in_use else (soft, why))
    return limits


def memory_limit() -> tuple[int, str]:
    """The memory a run may use: ADDSIM_MEMORY_LIMIT (GiB) if set, else the smallest of this
    machine's RAM, the process's address-space limit (``ulimit -v``) less what it already
    maps, and its control group's memory limit (a container's ``memory.max``)."""
    text = os.environ.get("ADDSIM_MEMORY_LIMIT")
    if text:
        try:
            gib = float(text)
        except ValueError:
            gib = math.nan
        if not 0 < gib < 2**40:
            raise ConfigError(f"ADDSIM_MEMORY_LIMIT: got {shown(text)}, expected GiB, e.g. 64")
        return int(gib * 2**30), "ADDSIM_MEMORY_LIMIT"
    return min(_limits(in_use=True))


def hard_limit() -> str:
    """The smallest memory limit of this process as text ("the address-space limit (ulimit
    -v): 3.1 GiB"), for the line of work that met it after all."""
    limit, why = min(_limits(in_use=False))
    return f"{why.split(';')[0]}: {size(limit)}"


size = _read.size  # bytes as text with a binary unit (1.8 TiB)


def check(cfg: Any) -> None:
    """Refuse a config whose network or memory estimate exceeds its limit (one line)."""
    e = edges(cfg)
    if e is not None and e[0] > MAX_EDGES and cfg.network.kind != "file":
        raise ConfigError(
            f"{e[1]}: {cfg.network.kind} on {cfg.population.size:,} people needs about "
            f"{e[0]:,} edges, more than the {MAX_EDGES:,} allowed; use a sparser network"
        )
    parts = memory(cfg)
    total = sum(b for b, _, _ in parts.values())
    limit, why = memory_limit()
    if total > limit:
        b, field, how = max(parts.values())
        raise ConfigError(
            f"{field}: this run needs about {size(total)} of memory ({how}: {size(b)}), more "
            f"than the {size(limit)} limit ({why})"
        )
