"""Reinstatement by a non-contingent drug exposure after extinction (SCIENCE.md section 4).

100 individuals per arm, seed 0; the arms share a stream so they are identical until the
prime. The issue's claim (one exposure brings responding back for dual-process, not for the
model-free learners) is not reproduced: kept as a strict expected failure with the numbers.
What the model does show is asserted: after 20 doses the dual-process learner responds again
and the ablation (error history off) does not, nor does Dezfouli; Redish's surge returns too.
"""

from __future__ import annotations

import pytest

from addsim.population.reproduce.reinstatement import DOSES, arm, reinstatement


@pytest.fixture(scope="module")
def summary() -> dict:
    return reinstatement(100, seed=0).summary


def test_every_dose_is_given_and_arms_agree_until_the_prime(summary: dict) -> None:
    for label, s in summary.items():
        ends = {s[arm(d)]["p_end_extinction"] for d in DOSES}
        assert len(ends) == 1, label
        assert next(iter(ends)) < 0.05, label
        for d in DOSES[1:]:
            assert s[arm(d)]["dosed"] == 1.0, (label, d)


@pytest.mark.xfail(strict=True, reason="not reproduced: one dose leaves dual-process P at "
                   "0.000 [0.000, 0.000] over the first 20 test ticks, as without the prime")
def test_one_exposure_reinstates_dual_process(summary: dict) -> None:
    assert summary["dual_process"]["prime 1-none"]["ci"][0] > 0.02


def test_many_doses_reinstate_through_the_error_history(summary: dict) -> None:
    on = summary["dual_process"]["prime 20-none"]
    assert on["ci"][0] > 0.05  # measured 0.17 [0.12, 0.22]
    for label in ("dual_process/ablation", "dezfouli2009"):
        assert summary[label]["prime 20"]["test"]["ci"][1] < on["ci"][0], label
