"""The tick as declared modules (population/modules.py; issue 28 item 1).

A toy module added in a few lines runs in its declared place and its per-person array is
reset for newcomers through the one renewal call; the plan is what `addsim config --show`
prints; every module's declared arrays are per person.
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
