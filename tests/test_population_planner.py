"""The planner learner in a population (issue 33, item 6): ``learner = "dual_process_mb"``
per activity, its homeostatic constants in calendar units, newcomers, and the person
panel's withdrawal and habit."""

from __future__ import annotations

import numpy as np
import pytest

from addsim.agents import DualProcessMB
from addsim.population.activity import HOMEOSTASIS, resolved_learner_params
from addsim.population.config import load
from addsim.population.model import PopulationModel

SETS = ["population.size=300", "activities.substance.learner=dual_process_mb"]


def test_config_takes_the_planner_learner_with_its_homeostatic_constants() -> None:
    """The substance activity feeds HRRL's constants and the setpoint's linear recovery
    over allostasis_time (the range 100 over 52 weekly ticks); gambling, with no dose, keeps
    the preset (homeostasis off)."""
    cfg = load(sets=[*SETS, "activities.gambling.learner=dual_process_mb"])
    rows = resolved_learner_params(cfg)
    sub, gam = rows["substance"], rows["gambling"]
    assert sub["homeostasis"][0] == 1.0 and sub["shift"][0] == HOMEOSTASIS["shift"]
    assert sub["recovery"][0] == pytest.approx(100.0 / cfg.activities.substance.allostasis_time)
    assert "allostasis_time" in sub["recovery"][1]
    assert gam["homeostasis"][0] == 0.0
    m = PopulationModel(cfg)
    lr = m.activity("substance").learner
    assert isinstance(lr, DualProcessMB)
    assert (lr.p.homeostasis == 1.0).all() and (lr.p.absorption == 0.0).all()
    assert (m.activity("gambling").learner.p.homeostasis == 0.0).all()


def test_a_population_of_planners_runs_and_use_raises_the_setpoint() -> None:
    """200 weekly ticks: users' setpoints rise above the baseline, the drug level stays at
    its baseline (absorption 0) after every tick, not only the last (issue 34: the docstring
    said "at every choice" and the last tick was checked), and habit shares lie in [0, 1]."""
    cfg = load(sets=[*SETS, "run.seed=4"])
    m = PopulationModel(cfg)
    act = m.activity("substance")
    for tick in range(200):
        m.step()
        assert (act.learner.h == act.learner.p.h_min).all() and (act.learner.h == 0.0).all(), tick
    lr = act.learner
    used = act.tracker.ever_used
    assert used.any()
    assert lr.setpoint[used].max() > 100.0
    assert ((lr.habit >= 0.0) & (lr.habit <= 1.0)).all()
    assert np.isfinite(lr.q).all()


def test_person_panel_shows_withdrawal_and_habit() -> None:
    """The live source's person carries the planner's withdrawal (the setpoint above the
    drug level, h* - h) and habit (the habit's share of the last choice, 1 - the planner's):
    for the one person who has used by tick 20 (seed 0), whose setpoint has risen, and for
    one who has not, at the baseline setpoint (issue 34: "withdrawal >= 0" held by
    definition). The default learner's person carries none."""
    from addsim.population.cli.view.sources import LiveSource

    src = LiveSource(load(sets=SETS))
    src.advance(20)
    sub = src.model.activity("substance")
    lr, used = sub.learner, sub.tracker.ever_used
    assert used.any() and not used.all()
    user = int(np.argmax(np.where(used, lr.setpoint, -np.inf)))
    never = int(np.flatnonzero(~used)[0])
    for i in (user, never):
        person = src.person(i, 0)
        assert set(person.planner) == {"withdrawal", "habit"}
        assert person.planner["withdrawal"] == pytest.approx(lr.setpoint[i] - lr.h[i])
        assert person.planner["habit"] == pytest.approx(1.0 - lr.planned[i])
    assert lr.setpoint[user] > lr.p.setpoint0[user]  # use raised it
    assert lr.setpoint[never] == lr.p.setpoint0[never] and lr.h[never] == lr.p.h_min[never]
    plain = LiveSource(load(sets=["population.size=100"]))
    plain.advance(1)
    assert plain.person(3, 0).planner == {}


def test_person_panel_draws_the_planner_line() -> None:
    """The viewer's panel lists the planner's line for such a person (headless)."""
    pytest.importorskip("pygame")
    from addsim.population.cli.view.sources import LiveSource
    from addsim.viz.app import Viewer

    src = LiveSource(load(sets=SETS))
    src.advance(3)
    view = Viewer(src, headless=True, size=(960, 600))  # type: ignore[arg-type]
    person = src.person(7, 0)
    view.texts = []
    view._draw_person(person)
    drawn = [t for _, t, _ in view.texts if t.startswith("planner: ")]
    view.close()
    assert len(drawn) == 1 and "withdrawal" in drawn[0] and "habit" in drawn[0], drawn
