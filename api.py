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

    from addsim.population.batches.store import Outcome
    from addsim.population.config import Config
    from addsim.population.model import PopulationModel

@dataclass
class Result:
    """A finished run: its tables as pandas DataFrames, the resolved config, and the model."""

    prevalence: pd.DataFrame  # per tick and activity: status counts, events, P(addictive)
    events: pd.DataFrame  # tick, activity, event, count
    individuals: pd.DataFrame  # one row per person: risk factors, final status per activity
    config: Config  # the resolved config (rerun it to reproduce)
    model: PopulationModel  # inspect people: model.individuals[i].status("substance")
    survey: pd.DataFrame | None = None  # year, age_band, activity, measure, value


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
    from addsim.population.config import Config, with_overrides
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
    config = with_overrides(config, overrides)
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
    from addsim.population.config import plain

    if not isinstance(sweep, (str, Path, Mapping)):
        raise ConfigError(f"sweep: got {shown(sweep)} ({type(sweep).__name__}), expected a "
                          "sweep TOML path or a dict with base and sweep tables")
    out = _path_or_none(out, "out", "a folder path")
    if out is None:
        raise ConfigError("out: got None, expected a folder path")
    workers = plain(workers)
    scheduler = _path_or_none(scheduler, "scheduler", "an address such as tcp://host:8786")
    check_workers(workers, scheduler, "workers")
    folder = check_folder(str(out), "out")
    plan = (plan_from_dict(plain(dict(sweep))) if isinstance(sweep, Mapping)
            else load_sweep(sweep))
    prepare(plan, folder)
    with open_executor(workers, None if scheduler is None else str(scheduler)) as (ex, _):
        return run_batch(plan, folder, ex)


__all__ = ["Result", "batch", "load_config", "run"]
