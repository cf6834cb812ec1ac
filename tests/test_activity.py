"""Activities as data (population/activity.py): parameter precedence, keyed sub-streams, and
the Python API that runs them (addsim.run)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import addsim
from addsim.population import config as C
from addsim.population.activity import SPECS, resolved_learner_params
from addsim.population.io.export import prevalence_frame
from addsim.population.model import PopulationModel


def _model(*sets: str, size: int = 60) -> PopulationModel:
    return PopulationModel(C.load(sets=[f"population.size={size}", "run.ticks=5", *sets]))


def test_paper_preset_beta_wins_over_the_built_in_default_unless_the_config_names_beta() -> None:
    """The bug this guards: a risk-factor default (beta 0.3) silently replaced the paper
    preset's beta 15. The preset wins over defaults; a risk factor the config sets wins over
    the preset; ``config --show`` reports the same resolution."""
    paper = _model("activities.substance.preset=\"paper\"")
    assert np.all(paper.activity("substance").learner.p.beta == 15.0)
    assert np.all(paper.activity("gambling").learner.p.beta == 0.3)  # still the report preset
    named = _model("activities.substance.preset=\"paper\"",
                   'risk.inverse_temperature={dist="fixed", value=0.7}')
    assert np.all(named.activity("substance").learner.p.beta == 0.7)
    rows = resolved_learner_params(paper.config)
    assert rows["substance"]["beta"] == (15.0, "preset 'paper': built-in default")
    assert rows["gambling"]["beta"] == (0.3, "preset 'report'")
    assert rows["substance"]["surge"][1] == "risk.surge"
    assert resolved_learner_params(named.config)["substance"]["beta"][1] == (
        "risk.inverse_temperature"
    )


def test_each_activity_has_its_own_stream_key() -> None:
    """Sub-streams are keyed per activity (unique keys past Mesa's, the network's and the
    risk factors'), not assigned by position."""
    keys = [spec.stream for spec in SPECS.values()]
    assert len(set(keys)) == len(keys) and min(keys) >= 3


def test_removing_an_activity_leaves_the_others_numbers_unchanged() -> None:
    """Gambling's prevalence is the same with the substance activity on or off (positional
    streams gave gambling the substance's stream when substance was disabled). Deaths raised
    by a substance disorder are the one path by design from one activity to the other, so
    the death hazard does not depend on disorder here."""
    sets = ["population.size=300", "run.ticks=120", "interventions=[]",
            'risk.access={dist="fixed", value=0.05}',
            "life.hazard_ratio={substance = 1.0, gambling = 1.0}"]
    both = PopulationModel(C.load(sets=sets))
    both.run(120)
    alone = PopulationModel(C.load(sets=[*sets, "activities.substance.enabled=false"]))
    alone.run(120)
    g_both = prevalence_frame(both).query("activity == 'gambling'").reset_index(drop=True)
    g_alone = prevalence_frame(alone).reset_index(drop=True)
    assert g_both["initiations"].sum() > 0  # something happened to compare
    pd.testing.assert_frame_equal(g_both, g_alone)


def test_api_run_matches_the_engine_and_takes_overrides() -> None:
    """addsim.run(ticks=..., size=...) gives the tables of the same model run by hand, with
    the overrides in its resolved config; a bad override is one ConfigError line."""
    r = addsim.run(ticks=30, size=80, seed=4)
    assert r.config.run.ticks == 30 and r.config.population.size == 80
    assert list(r.prevalence["tick"].unique()) == list(range(30))
    assert len(r.individuals) == 80 and {"tick", "event", "count"} <= set(r.events.columns)
    model = PopulationModel(C.load(sets=["run.ticks=30", "population.size=80", "run.seed=4"]))
    model.run(30)
    pd.testing.assert_frame_equal(r.prevalence, prevalence_frame(model))
    r2 = addsim.run(r.config, exposure__p_peer=0.0)
    assert r2.config.exposure.p_peer == 0.0
    with pytest.raises(addsim._errors.ConfigError, match=r"^population.size: got -1"):
        addsim.run(size=-1)
