"""Disorder episodes from a run's status history, and their Kaplan-Meier median.

An episode is a spell of consecutive ticks in disorder (addicted or relapsed) for the person
in one row. Only episodes that start inside the recorded ticks count (an incident cohort:
one already under way at the first recorded tick started in the burn-in, and its length is
unknown). An episode is right-censored when the recorded ticks end during it, or when its
person leaves (dies or ages out: the row then holds a newcomer, never exposed). Durations
are per individual episode, and the median is the Kaplan-Meier estimate with that censoring
(scipy.stats.ecdf): the first duration at which the survival function is 0.5 or below
(infinite when it never gets there).

Heyman (2013) reads remission from addiction as roughly exponential with a half-life of about
4 years for cocaine; the median episode is that half-life when remission is exponential.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from addsim.population.status import DISORDER, NEVER_EXPOSED

COLUMNS = ("person", "start", "end", "years", "censored")


def disorder_episodes(history: np.ndarray, years_per_tick: float) -> pd.DataFrame:
    """Episodes of ``history`` (ticks x people, status codes): the person's row, the first
    tick in disorder, the first tick after it (or the number of ticks when censored by the
    end), the duration in years and whether it is right-censored."""
    history = np.asarray(history)
    if history.ndim != 2:
        raise ValueError(f"history: got {history.ndim} dimensions, expected 2 (ticks, people)")
    ticks = history.shape[0]
    dis = np.isin(history, DISORDER)
    pad = np.zeros((1, history.shape[1]), dtype=bool)
    change = np.diff(np.vstack([pad, dis, pad]).astype(np.int8), axis=0)
    starts_t, starts_p = np.nonzero(change == 1)
    ends_t, ends_p = np.nonzero(change == -1)
    # np.nonzero is row-major (tick first): order both by person, then tick, to pair them
    s_order = np.lexsort((starts_t, starts_p))
    e_order = np.lexsort((ends_t, ends_p))
    start, person = starts_t[s_order], starts_p[s_order]
    end = ends_t[e_order]
    keep = start > 0  # under way at the first recorded tick: started in the burn-in
    start, end, person = start[keep], end[keep], person[keep]
    left = np.zeros(start.size, dtype=bool)
    inside = end < ticks
    left[inside] = history[end[inside], person[inside]] == NEVER_EXPOSED
    censored = (end >= ticks) | left
    return pd.DataFrame({"person": person, "start": start, "end": end,
                         "years": (end - start) * float(years_per_tick),
                         "censored": censored})


def km_median(years: np.ndarray, censored: np.ndarray) -> float:
    """Kaplan-Meier median of durations ``years`` with right-censoring flags ``censored``
    (scipy.stats.ecdf): the first duration where survival is 0.5 or below; inf if never;
    nan without durations."""
    years, censored = np.asarray(years, float), np.asarray(censored, bool)
    if years.size == 0:
        return float("nan")
    if censored.all():
        return float("inf")
    data = stats.CensoredData(uncensored=years[~censored], right=years[censored])
    sf = stats.ecdf(data).sf
    below = np.flatnonzero(sf.probabilities <= 0.5)
    return float(sf.quantiles[below[0]]) if below.size else float("inf")


__all__ = ["COLUMNS", "disorder_episodes", "km_median"]
