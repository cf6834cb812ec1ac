"""The embedded default's checks beyond its targets, on seeds neither the calibration nor the
tests use: disorder episodes (Kaplan-Meier median, censored), stationarity (years 1-5 against
16-20), lifetime and past-year disorder by age band, and the two ablations of issue 29 (a
failed search as an extinction trial; the frequency status rule) and gambling's stake ablated
(issue 29 item 5), on the same seeds.

    python docs/_scripts/default_checks.py            # docs/calibration/default_checks.json
                                                      # and validation.{csv,json,png}
    python docs/_scripts/default_checks.py --seeds 3  # a quicker look (not for the docs)

docs/_scripts/tables.py renders the README's and docs' blocks from the JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from addsim.population.survey import ADULTS, GROUPS

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "calibration" / "default_checks.json"
FIRST_SEED = 7000  # the validation seeds (examples/calibrate/params.toml); no test uses them
ARMS = {
    "default": [],
    "failed search as extinction": ["seeking.failed=extinction"],
    "frequency status rule": ["status.rule=frequency"],
    # gambling's stake (an extension of ours) ablated: every game the task's own, with the
    # access and the shared trait the default had before it (tests/test_default_scenario.py)
    "no stake (gambling)": ['risk.stake={dist="fixed", value=1.0}',
                            "activities.gambling.access_scale=1",
                            "comorbidity.factors={surge=1, natural_reward=-1, perceived_win=1}"],
}
GAMBLING = ("past_year_use", "lifetime_use", "past_year_disorder", "lifetime_disorder")
MEASURES = ("past_year_disorder", "lifetime_use", "lifetime_disorder", "past_year_remission",
            "relapse_12m", "relapse_frequent_12m", "ever_treated", "conditional_dependence")
EARLY, LATE = (1, 5), (16, 20)
# the measures' ages: the adults, as the targets drawn from adult surveys (NESARC, NESARC-III,
# NCS-R) are read (examples/targets/); the age profile has every band
BAND = ADULTS


def _one(seed: int, sets: list[str]) -> dict[str, Any]:
    """One run: its survey and its disorder episodes (substance)."""
    from addsim.population import config as C
    from addsim.population.episodes import disorder_episodes
    from addsim.population.io.export import survey_frame
    from addsim.population.model import PopulationModel

    cfg = C.load(sets=[f"run.seed={seed}", "run.history=true", *sets])
    model = PopulationModel(cfg)
    model.run(cfg.run.ticks)
    s = survey_frame(model)
    j = list(model.activity_names).index("substance")
    episodes = disorder_episodes(model.history[: model.tick, j, :], model.years_per_tick)
    from addsim.population.lifecourse import band_of
    from addsim.population.survey import BANDS

    people = np.bincount(band_of(model.age), minlength=len(BANDS))  # at the run's end
    return {"survey": s, "episodes": episodes, "burn_in_ticks": model.burn_in_ticks,
            "people_by_band": people}


def _years(s: pd.DataFrame, measure: str, years: tuple[int, int], band: str = BAND,
           activity: str = "substance") -> float:
    rows = s[(s["activity"] == activity) & (s["sex"] == "all") & (s["measure"] == measure)
             & (s["age_band"] == band) & s["year"].between(*years)]
    return float(np.nanmean(rows["value"])) if len(rows) else float("nan")


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    from addsim.population.episodes import km_median
    from addsim.population.survey import BANDS

    ep = pd.concat([r["episodes"] for r in runs], ignore_index=True)
    per_seed = {m: [_years(r["survey"], m, (1, 20)) for r in runs] for m in MEASURES}
    out: dict[str, Any] = {
        "episodes": len(ep), "censored": int(ep["censored"].sum()),
        "km_median_years": km_median(ep["years"].to_numpy(), ep["censored"].to_numpy()),
        "km_median_years_per_seed": [
            km_median(r["episodes"]["years"].to_numpy(), r["episodes"]["censored"].to_numpy())
            for r in runs],
        "measures": {m: {"mean": float(np.mean(v)), "low": float(np.percentile(v, 2.5)),
                         "high": float(np.percentile(v, 97.5)), "per_seed": v}
                     for m, v in per_seed.items()},
    }
    station = {}
    for m in ("past_year_disorder", "lifetime_use", "lifetime_disorder"):
        early = np.array([_years(r["survey"], m, EARLY) for r in runs])
        late = np.array([_years(r["survey"], m, LATE) for r in runs])
        whole = np.array(per_seed[m])
        half = 1.96 * float(np.std(whole, ddof=1)) if len(runs) > 1 else float("nan")
        station[m] = {"early": float(early.mean()), "late": float(late.mean()),
                      "difference": float((late - early).mean()),
                      "seed_interval_half_width": half,
                      "stationary": bool(abs((late - early).mean()) < half)}
    out["stationarity"] = station
    out["gambling"] = {
        m: {"mean": float(np.mean(v := [_years(r["survey"], m, (1, 20), activity="gambling")
                                         for r in runs])),
            "low": float(np.percentile(v, 2.5)), "high": float(np.percentile(v, 97.5))}
        for m in GAMBLING}
    out["lifetime_disorder_by_band"] = {
        b: {"mean": float(np.mean(v := [_years(r["survey"], "lifetime_disorder", (1, 20), b)
                                         for r in runs])),
            "low": float(np.percentile(v, 2.5)), "high": float(np.percentile(v, 97.5))}
        for b, _ in GROUPS}
    # past-year disorder by band, and 26+ pooled as a survey reports it (the bands weighted by
    # their people at the run's end: the population is stationary)
    older = [b for b in BANDS if b not in ("12-17", "18-25")]
    per_band = {b: [_years(r["survey"], "past_year_disorder", (1, 20), b) for r in runs]
                for b in BANDS}
    pooled = []
    for k, r in enumerate(runs):
        w = np.array([r["people_by_band"][BANDS.index(b)] for b in older], float)
        pooled.append(float(np.dot([per_band[b][k] for b in older], w) / w.sum()))
    out["past_year_disorder_by_band"] = {
        b: {"mean": float(np.mean(v)), "low": float(np.percentile(v, 2.5)),
            "high": float(np.percentile(v, 97.5))}
        for b, v in {**per_band, "26+": pooled}.items()}
    return out


def _validation(surveys: list[pd.DataFrame], seeds: list[int]) -> None:
    """The default against the substance targets on these seeds: validation.{csv,json,png}
    in docs/calibration (the format ``addsim calibrate`` writes, seeds included); against
    the gambling targets: gambling-validation.{json,png}."""
    from addsim.population.cli.validate import plot_validation
    from addsim.population.targets import load_targets, validate

    folder = OUT.parent
    for name, stem in (("substance", "validation"), ("gambling", "gambling-validation")):
        targets = f"examples/targets/{name}.toml"
        table = validate(surveys, load_targets(ROOT / targets))
        if name == "substance":
            table.to_csv(folder / f"{stem}.csv", index=False)
        plot_validation(table, folder / f"{stem}.png")
        report = {"targets": targets, "config": "the embedded default", "runs": len(surveys),
                  "seeds": seeds, "within": int(table["within"].sum()), "of": len(table),
                  "rows": json.loads(table.to_json(orient="records"))}
        (folder / f"{stem}.json").write_text(json.dumps(report, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10, help="seeds from 7000 (default 10)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    seeds = list(range(FIRST_SEED, FIRST_SEED + args.seeds))
    t0 = time.perf_counter()
    result: dict[str, Any] = {"seeds": seeds, "early_years": EARLY, "late_years": LATE,
                              "band": BAND, "arms": {}}
    total, done = len(ARMS) * len(seeds), 0
    for arm, sets in ARMS.items():
        runs = []
        for seed in seeds:
            runs.append(_one(seed, sets))
            done += 1
            print(f"\r{done}/{total} runs ({arm}, seed {seed}), "
                  f"{time.perf_counter() - t0:.0f} s", end="", file=sys.stderr, flush=True)
        result["arms"][arm] = {"sets": sets, **_summary(runs)}
        result["burn_in_ticks"] = runs[0]["burn_in_ticks"]
        if arm == "default" and args.out == OUT:
            _validation([r["survey"] for r in runs], seeds)
    print(file=sys.stderr)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    result.update({"seconds": round(time.perf_counter() - t0, 1), "commit": commit,
                   "date": dt.date.today().isoformat()})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=float) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
