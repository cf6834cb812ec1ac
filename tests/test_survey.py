"""Survey measures on small hand-checked cases, and the table a run writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from evidence import quoted

from addsim import _jit
from addsim.population import config as C
from addsim.population.model import PopulationModel
from addsim.population.status import StatusRules, StatusTracker
from addsim.population.survey import (
    AGGREGATES,
    BANDS,
    COLUMNS,
    MEASURES,
    PEER_MEASURES,
    SEX_MEASURES,
    SEXES,
    Survey,
    band_of,
    odds_ratio,
    pooled_rr,
    relative_risk,
)

WEEK = 7.0
PY = WEEK / 365.25  # person-years per person-tick


def _frame(s: Survey) -> pd.DataFrame:
    return pd.DataFrame(s.table()).set_index(["year", "age_band", "activity", "measure"])


@pytest.fixture
def jit() -> bool:
    """The survey's pass has one implementation (compiled where numba is installed)."""
    return _jit.numba is not None


def test_everyone_uses_once_at_a_known_tick(jit: bool) -> None:
    """Ten people (five aged 15, five aged 30) each use once at tick 10; person 9 dies at
    tick 20 and a 12-year-old takes the row. Year 1 ends after 52 ticks (round(52.18))."""
    n = 10
    age = np.array([15.0] * 5 + [30.0] * 5)
    tr = StatusTracker(n, StatusRules())
    s = Survey(n, ["substance"], WEEK)
    never = np.full(n, -1, np.int64)
    for t in range(105):
        if t == 20:
            died = np.arange(n) == 9
            s.record_deaths(band_of(age[died]), [np.zeros(1, bool)])
            s.reset(np.array([9]))
            tr.reset(np.array([9]))
            age[9] = 12.0
        use = np.full(n, t == 10) & (np.arange(n) < 9 if t > 20 else True)
        tr.update(t, use, use)
        s.observe(t, band_of(age), [tr], [never])
    f = _frame(s)["value"]
    y1 = lambda band, m: f[(1, band, "substance", m)]  # noqa: E731
    assert y1("12-17", "lifetime_use") == pytest.approx(5 / 6)  # the newcomer never used
    assert y1("26-34", "lifetime_use") == 1.0 and y1("all", "lifetime_use") == 0.9
    assert y1("all", "past_year_use") == 0.9 and y1("all", "past_month_use") == 0.0
    # at risk: ticks 0..10 for the first users; the newcomer from tick 20 to 51 (32 ticks)
    assert y1("12-17", "incidence_use_per_1000py") == pytest.approx(5 / ((55 + 32) * PY) * 1000)
    assert y1("26-34", "incidence_use_per_1000py") == pytest.approx(5 / (55 * PY) * 1000)
    # person-ticks aged 30: four people x 52 ticks + person 9 on ticks 0..19
    assert y1("26-34", "deaths_per_1000py") == pytest.approx(1 / (228 * PY) * 1000)
    # 18+: the adults alone (all aged 30 here), every measure as band 26-34's
    for m in ("lifetime_use", "incidence_use_per_1000py", "deaths_per_1000py"):
        assert y1("18+", m) == y1("26-34", m), m
    assert y1("12-17", "deaths_per_1000py") == 0.0
    assert y1("all", "conditional_dependence") == 0.0 and y1("all", "lifetime_disorder") == 0.0
    assert np.isnan(y1("all", "past_year_remission")) and np.isnan(y1("all", "relapse_12m"))
    assert np.isnan(y1("35-49", "lifetime_use"))  # nobody in the band
    assert f[(2, "all", "substance", "past_year_use")] == 0.0
    assert f[(2, "12-17", "substance", "incidence_use_per_1000py")] == 0.0
    assert np.isnan(f[(2, "26-34", "substance", "incidence_use_per_1000py")])  # none at risk
    assert s.year == 2 and len(s.rows) == 2 * (len(BANDS) + len(AGGREGATES)) * len(MEASURES)


def test_the_adults_band_pools_every_band_from_18_on(jit: bool) -> None:
    """Six people aged 15, 15, 20, 40, 70 and 70 (women, men, women, men, women, men); the
    first, third, fourth and sixth use once at tick 10. Year 1: band 18+ holds the four
    adults (three used: 0.75, with 18-25's and 65+'s people in it), all the six (four: 2/3);
    by sex among adults, women 1 of 2 and men 2 of 2 (the teenagers left out)."""
    n = 6
    age = np.array([15.0, 15.0, 20.0, 40.0, 70.0, 70.0])
    sex = np.array([0, 1, 0, 1, 0, 1])
    tr = StatusTracker(n, StatusRules())
    s = Survey(n, ["substance"], WEEK, sex=sex)
    never = np.full(n, -1, np.int64)
    users = np.array([True, False, True, True, False, True])
    for t in range(53):
        use = users & (t == 10)
        tr.update(t, use, use)
        s.observe(t, band_of(age), [tr], [never])
    table = pd.DataFrame(s.table())
    value = table.set_index(["year", "age_band", "sex", "measure"])["value"]
    assert value[(1, "18+", "all", "lifetime_use")] == 0.75
    assert value[(1, "all", "all", "lifetime_use")] == pytest.approx(4 / 6)
    assert value[(1, "18+", "female", "lifetime_use")] == 0.5
    assert value[(1, "18+", "male", "lifetime_use")] == 1.0
    assert value[(1, "all", "female", "lifetime_use")] == pytest.approx(2 / 3)
    # person-time: the adults' incidence pools the three adult bands' at-risk ticks
    ticks = 3 * 11 + 52  # the three adult users at risk on ticks 0-10, the other on 0-51
    assert value[(1, "18+", "all", "incidence_use_per_1000py")] == pytest.approx(
        3 / (ticks * PY) * 1000)


def test_remission_and_relapse_of_a_known_pair(jit: bool) -> None:
    """Two people use every tick 0..29 (addicted from tick 1), stop and remit at tick 34;
    one uses once more at tick 60. Year 2: both remitted (in disorder in year 1, not in
    year 2), one of the two remitters used again within 12 months; conditional dependence 1."""
    n = 2
    rules = StatusRules(rule="frequency", window=4, addicted_fraction=0.5, abstinence_ticks=5,
                        use_recency=2)
    tr = StatusTracker(n, rules)
    s = Survey(n, ["substance"], WEEK)
    age = np.full(n, 20.0)
    never = np.full(n, -1, np.int64)
    for t in range(105):
        use = np.array([t < 30 or t == 60, t < 30])
        tr.update(t, use, use)
        s.observe(t, band_of(age), [tr], [never])
    assert tr.last_cessation.tolist() == [34, 34]
    f = _frame(s)["value"]
    assert f[(1, "18-25", "substance", "past_year_disorder")] == 1.0
    assert f[(1, "all", "substance", "incidence_disorder_per_1000py")] == pytest.approx(
        2 / (2 * 2 * PY) * 1000)  # at risk on ticks 0 and 1, the disorder starting at 1
    assert f[(2, "18-25", "substance", "past_year_disorder")] == 0.0
    assert f[(2, "18-25", "substance", "past_year_remission")] == 1.0
    assert f[(2, "18-25", "substance", "relapse_12m")] == 0.5
    assert f[(2, "all", "substance", "conditional_dependence")] == 1.0


def test_relapse_to_frequent_use_is_not_one_use(jit: bool) -> None:
    """DSM-5 rule (remission: no criterion for 4 ticks; frequent use: 2 uses in the last 4).
    Three people use every tick 0..29 and remit; A uses once more at tick 60, B at ticks
    60-62, C never. Year 2: all three remitted 12-24 months before its end; two used again
    within 12 months (relapse_12m 2/3), one of them frequently (relapse_frequent_12m 1/3)."""
    n = 3
    rules = StatusRules(rule="dsm5", window=8, addicted_fraction=0.5, abstinence_ticks=4,
                        use_recency=2)
    tr = StatusTracker(n, rules)
    assert tr.need_recent == 2
    s = Survey(n, ["substance"], WEEK)
    age = np.full(n, 20.0)
    never = np.full(n, -1, np.int64)
    for t in range(105):
        use = np.array([t < 30 or t == 60, t < 30 or 60 <= t <= 62, t < 30])
        tr.update(t, use, use)
        s.observe(t, band_of(age), [tr], [never])
    remit = tr.last_cessation.tolist()
    assert remit[0] == remit[1] == remit[2] and 30 <= remit[0] < 52, remit
    f = _frame(s)["value"]
    assert f[(2, "all", "substance", "relapse_12m")] == pytest.approx(2 / 3)
    assert f[(2, "all", "substance", "relapse_frequent_12m")] == pytest.approx(1 / 3)
    assert np.isnan(f[(1, "all", "substance", "relapse_frequent_12m")])  # nobody remitted yet


def test_odds_ratio() -> None:
    """Haldane-corrected odds ratio: 4 cells hand-computed; NaN without both groups."""
    e = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0], bool)
    o = np.array([1, 1, 1, 0, 1, 0, 0, 0, 0, 0], bool)
    assert odds_ratio(o, e) == pytest.approx((3.5 / 1.5) / (1.5 / 5.5))
    assert np.isnan(odds_ratio(o, np.ones(10, bool)))


def _pairs(n: int) -> object:
    """friends(mask) for people paired 0-1, 2-3, 4-5, ...: the partner's mask as a count."""
    partner = np.arange(n) ^ 1
    return lambda mask: np.asarray(mask, bool)[partner].astype(np.int64)


def _peer(s: Survey, year: int, measure: str) -> list[float]:
    f = _frame(s)["value"]
    return [f[(year, "all", "substance", f"{measure}{p}")]
            for p in ("", "_n_exposed", "_k_exposed", "_n_unexposed", "_k_unexposed")]


def test_peer_onset_of_known_pairs(jit: bool) -> None:
    """Pairs 0-1, 2-3, 4-5: 0 and 2 first use in year 1 (tick 10); in year 2, 1 and 3 (whose
    partners began the year before) and 4 (whose partner did not) begin. At risk in year 2:
    1, 3 (exposed, 2 of 2 begin) and 4, 5 (1 of 2): RR with +0.5 cells (2.5/3)/(1.5/3)."""
    n = 6
    tr = StatusTracker(n, StatusRules())
    s = Survey(n, ["substance"], WEEK, friends=_pairs(n))
    age, never = np.full(n, 20.0), np.full(n, -1, np.int64)
    first = {0: 10, 2: 10, 1: 60, 3: 70, 4: 80}
    for t in range(105):
        use = np.array([first.get(i) == t for i in range(n)])
        tr.update(t, use, use)
        s.observe(t, band_of(age), [tr], [never])
    assert not [r for r in s.rows if r[0] == 1 and r[3].startswith("peer")]  # no year 0
    rr, ne, ke, nu, ku = _peer(s, 2, "peer_onset_rr")
    assert (ne, ke, nu, ku) == (2, 2, 2, 1)
    assert rr == pytest.approx((2.5 / 3) / (1.5 / 3))


def test_peer_cessation_of_known_pairs(jit: bool) -> None:
    """0 is in disorder from tick 1 and ceases at tick 34 (year 1); its partner 1 and person
    2 are in disorder at year 1's end; 1 stops and ceases in year 2, 2 goes on using (its
    partner 3 never used). Year 2's cohort: 1 (exposed, ceases) and 2 (not, does not)."""
    n = 4
    rules = StatusRules(rule="frequency", window=4, addicted_fraction=0.5, abstinence_ticks=5,
                        use_recency=2)
    tr = StatusTracker(n, rules)
    s = Survey(n, ["substance"], WEEK, friends=_pairs(n))
    age, never = np.full(n, 20.0), np.full(n, -1, np.int64)
    for t in range(105):
        use = np.array([t < 30, t < 52, True, False])
        tr.update(t, use, use)
        s.observe(t, band_of(age), [tr], [never])
    assert tr.last_cessation[:2].tolist() == [34, 56]
    rr, ne, ke, nu, ku = _peer(s, 2, "peer_cessation_rr")
    assert (ne, ke, nu, ku) == (1, 1, 1, 0)
    assert rr == pytest.approx((1.5 / 2) / (0.5 / 2))


def test_relative_risk_and_pooling() -> None:
    """Katz interval by hand; counts pooled over years before the ratio; empty group NaN."""
    rr, lo, hi = relative_risk(100, 30, 200, 20)
    se = np.sqrt(1 / 30 - 1 / 100 + 1 / 20 - 1 / 200)
    assert rr == pytest.approx(3.0)
    assert (lo, hi) == pytest.approx((3.0 * np.exp(-1.959964 * se), 3.0 * np.exp(1.959964 * se)))
    assert np.isnan(relative_risk(0, 0, 10, 1)[0])
    rows = pd.DataFrame({"measure": [f"peer_onset_rr{p}" for p in
                                     ("_n_exposed", "_k_exposed", "_n_unexposed", "_k_unexposed")]
                         * 2, "value": [40, 10, 100, 5, 60, 20, 100, 15]})
    assert pooled_rr(rows, "peer_onset_rr")[0] == pytest.approx((30 / 100) / (20 / 200))


@pytest.fixture(scope="module")
def onset_rr(default_runs: list) -> dict:
    """The pooled peer-onset ratio (with its interval) of the default on seeds 10-14 and of
    the same seeds with peer exposure off."""
    from conftest import run_default

    runs = {None: default_runs[:5],
            0.0: [run_default(r.seed, ["exposure.p_peer=0"]) for r in default_runs[:5]]}
    out = {}
    for p_peer, group in runs.items():
        f = pd.concat([r.survey for r in group])
        out[p_peer] = pooled_rr(f[f["activity"] == "substance"], "peer_onset_rr")
    return out


@pytest.mark.slow
@pytest.mark.whole_burn_in
def test_without_peer_exposure_the_onset_ratio_covers_1(onset_rr: dict) -> None:
    """The default scenario (1,000 people, 20 years after the burn-in) on seeds 10-14, first
    uses pooled over the seeds and years 2-20, with peer exposure off (the ablation): the
    ratio's interval covers 1. The default's own ratio is the numbers the expected failure
    below gives."""
    out = onset_rr
    assert out[0.0][1] < 1.0 < out[0.0][2], out
    assert quoted(out[None], "1.22 [1.00, 1.49]") and quoted(out[0.0], "1.10 [0.86, 1.42]")


@pytest.mark.slow
@pytest.mark.whole_burn_in
@pytest.mark.xfail(strict=True, reason="not reproduced since issue 29's recalibrations (seeds "
                   "10-14, 1,000 people, 20 years): the default's pooled peer-onset ratio "
                   "1.22 [1.00, 1.49], its lower end just above 1, is not above the ablation's "
                   "interval 1.10 [0.86, 1.42] (1.26 on the validation seeds 7000-7009, inside "
                   "the target's "
                   "[1.2, 2.0]; before the recalibration of de1cd45, 1.29 [1.04, 1.59])")
def test_peer_onset_effect_comes_from_peer_exposure(onset_rr: dict) -> None:
    """The default on seeds 10-14: a friend's first use the year before raises the risk of
    first use (the interval above 1), and the ratio stands above the upper end of the
    ablation's interval."""
    assert onset_rr[None][1] > 1.0, onset_rr
    assert onset_rr[None][0] > onset_rr[0.0][2], onset_rr


def test_a_run_writes_every_measure_per_year_and_band() -> None:
    """Five simulated years of 200 people: the columns, 5 years x 8 bands (six, 18+ and all)
    x 2 activities x every measure plus the comorbidity odds ratio, shares within [0, 1]."""
    cfg = C.load(sets=["population.size=200", "run.ticks=5 years", "interventions=[]"])
    m = PopulationModel(cfg)
    m.run(cfg.run.ticks)
    f = pd.DataFrame(m.survey_table())
    assert tuple(f.columns) == COLUMNS
    assert sorted(f["year"].unique()) == [1, 2, 3, 4, 5]
    per = f[f["activity"] != "all"].groupby("year").size()
    by_sex = len(SEXES) * len(SEX_MEASURES) * len(AGGREGATES)  # bands 18+ and all by sex
    bands = len(BANDS) + len(AGGREGATES)
    assert per[1] == (bands * len(MEASURES) + by_sex) * 2  # no peer rows yet
    assert (per[per.index > 1]
            == (bands * len(MEASURES) + by_sex + len(PEER_MEASURES)) * 2).all()
    assert set(f["sex"]) == {"all", *SEXES}
    assert (f["measure"] == "odds_ratio_gambling_given_substance").sum() == 5
    shares = f[f["measure"].isin(["lifetime_use", "past_year_use", "conditional_dependence"])]
    v = shares["value"].dropna()
    assert ((v >= 0) & (v <= 1)).all() and v.max() > 0


def test_same_seed_same_survey() -> None:
    """Reproducible: the same config and seed give the identical survey table."""
    sets = ["population.size=150", "run.ticks=2 years", "run.seed=5"]
    a, b = (pd.DataFrame(PopulationModel(C.load(sets=sets)).survey_table()) for _ in range(2))
    runs = []
    for _ in range(2):
        m = PopulationModel(C.load(sets=sets))
        m.run(m.config.run.ticks)
        runs.append(pd.DataFrame(m.survey_table()))
    pd.testing.assert_frame_equal(*runs)
    assert len(runs[0]) > 0 and len(a) == len(b) == 0  # rows only once a year is complete


def test_summarize_aggregates_survey_tables_across_seeds(tmp_path: Path) -> None:
    """A batch keeps each run's survey; summarize gives per year, band, activity and measure
    the mean over seeds and its 95% t interval, with the seeds counted (one group checked by
    hand); survey_summary.csv is the same table."""
    from addsim.population.cli import main

    sweep = tmp_path / "sweep.toml"
    sweep.write_text('[base]\npopulation.size = 80\nrun.ticks = "1 year"\n'
                     'interventions = []\n\n[sweep]\ngrid = { "exposure.p_peer" = [0.05] }\n'
                     "seeds = 3\n")
    out = tmp_path / "out"
    assert main(["batch", str(sweep), "--out", str(out), "--workers", "1"]) == 0
    runs = sorted((out / "runs").glob("*.survey.parquet"))
    assert len(runs) == 3
    assert main(["summarize", str(out)]) == 0
    s = pd.read_parquet(out / "survey_summary.parquet")
    pd.testing.assert_frame_equal(pd.read_csv(out / "survey_summary.csv", keep_default_na=False,
                                              na_values=[""]), s, check_dtype=False, rtol=1e-12)
    assert {"year", "age_band", "activity", "measure", "n_seeds", "value_mean", "value_lo",
            "value_hi"} <= set(s.columns)
    life = s[(s["measure"] == "lifetime_use") & (s["age_band"] == "all")
             & (s["sex"] == "all")]
    assert len(life) == 2 and set(life["n_seeds"]) == {3}  # two activities, year 1
    # by hand (issue 34: "mean inside its interval" held by construction): the substance's
    # lifetime use, the three seeds' values, mean +- t(0.975, 2) sd / sqrt(3), t = 4.303 (a
    # table's value), clipped to [0, 1]
    x = []
    for path in runs:
        f = pd.read_parquet(path)
        x.append(f[(f["measure"] == "lifetime_use") & (f["age_band"] == "all")
                   & (f["sex"] == "all") & (f["activity"] == "substance")
                   & (f["year"] == 1)]["value"].item())
    assert len(set(x)) > 1  # the seeds differ
    mean, half = np.mean(x), 4.303 * np.std(x, ddof=1) / np.sqrt(3)
    row = life[life["activity"] == "substance"].iloc[0]
    assert row["value_mean"] == pytest.approx(mean, rel=1e-12)
    assert row["value_lo"] == pytest.approx(max(mean - half, 0.0), rel=1e-4, abs=1e-12)
    assert row["value_hi"] == pytest.approx(min(mean + half, 1.0), rel=1e-4)


def test_api_run_returns_the_survey() -> None:
    """addsim.run(ticks='1 year') gives the run's survey table (one simulated year)."""
    import addsim

    r = addsim.run(ticks="1 year", size=60, seed=2)
    assert r.config.run.ticks == 52 and r.survey is not None
    assert tuple(r.survey.columns) == COLUMNS and set(r.survey["year"]) == {1}
