"""The embedded default is the calibrated scenario (examples/calibrate against
examples/targets/substance.toml, docs/calibration/): on seeds neither the calibration
(>= 1,000,000) nor its validation report (0-9) used, its survey lands inside the targets'
intervals. Targets the calibration did not reach are strict xfails with the measured values.
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
pytestmark = pytest.mark.slow
NOT_REACHED = {  # measured on seeds 10-19: mean [2.5%, 97.5% across seeds] vs the interval
    "past-year drug use disorder": "0.014 [0.011, 0.017] vs [0.027, 0.051]: disorders are too "
    "short (see the remission target)",
    "annual natural remission, cocaine": "0.435 [0.380, 0.470] vs [0.081, 0.237]: no "
    "calibrated parameter slows remission enough",
    "peer effect on onset: a friend's first use in the previous year": "2.31 [1.78, 3.02] vs "
    "[1.2, 2.0] (1.94 on the validation seeds 0-9: the default sits at the interval's edge)",
    "peer effect on cessation: a friend ceased in the previous year": "1.05 [0.86, 1.27] vs "
    "[1.1, 3.0]: a friend's remission does not raise one's own",
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
