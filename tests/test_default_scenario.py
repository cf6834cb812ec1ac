"""The embedded default is the calibrated scenario (examples/calibrate against
examples/targets/substance.toml, docs/calibration/): on seeds neither the calibration
(>= 1,000,000) nor its validation report (0-9) used, its survey lands inside the targets'
intervals. Targets the calibration did not reach, or that issue 27's science changed before
issue 29 recalibrates, are strict xfails with the measured values.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from addsim.population import config as C
from addsim.population.model import PopulationModel
from addsim.population.targets import load_targets, validate

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ROOT / "examples" / "targets" / "substance.toml"
SEEDS = range(10, 20)
pytestmark = [pytest.mark.slow, pytest.mark.whole_burn_in]
CHANGED = "changed by issue 27 (situation recognition without the per-state record, calendar " \
    "time constants; the default is recalibrated by issue 29): "
NOT_REACHED = {  # measured on seeds 10-19: mean [2.5%, 97.5% across seeds] vs the interval
    "use to dependence, cocaine": CHANGED + "0.068 [0.042, 0.092] vs [0.150, 0.268]",
    "past-year drug use disorder": CHANGED + "0.007 [0.005, 0.009] vs [0.027, 0.051] (before "
    "issue 27 0.014: disorders were already too short)",
    "lifetime drug use disorder": CHANGED + "0.033 [0.020, 0.045] vs [0.070, 0.128]",
    "back to use within a year of treatment or remission": CHANGED + "0.842 [0.674, 0.996] vs "
    "[0.400, 0.600]",
    "peer effect on cessation: a friend ceased in the previous year": CHANGED + "defined on "
    "8 of the 10 seeds only (too few cessations with a friend's before), 1.144 [0.523, 1.639] "
    "vs [1.1, 3.0] (1.05 before issue 27)",
    "annual natural remission, cocaine": "0.326 [0.289, 0.393] vs [0.081, 0.237] (0.435 "
    "before issue 27): no calibrated parameter slows remission enough",
}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    """The default config (1,000 people, 20 years) on seeds 10-19 against the targets."""
    surveys = []
    for seed in SEEDS:
        model = PopulationModel(C.load(sets=[f"run.seed={seed}"]))
        model.run(model.config.run.ticks)
        surveys.append(pd.DataFrame(model.survey_table()))
    return validate(surveys, load_targets(TARGETS)).set_index("target")


def _cases() -> list[object]:
    return [pytest.param(t.name, marks=pytest.mark.xfail(
        strict=True, reason=f"not reached by the calibration: {NOT_REACHED[t.name]}"))
        if t.name in NOT_REACHED else t.name for t in load_targets(TARGETS).target]


@pytest.mark.parametrize("name", _cases())
def test_default_lands_inside_the_target(table: pd.DataFrame, name: str) -> None:
    """The mean over the ten seeds inside the target's 95% interval."""
    row = table.loc[name]
    shown = (f"{name}: {row['observed']:.3f} [{row['observed_low']:.3f}, "
             f"{row['observed_high']:.3f}] against [{row['low']:.3f}, {row['high']:.3f}]")
    assert row["runs"] == len(SEEDS), shown
    assert row["low"] <= row["observed"] <= row["high"], shown
