"""addsim reproduce compulsive-seeking: Dezfouli et al. 2009's seek-take chain with punishment."""

from __future__ import annotations

import numpy as np
import pytest

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


def test_seeking_persists_under_punishment_after_long_exposure_only(summary: dict) -> None:
    """After 2,000 ticks of drug history punished seeking persists for the Dezfouli learner
    (P(seek) above 0.3 and over three times the short-history value); after 100 ticks
    punishment suppresses it; Q-learning (no surge) never seeks."""
    s = summary["dezfouli2009"]
    assert s["persists_after_long_not_short"], s
    assert s["short"]["p_seek_punished"] < 0.5 * s["short"]["p_seek_before"]
    q = summary["q_learning"]
    assert not q["persists_after_long_not_short"]
    assert max(q["short"]["p_seek_punished"], q["long"]["p_seek_punished"]) < 0.05


@pytest.mark.xfail(strict=True, reason="not reproduced for dual-process since issue 27 (seed 0, "
                   "100): after the long history P(seek) is 0.20 before and 0.17 under "
                   "punishment (below 0.3), after the short one 0.10 and 0.00")
def test_dual_process_seeking_persists_after_long_exposure(summary: dict) -> None:
    assert summary["dual_process"]["persists_after_long_not_short"]
