"""``addsim view``: the pygame-ce viewer on a live model or a recorded run.

The only command that imports ``addsim.viz`` (the viewer knows frames, not models).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from addsim._errors import shown
from addsim._read import is_folder
from addsim.population.cli._common import UsageError, out_dir, out_file, write_error
from addsim.population.cli.view.sources import LiveSource, open_source


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"got {shown(text)}, expected WIDTHxHEIGHT, e.g. 1280x720"
        ) from None
    if not (320 <= w <= 8192 and 240 <= h <= 8192):
        raise argparse.ArgumentTypeError(f"got {shown(text)}, expected 320..8192 x 240..8192")
    return w, h


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``view`` subcommand to ``addsim``'s subparsers; returns its parser."""
    view = sub.add_parser("view")
    view.add_argument("target", nargs="?", metavar="CONFIG.toml | RUN_DIR",
                      help="a config (live model; default: the embedded one) or a run folder "
                           "written with --history (replay)")
    view.add_argument("--set", action="append", metavar="KEY=VALUE",
                      help="override a config key (live only; repeatable)")
    view.add_argument("--headless", action="store_true",
                      help="render without a screen (SDL dummy driver)")
    view.add_argument("--frames", type=int, default=None,
                      help="stop after this many frames (default: headless 100, window: never)")
    view.add_argument("--record", metavar="FILE",
                      help="write the frames to FILE: .gif, .mp4 (needs imageio-ffmpeg) or "
                           ".png (last frame)")
    view.add_argument("--start", type=int, default=0, metavar="TICK",
                      help="advance to this tick before the first frame")
    view.add_argument("--speed", type=float, default=None,
                      help="ticks per second (default 30; a headless recording without it "
                           "samples the whole run evenly into its frames)")
    view.add_argument("--fps", type=int, default=30, help="frames per second (default 30)")
    view.add_argument("--size", type=_size, default=(1280, 720), metavar="WxH",
                      help="window size (default 1280x720)")
    view.add_argument("--node-limit", type=int, default=20_000,
                      help="draw a sample of the network above this many people (default 20000)")
    view.add_argument("--out", default=".", help="folder for screenshots and recordings")
    view.add_argument("--json", action="store_true",
                      help="headless: print the summary as JSON instead of one line")
    view.set_defaults(func=cmd_view)
    return view


def cmd_view(args: argparse.Namespace) -> int:
    """Open the viewer on a config or run folder (or render it headless)."""
    if args.frames is not None and not 1 <= args.frames <= 1_000_000:
        raise UsageError(f"--frames: got {args.frames}, expected a whole number in [1, 1000000]")
    if not 1 <= args.fps <= 240:
        raise UsageError(f"--fps: got {args.fps}, expected a whole number in [1, 240]")
    if args.speed is not None and not 0 < args.speed <= 10_000:
        raise UsageError(f"--speed: got {args.speed}, expected ticks per second in (0, 10000]")
    if args.node_limit < 1:
        raise UsageError(f"--node-limit: got {args.node_limit}, expected a positive whole number")
    if args.start < 0:
        raise UsageError(f"--start: got {args.start}, expected a tick >= 0")
    out = out_dir(args.out)
    record = Path(args.record) if args.record is not None else None
    if record is not None:
        from addsim.viz.record import MAX_GIF_FRAMES, check_path

        problem = check_path(record)
        if problem:
            raise UsageError(f"--record: {problem}")
        parent = record.parent
        out_dir(str(parent), "--record")  # not under a file, somewhere writable (made later)
        if is_folder(parent):  # a device, FIFO or dangling link as the file: refused
            record = out_file(args.record, "--record")
        wanted = args.frames if args.frames is not None else (100 if args.headless else None)
        if record.suffix.lower() == ".gif" and (wanted is None or wanted > MAX_GIF_FRAMES):
            print(f"addsim: warning: --record: a GIF keeps at most {MAX_GIF_FRAMES} frames"
                  f"{f', not {wanted}' if wanted else ''}; later frames are dropped (record "
                  ".mp4 for more)", file=sys.stderr)
    source = open_source(args.target, args.set)  # synchronous: --start, headless frames
    if args.start:
        source.advance(args.start)
    if isinstance(source, LiveSource) and not args.headless:
        source.start_thread()  # a window: drawing never waits for the model
    from addsim.viz.app import run_viewer

    frames = args.frames if args.frames is not None else (100 if args.headless else None)
    per_frame = None
    if args.headless and args.speed is None and frames:
        # the whole run (from --start) sampled evenly: the last frame shows its end
        per_frame = max(source.horizon - source.tick, 0) / frames or None
    try:
        result = run_viewer(
            source, headless=args.headless, frames=frames, record=record, size=args.size,
            fps=args.fps, speed=args.speed if args.speed is not None else 30.0,
            node_limit=args.node_limit, out_dir=out, ticks_per_frame=per_frame,
        )
    except OSError as exc:  # the recording or a screenshot could not be written
        raise write_error("--record" if record is not None else "--out",
                          record or out, exc) from None
    finally:
        if isinstance(source, LiveSource):
            source.close()
    if args.headless:
        print(json.dumps(result) if args.json else summary_line(result))
    return 0


def summary_line(result: dict[str, Any]) -> str:
    """A headless view in one line: frames, the time span shown, people, what was written."""
    frames = result.get("frames", 0)
    ypt = result.get("years_per_tick")
    first, last = result.get("first_tick"), result.get("tick")
    if first is None or last is None:
        span = ""
    elif ypt:
        span = f", years {first * ypt:.1f} to {last * ypt:.1f} (ticks {first}-{last})"
    else:
        span = f", ticks {first}-{last}"
    people = result.get("individuals")
    drawn = result.get("drawn")
    who = "" if people is None else (f" of {people:,} people" + (
        f" ({drawn:,} drawn)" if drawn is not None and drawn < people else ""))
    took = result.get("seconds")
    timing = "" if took is None else f" in {took:.1f} s"
    wrote = f"; wrote {result['record']}" if result.get("record") else ""
    return f"view: {frames} frame{'s' if frames != 1 else ''}{span}{who}{timing}{wrote}"
