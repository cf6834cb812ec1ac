"""4b: extinction with the cue on and the context unchanged (protocols 4b and 4c).

Nothing in the drug cue or the context announces extinction; the outcome does: no dose, so
the cue's dose feature fades. Run on seed 0, 100 individuals per arm, with the controls
of 4c (population/reproduce/_controls.py). Fast relapse (back at P >= 0.7 within 50 ticks of
re-exposure) is not reproduced; relapse that does come later is retrieval of the
acquisition state (most of those who relapse act in it).
"""

from __future__ import annotations

import pytest
from evidence import SEEDS, quoted, stale_documentation

from addsim.population.reproduce._controls import present
from addsim.population.reproduce.relapse_same_context import ARMS, relapse_same_context


@pytest.fixture(scope="module")
def summary() -> dict:
    return relapse_same_context(100, seed=0).summary


@pytest.fixture(scope="module")
def on_seeds() -> dict[int, dict]:
    """The protocol on each of evidence.SEEDS (fixed before any run), 100 per arm."""
    return {s: relapse_same_context(100, seed=s).summary for s in SEEDS}


def test_the_documentation_data_is_this_run(summary: dict) -> None:
    """docs/reproductions/relapse-same-context.json (the table's numbers) holds this run: seed
    0, 100 per arm."""
    msg = stale_documentation("relapse-same-context", summary, 0, 100)
    assert not msg, msg


def test_all_arms_acquire_then_extinguish(summary: dict) -> None:
    for label, _, _ in ARMS:
        s = summary[label]
        assert s["acquisition"]["reached"] >= 0.8, label
        assert s["p_end_extinction"] < 0.05, label
    assert quoted(summary["redish2004"]["acquisition"]["reached"], "0.89")  # seed 0, n 100


def test_the_missing_dose_and_the_history_split_states_in_extinction(summary: dict) -> None:
    """The fading dose feature alone opens an extinction state for some (history off); the
    negative-error history adds to them."""
    on, off = summary["dual_process"], summary["dual_process/history off"]
    assert off["split_in_extinction_ci"][0] > 0.2
    assert on["split_in_extinction_ci"][0] > off["split_in_extinction_ci"][1]
    assert quoted(on["split_in_extinction"], "0.88")  # seed 0, 100 per arm
    assert quoted(off["split_in_extinction"], "0.46")


def test_relapse_when_it_comes_is_in_the_acquisition_state(summary: dict) -> None:
    """Those who return to P >= 0.7 during re-exposure act in their acquisition state."""
    acting = summary["dual_process"]["acting_state"]
    assert acting["reached"] >= 20
    assert acting["acquisition_ci"][0] > 0.5
    assert quoted(acting["reached"], "47") and quoted(acting["acquisition"], "85%")  # seed 0


def test_model_free_learners_do_not_relapse_fast(summary: dict) -> None:
    for name in ("redish2004", "dezfouli2009"):
        assert not present(summary[name]["effect"]), name
        assert quoted(summary[name]["effect"]["value"], "0.00"), name  # seed 0, 100


@pytest.mark.slow
def test_the_history_splits_states_in_extinction_on_every_seed(on_seeds: dict[int, dict]
                                                               ) -> None:
    """On each of the five seeds: the fading dose alone splits some (history off: interval
    above 0) and the history adds to them (intervals apart)."""
    for seed, summary in on_seeds.items():
        on, off = summary["dual_process"], summary["dual_process/history off"]
        assert off["split_in_extinction_ci"][0] > 0.0, (seed, off["split_in_extinction_ci"])
        assert on["split_in_extinction_ci"][0] > off["split_in_extinction_ci"][1], seed


@pytest.mark.slow
def test_relapse_when_it_comes_is_in_the_acquisition_state_on_every_seed(
        on_seeds: dict[int, dict]) -> None:
    for seed, summary in on_seeds.items():
        acting = summary["dual_process"]["acting_state"]
        assert acting["reached"] >= 5 and acting["acquisition_ci"][0] > 0.5, (seed, acting)


@pytest.mark.slow
def test_model_free_learners_do_not_relapse_fast_on_every_seed(on_seeds: dict[int, dict]
                                                               ) -> None:
    for seed, summary in on_seeds.items():
        for name in ("redish2004", "dezfouli2009"):
            assert not present(summary[name]["effect"]), (seed, name)


@pytest.mark.xfail(strict=True, reason="not reproduced (seed 0, 100 per arm): 0 of 100 "
                   "dual-process individuals back at P >= 0.7 within 50 ticks of re-exposure "
                   "[0, 0.04]; 47% return within 500 ticks, 85% of them in the acquisition "
                   "state; with the natural reward kept at 10, 0.16 [0.10, 0.24] return fast")
def test_fast_relapse_in_the_same_context_is_retrieval(summary: dict) -> None:
    assert summary["verdict"]["label"] == "by retrieval"
