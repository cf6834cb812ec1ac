"""Elemental cue values under the model-free rules (agents/elemental.py), checked by hand.

The oracle is written out here from Redish (2004)'s equations (agents/redish2004.py's module
docstring) with the features spelled by hand; it imports nothing from the code under test."""

from __future__ import annotations

import numpy as np

from addsim.agents.elemental import make_elemental


def test_one_redish_update_by_hand() -> None:
    lrn = make_elemental("redish2004", 3, 2, 2, 4)
    alpha, gamma, surge = 0.2, 0.9, 15.0  # Redish2004's defaults
    assert np.all(lrn.p.alpha == alpha) and np.all(lrn.p.gamma == gamma)
    assert np.all(lrn.p.surge == surge)
    x0 = np.array([[1.0, 0.0, 1.0, 0.0], [1.0, 0.0, 1.0, 1.0], [1.0, 0.0, 0.0, 1.0]])
    # features: the state one-hot (the first two cue entries), then cues A, B in state 0,
    # then A, B in state 1
    phi0 = np.array([[1, 0, 1, 0, 0, 0], [1, 0, 1, 1, 0, 0], [1, 0, 0, 1, 0, 0]], float)
    assert np.array_equal(lrn.features(x0), phi0)
    lrn.w[:] = np.random.default_rng(0).normal(size=lrn.w.shape)
    w = lrn.w.copy()
    s = lrn.observe(x0)
    x1 = np.array([[0.0, 1.0, 1.0, 0.0]] * 3)  # state 1, cue A
    phi1 = np.array([[0, 1, 0, 0, 1, 0]] * 3, float)
    assert np.array_equal(lrn.features(x1), phi1)
    s1 = lrn.observe(x1)
    a, r, drug = np.array([1, 1, 0]), np.array([-3.0, -3.0, 10.0]), np.array([True, True, False])
    want = np.empty(3)
    for i in range(3):  # Redish 2004, one individual at a time
        q_sa = sum(phi0[i, f] * w[i, f, a[i]] for f in range(6))
        v_next = max(sum(phi1[i, f] * w[i, f, b] for f in range(6)) for b in range(2))
        td = gamma * (r[i] + v_next) - q_sa
        want[i] = max(td + surge, surge) if drug[i] else td  # the surge is never compensated
    step = lrn.learn(s, a, r, s1, drug)
    assert np.allclose(step.delta, want)
    assert np.all(step.delta[drug] >= surge)
    expect = w.copy()
    for i in range(3):
        expect[i, :, a[i]] += alpha * want[i] * phi0[i]
    assert np.allclose(lrn.w, expect)
    assert np.allclose(lrn.weight(3, 0, 1), lrn.w[:, 3, 1])  # B in the choice state
