"""Homeostatic reinforcement learning: reward as the reduction of a homeostatic drive.

Keramati and Gutkin (2014), "Homeostatic reinforcement learning for integrating reward
collection and physiological stability", eLife 3:e04811; the addiction model of Keramati,
Durand, Girardeau, Gutkin and Ahmed (2017), "Cocaine addiction as a homeostatic reinforcement
learning disorder", Psychol Rev 124:130 (code: mehdiKeramati/HRRL-Addiction, "1.0 Ahmed 1998
Science.py", whose functions the equations below are checked against line by line).

Per individual: an internal state h (the drug level in the brain), a buffer b of drug
delivered but not yet absorbed, and a setpoint h*. One internal dimension per activity (the
task's outcome); with one dimension the drive d(H) = (sum_i |h*_i - h_i|^n)^(1/m) is
|h* - h|^(n/m). Per step, with K the outcome delivered this step (``dose`` when the task
delivers it, 0 otherwise):

    drive      d(h; h*) = |h* - h|^(n/m)                        (n = 4, m = 3)
    reward     r_h = d(h; h*) - d(h + K; h*)                     driveReductionReward: the
               outcome is valued at the internal state before it is absorbed
    buffer     b <- b + K                                        cocBuffer = cocBuffer + out
    internal   h <- max(h_min, h + a b - g (h - h_min))          updateInState(inState,
               b <- (1 - a) b                                    cocBuffer * cocAbsorptionRatio)
    setpoint   h* <- min(h*_max, max(h*_min, h* + s K - c))      updateSetpoint (allostasis:
               tolerance rises with use and recovers at c per step)

Withdrawal is h below h*: the further below, the larger the drive reduction of a dose, so the
drug is worth more (to a planner that values outcomes at the current internal state,
agents/model_based.py). The ``paper`` preset has HRRL-Addiction's values per 4-s step: dose
50, absorption a 0.12, degradation g 0.007, h_min 0, h*_min 100 (the initial setpoint),
h*_max 200, shift s 0.0018 per unit dose, recovery c 0.00016 per step.

``drive_scale`` converts drive units into the task's reward units (1 in the paper, whose only
other reward is a lever-press cost of 1). That conversion is ours: a population's natural
rewards (about 10) and a drive reduction (about 280 for a dose of 50 at h = 0, h* = 100) are
on different scales, and the drive does not say how they trade. ``homeostasis = 0`` switches
the module off (r_h = 0, state frozen): the ablation.
"""

from __future__ import annotations

from dataclasses import dataclass

from addsim._jit import jit
from addsim.agents._base import Params, param


@dataclass(frozen=True)
class HomeostaticParams(Params):
    """Parameters of the homeostatic module (scalars or per-individual arrays)."""

    homeostasis: float = param(0.0, 0.0, 1.0, "1: reward includes drive reduction; 0: off")
    dose: float = param(50.0, 0.0, 1e6, "outcome K added to the buffer per delivery")
    absorption: float = param(0.12, 0.0, 1.0, "share of the buffer absorbed per step (a)")
    degradation: float = param(0.007, 0.0, 1.0, "share of h above h_min lost per step (g)")
    h_min: float = param(0.0, -1e6, 1e6, "lower bound of the internal state")
    setpoint0: float = param(100.0, -1e6, 1e6, "initial setpoint h* (and its lower bound)")
    setpoint_max: float = param(200.0, -1e6, 1e6, "upper bound of the setpoint")
    shift: float = param(0.0018, 0.0, 1e3, "setpoint rise per unit of outcome (tolerance, s)")
    recovery: float = param(0.00016, 0.0, 1e6, "setpoint recovery per step (c)")
    drive_n: float = param(4.0, 1.0, 10.0, "n of the drive |h* - h|^(n/m)")
    drive_m: float = param(3.0, 1.0, 10.0, "m of the drive |h* - h|^(n/m)")
    drive_scale: float = param(1.0, 0.0, 1e6, "reward units per drive unit (ours; 1 in HRRL)")

    presets = {"paper": {"homeostasis": 1.0}, "report": {}}


@jit
def drive(h, h_star, n, m):  # type: ignore[no-untyped-def]
    """d(h; h*) = |h* - h|^(n/m) (HRRL's numpy.power(|(h* - h)^n|, 1/m))."""
    return abs(h_star - h) ** (n / m)


@jit
def drive_reduction(h, h_star, k, n, m):  # type: ignore[no-untyped-def]
    """r_h = d(h; h*) - d(h + K; h*): the reward of outcome K at internal state h (0 exactly
    when K is 0). The one implementation: the planner's kernels call it."""
    if k == 0.0:
        return 0.0
    return drive(h, h_star, n, m) - drive(h + k, h_star, n, m)


@jit
def homeostatic_update(  # type: ignore[no-untyped-def]
    h, buffer, setpoint, k, absorption, degradation, h_min, setpoint0, setpoint_max, shift,
    recovery,
):
    """One step of the internal state with outcome ``k``, in HRRL-Addiction's order: the
    buffer takes the outcome, h absorbs and degrades, the setpoint shifts and recovers, the
    buffer loses what was absorbed. Returns (h, buffer, setpoint)."""
    buf = buffer + k
    h_new = max(h_min, h + absorption * buf - degradation * (h - h_min))
    s_new = min(setpoint_max, max(setpoint0, setpoint + shift * k - recovery))
    return h_new, (1.0 - absorption) * buf, s_new


__all__ = ["HomeostaticParams", "drive", "drive_reduction", "homeostatic_update"]
