"""Shared test settings and the shared 20-year default runs.

The default config simulates a whole life (68 years) before the first recorded tick
(``run.burn_in``, population/config.py), which multiplies a short run's cost by up to a
hundred. Tests of mechanisms do not need a population with a past, so in-process tests run
without the default burn-in: a test that needs one sets ``run.burn_in`` or is marked
``whole_burn_in`` (the default scenario's targets, the burn-in's own tests). The burn-in's cost
is measured in benchmarks/ (bench_cli.py's default run), not here.

``default_runs`` runs the embedded default (1,000 people, 20 years after its burn-in) once
per test session on the seeds the default's tests use, for every test that reads it. Under
pytest-xdist (the README's test command runs two workers, ``--dist loadscope``: a module's
tests stay on one worker, so module fixtures are built once) the workers share it through a
file in the run's shared temporary folder: the first to need it builds it, the other waits
for it and reads it.
"""

from __future__ import annotations

import fcntl
import os
import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd
import pytest

from addsim.population.config import Config

DEFAULT_SEEDS = tuple(range(10, 20))  # the default's test seeds (the validation uses 7000-)
_BURN_IN = Config.burn_in_ticks  # the real property, before any test patches it
T = TypeVar("T")


@pytest.fixture(autouse=True, scope="session")
def _no_default_burn_in() -> Iterator[None]:
    """For the whole session (module fixtures included): no burn-in unless run.burn_in."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Config, "burn_in_ticks", property(lambda self: self.run.burn_in or 0))
        yield


@pytest.fixture(autouse=True)
def _whole_burn_in(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests marked ``whole_burn_in`` get the default burn-in back."""
    if request.node.get_closest_marker("whole_burn_in") is not None:
        monkeypatch.setattr(Config, "burn_in_ticks", _BURN_IN)


@dataclass
class DefaultRun:
    """One run of the default: its substance survey (both sexes) and disorder episodes."""

    seed: int
    survey: pd.DataFrame
    episodes: pd.DataFrame


def run_default(seed: int, sets: list[str] | None = None) -> DefaultRun:
    """The embedded default with its whole burn-in on ``seed`` (and ``sets``)."""
    from addsim.population import config as C
    from addsim.population.episodes import disorder_episodes
    from addsim.population.model import PopulationModel

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Config, "burn_in_ticks", _BURN_IN)
        model = PopulationModel(C.load(sets=[f"run.seed={seed}", "run.history=true",
                                             *(sets or [])]))
        model.run(model.config.run.ticks)
    j = list(model.activity_names).index("substance")
    return DefaultRun(seed, pd.DataFrame(model.survey_table()),
                      disorder_episodes(np.asarray(model.history[: model.tick, j, :]),
                                        model.years_per_tick))


def shared(factory: pytest.TempPathFactory, name: str, build: Callable[[], T]) -> T:
    """``build()`` once per test run, whatever the number of xdist workers: the first worker
    to ask builds it under an exclusive lock and pickles it into the run's shared temporary
    folder; the others wait on the lock and read it. Without xdist, ``build()``."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return build()
    root = factory.getbasetemp().parent  # one folder per run, above each worker's own
    path = root / f"{name}.pickle"
    with open(root / f"{name}.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        if path.exists():
            return pickle.loads(path.read_bytes())
        value = build()
        path.write_bytes(pickle.dumps(value))
        return value


@pytest.fixture(scope="session")
def default_runs(tmp_path_factory: pytest.TempPathFactory) -> list[DefaultRun]:
    """The default on DEFAULT_SEEDS, once a test run."""
    return shared(tmp_path_factory, "default_runs",
                  lambda: [run_default(seed) for seed in DEFAULT_SEEDS])
