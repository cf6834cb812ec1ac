"""The default run's outputs at another git revision beside the working tree's.

Not a speed benchmark: what a change did to the population. For each seed, the embedded
default (``addsim run`` with no config: 1,000 people, 20 years of weeks) runs with REF's code
and with the working tree's, each in its own process (benchmarks/_against.py), and the JSON
gives per seed and in the mean: lifetime use, the share of users ever addicted, disorder in
the last five years, onsets, cessations and relapses counted as they happen, the median
allostatic shift kappa among people in disorder at the end, and the mean number of latent
states.

    python benchmarks/compare_default.py --against 67b612f --seeds 101 102 103 [--save]

``--save`` stores both as the ``before`` and ``after`` measurements of
benchmarks/results/default-run.json (with machine, date and commit), which the docs render.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

MEASURES = ("ever_used", "ever_addicted_of_users", "disorder_last_5_years", "onsets",
            "cessations", "relapses", "kappa_median_in_disorder", "latent_states_mean")


def measure(seed: int, sets: tuple[str, ...] = (),
            extra: Any = None) -> dict[str, float | None]:
    """The measures of one default run (substance activity) with ``run.seed = seed`` (and
    the config overrides ``sets``; ``extra(model)`` adds measures of its own)."""
    import numpy as np

    from addsim.population import config
    from addsim.population.io.export import prevalence_frame
    from addsim.population.model import PopulationModel

    cfg = config.load(sets=[f"run.seed={seed}", *sets])
    m = PopulationModel(cfg)
    m.run(cfg.run.ticks)
    f = prevalence_frame(m)
    f = f[f["activity"] == "substance"].set_index("tick")
    act = m.activity("substance")
    tr, lr = act.tracker, act.learner
    disorder = (f["addicted"] + f["relapsed"]) / m.n
    now = (tr.status == 3) | (tr.status == 5)  # addicted, relapsed
    kappa = lr.rule.get("kappa")
    return {
        "ever_used": float(tr.ever_used.mean()),
        "ever_addicted_of_users": float(tr.ever_addicted.sum() / max(1, tr.ever_used.sum())),
        "disorder_last_5_years": float(disorder.iloc[-261:].mean()),
        "onsets": int(f["onsets"].sum()), "cessations": int(f["cessations"].sum()),
        "relapses": int(f["relapses"].sum()),
        "kappa_median_in_disorder": (float(np.median(kappa[now]))
                                     if kappa is not None and now.any() else None),
        "latent_states_mean": float(np.asarray(lr.n_latent).mean()),
        **(extra(m) if extra is not None else {}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", metavar="REF", help="git revision to compare with")
    parser.add_argument("--seeds", type=int, nargs="+", default=[101, 102, 103])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--save", action="store_true",
                        help="store before and after in benchmarks/results/default-run.json")
    args = parser.parse_args()
    if args.child or not args.against:
        print(json.dumps({str(s): measure(s) for s in args.seeds}))
        return
    from _against import checkout, env_for, provenance, release

    base, commit = checkout(ROOT, args.against)
    out: dict[str, dict] = {}
    try:
        for key in ("before", "after"):
            env = env_for(base) if key == "before" else dict(os.environ)
            cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "--seeds",
                   *map(str, args.seeds)]
            out[key] = json.loads(subprocess.run(cmd, env=env, check=True,
                                                 capture_output=True, text=True).stdout)
    finally:
        release(ROOT, base)

    def mean(runs: dict[str, dict], k: str) -> float | None:
        values = [r[k] for r in runs.values() if r[k] is not None]
        return sum(values) / len(values) if values else None

    if args.save:
        from _record import commit as here
        from _record import save

        for key in ("before", "after"):
            code = {"commit": commit[:12], "dirty": False} if key == "before" else here()
            save("default-run", key, {"seeds": args.seeds, "mean": {
                k: mean(out[key], k) for k in MEASURES}, "by_seed": out[key]}, code=code)
    print(json.dumps({"comparison": "default run, substance", "before_commit": commit,
                      **provenance(ROOT), "seeds": args.seeds,
                      "mean": {k: {"before": mean(out["before"], k),
                                   "after": mean(out["after"], k)} for k in MEASURES},
                      "by_seed": out}, indent=2))


if __name__ == "__main__":
    main()
