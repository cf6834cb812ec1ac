"""Self-administration (envs/self_administration.py) and escalation under long access
(population/reproduce/escalation.py; Keramati et al. 2017's HRRL, Ahmed and Koob 1998)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from evidence import SEEDS, quoted, stale_documentation

from addsim.envs._core import Draws
from addsim.envs.self_administration import SelfAdministrationCore
from addsim.population.reproduce.escalation import escalation, escalation_on_seeds


def _none(n: int) -> Draws:
    return Draws(np.zeros((n, 0)), np.zeros((n, 0)))


def test_active_press_infuses_and_times_out_for_four_steps() -> None:
    """An active press in s0 infuses and walks the time-out s1..s4 back to s0 whatever the
    individual does; presses cost 1; the inactive lever and doing nothing stay in s0."""
    core = SelfAdministrationCore(3)
    tr = core.step(np.array([2, 1, 0]), _none(3))
    assert tr.drug.tolist() == [True, False, False]
    assert tr.next_state.tolist() == [1, 0, 0] and tr.reward.tolist() == [-1.0, -1.0, 0.0]
    states = []
    for _ in range(4):
        tr = core.step(np.array([2, 0, 0]), _none(3))
        states.append(int(tr.next_state[0]))
        assert not tr.drug[0] and tr.reward[0] == -1.0  # a press in the time-out costs
    assert states == [2, 3, 4, 0]


def test_extinction_and_retracted_levers() -> None:
    """Without the drug an active press only costs; with the levers out nothing happens."""
    core = SelfAdministrationCore(2, drug_available=np.array([0.0, 1.0]),
                                  available=np.array([1.0, 0.0]))
    tr = core.step(np.array([2, 2]), _none(2))
    assert not tr.drug.any() and tr.next_state.tolist() == [0, 0]
    assert tr.reward.tolist() == [-1.0, 0.0]


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return escalation(n=100, seed=0).summary


@pytest.mark.slow
def test_the_documentation_data_is_this_run(result: dict[str, Any]) -> None:
    """docs/reproductions/escalation.json (the table's numbers) holds this run: seed
    0, 100 per arm."""
    assert not (msg := stale_documentation("escalation", result, 0, 100)), msg


@pytest.mark.slow
def test_long_access_escalates_short_does_not_and_the_setpoint_carries_it(
        result: dict[str, Any]) -> None:
    """First-hour intake rises under 6-h access (over the last three sessions against the
    first three), not under 1-h access; with the setpoint fixed LgA does not escalate."""
    assert result["verdict"]["label"] == "reproduced", result["verdict"]
    lga = result["LgA"]  # seed 0, 100 individuals
    assert quoted((lga["first_hour_first_session"]["mean"],
                   lga["first_hour_last_session"]["mean"]), "15.8 -> 23.8")  # infusions
    assert quoted(lga["escalation"], "6.5 [6.3, 6.6]")
    assert quoted(result["ShA"]["escalation"], "-0.1 [-0.3, 0.1]")
    assert quoted(result["LgA, setpoint fixed"]["escalation"], "0.0 [-0.2, 0.2]")
    assert result["LgA"]["setpoint_last_session"]["mean"] > 120.0
    assert result["ShA"]["setpoint_last_session"]["mean"] < 101.0


@pytest.mark.slow
def test_escalation_and_withdrawal_on_every_seed() -> None:
    """On each of evidence.SEEDS (fixed before any run), 100 individuals: LgA escalates, ShA
    does not, the fixed setpoint removes it, and LgA's planned drug value exceeds ShA's. Only
    the three arms these claims read run (each arm has its own stream: the same numbers as
    in the whole protocol, test_an_arm_run_alone_gives_its_numbers_in_the_whole_protocol),
    the five seeds side by side (the numbers of one call per seed:
    test_seeds_side_by_side_are_one_call_per_seed)."""
    arms = ("ShA", "LgA", "LgA, setpoint fixed")
    for seed, run in zip(SEEDS, escalation_on_seeds(100, SEEDS, arms=arms), strict=True):
        result = run.summary
        assert result["verdict"]["label"] == "reproduced", (seed, result["verdict"])
        assert result["LgA-ShA drug value, last session"]["ci"][0] > 0.0, seed


@pytest.mark.slow
def test_withdrawal_raises_the_drugs_planned_value(result: dict[str, Any]) -> None:
    """At a session's start (drug cleared, h = 0) a raised setpoint makes a dose reduce more
    drive: LgA's planned value of the active press exceeds ShA's on the last session."""
    assert result["LgA-ShA drug value, last session"]["ci"][0] > 0.0
    fixed = result["LgA, setpoint fixed"]
    assert fixed["drug_value_last_session"]["mean"] == pytest.approx(
        fixed["drug_value_first_session"]["mean"])


@pytest.mark.slow
def test_an_arm_run_alone_gives_its_numbers_in_the_whole_protocol(result: dict[str, Any]
                                                                  ) -> None:
    """``arms`` runs a subset: each arm draws from its own stream, so ShA with the setpoint
    fixed alone (seed 0, 100) is exactly that arm of the whole protocol; the comparisons whose
    arms did not run are left out; an unknown arm is refused naming the labels."""
    alone = escalation(n=100, seed=0, arms=("ShA, setpoint fixed",)).summary
    assert alone["ShA, setpoint fixed"] == result["ShA, setpoint fixed"]
    assert "verdict" not in alone and "LgA-ShA escalation" not in alone
    with pytest.raises(ValueError, match="arms: got \\['LgA, 2 h'\\], expected some of"):
        escalation(n=2, seed=0, arms=("LgA, 2 h",))


def test_seeds_side_by_side_are_one_call_per_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    """``escalation_on_seeds`` runs each arm once for all seeds (each seed's individuals in a
    block drawing from its own streams): every seed's table and summary are those of its own
    call (3 individuals, 3 sessions: the protocol's steps are the same at any length)."""
    import addsim.population.reproduce.escalation as esc

    monkeypatch.setattr(esc, "SESSIONS", 3)
    arms = ("ShA", "ShA, setpoint fixed")
    together = esc.escalation_on_seeds(3, (4, 5), arms=arms)
    for seed, run in zip((4, 5), together, strict=True):
        alone = esc.escalation(3, seed, arms=arms)
        assert run.summary == alone.summary, seed
        pd.testing.assert_frame_equal(run.frame, alone.frame)
