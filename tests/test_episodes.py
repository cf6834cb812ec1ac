"""Disorder episodes and their Kaplan-Meier median, checked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from addsim.population.episodes import disorder_episodes, km_median
from addsim.population.status import ABSTINENT, ADDICTED, NEVER_EXPOSED, RELAPSED, USER


def test_episodes_of_a_written_history() -> None:
    """Five people over 10 ticks: an episode in the burn-in (dropped), a closed one, two in
    one person (relapsed counts as disorder), one open at the end, one ended by death."""
    A, R, U, X, N = ADDICTED, RELAPSED, USER, ABSTINENT, NEVER_EXPOSED
    h = np.array([
        [A, A, A, X, X, X, X, X, X, X],  # 0: under way at tick 0 -> not counted
        [U, A, A, A, X, X, X, X, X, X],  # 1: ticks 1-3 -> 3 ticks, observed
        [U, A, X, X, R, R, X, X, X, X],  # 2: 1-1 (1 tick) and 4-5 (2 ticks)
        [U, U, U, U, U, U, U, A, A, A],  # 3: 7-9, still in disorder: censored at 3 ticks
        [U, U, A, A, N, N, N, N, N, N],  # 4: 2-3 then a newcomer in the row: censored
    ], dtype=np.uint8).T  # (ticks, people)
    e = disorder_episodes(h, years_per_tick=0.5)
    got = sorted(zip(e["person"], e["start"], e["end"], e["years"], e["censored"],
                     strict=True))
    assert got == [(1, 1, 4, 1.5, False), (2, 1, 2, 0.5, False), (2, 4, 6, 1.0, False),
                   (3, 7, 10, 1.5, True), (4, 2, 4, 1.0, True)]


def test_km_median_with_censoring_by_hand() -> None:
    """Durations 1, 2, 3+, 4, 5+ (+ censored). By hand: S(1) = 4/5 = 0.8, S(2) = 0.8 x 3/4
    = 0.6, the censoring at 3 leaves 2 at risk, S(4) = 0.6 x 1/2 = 0.3: the median is 4.
    Ignoring the censoring would give 3 (the middle of five)."""
    years = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    censored = np.array([False, False, True, False, True])
    assert km_median(years, censored) == 4.0
    assert km_median(years, np.zeros(5, bool)) == 3.0  # S(3) = 2/5 <= 0.5
    # S(1) = 2/3, then only censoring: survival never reaches 0.5
    assert km_median(np.array([1.0, 2.0, 3.0]), np.array([False, True, True])) == float("inf")
    assert km_median(years[:0], censored[:0]) != km_median(years[:0], censored[:0])  # nan


def test_bad_history_is_refused() -> None:
    with pytest.raises(ValueError, match="history: got 1 dimensions"):
        disorder_episodes(np.zeros(3, np.uint8), 1.0)
