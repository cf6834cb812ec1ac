"""The report's reproductions (docs/reproductions.md): one module per result, run and figure.

Each protocol takes the number of individuals per condition and a seed, runs every condition
as one batch (a cohort: a population without edges whose conditions follow a schedule) and
returns a tidy ``pandas.DataFrame`` plus a dict of summary figures. The tests assert on the
summaries; ``addsim reproduce NAME`` writes the frame to CSV, its figure to PNG and the
summary to JSON. ``REGISTRY`` names them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from addsim.population.reproduce import (
    acquisition,
    blocking,
    compulsive_seeking,
    devaluation,
    escalation,
    gambling,
    heatmap,
    impulsivity,
    reacquisition,
    reinstatement,
    relapse,
    relapse_map,
    relapse_same_context,
    renewal,
    states,
    two_step,
    values,
    w_addiction,
)
from addsim.population.reproduce._common import ALL_LEARNERS, Reproduction, Result
from addsim.population.reproduce._controls import DUAL_ARMS

REGISTRY: dict[str, Reproduction] = {
    "acquisition": Reproduction(
        acquisition.acquisition, "item 1: every learner learns the natural reward (no drug)", 5,
        acquisition.plot_acquisition,
    ),
    "addiction": Reproduction(
        acquisition.addiction, "item 2: surge learners become addicted, Q-learning does not", 5,
        acquisition.plot_addiction,
    ),
    "values": Reproduction(
        values.values, "item 3: Redish Q(drug) unbounded, Dezfouli and dual-process bounded", 4,
        values.plot,
    ),
    "impulsivity": Reproduction(
        impulsivity.impulsivity, "item 7: impulsive choice rises with prior drug exposure", 6,
        impulsivity.plot,
    ),
    "relapse": Reproduction(
        relapse.relapse, "item 4: acquisition, extinction, re-exposure (the headline figure)",
        len(ALL_LEARNERS) + len(DUAL_ARMS) - 1,
        relapse.plot,
    ),
    "relapse-kept-rewards": Reproduction(
        relapse.relapse_kept_rewards, "item 4 variant: improved rewards kept after extinction",
        len(ALL_LEARNERS) + len(DUAL_ARMS) - 1, relapse.plot_kept_rewards,
    ),
    "relapse-map": Reproduction(
        relapse_map.relapse_map,
        "item 4 sensitivity: model-free savings over two unreported parameters", 8,
        relapse_map.plot,
    ),
    "relapse-same-context": Reproduction(
        relapse_same_context.relapse_same_context,
        "4b: extinction with the cue on and the context unchanged, with 4c's controls",
        len(relapse_same_context.ARMS),
        relapse_same_context.plot,
    ),
    "renewal": Reproduction(
        renewal.renewal, "4b: ABA, AAB, AAA renewal of responding by context, 4c's controls",
        len(renewal.ARMS) * len(renewal.DESIGNS), renewal.plot,
    ),
    "reinstatement": Reproduction(
        reinstatement.reinstatement,
        "4b: a non-contingent drug exposure after extinction (1, 5, 20 doses), 4c's controls",
        len(reinstatement.ARMS) * len(reinstatement.DOSES), reinstatement.plot,
    ),
    "reacquisition": Reproduction(
        reacquisition.reacquisition,
        "4b: the drug contingent again after extinction, against first acquisition",
        len(reacquisition.ARMS) * len(reacquisition.DESIGNS),
        reacquisition.plot,
    ),
    "states": Reproduction(
        states.states, "item 5: latent states per individual, with and without extinction",
        len(states.CONDITIONS) + len(DUAL_ARMS),
        states.plot,
    ),
    "gambling": Reproduction(
        gambling.gambling, "item 6: late betting after win streaks of 100, 200, 400 ticks",
        len(gambling.ARMS) * len(gambling.STREAKS),
        gambling.plot,
    ),
    "heatmap": Reproduction(
        heatmap.heatmap, "item 8: fraction addicted over natural reward x surge", 0, heatmap.plot
    ),
    "blocking": Reproduction(
        blocking.blocking, "item 9: Kamin blocking of a cue paired with the drug, two controls",
        12,
        blocking.plot,
    ),
    "compulsive-seeking": Reproduction(
        compulsive_seeking.compulsive_seeking,
        "Dezfouli 2009: seeking persists under punishment after long, not short, exposure", 6,
        compulsive_seeking.plot,
    ),
    "two-step": Reproduction(
        two_step.two_step, "Daw 2011: stay probabilities and w for habit, planner, hybrid and "
        "arbitrated learners", len(two_step.ARMS) + len(two_step.POST_HOC), two_step.plot,
    ),
    "escalation": Reproduction(
        escalation.escalation, "HRRL (Ahmed and Koob 1998): intake escalates under 6-h, not "
        "1-h, daily access; the setpoint's drift, fixed as the ablation", len(escalation.ARMS),
        escalation.plot,
    ),
    "devaluation": Reproduction(
        devaluation.devaluation, "Adams and Dickinson 1981 (Keramati 2011): devaluation by "
        "satiety after moderate and extended training, arbitrated and ablated learners",
        2 * len(devaluation.ARMS) * (len(devaluation.TRAINING)
                                     + len(devaluation.POST_HOC_TRAINING)), devaluation.plot,
    ),
    "w-and-addiction": Reproduction(
        w_addiction.w_addiction, "Voon 2015: the two-step's model-based weight after a drug "
        "history against none, arbitrated and fixed-weight learners", len(w_addiction.ARMS),
        w_addiction.plot,
    ),
}


def plot(name: str, frame: pd.DataFrame, path: Path) -> None:
    """Draw the figure of reproduction ``name`` from its tidy ``frame`` into ``path``."""
    REGISTRY[name].plot(frame, path)


__all__ = ["REGISTRY", "Reproduction", "Result", "plot"]
