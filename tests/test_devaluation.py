"""The lever-and-magazine task (envs/devaluation.py) and outcome devaluation by satiety
(population/reproduce/devaluation.py; Adams and Dickinson 1981, Keramati et al. 2011)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from evidence import SEEDS, quoted, stale_documentation

from addsim.envs._core import Draws
from addsim.envs.devaluation import DevaluationCore
from addsim.population.reproduce.devaluation import devaluation


def _none(n: int) -> Draws:
    return Draws(np.zeros((n, 0)), np.zeros((n, 0)))


def test_press_drops_food_and_entering_eats_it() -> None:
    """A press in s0 drops food (s1); entering the magazine in s1 eats it (``drug``: the
    outcome) and returns; entering the empty magazine or pressing in s1 gives nothing."""
    core = DevaluationCore(3)
    tr = core.step(np.array([0, 1, 0]), _none(3))
    assert tr.next_state.tolist() == [1, 0, 1] and not tr.drug.any()
    tr = core.step(np.array([1, 1, 0]), _none(3))
    assert tr.drug.tolist() == [True, False, False] and tr.next_state.tolist() == [0, 0, 0]


def test_extinction_drops_no_food() -> None:
    """With food_available 0 a press leaves the magazine empty (stays in s0)."""
    core = DevaluationCore(1, food_available=0.0)
    assert core.step(np.array([0]), _none(1)).next_state.tolist() == [0]


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return devaluation(n=100, seed=0).summary


@pytest.mark.slow
def test_the_documentation_data_is_this_run(result: dict[str, Any]) -> None:
    """docs/reproductions/devaluation.json (the table's numbers) holds this run: seed
    0, 100 per arm."""
    assert not (msg := stale_documentation("devaluation", result, 0, 100)), msg


@pytest.fixture(scope="module")
def on_seeds() -> dict[int, dict[str, Any]]:
    """The protocol on each of evidence.SEEDS (fixed before any run), 100 individuals."""
    return {s: devaluation(n=100, seed=s).summary for s in SEEDS}


@pytest.mark.slow
def test_planner_is_sensitive_and_habit_is_not_on_every_seed(
        on_seeds: dict[int, dict[str, Any]]) -> None:
    for seed, result in on_seeds.items():
        assert result["verdict"]["ablations"] == {
            "planner only, sensitive after both": True,
            "habit only, sensitive after neither": True}, seed
        for t in ("moderate", "extended"):
            assert result["habit only"][t]["effect"]["mean"] == 0.0, (seed, t)


@pytest.mark.slow
def test_arbitration_is_sensitive_while_it_plans_on_every_seed(
        on_seeds: dict[int, dict[str, Any]]) -> None:
    for seed, result in on_seeds.items():
        arm = result["uncertainty"]
        assert arm["brief (post hoc)"]["effect"]["ci"][0] > 0.05, seed
        assert arm["brief (post hoc)"]["planned_share_valued"]["mean"] > 0.3, seed
        assert arm["extended"]["planned_share_valued"]["mean"] < 0.05, seed


@pytest.mark.slow
def test_planner_is_sensitive_and_habit_is_not(result: dict[str, Any]) -> None:
    """The ablations: the planner alone responds less after devaluation whatever the
    training, the habit alone never changes (exactly 0: it cannot know the outcome's new value
    without eating it)."""
    assert result["verdict"]["ablations"] == {"planner only, sensitive after both": True,
                                              "habit only, sensitive after neither": True}
    for t in ("moderate", "extended"):
        assert result["habit only"][t]["effect"]["mean"] == 0.0
    planner = [result["planner only"][t]["effect"]["mean"] for t in ("moderate", "extended")]
    assert quoted(planner, "0.17 and 0.23")  # seed 0, 100 individuals


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="not reproduced: with the papers' arbitration "
                   "parameters the planner hands over to the habit within about 20 ticks, "
                   "so both arbitrated learners are already habitual after moderate training "
                   "(seed 0: VOI effect 0.000 [-0.001, -0.000], planned share 0.00; "
                   "uncertainty -0.015 [-0.029, -0.004]); after a brief training (one session "
                   "of 12 ticks, post hoc) the uncertainty rule is sensitive (0.15 [0.11, 0.20])")
def test_arbitrated_learner_is_sensitive_after_moderate_training_only(
        result: dict[str, Any]) -> None:
    """Adams and Dickinson 1981: sensitive after moderate training, not after extended."""
    assert result["verdict"]["label"] == "reproduced"


@pytest.mark.slow
def test_arbitration_is_sensitive_while_it_plans(result: dict[str, Any]) -> None:
    """Post hoc: after a brief training, while Daw 2005's rule still plans, devaluation
    lowers responding; once it has handed over (moderate, extended), it does not."""
    arm = result["uncertainty"]
    assert arm["brief (post hoc)"]["effect"]["ci"][0] > 0.05
    assert arm["brief (post hoc)"]["planned_share_valued"]["mean"] > 0.3
    assert arm["extended"]["planned_share_valued"]["mean"] < 0.05
