"""Item 7 of docs/reproductions.md: impulsive choice after prior drug exposure (paired levels)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from addsim.envs.impulsivity import ImpulsivityCore
from addsim.envs.substance import SubstanceCore
from addsim.population.reproduce._common import (
    Progress,
    Result,
    learner_for,
    plot_by_condition,
    stream,
    tick,
)
from addsim.population.reproduce._survival import mean_ci
from addsim.population.rollout import rollout

EXPOSURES = (0, 500, 2000)
RISES = ((500, 0), (2000, 500), (2000, 0))  # (more, fewer) exposures: the paired rises
IMPULSIVITY_TICKS = 1000


def impulsivity(n: int = 100, seed: int = 0, progress: Progress | None = None) -> Result:
    """Item 7: P(impulsive choice) after 0, 500 or 2000 drug exposures (Dezfouli's rho).

    Exposures are forced drug steps in the substance task; the individual then learns the
    impulsivity task carrying its allostatic shift kappa (R_bar starts afresh: it tracks the
    current task's reward rate within a few hundred steps).

    Paired levels: per learner, every level's drug history comes from one stream (the
    500-exposure history is the first 500 of the 2,000) and every level's impulsivity task
    from another, the same for all levels, so individual i meets the same task draws whatever
    its history and the levels differ only in the exposures. Each rise (500 - 0, 2000 - 500,
    2000 - 0) is the mean over individuals of their paired difference in P(impulsive) over
    the task, with a bootstrap interval.
    """
    rows, summary = [], {}
    for k, name in enumerate(("dezfouli2009", "dual_process")):
        summary[name] = {}
        per: dict[int, np.ndarray] = {}
        for exposures in EXPOSURES:
            drug_core = SubstanceCore(n)
            history = learner_for(name, drug_core)
            if exposures:
                # Forced drug use: every individual takes the drug at each choice (2 ticks each).
                forced = _ForcedDrug(history)
                rollout(forced, drug_core, 2 * exposures, stream(seed, 8, k, 0))
            core = ImpulsivityCore(n)
            learner = learner_for(name, core)
            learner.rule["kappa"][:] = history.rule["kappa"]  # the lasting allostatic shift
            res = rollout(learner, core, IMPULSIVITY_TICKS, stream(seed, 8, k, 1),
                          keep_individual=True)
            assert res.p_individual is not None
            per[exposures] = res.p_individual.mean(axis=0)
            rows.append(pd.DataFrame({
                "learner": name, "exposures": exposures, "t": np.arange(IMPULSIVITY_TICKS),
                "p_impulsive": res.p_addictive,
            }))
            summary[name][exposures] = {
                "p_impulsive": float(res.p_addictive.mean()),
                "kappa_at_test": float(history.rule["kappa"].mean()),
            }
            tick(progress)
        for hi, lo in RISES:
            summary[name][f"{hi}-{lo}"] = mean_ci(per[hi] - per[lo], seed=seed)  # paired
    return Result(pd.concat(rows, ignore_index=True), summary)


class _ForcedDrug:
    """Wraps a learner so that it always takes the addictive action but learns as usual."""

    def __init__(self, learner: Any) -> None:
        self._l = learner

    def __getattr__(self, key: str) -> Any:
        return getattr(self._l, key)

    def act_and_p(
        self, s: np.ndarray, u: np.ndarray, col: int, mask: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The forced choice (what the Stepper calls) and the learner's own P(``col``)."""
        _, p = self._l.act_and_p(s, u, col, mask)
        return np.full(self._l.n, col, dtype=np.int64), p


def plot(frame: pd.DataFrame, path: Path) -> None:
    """P(impulsive) over time per learner, a line per number of prior exposures."""
    plot_by_condition(frame, path, "exposures", "p_impulsive")
