"""Tests of the task cores and their Gymnasium faces (envs/).

Statistical checks use 200,000 individuals, so every tolerance is at least ten standard errors
away from seed noise.
"""

from __future__ import annotations

import warnings
from typing import Any

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env, data_equivalence

from addsim import envs
from addsim.envs._core import Draws, TaskCore
from addsim.envs.devaluation import DevaluationCore
from addsim.envs.gambling import GamblingCore
from addsim.envs.impulsivity import ImpulsivityCore
from addsim.envs.seek_take import SeekTakeCore
from addsim.envs.self_administration import SelfAdministrationCore
from addsim.envs.substance import SubstanceCore
from addsim.envs.two_step import TwoStepCore

IDS = tuple(f"addsim/{cls.name}-v{cls.version}" for cls in envs.TASKS.values())
MODES = ("index", "cue")
BIG = 200_000


def fixed_draws(core: TaskCore, normal: float = 0.0, uniform: float | np.ndarray = 0.5) -> Draws:
    """Draws with every normal equal to ``normal`` and every uniform equal to ``uniform``."""
    uniforms = np.broadcast_to(np.asarray(uniform, float).reshape(-1, 1), (core.n, core.n_uniforms))
    return Draws(np.full((core.n, core.n_normals), normal), uniforms.copy())


def rollout_single(env_id: str, seed: int, actions: list[int], **kw: Any) -> list[Any]:
    """Reset with ``seed`` and play ``actions``; every returned value, in order."""
    env = gymnasium.make(env_id, **kw)
    out: list[Any] = [env.reset(seed=seed)]
    out += [env.step(a) for a in actions]
    return out


def rollout_vector(env_id: str, seed: int, actions: np.ndarray, **kw: Any) -> list[Any]:
    """As :func:`rollout_single` for the native vector face; ``actions`` is (T, num_envs)."""
    env = gymnasium.make_vec(
        env_id, num_envs=actions.shape[1], vectorization_mode="vector_entry_point", **kw
    )
    out: list[Any] = [env.reset(seed=seed)]
    out += [env.step(a) for a in actions]
    return out


# ---------------------------------------------------------------- Gymnasium API
def test_registry_and_tasks() -> None:
    """Every id is registered once and TASKS maps task names to the core classes."""
    import importlib

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        importlib.reload(envs)  # a second import must not re-register (gymnasium would warn)
    for env_id in IDS:
        assert env_id in gymnasium.registry
        assert gymnasium.spec(env_id).max_episode_steps == 1000
    assert envs.TASKS == {
        "substance": SubstanceCore,
        "gambling": GamblingCore,
        "impulsivity": ImpulsivityCore,
        "seek_take": SeekTakeCore,
        "two_step": TwoStepCore,
        "self_administration": SelfAdministrationCore,
        "devaluation": DevaluationCore,
    }


@pytest.mark.parametrize("obs_mode", MODES)
@pytest.mark.parametrize("env_id", IDS)
def test_check_env(env_id: str, obs_mode: str) -> None:
    """Gymnasium's env checker passes, without a single warning, for every task and obs mode."""
    env = gymnasium.make(env_id, obs_mode=obs_mode)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped)
    assert env.spec is not None and env.spec.max_episode_steps == 1000


@pytest.mark.parametrize("env_id", IDS)
def test_single_truncates_at_1000_and_never_terminates(env_id: str) -> None:
    """The single face is a continuing task truncated by the registration's TimeLimit."""
    env = gymnasium.make(env_id)
    env.reset(seed=0)
    for t in range(1, 1001):
        _, _, terminated, truncated, _ = env.step(t % 2)
        assert not terminated and truncated == (t == 1000)


def test_single_obs_spaces_and_kwargs() -> None:
    """Spaces follow obs_mode and the core; condition and core kwargs reach the core."""
    env = gymnasium.make("addsim/Impulsivity-v0", delay=6, small_mean=3.0)
    assert env.observation_space == gymnasium.spaces.Discrete(7)
    assert env.action_space == gymnasium.spaces.Discrete(2)
    assert env.unwrapped.core.delay == 6 and env.unwrapped.core["small_mean"][0] == 3.0
    cue = gymnasium.make("addsim/Substance-v1", obs_mode="cue")
    assert cue.observation_space.shape == (5,) and cue.observation_space.dtype == np.float64
    with pytest.raises(ValueError, match="obs_mode"):
        gymnasium.make("addsim/Substance-v1", obs_mode="pixels")


@pytest.mark.parametrize("obs_mode", MODES)
@pytest.mark.parametrize("env_id", IDS)
def test_vector_face(env_id: str, obs_mode: str) -> None:
    """make_vec's native face: batched spaces, shapes, dtypes, containment and info arrays."""
    env = gymnasium.make_vec(
        env_id, num_envs=4, vectorization_mode="vector_entry_point", obs_mode=obs_mode
    )
    assert env.num_envs == 4
    assert env.metadata["autoreset_mode"] is gymnasium.vector.AutoresetMode.NEXT_STEP
    assert env.observation_space == gymnasium.vector.utils.batch_space(
        env.single_observation_space, 4
    )
    assert env.action_space == gymnasium.vector.utils.batch_space(env.single_action_space, 4)
    obs, info = env.reset(seed=0)
    assert obs in env.observation_space and info["state"].shape == (4,)
    env.action_space.seed(0)
    for _ in range(20):
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        assert obs in env.observation_space
        assert reward.shape == (4,) and reward.dtype == np.float64
        assert terminated.dtype == truncated.dtype == np.bool_
        assert not terminated.any() and not truncated.any()
        for key in ("drug", "addictive", "optimal"):
            assert info[key].shape == (4,) and info[key].dtype == np.bool_
        assert info["state"].dtype == np.int64
        assert np.all((info["state"] >= 0) & (info["state"] < env.unwrapped.core.n_states))
    sync = gymnasium.make_vec(env_id, num_envs=4, vectorization_mode="sync", obs_mode=obs_mode)
    assert sync.observation_space == env.observation_space


def test_vector_next_step_autoreset() -> None:
    """After truncation at max_episode_steps the next step resets: state 0, reward 0."""
    env = gymnasium.make_vec("addsim/Substance-v1", num_envs=3, max_episode_steps=3)
    env.reset(seed=1)
    ones = np.ones(3, dtype=np.int64)
    truncs = [env.step(ones)[3] for _ in range(3)]
    assert [t.tolist() for t in truncs] == [[False] * 3, [False] * 3, [True] * 3]
    obs, reward, _, truncated, info = env.step(ones)  # the autoreset step ignores the action
    assert obs.tolist() == [0, 0, 0] and reward.tolist() == [0.0] * 3
    assert not truncated.any() and not info["drug"].any() and not info["addictive"].any()
    obs, _, _, _, info = env.step(ones)  # counting restarts: a normal step again
    assert obs.tolist() == [1, 1, 1] and info["drug"].all()


def test_vector_set_condition_per_individual() -> None:
    """set_condition on the vector face reaches the chosen individuals only."""
    env = gymnasium.make_vec("addsim/Substance-v1", num_envs=4)
    env.unwrapped.set_condition("drug_available", 0.0, index=np.array([1, 3]))
    env.reset(seed=0)
    info = env.step(np.ones(4, dtype=np.int64))[4]
    assert info["drug"].tolist() == [True, False, True, False]


# ---------------------------------------------------------------- seeding
def _random(env_id: str, obs_mode: str) -> bool:
    """Whether a rollout draws random numbers: cue noise, or the task's own draws."""
    core = gymnasium.spec(env_id).make().unwrapped.core
    return obs_mode == "cue" or core.n_normals + core.n_uniforms > 0


@pytest.mark.parametrize("obs_mode", MODES)
@pytest.mark.parametrize("env_id", IDS)
def test_single_seeding(env_id: str, obs_mode: str) -> None:
    """Same seed and actions give identical rollouts; another seed gives a different one
    (unless the task draws nothing: a deterministic task seen by its state index)."""
    actions = [int(a) for a in np.random.default_rng(7).integers(0, 2, 50)]
    a = rollout_single(env_id, 5, actions, obs_mode=obs_mode)
    assert data_equivalence(a, rollout_single(env_id, 5, actions, obs_mode=obs_mode), exact=True)
    if _random(env_id, obs_mode):
        assert not data_equivalence(a, rollout_single(env_id, 6, actions, obs_mode=obs_mode))


@pytest.mark.parametrize("obs_mode", MODES)
@pytest.mark.parametrize("env_id", IDS)
def test_vector_seeding(env_id: str, obs_mode: str) -> None:
    """Same seed and actions give identical vector rollouts; another seed gives another
    (unless the task draws nothing)."""
    actions = np.random.default_rng(7).integers(0, 2, (50, 4))
    a = rollout_vector(env_id, 5, actions, obs_mode=obs_mode)
    assert data_equivalence(a, rollout_vector(env_id, 5, actions, obs_mode=obs_mode), exact=True)
    if _random(env_id, obs_mode):
        assert not data_equivalence(a, rollout_vector(env_id, 6, actions, obs_mode=obs_mode))


@pytest.mark.parametrize("obs_mode", MODES)
@pytest.mark.parametrize("env_id", IDS)
def test_single_equals_vector_of_one(env_id: str, obs_mode: str) -> None:
    """The single face and the vector face with num_envs=1 consume the seed identically."""
    actions = np.random.default_rng(3).integers(0, 2, (30, 1))
    single = rollout_single(env_id, 9, [int(a) for a in actions[:, 0]], obs_mode=obs_mode)
    vector = rollout_vector(env_id, 9, actions, obs_mode=obs_mode)
    for s, v in zip(single[1:], vector[1:], strict=True):
        np.testing.assert_array_equal(np.asarray(s[0]), v[0][0])
        assert s[1] == v[1][0] and s[4]["state"] == v[4]["state"][0]
        assert all(s[4][k] == v[4][k][0] for k in ("drug", "addictive", "optimal"))


# ---------------------------------------------------------------- invalid input
@pytest.mark.parametrize("action", ["n", -1, 0.5, np.int64(7)])
@pytest.mark.parametrize("env_id", IDS)
def test_invalid_action_single(env_id: str, action: Any) -> None:
    """An invalid action is a ValueError naming the allowed actions [0, n_actions)."""
    env = gymnasium.make(env_id)
    env.reset(seed=0)
    n = env.unwrapped.core.n_actions
    with pytest.raises(ValueError, match=rf"action: got .*expected .*\[0, {n}\)"):
        env.step(n if action == "n" else action)


def test_invalid_action_vector() -> None:
    """Vector actions must be (num_envs,) integers in range; errors are ValueErrors."""
    env = gymnasium.make_vec("addsim/Gambling-v1", num_envs=3)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"got 2, expected an integer in \[0, 2\) \(0=no_op"):
        env.step(np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"\[0, 2\)"):
        env.step(np.array([0.0, 0.5, 1.0]))
    with pytest.raises(ValueError, match=r"expected \(3,\)"):
        env.step(np.array([0, 1]))


def test_set_condition_errors() -> None:
    """Unknown keys suggest a close name; out-of-range values name key, value and range."""
    env = gymnasium.make("addsim/Gambling-v1")
    with pytest.raises(ValueError, match=r"'p_wn' is unknown.*did you mean 'p_win'\?"):
        env.unwrapped.set_condition("p_wn", 0.3)
    with pytest.raises(ValueError, match=r"p_win: got .*1\.5.*\[0\.0, 1\.0\]"):
        env.unwrapped.set_condition("p_win", 1.5)
    with pytest.raises(ValueError, match=r"p_win: got .*1\.5"):
        gymnasium.make("addsim/Gambling-v1", p_win=1.5)
    with pytest.raises(ValueError, match=r"did you mean 'drug_available'\?"):
        gymnasium.make_vec("addsim/Substance-v1", num_envs=2, drug_avialable=0.0)


# ---------------------------------------------------------------- task semantics
def test_substance_transitions_and_drug() -> None:
    """Addictive action s0 -> s1 (drug only if available); any action in s1 returns to s0."""
    core = SubstanceCore(4, drug_available=np.array([1.0, 0.0, 1.0, 0.0]))
    tr = core.step(np.array([1, 1, 0, 0]), fixed_draws(core))
    assert tr.next_state.tolist() == [1, 1, 0, 0]
    assert tr.drug.tolist() == [True, False, False, False]
    assert tr.addictive.tolist() == [True, True, False, False]
    assert tr.optimal.tolist() == [False, False, True, True]
    assert tr.reward.tolist() == [-3.0, -3.0, 10.0, 10.0]
    tr = core.step(np.array([0, 1, 0, 0]), fixed_draws(core))  # from s1 both actions return
    assert tr.next_state.tolist() == [0, 0, 0, 0]
    assert tr.reward[:2].tolist() == [-5.0, -5.0] and not tr.drug.any()


def test_substance_reward_means() -> None:
    """Sampled rewards have the configured means and sds."""
    core = SubstanceCore(BIG, r0_mean=7.0, r0_sd=2.0, r1_mean=-1.0, r1_sd=1.5, r2_mean=-4.0)
    rng = np.random.default_rng(0)
    half = np.arange(BIG) < BIG // 2
    tr = core.step(half.astype(np.int64), core.draw(rng))  # first half addictive
    r1, r0 = tr.reward[half], tr.reward[~half]
    assert abs(r0.mean() - 7.0) < 0.1 and abs(r0.std() - 2.0) < 0.1
    assert abs(r1.mean() + 1.0) < 0.1 and abs(r1.std() - 1.5) < 0.1
    r2 = core.step(np.zeros(BIG, np.int64), core.draw(rng)).reward[half]
    assert abs(r2.mean() + 4.0) < 0.1 and abs(r2.std() - 3.0) < 0.1


def test_substance_cue() -> None:
    """The cue is [is_s0, is_s1, drug_cue = cue_shown, context, dose]; noise scales by
    cue_noise."""
    core = SubstanceCore(2, cue_shown=np.array([0.0, 1.0]), context=2.5)
    core.state[:] = [0, 1]
    core.dose[:] = [0.0, 0.25]
    np.testing.assert_array_equal(core.cue(), [[1, 0, 0, 2.5, 0], [0, 1, 1, 2.5, 0.25]])
    core.set_condition("cue_noise", 0.5)
    np.testing.assert_allclose(core.cue(np.ones((2, 5))) - core.cue(), 0.5)


def test_substance_dose_trace_is_set_by_a_dose_and_halves_every_half_life() -> None:
    """A delivered dose sets the trace to 1 (a taken but withheld drug does not); each tick
    after multiplies it by 0.5 ** (1 / dose_half_life); reset clears it."""
    core = SubstanceCore(3, drug_available=np.array([1.0, 0.0, 1.0]), dose_half_life=2.0)
    core.step(np.array([1, 1, 0]), fixed_draws(core))
    assert core.dose.tolist() == [1.0, 0.0, 0.0]
    assert core.cue()[:, 4].tolist() == [1.0, 0.0, 0.0]
    for k in range(1, 5):
        core.step(np.array([0, 0, 0]), fixed_draws(core))
        np.testing.assert_allclose(core.dose, [0.5 ** (k / 2.0), 0.0, 0.0], rtol=1e-15)
    core.set_condition("dose_half_life", 1.0)
    before = core.dose[0]
    core.step(np.array([0, 0, 0]), fixed_draws(core))
    assert core.dose[0] == pytest.approx(before / 2.0, rel=1e-15)
    core.reset(np.array([0]))
    assert core.dose[0] == 0.0


def test_gambling_win_rate_and_expected_value() -> None:
    """Bets win at rate p_win and pay nothing themselves; the outcome state pays the payout on
    the way back to s_init (by default -2.5 per bet on average)."""
    rng = np.random.default_rng(1)
    core = GamblingCore(BIG, p_win=0.3)
    tr = core.step(np.ones(BIG, np.int64), core.draw(rng))
    assert abs((tr.next_state == 1).mean() - 0.3) < 0.01 and set(tr.next_state) == {1, 2}
    assert (tr.reward == 0).all()
    back = core.step(np.ones(BIG, np.int64), core.draw(rng))
    assert (back.next_state == 0).all() and (core.payout == 0).all()
    np.testing.assert_array_equal(back.reward > 0, tr.next_state == 1)
    default = GamblingCore(BIG)
    tr = default.step(np.ones(BIG, np.int64), default.draw(rng))
    assert not tr.optimal.any() and tr.addictive.all() and not tr.drug.any()
    paid = default.step(np.zeros(BIG, np.int64), default.draw(rng))
    assert abs(paid.reward.mean() + 2.5) < 0.3 and paid.reward.mean() < 0


def test_gambling_no_op_and_unavailable_bet() -> None:
    """A no-op gives 0 and stays; with available=0 a bet is a no-op too."""
    core = GamblingCore(3, available=np.array([1.0, 1.0, 0.0]))
    tr = core.step(np.array([0, 1, 1]), fixed_draws(core, normal=1.0, uniform=0.0))
    assert tr.reward.tolist() == [0.0, 0.0, 0.0]  # uniform 0 < p_win: the bet wins 21
    assert tr.next_state.tolist() == [0, 1, 0]
    assert tr.addictive.tolist() == [False, True, False]
    assert core.cue()[:, 4].tolist() == [0.0, 21.0 / 20.0, 0.0]  # the payout shown, / 20
    back = core.step(np.array([0, 0, 0]), fixed_draws(core))
    assert back.reward.tolist() == [0.0, 21.0, 0.0] and back.next_state.tolist() == [0, 0, 0]


def test_gambling_near_miss_moves_loss_cue() -> None:
    """Win and loss share the outcome features (all but the payout) unless near_miss moves
    the loss cue (only)."""
    core = GamblingCore(2)
    core.state[:] = [1, 2]
    win, loss = core.cue()
    np.testing.assert_array_equal(win, loss)  # no payout drawn yet
    core.set_condition("near_miss", 0.4)
    win2, loss2 = core.cue()
    np.testing.assert_array_equal(win2, win)
    np.testing.assert_allclose(loss2 - loss, [0, 0, 0.4, 0, 0])


def test_gambling_payout_feature_is_faint() -> None:
    """The payout is the only feature with a low baseline attention (salience 0.05)."""
    assert GamblingCore.salience() == (1.0, 1.0, 1.0, 1.0, 0.05)
    assert SubstanceCore.salience() == (1.0,) * SubstanceCore.cue_dim


@pytest.mark.parametrize("delay", [1, 3, 4])
def test_impulsivity_chain(delay: int) -> None:
    """Waiting walks the chain and pays large_mean after `delay` more steps; impulsive pays
    small_mean and stays in s0."""
    core = ImpulsivityCore(2, delay=delay)
    assert core.n_states == delay + 1 and len(core.state_names) == delay + 1
    tr = core.step(np.array([0, 1]), fixed_draws(core))
    assert tr.next_state.tolist() == [1, 0] and tr.reward.tolist() == [0.0, 6.0]
    assert tr.addictive.tolist() == [False, True] and tr.optimal.tolist() == [True, False]
    rewards = []
    for k in range(delay):  # either action advances along the chain
        tr = core.step(np.array([k % 2, 1]), fixed_draws(core))
        rewards.append(tr.reward[0])
        assert tr.next_state[0] == (k + 2 if k + 1 < delay else 0)
    assert rewards == [0.0] * (delay - 1) + [48.0]
    np.testing.assert_allclose(core.cue()[0], [1, 0, 0, 0])
