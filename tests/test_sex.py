"""Sex as a person attribute (issue 29): drawn at entry, moving access between the sexes
(config ``sex``), carried through the survey (rows by sex), the targets (a male/female ratio),
the people table and the Individual view."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from addsim.population import config as C
from addsim.population.io.export import individuals_frame
from addsim.population.model import PopulationModel
from addsim.population.targets import Target, observe

SETS = ["population.size=2000", "run.burn_in=0", "interventions=[]", "run.seed=8"]


def test_sex_is_drawn_and_moves_access_at_a_fixed_mean() -> None:
    """About male_share of people are men; men's access over women's is the ratio, and the
    population's mean access is what it is without the ratio."""
    with_ratio = PopulationModel(C.load(sets=[*SETS, "sex.male_share=0.3",
                                              "sex.access_ratio={substance = 3.0}"]))
    without = PopulationModel(C.load(sets=[*SETS, "sex.male_share=0.3",
                                           "sex.access_ratio={substance = 1.0}"]))
    men = with_ratio.sex == 1
    assert abs(men.mean() - 0.3) < 0.03
    np.testing.assert_array_equal(with_ratio.sex, without.sex)
    a, b = with_ratio.activity("substance").access, without.activity("substance").access
    np.testing.assert_allclose(a[men] / b[men], 3.0 / (0.3 * 3 + 0.7))
    np.testing.assert_allclose(a[~men] / b[~men], 1.0 / (0.3 * 3 + 0.7))
    assert with_ratio.individuals[int(np.flatnonzero(men)[0])].sex == "male"
    frame = individuals_frame(with_ratio)
    assert (frame["sex"] == np.where(men, "male", "female")).all()


def test_newcomers_get_a_sex_and_their_access() -> None:
    """Renewed rows draw a sex and take the access of their sex."""
    m = PopulationModel(C.load(sets=[*SETS, "sex.access_ratio={substance = 2.0}"]))
    rows = np.arange(0, 2000, 2)
    m.renew(rows)
    women, men = m.config.sex.access_factors("substance")
    want = m.risk["access"][rows] * np.where(m.sex[rows] == 1, men, women)
    np.testing.assert_allclose(m.activity("substance").access[rows], want)
    assert 0.35 < m.sex[rows].mean() < 0.65


def test_the_survey_reports_by_sex_and_a_target_takes_the_ratio() -> None:
    """Rows by sex for bands '18+' and 'all'; with men's access three times women's, men's
    lifetime use is higher, and a male/female target is the ratio of the two."""
    m = PopulationModel(C.load(sets=[*SETS, "run.ticks=3 years",
                                     "sex.access_ratio={substance = 3.0}"]))
    m.run(m.config.run.ticks)
    s = pd.DataFrame(m.survey_table())
    by_sex = s[s["sex"] != "all"]
    assert set(by_sex["age_band"]) == {"18+", "all"} and set(by_sex["sex"]) == {"female", "male"}
    kw = dict(name="x", measure="lifetime_use", activity="substance", years=[1, 3], value=1.0,
              sd=0.1, source="test")
    men, women, ratio = (observe(s, Target(**kw, sex=sex))
                         for sex in ("male", "female", "male/female"))
    assert men > women > 0
    assert ratio == pytest.approx(men / women)
    everyone = observe(s, Target(**kw))
    assert women < everyone < men


def test_a_ratio_target_needs_a_measure_by_sex() -> None:
    """A target by sex names one of the measures the survey reports by sex."""
    with pytest.raises(ValueError, match="measures by sex"):
        Target(name="x", measure="relapse_12m", sex="male/female", years=1, value=1.0,
               sd=0.1, source="test")
