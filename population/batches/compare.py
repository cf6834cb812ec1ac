"""Scenarios against a baseline: paired runs on the same seeds, differences with intervals.

``addsim compare BASE.toml SCENARIO.toml [...] --seeds K --out DIR`` (and
:func:`addsim.compare`) runs the baseline and every scenario on the same K seeds through the
batch engine (local processes or a Dask cluster; resumable: DIR is a batch folder, and an
interrupted comparison picks up where it stopped), then writes per scenario, activity, year
and measure the scenario minus the baseline: the mean of the K paired differences (seed by
seed) with its t-based 95% interval (``scipy.stats.t``), and over the whole run the totals
averted (onsets, initiations, relapses, deaths, disorder-years).

Pairing. Runs are paired by seed: seed s of a scenario starts from the same people, network
and risk factors as seed s of the baseline, so much of the seeds' own variation cancels in the
difference. The random draws after an intervention are not yet common between the two runs
(an intervention shares its activity's random stream), so the pairing is by seed, not exact
common random numbers; a scenario identical to the baseline gives exactly zero. When
interventions get their own stream, the same plan gains exact common random numbers unchanged.

The folder::

    DIR/batch.json, index.parquet, runs/     the batch engine's store (one run per scenario
                                             and seed; identical configs are run once)
    DIR/compare.json                         baseline, scenarios, seeds, run id per pair
    DIR/configs/<scenario>.toml              each scenario's resolved config (seed aside)
    DIR/yearly.{parquet,csv}                 per scenario, seed, activity, year: every measure
    DIR/difference.{parquet,csv,json}        per scenario, activity, year, measure: the paired
                                             difference, its interval, both arms' means
    DIR/totals.{parquet,csv,json}            per scenario, activity, measure: whole-run totals,
                                             the difference and the number averted
    DIR/compare.png                          disorder per year (arms), its difference, and the
                                             disorder-years averted so far, with 95% bands
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from addsim._errors import ConfigError, shown
from addsim._files import atomic_write, records_json
from addsim.population.batches.plan import Plan, Run, canonical, run_hash

if TYPE_CHECKING:
    from addsim.population.config import Config

MAX_SEEDS = 100_000
STATUS_NAMES = ("never_exposed", "exposed", "user", "addicted", "abstinent", "relapsed")
# Per year, from the per-tick prevalence table: status fractions (mean over the year's
# ticks), the fraction in disorder (addicted or relapsed), events and person-years.
EVENT_MEASURES = {"initiations": "initiations", "onsets": "onsets",
                  "cessations": "cessations", "relapses": "relapses", "deaths": "deaths",
                  "deaths_addicted": "deaths_in_disorder"}
TOTALS = ("disorder_years", "onsets", "initiations", "relapses", "cessations", "deaths",
          "deaths_in_disorder")
SURVEY_MEASURES = ("past_year_use", "past_year_disorder", "lifetime_disorder",
                   "incidence_disorder_per_1000py", "past_year_remission", "relapse_12m")
FRACTIONS = (*(f"fraction_{s}" for s in STATUS_NAMES), "fraction_disorder", *SURVEY_MEASURES[:3],
             "past_year_remission", "relapse_12m")


@dataclass(frozen=True)
class Scenario:
    """One arm of a comparison: its name (unique) and its resolved config."""

    name: str
    config: Config


@dataclass
class ComparePlan:
    """The batch plan of a comparison and which run is which scenario's on which seed."""

    plan: Plan
    scenarios: list[Scenario]
    seeds: list[int]
    runs: dict[str, dict[int, str]] = field(default_factory=dict)  # name -> seed -> run id

    @property
    def baseline(self) -> str:
        """The baseline's name (the first scenario)."""
        return self.scenarios[0].name


def check_seeds(seeds: Any, what: str = "--seeds") -> list[int]:
    """A count K (seeds 0..K-1, K >= 2) or a list of at least two distinct seeds."""
    if isinstance(seeds, (list, tuple)):
        if len(seeds) < 2 or any(isinstance(s, bool) or not isinstance(s, int)
                                 or not 0 <= s < 2**63 for s in seeds):
            raise ConfigError(f"{what}: got {shown(list(seeds))}, expected at least two whole "
                              "numbers in [0, 2**63) (an interval needs two seeds)")
        if len(set(seeds)) != len(seeds):
            raise ConfigError(f"{what}: got {shown(list(seeds))}, expected distinct seeds")
        return [int(s) for s in seeds]
    if isinstance(seeds, bool) or not isinstance(seeds, int) or not 2 <= seeds <= MAX_SEEDS:
        raise ConfigError(f"{what}: got {shown(seeds)}, expected a whole number in "
                          f"[2, {MAX_SEEDS}] (an interval needs two seeds) or a list of seeds")
    return list(range(seeds))


def unique_names(names: Sequence[str]) -> list[str]:
    """``names`` made unique by numbering repeats (``treat``, ``treat-2``)."""
    out: list[str] = []
    for name in names:
        new, k = name, 2
        while new in out:
            new, k = f"{name}-{k}", k + 1
        out.append(new)
    return out


def check_scenarios(scenarios: Sequence[Scenario]) -> None:
    """At least a baseline and one scenario, all on the same clock, length and population."""
    if len(scenarios) < 2:
        raise ConfigError("SCENARIO: got none, expected at least one scenario config to set "
                          "beside the baseline")
    base = scenarios[0].config
    for s in scenarios[1:]:
        c = s.config
        for what, a, b in (("run.tick", base.run.tick, c.run.tick),
                           ("run.ticks", base.run.ticks, c.run.ticks),
                           ("population.size", base.population.size, c.population.size)):
            if a != b:
                raise ConfigError(f"{s.name}: {what} is {shown(b)}, the baseline's "
                                  f"{shown(a)}; paired runs need the same (set it in both, "
                                  "or with --set)")


def make_plan(scenarios: Sequence[Scenario], seeds: Sequence[int]) -> ComparePlan:
    """Every scenario on every seed as batch runs; a config that two scenarios share (an
    identical scenario) is one run, used by both."""
    check_scenarios(scenarios)
    runs: list[Run] = []
    ids: dict[str, dict[int, str]] = {}
    seen: set[str] = set()
    for s in scenarios:
        params = {"scenario": s.name}
        condition = run_hash(canonical(params), 12)
        ids[s.name] = {}
        for seed in seeds:
            cfg = s.config.model_copy(
                update={"run": s.config.run.model_copy(update={"seed": seed})})
            text = canonical(cfg.model_dump())
            run_id = run_hash(text)
            ids[s.name][seed] = run_id
            if run_id not in seen:
                seen.add(run_id)
                runs.append(Run(run_id, condition, params, seed, text))
    plan = Plan(runs, ["scenario"], [], False, list(seeds))
    return ComparePlan(plan, list(scenarios), list(seeds), ids)


# --------------------------------------------------------------------- per-year measures


def year_of(ticks: np.ndarray, ticks_per_year: float) -> np.ndarray:
    """The simulated year (1, 2, ...) of each tick, as the survey counts years: year y ends
    once round(y x ticks per year) ticks are done."""
    ticks = np.asarray(ticks, dtype=np.int64)
    last = int(ticks.max()) if ticks.size else 0
    ends = np.round(np.arange(1, last / ticks_per_year + 3) * ticks_per_year)
    return np.searchsorted(ends, ticks, side="right") + 1


def yearly(prevalence: pd.DataFrame, survey: pd.DataFrame | None,
           ticks_per_year: float) -> pd.DataFrame:
    """One run's measures per activity and year (wide: one column per measure)."""
    prev = prevalence.copy()
    n = prev[list(STATUS_NAMES)].sum(axis=1).to_numpy(dtype=float)
    prev["year"] = year_of(prev["tick"].to_numpy(), ticks_per_year)
    for s in STATUS_NAMES:
        prev[f"fraction_{s}"] = prev[s] / np.maximum(n, 1)
    disorder = (prev["addicted"] + prev["relapsed"]).to_numpy(dtype=float)
    prev["fraction_disorder"] = disorder / np.maximum(n, 1)
    prev["disorder_years"] = disorder / ticks_per_year
    prev = prev.rename(columns=EVENT_MEASURES)
    means = [f"fraction_{s}" for s in (*STATUS_NAMES, "disorder")]
    sums = ["disorder_years", *EVENT_MEASURES.values()]
    g = prev.groupby(["activity", "year"], sort=True)
    out = pd.concat([g[means].mean(), g[sums].sum()], axis=1).reset_index()
    out["disorder_years_cumulative"] = out.groupby("activity")["disorder_years"].cumsum()
    if survey is not None and len(survey):
        everyone = survey["age_band"] == "all"
        if "sex" in survey:  # runs since the sex column: the rows of both sexes together
            everyone &= survey["sex"] == "all"
        s = survey[everyone & survey["measure"].isin(SURVEY_MEASURES)]
        wide = s.pivot_table(index=["activity", "year"], columns="measure", values="value",
                             aggfunc="first", dropna=False).reset_index()
        wide.columns.name = None
        out = out.merge(wide, on=["activity", "year"], how="left")
    return out


def read_yearly(out: Path, cp: ComparePlan) -> pd.DataFrame:
    """Every scenario's and seed's yearly measures, from the runs in the batch folder."""
    from addsim._read import is_input_file, read_parquet
    from addsim.population.batches.store import run_path

    frames = []
    cache: dict[str, pd.DataFrame] = {}
    for s in cp.scenarios:
        tpy = 365.25 / s.config.days_per_tick
        for seed in cp.seeds:
            run_id = cp.runs[s.name][seed]
            if run_id not in cache:
                prev = read_parquet(run_path(out, run_id), "compare",
                                    ("activity", "tick", *STATUS_NAMES))
                spath = run_path(out, run_id, "survey")
                survey = (read_parquet(spath, "compare") if is_input_file(spath) else None)
                cache[run_id] = yearly(prev, survey, tpy)
            f = cache[run_id].copy()
            f.insert(0, "scenario", s.name)
            f.insert(1, "seed", seed)
            f.insert(2, "run_id", run_id)
            frames.append(f)
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------- paired differences


def paired_interval(diff: np.ndarray) -> tuple[int, float, float, float]:
    """n, mean and t-based 95% interval (scipy.stats.t) of paired differences (NaNs left
    out); with fewer than two pairs the interval is NaN, and identical differences (all
    zero, say) give an interval of width zero."""
    from scipy import stats

    d = np.asarray(diff, dtype=float)
    d = d[np.isfinite(d)]
    n = d.size
    if n == 0:
        return 0, math.nan, math.nan, math.nan
    mean = float(d.mean())
    if n < 2:
        return n, mean, math.nan, math.nan
    if np.all(d == d[0]):
        return n, mean, mean, mean
    half = float(stats.t.ppf(0.975, n - 1) * d.std(ddof=1) / math.sqrt(n))
    return n, mean, mean - half, mean + half


def _pairs(table: pd.DataFrame, baseline: str, by: list[str], measures: list[str]
           ) -> pd.DataFrame:
    """Per scenario (not the baseline), ``by`` group and measure: the paired difference."""
    base = table[table["scenario"] == baseline].set_index(["seed", *by])
    rows = []
    for name, scen in table[table["scenario"] != baseline].groupby("scenario", sort=False):
        scen = scen.set_index(["seed", *by])
        joined = scen[measures].join(base[measures].add_suffix("__base"), how="inner")
        for key, g in joined.groupby(level=by, sort=True):
            key = key if isinstance(key, tuple) else (key,)
            for m in measures:
                a, b = g[m].to_numpy(dtype=float), g[f"{m}__base"].to_numpy(dtype=float)
                both = np.isfinite(a) & np.isfinite(b)
                n, mean, lo, hi = paired_interval(a[both] - b[both])
                if m in FRACTIONS:  # a difference of shares lies in [-1, 1]
                    lo, hi = (max(lo, -1.0), min(hi, 1.0)) if n >= 2 else (lo, hi)
                rows.append({"scenario": name, **dict(zip(by, key, strict=True)),
                             "measure": m, "n_seeds": n,
                             "baseline_mean": float(np.mean(b[both])) if n else math.nan,
                             "scenario_mean": float(np.mean(a[both])) if n else math.nan,
                             "difference": mean, "lo": lo, "hi": hi})
    return pd.DataFrame(rows)


def difference_table(table: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Per scenario, activity, year and measure: scenario minus baseline over paired seeds
    (``difference`` the mean, ``lo``/``hi`` its 95% interval, ``n_seeds`` the pairs)."""
    measures = [c for c in table.columns
                if c not in ("scenario", "seed", "run_id", "activity", "year")]
    return _pairs(table, baseline, ["activity", "year"], measures)


def totals_table(table: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Per scenario, activity and whole-run total (onsets, disorder-years, deaths, ...): the
    paired difference and the number averted (baseline minus scenario) with intervals."""
    per_run = table.groupby(["scenario", "seed", "activity"], sort=False)[list(TOTALS)].sum()
    out = _pairs(per_run.reset_index(), baseline, ["activity"], list(TOTALS))
    if len(out):
        out["averted"] = 0.0 - out["difference"]  # 0.0 - x: no negative zeros
        out["averted_lo"], out["averted_hi"] = 0.0 - out["hi"], 0.0 - out["lo"]
    return out


# --------------------------------------------------------------------- the figure


def compare_figure(table: pd.DataFrame, diff: pd.DataFrame, baseline: str) -> Any:
    """Per activity (columns): the fraction in disorder per year of every arm (mean over
    seeds, 95% band), the scenarios' difference from the baseline (percentage points), and
    the disorder-years averted so far; the legend below the panels. A matplotlib Figure."""
    from matplotlib.ticker import MaxNLocator
    from scipy import stats

    from addsim.population.io.figures import figure_rows

    acts = list(dict.fromkeys(table["activity"]))
    names = list(dict.fromkeys(table["scenario"]))
    fig, axes = figure_rows(3, len(acts), width=5.5, height=2.6)
    colours = {n: f"C{i}" for i, n in enumerate(names)}
    for j, act in enumerate(acts):
        ax0, ax1, ax2 = axes[0][j], axes[1][j], axes[2][j]
        for name in names:
            g = table[(table["activity"] == act) & (table["scenario"] == name)]
            s = g.groupby("year")["fraction_disorder"]
            m, sd, k = s.mean() * 100, s.std(ddof=1) * 100, s.count()
            half = (stats.t.ppf(0.975, np.maximum(k - 1, 1)) * sd / np.sqrt(k)).fillna(0)
            ax0.plot(m.index, m, color=colours[name], lw=1.6, marker="o", ms=3,
                     label=name + (" (baseline)" if name == baseline and "baseline" not in name
                                   else ""))
            ax0.fill_between(m.index, (m - half).clip(lower=0), m + half, color=colours[name],
                             alpha=0.2, lw=0)
            if name == baseline:
                continue
            for ax, measure, factor in ((ax1, "fraction_disorder", 100.0),
                                        (ax2, "disorder_years_cumulative", -1.0)):
                d = diff[(diff["activity"] == act) & (diff["scenario"] == name)
                         & (diff["measure"] == measure)].sort_values("year")
                lo, hi = factor * d["lo"].to_numpy(), factor * d["hi"].to_numpy()
                ax.plot(d["year"], factor * d["difference"], color=colours[name], lw=1.6,
                        marker="o", ms=3)
                ax.fill_between(d["year"], np.fmin(lo, hi), np.fmax(lo, hi),
                                color=colours[name], alpha=0.2, lw=0)
        for ax in (ax1, ax2):
            ax.axhline(0, color="0.3", lw=0.8)
        ax0.set(title=act, ylabel="in disorder\n(% of people)")
        ax0.set_ylim(bottom=0)
        ax1.set(ylabel="scenario - baseline\n(percentage points)")
        ax2.set(xlabel="simulated year", ylabel="disorder-years\naverted so far")
        ax2.xaxis.set_major_locator(MaxNLocator(integer=True))
    handles, labels = axes[0][0].get_legend_handles_labels()
    seeds = table["seed"].nunique()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 4), fontsize=8,
               frameon=False, title=f"mean over {seeds} paired seeds with 95% bands",
               title_fontsize=8)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def plot_compare(table: pd.DataFrame, diff: pd.DataFrame, baseline: str, path: Path) -> None:
    """:func:`compare_figure` written as a PNG."""
    from addsim.population.io.figures import save

    save(compare_figure(table, diff, baseline), path, layout=False)


# --------------------------------------------------------------------- running it


@dataclass
class Comparison:
    """A finished comparison: its tables (pandas) and folder; ``plot()`` draws the figure."""

    folder: Path
    baseline: str
    scenarios: list[str]
    seeds: list[int]
    yearly: pd.DataFrame  # per scenario, seed, activity, year: every measure
    difference: pd.DataFrame  # per scenario, activity, year, measure: difference, lo, hi
    totals: pd.DataFrame  # per scenario, activity, total: difference, averted, intervals

    def plot(self, path: str | Path | None = None) -> Any:
        """The comparison figure: written to ``path`` (PNG) and returned as that path, or
        without a path returned as a matplotlib Figure (a notebook shows it)."""
        if path is not None:
            plot_compare(self.yearly, self.difference, self.baseline, Path(path))
            return Path(path)
        return compare_figure(self.yearly, self.difference, self.baseline)

    def summary(self) -> list[str]:
        """One line per scenario and activity: disorder-years and onsets averted."""
        lines = []
        for (name, act), g in self.totals.groupby(["scenario", "activity"], sort=False):
            parts = []
            for measure, label in (("disorder_years", "disorder-years"), ("onsets", "onsets"),
                                   ("deaths", "deaths")):
                row = g[g["measure"] == measure].iloc[0]
                a, lo, hi = (row[k] + 0.0 for k in ("averted", "averted_lo", "averted_hi"))
                parts.append(f"{label} averted {a:.3g} [{lo:.3g}, {hi:.3g}]")
            lines.append(f"{name} vs {self.baseline}, {act}: " + "; ".join(parts))
        return lines


def write_tables(out: Path, cp: ComparePlan) -> Comparison:
    """Read the finished runs, write the comparison's tables and figure, return them."""
    from addsim.population.config import to_toml

    table = read_yearly(out, cp)
    diff = difference_table(table, cp.baseline)
    totals = totals_table(table, cp.baseline)
    meta = {
        "baseline": cp.baseline, "scenarios": [s.name for s in cp.scenarios],
        "seeds": cp.seeds, "pairing": "by seed (same people, network and risk factors)",
        "interval": "t-based 95% interval of the mean paired difference (scipy.stats.t)",
        "runs": {name: {str(k): v for k, v in ids.items()} for name, ids in cp.runs.items()},
    }
    (out / "configs").mkdir(exist_ok=True)
    for s in cp.scenarios:
        atomic_write(out / "configs" / f"{s.name}.toml",
                     lambda p, c=s.config: p.write_text(to_toml(c)))
    atomic_write(out / "compare.json", lambda p: p.write_text(json.dumps(meta, indent=2) + "\n"))
    for name, frame in (("yearly", table), ("difference", diff), ("totals", totals)):
        atomic_write(out / f"{name}.parquet", lambda p, f=frame: f.to_parquet(p, index=False))
        atomic_write(out / f"{name}.csv", lambda p, f=frame: f.to_csv(p, index=False))
        if name != "yearly":
            atomic_write(out / f"{name}.json",
                         lambda p, f=frame: p.write_text(records_json(f)))
    atomic_write(out / "compare.png", lambda p: plot_compare(table, diff, cp.baseline, p))
    return Comparison(out, cp.baseline, [s.name for s in cp.scenarios[1:]], cp.seeds, table,
                      diff, totals)


def run_compare(cp: ComparePlan, out: Path, executor: Any,
                on_result: Callable[[Any], None] | None = None) -> tuple[Any, Comparison | None]:
    """Run what is not yet in ``out`` (the batch engine: resumable), then write the tables;
    returns the batch outcome and the comparison (None when runs failed)."""
    from addsim.population.batches.execute import run_batch
    from addsim.population.batches.store import prepare

    prepare(cp.plan, out)
    outcome = run_batch(cp.plan, out, executor, on_result)
    if outcome.failed:
        return outcome, None
    return outcome, write_tables(out, cp)


def scenarios_from(items: Sequence[tuple[str, Config]]) -> list[Scenario]:
    """Scenarios from (name, config) pairs, names made unique and safe as file names."""
    import re

    names = unique_names([re.sub(r"[^A-Za-z0-9_.-]+", "_", n).strip("._") or "scenario"
                          for n, _ in items])
    return [Scenario(n, c) for n, (_, c) in zip(names, items, strict=True)]


__all__ = ["ComparePlan", "Comparison", "Scenario", "check_seeds", "difference_table",
           "make_plan", "paired_interval", "plot_compare", "run_compare", "totals_table",
           "year_of", "yearly"]
