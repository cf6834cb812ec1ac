"""The controls every latent-state protocol runs beside its effect (protocol 4c).

An effect of the dual-process learner is credited to retrieval (the acquisition state kept by
situation recognition and recognised again) only when three things hold together:

1. it survives ``reward-constant``: the same protocol with the natural reward the same on
   both sides of every phase boundary (a drop in the natural reward opens fresh states
   whatever the mechanism);
2. most individuals act in the preserved acquisition state when they reach the criterion
   (the acting state at criterion: the acquisition state, a state created during the test
   phase, or another, such as the extinction state);
3. removing situation recognition removes it: the model-free learner with the same value
   rule (Dezfouli 2009 on the task's state index) shows none.

Beside these, every protocol runs the ``history off`` ablation (the negative-error history
switched off: says whether the error-driven part carries the effect, or the cue and outcome
features alone do), ``new values zero`` (new states valued at zero, Pettine's rule,
instead of a copy: says whether the effect hinges on the new-state value rule), and the
history's parts one at a time (``creation bias off``: Redish's bias off; ``temperature
falls``: Pettine's state-choice temperature falling to a uniform choice at full
disappointment, off by default), reported beside the verdict.

An effect is present when its 95% interval lies above 0 and it is at least ``MIN_EFFECT``
(0.05 on the probability scale of every effect here), a bound set before any run.

:func:`verdict` applies these rules to the numbers and returns the row the README's
reproductions table shows: "by retrieval", "by another cause" (named), or "not reproduced".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from addsim.envs.substance import SubstanceCore
from addsim.population.reproduce._common import learner_for
from addsim.population.reproduce._survival import wilson
from addsim.population.rollout import RolloutResult, TickOut, phases, rollout

# The dual-process arms of every latent-state protocol: (label, parameter overrides,
# reward-constant schedule)
DUAL_ARMS: tuple[tuple[str, dict[str, float], bool], ...] = (
    ("dual_process", {}, False),
    ("dual_process/reward-constant", {}, True),
    ("dual_process/history off", {"history": 0.0}, False),
    ("dual_process/new values zero", {"new_values": 0.0}, False),
    # the history's parts one at a time (reported, not read by the verdict)
    ("dual_process/creation bias off", {"creation_bias": 0.0}, False),
    ("dual_process/temperature falls", {"beta_state_min": 0.0}, False),
)
MODEL_FREE_ARM = "dezfouli2009"  # the same value rule without situation recognition
CONSTANT_REWARD = 10.0  # the task's default natural reward, kept through every phase
ACQUISITION_TAIL = 50  # ticks at the end of acquisition whose modal state is "acquisition"


def reward_constant(spans: Sequence[tuple[int, Mapping[str, float]]],
                    value: float = CONSTANT_REWARD) -> tuple[tuple[int, dict[str, float]], ...]:
    """``spans`` with the natural reward ``r0_mean`` set to ``value`` in every phase."""
    return tuple((length, {**cond, "r0_mean": value}) for length, cond in spans)


class ChoiceStates:
    """An ``after`` hook of :func:`~addsim.population.rollout.rollout`: per tick, the latent
    state each individual last acted in at the task's choice state (T, N)."""

    def __init__(self, ticks: int, n: int) -> None:
        self.z = np.zeros((ticks, n), dtype=np.int16)
        self._last = np.zeros(n, dtype=np.int16)

    def __call__(self, t: int, out: TickOut) -> None:
        at = out.at_choice
        self._last[at] = out.z[at]
        self.z[t] = self._last


class StatesAt:
    """A ``hook`` of :func:`~addsim.population.rollout.rollout`: latent states in use per
    individual at the start of each tick in ``ticks``."""

    def __init__(self, *ticks: int) -> None:
        self.ticks = set(ticks)
        self.n_latent: dict[int, np.ndarray] = {}

    def __call__(self, t: int, _core: Any, learner: Any) -> None:
        if t in self.ticks and hasattr(learner, "n_latent"):
            self.n_latent[t] = np.asarray(learner.n_latent).copy()


def run_arm(name: str, over: Mapping[str, float], spans: Sequence[tuple[int, Mapping[str, float]]],
            n: int, rng: np.random.Generator, mark: Sequence[int] = (),
            masks: Mapping[int, np.ndarray] | None = None, keep_individual: bool | int = True,
            ) -> tuple[RolloutResult, ChoiceStates, StatesAt, Any]:
    """One arm of a substance-task protocol: learner ``name`` with ``over`` through the
    phases ``spans``; returns the rollout, the choice-state log, the states in use at the
    ticks ``mark`` and the learner."""
    core = SubstanceCore(n)
    learner = learner_for(name, core, **over)
    ticks = sum(length for length, _ in spans)
    log, states = ChoiceStates(ticks, n), StatesAt(*mark)
    res = rollout(learner, core, ticks, rng, phases(*spans), hook=states,
                  keep_individual=keep_individual, masks=masks, after=log)
    return res, log, states, learner


def modal_state(z: np.ndarray) -> np.ndarray:
    """Each individual's most frequent state in ``z`` (T, N) (the lowest of equals)."""
    z = np.asarray(z, dtype=np.int64)
    k = int(z.max()) + 1 if z.size else 1
    counts = np.zeros((z.shape[1], k), dtype=np.int64)
    np.add.at(counts, (np.broadcast_to(np.arange(z.shape[1]), z.shape), z), 1)
    return counts.argmax(axis=1)


def acting_state(log: ChoiceStates, acq_end: int, test_start: int, n_before_test: np.ndarray,
                 t_crit: np.ndarray, hit: np.ndarray,
                 n_at_acq_end: np.ndarray | None = None) -> dict[str, Any]:
    """Where individuals act when they reach the criterion (tick ``test_start + t_crit``):
    in the acquisition state (their modal choice state over the last ``ACQUISITION_TAIL``
    ticks of acquisition, which ends at ``acq_end``), in a state created during the test
    phase (slot >= ``n_before_test``, the states in use when it began), or in another state.
    Shares among those who reach it, with Wilson intervals. With ``n_at_acq_end`` (the
    states in use when acquisition ended), ``other`` is split into ``other_acquisition``
    (another state the acquisition phase made, e.g. one opened early in it) and
    ``other_later`` (opened between acquisition and the test, e.g. in extinction); the
    verdict reads only the acquisition state itself."""
    acq = modal_state(log.z[max(0, acq_end - ACQUISITION_TAIL):acq_end])
    idx = np.flatnonzero(hit)
    z = log.z[test_start + t_crit[idx], idx].astype(np.int64)
    kinds = np.where(z == acq[idx], 0, np.where(z >= n_before_test[idx], 1, 2))
    out: dict[str, Any] = {"n": int(hit.size), "reached": int(idx.size)}
    shares = {"acquisition": kinds == 0, "created_in_test": kinds == 1, "other": kinds == 2}
    if n_at_acq_end is not None:
        early = z < n_at_acq_end[idx]
        shares["other_acquisition"] = (kinds == 2) & early
        shares["other_later"] = (kinds == 2) & ~early
    for name, where in shares.items():
        k = int(where.sum())
        out[name] = k / idx.size if idx.size else None
        out[f"{name}_ci"] = wilson(k, int(idx.size))
    return out


def effect(value: float, ci: Sequence[float | None]) -> dict[str, Any]:
    """An effect's value and 95% interval, the form :func:`verdict` reads."""
    return {"value": float(value), "ci": (None if ci[0] is None else float(ci[0]),
                                          None if ci[1] is None else float(ci[1]))}


MIN_EFFECT = 0.05  # the smallest effect that counts, on the probability (fraction) scale


def present(e: Mapping[str, Any] | None, minimum: float = MIN_EFFECT) -> bool:
    """The effect is there: its interval lies above 0 and it is at least ``minimum`` (a
    difference of 0.002 in P(addictive) can be certain and still mean nothing)."""
    return (e is not None and e["ci"][0] is not None and e["ci"][0] > 0.0
            and e["value"] >= minimum)


def proportion_difference(k1: int, n1: int, k2: int, n2: int) -> dict[str, Any]:
    """k1/n1 - k2/n2 with Newcombe's hybrid score interval (from the two Wilson intervals)."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson(k1, n1)
    l2, u2 = wilson(k2, n2)
    d = p1 - p2
    lo = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    hi = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return effect(d, (round(float(lo), 12), round(float(hi), 12)))


def verdict(effects: Mapping[str, Mapping[str, Any] | None],
            acting: Mapping[str, Any] | None, success: str = "by retrieval") -> dict[str, Any]:
    """The row of the reproductions table for one effect (``success``: the label when every
    rule holds; "by retrieval" for an effect of the acquisition state recognised again).

    ``effects`` maps arm labels (``dual_process``, ``dual_process/reward-constant``,
    ``dual_process/history off``, ``dual_process/new values zero``, ``model-free``) to the
    effect in that arm (:func:`effect`; None where the arm does not apply); ``acting`` is
    :func:`acting_state` of the main arm (None where the protocol has no criterion).
    """
    main = effects.get("dual_process")
    if not present(main):
        return {"label": "not reproduced", "causes": ["no effect in the main arm"]}
    causes = []
    rc = effects.get("dual_process/reward-constant")
    if rc is not None and not present(rc):
        causes.append("the natural reward's change at the phase boundary (gone when it is "
                      "kept constant)")
    if acting is not None and acting["reached"]:
        low = acting["acquisition_ci"][0]
        if low <= 0.5:
            kinds = ("created_in_test", "other_acquisition", "other_later") \
                if "other_acquisition" in acting else ("created_in_test", "other")
            other = max(kinds, key=lambda k: acting[k] or 0.0)
            where = {"created_in_test": "states created during the test",
                     "other_acquisition": "another state opened during acquisition",
                     "other_later": "a state opened after acquisition (in extinction)",
                     "other": "states other than the acquisition state"}[other]
            causes.append(f"the acquisition state is not where most act at criterion "
                          f"({100 * acting['acquisition']:.0f}%; {100 * acting[other]:.0f}% "
                          f"in {where})")
    mf = effects.get("model-free")
    if present(mf):
        causes.append("present without situation recognition (the model-free learner)")
    zero = effects.get("dual_process/new values zero")
    if zero is not None and not present(zero):
        causes.append("the new-state value rule (gone with new states valued at zero)")
    history = effects.get("dual_process/history off")
    carried = None
    if history is not None:
        carried = ("the negative-error history (gone with it off)" if not present(history)
                   else "the cue and outcome features (present with the history off)")
    if causes:
        return {"label": "by another cause", "causes": causes, "carried_by": carried}
    return {"label": success, "causes": [], "carried_by": carried}


ArmRunner = Callable[[str, dict[str, float], bool], Any]

__all__ = ["ACQUISITION_TAIL", "CONSTANT_REWARD", "DUAL_ARMS", "MIN_EFFECT", "MODEL_FREE_ARM",
           "ArmRunner",
           "ChoiceStates", "StatesAt", "acting_state", "effect", "modal_state", "present",
           "proportion_difference", "reward_constant", "run_arm", "verdict"]
