"""Benchmark: how long the command line takes to answer, and the first run, cold and warm.

Times, as a user meets them, in fresh processes of the installed ``addsim`` script:
``addsim --version``, ``addsim --help`` and ``addsim run --help`` (median and fastest of
``--repeats``); the default run (``addsim run --out DIR``: 1,000 people x 20 years) with an
empty numba cache folder (cold: every kernel compiles) and again with that folder filled
(warm: every kernel loads), and warm without its burn-in (``--set run.burn_in=0``: the
difference is the burn-in's cost). Stores the figures in benchmarks/results/cli.json under
``--label``; never asserted in tests.

    python benchmarks/bench_cli.py --label after [--repeats 7] [--runs 2] [--skip-runs]
    python benchmarks/bench_cli.py --label after --baseline OTHER/.venv/bin/addsim

``--baseline`` times another installation's ``addsim`` (another commit's checkout, installed
editable in its own venv) in the same sitting, each command alternating between the two, and
stores its figures and the ratios (this / baseline) beside this one's: this machine's speed
varies by a quarter within minutes, so only figures from one sitting compare.
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


def first_runs(scripts: dict[str, str], runs: int) -> dict[str, dict[str, object]]:
    """The default run from an empty numba cache folder (cold), then from the filled one,
    and without the burn-in, for each of ``scripts`` (name -> addsim), alternating."""
    times: dict[str, dict[str, list[float]]] = {
        name: {"cold": [], "warm": [], "warm_no_burn_in": []} for name in scripts}
    said: dict[str, str] = dict.fromkeys(scripts, "")
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(runs):  # the order within a pair alternates from one pair to the next
            for name, addsim in list(scripts.items())[:: 1 if i % 2 == 0 else -1]:
                cache, out = Path(tmp) / f"cache-{name}-{i}", f"{tmp}/{name}-{i}"
                env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
                seconds, printed = timed([addsim, "run", "--out", f"{out}-cold"], env)
                times[name]["cold"].append(seconds)
                said[name] = said[name] or next(
                    (ln for ln in printed.splitlines() if "compil" in ln), "")
                seconds, _ = timed([addsim, "run", "--out", f"{out}-warm"], env)
                times[name]["warm"].append(seconds)
                # the same run without its burn-in: the difference is the burn-in's cost
                seconds, _ = timed([addsim, "run", "--out", f"{out}-bare", "--set",
                                    "run.burn_in=0"], env)
                times[name]["warm_no_burn_in"].append(seconds)
    return {name: {**{k: summary(v) for k, v in t.items()}, "compile_notice": said[name]}
            for name, t in times.items()}


def source_commit(addsim: str) -> str:
    """The commit of the checkout an ``addsim`` script's installation runs (editable)."""
    python = Path(addsim).parent / "python"
    done = subprocess.run([str(python), "-c", "import addsim; print(addsim.__file__)"],
                          capture_output=True, text=True, check=False)
    where = Path(done.stdout.strip()).parent
    git = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=where,
                         capture_output=True, text=True, check=False)
    return git.stdout.strip() or "unknown"


def ratios(this: dict[str, object], base: dict[str, object]) -> dict[str, float]:
    """this / baseline of every timed figure's median (below 1: this one is faster)."""
    out = {}
    for key, value in this.items():
        if isinstance(value, dict) and "median_s" in value:
            out[key] = round(value["median_s"] / base[key]["median_s"], 3)  # type: ignore
        elif isinstance(value, dict):
            out.update({f"{key}.{k}": r for k, r in ratios(value, base[key]).items()})  # type: ignore
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", required=True, help="the measurement's name (before, after)")
    parser.add_argument("--addsim", default=str(Path(sys.executable).parent / "addsim"),
                        help="the addsim script to time (default: beside this Python)")
    parser.add_argument("--baseline", help="another addsim script, timed alternately beside")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--runs", type=int, default=2, help="cold/warm default-run pairs")
    parser.add_argument("--skip-runs", action="store_true")
    args = parser.parse_args()
    scripts = {"this": args.addsim, **({"baseline": args.baseline} if args.baseline else {})}
    found: dict[str, dict[str, object]] = {name: {"addsim": s} for name, s in scripts.items()}
    for name, cmd in (("version", ["--version"]), ("help", ["--help"]),
                      ("run_help", ["run", "--help"])):
        t: dict[str, list[float]] = {k: [] for k in scripts}
        for i in range(args.repeats):
            for key, script in list(scripts.items())[:: 1 if i % 2 == 0 else -1]:
                t[key].append(timed([script, *cmd])[0])
        for key in scripts:
            found[key][name] = summary(t[key])
    if not args.skip_runs:
        for key, runs in first_runs(scripts, args.runs).items():
            found[key]["default_run"] = runs
    results = dict(found["this"])
    if args.baseline:
        results["ratio_to_baseline"] = ratios(found["this"], found["baseline"])
        results["baseline"] = {**found["baseline"], "commit": source_commit(args.baseline)}
    print(save("cli", args.label, results))


if __name__ == "__main__":
    main()
