"""The viewer's pictures in the docs, and the check that no two of their texts overlap.

- viewer.png: the live viewer on the embedded default (seed 0) at tick 700 (year 13.4), a
  person in disorder clicked (the person panel beside the curves);
- viewer-replay.png: the replay of the same run written with ``addsim run --history``, at
  its end (year 20), the friend groups, the disorder statuses ringed, its intervention marked.

Each frame is checked: no two texts drawn overlap (their boxes, as the viewer records them)
and none leaves the window; a frame that fails is reported and the script exits 1.
tests/test_viz.py runs this script on a small population (``--small``), under SDL's dummy
driver and, where Xvfb is installed, in a real X window (``--window`` under ``xvfb-run``).

    python docs/_scripts/screenshots.py [--out docs] [--small] [--window]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
TICK = 700  # the live picture's tick (year 13.4 of 20)
SMALL = ["population.size=150", "run.ticks=2 years"]  # what the tests draw
SMALL_TICK = 60


def _select(viewer: Any) -> int:
    """A person to click: someone in disorder if anyone is, else a user, else person 0."""
    import numpy as np

    names = viewer.source.statuses
    status = np.asarray(viewer.source.status(viewer.activity))
    for wanted in (("addicted", "relapsed"), ("user",), ("abstinent",)):
        codes = [names.index(s) for s in wanted if s in names]
        hit = np.flatnonzero(np.isin(status, codes))
        if hit.size:
            return int(hit[0])
    return 0


def _frame(viewer: Any, path: Path) -> list[tuple[str, str]]:
    """Render one paused frame, save it to ``path``, return its overlapping texts."""
    viewer.playing = False
    viewer.step_frame()
    viewer.screenshot(path)
    return viewer.text_overlaps()


def screenshots(out: Path, small: bool = False, window: bool = False,
                size: tuple[int, int] = (1280, 720)) -> dict[str, list[tuple[str, str]]]:
    """Write viewer.png and viewer-replay.png into ``out``; returns each one's overlaps."""
    if not window:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
    from addsim.population.cli import main
    from addsim.population.cli.view.sources import ReplaySource, open_source
    from addsim.viz.app import Viewer

    sets = SMALL if small else []
    tick = SMALL_TICK if small else TICK
    found: dict[str, list[tuple[str, str]]] = {}
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        live = open_source(None, list(sets))
        live.advance(tick)
        viewer = Viewer(live, headless=not window, size=size, out_dir=Path(tmp))
        try:
            viewer.selected = _select(viewer)
            found["viewer.png"] = _frame(viewer, out / "viewer.png")
        finally:
            viewer.close()
        run = Path(tmp) / "run"
        argv = ["run", "--out", str(run), "--seed", "0", "--history"]
        for s in sets:
            argv += ["--set", s]
        if main(argv) != 0:
            raise SystemExit("screenshots: addsim run failed")
        replay = ReplaySource(run)
        replay.advance(replay.horizon)
        viewer = Viewer(replay, headless=not window, size=size, out_dir=Path(tmp))
        try:
            found["viewer-replay.png"] = _frame(viewer, out / "viewer-replay.png")
        finally:
            viewer.close()
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DOCS, help="folder of the pictures")
    parser.add_argument("--small", action="store_true", help="a small population (tests)")
    parser.add_argument("--window", action="store_true",
                        help="a real window (an X display, e.g. under xvfb-run)")
    args = parser.parse_args(argv)
    found = screenshots(args.out, args.small, args.window)
    bad = 0
    for name, overlaps in found.items():
        print(f"screenshots: {args.out / name}: "
              + ("no texts overlap" if not overlaps else f"{len(overlaps)} overlaps"))
        for a, b in overlaps:
            print(f"  {a!r} overlaps {b!r}")
        bad += bool(overlaps)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
