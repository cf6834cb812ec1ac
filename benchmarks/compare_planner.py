"""The default population against the same population with the planner learner, same seeds.

Not a speed benchmark: what the arbitrated, homeostatic learner (``learner =
"dual_process_mb"`` for the substance activity, agents/model_based.py, with the activity's
homeostatic constants, population/activity.py) does to remission and relapse. For each seed
the embedded default (1,000 people, 20 years of weeks) runs as it is and with the planner
learner; the JSON gives benchmarks/compare_default.py's measures per seed, their means and
the planner's minus the default's per seed with a bootstrap interval over the seeds, and,
for the planner's run, the setpoint and the habit's share among people in disorder at the
end. Reported, not tuned (issue 33).

    python benchmarks/compare_planner.py --seeds 101 102 103 104 105 [--save]

``--save`` stores it as benchmarks/results/planner-population.json (with machine, date and
commit); the docs render it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare_default import MEASURES, measure

PLANNER = ("activities.substance.learner=dual_process_mb",)


def planner_state(m: Any) -> dict[str, float | None]:
    """The planner's setpoint and habit share among people in disorder at the end."""
    act = m.activity("substance")
    now = (act.tracker.status == 3) | (act.tracker.status == 5)  # addicted, relapsed
    lr = act.learner
    return {"setpoint_in_disorder": float(lr.setpoint[now].mean()) if now.any() else None,
            "habit_in_disorder": float(lr.habit[now].mean()) if now.any() else None,
            "setpoint_above_baseline": float((lr.setpoint > 100.0).mean())}


def interval(diffs: list[float], seed: int = 0, reps: int = 2000) -> list[float]:
    """Percentile-bootstrap 95% interval of the mean of per-seed differences."""
    x = np.asarray(diffs, dtype=np.float64)
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, len(x), (reps, len(x)))].mean(axis=1)
    return [float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[101, 102, 103, 104, 105])
    parser.add_argument("--save", action="store_true",
                        help="store in benchmarks/results/planner-population.json")
    args = parser.parse_args()
    runs = {"default": {s: measure(s) for s in args.seeds},
            "planner": {s: measure(s, PLANNER, planner_state) for s in args.seeds}}
    summary: dict[str, dict[str, object]] = {}
    for k in MEASURES:
        pairs = [(runs["planner"][s][k], runs["default"][s][k]) for s in args.seeds]
        pairs = [(a, b) for a, b in pairs if a is not None and b is not None]
        diffs = [a - b for a, b in pairs]
        summary[k] = {"default": float(np.mean([b for _, b in pairs])) if pairs else None,
                      "planner": float(np.mean([a for a, _ in pairs])) if pairs else None,
                      "planner-default": float(np.mean(diffs)) if diffs else None,
                      "ci": interval(diffs) if len(diffs) > 1 else None}
    out = {"comparison": "default population against the planner learner (substance)",
           "seeds": args.seeds, "mean": summary,
           "by_seed": {k: {str(s): v for s, v in r.items()} for k, r in runs.items()}}
    if args.save:
        from _record import save

        save("planner-population", "planner", out)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
