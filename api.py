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

from addsim._errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

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


def load_config(path: str | Path | None = None, sets: Sequence[str] | None = None) -> Config:
    """Read a TOML config (None: the embedded default) with ``key=value`` overrides applied."""
    from addsim.population.config import load

    return load(path, list(sets or []))


def _overrides(overrides: Mapping[str, Any]) -> dict[str, Any]:
    return {SHORTCUTS.get(k, k.replace("__", ".")): v for k, v in overrides.items()}


def run(
    config: Config | str | Path | None = None,
    progress: Callable[[int], None] | None = None,
    **overrides: Any,
) -> Result:
    """Simulate a population: ``config`` (a Config, a TOML path, or None for the default) with
    ``overrides`` (``ticks=``, ``seed=``, ``size=``, ``history=``, ``network=``, or any dotted key
    with ``__`` for the dots), then return its tables. Nothing is written to disk."""
    from addsim.population.config import Config, validate
    from addsim.population.io.export import (
        events_frame,
        individuals_frame,
        prevalence_frame,
        survey_frame,
    )
    from addsim.population.model import PopulationModel

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
                    raise ConfigError(f"{key}: goes through a value that is not a table")
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
    ``workers`` local processes or the Dask cluster at ``scheduler``; resumes what is there."""
    from addsim.population.batches.execute import open_executor, run_batch
    from addsim.population.batches.plan import load_sweep, plan_from_dict
    from addsim.population.batches.store import prepare

    plan = plan_from_dict(dict(sweep)) if isinstance(sweep, Mapping) else load_sweep(sweep)
    out = Path(out)
    prepare(plan, out)
    with open_executor(workers, scheduler) as (executor, _):
        return run_batch(plan, out, executor)


__all__ = ["Result", "batch", "load_config", "run"]
