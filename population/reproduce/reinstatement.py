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
Beside the model-free learners, the dual-process arms of protocol 4c
(population/reproduce/_controls.py): ``reward-constant`` (natural reward 10 in every phase),
``history off`` and ``new values zero``, with the state each individual acts in when its
P(addictive) first reaches 0.7 in the test; the verdict reads the one-dose effect.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from addsim.population.reproduce import _controls as ctl
from addsim.population.reproduce._common import (
    MODEL_FREE,
    Progress,
    Result,
    plot_panels,
    stream,
    tick,
)
from addsim.population.reproduce._survival import difference_ci, mean_ci, times_to_level

ACQ, EXT, TEST, WINDOW = 250, 250, 50, 20
DOSES = (0, 1, 5, 20)  # forced exposures; 0 is the no-prime control
FORCED = np.array([False, True])  # only the addictive action: the experimenter's dose
LEVEL = 0.7  # the criterion of the acting state
ARMS: tuple[tuple[str, dict[str, float], bool], ...] = (
    *((name, {}, False) for name in MODEL_FREE),
    *ctl.DUAL_ARMS,
)


def arm(doses: int) -> str:
    """The condition label of an arm with ``doses`` forced exposures."""
    return "none" if doses == 0 else f"prime {doses}"


def reinstatement(n: int = 100, seed: int = 0, progress: Progress | None = None) -> Result:
    """Every arm with each number of doses; rows per tick, summary over the test."""
    rows, summary, effects = [], {}, {}
    acting = None
    for k, (label, over, constant) in enumerate(ARMS):
        name = label.split("/")[0]
        out: dict[str, Any] = {}
        at_test: dict[int, np.ndarray] = {}
        for doses in DOSES:
            prime = 2 * doses  # one dose takes two ticks: s0 -> s1 -> s0
            ticks = ACQ + EXT + prime + TEST
            spans = ((ACQ, {"cue_shown": 1.0, "drug_available": 1.0, "r0_mean": 10.0}),
                     (EXT, {"drug_available": 0.0, "r0_mean": 15.0}),
                     (prime, {"drug_available": 1.0}),
                     (TEST, {"drug_available": 0.0}))
            masks = {ACQ + EXT + i: FORCED for i in range(prime)}
            start = ACQ + EXT + prime
            res, log, states, _ = ctl.run_arm(
                name, over, ctl.reward_constant(spans) if constant else spans, n,
                stream(seed, 31, k), mark=(ACQ, start), masks=masks)
            p = res.p_individual
            assert p is not None
            keep = np.r_[0:ACQ + EXT, start:ticks]  # the prime's ticks left out, so
            t = np.arange(ACQ + EXT + TEST)  # test ticks align across arms
            rows.append(pd.DataFrame({"learner": name, "arm": label, "condition": arm(doses),
                                      "t": t, "p_addictive": res.p_addictive[keep]}))
            at_test[doses] = p[start:start + WINDOW].mean(axis=0)
            out[arm(doses)] = {
                "p_end_extinction": float(p[ACQ + EXT - 1].mean()),
                "test": mean_ci(at_test[doses], seed=seed),
                # fraction choosing the drug at the first forced tick: 1.0 means every dose
                # was given (after extinction everyone is in the choice state)
                "dosed": float(res.addictive_choices[ACQ + EXT]) if doses else 0.0,
            }
            if doses:
                d = difference_ci(at_test[doses], at_test[0], seed=seed)
                out[f"{arm(doses)}-none"] = d
                if doses == 1:
                    key = "model-free" if label == ctl.MODEL_FREE_ARM else label
                    effects[key] = ctl.effect(d["difference"], d["ci"])
            if doses == 1 and states.n_latent:
                t_c, hit = times_to_level(p, LEVEL, start, ticks)
                out[arm(doses)]["acting_state"] = ctl.acting_state(
                    log, ACQ, start, states.n_latent[start], t_c, hit, states.n_latent[ACQ])
                if label == "dual_process":
                    acting = out[arm(doses)]["acting_state"]
            tick(progress)
        summary[label] = out
    summary["verdict"] = {"effect": f"one dose: mean P(addictive) over the first {WINDOW} "
                          "test ticks minus the no-prime arm", **ctl.verdict(effects, acting)}
    return Result(pd.concat(rows, ignore_index=True), summary)


def plot(frame: pd.DataFrame, path: Path) -> None:
    """One panel per arm: P(addictive) per number of doses (prime ticks removed, so tests
    align; 20-tick rolling mean)."""
    plot_panels(frame, path, "t", "p_addictive", "tick", "P(addictive | choice)",
                lambda ax: ax.axvline(ACQ + EXT, color="0.5", lw=0.6), ylim=(-0.02, 1.02),
                rolling=20)
