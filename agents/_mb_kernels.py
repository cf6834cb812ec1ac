"""The planner's lookahead, the arbitration and the learning step, compiled per individual.

One implementation (agents/model_based.py has the equations; the paper's formulas are the
functions these kernels call: agents/keramati2011.py's value of information and Kalman
correction, agents/homeostatic.py's drive and internal state): per individual the model's
rewards with the homeostatic term, ``depth - 1`` backups over every model state, the last
backup in the acting state, then the arbitration (habit, planner, weight, Daw 2005's
uncertainty, Keramati 2011's value of information); the learning step before and after the
habit's own update. With numba off they run as plain Python (addsim._jit); the
per-individual reference (tests/reference.py) matches them step for step.

Arrays are slot-major as the learners store them: Q (K, N, A) with K the slots allocated
so far (slots beyond hold 0), the model (S, N, A) and (S, N, A, S).
"""

from __future__ import annotations

import math

import numpy as np

from addsim._jit import jit, jit_parallel, prange
from addsim.agents.homeostatic import drive_reduction, homeostatic_update
from addsim.agents.keramati2011 import kalman_correction, vpi_action

CHUNK = 256


@jit
def _backup(st, i, r, v, q, k_alloc, t_hat, visits, prune, habit, prior,
            out):  # pragma: no cover - compiled
    """One backup of state ``st`` for individual ``i`` into ``out`` (A,); ``prior``: every
    state-action is expandable (HRRL's start)."""
    n_states = t_hat.shape[3]
    for a in range(out.shape[0]):
        if prior or visits[st, i, a] > 0.0:
            acc = 0.0
            for t in range(n_states):
                p = t_hat[st, i, a, t]
                acc += (p if p >= prune else 0.0) * v[t]
            out[a] = r[st, a] + acc
        elif habit:
            out[a] = q[st, i, a] if st < k_alloc else 0.0
        else:
            out[a] = r[st, a]


@jit_parallel
def mb_values(
    s, q, var, r_hat, k_hat, visits, t_hat, h, setpoint, rho, code, w, tau, var_obs, nu,
    depth, leaf, prune, homeostasis, drive_scale, drive_n, drive_m, model_start, v_out,
    share_out,
):  # pragma: no cover - compiled
    """Arbitrated values ``v_out`` (N, A) in states ``s`` and the planner's share per action
    ``share_out`` (agents/model_based.py has the equations)."""
    n_states, n, n_actions = var.shape
    k_alloc = q.shape[0]
    for c in prange((n + CHUNK - 1) // CHUNK):
        r = np.empty((n_states, n_actions))
        v = np.empty(n_states)
        vn = np.empty(n_states)
        row = np.empty(n_actions)
        mb = np.empty(n_actions)
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            z = s[i]
            cd = code[i]
            if cd == 0.0:
                for a in range(n_actions):
                    v_out[i, a] = q[z, i, a]
                    share_out[i, a] = 0.0
                continue
            on = homeostasis[i] > 0.5
            for st in range(n_states):
                for a in range(n_actions):
                    rh = 0.0
                    if on:
                        rh = drive_scale[i] * drive_reduction(
                            h[i], setpoint[i], k_hat[st, i, a], drive_n[i], drive_m[i])
                    r[st, a] = r_hat[st, i, a] + rh - rho[i]
            habit = leaf[i] > 0.5
            prior = model_start[i] < 0.5
            for st in range(n_states):
                best = -np.inf
                if habit and st < k_alloc:
                    for a in range(n_actions):
                        best = max(best, q[st, i, a])
                    v[st] = best
                else:
                    v[st] = 0.0
            for _ in range(1, int(depth[i])):
                for st in range(n_states):
                    _backup(st, i, r, v, q, k_alloc, t_hat, visits, prune[i], habit, prior,
                            row)
                    best = row[0]
                    for a in range(1, n_actions):
                        best = max(best, row[a])
                    vn[st] = best
                for st in range(n_states):
                    v[st] = vn[st]
            _backup(z, i, r, v, q, k_alloc, t_hat, visits, prune[i], habit, prior, mb)
            if cd == 2.0:
                for a in range(n_actions):
                    v_out[i, a] = w[i] * mb[a] + (1.0 - w[i]) * q[z, i, a]
                    share_out[i, a] = w[i]
                continue
            b1 = 0
            m1 = 0.0
            m2 = 0.0
            cost = 0.0
            if cd == 4.0:  # value of perfect information (Keramati 2011)
                for a in range(1, n_actions):
                    if q[z, i, a] > q[z, i, b1]:
                        b1 = a
                m1 = q[z, i, b1]
                m2 = -np.inf
                for a in range(n_actions):
                    if a != b1:
                        m2 = max(m2, q[z, i, a])
                cost = rho[i] * tau[i]
            for a in range(n_actions):
                if cd == 1.0:
                    use = True
                elif cd == 3.0:  # the less uncertain controller (Daw 2005)
                    use = var_obs[i] / (visits[z, i, a] + 1.0) + depth[i] * nu[i] < var[z, i, a]
                else:
                    sd = math.sqrt(max(var[z, i, a], 1e-300))
                    use = vpi_action(q[z, i, a], m1, m2, sd, a == b1) >= cost
                v_out[i, a] = mb[a] if use else q[z, i, a]
                share_out[i, a] = 1.0 if use else 0.0


@jit_parallel
def mb_learn_before(
    s, a, s_next, drug, q, var, h, buffer, setpoint, homeostasis, dose, absorption,
    degradation, h_min, setpoint0, setpoint_max, shift, recovery, drive_scale, drive_n,
    drive_m, eta, var_obs, r_h, gain,
):  # pragma: no cover - compiled
    """Before the habit's update: the homeostatic reward ``r_h`` of the outcome and the
    internal state's step, the variances' prediction and the correction at (s, a) (its
    Kalman ``gain`` returned)."""
    n_states, n, n_actions = var.shape
    for c in prange((n + CHUNK - 1) // CHUNK):
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            k = dose[i] if drug[i] else 0.0
            if homeostasis[i] > 0.5:
                r_h[i] = drive_scale[i] * drive_reduction(h[i], setpoint[i], k, drive_n[i],
                                                          drive_m[i])
                h[i], buffer[i], setpoint[i] = homeostatic_update(
                    h[i], buffer[i], setpoint[i], k, absorption[i], degradation[i], h_min[i],
                    setpoint0[i], setpoint_max[i], shift[i], recovery[i])
            else:
                r_h[i] = 0.0
            f = 1.0 + eta[i]
            for st in range(n_states):
                for b in range(n_actions):
                    var[st, i, b] *= f
            nxt = s_next[i]
            best = 0
            for b in range(1, n_actions):
                if q[nxt, i, b] > q[nxt, i, best]:
                    best = b
            var[s[i], i, a[i]], gain[i] = kalman_correction(var[s[i], i, a[i]],
                                                            var[nxt, i, best], var_obs[i])


@jit_parallel
def mb_learn_after(
    s, a, s_next, r, drug, delta, q, prev_s, prev_a, visits, t_hat, r_hat, k_hat, alpha,
    trace, dose, phi, rau, model_start,
):  # pragma: no cover - compiled
    """After the habit's update: the eligibility one step back, then the model."""
    n_states, n, _ = visits.shape
    for c in prange((n + CHUNK - 1) // CHUNK):
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            if prev_s[i] >= 0.0 and trace[i] > 0.0:
                q[int(prev_s[i]), i, int(prev_a[i])] += alpha[i] * trace[i] * delta[i]
            z, b = s[i], a[i]
            prev_s[i] = z
            prev_a[i] = b
            n_sa = visits[z, i, b] + 1.0
            visits[z, i, b] = n_sa
            exact = model_start[i] > 0.5
            e = max(phi[i], 1.0 / n_sa) if exact else phi[i]
            for t in range(n_states):
                t_hat[z, i, b, t] *= 1.0 - e
            t_hat[z, i, b, s_next[i]] += e
            f = max(rau[i], 1.0 / n_sa) if exact else rau[i]
            k = dose[i] if drug[i] else 0.0
            r_hat[z, i, b] += f * (r[i] - r_hat[z, i, b])
            k_hat[z, i, b] += f * (k - k_hat[z, i, b])


@jit_parallel
def homeostatic_rest(
    ticks, k, h, buffer, setpoint, homeostasis, absorption, degradation, h_min, setpoint0,
    setpoint_max, shift, recovery,
):  # pragma: no cover - compiled
    """``ticks`` steps of the internal state out of the task with outcome ``k[i]`` per step
    (no choices, nothing learned); individuals with ``homeostasis`` 0 keep theirs."""
    n = h.shape[0]
    for c in prange((n + CHUNK - 1) // CHUNK):
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            if homeostasis[i] <= 0.5:
                continue
            for _ in range(ticks):
                h[i], buffer[i], setpoint[i] = homeostatic_update(
                    h[i], buffer[i], setpoint[i], k[i], absorption[i], degradation[i],
                    h_min[i], setpoint0[i], setpoint_max[i], shift[i], recovery[i])
