"""The run's one record sink: what happened, per tick, per event and per person.

The recorder module (population/modules.py) writes it each recorded tick; interventions add
their events as they are applied. Everything that reports a run reads it through the model's
public accessors (:meth:`PopulationModel.prevalence`, :meth:`~PopulationModel.events`,
:meth:`~PopulationModel.status_counts`, :meth:`~PopulationModel.status_history`, the
``applied`` interventions and Mesa's ``datacollector``): the exports, the viewer, the API and
Mesa's DataCollector, whose reporters read the row of the tick just done (collected each tick,
as Mesa 3.5's ``batch_run`` expects).

- ``table``: per tick and activity the status counts, the events, the leavers (everyone who
  died, those of them addicted in the activity, those at the maximum age) and the mean
  P(addictive) (:data:`COLUMNS`);
- ``events``: (tick, activity, event, count) as they happened: the status events (onset,
  cessation, relapse, ...) and each intervention as ``intervention:<kind>`` with the people
  it reached;
- ``history``: per tick, activity and person the status code (``run.history``), or None.
"""

from __future__ import annotations

import numpy as np

from addsim.population.status import EVENTS, STATUSES

LIFE_COLUMNS = ("deaths", "deaths_addicted", "aged_out")  # leavers per tick and activity
COLUMNS = (*STATUSES, *EVENTS, *LIFE_COLUMNS, "p_addictive")
INTERVENTION = "intervention:"  # the event name of an intervention is this and its kind


class Records:
    """Per-tick table, events and the optional status history of one run (see the module
    docstring); grown when a run goes past its configured ticks."""

    def __init__(self, ticks: int, activities: tuple[str, ...], n: int, history: bool) -> None:
        self.table = np.zeros((ticks, len(activities), len(COLUMNS)))
        self.history = (np.zeros((ticks, len(activities), n), dtype=np.uint8)
                        if history else None)
        self.events: list[tuple[int, str, str, int]] = []  # tick, activity, event, count

    def grow(self) -> None:
        """Double the room for ticks (a run continued past ``run.ticks``)."""
        extra = max(1, self.table.shape[0])
        self.table = np.concatenate([self.table, np.zeros_like(self.table[:extra])])
        if self.history is not None:
            self.history = np.concatenate([self.history, np.zeros_like(self.history[:extra])])

    def intervention(self, tick: int, kind: str, activity: str, people: int) -> None:
        """An intervention applied at ``tick`` to ``activity``, reaching ``people``."""
        self.events.append((tick, activity, f"{INTERVENTION}{kind}", people))

    def applied(self) -> list[tuple[int, str, str, int]]:
        """The interventions applied so far: (tick, kind, activity, people)."""
        return [(t, e.removeprefix(INTERVENTION), a, k) for t, a, e, k in self.events
                if e.startswith(INTERVENTION)]


__all__ = ["COLUMNS", "INTERVENTION", "LIFE_COLUMNS", "Records"]
