"""Try a change to the default on tuning seeds: the substance targets and the Kaplan-Meier
median episode, two runs at a time. The hand adjustment after the shipped calibration
(docs/calibration.md) was made with it on seeds 8000 and 8001, which neither the validation
(7000-7009) nor the tests (10-24) use.

    python docs/_scripts/probe_default.py 8000,8001 -- life.roles_gain=8 seeking.base=0.5
    ADDSIM_PROBE_TARGETS=gambling python docs/_scripts/probe_default.py 8000,8001 -- ...
"""

from __future__ import annotations

import os
import sys
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # default_checks, in workers too


def _one(args: tuple[int, list[str]]) -> dict[str, Any]:
    """One run through default_checks.py's runner (survey and disorder episodes)."""
    from default_checks import _one as run

    return run(*args)


def main(argv: list[str]) -> int:
    from addsim.population.episodes import km_median
    from addsim.population.targets import load_targets, validate

    if "--" not in argv or not argv[0][:1].isdigit():
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    seeds = [int(x) for x in argv[0].split(",")]
    sets = argv[argv.index("--") + 1:]
    with Pool(min(2, len(seeds))) as pool:
        runs: list[Any] = pool.map(_one, [(s, sets) for s in seeds])
    name = os.environ.get("ADDSIM_PROBE_TARGETS", "substance")  # or gambling
    targets = load_targets(ROOT / "examples" / "targets" / f"{name}.toml")
    table = validate([r["survey"] for r in runs], targets)
    for _, r in table.iterrows():
        print(f"{'ok' if r['within'] else '--'} {r['observed']:.3f} "
              f"[{r['low']:.3f}, {r['high']:.3f}] {r['target']}")
    ep = pd.concat([r["episodes"] for r in runs])
    median = km_median(ep["years"].to_numpy(), ep["censored"].to_numpy())
    print(f"median episode {median:.2f} years; {int(table['within'].sum())} of {len(table)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
