"""Item 6, gambling (SCIENCE.md section 4): win streaks, late betting and the win/loss split.

1,000 individuals per arm and streak length, seed 0; all arms share one random stream, so
streak lengths and learners are paired comparisons. Reproduced: dual-process late betting
rises with streak length (100 < 200 < 400), and the error history adds to the rise (the
ablation rises less). Not reproduced (strict expected failures, with the numbers): the
Dezfouli control rises too, and wins and losses stay in one latent state for most
individuals, so the mechanism the report gives is not what drives the streak effect.
"""

from __future__ import annotations

import pytest

from addsim.population.reproduce.gambling import STREAKS, gambling

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def summary() -> dict:
    return gambling(1000, seed=0).summary


def test_dual_process_late_betting_rises_with_streak_length(summary: dict) -> None:
    s = summary["dual_process"]
    assert s["200-100"]["ci"][0] > 0  # measured 0.011 [0.006, 0.016]
    assert s["400-200"]["ci"][0] > 0  # measured 0.040 [0.033, 0.047]


def test_the_error_history_adds_to_the_rise_and_alone_splits_outcomes(summary: dict) -> None:
    assert summary["history_effect_400-100"]["ci"][0] > 0  # measured 0.018 [0.010, 0.027]
    for streak in STREAKS:
        on = summary["dual_process"][str(streak)]["wins_and_losses"]
        off = summary["dual_process/ablation"][str(streak)]["wins_and_losses"]
        assert off["split"] == 0.0, streak  # without errors the shared cue is one state
        assert on["split_ci"][0] > off["split_ci"][1], streak  # measured 3-9% vs 0%


@pytest.mark.xfail(strict=True, reason="not reproduced: the Dezfouli control's late betting "
                   "rises 0.006 -> 0.034 (400 - 100: 0.028 [0.024, 0.033])")
def test_dezfouli_control_does_not_rise(summary: dict) -> None:
    assert summary["dezfouli2009"]["400-100"]["ci"][0] <= 0


@pytest.mark.xfail(strict=True, reason="not reproduced: wins and losses in different latent "
                   "states for 2.7%, 5.9%, 9.2% of dual-process individuals (streaks 100-400)")
def test_most_dual_process_individuals_split_wins_from_losses(summary: dict) -> None:
    for streak in STREAKS:
        assert summary["dual_process"][str(streak)]["wins_and_losses"]["split_ci"][0] > 0.5
