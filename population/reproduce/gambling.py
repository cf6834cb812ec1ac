"""Item 6 of SCIENCE.md section 4: late betting after win streaks, and the win/loss split.

Wins and losses share the outcome cue (envs/gambling.py), so only prediction errors can put
them in different latent states (Redish 2007: the losses in one state, the gambler chasing
the winning one). Per arm (``streak``: dual-process and the Dezfouli control; ``ablation``:
dual-process with the negative-error history off) and streak length (100, 200, 400 ticks of
p_win 0.75 from tick 800), the three streak runs of a learner share individuals and random
draws, so they are identical until the shortest streak ends (paired comparisons).

Summary: each individual's late betting (mean P(bet) over the last 200 ticks), averaged with a
bootstrap interval; the paired differences between streak lengths with bootstrap intervals;
and, for the latent-state learners, the fraction of individuals whose wins and losses (over
the whole run) are mostly classified into different latent states (Wilson interval),
with the mean value max_a Q of the win state and of the loss state among them; and what the
error history adds to the 400 - 100 rise (dual-process minus its ablation, paired).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from addsim.envs.gambling import GamblingCore
from addsim.population.io.figures import figure, save
from addsim.population.reproduce._common import (
    Progress,
    Result,
    learner_for,
    stream,
    tick,
)
from addsim.population.reproduce._survival import mean_ci, wilson
from addsim.population.rollout import TickOut, rollout

STREAKS = (100, 200, 400)
GAMBLING_TICKS, STREAK_START, STREAK_P_WIN = 2000, 800, 0.75
LATE, OUTCOMES_FROM = 200, 0  # late-betting window; outcomes classified from this tick
ARMS: tuple[tuple[str, str, dict[str, float]], ...] = (
    ("dual_process", "streak", {}),
    ("dezfouli2009", "streak", {}),
    ("dual_process", "ablation", {"history": 0.0}),
)
WIN, LOSS = 1, 2  # GamblingCore's outcome states


class _Outcomes:
    """Counts, per individual, the latent states its wins and its losses were classified into."""

    def __init__(self, n: int, since: int) -> None:
        self.n, self.since = n, since
        self.prev = np.zeros(n, dtype=np.int64)  # the state each individual is moving to
        self.pairs: dict[int, list[np.ndarray]] = {WIN: [], LOSS: []}

    def __call__(self, t: int, out: TickOut) -> None:
        if t >= self.since:
            for kind in (WIN, LOSS):
                idx = np.flatnonzero(self.prev == kind)  # this tick is that outcome's state
                self.pairs[kind].append(idx * 4096 + np.asarray(out.z)[idx])
        self.prev = np.asarray(out.transition.next_state)

    def modes(self, kind: int) -> np.ndarray:
        """Each individual's most frequent latent state for ``kind`` outcomes (-1: none)."""
        code = np.concatenate(self.pairs[kind]) if self.pairs[kind] else np.zeros(0, np.int64)
        mode = np.full(self.n, -1, dtype=np.int64)
        best = np.zeros(self.n, dtype=np.int64)
        keys, counts = np.unique(code, return_counts=True)
        for key, c in zip(keys, counts, strict=True):  # one pass over (individual, state)
            i, z = divmod(int(key), 4096)
            if c > best[i]:
                best[i], mode[i] = c, z
        return mode


def _split(rec: _Outcomes, learner: Any) -> dict[str, Any]:
    """The fraction whose wins and losses sit in different states, and those states' values."""
    win, loss = rec.modes(WIN), rec.modes(LOSS)
    both = (win >= 0) & (loss >= 0)
    split = both & (win != loss)
    idx = np.flatnonzero(split)
    v = np.asarray(learner.q).max(axis=2)
    return {
        "with_both_outcomes": int(both.sum()),
        "split": float(split.sum() / max(1, both.sum())),
        "split_ci": wilson(int(split.sum()), int(both.sum())),
        "value_win_state": float(v[idx, win[idx]].mean()) if idx.size else None,
        "value_loss_state": float(v[idx, loss[idx]].mean()) if idx.size else None,
    }


def gambling(n: int = 100, seed: int = 0, progress: Progress | None = None) -> Result:
    """Every arm at each streak length; rows of mean P(bet) per tick, the summary above."""
    rows, summary = [], {}
    base = GamblingCore.conditions_spec["p_win"].default
    rises: dict[str, np.ndarray] = {}
    for name, arm, over in ARMS:
        label = name if arm == "streak" else f"{name}/{arm}"
        late: dict[int, np.ndarray] = {}
        out: dict[str, Any] = {}
        for streak in STREAKS:
            sched = {STREAK_START: {"p_win": STREAK_P_WIN}, STREAK_START + streak: {"p_win": base}}
            core = GamblingCore(n)
            agent = learner_for(name, core, **over)
            rec = _Outcomes(n, OUTCOMES_FROM)
            # every arm shares one stream: the same individuals' draws (paired arms)
            res = rollout(agent, core, GAMBLING_TICKS, stream(seed, 7, 0), sched,
                          keep_individual=LATE, after=rec)
            assert res.p_individual is not None
            rows.append(pd.DataFrame({
                "learner": name, "condition": arm, "streak": streak,
                "t": np.arange(GAMBLING_TICKS), "p_bet": res.p_addictive,
            }))
            late[streak] = res.p_individual.mean(axis=0).astype(np.float64)
            out[str(streak)] = {"late_bet": mean_ci(late[streak], seed=seed)}
            if hasattr(agent, "n_latent"):
                out[str(streak)]["wins_and_losses"] = _split(rec, agent)
            tick(progress)
        for hi, lo in ((200, 100), (400, 200), (400, 100)):
            out[f"{hi}-{lo}"] = mean_ci(late[hi] - late[lo], seed=seed)  # paired
        rises[label] = late[400] - late[100]
        summary[label] = out
    # what the error history adds to the streak effect: the same individuals, history on - off
    summary["history_effect_400-100"] = mean_ci(
        rises["dual_process"] - rises["dual_process/ablation"], seed=seed)
    return Result(pd.concat(rows, ignore_index=True), summary)


def plot(frame: pd.DataFrame, path: Path) -> None:
    """P(bet) over time (20-tick rolling mean): one panel per arm, a line per streak length."""
    keys = list(dict.fromkeys(zip(frame["learner"], frame["condition"], strict=True)))
    fig, axes = figure(len(keys), 5.5)
    for ax, (learner, arm) in zip(axes, keys, strict=True):
        g = frame[(frame["learner"] == learner) & (frame["condition"] == arm)]
        for streak, h in g.groupby("streak"):
            ax.plot(h["t"], h["p_bet"].rolling(20, min_periods=1).mean(),
                    label=f"streak {streak}")
        ax.axvline(STREAK_START, color="0.6", lw=0.6)
        ax.set(xlabel="tick", ylabel="P(bet)", title=f"{learner} ({arm})", ylim=(-0.02, 1.02))
        ax.legend(fontsize=8)
    save(fig, path)
