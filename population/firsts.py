"""When each person first used and first met the disorder criteria, per activity.

A module of the tick (population/modules.py), inserted after the status module: it keeps per
person and activity the tick of the first use and of the first onset (first time addicted) in
this row's current life (a newcomer who replaces a leaver starts with neither), which the
people table (``individuals``) reports as ``<activity>_first_use_tick`` and
``<activity>_onset_tick``, in recorded ticks (negative: during the burn-in). It reads the
trackers' ``ever_used`` and ``ever_addicted`` (population/status.py) and works only on ticks
with an initiation or an onset. An extension of ours (bookkeeping, no mechanism).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from addsim.population.modules import Default, Module, Status
from addsim.population.status import NEVER  # no first use (or onset) yet

if TYPE_CHECKING:
    from addsim.population.model import PopulationModel


class FirstTicks(Module):
    """Ticks of first use and first onset, (activities, N) int64 each, NEVER where none.
    Recorded ticks, as in every other table: negative during the burn-in (before the
    recorded years)."""

    name = "first ticks"
    doc = "the tick of each person's first use and first onset (the people table)"

    def __init__(self, model: PopulationModel) -> None:
        super().__init__(model)
        k, n = len(model.activity_names), model.n
        self.first_use = np.full((k, n), NEVER, dtype=np.int64)
        self.onset = np.full((k, n), NEVER, dtype=np.int64)

    def states(self) -> dict[str, tuple[np.ndarray, Default]]:
        out: dict[str, tuple[np.ndarray, Default]] = {}
        for j, act in self.acts():
            out[f"{act.name}.first_use_tick"] = (self.first_use[j], NEVER)
            out[f"{act.name}.onset_tick"] = (self.onset[j], NEVER)
        return out

    def step(self, t: int) -> None:
        events = self.model.module(Status).events
        t -= self.model.burn_in_ticks  # the recorded tick
        for j, act in self.acts():
            initiations, onsets = events[act.name][:2]
            if initiations:
                new = self.first_use[j] == NEVER
                new &= act.tracker.ever_used
                self.first_use[j][new] = t
            if onsets:
                new = self.onset[j] == NEVER
                new &= act.tracker.ever_addicted
                self.onset[j][new] = t
