"""Calendar time: a tick is a calendar duration, and config durations may be written in units.

``run.tick`` is one tick's length (default ``"1 week"``). Every duration field of the config
(run length, status windows, abstinence time, intervention times and lengths) accepts either a
plain whole number, which stays a number of ticks (older configs keep their meaning), or a
string ``"<number> <unit>"`` with a unit of days, weeks, months or years (``"26 weeks"``,
``"2 years"``, ``"10 days"``; singular, plural and d/w/m/y all accepted), converted to the
nearest whole number of ticks. A year is 365.25 days and a month a twelfth of it, so 20 years
of weekly ticks are 1,044 ticks. Outputs carry ``time`` in years beside the tick.
"""

from __future__ import annotations

import math
import re
from typing import Any

DAYS_PER_YEAR = 365.25
UNIT_DAYS: dict[str, float] = {
    "d": 1.0, "day": 1.0, "days": 1.0,
    "w": 7.0, "wk": 7.0, "week": 7.0, "weeks": 7.0,
    "m": DAYS_PER_YEAR / 12, "mo": DAYS_PER_YEAR / 12, "month": DAYS_PER_YEAR / 12,
    "months": DAYS_PER_YEAR / 12,
    "y": DAYS_PER_YEAR, "yr": DAYS_PER_YEAR, "year": DAYS_PER_YEAR, "years": DAYS_PER_YEAR,
}
UNITS_HELP = "days, weeks, months or years"
DEFAULT_TICK = "1 week"
MAX_DAYS = 1e6 * DAYS_PER_YEAR  # a million years: beyond it no duration is meant
_PATTERN = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([A-Za-z]+)\s*$")


def parse_days(text: str) -> float:
    """Days in a duration such as ``"26 weeks"``; ValueError naming the units otherwise."""
    m = _PATTERN.match(text)
    unit = m.group(2).lower() if m else ""
    if m is None or unit not in UNIT_DAYS:
        raise ValueError(
            f"expected a whole number of ticks or a duration such as '26 weeks' "
            f"(units: {UNITS_HELP})"
        )
    days = float(m.group(1)) * UNIT_DAYS[unit]
    if not math.isfinite(days) or days > MAX_DAYS:
        raise ValueError(f"expected a duration of at most {MAX_DAYS / DAYS_PER_YEAR:g} years")
    return days


def tick_days(tick: str) -> float:
    """Days in one tick (``run.tick``); must be positive."""
    days = parse_days(tick)
    if days <= 0:
        raise ValueError("a tick must last more than 0 days")
    return days


def to_ticks(value: Any, days_per_tick: float) -> Any:
    """A duration as whole ticks: numbers are ticks already; strings are converted (rounded to
    the nearest tick); anything else is returned for the field's own validation to refuse."""
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[0-9]+", text):
            return int(text)
        return round(parse_days(text) / days_per_tick)
    return value


def years(ticks: Any, days_per_tick: float) -> Any:
    """Ticks as calendar years (scalar or array)."""
    return ticks * (days_per_tick / DAYS_PER_YEAR)


def ticks_per_year(days_per_tick: float) -> float:
    """How many ticks make a year (52.18 for weekly ticks)."""
    return DAYS_PER_YEAR / days_per_tick


__all__ = [
    "DAYS_PER_YEAR",
    "DEFAULT_TICK",
    "parse_days",
    "tick_days",
    "ticks_per_year",
    "to_ticks",
    "years",
]
