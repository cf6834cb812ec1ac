"""The two-step task (Daw et al. 2011): stay probabilities and the model-based weight.

Every arm is 100 individuals playing 200 trials (400 ticks) of envs/two_step.py with the
planner learner (agents/model_based.py, over state indices), each individual starting its
four reward walks at probabilities drawn uniformly in [0.25, 0.75] (the same draws in every
arm). Per individual the trials give the stay probabilities by the previous trial's reward
and transition, and a logistic regression (ridge 0.1 on every coefficient, Newton's method)
of "stay with the first-stage choice" on reward (+1 rewarded, -1 not), transition (+1
common, -1 rare) and their product:

    logit P(stay) = b0 + b_r reward + b_t transition + b_rt reward x transition

Model-free behaviour is a main effect of reward (b_r > 0); model-based behaviour is the
interaction (b_rt > 0: stay after a rewarded common or an unrewarded rare transition;
Daw et al. 2011, Fig. 2). The model-based weight per individual is read as
w_reg = b_rt / (|b_r| + |b_rt|) (0 for a purely model-free pattern, 1 for a purely
model-based one; ours: a regression summary, not the hybrid model's fitted w).

Arms (parameters set before any run: alpha 0.2, beta 5, eligibility lambda 1 where the
habit acts, Keramati 2011's tau 0.08 and Kalman variances 0.05 and 1, the model's rates 0.2,
depth 3, rewards of 1 so R_bar starts at 0.25):

- ``model-free``: the habit alone with lambda 1 (Daw's TD(1) prediction);
- ``model-free, lambda 0``: the ablation of the reward effect (the eligibility off);
- ``model-based``: the planner alone (``arbitration`` 1);
- ``hybrid w 0.5``: Q = 0.5 Q_MB + 0.5 Q_MF (Daw 2011's hybrid);
- ``arbitrated: voi``: Keramati 2011's value of information against rho tau;
- ``arbitrated: uncertainty``: Daw, Niv and Dayan 2005's less uncertain controller;
- ``dual_process_mb: voi``: the same arbitration over latent states (the cue face).

The planner's ablation is the ``model-free`` arm (the same learner with the planner off).
``POST_HOC`` arms (a steeper softmax, beta 20) were added after the first run and are
reported beside the verdict, never read by it.

Verdicts (rules fixed before the runs): a signature is present when the 95% bootstrap
interval of the mean coefficient lies above 0 and the coefficient is at least 0.2 (a stay
odds ratio of 1.5 between the two levels of +-1 coding); "model-free signature": b_r
present and b_r - b_rt's interval above 0; "model-based": b_rt present and b_rt - b_r's
interval above 0; "both" (the hybrid, the human pattern): b_r and b_rt present.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from addsim.envs.two_step import STARTS, TwoStepCore
from addsim.population.io.figures import figure_grid, save
from addsim.population.reproduce._common import Progress, Result, learner_for, stream, tick
from addsim.population.reproduce._survival import mean_ci
from addsim.population.rollout import TickOut, rollout

TRIALS = 200
RIDGE = 0.1  # the regression's ridge on every coefficient (a weak N(0, 10) prior)
MIN_COEF = 0.2  # the smallest coefficient that counts as a signature
BASE: dict[str, float] = {"alpha": 0.2, "beta": 5.0, "r_bar0": 0.25, "homeostasis": 0.0,
                          "trace": 1.0}
ARMS: tuple[tuple[str, str, dict[str, float], str], ...] = (
    # (label, learner, overrides, expected signature)
    ("model-free", "model_based", {"arbitration": 0.0}, "model-free"),
    ("model-free, lambda 0", "model_based", {"arbitration": 0.0, "trace": 0.0}, "none"),
    ("model-based", "model_based", {"arbitration": 1.0}, "model-based"),
    ("hybrid w 0.5", "model_based", {"arbitration": 2.0, "w": 0.5}, "both"),
    ("arbitrated: voi", "model_based", {"arbitration": 4.0}, "both"),
    ("arbitrated: uncertainty", "model_based", {"arbitration": 3.0}, "both"),
    ("dual_process_mb: voi", "dual_process_mb", {"arbitration": 4.0}, "both"),
)
PRESET_ARMS = 4  # the verdict reads the first four arms (the published signatures)
# Added after the first run (seed 0) showed the planner's interaction below the bar at
# beta 5 (0.17 [0.14, 0.20]): the same learners with a steeper softmax, reported beside the
# verdict, never read by it.
POST_HOC: tuple[tuple[str, str, dict[str, float], str], ...] = (
    ("model-free, beta 20 (post hoc)", "model_based", {"arbitration": 0.0, "beta": 20.0},
     "model-free"),
    ("model-based, beta 20 (post hoc)", "model_based", {"arbitration": 1.0, "beta": 20.0},
     "model-based"),
    ("hybrid w 0.5, beta 20 (post hoc)", "model_based",
     {"arbitration": 2.0, "w": 0.5, "beta": 20.0}, "both"),
)
COEFS = ("b0", "b_r", "b_t", "b_rt")


class Trials:
    """An ``after`` hook: each individual's first-stage choices, second-stage states and
    rewards per trial, (trials, N) each, from a rollout that starts at a first stage."""

    def __init__(self, trials: int, n: int) -> None:
        self.a1 = np.zeros((trials, n), np.int64)
        self.s2 = np.zeros((trials, n), np.int64)
        self.reward = np.zeros((trials, n))
        self.planned = np.zeros((trials, n))
        self._learner: Any = None

    def __call__(self, t: int, out: TickOut) -> None:
        k = t // 2
        if t % 2 == 0:
            self.a1[k] = out.action
            self.s2[k] = out.transition.next_state
            if self._learner is not None:
                self.planned[k] = self._learner.planned
        else:
            self.reward[k] = out.transition.reward


def logistic_ridge(x: np.ndarray, y: np.ndarray, ridge: float = RIDGE,
                   iterations: int = 50) -> np.ndarray:
    """Per-individual logistic regressions by Newton's method: ``x`` (N, T, K) design,
    ``y`` (N, T) 0/1; returns (N, K) coefficients maximising the log-likelihood minus
    ridge / 2 |b|^2."""
    n, _, k = x.shape
    b = np.zeros((n, k))
    eye = ridge * np.eye(k)
    for _ in range(iterations):
        eta = np.einsum("ntk,nk->nt", x, b)
        p = 1.0 / (1.0 + np.exp(-eta))
        grad = np.einsum("ntk,nt->nk", x, y - p) - ridge * b
        hess = np.einsum("ntk,nt,ntj->nkj", x, p * (1.0 - p), x) + eye
        step = np.linalg.solve(hess, grad[..., None])[..., 0]
        b += step
        if np.abs(step).max() < 1e-10:
            break
    return b


def stay_analysis(tr: Trials) -> dict[str, np.ndarray]:
    """Per individual: stay probabilities in the four cells and the regression's
    coefficients (the first trial has no predecessor)."""
    stay = (tr.a1[1:] == tr.a1[:-1]).astype(np.float64)  # (T - 1, N)
    rewarded = tr.reward[:-1] > 0.0
    common = tr.s2[:-1] == 1 + tr.a1[:-1]
    out: dict[str, np.ndarray] = {}
    for r_key, r_val in (("rewarded", True), ("unrewarded", False)):
        for t_key, t_val in (("common", True), ("rare", False)):
            cell = (rewarded == r_val) & (common == t_val)
            k = cell.sum(axis=0)
            out[f"stay_{r_key}_{t_key}"] = np.where(
                k > 0, (stay * cell).sum(axis=0) / np.maximum(k, 1), np.nan)
    r = np.where(rewarded, 1.0, -1.0).T
    c = np.where(common, 1.0, -1.0).T
    x = np.stack([np.ones_like(r), r, c, r * c], axis=2)
    b = logistic_ridge(x, stay.T)
    for j, name in enumerate(COEFS):
        out[name] = b[:, j]
    out["w_reg"] = b[:, 3] / np.maximum(np.abs(b[:, 1]) + np.abs(b[:, 3]), 1e-12)
    return out


def play(name: str, over: dict[str, float], n: int, seed: int, key: int,
         starts: np.ndarray, trials: int = TRIALS, learner: Any = None
         ) -> tuple[Trials, Any]:
    """``trials`` trials of the two-step task for learner ``name`` (or ``learner``, already
    built, e.g. carrying a drug history) with per-individual walk starts ``starts`` (N, 4)."""
    core = TwoStepCore(n, **{k: starts[:, j] for j, k in enumerate(STARTS)})
    if learner is None:
        learner = learner_for(name, core, preset="paper", **{**BASE, **over})
    log = Trials(trials, n)
    log._learner = learner
    rollout(learner, core, 2 * trials, stream(seed, 41, key), after=log)
    return log, learner


def walk_starts(n: int, seed: int) -> np.ndarray:
    """Each individual's four starting reward probabilities, uniform in [0.25, 0.75]."""
    return stream(seed, 40).uniform(0.25, 0.75, (n, 4))


def signature(summary: dict[str, Any]) -> str:
    """"both", "model-free", "model-based" or "none" by the module's rules."""
    def present(e: dict[str, Any]) -> bool:
        return bool(e["ci"][0] > 0.0 and e["mean"] >= MIN_COEF)

    r, rt = present(summary["b_r"]), present(summary["b_rt"])
    diff = summary["b_r-b_rt"]["ci"]
    if r and rt:
        return "both"
    if r and diff[0] > 0.0:
        return "model-free"
    if rt and diff[1] < 0.0:
        return "model-based"
    return "none"


def summarise(a: dict[str, np.ndarray], seed: int) -> dict[str, Any]:
    """Means with bootstrap intervals of every per-individual measure."""
    out: dict[str, Any] = {}
    for key, v in a.items():
        ok = v[np.isfinite(v)]
        out[key] = mean_ci(ok, seed=seed) if ok.size else None
    out["b_r-b_rt"] = mean_ci(a["b_r"] - a["b_rt"], seed=seed)
    return out


def two_step(n: int = 100, seed: int = 0, progress: Progress | None = None) -> Result:
    """Every arm: stay probabilities, regression coefficients and w_reg, with intervals."""
    starts = walk_starts(n, seed)
    rows, summary = [], {}
    for k, (label, name, over, expected) in enumerate(ARMS + POST_HOC):
        log, _ = play(name, over, n, seed, k, starts)
        a = stay_analysis(log)
        s = summarise(a, seed)
        s["planned_share_first_20"] = mean_ci(log.planned[:20].mean(axis=0), seed=seed)
        s["planned_share"] = mean_ci(log.planned[TRIALS // 2:].mean(axis=0), seed=seed)
        s["signature"] = signature(s)
        s["expected"] = expected
        s["as_published"] = s["signature"] == expected
        summary[label] = s
        rows.append(pd.DataFrame({"arm": label, "individual": np.arange(n),
                                  **{key: a[key] for key in a}}))
        tick(progress)
    summary["verdict"] = {
        "rule": "signature from the coefficients' intervals (module docstring)",
        "label": "reproduced" if all(summary[lab]["as_published"]
                                     for lab, *_ in ARMS[:PRESET_ARMS]) else "not reproduced",
        "signatures": {lab: summary[lab]["signature"] for lab, *_ in ARMS + POST_HOC},
    }
    return Result(pd.concat(rows, ignore_index=True), summary)


CELLS = ("rewarded_common", "rewarded_rare", "unrewarded_common", "unrewarded_rare")


def plot(frame: pd.DataFrame, path: Path) -> None:
    """Stay probabilities by previous reward and transition, one panel per arm (Daw et al.
    2011's Fig. 2 layout)."""
    arms = list(dict.fromkeys(frame["arm"]))
    fig, axes = figure_grid(len(arms), 4.0, per_row=4)
    for ax, arm in zip(axes, arms, strict=True):
        g = frame[frame["arm"] == arm]
        means = [g[f"stay_{c}"].mean() for c in CELLS]
        ax.bar([0, 1, 3, 4], means, color=["0.25", "0.7", "0.25", "0.7"])
        ax.set_xticks([0.5, 3.5], ["rewarded", "unrewarded"])
        ax.set(ylim=(0.4, 1.0), title=arm)
        ax.title.set_fontsize(8)
    axes[0].set_ylabel("P(stay); dark common, light rare")
    save(fig, path)


__all__ = ["ARMS", "POST_HOC", "logistic_ridge", "plot", "stay_analysis", "two_step"]
