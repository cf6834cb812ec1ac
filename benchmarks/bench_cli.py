"""Benchmark: how long the command line takes to answer, and the first run, cold and warm.

Times, as a user meets them, in fresh processes of the installed ``addsim`` script:
``addsim --version``, ``addsim --help`` and ``addsim run --help`` (median and fastest of
``--repeats``); the default run (``addsim run --out DIR``: 1,000 people x 20 years) with an
empty numba cache folder (cold: every kernel compiles) and again with that folder filled
(warm: every kernel loads), and warm without its burn-in (``--set run.burn_in=0``: the
difference is the burn-in's cost). Stores the figures in benchmarks/results/cli.json under
``--label``; never asserted in tests.

    python benchmarks/bench_cli.py --label after [--repeats 7] [--runs 2] [--skip-runs]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _record import save


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    """Wall time of one command in a fresh process, and what it printed (it must succeed)."""
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, done.stdout + done.stderr


def summary(times: list[float]) -> dict[str, float | list[float]]:
    """Median and fastest of repeated timings (the fastest is the least disturbed by other
    work on a shared machine), with every timing kept."""
    return {"median_s": round(statistics.median(times), 3), "min_s": round(min(times), 3),
            "all_s": [round(t, 3) for t in times]}


def first_runs(addsim: str, runs: int) -> dict[str, object]:
    """The default run from an empty numba cache folder (cold), then from the filled one."""
    cold, warm, bare, said = [], [], [], ""
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(runs):
            cache = Path(tmp) / f"cache{i}"
            env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
            seconds, printed = timed([addsim, "run", "--out", f"{tmp}/cold{i}"], env)
            cold.append(seconds)
            said = said or next((ln for ln in printed.splitlines() if "compil" in ln), "")
            seconds, _ = timed([addsim, "run", "--out", f"{tmp}/warm{i}"], env)
            warm.append(seconds)
            # the same run without its burn-in: the difference is the burn-in's cost
            seconds, _ = timed([addsim, "run", "--out", f"{tmp}/bare{i}", "--set",
                                "run.burn_in=0"], env)
            bare.append(seconds)
    return {"cold": summary(cold), "warm": summary(warm), "warm_no_burn_in": summary(bare),
            "compile_notice": said}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", required=True, help="the measurement's name (before, after)")
    parser.add_argument("--addsim", default=str(Path(sys.executable).parent / "addsim"),
                        help="the addsim script to time (default: beside this Python)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--runs", type=int, default=2, help="cold/warm default-run pairs")
    parser.add_argument("--skip-runs", action="store_true")
    args = parser.parse_args()
    results: dict[str, object] = {"addsim": args.addsim}
    for name, cmd in (("version", ["--version"]), ("help", ["--help"]),
                      ("run_help", ["run", "--help"])):
        results[name] = summary([timed([args.addsim, *cmd])[0] for _ in range(args.repeats)])
    if not args.skip_runs:
        results["default_run"] = first_runs(args.addsim, args.runs)
    print(save("cli", args.label, results))


if __name__ == "__main__":
    main()
