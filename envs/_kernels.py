"""Compiled cue and transition of the substance and gambling cores (numba, both cores).

The numpy expressions in envs/substance.py and envs/gambling.py are the reference form and
what runs without numba; on the population's hot path the same operations run here as one
pass over individuals (numpy spends most of a 1M-person step in branchy ``np.where`` chains,
(N, 1) broadcasts and strided column writes). Each value is computed by the same operations
in the same order, so the results are bit for bit those of the numpy form
(tests/test_speed_accuracy.py compares them).

The switch is addsim._jit's: compiled when numba is installed, unless ``ADDSIM_NUMBA=0``.
"""

from __future__ import annotations

from addsim import _jit
from addsim._jit import jit_parallel, prange

CHUNK = 4096  # individuals per parallel work item
MIN_N = CHUNK  # below this one numpy call is cheaper than starting the threads


def enabled_for(n: int) -> bool:
    """Whether a step or cue of ``n`` individuals runs compiled: numba on, and n large enough
    to pay for the threads (one Gymnasium individual or a per-individual loop stays numpy)."""
    return _jit.compiled_for(n, MIN_N)


@jit_parallel
def substance_cue(s, level, noise, cue_shown, context, dose, x):  # pragma: no cover - compiled
    """``x[i] = level[i] * noise[i] + [s == 0, s == 1, cue_shown, context, dose]`` (the numpy
    form scales the noise, then adds the noiseless cue column by column)."""
    n = s.size
    for c in prange((n + CHUNK - 1) // CHUNK):
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            lv = level[i]
            x[i, 0] = lv * noise[i, 0] + (1.0 if s[i] == 0 else 0.0)
            x[i, 1] = lv * noise[i, 1] + (1.0 if s[i] == 1 else 0.0)
            x[i, 2] = lv * noise[i, 2] + cue_shown[i]
            x[i, 3] = lv * noise[i, 3] + context[i]
            x[i, 4] = lv * noise[i, 4] + dose[i]


@jit_parallel
def gambling_cue(s, level, noise, near_miss, context, payout, unit, x):  # pragma: no cover
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


@jit_parallel
def substance_transition(
    s, a, z, r0_mean, r0_sd, r1_mean, r1_sd, r2_mean, r2_sd, drug_available, decay, dose,
    reward, next_state, drug, take_drug, optimal,
):  # pragma: no cover - compiled
    """:meth:`envs.substance.SubstanceCore._transition` as one pass over individuals."""
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
def gambling_transition(
    s, a, z, u, p_win, win_mean, win_sd, loss_mean, loss_sd, available, payout, reward,
    next_state, bet, optimal,
):  # pragma: no cover - compiled
    """:meth:`envs.gambling.GamblingCore._transition` as one pass over individuals."""
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
                payout[i] = win_mean[i] + win_sd[i] * z[i]
                next_state[i] = 1
            elif b:  # a loss
                payout[i] = loss_mean[i] + loss_sd[i] * z[i]
                next_state[i] = 2
            else:
                payout[i] = 0.0
                next_state[i] = 0
            bet[i] = b
            ev = p_win[i] * win_mean[i] + (1.0 - p_win[i]) * loss_mean[i]
            best = 1 if ev > 0.0 else 0
            optimal[i] = (not in_choice) or a[i] == best
