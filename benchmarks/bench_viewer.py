"""Benchmark: the viewer's frames per second (headless) and the layout time.

For each size N (default 1,000 and 10,000 on the default small-world network) it renders
frames under SDL's dummy driver in two ways: simulating (the live model advances one tick per
frame, as at the default 30 ticks/s and 30 fps) and drawing only (paused: the cost of the
picture alone). It also times the Fruchterman-Reingold layout of the 10,000-node graph without
the cache. Prints JSON; never asserted in tests.

    python benchmarks/bench_viewer.py [--sizes 1000 10000] [--frames 60]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time


def one(n: int, frames: int) -> dict[str, float]:
    """Frames per second simulating and drawing-only for a live model of n people."""
    from addsim.population.cli.view.sources import LiveSource
    from addsim.population.config import load
    from addsim.viz.app import Viewer

    src = LiveSource(load(sets=[f"population.size={n}", "interventions=[]"]))
    src.advance(3)  # warm-up: first latent states, compiled kernels
    viewer = Viewer(src, headless=True, size=(1280, 720), fps=30, speed=30)
    viewer.run(5)  # warm-up frames
    viewer.frame = 0
    t0, tick0 = time.perf_counter(), src.tick
    viewer.run(frames)
    sim = time.perf_counter() - t0
    ticks = src.tick - tick0
    viewer.playing = False
    viewer.frame = 0
    t0 = time.perf_counter()
    viewer.run(frames)
    draw = time.perf_counter() - t0
    src.start_thread()  # the window's mode: the model steps in a worker thread
    viewer.playing = True
    viewer.frame = 0
    t0, tick0 = time.perf_counter(), src.tick
    viewer.run(frames)
    threaded = time.perf_counter() - t0
    src.wait()
    ticks_threaded = src.tick - tick0
    src.close()
    viewer.close()
    return {
        "n": n, "frames": frames, "fps_simulating": round(frames / sim, 1),
        "ticks_per_frame": round(ticks / frames, 2), "fps_drawing_only": round(frames / draw, 1),
        "ms_per_frame_drawing": round(1000 * draw / frames, 2),
        "ms_per_tick_model": round(1000 * max(sim - draw, 0.0) / max(ticks, 1), 2),
        "fps_simulating_threaded": round(frames / threaded, 1),
        "ticks_per_s_threaded": round(ticks_threaded / threaded, 1),
    }


def layout_time(n: int) -> dict[str, float]:
    """Seconds to lay out the default network of n people (no cache): the viewer's layout
    (friend groups side by side) and the force layout of the whole graph beside it."""
    from addsim.population.config import load
    from addsim.population.model import PopulationModel
    from addsim.viz.layout import force_layout, layout_graph

    edges = PopulationModel(load(sets=[f"population.size={n}"])).adjacency.edges()
    t0 = time.perf_counter()
    _, groups = layout_graph(n, edges)
    t1 = time.perf_counter()
    force_layout(n, edges)
    t2 = time.perf_counter()
    return {"n": n, "edges": len(edges), "groups": int(groups.max()) + 1,
            "layout_s": round(t1 - t0, 3), "force_layout_s": round(t2 - t1, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--save", metavar="LABEL",
                        help="store the result as measurement LABEL of "
                             "benchmarks/results/viewer.json (machine, date, commit)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--frames", type=int, default=60)
    args = parser.parse_args()
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

    with tempfile.TemporaryDirectory() as cache:
        os.environ["XDG_CACHE_HOME"] = cache  # measure the layout, not a warm cache
        rows = [one(n, args.frames) for n in args.sizes]
    result = {"viewer": rows, "layout": layout_time(10_000)}
    if args.save:
        from _record import save

        save("viewer", args.save, result)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
