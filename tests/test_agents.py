"""Unit tests of the batched learners: equations on hand-made transitions, parameters, capacity."""

from __future__ import annotations

import numpy as np
import pytest

from addsim.agents import LEARNERS, DualProcess, make_learner
from addsim.agents._base import sample, softmax_policy
from addsim.agents.dezfouli2009 import dezfouli_error
from addsim.agents.redish2004 import redish_error


def test_softmax_survives_huge_values() -> None:
    """Redish values grow without bound: the softmax must subtract the max (no overflow)."""
    p = softmax_policy(np.array([[1e6, 1e6 - 1.0], [0.0, 5e5]]), np.array([1.0, 1.0]))
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert p[1, 1] == 1.0


def test_softmax_mask_forbids_actions() -> None:
    """A masked action gets probability 0 and is never sampled."""
    p = softmax_policy(np.zeros((3, 2)), np.ones(3), mask=np.array([[1, 0], [0, 1], [1, 1]], bool))
    np.testing.assert_allclose(p, [[1, 0], [0, 1], [0.5, 0.5]])
    assert list(sample(p, np.array([0.99, 0.0, 0.7]))) == [0, 1, 1]


def test_sample_never_lands_on_a_zero_probability_entry() -> None:
    """Inverse-CDF choice at both edges of u: never a leading, inner or trailing
    zero-probability (masked) entry, however the cumulative sum rounds."""
    p = np.array([[0.1, 0.7, 0.2, 0.0], [0.3, 0.0, 0.7, 0.0], [0.0, 0.6, 0.4, 0.0]])
    u = np.array([np.nextafter(1.0, 0.0), np.nextafter(1.0, 0.0), 0.0])
    assert list(sample(p, u)) == [2, 2, 1]
    assert list(sample(p[1:2], np.array([0.3]))) == [2]  # exactly at a step: not the 0 entry


@pytest.mark.parametrize("compiled", [True, False])
def test_masked_action_is_never_chosen_even_at_the_edge(
    compiled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Compiled and numpy act paths: a masked last action is never chosen, even with u -> 1."""
    from addsim import _jit

    if compiled and _jit.numba is None:
        pytest.skip("numba is not installed")
    monkeypatch.setattr(_jit, "ENABLED", compiled)
    n = 64
    learner = make_learner("q_learning", n, 1, 3, 0)
    learner.q[:, 0, 2] = 100.0  # the masked action would be preferred by far (beta 0.1)
    mask = np.ones((n, 3), bool)
    mask[:, 2] = False
    mask[: n // 4, 0] = False  # and a leading masked action for a quarter of them
    u = np.concatenate([np.zeros(n // 4), np.full(n // 4, np.nextafter(1.0, 0.0)),
                        np.linspace(0, 1, n // 2, endpoint=False)])
    a, p_col = learner.act_and_p(np.zeros(n, np.int64), u, 2, mask)
    assert mask[np.arange(n), a].all()  # every choice is an allowed action
    assert np.all(p_col > 0.99)  # the record keeps the unmasked policy's P(action 2)


def test_redish_error_is_max_of_td_plus_surge_and_surge() -> None:
    """Redish: max(gamma (r + V') - Q + D, D) on drug steps only; plain TD otherwise."""
    r, q, v = np.array([1.0, 1.0, 1.0]), np.array([0.0, 50.0, 0.0]), np.array([2.0, 2.0, 2.0])
    drug = np.array([True, True, False])
    d = redish_error(r, q, v, drug, np.full(3, 0.9), np.full(3, 15.0))
    np.testing.assert_allclose(d, [0.9 * 3 + 15, 15.0, 0.9 * 3])


def test_dezfouli_error_subtracts_rho_outside_the_max() -> None:
    """Dezfouli: max(r + V' - Q + D, D) - rho: rho sits outside the max."""
    r, q, v = np.array([0.0, 0.0]), np.array([100.0, 0.0]), np.array([0.0, 0.0])
    d = dezfouli_error(r, q, v, np.array([True, False]), np.full(2, 4.0), np.full(2, 15.0))
    np.testing.assert_allclose(d, [15.0 - 4.0, -4.0])


def test_dezfouli_sensed_reward_includes_the_surge() -> None:
    """R_bar moves to r on natural steps and to the surge-inflated reward on drug steps."""
    lr = make_learner("dezfouli2009", 2, 2, 2, 4, preset="paper", sigma=1.0, lam=1.0)
    s, a = np.array([0, 0]), np.array([1, 0])
    lr.learn(s, a, np.array([-3.0, 10.0]), np.array([1, 0]), np.array([True, False]))
    assert lr.rule["r_bar"][0] == pytest.approx(15.0)  # max(-3 + 0 - 0 + 15, 15) = 15
    assert lr.rule["r_bar"][1] == pytest.approx(10.0)
    assert lr.rule["kappa"][0] == pytest.approx(lr.p.kappa_target[0])
    assert lr.rule["kappa"][1] == 0.0


def test_per_individual_parameters_change_outcomes() -> None:
    """Risk factors are per-individual arrays: only the surge makes the drug valuable."""
    lr = make_learner("redish2004", 2, 2, 2, 4, surge=np.array([15.0, 0.0]))
    lr.learn(np.zeros(2, int), np.ones(2, int), np.full(2, -3.0), np.ones(2, int), np.ones(2, bool))
    assert lr.q[0, 0, 1] > 0.0 == lr.q[1, 0, 1]  # max(gamma * -3 + 0, 0) = 0


@pytest.mark.parametrize(
    ("key", "value", "text"),
    [("alpha", 1.5, "alpha: got 1.5"), ("beta", -1.0, "beta: got -1.0"),
     ("surge", np.array([1.0, np.nan]), "surge: got nan")],
)
def test_bad_parameters_name_field_value_and_range(key: str, value: object, text: str) -> None:
    """A bad parameter is refused with the field, the value and the allowed interval."""
    with pytest.raises(ValueError, match=text) as info:
        make_learner("dezfouli2009", 2, 2, 2, 4, **{key: value})
    assert "expected a value in [" in str(info.value)


def test_unknown_learner_and_preset_get_suggestions() -> None:
    """Misspelt names are refused with a suggestion."""
    with pytest.raises(ValueError, match="did you mean 'dual_process'"):
        make_learner("dual_proces", 1, 2, 2, 4)
    with pytest.raises(ValueError, match="did you mean 'report'"):
        make_learner("q_learning", 1, 2, 2, 4, preset="reprot")


@pytest.mark.parametrize("name", list(LEARNERS))
def test_one_individual_is_individual_0_of_a_thousand(name: str) -> None:
    """N = 1 is the same code path as N = 1,000: given the same cues or states, uniforms and
    outcomes, the single learner classifies, chooses and learns as individual 0 of a batch of
    1,000 whose others get other draws. (Issue 34: the test checked only the shape of one
    action.) Cues from two places, the second after 40 steps, so the latent-state learners
    make a state."""
    rng = np.random.default_rng(0)
    n, steps = 1000, 80
    one, many = (make_learner(name, k, 2, 2, 4, precision="float64") for k in (1, n))

    def draw(t: int) -> np.ndarray:
        if not one.uses_cue:
            return rng.integers(0, 2, n)
        centre = [1.0, 0.0, 1.0, 0.0] if t < 40 else [0.0, 3.0, 0.0, 1.0]
        return rng.normal(centre, 0.1, (n, 4))

    obs = draw(0)
    u = rng.random(n)
    z1, z = one.observe(obs[:1], u[:1]), many.observe(obs, u)
    actions = set()
    for t in range(steps):
        assert z1[0] == z[0], t
        u = rng.random(n)
        a1, a = one.act(z1, u[:1]), many.act(z, u)
        assert a1[0] == a[0], t
        actions.add(int(a[0]))
        r, drug = rng.normal(0.0, 5.0, n), rng.random(n) < 0.5
        nxt, u = draw(t + 1), rng.random(n)
        n1, nz = one.observe(nxt[:1], u[:1]), many.observe(nxt, u)
        cue = obs if one.uses_cue else None
        one.learn(z1, a1, r[:1], n1, drug[:1], cue=None if cue is None else cue[:1])
        many.learn(z, a, r, nz, drug, cue=cue)
        np.testing.assert_allclose(one.q[0], many.q[0][: one.q.shape[1]], rtol=1e-12,
                                   atol=1e-12, err_msg=f"{name} step {t}")
        obs, z1, z = nxt, n1, nz
    assert actions == {0, 1}
    if hasattr(one, "n_latent"):
        assert one.n_latent[0] == many.n_latent[0] >= 2


def test_latent_capacity_exhaustion_is_counted() -> None:
    """With capacity 2, a third distinct cue is assigned to an existing state and counted."""
    lr = make_learner("dual_process", 1, 2, 2, 4, capacity=2, burn_in=0.0)
    assert isinstance(lr, DualProcess)
    for x in ([1, 0, 0, 0], [0, 5, 0, 0], [0, 0, 9, 0]):
        lr.observe(np.array([x], float), np.array([0.5]))
    assert lr.n_latent[0] == 2
    assert lr.overflow[0] == 1


def test_latent_new_state_only_after_burn_in() -> None:
    """Before the burn-in every cue joins an existing state; after it a far cue opens one."""
    lr = make_learner("dual_process", 1, 2, 2, 4, burn_in=3.0)
    far = [np.array([[1.0, 0, 0, 0]]), np.array([[0, 3.0, 0, 0]])]
    for t in range(3):
        lr.observe(far[t % 2], np.array([0.5]))
    assert lr.n_latent[0] == 1
    lr.observe(far[1], np.array([0.5]))
    assert lr.n_latent[0] == 2
