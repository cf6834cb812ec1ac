"""A sweep file becomes a plan: every run (a resolved config plus its seed) with a stable id.

A sweep TOML has a ``[base]`` table (a full run config, or ``config = "path.toml"`` plus
overrides), a ``[sweep]`` table (``grid``: cartesian product over dotted keys, ``zip``: paired
lists, ``seeds``: a count or a list) and an optional ``[output]`` table (``individuals``: also
keep each run's per-person table). A run's id is a hash of the canonical JSON of its resolved
config (seed included), so a rerun of the same command skips what is on disk.

Grids inside a run. The report's heatmap (51 x 51 cells x 100 people, 2,000 ticks) is not
2,601 runs of 100 people: the per-run cost (process hop, model construction, Python overhead
per tick) would dominate. One axis becomes a deterministic risk factor ``{dist = "levels"}``
(individual i gets level (i // each) mod k) inside each run, so a run is one natural-reward
value with all 51 surge levels as 5,100 individuals in one batched array step; each run's
individuals table carries the level, the final P(addictive) and status that ``addsim
summarize`` groups by.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, field_validator

from addsim._errors import ConfigError, shown
from addsim.population.config import Levels, format_error, set_dotted, validate
from addsim.population.io.toml import read_toml

MAX_RUNS = 1_000_000
DRY_RUN_MAX = 10_000  # runs a --dry-run lists (each is expanded and validated first)


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SweepTable(_Table):
    """``[sweep]``: cartesian ``grid`` and paired ``zip`` over dotted config keys, and seeds."""

    grid: dict[str, Any] = Field(default_factory=dict, description="key = list or range")
    zip: dict[str, Any] = Field(default_factory=dict, description="key = list (equal lengths)")
    seeds: Any = Field(None, description="a count (0..n-1) or a list of distinct seeds")

    @field_validator("seeds")
    @classmethod
    def _seeds(cls, spec: Any) -> list[int] | None:
        if spec is None:
            return None
        if isinstance(spec, bool) or not isinstance(spec, (int, list)):
            raise ValueError("expected a count or a list of seeds")
        if isinstance(spec, int) and not 1 <= spec <= MAX_RUNS:
            raise ValueError(f"expected a count in [1, {MAX_RUNS}]")
        seeds = list(range(spec)) if isinstance(spec, int) else spec
        if not seeds or any(isinstance(x, bool) or not isinstance(x, int) or not 0 <= x < 2**63
                            for x in seeds):
            raise ValueError("expected whole numbers in [0, 2**63)")
        if len(set(seeds)) != len(seeds):
            raise ValueError("expected distinct seeds")
        return seeds


class OutputTable(_Table):
    """``[output]``: what each run keeps besides its prevalence table."""

    individuals: StrictBool = Field(False, description="also keep each run's per-person table")


class SweepFile(_Table):
    """A sweep file: ``[base]`` (a run config, or ``config = "path"`` plus overrides),
    ``[sweep]`` and ``[output]``."""

    base: dict[str, Any] = Field(default_factory=dict, description="the run config swept")
    sweep: SweepTable = SweepTable()
    output: OutputTable = OutputTable()


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


def _values(where: str, spec: Any, distinct: bool = True) -> list[Any]:
    """A sweep axis: a non-empty list (of distinct values for a grid axis), or a range table
    ``{low, high, step}``."""
    if isinstance(spec, dict):
        extra = sorted(set(spec) - {"low", "high", "step"})
        if extra or not {"low", "high", "step"} <= set(spec):
            raise ConfigError(
                f"{where}: got {shown(spec)}, expected a list or a table {{ low, high, step }}"
            )
        try:
            return Levels(dist="levels", **spec).levels()  # distinct by construction
        except ValidationError as exc:
            loc, msg = format_error(exc, Levels).split(": ", 1)
            raise ConfigError(f"{where}{'' if loc == 'config' else '.' + loc}: {msg}") from None
    elif not isinstance(spec, list) or not spec:
        raise ConfigError(f"{where}: got {shown(spec)}, expected a non-empty list of values")
    else:
        values = spec
    seen = [canonical(v) for v in values]
    if distinct and len(set(seen)) != len(seen):
        dup = next(v for k, v in enumerate(values) if seen.index(seen[k]) != k)
        raise ConfigError(f"{where}: {shown(dup)} appears twice; each value once (a run per "
                          "value)")
    return values


def _set(data: dict[str, Any], key: str, value: Any) -> None:
    set_dotted(data, key, copy.deepcopy(value), "sweep")


def _merge(into: dict[str, Any], other: dict[str, Any]) -> None:
    for k, v in other.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _merge(into[k], v)
        else:
            into[k] = copy.deepcopy(v)


def canonical(data: Any) -> str:
    """Canonical JSON (sorted keys, no spaces): the text a run id is hashed from."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def run_hash(text: str, n: int = 16) -> str:
    """The first ``n`` hex digits of the SHA-256 of ``text`` (run ids, conditions)."""
    return hashlib.sha256(text.encode()).hexdigest()[:n]


def plan_from_dict(data: dict[str, Any], base_dir: Path | None = None,
                   max_runs: int = MAX_RUNS, limit_by: str = "sweep") -> Plan:
    """Expand and validate a parsed sweep into runs; raise a one-line ConfigError naming the key.

    The number of runs is known from the axes' lengths before any run is expanded and
    validated (about 0.1 ms each): more than ``max_runs`` is refused at once, naming
    ``limit_by`` (``--dry-run`` lists at most DRY_RUN_MAX)."""
    from addsim.population import risk

    try:
        parsed = SweepFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_error(exc, SweepFile)) from None
    individuals = parsed.output.individuals

    raw = copy.deepcopy(parsed.base)
    if "config" in raw:
        ref = raw.pop("config")
        if not isinstance(ref, str):
            raise ConfigError(f"base.config: got {shown(ref)}, expected a path to a run config")
        p = Path(ref) if base_dir is None or Path(ref).is_absolute() else base_dir / ref
        loaded = read_toml(p, "base.config")
        _merge(loaded, raw)
        raw = loaded
    try:
        base_cfg = validate(raw)
    except ConfigError as exc:
        raise ConfigError(f"base: {exc}") from None

    grid, zipped = parsed.sweep.grid, parsed.sweep.zip
    axes = {k: _values(f"sweep.grid.{k}", v) for k, v in grid.items()}
    zips = {k: _values(f"sweep.zip.{k}", v, distinct=False) for k, v in zipped.items()}
    for k in (*axes, *zips):
        if k == "run.seed" or k.startswith("run.seed."):
            raise ConfigError(f"sweep: {k}: the seed is swept with sweep.seeds")
    both = set(axes) & set(zips)
    if both:
        raise ConfigError(f"sweep.zip.{sorted(both)[0]}: also in sweep.grid; use one of them")
    for a, b in itertools.pairwise(sorted((*axes, *zips))):
        if b.startswith(a + "."):  # e.g. network and network.kind: one would overwrite the other
            raise ConfigError(f"sweep: {b} lies inside {a}, also swept; sweep one of them")
    lengths = {len(v) for v in zips.values()}
    if len(lengths) > 1:
        k = next(k for k, v in zips.items() if len(v) != len(next(iter(zips.values()))))
        raise ConfigError(
            f"sweep.zip.{k}: got {len(zips[k])} values, expected {len(next(iter(zips.values())))}"
            " like the first zip list (zip pairs lists of equal length)"
        )
    seeds = parsed.sweep.seeds or [base_cfg.run.seed]
    n_cond = len(next(iter(zips.values()))) if zips else 1
    for v in axes.values():
        n_cond *= len(v)
    if n_cond * len(seeds) > max_runs:
        raise ConfigError(f"{limit_by}: the sweep has {n_cond * len(seeds):,} runs, more than "
                          f"the {max_runs:,} allowed" + (
                              "; narrow the sweep, or run it without --dry-run"
                              if limit_by == "--dry-run" else ""))

    keys = [*axes, *zips]
    zip_rows = list(zip(*zips.values(), strict=True)) if zips else [()]
    rows_seen = [canonical(list(row)) for row in zip_rows]
    if len(set(rows_seen)) != len(rows_seen):
        k = next(k for k, r in enumerate(rows_seen) if rows_seen.index(r) != k)
        first = rows_seen.index(rows_seen[k])
        raise ConfigError(f"sweep.zip: position {k} repeats position {first}; each paired "
                          "condition once")
    runs: list[Run] = []
    seen: dict[str, dict[str, Any]] = {}  # run id -> the swept values that gave it
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
                values = ", ".join(f"{k}={shown(v, 30)}" for k, v in params.items())
                raise ConfigError(f"sweep ({values}): {exc}") from None
            levels.update(risk.level_factors(cfg.risk))
            condition = run_hash(canonical(params), 12)
            for seed in seeds:
                cfg_s = cfg.model_copy(update={"run": cfg.run.model_copy(update={"seed": seed})})
                text = canonical(cfg_s.model_dump())
                run_id = run_hash(text)
                if run_id in seen:  # e.g. 1 and 1.0, or a value equal to the default
                    def pairs(p: dict[str, Any]) -> str:
                        return ", ".join(f"{k}={canonical(v)}" for k, v in p.items())
                    raise ConfigError(
                        f"sweep: ({pairs(params)}) and ({pairs(seen[run_id])}) resolve to the "
                        "same config; list each condition once"
                    )
                seen[run_id] = params
                runs.append(Run(run_id, condition, params, seed, text))
    return Plan(runs, keys, sorted(levels), individuals, seeds)


def load_sweep(path: str | Path, dry_run: bool = False) -> Plan:
    """Read and expand a sweep TOML file; raise a one-line ConfigError on any mistake (a dry
    run lists at most DRY_RUN_MAX runs)."""
    return plan_from_dict(read_toml(path, "sweep"), Path(path).parent,
                          *((DRY_RUN_MAX, "--dry-run") if dry_run else ()))


HEATMAP_RUN_SIZE = 32_000  # individuals per heatmap run: amortizes per-tick overhead


def heatmap_sweep(step: float = 0.1, n: int = 100, ticks: int = 2000, seed: int = 0,
                  learner: str = "dual_process") -> dict[str, Any]:
    """The report's heatmap (docs/reproductions.md item 8) as a sweep: examples/heatmap.toml.

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
            # the report's cohort: nobody ages or leaves, use has no costs, factors independent,
            # nobody is treated (the drug always available)
            "life": {"enabled": False},
            "consequences": {"enabled": False},
            "comorbidity": {"correlation": 0.0},
            "treatment": {"enabled": False},
        },
        "sweep": {
            "zip": {"risk.natural_reward.part": list(range(parts)), "population.size": sizes},
            "seeds": [seed],
        },
        "output": {"individuals": True},
    }
