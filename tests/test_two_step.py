"""The two-step task (envs/two_step.py) and its reproduction (population/reproduce/
two_step.py): the task's semantics, the stay regression, and the published signatures with
their ablation (Daw et al. 2011)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from evidence import SEEDS, quoted, stale_documentation

from addsim.envs._core import Draws
from addsim.envs.two_step import TwoStepCore
from addsim.population.reproduce.two_step import logistic_ridge, two_step


def _draws(n: int, u0: float, u1: float, z: float = 0.0) -> Draws:
    return Draws(np.full((n, 4), z), np.tile([u0, u1], (n, 1)))


def test_transitions_are_common_or_rare_and_rewards_follow_the_walks() -> None:
    """Action a goes to state 1 + a below ``common``, to 2 - a above; a second-stage choice
    pays 1 below its probability and returns to the first stage."""
    core = TwoStepCore(2, p1_0=0.3, p2_1=0.7)
    tr = core.step(np.array([0, 1]), _draws(2, 0.69, 0.0))
    assert tr.next_state.tolist() == [1, 2] and tr.reward.tolist() == [0.0, 0.0]
    tr = core.step(np.array([0, 1]), _draws(2, 0.0, 0.5))
    assert tr.reward.tolist() == [0.0, 1.0] and tr.next_state.tolist() == [0, 0]
    tr = core.step(np.array([0, 1]), _draws(2, 0.71, 0.0))
    assert tr.next_state.tolist() == [2, 1]  # rare transitions
    assert not tr.drug.any() and not tr.addictive.any()


def test_walks_step_once_per_trial_and_reflect_at_the_bounds() -> None:
    """Each probability steps by drift_sd * z on second-stage ticks only, folded back into
    [0.25, 0.75]; reset restores the starts."""
    core = TwoStepCore(1, p1_0=0.74, p1_1=0.26)
    core.step(np.array([0]), _draws(1, 0.0, 0.9, z=1.0))  # first stage: no step
    np.testing.assert_allclose(core.p_reward[0], [0.74, 0.26, 0.5, 0.5])
    core.step(np.array([0]), _draws(1, 0.0, 0.9, z=1.0))
    np.testing.assert_allclose(core.p_reward[0], [0.75 - 0.015, 0.285, 0.525, 0.525])
    core.step(np.array([0]), _draws(1, 0.0, 0.9, z=-20.0))
    core.step(np.array([0]), _draws(1, 0.0, 0.9, z=-20.0))
    assert ((core.p_reward >= 0.25) & (core.p_reward <= 0.75)).all()
    core.reset()
    np.testing.assert_allclose(core.p_reward[0], [0.74, 0.26, 0.5, 0.5])


def test_logistic_ridge_recovers_known_coefficients() -> None:
    """Newton's method on simulated choices recovers the coefficients within sampling noise."""
    rng = np.random.default_rng(0)
    n, t = 4, 20_000
    x = np.concatenate([np.ones((n, t, 1)), rng.choice([-1.0, 1.0], (n, t, 3))], axis=2)
    b = np.array([[0.5, 1.0, 0.0, -0.5]] * n)
    p = 1 / (1 + np.exp(-np.einsum("ntk,nk->nt", x, b)))
    y = (rng.random((n, t)) < p).astype(float)
    np.testing.assert_allclose(logistic_ridge(x, y, ridge=0.0), b, atol=0.06)


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return two_step(n=100, seed=0).summary


@pytest.mark.slow
def test_the_documentation_data_is_this_run(result: dict[str, Any]) -> None:
    """docs/reproductions/two-step.json (the table's numbers) holds this run: seed
    0, 100 per arm."""
    assert not (msg := stale_documentation("two-step", result, 0, 100)), msg


@pytest.mark.slow
def test_model_free_signature_and_its_ablation(result: dict[str, Any]) -> None:
    """The habit with Daw's TD(1) eligibility stays after reward whatever the transition
    (b_r above 0.2 and above b_rt); with the eligibility off (lambda 0) the reward effect is
    gone."""
    mf, ablated = result["model-free"], result["model-free, lambda 0"]
    assert mf["signature"] == "model-free"
    assert mf["b_r"]["ci"][0] > 0.2 and mf["b_r-b_rt"]["ci"][0] > 0.0
    assert ablated["signature"] == "none" and ablated["b_r"]["ci"][0] < 0.05
    assert quoted(mf["b_r"], "0.47 [0.41, 0.53]")  # seed 0, 100 individuals
    assert quoted(ablated["b_r"], "0.02 [-0.02, 0.05]")


@pytest.mark.slow
def test_model_free_signature_and_planner_interaction_on_every_seed() -> None:
    """On each of evidence.SEEDS (fixed before any run), 100 individuals: the habit's
    signature and its ablation, and the planner's interaction above 0 and above the habit's."""
    for seed in SEEDS:
        result = two_step(n=100, seed=seed).summary
        mf, ablated = result["model-free"], result["model-free, lambda 0"]
        assert mf["signature"] == "model-free", seed
        assert mf["b_r"]["ci"][0] > 0.2 and mf["b_r-b_rt"]["ci"][0] > 0.0, seed
        assert ablated["signature"] == "none" and ablated["b_r"]["ci"][0] < 0.05, seed
        mb = result["model-based"]
        assert mb["b_rt"]["ci"][0] > 0.0 and mb["b_rt"]["mean"] > 2 * mf["b_rt"]["mean"], seed


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="not reproduced at the preset beta 5: the planner's "
                   "interaction is present but below the 0.2 bar, b_rt 0.17 [0.14, 0.20], "
                   "b_r 0.07 [0.03, 0.10] (seed 0; 0.16-0.19 on seeds 0-4); at beta 20 (post "
                   "hoc) 0.57 [0.53, 0.61]")
def test_model_based_signature(result: dict[str, Any]) -> None:
    """The planner alone: the reward x transition interaction, not the reward effect."""
    assert result["model-based"]["signature"] == "model-based"


@pytest.mark.slow
def test_planner_interaction_is_the_planners(result: dict[str, Any]) -> None:
    """The interaction comes from the planner: present in the planner arm (interval above
    0) and larger than the habit's; at beta 20 (post hoc) the full published pattern."""
    mb, mf = result["model-based"], result["model-free"]
    assert mb["b_rt"]["ci"][0] > 0.0 and mb["b_rt"]["mean"] > 2 * mf["b_rt"]["mean"]
    assert result["model-based, beta 20 (post hoc)"]["signature"] == "model-based"
    assert result["hybrid w 0.5, beta 20 (post hoc)"]["signature"] == "both"


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="not reproduced: the arbitrated learners end with the "
                   "habit's signature; Keramati 2011's VOI hands control to the habit within "
                   "about 30 trials (planned share 0.59 [0.56, 0.63] over the first 20 trials, "
                   "0.00 over the last 100; b_r 0.43 [0.38, 0.49], b_rt 0.06 [-0.00, 0.12], "
                   "seed 0), Daw 2005's uncertainty likewise (0.70 then 0.00)")
def test_arbitrated_learner_shows_both_signatures(result: dict[str, Any]) -> None:
    """Humans (Daw et al. 2011) show both effects; the arbitrated learner should too."""
    assert result["arbitrated: voi"]["signature"] == "both"


@pytest.mark.slow
def test_arbitration_plans_early_then_hands_over(result: dict[str, Any]) -> None:
    """What the arbitrated learners do: plan for most of the first 20 trials, not after."""
    for arm in ("arbitrated: voi", "arbitrated: uncertainty"):
        assert result[arm]["planned_share_first_20"]["ci"][0] > 0.4
        assert result[arm]["planned_share"]["ci"][1] < 0.05
