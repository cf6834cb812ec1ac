"""A failed search is no access (issue 29): the addictive action is unavailable that tick, the
person learns nothing about the drug from it, and the attempt still counts as seeking. The old
rule (``seeking.failed = "extinction"``: the action taken, the drug state reached without the
drug) is the ablation, and it gives the old fast remission.
"""

from __future__ import annotations

from addsim.population import config as C
from addsim.population.model import PopulationModel
from addsim.population.modules import Act


def _taken_without_drug(failed: str) -> tuple[int, int]:
    """Searches never succeed (base and peer 0); per tick, choices of the addictive action with
    no drug delivered, and failed searches counted as seeking, over 300 ticks of 400 people."""
    cfg = C.load(sets=["population.size=400", "run.ticks=300", "interventions=[]",
                       "seeking.base=0", "seeking.peer=0", "run.seed=5",
                       f"seeking.failed={failed!r}"])
    model = PopulationModel(cfg)
    act = model.activity("substance")
    without = sought = 0
    for _ in range(300):
        model.step()
        step = model.module(Act)
        took = step.at_choice["substance"] & (act.core.state == 1)
        without += int((took & ~(act.inputs["drug_available"] > 0.5)).sum())  # this tick's input
        sought += int(step.sought["substance"].sum())
    return without, sought


def test_a_failed_search_is_no_access_and_still_counts_as_seeking() -> None:
    """With searches that always fail, no one takes the addictive action without the drug
    (nothing to learn from), yet people keep trying (seeking counted); the old rule takes the
    action without the drug on those very searches."""
    without, sought = _taken_without_drug("no access")
    assert without == 0
    assert sought > 0
    old_without, old_sought = _taken_without_drug("extinction")
    assert old_without > 0 and old_without == old_sought


# The ablation on the default (the old rule's fast remission and short episodes, same seeds)
# is tests/test_default_scenario.py::test_failed_search_as_extinction_ends_disorders_sooner.
