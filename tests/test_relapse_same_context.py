"""4b: extinction with the cue on and the context unchanged (SCIENCE.md section 4).

Only prediction errors can split states here: the dual-process individual must move into a new
latent state during extinction and relapse far faster than the same run with the error history
switched off (the ablation) and than the model-free learners. Per-individual times to
P(addictive) >= 0.7, censored at the end of re-exposure; 100 individuals per arm, seed 0.
"""

from __future__ import annotations

import pytest

from addsim.population.reproduce.relapse_same_context import relapse_same_context


@pytest.fixture(scope="module")
def summary() -> dict:
    return relapse_same_context(100, seed=0).summary


def test_all_arms_acquire_then_extinguish(summary: dict) -> None:
    for arm, s in summary.items():
        assert s["acquisition"]["reached"] >= 0.8, arm  # measured: Redish 0.89, others 1.0
        assert s["p_end_extinction"] < 0.05, arm


def test_errors_split_states_only_with_the_history(summary: dict) -> None:
    on, off = summary["dual_process/same-context"], summary["dual_process/ablation"]
    assert on["split_in_extinction_ci"][0] > off["split_in_extinction_ci"][1]


def test_dual_process_relapses_fast_and_the_ablation_does_not(summary: dict) -> None:
    on, off = summary["dual_process/same-context"], summary["dual_process/ablation"]
    assert on["reexposure"]["reached_by_50_ci"][0] > 0.5
    assert off["reexposure"]["reached_by_50_ci"][1] < on["reexposure"]["reached_by_50_ci"][0]
    assert on["reexposure"]["median"] is not None and on["reexposure"]["median"] <= 50
    for name in ("redish2004", "dezfouli2009"):  # model-free: no fast return either
        mf = summary[f"{name}/same-context"]["reexposure"]
        assert mf["reached_by_50_ci"][1] < on["reexposure"]["reached_by_50_ci"][0], name
