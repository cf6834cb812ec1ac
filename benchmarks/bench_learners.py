"""Benchmark: individual-steps per second of the batched dual-process learner (substance task).

Prints JSON: the batched rollout at N = 1,000, 100,000 and 1,000,000 individuals, and the
per-individual reference loop (tests/reference.py: one individual at a time, plain Python)
measured in the same process, with the ratio. Speed is never asserted in tests.

    python benchmarks/bench_learners.py [--sizes 1000 100000 1000000] [--learner dual_process]
    python benchmarks/bench_learners.py --against 67b612f [--rounds 3] [--sizes 100000]

``--compare NAME`` measures learner NAME (e.g. ``dual_process_mb``, the arbitrated,
homeostatic planner of agents/model_based.py, with its homeostasis on) beside ``--learner``
in the same process, alternating (``--rounds`` each, the median kept), with each learner's
state and parameters in bytes per individual; ``--save`` stores it as benchmarks/results/
planner.json (the docs' benchmark page renders it):

    python benchmarks/bench_learners.py --compare dual_process_mb --sizes 100000 [--save]

``--against REF`` measures the code at git revision REF and the working tree in the same run,
alternating (REF, here, REF, here, ...: ``--rounds`` each), every round in its own process:
REF's code is checked out into a temporary git worktree and imported from there, with REF's
own tests/reference.py as its per-individual loop. The JSON then has ``before`` and
``after`` (the median round of each) and their ratios to their own reference loops; with
``--save`` both are stored as the ``before`` and ``after`` measurements of
benchmarks/results/learners.json (with machine, date and commit; the docs' benchmark page
is rendered from it).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/_against.py
TESTS = Path(__import__("os").environ.get("ADDSIM_BENCH_TESTS", ROOT / "tests"))
sys.path[:0] = [str(TESTS)]  # the per-individual reference (tests/reference.py)

from addsim.agents import make_learner  # noqa: E402
from addsim.envs.substance import SubstanceCore  # noqa: E402
from addsim.population.rollout import rollout  # noqa: E402

COMPARED = {"dual_process_mb": {"homeostasis": 1.0, "drive_scale": 0.01}}  # as a population


def batched(name: str, n: int, ticks: int, seed: int = 0,
            learner_out: list[object] | None = None) -> dict[str, float]:
    """Time a batched rollout of ``ticks`` ticks for ``n`` individuals (after a warm-up)."""
    core = SubstanceCore(n)
    learner = make_learner(name, n, core.n_states, core.n_actions, core.cue_dim,
                           salience=core.salience(), **COMPARED.get(name, {}))
    rng = np.random.default_rng(seed)
    rollout(learner, core, 2, rng)  # warm-up: first states created, buffers touched
    t0 = time.perf_counter()
    rollout(learner, core, ticks, rng)
    seconds = time.perf_counter() - t0
    if learner_out is not None:
        learner_out.append(learner)
    return {"n": n, "ticks": ticks, "seconds": seconds, "steps_per_s": n * ticks / seconds}


def bytes_at_capacity(name: str, n: int = 100) -> dict[str, int]:
    """State and parameter bytes per individual once every latent slot is allocated."""
    core = SubstanceCore(n)
    learner = make_learner(name, n, core.n_states, core.n_actions, core.cue_dim,
                           **COMPARED.get(name, {}))
    while hasattr(learner, "capacity") and learner.slots < learner.capacity:
        learner._n_active[:] = learner.slots
        learner._grow()
    return learner.memory() if hasattr(learner, "memory") else {}


def compare_learners(base: str, other: str, sizes: list[int], steps: float,
                     rounds: int) -> dict[str, object]:
    """``base`` and ``other`` alternating in one process, ``rounds`` each per size (the
    median round kept), and their bytes per individual."""
    rows = []
    for n in sizes:
        ticks = max(3, int(steps // n))
        runs: dict[str, list[dict[str, float]]] = {base: [], other: []}
        for _ in range(rounds):
            for name in (base, other):
                runs[name].append(batched(name, n, ticks))
        med = {name: sorted(r, key=lambda x: x["steps_per_s"])[len(r) // 2]
               for name, r in runs.items()}
        rows.append({"n": n, "ticks": ticks, base: med[base], other: med[other],
                     "ratio": med[other]["steps_per_s"] / med[base]["steps_per_s"],
                     "rounds": {name: [x["steps_per_s"] for x in r] for name, r in runs.items()}})
    return {"benchmark": "learners compared", "task": "substance", "base": base,
            "learner": other, "overrides": COMPARED.get(other, {}),
            "machine": {"python": platform.python_version(),
                        "cpus": __import__("os").cpu_count(), **engine()},
            "bytes_per_individual": {base: bytes_at_capacity(base),
                                     other: bytes_at_capacity(other)},
            "batched": rows}


def reference(name: str, n: int, ticks: int, seed: int = 0) -> dict[str, float]:
    """Time the per-individual reference: one learner object and one core per individual."""
    from reference import make_reference

    rng = np.random.default_rng(seed)
    people = []
    for _ in range(n):
        core = SubstanceCore(1)
        params = make_learner(name, 1, core.n_states, core.n_actions, core.cue_dim).p
        people.append((core, make_reference(name, params, core.n_states, core.n_actions,
                                            core.cue_dim, 8)))
    t0 = time.perf_counter()
    for core, ref in people:
        pending = None
        for _ in range(ticks):
            obs = core.cue(rng.standard_normal((1, core.cue_dim)))[0] if ref_uses_cue(name) \
                else int(core.state[0])
            z = ref.observe(obs, float(rng.random()))
            if pending is not None:
                s, a, r, drug, x = pending
                ref.learn(s, a, r, z, drug, x)
            a = ref.act(z, float(rng.random()))
            out = core.step(np.array([a]), core.draw(rng))
            pending = (z, a, float(out.reward[0]), bool(out.drug[0]),
                       obs if ref_uses_cue(name) else None)
    seconds = time.perf_counter() - t0
    return {"n": n, "ticks": ticks, "seconds": seconds, "steps_per_s": n * ticks / seconds}


def engine() -> dict[str, object]:
    """Whether the kernels ran compiled (numba version, threads, cache) or as plain Python."""
    from addsim import _jit

    return _jit.describe()


def ref_uses_cue(name: str) -> bool:
    return name in ("latent_state", "dual_process")


def compare(rev: str, argv: list[str], rounds: int) -> dict[str, object]:
    """Alternate rounds of REF and the working tree, each in a fresh process (see above)."""
    from _against import alternate, provenance

    commit, out = alternate(ROOT, rev, [[sys.executable, str(Path(__file__).resolve()), *argv]],
                            rounds)
    runs = {key: [json.loads(o) for o in outs] for key, outs in out.items()}

    def median(key: str) -> dict[str, object]:
        rows = sorted(runs[key], key=lambda r: r["batched"][0]["ratio_to_reference"])
        return rows[len(rows) // 2]

    return {"benchmark": "learners, before and after", "before_commit": commit,
            **provenance(ROOT), "rounds": rounds,
            "before": median("before"), "after": median("after"), "all_rounds": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learner", default="dual_process")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000, 1_000_000])
    parser.add_argument("--steps", type=float, default=2e6,
                        help="individual-steps per batched measurement (ticks = steps / N)")
    parser.add_argument("--ref-individuals", type=int, default=20)
    parser.add_argument("--ref-ticks", type=int, default=200)
    parser.add_argument("--against", metavar="REF",
                        help="also measure git revision REF, alternating with this tree")
    parser.add_argument("--rounds", type=int, default=3, help="rounds each with --against")
    parser.add_argument("--save", action="store_true",
                        help="with --against or --compare: store in benchmarks/results")
    parser.add_argument("--compare", metavar="NAME",
                        help="also measure learner NAME beside --learner, alternating")
    args = parser.parse_args()
    if args.compare:
        out = compare_learners(args.learner, args.compare, args.sizes, args.steps, args.rounds)
        if args.save:
            from _record import save

            save("planner", args.compare, out)
        print(json.dumps(out, indent=2))
        return
    if args.against:
        child = ["--learner", args.learner, "--sizes", *map(str, args.sizes), "--steps",
                 str(args.steps), "--ref-individuals", str(args.ref_individuals),
                 "--ref-ticks", str(args.ref_ticks)]
        out = compare(args.against, child, args.rounds)
        if args.save:
            from _record import commit, save

            for key in ("before", "after"):
                code = ({"commit": out["before_commit"][:12], "dirty": False}
                        if key == "before" else commit())
                save("learners", key, {**out[key], "rounds": [
                    r["batched"] for r in out["all_rounds"][key]]}, code=code)
        print(json.dumps(out, indent=2))
        return
    ref = reference(args.learner, args.ref_individuals, args.ref_ticks)
    rows = []
    for n in args.sizes:
        ticks = max(3, int(args.steps // n))
        row = batched(args.learner, n, ticks)
        row["ratio_to_reference"] = row["steps_per_s"] / ref["steps_per_s"]
        rows.append(row)
    print(json.dumps({
        "benchmark": "learners", "learner": args.learner, "task": "substance",
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count(),
                    **engine()},
        "reference_loop": ref, "batched": rows,
    }, indent=2))


if __name__ == "__main__":
    main()
