"""The learner shell shared by every value rule: Q tables over N individuals.

A learner owns Q (N, S, A) and the state of its value rule. A *value rule* (Q-learning,
Redish 2004, Dezfouli 2009) supplies the prediction error and any running statistics; a
*state representation* maps observations to rows of Q: the observed state index here, or a
latent state inferred from a cue (:mod:`agents.latent_state`). Every combination runs through
this one class: a single individual is N = 1.
"""

from __future__ import annotations

import functools
from typing import Any, ClassVar

import numpy as np

from addsim.agents._base import Params, Step, sample, softmax_policy


@functools.lru_cache(maxsize=8)
def _rows(n: int) -> np.ndarray:
    """0..n-1 as a read-only index array shared by every learner of n individuals."""
    rows = np.arange(n)
    rows.flags.writeable = False
    return rows


class Learner:
    """Batched tabular learner; subclasses set ``params_cls`` and the value rule.

    Shapes: ``q`` (N, S, A); ``observe`` takes (N,) state indices; ``act`` takes (N,) uniforms.
    """

    name: ClassVar[str]
    params_cls: ClassVar[type[Params]]
    uses_cue: ClassVar[bool] = False

    def __init__(
        self,
        n: int,
        n_states: int,
        n_actions: int,
        params: Params | None = None,
        **kwargs: Any,
    ) -> None:
        if int(n) != n or n < 1:
            raise ValueError(f"n: got {n!r}, expected a whole number >= 1")
        self.n, self.n_states, self.n_actions = int(n), int(n_states), int(n_actions)
        if params is None:
            params = self.params_cls.preset("report")
        if not isinstance(params, self.params_cls):
            raise TypeError(
                f"params: got {type(params).__name__}, expected {self.params_cls.__name__}"
            )
        self.p = params.resolve(self.n)
        # Q is stored slot-major (S, N, A) so compiled passes stream it; ``q`` is the (N, S, A)
        # view of the same memory.
        self._q = np.zeros((self.n_states, self.n, self.n_actions))
        self._rows = _rows(self.n)
        self.rule = self.init_rule(self.n)

    @property
    def q(self) -> np.ndarray:
        """Action values Q, shape (N, S, A) (a writable view)."""
        return self._q.transpose(1, 0, 2)

    # ---------------------------------------------------------------- value rule hooks
    def init_rule(self, n: int) -> dict[str, np.ndarray]:
        """Running statistics of the value rule (none for Q-learning)."""
        return {}

    def error(
        self, r: np.ndarray, q_sa: np.ndarray, v_next: np.ndarray, drug: np.ndarray
    ) -> np.ndarray:
        """The prediction error of each individual's transition."""
        raise NotImplementedError

    def after(
        self,
        delta: np.ndarray,
        r: np.ndarray,
        q_sa: np.ndarray,
        v_next: np.ndarray,
        drug: np.ndarray,
    ) -> None:
        """Update the rule's running statistics after the Q update (default: nothing)."""

    # ---------------------------------------------------------------- acting
    def observe(self, obs: np.ndarray, u: np.ndarray | None = None) -> np.ndarray:
        """Map observations to Q rows: the state index itself for a tabular learner."""
        return np.asarray(obs, dtype=np.int64)

    def values(self, s: np.ndarray) -> np.ndarray:
        """Q(s, .) of each individual, shape (N, A)."""
        return self.q[self._rows, s]

    def policy(self, s: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Softmax action probabilities (N, A) in Q rows ``s``; ``mask`` marks allowed actions."""
        return softmax_policy(self.values(s), self.p.beta, mask)

    def act(self, s: np.ndarray, u: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Choose an action per individual from pre-drawn uniforms ``u`` (N,)."""
        return sample(self.policy(s, mask), u)

    def act_and_p(
        self, s: np.ndarray, u: np.ndarray, col: int, mask: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """``act(s, u, mask)`` and the unmasked policy's probability of action ``col`` (N,),
        as one compiled pass (agents/_kernels.py softmax_act)."""
        from addsim.agents import _kernels

        p_col = np.empty(self.n)
        a = np.empty(self.n, dtype=np.int64)
        _kernels.softmax_act(
            self._q, np.asarray(s, np.int64), self.p.beta, np.asarray(u, np.float64),
            np.ones((1, 1), bool) if mask is None else mask, mask is not None, int(col), p_col, a,
        )
        return a, p_col

    # ---------------------------------------------------------------- learning
    def learn(
        self,
        s: np.ndarray,
        a: np.ndarray,
        r: np.ndarray,
        s_next: np.ndarray,
        drug: np.ndarray,
        cue: np.ndarray | None = None,
    ) -> Step:
        """One TD update of Q(s, a) for every individual; returns the errors."""
        rows = self._rows
        q_sa = self.q[rows, s, a]
        v_next = self.q[rows, s_next].max(axis=1)
        delta = self.error(r, q_sa, v_next, drug)
        self.q[rows, s, a] = q_sa + self.p.alpha * delta  # Q(s,a) += alpha * delta
        self.after(delta, r, q_sa, v_next, drug)
        return Step(delta=delta)
