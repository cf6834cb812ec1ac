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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from addsim.agents._base import Params, param
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

    presets = {
        "paper": {},
        "report": {"beta": 0.3, "r_bar0": 10.0},
    }


def dezfouli_error(
    r: np.ndarray,
    q_sa: np.ndarray,
    v_next: np.ndarray,
    drug: np.ndarray,
    rho: np.ndarray,
    surge: np.ndarray,
) -> np.ndarray:
    """Dezfouli's error with dwell time 1; rho is subtracted outside the max."""
    td = r + v_next - q_sa
    return np.where(drug, np.maximum(td + surge, surge), td) - rho


def dezfouli_after(
    rule: dict[str, np.ndarray],
    delta: np.ndarray,
    q_sa: np.ndarray,
    v_next: np.ndarray,
    drug: np.ndarray,
    sigma: np.ndarray,
    lam: np.ndarray,
    kappa_target: np.ndarray,
) -> None:
    """Update R_bar with the sensed reward, then kappa with the drug indicator (in place)."""
    rho = rule["r_bar"] + rule["kappa"]
    r_sensed = delta - v_next + q_sa + rho  # equals r on natural steps
    rule["r_bar"] += sigma * (r_sensed - rule["r_bar"])
    rule["kappa"] += lam * (np.where(drug, kappa_target, 0.0) - rule["kappa"])


class Dezfouli2009(Learner):
    """Batched Dezfouli (2009) learner over N individuals."""

    name = "dezfouli2009"
    params_cls = Dezfouli2009Params
    fused_rule = 1  # value rule code of agents._kernels.latent_learn

    def init_rule(self, n: int) -> dict[str, np.ndarray]:
        return {"r_bar": self.p.r_bar0.copy(), "kappa": np.zeros(n)}

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
        dezfouli_after(self.rule, delta, q_sa, v_next, drug, p.sigma, p.lam, p.kappa_target)
