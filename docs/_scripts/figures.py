"""Regenerate the docs' pictures and the figures the pages quote, from the commands they show.

- docs/prevalence.png and docs/data/default-run.json: ``addsim run`` of the embedded default
  (seed 0); the JSON keeps the run's size and the last simulated year's survey (all ages,
  substance, and the odds ratio between the activities), which the getting-started page's
  table is rendered from;
- docs/viewer.png and docs/viewer-replay.png: the live viewer at tick 700 with a person
  panel, and the replay of the default run at its end, drawn by docs/_scripts/screenshots.py
  (which checks that no two texts overlap; the tests run it on a small population);
- docs/compare.png and docs/data/compare-example.json: ``addsim compare`` of
  examples/scenarios/baseline.toml and yearly-treatment.toml on 12 seeds (the scenarios
  page's table is rendered from the JSON).

Then the docs' generated blocks are rewritten (docs/_scripts/tables.py). The reproductions'
figures (docs/relapse.png, renewal.png, reinstatement.png, blocking.png) are drawn by
``python -m addsim.population.reproduce.table figures docs`` and relapse-map.png by ``addsim
reproduce relapse-map``; they are not redrawn here.

    python docs/_scripts/figures.py [--only prevalence viewer compare]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SEED = 0
VIEWER_TICK = 700
# The survey measures the getting-started page shows, in its order (substance, all ages).
MEASURES = ("lifetime_use", "past_year_use", "past_month_use", "past_year_disorder",
            "lifetime_disorder", "conditional_dependence", "peer_onset_rr",
            "incidence_use_per_1000py", "incidence_disorder_per_1000py", "past_year_remission",
            "relapse_12m", "deaths_per_1000py", "peer_cessation_rr")
BETWEEN = "odds_ratio_gambling_given_substance"  # activity "all"


def _addsim(*argv: str) -> None:
    from addsim.population.cli import main

    code = main(list(argv))
    if code != 0:
        raise SystemExit(f"addsim {' '.join(argv)} failed with status {code}")


def default_run() -> None:
    """The default run: its prevalence figure and the last year's survey figures."""
    import pandas as pd

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        _addsim("run", "--out", str(out), "--seed", str(SEED))
        shutil.copyfile(out / "prevalence.png", DOCS / "prevalence.png")
        survey = pd.read_csv(out / "survey.csv")
        run = json.loads((out / "run.json").read_text())
    year = int(survey["year"].max())
    last = survey[(survey["year"] == year) & (survey["age_band"] == "all")
                  & (survey.get("sex", "all") == "all")]
    value = last.set_index(["activity", "measure"])["value"]
    figures = {m: float(value[("substance", m)]) for m in MEASURES}
    figures[BETWEEN] = float(value[("all", BETWEEN)])
    data = {"command": f"addsim run --out DIR --seed {SEED}", "seed": run["seed"],
            "people": run["individuals"], "ticks": run["ticks"], "year": year,
            "last_year": figures}
    (DOCS / "data").mkdir(exist_ok=True)
    (DOCS / "data" / "default-run.json").write_text(json.dumps(data, indent=2) + "\n")


def viewer() -> None:
    """The viewer's pictures (live at tick 700, replay at the end), their texts checked."""
    sys.path.insert(0, str(Path(__file__).parent))
    import screenshots

    found = screenshots.screenshots(DOCS)
    bad = {name: overlaps for name, overlaps in found.items() if overlaps}
    if bad:
        raise SystemExit(f"figures: overlapping texts in {bad}")


COMPARE_SEEDS = 12  # chosen before the first run of the example


def compare() -> None:
    """The scenarios page's example: yearly treatment against the default without it."""
    import pandas as pd

    scenarios = ROOT / "examples" / "scenarios"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cmp"
        _addsim("compare", str(scenarios / "baseline.toml"),
                str(scenarios / "yearly-treatment.toml"), "--seeds", str(COMPARE_SEEDS),
                "--out", str(out))
        shutil.copyfile(out / "compare.png", DOCS / "compare.png")
        totals = pd.read_json(out / "totals.json", orient="records")
        diff = pd.read_parquet(out / "difference.parquet")
    last = int(diff["year"].max())
    per_year = diff[(diff["measure"] == "fraction_disorder") & (diff["year"] % 5 == 0)]
    data = {
        "command": ("addsim compare examples/scenarios/baseline.toml "
                    f"examples/scenarios/yearly-treatment.toml --seeds {COMPARE_SEEDS} "
                    "--out cmp"),
        "seeds": COMPARE_SEEDS, "years": last,
        "totals": json.loads(totals.to_json(orient="records")),
        "disorder_by_year": json.loads(per_year.to_json(orient="records")),
    }
    (DOCS / "data").mkdir(exist_ok=True)
    (DOCS / "data" / "compare-example.json").write_text(json.dumps(data, indent=2) + "\n")


FIGURES = {"prevalence": default_run, "viewer": viewer, "compare": compare}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=sorted(FIGURES), default=sorted(FIGURES))
    args = parser.parse_args()
    for name in args.only:
        print(f"figures: {name}", flush=True)
        FIGURES[name]()
    sys.path.insert(0, str(Path(__file__).parent))
    import tables

    for line in tables.write():
        print(f"rewrote {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
