"""Item 8 of docs/reproductions.md: the risk-factor heatmap (report Fig 5.15), run as a batch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from addsim.population.io.figures import figure, save
from addsim.population.reproduce._common import Progress, Result, tick


def heatmap_grid(step: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """The report's grid: natural reward 7.5..12.5 x surge 12.5..17.5 at ``step``."""
    if not 0.0 < step <= 5.0:
        raise ValueError(f"step: got {step!r}, expected a value in (0, 5]")
    k = round(5.0 / step) + 1
    return np.linspace(7.5, 12.5, k), np.linspace(12.5, 17.5, k)


def heatmap(
    n: int = 100, seed: int = 0, progress: Progress | None = None, step: float = 0.1,
    ticks: int = 2000, learner: str = "dual_process", workers: int | None = None,
) -> Result:
    """Item 8: fraction addicted (final P(addictive) > 0.5) over natural reward x surge.

    Runs the same sweep as examples/heatmap.toml (population.batch.heatmap_sweep) through the
    batch executor: both axes are deterministic ``levels`` risk factors inside population runs
    of about 32,000 individuals (9 runs at step 0.1), ``workers`` processes (default: cores).
    """
    import io

    from addsim.population.batches.execute import open_executor, results
    from addsim.population.batches.plan import heatmap_sweep, plan_from_dict

    heatmap_grid(step)  # refuse a bad step in one line
    plan = plan_from_dict(heatmap_sweep(step, n, ticks, seed, learner))
    frames = []
    with open_executor(workers) as (executor, _):
        for run, res, err in results(plan.runs, executor, individuals=True):
            if res is None:
                raise RuntimeError(f"heatmap: run {run.run_id} failed: {err}")
            ind = pd.read_parquet(io.BytesIO(res["individuals"]))
            addicted = ind["substance_p_addictive"] > 0.5
            frac = addicted.groupby([ind["natural_reward"], ind["surge"]]).mean()
            frames.append(pd.DataFrame({
                "natural_reward": frac.index.get_level_values(0).to_numpy(),
                "surge": frac.index.get_level_values(1).to_numpy(),
                "fraction_addicted": frac.to_numpy(),
            }))
            tick(progress, len(ind))
    frame = pd.concat(frames, ignore_index=True)
    frame = frame.sort_values(["natural_reward", "surge"], kind="stable").reset_index(drop=True)
    frame["natural_reward"] = np.round(frame["natural_reward"].astype(float), 6)
    frame["surge"] = np.round(frame["surge"].astype(float), 6)
    frac = frame["fraction_addicted"].to_numpy()
    return Result(frame, {"cells": int(frac.size), "mean_fraction": float(frac.mean())})


def plot(frame: pd.DataFrame, path: Path) -> None:
    """Fraction addicted over natural reward x surge."""
    fig, (ax,) = figure(1, 6.0)
    wide = frame.pivot(index="surge", columns="natural_reward", values="fraction_addicted")
    im = ax.imshow(
        wide.values, origin="lower", aspect="auto", cmap="magma", vmin=0, vmax=1,
        extent=(wide.columns.min(), wide.columns.max(), wide.index.min(), wide.index.max()),
    )
    fig.colorbar(im, ax=ax, label="fraction addicted")
    ax.set(xlabel="natural reward", ylabel="dopamine surge D", title="risk-factor heatmap")
    save(fig, path)
