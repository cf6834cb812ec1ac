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
tests stay on one worker, so module fixtures are built once) the workers share it through
files in the run's shared temporary folder: each seed is built by whichever worker gets to it
first, and read by the other.
"""

from __future__ import annotations

import fcntl
import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd
import pytest

from addsim.population.config import Config

DEFAULT_SEEDS = tuple(range(10, 20))  # the default's test seeds (the validation uses 7000-)
_BURN_IN = Config.burn_in_ticks  # the real property, before any test patches it
T = TypeVar("T")
K = TypeVar("K")


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
    """One run of the default: its survey (both activities and sexes) and the substance's
    disorder episodes."""

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


def shared_each(factory: pytest.TempPathFactory, name: str, keys: Sequence[K],
                build: Callable[[K], T]) -> list[T]:
    """``[build(k) for k in keys]``, each built once per test run whatever the number of
    xdist workers, and by whichever worker is free: a worker builds every item no other
    worker is building (an exclusive lock taken without waiting), pickling each into the
    run's shared temporary folder, then waits for the others' items and reads them. Two
    workers that need the items at the same time build half each instead of one waiting
    for the other. Without xdist, the list built here."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return [build(k) for k in keys]
    root = factory.getbasetemp().parent  # one folder per run, above each worker's own
    paths = {k: root / f"{name}-{k}.pickle" for k in keys}

    def make(k: K, wait: bool) -> bool:
        with open(root / f"{name}-{k}.lock", "w") as held:
            try:
                fcntl.flock(held, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                return False  # another worker is building it
            if not paths[k].exists():  # (or a worker that held the lock died mid-way)
                part = paths[k].with_suffix(f".{os.getpid()}.part")
                part.write_bytes(pickle.dumps(build(k)))
                part.replace(paths[k])
            return True

    for k in keys:
        make(k, wait=False)
    for k in keys:
        make(k, wait=True)
    return [pickle.loads(paths[k].read_bytes()) for k in keys]


@pytest.fixture(scope="session")
def default_runs(tmp_path_factory: pytest.TempPathFactory) -> list[DefaultRun]:
    """The default on DEFAULT_SEEDS, once a test run."""
    return shared_each(tmp_path_factory, "default_runs", DEFAULT_SEEDS, run_default)


# The modules that take most of the suite's time, heaviest first (their --durations in a CI
# run of 2026-12-07, 24.6 min on two workers, tests 2.5 - 9 min each). Under xdist they are
# handed out first, so that the two workers end together: by default loadscope hands out the
# modules with the most tests first, which left the long science modules for the end, one
# worker running them alone for minutes.
HEAVY_FIRST = ("test_reproduce.py", "test_escalation.py", "test_calibrate.py",
               "test_default_scenario.py", "test_gambling.py", "test_model.py",
               "test_survey.py", "test_cli_reproduce.py", "test_speed_accuracy.py",
               "test_faults.py", "test_comorbidity.py", "test_renewal.py", "test_compare.py",
               "test_batch.py", "test_devaluation.py")


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config.option, "loadscopereorder"):  # xdist: hand modules out in our order
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The heavy modules first (HEAVY_FIRST's order), then the rest as collected."""
    rank = {name: i for i, name in enumerate(HEAVY_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))
