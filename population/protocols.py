"""The report's protocols (SCIENCE.md section 4) as cohorts run through the batched rollout.

Each protocol takes the number of individuals per condition and a seed, runs every condition
as one batch (a cohort: a population without edges whose conditions follow a schedule) and
returns a tidy ``pandas.DataFrame`` plus a dict of summary figures. The tests assert on the
summaries; ``addsim reproduce`` writes the frames to CSV and plots them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from agents import LEARNERS, make_learner
from envs.gambling import GamblingCore
from envs.impulsivity import ImpulsivityCore
from envs.substance import SubstanceCore
from population.rollout import Schedule, first_crossing, phases, rollout

ALL_LEARNERS = tuple(LEARNERS)
MODEL_FREE = ("redish2004", "dezfouli2009")
Progress = Callable[[int], None]


def _rng(seed: int, *key: int) -> np.random.Generator:
    """An independent stream for one condition of a protocol: same (seed, key), same numbers."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def _learner(name: str, core: Any, preset: str = "report", **overrides: Any) -> Any:
    return make_learner(
        name, core.n, core.n_states, core.n_actions, core.cue_dim, preset=preset, **overrides
    )


def _tick(progress: Progress | None, n: int = 1) -> None:
    if progress is not None:
        progress(n)


@dataclass
class Result:
    """A protocol's tidy table and the summary figures the tests and the README quote."""

    frame: pd.DataFrame
    summary: dict[str, Any]


# ------------------------------------------------------------------------ 1-3: acquisition


def acquisition(
    n: int = 100, seed: int = 0, ticks: int = 1000, progress: Progress | None = None,
    addictive: bool = False, learners: Iterable[str] = ALL_LEARNERS,
    overrides: dict[str, dict[str, float]] | None = None,
) -> Result:
    """Items 1-2: P(addictive | s0) over time in the non-addictive (or addictive) task."""
    rows, summary = [], {}
    for k, name in enumerate(learners):
        core = SubstanceCore(n, drug_available=1.0 if addictive else 0.0)
        agent = _learner(name, core, **(overrides or {}).get(name, {}))
        res = rollout(agent, core, ticks, _rng(seed, 1 + addictive, k))
        rows.append(pd.DataFrame(
            {"learner": name, "t": np.arange(ticks), "p_addictive": res.p_addictive}
        ))
        summary[name] = {
            "p_addictive_t500": float(res.p_addictive[min(500, ticks - 1)]),
            "p_addictive_final": float(res.p_addictive[-1]),
            "p_optimal_final": float(1.0 - res.p_addictive[-1]),
        }
        _tick(progress)
    return Result(pd.concat(rows, ignore_index=True), summary)


def addiction(
    n: int = 100, seed: int = 0, ticks: int = 1000, progress: Progress | None = None
) -> Result:
    """Item 2: the addictive task; surge learners become addicted, Q-learning does not."""
    return acquisition(n, seed, ticks, progress, addictive=True)


def values(
    n: int = 100, seed: int = 0, ticks: int = 20000, progress: Progress | None = None
) -> Result:
    """Item 3: Redish's drug value grows without bound; Dezfouli's and dual-process's converge.

    Average-reward values are identified only up to a constant (with rho = R_bar + kappa
    biased above the reward rate, every value drifts at the same pace), so the bounded
    quantity is the drug's advantage Q(s0, drug) - Q(s0, natural); for Redish both the
    absolute value and the advantage grow. Convergence is judged on the typical individual
    (median over individuals of each one's window mean): a dual-process individual that
    briefly acts from another latent state moves the mean, not the value being learned.
    """
    rows, summary = [], {}
    for k, name in enumerate(("redish2004", "dezfouli2009", "dual_process")):
        core = SubstanceCore(n)
        w = max(1, min(1000, ticks // 4))  # the two windows compared at the end
        res = rollout(_learner(name, core), core, ticks, _rng(seed, 3, k), keep_individual=2 * w)
        every = max(1, ticks // 2000)
        t = np.arange(0, ticks, every)
        rows.append(pd.DataFrame({
            "learner": name, "t": t, "q_addictive": res.q_addictive[t],
            "q_natural": res.q_natural[t], "advantage": (res.q_addictive - res.q_natural)[t],
        }))
        adv = res.q_addictive - res.q_natural
        ind = res.advantage_individual  # the last 2w ticks
        assert ind is not None
        early, late = adv[-2 * w : -w].mean(), adv[-w:].mean()
        med_early = float(np.median(ind[:w].mean(axis=0, dtype=np.float64)))
        med_late = float(np.median(ind[w:].mean(axis=0, dtype=np.float64)))
        summary[name] = {
            "q_addictive_final": float(res.q_addictive[-1]),
            "q_addictive_mid": float(res.q_addictive[ticks // 2]),
            "advantage_final": float(late),
            "advantage_mid": float(adv[ticks // 2 - w : ticks // 2].mean()),
            "advantage_change_last_2000": (
                abs(med_late - med_early) / abs(med_early) if med_early else float("inf")
            ),
            "advantage_change_last_2000_of_mean": float(abs(late - early) / abs(early)),
            "min_drug_delta_minus_surge": res.drug_delta_minus_surge,
        }
        _tick(progress)
    return Result(pd.concat(rows, ignore_index=True), summary)


# ------------------------------------------------------------------------ 4: relapse

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
    return {"t_acquisition": t_acq, "t_reexposure": t_re, "savings": t_re / max(t_acq, 1)}


def relapse(
    n: int = 100, seed: int = 0, progress: Progress | None = None, keep_rewards: bool = False,
    level: float = 0.9, extinction: dict[str, float] | None = None,
    learners: Iterable[str] = ALL_LEARNERS, overrides: dict[str, dict[str, float]] | None = None,
) -> Result:
    """Item 4: acquisition with the cue, extinction without it, then re-exposure.

    ``T_acq`` and ``T_re`` are the ticks the mean P(addictive) takes to reach ``level`` from
    the start of acquisition and of re-exposure; ``savings = T_re / T_acq``. The summary also
    keeps the mean drug advantage Q(choice, drug) - Q(choice, natural) at the end of each
    phase: how far extinction pushed the drug below the natural reward is what re-exposure
    has to undo.
    """
    sched, ticks = _relapse_schedule(extinction or EXTINCTION, keep_rewards)
    rows, summary = [], {}
    for k, name in enumerate(learners):
        core = SubstanceCore(n)
        agent = _learner(name, core, **(overrides or {}).get(name, {}))
        res = rollout(agent, core, ticks, _rng(seed, 4 + keep_rewards, k), sched)
        p = res.p_addictive
        rows.append(pd.DataFrame({"learner": name, "t": np.arange(ticks), "p_addictive": p}))
        adv = res.q_addictive - res.q_natural
        ends = {"acquisition": RELAPSE_ACQ - 1, "extinction": RELAPSE_ACQ + RELAPSE_EXT - 1,
                "reexposure": ticks - 1}
        summary[name] = {
            **{f"p_end_{phase}": float(p[t]) for phase, t in ends.items()},
            **{f"advantage_end_{phase}": float(adv[t]) for phase, t in ends.items()},
            **_relapse_pace(p, level),
        }
        _tick(progress)
    return Result(pd.concat(rows, ignore_index=True), summary)


def relapse_kept_rewards(n: int = 100, seed: int = 0, progress: Progress | None = None) -> Result:
    """Item 4 variant: the improved natural reward stays after extinction."""
    return relapse(n, seed, progress, keep_rewards=True)


# Item 4 sensitivity: the two parameters of each model-free learner that the report does not
# give (the softmax temperature, and Redish's discount or the initial average reward R_bar0 of
# Dezfouli), on a grid; every other parameter at the report preset.
MAP_AXES: dict[str, tuple[tuple[str, tuple[float, ...]], tuple[str, tuple[float, ...]]]] = {
    "redish2004": (
        ("beta", (0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.1)),
        ("gamma", (0.9, 0.92, 0.94, 0.95, 0.96, 0.97)),
    ),
    "dezfouli2009": (
        ("beta", (0.1, 0.15, 0.2, 0.25, 0.3, 0.4)),
        ("r_bar0", (10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0)),
    ),
}
SAVINGS_RANGE = (0.6, 1.5)  # the report's model-free savings (SCIENCE.md 4, item 4)


def _cell_means(
    name: str, over: dict[str, np.ndarray], n: int, progress: Progress | None, ticks: int,
    sched: Schedule | None, rng: np.random.Generator, **conditions: float,
) -> np.ndarray:
    """Run ``name`` with per-individual parameters ``over`` (consecutive groups of ``n``
    individuals, one per cell) and return the mean P(addictive) per tick and cell."""
    core = SubstanceCore(next(iter(over.values())).size, **conditions)
    res = rollout(_learner(name, core, **over), core, ticks, rng, sched, keep_individual=True)
    _tick(progress)
    assert res.p_individual is not None
    return res.p_individual.reshape(ticks, -1, n).mean(axis=2, dtype=np.float64)


def relapse_map(n: int = 100, seed: int = 0, progress: Progress | None = None) -> Result:
    """Item 4 sensitivity: where model-free learners meet the report's relapse pace.

    Each cell of a learner's grid (``MAP_AXES``) is a group of ``n`` individuals carrying
    that cell's parameters; all cells run in one batch per condition: the relapse protocol,
    its kept-rewards variant, and items 1 (no drug, 1,000 ticks) and 2 (drug, P at t = 500).
    A cell meets the report when every check holds: first acquisition reaches 0.9
    (``acquired``), P < 0.1 at the end of extinction (``extinguished``), savings lie in
    ``SAVINGS_RANGE``, P < 0.1 after 500 ticks with the improved reward kept
    (``kept_abstinent``), P(natural) > 0.9 in item 1 and P(drug) > 0.8 at t = 500 in item 2.
    """
    rows = []
    for k, (name, ((x_name, xs), (y_name, ys))) in enumerate(MAP_AXES.items()):
        x, y = (a.ravel() for a in np.meshgrid(xs, ys, indexing="ij"))
        over = {x_name: np.repeat(x, n), y_name: np.repeat(y, n)}
        run = functools.partial(_cell_means, name, over, n, progress)
        sched, ticks = _relapse_schedule(EXTINCTION, keep_rewards=False)
        relapse_p = run(ticks, sched, _rng(seed, 11, k, 0))
        kept_p = run(ticks, _relapse_schedule(EXTINCTION, keep_rewards=True)[0],
                     _rng(seed, 11, k, 1))
        natural_p = run(1000, None, _rng(seed, 11, k, 2), drug_available=0.0)
        drug_p = run(501, None, _rng(seed, 11, k, 3))
        for c in range(x.size):
            p = relapse_p[:, c]
            pace = _relapse_pace(p)
            row = {
                "learner": name, "x_param": x_name, "x": float(x[c]),
                "y_param": y_name, "y": float(y[c]),
                "t_acquisition": pace["t_acquisition"], "t_reexposure": pace["t_reexposure"],
                "t_reexposure_half": _relapse_pace(p, 0.5)["t_reexposure"],
                "savings": pace["savings"],
                "p_end_extinction": float(p[RELAPSE_ACQ + RELAPSE_EXT - 1]),
                "p_end_kept_rewards": float(kept_p[-1, c]),
                "p_natural_item1": float(1.0 - natural_p[-1, c]),
                "p_addictive_item2": float(drug_p[500, c]),
            }
            checks = {  # the report's relapse result, item by item
                "acquired": pace["t_acquisition"] < RELAPSE_ACQ,
                "extinguished": row["p_end_extinction"] < 0.1,
                "savings_in_range": SAVINGS_RANGE[0] <= pace["savings"] <= SAVINGS_RANGE[1],
                "kept_abstinent": row["p_end_kept_rewards"] < 0.1,
                "item1": row["p_natural_item1"] > 0.9,
                "item2": row["p_addictive_item2"] > 0.8,
            }
            row.update(checks, relapsed=pace["t_reexposure"] < RELAPSE_RE,
                       meets_report=all(checks.values()))
            rows.append(row)
    frame = pd.DataFrame(rows)
    summary = {
        name: {
            "cells": len(g),
            "savings_in_range": int(g["savings_in_range"].sum()),
            "meets_report": g.loc[g["meets_report"], ["x", "y"]].to_numpy().tolist(),
        }
        for name, g in frame.groupby("learner", sort=False)
    }
    return Result(frame, summary)


# ------------------------------------------------------------------------ 5: latent states


def states(n: int = 100, seed: int = 0, progress: Progress | None = None) -> Result:
    """Item 5: how many latent states dual-process individuals end with, with/without extinction."""
    rows, summary = [], {}
    for k, (cond, sched) in enumerate((
        ("always_rewarded", {}),
        ("extinction", phases((1000, {}), (1000, EXTINCTION))),
    )):
        core = SubstanceCore(n)
        learner = _learner("dual_process", core)
        rollout(learner, core, 2000, _rng(seed, 6, k), sched)
        counts = np.bincount(learner.n_latent, minlength=learner.capacity + 1)
        frac = counts / n
        rows.append(pd.DataFrame(
            {"condition": cond, "n_states": np.arange(len(frac)), "fraction": frac}
        ))
        summary[cond] = {
            "fraction_by_count": {int(i): float(f) for i, f in enumerate(frac) if f > 0},
            "mean_states": float(learner.n_latent.mean()),
            "overflow": int(learner.overflow.sum()),
        }
        _tick(progress)
    return Result(pd.concat(rows, ignore_index=True), summary)


# ------------------------------------------------------------------------ 6: gambling

STREAKS = (100, 200, 400)
GAMBLING_TICKS, STREAK_START, STREAK_P_WIN = 2000, 800, 0.75


def gambling(n: int = 100, seed: int = 0, progress: Progress | None = None) -> Result:
    """Item 6: late betting after a win streak of 100, 200 or 400 ticks (p_win raised).

    The three streak conditions of a learner share individuals and random draws (common
    random numbers): they are identical until the shortest streak ends, so the differences
    between them come from the streak, not from sampling (a paired comparison).
    """
    rows, summary = [], {}
    base = GamblingCore.conditions_spec["p_win"].default
    for k, name in enumerate(("dual_process", "dezfouli2009")):
        summary[name] = {}
        for streak in STREAKS:
            sched = {STREAK_START: {"p_win": STREAK_P_WIN}, STREAK_START + streak: {"p_win": base}}
            core = GamblingCore(n)
            res = rollout(_learner(name, core), core, GAMBLING_TICKS, _rng(seed, 7, k), sched)
            rows.append(pd.DataFrame({
                "learner": name, "streak": streak, "t": np.arange(GAMBLING_TICKS),
                "p_bet": res.p_addictive,
            }))
            summary[name][streak] = float(res.p_addictive[-200:].mean())
            _tick(progress)
    return Result(pd.concat(rows, ignore_index=True), summary)


# ------------------------------------------------------------------------ 7: impulsivity

EXPOSURES = (0, 500, 2000)
IMPULSIVITY_TICKS = 1000


def impulsivity(n: int = 100, seed: int = 0, progress: Progress | None = None) -> Result:
    """Item 7: P(impulsive choice) after 0, 500 or 2000 drug exposures (Dezfouli's rho).

    Exposures are forced drug steps in the substance task; the individual then learns the
    impulsivity task carrying its allostatic shift kappa (R_bar starts afresh: it tracks the
    current task's reward rate within a few hundred steps).
    """
    rows, summary = [], {}
    for k, name in enumerate(("dezfouli2009", "dual_process")):
        summary[name] = {}
        for j, exposures in enumerate(EXPOSURES):
            rng = _rng(seed, 8, k, j)
            drug_core = SubstanceCore(n)
            history = _learner(name, drug_core)
            if exposures:
                # Forced drug use: every individual takes the drug at each choice (2 ticks each).
                forced = _ForcedDrug(history)
                rollout(forced, drug_core, 2 * exposures, rng)
            core = ImpulsivityCore(n)
            learner = _learner(name, core)
            learner.rule["kappa"][:] = history.rule["kappa"]  # the lasting allostatic shift
            res = rollout(learner, core, IMPULSIVITY_TICKS, rng)
            rows.append(pd.DataFrame({
                "learner": name, "exposures": exposures, "t": np.arange(IMPULSIVITY_TICKS),
                "p_impulsive": res.p_addictive,
            }))
            summary[name][exposures] = {
                "p_impulsive": float(res.p_addictive.mean()),
                "kappa_at_test": float(history.rule["kappa"].mean()),
            }
            _tick(progress)
    return Result(pd.concat(rows, ignore_index=True), summary)


class _ForcedDrug:
    """Wraps a learner so that it always takes the addictive action but learns as usual."""

    def __init__(self, learner: Any) -> None:
        self._l = learner

    def __getattr__(self, key: str) -> Any:
        return getattr(self._l, key)

    def act_and_p(
        self, s: np.ndarray, u: np.ndarray, col: int, mask: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The forced choice (what the Stepper calls) and the learner's own P(``col``)."""
        _, p = self._l.act_and_p(s, u, col, mask)
        return np.full(self._l.n, col, dtype=np.int64), p


# ------------------------------------------------------------------------ 8: heatmap


def heatmap_grid(step: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """The report's grid: natural reward 7.5..12.5 x surge 12.5..17.5 at ``step``."""
    if not 0.0 < step <= 5.0:
        raise ValueError(f"step: got {step!r}, expected a value in (0, 5]")
    k = round(5.0 / step) + 1
    return np.linspace(7.5, 12.5, k), np.linspace(12.5, 17.5, k)


def heatmap(
    n: int = 100, seed: int = 0, progress: Progress | None = None, step: float = 0.1,
    ticks: int = 2000, learner: str = "dual_process", workers: int | None = None,
) -> Result:
    """Item 8: fraction addicted (final P(addictive) > 0.5) over natural reward x surge.

    Runs the same sweep as examples/heatmap.toml (population.batch.heatmap_sweep) through the
    batch executor: both axes are deterministic ``levels`` risk factors inside population runs
    of about 32,000 individuals (9 runs at step 0.1), ``workers`` processes (default: cores).
    """
    import io

    from population.batch import heatmap_sweep, open_executor, plan_from_dict, results

    heatmap_grid(step)  # refuse a bad step in one line
    plan = plan_from_dict(heatmap_sweep(step, n, ticks, seed, learner))
    frames = []
    with open_executor(workers) as (executor, _):
        for run, res, err in results(plan.runs, executor, individuals=True):
            if res is None:
                raise RuntimeError(f"heatmap: run {run.run_id} failed: {err}")
            ind = pd.read_parquet(io.BytesIO(res["individuals"]))
            addicted = ind["substance_p_addictive"] > 0.5
            frac = addicted.groupby([ind["natural_reward"], ind["surge"]]).mean()
            frames.append(pd.DataFrame({
                "natural_reward": frac.index.get_level_values(0).to_numpy(),
                "surge": frac.index.get_level_values(1).to_numpy(),
                "fraction_addicted": frac.to_numpy(),
            }))
            _tick(progress, len(ind))
    frame = pd.concat(frames, ignore_index=True)
    frame = frame.sort_values(["natural_reward", "surge"], kind="stable").reset_index(drop=True)
    frame["natural_reward"] = np.round(frame["natural_reward"].astype(float), 6)
    frame["surge"] = np.round(frame["surge"].astype(float), 6)
    frac = frame["fraction_addicted"].to_numpy()
    return Result(frame, {"cells": int(frac.size), "mean_fraction": float(frac.mean())})


# ------------------------------------------------------------------------ 9: blocking


def blocking(
    n: int = 100, seed: int = 0, progress: Progress | None = None,
    pretraining: int = 1000, compound: int = 200,
) -> Result:
    """Item 9 (Kamin blocking): the drug paired with cue A, then with A+B; B's value.

    Values are linear in the cues (V = w . x) and each trial is one transition from the cue
    compound to the drug outcome (next value 0), driven by the learner's own error rule.
    ``blocking``: ``pretraining`` A-only trials, then ``compound`` A+B trials; ``control``:
    the A+B trials alone. Blocking means B ends with less value after pretraining. Under
    Dezfouli the basal level rho catches up with the drug during pretraining, so the compound
    errors are near zero; under Redish the error is always >= D, so B is learnt anyway.
    """
    from agents.dezfouli2009 import dezfouli_error
    from agents.redish2004 import redish_error

    rows, summary = [], {}
    a_only, both = np.array([1.0, 0.0]), np.array([1.0, 1.0])
    for k, name in enumerate(("redish2004", "dezfouli2009")):
        p = LEARNERS[name].params_cls.preset("report").resolve(n)
        summary[name] = {}
        for j, cond in enumerate(("blocking", "control")):
            rng = _rng(seed, 10, k, j)
            w = np.zeros((n, 2))  # weights of cues A and B
            r_bar = p.r_bar0.copy() if name == "dezfouli2009" else np.zeros(n)
            trials = [a_only] * (pretraining if cond == "blocking" else 0) + [both] * compound
            for t, x in enumerate(trials):
                r = -3.0 + rng.standard_normal(n)  # the drug's own (aversive) reward
                v, drug, nxt = w @ x, np.ones(n, dtype=bool), np.zeros(n)
                if name == "redish2004":
                    delta = redish_error(r, v, nxt, drug, p.gamma, p.surge)
                else:
                    delta = dezfouli_error(r, v, nxt, drug, r_bar, p.surge)
                    r_bar += p.sigma * (delta + v + r_bar - r_bar)  # r_sensed = delta + Q + rho
                w += p.alpha[:, None] * delta[:, None] * x[None, :]
                rows.append((name, cond, t, float(w[:, 0].mean()), float(w[:, 1].mean())))
            summary[name][cond] = float(w[:, 1].mean())
        _tick(progress)
    frame = pd.DataFrame(rows, columns=["learner", "condition", "trial", "w_a", "w_b"])
    return Result(frame, summary)


# ------------------------------------------------------------------------ registry

PROTOCOLS: dict[str, tuple[Callable[..., Result], str, int]] = {
    "acquisition": (acquisition, "item 1: every learner learns the natural reward (no drug)", 5),
    "addiction": (addiction, "item 2: surge learners become addicted, Q-learning does not", 5),
    "values": (values, "item 3: Redish Q(drug) unbounded, Dezfouli and dual-process bounded", 3),
    "impulsivity": (impulsivity, "item 7: impulsive choice rises with prior drug exposure", 6),
    "relapse": (relapse, "item 4: acquisition, extinction, re-exposure (the headline figure)", 5),
    "relapse-kept-rewards": (
        relapse_kept_rewards, "item 4 variant: improved rewards kept after extinction", 5
    ),
    "relapse-map": (
        relapse_map, "item 4 sensitivity: model-free savings over two unreported parameters", 8
    ),
    "states": (states, "item 5: latent states per individual, with and without extinction", 2),
    "gambling": (gambling, "item 6: late betting after win streaks of 100, 200, 400 ticks", 6),
    "heatmap": (heatmap, "item 8: fraction addicted over natural reward x surge", 0),
    "blocking": (blocking, "item 9: Kamin blocking of a cue paired with the drug", 2),
}
