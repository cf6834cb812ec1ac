"""Benchmark: the wall time of the shipped calibration and of one Morris analysis.

Runs, each in a fresh temporary folder through the command line as a user would:
``addsim calibrate --targets examples/targets/substance.toml --params
examples/calibrate/params.toml --workers W`` (the default config) and ``addsim sensitivity``
with examples/sensitivity/params.toml (Morris, r = 4, the substance targets' slices as outcomes).
Prints JSON: wall seconds, simulations and simulations per second, against the mean time of
one default run measured in the same process (the baseline). Never asserted in tests.

    python benchmarks/bench_calibration.py [--workers 2] [--skip-calibration] [--skip-morris]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ROOT / "examples" / "targets" / "substance.toml"


def _addsim(*args: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "addsim", *args], check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def one_run() -> float:
    """Seconds of one default run (1,000 people, 20 years) in this process, after a warm-up."""
    from addsim.population import config as C
    from addsim.population.model import PopulationModel

    cfg = C.load(sets=["run.ticks=10"])
    PopulationModel(cfg).run(10)  # compile / load the kernels
    cfg = C.load()
    t0 = time.perf_counter()
    PopulationModel(cfg).run(cfg.run.ticks)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--save", metavar="LABEL",
                        help="store the result as measurement LABEL of "
                             "benchmarks/results/calibration.json (machine, date, commit)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-calibration", action="store_true")
    ap.add_argument("--skip-morris", action="store_true")
    args = ap.parse_args()
    out: dict[str, object] = {"workers": args.workers, "one_default_run_s": one_run()}
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_calibration:
            wall = _addsim("calibrate", "--targets", str(TARGETS), "--params",
                           str(ROOT / "examples" / "calibrate" / "params.toml"), "--out",
                           f"{tmp}/cal", "--workers", str(args.workers))
            meta = json.loads(Path(f"{tmp}/cal/calibration.json").read_text())
            sims = sum(g["simulations"] for g in meta["generations"])
            out["calibration"] = {
                "wall_s": wall, "abc_s": meta["abc_seconds"],
                "validation_s": meta["validation_seconds"], "simulations": sims,
                "simulations_per_s": sims / meta["abc_seconds"],
                "ratio_to_serial_runs": sims * out["one_default_run_s"] / meta["abc_seconds"],
            }
        if not args.skip_morris:
            wall = _addsim("sensitivity", "--params",
                           str(ROOT / "examples" / "sensitivity" / "params.toml"),
                           "--outcomes-from", str(TARGETS), "--trajectories", "4",
                           "--out", f"{tmp}/sens",
                           "--workers", str(args.workers))
            meta = json.loads(Path(f"{tmp}/sens/sensitivity.json").read_text())
            out["morris"] = {"wall_s": wall, "runs": meta.get("runs")}
    if args.save:
        from _record import save

        save("calibration", args.save, out)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
