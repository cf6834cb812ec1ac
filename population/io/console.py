"""The progress bar every long command shows (rich, on stderr)."""

from __future__ import annotations

import sys
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
