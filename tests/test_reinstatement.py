"""Reinstatement (docs/reproductions.md; de Wit and Stewart 1981): 100 individuals, seed 0.

One non-contingent dose after extinction brings the dual-process individual's responding
back, by retrieval: the dose makes the cue's dose feature resemble the acquisition situation
again (Gershman, Blei and Niv 2010), so those who respond act in the acquisition state; with
the natural reward kept constant it stays; the model-free learners show none. The dose
feature carries it (it stays with the negative-error history off); a state-choice
temperature that falls with the history (Pettine's code, off by default) removes it.
"""

from __future__ import annotations

import pytest
from evidence import SEEDS, quoted, stale_documentation

from addsim.population.reproduce._controls import MIN_EFFECT, present
from addsim.population.reproduce.reinstatement import ARMS, DOSES, arm, reinstatement


@pytest.fixture(scope="module")
def summary() -> dict:
    return reinstatement(100, seed=0).summary


def test_the_documentation_data_is_this_run(summary: dict) -> None:
    """docs/reproductions/reinstatement.json (the table's numbers) holds this run: seed
    0, 100 per arm."""
    assert not (msg := stale_documentation("reinstatement", summary, 0, 100)), msg


def test_every_dose_is_given_and_arms_agree_until_the_prime(summary: dict) -> None:
    for label, _, _ in ARMS:
        s = summary[label]
        ends = {s[arm(d)]["p_end_extinction"] for d in DOSES}
        assert len(ends) == 1, label
        assert next(iter(ends)) < 0.05, label
        for d in DOSES[1:]:
            assert s[arm(d)]["dosed"] == 1.0, (label, d)


@pytest.fixture(scope="module")
def on_seeds() -> dict[int, dict]:
    """The protocol on each of evidence.SEEDS (fixed before any run), 100 per arm."""
    return {s: reinstatement(100, seed=s).summary for s in SEEDS}


def test_one_dose_reinstates_dual_process_by_retrieval(summary: dict) -> None:
    v = summary["verdict"]
    assert v["label"] == "by retrieval", v
    s = summary["dual_process"]
    assert s["prime 1-none"]["ci"][0] > MIN_EFFECT
    assert quoted(s["prime 1-none"], "0.23 [0.20, 0.25]")  # seed 0, 100 per arm
    acting = s["prime 1"]["acting_state"]
    assert acting["acquisition_ci"][0] > 0.5
    assert quoted(acting["acquisition"], "99%") and quoted(acting["reached"], "77")
    assert summary["dual_process/reward-constant"]["prime 1-none"]["ci"][0] > MIN_EFFECT


def test_model_free_learners_are_not_reinstated_by_one_dose(summary: dict) -> None:
    for name in ("redish2004", "dezfouli2009"):
        d = summary[name]["prime 1-none"]
        assert d["ci"][1] < MIN_EFFECT, name
        assert quoted(d["difference"], "0.000"), name  # seed 0, 100 per arm


def test_the_dose_feature_carries_it_and_a_falling_temperature_removes_it(summary: dict
                                                                           ) -> None:
    off = summary["dual_process/history off"]["prime 1-none"]
    falls = summary["dual_process/temperature falls"]["prime 1-none"]
    assert present({"value": off["difference"], "ci": off["ci"]})
    assert falls["difference"] < MIN_EFFECT
    assert quoted(off["difference"], "0.11") and quoted(falls["difference"], "0.01")  # seed 0


@pytest.mark.slow
def test_one_dose_reinstates_dual_process_on_every_seed(on_seeds: dict[int, dict]) -> None:
    """prime 1 - none has its interval above 0 on each of the five seeds, in the protocol and
    with the natural reward kept constant; those who respond act in the acquisition state."""
    for seed, summary in on_seeds.items():
        for label in ("dual_process", "dual_process/reward-constant"):
            d = summary[label]["prime 1-none"]
            assert d["ci"][0] > 0.0, (seed, label, d)
        acting = summary["dual_process"]["prime 1"]["acting_state"]
        assert acting["acquisition_ci"][0] > 0.5, (seed, acting)


@pytest.mark.slow
def test_model_free_learners_are_not_reinstated_on_every_seed(on_seeds: dict[int, dict]
                                                              ) -> None:
    for seed, summary in on_seeds.items():
        for name in ("redish2004", "dezfouli2009"):
            assert summary[name]["prime 1-none"]["ci"][1] < MIN_EFFECT, (seed, name)


@pytest.mark.slow
def test_the_dose_feature_carries_it_and_a_falling_temperature_removes_it_on_every_seed(
        on_seeds: dict[int, dict]) -> None:
    for seed, summary in on_seeds.items():
        off = summary["dual_process/history off"]["prime 1-none"]
        falls = summary["dual_process/temperature falls"]["prime 1-none"]
        assert off["ci"][0] > 0.0, (seed, off)
        assert falls["difference"] < MIN_EFFECT, (seed, falls)
