"""Reacquisition after extinction (SCIENCE.md section 4): 100 individuals per arm, seed 0.

Per-individual times to P(addictive) >= 0.7, censored at 250 ticks. The dual-process learner
reacquires, the model-free learners and the ablation (error history off) mostly do not. The
published savings (reacquisition faster than first acquisition) is not reproduced: kept as a
strict expected failure with the numbers.
"""

from __future__ import annotations

import pytest

from addsim.population.reproduce.reacquisition import DESIGNS, reacquisition


@pytest.fixture(scope="module")
def summary() -> dict:
    return reacquisition(100, seed=0).summary


def test_dual_process_reacquires_and_the_others_do_not(summary: dict) -> None:
    for design in DESIGNS:
        dual = summary["dual_process"][design]["reacquisition"]
        assert dual["reached_ci"][0] > 0.9, design  # measured 0.99-1.0
        for label in ("redish2004", "dezfouli2009", "dual_process/ablation"):
            other = summary[label][design]["reacquisition"]
            assert other["reached_ci"][1] < 0.4, (label, design)  # measured 0.0-0.18


@pytest.mark.xfail(strict=True, reason="not reproduced: dual-process median time to 0.7 is "
                   "30 ticks [24, 33] in reacquisition vs 8 [6, 10] in first acquisition")
def test_dual_process_reacquires_faster_than_it_first_acquired(summary: dict) -> None:
    s = summary["dual_process"]["same context"]
    assert s["reacquisition"]["median_ci"][1] < s["acquisition"]["median_ci"][0]
