"""The status rules over calendar time: six statuses that partition the population, the four
events, use and seeking counted in a rolling window of ticks."""

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


def _run(tracker: StatusTracker, ticks: range, opp: bool, use: bool,
         seek: bool = False) -> list[np.ndarray]:
    n = tracker.n
    return [tracker.update(t, np.full(n, opp), np.full(n, use), np.full(n, seek))
            for t in ticks]


def test_life_course_never_exposed_to_relapsed() -> None:
    """never_exposed -> user -> addicted -> abstinent -> relapsed, with one event each."""
    tr = StatusTracker(1, StatusRules(window=4, addicted_fraction=0.75, use_recency=3,
                                      abstinence_ticks=5, seek_fraction=0.25), seeking=True)
    assert tr.status[0] == NEVER_EXPOSED
    ev = _run(tr, range(0, 1), opp=True, use=True)
    assert tr.status[0] == USER and ev[0].tolist() == [1, 0, 0, 0]
    ev = _run(tr, range(1, 3), opp=True, use=True)  # 3 uses of 4 ticks, but no seeking
    assert tr.status[0] == USER
    ev = _run(tr, range(3, 4), opp=False, use=True, seek=True)  # a sought use
    assert tr.status[0] == ADDICTED and sum(e[1] for e in ev) == 1
    assert tr.last_disorder[0] == 3
    ev = _run(tr, range(4, 9), opp=False, use=False)  # treatment: no opportunity
    assert tr.status[0] == ABSTINENT and sum(e[2] for e in ev) == 1 and tr.last_cessation[0] == 8
    ev = _run(tr, range(9, 11), opp=False, use=True, seek=True)  # window cleared: needs 3
    assert tr.status[0] == ABSTINENT
    ev = _run(tr, range(11, 12), opp=False, use=True, seek=True)
    assert tr.status[0] == RELAPSED and ev[0].tolist() == [0, 0, 0, 1]


def test_use_counts_only_within_the_calendar_window() -> None:
    """Use every third tick fills a 6-tick window with 2 uses: addicted at a threshold of 2
    uses (1/3), never at 3 (1/2), whatever the number of ticks; without seeking rules the
    seek threshold does not apply."""
    lax = StatusTracker(1, StatusRules(window=6, addicted_fraction=1 / 3, seek_fraction=0.5))
    strict = StatusTracker(1, StatusRules(window=6, addicted_fraction=0.5, seek_fraction=0.5))
    for t in range(60):
        use = np.array([t % 3 == 0])
        for tr in (lax, strict):
            tr.update(t, use, use)
        assert strict.status[0] != ADDICTED and 1 <= strict.total[0] <= 2
    assert lax.status[0] == ADDICTED and lax.total[0] == 2


def test_exposed_without_use_and_user_expires() -> None:
    """Opportunities without use make 'exposed'; a user who stops becomes 'exposed' again."""
    tr = StatusTracker(2, StatusRules(window=10, use_recency=2))
    tr.update(0, np.array([True, True]), np.array([False, True]))
    assert tr.status.tolist() == [EXPOSED, USER]
    for t in (1, 2):
        tr.update(t, np.array([True, True]), np.array([False, False]))
    assert tr.status.tolist() == [EXPOSED, EXPOSED]


def test_statuses_partition_and_addiction_needs_frequent_use_and_seeking() -> None:
    """Counts always sum to N; everyone addicted has the window's uses and seeking."""
    rng = np.random.default_rng(0)
    rules = StatusRules(window=8, addicted_fraction=0.5, seek_fraction=0.25)
    tr = StatusTracker(500, rules, seeking=True)
    rate = np.linspace(0, 1, 500)
    for t in range(200):
        opp = rng.random(500) < 0.3
        used = rng.random(500) < rate
        sought = used & ~opp
        tr.update(t, opp, used, sought)
        assert tr.counts().sum() == 500
        a = (tr.status == ADDICTED) | (tr.status == RELAPSED)
        met = (tr.total >= 4) & (tr.seeks >= 2)
        assert np.all(tr.last_met[a] >= t - rules.abstinence_ticks)  # met within remission
        assert np.all(a[met])
    assert tr.counts()[ADDICTED] > 0


def _reference(rules: StatusRules, need: int, need_seek: int, opp: list[bool],
               use: list[bool], seek: list[bool]) -> list[int]:
    """The status rules of population/status.py's docstring for one person, written plainly
    (an independent oracle of the compiled pass): the statuses tick by tick."""
    w, out = rules.window, []
    ring: list[tuple[bool, bool]] = [(False, False)] * w
    status, last_use, last_met, ever_abstinent = NEVER_EXPOSED, -(2**30), -(2**30), False
    for t, (o, u, k) in enumerate(zip(opp, use, seek, strict=True)):
        ring[t % w] = (u, k)
        if u:
            last_use = t
        was = status in (ADDICTED, RELAPSED)
        cease = was and (t - last_use >= rules.abstinence_ticks
                         or t - last_met >= rules.abstinence_ticks)
        if cease:
            ring = [(False, False)] * w
            ever_abstinent = True
        met = (sum(x for x, _ in ring) >= need) and (sum(y for _, y in ring) >= need_seek)
        if met:
            last_met = t
            status = RELAPSED if ever_abstinent else ADDICTED
        elif was and not cease:
            pass
        elif cease or status == ABSTINENT:
            status = ABSTINENT
        elif t - last_use < rules.use_recency:
            status = USER
        elif not (status == NEVER_EXPOSED and not o):
            status = EXPOSED
        out.append(status)
    return out


def test_compiled_update_matches_the_rules_written_plainly() -> None:
    """The compiled status pass against the rules written plainly, person by person: random
    opportunities, seeking and phases of heavy and no use, every status reached."""
    rules = StatusRules(window=6, addicted_fraction=0.5, use_recency=5, abstinence_ticks=8,
                        seek_fraction=0.2)
    n, ticks = 300, 300
    tr = StatusTracker(n, rules, seeking=True)
    rng = np.random.default_rng(2)
    rate = rng.uniform(0.0, 1.0, n)
    opp = rng.random((ticks, n)) < 0.7
    use = np.stack([rng.random(n) < (rate if (t // 40) % 2 == 0 else 0.0)
                    for t in range(ticks)])
    seek = use & ~opp
    got = np.empty((ticks, n), dtype=np.int64)
    for t in range(ticks):
        tr.update(t, opp[t], use[t], seek[t])
        got[t] = tr.status
    for i in range(n):
        want = _reference(rules, tr._need, tr._need_seek, opp[:, i].tolist(),
                          use[:, i].tolist(), seek[:, i].tolist())
        np.testing.assert_array_equal(got[:, i], want, err_msg=f"person {i}")
    assert set(np.unique(got).tolist()) == {NEVER_EXPOSED, EXPOSED, USER, ADDICTED, ABSTINENT,
                                             RELAPSED}
