"""addsim reproduce compulsive-seeking: Dezfouli et al. 2009's seek-take chain with punishment."""

from __future__ import annotations

import numpy as np
import pytest
from evidence import SEEDS, quoted, stale_documentation

from addsim.envs._core import Draws
from addsim.envs.seek_take import SeekTakeCore
from addsim.population.reproduce import REGISTRY


def test_seek_take_chain_punishes_seeking_and_delivers_the_drug_on_taking() -> None:
    """Seek moves to s1 with -punishment; take returns to s0 with the drug; other stays."""
    core = SeekTakeCore(3, punishment=7.0, seek_sd=0.0, other_sd=0.0, take_sd=0.0)
    draws = Draws(np.zeros((3, 1)), np.zeros((3, 0)))
    out = core.step(np.array([1, 1, 0]), draws)
    np.testing.assert_array_equal(out.reward, [-7.0, -7.0, 1.0])
    np.testing.assert_array_equal(core.state, [1, 1, 0])
    assert not out.drug.any()
    out = core.step(np.array([1, 0, 0]), draws)
    np.testing.assert_array_equal(out.drug, [True, False, False])
    np.testing.assert_array_equal(core.state, [0, 0, 0])


@pytest.fixture(scope="module")
def summary() -> dict:
    return REGISTRY["compulsive-seeking"].run(100, 0).summary


def test_the_documentation_data_is_this_run(summary: dict) -> None:
    """docs/reproductions/compulsive-seeking.json (the table's numbers) holds this run: seed
    0, 100 per arm."""
    msg = stale_documentation("compulsive-seeking", summary, 0, 100)
    assert not msg, msg


def persists_after_long_not_short(s: dict) -> bool:
    """Dezfouli et al. 2009's claim, with its bounds written here (not read from the module's
    own flag): under punishment P(seek) stays above 0.3 after the long history and is more
    than three times the short history's."""
    long, short = s["long"]["p_seek_punished"], s["short"]["p_seek_punished"]
    return long > 0.3 and long > 3 * short


def test_seeking_persists_under_punishment_after_long_exposure_only(summary: dict) -> None:
    """After 2,000 ticks of drug history punished seeking persists for the Dezfouli learner;
    after 100 ticks punishment suppresses it (to below half its level before); Q-learning
    (no surge) never seeks. The module's own flag agrees with the bounds written here."""
    s = summary["dezfouli2009"]
    assert persists_after_long_not_short(s), s
    assert s["persists_after_long_not_short"] == persists_after_long_not_short(s)
    assert quoted(s["long"]["p_seek_punished"], "0.71")  # seed 0, n 100
    assert quoted(s["short"]["p_seek_punished"], "0.05")
    assert s["short"]["p_seek_punished"] < 0.5 * s["short"]["p_seek_before"]
    q = summary["q_learning"]
    assert not persists_after_long_not_short(q)
    assert max(q["short"]["p_seek_punished"], q["long"]["p_seek_punished"]) < 0.05


@pytest.mark.slow
def test_seeking_persists_after_long_exposure_only_on_every_seed() -> None:
    """The same on each of evidence.SEEDS (fixed before any run), 100 individuals."""
    for seed in SEEDS:
        summary = REGISTRY["compulsive-seeking"].run(100, seed).summary
        s = summary["dezfouli2009"]
        assert persists_after_long_not_short(s), (seed, s)
        assert s["short"]["p_seek_punished"] < 0.5 * s["short"]["p_seek_before"], (seed, s)
        q = summary["q_learning"]
        assert max(q["short"]["p_seek_punished"], q["long"]["p_seek_punished"]) < 0.05, seed


@pytest.mark.xfail(strict=True, reason="not reproduced for dual-process since issue 27 (seed 0, "
                   "100): after the long history P(seek) is 0.20 before and 0.17 under "
                   "punishment (below 0.3), after the short one 0.10 and 0.00")
def test_dual_process_seeking_persists_after_long_exposure(summary: dict) -> None:
    assert persists_after_long_not_short(summary["dual_process"])
