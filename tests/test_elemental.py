"""Elemental cue values under the model-free rules (agents/elemental.py), checked by hand."""

from __future__ import annotations

import numpy as np

from addsim.agents.elemental import make_elemental
from addsim.agents.redish2004 import redish_error


def test_one_redish_update_by_hand() -> None:
    lrn = make_elemental("redish2004", 3, 2, 2, 4)
    x0 = np.array([[1.0, 0.0, 1.0, 0.0], [1.0, 0.0, 1.0, 1.0], [1.0, 0.0, 0.0, 1.0]])
    phi0 = lrn.features(x0)
    # state one-hot, then s0 x (A, B), then s1 x (A, B)
    assert np.array_equal(phi0[1], [1, 0, 1, 1, 0, 0])
    lrn.w[:] = np.random.default_rng(0).normal(size=lrn.w.shape)
    w_before = lrn.w.copy()
    s = lrn.observe(x0)
    x1 = np.array([[0.0, 1.0, 1.0, 0.0]] * 3)
    s1 = lrn.observe(x1)
    a, r, drug = np.array([1, 1, 0]), np.array([-3.0, -3.0, 10.0]), np.array([True, True, False])
    q_sa = np.einsum("nf,nf->n", phi0, w_before[np.arange(3), :, a])
    v_next = np.einsum("nf,nfa->na", lrn.features(x1), w_before).max(axis=1)
    want = redish_error(r, q_sa, v_next, drug, lrn.p.gamma, lrn.p.surge)
    step = lrn.learn(s, a, r, s1, drug)
    assert np.allclose(step.delta, want)
    assert np.all(step.delta[drug] >= lrn.p.surge[drug])  # the surge is never compensated
    expect = w_before.copy()
    expect[np.arange(3), :, a] += (lrn.p.alpha * want)[:, None] * phi0
    assert np.allclose(lrn.w, expect)
    assert np.allclose(lrn.weight(3, 0, 1), lrn.w[:, 3, 1])  # B in the choice state
