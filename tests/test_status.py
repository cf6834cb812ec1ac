"""The status rules: six statuses that partition the population, and the four events."""

from __future__ import annotations

import numpy as np

from addsim.population.status import (
    ABSTINENT,
    ADDICTED,
    EXPOSED,
    NEVER_EXPOSED,
    RELAPSED,
    USER,
    StatusRules,
    StatusTracker,
)


def _run(tracker: StatusTracker, ticks: range, opp: bool, use: bool) -> list[np.ndarray]:
    n = tracker.n
    return [tracker.update(t, np.full(n, opp), np.full(n, use)) for t in ticks]


def test_life_course_never_exposed_to_relapsed() -> None:
    """never_exposed -> user -> addicted -> abstinent -> relapsed, with one event each."""
    tr = StatusTracker(1, StatusRules(window=4, addicted_fraction=0.75, use_recency=3,
                                      abstinence_ticks=5))
    assert tr.status[0] == NEVER_EXPOSED
    ev = _run(tr, range(0, 1), opp=True, use=True)
    assert tr.status[0] == USER and ev[0].tolist() == [1, 0, 0, 0]
    ev = _run(tr, range(1, 4), opp=True, use=True)
    assert tr.status[0] == ADDICTED and sum(e[1] for e in ev) == 1
    ev = _run(tr, range(4, 9), opp=False, use=False)  # treatment: no opportunity
    assert tr.status[0] == ABSTINENT and sum(e[2] for e in ev) == 1
    ev = _run(tr, range(9, 12), opp=True, use=True)  # window cleared: needs 4 new uses
    assert tr.status[0] == ABSTINENT
    ev = _run(tr, range(12, 13), opp=True, use=True)
    assert tr.status[0] == RELAPSED and ev[0].tolist() == [0, 0, 0, 1]


def test_exposed_without_use_and_user_expires() -> None:
    """Opportunities without use make 'exposed'; a user who stops becomes 'exposed' again."""
    tr = StatusTracker(2, StatusRules(window=10, use_recency=2))
    tr.update(0, np.array([True, True]), np.array([False, True]))
    assert tr.status.tolist() == [EXPOSED, USER]
    for t in (1, 2):
        tr.update(t, np.array([True, True]), np.array([False, False]))
    assert tr.status.tolist() == [EXPOSED, EXPOSED]


def test_statuses_partition_and_addiction_needs_a_full_window() -> None:
    """Counts always sum to N; no one is addicted before the window holds enough choices."""
    rng = np.random.default_rng(0)
    tr = StatusTracker(500, StatusRules(window=8, addicted_fraction=0.5))
    for t in range(200):
        opp = rng.random(500) < 0.3
        used = opp & (rng.random(500) < np.linspace(0, 1, 500))
        tr.update(t, opp, used)
        assert tr.counts().sum() == 500
        assert np.all(tr.filled[tr.status == ADDICTED] == 8)
    assert tr.counts()[ADDICTED] > 0


def test_compiled_update_matches_the_numpy_form() -> None:
    """The compiled status pass (population/status.py) against its numpy form: random
    opportunities and phases of heavy and no use, every status, counter and event equal."""
    rules = StatusRules(window=6, addicted_fraction=0.5, use_recency=5, abstinence_ticks=8)
    a, b = StatusTracker(3000, rules), StatusTracker(3000, rules)
    rng = np.random.default_rng(2)
    rate = rng.uniform(0.0, 1.0, 3000)
    seen = set()
    for t in range(300):
        opp = rng.random(3000) < 0.7
        use = opp & (rng.random(3000) < (rate if (t // 40) % 2 == 0 else 0.0))
        ea = a.update(t, opp, use)
        eb = b._update_numpy(t, opp, use)
        np.testing.assert_array_equal(ea, eb)
        np.testing.assert_array_equal(a.status, b.status)
        seen.update(np.unique(a.status).tolist())
    for name in ("choices", "ptr", "filled", "total", "last_use", "ever_abstinent"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert seen == {NEVER_EXPOSED, EXPOSED, USER, ADDICTED, ABSTINENT, RELAPSED}
