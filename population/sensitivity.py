"""Global sensitivity of survey outcomes to config parameters, with SALib (Morris or Sobol').

The box is a parameters file (params.py, the same file as ``addsim calibrate``): each
parameter varies between its low and high on its own scale (uniform in log(value) for
``log``). SALib draws the design on those scales with a fixed seed (0), every design point
is run through the batch engine (``execute_run``) on seeds 0 .. K-1 (the same seeds at every
point: common random numbers, so a difference between points is the parameters', not the
draws'), and each outcome is a target's slice of a run's survey table (``targets.observe``),
averaged over the K seeds like ``addsim validate`` averages runs.

- Morris (1991) elementary effects, the default: r trajectories of D+1 points on a grid of
  ``NUM_LEVELS`` levels; EE_i = (y(x + delta e_i) - y(x)) / delta, with delta in units of the
  box (so an effect is the outcome's change over ``delta`` of the parameter's range). Per
  parameter: mu* = mean |EE| (its importance), its bootstrap 95% interval, sigma = sd of EE
  (non-linearity or interactions). r (D + 1) runs per seed.
- Sobol' (Saltelli's scheme, first and total order only): S1 = the share of the outcome's
  variance due to the parameter alone, ST = the share it has a hand in. N (D + 2) runs per
  seed, N a power of 2.

A point where an outcome is NaN (nobody to measure in any of its seeds) has no value, yet
both designs need every point (a Morris effect is a difference along a trajectory): such a
point takes the outcome's mean over the other points, which is counted and reported. The
tables depend on the command only: the design and SALib's bootstrap are seeded, and results
are put in design order whatever order the workers finish in.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import ValidationError

from addsim._errors import ConfigError, did_you_mean, shown
from addsim.population import calendar
from addsim.population.config import Config
from addsim.population.params import Space
from addsim.population.survey import COMORBIDITY, MEASURES, PEER, PEER_MEASURES, PEER_PARTS
from addsim.population.targets import ACTIVITIES, AGE_BANDS, Target, Targets, observe

Method = Literal["morris", "sobol"]
NUM_LEVELS = 4  # Morris grid levels (even, as Morris 1991 advises; SALib's default)
SEED = 0  # the design's and the bootstrap's seed: the same command, the same tables
ALL_MEASURES = (*MEASURES, COMORBIDITY, *PEER_MEASURES)
COLUMNS = {
    "morris": ("mu", "mu_star", "mu_star_conf", "sigma"),
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
}
RANK_BY = {"morris": "mu_star", "sobol": "ST"}


# --------------------------------------------------------------------- outcomes


def run_years(cfg: Config) -> int:
    """Simulated years with a survey row in a run of ``cfg`` (year y ends after
    round(y x ticks per year) ticks, as in survey.py)."""
    tpy = calendar.ticks_per_year(cfg.days_per_tick)
    y = 0
    while round((y + 1) * tpy) <= cfg.run.ticks:
        y += 1
    return y


def _allowed(cfg: Config) -> str:
    parts = "|".join(p for p in PEER_PARTS if p)
    return (f"MEASURE[:ACTIVITY[:YEARS[:AGE_BAND]]] with MEASURE one of "
            f"{', '.join((*MEASURES, COMORBIDITY, *PEER))} (the last two also with "
            f"{parts}); ACTIVITY one of {', '.join(ACTIVITIES)}; YEARS a "
            f"year or FIRST-LAST within 1-{run_years(cfg)}; AGE_BAND one of "
            f"{', '.join(AGE_BANDS)}")


def parse_outcome(text: str, cfg: Config, field_name: str = "--outcomes") -> Target:
    """An outcome ``MEASURE[:ACTIVITY[:YEARS[:AGE_BAND]]]`` as a Target of ``cfg``'s run
    (defaults: activity substance, or all for the comorbidity odds ratio; every year of the
    run; age band all); a mistake is one ConfigError line naming ``field_name``."""
    parts = text.strip().split(":")
    if not 1 <= len(parts) <= 4 or not parts[0]:
        raise ConfigError(f"{field_name}: got {shown(text)}, expected {_allowed(cfg)}")
    measure = parts[0]
    if measure not in ALL_MEASURES:
        raise ConfigError(f"{field_name}: got {shown(text)}: unknown measure {shown(measure)}"
                          f"{did_you_mean(measure, ALL_MEASURES)}; expected {_allowed(cfg)}")
    activity = parts[1] if len(parts) > 1 and parts[1] else (
        "all" if measure == COMORBIDITY else "substance")
    n_years = run_years(cfg)
    years: int | list[int] = [1, max(n_years, 1)]
    if len(parts) > 2 and parts[2]:
        span = parts[2].split("-")
        if len(span) > 2 or not all(s.isascii() and s.isdigit() for s in span):
            raise ConfigError(f"{field_name}: got {shown(text)}: years {shown(parts[2])} is not "
                              f"a year or FIRST-LAST (e.g. 11-20); expected years within "
                              f"1-{n_years}")
        years = int(span[0]) if len(span) == 1 else [int(span[0]), int(span[1])]
    age_band = parts[3] if len(parts) > 3 and parts[3] else "all"
    try:
        target = Target(name=text.strip(), measure=measure, activity=activity,
                        age_band=age_band, years=years, value=0.0, sd=1.0,
                        source=f"addsim sensitivity {field_name}")
    except ValidationError as exc:
        from addsim.population.config import format_error

        raise ConfigError(f"{field_name}: got {shown(text)}: {format_error(exc, Target)}") from None
    check_slice(target, cfg, f"{field_name}: got {shown(text)}")
    return target


def check_slice(target: Target, cfg: Config, where: str) -> None:
    """Refuse a slice the run cannot have: a disabled activity, years beyond the run (a
    band the measure has no rows for is refused by :class:`Target` itself)."""
    enabled = cfg.enabled_activities
    if target.measure == COMORBIDITY:
        if target.activity != "all" or len(enabled) < 2:
            raise ConfigError(f"{where}: {COMORBIDITY} is measured for activity 'all' with "
                              f"both activities enabled (enabled: {', '.join(enabled)})")
    elif target.activity not in enabled:
        why = (f"has {COMORBIDITY} only" if target.activity == "all" else "is not simulated")
        raise ConfigError(f"{where}: activity {shown(target.activity)} {why}; expected one of "
                          f"{', '.join(enabled)}")
    first, last = target.year_range
    n_years = run_years(cfg)
    if n_years < 1:
        raise ConfigError(f"{where}: the run ({cfg.run.ticks} ticks) is shorter than a year: "
                          "no survey year to measure; lengthen run.ticks")
    if last > n_years:
        span = f"{first}" if first == last else f"{first}-{last}"
        raise ConfigError(f"{where}: years {span} go beyond the run's {n_years} simulated "
                          f"year(s); expected years within 1-{n_years}")


def parse_outcomes(texts: Sequence[str], cfg: Config) -> list[Target]:
    """Every ``--outcomes`` value as a Target; distinct ones only."""
    targets = [parse_outcome(t, cfg) for t in texts]
    names = [t.name for t in targets]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"--outcomes: {shown(name)} is given twice")
    return targets


def outcomes_from(targets: Targets, cfg: Config, field_name: str = "--outcomes-from"
                  ) -> list[Target]:
    """A targets file's slices as the outcomes (their values and intervals play no part)."""
    for i, t in enumerate(targets.target):
        check_slice(t, cfg, f"{field_name}: target[{i}] ({shown(t.name)})")
    return list(targets.target)


def check_names(outcomes: Sequence[Target], space: Space, field_name: str) -> None:
    """Outcome names become columns of samples.parquet beside point, seed and the keys."""
    taken = {"point", "seed", *space.keys}
    for t in outcomes:
        if t.name in taken:
            raise ConfigError(f"{field_name}: outcome {shown(t.name)} has the name of a column of "
                              f"samples.parquet (point, seed, the parameters); rename it")


# --------------------------------------------------------------------- the design


def problem(space: Space) -> dict[str, Any]:
    """SALib's problem: the parameters and their ranges on their own scales."""
    return {"num_vars": len(space.keys), "names": list(space.keys),
            "bounds": [list(p.bounds) for p in space.params.param]}


def design(space: Space, method: Method, n: int) -> np.ndarray:
    """The design points (rows) on the parameters' scales: ``n`` Morris trajectories, or
    Sobol' base samples ``n`` (first and total order), drawn with seed SEED."""
    prob = problem(space)
    if method == "morris":
        from SALib.sample import morris

        return np.asarray(morris.sample(prob, n, num_levels=NUM_LEVELS, seed=SEED), float)
    from SALib.sample import sobol

    return np.asarray(sobol.sample(prob, n, calc_second_order=False, seed=SEED), float)


def runs_needed(method: Method, n: int, d: int, seeds: int) -> int:
    """Runs of a design (before identical configs are merged)."""
    return n * (d + 1 if method == "morris" else d + 2) * seeds


def values_at(space: Space, x: np.ndarray) -> dict[str, float]:
    """A design point as config values (back from the log scale; whole numbers for integer
    fields): the values the run really has."""
    return {p.key: float(space.value(p.key, p.from_unit(float(u))))
            for p, u in zip(space.params.param, x, strict=True)}


@dataclass
class Plan:
    """The runs of a design: each distinct config once (integer fields may round two points
    alike), and the (point, seed) cells each run fills."""

    points: int
    seeds: int
    runs: list[Any]  # batches.plan.Run
    cells: dict[str, list[tuple[int, int]]]  # run id -> (point, seed)


def plan(space: Space, x: np.ndarray, seeds: int) -> Plan:
    """Every point of ``x`` on seeds 0 .. seeds-1 as validated run configs, before any work
    (a combination of values the config refuses is one ConfigError line naming the point)."""
    from addsim.population.batches.plan import Run, canonical, run_hash

    cells: dict[str, list[tuple[int, int]]] = {}
    runs: list[Run] = []
    for i, row in enumerate(x):
        values = values_at(space, row)
        for s in range(seeds):
            try:
                cfg = space.config(values, s)
            except ConfigError as exc:
                point = ", ".join(f"{k} = {v:g}" for k, v in values.items())
                raise ConfigError(f"--params: design point {i} ({point}) is not a valid "
                                  f"config: {exc}") from None
            text = canonical(cfg.model_dump())
            rid = run_hash(text)
            if rid not in cells:
                cells[rid] = []
                runs.append(Run(rid, f"point {i}", values, s, text))
            cells[rid].append((i, s))
    return Plan(len(x), seeds, runs, cells)


@dataclass
class Evaluation:
    """Outcome values per point, seed and outcome, and the runs that failed."""

    y: np.ndarray  # (points, seeds, outcomes)
    failed: list[str] = field(default_factory=list)  # "point p seed s: error"


def evaluate(runs: Plan, outcomes: Sequence[Target], executor: Any,
             on_run: Callable[[], None] | None = None) -> Evaluation:
    """Execute the plan through the batch engine and observe each outcome in each run's
    survey table; results are placed by point and seed, never by completion order."""
    import io

    from addsim.population.batches.execute import results

    y = np.full((runs.points, runs.seeds, len(outcomes)), np.nan)
    failed: list[tuple[int, int, str]] = []
    for run, res, err in results(runs.runs, executor):
        if res is None:
            failed += [(i, s, err or "") for i, s in runs.cells[run.run_id]]
        else:
            survey = pd.read_parquet(io.BytesIO(res["survey"]))
            obs = [observe(survey, t) for t in outcomes]
            for i, s in runs.cells[run.run_id]:
                y[i, s] = obs
        if on_run is not None:
            on_run()
    return Evaluation(y, [f"point {i} seed {s}: {e}" for i, s, e in sorted(failed)])


# --------------------------------------------------------------------- the analysis


def point_means(y: np.ndarray) -> np.ndarray:
    """Each point's outcome values averaged over its seeds (NaN seeds left out):
    (points, outcomes)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN points stay NaN
        return np.nanmean(y, axis=1)


def fill_missing(y: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Points without a value take their outcome's mean over the others (both designs need
    every point); returns the filled (points, outcomes) and the count filled per outcome
    (an outcome with no value anywhere stays NaN)."""
    out = y.copy()
    counts = []
    for j in range(y.shape[1]):
        col = out[:, j]
        bad = ~np.isfinite(col)
        counts.append(int(bad.sum()))
        if bad.any() and not bad.all():
            col[bad] = col[~bad].mean()
    return out, counts


def analyze(space: Space, method: Method, x: np.ndarray, y: np.ndarray,
            outcomes: Sequence[str]) -> pd.DataFrame:
    """One row per outcome and parameter: the indices of ``method`` with their 95%
    intervals (bootstrap seeded with SEED) and the parameter's rank within the outcome
    (1 = most influential, by mu* or ST). ``y``: (points, outcomes), complete."""
    prob = problem(space)
    rows: list[dict[str, Any]] = []
    for j, name in enumerate(outcomes):
        col = np.ascontiguousarray(y[:, j], dtype=float)
        indices = _indices(prob, method, x, col)
        for i, key in enumerate(space.keys):
            rows.append({"outcome": name, "param": key,
                         **{c: float(indices[c][i]) for c in COLUMNS[method]}})
    table = pd.DataFrame(rows, columns=["outcome", "param", *COLUMNS[method]])
    by = RANK_BY[method]
    table["rank"] = (table.groupby("outcome", sort=False)[by]
                     .rank(ascending=False, method="min", na_option="bottom").astype(int))
    return table


def _indices(prob: dict[str, Any], method: Method, x: np.ndarray, y: np.ndarray
             ) -> dict[str, np.ndarray]:
    d = prob["num_vars"]
    if not np.all(np.isfinite(y)):  # no value at any point
        return {c: np.full(d, np.nan) for c in COLUMNS[method]}
    if method == "morris":
        from SALib.analyze import morris

        si = morris.analyze(prob, x, y, num_levels=NUM_LEVELS, conf_level=0.95, seed=SEED)
        return {c: np.asarray(si[c], float) for c in COLUMNS[method]}
    if np.ptp(y) == 0:  # a constant outcome has no variance to share out
        return {c: np.full(d, np.nan) for c in COLUMNS[method]}
    from SALib.analyze import sobol

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        si = sobol.analyze(prob, y, calc_second_order=False, conf_level=0.95, seed=SEED)
    return {c: np.asarray(si[c], float) for c in COLUMNS[method]}


def samples_frame(space: Space, x: np.ndarray, y: np.ndarray, outcomes: Sequence[str]
                  ) -> pd.DataFrame:
    """Every run of the design: point, seed, the parameter values it ran with and each
    outcome's value (the analysis uses each point's mean over seeds)."""
    points, seeds, _ = y.shape
    rows = []
    for i in range(points):
        values = values_at(space, x[i])
        for s in range(seeds):
            rows.append({"point": i, "seed": s, **values,
                         **{name: float(y[i, s, j]) for j, name in enumerate(outcomes)}})
    return pd.DataFrame(rows, columns=["point", "seed", *space.keys, *outcomes])


def plot(table: pd.DataFrame, method: Method, path: Any) -> None:
    """One panel per outcome: Morris mu* against sigma with the parameters labelled (far
    right: important; high: non-linear or interacting); Sobol' S1 and ST bars with their
    intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outcomes = list(dict.fromkeys(table["outcome"]))
    cols = min(3, len(outcomes))
    nrows = math.ceil(len(outcomes) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(4.6 * cols, 3.6 * nrows), squeeze=False)
    for ax in axes.flat[len(outcomes):]:
        ax.axis("off")
    for ax, name in zip(axes.flat, outcomes, strict=False):
        sel = table[table["outcome"] == name]
        if method == "morris":
            ax.errorbar(sel["mu_star"], sel["sigma"], xerr=sel["mu_star_conf"], fmt="o",
                        color="tab:blue", ecolor="0.7", ms=4, capsize=2)
            for _, r in sel.iterrows():
                if np.isfinite(r["mu_star"]) and np.isfinite(r["sigma"]):
                    ax.annotate(r["param"], (r["mu_star"], r["sigma"]), fontsize=6,
                                xytext=(3, 3), textcoords="offset points")
            top = np.nanmax(np.r_[(sel["mu_star"] + sel["mu_star_conf"]).to_numpy(float),
                                  sel["sigma"].to_numpy(float), 0.0])
            lim = top * 1.15 if np.isfinite(top) and top > 0 else 1.0
            ax.plot([0, lim], [0, lim], ls=":", color="0.6", lw=0.8)  # sigma = mu*
            ax.set_xlim(0, lim)
            ax.set_ylim(0, lim)
            ax.set_xlabel("mu* (mean |elementary effect|)", fontsize=7)
            ax.set_ylabel("sigma", fontsize=7)
        else:
            pos = np.arange(len(sel))
            ax.bar(pos - 0.2, sel["S1"], 0.4, yerr=sel["S1_conf"], label="S1",
                   color="tab:blue", capsize=2)
            ax.bar(pos + 0.2, sel["ST"], 0.4, yerr=sel["ST_conf"], label="ST",
                   color="tab:orange", capsize=2)
            ax.set_xticks(pos)
            ax.set_xticklabels(sel["param"], rotation=30, ha="right", fontsize=6)
            ax.set_ylim(min(0.0, float(np.nanmin(np.r_[sel["S1"], 0.0]))),
                        max(1.05, float(np.nanmax(np.r_[sel["ST"], 0.0])) * 1.05))
            ax.axhline(0, color="0.5", lw=0.6)
            ax.legend(fontsize=6)
        ax.set_title(name, fontsize=8)
        ax.tick_params(labelsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


__all__ = ["Evaluation", "Plan", "analyze", "design", "evaluate", "fill_missing",
           "outcomes_from", "parse_outcome", "parse_outcomes", "plan", "plot", "point_means",
           "problem", "run_years", "runs_needed", "samples_frame", "values_at"]
