"""The planner, its arbitration and the homeostatic state (agents/model_based.py,
agents/homeostatic.py): the batched learners against the per-individual reference, the
equations on hand-made cases, and the state per individual in bytes."""

from __future__ import annotations

import numpy as np
import pytest
from test_reference import SCHEDULE, _replay

from addsim.agents import make_learner
from addsim.agents.homeostatic import drive_reduction
from addsim.agents.keramati2011 import kalman_correction, vpi_action
from addsim.agents.model_based import ARBITRATION
from addsim.envs.substance import SubstanceCore

N = 12


def _mixed(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Per-individual settings that exercise every rule in one batch."""
    return {
        "arbitration": np.arange(N) % 5.0,
        "leaf": (np.arange(N) // 5) % 2.0,
        "depth": 1.0 + np.arange(N) % 4,
        "trace": rng.uniform(0.0, 1.0, N) * (np.arange(N) % 2),
        "kalman_gain": (np.arange(N) % 3 == 1).astype(float),
        "value_norm": (np.arange(N) % 4 == 2).astype(float),
        "prune": np.where(np.arange(N) % 2 == 0, 0.1, 0.0),
        "homeostasis": (np.arange(N) % 2 == 1).astype(float),
        "drive_scale": rng.uniform(0.005, 0.05, N),
        "w": rng.uniform(0.0, 1.0, N),
        "model_start": (np.arange(N) % 3 != 2).astype(float),
        "surge": rng.uniform(12, 18, N),
        "alpha": rng.uniform(0.1, 0.3, N),
    }


@pytest.mark.parametrize("name", ["model_based", "dual_process_mb"])
def test_planner_and_arbitration_match_reference(name: str) -> None:
    """Every arbitration rule, both leaf rules, depths 1-4, pruning, the eligibility, the
    Kalman-gain ablation, HRRL's value scaling and the homeostatic reward, per individual in
    one batch, agree step for step with tests/reference.py through acquisition, extinction
    and re-exposure."""
    r = _replay(name, SubstanceCore, SCHEDULE, **_mixed(np.random.default_rng(4)))
    assert r.covers_the_task() and (r.states > r.task_states or not r.latent)


def test_planner_with_the_paper_choice_rule_matches_reference() -> None:
    """Dezfouli's epsilon-greedy with R_bar after greedy choices, over arbitrated values."""
    rule = np.array([1.0, 0.0] * (N // 2))
    assert _replay("model_based", SubstanceCore, SCHEDULE, preset="paper",
                   epsilon_greedy=rule, drive_scale=0.01).covers_the_task()


def test_vpi_matches_keramati_formula() -> None:
    """VPI of the best action is (Q2 - Q1) Phi((Q2 - Q1) / sd1) + sd1 phi(.); of another
    (Qa - Q1)(1 - Phi((Q1 - Qa) / sda)) + sda phi(.); it falls as the gap grows."""
    from math import erfc, exp, pi, sqrt

    sd = 0.5
    z = -1.0 / sd
    phi = exp(-0.5 * z * z) / sqrt(2 * pi)
    assert vpi_action(1.0, 1.0, 0.0, sd, True) == pytest.approx(
        -1.0 * 0.5 * erfc(-z / sqrt(2)) + sd * phi, rel=1e-12)
    assert vpi_action(0.0, 1.0, 0.0, sd, False) == pytest.approx(
        -1.0 * (1 - 0.5 * erfc(-(1 / sd) / sqrt(2))) + sd * phi, rel=1e-12)
    close, far = vpi_action(1.0, 1.0, 0.9, sd, True), vpi_action(5.0, 5.0, 0.0, sd, True)
    assert close > vpi_action(1.0, 1.0, 0.0, sd, True) > far > 0.0


def test_kalman_correction_shrinks_the_variance_by_the_targets_share() -> None:
    """P <- P (P' + R) / (P + P' + R) with gain P / (P + P' + R)."""
    p, gain = kalman_correction(1.0, 1.0, 0.05)
    assert gain == pytest.approx(1.0 / 2.05) and p == pytest.approx(1.05 / 2.05)


def test_homeostatic_reward_is_drive_reduction_with_hrrl_numbers() -> None:
    """A dose of 50 at h = 0 with h* = 100: 100^(4/3) - 50^(4/3); at the setpoint it
    overshoots (negative); further below the setpoint, worth more (withdrawal)."""
    r = [drive_reduction(h, hs, 50.0, 4.0, 3.0) for h, hs in ((0.0, 100.0), (100.0, 100.0),
                                                               (0.0, 150.0))]
    assert r[0] == pytest.approx(100 ** (4 / 3) - 50 ** (4 / 3))
    assert r[1] < 0.0 < r[0] < r[2]
    assert drive_reduction(3.0, 100.0, 0.0, 4.0, 3.0) == 0.0


def test_internal_state_follows_hrrl() -> None:
    """One dose: absorbed 12% per step, degraded 0.7% per step; the setpoint rises 0.0018 per
    unit of dose and recovers 0.00016 per step, never below 100."""
    lr = make_learner("model_based", 1, 2, 2, 4, preset="paper")
    s, a = np.array([0]), np.array([1])
    lr.learn(s, a, np.array([0.0]), np.array([1]), np.array([True]))
    assert lr.h[0] == pytest.approx(0.12 * 50)
    assert lr.h_buffer[0] == pytest.approx(0.88 * 50)
    assert lr.setpoint[0] == pytest.approx(100 + 0.0018 * 50 - 0.00016)
    lr.rest(1)
    assert lr.h[0] == pytest.approx(6.0 + 0.12 * 44.0 - 0.007 * 6.0)
    lr.rest(10_000)
    assert lr.setpoint[0] == 100.0 and lr.h[0] < 1e-6


def test_planned_drug_value_ignores_the_surge_while_the_habit_inflates() -> None:
    """Keramati and Gutkin 2013: the surge enters the habit's error only. After forced drug
    use the habit values the drug above the natural reward; the planner (the model's
    natural rewards) does not."""
    n = 200
    core = SubstanceCore(n)
    lr = make_learner("model_based", n, 2, 2, 5, arbitration=ARBITRATION["habit"])
    rng = np.random.default_rng(0)
    s = np.zeros(n, np.int64)
    for t in range(400):
        a = np.full(n, t % 2, np.int64)  # alternate: natural, then the drug (and back)
        tr = core.step(a, core.draw(rng))
        lr.learn(s, a, tr.reward, tr.next_state, tr.drug)
        s = tr.next_state
    zero = np.zeros(n, np.int64)
    habit = lr.q[:, 0]
    planned = lr.planned_values(zero)
    assert (habit[:, 1] > habit[:, 0]).mean() > 0.9
    assert (planned[:, 1] < planned[:, 0]).mean() > 0.9


def test_state_bytes_per_individual() -> None:
    """The planner adds b S^2 A + 8 (4 S A + 6) bytes per individual (S states, A actions,
    b the transitions' storage: 4 in float32, the latent learner's default) to the
    dual-process learner's state: 1,072 bytes at capacity 8, 2 actions; the whole
    dual_process_mb individual stays within 2,500 bytes once all 8 latent slots are in use."""
    n = 50
    base = make_learner("dual_process", n, 2, 2, 5)
    mb = make_learner("dual_process_mb", n, 2, 2, 5)
    for lr in (base, mb):
        while lr.slots < lr.capacity:
            lr._n_active[:] = lr.slots
            lr._grow()
    added = mb.memory()["state"] - base.memory()["state"]
    assert added == 4 * 8 * 8 * 2 + 8 * (4 * 8 * 2 + 6) == 1072
    assert mb.memory()["state"] <= 2500
    tab = make_learner("model_based", n, 2, 2, 5)
    assert tab.memory()["state"] == 8 * (2 * 2 * 2 + 4 * 2 * 2 + 6) + 8 * 2 * 2 + 16


def test_bad_rule_codes_are_refused() -> None:
    """An unknown arbitration rule, leaf rule or a fractional depth is one clear line."""
    with pytest.raises(ValueError, match=r"arbitration: got 7\.0, expected one of 0, 1, 2, 3, 4"):
        make_learner("model_based", 1, 2, 2, 4, arbitration=7.0)
    with pytest.raises(ValueError, match=r"depth: got 2\.5"):
        make_learner("dual_process_mb", 1, 2, 2, 4, depth=2.5)


@pytest.mark.parametrize("name", ["model_based", "dual_process_mb"])
def test_plain_python_kernel_agrees_with_the_compiled_one(name: str) -> None:
    """With numba off the planner's kernel runs as plain Python (addsim._jit): the same
    values and shares, for every rule at once, after a drug history."""
    from addsim.agents import _mb_kernels
    from addsim.population.rollout import rollout

    kernel = _mb_kernels.mb_values
    if not hasattr(kernel, "fn"):
        pytest.skip("numba is off: only the plain Python form runs")
    core = SubstanceCore(N)
    lr = make_learner(name, N, 2, 2, 5, salience=core.salience(),
                      **_mixed(np.random.default_rng(5)))
    rollout(lr, core, 300, np.random.default_rng(1))
    p = lr.p
    for s in (np.zeros(N, np.int64), np.ones(N, np.int64)):
        out = [np.empty((N, 2)) for _ in range(4)]
        for f, (v, share) in ((kernel, out[:2]), (kernel.fn, out[2:])):
            f(s, lr._q, lr._var, lr._r_hat, lr._k_hat, lr._visits, lr._t_hat, lr.h,
              lr.setpoint, lr.rho_now(), p.arbitration, p.w, p.tau, p.var_obs, p.nu, p.depth,
              p.leaf, p.prune, p.homeostasis, p.drive_scale, p.drive_n, p.drive_m,
              p.model_start, v, share)
        np.testing.assert_allclose(out[0], out[2], rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(out[1], out[3])


@pytest.mark.parametrize("name", ["model_based", "dual_process_mb"])
@pytest.mark.parametrize("task", ["two_step", "self_administration"])
def test_planner_matches_reference_on_the_new_tasks(name: str, task: str) -> None:
    """Three states and a random walk (two-step), five states and three actions (the VPI's
    best and second best among three; HRRL's self-administration with its dose)."""
    from addsim.envs import TASKS

    over = _mixed(np.random.default_rng(8))
    over.pop("surge")
    assert _replay(name, TASKS[task], {}, surge=0.0, dose=50.0, **over).covers_the_task()
