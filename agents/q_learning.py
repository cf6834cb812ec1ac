"""Q-learning, the natural-reward control (Watkins 1989; docs/model/learners.md).

    delta = r + gamma * max_a Q(s', a) - Q(s, a);   Q(s, a) += alpha * delta

No surge: the drug is just its (negative) natural reward, so this learner must learn the
optimal policy and must not become addicted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from addsim.agents._base import Params, param
from addsim.agents.tabular import Learner


@dataclass(frozen=True)
class QLearningParams(Params):
    """Parameters of Q-learning (scalars or per-individual arrays)."""

    alpha: float = param(0.2, 0.0, 1.0, "learning rate")
    gamma: float = param(0.9, 0.0, 0.999, "discount factor")
    beta: float = param(0.1, 0.0, 1e3, "softmax inverse temperature")

    presets = {"report": {}, "paper": {}}


class QLearning(Learner):
    """Batched Q-learning over N individuals."""

    name = "q_learning"
    params_cls = QLearningParams

    def error(
        self, r: np.ndarray, q_sa: np.ndarray, v_next: np.ndarray, drug: np.ndarray
    ) -> np.ndarray:
        return r + self.p.gamma * v_next - q_sa
