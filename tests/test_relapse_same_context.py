"""4b: extinction with the cue on and the context unchanged (protocols 4b and 4c).

Nothing in the drug cue or the context announces extinction; the outcome does: no dose, so
the cue's dose feature fades. Measured on seed 0, 100 individuals per arm, with the controls
of 4c (population/reproduce/_controls.py). Fast relapse (back at P >= 0.7 within 50 ticks of
re-exposure) is not reproduced; relapse that does come later is retrieval of the
acquisition state (most of those who relapse act in it).
"""

from __future__ import annotations

import pytest

from addsim.population.reproduce._controls import present
from addsim.population.reproduce.relapse_same_context import ARMS, relapse_same_context


@pytest.fixture(scope="module")
def summary() -> dict:
    return relapse_same_context(100, seed=0).summary


def test_all_arms_acquire_then_extinguish(summary: dict) -> None:
    for label, _, _ in ARMS:
        s = summary[label]
        assert s["acquisition"]["reached"] >= 0.8, label  # measured: Redish 0.89, others 1.0
        assert s["p_end_extinction"] < 0.05, label


def test_the_missing_dose_and_the_history_split_states_in_extinction(summary: dict) -> None:
    """The fading dose feature alone opens an extinction state for some (history off); the
    negative-error history adds to them."""
    on, off = summary["dual_process"], summary["dual_process/history off"]
    assert off["split_in_extinction_ci"][0] > 0.2  # measured 0.46
    assert on["split_in_extinction_ci"][0] > off["split_in_extinction_ci"][1]  # 0.88 vs 0.46


def test_relapse_when_it_comes_is_in_the_acquisition_state(summary: dict) -> None:
    """Those who return to P >= 0.7 during re-exposure act in their acquisition state."""
    acting = summary["dual_process"]["acting_state"]
    assert acting["reached"] >= 20  # measured 47 of 100
    assert acting["acquisition_ci"][0] > 0.5  # measured 85%


def test_model_free_learners_do_not_relapse_fast(summary: dict) -> None:
    for name in ("redish2004", "dezfouli2009"):
        assert not present(summary[name]["effect"]), name  # measured 0 of 100


@pytest.mark.xfail(strict=True, reason="not reproduced (seed 0, 100 per arm): 0 of 100 "
                   "dual-process individuals back at P >= 0.7 within 50 ticks of re-exposure "
                   "[0, 0.04]; 47% return within 500 ticks, 85% of them in the acquisition "
                   "state; with the natural reward kept at 10, 0.16 [0.10, 0.24] return fast")
def test_fast_relapse_in_the_same_context_is_retrieval(summary: dict) -> None:
    assert summary["verdict"]["label"] == "by retrieval"
