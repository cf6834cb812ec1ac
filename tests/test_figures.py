"""The run's prevalence figure: readable (years, the disorder statuses on their own panel,
the legend outside the curves, interventions labelled once, no overlapping texts)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from addsim.population.io.figures import prevalence_figure, text_overlaps


def _frame(ticks: int = 1044, activities: tuple[str, ...] = ("substance", "gambling")
           ) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for t in range(ticks):
        for act in activities:
            addicted = int(rng.integers(0, 12))
            rows.append({"tick": t, "activity": act, "never_exposed": 600 - t // 4,
                         "exposed": 380 + t // 4 - addicted, "user": 10, "addicted": addicted,
                         "abstinent": 10, "relapsed": int(rng.integers(0, 3)),
                         "time": t * 7 / 365.25})
    return pd.DataFrame(rows)


def test_prevalence_figure_is_readable() -> None:
    """Years on the time axis; a second panel per activity holds only the disorder
    statuses, scaled to them (a 1% prevalence fills most of its height); one legend outside
    every panel; fifteen treatment waves and a supply cut are two legend labels; no two
    texts overlap."""
    applied = [(13 * k, "treatment", "substance", 3) for k in range(1, 16)]
    applied += [(520, "treatment", "gambling", 0), (600, "supply_reduction", "substance", 1000)]
    fig = prevalence_figure(_frame(), applied)
    top, low = fig.axes[0], fig.axes[2]
    assert low.get_xlabel() == "years" and top.get_ylim() == (0, 100)
    assert {line.get_label() for line in low.get_lines() if not line.get_label().startswith(
        "_")} == {"in disorder (both)", "addicted", "relapsed"}
    assert low.get_ylim()[1] < 2.0  # the disorder panel is scaled to disorder (at most 1.5%)
    assert len(fig.legends) == 1 and all(ax.get_legend() is None for ax in fig.axes)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    waves = [lab for lab in labels if "treatment" in lab]
    assert waves == ["substance: treatment x15, years 0.2-3.7 (45 people in all)",
                     "gambling: treatment at year 10.0 (0 people)"]
    assert "substance: supply reduction at year 11.5" in labels
    fig.canvas.draw()
    legend = fig.legends[0].get_window_extent()
    for ax in fig.axes:  # the legend is beside the panels, not on the curves
        assert not legend.overlaps(ax.get_window_extent())
    assert text_overlaps(fig) == []
