"""Benchmark: the full population tick (both activities, peer exposure, statuses, records).

For each size N (default 10,000 and 1,000,000) on the default small-world network, a child
process builds the model and runs a few ticks; it reports construction time, individual-
activity-ticks per second and peak memory (max RSS), and the ratio to the per-individual
reference loop (benchmarks/bench_learners.py) measured in the same run. Prints JSON; never
asserted in tests.

    python benchmarks/bench_population.py [--sizes 10000 1000000] [--ticks 20] [--warmup 2]
    python benchmarks/bench_population.py --against 58ff164 --sizes 1000000 --warmup 300 \
        --ticks 10 [--rounds 2] [--save LABEL]

``--warmup 300`` times a mid-run tick instead (people exposed, several latent states each).
The population starts without the default's burn-in (``run.burn_in = 0``): at a million
people its 68 years would take most of an hour, and the warm-up gives the mid-run state.
``--against REF`` measures git revision REF and the working tree in the same sitting,
alternating round by round, each in a fresh process (benchmarks/_against.py).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one(n: int, ticks: int, warmup: int = 2) -> dict[str, float]:
    """Build and run one population in this process; return its figures."""

    from addsim.population import config as C
    from addsim.population.model import PopulationModel

    cfg = C.load(sets=[f"population.size={n}", f"run.ticks={ticks + warmup}", "interventions=[]",
                       "run.burn_in=0"])
    t0 = time.perf_counter()
    model = PopulationModel(cfg)
    build = time.perf_counter() - t0
    model.run(warmup)  # warm-up: first latent states (or a mid-run state)
    t0 = time.perf_counter()
    model.run(ticks)
    sim = time.perf_counter() - t0
    k = len(model.activity_names)
    # latent-state learners report their state memory and allocated slots; tabular ones do not
    memory = {name: getattr(act.learner, "memory", lambda: None)()
              for name, act in model.activities.items()}
    slots = {name: getattr(act.learner, "slots", None) for name, act in model.activities.items()}
    return {
        "n": n, "ticks": ticks, "warmup": warmup, "activities": k, "construction_s": build,
        "simulation_s": sim, "learner_bytes_per_individual": memory, "latent_slots": slots,
        "individual_activity_ticks_per_s": n * k * ticks / sim,
        "individual_ticks_per_s": n * ticks / sim,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        **_engine(),
    }


def _engine() -> dict[str, object]:
    """Whether the kernels ran compiled (numba version, threads, cache) or as plain Python."""
    from addsim import _jit

    return _jit.describe()


def against(rev: str, sizes: list[int], ticks: int, warmup: int, rounds: int
            ) -> dict[str, object]:
    """REF and the working tree, alternating, ``rounds`` times per size: each round's figures
    and, per size, the after/before ratio of the medians' steps per second."""
    import statistics

    from _against import alternate, provenance

    commands = [[sys.executable, __file__, "--one", str(n), "--ticks", str(ticks), "--warmup",
                 str(warmup)] for n in sizes]

    def row(stdout: str) -> dict:
        return json.loads(stdout.strip().splitlines()[-1])

    def say(key: str, stdout: str) -> None:
        r = row(stdout)
        print(f"{key} n={r['n']}: {r['individual_activity_ticks_per_s']:,.0f} "
              "individual-activity-steps/s", file=sys.stderr, flush=True)

    commit, out = alternate(ROOT, rev, commands, rounds, say)
    runs = {key: [row(o) for o in outs] for key, outs in out.items()}

    def med(key: str, n: int, field: str) -> float:
        return statistics.median(r[field] for r in runs[key] if r["n"] == n)

    speed = "individual_activity_ticks_per_s"
    summary = {n: {f"{key}_{f}": med(key, n, f) for key in ("before", "after")
                   for f in (speed, "construction_s", "peak_rss_mb")} for n in sizes}
    for n in sizes:
        summary[n]["after_over_before"] = med("after", n, speed) / med("before", n, speed)
    return {"benchmark": "population, before and after", "before_commit": commit,
            **provenance(ROOT), "rounds": rounds, "ticks": ticks, "warmup": warmup,
            "summary": summary, "all_rounds": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--save", metavar="LABEL",
                        help="store the result as measurement LABEL of "
                             "benchmarks/results/population.json (machine, date, commit)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--ticks", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--against", metavar="REF",
                        help="also measure git revision REF, alternating with this tree")
    parser.add_argument("--rounds", type=int, default=2, help="rounds each with --against")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.ticks, args.warmup)))
        return
    sys.path[:0] = [str(ROOT / "benchmarks")]
    if args.against:
        out = against(args.against, args.sizes, args.ticks, args.warmup, args.rounds)
        if args.save:
            from _record import save

            save("population", args.save, out)
        print(json.dumps(out, indent=2))
        return
    from bench_learners import reference

    ref = reference("dual_process", 20, 200)
    rows = []
    for n in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n), "--ticks", str(args.ticks),
             "--warmup", str(args.warmup)],
            check=True, capture_output=True, text=True,
        )
        row = json.loads(out.stdout.strip().splitlines()[-1])
        row["ratio_to_reference"] = row["individual_activity_ticks_per_s"] / ref["steps_per_s"]
        rows.append(row)
    result = {"benchmark": "population", "network": "watts_strogatz k=10 p=0.1",
              "reference_loop": ref, "runs": rows}
    if args.save:
        from _record import save

        save("population", args.save, result)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
