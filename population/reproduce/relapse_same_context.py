"""protocol 4b: extinction with the drug cue on and the context unchanged, then re-exposure.

Acquisition (250 ticks, cue on), extinction (250 ticks: cue still on, context unchanged, the
drug withheld, the natural reward improved to 15, as in ``relapse``), re-exposure (500 ticks:
drug and original rewards back). The drug cue and the context carry no news of extinction;
what changes is the outcome: no dose, so the cue's dose feature fades (envs/substance.py).
The dual-process individual can tell extinction apart by that feature and by its
negative-error history (Redish 2007), and recognise the acquisition situation again when a
dose comes back (Gershman, Blei and Niv 2010).

Arms: the model-free learners, then the dual-process arms of the controls
(population/reproduce/_controls.py): the protocol, ``reward-constant`` (the natural reward 10
in every phase), ``history off`` and ``new values zero``.

Summary per arm: latent states at the end of acquisition and of extinction, the
per-individual time to P(addictive) >= 0.7 from the start of acquisition and of re-exposure,
with censoring (population/reproduce/_survival.py); for the dual-process arms, the state
each individual acts in when it reaches the criterion. The effect is the fraction back at the
criterion within ``FAST`` ticks of re-exposure (fast relapse); ``verdict`` applies 4c's rules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from addsim.population.io.figures import figure, save
from addsim.population.reproduce import _controls as ctl
from addsim.population.reproduce._common import MODEL_FREE, Progress, Result, stream, tick
from addsim.population.reproduce._survival import survival, times_to_level, wilson

ACQ, EXT, RE = 250, 250, 500
ACQUISITION = {"cue_shown": 1.0, "drug_available": 1.0, "r0_mean": 10.0}
SAME_CONTEXT = {"cue_shown": 1.0, "drug_available": 0.0, "r0_mean": 15.0}
BACK = {"cue_shown": 1.0, "drug_available": 1.0, "r0_mean": 10.0}
SPANS = ((ACQ, ACQUISITION), (EXT, SAME_CONTEXT), (RE, BACK))
LEVEL = 0.7  # above the naive 0.5, below every learner's plateau (0.89-1.0 after acquisition)
FAST = 50  # ticks of re-exposure within which a return counts as fast relapse
ARMS: tuple[tuple[str, dict[str, float], bool], ...] = (
    *((name, {}, False) for name in MODEL_FREE),
    *ctl.DUAL_ARMS,
)


def relapse_same_context(n: int = 100, seed: int = 0, progress: Progress | None = None
                         ) -> Result:
    """Run every arm; one row per arm and tick of the mean P(addictive), the summary above."""
    ticks = ACQ + EXT + RE
    rows, summary, effects = [], {}, {}
    acting = None
    for k, (label, over, constant) in enumerate(ARMS):
        name = label.split("/")[0]
        spans = ctl.reward_constant(SPANS) if constant else SPANS
        res, log, states, _ = ctl.run_arm(name, over, spans, n, stream(seed, 20, k),
                                      mark=(ACQ, ACQ + EXT))
        p_ind = res.p_individual
        assert p_ind is not None
        rows.append(pd.DataFrame({"learner": name, "arm": label, "t": np.arange(ticks),
                                  "p_addictive": res.p_addictive}))
        t_acq, hit_acq = times_to_level(p_ind, LEVEL, 0, ACQ)
        t_re, hit_re = times_to_level(p_ind, LEVEL, ACQ + EXT, ticks)
        fast = int((hit_re & (t_re < FAST)).sum())
        out: dict[str, Any] = {
            "p_end_acquisition": float(res.p_addictive[ACQ - 1]),
            "p_end_extinction": float(res.p_addictive[ACQ + EXT - 1]),
            "p_reexposure_50": float(res.p_addictive[ACQ + EXT + 49]),
            "acquisition": survival(t_acq, hit_acq, seed=seed),
            "reexposure": survival(t_re, hit_re, seed=seed),
            "effect": ctl.effect(fast / n, wilson(fast, n)),
        }
        if states.n_latent:
            split = states.n_latent[ACQ + EXT] > states.n_latent[ACQ]
            out["split_in_extinction"] = float(split.mean())
            out["split_in_extinction_ci"] = wilson(int(split.sum()), n)
            out["acting_state"] = ctl.acting_state(log, ACQ, ACQ + EXT,
                                                   states.n_latent[ACQ + EXT], t_re, hit_re,
                                                   states.n_latent[ACQ])
            if label == "dual_process":
                acting = out["acting_state"]
        summary[label] = out
        effects["model-free" if label == ctl.MODEL_FREE_ARM else label] = out["effect"]
        tick(progress)
    summary["verdict"] = {"effect": f"fraction back at P >= {LEVEL} within {FAST} ticks of "
                          "re-exposure", **ctl.verdict(effects, acting)}
    return Result(pd.concat(rows, ignore_index=True), summary)


def plot(frame: pd.DataFrame, path: Path) -> None:
    """Mean P(addictive) per arm through the three phases, extinction shaded."""
    fig, (ax,) = figure()
    for arm, g in frame.groupby("arm", sort=False):
        ax.plot(g["t"], g["p_addictive"], label=arm, lw=1.3,
                ls="-" if arm in ("dual_process", *MODEL_FREE) else "--")
    ax.axvspan(ACQ, ACQ + EXT, color="0.9", zorder=0, label="extinction (cue on)")
    ax.set(xlabel="tick", ylabel="P(addictive action | choice state)", ylim=(-0.02, 1.02))
    ax.set_title("relapse-same-context: mean over individuals")
    ax.legend(fontsize=7)
    save(fig, path)
