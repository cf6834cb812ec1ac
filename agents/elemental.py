"""Elemental cue values for the model-free rules: what cue competition (blocking) needs.

A tabular learner has one value per state, so a cue it has never seen alone has no value of
its own and blocking cannot even be posed. Here the same value rules (Redish 2004's
non-compensable surge, Dezfouli 2009's average-reward error with the allostatic shift) act
on values linear in the cue's elements (the usual setting of Kamin blocking, Rescorla and
Wagner 1972; Redish 2004's blocking prediction is stated for it):

    Q(x, a) = w_a . phi(x),     delta = the rule's error (Redish: max(gamma (r + V') - Q + D, D)
                                on drug steps; Dezfouli: max(r + V' - Q + D, D) - rho),
    w_a <- w_a + alpha delta phi(x),   V' = max_a Q(x', a).

``phi(x)`` keeps each task state's own elements: the state one-hot (the first S features of
the cue, a bias per state) and the product of that one-hot with every other cue feature, so a
cue's weight in the choice state is not shared with the drug state. Nothing else changes:
parameters, presets, the choice rule and the rule's running statistics are the named
learner's. Not in ``LEARNERS``: a protocol tool, not a population learner.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from addsim.agents._base import Step
from addsim.agents.dezfouli2009 import Dezfouli2009
from addsim.agents.redish2004 import Redish2004
from addsim.agents.tabular import Learner


class _Elemental:
    """Mixin over a value-rule learner: values linear in per-state cue elements."""

    uses_cue = True

    def __init__(self, n: int, n_states: int, n_actions: int, cue_dim: int,
                 params: Any = None) -> None:
        # Q rows 0 and 1 name the two buffered observations (the last and the current one)
        super().__init__(n, 2, n_actions, params)  # type: ignore[call-arg]
        self.task_states, self.cue_dim = int(n_states), int(cue_dim)
        if self.cue_dim <= self.task_states:
            raise ValueError(f"cue_dim: got {cue_dim}, expected more than the {n_states} "
                             "state features")
        self.n_features = self.task_states * (1 + self.cue_dim - self.task_states)
        self.w = np.zeros((n, self.n_features, n_actions))
        self._phi = np.zeros((2, n, self.n_features))
        self._slot = 0

    def features(self, x: np.ndarray) -> np.ndarray:
        """phi(x) (N, F): the state one-hot, then its product with each other cue feature."""
        s = self.task_states
        onehot, rest = x[:, :s], x[:, s:]
        return np.concatenate([onehot, (onehot[:, :, None] * rest[:, None, :]).reshape(
            len(x), -1)], axis=1)

    def observe(self, obs: np.ndarray, u: np.ndarray | None = None) -> np.ndarray:
        """Store phi of the cue in the free buffer row and return that row for everyone."""
        self._slot ^= 1
        self._phi[self._slot] = self.features(np.asarray(obs, dtype=np.float64))
        return np.full(self.n, self._slot, dtype=np.int64)  # type: ignore[attr-defined]

    @property
    def q(self) -> np.ndarray:
        """Q of the two buffered observations, (N, 2, A) (computed, read-only)."""
        return np.einsum("knf,nfa->nka", self._phi, self.w)

    def values(self, s: np.ndarray) -> np.ndarray:
        """Q(x_s, .) per individual (N, A); every individual's s names the same buffer row."""
        return np.einsum("nf,nfa->na", self._phi[int(s[0])], self.w)

    def act_and_p(self, s: np.ndarray, u: np.ndarray, col: int,
                  mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The rule's choice (numpy path) and the unmasked probability of action ``col``."""
        pol = self.policy(s)  # type: ignore[attr-defined]
        a = self.act(s, u, mask)  # type: ignore[attr-defined]
        return a, pol[:, col]

    def learn(self, s: np.ndarray, a: np.ndarray, r: np.ndarray, s_next: np.ndarray,
              drug: np.ndarray, cue: np.ndarray | None = None) -> Step:
        """One update of w_a along phi(x) with the rule's error; returns the errors."""
        rows = np.arange(self.n)  # type: ignore[attr-defined]
        phi = self._phi[int(s[0])]
        q_sa = self.values(s)[rows, a]
        v_next = self.values(s_next).max(axis=1)
        delta = self.error(r, q_sa, v_next, drug)  # type: ignore[attr-defined]
        self.w[rows, :, a] += (self.p.alpha * delta)[:, None] * phi  # type: ignore[attr-defined]
        self.after(delta, r, q_sa, v_next, drug)  # type: ignore[attr-defined]
        return Step(delta=delta)

    def weight(self, feature: int, state: int, action: int) -> np.ndarray:
        """Each individual's weight of cue ``feature`` (an index into the cue) in ``state``."""
        s = self.task_states
        return self.w[:, s + state * (self.cue_dim - s) + (feature - s), action]


class ElementalRedish2004(_Elemental, Redish2004):
    """Redish (2004)'s rule on elemental cue values."""

    name = "redish2004"


class ElementalDezfouli2009(_Elemental, Dezfouli2009):
    """Dezfouli (2009)'s rule on elemental cue values."""

    name = "dezfouli2009"


ELEMENTAL: dict[str, type[Learner]] = {"redish2004": ElementalRedish2004,
                                       "dezfouli2009": ElementalDezfouli2009}


def make_elemental(name: str, n: int, n_states: int, n_actions: int, cue_dim: int,
                   preset: str = "report", **overrides: Any) -> Learner:
    """The elemental form of model-free learner ``name`` from its preset plus overrides."""
    cls = ELEMENTAL[name]
    return cls(n, n_states, n_actions, cue_dim,  # type: ignore[call-arg]
               cls.params_cls.preset(preset, **overrides))
