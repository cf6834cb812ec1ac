"""Renewal, ABA / AAB / AAA (SCIENCE.md section 4; Bouton 2004): 100 individuals, seed 0.

The dual-process learner's responding at test returns when the extinction context is left,
most in ABA; the model-free learners, which do not see the context, show none. The ablation
(negative-error history off) says which mechanism carries each design: ABA survives it (cue
distance: context B gets its own latent state), AAB shrinks (the history's state created at
the start of extinction in A is what a new context B is not).
"""

from __future__ import annotations

import pytest

from addsim.population.reproduce.renewal import DESIGNS, renewal


@pytest.fixture(scope="module")
def summary() -> dict:
    return renewal(100, seed=0).summary


def test_every_learner_acquires_and_extinguishes(summary: dict) -> None:
    for label, s in summary.items():
        for design in DESIGNS:
            assert s[design]["p_end_acquisition"] > 0.8, (label, design)
            assert s[design]["p_end_extinction"] < 0.05, (label, design)


def test_dual_process_renews_aba_above_aab_above_aaa(summary: dict) -> None:
    s = summary["dual_process"]
    assert s["ABA-AAB"]["ci"][0] > 0  # measured 0.22 [0.19, 0.25]
    assert s["AAB-AAA"]["ci"][0] > 0  # measured 0.11 [0.08, 0.13]


def test_model_free_learners_show_no_renewal(summary: dict) -> None:
    dual = summary["dual_process"]["ABA"]["test"]["ci"][0]
    for name in ("redish2004", "dezfouli2009"):
        assert summary[name]["ABA"]["test"]["ci"][1] < dual, name
        assert abs(summary[name]["ABA-AAA"]["difference"]) < 0.02, name


def test_ablation_keeps_aba_and_shrinks_aab(summary: dict) -> None:
    on, off = summary["dual_process"], summary["dual_process/ablation"]
    assert off["ABA-AAA"]["ci"][0] > 0.3  # context distance alone: measured 0.55
    assert off["AAB-AAA"]["ci"][1] < on["AAB-AAA"]["ci"][0]  # measured 0.02 vs 0.11
