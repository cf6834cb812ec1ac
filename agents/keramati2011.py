"""Keramati, Dezfouli and Piray (2011)'s arbitration: the value of perfect information and
the habit's Kalman variance (the equations the planner's kernels call; agents/model_based.py
has the learner, the ReScience replication of Viejo, Girard and Khamassi the code they are
checked against: code/fonctions.py computeVPIValues, code/models.py KalmanQLearning).

Speed/accuracy trade-off between the habitual and the goal-directed processes, PLoS Comput
Biol 7:e1002055. For the best action a1 and the second best a2 of the habit's means Q and
standard deviations sd (Phi, phi: the standard normal's distribution and density):

    VPI(a1) = (Q_a2 - Q_a1) Phi((Q_a2 - Q_a1) / sd_a1) + sd_a1 phi((Q_a2 - Q_a1) / sd_a1)
    VPI(a)  = (Q_a - Q_a1) (1 - Phi((Q_a1 - Q_a) / sd_a)) + sd_a phi((Q_a1 - Q_a) / sd_a)

and the diagonal of Kalman Q-learning's correction at (s, a), with the bootstrapped target's
variance P(s', a*) added to the observation's:

    S = P(s, a) + P(s', a*) + var_obs,  gain = P(s, a) / S,  P(s, a) <- P(s, a) - gain^2 S
"""

from __future__ import annotations

import math

from addsim._jit import jit

SQRT2 = math.sqrt(2.0)
SQRT_2PI = math.sqrt(2.0 * math.pi)


@jit
def normal_cdf(x):  # type: ignore[no-untyped-def]
    """Phi(x) = erfc(-x / sqrt 2) / 2."""
    return 0.5 * math.erfc(-x / SQRT2)


@jit
def vpi_action(mu, m1, m2, sd, best):  # type: ignore[no-untyped-def]
    """VPI of an action with mean ``mu`` and sd ``sd``; ``m1`` the best mean, ``m2`` the
    second best, ``best`` whether this action is the best (the module docstring)."""
    if best:
        z = (m2 - m1) / sd
        return (m2 - m1) * normal_cdf(z) + sd * math.exp(-0.5 * z * z) / SQRT_2PI
    z = (m1 - mu) / sd
    return (mu - m1) * (1.0 - normal_cdf(z)) + sd * math.exp(-0.5 * z * z) / SQRT_2PI


@jit
def kalman_correction(p_sa, p_next, var_obs):  # type: ignore[no-untyped-def]
    """The variance after the correction at (s, a) and the Kalman gain: (P, gain)."""
    total = p_sa + p_next + var_obs
    gain = p_sa / total
    return p_sa - gain * gain * total, gain


__all__ = ["kalman_correction", "normal_cdf", "vpi_action"]
