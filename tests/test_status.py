"""The status rules over calendar time: six statuses that partition the population, the four
events, use and seeking counted in a rolling window of ticks."""

from __future__ import annotations

import numpy as np
import pytest

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
    """never_exposed -> user -> addicted -> abstinent -> relapsed, one event each (dsm5 rule:
    window 10, need 6 uses and 2 seeks in it; frequent = 3 uses in the last R = 4 ticks)."""
    rules = StatusRules(window=10, addicted_fraction=0.6, use_recency=3, abstinence_ticks=4,
                        seek_fraction=0.2)
    tr = StatusTracker(1, rules, seeking=True)
    assert (tr._need, tr._need_seek, tr.need_recent, tr.need_recent_seek) == (6, 2, 3, 1)
    assert tr.status[0] == NEVER_EXPOSED
    ev = _run(tr, range(0, 1), opp=True, use=True)
    assert tr.status[0] == USER and ev[0].tolist() == [1, 0, 0, 0]
    _run(tr, range(1, 5), opp=True, use=True)  # 5 uses, no seeking
    assert tr.status[0] == USER
    ev = _run(tr, range(5, 6), opp=False, use=True, seek=True)  # 6 uses, 1 seek
    assert tr.status[0] == USER
    ev = _run(tr, range(6, 7), opp=False, use=True, seek=True)  # 7 uses, 2 seeks
    assert tr.status[0] == ADDICTED and ev[0].tolist() == [0, 1, 0, 0]
    assert tr.last_disorder[0] == 6
    ev = _run(tr, range(7, 10), opp=False, use=False)  # seeking at t 6 still within R
    assert tr.status[0] == ADDICTED
    ev = _run(tr, range(10, 11), opp=False, use=False)  # no criterion for R = 4 ticks
    assert tr.status[0] == ABSTINENT and ev[0].tolist() == [0, 0, 1, 0]
    assert tr.last_cessation[0] == 10
    # the window is kept: t 11-13's uses with t 4-6's make 6, three of them in the last 4
    ev = _run(tr, range(11, 13), opp=False, use=True, seek=True)
    assert tr.status[0] == ABSTINENT
    ev = _run(tr, range(13, 14), opp=False, use=True, seek=True)
    assert tr.status[0] == RELAPSED and ev[0].tolist() == [0, 0, 0, 1]


def test_the_frequency_rule_clears_the_window_and_relapse_takes_longer() -> None:
    """The earlier rule, kept as an ablation: the same life, but remission clears the window,
    so the return to use needs 6 new uses (t 11-16) where the dsm5 rule needed 3."""
    rules = StatusRules(rule="frequency", window=10, addicted_fraction=0.6, use_recency=3,
                        abstinence_ticks=4, seek_fraction=0.2)
    tr = StatusTracker(1, rules, seeking=True)
    _run(tr, range(0, 5), opp=True, use=True)
    _run(tr, range(5, 7), opp=False, use=True, seek=True)
    assert tr.status[0] == ADDICTED
    _run(tr, range(7, 11), opp=False, use=False)
    assert tr.status[0] == ABSTINENT and tr.last_cessation[0] == 10 and tr.total[0] == 0
    _run(tr, range(11, 16), opp=False, use=True, seek=True)
    assert tr.status[0] == ABSTINENT
    _run(tr, range(16, 17), opp=False, use=True, seek=True)
    assert tr.status[0] == RELAPSED


def test_seeking_keeps_a_disorder_that_a_dip_in_frequency_ended() -> None:
    """Use on 1 tick of 2 with a search every 3rd: the window's uses dip below the threshold
    (5 of 10 against 6) after an episode. The frequency rule calls that remission after R
    ticks; under dsm5 the searches are a criterion still met, so the disorder goes on."""
    out = {}
    for rule in ("dsm5", "frequency"):
        rules = StatusRules(rule=rule, window=10, addicted_fraction=0.6, use_recency=3,
                            abstinence_ticks=4, seek_fraction=0.2)
        tr = StatusTracker(1, rules, seeking=True)
        _run(tr, range(0, 10), opp=False, use=True, seek=True)
        assert tr.status[0] == ADDICTED
        for t in range(10, 40):
            tr.update(t, np.array([False]), np.array([t % 2 == 0]), np.array([t % 3 == 0]))
        out[rule] = (int(tr.status[0]), int(tr.ever_abstinent[0]))
    assert out["dsm5"] == (ADDICTED, 0)
    assert out["frequency"][1] == 1


def test_the_thresholds_are_shares_of_the_reachable_uses() -> None:
    """A use takes two ticks of the task: a 52-week window holds 26 uses, and the default
    share 0.8 asks for 21 of them (the earlier 21 of 52 weeks, stated as what it is), 6 in
    the last 13 weeks."""
    tr = StatusTracker(1, StatusRules(window=52, abstinence_ticks=13, addicted_fraction=0.8),
                       seeking=True, use_ticks=2)
    assert (tr._need, tr.need_recent) == (21, 6)


def test_use_counts_only_within_the_calendar_window() -> None:
    """Use every third tick fills a 6-tick window with 2 uses: addicted at a threshold of 2
    uses (1/3), never at 3 (1/2), whatever the number of ticks; without seeking rules the
    seek threshold does not apply."""
    lax = StatusTracker(1, StatusRules(window=6, addicted_fraction=1 / 3, seek_fraction=0.5,
                                       abstinence_ticks=3))
    strict = StatusTracker(1, StatusRules(window=6, addicted_fraction=0.5, seek_fraction=0.5,
                                          abstinence_ticks=3))
    for t in range(60):
        use = np.array([t % 3 == 0])
        for tr in (lax, strict):
            tr.update(t, use, use)
        assert strict.status[0] != ADDICTED and 1 <= strict.total[0] <= 2
    assert lax.status[0] == ADDICTED and lax.total[0] == 2


def test_exposed_without_use_and_user_expires() -> None:
    """Opportunities without use make 'exposed'; a user who stops becomes 'exposed' again."""
    tr = StatusTracker(2, StatusRules(window=10, use_recency=2, abstinence_ticks=5))
    tr.update(0, np.array([True, True]), np.array([False, True]))
    assert tr.status.tolist() == [EXPOSED, USER]
    for t in (1, 2):
        tr.update(t, np.array([True, True]), np.array([False, False]))
    assert tr.status.tolist() == [EXPOSED, EXPOSED]


def test_statuses_partition_and_addiction_needs_frequent_use_and_seeking() -> None:
    """Counts always sum to N; everyone who meets the window's criteria with frequent recent
    use is in disorder, and everyone in disorder has met a criterion within the last R."""
    rng = np.random.default_rng(0)
    rules = StatusRules(window=8, addicted_fraction=0.5, seek_fraction=0.25, abstinence_ticks=4)
    tr = StatusTracker(500, rules, seeking=True)
    rate = np.linspace(0, 1, 500)
    for t in range(200):
        opp = rng.random(500) < 0.3
        used = rng.random(500) < rate
        sought = used & ~opp
        tr.update(t, opp, used, sought)
        counts = tr.counts()  # the compiled count against numpy's, and a partition
        assert counts.tolist() == np.bincount(tr.status, minlength=6).tolist()
        assert counts.sum() == 500
        a = (tr.status == ADDICTED) | (tr.status == RELAPSED)
        met = (tr.total >= 4) & (tr.seeks >= 2) & (tr.recent >= 2)
        assert np.all(a[met])
        assert np.all(((tr.recent >= 2) | (tr.recent_seeks >= 1))[a])  # a criterion within R
    assert tr.counts()[ADDICTED] > 0


def _reference(rules: StatusRules, tr: StatusTracker, opp: list[bool], use: list[bool],
               seek: list[bool]) -> list[int]:
    """The status rules of population/status.py's docstring for one person, written plainly
    (an independent oracle of the compiled pass): the statuses tick by tick."""
    w, r, dsm5, out = rules.window, rules.abstinence_ticks, rules.rule == "dsm5", []
    ring: list[tuple[bool, bool]] = [(False, False)] * w
    status, last_use, last_met, ever_abstinent = NEVER_EXPOSED, -(2**30), -(2**30), False
    for t, (o, u, k) in enumerate(zip(opp, use, seek, strict=True)):
        ring[t % w] = (u, k)
        if u:
            last_use = t
        last_r = [ring[(t - j) % w] for j in range(r)]
        frequent = sum(x for x, _ in last_r) >= tr.need_recent
        seeking = tr.need_recent_seek > 0 and sum(y for _, y in last_r) >= tr.need_recent_seek
        was = status in (ADDICTED, RELAPSED)
        if dsm5:
            cease = was and not (frequent or seeking)
        else:
            cease = was and (t - last_use >= r or t - last_met >= r)
        if cease:
            if not dsm5:
                ring = [(False, False)] * w
            ever_abstinent = True
        criteria = (sum(x for x, _ in ring) >= tr._need) and (sum(y for _, y in ring)
                                                              >= tr._need_seek)
        if criteria:
            last_met = t
        if criteria and (frequent or not dsm5):
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


@pytest.mark.parametrize("rule", ["dsm5", "frequency"])
def test_compiled_update_matches_the_rules_written_plainly(rule: str) -> None:
    """The compiled status pass against the rules written plainly, person by person: random
    opportunities, seeking and phases of heavy and no use, every status reached."""
    rules = StatusRules(rule=rule, window=8, addicted_fraction=0.5, use_recency=5,
                        abstinence_ticks=6 if rule == "dsm5" else 8, seek_fraction=0.2)
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
        want = _reference(rules, tr, opp[:, i].tolist(),
                          use[:, i].tolist(), seek[:, i].tolist())
        np.testing.assert_array_equal(got[:, i], want, err_msg=f"person {i}")
    assert set(np.unique(got).tolist()) == {NEVER_EXPOSED, EXPOSED, USER, ADDICTED, ABSTINENT,
                                             RELAPSED}
