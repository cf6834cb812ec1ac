"""The model-based weight after a drug history (Voon et al. 2015: lower in addiction).

Two groups of the same 100 individuals (the same random numbers): a drug history of 2,000
forced drug exposures in the substance task (4,000 ticks; the exposures of
``impulsivity``'s longest arm), or the same forced choices with the drug withheld. Each
individual then plays 200 trials of the two-step task (population/reproduce/two_step.py,
its parameters and analysis), carrying its lasting allostatic shift kappa (Dezfouli et al.
2009; the average reward R_bar starts afresh, as in ``impulsivity``). The substance task
and the surge are on the two-step task's reward scale (the report's values divided by 10:
natural reward 1, surge 1.5, kappa's target N 0.3), so kappa means the same in both tasks.

What can carry a drug history into the arbitration: Keramati et al. 2011's cost of
deliberation is rho tau, and the learner's rho = R_bar + kappa (the reward rate it perceives,
raised by the allostatic shift), so a drug history makes deliberation dearer and should hand
control to the habit sooner. Arms: ``voi`` (that rule), and two controls whose arbitration
does not read rho: ``uncertainty`` (Daw 2005) and ``hybrid w 0.5`` (a fixed weight).

Measured per individual: the planner's share of the first 20 first-stage choices and of
all, b_r, b_rt and w_reg (two_step.py); the effect of the drug history is drug minus
no-drug, per individual (paired bootstrap intervals). Rule fixed before the runs: w falls
(Voon 2015's direction: "reproduced") when the interval of the drug history's effect on
w_reg lies below 0; the planner's share falls when its interval lies below 0 and the fall
is at least 0.05 (reported: whether the arbitration is what lowers w).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from addsim.envs.substance import SubstanceCore
from addsim.population.io.figures import figure, save
from addsim.population.reproduce import two_step as ts
from addsim.population.reproduce._common import Progress, Result, learner_for, stream, tick
from addsim.population.reproduce._controls import MIN_EFFECT
from addsim.population.reproduce._survival import mean_ci
from addsim.population.reproduce.impulsivity import _ForcedDrug
from addsim.population.rollout import rollout

EXPOSURES = 2000
SCALE = 0.1  # the report's substance task on the two-step task's reward scale
TASK = {"r0_mean": 10.0 * SCALE, "r0_sd": 2.0 * SCALE, "r1_mean": -3.0 * SCALE,
        "r1_sd": 1.0 * SCALE, "r2_mean": -5.0 * SCALE, "r2_sd": 3.0 * SCALE}
HISTORY = {"surge": 15.0 * SCALE, "kappa_target": 3.0 * SCALE}
ARMS: tuple[tuple[str, dict[str, float]], ...] = (
    ("voi", {"arbitration": 4.0}),
    ("uncertainty", {"arbitration": 3.0}),
    ("hybrid w 0.5", {"arbitration": 2.0, "w": 0.5}),
)
MEASURES = ("planned_first_20", "planned", "b_r", "b_rt", "w_reg")


def history_kappa(n: int, drug: bool, rng: np.random.Generator) -> np.ndarray:
    """kappa after ``EXPOSURES`` forced addictive choices, the drug delivered or withheld."""
    core = SubstanceCore(n, drug_available=1.0 if drug else 0.0, **TASK)
    learner = learner_for("model_based", core, preset="paper",
                          **{**ts.BASE, **HISTORY, "arbitration": 0.0})
    rollout(_ForcedDrug(learner), core, 2 * EXPOSURES, rng)
    return np.asarray(learner.rule["kappa"]).copy()


def measure(over: dict[str, float], kappa: np.ndarray, starts: np.ndarray, seed: int,
            key: int) -> dict[str, np.ndarray]:
    """Two-step play of a fresh learner carrying ``kappa``; per-individual measures."""
    n = kappa.size
    core_probe = ts.TwoStepCore(n)
    learner = learner_for("model_based", core_probe, preset="paper", **{**ts.BASE, **over})
    learner.rule["kappa"][:] = kappa
    log, _ = ts.play("model_based", over, n, seed, key, starts, learner=learner)
    a = ts.stay_analysis(log)
    return {"planned_first_20": log.planned[:20].mean(axis=0),
            "planned": log.planned.mean(axis=0),
            **{k: a[k] for k in ("b_r", "b_rt", "w_reg")}}


def w_addiction(n: int = 100, seed: int = 0, progress: Progress | None = None) -> Result:
    """Every arm with and without the drug history: the measures and their differences."""
    starts = ts.walk_starts(n, seed)
    kappa = {drug: history_kappa(n, drug, stream(seed, 70)) for drug in (False, True)}
    rows, summary = [], {"kappa_after_history": mean_ci(kappa[True], seed=seed),
                         "kappa_without_drug": mean_ci(kappa[False], seed=seed)}
    for k, (label, over) in enumerate(ARMS):
        got = {drug: measure(over, kappa[drug], starts, seed, 100 + k) for drug in kappa}
        out: dict[str, Any] = {}
        for key in MEASURES:
            out[key] = {"no drug": mean_ci(got[False][key], seed=seed),
                        "drug": mean_ci(got[True][key], seed=seed),
                        "drug-no drug": mean_ci(got[True][key] - got[False][key], seed=seed)}
        out["w_falls"] = bool(out["w_reg"]["drug-no drug"]["ci"][1] < 0.0)
        planned = out["planned_first_20"]["drug-no drug"]
        out["planning_falls"] = bool(planned["ci"][1] < 0.0 and planned["mean"] <= -MIN_EFFECT)
        summary[label] = out
        for drug, g in got.items():
            rows.append(pd.DataFrame({"arm": label, "history": "drug" if drug else "no drug",
                                      "individual": np.arange(n), **g}))
        tick(progress)
    summary["verdict"] = {
        "label": "reproduced" if summary["voi"]["w_falls"] else "not reproduced",
        "w_falls": summary["voi"]["w_falls"],
        "planning_falls": summary["voi"]["planning_falls"],
        "controls": {lab: summary[lab]["w_falls"] for lab, _ in ARMS[1:]},
    }
    return Result(pd.concat(rows, ignore_index=True), summary)


def plot(frame: pd.DataFrame, path: Path) -> None:
    """w_reg and the planner's early share, without and with the drug history, per arm."""
    fig, axes = figure(2, 8.0)
    arms = list(dict.fromkeys(frame["arm"]))
    for ax, key in zip(axes, ("w_reg", "planned_first_20"), strict=True):
        for j, arm in enumerate(arms):
            for k, hist in enumerate(("no drug", "drug")):
                g = frame[(frame["arm"] == arm) & (frame["history"] == hist)][key]
                ax.bar(3 * j + k, g.mean(), color="0.3" if hist == "no drug" else "0.7")
        ax.set_xticks([0.5 + 3 * j for j in range(len(arms))], arms)
        ax.set(ylabel=f"{key} (dark: no drug, light: drug history)")
    save(fig, path)


__all__ = ["ARMS", "plot", "w_addiction"]
