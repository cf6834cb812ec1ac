"""Treatment as a process (issue 29): people in disorder enter treatment at a yearly hazard
(config ``treatment``); a one-off wave stays a scenario intervention. Interventions and the
process draw from their own streams, so runs with and without one share every other draw."""

from __future__ import annotations

import numpy as np
import pandas as pd

from addsim.population import config as C
from addsim.population.model import PopulationModel
from addsim.population.modules import Act
from addsim.population.status import ADDICTED, RELAPSED

BASE = ["population.size=400", "run.ticks=4 years", "run.burn_in=0", "interventions=[]",
        "run.seed=21", "status.addicted_fraction=0.5"]


def _ever_treated(model: PopulationModel) -> float:
    s = pd.DataFrame(model.survey_table())
    rows = s[(s.activity == "substance") & (s.age_band == "all") & (s.sex == "all")
             & (s.measure == "ever_treated")]
    return float(rows["value"].iloc[-1])


def test_people_in_disorder_enter_treatment_and_do_not_use_in_it() -> None:
    """With a high hazard most of those ever in disorder are treated, nobody uses while in
    treatment, and only people in disorder enter; without the process nobody is treated."""
    m = PopulationModel(C.load(sets=[*BASE, "treatment.entry_per_year=4"]))
    act = m.activity("substance")
    entered_in_disorder = entered = 0
    for _ in range(m.config.run.ticks):
        before = act.treated_until.copy()
        status = act.tracker.status.copy()
        m.step()
        new = act.treated_until != before
        entered += int(new.sum())
        entered_in_disorder += int((new & ((status == ADDICTED) | (status == RELAPSED))).sum())
        in_treatment = act.treated_until > m.clock - 1
        assert not (m.module(Act).used["substance"] & in_treatment).any()
    assert entered > 0 and entered_in_disorder == entered
    assert _ever_treated(m) > 0.5
    off = PopulationModel(C.load(sets=[*BASE, "treatment.enabled=false"]))
    off.run(off.config.run.ticks)
    assert _ever_treated(off) == 0.0 and not off.activity("substance").tracker.ever_treated.any()


def test_an_intervention_shares_every_other_draw() -> None:
    """Common random numbers: the same seed with and without a treatment wave at tick 100.
    The records are equal tick by tick before it; afterwards everyone the wave did not treat
    lives the same life, tick by tick (the paths by which a wave reaches others by design,
    peers and the deaths of people in disorder, are switched off here, so any difference
    left would be a shifted random draw)."""
    sets = [*BASE, "exposure.p_peer=0", "seeking.peer=0", "exposure.social_cue=false",
            "life.hazard_ratio={substance = 1.0, gambling = 1.0}", "run.history=true"]
    wave = 'interventions=[{kind = "treatment", tick = 100, fraction = 0.5}]'
    plain, treated = (PopulationModel(C.load(sets=s)) for s in (sets, [*sets, wave]))
    for m in (plain, treated):
        m.run(101)
    np.testing.assert_array_equal(plain.records.table[:100], treated.records.table[:100])
    touched = (treated.activity("substance").treated_until
               != plain.activity("substance").treated_until)  # whom the wave treated
    assert touched.any()
    for m in (plain, treated):
        m.run(m.config.run.ticks - 101)
    assert not np.array_equal(plain.history[:, 0, touched], treated.history[:, 0, touched])
    np.testing.assert_array_equal(plain.history[:, :, ~touched], treated.history[:, :, ~touched])
