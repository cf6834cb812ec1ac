"""When each person first used and first met the disorder criteria, per activity.

A per-person record the people table (``individuals``) reports as ``<activity>_first_use_tick``
and ``<activity>_onset_tick``: the tick of the person's first use and of their first onset
(first time addicted) in this row's current life (a newcomer who replaces a leaver starts
with neither). Written after each activity's status update from the tracker's ``ever_used``
and ``ever_addicted`` (population/status.py), and only on ticks with an initiation or an
onset, so it costs nothing on the others. An extension of ours (bookkeeping, no mechanism).
"""

from __future__ import annotations

import numpy as np

NEVER = -1  # no first use (or onset) yet


class FirstTicks:
    """Ticks of first use and first onset, (activities, N) int64 each, NEVER where none."""

    def __init__(self, n: int, activities: int) -> None:
        self.first_use = np.full((activities, n), NEVER, dtype=np.int64)
        self.onset = np.full((activities, n), NEVER, dtype=np.int64)

    def step(self, tick: int, j: int, tracker: object, events: np.ndarray) -> None:
        """After activity ``j``'s status update at ``tick``: mark the first uses and onsets
        (``events``: the tracker's counts of initiations, onsets, ...)."""
        if events[0]:
            new = self.first_use[j] == NEVER
            new &= tracker.ever_used  # type: ignore[attr-defined]
            self.first_use[j][new] = tick
        if events[1]:
            new = self.onset[j] == NEVER
            new &= tracker.ever_addicted  # type: ignore[attr-defined]
            self.onset[j][new] = tick

    def reset_rows(self, rows: np.ndarray) -> None:
        """Newcomers in ``rows``: no first use, no onset."""
        self.first_use[:, rows] = NEVER
        self.onset[:, rows] = NEVER
