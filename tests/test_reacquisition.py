"""Reacquisition (docs/reproductions.md; Bouton 2004): 100 individuals, seed 0.

Not reproduced: after extinction the dual-process individual rarely tries the drug again in
the extinction state, so few reacquire within 250 ticks and none sooner than they first
acquired (the savings test is a strict expected failure with the numbers). Those who do
reacquire act in the acquisition state: when it comes, it is retrieval.
"""

from __future__ import annotations

import pytest
from evidence import SEEDS, quoted, stale_documentation

from addsim.population.reproduce.reacquisition import reacquisition


@pytest.fixture(scope="module")
def summary() -> dict:
    return reacquisition(100, seed=0).summary


def test_the_documentation_data_is_this_run(summary: dict) -> None:
    """docs/reproductions/reacquisition.json (the table's numbers) holds this run: seed
    0, 100 per arm."""
    assert not (msg := stale_documentation("reacquisition", summary, 0, 100)), msg


def test_first_acquisition_and_extinction(summary: dict) -> None:
    for label in ("redish2004", "dezfouli2009", "dual_process"):
        s = summary[label]["same context"]
        assert s["acquisition"]["reached"] >= 0.8, label
        assert s["p_end_extinction"] < 0.05, label


def test_those_who_reacquire_act_in_the_acquisition_state(summary: dict) -> None:
    acting = summary["dual_process"]["same context"]["acting_state"]
    assert acting["reached"] >= 5
    assert acting["acquisition_ci"][0] > 0.5
    assert quoted(acting["reached"], "17") and quoted(acting["acquisition"], "100%")  # seed 0


def test_model_free_learners_show_no_savings(summary: dict) -> None:
    for name in ("redish2004", "dezfouli2009"):
        assert summary[name]["same context"]["savings"]["ci"][1] < 0, name


@pytest.fixture(scope="module")
def on_seeds() -> dict[int, dict]:
    """The protocol on each of evidence.SEEDS (fixed before any run), 100 per arm."""
    return {s: reacquisition(100, seed=s).summary for s in SEEDS}


@pytest.mark.slow
def test_model_free_learners_show_no_savings_on_every_seed(on_seeds: dict[int, dict]) -> None:
    for seed, summary in on_seeds.items():
        for name in ("redish2004", "dezfouli2009"):
            savings = summary[name]["same context"]["savings"]
            assert savings["ci"][1] < 0, (seed, name, savings)


@pytest.mark.slow
def test_those_who_reacquire_act_in_the_acquisition_state_on_every_seed(
        on_seeds: dict[int, dict]) -> None:
    for seed, summary in on_seeds.items():
        acting = summary["dual_process"]["same context"]["acting_state"]
        assert acting["reached"] >= 5 and acting["acquisition_ci"][0] > 0.5, (seed, acting)


@pytest.mark.xfail(strict=True, reason="not reproduced (seed 0, 100 per arm): savings "
                   "(sooner minus later) -1.00 [-1.00, -1.00]; 17% reacquire within 250 "
                   "ticks against a first-acquisition median of 8")
def test_reacquisition_shows_savings_by_retrieval(summary: dict) -> None:
    assert summary["verdict"]["label"] == "by retrieval"
