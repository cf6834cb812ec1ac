"""The frame-source interface: everything the viewer needs, and nothing about models.

The viewer draws from a :class:`FrameSource` (positions come from the edges via viz.layout,
statuses and prevalence per tick, a person-detail call). ``addsim.population.cli.view.sources``
provides a live source (a model stepping in the viewer's process) and a replay source (a
run's history).

Optional members, used when a source has them: ``years_per_tick`` (float: the viewer shows
time in years) and ``ages()`` (current ages in years, (N,) float: the age filter, and a new
person is told apart by an age that fell).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass
class Person:
    """What the person panel shows about one individual (values at the shown tick)."""

    index: int
    status: int  # code into FrameSource.statuses
    degree: int = 0
    risk_factors: dict[str, float] = field(default_factory=dict)
    n_latent: int | None = None  # latent states in use (None: unknown)
    action_values: dict[str, float] = field(default_factory=dict)
    history: np.ndarray | None = None  # status code per tick so far (None: not kept)
    note: str = ""  # e.g. "values at the end of the run"
    age: float | None = None  # years (None: the source has no ages)
    sex: str | None = None  # "female" or "male" (None: the source has no sexes)
    # the planner learner's state (agents/model_based.py): "withdrawal" (h* - h, the internal
    # state below its setpoint) and "habit" (the habit's share in the last choice's value)
    planner: dict[str, float] = field(default_factory=dict)


@runtime_checkable
class FrameSource(Protocol):
    """A stream of population frames: a live model or a recorded run.

    ``tick`` counts the ticks done: ``status(a)`` is the state after them (tick 0: start) and
    ``prevalence(a)`` has one row per tick done (row t: counts after tick t + 1).
    """

    n: int  # individuals
    activities: tuple[str, ...]
    statuses: tuple[str, ...]  # status names by code
    live: bool  # True: steps a model (can take interventions); False: a replay (can go back)
    title: str

    @property
    def tick(self) -> int:
        """Ticks done for the state shown."""
        ...

    @property
    def horizon(self) -> int:
        """Ticks the curves' time axis spans (the run's length, or further when live)."""
        ...

    def edges(self) -> np.ndarray:
        """The network's undirected edges, (E, 2) int64."""
        ...

    def layout_path(self) -> Path | None:
        """Where the layout of this graph is cached (None: do not cache)."""
        ...

    def status(self, activity: int) -> np.ndarray:
        """Status code of every individual at the current tick, (N,) uint8."""
        ...

    def prevalence(self, activity: int) -> np.ndarray:
        """Individuals per status after each tick done so far, (tick, len(statuses))."""
        ...

    def markers(self, activity: int) -> list[tuple[int, str]]:
        """Interventions as (tick, label), for marking on the curves."""
        ...

    def advance(self, ticks: int) -> int:
        """Move ``ticks`` forward (negative: back, replay only); returns the ticks moved."""
        ...

    def person(self, index: int, activity: int) -> Person:
        """The detail of individual ``index`` for the person panel."""
        ...

    def treat(self) -> str:
        """Apply a treatment wave now (live only); returns a one-line message to show."""
        ...
