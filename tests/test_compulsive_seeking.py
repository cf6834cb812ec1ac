"""addsim reproduce compulsive-seeking: Dezfouli et al. 2009's seek-take chain with punishment."""

from __future__ import annotations

import numpy as np

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


def test_seeking_persists_under_punishment_after_long_exposure_only() -> None:
    """After 2,000 ticks of drug history punished seeking persists for the Dezfouli and the
    dual-process learners (P(seek) above 0.3 and over three times the short-history value);
    after 100 ticks punishment suppresses it; Q-learning (no surge) never seeks."""
    summary = REGISTRY["compulsive-seeking"].run(100, 0).summary
    for name in ("dezfouli2009", "dual_process"):
        s = summary[name]
        assert s["persists_after_long_not_short"], s
        assert s["short"]["p_seek_punished"] < 0.5 * s["short"]["p_seek_before"]
    q = summary["q_learning"]
    assert not q["persists_after_long_not_short"]
    assert max(q["short"]["p_seek_punished"], q["long"]["p_seek_punished"]) < 0.05
