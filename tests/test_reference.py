"""The batched learners agree step for step with the per-individual reference (tests/reference.py).

A batched rollout records every random number it consumed (cue noise, state-choice and action
uniforms) and every outcome; each individual is then replayed through the plain-Python
reference with the same numbers. States, actions and Q values must agree at every tick, under
acquisition, extinction (new latent states) and re-exposure, with per-individual parameters.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pytest
from reference import inverse_and_logdet, make_reference

from addsim.agents import LEARNERS, make_learner
from addsim.envs.gambling import GamblingCore
from addsim.envs.substance import SubstanceCore
from addsim.population.reproduce.relapse import EXTINCTION, REEXPOSURE
from addsim.population.rollout import phases, rollout

N, T = 12, 360


class Replayed(NamedTuple):
    """What a replay went through: the distinct actions taken (over all individuals), the
    most states one individual was classified into, the task's states and actions, and
    whether the learner makes latent states (then more states than the task's mean some were
    created)."""

    actions: int
    states: int
    task_states: int
    task_actions: int
    latent: bool

    def covers_the_task(self) -> bool:
        """Every action of the task was taken and every state of it was met (a latent-state
        learner: classified into at least as many states as the task has)."""
        return self.actions == self.task_actions and (
            self.states >= self.task_states if self.latent else self.states == self.task_states)


def _replay(name: str, core_cls: type, schedule: dict, preset: str = "report",
            **overrides: np.ndarray) -> Replayed:
    """Roll out N individuals batched and replay each through the reference (the checks are
    inside, at every tick); return what the replay went through, for the caller to check that
    it proves something (issue 34: it returned its own loop count, N * T whatever happened)."""
    core = core_cls(N)
    learner = make_learner(name, N, core.n_states, core.n_actions, core.cue_dim,
                           preset=preset, precision="float64", salience=core.salience(),
                           **overrides)
    res = rollout(learner, core, T, np.random.default_rng(7), schedule, trace=True)
    tr = res.trace
    assert tr is not None
    actions: set[int] = set()
    states = 0
    for i in range(N):
        ref = make_reference(name, learner.p, core.n_states, core.n_actions, core.cue_dim,
                             getattr(learner, "capacity", 8), index=i,
                             salience=list(core.salience()))
        pending = None
        for t in range(T):
            obs = tr.obs[t][i]
            z = ref.observe(obs, float(tr.u_state[t][i]))
            assert z == tr.z[t][i], f"{name}: individual {i} tick {t}: state {z} != {tr.z[t][i]}"
            if pending is not None:
                s, a_prev, r, drug, x = pending
                ref.learn(s, a_prev, r, z, drug, x)
            np.testing.assert_allclose(
                np.array(ref.q)[: tr.q[t].shape[1]], tr.q[t][i], rtol=1e-9, atol=1e-9,
                err_msg=f"{name}: individual {i} tick {t}: Q differs",
            )
            a = ref.act(z, float(tr.u_act[t][i]))
            assert a == tr.action[t][i], f"{name}: individual {i} tick {t}: action differs"
            pending = (z, a, float(tr.reward[t][i]), bool(tr.drug[t][i]),
                       list(obs) if ref.uses_cue else None)
            actions.add(int(a))
        states = max(states, len({int(z) for z in np.asarray(tr.z)[:, i]}))
    return Replayed(len(actions), states, core.n_states, core.n_actions,
                    hasattr(learner, "n_latent"))


SCHEDULE = phases((120, {}), (120, EXTINCTION), (120, REEXPOSURE))


@pytest.mark.parametrize("name", list(LEARNERS))
def test_batched_learner_matches_reference_on_the_relapse_protocol(name: str) -> None:
    rng = np.random.default_rng(1)
    overrides = {"surge": rng.uniform(12, 18, N), "alpha": rng.uniform(0.1, 0.3, N)}
    if name == "q_learning":
        overrides.pop("surge")
    r = _replay(name, SubstanceCore, SCHEDULE, **overrides)
    assert r.covers_the_task()  # both actions, so act() was checked on each
    assert r.states > r.task_states or not r.latent  # extinction makes latent states


@pytest.mark.parametrize("name", ["dezfouli2009", "dual_process"])
def test_batched_learner_matches_reference_on_gambling(name: str) -> None:
    assert _replay(name, GamblingCore, {}).covers_the_task()


def test_dezfouli_paper_rules_match_reference() -> None:
    """The paper preset: epsilon-greedy choice, R_bar updated only after greedy choices; half
    the individuals on the report's softmax rule, so both rules run in one batch."""
    rule = np.array([1.0, 0.0] * (N // 2))
    r = _replay("dezfouli2009", SubstanceCore, SCHEDULE, preset="paper",
                epsilon_greedy=rule, r_bar0=np.full(N, 15.0))
    assert r.covers_the_task()


def test_dezfouli_paper_rule_skips_r_bar_after_exploration() -> None:
    """R_bar stays put after an exploratory choice and moves after a greedy one."""
    core = SubstanceCore(2)
    learner = make_learner("dezfouli2009", 2, core.n_states, core.n_actions, core.cue_dim,
                           preset="paper")
    learner.q[:, 0] = [[5.0, 0.0], [5.0, 0.0]]  # action 0 is the max set in s0
    s = np.zeros(2, np.int64)
    pol = learner.policy(s)
    np.testing.assert_allclose(pol, [[0.95, 0.05], [0.95, 0.05]])
    a = learner.act(s, np.array([0.1, 0.99]))  # individual 1 explores (action 1)
    assert a.tolist() == [0, 1]
    before = learner.rule["r_bar"].copy()
    learner.learn(s, a, np.array([10.0, 10.0]), s, np.zeros(2, bool))
    assert learner.rule["r_bar"][0] != before[0] and learner.rule["r_bar"][1] == before[1]


def test_replay_exercises_latent_state_creation() -> None:
    """The protocol must create extra latent states, or the replay proves little."""
    core = SubstanceCore(N)
    learner = make_learner("dual_process", N, core.n_states, core.n_actions, core.cue_dim)
    rollout(learner, core, T, np.random.default_rng(7), SCHEDULE)
    assert (learner.n_latent >= 3).mean() > 0.5


def test_reference_linear_algebra() -> None:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((5, 5))
    m = a @ a.T + np.eye(5)
    inv, logdet = inverse_and_logdet(m.tolist())
    np.testing.assert_allclose(np.array(inv), np.linalg.inv(m), rtol=1e-10)
    assert logdet == pytest.approx(np.linalg.slogdet(m)[1], rel=1e-12)


def test_running_prototype_is_exact_then_tracks_the_windowed_estimate() -> None:
    """Running mean/covariance: exact for the first ``window`` cues, then within sampling noise
    of the windowed estimate over the last ``window`` cues (the reference form)."""
    window, d = 75, 5
    ref = make_reference("dual_process", make_learner("dual_process", 1, 2, 2, d).p, 2, 2, d)
    rng = np.random.default_rng(3)
    xs = rng.normal([1.0, 0.0, -1.0, 0.5, 0.2], [0.1, 0.2, 0.05, 0.3, 0.1], size=(600, d))
    ref.observe(xs[0])
    ref.mu[0] = xs[0].tolist()
    for k, x in enumerate(xs, 1):
        ref.update_prototype(0, x.tolist())
        if k == window:
            np.testing.assert_allclose(ref.mu[0], xs[:k].mean(0), atol=1e-12)
            np.testing.assert_allclose(ref.cov[0], np.cov(xs[:k].T, bias=True), atol=1e-12)
    last = xs[-window:]
    sd = xs.std(0)
    # an exponential average of weight 1/window and a window mean both have sd ~ sd/sqrt(w)
    assert np.all(np.abs(np.array(ref.mu[0]) - last.mean(0)) < 4 * sd / np.sqrt(window / 2))
    rel = np.abs(np.diag(ref.cov[0]) / np.diag(np.cov(last.T, bias=True)) - 1)
    assert np.all(rel < 0.6)


def test_redish_error_never_below_surge_on_drug_steps() -> None:
    """The package's batched Redish error (agents/redish2004.py, the code that runs), on
    random values: max(gamma (r + V(s')) - Q(s, a) + D, D) on drug steps (never below the surge
    D), the plain TD error elsewhere. (The reference's own max is checked by the replays.)"""
    from addsim.agents.redish2004 import redish_error

    rng = np.random.default_rng(0)
    n = 2000
    r, q, v = rng.normal(-3, 5, n), rng.normal(0, 30, n), rng.normal(0, 30, n)
    drug, gamma, surge = rng.random(n) < 0.5, rng.uniform(0.5, 1, n), rng.uniform(5, 20, n)
    delta = redish_error(r, q, v, drug, gamma, surge)
    td = gamma * (r + v) - q  # Redish 2004: discounting over the time the step takes
    np.testing.assert_allclose(delta, np.where(drug, np.maximum(td + surge, surge), td),
                               rtol=1e-12, atol=1e-12)
    assert (delta[drug] >= surge[drug]).all() and (delta[~drug] < 0).any()


@pytest.mark.parametrize("name", ["latent_state", "dual_process"])
def test_attention_and_error_history_match_reference(name: str) -> None:
    """With attention below 1, a deviation discount, a state-choice temperature that falls
    with the history, part of Redish's creation bias and every new-state value rule (zero,
    copy, prior mean, one per third of the individuals), the negative prediction-error
    history steers classification: it must agree too."""
    rng = np.random.default_rng(2)
    overrides = {"attention": rng.uniform(0.3, 0.9, N), "b": 0.3,
                 "beta_state_min": rng.uniform(0.0, 20.0, N),
                 "creation_bias": rng.uniform(0.3, 1.0, N),
                 "new_values": np.arange(N) % 3.0}
    r = _replay(name, SubstanceCore, SCHEDULE, **overrides)
    assert r.covers_the_task() and r.states > r.task_states  # new states: their values ran


def test_faint_payout_and_prior_mean_values_match_reference_on_gambling() -> None:
    """Gambling's payout feature is faint (salience 0.05): the screen and the weights carry
    the task's salience; new states take the mean over established states."""
    r = _replay("dual_process", GamblingCore, {}, new_values=2.0, beta_state_min=0.0)
    assert r.covers_the_task() and r.states > r.task_states  # new states: the prior mean
