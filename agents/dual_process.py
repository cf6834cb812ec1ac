"""The dual-process individual of the report: latent states feeding Dezfouli's evaluation.

Situation recognition (Pettine et al. 2023 prototypes with Redish et al. 2007's negative-error
history, see agents/latent_state.py) classifies the noisy cue c(t) into a latent state z; the
individual acts by softmax on Q(z, .) (both presets; ``epsilon_greedy = 1`` gives Dezfouli's
paper rule instead) and learns with Dezfouli et al. (2009)'s average-reward
error over latent states:

    delta = r + max_a Q(z', a) - Q(z, a) - rho                        (natural)
    delta = max( r + max_a Q(z', a) - Q(z, a) + D , D ) - rho          (drug)
    Q(z, a) += alpha * delta;  rho = R_bar + kappa  (agents/dezfouli2009.py)

Where extinction is learned in a new latent state, the acquisition state keeps its value, and
recognising it again (the drug cue back, a dose's trace in the cue) brings the addictive
choice back: docs/reproductions.md says where that happens in the protocols and by what cause.
"""

from __future__ import annotations

from dataclasses import dataclass

from addsim.agents._base import param
from addsim.agents.dezfouli2009 import Dezfouli2009, Dezfouli2009Params
from addsim.agents.latent_state import ClassifierParams, LatentMixin


@dataclass(frozen=True)
class DualProcessParams(Dezfouli2009Params, ClassifierParams):
    """Parameters of the dual-process learner: Dezfouli values over latent states."""

    beta: float = param(15.0, 0.0, 1e3, "softmax inverse temperature of actions")
    epsilon_greedy: float = param(
        0.0, 0.0, 1.0, "choice rule: 0 softmax (both presets: the report's dual-process "
        "model), 1 Dezfouli's epsilon-greedy with R_bar after greedy choices only"
    )

    presets = {
        "paper": {"min_cov_samples": 25.0},
        "report": {"beta": 0.3, "r_bar0": 10.0, "burn_in": 15.0, "min_cov_samples": 25.0},
    }


class DualProcess(LatentMixin, Dezfouli2009):
    """Batched dual-process learner (the report's model) over N individuals."""

    name = "dual_process"
    params_cls = DualProcessParams
