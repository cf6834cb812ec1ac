"""Activities as data: what the engine needs to know of a task it hosts, and nothing in code.

An :class:`ActivitySpec` names the task core, the conditions an opportunity drives (1 with an
opportunity, 0 without), which risk factor feeds which task condition and which learner
parameter (or a constant), the condition a treatment raises, and the key of the activity's own
random sub-stream. The model reads only this, so adding an activity is one entry in
``SPECS`` (and its config table follows), and its sub-stream is keyed by the activity, so adding
or removing one leaves the others' numbers unchanged.

Parameter precedence (``addsim config --show`` prints the result per activity): a risk factor
the config names (or a risk CSV column) wins over the learner's preset; the preset wins over the
learner's built-in defaults. Dezfouli's rates sigma and lambda come from the activity's
calendar time constants (``reward_rate_time``, ``allostasis_time``), not from the preset's
per-step values, which the cohort protocols keep. ``risk.learning_rate`` and
``risk.inverse_temperature`` are unset by default, so the preset's alpha and beta apply;
``risk.surge`` and ``risk.natural_reward`` have defaults and always feed the surge and the
starting average reward R_bar0 (each person's usual reward rate).

The planner learner (``learner = "dual_process_mb"``, agents/model_based.py) takes the
substance activity's homeostatic constants (``HOMEOSTASIS``) and the setpoint's recovery
from ``allostasis_time`` (the full range, 100 to 200, recovers over it: HRRL's linear
recovery in calendar units, the allostatic set point of Koob and Le Moal, which Dezfouli's
kappa follows over the same time); every other learner ignores them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from addsim.agents import LEARNERS
from addsim.envs import GamblingCore, SubstanceCore, TaskCore

if TYPE_CHECKING:
    from addsim.agents import Learner
    from addsim.population.rollout import Stepper
    from addsim.population.status import StatusTracker

# Sub-stream keys of a run under its seed: 0 Mesa, 1 network, 2 risk factors; activities
# from 3 (SeedSequence(seed, spawn_key=(key,)), the key each spec names); the life course
# (ages, deaths, newcomers' risk factors) 1000 and the shared trait 1001, clear of any
# activity's key; scheduled interventions 1002 and the treatment process 1003, so that a run
# with an intervention and one without share every other draw (common random numbers); sex
# 1004.
MESA_STREAM, NETWORK_STREAM, RISK_STREAM, LIFE_STREAM, TRAIT_STREAM = 0, 1, 2, 1000, 1001
INTERVENTION_STREAM, TREATMENT_STREAM, SEX_STREAM = 1002, 1003, 1004


@dataclass(frozen=True)
class ActivitySpec:
    """One activity a person can take part in, as data the model reads."""

    name: str
    core: type[TaskCore]
    stream: int  # key of the activity's random sub-stream (unique, >= 3)
    exposure: tuple[str, ...]  # conditions set to 1 with an opportunity, 0 without
    core_risk: Mapping[str, str] = field(default_factory=dict)  # condition <- risk factor
    learner_risk: Mapping[str, str | float] = field(default_factory=dict)  # param <- factor
    treatment_condition: str | None = None  # raised by a treatment's reward_boost
    seek_conditions: tuple[str, ...] = ()  # set to 1 by a successful search (none: no seeking)
    effort_condition: str | None = None  # the addictive action's outcome, lowered by effort
    harm_condition: str | None = None  # the outcome after use, lowered by accumulated harm


# The substance activity's homeostatic constants for the planner learner, HRRL-Addiction's
# values (agents/homeostatic.py) in a population of weekly ticks: a dose's time constants
# (minutes) are far below a tick, so the drug level at every choice is its baseline
# (absorption 0 keeps h at h_min: a dose's drive reduction is d(h*) - d(h* - 50)); a tick
# of use is one long-access session of HRRL's (about 130 infusions, each shifting the
# setpoint by 0.0018 per unit of a dose of 50); a drive reduction is worth 0.01 of the
# report's reward units (a dose from the baseline at h* = 100 is then worth 2.8, beside a
# natural reward of 10 and a surge of 15). The infusions per use and the scale are ours.
INFUSIONS_PER_USE = 130.0
HOMEOSTASIS: dict[str, float] = {"homeostasis": 1.0, "absorption": 0.0, "drive_scale": 0.01,
                                 "shift": 0.0018 * INFUSIONS_PER_USE}


SPECS: dict[str, ActivitySpec] = {
    spec.name: spec for spec in (
        ActivitySpec(
            "substance", SubstanceCore, 3, exposure=("drug_available", "cue_shown"),
            core_risk={"r0_mean": "natural_reward"},
            learner_risk={"alpha": "learning_rate", "beta": "inverse_temperature",
                          "surge": "surge", "r_bar0": "natural_reward", **HOMEOSTASIS},
            treatment_condition="r0_mean", seek_conditions=("drug_available",),
            effort_condition="r1_mean", harm_condition="r2_mean",
        ),
        ActivitySpec(
            "gambling", GamblingCore, 4, exposure=("available",),
            core_risk={"p_win": "perceived_win", "stake": "stake"},
            learner_risk={"alpha": "learning_rate", "beta": "inverse_temperature",
                          "surge": 0.0, "r_bar0": 0.0},
            seek_conditions=("available",), harm_condition="loss_offset",
        ),
    )
}
ACTIVITIES = tuple(SPECS)



def learner_inputs(
    spec: ActivitySpec, risk: Mapping[str, np.ndarray], accepts: Any
) -> dict[str, Any]:
    """The learner parameters ``spec`` feeds from ``risk`` (factors drawn or read; unset ones
    are left to the preset), restricted to the parameters ``accepts`` (a learner's fields)."""
    out: dict[str, Any] = {}
    for param, source in spec.learner_risk.items():
        if param not in accepts:
            continue
        if isinstance(source, str):
            if source in risk:
                out[param] = risk[source]
        else:
            out[param] = source
    return out


CALENDAR_RATES = {"sigma": "reward_rate_time", "lam": "allostasis_time"}  # param <- field
# the planner's setpoint recovers its range (HomeostaticParams' 100 to 200) linearly over
# allostasis_time: recovery per tick = 100 / ticks
CALENDAR_LINEAR = {"recovery": ("allostasis_time", 100.0)}  # param <- (field, range)


def per_tick_rate(ticks: float) -> float:
    """The per-tick rate of a first-order process with time constant ``ticks``:
    1 - exp(-1 / ticks), so x <- x + rate (target - x) relaxes as exp(-t / ticks)."""
    return float(-np.expm1(-1.0 / ticks))


def calendar_inputs(cfg: Any, accepts: Any) -> dict[str, float]:
    """The learner rates an activity's config sets in calendar units (``reward_rate_time``,
    ``allostasis_time``), as per-tick rates, for the parameters ``accepts`` has."""
    out = {param: per_tick_rate(getattr(cfg, field))
           for param, field in CALENDAR_RATES.items() if param in accepts}
    out.update({param: span / getattr(cfg, field)
                for param, (field, span) in CALENDAR_LINEAR.items() if param in accepts})
    return out


def core_inputs(cfg: Any, core: type[TaskCore]) -> dict[str, float]:
    """The task conditions an activity's config sets (the dose trace's half-life), for the
    cores that have them."""
    if "dose_half_life" in core.conditions_spec and hasattr(cfg, "dose_half_life"):
        return {"dose_half_life": float(cfg.dose_half_life)}
    return {}


def resolved_learner_params(config: Any) -> dict[str, dict[str, tuple[Any, str]]]:
    """Per enabled activity, every learner parameter as (value, where it comes from): a risk
    factor the config sets (``risk.NAME``, the value its distribution), a constant of the
    activity, the preset, or the learner's built-in default; the precedence the model uses."""
    import dataclasses

    out: dict[str, dict[str, tuple[Any, str]]] = {}
    for name in config.enabled_activities:
        cfg, spec = getattr(config.activities, name), SPECS[name]
        params_cls = LEARNERS[cfg.learner].params_cls
        preset = params_cls.presets.get(cfg.preset, {})
        rows: dict[str, tuple[Any, str]] = {}
        ticks = {f: getattr(cfg, f) for f in CALENDAR_RATES.values()}
        for f in dataclasses.fields(params_cls):
            source = spec.learner_risk.get(f.name)
            if f.name in CALENDAR_LINEAR:
                field, span = CALENDAR_LINEAR[f.name]
                rows[f.name] = (span / getattr(cfg, field),
                                f"activities.{name}.{field} = {getattr(cfg, field)} ticks (the "
                                f"setpoint's range {span:g} over it)")
            elif f.name in CALENDAR_RATES:
                field = CALENDAR_RATES[f.name]
                rows[f.name] = (per_tick_rate(ticks[field]),
                                f"activities.{name}.{field} = {ticks[field]} ticks (the "
                                f"preset's per-step {preset.get(f.name, f.default)})")
            elif isinstance(source, str) and getattr(config.risk, source, None) is not None:
                dist = getattr(config.risk, source).model_dump(mode="json", exclude_none=True)
                rows[f.name] = (dist, f"risk.{source}")
            elif source is not None and not isinstance(source, str):
                rows[f.name] = (source, f"the {name} activity")
            elif f.name in preset:
                rows[f.name] = (preset[f.name], f"preset {cfg.preset!r}")
            else:
                rows[f.name] = (f.default, f"preset {cfg.preset!r}: built-in default")
        out[name] = rows
    return out


@dataclass
class Activity:
    """One activity for all N individuals: task core, learner, stepper, statuses, exposure."""

    spec: ActivitySpec
    core: TaskCore
    learner: Learner
    stepper: Stepper
    tracker: StatusTracker
    rng: np.random.Generator  # opportunities and searches
    access: np.ndarray
    supply: float = 1.0
    p_last: np.ndarray | None = None  # P(addictive) at the last choice-state visit
    treated_until: np.ndarray | None = None
    boost: np.ndarray | None = None
    renewed: tuple[np.ndarray, Any] | None = None  # newcomers' rows and their naive learner
    # The task's inputs for the tick, one (N,) array per condition, composed by the modules
    # (the risk factors the spec names, exposure, seeking, the natural reward, harm) and
    # handed to the task in one call by the activity step; the task is never written into.
    inputs: dict[str, np.ndarray] = field(default_factory=dict)
    harm: np.ndarray | None = None  # accumulated harm per person (consequences)
    harm_decay: float = 1.0  # harm kept per tick

    @property
    def name(self) -> str:
        """The activity's name (its spec's)."""
        return self.spec.name
