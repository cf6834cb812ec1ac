"""addsim task environments: batched task cores and their Gymnasium faces.

Each task (substance use, gambling, impulsivity, Dezfouli's seek-take chain, Daw's two-step
task, outcome devaluation, HRRL's self-administration) is a :class:`~envs._core.TaskCore`
holding N individuals at once; the population engine drives the cores directly. For
Gymnasium users the tasks are registered as ``addsim/NAME-vK`` (``Substance-v1``,
``Gambling-v1``, ``Impulsivity-v0``, ``SeekTake-v0``, ``TwoStep-v0``, ...; the id's version
is the core's ``version``) (``gymnasium.make`` for one individual, ``gymnasium.make_vec``
with the native vector face for N), with ``obs_mode="index"`` or ``"cue"`` and any
condition as a keyword. Importing this package only registers the ids.
"""

from __future__ import annotations

import gymnasium

from addsim.envs._core import TaskCore
from addsim.envs.devaluation import DevaluationCore
from addsim.envs.gambling import GamblingCore
from addsim.envs.impulsivity import ImpulsivityCore
from addsim.envs.seek_take import SeekTakeCore
from addsim.envs.self_administration import SelfAdministrationCore
from addsim.envs.substance import SubstanceCore
from addsim.envs.two_step import TwoStepCore

__all__ = ["TASKS", "DevaluationCore", "GamblingCore", "ImpulsivityCore", "SeekTakeCore",
           "SelfAdministrationCore", "SubstanceCore", "TaskCore", "TwoStepCore"]

TASKS: dict[str, type[TaskCore]] = {
    "substance": SubstanceCore,
    "gambling": GamblingCore,
    "impulsivity": ImpulsivityCore,
    "seek_take": SeekTakeCore,
    "two_step": TwoStepCore,
    "self_administration": SelfAdministrationCore,
    "devaluation": DevaluationCore,
}

for _module, _cls in (
    ("substance", "Substance"),
    ("gambling", "Gambling"),
    ("impulsivity", "Impulsivity"),
    ("seek_take", "SeekTake"),
    ("two_step", "TwoStep"),
    ("self_administration", "SelfAdministration"),
    ("devaluation", "Devaluation"),
):
    _id = f"addsim/{_cls}-v{TASKS[_module].version}"
    if _id not in gymnasium.registry:
        gymnasium.register(
            id=_id,
            entry_point=f"addsim.envs.{_module}:{_cls}Env",
            vector_entry_point=f"addsim.envs.{_module}:{_cls}VectorEnv",
            max_episode_steps=1000,
        )
