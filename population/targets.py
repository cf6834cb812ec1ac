"""Calibration targets: published survey figures a run's survey table is compared with.

A targets file (TOML) lists targets; each names a survey measure (population/survey.py), a
slice (simulated years, age band, activity), a value with a 95% interval or an sd, and its
source::

    [[target]]
    name = "past-year drug use disorder"
    measure = "past_year_disorder"
    activity = "substance"
    age_band = "all"
    years = [11, 20]          # simulated years averaged (one year: years = 20)
    value = 0.039
    interval = [0.035, 0.043] # or: sd = 0.002 (the interval is then value +- 1.96 sd)
    source = "Grant et al. 2016, NESARC-III"

``observe`` reads a run's survey table for a target's slice; ``validate`` compares runs (one
per seed) with every target: the mean across runs with a 2.5-97.5 percentile interval, and
whether the mean lies inside the target's interval.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from addsim._errors import shown
from addsim.population.survey import (
    AGGREGATES,
    BANDS,
    COMORBIDITY,
    MEASURES,
    PEER,
    PEER_MEASURES,
    SEX_MEASURES,
    SEXES,
    pooled_rr,
)

ACTIVITIES = ("substance", "gambling", "all")
AGE_BANDS = (*BANDS, *AGGREGATES)
SEX_SLICES = ("all", *SEXES, "male/female")  # male/female: the ratio of the two
Z95 = 1.959963984540054
Year = Annotated[int, Field(ge=1, le=100_000)]
MAX_TARGETS = 1_000  # targets in one file (each is a slice of every run's survey table)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class Target(_Strict):
    """One published figure and the slice of the survey table it is set against."""

    name: str = Field(min_length=1, max_length=200, description="what the figure is")
    measure: Literal[(*MEASURES, COMORBIDITY, *PEER_MEASURES)] = Field(  # type: ignore[valid-type]
        description="a survey measure (population/survey.py)")
    activity: Literal[ACTIVITIES] = Field(  # type: ignore[valid-type]
        "substance", description="substance, gambling or all")
    age_band: Literal[AGE_BANDS] = Field(  # type: ignore[valid-type]
        "all", description="12-17, 18-25, 26-34, 35-49, 50-64, 65+, 18+ (the adults: the "
        "population of an adult survey such as NESARC) or all (everyone from the entry age)")
    sex: Literal[SEX_SLICES] = Field(  # type: ignore[valid-type]
        "all", description="all, female, male, or male/female (the ratio of the men's value "
        "to the women's; the measures by sex are the survey's SEX_MEASURES, bands '18+' and "
        "'all')")
    years: Year | list[Year] = Field(description="a simulated year, or [first, last] averaged")
    value: float = Field(ge=-1e9, le=1e9, description="the published value")
    interval: list[Annotated[float, Field(ge=-1e9, le=1e9)]] | None = Field(
        None, description="its 95% interval [low, high]")
    sd: float | None = Field(None, gt=0, le=1e9, description="or its standard deviation")
    source: str = Field(min_length=1, max_length=500, description="where the figure comes from")

    @field_validator("years")
    @classmethod
    def _years(cls, value: int | list[int]) -> int | list[int]:
        if isinstance(value, list) and (len(value) != 2 or value[0] > value[1]):
            raise ValueError("expected one year or [first, last] with first <= last")
        return value

    @field_validator("interval")
    @classmethod
    def _interval(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and (len(value) != 2 or value[0] > value[1]):
            raise ValueError("expected [low, high] with low <= high")
        return value

    @model_validator(mode="after")
    def _spread(self) -> Target:
        if (self.interval is None) == (self.sd is None):
            raise ValueError("give exactly one of interval and sd")
        if self.interval is not None and not self.interval[0] <= self.value <= self.interval[1]:
            raise ValueError(f"value {self.value} lies outside its interval {self.interval}")
        return self

    @model_validator(mode="after")
    def _whole_population(self) -> Target:
        if (self.measure in PEER_MEASURES or self.measure == COMORBIDITY) and (
                self.age_band != "all"):
            raise ValueError(f"measure {self.measure!r} is surveyed for age_band 'all' only, "
                             f"got {self.age_band!r}")
        return self

    @model_validator(mode="after")
    def _by_sex(self) -> Target:
        if self.sex != "all" and (self.measure not in SEX_MEASURES
                                  or self.age_band not in AGGREGATES):
            raise ValueError(f"sex {self.sex!r} needs age_band '18+' or 'all' and one of the "
                             "measures "
                             f"by sex: {', '.join(SEX_MEASURES)}")
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        """The target's 95% interval (from ``sd`` when no interval is given)."""
        if self.interval is not None:
            return (self.interval[0], self.interval[1])
        assert self.sd is not None
        return (self.value - Z95 * self.sd, self.value + Z95 * self.sd)

    @property
    def year_range(self) -> tuple[int, int]:
        """First and last simulated year of the slice."""
        return (self.years, self.years) if isinstance(self.years, int) else (
            self.years[0], self.years[1])


class Targets(_Strict):
    """A targets file: a list of ``[[target]]`` tables with distinct names."""

    target: list[Target] = Field(min_length=1, max_length=MAX_TARGETS)

    @field_validator("target")
    @classmethod
    def _distinct(cls, value: list[Target]) -> list[Target]:
        seen: set[str] = set()
        for t in value:
            if t.name in seen:
                raise ValueError(f"two targets are named {shown(t.name)}")
            seen.add(t.name)
        return value


def load_targets(path: str | Path, field: str = "--targets") -> Targets:
    """Read and check a targets file; any mistake is one ConfigError line naming the field."""
    from addsim.population.config import load_model

    return load_model(path, Targets, field)


def observe(survey: pd.DataFrame, target: Target) -> float:
    """The run's value for ``target``: its measure in the slice, averaged over the years
    present (NaN where the run has no such rows or only NaN there); a peer-effect risk ratio
    is pooled instead, from its counts summed over the years; a male/female ratio is the
    ratio of the two averages."""
    if target.sex == "male/female":
        men, women = (observe(survey, target.model_copy(update={"sex": s}))
                      for s in ("male", "female"))
        return men / women if women > 0 else float("nan")
    first, last = target.year_range
    sex = survey["sex"] if "sex" in survey else "all"  # tables written before the column
    inside = ((survey["activity"] == target.activity) & (survey["age_band"] == target.age_band)
              & (sex == target.sex) & (survey["year"] >= first) & (survey["year"] <= last))
    if target.measure in PEER:
        return pooled_rr(survey[inside], target.measure)[0]
    rows = survey[inside & (survey["measure"] == target.measure)]
    values = rows["value"].to_numpy(dtype=np.float64)
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else float("nan")


def validate(surveys: list[pd.DataFrame], targets: Targets) -> pd.DataFrame:
    """One row per target: the runs' mean with a 2.5-97.5 percentile interval across runs
    (one run: no interval), the target and its interval, and whether the mean is inside."""
    rows: list[dict[str, Any]] = []
    for t in targets.target:
        obs = np.array([observe(s, t) for s in surveys])
        ok = obs[np.isfinite(obs)]
        lo, hi = t.bounds
        mean = float(ok.mean()) if ok.size else float("nan")
        rows.append({
            "target": t.name, "measure": t.measure, "activity": t.activity,
            "age_band": t.age_band, "years": f"{t.year_range[0]}-{t.year_range[1]}",
            "observed": mean,
            "observed_low": float(np.percentile(ok, 2.5)) if ok.size > 1 else float("nan"),
            "observed_high": float(np.percentile(ok, 97.5)) if ok.size > 1 else float("nan"),
            "runs": int(ok.size), "value": t.value, "low": lo, "high": hi,
            "within": bool(ok.size and lo <= mean <= hi), "source": t.source,
        })
    return pd.DataFrame(rows)


__all__ = ["Target", "Targets", "load_targets", "observe", "validate"]
