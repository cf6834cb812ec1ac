"""Item 4 of docs/reproductions.md: acquisition with the cue, extinction without it, re-exposure.

Every learner runs the report's protocol; the dual-process learner also runs the controls of
protocol 4c (population/reproduce/_controls.py): ``reward-constant`` (natural reward 10 in
every phase), ``history off`` and ``new values zero``, with the state each individual acts in
when it is back at the criterion. The effect the verdict reads is the fraction back at
P(addictive) >= 0.7 within ``FAST`` ticks of re-exposure.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from addsim.population.reproduce import _controls as ctl
from addsim.population.reproduce._common import (
    ALL_LEARNERS,
    Progress,
    Result,
    plot_p_addictive,
    stream,
    tick,
)
from addsim.population.reproduce._survival import survival, times_to_level, wilson
from addsim.population.rollout import Schedule, first_crossing, phases

RELAPSE_ACQ, RELAPSE_EXT, RELAPSE_RE = 250, 250, 500
EXTINCTION = {"cue_shown": 0.0, "drug_available": 0.0, "r0_mean": 15.0}
REEXPOSURE = {"cue_shown": 1.0, "drug_available": 1.0, "r0_mean": 10.0}


ACQUISITION = {"cue_shown": 1.0, "drug_available": 1.0, "r0_mean": 10.0}
FAST = 50  # ticks of re-exposure within which a return counts as fast relapse


def _relapse_spans(ext: dict[str, float], keep_rewards: bool
                   ) -> tuple[tuple[int, dict[str, float]], ...]:
    """The relapse protocol's phases (extinction conditions ``ext``)."""
    back = dict(REEXPOSURE, r0_mean=ext["r0_mean"]) if keep_rewards else REEXPOSURE
    return ((RELAPSE_ACQ, ACQUISITION), (RELAPSE_EXT, ext), (RELAPSE_RE, back))


def _relapse_schedule(ext: dict[str, float], keep_rewards: bool) -> tuple[Schedule, int]:
    """The relapse protocol's schedule (extinction conditions ``ext``) and its length."""
    return phases(*_relapse_spans(ext, keep_rewards)), RELAPSE_ACQ + RELAPSE_EXT + RELAPSE_RE


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
    controls: bool = True,
) -> Result:
    """Item 4: acquisition with the cue, extinction without it, then re-exposure.

    ``T_acq`` and ``T_re`` are the ticks the mean P(addictive) takes to reach ``level`` from
    the start of acquisition and of re-exposure; ``savings = T_re / T_acq`` (None when either
    is censored). ``acquisition`` and ``reexposure`` hold the per-individual times to
    ``KM_LEVEL`` with censoring (fraction reached by t, Kaplan-Meier median). The summary also
    keeps the mean drug advantage Q(choice, drug) - Q(choice, natural) at the end of each
    phase: how far extinction pushed the drug below the natural reward is what re-exposure
    has to undo. ``controls``: also run the dual-process control arms and the verdict.
    """
    learners = tuple(learners)
    spans = _relapse_spans(extinction or EXTINCTION, keep_rewards)
    ticks = RELAPSE_ACQ + RELAPSE_EXT + RELAPSE_RE
    start = RELAPSE_ACQ + RELAPSE_EXT
    arms = [(name, dict((overrides or {}).get(name, {})), False) for name in learners]
    if controls and "dual_process" in learners:
        arms += [arm for arm in ctl.DUAL_ARMS if arm[0] != "dual_process"]
    rows, summary, effects = [], {}, {}
    acting = None
    for k, (label, over, constant) in enumerate(arms):
        name = label.split("/")[0]
        sp = ctl.reward_constant(spans) if constant else spans
        res, log, states, _ = ctl.run_arm(name, over, sp, n, stream(seed, 4 + keep_rewards, k),
                                          mark=(RELAPSE_ACQ, start))
        p = res.p_addictive
        rows.append(pd.DataFrame({"learner": name, "arm": label, "t": np.arange(ticks),
                                  "p_addictive": p}))
        adv = res.q_addictive - res.q_natural
        ends = {"acquisition": RELAPSE_ACQ - 1, "extinction": start - 1, "reexposure": ticks - 1}
        out: dict[str, Any] = {
            **{f"p_end_{phase}": float(p[t]) for phase, t in ends.items()},
            **{f"advantage_end_{phase}": float(adv[t]) for phase, t in ends.items()},
            **_relapse_pace(p, level),
            **_relapse_survival(res.p_individual, seed),
        }
        assert res.p_individual is not None
        t_re, hit_re = times_to_level(res.p_individual, KM_LEVEL, start, ticks)
        fast = int((hit_re & (t_re < FAST)).sum())
        out["effect"] = ctl.effect(fast / n, wilson(fast, n))
        if states.n_latent:
            out["acting_state"] = ctl.acting_state(log, RELAPSE_ACQ, start,
                                                   states.n_latent[start], t_re, hit_re,
                                                   states.n_latent[RELAPSE_ACQ])
            if label == "dual_process":
                acting = out["acting_state"]
        summary[label] = out
        effects["model-free" if label == ctl.MODEL_FREE_ARM else label] = out["effect"]
        tick(progress)
    if controls and "dual_process" in learners:
        summary["verdict"] = {"effect": f"fraction back at P >= {KM_LEVEL} within {FAST} "
                              "ticks of re-exposure", **ctl.verdict(effects, acting)}
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
