"""Item 5 of SCIENCE.md section 4: latent states per dual-process individual."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from addsim.envs.substance import SubstanceCore
from addsim.population.io.figures import figure, save
from addsim.population.reproduce._common import Progress, Result, learner_for, stream, tick
from addsim.population.reproduce.relapse import EXTINCTION
from addsim.population.rollout import phases, rollout


def states(n: int = 100, seed: int = 0, progress: Progress | None = None) -> Result:
    """Item 5: how many latent states dual-process individuals end with, with/without extinction."""
    rows, summary = [], {}
    for k, (cond, sched) in enumerate((
        ("always_rewarded", {}),
        ("extinction", phases((1000, {}), (1000, EXTINCTION))),
    )):
        core = SubstanceCore(n)
        learner = learner_for("dual_process", core)
        rollout(learner, core, 2000, stream(seed, 6, k), sched)
        counts = np.bincount(learner.n_latent, minlength=learner.capacity + 1)
        frac = counts / n
        rows.append(pd.DataFrame(
            {"condition": cond, "n_states": np.arange(len(frac)), "fraction": frac}
        ))
        summary[cond] = {
            "fraction_by_count": {int(i): float(f) for i, f in enumerate(frac) if f > 0},
            "mean_states": float(learner.n_latent.mean()),
            "overflow": int(learner.overflow.sum()),
        }
        tick(progress)
    return Result(pd.concat(rows, ignore_index=True), summary)


def plot(frame: pd.DataFrame, path: Path) -> None:
    """Fraction of individuals by latent-state count, per condition."""
    fig, (ax,) = figure()
    wide = frame.pivot(index="n_states", columns="condition", values="fraction")
    wide = wide[(wide > 0).any(axis=1)]
    wide.plot.bar(ax=ax)
    ax.set(xlabel="latent states at the end", ylabel="fraction of individuals",
           title="dual-process latent states")
    save(fig, path)
