"""Item 6 of SCIENCE.md section 4: late betting after win streaks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from addsim.envs.gambling import GamblingCore
from addsim.population.reproduce._common import (
    Progress,
    Result,
    learner_for,
    plot_by_condition,
    stream,
    tick,
)
from addsim.population.rollout import rollout

STREAKS = (100, 200, 400)
GAMBLING_TICKS, STREAK_START, STREAK_P_WIN = 2000, 800, 0.75


def gambling(n: int = 100, seed: int = 0, progress: Progress | None = None) -> Result:
    """Item 6: late betting after a win streak of 100, 200 or 400 ticks (p_win raised).

    The three streak conditions of a learner share individuals and random draws (common
    random numbers): they are identical until the shortest streak ends, so the differences
    between them come from the streak, not from sampling (a paired comparison).
    """
    rows, summary = [], {}
    base = GamblingCore.conditions_spec["p_win"].default
    for k, name in enumerate(("dual_process", "dezfouli2009")):
        summary[name] = {}
        for streak in STREAKS:
            sched = {STREAK_START: {"p_win": STREAK_P_WIN}, STREAK_START + streak: {"p_win": base}}
            core = GamblingCore(n)
            res = rollout(learner_for(name, core), core, GAMBLING_TICKS, stream(seed, 7, k), sched)
            rows.append(pd.DataFrame({
                "learner": name, "streak": streak, "t": np.arange(GAMBLING_TICKS),
                "p_bet": res.p_addictive,
            }))
            summary[name][streak] = float(res.p_addictive[-200:].mean())
            tick(progress)
    return Result(pd.concat(rows, ignore_index=True), summary)


def plot(frame: pd.DataFrame, path: Path) -> None:
    """P(bet) over time per learner, a line per streak length."""
    plot_by_condition(frame, path, "streak", "p_bet")
