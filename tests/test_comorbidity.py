"""Comorbidity: a shared trait correlates risk factors across activities (risk.couple)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import DefaultRun, run_default
from evidence import quoted

from addsim.population import config as C
from addsim.population import risk
from addsim.population.model import PopulationModel


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(np.argsort(np.argsort(a)), np.argsort(np.argsort(b)))[0, 1])


def test_couple_keeps_each_marginal_and_sets_the_sign_and_strength() -> None:
    """Values are only reordered; correlation 0.8 gives rank correlations near 0.8 with the
    declared signs; correlation 0 changes nothing."""
    rng = np.random.default_rng(1)
    base = {"surge": rng.normal(15, 1, 20000), "natural_reward": rng.normal(12, 1, 20000),
            "perceived_win": rng.beta(5, 15, 20000), "access": rng.random(20000)}
    values = {k: v.copy() for k, v in base.items()}
    factors = {"surge": 1, "natural_reward": -1, "perceived_win": 1}
    risk.couple(values, factors, 0.8, np.random.default_rng(2), skip={"access"})
    for k in base:
        np.testing.assert_array_equal(np.sort(values[k]), np.sort(base[k]))
    np.testing.assert_array_equal(values["access"], base["access"])
    assert 0.7 < _spearman(values["surge"], values["perceived_win"]) < 0.85
    assert -0.85 < _spearman(values["surge"], values["natural_reward"]) < -0.7
    assert abs(_spearman(base["surge"], base["perceived_win"])) < 0.05
    same = {k: v.copy() for k, v in base.items()}
    risk.couple(same, factors, 0.0, np.random.default_rng(2))
    for k in base:
        np.testing.assert_array_equal(same[k], base[k])


def test_shared_trait_raises_the_survey_odds_ratio() -> None:
    """Same seed, ten years: with a strong shared trait, people with a substance disorder are
    more likely to have a gambling disorder than without the trait (the survey's odds ratio);
    newcomers carry the trait too. The status threshold and seeking supply of the default
    before its calibration: in the calibrated default gambling disorder is rare (0.5% ever in
    ten years, five people), too few for an odds ratio to show a mechanism."""
    ors = {}
    for c in (0.0, 0.9):
        cfg = C.load(sets=["run.ticks=10 years", "interventions=[]",
                           "status.addicted_fraction=0.6", "seeking.base=0.8",
                           "activities.gambling.addicted_fraction=0.6",
                           f"comorbidity.correlation={c}"])
        m = PopulationModel(cfg)
        m.run(cfg.run.ticks)
        f = pd.DataFrame(m.survey_table())
        ors[c] = f[f["measure"] == "odds_ratio_gambling_given_substance"]["value"].iloc[-1]
        if c:
            assert _spearman(m.risk["surge"], m.risk["perceived_win"]) > 0.6
    assert ors[0.9] > 2 * ors[0.0] and ors[0.9] > 2


def _last_or(survey: pd.DataFrame) -> float:
    """The survey's odds ratio of ever gambling disorder given ever substance disorder, in
    the last recorded year."""
    return float(survey[survey["measure"] == "odds_ratio_gambling_given_substance"]["value"]
                 .iloc[-1])


@pytest.fixture(scope="module")
def default_pairs(default_runs: list[DefaultRun]) -> dict[str, list[float]]:
    """The default scenario (issue 34: not the named settings above) on the shared runs'
    seeds 10-14, with its shared trait (correlation 0.5) and without it (0), paired by seed:
    the last year's odds ratio in each."""
    base = default_runs[:5]
    return {"with": [_last_or(r.survey) for r in base],
            "without": [_last_or(run_default(r.seed, ["comorbidity.correlation=0"]).survey)
                        for r in base]}


@pytest.mark.slow
@pytest.mark.whole_burn_in
def test_the_default_odds_ratio_on_five_seeds(default_pairs: dict[str, list[float]]) -> None:
    """The numbers the expected failure below gives (seeds 10-14, 1,000 people, 20 years
    after the burn-in): lifetime gambling disorder is a handful of people a run in the
    default, so the odds ratio swings with a case either way."""
    assert quoted(default_pairs["with"], "1.38, 4.09, 1.00, 6.82, 15.57")
    assert quoted(default_pairs["without"], "3.70, 0.72, 18.02, 1.29, 0.78")


@pytest.mark.slow
@pytest.mark.whole_burn_in
@pytest.mark.xfail(strict=True, reason="not shown in the default scenario (seeds 10-14, 1,000 "
                   "people, 20 years): odds ratio with the shared trait 1.38, 4.09, 1.00, "
                   "6.82, 15.57 against 3.70, 0.72, 18.02, 1.29, 0.78 without it (higher on 3 "
                   "of 5 seeds); a handful of lifetime gambling disorders a run")
def test_the_shared_trait_raises_the_default_odds_ratio_on_every_seed(
        default_pairs: dict[str, list[float]]) -> None:
    assert all(w > wo for w, wo in zip(default_pairs["with"], default_pairs["without"],
                                       strict=True))

