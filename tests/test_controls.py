"""The confound controls and verdict rules of protocol 4c (population/reproduce/_controls.py).

Synthetic inputs with known answers: each rule of the verdict moves the label on its own, the
acting state at criterion is read from a hand-made log, and Newcombe's interval matches the
published worked example.
"""

from __future__ import annotations

import numpy as np
import pytest

from addsim.population.reproduce._controls import (
    ChoiceStates,
    acting_state,
    effect,
    modal_state,
    present,
    proportion_difference,
    reward_constant,
    verdict,
)

YES, NO = effect(0.4, (0.3, 0.5)), effect(0.0, (-0.05, 0.05))
GOOD = {"dual_process": YES, "dual_process/reward-constant": YES,
        "dual_process/history off": NO, "dual_process/new values zero": YES,
        "model-free": NO}
ACQ = {"reached": 50, "n": 100, "acquisition": 0.9, "acquisition_ci": (0.79, 0.96),
       "created_in_test": 0.1, "other": 0.0}


def test_every_rule_holding_is_retrieval_carried_by_the_history() -> None:
    v = verdict(GOOD, ACQ)
    assert v["label"] == "by retrieval" and v["causes"] == []
    assert "history" in v["carried_by"]
    assert "features" in verdict({**GOOD, "dual_process/history off": YES}, ACQ)["carried_by"]


@pytest.mark.parametrize(("change", "cause"), [
    ({"dual_process/reward-constant": NO}, "natural reward"),
    ({"model-free": YES}, "without situation recognition"),
    ({"dual_process/new values zero": NO}, "value rule"),
])
def test_each_failed_control_names_its_cause(change: dict, cause: str) -> None:
    v = verdict({**GOOD, **change}, ACQ)
    assert v["label"] == "by another cause"
    assert any(cause in c for c in v["causes"]), v


def test_most_acting_in_fresh_states_is_another_cause() -> None:
    fresh = {**ACQ, "acquisition": 0.2, "acquisition_ci": (0.1, 0.33), "created_in_test": 0.7}
    v = verdict(GOOD, fresh)
    assert v["label"] == "by another cause"
    assert any("70% in states created during the test" in c for c in v["causes"]), v


def test_no_effect_is_not_reproduced_whatever_the_controls() -> None:
    assert verdict({**GOOD, "dual_process": NO}, ACQ)["label"] == "not reproduced"


def test_present_needs_the_interval_above_zero_and_a_minimum_size() -> None:
    assert present(effect(0.06, (0.01, 0.1)))
    assert not present(effect(0.002, (0.001, 0.003)))  # certain, and too small to count
    assert not present(effect(0.3, (-0.01, 0.6)))
    assert not present(None)


def test_newcombe_interval_matches_the_worked_example() -> None:
    """Newcombe (1998), Stat Med 17:873, example (a): 56/70 - 48/80, method 10: 0.0524 to
    0.3339."""
    d = proportion_difference(56, 70, 48, 80)
    assert d["value"] == pytest.approx(0.2)
    assert d["ci"][0] == pytest.approx(0.0524, abs=5e-4)
    assert d["ci"][1] == pytest.approx(0.3339, abs=5e-4)


def test_acting_state_reads_the_log_at_each_individuals_criterion() -> None:
    """Three individuals: acquisition state 0 for all; at criterion individual 0 acts in 0
    (acquisition), 1 in a state opened during the test (slot 2 >= 2 in use before it), 2 in
    the extinction state (slot 1); a fourth never reaches it."""
    log = ChoiceStates(30, 4)
    log.z[:10] = 0
    log.z[20:] = np.array([0, 2, 1, 1])
    t_crit = np.array([3, 5, 7, 0])
    hit = np.array([True, True, True, False])
    a = acting_state(log, 10, 20, np.full(4, 2), t_crit, hit)
    assert a["reached"] == 3 and a["n"] == 4
    assert a["acquisition"] == a["created_in_test"] == a["other"] == pytest.approx(1 / 3)


def test_modal_state_and_reward_constant() -> None:
    z = np.array([[0, 1, 2], [1, 1, 2], [1, 0, 2], [0, 0, 2]])
    assert modal_state(z).tolist() == [0, 0, 2]  # the lowest of equals
    spans = ((5, {"r0_mean": 10.0, "cue_shown": 1.0}), (5, {"r0_mean": 15.0}), (5, {}))
    assert [c["r0_mean"] for _, c in reward_constant(spans)] == [10.0, 10.0, 10.0]
    assert reward_constant(spans)[0][1]["cue_shown"] == 1.0
