"""Renewal (Bouton 2004): ABA, AAB and AAA designs of acquire / extinguish / test contexts.

Acquisition (250 ticks: drug on, cue on) in context A, extinction (250 ticks: drug withheld,
cue on, natural reward improved to 15 as in ``relapse``) in context A or B, test (50 ticks:
drug still withheld, natural reward back to 10) in A or B. The context is the fourth cue
feature (A = 0, B = 1; SubstanceCore). Published direction: responding at test returns when
the context of extinction is left, strongest when the test is back in the acquisition context
(ABA > AAB > AAA). Model-free learners do not see the context, so they cannot show it.

Arms: the model-free learners, then the dual-process arms of protocol 4c
(population/reproduce/_controls.py): the protocol, ``reward-constant`` (natural reward 10 in
every phase), ``history off`` and ``new values zero``. One stream per arm for all designs:
the designs differ only in the context.

Summary per arm and design: each individual's mean P(addictive) over the first 20 test
ticks, averaged with a bootstrap interval; the renewal effects (ABA - AAA, AAB - AAA,
ABA - AAB) with bootstrap intervals of the difference; for the dual-process arms, where each
individual acts when its own P(addictive) first reaches 0.7 in the test (ABA and AAB); and
the verdicts of ABA - AAA and AAB - AAA.
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
CONTEXT = {"A": 0.0, "B": 1.0}
DESIGNS = ("ABA", "AAB", "AAA")
LEVEL = 0.7  # the criterion of the acting state
EFFECTS = (("ABA", "AAA"), ("AAB", "AAA"), ("ABA", "AAB"))
ARMS: tuple[tuple[str, dict[str, float], bool], ...] = (
    *((name, {}, False) for name in MODEL_FREE),
    *ctl.DUAL_ARMS,
)


def spans(design: str) -> tuple[tuple[int, dict[str, float]], ...]:
    """The three phases of ``design`` (three letters: acquisition, extinction, test context)."""
    a, x, t = (CONTEXT[c] for c in design)
    return ((ACQ, {"context": a, "cue_shown": 1.0, "drug_available": 1.0, "r0_mean": 10.0}),
            (EXT, {"context": x, "cue_shown": 1.0, "drug_available": 0.0, "r0_mean": 15.0}),
            (TEST, {"context": t, "cue_shown": 1.0, "drug_available": 0.0, "r0_mean": 10.0}))


def renewal(n: int = 100, seed: int = 0, progress: Progress | None = None) -> Result:
    """Every arm in every design; rows of mean P(addictive) per tick, summary at test."""
    ticks, start = ACQ + EXT + TEST, ACQ + EXT
    rows, summary = [], {}
    effects: dict[str, dict[str, Any]] = {f"{hi}-{lo}": {} for hi, lo in EFFECTS}
    acting: dict[str, Any] = {}
    for k, (label, over, constant) in enumerate(ARMS):
        name = label.split("/")[0]
        at_test: dict[str, np.ndarray] = {}
        out: dict[str, Any] = {}
        for design in DESIGNS:
            sp = ctl.reward_constant(spans(design)) if constant else spans(design)
            res, log, states, _ = ctl.run_arm(name, over, sp, n, stream(seed, 30, k),
                                              mark=(ACQ, start))
            p = res.p_individual
            assert p is not None
            rows.append(pd.DataFrame({"learner": name, "arm": label, "condition": design,
                                      "t": np.arange(ticks), "p_addictive": res.p_addictive}))
            at_test[design] = p[start:start + WINDOW].mean(axis=0)
            out[design] = {"p_end_acquisition": float(p[ACQ - 1].mean()),
                           "p_end_extinction": float(p[start - 1].mean()),
                           "test": mean_ci(at_test[design], seed=seed)}
            if states.n_latent and design != "AAA":
                t_c, hit = times_to_level(p, LEVEL, start, ticks)
                out[design]["acting_state"] = ctl.acting_state(
                    log, ACQ, start, states.n_latent[start], t_c, hit, states.n_latent[ACQ])
                if label == "dual_process":
                    acting[design] = out[design]["acting_state"]
            tick(progress)
        for hi, lo in EFFECTS:
            d = difference_ci(at_test[hi], at_test[lo], seed=seed)
            out[f"{hi}-{lo}"] = d
            key = "model-free" if label == ctl.MODEL_FREE_ARM else label
            effects[f"{hi}-{lo}"][key] = ctl.effect(d["difference"], d["ci"])
        summary[label] = out
    summary["verdict"] = {
        f"{hi}-{lo}": {"effect": f"mean P(addictive) over the first {WINDOW} test ticks, "
                       f"{hi} minus {lo}", **ctl.verdict(effects[f"{hi}-{lo}"], acting.get(hi))}
        for hi, lo in EFFECTS[:2]
    }
    return Result(pd.concat(rows, ignore_index=True), summary)


def plot(frame: pd.DataFrame, path: Path) -> None:
    """One panel per arm: mean P(addictive) through the phases, a line per design."""
    def phases_shown(ax: Any) -> None:
        ax.axvspan(ACQ, ACQ + EXT, color="0.9", zorder=0)
        ax.axvline(ACQ + EXT, color="0.5", lw=0.6)

    plot_panels(frame, path, "t", "p_addictive", "tick", "P(addictive | choice)",
                phases_shown, ylim=(-0.02, 1.02))
