"""Calendar time: durations in units, converted with run.tick; bad units refused in one line."""

from __future__ import annotations

import pytest

from addsim.population import calendar
from addsim.population import config as C


def test_calendar_units_convert_with_the_tick_length() -> None:
    """Weeks, years, days and months become whole ticks of run.tick; plain numbers stay ticks."""
    cfg = C.load(sets=["run.ticks=20 years", "status.abstinence_ticks=26 weeks",
                       "status.use_recency=10 days",
                       "interventions=[{kind='treatment', tick='10 years', duration='3 months'}]"])
    assert cfg.run.ticks == round(20 * 365.25 / 7)
    assert cfg.status.abstinence_ticks == 26 and cfg.status.use_recency == 1
    assert cfg.interventions[0].tick == round(3652.5 / 7)
    assert cfg.interventions[0].duration == 13
    daily = C.load(sets=["run.tick=1 day", "run.ticks=2 years", "status.use_recency=4 weeks"])
    assert daily.run.ticks == 730 and daily.status.use_recency == 28
    assert C.load(sets=["run.ticks=300"]).run.ticks == 300  # older configs keep their meaning
    assert calendar.years(52, 7.0) == pytest.approx(52 * 7 / 365.25)


@pytest.mark.parametrize(("assignment", "field"), [
    ("run.ticks=3 fortnights", "run.ticks"),
    ("run.tick=1 parsec", "run.tick"),
    ("status.abstinence_ticks=soon", "status.abstinence_ticks"),
    ("interventions=[{kind='treatment', tick='10 eons'}]", "interventions.0.tick"),
    ("run.ticks=1e400 years", "run.ticks"),  # was an OverflowError (inf days)
    ("run.tick=1e400 days", "run.tick"),
])
def test_bad_units_are_refused_in_one_line_naming_the_field(assignment: str, field: str) -> None:
    """A unit that is not days/weeks/months/years: one line with the field and the units."""
    with pytest.raises(C.ConfigError) as err:
        C.load(sets=[assignment])
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith(f"{field}: ")
    assert "weeks" in msg or "years" in msg
