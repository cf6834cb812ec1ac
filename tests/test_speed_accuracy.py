"""The compiled hot path: its numerics and its independence of threads and storage.

The kernels (agents/_kernels.py, population/modules.py, the substance and gambling tasks'
kernels in envs/substance.py and envs/gambling.py) are the one implementation of the learners,
the population passes and the hot tasks (tests/test_reference.py checks the learners against
the independent per-individual oracle). These tests bound what is left: results independent of
the number of threads and of the helper thread's fills, the small matrix inverse against
LAPACK, float32 storage of the prototypes against float64, the two tasks' cue and transition
bit for bit against tests/reference.py's oracle (at one individual and at thousands), the
network builders and neighbour counts.
"""

from __future__ import annotations

import numpy as np
import pytest
import reference
from evidence import quoted

from addsim import _jit
from addsim.agents import _kernels, make_learner
from addsim.envs.gambling import GamblingCore
from addsim.envs.substance import SubstanceCore
from addsim.population import network
from addsim.population.reproduce.relapse import EXTINCTION, REEXPOSURE
from addsim.population.rollout import phases, rollout

needs_numba = pytest.mark.skipif(_jit.numba is None, reason="numba is not installed")
SCHEDULE = phases((150, {}), (150, EXTINCTION), (150, REEXPOSURE))


def _run(name: str, core_cls: type, n: int = 200) -> tuple:
    """A rollout with per-individual parameters, prototypes stored in float64."""
    core = core_cls(n)
    rng = np.random.default_rng(5)
    over = {"surge": rng.uniform(12, 18, n), "alpha": rng.uniform(0.1, 0.3, n),
            "beta_state_min": rng.uniform(0.0, 50.0, n), "creation_bias": rng.uniform(0, 1, n),
            "new_values": np.arange(n) % 3.0, "attention": rng.uniform(0.5, 1.0, n)}
    learner = make_learner(name, n, core.n_states, core.n_actions, core.cue_dim, capacity=4,
                           precision="float64", salience=core.salience(), **over)
    sched = SCHEDULE if core_cls is SubstanceCore else {}
    res = rollout(learner, core, 450, np.random.default_rng(11), sched)
    return res, learner


def _population(size: int = 600) -> np.ndarray:
    from addsim.population import config as C
    from addsim.population.model import PopulationModel

    cfg = C.load(sets=[f"population.size={size}", "run.ticks=80"])
    model = PopulationModel(cfg)
    model.run(80)
    return model.records.table


@needs_numba
def test_same_seed_same_result_whatever_the_thread_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Learner and population kernels give identical results on 1 and 2 threads.

    Sizes span many parallel work items (chunks of 256 individuals), so the threads really
    split the work; the population run covers the status and exposure kernels too.
    """
    numba = _jit.numba
    before = numba.get_num_threads()
    try:
        runs = []
        for threads in (1, 2):
            numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
            res, learner = _run("dual_process", SubstanceCore, n=3000)
            records = _population(size=3000)
            runs.append((res.p_addictive, learner.q.copy(), learner.prec.copy(), records))
    finally:
        numba.set_num_threads(before)
    for a, b in zip(*runs, strict=True):
        np.testing.assert_array_equal(a, b)


def test_population_same_with_or_without_the_helper_thread_fills(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A population whose random numbers are filled in two threads (normals by half, uniforms
    split by ``split_random``) runs exactly as one filled in a single thread: at 1,500 people
    the threshold is lowered so the threaded fills, which start at 32,768, really run (fewer
    than the 2,048 from which the kernels run threaded: their threads are the test above's)."""
    from addsim.population import rollout as R

    serial = _population(size=1500)
    monkeypatch.setattr(R, "SPLIT_THREADS_MIN", 1000)
    threaded = _population(size=1500)
    np.testing.assert_array_equal(serial, threaded)
    assert serial[..., 0].min() < serial[..., 0].max()  # the run moved: statuses changed


@needs_numba
def test_logdet_fallback_when_the_pivot_product_underflows() -> None:
    d = 4
    full = np.diag([1e-90, 2e-90, 3e-90, 4e-90])
    full[0, 1] = full[1, 0] = 5e-91
    iu = np.triu_indices(d)
    tri = np.zeros((d, d), dtype=np.int64)
    tri[iu] = tri[iu[1], iu[0]] = np.arange(len(iu[0]))
    cov = np.zeros((2, 3, len(iu[0])))
    cov[1, 2] = full[iu]
    ld = _kernels._logdet_pivots(cov, tri, 2, 1, 0.0)
    assert ld == pytest.approx(np.linalg.slogdet(full)[1], rel=1e-12)


def _learn_one_prototype(cov_full: np.ndarray, ridge: float) -> tuple[np.ndarray, float]:
    """Run latent_learn on one individual whose state 0 has covariance ``cov_full`` and a
    full window (one more cue at its mean leaves it scaled by 1 - 1/75); returns the stored
    precision (unpacked) and ln det, and the Sigma they belong to."""
    d, n_act = 4, 2
    iu = np.triu_indices(d)
    tri = np.zeros((d, d), dtype=np.int64)
    tri[iu] = tri[iu[1], iu[0]] = np.arange(len(iu[0]))
    one = np.ones(1)
    mu = np.zeros((2, 1, d))
    cov = np.zeros((2, 1, len(iu[0])))
    cov[0, 0] = cov_full[iu]
    prec, logdet = np.zeros_like(cov), np.zeros((2, 1))
    count = np.full((2, 1), 75.0)
    q = np.zeros((2, 1, n_act))
    z = np.zeros(1, np.int64)
    _kernels.latent_learn(
        2, z, z, z, np.zeros((1, d)), one, np.zeros(1, bool), np.zeros(1), True, q, one * 0.1,
        one, one * 0.9, one, one, one, one, one, one * 75.0, one * 25.0, one * ridge, mu, cov,
        prec, tri, logdet, count, one * 5.0, one, np.zeros(1), np.zeros(1), _kernels.dim(d),
    )
    sigma = cov[0, 0][tri] + ridge / 75.0 * np.eye(d)
    return prec[0, 0][tri], float(logdet[0, 0]), sigma


def test_prototype_inverse_and_logdet_match_lapack() -> None:
    """The LDL^T inverse of a positive definite Sigma, and the Gauss-Jordan one it falls back
    to where Sigma is not positive definite (ridge 0 and a covariance that rounding has left
    indefinite), both against numpy's LAPACK."""
    rng = np.random.default_rng(0)
    for _ in range(20):  # well and badly conditioned positive definite covariances
        a = rng.standard_normal((4, 4)) * rng.choice([1e-3, 1.0, 30.0], 4)
        prec, ld, sigma = _learn_one_prototype(a @ a.T / 4, 1e-4)
        inv = np.linalg.inv(sigma)  # any inverse is good to about cond * eps of the largest
        bound = 1e-14 * np.linalg.cond(sigma) * np.abs(inv).max()
        np.testing.assert_allclose(prec, inv, rtol=0.0, atol=bound)
        # ln det too, to 8 eps cond(Sigma)
        ld_bound = 8 * np.finfo(float).eps * np.linalg.cond(sigma)
        assert ld == pytest.approx(np.linalg.slogdet(sigma)[1], rel=0.0, abs=ld_bound)
    # indefinite: the LDL^T pivot goes negative, Gauss-Jordan with pivoting inverts it
    indefinite = np.diag([2.0, 1.0, -0.5, 3.0])
    prec, ld, sigma = _learn_one_prototype(indefinite, 0.0)
    np.testing.assert_allclose(prec, np.linalg.inv(sigma), rtol=1e-12)
    assert ld == pytest.approx(np.linalg.slogdet(sigma)[1], rel=1e-12)


def _from_edges_reference(n: int, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The original construction: np.unique of the pair keys, then a lexsort of both ends."""
    keep = u != v
    lo, hi = np.minimum(u[keep], v[keep]), np.maximum(u[keep], v[keep])
    key = np.unique(lo * n + hi)
    lo, hi = key // n, key % n
    rows, cols = np.concatenate([lo, hi]), np.concatenate([hi, lo])
    order = np.lexsort((cols, rows))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return indptr, cols[order].astype(np.int32)


@pytest.mark.parametrize("seed", [0, 1])
def test_network_construction_and_counts_unchanged(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 3000
    u, v = rng.integers(0, n, 20000), rng.integers(0, n, 20000)  # loops and duplicates
    adj = network.Adjacency.from_edges(n, u, v)
    indptr, indices = _from_edges_reference(n, u, v)
    np.testing.assert_array_equal(adj.indptr, indptr)
    np.testing.assert_array_equal(adj.indices, indices)
    active = rng.random(n) < 0.3
    cs = np.concatenate([[0], np.cumsum(active[indices])])
    np.testing.assert_array_equal(adj.count(active), cs[indptr[1:]] - cs[indptr[:-1]])


@pytest.mark.parametrize("name", ["dual_process", "latent_state"])
@pytest.mark.parametrize("core_cls", [SubstanceCore, GamblingCore])
def test_float32_prototypes_bounded_against_float64(name: str, core_cls: type) -> None:
    """Prototypes stored as float32 (the default, 1 KB of state per individual) classify as
    float64 storage does: values stay float64, so with the same latent states the runs agree.

    Asserted (1,000 individuals x 1,000 ticks, seed 3, relapse schedule and gambling) with a
    little slack for a rare flip of a latent state.
    """
    out = {}
    sched = phases((250, {}), (250, EXTINCTION), (500, REEXPOSURE))
    for precision in ("float64", "float32"):
        core = core_cls(1000)
        learner = make_learner(name, 1000, core.n_states, core.n_actions, core.cue_dim,
                               precision=precision)
        out[precision] = rollout(learner, core, 1000, np.random.default_rng(3),
                                 sched if core_cls is SubstanceCore else {}, trace=True), learner
    (a, la), (b, lb) = out["float64"], out["float32"]
    assert a.trace is not None and b.trace is not None
    assert lb.mu.dtype == np.float32 and la.mu.dtype == np.float64
    same_z = np.array(a.trace.z) == np.array(b.trace.z)
    assert same_z.mean() > 0.999, same_z.mean()
    assert np.abs(a.p_addictive - b.p_addictive).max() < 1e-3
    np.testing.assert_allclose(lb.mu, la.mu, rtol=0, atol=1e-5)
    # ln det of a float32-stored covariance moves by up to d * cond(Sigma) * eps32 (first-order
    # perturbation); states mixing the choice and drug cues are near-singular (cond ~1e3)
    sig = la.cov + 1e-4 / np.maximum(la.count, 1.0)[..., None, None] * np.eye(la.cue_dim)
    cond = np.where(la.count >= 25, np.linalg.cond(sig), 1.0)
    bound = 1e-5 + 1e-5 * np.abs(la.logdet) + la.cue_dim * cond * np.finfo(np.float32).eps
    assert (np.abs(lb.logdet - la.logdet) <= bound).all()
    assert lb.slots == la.slots and lb.memory()["state"] < 0.65 * la.memory()["state"]


@pytest.mark.parametrize(("d", "budget"), [(4, 1024), (5, 1400)])
def test_learner_state_fits_its_budget_per_individual_at_full_capacity(d: int,
                                                                       budget: int) -> None:
    """Learning state per individual and activity, all 8 slots used: issue 6's 1 KB for
    four-feature cues; 1.4 KB for the tasks' five-feature cues (the outcome feature of issue
    27; the prototypes grow as d^2); slots are allocated as they are first used (a free one
    is always kept). The byte counts are quoted below (they do not depend on a seed)."""
    n = 50
    learner = make_learner("dual_process", n, 2, 2, d, burn_in=0.0)
    assert learner.slots == 2
    for k in range(12):  # far-apart cues: each opens a new state until capacity
        learner.observe(np.full((n, d), 10.0 * k), np.full(n, 0.5))
    assert learner.slots == learner.capacity == 8
    assert (learner.n_latent == 8).all() and (learner.overflow == 4).all()
    mem = learner.memory()
    assert mem["state"] <= budget, mem
    assert quoted(mem["state"], {4: "991", 5: "1,343"}[d])  # float32 prototypes
    wide = make_learner("dual_process", n, 2, 2, d, burn_in=0.0, precision="float64")
    for k in range(12):
        wide.observe(np.full((n, d), 10.0 * k), np.full(n, 0.5))
    assert wide.memory()["state"] > budget
    assert quoted(wide.memory()["state"], {4: "1,831", 5: "2,535"}[d])  # float64 storage


def test_split_normals_same_numbers_with_or_without_the_thread() -> None:
    """Cue and reward normals are filled in two threads for large N: the numbers come from
    fixed child streams per half, so threading never changes a run."""
    from addsim.population.rollout import SPLIT_THREADS_MIN, SplitNormals

    n = SPLIT_THREADS_MIN + 3
    threaded = SplitNormals(np.random.default_rng(4), n)
    serial = SplitNormals(np.random.default_rng(4), n)
    serial.threaded = False
    assert threaded.threaded
    for _ in range(3):
        a, b = threaded.fill(np.empty((n, 4))), serial.fill(np.empty((n, 4)))
        np.testing.assert_array_equal(a, b)
    assert np.abs(a.mean()) < 0.02 and abs(a.std() - 1.0) < 0.02


@pytest.mark.parametrize("shape", [1001, (1001, 1), (1001, 3), (1001, 0), 1])
@pytest.mark.parametrize(
    "bit", [np.random.PCG64, np.random.PCG64DXSM, np.random.Philox, np.random.MT19937]
)
def test_split_random_gives_one_calls_numbers_and_state(shape: object, bit: type) -> None:
    """Uniforms filled in two threads (the second half from a copy advanced past the first)
    are the numbers one ``random`` call gives, and leave the generator where that call does:
    the population's uniform streams never depend on threading."""
    from addsim.population.rollout import split_random

    for threaded in (True, False, None):
        one = np.random.Generator(bit(5))
        split = np.random.Generator(bit(5))
        for _ in range(3):
            np.testing.assert_array_equal(split_random(split, shape, threaded), one.random(shape))
        np.testing.assert_array_equal(split.random(7), one.random(7))  # the state after


@pytest.mark.parametrize("name", ["dezfouli2009", "dual_process"])
def test_seeds_side_by_side_are_each_seeds_own_rollout(name: str) -> None:
    """``Streams``: one rollout of three seeds' individuals in blocks (sizes 3, 1 and 4), each
    block drawing from its own seed's generator, gives each block exactly the rollout of that
    seed alone: the uniforms, the reward normals and (dual-process) the cue normals, the
    choices, the values and the latent states; a size that does not add up is refused."""
    from addsim.population.rollout import Streams

    sizes, seeds = (3, 1, 4), (7, 8, 9)
    together = _run_streams(name, sum(sizes),
                            Streams([np.random.default_rng(s) for s in seeds], sizes))
    lo = 0
    for seed, k in zip(seeds, sizes, strict=True):
        alone = _run_streams(name, k, np.random.default_rng(seed))
        for a, b in zip(alone, together, strict=True):
            if a.ndim == 3:  # Q (N, slots, A): slots are allocated for the most of any block
                a = np.pad(a, ((0, 0), (0, b.shape[1] - a.shape[1]), (0, 0)))
            np.testing.assert_array_equal(a, b[lo:lo + k])
        lo += k
    with pytest.raises(ValueError, match="7 individuals for Streams of 8"):
        _run_streams(name, 7, Streams([np.random.default_rng(s) for s in seeds], sizes))


@pytest.mark.parametrize("tail", [(), (2,), (0,)])
@pytest.mark.parametrize("threaded", [None, True, False])
def test_streams_fill_each_block_from_its_own_generator(
        tail: tuple[int, ...], threaded: bool | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """``split_random`` and ``SplitNormals`` on ``Streams`` of blocks 5, 0 and 3 (an empty one
    among them): each block's rows are what its own generator gives alone, call after call,
    for 1-D and 2-D uniforms (none per person too) and with the fills threaded (the
    threshold lowered to 2, so the blocks' halves are filled in the helper thread)."""
    from addsim.population import rollout as R

    monkeypatch.setattr(R, "SPLIT_THREADS_MIN", 2)
    sizes, seeds = (5, 0, 3), (1, 2, 3)
    streams = R.Streams([np.random.default_rng(s) for s in seeds], sizes)
    alone = [np.random.default_rng(s) for s in seeds]
    normals = R.SplitNormals(R.Streams([np.random.default_rng(s) for s in seeds], sizes), 8)
    normals_alone = [R.SplitNormals(np.random.default_rng(s), k)
                     for s, k in zip(seeds, sizes, strict=True)]
    assert all(n.threaded for n, k in zip(normals_alone, sizes, strict=True) if k)
    for _ in range(2):
        got = R.split_random(streams, (8, *tail), threaded)
        z = normals.fill(np.empty((8, 3)))
        want = [R.split_random(g, (k, *tail), threaded) for g, k in zip(alone, sizes, strict=True)]
        want_z = [n.fill(np.empty((k, 3))) for n, k in zip(normals_alone, sizes, strict=True)]
        np.testing.assert_array_equal(got, np.concatenate(want))
        np.testing.assert_array_equal(z, np.concatenate(want_z))
    assert got.size == 0 or len(np.unique(got)) == got.size  # the blocks differ
    with pytest.raises(ValueError, match="9 rows for Streams of 8"):
        R.split_random(streams, 9)


def _run_streams(name: str, n: int, rng: object) -> tuple[np.ndarray, ...]:
    """Per individual after 300 ticks of SCHEDULE on the substance task: P(addictive) at the
    end, Q, and the number of latent states (ones for a model-free learner)."""
    core = SubstanceCore(n)
    learner = make_learner(name, n, core.n_states, core.n_actions, core.cue_dim,
                           salience=core.salience())
    res = rollout(learner, core, 300, rng, SCHEDULE)  # type: ignore[arg-type]
    return (res.p_final, learner.q.copy(),
            np.asarray(getattr(learner, "n_latent", np.ones(n))).copy())


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_threaded_fill_works_in_a_forked_child() -> None:
    """A process forked after a threaded fill (a user's fork-based pool, a notebook) must not
    hang on the parent's helper thread, which does not exist in the child."""
    import os
    import signal

    from addsim.population.rollout import SPLIT_THREADS_MIN, SplitNormals

    n = SPLIT_THREADS_MIN + 3
    SplitNormals(np.random.default_rng(1), n).fill(np.empty((n, 2)))  # parent's thread runs
    pid = os.fork()
    if pid == 0:  # the child: fill again under an alarm, exit 0 on success
        signal.alarm(20)  # a hang ends in SIGALRM, which kills the child
        try:
            SplitNormals(np.random.default_rng(2), n).fill(np.empty((n, 2)))
        except BaseException:
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status


@pytest.mark.parametrize("core_cls", [SubstanceCore, GamblingCore])
@pytest.mark.parametrize("n", [1, 7, 5000])
def test_task_step_and_cue_match_the_reference(core_cls: type, n: int) -> None:
    """The substance and gambling tasks' one implementation (their kernels) gives, bit for
    bit, what tests/reference.py's per-individual oracle gives for every state, action and
    per-individual condition, at one individual (a Gymnasium face) and at 5,000 (threaded);
    the noiseless cue is the oracle's with zero noise."""
    from addsim.envs._core import Draws

    rng = np.random.default_rng(8)
    core = core_cls(n)
    given = {}  # the conditions as set (the oracle reads these, not the core's copy)
    for key, spec in core.conditions_spec.items():
        low, high = max(spec.low, -30.0), min(spec.high, 30.0)
        values = rng.uniform(low, high, n)
        if key in ("drug_available", "cue_shown", "available"):  # 0/1, a few near the cut
            values = np.where(rng.random(n) < 0.9, rng.random(n) < 0.5, rng.uniform(0.4, 0.6, n))
        given[key] = np.asarray(values, dtype=float)
        core.set_condition(key, values)
    state = rng.integers(0, core.n_states, n)
    action = rng.integers(0, core.n_actions, n)
    draws = Draws(rng.standard_normal((n, core.n_normals)), rng.random((n, core.n_uniforms)))
    noise = rng.standard_normal((n, core.cue_dim))
    # the task's continuous state (the dose trace, a pending payout), random too
    (key,) = core._continuous()
    start = rng.uniform(-30.0, 30.0, n) if key == "payout" else rng.random(n)
    core.state = state.copy()
    core._continuous()[key][...] = start
    cue, clean = core.cue(noise), core.cue()
    tr = core.step(action, draws)
    got = np.column_stack([tr.reward, tr.next_state, tr.drug, tr.addictive, tr.optimal,
                           core._continuous()[key]])
    want_cue, want_clean, want = [], [], []
    for i in range(n):
        c = {k: float(v[i]) for k, v in given.items()}
        s, a, z = int(state[i]), int(action[i]), float(draws.normals[i, 0])
        if core_cls is SubstanceCore:
            want_cue.append(reference.substance_cue(s, noise[i].tolist(), c, start[i]))
            want_clean.append(reference.substance_cue(s, [0.0] * 5, c, start[i]))
            want.append(reference.substance_step(s, a, z, c, start[i]))
        else:
            want_cue.append(reference.gambling_cue(s, noise[i].tolist(), c, start[i]))
            want_clean.append(reference.gambling_cue(s, [0.0] * 5, c, start[i]))
            want.append(reference.gambling_step(s, a, z, float(draws.uniforms[i, 0]), c,
                                                start[i]))
    assert cue.tobytes() == np.array(want_cue).tobytes()
    assert clean.tobytes() == np.array(want_clean).tobytes()
    want = np.array(want, dtype=float)
    assert got[:, :5].tobytes() == want[:, :5].tobytes()
    # the dose's per-tick factor 0.5 ** (1 / half-life) comes from numpy's vectorised power,
    # which may differ from libm's pow in the last bit
    np.testing.assert_allclose(got[:, 5], want[:, 5], rtol=4e-16, atol=0.0)
    assert tr.next_state.dtype == np.int64 and tr.drug.dtype == bool


@needs_numba
def test_softmax_act_mask_allowing_everything_is_the_unmasked_choice() -> None:
    """A row whose mask allows every action reuses the unmasked pass: the same action and P as
    without a mask, bit for bit (ties and -inf values included); masked rows never choose a
    masked action."""
    rng = np.random.default_rng(3)
    n, k, a = 4000, 3, 3
    q = rng.normal(0.0, 5.0, (k, n, a))
    q[:, :50] = 1.0  # ties: exp(0) at several actions
    q[0, 50:60, 1] = -np.inf
    s = rng.integers(0, k, n)
    beta, u = rng.uniform(0.0, 3.0, n), rng.random(n)
    mask = rng.random((n, a)) < 0.7
    mask[np.arange(n), rng.integers(0, a, n)] = True
    mask[::2] = True
    mask[50:60] = True  # an allowed action at -inf alone has no defined policy
    outs = []
    for m, use in ((np.ones((1, 1), bool), False), (mask, True)):
        p, act = np.empty(n), np.empty(n, dtype=np.int64)
        _kernels.softmax_act(q, s, beta, u, m, use, 1, p, act)
        outs.append((p, act))
    (p0, a0), (p1, a1) = outs
    assert p0.tobytes() == p1.tobytes()
    full = mask.all(axis=1)
    assert np.array_equal(a0[full], a1[full])
    assert mask[np.arange(n), a1].all()
