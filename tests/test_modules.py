"""The tick as declared modules (population/modules.py; issue 28 item 1).

A toy module added in a few lines runs in its declared place and its per-person array is
reset for newcomers through the one renewal call; the plan is what `addsim config --show`
prints; every module's declared arrays are per person. The population hands each task its
inputs for the tick in one value and never writes into the task (item 2).
"""

from __future__ import annotations

import numpy as np

from addsim.population import modules
from addsim.population.model import PopulationModel


class TicksHere(modules.Module):
    """Toy: ticks since each person entered the model (counted after statuses)."""

    name = "ticks here"
    doc = "a toy counter"

    def __init__(self, model: PopulationModel, calls: list[str]) -> None:
        super().__init__(model)
        self.ticks = np.zeros(model.n, dtype=np.int64)
        self.calls = calls

    def states(self) -> dict[str, tuple[np.ndarray, modules.Default]]:
        return {"ticks_here": (self.ticks, 0)}

    def step(self, t: int) -> None:
        self.calls.append(self.name)
        self.ticks += 1


def test_a_toy_module_runs_in_its_place_and_is_reset_for_newcomers() -> None:
    m = PopulationModel(size=300, ticks=200, rng=4, life__mortality_at_30=0.02,
                        life__initial_age={"dist": "uniform", "low": 70.0, "high": 79.0})
    calls: list[str] = []
    toy = TicksHere(m, calls)
    m.add_module(toy, after="status")
    for module in m.tick_order:
        if module is not toy:
            module.step = (lambda f, name: lambda t: (calls.append(name), f(t))[1])(
                module.step, module.name)
    m.run(150)
    names = [mod.name for mod in m.tick_order]
    assert names.index("ticks here") == names.index("status") + 1
    assert calls[:len(names)] == names  # one tick: every module once, in the declared order
    entered = m.age < 20.0  # newcomers enter at 12; this population started at 70-79
    assert entered.any() and (~entered).any()
    # a newcomer renewed at tick t (before the toy's step at t) has counted 150 - t ticks and
    # aged 149 - t of them from 12
    since = np.rint((m.age[entered] - 12.0) / m.years_per_tick).astype(np.int64) + 1
    np.testing.assert_array_equal(toy.ticks[entered], since)
    assert (toy.ticks[~entered] == 150).all()


def test_the_plan_is_printed_and_every_declared_array_is_per_person() -> None:

    m = PopulationModel(size=50, ticks=3)
    for module in m.modules:
        for label, (array, _) in module.states().items():
            assert array.shape[0] == m.n, (module.name, label)
    names = [name for name, _ in modules.plan()]
    assert names[0] == "interventions" and names[-1] == "recorder"
    assert names.index("exposure") < names.index("seeking") < names.index("activity step")


def test_config_show_prints_the_tick(capsys) -> None:  # type: ignore[no-untyped-def]
    from addsim.population.cli import main

    assert main(["config", "--show"]) == 0
    out = capsys.readouterr().out
    shown = [line for line in out.splitlines() if line.startswith("#   ") and ": " in line]
    for name, _ in modules.plan():
        assert any(line.startswith(f"#   {name}: ") for line in shown), name


def test_the_population_hands_the_task_its_inputs_and_never_writes_into_it(
        monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Issue 28 item 2: over five years of the default (seeking, treatment, consequences,
    adult roles, newcomers) each task's own conditions are untouched; the inputs handed to it
    are in range on every tick (checked as ``set_condition`` checks); and who used is the
    task's report, which is the addictive action taken in the choice state with the input
    saying available (the drug state or a bet's outcome reached)."""
    monkeypatch.setattr(modules.Act, "check_inputs", True)
    m = PopulationModel(ticks=260, rng=6)
    own = {name: {k: v.copy() for k, v in m.activity(name).core.conditions.items()}
           for name in m.activity_names}
    step = m.module(modules.Act)
    used_any = {name: 0 for name in m.activity_names}
    for _ in range(260):
        m.step()
        for name in m.activity_names:
            act = m.activity(name)
            key = act.spec.seek_conditions[0]
            took = step.at_choice[name] & (act.core.state != act.core.choice_state)
            if name == "substance":  # the addictive action leads to the drug state
                np.testing.assert_array_equal(step.used[name],
                                              took & (act.inputs[key] > 0.5))
            else:  # a bet reaches an outcome state only when betting was available
                np.testing.assert_array_equal(step.used[name], took)
            used_any[name] += int(step.used[name].sum())
    for name in m.activity_names:
        for k, v in m.activity(name).core.conditions.items():
            np.testing.assert_array_equal(v, own[name][k], err_msg=f"{name}.{k}")
    assert all(count > 0 for count in used_any.values()), used_any


def test_a_bad_input_is_refused_in_one_line() -> None:
    """A host's input is a condition of the task (not one fixed at construction), one value
    per individual, in the condition's interval when checked."""
    import pytest

    from addsim.envs import SubstanceCore
    from addsim.envs._core import Draws

    core = SubstanceCore(3)
    draws = Draws(np.zeros((3, 1)), np.zeros((3, 0)))
    a = np.ones(3, np.int64)
    for inputs, says in (({"drug_availble": np.ones(3)}, "did you mean 'drug_available'"),
                         ({"dose_half_life": np.ones(3)}, "not a condition a host may set"),
                         ({"context": np.ones(2)}, "got shape (2,), expected (3,)"),
                         ({"drug_available": np.full(3, 2.0)}, "got 2.0, expected a value in")):
        with pytest.raises(ValueError, match=None) as err:
            core.step(a, draws, inputs)
        assert says in str(err.value) and "\n" not in str(err.value), err.value
    tr = core.step(a, draws, {"drug_available": np.array([1.0, 0.0, 1.0])})
    assert tr.used.tolist() == [True, False, True]
    assert core["drug_available"].tolist() == [1.0, 1.0, 1.0]  # the task's own, untouched
