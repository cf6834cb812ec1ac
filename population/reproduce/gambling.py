"""Item 6 of docs/reproductions.md: late betting after win streaks, and the win/loss split.

The report's claim: losses are assigned to one latent state while the individual keeps
chasing the highly valued win state (Redish et al. 2007). For that the outcome must be
observable: the gambling cue shows the payout after a bet, faintly (envs/gambling.py:
baseline attention 0.05 on that feature), so at baseline wins and losses look alike and only
attention raised by the negative-error history tells them apart; the payout is collected on
leaving the outcome state, so an outcome state's value is its payout's.

Arms (every arm shares one random stream: the same individuals' draws, paired): the
dual-process learner, the Dezfouli control (the same value rule without latent states), and
the dual-process controls of protocol 4c: ``history off``, ``new values zero`` and the
history's parts (``reward-constant`` does not apply: the task has no natural reward to
change; betting's alternative pays 0 throughout). Streak lengths 100, 200, 400 ticks of
p_win 0.75 from tick 800, 2,000 ticks in all.

Measured, per protocol 6:

- the split BY OUTCOME within time blocks: per individual, its win-mode state (the latent
  state most of its wins are seen in), and within each ``BLOCK``-tick block holding both
  outcomes P(win-mode state | win) - P(win-mode state | loss), averaged over its blocks
  (a split that only separates early from late outcomes gives 0 here);
- the values of the two states: V = max_a Q of the win-mode and of the loss-mode state at
  the end, among individuals whose modes differ (win above loss?);
- late betting by streak at a FIXED LAG after each streak (mean P(bet) over ticks 600-800
  after the streak ended), paired across streak lengths; and the rise 400 - 100 of the
  dual-process learner against the Dezfouli control's.

The verdicts: the streak effect (rise at the fixed lag) and the split by outcome, each by
4c's rules (population/reproduce/_controls.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from addsim.envs.gambling import GamblingCore
from addsim.population.io.figures import figure_grid, save
from addsim.population.reproduce import _controls as ctl
from addsim.population.reproduce._common import (
    Progress,
    Result,
    check_arms,
    learner_for,
    stream,
    tick,
)
from addsim.population.reproduce._survival import difference_ci, mean_ci, wilson
from addsim.population.rollout import TickOut, rollout

STREAKS = (100, 200, 400)
GAMBLING_TICKS, STREAK_START, STREAK_P_WIN = 2000, 800, 0.75
LAG = (600, 800)  # the late-betting window, in ticks after the streak ends
BLOCK = 50  # ticks per block of the split by outcome
BEFORE = 50  # ticks before the streak whose modal choice state is the "acquisition" state
ARMS: tuple[tuple[str, dict[str, float]], ...] = (
    ("dual_process", {}),
    ("dezfouli2009", {}),
    *((label, over) for label, over, constant in ctl.DUAL_ARMS
      if label != "dual_process" and not constant),
)
WIN, LOSS = 1, 2  # GamblingCore's outcome states


class _Outcomes:
    """Per tick and individual, the outcome seen (0 none, 1 win, 2 loss) and the latent state
    it is seen in (the state classified on arriving in the outcome state)."""

    def __init__(self, ticks: int, n: int) -> None:
        self.kind = np.zeros((ticks, n), dtype=np.int8)
        self.z = np.zeros((ticks, n), dtype=np.int16)
        self._prev = np.zeros(n, dtype=np.int64)  # the state each individual is moving to
        self.choice = ctl.ChoiceStates(ticks, n)

    def __call__(self, t: int, out: TickOut) -> None:
        self.kind[t] = np.where(self._prev == WIN, WIN, np.where(self._prev == LOSS, LOSS, 0))
        self.z[t] = out.z
        self._prev = np.asarray(out.transition.next_state)
        self.choice(t, out)

    def mode(self, kind: int) -> np.ndarray:
        """Each individual's most frequent latent state for ``kind`` outcomes (-1: none)."""
        n = self.kind.shape[1]
        out = np.full(n, -1, dtype=np.int64)
        k = int(self.z.max()) + 1
        counts = np.zeros((n, k), dtype=np.int64)
        tt, ii = np.nonzero(self.kind == kind)
        np.add.at(counts, (ii, self.z[tt, ii].astype(np.int64)), 1)
        seen = counts.sum(axis=1) > 0
        out[seen] = counts[seen].argmax(axis=1)
        return out

    def split_by_outcome(self) -> np.ndarray:
        """Per individual, the mean over its blocks holding both outcomes of P(win-mode state
        | win) - P(win-mode state | loss); NaN where no block holds both."""
        win_mode = self.mode(WIN)
        ticks, n = self.kind.shape
        total, blocks = np.zeros(n), np.zeros(n)
        in_mode = self.z == win_mode[None, :]
        for b in range(0, ticks, BLOCK):
            kind, mode = self.kind[b:b + BLOCK], in_mode[b:b + BLOCK]
            wins, losses = (kind == WIN).sum(axis=0), (kind == LOSS).sum(axis=0)
            both = (wins > 0) & (losses > 0)
            p_w = ((kind == WIN) & mode).sum(axis=0) / np.maximum(wins, 1)
            p_l = ((kind == LOSS) & mode).sum(axis=0) / np.maximum(losses, 1)
            total += np.where(both, p_w - p_l, 0.0)
            blocks += both
        return np.where(blocks > 0, total / np.maximum(blocks, 1), np.nan)


def _split_summary(rec: _Outcomes, learner: Any, seed: int) -> dict[str, Any]:
    """The split by outcome within blocks and the win- and loss-mode states' values."""
    split = rec.split_by_outcome()
    ok = np.isfinite(split)
    win, loss = rec.mode(WIN), rec.mode(LOSS)
    apart = (win >= 0) & (loss >= 0) & (win != loss)
    idx = np.flatnonzero(apart)
    v = np.asarray(learner.q).max(axis=2)
    out: dict[str, Any] = {
        "with_blocks": int(ok.sum()),
        "split_by_outcome": mean_ci(split[ok], seed=seed) if ok.any() else None,
        "modes_differ": float(apart.mean()),
        "modes_differ_ci": wilson(int(apart.sum()), apart.size),
    }
    if idx.size:
        out["value_win_state"] = mean_ci(v[idx, win[idx]], seed=seed)
        out["value_loss_state"] = mean_ci(v[idx, loss[idx]], seed=seed)
        out["win-loss_value"] = mean_ci(v[idx, win[idx]] - v[idx, loss[idx]], seed=seed)
    return out


def _acting(rec: _Outcomes, streak: int) -> dict[str, Any]:
    """Where individuals act at the choice state in the fixed-lag window: in their state of
    the last ``BEFORE`` ticks before the streak, in one created since, or in another."""
    z = rec.choice.z
    before = ctl.modal_state(z[STREAK_START - BEFORE:STREAK_START])
    lo, hi = STREAK_START + streak + LAG[0], STREAK_START + streak + LAG[1]
    late = ctl.modal_state(z[lo:hi])
    n_before = z[:STREAK_START].max(axis=0).astype(np.int64) + 1  # states seen acting so far
    kinds = np.where(late == before, 0, np.where(late >= n_before, 1, 2))
    out: dict[str, Any] = {"n": int(late.size), "reached": int(late.size)}
    for code, name in enumerate(("acquisition", "created_in_test", "other")):
        k = int((kinds == code).sum())
        out[name] = k / late.size
        out[f"{name}_ci"] = wilson(k, late.size)
    return out


def gambling(n: int = 100, seed: int = 0, progress: Progress | None = None,
             arms: Sequence[str] | None = None) -> Result:
    """Every arm at each streak length; rows of mean P(bet) per tick, the summary above.
    ``arms``: only these of ARMS' labels (every arm shares one stream, so an arm's numbers do
    not depend on which others run); the summary then has the comparison of the
    dual-process and Dezfouli rises where both ran, and the verdicts only when every arm
    did."""
    labels = [label for label, _ in ARMS]
    check_arms(arms, labels)
    rows, summary = [], {}
    base = GamblingCore.conditions_spec["p_win"].default
    rises: dict[str, dict[str, Any]] = {}
    splits: dict[str, dict[str, Any]] = {}
    acting = None
    for label, over in ARMS:
        if arms is not None and label not in arms:
            continue
        name = label.split("/")[0]
        late: dict[int, np.ndarray] = {}
        out: dict[str, Any] = {}
        for streak in STREAKS:
            end = STREAK_START + streak
            sched = {STREAK_START: {"p_win": STREAK_P_WIN}, end: {"p_win": base}}
            core = GamblingCore(n)
            agent = learner_for(name, core, **over)
            rec = _Outcomes(GAMBLING_TICKS, n)
            res = rollout(agent, core, GAMBLING_TICKS, stream(seed, 7, 0), sched,
                          keep_individual=True, after=rec)
            assert res.p_individual is not None
            rows.append(pd.DataFrame({
                "learner": name, "arm": label, "streak": streak,
                "t": np.arange(GAMBLING_TICKS), "p_bet": res.p_addictive,
            }))
            late[streak] = res.p_individual[end + LAG[0]:end + LAG[1]].mean(axis=0)
            out[str(streak)] = {"late_bet": mean_ci(late[streak], seed=seed)}
            if hasattr(agent, "n_latent"):
                out[str(streak)]["wins_and_losses"] = _split_summary(rec, agent, seed)
                out[str(streak)]["acting_state"] = _acting(rec, streak)
            tick(progress)
        for hi, lo in ((200, 100), (400, 200), (400, 100)):
            out[f"{hi}-{lo}"] = mean_ci(late[hi] - late[lo], seed=seed)  # paired
        rise = late[400] - late[100]
        key = "model-free" if label == "dezfouli2009" else label
        rises[key] = {"rise": rise, **ctl.effect(out["400-100"]["mean"], out["400-100"]["ci"])}
        if "wins_and_losses" in out["400"]:
            sp = out["400"]["wins_and_losses"]["split_by_outcome"]
            splits[key] = ctl.effect(sp["mean"], sp["ci"]) if sp is not None else None
        if label == "dual_process":
            acting = out["400"]["acting_state"]
        summary[label] = out
    if {"dual_process", "model-free"} <= rises.keys():
        summary["dual_process-dezfouli2009_rise"] = difference_ci(
            rises["dual_process"]["rise"], rises["model-free"]["rise"], seed=seed)
    if arms is not None and not set(labels) <= set(arms):  # the verdicts need every arm
        return Result(pd.concat(rows, ignore_index=True), summary)
    rise_effects = {k: {"value": v["value"], "ci": v["ci"]} for k, v in rises.items()}
    split_main = summary["dual_process"]["400"]["wins_and_losses"]
    values = split_main.get("win-loss_value")
    split_verdict = ctl.verdict(splits, None, success="by situation recognition")
    if split_verdict["label"] != "not reproduced" and (values is None or values["ci"][0] <= 0):
        split_verdict["causes"].append("the win state is not valued above the loss state")
        split_verdict["label"] = "by another cause"
    summary["verdict"] = {
        "streak": {"effect": f"late P(bet) {LAG[0]}-{LAG[1]} ticks after the streak, 400 minus "
                   "100 ticks of streak (paired)", **ctl.verdict(rise_effects, acting)},
        "split": {"effect": f"P(win-mode state | win) - P(win-mode state | loss) within "
                  f"{BLOCK}-tick blocks (streak 400)", **split_verdict},
    }
    return Result(pd.concat(rows, ignore_index=True), summary)


def plot(frame: pd.DataFrame, path: Path) -> None:
    """P(bet) over time (20-tick rolling mean): one panel per arm, a line per streak length,
    the streak shaded."""
    arms = list(dict.fromkeys(frame["arm"]))
    fig, axes = figure_grid(len(arms))
    for ax, arm in zip(axes, arms, strict=True):
        g = frame[frame["arm"] == arm]
        for streak, h in g.groupby("streak", sort=False):
            ax.plot(h["t"], h["p_bet"].rolling(20, min_periods=1).mean(),
                    label=f"streak {streak}")
        ax.axvspan(STREAK_START, STREAK_START + max(STREAKS), color="0.93", zorder=0)
        ax.set(xlabel="tick", ylabel="P(bet)", title=arm, ylim=(-0.02, 1.02))
        ax.legend(fontsize=8)
    save(fig, path)
