"""The life course: ageing, leaving (death, maximum age), naive newcomers in the same rows."""

from __future__ import annotations

import numpy as np
import pytest

from addsim.population import config as C
from addsim.population import lifecourse
from addsim.population.io.export import prevalence_frame
from addsim.population.model import PopulationModel
from addsim.population.status import NEVER_EXPOSED

LIFE = ("life.enabled=true", "interventions=[]", "activities.gambling.enabled=false")


def _model(*sets: str, size: int = 300) -> PopulationModel:
    return PopulationModel(C.load(sets=[*LIFE, f"population.size={size}", *sets]))


def test_turnover_keeps_n_and_graph_and_ages_grow_in_range() -> None:
    """High mortality: many leave, N, the edges and the Individuals stay; survivors age one
    tick per tick, newcomers enter at 12, every age within [12, 80]."""
    m = _model("life.mortality_at_30=0.05")
    edges = m.adjacency.neighbours(7).copy(), m.adjacency.n_edges
    n, left = m.n, 0
    for _ in range(300):
        before = m.age.copy()
        m.step()
        new = m.age == 12.0
        np.testing.assert_allclose(m.age[~new], before[~new] + 7 / 365.25)
        left += int(new.sum())
        assert m.age.min() >= 12.0 and m.age.max() < 80.0
    assert left > 0.3 * n  # the population turned over
    assert m.n == n == len(m.individuals)
    assert m.adjacency.n_edges == edges[1]
    np.testing.assert_array_equal(m.adjacency.neighbours(7), edges[0])
    f = prevalence_frame(m)
    assert f["deaths"].sum() + f["aged_out"].sum() == left
    assert m.individuals[0].age == m.age[0]


def test_a_newcomer_starts_naive_and_the_others_are_untouched() -> None:
    """renew resets only the given rows: statuses, learner values, classifier, risk factors."""
    m = _model("life.mortality_at_30=0", "exposure.p_peer=0.2", "risk.access={dist='fixed', "
               "value=0.2}", "life.opportunity_floor=1")
    m.run(150)
    sub = m.activity("substance")
    rows = np.flatnonzero(sub.tracker.ever_used)[:20]
    assert rows.size == 20
    keep = np.setdiff1d(np.arange(m.n), rows)
    q_before, r_before = sub.learner.q.copy(), sub.learner.rule["r_bar"].copy()
    m.renew(rows)
    lr = sub.learner
    assert np.all(m.age[rows] == 12.0)
    assert np.all(sub.tracker.status[rows] == NEVER_EXPOSED)
    assert not sub.tracker.ever_used[rows].any()
    assert np.all(lr.q[rows] == 0.0) and np.all(lr.n_latent[rows] == 0)
    np.testing.assert_array_equal(lr.rule["r_bar"][rows], m.risk["natural_reward"][rows])
    np.testing.assert_array_equal(lr.p.surge[rows], m.risk["surge"][rows])
    np.testing.assert_array_equal(lr.q[keep], q_before[keep])
    np.testing.assert_array_equal(lr.rule["r_bar"][keep], r_before[keep])
    assert not np.array_equal(q_before[rows], lr.q[rows])


@pytest.mark.xfail(strict=True, reason="changed by issue 27 (recalibration: issue 29): 2 deaths "
                   "while addicted at hazard ratio 100 against 1 at ratio 1 (the test asks for "
                   "more than 5 times)")
def test_addiction_raises_deaths() -> None:
    """Same seed: a hazard ratio of 100 while addicted kills more of the addicted than 1."""
    common = ("exposure.p_peer=0.1", "life.opportunity_floor=1", "life.max_age=130",
              "life.initial_age={dist='fixed', value=40}")
    dead = {}
    for ratio in (1.0, 100.0):
        m = _model(*common, f"life.hazard_ratio={{substance={ratio}}}")
        m.run(400)
        dead[ratio] = int(prevalence_frame(m)["deaths_addicted"].sum())
    assert dead[100.0] > 5 * max(dead[1.0], 1)


def test_age_curve_peaks_and_roles_rise() -> None:
    """The opportunity curve is 1 at its peak, falls both ways, never under its floor; adult
    roles rise from 0 to roles_gain between roles_start and roles_end."""
    cfg = C.LifeCfg(roles_gain=3.0)
    age = np.array([12.0, 16.0, 19.0, 25.0, 40.0, 70.0])
    g = lifecourse.opportunity_curve(age, cfg)
    assert g[2] == 1.0 and g[1] > g[0] and g[3] > g[4] > g[5] >= cfg.opportunity_floor
    np.testing.assert_allclose(lifecourse.roles(np.array([10.0, 24.0, 35.0]), cfg),
                               [0.0, 1.5, 3.0])
    p = lifecourse.death_probability(np.array([30.0, 38.5]), np.ones(2), cfg, 1.0)
    np.testing.assert_allclose(p[0], 0.001)
    assert 1.9 < -np.log1p(-p[1]) / -np.log1p(-p[0]) < 2.1  # doubling time 8.5 years


def test_a_newcomer_does_not_learn_the_leavers_last_step() -> None:
    """After a renewal the next tick learns the leaver's pending transition into the row;
    the engine starts the row naive again after that tick, so the newcomer keeps no trace."""
    m = _model("life.mortality_at_30=0", "exposure.p_peer=0.2", "risk.access={dist='fixed', "
               "value=0.2}", "life.opportunity_floor=1")
    m.run(150)
    sub = m.activity("substance")
    rows = np.flatnonzero(sub.tracker.ever_used)[:20]
    m.renew(rows)
    m.step()
    lr = sub.learner
    assert np.all(lr.q[rows] == 0.0) and np.all(lr.n_latent[rows] == 0)
    np.testing.assert_array_equal(lr.rule["r_bar"][rows], m.risk["natural_reward"][rows])
    np.testing.assert_array_equal(lr.rule["kappa"][rows], 0.0)
    m.step()
    assert np.all(lr.n_latent[rows] >= 1)  # from here on it learns its own steps
