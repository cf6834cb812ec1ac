"""The embedded default is the calibrated scenario (examples/calibrate against
examples/targets/substance.toml, docs/calibration/): on seeds neither the calibration
(>= 1,000,000) nor its validation report (7000-7009) used, its survey lands inside the
targets' intervals (the gambling targets too), its disorders last, its recorded years are
stationary, and the two ablations of issue 29 (a failed search as extinction; the frequency
status rule) end disorders sooner on the same seeds; without gambling's stake few people bet
in a year. Targets the calibration did not reach are strict xfails
with the measured values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import DEFAULT_SEEDS, DefaultRun, run_default

from addsim.population.episodes import km_median
from addsim.population.survey import ADULTS
from addsim.population.targets import load_targets, validate

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ROOT / "examples" / "targets" / "substance.toml"
GAMBLING = ROOT / "examples" / "targets" / "gambling.toml"
pytestmark = [pytest.mark.slow, pytest.mark.whole_burn_in]
NOT_REACHED: dict[str, str] = {  # seeds 10-19: mean [2.5%, 97.5% across seeds] vs interval
    "lifetime drug use disorder": "0.129 [0.108, 0.154] vs [0.070, 0.128], among adults "
    "(NESARC-III's population; 0.129 on the validation seeds 7000-7009 too): past-year over "
    "lifetime disorder is lower in the model than in the survey, so past-year and lifetime "
    "disorder sit at opposite ends of their intervals (read over all ages, past-year "
    "disorder was the one below: 0.0269 here)",
}
ABLATION_SEEDS = DEFAULT_SEEDS[:5]
# gambling's targets the default misses on seeds 10-19 (the hand tuning used 8000-8005)
GAMBLING_NOT_REACHED: dict[str, str] = {
    "lifetime gambling": "0.9591 [0.9551, 0.9637] vs [0.7, 0.9] among adults (NCS-R's "
    "population; 0.959 on the validation seeds): the access was tuned when the targets were "
    "read over all ages, where the adolescents' fewer games pulled it inside",
}
# the stake ablation: every person's game the task's own (+20 / -10), with the access and the
# shared trait the default had before the stake (issue 29 item 5)
NO_STAKE = ['risk.stake={dist="fixed", value=1.0}', "activities.gambling.access_scale=1",
            "comorbidity.factors={surge=1, natural_reward=-1, perceived_win=1}"]


def _mean(run: DefaultRun, measure: str, years: tuple[int, int] = (1, 20),
          activity: str = "substance") -> float:
    s = run.survey
    rows = s[(s["activity"] == activity) & (s["age_band"] == ADULTS) & (s["sex"] == "all")
             & (s["measure"] == measure) & s["year"].between(*years)]
    return float(np.nanmean(rows["value"]))


def _median(runs: list[DefaultRun]) -> float:
    ep = pd.concat([r.episodes for r in runs], ignore_index=True)
    return km_median(ep["years"].to_numpy(), ep["censored"].to_numpy())


@pytest.fixture(scope="module")
def table(default_runs: list[DefaultRun]) -> pd.DataFrame:
    """The default config (1,000 people, 20 years) on seeds 10-19 against the targets."""
    return validate([r.survey for r in default_runs], load_targets(TARGETS)).set_index("target")


@pytest.fixture(scope="module")
def gambling_table(default_runs: list[DefaultRun]) -> pd.DataFrame:
    """The same runs against the gambling targets."""
    return validate([r.survey for r in default_runs], load_targets(GAMBLING)).set_index(
        "target")


def _cases(targets: Path = TARGETS, missed: dict[str, str] = NOT_REACHED,
           by: str = "the calibration") -> list[object]:
    return [pytest.param(t.name, marks=pytest.mark.xfail(
        strict=True, reason=f"not reached by {by}: {missed[t.name]}"))
        if t.name in missed else t.name for t in load_targets(targets).target]


@pytest.mark.parametrize("name", _cases())
def test_default_lands_inside_the_target(table: pd.DataFrame, name: str) -> None:
    """The mean over the ten seeds inside the target's 95% interval."""
    row = table.loc[name]
    shown = (f"{name}: {row['observed']:.3f} [{row['observed_low']:.3f}, "
             f"{row['observed_high']:.3f}] against [{row['low']:.3f}, {row['high']:.3f}]")
    assert row["runs"] == len(DEFAULT_SEEDS), shown
    assert row["low"] <= row["observed"] <= row["high"], shown


@pytest.mark.parametrize("name", _cases(GAMBLING, GAMBLING_NOT_REACHED, "the tuning"))
def test_default_lands_inside_the_gambling_target(gambling_table: pd.DataFrame, name: str
                                                  ) -> None:
    """Gambling (issue 29 item 5): the mean over the ten seeds inside each target's interval,
    participation (a majority bets each year) and pathological gambling (rare) alike."""
    row = gambling_table.loc[name]
    shown = (f"{name}: {row['observed']:.4g} [{row['observed_low']:.4g}, "
             f"{row['observed_high']:.4g}] against [{row['low']:.4g}, {row['high']:.4g}]")
    assert row["low"] <= row["observed"] <= row["high"], shown


def test_without_the_stake_few_people_bet_in_a_year(default_runs: list[DefaultRun]) -> None:
    """The stake's ablation (every game the task's own +20 / -10, the access and shared
    trait from before it), same seeds (10, 11), paired: a learner who meets a -2.5 a bet game
    stops betting, so past-year gambling falls from the default's majority to under half of
    it on each seed, while about as many people have ever bet (docs/calibration.md)."""
    seeds = ABLATION_SEEDS[:2]
    ablated = [run_default(seed, NO_STAKE) for seed in seeds]
    base = default_runs[: len(seeds)]
    assert [r.seed for r in base] == list(seeds)
    new = [_mean(r, "past_year_use", activity="gambling") for r in base]
    old = [_mean(r, "past_year_use", activity="gambling") for r in ablated]
    assert all(n > 0.5 for n in new), new
    assert all(o < n / 2 for o, n in zip(old, new, strict=True)), (old, new)
    ever = [(_mean(a, "lifetime_use", activity="gambling"),
             _mean(b, "lifetime_use", activity="gambling"))
            for a, b in zip(ablated, base, strict=True)]
    assert all(a > 0.8 * b for a, b in ever), ever


def test_disorder_episodes_last_at_least_two_years(default_runs: list[DefaultRun]) -> None:
    """The Kaplan-Meier median of the disorder episodes that start in the recorded years
    (censored at the end and when a person leaves), pooled over the ten seeds, is at least
    2 years (Heyman 2013: a half-life of about 4 years for cocaine)."""
    per_seed = [round(_median([r]), 2) for r in default_runs]
    assert _median(default_runs) >= 2.0, per_seed


@pytest.mark.parametrize("measure", ["past_year_disorder", "lifetime_use"])
def test_the_recorded_years_are_stationary(default_runs: list[DefaultRun], measure: str
                                           ) -> None:
    """Years 1-5 against 16-20: the mean difference over the seeds is smaller than the
    seed-to-seed 95% half-width of the measure's 20-year mean (1.96 sd across seeds)."""
    early = np.array([_mean(r, measure, (1, 5)) for r in default_runs])
    late = np.array([_mean(r, measure, (16, 20)) for r in default_runs])
    whole = np.array([_mean(r, measure) for r in default_runs])
    half = 1.96 * whole.std(ddof=1)
    diff = float((late - early).mean())
    assert abs(diff) < half, (measure, early.mean(), late.mean(), diff, half)


@pytest.fixture(scope="module")
def ablations() -> dict[str, list[DefaultRun]]:
    """The two ablations on the first five seeds of the default's."""
    return {name: [run_default(seed, [sets]) for seed in ABLATION_SEEDS]
            for name, sets in (("extinction", "seeking.failed=extinction"),
                               ("frequency", "status.rule=frequency"))}


def test_the_frequency_rule_ends_disorders_sooner(default_runs: list[DefaultRun],
                                                  ablations: dict[str, list[DefaultRun]]
                                                  ) -> None:
    """Same seeds (10-14), paired: the old frequency status rule (remission at a dip in
    frequency, the window cleared) gives a higher yearly remission on every seed and a
    shorter median episode than the DSM-5 rule."""
    base = default_runs[: len(ABLATION_SEEDS)]
    old_rule = ablations["frequency"]
    assert [r.seed for r in base] == [r.seed for r in old_rule]
    new = [_mean(r, "past_year_remission") for r in base]
    old = [_mean(r, "past_year_remission") for r in old_rule]
    assert all(o > n for o, n in zip(old, new, strict=True)), (old, new)
    assert _median(old_rule) < _median(base), (_median(old_rule), _median(base))


def test_failed_search_as_extinction_ends_disorders_sooner(
        default_runs: list[DefaultRun], ablations: dict[str, list[DefaultRun]]) -> None:
    """Same seeds (10-14), paired: with a failed search as an extinction trial (the old rule)
    the searches' errors end the drug's value before a disorder lasts, so past-year disorder
    is below the default's on every seed and fewer disorder episodes start (on the
    validation seeds hardly any; docs/calibration.md)."""
    base = default_runs[: len(ABLATION_SEEDS)]
    old_rule = ablations["extinction"]
    assert [r.seed for r in base] == [r.seed for r in old_rule]
    new = [_mean(r, "past_year_disorder") for r in base]
    old = [_mean(r, "past_year_disorder") for r in old_rule]
    assert all(o < n for o, n in zip(old, new, strict=True)), (old, new)
    assert sum(len(r.episodes) for r in old_rule) < sum(len(r.episodes) for r in base)
