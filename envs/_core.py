"""The batched core shared by every addsim task: N individuals, one array per quantity.

A task core holds the discrete state of N individuals (shape (N,)) and per-individual
*conditions* (shape (N,) arrays such as "drug available" or "win probability") that a protocol
or the population engine may change between ticks. A step is split gymnax-style: the random
numbers are drawn first (:meth:`TaskCore.draw`), then a pure transition consumes them
(:meth:`TaskCore.step`), so a batched run and a one-individual reference can share draws.

The two Gymnasium faces (``gymnasium.Env`` for one individual and ``gymnasium.vector.VectorEnv``
for N) wrap the same core; the population engine calls the core directly.

A host that drives the task (the population engine) does not write into it: it hands the
task its inputs for the step, one (N,) array per condition it sets (who has the drug
available, the social context, the natural reward of the tick, ...), as one mapping to
:meth:`TaskCore.step` and :meth:`TaskCore.cue`; those override the task's own conditions for
that call only, and the transition reports who used (:attr:`Transition.used`).

One implementation per task: a task whose step is on the population's hot path (substance,
gambling) writes its transition and cue once, as a kernel over individuals in its own module
(compiled by numba, plain Python under ``ADDSIM_NUMBA=0``); the others write them as numpy
expressions. The independent oracle both are checked against is tests/reference.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from addsim._errors import did_you_mean

KERNEL_CHUNK = 4096  # individuals per parallel work item of a task's kernel


@dataclass(frozen=True)
class Condition:
    """A per-individual condition of a task: its default and the interval it must lie in."""

    default: float
    low: float
    high: float
    doc: str


@dataclass
class Draws:
    """The random numbers of one step, drawn before the (pure) transition consumes them."""

    normals: np.ndarray  # (N, n_normals)
    uniforms: np.ndarray  # (N, n_uniforms)

    def take(self, i: int | slice | np.ndarray) -> Draws:
        """The draws of one individual (or a subset), as a batch of its own."""
        idx = np.atleast_1d(np.arange(self.normals.shape[0])[i])
        return Draws(self.normals[idx], self.uniforms[idx])


@dataclass
class Transition:
    """What one batched step returns; every field has shape (N,)."""

    reward: np.ndarray  # float64 reward (natural part only; the surge belongs to the learner)
    next_state: np.ndarray  # int64 state index after the step
    drug: np.ndarray  # bool: this step delivered the drug (addictive action, drug available)
    addictive: np.ndarray  # bool: the action taken was the task's addictive action
    optimal: np.ndarray  # bool: the action was optimal for the natural (non-drug) rewards
    # bool: the addictive action delivered what it offers (the drug taken, the bet placed);
    # None: the drug (the tasks whose addictive outcome is the drug)
    used: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.used is None:
            self.used = self.drug


class TaskCore:
    """Base of the batched task cores; subclasses define states, conditions and the transition.

    Vectorization contract: every method works on all N individuals at once; an individual is
    index ``i`` of each array. ``N = 1`` is the same code.
    """

    name: ClassVar[str]
    n_states: ClassVar[int]
    n_actions: ClassVar[int]
    cue_dim: ClassVar[int]
    choice_state: ClassVar[int] = 0
    addictive_action: ClassVar[int] = 1
    # ticks from one addictive choice to the next possible one: the choice, then a tick in the
    # state it leads to (the drug state, a bet's outcome) before the choice state again. A
    # window of w ticks holds at most w / use_ticks uses (the status rule's reachable uses).
    use_ticks: ClassVar[int] = 2
    n_normals: ClassVar[int]  # standard normals drawn per individual per step (rewards)
    n_uniforms: ClassVar[int] = 0  # uniforms drawn per individual per step (coins)
    conditions_spec: ClassVar[dict[str, Condition]]
    state_names: ClassVar[tuple[str, ...]]
    action_names: ClassVar[tuple[str, ...]]
    version: ClassVar[int] = 0  # the Gymnasium id's -vN, bumped when behaviour changes
    # Baseline attention of each cue feature (1: fully salient). An outcome feature a task
    # shows faintly has a lower weight here: a latent-state learner attends to it at baseline
    # only that much, until its negative-error history raises attention (Pettine 2023's w_A).
    cue_salience: ClassVar[tuple[float, ...] | None] = None
    # conditions set at construction only (derived state depends on them): not inputs
    fixed_conditions: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def salience(cls) -> tuple[float, ...]:
        """Baseline attention per cue feature (``cue_salience``, or 1 for every feature)."""
        return cls.cue_salience if cls.cue_salience is not None else (1.0,) * cls.cue_dim

    def __init__(self, n: int, **conditions: float | np.ndarray) -> None:
        if int(n) != n or n < 1:
            raise ValueError(f"n: got {n!r}, expected a whole number >= 1")
        self.n = int(n)
        self._now: Mapping[str, np.ndarray] | None = None
        self._input_keys = frozenset(self.conditions_spec) - frozenset(self.fixed_conditions)
        self.state = np.full(self.n, self.choice_state, dtype=np.int64)
        self.conditions: dict[str, np.ndarray] = {
            key: np.full(self.n, spec.default, dtype=np.float64)
            for key, spec in self.conditions_spec.items()
        }
        for key, value in conditions.items():
            self.set_condition(key, value)

    # ------------------------------------------------------------------ conditions
    def set_condition(
        self, key: str, value: float | np.ndarray, index: np.ndarray | slice | None = None
    ) -> None:
        """Set condition ``key`` for all individuals (or those in ``index``), validated."""
        spec = self.conditions_spec.get(key)
        if spec is None:
            allowed = sorted(self.conditions_spec)
            raise ValueError(
                f"{self.name} condition {key!r} is unknown; allowed: {', '.join(allowed)}"
                + did_you_mean(key, allowed)
            )
        arr = np.asarray(value, dtype=np.float64)
        self._check_range(key, spec, arr)
        target = self.conditions[key]
        if index is None:
            target[...] = arr
        else:
            target[index] = arr

    def _check_range(self, key: str, spec: Condition, arr: np.ndarray) -> None:
        """Raise a one-line error unless every value of ``arr`` is finite and in the
        condition's interval."""
        # min and max (NaN propagates into both): two passes, no temporaries
        lo, hi = (arr.min(), arr.max()) if arr.size else (spec.low, spec.high)
        if not (np.isfinite(lo) and np.isfinite(hi) and spec.low <= lo and hi <= spec.high):
            bad = arr[~((arr >= spec.low) & (arr <= spec.high))]
            shown = float(bad.flat[0] if bad.size else arr.flat[0])
            raise ValueError(
                f"{self.name} condition {key}: got {shown!r}, expected a value in "
                f"[{spec.low}, {spec.high}] ({spec.doc})"
            )

    def in_force(self, inputs: Mapping[str, np.ndarray] | None = None,
                 check: bool = True) -> Mapping[str, np.ndarray]:
        """The conditions in force for one step: the task's own, each overridden by the
        host's input of that name (an (N,) float array; the task's own are not written).
        Unknown names, conditions fixed at construction (``fixed_conditions``) and wrong
        shapes are refused; with ``check`` the values are range-checked as
        :meth:`set_condition` does (a host whose inputs are valid by construction may skip
        that)."""
        if not inputs:
            return self.conditions
        if not inputs.keys() <= self._input_keys:
            key = next(k for k in inputs if k not in self._input_keys)
            allowed = sorted(self._input_keys)
            raise ValueError(
                f"{self.name} input {key!r} is not a condition a host may set; allowed: "
                f"{', '.join(allowed)}" + did_you_mean(key, allowed))
        shape = (self.n,)
        for key, value in inputs.items():
            if np.shape(value) != shape:
                raise ValueError(f"{self.name} input {key}: got shape {np.shape(value)}, "
                                 f"expected ({self.n},)")
            if check:
                self._check_range(key, self.conditions_spec[key],
                                  np.asarray(value, dtype=np.float64))
        return {**self.conditions, **inputs}

    @property
    def now(self) -> Mapping[str, np.ndarray]:
        """The conditions in force for the step or cue being computed (:meth:`in_force`);
        the task's own outside one."""
        return self._now if self._now is not None else self.conditions

    def __getitem__(self, key: str) -> np.ndarray:
        return self.conditions[key]

    # ------------------------------------------------------------------ dynamics
    def reset(self, index: np.ndarray | None = None) -> None:
        """Put individuals (all, or a boolean/int index) back in the choice state, with any
        continuous state of the task (a dose trace, a pending payout) cleared."""
        where = slice(None) if index is None else index
        self.state[where] = self.choice_state
        for arr in self._continuous().values():
            arr[where] = 0.0

    def _continuous(self) -> dict[str, np.ndarray]:
        """The task's continuous per-individual state besides ``state`` (none by default)."""
        return {}

    def draw(self, rng: np.random.Generator) -> Draws:
        """Draw this step's random numbers: (N, n_normals) normals and (N, n_uniforms) uniforms."""
        return Draws(
            rng.standard_normal((self.n, self.n_normals)), rng.random((self.n, self.n_uniforms))
        )

    def check_actions(self, action: np.ndarray) -> np.ndarray:
        """Return ``action`` as int64 (N,), or raise a clear error for an invalid action."""
        a = np.asarray(action)
        if a.shape != (self.n,):
            raise ValueError(f"action: got shape {a.shape}, expected ({self.n},)")
        if not np.issubdtype(a.dtype, np.integer):
            if not np.all(np.mod(a, 1) == 0):
                raise ValueError(
                    f"action: got {a!r}, expected integers in [0, {self.n_actions}) "
                    f"({', '.join(f'{i}={n}' for i, n in enumerate(self.action_names))})"
                )
        a = a.astype(np.int64, copy=False)
        if a.size and (a.min() < 0 or a.max() >= self.n_actions):  # (no temporaries)
            bad = (a < 0) | (a >= self.n_actions)
            raise ValueError(
                f"action: got {a[bad][0]}, expected an integer in [0, {self.n_actions}) "
                f"({', '.join(f'{i}={n}' for i, n in enumerate(self.action_names))})"
            )
        return a

    def step(self, action: np.ndarray, draws: Draws,
             inputs: Mapping[str, np.ndarray] | None = None, check: bool = True) -> Transition:
        """Advance every individual one step with pre-drawn ``draws``, under the host's
        ``inputs`` for this step (:meth:`in_force`); updates ``state``."""
        a = self.check_actions(action)
        self._now = self.in_force(inputs, check)
        try:
            tr = self._transition(np.asarray(self.state, np.int64), a, draws)
        finally:
            self._now = None
        self.state = tr.next_state
        return tr

    def _transition(self, s: np.ndarray, a: np.ndarray, d: Draws) -> Transition:
        """The task's transition from states ``s`` under actions ``a`` with draws ``d`` and
        the conditions in force (:attr:`now`); pure but for the task's continuous state,
        which it advances."""
        raise NotImplementedError

    def _outputs(self) -> tuple[np.ndarray, ...]:
        """Fresh reward (float64), next state (int64) and three bool (N,) arrays to fill."""
        n = self.n
        return (np.empty(n), np.empty(n, np.int64), np.empty(n, bool), np.empty(n, bool),
                np.empty(n, bool))

    # ------------------------------------------------------------------ observations
    def cue(self, noise: np.ndarray | None = None,
            inputs: Mapping[str, np.ndarray] | None = None, check: bool = True) -> np.ndarray:
        """The cue vector each individual sees in its current state, shape (N, cue_dim),
        under the host's ``inputs`` (:meth:`in_force`).

        ``noise`` is (N, cue_dim) standard normals (scaled by the ``cue_noise`` condition);
        None gives the noiseless cue (zero noise: the same numbers, as the level is finite).
        """
        shape = (self.n, self.cue_dim)
        if noise is None:
            z = np.zeros(shape)
        elif (isinstance(noise, np.ndarray) and noise.shape == shape
              and noise.dtype == np.float64 and noise.flags.c_contiguous):
            z = noise  # the usual case: the stepper's own buffer, used as it is
        else:
            z = np.ascontiguousarray(np.broadcast_to(noise, shape), dtype=np.float64)
        self._now = self.in_force(inputs, check)
        try:
            return self._cue(np.asarray(self.state, np.int64), z)
        finally:
            self._now = None

    def _cue(self, s: np.ndarray, noise: np.ndarray) -> np.ndarray:
        """The noisy cue of states ``s``: ``cue_noise * noise`` plus the noiseless cue (numpy
        form; a task with a kernel overrides this)."""
        level = self.now["cue_noise"]
        if level.min() == level.max():  # one level for all: a scalar multiply, same numbers
            x = level[0] * noise  # (numpy broadcasts (N, 1) over d = 4 ~3x slower)
        else:
            x = level[:, None] * noise
        self._add_clean_cue(x, s)  # noise + cue, added in place (one (N, d) array)
        return x

    def _add_clean_cue(self, x: np.ndarray, s: np.ndarray) -> None:
        """Add the noiseless cue of states ``s`` to ``x`` (N, cue_dim), column by column,
        under the conditions in force (:attr:`now`)."""
        raise NotImplementedError
