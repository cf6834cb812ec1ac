"""Seek, then take: Dezfouli et al. (2009)'s chain for compulsive drug seeking.

Description
    In ``s0`` an individual either does something else (action 0, stays in ``s0``, reward
    ~ N(other_mean, other_sd)) or seeks the drug (action 1, moves to ``s1``; the seeking
    response carries the punishment: reward ~ N(-punishment, seek_sd)). In ``s1`` the drug is
    taken (action 1, back to ``s0``, reward ~ N(take_mean, take_sd), the drug delivered when
    available: the learner adds its surge) or declined (action 0, back to ``s0``, reward 0).
    Punishment paired with seeking, not with taking, is the protocol of Vanderschuren and
    Everitt (2004) that Dezfouli et al. (2009) model: after long drug exposure the value of
    ``s1`` (which the surge keeps raising) outweighs the punishment, so seeking persists;
    after short exposure it does not.

States / cue
    Index or a noisy cue ``[is_s0, is_s1, drug_cue, context] + cue_noise * N(0, 1)`` with
    ``drug_cue`` 1 when the cue is shown.

Conditions
    ``drug_available``, ``cue_shown``, ``context``, ``punishment`` (>= 0), ``other_mean``,
    ``other_sd``, ``seek_sd``, ``take_mean``, ``take_sd``, ``cue_noise``.

References
    Dezfouli, Piray, Keramati, Ekhtiari, Lucas and Mokri (2009) Neural Comput 21:2869;
    Vanderschuren and Everitt (2004) Science 305:1017.
"""

from __future__ import annotations

import numpy as np

from addsim.envs._core import Condition, Draws, TaskCore, Transition
from addsim.envs._gym import CoreEnv, CoreVectorEnv


class SeekTakeCore(TaskCore):
    """Batched core of the seek-take chain; see the module docstring."""

    name = "SeekTake"
    n_states = 2
    n_actions = 2
    cue_dim = 4
    n_normals = 1
    state_names = ("s0_seek_or_other", "s1_take_or_decline")
    action_names = ("other", "seek_or_take")
    conditions_spec = {
        "drug_available": Condition(1.0, 0.0, 1.0, "1 when taking delivers the drug"),
        "cue_shown": Condition(1.0, 0.0, 1.0, "1 when the drug cue is present"),
        "context": Condition(0.0, -10.0, 10.0, "context feature of the cue"),
        "punishment": Condition(0.0, 0.0, 1e6, "mean punishment of each seeking response"),
        "other_mean": Condition(1.0, -1e6, 1e6, "mean reward of the other action in s0"),
        "other_sd": Condition(0.5, 0.0, 1e6, "sd of the other action's reward"),
        "seek_sd": Condition(0.5, 0.0, 1e6, "sd of the seeking response's outcome"),
        "take_mean": Condition(0.0, -1e6, 1e6, "mean reward of taking (besides the drug)"),
        "take_sd": Condition(0.5, 0.0, 1e6, "sd of the taking reward"),
        "cue_noise": Condition(0.02, 0.0, 10.0, "sd of the Gaussian noise on each cue feature"),
    }

    def _transition(self, s: np.ndarray, a: np.ndarray, d: Draws) -> Transition:
        c, z = self.now, d.normals[:, 0]
        in_s0 = s == 0
        seek = in_s0 & (a == 1)
        take = ~in_s0 & (a == 1)
        seek_r = -c["punishment"] + c["seek_sd"] * z
        other_r = c["other_mean"] + c["other_sd"] * z
        reward = np.where(
            in_s0, np.where(seek, seek_r, other_r),
            np.where(take, c["take_mean"] + c["take_sd"] * z, 0.0),
        )
        next_state = np.where(seek, 1, 0).astype(np.int64)
        drug = take & (c["drug_available"] > 0.5)
        # natural optimum: other (r per tick) against seek-then-take over two ticks
        natural_best = np.where(2 * c["other_mean"] >= c["take_mean"] - c["punishment"], 0, 1)
        optimal = np.where(in_s0, a == natural_best, True)
        return Transition(reward, next_state, drug, seek | take, optimal)

    def _add_clean_cue(self, x: np.ndarray, s: np.ndarray) -> None:
        x[:, 0] += s == 0
        x[:, 1] += s == 1
        x[:, 2] += self.now["cue_shown"]
        x[:, 3] += self.now["context"]


class SeekTakeEnv(CoreEnv):
    """One individual facing the seek-take chain (``addsim/SeekTake-v0``).

    ## Description
    Seek (to ``s1``, punished by ``punishment``) then take the drug, or do something else;
    see :mod:`envs.seek_take`. The surge belongs to the learner; ``info["drug"]`` reports it.

    ## Action Space
    ``Discrete(2)``: in ``s0`` 0 other, 1 seek; in ``s1`` 0 decline, 1 take.

    ## Observation Space
    ``obs_mode="index"``: ``Discrete(2)``. ``obs_mode="cue"``: ``Box((4,), float64)``,
    ``[is_s0, is_s1, drug_cue, context]`` plus Gaussian noise of sd ``cue_noise``.

    ## Starting State
    ``s0``.

    ## Reward
    s0/other ~ N(1, 0.5); s0/seek ~ N(-punishment, 0.5); s1/take ~ N(0, 0.5); s1/decline 0.

    ## Episode End
    Continuing task: never terminates; truncated at 1000 steps by the registration.

    ## Arguments
    ``obs_mode`` and any condition of :class:`SeekTakeCore`.

    ## Version History
    * v0: initial version.
    """

    core_cls = SeekTakeCore


class SeekTakeVectorEnv(CoreVectorEnv):
    """N individuals facing the seek-take chain, batched natively; see :class:`SeekTakeEnv`."""

    core_cls = SeekTakeCore
