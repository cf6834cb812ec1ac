"""SCIENCE.md 4b: extinction with the drug cue on and the context unchanged, then re-exposure.

Acquisition (250 ticks, cue on), extinction (250 ticks: cue still on, context unchanged, the
drug withheld, the natural reward improved to 15, as in ``relapse``), re-exposure (500 ticks:
drug and original rewards back). The cue carries no news of extinction, so only prediction
errors can move the dual-process individual into a new latent state (Redish 2007); the
``ablation`` arm is the same run with the negative-error history switched off (``history``
0), where extinction must be learned in the acquisition state itself.

Summary per arm: latent states at the end of acquisition and of extinction, and the
per-individual time to P(addictive) >= 0.7 from the start of acquisition and of re-exposure,
with censoring (population/reproduce/_survival.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from addsim.envs.substance import SubstanceCore
from addsim.population.io.figures import figure, save
from addsim.population.reproduce._common import (
    MODEL_FREE,
    Progress,
    Result,
    learner_for,
    stream,
    tick,
)
from addsim.population.reproduce._survival import survival, times_to_level, wilson
from addsim.population.rollout import phases, rollout

ACQ, EXT, RE = 250, 250, 500
SAME_CONTEXT = {"cue_shown": 1.0, "drug_available": 0.0, "r0_mean": 15.0}
BACK = {"cue_shown": 1.0, "drug_available": 1.0, "r0_mean": 10.0}
LEVEL = 0.7  # above the naive 0.5, below every learner's plateau (0.89-1.0 after acquisition)
ARMS: tuple[tuple[str, str, dict[str, float]], ...] = (
    *((name, "same-context", {}) for name in MODEL_FREE),
    ("dual_process", "same-context", {}),
    ("dual_process", "ablation", {"history": 0.0}),
)


def _states(learner: Any) -> np.ndarray:
    return np.asarray(getattr(learner, "n_latent", np.zeros(learner.n)), dtype=np.int64)


def relapse_same_context(n: int = 100, seed: int = 0, progress: Progress | None = None
                         ) -> Result:
    """Run every arm; one row per learner, arm and tick of the mean P(addictive)."""
    sched = phases((ACQ, {}), (EXT, SAME_CONTEXT), (RE, BACK))
    ticks = ACQ + EXT + RE
    rows, summary = [], {}
    for k, (name, arm, over) in enumerate(ARMS):
        core = SubstanceCore(n)
        agent = learner_for(name, core, **over)
        seen: dict[int, np.ndarray] = {}

        def hook(t: int, _core: Any, learner: Any, seen: dict = seen) -> None:
            if t in (ACQ, ACQ + EXT):
                seen[t] = _states(learner).copy()

        res = rollout(agent, core, ticks, stream(seed, 20, k), sched, hook=hook,
                      keep_individual=True)
        p_ind = res.p_individual
        assert p_ind is not None
        rows.append(pd.DataFrame({"learner": name, "condition": arm, "t": np.arange(ticks),
                                  "p_addictive": res.p_addictive}))
        t_acq, hit_acq = times_to_level(p_ind, LEVEL, 0, ACQ)
        t_re, hit_re = times_to_level(p_ind, LEVEL, ACQ + EXT, ticks)
        split = seen[ACQ + EXT] > seen[ACQ]  # a state created during extinction
        summary[f"{name}/{arm}"] = {
            "p_end_acquisition": float(res.p_addictive[ACQ - 1]),
            "p_end_extinction": float(res.p_addictive[ACQ + EXT - 1]),
            "p_reexposure_50": float(res.p_addictive[ACQ + EXT + 49]),
            "split_in_extinction": float(split.mean()),
            "split_in_extinction_ci": wilson(int(split.sum()), n),
            "acquisition": survival(t_acq, hit_acq, seed=seed),
            "reexposure": survival(t_re, hit_re, seed=seed),
        }
        tick(progress)
    return Result(pd.concat(rows, ignore_index=True), summary)


def plot(frame: pd.DataFrame, path: Path) -> None:
    """Mean P(addictive) per learner and arm through the three phases, extinction shaded."""
    fig, (ax,) = figure()
    for (learner, arm), g in frame.groupby(["learner", "condition"], sort=False):
        ax.plot(g["t"], g["p_addictive"], label=f"{learner} ({arm})", lw=1.3,
                ls="--" if arm == "ablation" else "-")
    ax.axvspan(ACQ, ACQ + EXT, color="0.9", zorder=0, label="extinction (cue on)")
    ax.set(xlabel="tick", ylabel="P(addictive action | choice state)", ylim=(-0.02, 1.02))
    ax.set_title("relapse-same-context: mean over individuals")
    ax.legend(fontsize=7)
    save(fig, path)
