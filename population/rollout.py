"""The batched rollout: one learner, one task core, N individuals, T ticks, a schedule.

This is the population engine's inner loop for a cohort (a population without edges whose
conditions come from a protocol schedule). Per tick, in DESIGN.md's order:

1. schedule: set conditions that change at this tick (cue shown, drug available, rewards);
2. observe: each learner classifies its observation (state index, or noisy cue -> latent
   state) and learns the previous transition, whose next state is the one just classified;
3. act: softmax choice for all individuals from pre-drawn uniforms;
4. step: the batched core returns reward, next state and whether the drug was delivered;
5. record: the policy's probability of the addictive action at the choice state, values.

Randomness comes from one Generator split into sub-streams (environment, cue noise, action
and state choices), so the same seed gives the same run. Normals (cue noise, rewards) come
from two child streams each, one per half of the individuals; uniforms come from one stream,
its second half drawn from a copy advanced past the first (:func:`split_random`). Both are
filled in two threads when N is large (numpy releases the GIL while filling): the numbers
never depend on the threads. A :class:`Streams` in place of the Generator runs several seeds'
individuals side by side, each block drawing exactly what its own seed draws alone.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from addsim.agents import Learner
from addsim.envs._core import Draws, TaskCore, Transition

Schedule = Mapping[int, Mapping[str, float | np.ndarray]]
TickHook = Callable[[int, TaskCore, Learner], None]


@dataclass
class Trace:
    """Per-tick arrays of one rollout (T, N, ...), for replaying against a reference."""

    obs: list[np.ndarray] = field(default_factory=list)
    u_state: list[np.ndarray] = field(default_factory=list)
    u_act: list[np.ndarray] = field(default_factory=list)
    z: list[np.ndarray] = field(default_factory=list)
    action: list[np.ndarray] = field(default_factory=list)
    reward: list[np.ndarray] = field(default_factory=list)
    drug: list[np.ndarray] = field(default_factory=list)
    q: list[np.ndarray] = field(default_factory=list)


@dataclass
class RolloutResult:
    """What a rollout records: per-tick means over individuals and final per-individual values."""

    p_addictive: np.ndarray  # (T,) mean P(addictive action | choice state)
    q_addictive: np.ndarray  # (T,) mean Q(choice, addictive)
    q_natural: np.ndarray  # (T,) mean Q(choice, other action)
    p_final: np.ndarray  # (N,) each individual's P(addictive | choice) at the end
    drug_delta_minus_surge: float  # min over drug steps of delta - D (Redish: >= 0)
    addictive_choices: np.ndarray  # (T,) fraction choosing the addictive action at choice
    p_individual: np.ndarray | None = None  # (T, N), or the last k ticks, when asked
    advantage_individual: np.ndarray | None = None  # the same for Q(add) - Q(other)
    trace: Trace | None = None


@dataclass
class TickOut:
    """What one tick of a :class:`Stepper` produced, per individual (N,)."""

    z: np.ndarray  # the state (index or latent) the individual acted in
    action: np.ndarray
    at_choice: np.ndarray  # bool: the individual was in the task's choice state
    p_addictive: np.ndarray  # policy's P(addictive action) in z (unmasked)
    transition: Transition


SPLIT_THREADS_MIN = 1 << 15  # individuals from which the two halves are filled in threads
_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    """The one helper thread (created on first use) that fills random numbers alongside."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="addsim-normals")
    return _POOL


def _forget_pool() -> None:
    """In a forked child: the parent's helper thread does not exist there, so a job sent to
    its pool would wait forever; the child makes its own on first use."""
    global _POOL
    _POOL = None


os.register_at_fork(after_in_child=_forget_pool)


_ADVANCE_BY_DRAWS = (np.random.PCG64, np.random.PCG64DXSM)  # advance(k) skips k 64-bit draws


class Streams:
    """Independent generators side by side, one per block of consecutive individuals: one
    rollout of several seeds at once (a protocol's runs on several seeds: the Python work of
    a tick is paid once for all of them), in which every block draws exactly what its own
    generator draws in a rollout of that block alone (tests/test_speed_accuracy.py's
    test_seeds_side_by_side_* and test_streams_*). It offers what
    a :class:`Stepper` asks of a Generator: ``spawn`` (children block by block), and
    :func:`split_random` and :class:`SplitNormals` fill each block's rows from its own."""

    def __init__(self, generators: Sequence[np.random.Generator], sizes: Sequence[int]) -> None:
        if len(generators) != len(sizes) or not generators:
            raise ValueError(f"Streams: {len(generators)} generators for {len(sizes)} blocks "
                             "(one generator per block, at least one)")
        self.generators = tuple(generators)
        self.sizes = tuple(int(k) for k in sizes)
        self.bounds = tuple(int(b) for b in np.cumsum((0, *self.sizes)))

    @property
    def n(self) -> int:
        """The individuals of all blocks."""
        return self.bounds[-1]

    def spawn(self, k: int) -> list[Streams]:
        """``k`` child Streams: the j-th holds every block's j-th child generator."""
        kids = [g.spawn(k) for g in self.generators]
        return [Streams([c[j] for c in kids], self.sizes) for j in range(k)]

    def rows(self) -> list[slice]:
        """Each block's rows."""
        return [slice(lo, hi) for lo, hi in zip(self.bounds[:-1], self.bounds[1:], strict=True)]


Random = np.random.Generator | Streams


def split_random(
    rng: Random, shape: int | tuple[int, ...], threaded: bool | None = None
) -> np.ndarray:
    """``rng.random(shape)``, the same numbers and the same generator state afterwards, with the
    second half drawn in the helper thread for large N (``threaded`` None: from
    ``SPLIT_THREADS_MIN`` rows on).

    A float64 uniform takes exactly one 64-bit draw, so the second half is what a copy of the
    bit generator advanced past the first half draws; the generator then takes the copy's
    state, as if it had drawn everything itself. Only the PCG64 family's ``advance`` counts
    single 64-bit draws (Philox's counts blocks of four): other bit generators draw in one call.
    """
    out = np.empty(shape)
    if isinstance(rng, Streams):  # each block's rows from its own generator
        if out.shape[0] != rng.n:
            raise ValueError(f"{out.shape[0]} rows for Streams of {rng.n} individuals")
        for g, rows_of in zip(rng.generators, rng.rows(), strict=True):
            _fill_random(g, out[rows_of], threaded)  # consecutive rows: a contiguous view
    else:
        _fill_random(rng, out, threaded)
    return out


def _fill_random(rng: np.random.Generator, out: np.ndarray, threaded: bool | None) -> None:
    """:func:`split_random` for one generator, into ``out`` (C-contiguous)."""
    flat = out.reshape(-1)
    rows = out.shape[0] if out.ndim else 1
    bit = rng.bit_generator
    if threaded is None:
        threaded = rows >= SPLIT_THREADS_MIN
    if not threaded or flat.size < 2 or not isinstance(bit, _ADVANCE_BY_DRAWS):
        rng.random(out=flat)
        return
    h = flat.size // 2
    twin = type(bit)(0)
    twin.state = bit.state
    twin.advance(h)
    job = _pool().submit(np.random.Generator(twin).random, out=flat[h:])
    rng.random(out=flat[:h])
    job.result()
    bit.state = twin.state


class SplitNormals:
    """Standard normals for N individuals: rows [0, N/2) from one child stream, the rest from
    another, filled concurrently for large N. Same numbers with or without the thread."""

    def __init__(self, rng: Random, n: int) -> None:
        self.blocks: list[tuple[slice, SplitNormals]] | None = None
        if isinstance(rng, Streams):  # each block's rows as its own SplitNormals
            if n != rng.n:
                raise ValueError(f"{n} individuals for Streams of {rng.n}")
            self.blocks = [(rows, SplitNormals(g, k)) for g, k, rows
                           in zip(rng.generators, rng.sizes, rng.rows(), strict=True)]
            return
        self.low, self.high = rng.spawn(2)
        self.half = n // 2
        self.threaded = n >= SPLIT_THREADS_MIN

    def fill(self, out: np.ndarray) -> np.ndarray:
        """Fill ``out`` (N, k), C-contiguous, with standard normals and return it."""
        if self.blocks is not None:
            for rows, block in self.blocks:
                block.fill(out[rows])
            return out
        h = self.half
        if self.threaded:
            job = _pool().submit(self.high.standard_normal, out=out[h:])
            self.low.standard_normal(out=out[:h])
            job.result()
        else:
            self.low.standard_normal(out=out[:h])
            self.high.standard_normal(out=out[h:])
        return out


class Stepper:
    """One learner on one task core, advanced a tick at a time: the engine's single code path.

    Per tick: observe (classify) the current state or cue, learn the previous transition
    whose next state is the one just classified, act (optionally masked), step the core.
    """

    def __init__(self, learner: Learner, core: TaskCore, rng: Random) -> None:
        if learner.n != core.n:
            raise ValueError(f"learner has {learner.n} individuals, the task {core.n}")
        self.learner, self.core = learner, core
        self.env_rng, self.cue_rng, self.state_rng, self.act_rng = rng.spawn(4)
        n = core.n
        self._cue_normals = SplitNormals(self.cue_rng, n)
        self._env_normals = SplitNormals(self.env_rng, n)
        self._reward_noise = np.empty((n, core.n_normals))
        self.pending: tuple[np.ndarray, ...] | None = None
        self.min_drug_gap = np.inf  # min over drug steps of delta - D (Redish: >= 0)
        self._surge = getattr(learner.p, "surge", None)
        self._noise: np.ndarray | None = None  # cue-noise buffer, filled each tick

    def _cue_noise(self) -> np.ndarray | None:
        """This tick's cue noise for a cue learner (None otherwise), in a reused buffer: the
        same numbers as a fresh array, without allocating (N, d) each tick."""
        if not self.learner.uses_cue:
            return None
        if self._noise is None:
            self._noise = np.empty((self.core.n, self.core.cue_dim))
        return self._cue_normals.fill(self._noise)

    def _observation(self, noise: np.ndarray | None,
                     inputs: Mapping[str, np.ndarray] | None = None,
                     check: bool = True) -> np.ndarray:
        """What the learner observes: the noisy cue (under the host's ``inputs``), or the
        state index."""
        if self.learner.uses_cue:
            return self.core.cue(noise, inputs, check)
        return self.core.state.copy()

    def _draws(self) -> tuple[np.ndarray, np.ndarray, Draws]:
        """This tick's state-choice and action uniforms and the task's draws (each from its own
        stream, each filled in two threads for large N: the numbers never depend on it)."""
        n = self.core.n
        normals = self._env_normals.fill(self._reward_noise)
        return (split_random(self.state_rng, n), split_random(self.act_rng, n),
                Draws(normals, split_random(self.env_rng, (n, self.core.n_uniforms))))

    def _classify(self, obs: np.ndarray, u_state: np.ndarray) -> np.ndarray:
        """Classify ``obs`` and learn the pending transition into the state found; returns z."""
        learner = self.learner
        z = learner.observe(obs, u_state)
        if self.pending is not None:
            s, a, r, drug, x = self.pending
            step = learner.learn(s, a, r, z, drug, cue=x)
            if self._surge is not None and drug.any():
                gap = float((step.delta - self._surge)[drug].min())
                self.min_drug_gap = min(self.min_drug_gap, gap)
            self.pending = None
        return z

    def observe(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Classify the current observation and learn the pending transition; returns z."""
        obs = self._observation(self._cue_noise())
        u_state = split_random(self.state_rng, self.core.n)
        return self._classify(obs, u_state), obs, u_state

    def tick(self, mask: np.ndarray | None = None,
             inputs: Mapping[str, np.ndarray] | None = None, check: bool = True,
             ) -> tuple[TickOut, np.ndarray, np.ndarray, np.ndarray]:
        """Observe, learn, act (``mask`` (N, A) marks allowed actions) and step the core,
        the task under the host's ``inputs`` for this tick (:meth:`TaskCore.in_force
        <envs._core.TaskCore.in_force>`; ``check``: range-check them)."""
        learner, core = self.learner, self.core
        obs = self._observation(self._cue_noise(), inputs, check)
        u_state, u_act, draws = self._draws()
        z = self._classify(obs, u_state)
        at_choice = core.state == core.choice_state
        a, p_add = learner.act_and_p(z, u_act, core.addictive_action, mask)
        out = core.step(a, draws, inputs, check)
        self.pending = (z, a, out.reward, out.drug, obs if learner.uses_cue else None)
        return TickOut(z, a, at_choice, p_add, out), obs, u_state, u_act


def rollout(
    learner: Learner,
    core: TaskCore,
    ticks: int,
    rng: Random,
    schedule: Schedule | None = None,
    hook: TickHook | None = None,
    keep_individual: bool | int = False,
    trace: bool = False,
    masks: Mapping[int, np.ndarray] | None = None,
    after: Callable[[int, TickOut], None] | None = None,
) -> RolloutResult:
    """Run ``learner`` on ``core`` for ``ticks`` ticks; ``schedule`` maps tick -> conditions.

    ``keep_individual``: True keeps per-individual P and advantage for every tick, an int k
    for the last k ticks only (memory: 8 bytes x N x k). ``masks`` maps tick -> allowed
    actions (N, A) or (A,) for that tick (e.g. a forced, experimenter-given drug exposure).
    ``after(t, out)`` sees each tick's :class:`TickOut` (the latent state each acted in).
    """
    masks = masks or {}
    stepper = Stepper(learner, core, rng)
    n, addictive = core.n, core.addictive_action
    schedule = schedule or {}
    tr = Trace() if trace else None
    p_mean, q_add, q_nat, chose = (np.empty(ticks) for _ in range(4))
    kept = 0 if keep_individual is False else (
        ticks if keep_individual is True else min(int(keep_individual), ticks)
    )
    first_kept = ticks - kept
    p_ind = np.empty((kept, n), dtype=np.float32) if kept else None
    two = core.n_actions == 2
    adv_ind = np.empty((kept, n), dtype=np.float32) if kept and two else None
    p_last = np.zeros(n)
    q_last = np.zeros((n, core.n_actions))
    for t in range(ticks):
        for key, value in schedule.get(t, {}).items():
            core.set_condition(key, value)
        if hook is not None:
            hook(t, core, learner)
        mask = masks.get(t)
        if mask is not None:
            mask = np.broadcast_to(np.asarray(mask, dtype=bool), (n, core.n_actions))
        out, obs, u_state, u_act = stepper.tick(mask)
        if after is not None:
            after(t, out)
        at = out.at_choice
        idx = np.flatnonzero(at)
        p_last[idx] = out.p_addictive[idx]
        q_last[idx] = learner.q[idx, out.z[idx]]
        # means as sum / count: what ndarray.mean computes, without its per-call overhead
        p_mean[t] = np.add.reduce(p_last) / n
        q_add[t] = np.add.reduce(q_last[:, addictive]) / n
        q_nat[t] = np.add.reduce(q_last[:, 1 - addictive]) / n if two else np.nan
        chose[t] = (np.count_nonzero(out.action[idx] == addictive) / idx.size if idx.size
                    else np.nan)
        if p_ind is not None and t >= first_kept:
            p_ind[t - first_kept] = p_last
        if adv_ind is not None and t >= first_kept:
            adv_ind[t - first_kept] = q_last[:, addictive] - q_last[:, 1 - addictive]
        if tr is not None:
            tr.obs.append(obs)
            tr.u_state.append(u_state)
            tr.u_act.append(u_act)
            tr.z.append(out.z)
            tr.action.append(out.action)
            tr.reward.append(out.transition.reward)
            tr.drug.append(out.transition.drug)
            q = learner.q
            cap = getattr(learner, "capacity", q.shape[1])
            # slots not yet allocated hold Q = 0, as a fresh slot does
            tr.q.append(np.pad(q, ((0, 0), (0, cap - q.shape[1]), (0, 0))))
    for key, value in schedule.get(ticks, {}).items():
        core.set_condition(key, value)
    stepper.observe()  # learn the last transition
    return RolloutResult(
        p_addictive=p_mean,
        q_addictive=q_add,
        q_natural=q_nat,
        p_final=p_last.copy(),
        drug_delta_minus_surge=stepper.min_drug_gap,
        addictive_choices=chose,
        p_individual=p_ind,
        advantage_individual=adv_ind,
        trace=tr,
    )


def first_crossing(series: np.ndarray, level: float, start: int = 0) -> int:
    """Ticks from ``start`` until ``series`` first reaches ``level`` (len - start if never)."""
    hits = np.flatnonzero(series[start:] >= level)
    return int(hits[0]) if hits.size else len(series) - start


def phases(*spans: tuple[int, Mapping[str, float]]) -> dict[int, Mapping[str, float]]:
    """Build a schedule from consecutive (length, conditions) spans: tick -> conditions."""
    out: dict[int, Mapping[str, float]] = {}
    t = 0
    for length, cond in spans:
        out[t] = cond
        t += length
    return out


__all__: Sequence[str] = [
    "RolloutResult", "Stepper", "Streams", "TickOut", "Trace", "first_crossing", "phases",
    "rollout", "split_random",
]
