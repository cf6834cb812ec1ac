"""What every reproduction shares: its result type, random streams, learners and figures."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from addsim.agents import make_learner
from addsim.population.io.figures import figure, figure_grid, save

# the report's learners (the planner's, agents/model_based.py, run in their own protocols)
ALL_LEARNERS = ("q_learning", "redish2004", "dezfouli2009", "latent_state", "dual_process")
MODEL_FREE = ("redish2004", "dezfouli2009")
# the model-free learners, dual-process, and dual-process with the negative-error history off
# (the ablation): (learner, label in the summary, parameter overrides)
WITH_ABLATION: tuple[tuple[str, str, dict[str, float]], ...] = (
    *((name, name, {}) for name in MODEL_FREE),
    ("dual_process", "dual_process", {}),
    ("dual_process", "dual_process/ablation", {"history": 0.0}),
)
Progress = Callable[[int], None]


def stream(seed: int, *key: int) -> np.random.Generator:
    """An independent stream for one condition of a protocol: same (seed, key), same numbers."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def check_arms(arms: Sequence[str] | None, labels: Sequence[str]) -> None:
    """Refuse ``arms`` naming a label not among a protocol's ``labels`` (None: every arm)."""
    unknown = sorted(set(arms or ()) - set(labels))
    if unknown:
        raise ValueError(f"arms: got {unknown}, expected some of {list(labels)}")


def learner_for(name: str, core: Any, preset: str = "report", **overrides: Any) -> Any:
    """Learner ``name`` sized for the task core ``core``."""
    return make_learner(
        name, core.n, core.n_states, core.n_actions, core.cue_dim, preset=preset,
        salience=core.salience(), **overrides,
    )


def tick(progress: Progress | None, n: int = 1) -> None:
    """Report ``n`` units of work done (no-op without a progress callback)."""
    if progress is not None:
        progress(n)


@dataclass
class Result:
    """A protocol's tidy table and the summary figures the tests and the README quote."""

    frame: pd.DataFrame
    summary: dict[str, Any]


@dataclass(frozen=True)
class Reproduction:
    """One entry of the registry: the run, a line for ``--list``, its work units, its figure."""

    run: Callable[..., Result]
    doc: str
    units: int
    plot: Callable[[pd.DataFrame, Path], None]


def plot_p_addictive(
    frame: pd.DataFrame, path: Path, title: str, shade: tuple[int, int] | None = None
) -> None:
    """P(addictive | choice state) per learner over time (``shade``: the extinction phase)."""
    fig, (ax,) = figure()
    key = "arm" if "arm" in frame else "learner"
    for label, g in frame.groupby(key, sort=False):
        control = "/" in str(label)  # a control arm of the dual-process learner
        ax.plot(g["t"], g["p_addictive"], label=label, lw=1.0 if control else 1.4,
                ls="--" if control else "-")
    if shade is not None:
        ax.axvspan(*shade, color="0.9", zorder=0, label="extinction")
    ax.set(xlabel="tick", ylabel="P(addictive action | choice state)", ylim=(-0.02, 1.02))
    ax.set_title(f"{title}: mean over individuals")
    ax.legend(fontsize=8)
    save(fig, path)


def plot_panels(frame: pd.DataFrame, path: Path, x: str, y: str, xlabel: str, ylabel: str,
                decorate: Callable[[Any], None] | None = None,
                ylim: tuple[float, float] | None = None, rolling: int = 1) -> None:
    """One panel per arm (the ``arm`` column: a learner, or a control arm of the
    dual-process learner), three to a row: ``y`` over ``x``, a line per ``condition``
    (``rolling``-tick mean); ``decorate(ax)`` marks the phases."""
    arms = list(dict.fromkeys(frame["arm"]))
    fig, axes = figure_grid(len(arms))
    for ax, arm in zip(axes, arms, strict=True):
        g = frame[frame["arm"] == arm]
        for cond, h in g.groupby("condition", sort=False):
            values = h[y].rolling(rolling, min_periods=1).mean() if rolling > 1 else h[y]
            ax.plot(h[x], values, label=cond, lw=1.2)
        if decorate is not None:
            decorate(ax)
        ax.set(xlabel=xlabel, ylabel=ylabel, title=arm)
        if ylim is not None:
            ax.set_ylim(*ylim)
        ax.legend(fontsize=7)
    save(fig, path)


def plot_by_condition(frame: pd.DataFrame, path: Path, key: str, y: str) -> None:
    """One panel per learner: ``y`` over time (20-tick rolling mean), a line per ``key``."""
    learners = list(dict.fromkeys(frame["learner"]))
    fig, axes = figure(len(learners), 5.5)
    for ax, learner in zip(axes, learners, strict=True):
        g = frame[frame["learner"] == learner]
        for k, h in g.groupby(key):
            ax.plot(h["t"], h[y].rolling(20, min_periods=1).mean(), label=f"{key} {k}")
        ax.set(xlabel="tick", ylabel=y, title=learner, ylim=(-0.02, 1.02))
        ax.legend(fontsize=8)
    save(fig, path)
