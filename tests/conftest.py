"""Shared test settings.

The default config simulates a whole life (68 years) before the first recorded tick
(``run.burn_in``, population/config.py), which multiplies a short run's cost by up to a
hundred. Tests of mechanisms do not need a population with a past, so in-process tests run
without the default burn-in: a test that needs one sets ``run.burn_in`` or is marked
``whole_burn_in`` (the default scenario's targets, the burn-in's own tests). The burn-in's cost
is measured in benchmarks/ (bench_cli.py's default run), not here.
"""

from __future__ import annotations

import pytest

from addsim.population.config import Config


@pytest.fixture(autouse=True)
def _no_default_burn_in(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("whole_burn_in") is None:
        monkeypatch.setattr(Config, "burn_in_ticks",
                            property(lambda self: self.run.burn_in or 0))
