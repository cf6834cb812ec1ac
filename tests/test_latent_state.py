"""Situation recognition's parts, one at a time (agents/latent_state.py), in both forms.

Hand-made prototypes with known surprises: Redish's creation bias opens a state only under
sustained disappointment and only for a cue a fresh prototype explains as well; Pettine's
state-choice temperature; the new-state value rules; a faint cue feature; and the history
switch.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np
import pytest

from addsim import _jit
from addsim.agents import _kernels, make_learner
from addsim.agents.latent_state import history_factor

D = 5


@pytest.fixture(params=["compiled", "python"])
def compiled(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Both forms of the kernels (agents/_kernels.py, the one implementation): compiled by
    numba, and the same functions as plain Python, what runs where numba is absent or
    ADDSIM_NUMBA=0 (every compiled function of the module swapped for its Python source, so
    the kernels call each other's Python forms too). Issue 34: the docstring said "both
    forms" and one ran."""
    if request.param == "compiled":
        if _jit.numba is None:
            pytest.skip("numba is not installed")
        return True
    for name, obj in list(vars(_kernels).items()):
        python = obj.fn if isinstance(obj, _jit.Kernel) else getattr(obj, "py_func", None)
        if python is not None:
            monkeypatch.setattr(_kernels, name, python)
    assert inspect.isfunction(_kernels.latent_observe)
    assert inspect.isfunction(_kernels.latent_learn_pass)
    return False


def _with_states(n: int, k: int, var: list[float] | float = 0.01, **over: object) -> Any:
    """A dual-process learner whose individuals each hold ``k`` established states at the
    origin with variance ``var`` per feature (one value per state or one for all), past
    burn-in."""
    lr = make_learner("dual_process", n, 2, 2, D, precision="float64", **over)
    while lr.slots < k + 1:  # allocate slot planes
        lr._n_active[:] = lr.slots
        lr._grow()
    lr._n_active[:] = k
    vs = [var] * k if np.isscalar(var) else list(var)
    for s, v in enumerate(vs):
        lr.mu[:, s] = 0.0
        cov = np.eye(D) * v
        lr._cov[s] = cov[lr._iu]
        lr._prec[s] = np.linalg.inv(cov)[lr._iu]
        lr.logdet[:, s] = D * math.log(v)
        lr.count[:, s] = 75.0
    lr.n_obs[:] = 1000
    return lr


def _surprise_cue(target_f: float, var: float = 0.01) -> np.ndarray:
    """A cue whose surprise F under a state at the origin with variance ``var`` is
    ``target_f`` (all attention weights 1)."""
    half = 0.5 * (math.log(2 * math.pi) + D * math.log(var))
    x = np.zeros(D)
    x[0] = math.sqrt(2 * (target_f - half) * var)
    return x


def test_history_factor_is_pettines_linear_ramp() -> None:
    assert [history_factor(d) for d in (0.0, -4.0, -8.0, -12.0, -40.0)] == [
        0.0, 0.0, 0.5, 1.0, 1.0]


def test_creation_bias_opens_a_state_only_under_disappointment(compiled: bool) -> None:
    """F = 1.15 lies between a fresh prototype's mean surprise (-0.05) and -ln(0.1) (2.30):
    a new state only where the history is deep (individual 0) and the bias on."""
    lr = _with_states(3, 1, creation_bias=np.array([1.0, 1.0, 0.0]))
    lr.dbar_fast[:] = [-30.0, 0.0, -30.0]  # f = 1, 0, 1 (the slow trace stays 0)
    x = np.tile(_surprise_cue(1.15), (3, 1))
    z = lr.observe(x, np.full(3, 0.5))
    assert z.tolist() == [1, 0, 0]
    assert lr.n_latent.tolist() == [2, 1, 1]
    assert lr.dbar_fast[0] == 0.0 and lr.dbar_fast[2] == -30.0  # reset on creation only


def test_the_bias_never_opens_a_state_for_a_cue_a_known_state_explains(compiled: bool) -> None:
    """Full disappointment, but the cue sits where the known state explains it better than a
    fresh prototype (F = -1 < -0.05): no new state, so the bias cannot run away."""
    lr = _with_states(1, 1)
    lr.dbar_fast[:] = -30.0
    z = lr.observe(_surprise_cue(-1.0)[None, :], np.full(1, 0.5))
    assert z.tolist() == [0] and lr.n_latent.tolist() == [1]


@pytest.mark.parametrize(("rule", "expected"), [(0.0, [0.0, 0.0]), (1.0, [1.0, 2.0]),
                                                (2.0, [3.0, 4.0])])
def test_new_state_values(compiled: bool, rule: float, expected: list[float]) -> None:
    """Zero (Pettine), a copy of the least surprising state (slot 0, the tighter one), or the
    mean over the established states."""
    lr = _with_states(1, 2, var=[0.01, 0.02], new_values=rule, creation_bias=0.0)
    lr.q[0, 0] = [1.0, 2.0]
    lr.q[0, 1] = [5.0, 6.0]
    far = np.full((1, D), 3.0)  # nobody's candidate: a new state
    z = lr.observe(far, np.full(1, 0.5))
    assert z.tolist() == [2]
    assert lr.q[0, 2].tolist() == expected


def test_state_choice_temperature_falls_with_the_fast_trace(compiled: bool) -> None:
    """Two candidates, the tighter one far more probable at beta_state 50; at full
    disappointment with beta_state_min 0 the choice is uniform (u = 0.75 takes the second)."""
    x = np.zeros((2, D))
    u = np.full(2, 0.75)
    lr = _with_states(2, 2, var=[0.01, 0.02], beta_state_min=np.array([50.0, 0.0]),
                      creation_bias=0.0)
    lr.dbar_fast[:] = -30.0
    lr.dbar_slow[:] = -30.0  # dbar_eff 0: attention stays at baseline, only f_fast is 1
    assert lr.observe(x, u).tolist() == [0, 1]


def test_a_faint_feature_is_ignored_at_baseline_and_seen_under_disappointment(
        compiled: bool) -> None:
    """Salience 0.05 on the last feature: a cue 1.5 away on it stays in the state at
    baseline attention and opens a new one when the history raises attention to 1."""
    sal = (1.0, 1.0, 1.0, 1.0, 0.05)
    lr = make_learner("dual_process", 2, 2, 2, D, precision="float64", salience=sal,
                      creation_bias=0.0)
    ref = _with_states(2, 1)
    for name in ("_n_active", "_mu", "_cov", "_prec", "_logdet", "_count", "n_obs"):
        getattr(lr, name)[...] = getattr(ref, name)[: getattr(lr, name).shape[0]]
    lr.dbar_fast[:] = [0.0, -30.0]  # f = 0 and 1 (dbar_eff = fast - slow)
    x = np.zeros((2, D))
    x[:, 4] = 1.5
    z = lr.observe(x, np.full(2, 0.5))
    assert z.tolist() == [0, 1]


def test_history_off_keeps_the_trace_at_zero(compiled: bool) -> None:
    lr = make_learner("dual_process", 2, 2, 2, D, history=np.array([1.0, 0.0]))
    s = np.zeros(2, np.int64)
    lr.observe(np.zeros((2, D)), np.full(2, 0.5))
    lr.learn(s, np.ones(2, np.int64), np.full(2, -50.0), s, np.zeros(2, bool),
             cue=np.zeros((2, D)))
    assert lr.dbar_fast[0] < 0 and lr.dbar_fast[1] == 0 and lr.dbar_slow[1] == 0
