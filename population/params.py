"""Parameter files for calibration and sensitivity: which config fields vary, and over what.

A parameters file (TOML) lists the config fields to vary, each with its range (the uniform
prior of ``addsim calibrate``, the box of ``addsim sensitivity``), on a linear or log scale::

    [[param]]
    key = "exposure.p_peer"     # a numeric field of the run config (dotted)
    low = 0.005
    high = 0.08
    scale = "log"               # uniform in log(value); "linear" (the default) in value

    [calibration]               # addsim calibrate only (all optional)
    population_size = 60        # particles per ABC-SMC generation
    generations = 5
    validation_seeds = 10       # seeds the best config is validated on afterwards
    validation_first_seed = 0   # ... starting with this one
    seeds_per_particle = 3      # runs per particle (their statistics' means); default 1

A field whose value in the config is an integer (a count of ticks, say) is varied in whole
numbers. Every key is checked against the run config before any work: at its low and high
end the config must validate, or the error names ``param[i].key``.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from addsim._errors import ConfigError, shown
from addsim.population.config import Config, load_model, set_dotted, validate

Bound = Annotated[float, Field(ge=-1e12, le=1e12)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class Param(_Strict):
    """One config field and the range it varies over."""

    key: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z_][A-Za-z0-9_.]*$",
                     description="dotted config key, e.g. exposure.p_peer")
    low: Bound = Field(description="lowest value")
    high: Bound = Field(description="highest value")
    scale: Literal["linear", "log"] = Field("linear", description="linear or log")

    @model_validator(mode="after")
    def _range(self) -> Param:
        if not self.low < self.high:
            raise ValueError(f"low {self.low} must be below high {self.high}")
        if self.scale == "log" and self.low <= 0:
            raise ValueError(f"scale log needs low > 0, got {self.low}")
        return self

    def to_unit(self, value: float) -> float:
        """``value`` on the parameter's scale (its log for ``log``)."""
        return math.log(value) if self.scale == "log" else value

    def from_unit(self, u: float) -> float:
        """The value for a point ``u`` on the parameter's scale."""
        return math.exp(u) if self.scale == "log" else u

    @property
    def bounds(self) -> tuple[float, float]:
        """The range on the parameter's scale."""
        return (self.to_unit(self.low), self.to_unit(self.high))


class CalibrationCfg(_Strict):
    """ABC-SMC settings of ``addsim calibrate``."""

    population_size: int = Field(60, ge=4, le=100_000, description="particles per generation")
    generations: int = Field(5, ge=1, le=100, description="ABC-SMC generations")
    min_epsilon: float = Field(0.0, ge=0, le=1e9, description="stop below this distance")
    validation_seeds: int = Field(10, ge=1, le=10_000,
                                  description="seeds the best config is validated on")
    validation_first_seed: int = Field(
        0, ge=0, le=999_999, description="the first of those seeds (validation_first_seed .. "
        "+ validation_seeds - 1; below the calibration's own seeds, >= 1,000,000): choose "
        "seeds the tests do not use")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="seed of the sampler (one worker)")
    seeds_per_particle: int = Field(
        1, ge=1, le=100, description="runs per particle, each on its own seed; the particle's "
        "summary statistics are their means. At 1,000 people a target's noise from one seed "
        "to the next is about as large as its interval, so one run per particle ranks "
        "particles by their luck as much as by their values")


class ParamsFile(_Strict):
    """A parameters file: ``[[param]]`` tables with distinct keys, ``[calibration]``."""

    param: list[Param] = Field(min_length=1, max_length=100)
    calibration: CalibrationCfg = CalibrationCfg()

    @field_validator("param")
    @classmethod
    def _distinct(cls, value: list[Param]) -> list[Param]:
        keys = [p.key for p in value]
        for k in keys:
            if keys.count(k) > 1:
                raise ValueError(f"key {shown(k)} is listed twice")
        return value

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.param]


def load_params(path: str | Path, field: str = "--params") -> ParamsFile:
    """Read and check a parameters file; one ConfigError line naming the field."""
    return load_model(path, ParamsFile, field)


def _get(data: Any, key: str) -> Any:
    for part in key.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


class Space:
    """A parameters file bound to a run config: values in, validated configs out."""

    def __init__(self, params: ParamsFile, base: dict[str, Any], field: str = "--params"
                 ) -> None:
        self.params, self.base, self.field = params, copy.deepcopy(base), field
        resolved = validate(copy.deepcopy(base)).model_dump(mode="json")
        self.integer: dict[str, bool] = {}
        for i, p in enumerate(params.param):
            current = _get(resolved, p.key)
            if isinstance(current, bool) or not isinstance(current, int | float):
                value = "absent" if current is None else shown(current)
                raise ConfigError(f"{field}: param[{i}].key: {shown(p.key)} is not a numeric field "
                                  f"of the run config (its value: {value})")
            self.integer[p.key] = isinstance(current, int)
            for end in (p.low, p.high):
                try:
                    self.config({p.key: end})
                except ConfigError as exc:
                    raise ConfigError(f"{field}: param[{i}] ({p.key} = {end:g}): {exc}"
                                      ) from None

    @property
    def keys(self) -> list[str]:
        return self.params.keys

    def value(self, key: str, v: float) -> float | int:
        """``v`` as the field takes it: whole numbers for integer fields."""
        return round(float(v)) if self.integer[key] else float(v)

    def config(self, values: dict[str, float], seed: int | None = None) -> Config:
        """The run config with ``values`` set (and the seed, if given), validated."""
        data = copy.deepcopy(self.base)
        for k, v in values.items():
            set_dotted(data, k, self.value(k, v), self.field)
        if seed is not None:
            set_dotted(data, "run.seed", int(seed), self.field)
        return validate(data)


__all__ = ["CalibrationCfg", "Param", "ParamsFile", "Space", "load_params"]
