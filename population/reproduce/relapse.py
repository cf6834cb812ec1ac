"""Item 4 of SCIENCE.md section 4: acquisition with the cue, extinction without it, re-exposure."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from addsim.envs.substance import SubstanceCore
from addsim.population.reproduce._common import (
    ALL_LEARNERS,
    Progress,
    Result,
    learner_for,
    plot_p_addictive,
    stream,
    tick,
)
from addsim.population.reproduce._survival import survival, times_to_level
from addsim.population.rollout import Schedule, first_crossing, phases, rollout

RELAPSE_ACQ, RELAPSE_EXT, RELAPSE_RE = 250, 250, 500
EXTINCTION = {"cue_shown": 0.0, "drug_available": 0.0, "r0_mean": 15.0}
REEXPOSURE = {"cue_shown": 1.0, "drug_available": 1.0, "r0_mean": 10.0}


def _relapse_schedule(ext: dict[str, float], keep_rewards: bool) -> tuple[Schedule, int]:
    """The relapse protocol's schedule (extinction conditions ``ext``) and its length."""
    back = dict(REEXPOSURE, r0_mean=ext["r0_mean"]) if keep_rewards else REEXPOSURE
    sched = phases((RELAPSE_ACQ, {}), (RELAPSE_EXT, ext), (RELAPSE_RE, back))
    return sched, RELAPSE_ACQ + RELAPSE_EXT + RELAPSE_RE


def _relapse_pace(p: np.ndarray, level: float = 0.9) -> dict[str, Any]:
    """Ticks the mean P(addictive) series ``p`` of a relapse run takes to reach ``level`` from
    the start of acquisition and of re-exposure, and their ratio (the savings)."""
    t_acq = first_crossing(p[:RELAPSE_ACQ], level)
    t_re = first_crossing(p, level, RELAPSE_ACQ + RELAPSE_EXT)
    censored = t_acq >= RELAPSE_ACQ or t_re >= RELAPSE_RE  # never a ratio of censored times
    return {"t_acquisition": t_acq, "t_reexposure": t_re,
            "savings": None if censored else t_re / max(t_acq, 1)}


KM_LEVEL = 0.7  # per-individual criterion: above the naive 0.5, below every plateau


def _relapse_survival(p_ind: np.ndarray, seed: int) -> dict[str, Any]:
    """Per-individual times to ``KM_LEVEL`` from acquisition and from re-exposure, censored at
    each phase's end (population/reproduce/_survival.py), and their medians' ratio where both
    medians are reached."""
    start = RELAPSE_ACQ + RELAPSE_EXT
    acq = survival(*times_to_level(p_ind, KM_LEVEL, 0, RELAPSE_ACQ), seed=seed)
    re = survival(*times_to_level(p_ind, KM_LEVEL, start, start + RELAPSE_RE), seed=seed)
    both = acq["median"] is not None and re["median"] is not None
    ratio = re["median"] / max(acq["median"], 1.0) if both else None
    return {"km_level": KM_LEVEL, "acquisition": acq, "reexposure": re,
            "median_ratio": ratio}


def relapse(
    n: int = 100, seed: int = 0, progress: Progress | None = None, keep_rewards: bool = False,
    level: float = 0.9, extinction: dict[str, float] | None = None,
    learners: Iterable[str] = ALL_LEARNERS, overrides: dict[str, dict[str, float]] | None = None,
) -> Result:
    """Item 4: acquisition with the cue, extinction without it, then re-exposure.

    ``T_acq`` and ``T_re`` are the ticks the mean P(addictive) takes to reach ``level`` from
    the start of acquisition and of re-exposure; ``savings = T_re / T_acq`` (None when either
    is censored). ``acquisition`` and ``reexposure`` hold the per-individual times to
    ``KM_LEVEL`` with censoring (fraction reached by t, Kaplan-Meier median). The summary also
    keeps the mean drug advantage Q(choice, drug) - Q(choice, natural) at the end of each
    phase: how far extinction pushed the drug below the natural reward is what re-exposure
    has to undo.
    """
    sched, ticks = _relapse_schedule(extinction or EXTINCTION, keep_rewards)
    rows, summary = [], {}
    for k, name in enumerate(learners):
        core = SubstanceCore(n)
        agent = learner_for(name, core, **(overrides or {}).get(name, {}))
        res = rollout(agent, core, ticks, stream(seed, 4 + keep_rewards, k), sched,
                      keep_individual=True)
        p = res.p_addictive
        rows.append(pd.DataFrame({"learner": name, "t": np.arange(ticks), "p_addictive": p}))
        adv = res.q_addictive - res.q_natural
        ends = {"acquisition": RELAPSE_ACQ - 1, "extinction": RELAPSE_ACQ + RELAPSE_EXT - 1,
                "reexposure": ticks - 1}
        summary[name] = {
            **{f"p_end_{phase}": float(p[t]) for phase, t in ends.items()},
            **{f"advantage_end_{phase}": float(adv[t]) for phase, t in ends.items()},
            **_relapse_pace(p, level),
            **_relapse_survival(res.p_individual, seed),
        }
        tick(progress)
    return Result(pd.concat(rows, ignore_index=True), summary)


def relapse_kept_rewards(n: int = 100, seed: int = 0, progress: Progress | None = None) -> Result:
    """Item 4 variant: the improved natural reward stays after extinction."""
    return relapse(n, seed, progress, keep_rewards=True)


EXTINCTION_PHASE = (RELAPSE_ACQ, RELAPSE_ACQ + RELAPSE_EXT)


def plot(frame: pd.DataFrame, path: Path) -> None:
    """P(drug) per learner through the three phases, extinction shaded."""
    plot_p_addictive(frame, path, "relapse", EXTINCTION_PHASE)


def plot_kept_rewards(frame: pd.DataFrame, path: Path) -> None:
    """The same, with the improved natural reward kept after extinction."""
    plot_p_addictive(frame, path, "relapse-kept-rewards", EXTINCTION_PHASE)
