"""Latent-state inference: Pettine et al. (2023) prototypes with Redish et al. (2007) TD.

Pettine, Raman, Redish and Murray (2023), "Human generalization of internal representations
through prototype learning with goal-directed attention", Nat Hum Behav (code:
murraylab/instrumentalLatentStateLearning, simulations/algorithmicmodels.py); Redish, Jensen,
Johnson and Kurth-Nelson (2007), "Reconciling reinforcement learning models with behavioral
extinction and renewal", Psychol Rev.

Each individual keeps up to K latent states, each with a prototype mu_i, covariance Sigma_i
(new state: mu = cue, Sigma = sigma0 * I) and action values Q_i. For a cue x:

    z_i     = (1 - b) * (x - mu_i)
    D2_i(w) = (w * z_i)^T Sigma_i^-1 (w * z_i)      (attention w weights each feature's deviation)
    F_i(w)  = 0.5 * (ln 2 pi + ln det Sigma_i) + 0.5 * D2_i(w)    (-ln A_i, Pettine's normaliser)
    candidates: F_i(w_0) <= -ln(1e-100), screened with the BASELINE weights w_0 (Pettine's
        stateCandidates: uniform weights), w_0 = attention * salience (below)
    a new state when there is no candidate or min over candidates of F_i(w_A) > theta, only
        after ``burn_in`` observations in total, with
        and F_0 = 0.5 * (ln 2 pi + d ln sigma0) + d / 2, a fresh prototype's mean surprise
        over the cues it predicts (E[D2] = d)
        theta = (1 - c f) * (-ln upsilon) + c f * F_0,  c = ``creation_bias``
    otherwise a state by softmax over A_i / sum A = softmax(-F(w_A)) among the candidates,
        inverse temperature beta_s = (1 - f_fast) * beta_state + f_fast * beta_state_min

The negative-error history is ONE trace per individual (Pettine 2023), reset to 0 when a state
is created (otherwise creation runs away):

    dbar_fast <- 0.981 dbar_fast + 2.85 min(delta, 0) / rpe_scale
    dbar_slow <- 0.994 dbar_slow + 0.9  min(delta, 0) / rpe_scale
    dbar_eff   = min(0, dbar_fast - dbar_slow)
    f          = min(1, min(0, dbar_eff + 4) / -8)        f_fast: the same of dbar_fast

``rpe_scale`` (5) puts this task's errors (rewards of about 10) on the scale of Pettine's 0/1
rewards, for which the constants were set. The history acts in three places, each from a paper:

- attention (Pettine 2023, calcWA): w_A = (1 - f) * w_k + f per feature, so sustained
  disappointment makes the individual attend to every feature, faint ones included;
- the state-choice temperature (Pettine's code, getBetaState): beta_s falls from
  ``beta_state`` towards ``beta_state_min`` with the fast trace, so sustained disappointment
  makes the individual try the other situations it knows. Pettine's published examples leave
  it fixed (``beta_state_min`` = ``beta_state``, the default here); no published example
  gives a value. We first set 0 (a uniform choice at full disappointment, by symmetry with
  attention); measured on the protocols it removes one-dose reinstatement (0.197 -> 0.002,
  seed 0), so the default follows the published examples and every latent-state protocol
  reports the arm with it falling to 0 (population/reproduce/_controls.py);
- creation (Redish 2007: a running average of negative errors biases situation recognition
  towards a new situation): the new-state threshold falls from -ln(upsilon) towards F_0. At
  full disappointment a new state opens as soon as a fresh prototype would explain the cue
  at least as well as the best state known (the comparison a latent-cause prior makes,
  Gershman, Blei and Niv 2010), never for a cue that a known state explains better, so the
  bias cannot open states without end. Redish gives the direction, not a formula: this
  form is ours.

``history = 0`` switches the trace off (all three effects): the ablation of the mechanism;
``creation_bias = 0`` ablates the Redish part alone.

Per-feature attention (Pettine 2023): w_k = salience * ((1 - xi_cw) * eta_k + xi_cw), with
eta_k the informativeness of feature k about the latent state: the share of its variance the
ESTABLISHED states explain (states holding at least ``min_cov_samples`` rewarded cues; a
prototype of a few noisy cues says nothing yet), between_k / (between_k + within_k), with
between_k the variance of the established prototypes' means and within_k their mean variance.
For Gaussian features eta = 1 - exp(-2 MI), a monotone map of Pettine's mutual information
onto [0, 1], computed from the prototypes instead of a histogram of past trials. With fewer
than two established states every w_k is the baseline w_0 = attention * salience. ``attention``
is 1 here (Pettine's code uses 0.5 on his cue scale; with 0.5 a third of individuals lump the
drug state's cue into the choice state's, measured on the relapse protocol before this
version). ``salience`` (the task's ``cue_salience``, 1 per feature unless the task shows a
feature faintly, e.g. the gambling payout) is a property of the stimulus, not of the learner.

New states' action values (``new_values``): 1 ``copy`` (default): the values of the state the
new one splits from (the least surprising state under w_A). Average-reward values
(Dezfouli 2009) have no absolute zero: they drift with R_bar, so an empty state valued at 0
beside established states valued near +100 would prefer any action at random; a copy keeps
the individual's value scale, and the new situation starts as the one it was told apart from.
0 ``zero``: Pettine's code (agentState.action_values = zeros), the control every latent-state
protocol runs; 2 ``prior mean``: the mean of Q over the established states (all states in
use when none is established).

Order within a tick: the learner classifies the new observation, then learns the pending
transition into the state found (rollout.Stepper). This is the papers' order: the TD error
of Redish 2007 is delta(t) = r + gamma V(S(t)) - V(S(t-1)) with S(t) the situation just
recognised, so classification must come first; in Pettine's trials the stimulus is
classified before the outcome arrives. An outcome informs its own classification through the
observation (the dose and payout features of the tasks, Gershman, Blei and Niv 2010), and
informs later classifications through the history.

Prototypes follow the cues assigned to the state on rewarded steps (sensed reward
r + D * drug > 0; Pettine updates from correct, rewarded trials): mean and covariance over a
horizon of ``window`` cues, kept as a running estimate (exact average for the first ``window``
cues, then an exponential average with weight 1 / window; tested against the windowed form),
plus a ridge (1e-4 / n) I. The covariance replaces sigma0 * I once ``min_cov_samples`` cues
are in (a one-cue covariance is degenerate).

``LatentState`` evaluates values with Redish (2004)'s discounted error and surge;
``DualProcess`` (agents/dual_process.py) with Dezfouli (2009)'s average-reward error.
Capacity exhaustion is counted per individual (``overflow``), never silent.

Storage: slots are allocated as they are first used and filled in order (slot k is in use iff
k < n_active), covariance and precision keep only their upper triangle, and prototypes (mu,
Sigma, Sigma^-1, ln det, counts) are stored as float32 by default (``precision="float64"`` for
the exact replay against tests/reference.py). All arithmetic is float64 and Q stays float64;
tests/test_speed_accuracy.py bounds the float32 difference.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from addsim.agents import _kernels
from addsim.agents._base import Params, Step, param
from addsim.agents._kernels import history_factor
from addsim.agents.redish2004 import Redish2004, Redish2004Params
from addsim.agents.tabular import Learner

PRECISIONS = {"float32": np.float32, "float64": np.float64}  # storage of the prototypes
NEW_VALUES = {"zero": 0.0, "copy": 1.0, "prior mean": 2.0}  # codes of ``new_values``


@dataclass(frozen=True)
class ClassifierParams(Params):
    """Parameters of the latent-state classifier (scalars or per-individual arrays)."""

    sigma0: float = param(0.25, 1e-6, 1e3, "variance of a new state's prototype (Sigma = s I)")
    b: float = param(0.0, 0.0, 0.999, "deviation discount b (0.98 in the paper's examples)")
    upsilon: float = param(0.1, 1e-300, 1.0, "new-state threshold: min F > -ln(upsilon)")
    burn_in: float = param(75.0, 0.0, 65535.0, "observations before any new state after the first")
    beta_state: float = param(50.0, 0.0, 1e4, "inverse temperature of the state choice")
    beta_state_min: float = param(
        50.0, 0.0, 1e4, "state-choice inverse temperature at full disappointment (Pettine's "
        "code; = beta_state: fixed, as in his examples; 0: uniform among candidates)"
    )
    window: float = param(75.0, 1.0, 1e6, "horizon (rewarded cues) of a prototype")
    ridge: float = param(1e-4, 0.0, 1.0, "ridge added to a prototype covariance, / n")
    min_cov_samples: float = param(25.0, 2.0, 1e6, "cues before the covariance replaces sigma0")
    attention: float = param(1.0, 0.0, 1.0, "baseline attention per feature (times salience)")
    xi_cw: float = param(0.0, 0.0, 1.0, "w_k = (1 - xi_cw) eta_k + xi_cw (0: informative only)")
    rpe_scale: float = param(5.0, 1e-6, 1e6, "error units of the history (Pettine's 0/1 scale)")
    history: float = param(1.0, 0.0, 1.0, "1: negative-error history on; 0: off (ablation)")
    creation_bias: float = param(
        1.0, 0.0, 1.0, "Redish 2007's bias: the share of the way the new-state threshold "
        "falls towards a fresh state's own surprise at full disappointment (0: off)"
    )
    new_values: float = param(
        1.0, 0.0, 2.0, "a new state's Q: 0 zero (Pettine), 1 copy of the state it splits "
        "from, 2 mean over the established states"
    )

    def __post_init__(self) -> None:
        codes = np.asarray(self.new_values, dtype=np.float64)
        if codes.size and not np.isin(codes, tuple(NEW_VALUES.values())).all():
            raise ValueError(
                f"{type(self).__name__}.new_values: got {codes.flat[0]!r}, expected one of "
                + ", ".join(f"{v:g} ({k})" for k, v in NEW_VALUES.items())
            )


@dataclass(frozen=True)
class LatentStateParams(Redish2004Params, ClassifierParams):
    """Parameters of the latent-state learner: Redish (2004) values over latent states."""

    beta: float = param(15.0, 0.0, 1e3, "softmax inverse temperature of actions")

    presets = {
        "paper": {"min_cov_samples": 25.0},
        "report": {"beta": 0.1, "burn_in": 15.0, "min_cov_samples": 25.0},
    }


class LatentMixin:
    """Adds latent-state inference to a :class:`Learner`: Q rows are latent states."""

    uses_cue = True
    n: int
    n_actions: int
    p: Any
    q: np.ndarray
    _q: np.ndarray
    _rows: np.ndarray

    def __init__(
        self,
        n: int,
        cue_dim: int,
        n_actions: int,
        params: Params | None = None,
        capacity: int = 8,
        precision: str = "float32",
        salience: Sequence[float] | np.ndarray | None = None,
        **kwargs: Any,
    ) -> None:
        if int(capacity) != capacity or capacity < 1:
            raise ValueError(f"capacity: got {capacity!r}, expected a whole number >= 1")
        if precision not in PRECISIONS:
            raise ValueError(f"precision: got {precision!r}, expected one of {list(PRECISIONS)}")
        super().__init__(n, int(capacity), n_actions, params)  # type: ignore[call-arg]
        d = int(cue_dim)
        sal = np.ones(d) if salience is None else np.asarray(salience, dtype=np.float64)
        if sal.shape != (d,) or not (np.isfinite(sal).all() and (sal >= 0).all()
                                      and (sal <= 1).all()):
            raise ValueError(f"salience: got {sal.tolist()!r}, expected {d} values in [0, 1]")
        self.salience = sal
        self.capacity, self.cue_dim, self.precision = int(capacity), d, precision
        # Slots are allocated as they are used: ``k`` planes with the last one always free for
        # everyone (until ``capacity``), so memory follows the most states anyone holds.
        k = min(self.capacity, 2)
        self._q = np.zeros((k, self.n, n_actions))
        dt = PRECISIONS[precision]
        # Stored slot-major (K, N, ...) so a compiled pass over individuals streams each slot;
        # the attributes below are (N, K, ...) views of the same memory. Slots grow by
        # reallocation (see _grow), so a view is valid until the next observe(): re-read the
        # attribute each tick rather than keeping it. Covariance and
        # precision are symmetric: only the upper triangle is kept, entry (j, m) at tri[j, m].
        iu = np.triu_indices(d)
        self._iu = iu
        self._tri = np.zeros((d, d), dtype=np.int64)
        self._tri[iu] = np.arange(len(iu[0]))
        self._tri[iu[1], iu[0]] = np.arange(len(iu[0]))
        self._diag = self._tri[np.arange(d), np.arange(d)]
        self._n_active = np.zeros(self.n, dtype=np.uint8)  # slots in use (filled in order)
        self._mu = np.zeros((k, self.n, d), dtype=dt)
        self._cov = np.zeros((k, self.n, len(iu[0])), dtype=dt)  # covariance of rewarded cues
        self._prec = np.zeros((k, self.n, len(iu[0])), dtype=dt)  # Sigma^-1
        self._logdet = np.zeros((k, self.n), dtype=dt)  # ln det Sigma
        self._count = np.zeros((k, self.n), dtype=dt)  # rewarded cues in it (capped at window)
        self.n_obs = np.zeros(self.n, dtype=np.uint16)  # counted up to N_OBS_CAP >= burn_in
        self.dbar_fast = np.zeros(self.n, dtype=dt)  # the history, stored as the prototypes
        self.dbar_slow = np.zeros(self.n, dtype=dt)
        self.overflow = np.zeros(self.n, dtype=np.int32)
        self._neg_log_upsilon = -np.log(self.p.upsilon)  # the new-state threshold on min F

    @property
    def slots(self) -> int:
        """Latent-state slots allocated so far (grows up to ``capacity``)."""
        return self._mu.shape[0]

    def _grow(self) -> None:
        """Add a free slot plane once anyone uses the last one (keeps one free for creation)."""
        if self.slots >= self.capacity or not (self._n_active >= self.slots).any():
            return
        for name in ("_mu", "_cov", "_prec", "_logdet", "_count", "_q"):
            old = getattr(self, name)
            new = np.zeros((old.shape[0] + 1, *old.shape[1:]), dtype=old.dtype)
            new[:-1] = old
            setattr(self, name, new)

    @property
    def active(self) -> np.ndarray:
        """Slots in use, (N, K) bool (computed: slot k is in use iff k < n_active)."""
        return np.arange(self.slots)[None, :] < self._n_active[:, None]

    @property
    def established(self) -> np.ndarray:
        """Slots holding at least ``min_cov_samples`` rewarded cues, (N, K) bool."""
        return self.active & (self.count >= self.p.min_cov_samples[:, None])

    @property
    def mu(self) -> np.ndarray:
        """Prototype means, (N, K, d) (a view)."""
        return self._mu.transpose(1, 0, 2)

    @property
    def cov(self) -> np.ndarray:
        """Running covariances of the rewarded cues, (N, K, d, d) (unpacked: a copy)."""
        return self._cov[..., self._tri].transpose(1, 0, 2, 3)

    @property
    def prec(self) -> np.ndarray:
        """Precisions Sigma^-1, (N, K, d, d) (unpacked: a copy)."""
        return self._prec[..., self._tri].transpose(1, 0, 2, 3)

    def memory(self) -> dict[str, int]:
        """Bytes held per individual: learning ``state`` (values, prototypes, histories) and
        ``parameters`` (the resolved per-individual parameter arrays and what derives from
        them); shared index helpers are not counted."""
        derived = {"_neg_log_upsilon", "_rows", "_tri", "_iu", "_diag", "_greedy", "salience"}
        state = sum(
            v.nbytes for k, v in vars(self).items()
            if isinstance(v, np.ndarray) and k not in derived
        )
        state += sum(v.nbytes for v in getattr(self, "rule", {}).values())
        params = self._neg_log_upsilon.nbytes + sum(
            np.asarray(getattr(self.p, f.name)).nbytes for f in dataclasses.fields(self.p)
        )
        return {"state": int(state) // self.n, "parameters": int(params) // self.n}

    @property
    def logdet(self) -> np.ndarray:
        """ln det Sigma, (N, K) (a view)."""
        return self._logdet.T

    @property
    def count(self) -> np.ndarray:
        """Rewarded cues in each prototype's estimate, (N, K) (a view)."""
        return self._count.T

    @property
    def n_latent(self) -> np.ndarray:
        """Latent states in use per individual, shape (N,)."""
        return self._n_active.astype(np.int64)

    @property
    def dbar_eff(self) -> np.ndarray:
        """Effective negative-error history min(0, fast - slow), shape (N,)."""
        fast, slow = self.dbar_fast.astype(np.float64), self.dbar_slow.astype(np.float64)
        return np.minimum(0.0, fast - slow)

    def observe(self, obs: np.ndarray, u: np.ndarray | None = None) -> np.ndarray:
        """Classify cues ``obs`` (N, d) into latent states, creating one where needed."""
        x = np.asarray(obs, dtype=np.float64)
        z = self._observe_fused(x, u)
        self._grow()
        return z

    def _observe_fused(self, x: np.ndarray, u: np.ndarray | None) -> np.ndarray:
        """:meth:`observe` as one compiled loop over individuals (agents/_kernels.py)."""
        p = self.p
        if x.shape != (self.n, self.cue_dim) or (u is not None and np.shape(u) != (self.n,)):
            raise ValueError(
                f"observe: got cues {x.shape} and uniforms {np.shape(u)}, expected "
                f"({self.n}, {self.cue_dim}) and ({self.n},)"
            )
        z = np.empty(self.n, dtype=np.int64)
        _kernels.latent_observe(
            np.ascontiguousarray(x), np.zeros(1) if u is None else np.asarray(u, np.float64),
            u is not None, self._n_active, self._mu, self._cov, self._prec, self._logdet,
            self._count, self._q, self.n_obs, self.dbar_fast, self.dbar_slow,
            self.overflow, p.b, p.attention, self.salience, p.xi_cw, p.min_cov_samples,
            self._neg_log_upsilon, p.creation_bias, p.burn_in, p.beta_state,
            p.beta_state_min, p.sigma0, p.new_values, _kernels.dim(self.cue_dim), z,
        )
        return z

    def learn(
        self,
        s: np.ndarray,
        a: np.ndarray,
        r: np.ndarray,
        s_next: np.ndarray,
        drug: np.ndarray,
        cue: np.ndarray | None = None,
    ) -> Step:
        """TD update over latent states, then the prototype of ``s`` and the error history."""
        return self._learn_fused(s, a, r, s_next, drug, cue)

    def _learn_fused(
        self,
        s: np.ndarray,
        a: np.ndarray,
        r: np.ndarray,
        s_next: np.ndarray,
        drug: np.ndarray,
        cue: np.ndarray | None,
    ) -> Step:
        """:meth:`learn` as one compiled loop over individuals (agents/_kernels.py)."""
        p, n = self.p, self.n
        arrays = (s, a, r, s_next, drug)
        if any(np.shape(v) != (n,) for v in arrays) or (
            cue is not None and np.shape(cue) != (n, self.cue_dim)
        ):
            raise ValueError(f"learn: expected ({n},) arrays and ({n}, {self.cue_dim}) cues")
        rule = getattr(self, "fused_rule", 0)
        if getattr(self, "_any_greedy", False):
            rule = 0  # the paper's R_bar gate (Dezfouli's after()) runs in numpy
        if rule == 0:  # a value rule without a fused form: TD in numpy, the rest compiled
            delta = super().learn(s, a, r, s_next, drug).delta  # type: ignore[misc]
        else:
            delta = np.empty(n)
        none = np.zeros(n)
        rule_state = getattr(self, "rule", {})
        x = np.zeros((1, self.cue_dim)) if cue is None else np.asarray(cue, np.float64)
        _kernels.latent_learn(
            rule, np.asarray(s, np.int64), np.asarray(a, np.int64),
            np.asarray(s_next, np.int64), np.ascontiguousarray(x), np.asarray(r, np.float64),
            np.asarray(drug, bool), delta, cue is not None, self._q, p.alpha,
            getattr(p, "surge", none), getattr(p, "gamma", none),
            rule_state.get("r_bar", none), rule_state.get("kappa", none),
            getattr(p, "sigma", none), getattr(p, "lam", none),
            getattr(p, "kappa_target", none), p.window, p.min_cov_samples, p.ridge, self._mu,
            self._cov, self._prec, self._tri, self._logdet, self._count,
            p.rpe_scale, p.history, self.dbar_fast, self.dbar_slow,
            _kernels.dim(self.cue_dim),
        )
        return Step(delta=delta)

class LatentState(LatentMixin, Redish2004):
    """Latent-state learner (Redish 2007 + Pettine 2023) with Redish (2004) values."""

    name = "latent_state"
    params_cls = LatentStateParams


__all__ = ["NEW_VALUES", "ClassifierParams", "LatentMixin", "LatentState", "LatentStateParams",
           "Learner", "history_factor"]
