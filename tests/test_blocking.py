"""Item 9, Kamin blocking (docs/reproductions.md): 100 individuals per condition, seed 0.

B's own weight is read from the elemental model-free learners at the end of the compound
phase (agents/elemental.py); the dual-process learner's response to B alone in the test.
Redish 2004's prediction (no blocking: the surge is never compensated) is reproduced. For
Dezfouli, B is worth far less after A than in the AB-only control; the control pre-exposed
to the drug elsewhere (only the basal level rho carried over) splits that into the
non-associative part, most of it, and cue competition, the rest: the model's prediction
(Panlilio et al. 2007 measured the whole). The dual-process learner shows no blocking, as
the report found.
"""

from __future__ import annotations

import numpy as np
import pytest
from evidence import SEEDS, quoted, stale_documentation

from addsim.agents.elemental import make_elemental
from addsim.population.reproduce.blocking import blocking, forget_situation


@pytest.fixture(scope="module")
def summary() -> dict:
    return blocking(100, seed=0).summary


@pytest.fixture(scope="module")
def on_seeds() -> dict[int, dict]:
    """The protocol on each of evidence.SEEDS (fixed before any run), 100 per condition."""
    return {s: blocking(100, seed=s).summary for s in SEEDS}


def test_the_documentation_data_is_this_run(summary: dict) -> None:
    """docs/reproductions/blocking.json (the table's numbers) holds this run: seed
    0, 100 per arm."""
    assert not (msg := stale_documentation("blocking", summary, 0, 100)), msg


def redish_no_blocking(s: dict) -> None:
    """B's weight after A is not below the AB-only control (beyond a fifth of it)."""
    assert s["AB only - blocking"]["weight_b"]["ci"][1] < 0.2 * s["AB only"]["weight_b"]["mean"]


def test_redish_no_blocking(summary: dict) -> None:
    s = summary["redish2004"]
    redish_no_blocking(s)
    weights = (s["blocking"]["weight_b"]["mean"], s["AB only"]["weight_b"]["mean"])
    assert quoted(weights, "221 vs 185")  # after A, AB only; seed 0, 100 per condition


def test_dezfouli_b_far_below_the_ab_only_control(summary: dict) -> None:
    s = summary["dezfouli2009"]
    assert s["AB only - blocking"]["weight_b"]["ci"][0] > 0.5 * s["AB only"]["weight_b"]["mean"]
    assert s["blocking"]["weight_b"]["ci"][1] < 0.1 * s["AB only"]["weight_b"]["mean"]


def test_dezfouli_blocking_is_mostly_the_basal_level(summary: dict) -> None:
    """The whole effect = the non-associative part (AB only minus pre-exposed elsewhere) +
    cue competition (pre-exposed elsewhere minus blocking): both there, the first larger."""
    d = summary["dezfouli2009"]["decomposition"]["weight_b"]
    assert d["cue_competition"]["ci"][0] > 0
    assert d["non_associative"]["ci"][0] > d["cue_competition"]["ci"][1]
    assert quoted(d["cue_competition"], "4.8 [4.4, 5.2]")  # seed 0, 100 per condition
    assert quoted(d["non_associative"]["difference"], "63.5")


def test_dual_process_shows_no_blocking(summary: dict) -> None:
    """B after A draws no less responding than after AB only (the report: no blocking)."""
    assert summary["dual_process"]["AB only - blocking"]["p_addictive"]["ci"][0] < 0


@pytest.mark.slow
def test_blocking_results_on_every_seed(on_seeds: dict[int, dict]) -> None:
    """Redish: no blocking; Dezfouli: B far below the AB-only control, both parts of the
    decomposition there, the non-associative one larger; dual-process: no blocking; on each
    of the five seeds."""
    for seed, summary in on_seeds.items():
        redish_no_blocking(summary["redish2004"])
        s = summary["dezfouli2009"]
        ab = s["AB only"]["weight_b"]["mean"]
        assert s["AB only - blocking"]["weight_b"]["ci"][0] > 0.5 * ab, seed
        d = s["decomposition"]["weight_b"]
        assert d["cue_competition"]["ci"][0] > 0, (seed, d)
        assert d["non_associative"]["ci"][0] > d["cue_competition"]["ci"][1], (seed, d)
        assert summary["dual_process"]["AB only - blocking"]["p_addictive"]["ci"][0] < 0, seed


def test_forgetting_the_situation_keeps_only_the_drug_history() -> None:
    learner = make_elemental("dezfouli2009", 3, 2, 2, 5)
    learner.w[...] = 1.0
    learner.rule["r_bar"][...] = 7.0
    learner.rule["kappa"][...] = 0.5
    forget_situation(learner)
    assert not learner.w.any()
    np.testing.assert_array_equal(learner.rule["r_bar"], 7.0)
    np.testing.assert_array_equal(learner.rule["kappa"], 0.5)
