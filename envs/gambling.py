"""Gambling: bet or pass with a negative expected value of betting (docs/model/tasks.md).

Description
    In ``s_init`` action 0 (no-op) gives 0 and stays. Action 1 (bet) wins with probability
    ``p_win`` (to ``s_win``, payout r_win ~ N(win_mean, win_sd)) or loses (to ``s_loss``,
    payout r_loss ~ N(loss_mean, loss_sd)). The outcome is shown first and paid next: the bet
    itself gives 0, and either action in ``s_win``/``s_loss`` collects the payout on the way
    back to ``s_init``, so the value of an outcome state is the value of its payout (the win
    state can keep a high value, Redish et al. 2007). With the defaults (p_win 0.25, +20,
    -10) betting has expected value -2.5 per bet, so the no-op is optimal; a win streak
    raises ``p_win`` for a while. ``stake`` scales every payout (the game's size: a lottery
    ticket against a casino table); ``loss_offset`` is added to a loss unscaled (the
    population's consequences of betting, which grow with bets, not with their size).

States / cue
    Cue ``[is_init, is_outcome, near_miss * is_loss, context, payout / 20] + noise``: the
    outcome states share the same outcome feature, and the payout shown (in units of 20,
    the default win; 0 in ``s_init``) tells a win from a loss. That last feature is faint:
    its baseline attention (``cue_salience``) is 0.05, so at baseline a latent-state learner
    lumps wins and losses together and only attention raised by its negative-error history
    (Pettine et al. 2023) tells them apart. ``near_miss`` > 0 moves the loss cue a little away
    from the win cue on the third feature (the near-miss variant). The payout shown is the
    one paid, stake included, so a small stake also brings a win's and a loss's cues closer.

Conditions
    ``p_win``, ``win_mean``/``win_sd``, ``loss_mean``/``loss_sd``, ``near_miss``, ``context``,
    ``cue_noise``, ``available`` (1 when betting is possible; a bet without opportunity is a
    no-op), ``stake`` (1), ``loss_offset`` (0).

References
    Redish et al. (2007) Psychol Rev 114:784 (gambling as over-categorisation of situations);
    Gershman, Blei and Niv (2010) Psychol Rev 117:197 (the outcome as an observed feature).
"""

from __future__ import annotations

import numpy as np

from addsim._jit import jit_parallel, prange
from addsim.envs._core import KERNEL_CHUNK as CHUNK
from addsim.envs._core import Condition, Draws, TaskCore, Transition
from addsim.envs._gym import CoreEnv, CoreVectorEnv

PAYOUT_UNIT = 20.0  # the payout feature of the cue is payout / PAYOUT_UNIT (the default win)


class GamblingCore(TaskCore):
    """Batched core of the gambling task; see the module docstring."""

    name = "Gambling"
    version = 1  # v1: payout shown in the cue and paid on leaving the outcome state
    n_states = 3
    n_actions = 2
    cue_dim = 5
    cue_salience = (1.0, 1.0, 1.0, 1.0, 0.05)
    n_normals = 1  # reward noise
    n_uniforms = 1  # the win/loss coin
    state_names = ("s_init", "s_win", "s_loss")
    action_names = ("no_op", "bet")
    conditions_spec = {
        "p_win": Condition(0.25, 0.0, 1.0, "probability that a bet wins"),
        "win_mean": Condition(20.0, -1e6, 1e6, "mean reward of a win"),
        "win_sd": Condition(1.0, 0.0, 1e6, "sd of the win reward"),
        "loss_mean": Condition(-10.0, -1e6, 1e6, "mean reward of a loss"),
        "loss_sd": Condition(1.0, 0.0, 1e6, "sd of the loss reward"),
        "near_miss": Condition(0.0, 0.0, 10.0, "distance of the loss cue from the win cue"),
        "context": Condition(0.0, -10.0, 10.0, "context feature of the cue"),
        "cue_noise": Condition(0.02, 0.0, 10.0, "sd of the Gaussian noise on each cue feature"),
        "available": Condition(1.0, 0.0, 1.0, "1 when betting is possible this tick"),
        "stake": Condition(1.0, 0.0, 1e6, "scale of the payouts (wins, losses and their sds)"),
        "loss_offset": Condition(0.0, -1e6, 1e6, "added to a loss, not scaled by the stake"),
    }

    def __init__(self, n: int, **conditions: float | np.ndarray) -> None:
        self.payout = np.zeros(int(n))  # the outcome shown, paid on leaving the outcome state
        super().__init__(n, **conditions)

    def _continuous(self) -> dict[str, np.ndarray]:
        return {"payout": self.payout}

    def _transition(self, s: np.ndarray, a: np.ndarray, d: Draws) -> Transition:
        c = self.now
        reward, next_state, bet, optimal, _ = self._outputs()
        _transition_kernel(
            s, a, d.normals[:, 0], d.uniforms[:, 0], c["p_win"], c["win_mean"], c["win_sd"],
            c["loss_mean"], c["loss_sd"], c["available"], c["stake"], c["loss_offset"],
            self.payout, reward, next_state, bet, optimal,
        )
        return Transition(reward, next_state, np.zeros(self.n, bool), bet, optimal, bet)

    def _cue(self, s: np.ndarray, noise: np.ndarray) -> np.ndarray:
        c, x = self.now, np.empty((self.n, self.cue_dim))
        _cue_kernel(s, c["cue_noise"], noise, c["near_miss"], c["context"], self.payout,
                    PAYOUT_UNIT, x)
        return x


class GamblingEnv(CoreEnv):
    """One individual facing the gambling task (``addsim/Gambling-v1``).

    ## Description
    Pass (reward 0) or bet with a negative expected value; see :mod:`envs.gambling`.

    ## Action Space
    ``Discrete(2)``: 0 no-op, 1 bet.

    ## Observation Space
    ``obs_mode="index"``: ``Discrete(3)`` (s_init, s_win, s_loss). ``obs_mode="cue"``:
    ``Box((5,), float64)``, ``[is_init, is_outcome, near_miss * is_loss, context,
    payout / 20]`` plus noise.

    ## Starting State
    ``s_init``.

    ## Reward
    No-op 0; a bet 0, and it wins N(20, 1) with probability ``p_win`` = 0.25, else loses
    N(-10, 1), paid when leaving the outcome state (either action); both times ``stake``
    (1), and ``loss_offset`` (0) added to a loss.

    ## Episode End
    Continuing task: never terminates; truncated at 1000 steps by the registration.

    ## Arguments
    ``obs_mode`` and any condition of :class:`GamblingCore` (``p_win``, ``near_miss``,
    ``available``, ...); ``set_condition`` changes one later.

    ## Version History
    * v1: the payout is shown in the outcome cue (fifth feature) and paid on leaving the
      outcome state (it was paid on the bet). Later the conditions ``stake`` and
      ``loss_offset``, whose defaults (1, 0) keep v1's numbers.
    * v0: initial version.
    """

    core_cls = GamblingCore


class GamblingVectorEnv(CoreVectorEnv):
    """N individuals facing the gambling task, batched natively; see :class:`GamblingEnv`."""

    core_cls = GamblingCore


# ---------------------------------------------------------------------------------- kernels
@jit_parallel
def _transition_kernel(
    s, a, z, u, p_win, win_mean, win_sd, loss_mean, loss_sd, available, stake, loss_offset,
    payout, reward, next_state, bet, optimal,
):  # pragma: no cover - compiled
    """The transition as one pass over individuals: in s_init a bet (with ``available >
    0.5``) wins when the coin ``u < p_win`` (to s_win, payout ``stake`` x N(win_mean,
    win_sd)) or loses (to s_loss, payout ``stake`` x N(loss_mean, loss_sd) + ``loss_offset``);
    the outcome state pays the payout shown on the way back. Optimal: bet only when
    stake (p_win win_mean + (1 - p_win) loss_mean) + (1 - p_win) loss_offset > 0."""
    n = s.size
    for c in prange((n + CHUNK - 1) // CHUNK):
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            in_choice = s[i] == 0
            b = in_choice and a[i] == 1 and available[i] > 0.5
            win = b and u[i] < p_win[i]
            # the bet shows its outcome (payout drawn now, seen in the cue), the outcome state
            # pays it on the way back to s_init
            reward[i] = 0.0 if in_choice else payout[i]
            if win:
                payout[i] = stake[i] * (win_mean[i] + win_sd[i] * z[i])
                next_state[i] = 1
            elif b:  # a loss
                payout[i] = stake[i] * (loss_mean[i] + loss_sd[i] * z[i]) + loss_offset[i]
                next_state[i] = 2
            else:
                payout[i] = 0.0
                next_state[i] = 0
            bet[i] = b
            ev = (stake[i] * (p_win[i] * win_mean[i] + (1.0 - p_win[i]) * loss_mean[i])
                  + (1.0 - p_win[i]) * loss_offset[i])
            best = 1 if ev > 0.0 else 0
            optimal[i] = (not in_choice) or a[i] == best


@jit_parallel
def _cue_kernel(s, level, noise, near_miss, context, payout, unit, x):  # pragma: no cover
    """``x[i] = level[i] * noise[i] + [s == 0, s != 0, near_miss * (s == 2), context,
    payout / unit]``."""
    n = s.size
    for c in prange((n + CHUNK - 1) // CHUNK):
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            lv = level[i]
            x[i, 0] = lv * noise[i, 0] + (1.0 if s[i] == 0 else 0.0)
            x[i, 1] = lv * noise[i, 1] + (1.0 if s[i] != 0 else 0.0)
            x[i, 2] = lv * noise[i, 2] + near_miss[i] * (1.0 if s[i] == 2 else 0.0)
            x[i, 3] = lv * noise[i, 3] + context[i]
            x[i, 4] = lv * noise[i, 4] + payout[i] / unit
