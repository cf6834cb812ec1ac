"""Figures drawn with matplotlib's Agg backend (no screen needed): the run's prevalence plot
and the helpers every reproduction's figure uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
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


def figure_rows(rows: int, cols: int, width: float = 6.0, height: float = 3.0,
                sharex: bool = True, height_ratios: list[float] | None = None
                ) -> tuple[Any, list[list[Any]]]:
    """A figure of ``rows`` x ``cols`` panels (Agg backend), as a list of rows."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False,
                             sharex=sharex, gridspec_kw={"height_ratios": height_ratios})
    return fig, [list(r) for r in axes]


def save(fig: Any, path: Path, layout: bool = True) -> None:
    """Lay out (unless ``layout`` is False: the caller did, and the picture is cropped to
    what is drawn, a legend outside the axes included), write as PNG and close ``fig``."""
    import matplotlib.pyplot as plt

    if layout:
        fig.tight_layout()
        fig.savefig(path, dpi=110, format="png")
    else:
        fig.savefig(path, dpi=110, format="png", bbox_inches="tight", pad_inches=0.1)
    plt.close(fig)


def _drawn_texts(fig: Any) -> list[Any]:
    """The texts a reader sees in ``fig``: figure texts and legends, and per visible axes its
    titles, axis labels, the tick labels inside the view limits, annotations and legend."""
    texts = list(fig.texts)
    legends = list(fig.legends)
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        texts += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label,
                  ax.xaxis.offsetText, ax.yaxis.offsetText, *ax.texts]
        if ax.get_legend() is not None:
            legends.append(ax.get_legend())
        for axis, limits in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            lo, hi = sorted(limits)
            eps = 1e-9 * max(abs(lo), abs(hi), 1.0)
            texts += [t.label1 for t in axis.get_major_ticks()
                      if lo - eps <= t.get_loc() <= hi + eps and t.label1.get_visible()]
    for legend in legends:
        texts += [*legend.get_texts(), legend.get_title()]
    return [t for t in texts if t.get_visible() and str(t.get_text()).strip()]


def texts_outside(fig: Any) -> list[str]:
    """Texts of ``fig`` that reach beyond the figure (cut off unless saved cropped to what is
    drawn, as :func:`save` does with ``layout=False``)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    w, h = fig.canvas.get_width_height()
    return [str(t.get_text()) for t in _drawn_texts(fig)
            if (b := t.get_window_extent(renderer)).x0 < -0.5 or b.y0 < -0.5
            or b.x1 > w + 0.5 or b.y1 > h + 0.5]


def text_overlaps(fig: Any) -> list[tuple[str, str]]:
    """Pairs of texts of ``fig`` whose drawn boxes overlap (titles, axis labels, tick
    labels, legend entries, annotations): what a reader would see overprinted."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [(str(t.get_text()), t.get_window_extent(renderer)) for t in _drawn_texts(fig)]
    found = []
    for i, (ta, a) in enumerate(boxes):
        for tb, b in boxes[i + 1:]:
            if a.x0 < b.x1 - 0.5 and b.x0 < a.x1 - 0.5 and a.y0 < b.y1 - 0.5 and b.y0 < a.y1 - 0.5:
                found.append((ta, tb))
    return found


STATUS_COLOURS = {
    "never_exposed": "#bdbdbd", "exposed": "#6baed6", "user": "#fdae6b",
    "addicted": "#d62728", "abstinent": "#2ca02c", "relapsed": "#9467bd",
}
DISORDER_COLOUR = "#67000d"  # in disorder: addicted + relapsed


def _years_per_tick(g: pd.DataFrame) -> float | None:
    """Calendar years per tick from a prevalence frame's time column (None: no time)."""
    if "time" not in g or len(g) < 2 or g["tick"].iloc[-1] <= 0:
        return None
    return float(g["time"].iloc[-1] / g["tick"].iloc[-1])


def intervention_label(kind: str, times: list[float], people: list[int], unit: str) -> str:
    """One legend label for every intervention of a kind: ``treatment at year 10.0 (2
    people)`` or ``treatment x15, years 0.2-3.8 (45 people in all)``."""
    word = "year" if unit == "years" else "tick"
    if kind == "supply_reduction":
        who = ""
    else:
        who = f" ({sum(people):,} {'person' if sum(people) == 1 else 'people'}" + (
            " in all)" if len(times) > 1 else ")")
    if len(times) == 1:
        return f"{kind.replace('_', ' ')} at {word} {times[0]:.1f}{who}"
    return (f"{kind.replace('_', ' ')} x{len(times)}, {word}s {min(times):.1f}-{max(times):.1f}"
            f"{who}")


def prevalence_figure(frame: pd.DataFrame, applied: list) -> Any:
    """Per activity (a column each): every status as a share of the population (top), and
    the disorder statuses (addicted, relapsed and both together) on their own scale (bottom),
    both over calendar years; interventions dashed, labelled once per kind in the legend,
    which sits outside the curves, on the right. A matplotlib Figure."""
    from matplotlib.lines import Line2D

    activities = list(dict.fromkeys(frame["activity"]))
    fig, axes = figure_rows(2, len(activities), width=5.2, height=2.7, height_ratios=[3, 2])
    mark_styles = ("--", ":", "-.")
    kinds: dict[str, str] = {}
    extra: dict[str, Line2D] = {}
    for j, act in enumerate(activities):
        top, low = axes[0][j], axes[1][j]
        g = frame[frame["activity"] == act]
        total = g[list(STATUS_COLOURS)].sum(axis=1).to_numpy(dtype=float)
        total[total == 0] = 1.0
        per = _years_per_tick(g)
        x = g["tick"].to_numpy() * (per or 1.0)
        for status, colour in STATUS_COLOURS.items():
            top.plot(x, 100 * g[status] / total, color=colour, lw=1.4,
                     label=status.replace("_", " "))
        disorder = 100 * (g["addicted"] + g["relapsed"]) / total
        low.plot(x, disorder, color=DISORDER_COLOUR, lw=2.0, label="in disorder (both)")
        for status in ("addicted", "relapsed"):
            low.plot(x, 100 * g[status] / total, color=STATUS_COLOURS[status], lw=1.2,
                     label=status)
        top.set(ylim=(0, 100), ylabel="% of people", title=act)
        high = float(np.nanmax(disorder)) if len(disorder) else 0.0
        low.set(ylim=(0, max(high * 1.15, 0.5)), ylabel="in disorder (% of people)",
                xlabel="years" if per else "tick")
        by_kind: dict[str, tuple[list[float], list[int]]] = {}
        for tick, kind, a, people in applied:
            if a == act:
                times, hits = by_kind.setdefault(kind, ([], []))
                times.append(tick * (per or 1.0))
                hits.append(int(people))
        for kind, (times, hits) in by_kind.items():
            style = kinds.setdefault(kind, mark_styles[len(kinds) % len(mark_styles)])
            for ax in (top, low):
                for t in times:
                    ax.axvline(t, color="k", ls=style, lw=0.8, alpha=0.7)
            label = f"{act}: " + intervention_label(kind, times, hits, "years" if per else "")
            extra[label] = Line2D([], [], color="k", ls=style, lw=0.8)
    handles, labels = axes[0][0].get_legend_handles_labels()
    h2, l2 = axes[1][0].get_legend_handles_labels()
    handles += [Line2D([], [], alpha=0), *h2[:1], *extra.values()]
    labels += ["", *l2[:1], *extra]
    fig.tight_layout(rect=(0, 0, 0.78 if len(activities) > 1 else 0.68, 1))
    fig.legend(handles, labels, loc="center left", fontsize=8, frameon=False,
               bbox_to_anchor=(0.79 if len(activities) > 1 else 0.69, 0.5))
    return fig


def plot_prevalence(frame: pd.DataFrame, applied: list, path: Path) -> None:
    """:func:`prevalence_figure` written as a PNG (the run's prevalence.png)."""
    save(prevalence_figure(frame, applied), path, layout=False)
