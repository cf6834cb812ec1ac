"""Item 6, gambling (docs/reproductions.md): win streaks, late betting and the win/loss split.

1,000 individuals per arm and streak length, seed 0; all arms share one random stream, so
streak lengths and learners are paired comparisons. The payout is shown faintly in the
outcome cue and paid on leaving the outcome state (envs/gambling.py).

Reproduced: wins and losses are classified apart BY OUTCOME within 50-tick blocks (not an
early/late time split), by the negative-error history (attention raised onto the faint
payout; none with the history off), and the win state is valued above the loss state.
Late betting rises with streak length at a fixed lag after the streak, but by less than the
smallest effect that counts and hardly more than the Dezfouli control's rise (ordinary value
learning): a strict expected failure with the numbers.
"""

from __future__ import annotations

import pytest

from addsim.population.reproduce.gambling import gambling

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def summary() -> dict:
    return gambling(1000, seed=0).summary


def test_wins_and_losses_are_told_apart_by_outcome_through_the_history(summary: dict) -> None:
    v = summary["verdict"]["split"]
    assert v["label"] == "by situation recognition", v
    on = summary["dual_process"]["400"]["wins_and_losses"]["split_by_outcome"]
    off = summary["dual_process/history off"]["400"]["wins_and_losses"]["split_by_outcome"]
    assert on["ci"][0] > 0.3  # measured 0.53 [0.52, 0.53]
    assert abs(off["mean"]) < 0.01 and off["ci"][1] < on["ci"][0]  # measured 0.00


def test_the_win_state_is_valued_above_the_loss_state(summary: dict) -> None:
    w = summary["dual_process"]["400"]["wins_and_losses"]
    assert w["modes_differ_ci"][0] > 0.5  # measured 64%
    assert w["win-loss_value"]["ci"][0] > 0  # measured 15.8 [15.2, 16.4]


def test_dual_process_late_betting_rises_with_streak_length(summary: dict) -> None:
    s = summary["dual_process"]
    assert s["200-100"]["ci"][0] > 0  # measured 0.010 [0.005, 0.016]
    assert s["400-200"]["ci"][0] > 0  # measured 0.021 [0.013, 0.029]


@pytest.mark.xfail(strict=True, reason="not reproduced: the dual-process rise 400 - 100 at "
                   "600-800 ticks after the streak is 0.031 [0.023, 0.040], below the 0.05 "
                   "that counts, against the Dezfouli control's 0.019 [0.013, 0.024] "
                   "(difference 0.012 [0.003, 0.023])")
def test_late_betting_rise_is_the_latent_states(summary: dict) -> None:
    assert summary["verdict"]["streak"]["label"] == "by retrieval"
