"""Item 4 sensitivity: the relapse result over two unreported parameters of each model-free
learner."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd

from addsim.envs.substance import SubstanceCore
from addsim.population.io.figures import figure, save
from addsim.population.reproduce._common import Progress, Result, learner_for, stream, tick
from addsim.population.reproduce.relapse import (
    EXTINCTION,
    RELAPSE_ACQ,
    RELAPSE_EXT,
    RELAPSE_RE,
    _relapse_pace,
    _relapse_schedule,
)
from addsim.population.rollout import Schedule, rollout

# Item 4 sensitivity: the two parameters of each model-free learner that the report does not
# give (the softmax temperature, and Redish's discount or the initial average reward R_bar0 of
# Dezfouli), on a grid; every other parameter at the report preset.
MAP_AXES: dict[str, tuple[tuple[str, tuple[float, ...]], tuple[str, tuple[float, ...]]]] = {
    "redish2004": (
        ("beta", (0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.1)),
        ("gamma", (0.9, 0.92, 0.94, 0.95, 0.96, 0.97)),
    ),
    "dezfouli2009": (
        ("beta", (0.1, 0.15, 0.2, 0.25, 0.3, 0.4)),
        ("r_bar0", (10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0)),
    ),
}
SAVINGS_RANGE = (0.6, 1.5)  # the report's model-free savings (protocol 4)


def _cell_means(
    name: str, over: dict[str, np.ndarray], n: int, progress: Progress | None, ticks: int,
    sched: Schedule | None, rng: np.random.Generator, **conditions: float,
) -> np.ndarray:
    """Run ``name`` with per-individual parameters ``over`` (consecutive groups of ``n``
    individuals, one per cell) and return the mean P(addictive) per tick and cell."""
    core = SubstanceCore(next(iter(over.values())).size, **conditions)
    res = rollout(learner_for(name, core, **over), core, ticks, rng, sched, keep_individual=True)
    tick(progress)
    assert res.p_individual is not None
    return res.p_individual.reshape(ticks, -1, n).mean(axis=2, dtype=np.float64)


def relapse_map(n: int = 100, seed: int = 0, progress: Progress | None = None) -> Result:
    """Item 4 sensitivity: where model-free learners meet the report's relapse pace.

    Each cell of a learner's grid (``MAP_AXES``) is a group of ``n`` individuals carrying
    that cell's parameters; all cells run in one batch per condition: the relapse protocol,
    its kept-rewards variant, and items 1 (no drug, 1,000 ticks) and 2 (drug, P at t = 500).
    A cell meets the report when every check holds: first acquisition reaches 0.9
    (``acquired``), P < 0.1 at the end of extinction (``extinguished``), savings lie in
    ``SAVINGS_RANGE``, P < 0.1 after 500 ticks with the improved reward kept
    (``kept_abstinent``), P(natural) > 0.9 in item 1 and P(drug) > 0.8 at t = 500 in item 2.
    """
    rows = []
    for k, (name, ((x_name, xs), (y_name, ys))) in enumerate(MAP_AXES.items()):
        x, y = (a.ravel() for a in np.meshgrid(xs, ys, indexing="ij"))
        over = {x_name: np.repeat(x, n), y_name: np.repeat(y, n)}
        run = functools.partial(_cell_means, name, over, n, progress)
        sched, ticks = _relapse_schedule(EXTINCTION, keep_rewards=False)
        relapse_p = run(ticks, sched, stream(seed, 11, k, 0))
        kept_p = run(ticks, _relapse_schedule(EXTINCTION, keep_rewards=True)[0],
                     stream(seed, 11, k, 1))
        natural_p = run(1000, None, stream(seed, 11, k, 2), drug_available=0.0)
        drug_p = run(501, None, stream(seed, 11, k, 3))
        for c in range(x.size):
            p = relapse_p[:, c]
            pace = _relapse_pace(p)
            row = {
                "learner": name, "x_param": x_name, "x": float(x[c]),
                "y_param": y_name, "y": float(y[c]),
                "t_acquisition": pace["t_acquisition"], "t_reexposure": pace["t_reexposure"],
                "t_reexposure_half": _relapse_pace(p, 0.5)["t_reexposure"],
                "savings": np.nan if pace["savings"] is None else pace["savings"],
                "p_end_extinction": float(p[RELAPSE_ACQ + RELAPSE_EXT - 1]),
                "p_end_kept_rewards": float(kept_p[-1, c]),
                "p_natural_item1": float(1.0 - natural_p[-1, c]),
                "p_addictive_item2": float(drug_p[500, c]),
            }
            checks = {  # the report's relapse result, item by item
                "acquired": pace["t_acquisition"] < RELAPSE_ACQ,
                "extinguished": row["p_end_extinction"] < 0.1,
                "savings_in_range": pace["savings"] is not None
                and SAVINGS_RANGE[0] <= pace["savings"] <= SAVINGS_RANGE[1],
                "kept_abstinent": row["p_end_kept_rewards"] < 0.1,
                "item1": row["p_natural_item1"] > 0.9,
                "item2": row["p_addictive_item2"] > 0.8,
            }
            row.update(checks, relapsed=pace["t_reexposure"] < RELAPSE_RE,
                       meets_report=all(checks.values()))
            rows.append(row)
    frame = pd.DataFrame(rows)
    summary = {
        name: {
            "cells": len(g),
            "savings_in_range": int(g["savings_in_range"].sum()),
            "meets_report": g.loc[g["meets_report"], ["x", "y"]].to_numpy().tolist(),
        }
        for name, g in frame.groupby("learner", sort=False)
    }
    return Result(frame, summary)


FAILED = {"extinguished": "E", "kept_abstinent": "K", "item1": "1", "item2": "2"}


def plot(frame: pd.DataFrame, path: Path) -> None:
    """One panel per model-free learner: savings per grid cell ("never": no return to 0.9;
    grey: first acquisition never reached 0.9), the checks a cell fails as letters, and the
    cells meeting every check of the report's relapse result boxed."""
    import matplotlib.pyplot as plt

    learners = list(dict.fromkeys(frame["learner"]))
    fig, axes = figure(len(learners), 6.0)
    for ax, learner in zip(axes, learners, strict=True):
        g = frame[frame["learner"] == learner]
        xs, ys = np.unique(g["x"]), np.unique(g["y"])
        grid = np.full((ys.size, xs.size), np.nan)
        for row in g.itertuples():
            i, j = np.searchsorted(ys, row.y), np.searchsorted(xs, row.x)
            failed = "".join(c for key, c in FAILED.items() if not getattr(row, key))
            if row.acquired:
                grid[i, j] = row.savings  # imshow clips colours to [vmin, vmax]
                text = f"{row.savings:.2f}" if row.relapsed else "never"
            else:
                text = "no acq."
            ax.text(j, i, f"{text}\n{failed}".strip(), ha="center", va="center", fontsize=6.5)
            if row.meets_report:
                ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=2.2))
        im = ax.imshow(grid, origin="lower", cmap="coolwarm", vmin=0.0, vmax=3.0, aspect="auto")
        ax.set_facecolor("0.85")
        ax.set_xticks(range(xs.size), [f"{v:g}" for v in xs])
        ax.set_yticks(range(ys.size), [f"{v:g}" for v in ys])
        ax.set(xlabel=g["x_param"].iloc[0], ylabel=g["y_param"].iloc[0],
               title=f"{learner}: savings T_re / T_acq (boxed: meets the report)")
        fig.colorbar(im, ax=ax, label="savings (report: 0.6-1.5)")
    fig.text(0.01, 0.01, "fails: E  P >= 0.1 after extinction, K  relapses with the improved "
             "reward kept, 1  P(natural) <= 0.9 without drug, 2  P(drug) <= 0.8 at t = 500",
             fontsize=7)
    save(fig, path)
