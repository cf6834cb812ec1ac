"""The progress bar's time left (population/io/console.py): seconds spent compiling kernels
are left out of the rate, so a first run's compilation does not inflate the estimate."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from addsim.population.io.console import time_left_column


def _task(elapsed: float, completed: int, total: int) -> SimpleNamespace:
    return SimpleNamespace(elapsed=elapsed, completed=completed, total=total, finished=False,
                           finished_time=None, time_remaining=None)


def test_time_left_leaves_out_the_paused_seconds() -> None:
    """100 of 1,000 ticks in 50 s, 40 of them compiling: 10 s for 100 ticks, so 90 s left
    (rich's own estimate from the elapsed time would say 450 s)."""
    paused = [5.0]  # seconds compiled before the bar was made do not count either
    column = time_left_column(lambda: paused[0])
    paused[0] += 40.0
    assert column.render(_task(50.0, 100, 1000)).plain == "0:01:30"


def test_time_left_without_pauses_is_the_mean_rate() -> None:
    """No compilation: the time left is the elapsed time per tick times the ticks left."""
    column = time_left_column(lambda: 0.0)
    assert column.render(_task(7200.0, 1, 3)).plain == "4:00:00"


def test_the_bar_shows_its_label_and_count_and_vanishes_off_a_terminal(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """progress_bar: the label, the bar and done/total on stderr; off a terminal the bar is
    transient (gone at the end, so a log file keeps no bar); on a terminal it stays."""
    import io

    from rich.console import Console

    from addsim.population.io import console

    monkeypatch.setattr(console.sys.stderr, "isatty", lambda: False, raising=False)
    assert console.progress_bar("run").live.transient
    monkeypatch.setattr(console.sys.stderr, "isatty", lambda: True, raising=False)
    bar = console.progress_bar("run")
    assert not bar.live.transient
    out = io.StringIO()
    bar.live.console = Console(file=out, width=80, force_terminal=False)
    with bar:
        task = bar.add_task("", total=8)
        bar.advance(task, 3)
    text = out.getvalue()
    assert "run" in text and "3/8" in text
