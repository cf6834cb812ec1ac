"""Statuses and events of N individuals in one activity, from a rolling window of choices.

Rules, applied every tick in this order (defaults in population/config.py ``StatusCfg``):

- never_exposed: has never had an opportunity.
- addicted: the addictive action was chosen in at least ``addicted_fraction`` of the last
  ``window`` opportunities (the window must be full); relapsed instead of addicted when the
  individual has been abstinent before.
- abstinent: was addicted (or relapsed) and has not used for ``abstinence_ticks`` ticks;
  entering it clears the choice window, so a return needs new use. Stays abstinent until
  addicted again (a relapse).
- user: otherwise, used within the last ``use_recency`` ticks.
- exposed: otherwise (opportunities, no recent use).

Events, counted on the tick they happen: initiation (first use ever), onset (first time
addicted), cessation (addicted or relapsed -> abstinent), relapse (-> relapsed).
"""

from __future__ import annotations

import numpy as np

from addsim import _jit
from addsim._jit import CHUNK, jit_parallel, prange
from addsim.population.config import StatusCfg

NEVER_EXPOSED, EXPOSED, USER, ADDICTED, ABSTINENT, RELAPSED = range(6)
STATUSES = ("never_exposed", "exposed", "user", "addicted", "abstinent", "relapsed")
EVENTS = ("initiations", "onsets", "cessations", "relapses")


# The thresholds are the config's: one home for their names, defaults and ranges.
StatusRules = StatusCfg


class StatusTracker:
    """Per-individual status of one activity; memory: ``window`` bytes + ~20 bytes each."""

    def __init__(self, n: int, rules: StatusRules) -> None:
        self.n, self.rules = n, rules
        self.status = np.full(n, NEVER_EXPOSED, dtype=np.uint8)
        self.choices = np.zeros((n, rules.window), dtype=np.uint8)  # ring buffer per person
        self.ptr = np.zeros(n, dtype=np.int32)
        self.filled = np.zeros(n, dtype=np.int32)
        self.total = np.zeros(n, dtype=np.int32)  # addictive choices in the window
        self.last_use = np.full(n, -(2**30), dtype=np.int64)
        self.ever_used = np.zeros(n, dtype=bool)
        self.ever_addicted = np.zeros(n, dtype=bool)
        self.ever_abstinent = np.zeros(n, dtype=bool)
        self._need = int(np.ceil(rules.addicted_fraction * rules.window - 1e-9))

    def reset(self, rows: np.ndarray) -> None:
        """Rows ``rows`` start afresh (newcomers who replace leavers): never exposed, no record."""
        self.status[rows] = NEVER_EXPOSED
        self.choices[rows] = 0
        for arr in (self.ptr, self.filled, self.total):
            arr[rows] = 0
        self.last_use[rows] = -(2**30)
        for arr in (self.ever_used, self.ever_addicted, self.ever_abstinent):
            arr[rows] = False

    def using(self, tick: int) -> np.ndarray:
        """Who counts as currently using (used within ``use_recency`` ticks), (N,) bool."""
        return (tick - self.last_use) < self.rules.use_recency

    def update(self, tick: int, opportunity: np.ndarray, used: np.ndarray) -> np.ndarray:
        """Fold in this tick's opportunities and uses; returns the event counts (4,)."""
        if _jit.ENABLED:
            r = self.rules
            n_chunks = (self.n + CHUNK - 1) // CHUNK
            events = np.zeros((n_chunks, len(EVENTS)), dtype=np.int64)
            _update_kernel(
                tick, np.asarray(opportunity, bool), np.asarray(used, bool), self.status,
                self.choices, self.ptr, self.filled, self.total, self.last_use, self.ever_used,
                self.ever_addicted, self.ever_abstinent, self._need, r.use_recency,
                r.abstinence_ticks, events,
            )
            return events.sum(axis=0)
        return self._update_numpy(tick, opportunity, used)

    def _update_numpy(self, tick: int, opportunity: np.ndarray, used: np.ndarray) -> np.ndarray:
        """:meth:`update` as numpy expressions (the reference form of the compiled pass)."""
        r = self.rules
        idx = np.flatnonzero(opportunity)
        if idx.size:
            slot = self.ptr[idx]
            old = self.choices[idx, slot]
            new = used[idx].astype(np.uint8)
            self.choices[idx, slot] = new
            self.total[idx] += new.astype(np.int32) - old
            self.ptr[idx] = (slot + 1) % r.window
            self.filled[idx] = np.minimum(self.filled[idx] + 1, r.window)
        initiation = used & ~self.ever_used
        self.ever_used |= used
        self.last_use = np.where(used, tick, self.last_use)

        prev = self.status
        was_addicted = (prev == ADDICTED) | (prev == RELAPSED)
        since = tick - self.last_use
        cease = was_addicted & (since >= r.abstinence_ticks)
        if cease.any():
            self.choices[cease] = 0
            self.total[cease] = 0
            self.filled[cease] = 0
            self.ever_abstinent |= cease
        addicted_now = (self.filled >= r.window) & (self.total >= self._need)
        onset = addicted_now & ~self.ever_addicted
        self.ever_addicted |= addicted_now
        status = np.where(
            addicted_now,
            np.where(self.ever_abstinent, RELAPSED, ADDICTED),
            np.where(
                cease | (prev == ABSTINENT),
                ABSTINENT,
                np.where(
                    since < r.use_recency,
                    USER,
                    np.where((prev == NEVER_EXPOSED) & ~opportunity, NEVER_EXPOSED, EXPOSED),
                ),
            ),
        ).astype(np.uint8)
        relapse = (status == RELAPSED) & (prev != RELAPSED)
        self.status = status
        return np.array(
            [initiation.sum(), onset.sum(), cease.sum(), relapse.sum()], dtype=np.int64
        )

    def counts(self) -> np.ndarray:
        """Individuals in each of the six statuses, (6,) int64."""
        if _jit.ENABLED:  # one pass over the uint8 codes (bincount widens them to intp)
            n_chunks = (self.n + CHUNK - 1) // CHUNK
            out = np.zeros((n_chunks, len(STATUSES)), dtype=np.int64)
            _counts_kernel(self.status, out)
            return out.sum(axis=0)
        return np.bincount(self.status, minlength=len(STATUSES)).astype(np.int64)


@jit_parallel
def _update_kernel(
    tick, opportunity, used, status, choices, ptr, filled, total, last_use, ever_used,
    ever_addicted, ever_abstinent, need, use_recency, abstinence_ticks, events,
):  # pragma: no cover - compiled
    """The status rules of :meth:`StatusTracker._update_numpy` as one pass over individuals;
    ``events`` (chunks, 4) receives each chunk's event counts."""
    n, window = choices.shape
    chunk = CHUNK
    for c in prange((n + chunk - 1) // chunk):
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            u = used[i]
            if opportunity[i]:
                slot = ptr[i]
                total[i] += np.int32(u) - np.int32(choices[i, slot])
                choices[i, slot] = u
                ptr[i] = (slot + 1) % window
                filled[i] = min(filled[i] + 1, window)
            if u:
                if not ever_used[i]:
                    events[c, 0] += 1  # initiation
                    ever_used[i] = True
                last_use[i] = tick
            prev = status[i]
            since = tick - last_use[i]
            cease = (prev == ADDICTED or prev == RELAPSED) and since >= abstinence_ticks
            if cease:
                choices[i, :] = 0
                total[i] = 0
                filled[i] = 0
                ever_abstinent[i] = True
                events[c, 2] += 1
            addicted_now = filled[i] >= window and total[i] >= need
            if addicted_now:
                if not ever_addicted[i]:
                    events[c, 1] += 1  # onset
                    ever_addicted[i] = True
                new = RELAPSED if ever_abstinent[i] else ADDICTED
            elif cease or prev == ABSTINENT:
                new = ABSTINENT
            elif since < use_recency:
                new = USER
            elif prev == NEVER_EXPOSED and not opportunity[i]:
                new = NEVER_EXPOSED
            else:
                new = EXPOSED
            if new == RELAPSED and prev != RELAPSED:
                events[c, 3] += 1
            status[i] = new


@jit_parallel
def _counts_kernel(status, out):  # pragma: no cover - compiled
    """``out[c, k]``: individuals of chunk ``c`` with status code ``k``."""
    n = status.size
    chunk = CHUNK
    for c in prange((n + chunk - 1) // chunk):
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            out[c, status[i]] += 1
