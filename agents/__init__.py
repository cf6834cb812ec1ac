"""Batched reinforcement learners of the dopamine system (one learner per module).

Every learner updates N individuals in one call; parameters are scalars or (N,) arrays.
``LEARNERS`` maps the names used in configs and CSVs to the classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from addsim._errors import did_you_mean
from addsim.agents._base import Params
from addsim.agents.dezfouli2009 import Dezfouli2009, Dezfouli2009Params
from addsim.agents.dual_process import DualProcess, DualProcessParams
from addsim.agents.latent_state import LatentState, LatentStateParams
from addsim.agents.model_based import (
    DualProcessMB,
    DualProcessMBParams,
    ModelBased,
    ModelBasedParams,
)
from addsim.agents.q_learning import QLearning, QLearningParams
from addsim.agents.redish2004 import Redish2004, Redish2004Params
from addsim.agents.tabular import Learner

LEARNERS: dict[str, type[Learner]] = {
    cls.name: cls for cls in (QLearning, Redish2004, Dezfouli2009, LatentState, DualProcess,
                              ModelBased, DualProcessMB)
}


def make_learner(
    name: str,
    n: int,
    n_states: int,
    n_actions: int,
    cue_dim: int,
    preset: str = "report",
    capacity: int = 8,
    precision: str = "float32",
    salience: Sequence[float] | None = None,
    **overrides: Any,
) -> Learner:
    """Build learner ``name`` for N individuals from a preset plus parameter overrides.

    ``capacity``, ``precision`` (storage of the prototypes, float32 or float64) and
    ``salience`` (the task's baseline attention per cue feature, ``TaskCore.salience()``;
    None: 1 for every feature) apply to latent-state learners only.
    """
    if name not in LEARNERS:
        raise ValueError(
            f"learner: got {name!r}, expected one of {', '.join(LEARNERS)}"
            + did_you_mean(name, LEARNERS)
        )
    cls = LEARNERS[name]
    params = cls.params_cls.preset(preset, **overrides)
    if cls.uses_cue:
        return cls(  # type: ignore[call-arg]
            n, cue_dim, n_actions, params, capacity=capacity, precision=precision,
            salience=salience,
        )
    return cls(n, n_states, n_actions, params)


__all__ = [
    "LEARNERS",
    "Dezfouli2009",
    "Dezfouli2009Params",
    "DualProcess",
    "DualProcessMB",
    "DualProcessMBParams",
    "DualProcessParams",
    "LatentState",
    "LatentStateParams",
    "Learner",
    "ModelBased",
    "ModelBasedParams",
    "Params",
    "QLearning",
    "QLearningParams",
    "Redish2004",
    "Redish2004Params",
    "make_learner",
]
