"""Redish (2004), "Addiction as a computational process gone awry", Science 306:1944.

TD with a non-compensable dopamine surge D on transitions that deliver the drug:

    natural:  delta   = gamma * (r + max_a Q(s', a)) - Q(s, a)
    drug:     delta_c = max( gamma * (r + max_a Q(s', a)) - Q(s, a) + D , D )
    Q(s, a) += alpha * delta

Invariant: on every drug transition delta_c >= D, so Q(drug) grows without bound while
natural values converge. (Not ``max(x, D)``, not ``x + D``, and never on non-drug steps.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from addsim._jit import jit
from addsim.agents._base import Params, flat_arrays, param
from addsim.agents.tabular import Learner


@dataclass(frozen=True)
class Redish2004Params(Params):
    """Parameters of the Redish (2004) learner (scalars or per-individual arrays)."""

    alpha: float = param(0.2, 0.0, 1.0, "learning rate")
    gamma: float = param(0.9, 0.0, 0.999, "discount factor")
    beta: float = param(0.1, 0.0, 1e3, "softmax inverse temperature")
    surge: float = param(15.0, 0.0, 1e3, "dopamine surge D of a drug transition")

    presets = {"paper": {}, "report": {}}


@jit
def redish_delta(r, q_sa, v_next, drug, gamma, surge):  # type: ignore[no-untyped-def]
    """Redish's error for one transition: the natural TD error, or max(TD + D, D) on a drug
    transition. The one implementation: the batched learners and the compiled kernels call
    it (agents/_kernels.py)."""
    td = gamma * (r + v_next) - q_sa
    return max(td + surge, surge) if drug else td  # the surge cannot be compensated


@jit
def _redish_errors(r, q_sa, v_next, drug, gamma, surge, out):  # type: ignore[no-untyped-def]
    for i in range(out.size):
        out[i] = redish_delta(r[i], q_sa[i], v_next[i], drug[i], gamma[i], surge[i])


def redish_error(
    r: np.ndarray,
    q_sa: np.ndarray,
    v_next: np.ndarray,
    drug: np.ndarray,
    gamma: np.ndarray,
    surge: np.ndarray,
) -> np.ndarray:
    """:func:`redish_delta` for every individual, (N,)."""
    f = np.float64
    args = flat_arrays(r, q_sa, v_next, drug, gamma, surge, dtypes=(f, f, f, bool, f, f))
    out = np.empty(args[0].size)
    _redish_errors(*args, out)
    return out


class Redish2004(Learner):
    """Batched Redish (2004) learner over N individuals."""

    name = "redish2004"
    params_cls = Redish2004Params
    fused_rule = 2  # value rule code of agents._kernels.latent_learn

    def error(
        self, r: np.ndarray, q_sa: np.ndarray, v_next: np.ndarray, drug: np.ndarray
    ) -> np.ndarray:
        return redish_error(r, q_sa, v_next, drug, self.p.gamma, self.p.surge)
