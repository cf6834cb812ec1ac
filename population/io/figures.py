"""Figures drawn with matplotlib's Agg backend (no screen needed): the run's prevalence plot
and the helpers every reproduction's figure uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd


def figure(ncols: int = 1, width: float = 7.0) -> tuple[Any, list[Any]]:
    """A figure with ``ncols`` panels side by side (Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols, 4.2), squeeze=False)
    return fig, list(axes[0])


def figure_grid(panels: int, width: float = 5.0, per_row: int = 3) -> tuple[Any, list[Any]]:
    """A figure with ``panels`` panels, ``per_row`` to a row (Agg backend); unused cells of
    the last row are hidden."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = max(1, min(per_row, panels))
    rows = -(-panels // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, 3.6 * rows), squeeze=False)
    flat = list(axes.ravel())
    for ax in flat[panels:]:
        ax.set_visible(False)
    return fig, flat[:panels]


def save(fig: Any, path: Path) -> None:
    """Lay out, write as PNG and close ``fig``."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=110, format="png")
    plt.close(fig)


STATUS_COLOURS = {
    "never_exposed": "#bdbdbd", "exposed": "#6baed6", "user": "#fdae6b",
    "addicted": "#d62728", "abstinent": "#2ca02c", "relapsed": "#9467bd",
}


MAX_LABELS = 20  # intervention labels drawn on a panel (more: lines only, and a count)


def plot_prevalence(frame: pd.DataFrame, applied: list, path: Path) -> None:
    """Status curves per activity (one panel each) with the interventions marked."""
    activities = list(dict.fromkeys(frame["activity"]))
    fig, axes = figure(len(activities), 6.0)
    for ax, act in zip(axes, activities, strict=True):
        g = frame[frame["activity"] == act]
        total = g[list(STATUS_COLOURS)].sum(axis=1).to_numpy()
        # calendar time when the frame carries it (years per tick from its time column)
        years = "time" in g and len(g) > 1 and g["tick"].iloc[-1] > 0
        per = float(g["time"].iloc[-1] / g["tick"].iloc[-1]) if years else 1.0
        for status, colour in STATUS_COLOURS.items():
            ax.plot(g["tick"] * per, g[status] / total, color=colour, label=status, lw=1.5)
        marks = [(tick * per, f"{kind} ({people})") for tick, kind, a, people in applied
                 if a == act]
        if marks:  # one call for every line; labels only while they stay readable
            ax.vlines([x for x, _ in marks], 0, 1, colors="k", linestyles="--", lw=0.8)
        if len(marks) > MAX_LABELS:
            ax.annotate(f"{len(marks)} interventions (dashed)", (0.01, 0.97),
                        xycoords="axes fraction", fontsize=7, va="top")
        else:
            for x, label in marks:
                ax.annotate(label, (x, 0.97), fontsize=7, rotation=90, va="top", ha="right")
        ax.set(xlabel="years" if years else "tick", ylabel="fraction of the population",
               title=act, ylim=(0, 1))
        ax.legend(fontsize=7, loc="center right")
    save(fig, path)
