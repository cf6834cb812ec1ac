"""The progress bar every long command shows (rich, on stderr)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any


def progress_bar(label: str, *columns: Any) -> Any:
    """A rich progress bar: label, bar, then ``columns`` (default: done/total and time left)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn(f"[bold]{label}"), BarColumn(),
        *(columns or (MofNCompleteColumn(), TimeRemainingColumn())),
        transient=not sys.stderr.isatty(),
    )


def time_left_column(paused: Callable[[], float]) -> Any:
    """A time-left column that leaves out the seconds ``paused()`` has grown by since the
    column was made (the run passes the kernels' compilation time): the rate is the ticks
    done over the time spent on them, so a first run's compiling does not inflate the
    estimate, as rich's own column (the last 30 s of progress) does for a while after it."""
    from rich.progress import TimeRemainingColumn
    from rich.text import Text

    class TimeLeftColumn(TimeRemainingColumn):
        start = paused()

        def render(self, task: Any) -> Text:
            if task.finished or not task.completed or task.total is None:
                return super().render(task)
            busy = max(task.elapsed - (paused() - self.start), 1e-9)
            left = int(busy / task.completed * (task.total - task.completed))
            minutes, seconds = divmod(left, 60)
            hours, minutes = divmod(minutes, 60)
            return Text(f"{hours:d}:{minutes:02d}:{seconds:02d}", style="progress.remaining")

    return TimeLeftColumn()
