"""Escalation of drug intake under long access (Ahmed and Koob 1998, as reproduced by HRRL).

Keramati et al. (2017)'s simulation ("1.0 Ahmed 1998 Science.py" in mehdiKeramati/
HRRL-Addiction), in its units (a tick is a 4-s step): one hour of pre-training, 23 hours in
the home cage, then 12 daily sessions of 1 hour (short access, ShA) or 6 hours (long
access, LgA) in the self-administration chamber (envs/self_administration.py), each
followed by the rest of the day in the home cage (the internal state evolves, no choices:
the learner's ``rest``). The individual is HRRL's: the planner alone over its learned model
(agents/model_based.py with ``arbitration`` 1), leaves at zero, depth 3, pruning at 0.1,
model rates 0.2, HRRL's scaled softmax (values divided by their largest magnitude, inverse
temperature 1 / 0.25), no average-reward cost (HRRL's gamma = 1 finite-horizon sum: R_bar
and kappa stay 0), and the homeostatic module with the ``paper`` values (dose 50).

Measured per individual and session: infusions in the first hour and in the whole session,
the setpoint and the drug's planned value at the session's start (Q_MB(s0, active), with
the internal state the day's rest left). Published direction: the
first-hour intake escalates across sessions under LgA and not under ShA (Ahmed and Koob
1998, Fig. 2; HRRL's Fig. 5), through the setpoint's drift; withdrawal (the internal state
below a raised setpoint) makes the drug worth more.

Arms: ShA, LgA, and the ablation of the mechanism, LgA and ShA with the setpoint fixed
(``shift`` 0); and both with HRRL's own model start (uniform transitions, zero outcomes, the
fixed rates from the first visit: the ablation of our first-visit averages), reported beside
the verdict. Escalation per individual: mean first-hour infusions over the last three
sessions minus the first three. Verdict rules (fixed before any run): escalation in an arm
when its 95% bootstrap interval lies above 0 and the mean is at least 1 infusion; reproduced
when LgA escalates, ShA does not, LgA's escalation exceeds ShA's (the difference's interval
above 0) and the ablation removes LgA's escalation.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from addsim.envs.self_administration import STEPS_PER_HOUR, SelfAdministrationCore
from addsim.population.io.figures import figure, save
from addsim.population.reproduce._common import (
    Progress,
    Result,
    check_arms,
    learner_for,
    stream,
    tick,
)
from addsim.population.reproduce._survival import difference_ci, mean_ci
from addsim.population.rollout import Random, Streams, TickOut, rollout

SESSIONS = 12
DAY = 24 * STEPS_PER_HOUR
HOURS = {"ShA": 1, "LgA": 6}
MIN_ESCALATION = 1.0  # infusions in the first hour: the smallest rise that counts
HRRL: dict[str, float] = {
    "arbitration": 1.0, "leaf": 0.0, "depth": 3.0, "prune": 0.1, "phi": 0.2, "rau": 0.2,
    "value_norm": 1.0, "beta": 4.0, "sigma": 0.0, "r_bar0": 0.0, "lam": 0.0, "surge": 0.0,
    "homeostasis": 1.0, "drive_scale": 1.0,
}
ARMS: tuple[tuple[str, str, dict[str, float]], ...] = (
    ("ShA", "ShA", {}),
    ("LgA", "LgA", {}),
    ("ShA, setpoint fixed", "ShA", {"shift": 0.0}),
    ("LgA, setpoint fixed", "LgA", {"shift": 0.0}),
    # the ablation of our model start (agents/model_based.py): HRRL's own
    ("ShA, HRRL's model start", "ShA", {"model_start": 0.0}),
    ("LgA, HRRL's model start", "LgA", {"model_start": 0.0}),
)


class Infusions:
    """An ``after`` hook counting each individual's infusions, in all and in the first hour."""

    def __init__(self, n: int) -> None:
        self.first_hour = np.zeros(n)
        self.total = np.zeros(n)

    def __call__(self, t: int, out: TickOut) -> None:
        d = out.transition.drug
        self.total += d
        if t < STEPS_PER_HOUR:
            self.first_hour += d


def drug_value(learner: Any) -> np.ndarray:
    """The planned value of an active press in s0, Q_MB(s0, active), (N,): a dose's drive
    reduction at the current internal state, less the press cost, plus what follows (HRRL's
    lookahead keeps the internal state fixed, so doing nothing now and pressing next step is
    worth as much: the difference between the two says nothing of the drug's value)."""
    return learner.planned_values(np.zeros(learner.n, np.int64))[:, 2]


def run_arm(access: str, over: dict[str, float], n: int, rng: Random,
            sessions: int | None = None) -> dict[str, np.ndarray]:
    """Pre-training and ``sessions`` (None: ``SESSIONS``) daily sessions of ``access``; per
    session (rows) and individual (columns): infusions in the first hour and in all, the
    setpoint, the internal state and the drug's planned value at the start."""
    sessions = SESSIONS if sessions is None else sessions
    core = SelfAdministrationCore(n)
    learner = learner_for("model_based", core, preset="paper", **{**HRRL, **over})
    out = {k: np.zeros((sessions, n)) for k in ("first_hour", "total", "setpoint", "h",
                                               "drug_value")}
    log = Infusions(n)
    rollout(learner, core, STEPS_PER_HOUR, rng, after=log)  # pre-training (1 h)
    learner.rest(DAY - STEPS_PER_HOUR)
    ticks = HOURS[access] * STEPS_PER_HOUR
    for k in range(sessions):
        core.reset()
        out["setpoint"][k] = learner.setpoint
        out["h"][k] = learner.h
        out["drug_value"][k] = drug_value(learner)
        log = Infusions(n)
        rollout(learner, core, ticks, rng, after=log)
        out["first_hour"][k] = log.first_hour
        out["total"][k] = log.total
        learner.rest(DAY - ticks)
    return out


def escalation_of(first_hour: np.ndarray) -> np.ndarray:
    """Per individual: mean first-hour infusions over the last three sessions minus the
    first three."""
    return first_hour[-3:].mean(axis=0) - first_hour[:3].mean(axis=0)


def escalation(n: int = 100, seed: int = 0, progress: Progress | None = None,
               arms: Sequence[str] | None = None) -> Result:
    """ShA, LgA and their ablations: first-hour intake across sessions, the setpoint and the
    drug's planned value at each session's start. ``arms``: only these of ARMS' labels (each
    arm has its own stream, so an arm's numbers do not depend on which others run); the
    summary then has the comparisons, and the verdict, whose arms ran."""
    return escalation_on_seeds(n, [seed], progress, arms)[0]


def escalation_on_seeds(n: int, seeds: Sequence[int], progress: Progress | None = None,
                        arms: Sequence[str] | None = None) -> list[Result]:
    """:func:`escalation` on each of ``seeds``, the same numbers as one call per seed, with
    each arm's rollouts run once for all seeds side by side (their individuals in blocks
    drawing from each seed's own stream: population/rollout.py's ``Streams``), so that the
    Python work of a 4-s step is paid once (five seeds' 500 individuals in one rollout take
    about 0.6 of the time of five calls of 100). ``progress`` ticks once per arm, for all
    seeds."""
    if not seeds:
        raise ValueError("seeds: got none, expected at least one")
    check_arms(arms, [label for label, _, _ in ARMS])
    sessions = SESSIONS  # read here: tests of the writers shorten the protocol
    outs: dict[str, dict[str, np.ndarray]] = {}
    for k, (label, access, over) in enumerate(ARMS):
        if arms is not None and label not in arms:
            continue
        rng = Streams([stream(seed, 50, k) for seed in seeds], [n] * len(seeds))
        outs[label] = run_arm(access, over, n * len(seeds), rng, sessions)
        tick(progress)
    return [_result({label: {key: v[:, j * n:(j + 1) * n] for key, v in out.items()}
                     for label, out in outs.items()}, seed, sessions)
            for j, seed in enumerate(seeds)]


def _result(outs: dict[str, dict[str, np.ndarray]], seed: int, sessions: int) -> Result:
    """One seed's rows and summary from its arms' per-session, per-individual arrays."""
    rows, summary, per = [], {}, {}
    for label, out in outs.items():
        n = out["first_hour"].shape[1]
        esc = escalation_of(out["first_hour"])
        per[label] = esc
        summary[label] = {
            "escalation": mean_ci(esc, seed=seed),
            "first_hour_first_session": mean_ci(out["first_hour"][0], seed=seed),
            "first_hour_last_session": mean_ci(out["first_hour"][-1], seed=seed),
            "total_last_session": mean_ci(out["total"][-1], seed=seed),
            "setpoint_last_session": mean_ci(out["setpoint"][-1], seed=seed),
            "drug_value_first_session": mean_ci(out["drug_value"][0], seed=seed),
            "drug_value_last_session": mean_ci(out["drug_value"][-1], seed=seed),
        }
        for j in range(sessions):
            rows.append(pd.DataFrame({
                "arm": label, "session": j + 1, "individual": np.arange(n),
                **{key: out[key][j] for key in out}}))
    # withdrawal raises the drug's value: within LgA's last session start, the planned value
    # against the internal state's deficit below the setpoint (over individuals)
    if {"LgA", "ShA"} <= per.keys():
        summary["LgA-ShA escalation"] = difference_ci(per["LgA"], per["ShA"], seed=seed)
        summary["LgA-ShA drug value, last session"] = difference_ci(
            *(frame_of(rows, lab, sessions, "drug_value") for lab in ("LgA", "ShA")),
            seed=seed)
    if {"LgA, HRRL's model start", "ShA, HRRL's model start"} <= per.keys():
        summary["LgA-ShA escalation, HRRL's model start"] = difference_ci(
            per["LgA, HRRL's model start"], per["ShA, HRRL's model start"], seed=seed)
    if {"LgA", "ShA", "LgA, setpoint fixed"} <= per.keys():
        summary["verdict"] = verdict(summary)
    return Result(pd.concat(rows, ignore_index=True), summary)


def frame_of(rows: list[pd.DataFrame], arm: str, session: int, key: str) -> np.ndarray:
    """One arm's per-individual ``key`` at ``session`` from the tidy rows."""
    for r in rows:
        if r["arm"].iat[0] == arm and r["session"].iat[0] == session:
            return r[key].to_numpy()
    raise KeyError(arm)


def _escalates(e: dict[str, Any]) -> bool:
    return bool(e["ci"][0] > 0.0 and e["mean"] >= MIN_ESCALATION)


def verdict(summary: dict[str, Any]) -> dict[str, Any]:
    """The module's rules on the numbers."""
    lga, sha = summary["LgA"]["escalation"], summary["ShA"]["escalation"]
    ablated = summary["LgA, setpoint fixed"]["escalation"]
    checks = {"LgA escalates": _escalates(lga), "ShA does not": not _escalates(sha),
              "LgA above ShA": summary["LgA-ShA escalation"]["ci"][0] > 0.0,
              "ablation removes it": not _escalates(ablated)}
    label = "reproduced" if all(checks.values()) else "not reproduced"
    return {"label": label, "checks": checks}


def plot(frame: pd.DataFrame, path: Path) -> None:
    """First-hour infusions per session (mean over individuals), a line per arm; and the
    setpoint."""
    fig, (a1, a2) = figure(2, 9.0)
    for arm, g in frame.groupby("arm", sort=False):
        m = g.groupby("session")[["first_hour", "setpoint"]].mean()
        ls = "--" if "fixed" in str(arm) else "-"
        a1.plot(m.index, m["first_hour"], ls=ls, marker="o", ms=3, label=arm)
        a2.plot(m.index, m["setpoint"], ls=ls, label=arm)
    a1.set(xlabel="session", ylabel="infusions in the first hour")
    a2.set(xlabel="session", ylabel="setpoint h* at the session's start")
    a1.legend(fontsize=8)
    save(fig, path)


__all__ = ["ARMS", "escalation", "escalation_on_seeds", "plot", "run_arm"]
