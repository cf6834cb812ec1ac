"""Item 3 of docs/reproductions.md: Redish's drug value unbounded, Dezfouli's and
dual-process's bounded.

The summary splits the dual-process final advantage by whether an individual created a
latent state in the second half of the run (values of a late state are identified only up to
a constant in average-reward learning, so such states could move the mean), and
``dual_process/ablation`` is the same run with the history off. With the per-state error
record of earlier versions 44.6% of individuals opened a late state and the mean rose 7.0 ->
44.6; without it (issue 27) 0.3% do and the mean is flat.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from addsim.envs.substance import SubstanceCore
from addsim.population.io.figures import figure, save
from addsim.population.reproduce._common import Progress, Result, learner_for, stream, tick
from addsim.population.rollout import rollout


def values(
    n: int = 100, seed: int = 0, ticks: int = 20000, progress: Progress | None = None
) -> Result:
    """Item 3: Redish's drug value grows without bound; Dezfouli's and dual-process's converge.

    Average-reward values are identified only up to a constant (with rho = R_bar + kappa
    biased above the reward rate, every value drifts at the same pace), so the bounded
    quantity is the drug's advantage Q(s0, drug) - Q(s0, natural); for Redish both the
    absolute value and the advantage grow. Convergence is judged on the typical individual
    (median over individuals of each one's window mean): a dual-process individual that
    briefly acts from another latent state moves the mean, not the value being learned.
    """
    rows, summary = [], {}
    arms = (("redish2004", {}), ("dezfouli2009", {}), ("dual_process", {}),
            ("dual_process", {"history": 0.0}))
    for k, (name, over) in enumerate(arms):
        core = SubstanceCore(n)
        w = max(1, min(1000, ticks // 4))  # the two windows compared at the end
        agent = learner_for(name, core, **over)
        mid_states: dict[str, np.ndarray] = {}

        def hook(t: int, _core: object, learner: object, mid: dict = mid_states) -> None:
            if t == ticks // 2 and hasattr(learner, "n_latent"):
                mid["n"] = np.asarray(learner.n_latent).copy()

        res = rollout(agent, core, ticks, stream(seed, 3, min(k, 2)), keep_individual=2 * w,
                      hook=hook)
        every = max(1, ticks // 2000)
        t = np.arange(0, ticks, every)
        label = f"{name}/ablation" if over else name
        if not over:
            rows.append(pd.DataFrame({
                "learner": name, "t": t, "q_addictive": res.q_addictive[t],
                "q_natural": res.q_natural[t],
                "advantage": (res.q_addictive - res.q_natural)[t],
            }))
        adv = res.q_addictive - res.q_natural
        ind = res.advantage_individual  # the last 2w ticks
        assert ind is not None
        early, late = adv[-2 * w : -w].mean(), adv[-w:].mean()
        med_early = float(np.median(ind[:w].mean(axis=0, dtype=np.float64)))
        med_late = float(np.median(ind[w:].mean(axis=0, dtype=np.float64)))
        summary[label] = {
            "q_addictive_final": float(res.q_addictive[-1]),
            "q_addictive_mid": float(res.q_addictive[ticks // 2]),
            "advantage_final": float(late),
            "advantage_mid": float(adv[ticks // 2 - w : ticks // 2].mean()),
            "advantage_change_last_2000": (
                abs(med_late - med_early) / abs(med_early) if med_early else float("inf")
            ),
            "advantage_change_last_2000_of_mean": float(abs(late - early) / abs(early)),
            "min_drug_delta_minus_surge": res.drug_delta_minus_surge,
        }
        if "n" in mid_states:  # latent states created in the second half, and what they carry
            final = ind[w:].mean(axis=0, dtype=np.float64)
            grew = np.asarray(agent.n_latent) > mid_states["n"]
            summary[label].update({
                "new_state_second_half": float(grew.mean()),
                "advantage_final_new_state": float(final[grew].mean()) if grew.any() else None,
                "advantage_final_others": float(final[~grew].mean()) if (~grew).any() else None,
                "share_of_mean_from_new_state": float(final[grew].sum() / final.sum()),
            })
        tick(progress)
    return Result(pd.concat(rows, ignore_index=True), summary)


def plot(frame: pd.DataFrame, path: Path) -> None:
    """The drug value and the drug advantage per learner over time (symlog axes)."""
    fig, (ax1, ax2) = figure(2, 5.5)
    for learner, g in frame.groupby("learner", sort=False):
        ax1.plot(g["t"], g["q_addictive"], label=learner)
        ax2.plot(g["t"], g["advantage"], label=learner)
    ax1.set(xlabel="tick", ylabel="Q(s0, drug)", yscale="symlog", title="drug value")
    ax2.set(xlabel="tick", ylabel="Q(s0, drug) - Q(s0, natural)", yscale="symlog",
            title="drug advantage")
    ax1.legend(fontsize=8)
    save(fig, path)
