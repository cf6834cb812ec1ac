"""Compulsive drug seeking (Dezfouli et al. 2009; Vanderschuren and Everitt 2004).

Individuals learn the seek-take chain (envs/seek_take.py: seek in ``s0``, then take the drug
in ``s1``; something else in ``s0`` pays 10, the report's natural reward) for a short (100
ticks) or a long (2,000 ticks) drug history; then every seeking response is punished
(``punishment`` 40) for 400 ticks with the drug still there. Measured: P(seek | s0) at the
end of training and over the last 100 punished ticks. Expected (Dezfouli et al. 2009, their
Fig. 6): after long exposure seeking persists under punishment for the learners with a
non-compensable surge and an allostatic shift (Dezfouli, dual-process), not after short
exposure; Q-learning, with no surge, never seeks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from addsim.envs.seek_take import SeekTakeCore
from addsim.population.reproduce._common import (
    Progress,
    Result,
    learner_for,
    plot_by_condition,
    stream,
    tick,
)
from addsim.population.rollout import phases, rollout

LEARNERS = ("dezfouli2009", "dual_process", "q_learning")
EXPOSURES = {"short": 100, "long": 2000}
PUNISHED_TICKS = 400
PUNISHMENT = 40.0
OTHER_REWARD = 10.0


def compulsive_seeking(n: int = 100, seed: int = 0, progress: Progress | None = None) -> Result:
    """P(seek) before and under punishment after a short or long drug history, per learner."""
    rows, summary = [], {}
    for k, name in enumerate(LEARNERS):
        summary[name] = {}
        for j, (label, train) in enumerate(EXPOSURES.items()):
            core = SeekTakeCore(n, other_mean=OTHER_REWARD)
            learner = learner_for(name, core)
            schedule = phases((train, {"punishment": 0.0}),
                              (PUNISHED_TICKS, {"punishment": PUNISHMENT}))
            ticks = train + PUNISHED_TICKS
            res = rollout(learner, core, ticks, stream(seed, 15, k, j), schedule=schedule)
            p = res.p_addictive
            rows.append(pd.DataFrame({
                "learner": name, "exposure": label, "t": np.arange(ticks) - train,
                "p_seek": p,
            }))
            summary[name][label] = {
                "training_ticks": train,
                "p_seek_before": float(p[train - 20 : train].mean()),
                "p_seek_punished": float(p[-100:].mean()),
            }
            tick(progress)
        s = summary[name]
        s["persists_after_long_not_short"] = bool(
            s["long"]["p_seek_punished"] > 0.3
            and s["long"]["p_seek_punished"] > 3 * s["short"]["p_seek_punished"]
        )
    return Result(pd.concat(rows, ignore_index=True), summary)


def plot(frame: pd.DataFrame, path: Path) -> None:
    """P(seek | s0) per learner, a line per drug history; punishment starts at t = 0."""
    plot_by_condition(frame, path, "exposure", "p_seek")


__all__ = ["compulsive_seeking", "plot"]
