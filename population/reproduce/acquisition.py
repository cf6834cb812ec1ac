"""Items 1-2 of docs/reproductions.md: acquisition without the drug, and addiction with it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from addsim.envs.substance import SubstanceCore
from addsim.population.reproduce._common import (
    ALL_LEARNERS,
    Progress,
    Result,
    learner_for,
    plot_p_addictive,
    stream,
    tick,
)
from addsim.population.rollout import rollout


def acquisition(
    n: int = 100, seed: int = 0, ticks: int = 1000, progress: Progress | None = None,
    addictive: bool = False, learners: Iterable[str] = ALL_LEARNERS,
    overrides: dict[str, dict[str, float]] | None = None,
) -> Result:
    """Items 1-2: P(addictive | s0) over time in the non-addictive (or addictive) task."""
    rows, summary = [], {}
    for k, name in enumerate(learners):
        core = SubstanceCore(n, drug_available=1.0 if addictive else 0.0)
        agent = learner_for(name, core, **(overrides or {}).get(name, {}))
        res = rollout(agent, core, ticks, stream(seed, 1 + addictive, k))
        rows.append(pd.DataFrame(
            {"learner": name, "t": np.arange(ticks), "p_addictive": res.p_addictive}
        ))
        summary[name] = {
            "p_addictive_t500": float(res.p_addictive[min(500, ticks - 1)]),
            "p_addictive_final": float(res.p_addictive[-1]),
            "p_optimal_final": float(1.0 - res.p_addictive[-1]),
        }
        tick(progress)
    return Result(pd.concat(rows, ignore_index=True), summary)


def addiction(
    n: int = 100, seed: int = 0, ticks: int = 1000, progress: Progress | None = None
) -> Result:
    """Item 2: the addictive task; surge learners become addicted, Q-learning does not."""
    return acquisition(n, seed, ticks, progress, addictive=True)



def plot_acquisition(frame: pd.DataFrame, path: Path) -> None:
    """P(drug) per learner over time, the non-addictive task."""
    plot_p_addictive(frame, path, "acquisition")


def plot_addiction(frame: pd.DataFrame, path: Path) -> None:
    """P(drug) per learner over time, the addictive task."""
    plot_p_addictive(frame, path, "addiction")
