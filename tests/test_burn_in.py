"""A population with a past (issue 29): ``run.burn_in`` simulates the years before the first
recorded tick, recording nothing, so people enter the recorded years with histories that fit
their age."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from addsim.population import config as C
from addsim.population.model import PopulationModel

SETS = ["population.size=300", "run.ticks=3 years", "interventions=[]", "run.seed=12"]


def _model(*sets: str) -> PopulationModel:
    return PopulationModel(C.load(sets=[*SETS, *sets]))


@pytest.mark.whole_burn_in
def test_the_default_burn_in_is_a_whole_life_and_records_nothing() -> None:
    """By default the burn-in lasts from entry to leaving (80 - 12 = 68 years); the recorded
    run still has its ticks, its survey years 1-3 and its events from tick 0; the clock
    counts both."""
    m = _model()
    assert m.burn_in_ticks == round(68 * 365.25 / 7)
    m.run(m.config.run.ticks)
    assert m.tick == m.config.run.ticks and m.clock == m.tick + m.burn_in_ticks
    survey = pd.DataFrame(m.survey_table())
    assert sorted(survey["year"].unique()) == [1, 2, 3]
    assert min(t for t, *_ in m.events()) >= 0
    assert len(m.datacollector.get_model_vars_dataframe()) == m.tick


def test_people_enter_the_recorded_years_with_histories() -> None:
    """After the burn-in the old have used at some time (lifetime use at 50 and over far
    above a population that starts naive, where they had one year to start), and the first
    recorded year's lifetime use is far above the naive start's."""
    past = _model("run.burn_in=40 years")
    naive = _model("run.burn_in=0")
    for m in (past, naive):
        m.run(52)
    old = {name: m.activity("substance").tracker.ever_used[m.age >= 50].mean()
           for name, m in (("past", past), ("naive", naive))}
    assert old["past"] > old["naive"] + 0.1, old
    first = {}
    for name, m in (("past", past), ("naive", naive)):
        s = pd.DataFrame(m.survey_table())
        first[name] = s[(s.year == 1) & (s.activity == "substance") & (s.age_band == "all")
                        & (s.sex == "all") & (s.measure == "lifetime_use")]["value"].item()
    assert first["past"] > first["naive"] + 0.2, first


def test_an_explicit_burn_in_is_the_same_run() -> None:
    """``model.burn_in()`` called first (the CLI does, for its progress bar) and the burn-in
    run by the first step give the same numbers."""
    a, b = _model("run.burn_in=5 years"), _model("run.burn_in=5 years")
    a.burn_in()
    for m in (a, b):
        m.run(60)
    np.testing.assert_array_equal(a.records.table[:60], b.records.table[:60])
    assert a.survey_table()["value"].tobytes() == b.survey_table()["value"].tobytes()


def test_a_scheduled_intervention_acts_on_recorded_ticks() -> None:
    """A treatment wave at recorded tick 10 happens at recorded tick 10, after the burn-in."""
    cfg = C.load(sets=[*SETS, "run.burn_in=3 years",
                       'interventions=[{kind = "treatment", tick = 10, fraction = 1.0}]'])
    m = PopulationModel(cfg)
    m.run(20)
    assert [t for t, _, act, _ in m.applied if act == "substance"] == [10]


def test_first_use_and_onset_ticks_count_recorded_ticks() -> None:
    """The people table's first-use and onset ticks are recorded ticks, as in every other
    table: a first use during the burn-in is negative (before the recorded years), and one
    in the recorded years is the tick the status history first shows the person a user."""
    from addsim.population.status import ADDICTED, NEVER, RELAPSED, USER

    m = _model("run.burn_in=3 years", "run.history=true", "life.enabled=false")
    m.run(m.config.run.ticks)
    people, hist = m.people(), m.status_history()
    first = people["substance_first_use_tick"]
    before = (first != NEVER) & (first < 0)
    during = first >= 0
    assert before.any() and during.any()
    assert (first[before] >= -m.burn_in_ticks).all()
    h = hist[:, 0, during]  # nobody leaves: each row is one person throughout
    np.testing.assert_array_equal(first[during], (h >= USER).argmax(axis=0))
    assert people["substance_ever_used"][before].all()
    onset = people["substance_onset_tick"]
    early, late = (onset != NEVER) & (onset < 0), onset >= 0
    assert early.any() and late.any()
    assert (onset[early] >= -m.burn_in_ticks).all()
    assert people["substance_ever_addicted"][early | late].all()
    sick = (hist[:, 0, late] == ADDICTED) | (hist[:, 0, late] == RELAPSED)
    np.testing.assert_array_equal(onset[late], sick.argmax(axis=0))
