"""Intravenous self-administration with a time-out (the task of HRRL-Addiction).

Description
    Keramati et al. (2017)'s fixed-ratio-1 schedule with a 20-s time-out, in 4-s steps
    (mehdiKeramati/HRRL-Addiction, "1.0 Ahmed 1998 Science.py", its transition table): in
    ``s0`` the individual does nothing (action 0), presses the inactive lever (1, stays in
    ``s0``) or the active lever (2): an infusion of the drug (the task reports ``drug``; the
    dose and its effect on the internal state belong to the learner, agents/homeostatic.py)
    and the time-out ``s1`` -> ``s2`` -> ``s3`` -> ``s4`` -> ``s0``, one step each, whatever
    the individual does. Every lever press costs ``press_cost`` (1). With the drug
    unavailable (extinction) an active press has no consequence but its cost; with
    ``available`` 0 the levers are retracted and presses do nothing at all.

    HRRL's table charges the press cost in every time-out state but ``s2`` (an omission in
    its setNonHomeostaticReward calls); here every press costs.

States / cue
    Index (0 lever available, 1-4 the time-out) or a noisy cue ``[is_s0, ..., is_s4,
    context] + cue_noise * N(0, 1)``.

Conditions
    ``drug_available``, ``available``, ``press_cost``, ``context``, ``cue_noise``.

References
    Keramati, Durand, Girardeau, Gutkin and Ahmed (2017) Psychol Rev 124:130; Ahmed and
    Koob (1998) Science 282:298 (escalation under 6-h, not 1-h, daily access).
"""

from __future__ import annotations

import numpy as np

from addsim.envs._core import Condition, Draws, TaskCore, Transition
from addsim.envs._gym import CoreEnv, CoreVectorEnv

STEP_SECONDS = 4.0  # one tick of the task (HRRL's trial)
STEPS_PER_HOUR = int(3600 / STEP_SECONDS)


class SelfAdministrationCore(TaskCore):
    """Batched core of the self-administration task; see the module docstring."""

    name = "SelfAdministration"
    version = 0
    n_states = 5
    n_actions = 3
    cue_dim = 6
    addictive_action = 2
    n_normals = 0
    n_uniforms = 0
    state_names = ("s0_lever", "s1_timeout", "s2_timeout", "s3_timeout", "s4_timeout")
    action_names = ("nothing", "inactive_lever", "active_lever")
    conditions_spec = {
        "drug_available": Condition(1.0, 0.0, 1.0, "1 when an active press infuses the drug"),
        "available": Condition(1.0, 0.0, 1.0, "1 when the levers are in the chamber"),
        "press_cost": Condition(1.0, 0.0, 1e6, "cost of a lever press (HRRL: 1)"),
        "context": Condition(0.0, -10.0, 10.0, "context feature of the cue"),
        "cue_noise": Condition(0.02, 0.0, 10.0, "sd of the Gaussian noise on each cue feature"),
    }

    def _transition(self, s: np.ndarray, a: np.ndarray, d: Draws) -> Transition:
        c = self.now
        levers = c["available"] > 0.5
        press = levers & (a > 0)
        active = press & (a == 2) & (s == 0)
        drug = active & (c["drug_available"] > 0.5)
        next_state = np.where(s > 0, (s + 1) % 5, np.where(drug, 1, 0)).astype(np.int64)
        reward = np.where(press, -c["press_cost"], 0.0)
        optimal = ~press  # for its natural rewards (costs only) the best is not to press
        return Transition(reward, next_state, drug, active, optimal)

    def _add_clean_cue(self, x: np.ndarray, s: np.ndarray) -> None:
        for k in range(5):
            x[:, k] += s == k
        x[:, 5] += self.now["context"]


class SelfAdministrationEnv(CoreEnv):
    """One individual in the self-administration chamber (``addsim/SelfAdministration-v0``).

    ## Description
    Fixed ratio 1 with a 20-s time-out in 4-s steps (HRRL-Addiction's task): an active press
    in ``s0`` infuses the drug and starts a 4-step time-out; every press costs 1. See
    :mod:`envs.self_administration`.

    ## Action Space
    ``Discrete(3)``: 0 nothing, 1 inactive lever, 2 active lever.

    ## Observation Space
    ``obs_mode="index"``: ``Discrete(5)``. ``obs_mode="cue"``: ``Box((6,), float64)``, the
    one-hot state and ``context`` plus Gaussian noise of sd ``cue_noise``.

    ## Starting State
    ``s0``, the levers available.

    ## Reward
    ``-press_cost`` per press; the drug's value is the learner's (its drive reduction),
    reported in ``info["drug"]``.

    ## Episode End
    Continuing task: never terminates; truncated at 1000 steps by the registration.

    ## Arguments
    ``obs_mode`` and any condition of :class:`SelfAdministrationCore`.

    ## References
    Keramati et al. (2017) Psychol Rev 124:130; Ahmed and Koob (1998) Science 282:298.

    ## Version History
    * v0: initial version.
    """

    core_cls = SelfAdministrationCore


class SelfAdministrationVectorEnv(CoreVectorEnv):
    """N individuals in the self-administration chamber, batched natively; see
    :class:`SelfAdministrationEnv`."""

    core_cls = SelfAdministrationCore
