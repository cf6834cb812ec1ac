"""The learners' per-individual kernels (numba, both cores): the one implementation.

The latent-state classification (surprise, candidates, state choice, creation), the TD update
(the error rules are their papers' files' functions: agents/redish2004.py,
agents/dezfouli2009.py), the prototype update with its small-matrix inverse, the
negative-error history, and the softmax choice of actions, each as one loop over individuals
that keeps each individual's K latent states in cache and makes no temporaries. There is no
second, numpy form: with numba absent or ``ADDSIM_NUMBA=0`` the same functions run as plain
Python (slow, for debugging), and the independent oracle is tests/reference.py, matched step
for step (tests/test_reference.py).

Every individual's work is independent and its random numbers are drawn beforehand by the
caller, so results do not depend on the number of threads. The matrix inverse is an LDL^T
factorisation of the positive definite Sigma (Gauss-Jordan with partial pivoting where
rounding leaves it indefinite), tested against LAPACK to its condition number times eps.

Latent-state arrays and Q are passed slot-major, (K, N, ...): a pass over individuals then reads
each slot's prototypes as one sequential stream instead of striding 1-2 KB per individual
(which cost a cache miss per individual and array at N >= 100,000). The symmetric covariance
and precision are packed, (K, N, d(d+1)/2) with ``tri[j, m]`` the index of entry (j, m), and
the prototype arrays may be float32: every value is loaded into float64 arithmetic and only
rounded when stored, exactly as numpy does with the same arrays.

Kernels are compiled on first use; the switch and the disk cache are addsim._jit's.
"""

from __future__ import annotations

import math
import os

import numpy as np

from addsim._jit import jit, jit_parallel, prange
from addsim.agents.dezfouli2009 import dezfouli_average, dezfouli_delta
from addsim.agents.redish2004 import redish_delta

# Idle OpenMP threads sleep instead of spinning: on a shared or busy machine (batch workers,
# other jobs) spinning threads starve the ones doing work (2-3x slower ticks measured).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

LOG_2PI = float(np.log(2.0 * np.pi))
CANDIDATE_F = float(-np.log(1e-100))  # surprise above which a state is not a candidate
FAST_DECAY, FAST_GAIN = 0.981, 2.85
SLOW_DECAY, SLOW_GAIN = 0.994, 0.9
N_OBS_CAP = 65535  # observations are counted (uint16) up to here: burn_in is at most this
CHUNK = 256  # individuals per parallel work item (each owns its scratch buffers)


def dim(d: int) -> tuple[int, ...]:
    """The cue dimension ``d`` as the kernels take it: a d-tuple, whose length numba compiles
    as a constant, so the loops over cue features are unrolled (measured: the prototype
    update 1.35x and the classification 1.3x faster than with d read from an array shape)."""
    return (0,) * int(d)


@jit
def _at(j, m, d):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """Index of entry (j, m) of a symmetric d x d matrix in its packed upper triangle, the
    order of np.triu_indices(d) (agents.latent_state's ``tri[j, m]``): with d a constant the
    index is a constant too, where ``tri[j, m]`` costs a load per entry."""
    lo, hi = min(j, m), max(j, m)
    return lo * d - (lo * (lo - 1)) // 2 + hi - lo


@jit
def _distance2_pair(x, mu, prec, i, k, wb, wa, dev_b, dev_a, dim):  # type: ignore[no-untyped-def]  # pragma: no cover
    """D2_k(w) = (w * (x_i - mu_k))^T Sigma_k^-1 (w * (x_i - mu_k)) for individual i, state
    k, under two weightings ``wb`` and ``wa`` at once (``dev_b``, ``dev_a`` scratch rows;
    ``dim`` as :func:`dim`, so the loops unroll). Each sum runs in the order a single
    weighting's would, so each value is what it alone gives; the precision entries and the
    deviations are loaded once for both."""
    d = len(dim)
    for j in range(d):
        e = x[i, j] - mu[k, i, j]
        dev_b[j] = wb[j] * e
        dev_a[j] = wa[j] * e
    d2b = 0.0
    d2a = 0.0
    for j in range(d):
        row_b = 0.0
        row_a = 0.0
        for m in range(d):
            p = prec[k, i, _at(j, m, d)]
            row_b += p * dev_b[m]
            row_a += p * dev_a[m]
        d2b += dev_b[j] * row_b
        d2a += dev_a[j] * row_a
    return d2b, d2a


@jit
def history_factor(dbar):  # type: ignore[no-untyped-def]
    """f = min(1, min(0, dbar + 4) / -8): 0 until the negative-error trace passes -4, 1 from
    -12 on (Pettine 2023's linear form with xi_DB_low -4, xi_DB_high -12), for one
    individual's trace."""
    return min(1.0, min(0.0, dbar + 4.0) / -8.0)


@jit_parallel
def latent_observe(
    x, u, use_u, n_active, mu, cov, prec, logdet, count, q, n_obs, dbar_fast, dbar_slow,
    overflow, b, attention, salience, xi_cw, min_cov, neg_log_upsilon, creation_bias,
    burn_in, beta_state, beta_state_min, sigma0, new_values, dim, z_out,
):  # pragma: no cover - compiled
    """Classify cue ``x[i]`` into a latent state per individual, creating one where needed
    (``dim``: :func:`dim` of the cue dimension; agents/latent_state.py has the equations)."""
    d = len(dim)
    k_cap, n, _ = mu.shape
    n_actions = q.shape[2]
    n_chunks = (n + CHUNK - 1) // CHUNK
    for c in prange(n_chunks):
        f = np.empty(k_cap)
        e = np.empty(k_cap)
        cand = np.empty(k_cap, dtype=np.int64)
        is_cand = np.empty(k_cap, dtype=np.bool_)
        dev_b = np.empty(d)
        dev_a = np.empty(d)
        wb = np.empty(d)
        wa = np.empty(d)
        grand = np.empty(d)
        betw = np.empty(d)
        within_s = np.empty(d)
        wk = np.empty(d)
        q_new = np.empty(n_actions)
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            fast = float(dbar_fast[i])
            d_eff = min(0.0, fast - float(dbar_slow[i]))
            frac = history_factor(d_eff)
            frac_fast = history_factor(fast)
            n_act = int(n_active[i])
            n_est = 0
            for k in range(n_act):
                if count[k, i] >= min_cov[i]:
                    n_est += 1
            # weights w_k: salience times the informativeness over the established states,
            # or the baseline. The sums over states run state by state for all features
            if n_est < 2:
                for j in range(d):
                    wk[j] = attention[i] * salience[j]
            else:
                for j in range(d):
                    grand[j] = 0.0
                    betw[j] = 0.0
                    within_s[j] = 0.0
                for k in range(n_act):
                    if count[k, i] >= min_cov[i]:
                        for j in range(d):
                            grand[j] += mu[k, i, j]
                for j in range(d):
                    grand[j] = grand[j] / float(n_est)
                for k in range(n_act):
                    if count[k, i] >= min_cov[i]:
                        for j in range(d):
                            t = mu[k, i, j] - grand[j]
                            betw[j] += t * t
                            within_s[j] += cov[k, i, _at(j, j, d)]
                for j in range(d):
                    between = betw[j] / float(n_est)
                    within = within_s[j] / float(n_est)
                    eta = between / max(between + within, 1e-300)
                    wk[j] = ((1.0 - xi_cw[i]) * eta + xi_cw[i]) * salience[j]
            for j in range(d):
                wb[j] = (1.0 - b[i]) * (attention[i] * salience[j])  # the screen's baseline
                wa[j] = (1.0 - b[i]) * ((1.0 - frac) * wk[j] + frac)
            min_f = np.inf
            low = np.inf
            nearest = 0
            has_cand = False
            for k in range(k_cap):
                is_cand[k] = False
                if k >= n_act:
                    f[k] = np.inf
                    continue
                half = 0.5 * (LOG_2PI + logdet[k, i])
                # the candidate screen (baseline weights) and the surprise (attended ones)
                d2, d2a = _distance2_pair(x, mu, prec, i, k, wb, wa, dev_b, dev_a, dim)
                if half + 0.5 * d2 <= CANDIDATE_F:
                    is_cand[k] = True
                    has_cand = True
                fk = half + 0.5 * d2a
                f[k] = fk
                if fk < low:
                    low = fk
                    nearest = k
                if is_cand[k] and fk < min_f:
                    min_f = fk
            fresh = 0.5 * (LOG_2PI + d * math.log(sigma0[i])) + 0.5 * d  # F_0
            cb = creation_bias[i] * frac
            theta = (1.0 - cb) * neg_log_upsilon[i] + cb * fresh  # Redish 2007's bias
            want = n_act == 0 or (
                ((not has_cand) or min_f > theta) and n_obs[i] >= burn_in[i]
            )
            full = n_act >= k_cap
            if want and full:
                overflow[i] += 1
            new = want and not full
            if new:  # open slot n_act at this cue (the choice below would be overridden)
                z = n_act
                rule = new_values[i]
                for a in range(n_actions):
                    q_new[a] = 0.0
                if n_act > 0 and rule == 1.0:  # a copy of the state it splits from
                    for a in range(n_actions):
                        q_new[a] = q[nearest, i, a]
                elif n_act > 0 and rule == 2.0:  # the mean over established (else all) states
                    m = 0
                    for k in range(n_act):
                        if n_est == 0 or count[k, i] >= min_cov[i]:
                            m += 1
                            for a in range(n_actions):
                                q_new[a] += q[k, i, a]
                    for a in range(n_actions):
                        q_new[a] = q_new[a] / float(m)
                s0 = sigma0[i]
                n_active[i] += 1
                for j in range(d):
                    mu[z, i, j] = x[i, j]
                    for m2 in range(j, d):
                        cov[z, i, _at(j, m2, d)] = 0.0
                        prec[z, i, _at(j, m2, d)] = (1.0 if j == m2 else 0.0) / s0
                logdet[z, i] = d * math.log(s0)
                count[z, i] = 0.0
                for a in range(n_actions):
                    q[z, i, a] = q_new[a]
                dbar_fast[i] = 0.0  # reset the history, or creation runs away
                dbar_slow[i] = 0.0
            else:
                # candidates (the screen above), or the least surprising when none qualifies;
                # softmax(beta_s * A_i / sum A) with A / sum A = softmax(-F). The sums run
                # over the candidates only, in slot order: the other slots would add 0.0.
                n_cand = 0
                for k in range(k_cap):
                    if is_cand[k] if has_cand else (f[k] == low):
                        cand[n_cand] = k
                        n_cand += 1
                if n_cand == 1:  # the softmax puts all mass on it: same z for any u in [0, 1)
                    if n_obs[i] < N_OBS_CAP:
                        n_obs[i] += 1
                    z_out[i] = cand[0]
                    continue
                beta_s = (1.0 - frac_fast) * beta_state[i] + frac_fast * beta_state_min[i]
                g_max = -np.inf
                for j in range(n_cand):
                    g_max = max(g_max, -f[cand[j]])
                a_sum = 0.0
                for j in range(n_cand):
                    t = -f[cand[j]] - g_max  # 0 at the maximum, and exp(0) = 1 exactly
                    e[j] = 1.0 if t == 0.0 else math.exp(t)
                    a_sum += e[j]
                h_max = -np.inf
                for j in range(n_cand):
                    e[j] = beta_s * (e[j] / a_sum)
                    h_max = max(h_max, e[j])
                total = 0.0
                for j in range(n_cand):
                    t = e[j] - h_max
                    e[j] = 1.0 if t == 0.0 else math.exp(t)
                    total += e[j]
                if use_u:  # inverse CDF: the first state whose cumulative sum exceeds u
                    thr = u[i] * total
                    z = -1
                    run = 0.0
                    last = cand[0]  # if u * total rounds up to total: the last with e > 0
                    for j in range(n_cand):
                        run += e[j]
                        if z < 0 and run > thr:
                            z = cand[j]
                        if e[j] > 0.0:
                            last = cand[j]
                    if z < 0:
                        z = last
                else:  # the most probable state (the first of equals)
                    best = 0
                    for j in range(1, n_cand):
                        if e[j] > e[best]:
                            best = j
                    z = cand[best]
            if n_obs[i] < N_OBS_CAP:
                n_obs[i] += 1
            z_out[i] = z


def latent_learn(
    rule, s, a, s_next, x, r, drug, delta, use_cue, q, alpha, surge, gamma, r_bar, kappa,
    sigma, lam, kappa_target, window, min_cov, ridge, mu, cov, prec, tri, logdet, count,
    rpe_scale, history, dbar_fast, dbar_slow, dim,
):  # type: ignore[no-untyped-def]
    """The TD update, state ``s``'s prototype (rewarded cues) and the error history.

    ``rule`` 1: Dezfouli (2009) average-reward error with R_bar and kappa (agents/
    dezfouli2009.py); 2: Redish (2004) discounted error (agents/redish2004.py); 0: ``delta``
    was computed by the caller (Q already updated). ``dim``: :func:`dim` of the cue dimension.

    The compiled pass (:func:`latent_learn_pass`) marks the individuals whose Sigma rounding
    left not positive definite; their inverse is then taken here by Gauss-Jordan with
    pivoting (:func:`gauss_jordan_rows`). Each individual's update is independent, so doing
    those few afterwards gives the same numbers, and the fallback, which a run with a ridge
    never reaches, is compiled only when it is first needed (a first run compiles 3-4 s less).
    """
    redo = np.zeros(s.shape[0], dtype=np.bool_)
    latent_learn_pass(
        rule, s, a, s_next, x, r, drug, delta, use_cue, q, alpha, surge, gamma, r_bar, kappa,
        sigma, lam, kappa_target, window, min_cov, ridge, mu, cov, prec, tri, logdet, count,
        rpe_scale, history, dbar_fast, dbar_slow, dim, redo,
    )
    if redo.any():
        rows = np.flatnonzero(redo)
        z = s[rows]
        gauss_jordan_rows(cov, prec, logdet, tri, rows, z, ridge[rows] / count[z, rows])


@jit_parallel
def latent_learn_pass(
    rule, s, a, s_next, x, r, drug, delta, use_cue, q, alpha, surge, gamma, r_bar, kappa,
    sigma, lam, kappa_target, window, min_cov, ridge, mu, cov, prec, tri, logdet, count,
    rpe_scale, history, dbar_fast, dbar_slow, dim, redo,
):  # pragma: no cover - compiled
    """:func:`latent_learn`'s loop over individuals; ``redo[i]`` set where state ``s[i]``'s
    Sigma is not positive definite (its precision and ln det are then left to
    :func:`gauss_jordan_rows`)."""
    d = len(dim)
    _, n, _ = mu.shape
    n_actions = q.shape[2]
    n_chunks = (n + CHUNK - 1) // CHUNK
    for c in prange(n_chunks):
        dd = np.empty(d)
        lo = np.zeros((d, d))
        minv = np.zeros((d, d))
        piv_d = np.empty(d)
        inv_d = np.empty(d)
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            if rule != 0:
                q_sa = q[s[i], i, a[i]]
                v_next = q[s_next[i], i, 0]
                for b in range(1, n_actions):
                    v_next = max(v_next, q[s_next[i], i, b])
                if rule == 1:  # the rules are their papers' files' (one implementation)
                    dl = dezfouli_delta(r[i], q_sa, v_next, drug[i], r_bar[i] + kappa[i],
                                        surge[i])
                else:
                    dl = redish_delta(r[i], q_sa, v_next, drug[i], gamma[i], surge[i])
                q[s[i], i, a[i]] = q_sa + alpha[i] * dl  # Q(s,a) += alpha * delta
                delta[i] = dl
                if rule == 1:
                    r_bar[i], kappa[i] = dezfouli_average(
                        r_bar[i], kappa[i], dl, q_sa, v_next, drug[i], sigma[i], lam[i],
                        kappa_target[i])
            neg = min(delta[i], 0.0) / rpe_scale[i] * history[i]
            dbar_fast[i] = FAST_DECAY * dbar_fast[i] + FAST_GAIN * neg
            dbar_slow[i] = SLOW_DECAY * dbar_slow[i] + SLOW_GAIN * neg
            if not use_cue or not r[i] + (surge[i] if drug[i] else 0.0) > 0.0:
                continue
            z = s[i]
            nn = min(count[z, i] + 1.0, window[i])
            w = 1.0 / nn
            for j in range(d):
                dd[j] = x[i, j] - mu[z, i, j]
                mu[z, i, j] += w * dd[j]
            for j in range(d):
                for m in range(j, d):
                    t = _at(j, m, d)
                    cov[z, i, t] = (1.0 - w) * (cov[z, i, t] + w * (dd[j] * dd[m]))
            count[z, i] = nn
            if nn < min_cov[i]:
                continue
            # Sigma = cov + (ridge / n) I = L D L^T (unit lower L), Sigma^-1 = M^T D^-1 M with
            # M = L^-1; ln det Sigma = ln prod D. Sigma is symmetric positive definite: where
            # rounding says otherwise (a pivot <= 0), Gauss-Jordan with pivoting instead.
            rd = ridge[i] / nn
            spd = True
            for j in range(d):
                for m in range(j + 1):
                    t = cov[z, i, _at(m, j, d)] + (rd if j == m else 0.0)
                    for k in range(m):
                        t -= lo[j, k] * lo[m, k] * piv_d[k]
                    if m < j:
                        lo[j, m] = t * inv_d[m]
                    elif t > 0.0 and t < np.inf:
                        piv_d[j] = t
                        inv_d[j] = 1.0 / t
                    else:
                        spd = False
                if not spd:
                    break
            if not spd:
                redo[i] = True
                continue
            for j in range(d):  # M = L^-1, unit lower triangular (its diagonal set below)
                for r2 in range(j + 1, d):
                    t = -lo[r2, j]
                    for k in range(j + 1, r2):
                        t -= lo[r2, k] * minv[k, j]
                    minv[r2, j] = t
            det = 1.0
            for j in range(d):
                det *= piv_d[j]
                minv[j, j] = 1.0
            for j in range(d):
                for m in range(j, d):
                    t = 0.0
                    for k in range(m, d):
                        t += minv[k, j] * inv_d[k] * minv[k, m]
                    prec[z, i, _at(j, m, d)] = t
            if det != 0.0 and math.isfinite(det) and abs(det) > 1e-280:
                logdet[z, i] = math.log(det)
            else:  # the product under- or overflows: sum the logs of the pivots instead
                ld = 0.0
                for j in range(d):
                    ld += math.log(piv_d[j])
                logdet[z, i] = ld


@jit
def gauss_jordan_rows(cov, prec, logdet, tri, rows, z, rd):  # pragma: no cover - compiled
    """:func:`_gauss_jordan` for individuals ``rows``, states ``z``, ridges ``rd``."""
    for j in range(rows.shape[0]):
        _gauss_jordan(cov, prec, logdet, tri, rows[j], z[j], rd[j])


@jit
def _gauss_jordan(cov, prec, logdet, tri, i, z, rd):  # pragma: no cover - compiled
    """Sigma^-1 and ln |det Sigma| of Sigma = cov[z, i] + rd I by Gauss-Jordan with partial
    pivoting, for a Sigma that rounding leaves not positive definite (ridge 0)."""
    d = tri.shape[0]
    aug = np.empty((d, 2 * d))
    for j in range(d):
        for m in range(d):
            aug[j, m] = cov[z, i, tri[j, m]] + (rd if j == m else 0.0)
            aug[j, d + m] = 1.0 if j == m else 0.0
    det = 1.0
    for col in range(d):
        piv = col
        for rr in range(col + 1, d):
            if abs(aug[rr, col]) > abs(aug[piv, col]):
                piv = rr
        if piv != col:
            for m in range(2 * d):
                tmp = aug[col, m]
                aug[col, m] = aug[piv, m]
                aug[piv, m] = tmp
        pv = aug[col, col]
        det *= pv
        inv_pv = 1.0 / pv
        for m in range(2 * d):
            aug[col, m] *= inv_pv
        for rr in range(d):
            fr = aug[rr, col]
            if rr != col and fr != 0.0:
                for m in range(2 * d):
                    aug[rr, m] -= fr * aug[col, m]
    for j in range(d):
        for m in range(j, d):
            prec[z, i, tri[j, m]] = aug[j, d + m]
    if det != 0.0 and math.isfinite(det) and abs(det) > 1e-280:
        logdet[z, i] = math.log(abs(det))
    else:
        logdet[z, i] = _logdet_pivots(cov, tri, i, z, rd)


@jit
def _logdet_pivots(cov, tri, i, z, rd):  # pragma: no cover - compiled
    """ln |det(cov[z, i] + rd I)| as a sum of logs of the pivots (no under- or overflow)."""
    d = tri.shape[0]  # cov is (K, N, d(d+1)/2), packed by tri
    m = np.empty((d, d))
    for j in range(d):
        for k in range(d):
            m[j, k] = cov[z, i, tri[j, k]] + (rd if j == k else 0.0)
    ld = 0.0
    for col in range(d):
        piv = col
        for rr in range(col + 1, d):
            if abs(m[rr, col]) > abs(m[piv, col]):
                piv = rr
        for k in range(d):
            m[col, k], m[piv, k] = m[piv, k], m[col, k]
        pv = m[col, col]
        ld += math.log(abs(pv)) if pv != 0.0 else -np.inf
        if pv == 0.0:
            return ld
        for rr in range(col + 1, d):
            fr = m[rr, col] / pv
            for k in range(d):
                m[rr, k] -= fr * m[col, k]
    return ld


@jit_parallel
def softmax_act(q, s, beta, u, mask, use_mask, col, p_out, a_out):  # pragma: no cover
    """Softmax policy in Q rows ``s``: P(action ``col``) unmasked, and a masked choice by u."""
    _, n, n_actions = q.shape  # q is slot-major (S, N, A)
    n_chunks = (n + CHUNK - 1) // CHUNK
    for c in prange(n_chunks):
        e = np.empty(n_actions)
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            z = s[i]
            v_max = -np.inf
            for a in range(n_actions):
                v = beta[i] * q[z, i, a]
                if v > v_max:
                    v_max = v
            total = 0.0
            for a in range(n_actions):
                t = beta[i] * q[z, i, a] - v_max  # 0 at the maximum, and exp(0) = 1 exactly
                e[a] = 1.0 if t == 0.0 else math.exp(t)
                total += e[a]
            p_out[i] = e[col] / total
            masked = False  # a row that allows every action is its unmasked policy
            if use_mask:
                for a in range(n_actions):
                    if not mask[i, a]:
                        masked = True
            if masked:
                v_max = -np.inf
                for a in range(n_actions):
                    if mask[i, a]:
                        v = beta[i] * q[z, i, a]
                        if v > v_max:
                            v_max = v
                total = 0.0
                for a in range(n_actions):
                    t = beta[i] * q[z, i, a] - v_max
                    e[a] = (1.0 if t == 0.0 else math.exp(t)) if mask[i, a] else 0.0
                    total += e[a]
            # inverse CDF over probabilities e / total, as agents._base.sample
            chosen = 0
            run = 0.0
            last = 0.0
            for a in range(n_actions):
                last += e[a] / total
            thr = u[i] * last
            allowed = 0  # if u rounds up to the total: the last action with probability > 0
            for a in range(n_actions):
                run += e[a] / total
                if run <= thr:
                    chosen += 1
                if e[a] > 0.0:
                    allowed = a
            a_out[i] = min(chosen, allowed)
