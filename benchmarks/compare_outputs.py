"""Are the outputs byte-identical to another git revision's? The check a refactor must pass.

Runs the same commands with the code at git revision REF (checked out into a temporary
worktree, benchmarks/_against.py) and with the working tree, each in its own process, and
compares the tables they write byte for byte: ``addsim run`` of the embedded default
(prevalence.csv, survey.csv), the same at 40,000 people for 3 years, and every ``addsim
reproduce`` protocol's CSV (small sizes for the two heavy maps). Prints JSON: per file
"identical" or the first differing line; exit status 1 if any differs.

    python benchmarks/compare_outputs.py --against 67b612f [--only run reproduce] [--big]
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

# (case name, addsim arguments, the files to compare)
RUNS = [("default run", ["run", "--seed", "0"], ["prevalence.csv", "survey.csv"])]
BIG = [("40,000 people x 3 years",
        ["run", "--seed", "0", "--set", "population.size=40000", "--ticks", "156"],
        ["prevalence.csv", "survey.csv"])]
SIZES = {"heatmap": ["--individuals", "5", "--step", "2.5"],
         "relapse-map": ["--individuals", "10"]}


def _cases(only: list[str], big: bool) -> list[tuple[str, list[str], list[str]]]:
    from addsim.population.reproduce import REGISTRY

    cases: list[tuple[str, list[str], list[str]]] = []
    if "run" in only:
        cases += RUNS + (BIG if big else [])
    if "reproduce" in only:
        for name in REGISTRY:
            cases.append((f"reproduce {name}",
                          ["reproduce", name, *SIZES.get(name, ["--individuals", "100"])],
                          [f"{name}.csv"]))
    return cases


def _run(args: list[str], out: Path, env: dict[str, str]) -> None:
    cmd = [sys.executable, "-m", "addsim", *args, "--out", str(out)]
    subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)


def _first_difference(a: Path, b: Path) -> str:
    with a.open() as fa, b.open() as fb:
        for k, (la, lb) in enumerate(zip(fa, fb, strict=False), 1):
            if la != lb:
                return f"line {k}: {la.strip()[:120]!r} vs {lb.strip()[:120]!r}"
    return "one file is longer"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, metavar="REF")
    parser.add_argument("--only", nargs="+", default=["run", "reproduce"],
                        choices=["run", "reproduce"])
    parser.add_argument("--big", action="store_true", help="also 40,000 people x 3 years")
    args = parser.parse_args()
    from _against import checkout, env_for, release

    base, commit = checkout(ROOT, args.against)
    report: dict[str, object] = {"against": commit, "cases": {}}
    differs = False
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for name, argv, files in _cases(args.only, args.big):
                outs = {}
                for key, env in (("before", env_for(base)), ("after", dict(os.environ))):
                    outs[key] = Path(tmp) / key / name.replace(" ", "_").replace(",", "")
                    _run(argv, outs[key], env)
                result = {}
                for f in files:
                    a, b = outs["before"] / f, outs["after"] / f
                    same = filecmp.cmp(a, b, shallow=False)
                    result[f] = "identical" if same else _first_difference(a, b)
                    differs |= not same
                report["cases"][name] = result  # type: ignore[index]
                print(f"{name}: {result}", file=sys.stderr, flush=True)
    finally:
        release(ROOT, base)
    print(json.dumps(report, indent=2))
    return 1 if differs else 0


if __name__ == "__main__":
    raise SystemExit(main())
