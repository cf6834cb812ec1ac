"""Item 9 of SCIENCE.md section 4: Kamin blocking of a cue paired with the drug."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from addsim.agents import LEARNERS
from addsim.population.io.figures import figure, save
from addsim.population.reproduce._common import Progress, Result, stream, tick


def blocking(
    n: int = 100, seed: int = 0, progress: Progress | None = None,
    pretraining: int = 1000, compound: int = 200,
) -> Result:
    """Item 9 (Kamin blocking): the drug paired with cue A, then with A+B; B's value.

    Values are linear in the cues (V = w . x) and each trial is one transition from the cue
    compound to the drug outcome (next value 0), driven by the learner's own error rule.
    ``blocking``: ``pretraining`` A-only trials, then ``compound`` A+B trials; ``control``:
    the A+B trials alone. Blocking means B ends with less value after pretraining. Under
    Dezfouli the basal level rho catches up with the drug during pretraining, so the compound
    errors are near zero; under Redish the error is always >= D, so B is learnt anyway.
    """
    from addsim.agents.dezfouli2009 import dezfouli_error
    from addsim.agents.redish2004 import redish_error

    rows, summary = [], {}
    a_only, both = np.array([1.0, 0.0]), np.array([1.0, 1.0])
    for k, name in enumerate(("redish2004", "dezfouli2009")):
        p = LEARNERS[name].params_cls.preset("report").resolve(n)
        summary[name] = {}
        for j, cond in enumerate(("blocking", "control")):
            rng = stream(seed, 10, k, j)
            w = np.zeros((n, 2))  # weights of cues A and B
            r_bar = p.r_bar0.copy() if name == "dezfouli2009" else np.zeros(n)
            trials = [a_only] * (pretraining if cond == "blocking" else 0) + [both] * compound
            for t, x in enumerate(trials):
                r = -3.0 + rng.standard_normal(n)  # the drug's own (aversive) reward
                v, drug, nxt = w @ x, np.ones(n, dtype=bool), np.zeros(n)
                if name == "redish2004":
                    delta = redish_error(r, v, nxt, drug, p.gamma, p.surge)
                else:
                    delta = dezfouli_error(r, v, nxt, drug, r_bar, p.surge)
                    r_bar += p.sigma * (delta + v + r_bar - r_bar)  # r_sensed = delta + Q + rho
                w += p.alpha[:, None] * delta[:, None] * x[None, :]
                rows.append((name, cond, t, float(w[:, 0].mean()), float(w[:, 1].mean())))
            summary[name][cond] = float(w[:, 1].mean())
        tick(progress)
    frame = pd.DataFrame(rows, columns=["learner", "condition", "trial", "w_a", "w_b"])
    return Result(frame, summary)


def plot(frame: pd.DataFrame, path: Path) -> None:
    """The value of cue B over trials, per learner and condition."""
    fig, (ax,) = figure()
    for (learner, cond), g in frame.groupby(["learner", "condition"], sort=False):
        ax.plot(g["trial"], g["w_b"], label=f"{learner} {cond}")
    ax.set(xlabel="trial", ylabel="value of cue B", yscale="symlog", title="Kamin blocking")
    ax.legend(fontsize=8)
    save(fig, path)
