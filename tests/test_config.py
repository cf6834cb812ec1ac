"""Run configs: defaults, overrides, TOML round trip and one-line errors naming the field."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from addsim.population import config as C
from addsim.population import risk


def test_default_is_the_documented_embedded_run() -> None:
    """The default: 1,000 people, small world, both activities, 20 years of weekly ticks,
    a treatment wave at year 10."""
    cfg = C.load()
    assert cfg.population.size == 1000 and cfg.network.kind == "watts_strogatz"
    assert cfg.enabled_activities == ("substance", "gambling") and cfg.run.ticks == 1044
    assert cfg.run.tick == "1 week"
    assert [(i.kind, i.tick) for i in cfg.interventions] == [("treatment", 522)]
    shown = C.documented_default()
    assert "# number of individuals" in shown and "[exposure]" in shown
    assert C.validate(tomllib.loads(shown)) == cfg  # the shown default is itself valid


def test_set_overrides_and_round_trip(tmp_path: Path) -> None:
    """--set overrides any dotted key; the resolved TOML reads back to the same config."""
    cfg = C.load(sets=["population.size=5000", "exposure.p_peer=0.2", "network.kind=empty",
                       "activities.gambling.enabled=false"])
    assert cfg.population.size == 5000 and cfg.exposure.p_peer == 0.2
    assert cfg.enabled_activities == ("substance",)
    path = tmp_path / "c.toml"
    path.write_text(C.to_toml(cfg))
    assert C.load(path) == cfg


@pytest.mark.parametrize(
    ("sets", "text"),
    [
        (["population.size=-5"], "population.size: got -5"),
        (["exposure.p_peer=1.5"], "exposure.p_peer: got 1.5"),
        (["network.kind=small_world"], "network.kind: got 'small_world', expected one of"),
        (["activities.substance.learner=dual_proces"], "did you mean 'dual_process'"),
        (["populaton.size=5"], "did you mean 'population'"),
        (["run.tiks=4"], "did you mean 'ticks'"),
        (["network.kind=file"], "network.file"),
        (["interventions=[{kind='treatment', tick=-1}]"], "interventions.0.tick: got -1"),
        (["risk.access={dist='uniform', low=0.5, high=0.1}"], "risk.access"),
        (["run.ticks"], "--set: got 'run.ticks', expected key=value"),
    ],
)
def test_bad_values_one_line_naming_the_field(sets: list[str], text: str) -> None:
    """A bad value is refused in one line that names the field and the value."""
    with pytest.raises(C.ConfigError) as info:
        C.load(sets=sets)
    assert text in str(info.value) and "\n" not in str(info.value)


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    """A missing or non-TOML config file is refused in one line."""
    with pytest.raises(C.ConfigError, match="not found"):
        C.load(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[population\nsize = 3")
    with pytest.raises(C.ConfigError, match="not valid TOML"):
        C.load(bad)


def test_risk_draws_are_seeded_and_in_range() -> None:
    """Risk factors: same seed same draws; probabilities inside [0, 1]; truncation holds."""
    cfg = C.load().risk
    a = risk.draw(cfg, 2000, np.random.default_rng(1))
    b = risk.draw(cfg, 2000, np.random.default_rng(1))
    assert all(np.array_equal(a[k], b[k]) for k in a)
    # learning rate and temperature are unset by default: each activity's preset decides
    assert set(a) == set(C.RISK_FACTORS) - {"learning_rate", "inverse_temperature"}
    assert a["surge"].min() >= 10.0 and a["surge"].max() <= 20.0
    assert 0 <= a["access"].min() and a["access"].max() <= 0.1


def test_risk_csv_overrides_and_errors(tmp_path: Path) -> None:
    """A per-individual CSV overrides factors; wrong rows, names or values are refused."""
    good = tmp_path / "r.csv"
    good.write_text("id,surge,access\n0,12,0.1\n1,18,0.2\n")
    out = risk.read_csv(good, 2)
    assert out["surge"].tolist() == [12.0, 18.0] and "id" not in out
    cases = {
        "id,surge\n0,12\n": "1 rows, expected one per individual",
        "id,surje\n0,1\n1,2\n": "did you mean 'surge'",
        "id,access\n0,0.1\n1,1.5\n": "column access: got 1.5",
        "id,surge\n0,12\n1\n": "line 3 has 1 fields",
        "id,surge\n0,x\n1,2\n": "line 2 has a value that is not a number",
    }
    for text, message in cases.items():
        good.write_text(text)
        with pytest.raises(C.ConfigError, match=message):
            risk.read_csv(good, 2)


def test_dezfouli_rates_and_the_dose_trace_are_set_in_calendar_units() -> None:
    """Issue 27: sigma and lambda come from calendar time constants (6 months, 1 year by
    default) as 1 - exp(-1 / ticks), so a daily tick gives the same time constants in more
    ticks; the dose trace's half-life likewise; the cohort presets keep their per-step
    values; the gambling activity has no dose trace to set."""
    from addsim.population.activity import resolved_learner_params
    from addsim.population.model import PopulationModel

    weekly = C.load(sets=["population.size=20", "network.kind=empty"])
    sub = weekly.activities.substance
    assert (sub.reward_rate_time, sub.allostasis_time, sub.dose_half_life) == (26, 52, 2)
    daily = C.load(sets=["population.size=20", "network.kind=empty", "run.tick='1 day'"])
    assert daily.activities.substance.allostasis_time == 365  # 1 year of days
    rows = resolved_learner_params(weekly)["substance"]
    assert rows["lam"][0] == pytest.approx(-np.expm1(-1 / 52))
    assert "allostasis_time" in rows["lam"][1] and "0.0003" in rows["lam"][1]
    m = PopulationModel(weekly)
    act = m.activity("substance")
    np.testing.assert_allclose(act.learner.p.sigma, -np.expm1(-1 / 26))
    np.testing.assert_allclose(act.learner.p.lam, -np.expm1(-1 / 52))
    np.testing.assert_array_equal(act.core["dose_half_life"], 2.0)
    with pytest.raises(C.ConfigError, match="dose_half_life"):
        C.load(sets=["activities.gambling.dose_half_life=3"])


def test_the_order_of_the_comorbidity_factors_never_changes_a_run() -> None:
    """Issue 29 item 7: the shared trait draws in a fixed order, so a config listing the
    factors in another order (as a batch's sorted JSON does) gives the same people."""
    from addsim.population.model import PopulationModel

    sets = ["population.size=300", "network.kind=empty"]
    a = PopulationModel(C.load(sets=[*sets, "comorbidity.factors={surge=1, "
                                             "natural_reward=-1, perceived_win=1}"]))
    b = PopulationModel(C.load(sets=[*sets, "comorbidity.factors={perceived_win=1, "
                                             "surge=1, natural_reward=-1}"]))
    for name in a.risk:
        np.testing.assert_array_equal(a.risk[name], b.risk[name], err_msg=name)
