"""Impulsivity: a small immediate reward versus a delayed chain to a large reward.

Description
    In the choice state ``s0``, action 1 (impulsive) gives a small immediate reward
    r ~ N(small_mean, small_sd) and stays in ``s0``; action 0 (wait) enters a chain of
    ``delay`` states with reward 0 whose last step returns to ``s0`` with a large reward
    r ~ N(large_mean, large_sd). With the defaults (6 now versus 48 after 5 steps) waiting earns
    more per step, so it is optimal; a learner whose baseline rho is raised (Dezfouli 2009,
    after drug exposure) finds each waiting step costly and turns impulsive.

States / cue
    ``s0`` then ``c1 .. c_delay``. Cue ``[is_s0, position / delay, 0, context] + noise``.

Arguments
    ``delay`` (chain length, fixed at construction; shapes are fixed).

References
    Dezfouli et al. (2009) Eur J Neurosci 29:1451 (impulsivity after drug history);
    Redish, Jensen and Johnson (2008) vulnerability 9 (overfast discounting).
"""

from __future__ import annotations

import numpy as np

from addsim.envs._core import Condition, Draws, TaskCore, Transition
from addsim.envs._gym import CoreEnv, CoreVectorEnv


class ImpulsivityCore(TaskCore):
    """Batched core of the impulsivity task; see the module docstring."""

    name = "Impulsivity"
    n_actions = 2
    cue_dim = 4
    n_normals = 1
    action_names = ("wait", "impulsive")
    conditions_spec = {
        "small_mean": Condition(6.0, -1e6, 1e6, "mean of the small immediate reward"),
        "small_sd": Condition(0.5, 0.0, 1e6, "sd of the small immediate reward"),
        "large_mean": Condition(48.0, -1e6, 1e6, "mean of the large delayed reward"),
        "large_sd": Condition(1.0, 0.0, 1e6, "sd of the large delayed reward"),
        "context": Condition(0.0, -10.0, 10.0, "context feature of the cue"),
        "cue_noise": Condition(0.02, 0.0, 10.0, "sd of the Gaussian noise on each cue feature"),
    }

    def __init__(self, n: int, delay: int = 4, **conditions: float | np.ndarray) -> None:
        if int(delay) != delay or not 1 <= delay <= 100:
            raise ValueError(f"delay: got {delay!r}, expected a whole number in [1, 100]")
        self.delay = int(delay)
        self.n_states = self.delay + 1  # type: ignore[misc]  (per-instance: shape set here)
        self.state_names = (  # type: ignore[misc]
            "s0_choice",
            *(f"c{i}" for i in range(1, self.delay + 1)),
        )
        super().__init__(n, **conditions)

    def _transition(self, s: np.ndarray, a: np.ndarray, d: Draws) -> Transition:
        c, z = self.now, d.normals[:, 0]
        in_choice = s == 0
        impulsive = in_choice & (a == 1)
        at_end = s == self.delay
        reward = np.where(
            impulsive,
            c["small_mean"] + c["small_sd"] * z,
            np.where(at_end, c["large_mean"] + c["large_sd"] * z, 0.0),
        )
        next_state = np.where(in_choice, np.where(impulsive, 0, 1), np.where(at_end, 0, s + 1))
        small_rate = c["small_mean"]
        large_rate = c["large_mean"] / (self.delay + 1)
        best = np.where(large_rate >= small_rate, 0, 1)
        optimal = ~in_choice | (a == best)
        return Transition(
            reward, next_state.astype(np.int64), np.zeros(self.n, bool), impulsive, optimal
        )

    def _add_clean_cue(self, x: np.ndarray, s: np.ndarray) -> None:
        x[:, 0] += s == 0
        x[:, 1] += s / self.delay
        x[:, 3] += self.now["context"]


class ImpulsivityEnv(CoreEnv):
    """One individual facing the impulsivity task (``addsim/Impulsivity-v0``).

    ## Description
    A small reward now versus a chain of ``delay`` steps to a large one; see
    :mod:`envs.impulsivity`.

    ## Action Space
    ``Discrete(2)``: 0 wait, 1 impulsive (in the chain both actions advance).

    ## Observation Space
    ``obs_mode="index"``: ``Discrete(delay + 1)``. ``obs_mode="cue"``: ``Box((4,), float64)``,
    ``[is_s0, position / delay, 0, context]`` plus noise.

    ## Starting State
    ``s0``, the choice state.

    ## Reward
    Impulsive ~ N(6, 0.5), staying in ``s0``; waiting pays 0 until the last chain step, which
    pays N(48, 1) and returns to ``s0``.

    ## Episode End
    Continuing task: never terminates; truncated at 1000 steps by the registration.

    ## Arguments
    ``obs_mode``, ``delay`` (default 4) and any condition of :class:`ImpulsivityCore`;
    ``set_condition`` changes one later.

    ## Version History
    * v0: initial version.
    """

    core_cls = ImpulsivityCore


class ImpulsivityVectorEnv(CoreVectorEnv):
    """N individuals facing the impulsivity task, batched natively; see :class:`ImpulsivityEnv`."""

    core_cls = ImpulsivityCore
