"""Renewal, ABA / AAB / AAA (docs/reproductions.md; Bouton 2004): 100 individuals, seed 0.

ABA renewal is there and survives the controls: with the natural reward kept constant, the
model-free learners (which do not see the context) show none, and the context's distance
carries it (it stays with the negative-error history off); those who respond act in states
the acquisition phase made. But the rule of 4c (most act in THE acquisition state, the
modal one at the end of acquisition) holds on seed 0 only of seeds 0-4: 54-62% act in it,
32-38% in another state opened during acquisition (a strict expected failure with the
numbers, checked over the five seeds). AAB is not retrieval: those who respond in a new
context mostly act in states opened during the test.
"""

from __future__ import annotations

import pytest
from evidence import SEEDS, quoted, stale_documentation

from addsim.population.reproduce.renewal import ARMS, DESIGNS, renewal


@pytest.fixture(scope="module")
def summary() -> dict:
    return renewal(100, seed=0).summary


def test_the_documentation_data_is_this_run(summary: dict) -> None:
    """docs/reproductions/renewal.json (the table's numbers) holds this run: seed
    0, 100 per arm."""
    assert not (msg := stale_documentation("renewal", summary, 0, 100)), msg


def test_every_arm_acquires_and_extinguishes(summary: dict) -> None:
    for label, _, _ in ARMS:
        for design in DESIGNS:
            assert summary[label][design]["p_end_acquisition"] > 0.8, (label, design)
            assert summary[label][design]["p_end_extinction"] < 0.05, (label, design)


@pytest.fixture(scope="module")
def on_seeds() -> dict[int, dict]:
    """The protocol on each of evidence.SEEDS (fixed before any run), 100 per arm."""
    return {s: renewal(100, seed=s).summary for s in SEEDS}


def test_aba_renewal_survives_the_controls_in_acquisition_phase_states(summary: dict) -> None:
    s = summary["dual_process"]
    assert s["ABA-AAA"]["ci"][0] > 0.3
    assert quoted(s["ABA-AAA"], "0.66 [0.57, 0.73]")  # seed 0, 100 per arm
    rc = summary["dual_process/reward-constant"]["ABA-AAA"]
    assert rc["ci"][0] > 0.3 and quoted(rc["difference"], "0.70")
    acting = s["ABA"]["acting_state"]
    acquisition_phase = acting["acquisition"] + acting["other_acquisition"]
    assert acquisition_phase > 0.8
    assert quoted(acquisition_phase, "93%") and quoted(acting["acquisition"], "62%")
    assert quoted(acting["other_acquisition"], "32%")


@pytest.mark.slow
def test_aba_renewal_on_every_seed(on_seeds: dict[int, dict]) -> None:
    """ABA - AAA has its interval above 0 on each of the five seeds, in the protocol, with
    the natural reward kept constant and with the history off (the context carries it)."""
    for seed, summary in on_seeds.items():
        for arm in ("dual_process", "dual_process/reward-constant", "dual_process/history off"):
            assert summary[arm]["ABA-AAA"]["ci"][0] > 0.0, (seed, arm, summary[arm]["ABA-AAA"])


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="by another cause on seeds 1-4 (by retrieval on seed 0): "
                   "54-62% of those who renew act in the modal acquisition state (Wilson lower "
                   "bound 0.42-0.50), 32-38% in another state opened during acquisition")
def test_aba_renewal_is_retrieval_on_every_seed() -> None:
    labels = [renewal(100, seed=s).summary["verdict"]["ABA-AAA"]["label"] for s in range(5)]
    assert labels == ["by retrieval"] * 5, labels


def test_model_free_learners_do_not_see_the_context(summary: dict) -> None:
    """The model-free learners cannot renew: they do not see the context and every design of
    an arm runs on the arm's one stream, so ABA, AAB and AAA are the same run, number for
    number (a context leaking into their state would make them differ). Their ABA - AAA is
    then 0 by construction, which is why it is not what this test asserts. At test they stay
    extinguished."""
    for name in ("redish2004", "dezfouli2009"):
        s = summary[name]
        assert s["ABA"] == s["AAB"] == s["AAA"], name
        assert s["ABA"]["test"]["ci"][1] < 0.05, name


def test_the_context_not_the_history_carries_aba(summary: dict) -> None:
    off = summary["dual_process/history off"]["ABA-AAA"]
    assert off["ci"][0] > 0.3
    assert quoted(off, "0.74 [0.68, 0.80]")  # seed 0, 100 per arm


@pytest.mark.slow
def test_model_free_learners_do_not_see_the_context_on_every_seed(on_seeds: dict[int, dict]
                                                                  ) -> None:
    for seed, summary in on_seeds.items():
        for name in ("redish2004", "dezfouli2009"):
            s = summary[name]
            assert s["ABA"] == s["AAB"] == s["AAA"], (seed, name)


@pytest.mark.xfail(strict=True, reason="by another cause (seed 0, 100 per arm): AAB - AAA "
                   "0.23 [0.20, 0.26], but of the 20 who respond in context B 55% act in a "
                   "state created during the test and none in the acquisition state")
def test_aab_renewal_is_retrieval(summary: dict) -> None:
    assert summary["verdict"]["AAB-AAA"]["label"] == "by retrieval"
