"""Instrumental lever pressing for food, the task of outcome-devaluation experiments.

Description
    Keramati, Dezfouli and Piray (2011)'s task (the ReScience replication of Viejo, Girard
    and Khamassi: states ``s0``/``s1``, actions ``pl``/``em``): in ``s0`` the individual
    presses the lever (action 0: the food drops into the magazine, ``s1``) or enters the
    empty magazine (action 1: nothing, stays in ``s0``). In ``s1`` entering the magazine
    (action 1) consumes the food and returns to ``s0``; pressing again (action 0) returns to
    ``s0`` and the food is lost. The food's value is the learner's: the task reports the
    consumed outcome in the transition's ``drug`` field (the outcome a homeostatic learner's
    internal state absorbs, agents/homeostatic.py) and pays ``food_reward`` (0 by default)
    as a natural reward beside it. With ``food_available`` 0 (extinction, the test of a
    devaluation experiment) no food drops. Devaluation itself happens outside the task: by
    satiety (pre-feeding, a homeostatic learner's ``rest(ticks, outcome)``), as in Balleine
    and Dickinson (1998), or by a learner told the outcome's new value.

States / cue
    Index or a noisy cue ``[is_s0, is_s1, context] + cue_noise * N(0, 1)``.

Conditions
    ``food_available``, ``food_reward``, ``press_cost``, ``context``, ``cue_noise``.

References
    Adams and Dickinson (1981) Q J Exp Psychol 33B:109; Balleine and Dickinson (1998)
    Neuropharmacology 37:407; Keramati, Dezfouli and Piray (2011) PLoS Comput Biol
    7:e1002055.
"""

from __future__ import annotations

import numpy as np

from addsim.envs._core import Condition, Draws, TaskCore, Transition
from addsim.envs._gym import CoreEnv, CoreVectorEnv


class DevaluationCore(TaskCore):
    """Batched core of the lever-and-magazine task; see the module docstring."""

    name = "Devaluation"
    version = 0
    n_states = 2
    n_actions = 2
    cue_dim = 3
    addictive_action = 0  # the instrumental response whose rate a devaluation test reads
    n_normals = 0
    n_uniforms = 0
    state_names = ("s0_lever", "s1_food_in_magazine")
    action_names = ("press_lever", "enter_magazine")
    conditions_spec = {
        "food_available": Condition(1.0, 0.0, 1.0, "1 when a press drops food (0: extinction)"),
        "food_reward": Condition(0.0, -1e6, 1e6, "natural reward of eating the food"),
        "press_cost": Condition(0.0, 0.0, 1e6, "cost of a lever press"),
        "context": Condition(0.0, -10.0, 10.0, "context feature of the cue"),
        "cue_noise": Condition(0.02, 0.0, 10.0, "sd of the Gaussian noise on each cue feature"),
    }

    def _transition(self, s: np.ndarray, a: np.ndarray, d: Draws) -> Transition:
        c = self.now
        food = c["food_available"] > 0.5
        press = a == 0
        dropped = (s == 0) & press & food
        eat = (s == 1) & ~press
        next_state = np.where(dropped, 1, 0).astype(np.int64)
        reward = np.where(press, -c["press_cost"], np.where(eat, c["food_reward"], 0.0))
        # the natural optimum: press when food drops and its reward covers the cost, eat it
        worth = c["food_reward"] > c["press_cost"]
        optimal = np.where(s == 0, press == (food & worth), ~press)
        return Transition(reward, next_state, eat, press & (s == 0), optimal)

    def _add_clean_cue(self, x: np.ndarray, s: np.ndarray) -> None:
        x[:, 0] += s == 0
        x[:, 1] += s == 1
        x[:, 2] += self.now["context"]


class DevaluationEnv(CoreEnv):
    """One individual pressing a lever for food (``addsim/Devaluation-v0``).

    ## Description
    Press the lever (food drops into the magazine) or enter the magazine (eat the food that
    is there); see :mod:`envs.devaluation` (Keramati et al. 2011's task).

    ## Action Space
    ``Discrete(2)``: 0 press the lever, 1 enter the magazine.

    ## Observation Space
    ``obs_mode="index"``: ``Discrete(2)``. ``obs_mode="cue"``: ``Box((3,), float64)``,
    ``[is_s0, is_s1, context]`` plus Gaussian noise of sd ``cue_noise``.

    ## Starting State
    ``s0``, the magazine empty.

    ## Reward
    ``food_reward`` (0) when the food is eaten, ``-press_cost`` (0) per press; the food
    itself is reported in ``info["drug"]`` for a learner that values it homeostatically.

    ## Episode End
    Continuing task: never terminates; truncated at 1000 steps by the registration.

    ## Arguments
    ``obs_mode`` and any condition of :class:`DevaluationCore`.

    ## References
    Adams and Dickinson (1981); Keramati, Dezfouli and Piray (2011).

    ## Version History
    * v0: initial version.
    """

    core_cls = DevaluationCore


class DevaluationVectorEnv(CoreVectorEnv):
    """N individuals pressing a lever for food, batched natively; see
    :class:`DevaluationEnv`."""

    core_cls = DevaluationCore
