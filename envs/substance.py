"""Substance use: the two-state choice task of the report (docs/model/tasks.md).

Description
    In the choice state ``s0`` an individual either takes the natural reward (action 0,
    stays in ``s0``, r0 ~ N(10, 2)) or the addictive action (action 1, moves to ``s1``,
    r1 ~ N(-3, 1)). From ``s1`` either action returns to ``s0`` with r2 ~ N(-5, 3). When the
    drug is available, the addictive action delivers the drug: the learner adds its dopamine
    surge D (Redish 2004); the environment only reports ``drug``. The natural reward is always
    the better choice, so the addictive action is never "optimal".

States / cue
    The observation is either the state index or a noisy cue vector
    ``[is_s0, is_s1, drug_cue, context, dose] + cue_noise * N(0, 1)`` where ``drug_cue`` is 1
    when the cue is shown (acquisition) and 0 when absent (extinction), ``context`` is a
    free feature (the social context of use in a population; a constant in cohort protocols),
    and ``dose`` is the interoceptive trace of recent doses: 1 on the step that delivers the
    drug, then halved every ``dose_half_life`` ticks (``dose <- dose * 0.5 ** (1 / h)``, set to
    1 by a dose). The outcome of use is part of what the individual observes, as the
    unconditioned stimulus is a feature of the latent cause in Gershman, Blei and Niv (2010,
    "Context, learning, and extinction", Psychol Rev): a dose after extinction makes the cue
    resemble the acquisition situation again.

Conditions (per individual, changeable between ticks)
    ``drug_available``, ``cue_shown``, ``context``, ``r0_mean``/``r0_sd``, ``r1_mean``/``r1_sd``,
    ``r2_mean``/``r2_sd``, ``cue_noise``, ``dose_half_life``.

References
    Redish (2004) Science 306:1944; the report's "standard" environment design; Gershman, Blei
    and Niv (2010) Psychol Rev 117:197 (the outcome as an observed feature).
"""

from __future__ import annotations

import numpy as np

from addsim._jit import jit_parallel, prange
from addsim.envs._core import KERNEL_CHUNK as CHUNK
from addsim.envs._core import Condition, Draws, TaskCore, Transition
from addsim.envs._gym import CoreEnv, CoreVectorEnv


class SubstanceCore(TaskCore):
    """Batched core of the substance task; see the module docstring."""

    name = "Substance"
    version = 1  # v1: the dose feature (fifth cue feature)
    n_states = 2
    n_actions = 2
    cue_dim = 5
    n_normals = 1  # one reward normal per step, scaled by the transition taken
    state_names = ("s0_choice", "s1_drug")
    action_names = ("natural", "addictive")
    fixed_conditions = ("dose_half_life",)  # its per-tick factor is derived once
    conditions_spec = {
        "drug_available": Condition(1.0, 0.0, 1.0, "1 when the addictive action delivers the drug"),
        "cue_shown": Condition(1.0, 0.0, 1.0, "1 when the drug cue is present"),
        "context": Condition(0.0, -10.0, 10.0, "context feature of the cue"),
        "r0_mean": Condition(10.0, -1e6, 1e6, "mean natural reward in s0"),
        "r0_sd": Condition(2.0, 0.0, 1e6, "sd of the natural reward"),
        "r1_mean": Condition(-3.0, -1e6, 1e6, "mean reward of the addictive action"),
        "r1_sd": Condition(1.0, 0.0, 1e6, "sd of the addictive action's reward"),
        "r2_mean": Condition(-5.0, -1e6, 1e6, "mean reward of returning from s1"),
        "r2_sd": Condition(3.0, 0.0, 1e6, "sd of the return reward"),
        "cue_noise": Condition(0.02, 0.0, 10.0, "sd of the Gaussian noise on each cue feature"),
        "dose_half_life": Condition(
            2.0, 1e-3, 1e9, "half-life in ticks of the dose trace (the cue's fifth feature)"
        ),
    }

    def __init__(self, n: int, **conditions: float | np.ndarray) -> None:
        self.dose = np.zeros(int(n))  # the interoceptive trace of recent doses, in [0, 1]
        self._decay = np.full(int(n), 0.5 ** (1.0 / 2.0))
        super().__init__(n, **conditions)
        self._decay = 0.5 ** (1.0 / self.conditions["dose_half_life"])

    def set_condition(
        self, key: str, value: float | np.ndarray, index: np.ndarray | slice | None = None
    ) -> None:
        super().set_condition(key, value, index)
        if key == "dose_half_life":  # the per-tick factor follows its half-life
            self._decay = 0.5 ** (1.0 / self.conditions["dose_half_life"])

    def _continuous(self) -> dict[str, np.ndarray]:
        return {"dose": self.dose}

    def _dose_decay(self) -> np.ndarray:
        """Per-tick factor of the dose trace, 0.5 ** (1 / dose_half_life) (N,)."""
        return self._decay

    def _transition(self, s: np.ndarray, a: np.ndarray, d: Draws) -> Transition:
        c = self.now
        out = reward, next_state, drug, take_drug, optimal = self._outputs()
        _transition_kernel(
            s, a, d.normals[:, 0], c["r0_mean"], c["r0_sd"], c["r1_mean"], c["r1_sd"],
            c["r2_mean"], c["r2_sd"], c["drug_available"], self._dose_decay(), self.dose, *out,
        )
        return Transition(reward, next_state, drug, take_drug, optimal)

    def _cue(self, s: np.ndarray, noise: np.ndarray) -> np.ndarray:
        c, x = self.now, np.empty((self.n, self.cue_dim))
        _cue_kernel(s, c["cue_noise"], noise, c["cue_shown"], c["context"], self.dose, x)
        return x


class SubstanceEnv(CoreEnv):
    """One individual facing the substance task (``addsim/Substance-v1``).

    ## Description
    Natural reward (stay in ``s0``) versus the addictive action (to ``s1``, then back to ``s0``);
    see :mod:`envs.substance`. The drug surge belongs to the learner; ``info["drug"]`` reports it.

    ## Action Space
    ``Discrete(2)``: 0 natural, 1 addictive.

    ## Observation Space
    ``obs_mode="index"``: ``Discrete(2)`` (s0, s1). ``obs_mode="cue"``: ``Box((5,), float64)``,
    ``[is_s0, is_s1, drug_cue, context, dose]`` plus Gaussian noise of sd ``cue_noise``
    (``dose``: the trace of recent doses, halved every ``dose_half_life`` ticks).

    ## Starting State
    ``s0``, the choice state.

    ## Reward
    s0/natural ~ N(r0_mean, r0_sd) = N(10, 2); s0/addictive ~ N(-3, 1); s1/any ~ N(-5, 3).

    ## Episode End
    Continuing task: never terminates; truncated at 1000 steps by the registration.

    ## Arguments
    ``obs_mode`` and any condition of :class:`SubstanceCore` (``drug_available``, ``cue_shown``,
    ``context``, reward means/sds, ``cue_noise``, ``dose_half_life``); ``set_condition``
    changes one later.

    ## Version History
    * v1: the cue's fifth feature, the dose trace (the outcome of use is observed).
    * v0: initial version.
    """

    core_cls = SubstanceCore


class SubstanceVectorEnv(CoreVectorEnv):
    """N individuals facing the substance task, batched natively; see :class:`SubstanceEnv`."""

    core_cls = SubstanceCore


# ---------------------------------------------------------------------------------- kernels
@jit_parallel
def _transition_kernel(
    s, a, z, r0_mean, r0_sd, r1_mean, r1_sd, r2_mean, r2_sd, drug_available, decay, dose,
    reward, next_state, drug, take_drug, optimal,
):  # pragma: no cover - compiled
    """The transition as one pass over individuals: in s0 the addictive action (to s1,
    r ~ N(r1_mean, r1_sd)) or the natural reward (stay, r ~ N(r0_mean, r0_sd)); from s1 back
    to s0 with r ~ N(r2_mean, r2_sd). The drug is delivered when the addictive action is
    taken and ``drug_available > 0.5``; the dose trace is then 1, else it decays by
    ``decay``. Optimal: the natural return 2 r0_mean against r1_mean + r2_mean."""
    n = s.size
    for c in prange((n + CHUNK - 1) // CHUNK):
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            in_choice = s[i] == 0
            td = in_choice and a[i] == 1
            if td:  # the addictive action: to s1
                reward[i] = r1_mean[i] + r1_sd[i] * z[i]
            elif in_choice:  # the natural reward: stay in s0
                reward[i] = r0_mean[i] + r0_sd[i] * z[i]
            else:  # back from s1
                reward[i] = r2_mean[i] + r2_sd[i] * z[i]
            next_state[i] = 1 if td else 0
            take_drug[i] = td
            drug[i] = td and drug_available[i] > 0.5
            dose[i] = 1.0 if drug[i] else dose[i] * decay[i]
            natural_best = 0 if r0_mean[i] * 2 >= r1_mean[i] + r2_mean[i] else 1
            optimal[i] = (not in_choice) or a[i] == natural_best


@jit_parallel
def _cue_kernel(s, level, noise, cue_shown, context, dose, x):  # pragma: no cover - compiled
    """``x[i] = level[i] * noise[i] + [s == 0, s == 1, cue_shown, context, dose]`` (the noise
    scaled first, then the noiseless cue added)."""
    n = s.size
    for c in prange((n + CHUNK - 1) // CHUNK):
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            lv = level[i]
            x[i, 0] = lv * noise[i, 0] + (1.0 if s[i] == 0 else 0.0)
            x[i, 1] = lv * noise[i, 1] + (1.0 if s[i] == 1 else 0.0)
            x[i, 2] = lv * noise[i, 2] + cue_shown[i]
            x[i, 3] = lv * noise[i, 3] + context[i]
            x[i, 4] = lv * noise[i, 4] + dose[i]
