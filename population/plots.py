"""Figures of the reproductions, drawn with matplotlib's Agg backend (no screen needed)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

PHASES = {"relapse": (250, 500), "relapse-kept-rewards": (250, 500)}


def _figure(ncols: int = 1, width: float = 7.0) -> tuple[object, list]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols, 4.2), squeeze=False)
    return fig, list(axes[0])


def plot(name: str, frame: pd.DataFrame, path: Path) -> None:
    """Draw the figure of reproduction ``name`` from its tidy ``frame`` into ``path``."""
    import matplotlib.pyplot as plt

    if name in ("acquisition", "addiction", "relapse", "relapse-kept-rewards"):
        fig, (ax,) = _figure()
        for learner, g in frame.groupby("learner", sort=False):
            ax.plot(g["t"], g["p_addictive"], label=learner, lw=1.4)
        if name in PHASES:
            a, b = PHASES[name]
            ax.axvspan(a, b, color="0.9", zorder=0, label="extinction")
        ax.set(xlabel="tick", ylabel="P(addictive action | choice state)", ylim=(-0.02, 1.02))
        ax.set_title(f"{name}: mean over individuals")
        ax.legend(fontsize=8)
    elif name == "values":
        fig, (ax1, ax2) = _figure(2, 5.5)
        for learner, g in frame.groupby("learner", sort=False):
            ax1.plot(g["t"], g["q_addictive"], label=learner)
            ax2.plot(g["t"], g["advantage"], label=learner)
        ax1.set(xlabel="tick", ylabel="Q(s0, drug)", yscale="symlog", title="drug value")
        ax2.set(xlabel="tick", ylabel="Q(s0, drug) - Q(s0, natural)", yscale="symlog",
                title="drug advantage")
        ax1.legend(fontsize=8)
    elif name == "states":
        fig, (ax,) = _figure()
        wide = frame.pivot(index="n_states", columns="condition", values="fraction")
        wide = wide[(wide > 0).any(axis=1)]
        wide.plot.bar(ax=ax)
        ax.set(xlabel="latent states at the end", ylabel="fraction of individuals",
               title="dual-process latent states")
    elif name in ("gambling", "impulsivity"):
        key, y = ("streak", "p_bet") if name == "gambling" else ("exposures", "p_impulsive")
        learners = list(dict.fromkeys(frame["learner"]))
        fig, axes = _figure(len(learners), 5.5)
        for ax, learner in zip(axes, learners, strict=True):
            g = frame[frame["learner"] == learner]
            for k, h in g.groupby(key):
                ax.plot(h["t"], h[y].rolling(20, min_periods=1).mean(), label=f"{key} {k}")
            ax.set(xlabel="tick", ylabel=y, title=learner, ylim=(-0.02, 1.02))
            ax.legend(fontsize=8)
    elif name == "heatmap":
        fig, (ax,) = _figure(1, 6.0)
        wide = frame.pivot(index="surge", columns="natural_reward", values="fraction_addicted")
        im = ax.imshow(
            wide.values, origin="lower", aspect="auto", cmap="magma", vmin=0, vmax=1,
            extent=(wide.columns.min(), wide.columns.max(), wide.index.min(), wide.index.max()),
        )
        fig.colorbar(im, ax=ax, label="fraction addicted")
        ax.set(xlabel="natural reward", ylabel="dopamine surge D", title="risk-factor heatmap")
    elif name == "relapse-map":
        fig = _relapse_map(frame)
    elif name == "blocking":
        fig, (ax,) = _figure()
        for (learner, cond), g in frame.groupby(["learner", "condition"], sort=False):
            ax.plot(g["trial"], g["w_b"], label=f"{learner} {cond}")
        ax.set(xlabel="trial", ylabel="value of cue B", yscale="symlog", title="Kamin blocking")
        ax.legend(fontsize=8)
    else:
        raise ValueError(f"no figure for {name!r}")
    fig.tight_layout()
    fig.savefig(path, dpi=110, format="png")
    plt.close(fig)


FAILED = {"extinguished": "E", "kept_abstinent": "K", "item1": "1", "item2": "2"}


def _relapse_map(frame: pd.DataFrame) -> object:
    """One panel per model-free learner: savings per grid cell ("never": no return to 0.9;
    grey: first acquisition never reached 0.9), the checks a cell fails as letters, and the
    cells meeting every check of the report's relapse result boxed."""
    import matplotlib.pyplot as plt
    import numpy as np

    learners = list(dict.fromkeys(frame["learner"]))
    fig, axes = _figure(len(learners), 6.0)
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
    return fig


STATUS_COLOURS = {
    "never_exposed": "#bdbdbd", "exposed": "#6baed6", "user": "#fdae6b",
    "addicted": "#d62728", "abstinent": "#2ca02c", "relapsed": "#9467bd",
}


def plot_prevalence(frame: pd.DataFrame, applied: list, path: Path) -> None:
    """Status curves per activity (one panel each) with the interventions marked."""
    import matplotlib.pyplot as plt

    activities = list(dict.fromkeys(frame["activity"]))
    fig, axes = _figure(len(activities), 6.0)
    for ax, act in zip(axes, activities, strict=True):
        g = frame[frame["activity"] == act]
        total = g[list(STATUS_COLOURS)].sum(axis=1).to_numpy()
        for status, colour in STATUS_COLOURS.items():
            ax.plot(g["tick"], g[status] / total, color=colour, label=status, lw=1.5)
        for tick, kind, a, people in applied:
            if a == act:
                ax.axvline(tick, color="k", ls="--", lw=0.8)
                ax.annotate(f"{kind} ({people})", (tick, 0.97), fontsize=7, rotation=90,
                            va="top", ha="right")
        ax.set(xlabel="tick", ylabel="fraction of the population", title=act, ylim=(0, 1))
        ax.legend(fontsize=7, loc="center right")
    fig.tight_layout()
    fig.savefig(path, dpi=110, format="png")
    plt.close(fig)
