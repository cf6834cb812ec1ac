"""Renewal (Bouton 2004): ABA, AAB and AAA designs of acquire / extinguish / test contexts.

Acquisition (250 ticks: drug on, cue on) in context A, extinction (250 ticks: drug withheld,
cue on, natural reward improved to 15 as in ``relapse``) in context A or B, test (50 ticks:
drug still withheld, natural reward back to 10) in A or B. The context is the fourth cue
feature (A = 0, B = 1; SubstanceCore). Published direction: responding at test returns when
the context of extinction is left, strongest when the test is back in the acquisition context
(ABA > AAB > AAA). Model-free learners do not see the context, so they cannot show it; the
dual-process learner can, through the cue distance (a new latent state for context B) and the
negative-error history (a state created when extinction starts in A). The ``ablation`` arms
switch the history off, which says which of the two carries each design.

Summary per learner and design: each individual's mean P(addictive) over the first 20 test
ticks, averaged with a bootstrap interval, and the renewal effects (ABA - AAA, AAB - AAA,
ABA - AAB) with bootstrap intervals of the difference.
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
    plot_panels,
    stream,
    tick,
)
from addsim.population.reproduce._survival import difference_ci, mean_ci
from addsim.population.rollout import phases, rollout

ACQ, EXT, TEST, WINDOW = 250, 250, 50, 20
CONTEXT = {"A": 0.0, "B": 1.0}
DESIGNS = ("ABA", "AAB", "AAA")


def schedule(design: str) -> dict[int, Any]:
    """The three phases of ``design`` (three letters: acquisition, extinction, test context)."""
    a, x, t = (CONTEXT[c] for c in design)
    return phases(
        (ACQ, {"context": a, "cue_shown": 1.0, "drug_available": 1.0, "r0_mean": 10.0}),
        (EXT, {"context": x, "drug_available": 0.0, "r0_mean": 15.0}),
        (TEST, {"context": t, "drug_available": 0.0, "r0_mean": 10.0}),
    )


def renewal(n: int = 100, seed: int = 0, progress: Progress | None = None) -> Result:
    """Every learner in every design; rows of mean P(addictive) per tick, summary at test."""
    ticks = ACQ + EXT + TEST
    rows, summary = [], {}
    for k, (name, label, over) in enumerate(WITH_ABLATION):
        at_test: dict[str, np.ndarray] = {}
        out: dict[str, Any] = {}
        for design in DESIGNS:
            core = SubstanceCore(n)
            # One stream per learner for all designs: the designs differ only in the context.
            res = rollout(learner_for(name, core, **over), core, ticks, stream(seed, 30, k),
                          schedule(design), keep_individual=True)
            p = res.p_individual
            assert p is not None
            condition = f"ablation {design}" if over else design
            rows.append(pd.DataFrame({"learner": name, "condition": condition,
                                      "t": np.arange(ticks), "p_addictive": res.p_addictive}))
            at_test[design] = p[ACQ + EXT:ACQ + EXT + WINDOW].mean(axis=0)
            out[design] = {"p_end_acquisition": float(p[ACQ - 1].mean()),
                           "p_end_extinction": float(p[ACQ + EXT - 1].mean()),
                           "test": mean_ci(at_test[design], seed=seed)}
            tick(progress)
        for hi, lo in (("ABA", "AAA"), ("AAB", "AAA"), ("ABA", "AAB")):
            out[f"{hi}-{lo}"] = difference_ci(at_test[hi], at_test[lo], seed=seed)
        summary[label] = out
    return Result(pd.concat(rows, ignore_index=True), summary)


def plot(frame: pd.DataFrame, path: Path) -> None:
    """One panel per learner: mean P(addictive) through the phases, a line per design."""
    def phases_shown(ax: Any) -> None:
        ax.axvspan(ACQ, ACQ + EXT, color="0.9", zorder=0)
        ax.axvline(ACQ + EXT, color="0.5", lw=0.6)

    plot_panels(frame, path, "t", "p_addictive", "tick", "P(addictive | choice)",
                phases_shown, ylim=(-0.02, 1.02))
