"""Item 9 of docs/reproductions.md: Kamin blocking of a cue paired with the drug.

The substance task's cue carries two free elements: the drug cue (A, feature 2) and the
context feature (B, feature 3). Conditions, per learner (the same random stream for all):

- ``blocking``: 500 ticks of A with the drug, then 200 of A+B with the drug;
- ``AB only``: the 200 compound ticks alone;
- ``pre-exposed``: 500 ticks of the drug with neither cue, then the compound (the control
  for "blocking" that is only the average reward having habituated to the drug);
- ``pre-exposed elsewhere``: the same drug history in a different context, one that shares
  no element with the test situation: after the 500 ticks everything the learner associated
  with the situation is forgotten (elemental cue weights, latent states and their values set
  to their naive zeros) and only the drug history's non-associative trace carries over, the
  value rule's running statistics (Dezfouli's basal level rho = R_bar + kappa);

then a test of 20 ticks of B alone with the drug withheld. Blocking: B is worth less (and
draws less responding) after A was trained than in the controls. The decomposition the
summary gives (``decomposition``): the whole effect (``AB only`` minus ``blocking``) is the
non-associative part (``AB only`` minus ``pre-exposed elsewhere``: the basal level having
caught up with the drug) plus cue competition (``pre-exposed elsewhere`` minus
``blocking``: A, and the situation's own elements, having taken the value B would get),
measured on B's own weight for the elemental learners (and on the advantage at the B-alone
choice for every learner). Redish 2004 predicts no blocking (the surge is never
compensated, so B always gains value); Panlilio et al. 2007 found it with cocaine, which
Dezfouli 2009's basal level rho explains: the decomposition is the model's prediction of
how much of that is the basal level, reported as such (the experiment did not separate
the two). The model-free rules act on
elemental cue values (agents/elemental.py: a tabular learner cannot value an unseen cue); the
dual-process learner runs as it is, B alone being classified into one of its latent states.

CSV: ``value_b`` per test trial, the mean advantage Q(addictive) - Q(natural) at the B-alone
choice. Summary: per-individual means over the test (P(addictive) and the advantage) with
bootstrap intervals, the blocking effects (each control minus ``blocking``) with intervals of
the difference, and for the elemental learners B's own weight at the end of the compound.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from addsim.agents.elemental import make_elemental
from addsim.envs.substance import SubstanceCore
from addsim.population.reproduce._common import (
    MODEL_FREE,
    WITH_ABLATION,
    Progress,
    Result,
    learner_for,
    plot_panels,
    stream,
    tick,
)
from addsim.population.reproduce._survival import difference_ci, mean_ci
from addsim.population.rollout import phases, rollout

PRE, COMPOUND, TEST = 500, 200, 20
A_ONLY = {"cue_shown": 1.0, "context": 0.0, "drug_available": 1.0}
NO_CUE = {"cue_shown": 0.0, "context": 0.0, "drug_available": 1.0}
AB = {"cue_shown": 1.0, "context": 1.0, "drug_available": 1.0}
B_ONLY = {"cue_shown": 0.0, "context": 1.0, "drug_available": 0.0}
CONDITIONS: dict[str, tuple[tuple[int, dict[str, float]], ...]] = {
    "blocking": ((PRE, A_ONLY), (COMPOUND, AB), (TEST, B_ONLY)),
    "AB only": ((COMPOUND, AB), (TEST, B_ONLY)),
    "pre-exposed": ((PRE, NO_CUE), (COMPOUND, AB), (TEST, B_ONLY)),
    "pre-exposed elsewhere": ((PRE, NO_CUE), (COMPOUND, AB), (TEST, B_ONLY)),
}
ELSEWHERE = "pre-exposed elsewhere"
KEEP = frozenset({"rule", "p", "_rows", "salience", "_tri", "_iu", "_diag", "_greedy"})


def forget_situation(learner: Any) -> None:
    """Set everything ``learner`` associated with the situation to its naive zeros (cue
    weights, latent states, values, histories), in place; keep the value rule's running
    statistics (``rule``: R_bar and kappa), the non-associative trace of a drug history."""
    for name, value in vars(learner).items():
        if name not in KEEP and isinstance(value, np.ndarray) and value.flags.writeable:
            value[...] = 0
B_FEATURE, CHOICE, NATURAL, ADDICTIVE = 3, 0, 0, 1


def _learner(name: str, core: SubstanceCore, over: dict[str, float]) -> Any:
    if name in MODEL_FREE:
        return make_elemental(name, core.n, core.n_states, core.n_actions, core.cue_dim, **over)
    return learner_for(name, core, **over)


def blocking(n: int = 100, seed: int = 0, progress: Progress | None = None) -> Result:
    """Every learner in the three conditions; rows of B's value per test trial, summary."""
    rows, summary = [], {}
    for name, label, over in WITH_ABLATION:
        out: dict[str, Any] = {}
        p_test: dict[str, np.ndarray] = {}
        v_test: dict[str, np.ndarray] = {}
        w_b: dict[str, np.ndarray] = {}  # B's own weight (elemental learners)
        for cond, spans in CONDITIONS.items():
            ticks = sum(length for length, _ in spans)
            core = SubstanceCore(n)
            agent = _learner(name, core, over)
            weight: dict[str, np.ndarray] = {}

            def hook(t: int, _core: Any, learner: Any, start: int = ticks - TEST,
                     weight: dict = weight, cond: str = cond) -> None:
                if t == PRE and cond == ELSEWHERE:
                    forget_situation(learner)
                if t == start and hasattr(learner, "weight"):
                    weight["b"] = (learner.weight(B_FEATURE, CHOICE, ADDICTIVE)
                                   - learner.weight(B_FEATURE, CHOICE, NATURAL))

            res = rollout(agent, core, ticks, stream(seed, 10, 0), phases(*spans),
                          hook=hook, keep_individual=TEST)
            assert res.p_individual is not None and res.advantage_individual is not None
            rows.append(pd.DataFrame({
                "learner": name, "arm": label, "condition": cond,
                "trial": np.arange(TEST),
                "value_b": res.advantage_individual.mean(axis=1)}))
            p_test[cond] = res.p_individual.mean(axis=0).astype(np.float64)
            v_test[cond] = res.advantage_individual.mean(axis=0).astype(np.float64)
            out[cond] = {"p_addictive": mean_ci(p_test[cond], seed=seed),
                         "value_b": mean_ci(v_test[cond], seed=seed)}
            if "b" in weight:
                w_b[cond] = weight["b"]
                out[cond]["weight_b"] = mean_ci(weight["b"], seed=seed)
            tick(progress)
        for control in ("AB only", "pre-exposed", ELSEWHERE):
            out[f"{control} - blocking"] = {
                "p_addictive": difference_ci(p_test[control], p_test["blocking"], seed=seed),
                "value_b": difference_ci(v_test[control], v_test["blocking"], seed=seed),
            }
            if w_b:
                out[f"{control} - blocking"]["weight_b"] = difference_ci(
                    w_b[control], w_b["blocking"], seed=seed)
        measures = {"value_b": v_test, **({"weight_b": w_b} if w_b else {})}
        out["decomposition"] = {  # the model's prediction, per measure
            key: {"whole": difference_ci(m["AB only"], m["blocking"], seed=seed),
                  "non_associative": difference_ci(m["AB only"], m[ELSEWHERE], seed=seed),
                  "cue_competition": difference_ci(m[ELSEWHERE], m["blocking"], seed=seed)}
            for key, m in measures.items()
        }
        summary[label] = out
    return Result(pd.concat(rows, ignore_index=True), summary)


def plot(frame: pd.DataFrame, path: Path) -> None:
    """B's value over the test trials: one panel per learner, a line per condition."""
    plot_panels(frame, path, "trial", "value_b", "test trial (B alone, drug withheld)",
                "Q(addictive) - Q(natural)", lambda ax: ax.axhline(0, color="0.6", lw=0.6))
