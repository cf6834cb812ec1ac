"""Survey measures per simulated year and age band, as an epidemiological survey reports them.

At the end of every simulated year (calendar years of 365.25 days; year y ends once
round(y x ticks per year) ticks are done, as durations round: with weekly ticks after 52,
104, 157, ... ticks, so a run of "20 years" has 20), for each activity and age band (12-17,
18-25, 26-34, 35-49, 50-64, 65+, ``18+`` and ``all``), the table ``year, age_band, activity,
measure, value`` gets (``18+``: the adults, the population of the adult surveys most targets
come from, NESARC and NCS-R among them; ``all``: everyone from the entry age on, 12 by
default, as NSDUH's "aged 12 or older"):

- ``lifetime_use``: share who ever used; ``past_year_use`` / ``past_month_use``: share who
  used within the last 52 / 4 ticks (with weekly ticks; a year and a twelfth of it in ticks).
- ``past_year_disorder``: share in disorder (addicted or relapsed) at some tick of the past
  year; ``lifetime_disorder``: share ever addicted; ``conditional_dependence``: ever addicted
  among those who ever used (Lopez-Quintero et al. 2011's "use to dependence").
- ``incidence_use_per_1000py`` / ``incidence_disorder_per_1000py``: first uses / first
  disorders during the year per 1,000 person-years at risk (person-ticks lived before the
  event, the event's tick included; the band of the age at each tick).
- ``past_year_remission``: of the people in disorder during the year before (and still here),
  the share with no disorder this year (NESARC's "prior-to-past-year, no past-year").
- ``relapse_12m``: of the people who left treatment or remitted (ceased) 12 to 24 months
  before the year's end, the share who used again (once is enough) within 12 months.
- ``relapse_frequent_12m``: of the same people, the share back to frequent use within 12
  months: the disorder's use criterion met again (``status.addicted_fraction`` of the
  reachable uses in the last ``status.abstinence_ticks``), McLellan et al. 2000's "return to
  active use". Under DSM-5 a person in remission may still use now and then, so a single use
  after remission is no relapse.
- ``ever_treated``: of the people ever in disorder, the share ever treated (NESARC's
  lifetime treatment among those with a lifetime disorder: Dawson et al. 2005).
- ``deaths_per_1000py``: deaths during the year per 1,000 person-years (the same in every
  activity); ``deaths_disorder_per_1000py``: deaths in disorder per 1,000 person-years lived
  in disorder in this activity.
- ``odds_ratio_gambling_given_substance`` (activity ``all``, both activities enabled): odds of
  ever gambling disorder with, against without, ever substance disorder.
- The peer effect (band ``all``, when the survey knows the network), Christakis and Fowler
  2008's design between yearly waves: ``peer_onset_rr``, the risk of first use this year for
  people who had not used by the year's start, with against without a friend whose first use
  fell in the previous year; ``peer_cessation_rr``, the risk of remission (a cessation) this
  year for people in disorder at the previous year's end, with against without a friend who
  ceased in the previous year. Each with its Katz 95% interval (``_low``, ``_high``) and its
  four counts (``_n_exposed``, ``_k_exposed``, ``_n_unexposed``, ``_k_unexposed``: people and
  events), so that years and runs can be pooled (:func:`pooled_rr`). Only people present since
  the previous year's start count (newcomers have no previous year); a friend who left is no
  longer a friend.

Shares are of the people alive in the band at the year's end; a measure without anyone to
measure (no one at risk, an empty cohort) is NaN. Per tick one compiled pass per activity
accumulates the person-ticks and events; a year's end costs a few numpy passes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from addsim._jit import CHUNK, jit_parallel, prange
from addsim.population import calendar
from addsim.population.lifecourse import EDGES, band_of
from addsim.population.status import ADDICTED, NEVER, RELAPSED

BANDS = ("12-17", "18-25", "26-34", "35-49", "50-64", "65+")  # band_of's 0..5
ADULTS = "18+"  # the bands from 18-25 on, together
ADULT_FROM = BANDS.index("18-25")  # the first band of ADULTS
AGGREGATES = (ADULTS, "all")  # the survey's bands over several of BANDS
# every band of the survey's rows and the BANDS indices (band_of's codes) it pools
GROUPS = (*((b, slice(k, k + 1)) for k, b in enumerate(BANDS)),
          (ADULTS, slice(ADULT_FROM, None)), ("all", slice(None)))
MEASURES = (
    "lifetime_use", "past_year_use", "past_month_use", "past_year_disorder",
    "lifetime_disorder", "conditional_dependence", "incidence_use_per_1000py",
    "incidence_disorder_per_1000py", "past_year_remission", "relapse_12m",
    "relapse_frequent_12m", "ever_treated",
    "deaths_per_1000py", "deaths_disorder_per_1000py",
)
COMORBIDITY = "odds_ratio_gambling_given_substance"
PEER = ("peer_onset_rr", "peer_cessation_rr")
PEER_PARTS = ("", "_low", "_high", "_n_exposed", "_k_exposed", "_n_unexposed", "_k_unexposed")
PEER_MEASURES = tuple(f"{m}{part}" for m in PEER for part in PEER_PARTS)
COLUMNS = ("year", "age_band", "sex", "activity", "measure", "value")
SEXES = ("female", "male")  # the sex codes 0 and 1 (population/model.py)
SEX_MEASURES = ("lifetime_use", "past_year_use", "past_year_disorder", "lifetime_disorder",
                "conditional_dependence", "ever_treated")  # also by sex (bands 18+, all)
# per band and activity, over the current year: person-ticks alive, at risk of first use, at
# risk of first disorder, in disorder; first uses, first disorders; deaths, deaths in disorder
TICKS, RISK_USE, RISK_DIS, TICKS_DIS, FIRST_USE, FIRST_DIS, DEATHS, DEATHS_DIS = range(8)


class Survey:
    """Accumulates one run's survey measures; rows are added at each simulated year's end."""

    def __init__(self, n: int, activities: Sequence[str], days_per_tick: float,
                 friends: Callable[[np.ndarray], np.ndarray] | None = None,
                 origin: int = 0, sex: np.ndarray | None = None) -> None:
        """``friends(mask)``: for every person, how many neighbours are in ``mask`` (the
        network's ``count``); without it no peer-effect rows. ``origin``: the tick that
        starts year 1 (the burn-in before it: its years accumulate, for the cohorts and
        exposures the first recorded year looks back on, and add no rows). ``sex``: each
        person's sex code (the model's array, renewed in place); with it, the share measures
        of :data:`SEX_MEASURES` also by sex."""
        self.sex = sex
        self.n, self.activities = n, tuple(activities)
        self.friends = friends
        self.tpy = calendar.ticks_per_year(days_per_tick)
        self.year_ticks = max(1, round(self.tpy))  # "past year" in ticks
        self.month_ticks = max(1, round(self.tpy / 12))
        self.years_per_tick = 1.0 / self.tpy
        k = len(self.activities)
        self.prev_used = np.zeros((k, n), dtype=bool)
        self.prev_disorder = np.zeros((k, n), dtype=bool)
        self.remit = np.full((k, n), NEVER, dtype=np.int64)  # last cessation / treatment end
        self.first_after = np.full((k, n), NEVER, dtype=np.int64)  # first use after it
        # first tick after it with the disorder's use criterion met again (frequent use)
        self.first_frequent = np.full((k, n), NEVER, dtype=np.int64)
        self.cohort = np.zeros((k, n), dtype=bool)  # in disorder during the previous year
        self.acc = np.zeros((k, len(BANDS), 8), dtype=np.int64)
        self.first_use = np.full((k, n), NEVER, dtype=np.int64)
        self.entered = np.zeros(n, dtype=np.int64)  # tick a row's person arrived
        self.next_tick = 0
        # at the previous year's end: first use during that year, cessation during it,
        # in disorder at its end (the peer effect's exposures and the cessation cohort)
        self.onset_prev = np.zeros((k, n), dtype=bool)
        self.ceased_prev = np.zeros((k, n), dtype=bool)
        self.dis_prev = np.zeros((k, n), dtype=bool)
        self.origin = origin
        self.year = 0  # the year under way is year + 1; years <= 0 are the burn-in's
        while round(self.year * self.tpy) > -origin:
            self.year -= 1
        self.first_year = self.year + 1  # the first year observed (it has no previous one)
        self.rows: list[tuple[int, str, str, str, str, float]] = []

    def reset(self, rows: np.ndarray) -> None:
        """Newcomers in ``rows``: no history, in no cohort."""
        for arr in (self.prev_used, self.prev_disorder, self.cohort, self.onset_prev,
                    self.ceased_prev, self.dis_prev):
            arr[:, rows] = False
        for arr in (self.remit, self.first_after, self.first_frequent, self.first_use):
            arr[:, rows] = NEVER
        self.entered[rows] = self.next_tick

    def record_deaths(self, bands: np.ndarray, disorder: Sequence[np.ndarray]) -> None:
        """Count this tick's deaths: ``bands`` the age bands of the dead, ``disorder`` per
        activity whether each of them was in disorder (before their rows are renewed)."""
        if not bands.size:
            return
        for j, dis in enumerate(disorder):
            self.acc[j, :, DEATHS] += np.bincount(bands, minlength=len(BANDS))
            self.acc[j, :, DEATHS_DIS] += np.bincount(bands[dis], minlength=len(BANDS))

    def observe(self, tick: int, bands: np.ndarray, trackers: Sequence[Any],
                treated_until: Sequence[np.ndarray]) -> None:
        """Fold in tick ``tick`` (after every activity's status update; ``bands``: each
        person's age band, :func:`band_of`); at a year's end, add that year's rows."""
        for j, (tr, until) in enumerate(zip(trackers, treated_until, strict=True)):
            n_chunks = (self.n + CHUNK - 1) // CHUNK
            out = np.zeros((n_chunks, len(BANDS), 6), dtype=np.int64)
            _accumulate_kernel(
                tick, bands, tr.ever_used, tr.ever_addicted, tr.status, tr.last_use,
                tr.last_cessation, until, self.prev_used[j], self.prev_disorder[j],
                self.remit[j], self.first_after[j], self.first_use[j], tr.recent,
                tr.need_recent, self.first_frequent[j], out,
            )
            self.acc[j, :, :6] += out.sum(axis=0)
        self.next_tick = tick + 1
        if tick + 1 - self.origin >= round((self.year + 1) * self.tpy):
            self.year += 1
            self._year_end(tick, bands, trackers)

    def _year_end(self, tick: int, bands: np.ndarray, trackers: Sequence[Any]) -> None:
        """Add this year's rows (none in the burn-in) and start the next year's
        accumulators."""
        nb, year = len(BANDS), self.year
        keep = year >= 1
        n_rows = len(self.rows)
        alive = np.bincount(bands, minlength=nb).astype(np.float64)
        ever_dis = []
        for j, (name, tr) in enumerate(zip(self.activities, trackers, strict=True)):
            acc = self.acc[j].astype(np.float64)
            pyd = tr.last_disorder > tick - self.year_ticks
            remit, after = self.remit[j], self.first_after[j]
            cohort_r = (remit <= tick - self.year_ticks) & (remit > tick - 2 * self.year_ticks)
            relapsed = cohort_r & (after != NEVER) & (after - remit <= self.year_ticks)
            frequent = self.first_frequent[j]
            relapsed_frequent = (cohort_r & (frequent != NEVER)
                                 & (frequent - remit <= self.year_ticks))
            masks = {
                "ever_used": tr.ever_used,
                "past_year": tr.last_use > tick - self.year_ticks,
                "past_month": tr.last_use > tick - self.month_ticks,
                "pyd": pyd,
                "ever_dis": tr.ever_addicted,
                "ever_treated": tr.ever_addicted & tr.ever_treated,
                "cohort": self.cohort[j],
                "remitted": self.cohort[j] & ~pyd,
                "cohort_r": cohort_r,
                "relapsed": relapsed,
                "relapsed_frequent": relapsed_frequent,
            }
            counts = {"n": alive, **{k: self._count(bands, v) for k, v in masks.items()}}
            ever_dis.append(tr.ever_addicted)
            for band, sel in GROUPS:  # the bands, then 18+ and all
                c = {k: float(np.sum(v[sel])) for k, v in counts.items()}
                a = acc[sel].sum(axis=0)
                values = {
                    **_shares(c),
                    "past_month_use": _ratio(c["past_month"], c["n"]),
                    "incidence_use_per_1000py": self._rate(a[FIRST_USE], a[RISK_USE]),
                    "incidence_disorder_per_1000py": self._rate(a[FIRST_DIS], a[RISK_DIS]),
                    "past_year_remission": _ratio(c["remitted"], c["cohort"]),
                    "relapse_12m": _ratio(c["relapsed"], c["cohort_r"]),
                    "relapse_frequent_12m": _ratio(c["relapsed_frequent"], c["cohort_r"]),
                    "deaths_per_1000py": self._rate(a[DEATHS], a[TICKS]),
                    "deaths_disorder_per_1000py": self._rate(a[DEATHS_DIS], a[TICKS_DIS]),
                }
                self.rows += [(year, band, "all", name, m, values[m]) for m in MEASURES]
            if self.sex is not None and keep:
                self._sex_rows(year, name, masks, bands)
            self.cohort[j] = pyd
            if self.friends is not None:
                self._peer_rows(j, name, tick, tr)
        if {"substance", "gambling"} <= set(self.activities):
            s = ever_dis[self.activities.index("substance")]
            g = ever_dis[self.activities.index("gambling")]
            self.rows.append((year, "all", "all", "all", COMORBIDITY, odds_ratio(g, s)))
        if not keep:
            del self.rows[n_rows:]
        self.acc[:] = 0

    def _peer_rows(self, j: int, name: str, tick: int, tr: Any) -> None:
        """This year's peer-effect rows for activity ``j``, then this year's exposures kept
        for the next year's."""
        assert self.friends is not None
        start = tick - self.year_ticks  # this year: ticks start+1 .. tick
        present = self.entered <= start - self.year_ticks + 1  # since the previous year's start
        first = self.first_use[j]
        onset = (first > start)
        ceased = tr.last_cessation > start
        if self.year > self.first_year:  # the first year observed has no previous one
            at_risk = present & ~(tr.ever_used & (first <= start))
            exposed = self.friends(self.onset_prev[j]) > 0
            self._rr_rows(name, "peer_onset_rr", at_risk, exposed, onset)
            cohort = present & self.dis_prev[j]
            exposed = self.friends(self.ceased_prev[j]) > 0
            self._rr_rows(name, "peer_cessation_rr", cohort, exposed, ceased)
        self.onset_prev[j] = onset
        self.ceased_prev[j] = ceased
        self.dis_prev[j] = (tr.status == ADDICTED) | (tr.status == RELAPSED)

    def _rr_rows(self, name: str, measure: str, cohort: np.ndarray, exposed: np.ndarray,
                 event: np.ndarray) -> None:
        counts = (float(np.sum(cohort & exposed)), float(np.sum(cohort & exposed & event)),
                  float(np.sum(cohort & ~exposed)), float(np.sum(cohort & ~exposed & event)))
        values = (*relative_risk(*counts), *counts)
        self.rows += [(self.year, "all", "all", name, f"{measure}{part}", v)
                      for part, v in zip(PEER_PARTS, values, strict=True)]

    def _sex_rows(self, year: int, name: str, masks: dict[str, np.ndarray],
                  bands: np.ndarray) -> None:
        """The share measures of :data:`SEX_MEASURES` among women and among men (bands
        "18+" and "all"), from the same masks as the bands' counts."""
        assert self.sex is not None
        for band, who in ((ADULTS, bands >= ADULT_FROM), ("all", slice(None))):
            sex = self.sex[who]
            per = {k: np.bincount(sex[m[who]], minlength=2).astype(np.float64)
                   for k, m in masks.items()}
            per["n"] = np.bincount(sex, minlength=2).astype(np.float64)
            for code, label in enumerate(SEXES):
                c = {k: v[code] for k, v in per.items()}
                values = _shares(c)
                self.rows += [(year, band, label, name, m, values[m]) for m in SEX_MEASURES]

    def _rate(self, events: float, person_ticks: float) -> float:
        """Events per 1,000 person-years (NaN without person-time)."""
        return _ratio(events * 1000.0, person_ticks * self.years_per_tick)

    @staticmethod
    def _count(bands: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return np.bincount(bands[mask], minlength=len(BANDS))

    def table(self) -> dict[str, np.ndarray]:
        """The survey so far as columns ``year, age_band, sex, activity, measure, value``
        (``sex``: "all", or "female" / "male" for the rows by sex)."""
        rows = self.rows
        return {
            "year": np.array([r[0] for r in rows], dtype=np.int64),
            "age_band": np.array([r[1] for r in rows], dtype=object),
            "sex": np.array([r[2] for r in rows], dtype=object),
            "activity": np.array([r[3] for r in rows], dtype=object),
            "measure": np.array([r[4] for r in rows], dtype=object),
            "value": np.array([r[5] for r in rows], dtype=np.float64),
        }


def _ratio(a: float, b: float) -> float:
    return float(a) / float(b) if b > 0 else float("nan")


def odds_ratio(outcome: np.ndarray, exposure: np.ndarray) -> float:
    """Odds of ``outcome`` among the exposed over the unexposed (Haldane's +0.5 in every
    cell, so a zero cell gives a finite value; NaN when a group is empty)."""
    e, o = np.asarray(exposure, bool), np.asarray(outcome, bool)
    if not e.any() or e.all():
        return float("nan")
    a, b = float((e & o).sum()) + 0.5, float((e & ~o).sum()) + 0.5
    c, d = float((~e & o).sum()) + 0.5, float((~e & ~o).sum()) + 0.5
    return (a / b) / (c / d)


def relative_risk(n_exposed: float, k_exposed: float, n_unexposed: float,
                  k_unexposed: float) -> tuple[float, float, float]:
    """Risk ratio (k_e / n_e) / (k_u / n_u) with its Katz log 95% interval; +0.5 in every
    cell when one is zero (so no events on one side gives a finite value); NaN when a group
    is empty."""
    if n_exposed <= 0 or n_unexposed <= 0:
        return (float("nan"),) * 3
    a, b = k_exposed, n_exposed - k_exposed
    c, d = k_unexposed, n_unexposed - k_unexposed
    if min(a, b, c, d) == 0:
        a, b, c, d = a + 0.5, b + 0.5, c + 0.5, d + 0.5
    rr = (a / (a + b)) / (c / (c + d))
    se = float(np.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d)))
    z = 1.959963984540054
    return rr, float(rr * np.exp(-z * se)), float(rr * np.exp(z * se))


def pooled_rr(rows: Any, measure: str) -> tuple[float, float, float]:
    """The peer measure ``measure`` (e.g. ``peer_onset_rr``) pooled over survey rows (a
    DataFrame slice of one activity): the four counts summed over its years, then
    :func:`relative_risk`."""
    sums = [float(np.nansum(rows.loc[rows["measure"] == f"{measure}{p}", "value"]))
            for p in PEER_PARTS[3:]]
    return relative_risk(*sums)


def _shares(c: dict[str, float]) -> dict[str, float]:
    """The share measures from a group's counts (a band, or one sex): use, disorder, use to
    dependence and ever treated."""
    return {
        "lifetime_use": _ratio(c["ever_used"], c["n"]),
        "past_year_use": _ratio(c["past_year"], c["n"]),
        "past_year_disorder": _ratio(c["pyd"], c["n"]),
        "lifetime_disorder": _ratio(c["ever_dis"], c["n"]),
        "conditional_dependence": _ratio(c["ever_dis"], c["ever_used"]),
        "ever_treated": _ratio(c["ever_treated"], c["ever_dis"]),
    }


@jit_parallel
def _accumulate_kernel(
    tick, bands, ever_used, ever_addicted, status, last_use, last_cessation,
    treated_until, prev_used, prev_disorder, remit, first_after, first_use, recent,
    need_recent, first_frequent, out,
):  # pragma: no cover - compiled
    """:meth:`Survey.observe`'s per-tick pass over individuals: ``out`` (chunks, bands, 6)
    receives person-ticks, at-risk person-ticks (for use, for disorder), disorder
    person-ticks and first events (use, disorder); remission, the first use after it and the
    first tick after it with frequent use again (``recent >= need_recent``) are noted per
    person."""
    n = bands.size
    chunk = CHUNK
    for c in prange((n + chunk - 1) // chunk):
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            b = bands[i]
            out[c, b, 0] += 1
            if not prev_used[i]:
                out[c, b, 1] += 1
                if ever_used[i]:
                    out[c, b, 4] += 1
                    prev_used[i] = True
                    first_use[i] = tick
            if not prev_disorder[i]:
                out[c, b, 2] += 1
                if ever_addicted[i]:
                    out[c, b, 5] += 1
                    prev_disorder[i] = True
            if status[i] == ADDICTED or status[i] == RELAPSED:
                out[c, b, 3] += 1
            if last_cessation[i] == tick or treated_until[i] == tick:
                remit[i] = tick
                first_after[i] = NEVER
                first_frequent[i] = NEVER
            elif remit[i] != NEVER:
                if last_use[i] == tick and first_after[i] == NEVER:
                    first_after[i] = tick
                if recent[i] >= need_recent and first_frequent[i] == NEVER:
                    first_frequent[i] = tick


__all__ = ["ADULTS", "ADULT_FROM", "AGGREGATES", "BANDS", "COLUMNS", "COMORBIDITY", "EDGES",
           "GROUPS", "MEASURES", "PEER", "PEER_MEASURES", "Survey", "band_of", "odds_ratio",
           "pooled_rr", "relative_risk"]
