"""Reinstatement (de Wit and Stewart 1981): after extinction, a non-contingent drug exposure.

Acquisition (250 ticks, drug on, cue on), extinction in the same context (250 ticks: drug
withheld, cue on, natural reward improved to 15 as in ``relapse``), then the prime: the
experimenter gives the drug, i.e. for two ticks only the addictive action is allowed and it
delivers the drug (every individual takes exactly one dose, whichever state it starts in),
then a test of 50 ticks with the drug withheld again. The issue's protocol is one exposure;
the arms with 5 and 20 exposures show the dose at which responding does return, and the
``none`` arm is the same run without the prime (the same random stream, so the runs are
identical until the prime). Published direction: responding returns after the prime.

Summary per learner and arm: each individual's mean P(addictive) over the first 20 test
ticks, averaged with a bootstrap interval, and the prime's effect (arm minus ``none``).
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
from addsim.population.reproduce._survival import difference_ci, mean_ci
from addsim.population.rollout import phases, rollout

ACQ, EXT, TEST, WINDOW = 250, 250, 50, 20
DOSES = (0, 1, 5, 20)  # forced exposures; 0 is the no-prime control
FORCED = np.array([False, True])  # only the addictive action: the experimenter's dose


def arm(doses: int) -> str:
    """The condition label of an arm with ``doses`` forced exposures."""
    return "none" if doses == 0 else f"prime {doses}"


def reinstatement(n: int = 100, seed: int = 0, progress: Progress | None = None) -> Result:
    """Every learner with each number of doses; rows per tick, summary over the test."""
    rows, summary = [], {}
    for k, (name, label, over) in enumerate(WITH_ABLATION):
        out: dict[str, Any] = {}
        at_test: dict[int, np.ndarray] = {}
        for doses in DOSES:
            prime = 2 * doses  # one dose takes two ticks: s0 -> s1 -> s0
            ticks = ACQ + EXT + prime + TEST
            sched = phases((ACQ, {"cue_shown": 1.0, "drug_available": 1.0}),
                           (EXT, {"drug_available": 0.0, "r0_mean": 15.0}),
                           (prime, {"drug_available": 1.0}),
                           (TEST, {"drug_available": 0.0}))
            masks = {ACQ + EXT + i: FORCED for i in range(prime)}
            core = SubstanceCore(n)
            res = rollout(learner_for(name, core, **over), core, ticks, stream(seed, 31, k),
                          sched, keep_individual=True, masks=masks)
            p = res.p_individual
            assert p is not None
            start = ACQ + EXT + prime
            condition = f"ablation {arm(doses)}" if over else arm(doses)
            keep = np.r_[0:ACQ + EXT, start:ticks]  # the prime's ticks left out, so
            t = np.arange(ACQ + EXT + TEST)  # test ticks align across arms
            rows.append(pd.DataFrame({"learner": name, "condition": condition, "t": t,
                                      "p_addictive": res.p_addictive[keep]}))
            at_test[doses] = p[start:start + WINDOW].mean(axis=0)
            out[arm(doses)] = {
                "p_end_extinction": float(p[ACQ + EXT - 1].mean()),
                "test": mean_ci(at_test[doses], seed=seed),
                # fraction choosing the drug at the first forced tick: 1.0 means every dose
                # was given (after extinction everyone is in the choice state)
                "dosed": float(res.addictive_choices[ACQ + EXT]) if doses else 0.0,
            }
            if doses:
                out[f"{arm(doses)}-none"] = difference_ci(at_test[doses], at_test[0],
                                                           seed=seed)
            tick(progress)
        summary[label] = out
    return Result(pd.concat(rows, ignore_index=True), summary)


def plot(frame: pd.DataFrame, path: Path) -> None:
    """One panel per learner: P(addictive) per arm (prime ticks removed, so tests align)."""
    plot_by_condition(frame, path, "condition", "p_addictive")
