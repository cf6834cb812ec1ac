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
