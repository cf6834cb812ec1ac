"""Run configuration: TOML validated by pydantic, refused in one line before any work.

A config is a TOML document with the tables below; every key has a default, so an empty file
is the embedded default run (1,000 people on a small-world network, substance and gambling,
20 years of weekly ticks after a 68-year burn-in, treatment as a yearly process). ``--set
key=value`` overrides any dotted key.
Errors name the field, the value and what is allowed (with a suggestion for a misspelt name).
"""

from __future__ import annotations

import functools
import math
import re
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

from addsim._errors import ConfigError, did_you_mean, shown
from addsim._read import input_problem
from addsim.agents import LEARNERS
from addsim.population import calendar
from addsim.population.activity import ACTIVITIES
from addsim.population.io.toml import MAX_DEPTH, dump, parse_value, read_toml
from addsim.population.io.toml import value as toml_value
from addsim.population.network import CONFIG_KINDS

M = TypeVar("M", bound=BaseModel)

MAX_TICKS = 10_000_000  # the longest run, and so the bound of every duration in ticks
MAX_INTERVENTIONS = 1_000  # scheduled interventions in one run (a weekly one for 19 years)
BOUND = 1e6  # magnitude bound of a risk-factor parameter (the values drawn stay in [0, 1e6])


class _Strict(BaseModel):
    # strict: a boolean is not a number (TOML's true would be 1); finite: no inf or nan
    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True,
                              allow_inf_nan=False)


def _weekly_ticks(value: Any) -> Any:
    """A duration field's value as ticks of the default length (one week); a whole Config
    converts with its own ``run.tick`` first (:meth:`Config._calendar`)."""
    return calendar.to_ticks(value, calendar.tick_days(calendar.DEFAULT_TICK))


# A duration: a whole number of ticks, or a calendar duration ("26 weeks", "2 years").
Ticks = Annotated[int, BeforeValidator(_weekly_ticks)]


# --------------------------------------------------------------------- distributions


class Fixed(_Strict):
    """Every individual gets ``value``."""

    dist: Literal["fixed"] = "fixed"
    value: float = Field(ge=-BOUND, le=BOUND)


class TruncNormal(_Strict):
    """Normal(mean, sd) truncated to [low, high] (redrawn until inside)."""

    dist: Literal["truncnormal"]
    mean: float = Field(ge=-BOUND, le=BOUND)
    sd: float = Field(gt=0, le=BOUND)
    low: float | None = Field(None, ge=-BOUND, le=BOUND, description="unset: no lower limit")
    high: float | None = Field(None, ge=-BOUND, le=BOUND, description="unset: no upper limit")

    @model_validator(mode="after")
    def _bounds(self) -> TruncNormal:
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"low {self.low} must be below high {self.high}")
        return self


class LogNormal(_Strict):
    """exp(Normal(ln median, sigma)): positive and right-skewed."""

    dist: Literal["lognormal"]
    median: float = Field(gt=0, le=BOUND)
    sigma: float = Field(ge=0, le=10)


class Beta(_Strict):
    """low + (high - low) * Beta(a, b)."""

    dist: Literal["beta"]
    a: float = Field(gt=0, le=BOUND)
    b: float = Field(gt=0, le=BOUND)
    low: float = Field(0.0, ge=-BOUND, le=BOUND)
    high: float = Field(1.0, ge=-BOUND, le=BOUND)


class Uniform(_Strict):
    """Uniform on [low, high]."""

    dist: Literal["uniform"]
    low: float = Field(ge=-BOUND, le=BOUND)
    high: float = Field(ge=-BOUND, le=BOUND)

    @model_validator(mode="after")
    def _bounds(self) -> Uniform:
        if not self.low <= self.high:
            raise ValueError(f"low {self.low} must not exceed high {self.high}")
        return self


class Levels(_Strict):
    """Deterministic levels: individual i gets level (i // each) mod the number of levels.

    Puts a whole grid axis inside one run (e.g. 51 surge levels x 100 individuals each), so a
    sweep needs one run per value of the other axes; give ``values`` or ``low``/``high``/``step``.
    """

    dist: Literal["levels"]
    values: list[Annotated[float, Field(ge=-BOUND, le=BOUND)]] | None = Field(
        None, max_length=1_000_000)
    low: float | None = Field(None, ge=-BOUND, le=BOUND)
    high: float | None = Field(None, ge=-BOUND, le=BOUND)
    step: float | None = Field(None, gt=0, le=2 * BOUND)
    each: int = Field(1, ge=1, le=10_000_000, description="consecutive individuals per level")
    parts: int = Field(1, ge=1, le=1_000_000,
                       description="split the levels into this many contiguous parts")
    part: int = Field(0, ge=0, le=1_000_000,
                      description="the part this run uses (0-based; sweep it)")

    @model_validator(mode="after")
    def _spec(self) -> Levels:
        ranged = (self.low, self.high, self.step)
        if self.values is not None:
            if any(v is not None for v in ranged):
                raise ValueError("give either values or low/high/step, not both")
            if not self.values:
                raise ValueError("values must not be empty")
            return self._parts(len(self.values))
        if any(v is None for v in ranged):
            raise ValueError("give values, or all of low, high and step")
        if self.high < self.low:  # type: ignore[operator]
            raise ValueError(f"low {self.low} must not exceed high {self.high} (a range "
                             "runs upwards)")
        span = (self.high - self.low) / self.step  # type: ignore[operator]
        if span < -1e-9 or abs(span - round(span)) > 1e-6 or round(span) + 1 > 1_000_000:
            raise ValueError(
                f"step {self.step} must divide high - low ({self.high} - {self.low}) "
                "into at most 999,999 steps"
            )
        return self._parts(round(span) + 1)

    def _parts(self, k: int) -> Levels:
        if self.parts > k:
            raise ValueError(f"parts {self.parts} exceeds the {k} levels")
        if self.part >= self.parts:
            raise ValueError(f"part {self.part} must be below parts {self.parts}")
        return self

    def all_levels(self) -> list[float]:
        """Every level value in order (``numpy.linspace(low, high, k)`` for a range)."""
        if self.values is not None:
            return list(self.values)
        import numpy as np

        k = round((self.high - self.low) / self.step) + 1  # type: ignore[operator]
        return [float(x) for x in np.linspace(self.low, self.high, k)]

    def levels(self) -> list[float]:
        """The level values of this run's part (``numpy.array_split`` of all levels)."""
        values = self.all_levels()
        if self.parts == 1:
            return values
        import numpy as np

        return [float(x) for x in np.array_split(np.asarray(values), self.parts)[self.part]]

    @property
    def block(self) -> int:
        """Individuals per full cycle of levels (population.size must be a multiple)."""
        return len(self.levels()) * self.each


DIST_MODELS = (Fixed, TruncNormal, LogNormal, Beta, Uniform, Levels)
Dist = Annotated[
    Fixed | TruncNormal | LogNormal | Beta | Uniform | Levels, Field(discriminator="dist")
]
DISTS = tuple(str(m.model_fields["dist"].annotation.__args__[0])  # Dist's tags, in order
              for m in DIST_MODELS)


# --------------------------------------------------------------------- tables


def _existing_file(value: str | None) -> str | None:
    problem = input_problem(value) if value else None
    if problem:
        raise ValueError(f"file {shown(value)} {problem}")
    return value


class PopulationCfg(_Strict):
    """Who is simulated."""

    size: int = Field(1000, ge=1, le=10_000_000, description="number of individuals")
    risk_csv: str | None = Field(
        None, description="CSV with one row per individual; columns override risk factors"
    )

    _risk_csv = field_validator("risk_csv")(_existing_file)


class NetworkCfg(_Strict):
    """The social network (networkx generators seeded from the run's generator)."""

    kind: Literal[CONFIG_KINDS] = Field(  # type: ignore[valid-type]
       "watts_strogatz", description="network generator, or 'file' for network.file")
    k: int = Field(10, ge=2, le=1000, description="watts_strogatz: neighbours in the ring")
    p: float = Field(0.1, ge=0, le=1, description="watts_strogatz: rewiring probability")
    m: int = Field(3, ge=1, le=1000, description="barabasi_albert: edges per new node")
    mean_degree: float = Field(10.0, ge=0, le=10_000, description="erdos_renyi mean degree")
    blocks: int = Field(4, ge=1, le=10_000, description="stochastic_block: communities")
    mean_degree_in: float = Field(8.0, ge=0, le=10_000, description="stochastic_block: within")
    mean_degree_out: float = Field(2.0, ge=0, le=10_000,
                                   description="stochastic_block: between")
    file: str | None = Field(None, description="edge list or GraphML (kind = 'file')")
    max_nodes: int = Field(2_000_000, ge=1, le=1_000_000_000,
                           description="refuse larger graph files")
    max_edges: int = Field(20_000_000, ge=1, le=10_000_000_000,
                           description="refuse larger graph files")

    _file_exists = field_validator("file")(_existing_file)

    @model_validator(mode="after")
    def _file(self) -> NetworkCfg:
        if self.kind == "file" and not self.file:
            raise ValueError("kind 'file' needs network.file")
        return self


class ActivityCfg(_Strict):
    """One activity (its own environment and learner per individual)."""

    enabled: bool = Field(True, description="simulate this activity")
    learner: str = Field("dual_process", description=f"one of {', '.join(LEARNERS)}")
    preset: Literal["report", "paper"] = Field("report", description="learner parameter preset")
    addicted_fraction: float | None = Field(
        None, gt=0, le=1,
        description="this activity's frequent-use threshold (status.addicted_fraction's "
        "meaning); unset: status.addicted_fraction. A bet is cheap and quick where a drug's "
        "use is not, so frequent betting is a weaker sign of disorder than frequent use",
    )
    access_scale: float = Field(
        1.0, ge=0, le=1000,
        description="multiplier of the access risk factor for this activity (opportunity = "
        "access x access_scale x supply, at most 1): how common its opportunities are; "
        "gambling's (lotteries, raffles, office pools) are far more common than a drug's "
        "(Welte et al. 2002: 82% of adults gambled in the past year)",
    )
    # Dezfouli (2009)'s rates are per step of a laboratory task; in a population a tick is a
    # calendar duration, so the time constants are set in calendar units and turned into the
    # per-tick rates (rate = 1 - exp(-1 / ticks)), overriding the preset's per-step values.
    reward_rate_time: Ticks = Field(
        "6 months", ge=1, le=MAX_TICKS, validate_default=True,
        description="time constant of the average reward R_bar (Dezfouli's sigma per tick = "
        "1 - exp(-1 / ticks)): the reward rate a person is used to follows the last months",
    )
    allostasis_time: Ticks = Field(
        "1 year", ge=1, le=MAX_TICKS, validate_default=True,
        description="time constant of the allostatic shift kappa under use (Dezfouli's "
        "lambda per tick = 1 - exp(-1 / ticks)): it develops over months to years of heavy "
        "use (Koob and Le Moal 2001)",
    )

    @field_validator("learner")
    @classmethod
    def _learner(cls, value: str) -> str:
        if value not in LEARNERS:
            raise ValueError(
                f"expected one of {', '.join(LEARNERS)}" + did_you_mean(value, LEARNERS)
            )
        return value


class DoseActivityCfg(ActivityCfg):
    """An activity whose task shows a dose trace (the substance task)."""

    dose_half_life: Ticks = Field(
        "2 weeks", ge=1, le=MAX_TICKS, validate_default=True,
        description="half-life of the dose trace the cue shows (the interoceptive outcome of "
        "use, envs/substance.py)",
    )


# per-activity defaults (a table that leaves the key out gets them too): the substance's
# access is calibrated (docs/calibration.md); gambling keeps the frequent-use threshold the
# default had before issue 29 (0.8: a bet is cheap and quick, so frequent betting is a
# weaker sign than frequent use) and its access is tuned by hand with risk.stake on tuning
# seeds 8000-8005 against past-year and lifetime gambling (docs/calibration.md)
ACTIVITY_DEFAULTS: dict[str, dict[str, float]] = {
    "substance": {"access_scale": 1.0},
    "gambling": {"addicted_fraction": 0.8, "access_scale": 0.4},
}


@functools.cache  # one class per activity: the default instance's type is the field's
def _activity_cfg(name: str) -> type[ActivityCfg]:
    """The config table of activity ``name``: with the dose trace's half-life where its task
    has one, and the activity's own defaults (:data:`ACTIVITY_DEFAULTS`)."""
    from addsim.population.activity import SPECS

    base = DoseActivityCfg if "dose_half_life" in SPECS[name].core.conditions_spec \
        else ActivityCfg
    own = ACTIVITY_DEFAULTS.get(name, {})
    if not own:
        return base
    fields = {key: (base.model_fields[key].annotation,
                    FieldInfo.merge_field_infos(base.model_fields[key], default=value))
              for key, value in own.items()}  # the field as it is, with another default
    return create_model(  # type: ignore[no-any-return]
        f"{name.capitalize()}Cfg", __base__=base, __doc__=base.__doc__, **fields)


ActivitiesCfg = create_model(  # one table per activity of population/activity.py's SPECS
    "ActivitiesCfg", __base__=_Strict, __doc__="The activities every individual runs.",
    **{name: (_activity_cfg(name), _activity_cfg(name)()) for name in ACTIVITIES},
)


class RiskCfg(_Strict):
    """Per-individual risk factors, each drawn from a distribution."""

    surge: Dist = Field(
        TruncNormal(dist="truncnormal", mean=15.0, sd=1.0, low=10.0, high=20.0),
        description="dopamine surge D of the substance",
    )
    natural_reward: Dist = Field(
        TruncNormal(dist="truncnormal", mean=12.5, sd=1.5, low=5.0, high=20.0),
        description="mean natural reward (richness of alternatives)",
    )
    learning_rate: Dist | None = Field(
        None, description="learning rate alpha (unset: each activity's learner preset)"
    )
    inverse_temperature: Dist | None = Field(
        None, description="softmax inverse temperature beta (unset: the learner preset)"
    )
    susceptibility: Dist = Field(
        Beta(dist="beta", a=2.0, b=2.0), description="weight of peer use on opportunity [0, 1]"
    )
    access: Dist = Field(
        Uniform(dist="uniform", low=0.0, high=0.005),
        description="base probability of an opportunity per tick [0, 1]",
    )
    perceived_win: Dist = Field(
        Beta(dist="beta", a=5.0, b=15.0),
        description="win probability of the gambling the individual meets [0, 1]",
    )
    stake: Dist = Field(
        LogNormal(dist="lognormal", median=0.1, sigma=1.0),
        description="scale of the payouts of the gambling the individual meets (1: the "
        "task's own, +20 / -10): most adults' gambling is cheap (lotteries, raffles, office "
        "pools), a few play for high stakes (an extension of ours, docs/model/population.md)",
    )


RISK_FACTORS = tuple(RiskCfg.model_fields)
UNIT_INTERVAL = ("susceptibility", "access", "perceived_win")
TAIL_SD = 6.0  # an unbounded tail counts as reaching this many standard deviations


def factor_range(name: str) -> tuple[float, float]:
    """The values risk factor ``name`` may take: probabilities and rates in [0, 1], else
    [0, 1e6] (the draws and a risk CSV are checked against the same range)."""
    return (0.0, 1.0) if name in UNIT_INTERVAL or name == "learning_rate" else (0.0, BOUND)


def support(dist: Any) -> tuple[float, float]:
    """The smallest and largest value a distribution draws (tails cut at TAIL_SD sd)."""
    import math

    if isinstance(dist, Fixed):
        return dist.value, dist.value
    if isinstance(dist, Levels):
        values = dist.all_levels()
        return min(values), max(values)
    if isinstance(dist, (Uniform, Beta)):
        return dist.low, dist.high
    if isinstance(dist, LogNormal):
        spread = math.exp(min(TAIL_SD * dist.sigma, 700.0))
        return dist.median / spread, dist.median * spread
    low = dist.mean - TAIL_SD * dist.sd if dist.low is None else max(dist.low, dist.mean - 1e12)
    high = dist.mean + TAIL_SD * dist.sd if dist.high is None else dist.high
    return low, high


def _check_support(cfg: RiskCfg) -> RiskCfg:
    """Refuse a distribution that can draw values its factor cannot take (before any work)."""
    for name in RISK_FACTORS:
        dist = getattr(cfg, name)
        if dist is None:
            continue
        (low, high), (lo, hi) = support(dist), factor_range(name)
        if low < lo or high > hi:
            raise ConfigError(
                f"risk.{name}: {dist.dist} draws values in [{low:.6g}, {high:.6g}], expected "
                f"values in [{lo:g}, {hi:g}]; narrow it (low/high) or pick another distribution"
            )
    return cfg


class ExposureCfg(_Strict):
    """Opportunity = 1 - (1 - access * supply) * prod over using neighbours (1 - p_peer * s)."""

    # calibrated (docs/calibration.md)
    p_peer: float = Field(0.005, ge=0, le=1,
                          description="opportunity added per using neighbour")
    social_cue: bool = Field(True, description="fraction of using neighbours enters the cue")


class SexCfg(_Strict):
    """Sex as a person attribute (drawn at entry; newcomers too). Men's access to an activity
    over women's is ``access_ratio``: men report more opportunities to use drugs, and once
    offered, men and women start at similar rates (Van Etten, Neumark and Anthony 1999,
    Addiction 94:1413). The ratio moves access between the sexes at a fixed mean over the
    population (men x r / (s r + 1 - s), women x 1 / (s r + 1 - s), s the share of men), so it
    sets the sex ratio of use and disorder, not their level."""

    male_share: float = Field(0.49, ge=0, le=1,
                              description="share of men among people and newcomers")
    access_ratio: dict[str, Annotated[float, Field(gt=0, le=1000)]] = Field(
        default_factory=lambda: {"substance": 3.919, "gambling": 1.6},  # substance: calibrated
        description="men's access over women's, per activity (1: none)")

    @field_validator("access_ratio")
    @classmethod
    def _activities(cls, value: dict[str, float]) -> dict[str, float]:
        for key in value:
            if key not in ACTIVITIES:
                raise ValueError(f"got activity {key!r}, expected one of {', '.join(ACTIVITIES)}")
        return value

    def access_factors(self, activity: str) -> tuple[float, float]:
        """The access multipliers of women and of men for ``activity``."""
        r = self.access_ratio.get(activity, 1.0)
        norm = self.male_share * r + 1.0 - self.male_share
        return 1.0 / norm, r / norm


class StatusCfg(_Strict):
    """Status rules per individual and activity, over calendar time (population/status.py).

    ``addicted_fraction`` is a share of the *reachable* uses: a use takes two ticks of the
    task (the choice, then the drug or outcome state), so a 52-week window holds at most 26.
    """

    rule: Literal["dsm5", "frequency"] = Field(
        "dsm5", description="dsm5: remission when no criterion is met for abstinence_ticks, "
        "the window kept; frequency: the earlier rule (a dip in frequency remits, the window "
        "cleared), kept as an ablation")
    window: Ticks = Field("52 weeks", ge=1, le=10_000, validate_default=True,
                          description="rolling window of behaviour")
    addicted_fraction: float = Field(
        0.7, gt=0, le=1,  # calibrated (docs/calibration.md)
        description="frequent use: uses / reachable uses (window / 2) at least this"
    )
    seek_fraction: float = Field(
        0.04, ge=0, le=1, description="addicted: ticks with seeking / window ticks at least this"
    )
    use_recency: Ticks = Field("4 weeks", ge=1, le=MAX_TICKS, validate_default=True,
                               description="user: used within this long")
    abstinence_ticks: Ticks = Field(
        "13 weeks", ge=1, le=MAX_TICKS, validate_default=True,
        description="remission: no criterion met for this long (DSM-5: 3 months)"
    )

    @model_validator(mode="after")
    def _remission_within_window(self) -> StatusCfg:
        if self.rule == "dsm5" and self.abstinence_ticks > self.window:
            raise ValueError(f"status.abstinence_ticks: got {self.abstinence_ticks} ticks, "
                             f"expected at most status.window ({self.window} ticks) with the "
                             "dsm5 rule")
        return self


class SeekingCfg(_Strict):
    """Seeking: the addictive action chosen without an offer (Dezfouli 2009; docs/model).

    P(success) = 1 - (1 - base * supply) * (1 - peer)^(using friends); a sought drug or bet is
    then delivered, and the search's ``effort`` is added to the action's cost (substance). A
    failed search is no access (``failed = "no access"``): the addictive action is
    unavailable that tick, so the person does something else and learns nothing about the
    drug, and the attempt counts as seeking for the status rule (time spent obtaining). It is
    not an extinction trial: extinction needs responding without reinforcement, and enforced
    abstinence raises craving instead (Bouton 2004; Grimm et al. 2001). ``failed =
    "extinction"`` is the old rule, kept as the ablation: the action taken and the drug state
    reached without the drug. Only people who have met the activity can seek it.
    """

    enabled: bool = Field(True, description="people who know the activity can seek it")
    failed: Literal["no access", "extinction"] = Field(
        "no access", description="a failed search: no access that tick (the action "
        "unavailable, nothing learned about the drug), or the old extinction trial")
    base: float = Field(0.5, ge=0, le=1,  # calibrated (docs/calibration.md)
                        description="success without using friends")
    peer: float = Field(0.2, ge=0, le=1, description="success added per using friend")
    effort: float = Field(1.0, ge=0, le=1000, description="cost of a seeking attempt")


class ConsequencesCfg(_Strict):
    """Costs of heavy use that grow with it: health, money, family (population/model.py).

    Harm h accumulates one unit per use and halves every ``half_life``; the outcome after a
    use (substance: the return from the drug state; gambling: a loss) is lowered by
    min(scale * h, max_cost).
    """

    enabled: bool = Field(True, description="use has costs that grow with it")
    scale: float = Field(0.5, ge=0, le=1000,  # calibrated (docs/calibration.md)
                         description="cost per unit of accumulated harm")
    max_cost: float = Field(20.0, ge=0, le=1e6, description="largest cost of one use")
    half_life: Ticks = Field("26 weeks", ge=1, le=MAX_TICKS, validate_default=True,
                             description="harm halves in this long")


class LifeCfg(_Strict):
    """Life course: ages, ageing, leaving and replacement, age curves (population/lifecourse.py)."""

    enabled: bool = Field(True, description="people age, leave and are replaced")
    initial_age: Dist = Field(
        Beta(dist="beta", a=1.1, b=1.4, low=12.0, high=80.0),
        description="ages (years) at the start: census-like, 12 to 80, fewer of the old",
    )
    entry_age: float = Field(12.0, ge=0, le=120, description="age (years) of a newcomer")
    max_age: float = Field(80.0, gt=0, le=130, description="people leave at this age (years)")
    mortality_at_30: float = Field(
        0.001, ge=0, le=1, description="annual probability of death at 30 (Gompertz baseline)"
    )
    mortality_doubling: float = Field(
        8.5, gt=0, le=100, description="years for the baseline death hazard to double"
    )
    hazard_ratio: dict[str, Annotated[float, Field(ge=0, le=1000)]] = Field(
        default_factory=lambda: {"substance": 5.0, "gambling": 1.5},
        description="death hazard multiplier while addicted, per activity",
    )
    redraw_risk: bool = Field(True, description="newcomers draw fresh risk factors")
    opportunity_peak: float = Field(
        19.0, ge=0, le=130, description="age (years) of most opportunities"
    )
    opportunity_rise: float = Field(
        3.0, gt=0, le=100, description="sd (years) of the age curve below the peak"
    )
    opportunity_fall: float = Field(
        12.0, gt=0, le=100, description="sd (years) of the age curve above the peak"
    )
    opportunity_floor: float = Field(
        0.05, ge=0, le=1, description="age curve's minimum (share of the peak's opportunity)"
    )
    roles_gain: float = Field(
        7.0,  # calibrated (docs/calibration.md)
        ge=0, le=100, description="natural reward added by adult roles (maturing out)"
    )
    roles_start: float = Field(18.0, ge=0, le=130, description="adult roles begin (years)")
    roles_end: float = Field(30.0, ge=0, le=130, description="adult roles complete (years)")

    @field_validator("hazard_ratio")
    @classmethod
    def _hazards(cls, value: dict[str, float]) -> dict[str, float]:
        for key in value:
            if key not in ACTIVITIES:
                raise ValueError(f"unknown activity {shown(key)}; expected one of "
                                 f"{', '.join(ACTIVITIES)}" + did_you_mean(key, ACTIVITIES))
        return value

    @model_validator(mode="after")
    def _ages(self) -> LifeCfg:
        if not self.entry_age < self.max_age:
            raise ValueError(f"entry_age {self.entry_age} must be below max_age {self.max_age}")
        if not self.roles_start <= self.roles_end:
            raise ValueError(f"roles_start {self.roles_start} must not exceed roles_end "
                             f"{self.roles_end}")
        return self


class ComorbidityCfg(_Strict):
    """A shared trait correlating risk factors across activities (population/risk.py couple)."""

    correlation: float = Field(
        0.5, ge=0, le=1, description="correlation of each factor's score with the others"
    )
    factors: dict[str, Annotated[int, Field(ge=-1, le=1)]] = Field(
        default_factory=lambda: {"surge": 1, "natural_reward": -1, "perceived_win": 1,
                                 "stake": -1},
        description="risk factors the trait raises (1) or lowers (-1)",
    )

    @field_validator("factors")
    @classmethod
    def _factors(cls, value: dict[str, int]) -> dict[str, int]:
        for key, sign in value.items():
            if key not in RISK_FACTORS:
                raise ValueError(f"unknown risk factor {shown(key)}; expected one of "
                                 f"{', '.join(RISK_FACTORS)}" + did_you_mean(key, RISK_FACTORS))
            if sign not in (1, -1):
                raise ValueError(f"{key}: got {sign!r}, expected 1 or -1")
        return value


class TreatmentCfg(_Strict):
    """Treatment as a process: every tick a person in disorder who is not in treatment enters
    it with P = 1 - exp(-entry_per_year x years per tick); in treatment the activity is out of
    reach (no offers, no searches) for ``duration`` and the natural reward is raised by
    ``reward_boost`` (an alternative reinforcer, as in the community reinforcement approach
    and contingency management: Higgins et al. 1994, Arch Gen Psychiatry 51:568). About a
    quarter of people with a disorder are ever treated (Dawson et al. 2005, Addiction
    100:281; drug use disorders 8-38% by severity, Compton et al. 2007, Arch Gen Psychiatry
    64:566). Draws come from the process's own random stream. A one-off treatment wave is a
    scenario intervention (``[[interventions]] kind = "treatment"``)."""

    enabled: bool = Field(True, description="people in disorder enter treatment over time")
    activity: Literal[(*ACTIVITIES, "all")] = Field(  # type: ignore[valid-type]
        "substance", description="the activity whose disorder is treated")
    entry_per_year: float = Field(0.03, ge=0, le=1000,  # calibrated, then by hand
                                  description="hazard of entering treatment, per year in disorder")
    duration: Ticks = Field("12 weeks", ge=1, le=MAX_TICKS, validate_default=True,
                            description="time in treatment (the activity out of reach)")
    reward_boost: float = Field(5.0, ge=0, le=BOUND,
                                description="natural reward added while in treatment")


class InterventionCfg(_Strict):
    """A scheduled intervention."""

    kind: Literal["treatment", "supply_reduction"]
    tick: Ticks = Field(ge=0, le=MAX_TICKS,
                        description="tick (or calendar time) at which it starts")
    activity: Literal[(*ACTIVITIES, "all")] = "all"  # type: ignore[valid-type]
    fraction: float = Field(0.5, ge=0, le=1, description="treatment: share of the addicted")
    duration: Ticks = Field("12 weeks", ge=1, le=MAX_TICKS, validate_default=True,
                            description="treatment: time without availability")
    reward_boost: float = Field(5.0, ge=0, le=BOUND,
                                description="treatment: natural reward added")
    targeting: Literal["random", "centrality"] = Field(
        "random", description="treatment: random, or highest degree first"
    )
    scale: float = Field(0.5, ge=0, le=1, description="supply_reduction: access multiplier")


class RunCfg(_Strict):
    """Length, seed and what to keep."""

    @field_validator("tick")
    @classmethod
    def _tick(cls, value: str) -> str:
        try:
            calendar.tick_days(value)
        except ValueError:
            raise ValueError(
                f"expected a duration such as '1 week' or '1 day' (units: {calendar.UNITS_HELP})"
            ) from None
        return value

    tick: str = Field(calendar.DEFAULT_TICK, description="calendar length of one tick")
    ticks: Ticks = Field("20 years", ge=1, le=MAX_TICKS, validate_default=True,
                         description="run length (ticks or time)")
    seed: int = Field(0, ge=0, lt=2**63, description="random seed: same seed, same results")
    history: bool = Field(False, description="keep per-individual status history (uint8)")
    burn_in: Annotated[Ticks, Field(ge=0, le=MAX_TICKS)] | None = Field(
        None, validate_default=True,
        description="simulated time before the first recorded tick, so people enter the "
        "recorded years with histories that fit their age (none: life.max_age - "
        "life.entry_age with the life course on, else 0)")


DEFAULT_INTERVENTIONS: tuple[dict[str, Any], ...] = ()  # treatment is a process (TreatmentCfg)


class Config(_Strict):
    """A whole run (durations in calendar units are converted with ``run.tick``)."""

    population: PopulationCfg = PopulationCfg()
    network: NetworkCfg = NetworkCfg()
    activities: ActivitiesCfg = ActivitiesCfg()
    risk: RiskCfg = RiskCfg()
    exposure: ExposureCfg = ExposureCfg()
    sex: SexCfg = SexCfg()
    treatment: TreatmentCfg = TreatmentCfg()
    status: StatusCfg = StatusCfg()
    life: LifeCfg = LifeCfg()
    seeking: SeekingCfg = SeekingCfg()
    consequences: ConsequencesCfg = ConsequencesCfg()
    comorbidity: ComorbidityCfg = ComorbidityCfg()
    interventions: list[InterventionCfg] = Field(
        default_factory=lambda: [InterventionCfg(**d) for d in DEFAULT_INTERVENTIONS],
        max_length=MAX_INTERVENTIONS,
    )
    run: RunCfg = RunCfg()

    @model_validator(mode="before")
    @classmethod
    def _calendar(cls, data: Any) -> Any:
        """Convert calendar durations to ticks of ``run.tick`` before the fields see them."""
        if not isinstance(data, dict):
            return data
        run = data.get("run")
        tick = run.get("tick", calendar.DEFAULT_TICK) if isinstance(run, dict) else None
        try:
            days = calendar.tick_days(tick) if isinstance(tick, str) else None
        except ValueError:
            days = None  # run.tick's own validator refuses it, naming the field
        if days is None:
            return data
        return _convert_durations(cls, data, days)

    @property
    def days_per_tick(self) -> float:
        """Days in one tick."""
        return calendar.tick_days(self.run.tick)

    @property
    def burn_in_ticks(self) -> int:
        """Ticks simulated before the first recorded one: ``run.burn_in``, or by default
        the years from entry to leaving (life.max_age - life.entry_age) with the life course
        on, so that everyone recorded has lived their whole age in the model; 0 without it."""
        if self.run.burn_in is not None:
            return self.run.burn_in
        if not self.life.enabled:
            return 0
        years = max(0.0, self.life.max_age - self.life.entry_age)
        return round(years * calendar.ticks_per_year(self.days_per_tick))

    @property
    def enabled_activities(self) -> tuple[str, ...]:
        """Names of the enabled activities, in a fixed order."""
        return tuple(a for a in ACTIVITIES if getattr(self.activities, a).enabled)

    @model_validator(mode="after")
    def _some_activity(self) -> Config:
        if not self.enabled_activities:
            raise ValueError("at least one of activities.substance / activities.gambling")
        return self


def _is_duration(field: FieldInfo) -> bool:
    """A duration field: ``Ticks``, or ``Ticks | None`` (the validator inside the union)."""
    metadata = list(field.metadata)
    for arg in getattr(field.annotation, "__args__", ()):
        metadata += getattr(arg, "__metadata__", ())
    return any(getattr(m, "func", None) is _weekly_ticks for m in metadata)


def _convert_durations(model: type[BaseModel], data: dict[str, Any], days: float) -> dict:
    """A copy of raw ``data`` for ``model`` with its duration fields' strings in ticks (strings
    that do not parse are left for the field to refuse)."""
    out = dict(data)
    for name, field in model.model_fields.items():
        ann = field.annotation
        if name not in out:  # defaults in calendar units follow run.tick too
            if isinstance(field.default, str) and _is_duration(field):
                out[name] = calendar.to_ticks(field.default, days)
            elif isinstance(ann, type) and issubclass(ann, BaseModel):
                sub = _convert_durations(ann, {}, days)
                if sub:
                    out[name] = sub
            elif name == "interventions" and model.__name__ == "Config":
                out[name] = [_convert_durations(InterventionCfg, dict(d), days)
                             for d in DEFAULT_INTERVENTIONS]
            continue
        value = out[name]
        if value is not None and _is_duration(field):
            try:
                out[name] = calendar.to_ticks(value, days)
            except ValueError:
                pass
        elif isinstance(value, dict) and isinstance(ann, type) and issubclass(ann, BaseModel):
            out[name] = _convert_durations(ann, value, days)
        elif isinstance(value, list) and name == "interventions":
            out[name] = [_convert_durations(InterventionCfg, v, days) if isinstance(v, dict)
                         else v for v in value]
    return out


# --------------------------------------------------------------------- loading


MAX_ERRORS = 20  # errors of one config reported (each on its line); more are counted


def format_error(err: ValidationError, root: type[BaseModel] | None = None) -> str:
    """The first error of a ValidationError as one line: field, value, what is allowed
    (``root``: the model validated, for the list of known keys; default: Config)."""
    return _format_one(err.errors()[0], root)


def format_errors(err: ValidationError, root: type[BaseModel] | None = None,
                  data: Any = None) -> str:
    """Every error of a ValidationError, one line each (at most MAX_ERRORS, then a count
    of the rest): a config file's mistakes are all reported at once. With ``data`` (the raw
    config), a default duration out of range under the user's run.tick blames run.tick."""
    lines: list[str] = []
    blamed: list[str] = []  # one mistake (run.tick) that puts several defaults out of range
    for e in err.errors():
        blame = _blame_tick_one(e, data) if data is not None else None
        if blame is not None:
            blamed.append(blame)
            continue
        line = _format_one(e, root)
        if line not in lines:
            lines.append(line)
    if blamed:
        more = len(blamed) - 1
        also = ("" if not more else " (and another duration left to its default)" if more == 1
                else f" (and {more} other durations left to their defaults)")
        lines.insert(0, blamed[0] + also)
    if len(lines) > MAX_ERRORS:
        lines = [*lines[:MAX_ERRORS], f"... and {len(lines) - MAX_ERRORS} more mistakes"]
    return "\n".join(lines)


def _format_one(e: Any, root: type[BaseModel] | None = None) -> str:
    """One pydantic error (an item of ``errors()``) as one line."""
    loc = ".".join(str(p) if len(str(p)) <= 40 else shown(str(p), 40)
                   for p in e["loc"] if not str(p).startswith(("function-", "tagged")))
    kind, msg = e["type"], e["msg"]
    if kind == "extra_forbidden":
        parent = loc.rsplit(".", 1)[0] if "." in loc else ""
        known = _known_keys(parent, root or Config)
        name = loc.rsplit(".", 1)[-1]
        return f"{loc}: unknown key; allowed: {', '.join(known)}" + did_you_mean(name, known)
    value = e.get("input")
    got = "" if isinstance(value, dict) else f"got {shown(value)}, "
    msg = msg.removeprefix("Value error, ")
    if kind in _NUMBER_ERRORS:
        msg = _allowed_number(e["loc"], root or Config) or msg
    elif kind == "bool_type":
        msg = "expected true or false"
    if kind == "literal_error":
        allowed = re.findall(r"'([^']*)'", e.get("ctx", {}).get("expected", ""))
        msg = f"expected one of {', '.join(allowed)}" + did_you_mean(value, allowed)
    elif kind in ("union_tag_not_found", "union_tag_invalid"):  # a distribution's table
        tags = re.findall(r"'([^']*)'", e.get("ctx", {}).get("expected_tags", "")) or DISTS
        tag = e.get("ctx", {}).get("tag")
        got = "" if tag is None else f"got dist {shown(tag)}, "
        msg = (f"a distribution table needs dist, one of {', '.join(tags)}, with its "
               "parameters (e.g. {dist = \"beta\", a = 5, b = 15}); a table replaces the "
               "default whole") + ("" if tag is None else did_you_mean(tag, tags))
    return f"{loc or 'config'}: {got}{msg}"


_NUMBER_ERRORS = {
    "int_type", "int_parsing", "int_from_float", "float_type", "float_parsing", "finite_number",
    "greater_than", "greater_than_equal", "less_than", "less_than_equal",
}


def _field_at(loc: tuple[Any, ...], root: type[BaseModel]) -> tuple[Any, Any] | None:
    """(annotation, FieldInfo) of the field an error's ``loc`` points at, or None."""
    import typing

    model: Any = root
    info: Any = None
    ann: Any = root
    for part in loc:
        while True:  # unwrap Optional, Annotated, list items and tagged unions
            origin = typing.get_origin(ann)
            if origin is typing.Annotated:
                ann = typing.get_args(ann)[0]
            elif origin in (typing.Union, types.UnionType):
                args = [a for a in typing.get_args(ann) if a is not type(None)]
                tagged = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)
                          and a.model_fields.get("dist") is not None]
                if tagged and isinstance(part, str) and not part.startswith("function-"):
                    match = [a for a in tagged if a.model_fields["dist"].default == part
                             or part in typing.get_args(a.model_fields["dist"].annotation)]
                    if match:
                        ann = match[0]
                        break
                if len(args) != 1:
                    return None
                ann = args[0]
            else:
                break
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            if str(part) in ann.model_fields:
                model, info = ann, ann.model_fields[str(part)]
                ann = info.annotation
            elif ann is not model or str(part).startswith(("function-", "tagged")):
                continue
            else:
                return None
        elif typing.get_origin(ann) is list and isinstance(part, int):
            item = typing.get_args(ann)[0]
            if typing.get_origin(item) is typing.Annotated:
                info = FieldInfo.merge_field_infos(*[
                    m for m in typing.get_args(item)[1:] if isinstance(m, FieldInfo)])
            ann = item
        elif isinstance(part, str) and part.startswith(("function-", "tagged")):
            continue
        else:
            return None
    return ann, info


def _allowed_number(loc: tuple[Any, ...], root: type[BaseModel]) -> str | None:
    """``expected a whole number in [1, 10000000]`` for the numeric field at ``loc``."""
    import typing

    found = _field_at(loc, root)
    if found is None or found[1] is None:
        return None
    ann, info = found
    while typing.get_origin(ann) is typing.Annotated:
        ann = typing.get_args(ann)[0]
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        ann = args[0] if len(args) == 1 else ann
    what = {int: "a whole number", float: "a finite number"}.get(ann)
    if what is None:
        return None
    low = high = None
    left, right = "[", "]"
    for m in info.metadata:
        for attr, side in (("ge", "["), ("gt", "(")):
            if getattr(m, attr, None) is not None:
                low, left = getattr(m, attr), side
        for attr, side in (("le", "]"), ("lt", ")")):
            if getattr(m, attr, None) is not None:
                high, right = getattr(m, attr), side
    if low is None and high is None:
        return f"expected {what}"
    ends = [("-inf" if low is None else f"{low:g}"), ("inf" if high is None else f"{high:g}")]
    if ann is int:
        ends = [str(low) if low is not None else "-inf", str(high) if high is not None
                else "inf"]
        if low is not None and high is not None and abs(high) >= 2**40:
            ends[1] = f"2**{int(math.log2(high + (right == ']')))}" if high > 0 else ends[1]
    return f"expected {what} in {left}{ends[0]}, {ends[1]}{right}"


def _known_keys(dotted: str, root: type[BaseModel]) -> list[str]:
    model: Any = root
    for part in [p for p in dotted.split(".") if p]:
        if part.isascii() and part.isdigit():
            model = InterventionCfg
            continue
        field = model.model_fields.get(part)
        if field is None or not isinstance(field.annotation, type):
            return []
        model = field.annotation
    return list(model.model_fields) if hasattr(model, "model_fields") else []


def set_dotted(data: dict[str, Any], key: str, value: Any, what: str) -> None:
    """Set the dotted ``key`` of a raw config dict to ``value``, making tables on the way;
    a key through a value that is not a table is one line naming ``what``."""
    node = data
    parts = key.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"{what}: {shown(key)} goes through a value that is not a table")
    node[parts[-1]] = value


def apply_set(data: dict[str, Any], assignment: str) -> None:
    """Apply one ``key=value`` override to a raw config dict (dotted keys)."""
    if "=" not in assignment:
        raise ConfigError(f"--set: got {shown(assignment)}, expected key=value (e.g. "
                          "run.ticks=200)")
    key, text = assignment.split("=", 1)
    parts = key.strip().split(".")
    if len(parts) > MAX_DEPTH:
        raise ConfigError(f"--set: {shown(key, 40)} has {len(parts):,} dotted parts, more than "
                          f"the {MAX_DEPTH} allowed")
    set_dotted(data, key.strip(), parse_value(text.strip()), "--set")


def load_raw(path: str | Path | None = None, sets: list[str] | None = None) -> dict[str, Any]:
    """A config file (or the embedded default's empty table) with ``sets`` applied, not yet
    validated: what calibration and sensitivity set their parameters in."""
    data = read_toml(path, "config") if path is not None else {}
    for assignment in sets or []:
        apply_set(data, assignment)
    return data


def load(path: str | Path | None = None, sets: list[str] | None = None) -> Config:
    """Read, override and validate a config; raise :class:`ConfigError` with one line."""
    return validate(load_raw(path, sets))


# Keyword shortcuts of the Python API (``addsim.run``, ``PopulationModel``): the config keys
# people set most. Any other key is written with "__" for the dots: exposure__p_peer=0.05.
SHORTCUTS = {
    "ticks": "run.ticks", "seed": "run.seed", "history": "run.history",
    "size": "population.size", "network": "network.kind",
}


def plain(value: Any) -> Any:
    """``value`` with numpy scalars as Python numbers (``np.int64(200)`` is 200, an
    ``np.bool_`` a bool) and numpy arrays as lists, inside lists and dicts too, so that a
    value from a numpy computation is accepted wherever a Python one is."""
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, Mapping):
        return {(plain(k) if isinstance(k, np.generic) else k): plain(v)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def with_overrides(config: Config, overrides: Mapping[str, Any]) -> Config:
    """``config`` with keyword overrides (the ``SHORTCUTS``, or any dotted key with ``__`` for
    the dots; numpy numbers accepted), validated as a whole: a bad one is a ConfigError."""
    if not overrides:
        return config
    tables = list(Config.model_fields)
    for name in overrides:  # a misspelt shortcut ("tick") gets the closest name
        if name not in SHORTCUTS and name.split("__")[0].split(".")[0] not in tables:
            raise ConfigError(f"{name}: not a shortcut ({', '.join(SHORTCUTS)}) or a config "
                              "table (a dotted key is written with '__', e.g. "
                              "exposure__p_peer)"
                              + did_you_mean(name.split("__")[0], [*SHORTCUTS, *tables]))
    data = config.model_dump(mode="json")
    for name, value in overrides.items():
        key = SHORTCUTS.get(name, name.replace("__", "."))
        node = data
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"{shown(key)}: goes through a value that is not a table")
        node[last] = plain(value)
    return validate(data)


def load_model(path: str | Path, model: type[M], field: str) -> M:
    """Read a TOML file (targets, parameters) into the pydantic ``model``; any mistake is
    one ConfigError line starting with ``field``."""
    data = read_toml(path, field)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError("\n".join(f"{field}: {line}" for line in
                                    format_errors(exc, model).split("\n"))) from None


def validate(data: dict[str, Any]) -> Config:
    """Validate a raw dict into a :class:`Config` or raise a one-line :class:`ConfigError`.

    Beyond the schema: the risk distributions' support, a graph file's node count (the
    run's population: population.size, when given, must match it) and the run's estimated
    edges and memory (population/resources.py)."""
    items = data.get("interventions") if isinstance(data, dict) else None
    if isinstance(items, list) and len(items) > MAX_INTERVENTIONS:
        raise ConfigError(f"interventions: got {len(items):,} entries, expected at most "
                          f"{MAX_INTERVENTIONS:,}")
    try:
        cfg = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_errors(exc, data=data)) from None
    _check_support(cfg.risk)
    _file_population(cfg)
    from addsim.population.resources import check

    check(cfg)
    return cfg


def _raw_has(data: Any, loc: tuple[Any, ...]) -> bool:
    """Whether the raw config sets the key at ``loc`` itself (not left to its default)."""
    for part in loc:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return False
    return True


def _blame_tick_one(e: Any, data: Any) -> str | None:
    """A duration the user left to its default, out of range once converted with the
    user's ``run.tick`` ("52 weeks" is 31 million ticks of a second): the line blames
    run.tick, the value the user set, instead of the default's field."""
    loc = tuple(p for p in e["loc"] if not str(p).startswith(("function-", "tagged")))
    run = data.get("run") if isinstance(data, dict) else None
    tick = run.get("tick") if isinstance(run, dict) else None
    if not isinstance(tick, str) or e["type"] not in _NUMBER_ERRORS or not loc:
        return None
    found = _field_at(loc, Config)
    if found is None or found[1] is None or _raw_has(data, loc):
        return None
    if not _is_duration(found[1]):
        return None
    dotted = ".".join(str(p) for p in loc)
    ticks = e.get("input")
    allowed = _allowed_number(e["loc"], Config) or e["msg"]
    return (f"run.tick: got {shown(tick)}, which makes {dotted} (its default) "
            f"{ticks:,} ticks, {allowed}; choose another run.tick or set {dotted}")


def _file_population(cfg: Config) -> None:
    """With ``network.kind = "file"`` the people of the run are the file's nodes: set
    population.size to their count, or refuse a population.size given that differs."""
    if cfg.network.kind != "file" or not cfg.network.file:
        return
    from addsim.population import network

    net = cfg.network
    try:
        n = network.load(net.file, net.max_nodes, net.max_edges).n
    except ValueError as exc:  # a ConfigError too: every problem of the file, one line
        raise ConfigError(str(exc)) from None
    size = cfg.population.size
    if "size" in cfg.population.model_fields_set and size != n:
        raise ConfigError(f"population.size: got {size}, but network.file {shown(net.file)} "
                          f"has {n:,} nodes, the people of the run; leave population.size out "
                          f"or set it to {n}")
    top = PopulationCfg.model_fields["size"].metadata
    most = min(getattr(m, "le", None) or math.inf for m in top)
    if n > most:
        raise ConfigError(f"network.file: {shown(net.file)} has {n:,} nodes, more than the "
                          f"{most:,} people a run may have")
    cfg.population.size = n


def to_toml(cfg: Config) -> str:
    """The resolved config as TOML (what ``addsim run`` writes to DIR/config.toml)."""
    return dump(cfg.model_dump(mode="json", exclude_none=True))


def documented_default() -> str:
    """The default config as TOML with every field's description as a comment."""
    lines = ["# addsim run configuration: every key shown with its default.", ""]
    cfg = Config()
    for name, field in Config.model_fields.items():
        value = getattr(cfg, name)
        if isinstance(value, list):
            lines.append(f"# {field.description or name}")
            for item in value:
                lines.append(f"[[{name}]]  # {type(item).__doc__.strip()}")
                lines += _table_lines(item)
            lines.append("")
            continue
        lines.append(f"[{name}]  # {type(value).__doc__.strip().splitlines()[0]}")
        lines += _table_lines(value)
        lines.append("")
    return "\n".join(lines)


def _table_lines(model: BaseModel) -> list[str]:
    out = []
    for key, field in type(model).model_fields.items():
        value = getattr(model, key)
        if isinstance(value, BaseModel) and hasattr(type(model), "model_fields"):
            if isinstance(model, ActivitiesCfg):
                continue
        doc = field.description or ""
        raw = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
        rendered = toml_value(raw)
        if rendered is None:
            out.append(f"# {key} =   # {doc} (unset)")
        else:
            out.append(f"{key} = {rendered}" + (f"  # {doc}" if doc else ""))
    if isinstance(model, ActivitiesCfg):
        for key in type(model).model_fields:
            act = getattr(model, key)
            out.append(f"{key} = {toml_value(act.model_dump(mode='json'))}")
    return out
