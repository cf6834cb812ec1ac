"""Item 5 of docs/reproductions.md: latent states per dual-process individual.

Two conditions of 2,000 ticks: ``always_rewarded`` (the drug and its cue throughout) and
``extinction`` (1,000 ticks of acquisition, then 1,000 of ``relapse``'s extinction: cue
off, drug withheld, natural reward 15). The report: 89% of individuals end with 2 states
always rewarded, 85% with 4 after extinction.

Beside the protocol, the dual-process arms of protocol 4c (population/reproduce/
_controls.py) in the extinction condition: ``reward-constant`` (natural reward 10 in both
phases: are the extra states the reward change's?), ``history off``, ``new values zero`` and
the history's parts; and where each individual acts at the end of extinction (the
acquisition state, a state created during extinction, another). The effect is the mean
number of states after extinction minus always rewarded; the verdict says whether the
report's two fractions are met (each inside the Wilson interval of ours) and what the extra
states come from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from addsim.population.io.figures import figure, save
from addsim.population.reproduce import _controls as ctl
from addsim.population.reproduce._common import Progress, Result, stream, tick
from addsim.population.reproduce._survival import difference_ci, wilson
from addsim.population.reproduce.relapse import EXTINCTION

HALF = 1000
ACQUISITION = {"cue_shown": 1.0, "drug_available": 1.0, "r0_mean": 10.0}
CONDITIONS = {
    "always_rewarded": ((2 * HALF, ACQUISITION),),
    "extinction": ((HALF, ACQUISITION), (HALF, EXTINCTION)),
}
REPORT = {"always_rewarded": (2, 0.89), "extinction": (4, 0.85)}  # (states, fraction)
MIN_STATES = 0.5  # the smallest difference in mean states that counts


def _counts(learner: Any) -> dict[str, Any]:
    counts = np.bincount(learner.n_latent, minlength=learner.capacity + 1)
    frac = counts / learner.n
    return {"fraction_by_count": {int(i): float(f) for i, f in enumerate(frac) if f > 0},
            "mean_states": float(learner.n_latent.mean()),
            "overflow": int(learner.overflow.sum())}


def states(n: int = 100, seed: int = 0, progress: Progress | None = None) -> Result:
    """States at the end of each condition, and the extinction condition under each arm."""
    rows, summary = [], {}
    end_counts: dict[str, np.ndarray] = {}
    for k, (cond, spans) in enumerate(CONDITIONS.items()):
        _, _, _, learner = ctl.run_arm("dual_process", {}, spans, n, stream(seed, 6, k),
                                   keep_individual=False)
        summary[cond] = _counts(learner)
        end_counts[cond] = learner.n_latent.astype(np.float64)
        frac = np.bincount(learner.n_latent, minlength=learner.capacity + 1) / n
        rows.append(pd.DataFrame({"arm": "dual_process", "condition": cond,
                                  "n_states": np.arange(len(frac)), "fraction": frac}))
        tick(progress)
    effects = {}
    for label, over, constant in ctl.DUAL_ARMS:
        spans = CONDITIONS["extinction"]
        _, log, st, learner = ctl.run_arm(
            "dual_process", over, ctl.reward_constant(spans) if constant else spans, n,
            stream(seed, 6, 1), mark=(HALF,), keep_individual=False)
        out = _counts(learner)
        t_end = np.full(n, HALF - 1)  # the last tick of extinction, for everyone
        out["acting_state"] = ctl.acting_state(log, HALF, HALF, st.n_latent[HALF], t_end,
                                           np.ones(n, bool))
        d = difference_ci(learner.n_latent.astype(np.float64), end_counts["always_rewarded"],
                          seed=seed)
        out["extinction-always"] = d
        effects[label] = ctl.effect(d["difference"], d["ci"])
        frac = np.bincount(learner.n_latent, minlength=learner.capacity + 1) / n
        if label != "dual_process":
            rows.append(pd.DataFrame({"arm": label, "condition": "extinction",
                                      "n_states": np.arange(len(frac)), "fraction": frac}))
            summary[label] = out
        else:
            summary["extinction"].update(out)
        tick(progress)
    met = {}
    for cond, (count, target) in REPORT.items():
        k = round(summary[cond]["fraction_by_count"].get(count, 0.0) * n)
        lo, hi = wilson(k, n)
        met[cond] = {"states": count, "report": target, "ours": k / n, "ours_ci": (lo, hi),
                     "met": lo <= target <= hi}
    causes = []
    if not ctl.present(effects["dual_process/reward-constant"], MIN_STATES):
        causes.append("the natural reward's change (no extra states when it is kept)")
    if not ctl.present(effects["dual_process/history off"], MIN_STATES):
        causes.append("the negative-error history (none with it off)")
    summary["verdict"] = {
        "effect": "mean latent states after extinction minus always rewarded",
        "label": "reproduced" if all(m["met"] for m in met.values()) else "not reproduced",
        "report": met, "extra_states": ctl.present(effects["dual_process"], MIN_STATES),
        "causes": causes,
    }
    return Result(pd.concat(rows, ignore_index=True), summary)


def plot(frame: pd.DataFrame, path: Path) -> None:
    """Fraction of individuals by latent-state count, per condition and arm."""
    fig, (ax,) = figure(1, 9.0)
    keys = frame["arm"] + ": " + frame["condition"]
    wide = frame.assign(key=keys).pivot(index="n_states", columns="key", values="fraction")
    wide = wide[(wide > 0).any(axis=1)]
    wide.plot.bar(ax=ax)
    ax.set(xlabel="latent states at the end", ylabel="fraction of individuals",
           title="dual-process latent states")
    ax.legend(fontsize=7, bbox_to_anchor=(1.01, 1), loc="upper left")
    save(fig, path)
