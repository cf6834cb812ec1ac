"""The Python API for notebooks and scripts: ``run``, ``load_config``, ``batch``.

Everything goes through the same engine as the command line: a config is validated by the
same pydantic models (a mistake is a one-line :class:`addsim._errors.ConfigError`), a run is a
:class:`~addsim.population.model.PopulationModel`, a batch is the CLI's resumable batch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from addsim._errors import ConfigError, shown

if TYPE_CHECKING:
    import pandas as pd

    from addsim.population.batches.compare import Comparison
    from addsim.population.batches.store import Outcome
    from addsim.population.config import Config
    from addsim.population.model import PopulationModel

# Keyword shortcuts of run(): the config keys people set most. Any other key is written with
# "__" for the dots: run(exposure__p_peer=0.05).
SHORTCUTS = {
    "ticks": "run.ticks", "seed": "run.seed", "history": "run.history",
    "size": "population.size", "network": "network.kind",
}


@dataclass
class Result:
    """A finished run: its tables as pandas DataFrames, the resolved config, and the model."""

    prevalence: pd.DataFrame  # per tick and activity: status counts, events, P(addictive)
    events: pd.DataFrame  # tick, activity, event, count
    individuals: pd.DataFrame  # one row per person: risk factors, final status per activity
    config: Config  # the resolved config (rerun it to reproduce)
    model: PopulationModel  # inspect people: model.individuals[i].status("substance")
    survey: pd.DataFrame | None = None  # year, age_band, activity, measure, value


def _plain(value: Any, where: str) -> Any:
    """``value`` with numpy scalars as Python numbers (``np.int64(200)`` is 200, an
    ``np.bool_`` a bool) and numpy arrays as lists, inside lists and dicts too, so that a
    value from a numpy computation is accepted wherever a Python one is."""
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return _plain(value.tolist(), where)
    if isinstance(value, Mapping):
        return {(_plain(k, where) if isinstance(k, np.generic) else k): _plain(v, where)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, where) for v in value]
    return value


def _path_or_none(value: Any, what: str, expected: str) -> str | Path | None:
    if value is None or isinstance(value, (str, Path)):
        return value
    raise ConfigError(f"{what}: got {shown(value)} ({type(value).__name__}), expected {expected}")


def load_config(path: str | Path | None = None, sets: Sequence[str] | None = None) -> Config:
    """Read a TOML config (None: the embedded default) with ``key=value`` overrides applied;
    a bad argument is a :class:`ConfigError` with the command line's message."""
    from addsim.population.config import load

    path = _path_or_none(path, "config", "a TOML path or None")
    if sets is None:
        sets = []
    if isinstance(sets, (str, bytes)) or not isinstance(sets, Sequence) or not all(
            isinstance(x, str) for x in sets):
        raise ConfigError(f"sets: got {shown(sets)}, expected a list of 'key=value' texts, "
                          "e.g. ['run.ticks=200']")
    return load(path, list(sets))


def _overrides(overrides: Mapping[str, Any]) -> dict[str, Any]:
    return {SHORTCUTS.get(k, k.replace("__", ".")): _plain(v, k) for k, v in overrides.items()}


def run(
    config: Config | str | Path | None = None,
    progress: Callable[[int], None] | None = None,
    **overrides: Any,
) -> Result:
    """Simulate a population: ``config`` (a Config, a TOML path, or None for the default) with
    ``overrides`` (``ticks=``, ``seed=``, ``size=``, ``history=``, ``network=``, or any dotted key
    with ``__`` for the dots; numpy numbers are accepted), then return its tables. Nothing is
    written to disk. A bad argument is a :class:`ConfigError` (a ValueError) with the command
    line's one-line message."""
    from addsim.population.config import Config, validate
    from addsim.population.io.export import (
        events_frame,
        individuals_frame,
        prevalence_frame,
        survey_frame,
    )
    from addsim.population.model import PopulationModel

    if progress is not None and not callable(progress):
        raise ConfigError(f"progress: got {shown(progress)}, expected a function taking the "
                          "number of ticks just done, or None")
    if config is None or isinstance(config, (str, Path)):
        config = load_config(config)
    if not isinstance(config, Config):
        raise ConfigError(f"config: got {type(config).__name__}, expected a Config, a path "
                          "or None")
    if overrides:
        data = config.model_dump(mode="json")
        for key, value in _overrides(overrides).items():
            node = data
            *parents, last = key.split(".")
            for part in parents:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    raise ConfigError(f"{shown(key)}: goes through a value that is not a table")
            node[last] = value
        config = validate(data)
    model = PopulationModel(config)
    model.run(config.run.ticks, progress=progress)
    return Result(prevalence_frame(model), events_frame(model), individuals_frame(model),
                  config, model, survey_frame(model))


def batch(
    sweep: str | Path | Mapping[str, Any], out: str | Path, workers: int | None = None,
    scheduler: str | None = None,
) -> Outcome:
    """Run a sweep (a sweep TOML path or the same as a dict) into the batch folder ``out``, on
    ``workers`` local processes or the Dask cluster at ``scheduler``; resumes what is there.
    Every argument is checked before any work, as the command line checks it: a mistake is a
    :class:`ConfigError` with its one-line message."""
    from addsim._files import check_folder
    from addsim.population.batches.execute import check_workers, open_executor, run_batch
    from addsim.population.batches.plan import load_sweep, plan_from_dict
    from addsim.population.batches.store import prepare

    if not isinstance(sweep, (str, Path, Mapping)):
        raise ConfigError(f"sweep: got {shown(sweep)} ({type(sweep).__name__}), expected a "
                          "sweep TOML path or a dict with base and sweep tables")
    out = _path_or_none(out, "out", "a folder path")
    if out is None:
        raise ConfigError("out: got None, expected a folder path")
    workers = _plain(workers, "workers")
    scheduler = _path_or_none(scheduler, "scheduler", "an address such as tcp://host:8786")
    check_workers(workers, scheduler, "workers")
    folder = check_folder(str(out), "out")
    plan = (plan_from_dict(_plain(dict(sweep), "sweep")) if isinstance(sweep, Mapping)
            else load_sweep(sweep))
    prepare(plan, folder)
    with open_executor(workers, None if scheduler is None else str(scheduler)) as (ex, _):
        return run_batch(plan, folder, ex)


def _arm(value: Any, base: Config | None, what: str) -> tuple[str | None, Config]:
    """One arm of a comparison: (its name if it has one, its config) from a Config, a TOML
    path, None (the embedded default) or, beside a baseline, a dict of overrides."""
    from addsim.population.batches.compare import overrides_config
    from addsim.population.config import Config

    if isinstance(value, Config):
        return None, value
    if value is None or isinstance(value, (str, Path)):
        return (Path(value).stem if value is not None else "default"), load_config(value)
    if isinstance(value, Mapping) and base is not None:
        return None, overrides_config(base, _plain(dict(value), what), what)
    raise ConfigError(f"{what}: got {shown(value)} ({type(value).__name__}), expected a "
                      "Config, a TOML path" + (" or a dict of overrides" if base else
                                                " or None"))


def compare(
    base: Config | str | Path | None, scenarios: Any, out: str | Path, seeds: Any = 10,
    workers: int | None = None, scheduler: str | None = None,
) -> Comparison:
    """Run ``base`` and every scenario on the same ``seeds`` (a count K: seeds 0..K-1, or a
    list) into the folder ``out`` through the batch engine (``workers`` local processes or
    the Dask cluster at ``scheduler``; resumes what is there), and return the paired
    differences (scenario minus base) with their 95% intervals and the totals averted.

    ``scenarios``: a Config or TOML path, a list of them, or a dict ``{name: scenario}``
    where a scenario may also be a dict of config overrides applied to the base
    (``{"treat": {"interventions": [...]}}``; dotted keys or ``__``). Every argument is
    checked before any work: a mistake is a :class:`ConfigError` with its one-line message.
    """
    from addsim._files import check_folder
    from addsim.population.batches.compare import (
        check_seeds,
        make_plan,
        run_compare,
        scenarios_from,
    )
    from addsim.population.batches.execute import check_workers, open_executor

    out = _path_or_none(out, "out", "a folder path")
    if out is None:
        raise ConfigError("out: got None, expected a folder path")
    seeds = check_seeds(_plain(seeds, "seeds"), "seeds")
    workers = _plain(workers, "workers")
    scheduler = _path_or_none(scheduler, "scheduler", "an address such as tcp://host:8786")
    check_workers(workers, scheduler, "workers")
    base_name, base_cfg = _arm(base, None, "base")
    if isinstance(scenarios, Mapping):
        named = [(str(k), v) for k, v in scenarios.items()]
    elif isinstance(scenarios, (list, tuple)):
        named = [(None, v) for v in scenarios]
    else:
        named = [(None, scenarios)]
    items: list[tuple[str, Config]] = [(base_name or "baseline", base_cfg)]
    for k, (name, value) in enumerate(named, start=1):
        own, cfg = _arm(value, base_cfg, f"scenarios[{name if name is not None else k - 1}]")
        items.append((name or own or f"scenario-{k}", cfg))
    folder = check_folder(str(out), "out")
    cp = make_plan(scenarios_from(items), seeds)
    from addsim.population.batches.store import prepare

    prepare(cp.plan, folder)
    with open_executor(workers, None if scheduler is None else str(scheduler)) as (ex, _):
        outcome, result = run_compare(cp, folder, ex)
    if result is None:
        raise RuntimeError(f"compare: {outcome.failed} run(s) failed (see the error column of "
                           f"{folder / 'index.parquet'}); call again to retry them")
    return result


__all__ = ["Result", "batch", "compare", "load_config", "run"]
