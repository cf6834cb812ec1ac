"""Reacquisition (Napier et al. 1992; Bouton 2004): after extinction, the drug contingent again.

Acquisition (250 ticks, drug on, cue on, context A), extinction (250 ticks: drug withheld, cue
on, natural reward improved to 15) in A (``same context``) or in B (``context B``), then
reacquisition (250 ticks: drug back, natural reward back to 10) in the extinction context.
Published direction: reacquisition is faster than first acquisition (savings). The ``ablation``
arms switch the negative-error history off.

Summary per learner and arm: per-individual times to P(addictive) >= 0.7 from the start of
acquisition and of reacquisition, censored at 250 (Kaplan-Meier fractions and median), and
the paired comparison: the fraction of individuals who reach it sooner the second time. Note
that naive individuals start at P = 0.5 (indifference) and extinguished ones near 0, so the
second rise is longer; that is part of what the test reports, not corrected away.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from addsim.envs.substance import SubstanceCore
from addsim.population.reproduce._common import (
    WITH_ABLATION,
    Progress,
    Result,
    learner_for,
    plot_by_condition,
    stream,
    tick,
)
from addsim.population.reproduce._survival import survival, times_to_level, wilson
from addsim.population.rollout import phases, rollout

ACQ, EXT, RE = 250, 250, 250
LEVEL = 0.7  # above the naive 0.5, below every learner's plateau (0.86-1.0)
DESIGNS = {"same context": 0.0, "context B": 1.0}


def reacquisition(n: int = 100, seed: int = 0, progress: Progress | None = None) -> Result:
    """Every learner in both designs; rows per tick, survival summaries of both rises."""
    ticks = ACQ + EXT + RE
    rows, summary = [], {}
    for k, (name, label, over) in enumerate(WITH_ABLATION):
        out: dict[str, Any] = {}
        for design, context in DESIGNS.items():
            sched = phases((ACQ, {"context": 0.0, "cue_shown": 1.0, "drug_available": 1.0}),
                           (EXT, {"context": context, "drug_available": 0.0, "r0_mean": 15.0}),
                           (RE, {"drug_available": 1.0, "r0_mean": 10.0}))
            core = SubstanceCore(n)
            res = rollout(learner_for(name, core, **over), core, ticks, stream(seed, 32, k),
                          sched, keep_individual=True)
            p = res.p_individual
            assert p is not None
            rows.append(pd.DataFrame({"learner": name,
                                      "condition": f"ablation {design}" if over else design,
                                      "t": np.arange(ticks), "p_addictive": res.p_addictive}))
            t_acq, hit_acq = times_to_level(p, LEVEL, 0, ACQ)
            t_re, hit_re = times_to_level(p, LEVEL, ACQ + EXT, ticks)
            sooner = hit_re & (t_re < t_acq)  # censored reacquisition never counts as sooner
            out[design] = {
                "p_end_extinction": float(p[ACQ + EXT - 1].mean()),
                "acquisition": survival(t_acq, hit_acq, seed=seed),
                "reacquisition": survival(t_re, hit_re, seed=seed),
                "sooner": float(sooner.mean()),
                "sooner_ci": wilson(int(sooner.sum()), n),
            }
            tick(progress)
        summary[label] = out
    return Result(pd.concat(rows, ignore_index=True), summary)


def plot(frame: pd.DataFrame, path: Path) -> None:
    """One panel per learner: P(addictive) per design through the three phases."""
    plot_by_condition(frame, path, "condition", "p_addictive")
