"""Dezfouli et al. (2009), "A neurocomputational model for cocaine addiction", Neural Comput.

Average-reward TD (no discount) with an allostatically biased basal level rho = R_bar + kappa:

    natural:  delta   = r + V(s') - Q(s, a) - d * rho
    drug:     delta_c = max( r + V(s') - Q(s, a) + D , D ) - d * rho     (rho outside the max)
    Q(s, a) += alpha * delta
    R_bar   <- (1 - sigma) * R_bar + sigma * r_sensed,
               r_sensed = delta - V(s') + Q(s, a) + d * rho   (report eq. 3.12: r on natural
               steps, the surge-inflated reward on drug steps, so rho catches up with D)
    kappa   <- (1 - lambda) * kappa + lambda * N   after a drug step, (1 - lambda) * kappa else

with V(s') = max_a Q(s', a) and dwell time d = 1. The drug value stays bounded; a raised rho
makes waiting costly (impulsivity) and shrinks natural-reward errors (reward deficit).

Choice rule, per preset (``epsilon_greedy`` 1 or 0, per individual):

- ``paper``: the paper's rules. Epsilon-greedy choice (epsilon 0.1): with probability
  1 - epsilon an action of the max set (ties at random), else any allowed action at random;
  R_bar is updated only after non-exploratory choices (an action outside the max set is
  exploratory), as in R-learning and JRLSim's GreedyActionSelection / non-exploratory average
  (adezfouli/JRLSim src/agent/Agent.java). kappa follows every step.
- ``report``: softmax with inverse temperature beta, R_bar updated every step (the report).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from addsim._jit import jit
from addsim.agents._base import Params, epsilon_greedy_policy, flat_arrays, param, sample
from addsim.agents.tabular import Learner


@dataclass(frozen=True)
class Dezfouli2009Params(Params):
    """Parameters of the Dezfouli (2009) learner (scalars or per-individual arrays)."""

    alpha: float = param(0.2, 0.0, 1.0, "learning rate (0.2 in the paper's code)")
    beta: float = param(0.3, 0.0, 1e3, "softmax inverse temperature")
    surge: float = param(15.0, 0.0, 1e3, "dopamine surge D of a drug transition")
    sigma: float = param(0.005, 0.0, 1.0, "update rate of the average reward R_bar")
    lam: float = param(0.0003, 0.0, 1.0, "update rate lambda of the allostatic shift kappa")
    kappa_target: float = param(3.0, 0.0, 1e3, "N, the level kappa approaches under drug")
    r_bar0: float = param(0.0, -1e3, 1e3, "initial average reward R_bar (the usual reward rate)")
    epsilon_greedy: float = param(
        1.0, 0.0, 1.0, "choice rule: 1 epsilon-greedy with R_bar after greedy choices only "
        "(the paper), 0 softmax with R_bar every step (the report)"
    )
    epsilon: float = param(0.1, 0.0, 1.0, "exploration rate of the epsilon-greedy choice")

    presets = {
        "paper": {},
        "report": {"beta": 0.3, "r_bar0": 10.0, "epsilon_greedy": 0.0},
    }


@jit
def dezfouli_delta(r, q_sa, v_next, drug, rho, surge):  # type: ignore[no-untyped-def]
    """Dezfouli's error for one transition with dwell time 1: rho is subtracted outside the
    max. The one implementation: the batched learners and the compiled kernels call it."""
    td = r + v_next - q_sa
    return (max(td + surge, surge) if drug else td) - rho


@jit
def dezfouli_average(  # type: ignore[no-untyped-def]
    r_bar, kappa, delta, q_sa, v_next, drug, step, lam, target,
):
    """The running statistics after one transition: R_bar moves towards the sensed reward
    r_sensed = delta - V(s') + Q(s, a) + rho (r on natural steps, the surge-inflated reward on
    drug steps) at rate ``step`` (sigma, or 0 after an exploratory choice under the paper's
    rule); kappa towards N after a drug step, towards 0 otherwise. Returns (R_bar, kappa)."""
    rho = r_bar + kappa
    r_sensed = delta - v_next + q_sa + rho  # equals r on natural steps
    r_bar += step * (r_sensed - r_bar)
    kappa += lam * ((target if drug else 0.0) - kappa)
    return r_bar, kappa


@jit
def _dezfouli_errors(r, q_sa, v_next, drug, rho, surge, out):  # type: ignore[no-untyped-def]
    for i in range(out.size):
        out[i] = dezfouli_delta(r[i], q_sa[i], v_next[i], drug[i], rho[i], surge[i])


@jit
def _dezfouli_averages(  # type: ignore[no-untyped-def]
    r_bar, kappa, delta, q_sa, v_next, drug, step, lam, target,
):
    for i in range(r_bar.size):
        r_bar[i], kappa[i] = dezfouli_average(r_bar[i], kappa[i], delta[i], q_sa[i],
                                              v_next[i], drug[i], step[i], lam[i], target[i])


def dezfouli_error(
    r: np.ndarray,
    q_sa: np.ndarray,
    v_next: np.ndarray,
    drug: np.ndarray,
    rho: np.ndarray,
    surge: np.ndarray,
) -> np.ndarray:
    """:func:`dezfouli_delta` for every individual, (N,)."""
    f = np.float64
    args = flat_arrays(r, q_sa, v_next, drug, rho, surge, dtypes=(f, f, f, bool, f, f))
    out = np.empty(args[0].size)
    _dezfouli_errors(*args, out)
    return out


def dezfouli_after(
    rule: dict[str, np.ndarray],
    delta: np.ndarray,
    q_sa: np.ndarray,
    v_next: np.ndarray,
    drug: np.ndarray,
    sigma: np.ndarray,
    lam: np.ndarray,
    kappa_target: np.ndarray,
    explored: np.ndarray | None = None,
) -> None:
    """Update R_bar with the sensed reward (not where ``explored``: the paper's rule), then
    kappa with the drug indicator (in place): :func:`dezfouli_average` per individual."""
    step = sigma if explored is None else np.where(explored, 0.0, sigma)
    f = np.float64
    args = flat_arrays(rule["r_bar"], delta, q_sa, v_next, drug, step, lam, kappa_target,
                 dtypes=(f, f, f, f, bool, f, f, f))[1:]
    _dezfouli_averages(rule["r_bar"], rule["kappa"], *args)


class Dezfouli2009(Learner):
    """Batched Dezfouli (2009) learner over N individuals."""

    name = "dezfouli2009"
    params_cls = Dezfouli2009Params
    fused_rule = 1  # value rule code of agents._kernels.latent_learn

    def init_rule(self, n: int) -> dict[str, np.ndarray]:
        self._greedy = self.p.epsilon_greedy > 0.5  # who follows the paper's choice rule
        self._any_greedy = bool(self._greedy.any())
        # the last choice was exploratory (only held where someone follows the paper's rule)
        self._explored = np.zeros(n if self._any_greedy else 0, dtype=bool)
        return {"r_bar": self.p.r_bar0.copy(), "kappa": np.zeros(n)}

    def policy(self, s: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Epsilon-greedy where ``epsilon_greedy`` is 1, softmax elsewhere (N, A)."""
        soft = super().policy(s, mask)
        if not self._any_greedy:
            return soft
        greedy = epsilon_greedy_policy(self.values(s), self.p.epsilon, mask)
        return np.where(self._greedy[:, None], greedy, soft)

    def _note_exploration(self, s: np.ndarray, a: np.ndarray, mask: np.ndarray | None) -> None:
        """Remember who chose outside the max set of allowed actions (the paper's rule)."""
        v = self.values(s)
        if mask is not None:
            v = np.where(mask, v, -np.inf)
        chosen = v[self._rows, a]
        self._explored = self._greedy & (chosen < v.max(axis=1))

    def act(self, s: np.ndarray, u: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        a = sample(self.policy(s, mask), u)
        if self._any_greedy:
            self._note_exploration(s, a, mask)
        return a

    def act_and_p(
        self, s: np.ndarray, u: np.ndarray, col: int, mask: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        if not self._any_greedy:
            return super().act_and_p(s, u, col, mask)
        pol = self.policy(s)
        a = sample(pol, u) if mask is None else sample(self.policy(s, mask), u)
        self._note_exploration(s, a, mask)
        return a, pol[:, col]

    @property
    def rho(self) -> np.ndarray:
        """The biased basal level rho = R_bar + kappa, shape (N,)."""
        return self.rule["r_bar"] + self.rule["kappa"]

    def error(
        self, r: np.ndarray, q_sa: np.ndarray, v_next: np.ndarray, drug: np.ndarray
    ) -> np.ndarray:
        return dezfouli_error(r, q_sa, v_next, drug, self.rho, self.p.surge)

    def after(
        self,
        delta: np.ndarray,
        r: np.ndarray,
        q_sa: np.ndarray,
        v_next: np.ndarray,
        drug: np.ndarray,
    ) -> None:
        p = self.p
        explored = self._explored if self._any_greedy else None
        dezfouli_after(
            self.rule, delta, q_sa, v_next, drug, p.sigma, p.lam, p.kappa_target, explored
        )
