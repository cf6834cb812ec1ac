"""Life course: ages, the age curve of opportunity, adult roles, death, and turnover.

Every person has an age in years (initial ages from ``life.initial_age``) that grows by one
tick's length each tick. A person leaves at ``life.max_age`` or earlier by death, with a
Gompertz baseline hazard (annual probability ``mortality_at_30`` at 30, doubling every
``mortality_doubling`` years) multiplied by ``hazard_ratio[activity]`` for each activity the
person is addicted to. Each leaver is replaced by a naive newcomer of ``entry_age`` in the same
row, so the network position, N and the graph stay fixed while the population turns over: the
row's learner, task state, statuses and (``redraw_risk``) risk factors start afresh.

Opportunity is scaled by an age curve (1 at ``opportunity_peak``, falling as a half-Gaussian
with sd ``opportunity_rise`` below and ``opportunity_fall`` above, never under
``opportunity_floor``): most first use in the late teens and early twenties (docs/model/
population.md: mean age at first use 17.6 alcohol, 19.0 cannabis; median onset of disorders 20).
Adult roles (work, partner, children) raise the natural reward by ``roles_gain``, linearly
from ``roles_start`` to ``roles_end``: what "maturing out" needs to come out of learning.

All functions are vectorized over individuals: (N,) arrays in, (N,) arrays out.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from addsim.population.config import LifeCfg

_NOT_PER_PERSON = frozenset({"_rows", "salience", "_tri", "_iu", "_diag"})  # shared, not state
EDGES = np.array([18.0, 26.0, 35.0, 50.0, 65.0])  # survey bands: 12-17, 18-25, ..., 65+


def band_of(age: np.ndarray) -> np.ndarray:
    """Survey age band index of each age (0 = 12-17, 1 = 18-25, ..., 5 = 65+)."""
    return np.searchsorted(EDGES, age, side="right")


def opportunity_curve(age: np.ndarray, cfg: LifeCfg) -> np.ndarray:
    """Share of the peak age's opportunity at each ``age`` (years), in [floor, 1]."""
    sd = np.where(age < cfg.opportunity_peak, cfg.opportunity_rise, cfg.opportunity_fall)
    bump = np.exp(-0.5 * ((age - cfg.opportunity_peak) / sd) ** 2)
    return cfg.opportunity_floor + (1.0 - cfg.opportunity_floor) * bump


def roles(age: np.ndarray, cfg: LifeCfg) -> np.ndarray:
    """Natural reward added by adult roles at each ``age``: 0 before ``roles_start``, rising
    linearly to ``roles_gain`` at ``roles_end``."""
    span = max(cfg.roles_end - cfg.roles_start, 1e-9)
    return cfg.roles_gain * np.clip((age - cfg.roles_start) / span, 0.0, 1.0)


def annual_hazard(age: np.ndarray, cfg: LifeCfg) -> np.ndarray:
    """Baseline death hazard per year at ``age`` (Gompertz: doubles every
    ``mortality_doubling`` years, -ln(1 - q) = the annual probability q at 30)."""
    h30 = -np.log1p(-min(cfg.mortality_at_30, 1 - 1e-12))
    return h30 * np.exp2((age - 30.0) / cfg.mortality_doubling)


def death_probability(
    age: np.ndarray, multiplier: np.ndarray, cfg: LifeCfg, years_per_tick: float
) -> np.ndarray:
    """Probability of dying within one tick: 1 - exp(-hazard * multiplier * tick length)."""
    return -np.expm1(-annual_hazard(age, cfg) * multiplier * years_per_tick)


def reset_learner_rows(learner: Any, fresh: Any, rows: np.ndarray) -> None:
    """Make rows ``rows`` of ``learner`` equal to the naive learner ``fresh`` (built for
    ``rows.size`` individuals with the newcomers' parameters): every per-person array, its
    rule arrays and its parameter arrays. Slot-major arrays (K, N, ...) keep their K; slots
    the fresh learner does not have are zeroed, as a fresh slot is."""
    n, m = learner.n, rows.size
    if m == 0:
        return
    for name, new in vars(fresh).items():
        if name in _NOT_PER_PERSON or not isinstance(new, np.ndarray):
            continue
        _copy_rows(getattr(learner, name), new, rows, n)
    for key, new in getattr(fresh, "rule", {}).items():
        _copy_rows(learner.rule[key], new, rows, n)
    for f in dataclasses.fields(fresh.p):
        new = getattr(fresh.p, f.name)
        if isinstance(new, np.ndarray):
            _copy_rows(getattr(learner.p, f.name), new, rows, n)


def _copy_rows(old: np.ndarray, new: np.ndarray, rows: np.ndarray, n: int) -> None:
    """``old``'s individual axis (0 for (N,), 1 for slot-major (K, N, ...)) at ``rows`` from
    ``new`` (whose individual axis has ``rows.size`` entries); other arrays untouched."""
    m = rows.size
    if old.ndim != new.ndim or old.ndim == 0:
        return
    if old.ndim == 1:
        if old.shape[0] == n and new.shape[0] == m:
            old[rows] = new
        return
    if old.shape[1] == n and new.shape[1] == m and old.shape[2:] == new.shape[2:]:
        k = min(old.shape[0], new.shape[0])
        old[:k, rows] = new[:k]
        old[k:, rows] = 0


__all__ = ["EDGES", "annual_hazard", "band_of", "death_probability", "opportunity_curve",
           "reset_learner_rows", "roles"]
