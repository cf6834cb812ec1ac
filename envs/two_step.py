"""The two-step task of Daw, Gershman, Seymour, Dayan and Dolan (2011), Neuron 69:1204.

Description
    A trial is two ticks. In the first stage (``s0``) the individual chooses action 0 or 1;
    action a leads to its common second-stage state (``s1`` for 0, ``s2`` for 1) with
    probability ``common`` (0.7) and to the other, rare, one otherwise. In the second stage
    either action b pays ``reward`` (1) with probability p[s, b] and returns to ``s0``. The
    four reward probabilities drift as independent Gaussian random walks (sd ``drift_sd``
    0.025 per trial) with reflecting boundaries at ``p_low`` 0.25 and ``p_high`` 0.75, so the
    individual must keep learning. A model-free learner repeats a first-stage choice that was
    rewarded, whatever the transition; a model-based one repeats it after a reward through
    the common transition and switches after a reward through the rare one (the reward x
    transition interaction in the stay probabilities).

States / cue
    Index (0 first stage, 1 and 2 the second-stage states) or a noisy cue ``[is_s0, is_s1,
    is_s2, context] + cue_noise * N(0, 1)``.

Conditions
    ``common``, ``drift_sd``, ``p_low``, ``p_high``, ``reward``, the initial reward
    probabilities ``p1_0``, ``p1_1``, ``p2_0``, ``p2_1`` (state, action: where each walk
    starts and restarts on reset; a protocol draws them per individual), ``context`` and
    ``cue_noise``. The walks' current values are the task's continuous state ``p_reward``
    (N, 4).

References
    Daw et al. (2011), "Model-based influences on humans' choices and striatal prediction
    errors", Neuron 69:1204; Voon et al. (2015) Mol Psychiatry 20:1107 (lower model-based
    weight in addiction).
"""

from __future__ import annotations

import numpy as np

from addsim.envs._core import Condition, Draws, TaskCore, Transition
from addsim.envs._gym import CoreEnv, CoreVectorEnv

STARTS = ("p1_0", "p1_1", "p2_0", "p2_1")  # the conditions that start each walk


def reflect(p: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """A random walk's step folded back into [low, high] (reflecting boundaries)."""
    p = np.where(p > high, 2.0 * high - p, p)
    return np.where(p < low, 2.0 * low - p, p)


class TwoStepCore(TaskCore):
    """Batched core of the two-step task; see the module docstring."""

    name = "TwoStep"
    version = 0
    n_states = 3
    n_actions = 2
    cue_dim = 4
    n_normals = 4  # the four walks' steps (used on second-stage ticks)
    n_uniforms = 2  # the transition coin and the reward coin
    state_names = ("s0_first_stage", "s1_second_stage", "s2_second_stage")
    action_names = ("left", "right")
    fixed_conditions = STARTS  # the walks' starts: set with set_condition, not per step
    conditions_spec = {
        "common": Condition(0.7, 0.0, 1.0, "probability of the common transition"),
        "drift_sd": Condition(0.025, 0.0, 1.0, "sd of each reward probability's step per trial"),
        "p_low": Condition(0.25, 0.0, 1.0, "lower reflecting boundary of the probabilities"),
        "p_high": Condition(0.75, 0.0, 1.0, "upper reflecting boundary of the probabilities"),
        "reward": Condition(1.0, -1e6, 1e6, "reward of a rewarded second-stage choice"),
        **{key: Condition(0.5, 0.0, 1.0, f"initial reward probability of state {key[1]}, "
                          f"action {key[3]}") for key in STARTS},
        "context": Condition(0.0, -10.0, 10.0, "context feature of the cue"),
        "cue_noise": Condition(0.02, 0.0, 10.0, "sd of the Gaussian noise on each cue feature"),
    }

    def __init__(self, n: int, **conditions: float | np.ndarray) -> None:
        self.p_reward = np.full((int(n), 4), 0.5)
        super().__init__(n, **conditions)
        self.p_reward = np.stack([self.conditions[k] for k in STARTS], axis=1)

    def set_condition(self, key: str, value: float | np.ndarray,
                      index: np.ndarray | slice | None = None) -> None:
        super().set_condition(key, value, index)
        if key in STARTS:  # a walk's start moves its current value with it
            where = slice(None) if index is None else index
            self.p_reward[where, STARTS.index(key)] = self.conditions[key][where]

    def reset(self, index: np.ndarray | None = None) -> None:
        """Back to the first stage with every walk at its start."""
        where = slice(None) if index is None else index
        self.state[where] = self.choice_state
        self.p_reward[where] = np.stack([self.conditions[k] for k in STARTS], axis=1)[where]

    def _transition(self, s: np.ndarray, a: np.ndarray, d: Draws) -> Transition:
        c, u, rows = self.now, d.uniforms, np.arange(self.n)
        first = s == 0
        common = u[:, 0] < c["common"]
        pr = self.p_reward.reshape(self.n, 2, 2)  # (N, second-stage state, action)
        here = pr[rows, np.clip(s - 1, 0, 1)]  # the probabilities this choice faces
        won = ~first & (u[:, 1] < here[rows, a])
        reward = np.where(won, c["reward"], 0.0)
        next_state = np.where(first, np.where(common, 1 + a, 2 - a), 0).astype(np.int64)
        # optimal: in s0 the action whose common state has the better expected best
        # probability; in the second stage the likelier action
        best = pr.max(axis=2)
        q0 = c["common"] * best[:, 0] + (1.0 - c["common"]) * best[:, 1]
        q1 = c["common"] * best[:, 1] + (1.0 - c["common"]) * best[:, 0]
        optimal = np.where(first, a == np.where(q1 > q0, 1, 0), a == np.argmax(here, axis=1))
        # the walks step once per trial, on its second-stage tick
        walked = reflect(self.p_reward + c["drift_sd"][:, None] * d.normals,
                         c["p_low"][:, None], c["p_high"][:, None])
        self.p_reward = np.where(first[:, None], self.p_reward, walked)
        none = np.zeros(self.n, bool)
        return Transition(reward, next_state, none, none.copy(), optimal)

    def _add_clean_cue(self, x: np.ndarray, s: np.ndarray) -> None:
        x[:, 0] += s == 0
        x[:, 1] += s == 1
        x[:, 2] += s == 2
        x[:, 3] += self.now["context"]


class TwoStepEnv(CoreEnv):
    """One individual facing the two-step task (``addsim/TwoStep-v0``).

    ## Description
    First stage: choose 0 or 1; 70% of the time to its common second-stage state, 30% to the
    other. Second stage: choose 0 or 1 for a reward of 1 with a slowly drifting probability;
    back to the first stage. See :mod:`envs.two_step` (Daw et al. 2011).

    ## Action Space
    ``Discrete(2)``.

    ## Observation Space
    ``obs_mode="index"``: ``Discrete(3)``. ``obs_mode="cue"``: ``Box((4,), float64)``,
    ``[is_s0, is_s1, is_s2, context]`` plus Gaussian noise of sd ``cue_noise``.

    ## Starting State
    ``s0``, the first stage, with each reward probability at its start (``p1_0`` ... 0.5).

    ## Reward
    ``reward`` (1) with probability p[s, b] after a second-stage choice; 0 otherwise.

    ## Episode End
    Continuing task: never terminates; truncated at 1000 steps (500 trials) by the
    registration.

    ## Arguments
    ``obs_mode`` and any condition of :class:`TwoStepCore`.

    ## References
    Daw et al. (2011) Neuron 69:1204.

    ## Version History
    * v0: initial version.
    """

    core_cls = TwoStepCore


class TwoStepVectorEnv(CoreVectorEnv):
    """N individuals facing the two-step task, batched natively; see :class:`TwoStepEnv`."""

    core_cls = TwoStepCore
