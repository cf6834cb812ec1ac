"""Item 9, Kamin blocking (SCIENCE.md section 4): 100 individuals per condition, seed 0.

B's own weight is read from the elemental model-free learners at the end of the compound
phase (agents/elemental.py); the dual-process learner's response to B alone in the test.
Redish 2004's prediction (no blocking: the surge is never compensated) is reproduced. For
Dezfouli, B is worth far less after A than in the AB-only control, but no less than after
the drug alone without A: the effect is the basal level rho habituating to the drug, not
cue competition (the drug-pre-exposed comparison is a strict expected failure with numbers).
The dual-process learner shows the opposite of blocking: more responding to B after A.
"""

from __future__ import annotations

import pytest

from addsim.population.reproduce.blocking import blocking


@pytest.fixture(scope="module")
def summary() -> dict:
    return blocking(100, seed=0).summary


def test_redish_no_blocking(summary: dict) -> None:
    s = summary["redish2004"]
    # B's weight after A is not below the AB-only control: measured 219 vs 180
    assert s["AB only - blocking"]["weight_b"]["ci"][1] < 0.2 * s["AB only"]["weight_b"]["mean"]


def test_dezfouli_b_far_below_the_ab_only_control(summary: dict) -> None:
    s = summary["dezfouli2009"]
    assert s["AB only - blocking"]["weight_b"]["ci"][0] > 0.5 * s["AB only"]["weight_b"]["mean"]
    assert s["blocking"]["weight_b"]["ci"][1] < 0.1 * s["AB only"]["weight_b"]["mean"]


@pytest.mark.xfail(strict=True, reason="not reproduced: Dezfouli's B weight after A (3.15) is "
                   "not below the drug-pre-exposed control without A (2.42): rho, not A")
def test_dezfouli_blocks_beyond_drug_pre_exposure(summary: dict) -> None:
    assert summary["dezfouli2009"]["pre-exposed - blocking"]["weight_b"]["ci"][0] > 0


def test_dual_process_responds_more_to_b_after_a(summary: dict) -> None:
    s = summary["dual_process"]
    assert s["AB only - blocking"]["p_addictive"]["ci"][1] < 0  # measured -0.24
    assert s["pre-exposed - blocking"]["p_addictive"]["ci"][1] < 0  # measured -0.06
