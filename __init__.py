"""addsim: simulate how addiction spreads, stops and comes back in a population.

Each person is a dual-process reinforcement-learning model of the dopamine system acting in
Gymnasium tasks for substance use and gambling; Mesa hosts many on a networkx social network.

The Python API for notebooks (imported on first use, so ``import addsim`` is cheap)::

    import addsim
    r = addsim.run(ticks=100)                 # the embedded default, 100 ticks
    r.prevalence.tail()                       # pandas DataFrames: prevalence, events, individuals
    cfg = addsim.load_config("my.toml", sets=["population.size=5000"])
    r = addsim.run(cfg, seed=3)
    addsim.batch("sweep.toml", "out/", workers=2)

Sub-packages: ``addsim.envs`` (tasks), ``addsim.agents`` (learners), ``addsim.population`` (the
engine, batches, reproductions, CLI), ``addsim.viz`` (the viewer). ``python -m addsim`` is the
command line.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Result", "__version__", "batch", "compare", "load_config", "run"]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("addsim")
    except PackageNotFoundError:
        return "0+unknown"


__version__ = _version()


def __getattr__(name: str) -> Any:
    """The API functions, imported on first use (no model code at ``import addsim``)."""
    if name in ("Result", "batch", "compare", "load_config", "run"):
        from addsim import api

        return getattr(api, name)
    raise AttributeError(f"module 'addsim' has no attribute {name!r}")
