"""Statuses and events of N individuals in one activity, from behaviour over calendar time.

Every tick each person's use (the drug taken, a bet placed) and seeking (the addictive action
chosen without an offer, or a search that found nothing: time spent obtaining) go into a ring
of the last ``window`` ticks (a calendar window, default 52 weeks: DSM-5's 12-month period).
A use takes ``use_ticks`` ticks of the task (the choice, then the drug or outcome state: 2), so
a window holds at most ``window / use_ticks`` uses, the *reachable* uses; the thresholds are
shares of those (defaults in population/config.py ``StatusCfg``):

- criteria over the window: uses >= ``need`` = ceil(``addicted_fraction`` x reachable uses)
  AND seeks >= ceil(``seek_fraction`` x ``window``) (seek_fraction applies only when the
  activity can be sought).
- criteria over the last ``abstinence_ticks`` (R, default 13 weeks: DSM-5's three months):
  frequent use = uses >= ceil(``addicted_fraction`` x R / use_ticks), at least 1; seeking =
  seeks >= ceil(``seek_fraction`` x R), at least 1 (when seeking applies).

Rules, applied every tick in this order (``status.rule = "dsm5"``, the default):

- never_exposed: has never had an opportunity.
- addicted (relapsed instead when in remission before): the window's criteria are met and the
  use is frequent over the last R ticks. Disorder is an episode, not a weekly verdict: it
  lasts while any criterion (frequent use, or seeking) has been met within the last R ticks.
- abstinent (in remission): was in disorder and no criterion has been met for R ticks (DSM-5
  early remission: none of the criteria for at least 3 months). Use below the frequent rate
  without seeking is controlled use, in remission. The window is kept across remission, so
  a return to frequent use restores disorder within R ticks (early remission, then relapse);
  it stays abstinent until then.
- user: otherwise, used within the last ``use_recency`` ticks (default 4 weeks: past month).
- exposed: otherwise (opportunities, no recent use).

``status.rule = "frequency"`` is the earlier rule, kept as an ablation: disorder whenever the
window's criteria are met (no recent-use condition), remission after R ticks without use or
R ticks with the window's criteria unmet (a dip in frequency), and the window cleared at
remission (so no return to disorder within ``need`` uses).

Against DSM-5 substance use disorder (2 or more of 11 criteria within 12 months): frequent
use stands for impaired control (more, or longer, than intended; unsuccessful efforts to cut
down), seeking for "a great deal of time spent obtaining" and craving, and both persisting
while use carries growing costs (population/config.py ``ConsequencesCfg``) for "continued use
despite problems". The thresholds are config fields; a survey's criteria count is not
modelled one by one. American Psychiatric Association (2013) DSM-5, substance use disorder
and its remission specifiers.

Events, counted on the tick they happen: initiation (first use ever), onset (first time
addicted), cessation (addicted or relapsed -> abstinent), relapse (-> relapsed).
Per person the tracker also keeps the ticks of the last use, the last tick in disorder and the
last cessation, which the survey measures read (population/survey.py).
"""

from __future__ import annotations

import numpy as np

from addsim._jit import CHUNK, jit_parallel, prange
from addsim.population.config import StatusCfg

NEVER_EXPOSED, EXPOSED, USER, ADDICTED, ABSTINENT, RELAPSED = range(6)
STATUSES = ("never_exposed", "exposed", "user", "addicted", "abstinent", "relapsed")
EVENTS = ("initiations", "onsets", "cessations", "relapses")
DISORDER = (ADDICTED, RELAPSED)  # the statuses in disorder
NEVER = -(2**30)  # "no such tick yet"


# The thresholds are the config's: one home for their names, defaults and ranges.
StatusRules = StatusCfg


class StatusTracker:
    """Per-individual status of one activity; memory: ``window`` bytes + ~40 bytes each.

    ``seeking``: whether the activity can be sought (then ``seek_fraction`` applies);
    ``use_ticks``: ticks one use takes in the task (reachable uses = ``window / use_ticks``).
    """

    def __init__(self, n: int, rules: StatusRules, seeking: bool = False,
                 use_ticks: int = 1) -> None:
        self.n, self.rules = n, rules
        w, r = rules.window, rules.abstinence_ticks
        if rules.rule == "dsm5" and r > w:
            raise ValueError(f"status.abstinence_ticks: got {r}, expected at most the window "
                             f"({w} ticks) with the dsm5 rule")
        self.status = np.full(n, NEVER_EXPOSED, dtype=np.uint8)
        # ring of the last w ticks, row t % w (bit 0 used, bit 1 sought): a tick writes one
        # contiguous row, not a byte in every person's cache line
        self.choices = np.zeros((w, n), dtype=np.uint8)
        self.total = np.zeros(n, dtype=np.int32)  # ticks with use in the window
        self.seeks = np.zeros(n, dtype=np.int32)  # ticks with seeking in the window
        self.recent = np.zeros(n, dtype=np.int32)  # ticks with use in the last R ticks
        self.recent_seeks = np.zeros(n, dtype=np.int32)  # ticks with seeking in the last R
        self.last_use = np.full(n, NEVER, dtype=np.int64)
        self.last_disorder = np.full(n, NEVER, dtype=np.int64)  # last tick addicted/relapsed
        self.last_met = np.full(n, NEVER, dtype=np.int64)  # last tick the criteria were met
        self.last_cessation = np.full(n, NEVER, dtype=np.int64)
        self.ever_used = np.zeros(n, dtype=bool)
        self.ever_addicted = np.zeros(n, dtype=bool)
        self.ever_abstinent = np.zeros(n, dtype=bool)
        self.ever_treated = np.zeros(n, dtype=bool)  # set by treatment (population/model.py)
        share, seek = rules.addicted_fraction, rules.seek_fraction if seeking else 0.0
        self._need = max(1, int(np.ceil(share * w / use_ticks - 1e-9)))
        self._need_seek = int(np.ceil(seek * w - 1e-9))
        self.need_recent = max(1, int(np.ceil(share * r / use_ticks - 1e-9)))
        # 0: seeking is no criterion (cannot be sought, or seek_fraction 0)
        self.need_recent_seek = max(1, int(np.ceil(seek * r - 1e-9))) if seek > 0 else 0

    def reset(self, rows: np.ndarray) -> None:
        """Rows ``rows`` start afresh (newcomers who replace leavers): never exposed, no record."""
        self.status[rows] = NEVER_EXPOSED
        self.choices[:, rows] = 0
        for arr in (self.total, self.seeks, self.recent, self.recent_seeks):
            arr[rows] = 0
        for arr in (self.last_use, self.last_disorder, self.last_met, self.last_cessation):
            arr[rows] = NEVER
        for arr in (self.ever_used, self.ever_addicted, self.ever_abstinent, self.ever_treated):
            arr[rows] = False

    def using(self, tick: int) -> np.ndarray:
        """Who counts as currently using (used within ``use_recency`` ticks), (N,) bool."""
        return (tick - self.last_use) < self.rules.use_recency

    def update(
        self, tick: int, opportunity: np.ndarray, used: np.ndarray,
        sought: np.ndarray | None = None,
    ) -> np.ndarray:
        """Fold in this tick's opportunities, uses and seeking; returns the event counts (4,)."""
        sought = np.zeros(self.n, bool) if sought is None else np.asarray(sought, bool)
        r = self.rules
        n_chunks = (self.n + CHUNK - 1) // CHUNK
        events = np.zeros((n_chunks, len(EVENTS)), dtype=np.int64)
        _update_kernel(
            tick, np.asarray(opportunity, bool), np.asarray(used, bool), sought,
            self.status, self.choices, self.total, self.seeks, self.recent, self.recent_seeks,
            self.last_use, self.last_disorder, self.last_met, self.last_cessation,
            self.ever_used, self.ever_addicted, self.ever_abstinent, self._need,
            self._need_seek, self.need_recent, self.need_recent_seek, r.rule == "dsm5",
            r.use_recency, r.abstinence_ticks, events,
        )
        return events.sum(axis=0)

    def counts(self) -> np.ndarray:
        """Individuals in each of the six statuses, (6,) int64 (one pass over the uint8 codes:
        bincount would widen them to intp)."""
        n_chunks = (self.n + CHUNK - 1) // CHUNK
        out = np.zeros((n_chunks, len(STATUSES)), dtype=np.int64)
        _counts_kernel(self.status, out)
        return out.sum(axis=0)


@jit_parallel
def _update_kernel(
    tick, opportunity, used, sought, status, choices, total, seeks, recent, recent_seeks,
    last_use, last_disorder, last_met, last_cessation, ever_used, ever_addicted,
    ever_abstinent, need, need_seek, need_recent, need_recent_seek, dsm5, use_recency,
    remission, events,
):  # pragma: no cover - compiled
    """The status rules (the module docstring, in its order) as one pass over individuals;
    ``events`` (chunks, 4) receives each chunk's event counts: initiation, onset, cessation,
    relapse. ``remission`` (R) is at most the window with the dsm5 rule."""
    window, n = choices.shape
    col = tick % window
    lag = (col - remission % window + window) % window  # the row R ticks back (R <= window)
    chunk = CHUNK
    for c in prange((n + chunk - 1) // chunk):
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            u = used[i]
            k = sought[i]
            old = choices[col, i]
            gone = choices[lag, i]  # leaves the last R ticks (== old when R == window)
            total[i] += np.int32(u) - np.int32(old & 1)
            seeks[i] += np.int32(k) - np.int32(old >> 1)
            recent[i] += np.int32(u) - np.int32(gone & 1)
            recent_seeks[i] += np.int32(k) - np.int32(gone >> 1)
            choices[col, i] = np.uint8(u) | (np.uint8(k) << 1)
            if u:
                if not ever_used[i]:
                    events[c, 0] += 1  # initiation
                    ever_used[i] = True
                last_use[i] = tick
            prev = status[i]
            since = tick - last_use[i]
            was = prev == ADDICTED or prev == RELAPSED
            frequent = recent[i] >= need_recent
            if dsm5:
                seeking_now = need_recent_seek > 0 and recent_seeks[i] >= need_recent_seek
                cease = was and not (frequent or seeking_now)
            else:
                cease = was and (since >= remission or tick - last_met[i] >= remission)
            if cease:
                if not dsm5:  # the frequency rule clears the window
                    for j in range(window):
                        choices[j, i] = 0
                    total[i] = 0
                    seeks[i] = 0
                    recent[i] = 0
                    recent_seeks[i] = 0
                ever_abstinent[i] = True
                last_cessation[i] = tick
                events[c, 2] += 1
            criteria = total[i] >= need and seeks[i] >= need_seek
            if criteria:
                last_met[i] = tick
            if criteria and (frequent or not dsm5):
                if not ever_addicted[i]:
                    events[c, 1] += 1  # onset
                    ever_addicted[i] = True
                new = RELAPSED if ever_abstinent[i] else ADDICTED
            elif was and not cease:
                new = prev
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
            if new == ADDICTED or new == RELAPSED:
                last_disorder[i] = tick
            status[i] = new


@jit_parallel
def _counts_kernel(status, out):  # pragma: no cover - compiled
    """``out[c, k]``: individuals of chunk ``c`` with status code ``k``."""
    n = status.size
    chunk = CHUNK
    for c in prange((n + chunk - 1) // chunk):
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            out[c, status[i]] += 1
