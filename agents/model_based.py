"""A model-based planner beside the habit system, with arbitration and homeostatic reward.

Each individual keeps, beside its model-free (habitual) values Q_MF (Dezfouli et al. 2009's
average-reward rule, agents/dezfouli2009.py, over state indices or latent states), a learned
model of its task over the same states, and plans with it (Keramati, Dezfouli and Piray 2011,
"Speed/accuracy trade-off between the habitual and the goal-directed processes", PLoS Comput
Biol 7:e1002055; the ReScience replication of Viejo, Girard and Khamassi 2016, code
ReScience/ReScience-submission, code/models.py, class Keramati; Keramati et al. 2017's
HRRL-Addiction for the homeostatic planner, agents/homeostatic.py).

Model (per state s, action a; n(s, a) visits; first-visit exact averages, then the paper's
fixed rates, as the prototypes of agents/latent_state.py do):

    T(s, a, .) <- (1 - e) T(s, a, .) + e onehot(s'),   e = max(phi, 1 / n)   transitions
    R(s, a)    <- R + f (r - R),                        f = max(rau, 1 / n)   natural reward
    K(s, a)    <- K + f (k - K)                                              outcome (dose)

``model_start`` 0 is HRRL's start instead (the ablation of ours): transitions uniform over the
model's states, rewards and outcomes 0, the fixed rates from the first visit, and every
state-action expandable from the start.

R learns the task's natural reward only: the dopamine surge D of a drug step enters the
model-free error alone (Keramati and Gutkin 2013, "Imbalanced decision hierarchy in addicts
emerging from drug-hijacked dopamine spiraling circuit", PLoS One 8:e61489), so the planner's
value of the drug stays what the drug delivers while the habit's inflates.

Planning: bounded lookahead of ``depth`` H over the model (Keramati et al. 2011, depth 3;
HRRL-Addiction's valueEstimation), with the homeostatic reward of the expected outcome
evaluated at the current internal state (HRRL) and the average-reward opportunity cost rho
of the habit's rule (so both systems' values share a scale):

    Q_0 leaves: V_0(s) = max_a Q_MF(s, a)   (``leaf`` 1, Keramati et al. 2011: the habitual
                values at the leaves) or 0 (``leaf`` 0, HRRL: a finite-horizon sum)
    Q_h(s, a) = R(s, a) + r_h(K(s, a)) - rho + sum_{s': T >= prune} T(s, a, s') V_{h-1}(s')
    V_h(s)    = max_a Q_h(s, a);   Q_MB = Q_H

An action the model has never seen (n = 0) cannot be expanded: its planned value is the
habit's Q_MF(s, a) with ``leaf`` 1 and R + r_h - rho = -rho with ``leaf`` 0 (ours). HRRL's
code calls the deeper levels with the internal state and the setpoint swapped
(valueEstimation(nextState, setpointS, inState, ...)); we use the paper's equations.

Uncertainty of the habit's values (Keramati et al. 2011 use Kalman Q-learning, KTD, with a
full covariance; here its diagonal, with the bootstrapped target's variance added to the
observation's, linearised at the greedy next action):

    prediction   P(s, a) <- P(s, a) (1 + eta)          every entry, every step (Viejo's
                                                       predictionStep: cov += cov * eta)
    correction   S = P(s, a) + P(s', a*) + var_obs,  gain = P(s, a) / S,
                 P(s, a) <- P(s, a) - gain^2 S

The habit's mean keeps Dezfouli's fixed learning rate alpha, so its values are exactly the
dual-process learner's; decoupling the mean from the Kalman gain is ours, and
``kalman_gain = 1`` (the mean learns with the gain, as KTD does) is its ablation.

Arbitration per action in the acting state (``arbitration``):

- 0 ``habit``: Q = Q_MF; 1 ``planner``: Q = Q_MB;
- 2 ``weight``: Q = w Q_MB + (1 - w) Q_MF (Daw et al. 2011's hybrid; Glascher et al. 2010);
- 3 ``uncertainty`` (Daw, Niv and Dayan 2005): the controller with the smaller variance;
  the planner's, var_MB = var_obs / (n(s, a) + 1) + H nu (the reward estimate's variance
  plus Daw's computational noise nu per level of search, a simplification of their tree
  posterior: ours in form, theirs in direction);
- 4 ``voi`` (Keramati et al. 2011): plan action a when its value of perfect information
  VPI(a) >= rho tau, the opportunity cost of deliberating for tau (rho: the habit's basal
  level R_bar + kappa, the reward rate Dezfouli's learner perceives), with, for the best
  action a1 and the second a2 (Viejo's computeVPIValues),
      VPI(a1) = (Q_a2 - Q_a1) Phi((Q_a2 - Q_a1) / sd_a1) + sd_a1 phi((Q_a2 - Q_a1) / sd_a1)
      VPI(a)  = (Q_a - Q_a1) (1 - Phi((Q_a1 - Q_a) / sd_a)) + sd_a phi((Q_a1 - Q_a) / sd_a)

Choice: softmax with beta over the arbitrated values (``value_norm`` 1 divides them by their
largest magnitude first, as HRRL-Addiction's actionSelectionSoftmax divides by the maximum;
the magnitude keeps the order when all are negative, where dividing by a negative maximum
reverses it), or Dezfouli's epsilon-greedy with ``epsilon_greedy`` 1.

Eligibility (``trace`` lambda, Daw et al. 2011's SARSA(lambda) for the two-step task): the
step's model-free error also updates the previous state-action, Q(s_prev, a_prev) += alpha
lambda delta. In the two-stage trials of Daw et al. that is exactly their stage-2 error
reaching the stage-1 choice; in a continuing task it also reaches one step back across a
trial boundary. 0 (the default) leaves the habit the dual-process learner's.

Homeostatic reward (``homeostasis`` 1, agents/homeostatic.py): the model-free reward of a
step is r + r_h(k) with k = ``dose`` on a drug step; the internal state advances each
learning step. ``rest(ticks, outcome)`` advances it out of the task (a home cage between
sessions; free food before a test of devaluation by satiety).

Storage per individual (S states: ``capacity`` latent states or the task's states, A
actions): the model's transitions T (S A S) in the storage precision of the prototypes (4
bytes: float32, the latent learner's default; 8 with ``precision="float64"`` and for the
tabular learner), and in float64 R, K, n and the habit's variances P (4 S A), the internal
state (3), the eligibility's last state-action (2) and the planner's share of the last choice
(1): b S^2 A + 8 (4 S A + 6) bytes, 1,072 for S = 8, A = 2 in float32, beside the
dual-process learner's own (tests/test_model_based.py states and checks it).

One implementation: the lookahead, the arbitration and the learning step run as the kernels
of agents/_mb_kernels.py (plain Python with numba off), which call the papers' equations
once each (agents/keramati2011.py: the value of information and the Kalman correction;
agents/homeostatic.py: the drive and the internal state); tests/reference.py is the
independent per-individual oracle.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from addsim.agents import _mb_kernels
from addsim.agents._base import (
    Params,
    epsilon_greedy_policy,
    param,
    sample,
    softmax_policy,
)
from addsim.agents.dezfouli2009 import Dezfouli2009, Dezfouli2009Params
from addsim.agents.dual_process import DualProcessParams
from addsim.agents.homeostatic import HomeostaticParams
from addsim.agents.latent_state import ClassifierParams, LatentMixin

ARBITRATION = {"habit": 0.0, "planner": 1.0, "weight": 2.0, "uncertainty": 3.0, "voi": 4.0}


@dataclass(frozen=True)
class PlannerParams(HomeostaticParams):
    """Parameters of the planner, the arbitration and the homeostatic module."""

    depth: float = param(3.0, 1.0, 10.0, "lookahead depth H (Keramati 2011, HRRL: 3)")
    phi: float = param(0.2, 0.0, 1.0, "transition model's rate after 1 / n (HRRL 0.2)")
    rau: float = param(0.2, 0.0, 1.0, "reward and outcome models' rate after 1 / n (HRRL 0.2)")
    prune: float = param(0.0, 0.0, 1.0, "transitions below this are not expanded (HRRL 0.1)")
    leaf: float = param(1.0, 0.0, 1.0, "leaf values: 1 the habit's (Keramati 2011), 0 zero")
    arbitration: float = param(
        4.0, 0.0, 4.0, "0 habit, 1 planner, 2 weight w, 3 uncertainty (Daw 2005), 4 value of "
        "information against rho tau (Keramati 2011)")
    w: float = param(0.5, 0.0, 1.0, "planner's weight with arbitration 2 (Daw 2011)")
    tau: float = param(0.08, 0.0, 1e6, "deliberation time tau (Keramati 2011: 0.08)")
    var_obs: float = param(0.05, 1e-12, 1e12, "observation variance of the habit's Kalman "
                           "filter (Keramati 2011: 0.05, rewards of 1)")
    var0: float = param(1.0, 1e-12, 1e12, "initial variance of each habitual value (1)")
    eta: float = param(1e-4, 0.0, 1.0, "evolution noise, P <- P (1 + eta) (Keramati 2011)")
    nu: float = param(0.005, 0.0, 1e12, "planner's computational noise per level (Daw 2005)")
    kalman_gain: float = param(0.0, 0.0, 1.0, "1: the habit learns with the Kalman gain "
                               "(KTD); 0: with alpha (the dual-process rule)")
    trace: float = param(0.0, 0.0, 1.0, "eligibility lambda one step back (Daw 2011)")
    value_norm: float = param(0.0, 0.0, 1.0, "1: values / max |value| before the softmax "
                              "(HRRL)")
    model_start: float = param(1.0, 0.0, 1.0, "1: the model's first visits averaged "
                               "exactly (ours); 0: HRRL's uniform start and fixed rates")

    def __post_init__(self) -> None:
        self._check_codes()

    def _check_codes(self) -> None:
        """Refuse an unknown arbitration rule, leaf rule or a fractional depth."""
        for name, allowed in (("arbitration", tuple(ARBITRATION.values())),
                              ("leaf", (0.0, 1.0)), ("model_start", (0.0, 1.0)),
                              ("depth", tuple(map(float, range(1, 11))))):
            codes = np.asarray(getattr(self, name), dtype=np.float64)
            if codes.size and not np.isin(codes, allowed).all():
                bad = codes[~np.isin(codes, allowed)].flat[0] if codes.ndim else codes
                raise ValueError(
                    f"{type(self).__name__}.{name}: got {float(bad)!r}, expected one of "
                    + ", ".join(f"{v:g}" for v in allowed))


@dataclass(frozen=True)
class ModelBasedParams(Dezfouli2009Params, PlannerParams):
    """Dezfouli's habit over state indices with the planner (scalars or (N,) arrays)."""

    epsilon_greedy: float = param(
        0.0, 0.0, 1.0, "choice rule: 0 softmax over the arbitrated values, 1 epsilon-greedy")
    presets = {
        "paper": {"homeostasis": 1.0},
        "report": {"beta": 0.3, "r_bar0": 10.0, "var_obs": 5.0, "var0": 100.0, "nu": 0.5},
    }


@dataclass(frozen=True)
class DualProcessMBParams(DualProcessParams, PlannerParams):
    """The dual-process learner with the planner (scalars or (N,) arrays)."""

    def __post_init__(self) -> None:
        ClassifierParams.__post_init__(self)
        self._check_codes()

    presets = {
        "paper": {"min_cov_samples": 25.0, "homeostasis": 1.0},
        "report": {"beta": 0.3, "r_bar0": 10.0, "burn_in": 15.0, "min_cov_samples": 25.0,
                   "var_obs": 5.0, "var0": 100.0, "nu": 0.5},
    }


class PlannerMixin:
    """Adds the learned model, the planner, the arbitration and the homeostatic state to a
    Dezfouli learner (tabular or latent-state); see the module docstring."""

    n: int
    n_states: int
    n_actions: int
    p: Any
    q: np.ndarray
    _rows: np.ndarray

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        n, a, p = self.n, self.n_actions, self.p
        s = int(getattr(self, "capacity", self.n_states))
        self.model_states = s
        # slot-major (S, N, ...) as Q: a newcomer's rows are reset the same way
        self._var = np.broadcast_to(p.var0[None, :, None], (s, n, a)).copy()
        self._r_hat = np.zeros((s, n, a))
        self._k_hat = np.zeros((s, n, a))
        self._visits = np.zeros((s, n, a))
        # transitions in the storage precision of the prototypes (float32 by default for the
        # latent-state learner, as agents/latent_state.py keeps them; arithmetic is float64)
        dtype = np.float32 if getattr(self, "precision", "float64") == "float32" else np.float64
        self._t_hat = np.zeros((s, n, a, s), dtype=dtype)
        self._t_hat[:, p.model_start < 0.5] = 1.0 / s  # HRRL's start: uniform transitions
        self.h = np.broadcast_to(p.h_min, (n,)).astype(np.float64, copy=True)
        self.h_buffer = np.zeros(n)
        self.setpoint = np.broadcast_to(p.setpoint0, (n,)).astype(np.float64, copy=True)
        self.prev_s = np.full(n, -1.0)  # the eligibility's last state-action (-1: none)
        self.prev_a = np.zeros(n)
        self.planned = np.zeros(n)  # planner's share in the value of the last choice
        self._share = np.zeros((n, a))

    # ------------------------------------------------------------------ views
    def _nsa(self, arr: np.ndarray) -> np.ndarray:
        """A slot-major (S, N, ...) array as its (N, S, ...) view."""
        return np.moveaxis(arr, 0, 1)

    @property
    def var(self) -> np.ndarray:
        """Variance of each habitual value, (N, S, A) (a view)."""
        return self._nsa(self._var)

    @property
    def r_hat(self) -> np.ndarray:
        """The model's natural reward per state-action, (N, S, A) (a view)."""
        return self._nsa(self._r_hat)

    @property
    def k_hat(self) -> np.ndarray:
        """The model's expected outcome (dose) per state-action, (N, S, A) (a view)."""
        return self._nsa(self._k_hat)

    @property
    def visits(self) -> np.ndarray:
        """Visits per state-action, (N, S, A) (a view)."""
        return self._nsa(self._visits)

    @property
    def t_hat(self) -> np.ndarray:
        """The model's transition probabilities, (N, S, A, S) (a view)."""
        return self._nsa(self._t_hat)

    def q_full(self) -> np.ndarray:
        """Q_MF over every model state, (N, S, A) (slots not yet allocated hold 0)."""
        q = self.q
        if q.shape[1] == self.model_states:
            return q
        out = np.zeros((self.n, self.model_states, self.n_actions))
        out[:, : q.shape[1]] = q
        return out

    def rho_now(self) -> np.ndarray:
        """The habit's opportunity cost per step rho = R_bar + kappa, (N,)."""
        return self.rule["r_bar"] + self.rule["kappa"]  # type: ignore[attr-defined,no-any-return]

    @property
    def withdrawal(self) -> np.ndarray:
        """How far the internal state is below its setpoint, max(0, h* - h), (N,)."""
        return np.maximum(0.0, self.setpoint - self.h)

    @property
    def habit(self) -> np.ndarray:
        """The habit's share in the value of each individual's last choice, (N,)."""
        return 1.0 - self.planned

    # ------------------------------------------------------------------ planning
    def planned_values(self, s: np.ndarray) -> np.ndarray:
        """Q_MB(s, .) of each individual by lookahead over its model, (N, A) (the kernel with
        every individual's arbitration set to the planner; the shares are left as they
        were)."""
        return self._arbitrate(np.asarray(s, np.int64), np.ones(self.n), np.empty(
            (self.n, self.n_actions)))

    def planner_variance(self, s: np.ndarray) -> np.ndarray:
        """var_MB(s, .) = var_obs / (n(s, .) + 1) + H nu (Daw 2005's direction), (N, A)."""
        p = self.p
        return (p.var_obs[:, None] / (self.visits[self._rows, s] + 1.0)
                + (p.depth * p.nu)[:, None])

    def values(self, s: np.ndarray) -> np.ndarray:
        """The arbitrated values in states ``s`` (N, A); records the planner's share per
        action for the choice that follows (agents/_mb_kernels.py)."""
        self._share = np.empty((self.n, self.n_actions))
        return self._arbitrate(np.asarray(s, np.int64), self.p.arbitration, self._share)

    def _arbitrate(self, s: np.ndarray, code: np.ndarray, share: np.ndarray) -> np.ndarray:
        """The kernel's values in states ``s`` under arbitration codes ``code`` (N,)."""
        p = self.p
        v = np.empty((self.n, self.n_actions))
        _mb_kernels.mb_values(
            s, self._q, self._var, self._r_hat, self._k_hat, self._visits, self._t_hat,
            self.h, self.setpoint, self.rho_now(), code, p.w, p.tau, p.var_obs, p.nu,
            p.depth, p.leaf, p.prune, p.homeostasis, p.drive_scale, p.drive_n, p.drive_m,
            p.model_start, v, share,
        )
        return v

    def _choice(self, v: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
        """Action probabilities (N, A) from arbitrated values ``v``."""
        p = self.p
        if (p.value_norm > 0.5).any():
            scale = np.abs(v).max(axis=1, keepdims=True)
            scale = np.where(scale > 0.0, scale, 1.0)
            v = np.where((p.value_norm > 0.5)[:, None], v / scale, v)
        soft = softmax_policy(v, p.beta, mask)
        if getattr(self, "_any_greedy", False):
            greedy = epsilon_greedy_policy(v, p.epsilon, mask)
            soft = np.where(self._greedy[:, None], greedy, soft)  # type: ignore[attr-defined]
        return soft

    def policy(self, s: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Softmax (or epsilon-greedy) over the arbitrated values, (N, A)."""
        return self._choice(self.values(s), mask)

    def act(self, s: np.ndarray, u: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        return self.act_and_p(s, u, 0, mask)[0]

    def act_and_p(self, s: np.ndarray, u: np.ndarray, col: int,
                  mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Choose from the arbitrated values; the unmasked policy's P(``col``)."""
        v = self.values(s)
        pol = self._choice(v, None)
        a = sample(pol if mask is None else self._choice(v, mask), u)
        if getattr(self, "_any_greedy", False):  # Dezfouli's paper rule: R_bar after greedy
            vv = v if mask is None else np.where(mask, v, -np.inf)
            self._explored = self._greedy & (vv[self._rows, a] < vv.max(axis=1))  # type: ignore
        self.planned = self._share[self._rows, a]
        return a, pol[:, col]

    # ------------------------------------------------------------------ learning
    def learn(self, s: np.ndarray, a: np.ndarray, r: np.ndarray, s_next: np.ndarray,
              drug: np.ndarray, cue: np.ndarray | None = None) -> Any:
        """Homeostatic reward and state, the habit's variance, its TD update (and the
        eligibility), then the model; returns the habit's step (compiled:
        agents/_mb_kernels.py)."""
        p = self.p
        s, a, s_next = (np.asarray(x, np.int64) for x in (s, a, s_next))
        r = np.asarray(r, np.float64)
        drug = np.asarray(drug, bool)
        r_h, gain = np.empty(self.n), np.empty(self.n)
        _mb_kernels.mb_learn_before(
            s, a, s_next, drug, self._q, self._var, self.h, self.h_buffer, self.setpoint,
            p.homeostasis, p.dose, p.absorption, p.degradation, p.h_min, p.setpoint0,
            p.setpoint_max, p.shift, p.recovery, p.drive_scale, p.drive_n, p.drive_m, p.eta,
            p.var_obs, r_h, gain,
        )
        step = self._habit_learn(s, a, r + r_h, s_next, drug, cue, gain)
        _mb_kernels.mb_learn_after(
            s, a, s_next, r, drug, step.delta, self._q, self.prev_s, self.prev_a,
            self._visits, self._t_hat, self._r_hat, self._k_hat, p.alpha, p.trace, p.dose,
            p.phi, p.rau, p.model_start,
        )
        return step

    def _habit_learn(self, s: np.ndarray, a: np.ndarray, r: np.ndarray, s_next: np.ndarray,
                     drug: np.ndarray, cue: np.ndarray | None, gain: np.ndarray) -> Any:
        """The habit's TD update (Dezfouli's rule: the surge in its error only), with the
        Kalman gain as its learning rate where ``kalman_gain`` is 1."""
        p = self.p
        kalman = p.kalman_gain > 0.5
        alpha = None
        if kalman.any():
            alpha = p.alpha.copy()
            p.alpha[:] = np.where(kalman, gain, alpha)
        try:
            return super().learn(s, a, r, s_next, drug, cue)  # type: ignore[misc]
        finally:
            if alpha is not None:
                p.alpha[:] = alpha

    def rest(self, ticks: int, outcome: float | np.ndarray = 0.0) -> None:
        """Advance the internal state ``ticks`` steps out of the task, with ``outcome`` per
        step (0: a home cage without the drug; > 0: free access, e.g. pre-feeding to
        satiety); no choices, nothing learned."""
        p = self.p
        k = np.broadcast_to(np.asarray(outcome, np.float64), (self.n,)).copy()
        _mb_kernels.homeostatic_rest(
            int(ticks), k, self.h, self.h_buffer, self.setpoint, p.homeostasis, p.absorption,
            p.degradation, p.h_min, p.setpoint0, p.setpoint_max, p.shift, p.recovery)

    def memory(self) -> dict[str, int]:
        """Bytes per individual: ``state`` (values, model, prototypes, histories, internal
        state) and ``parameters`` (resolved per-individual arrays); shared helpers are not
        counted."""
        derived = {"_neg_log_upsilon", "_rows", "_tri", "_iu", "_diag", "_greedy", "salience",
                   "_share"}
        state = sum(v.nbytes for k, v in vars(self).items()
                    if isinstance(v, np.ndarray) and k not in derived)
        state += sum(v.nbytes for v in getattr(self, "rule", {}).values())
        params = sum(np.asarray(getattr(self.p, f.name)).nbytes
                     for f in dataclasses.fields(self.p))
        return {"state": int(state) // self.n, "parameters": int(params) // self.n}


class ModelBased(PlannerMixin, Dezfouli2009):
    """The planner with arbitration over a tabular Dezfouli (2009) habit (state indices)."""

    name = "model_based"
    params_cls = ModelBasedParams


class DualProcessMB(PlannerMixin, LatentMixin, Dezfouli2009):
    """The dual-process learner (latent states, Dezfouli values) with the planner, the
    arbitration and the homeostatic state."""

    name = "dual_process_mb"
    params_cls = DualProcessMBParams


__all__ = ["ARBITRATION", "DualProcessMB", "DualProcessMBParams", "ModelBased",
           "ModelBasedParams", "Params", "PlannerMixin", "PlannerParams"]
