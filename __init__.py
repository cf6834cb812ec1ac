"""addsim: simulate how addiction spreads, stops and comes back in a population.

Each person is a dual-process reinforcement-learning model of the dopamine system acting in
Gymnasium tasks for substance use and gambling; Mesa hosts many on a networkx social network.

The Python API for notebooks (imported on first use, so ``import addsim`` is cheap)::

    import addsim
    r = addsim.run(ticks=100)                 # the embedded default, 100 ticks
    r.prevalence.tail()                       # pandas DataFrames: prevalence, events, individuals
    r.save("out/run"); r.plot(); r.validate("targets.toml")
    r = addsim.load("out/run")                # any run folder back into a Result
    cfg = addsim.load_config("my.toml", sets=["population.size=5000"])
    r = addsim.run(cfg, seed=3)
    addsim.batch("sweep.toml", "out/", workers=2)
    c = addsim.compare("base.toml", "treat.toml", "out/cmp", seeds=10)   # paired scenarios

Sub-packages: ``addsim.envs`` (tasks), ``addsim.agents`` (learners), ``addsim.population`` (the
engine, batches, reproductions, CLI), ``addsim.viz`` (the viewer). ``python -m addsim`` is the
command line.
"""

from __future__ import annotations

from typing import Any

_API = ("Result", "batch", "compare", "load", "load_config", "run")
__all__ = [*_API, "__version__"]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("addsim")
    except PackageNotFoundError:
        return "0+unknown"


__version__ = _version()


def __getattr__(name: str) -> Any:
    """The API functions, imported on first use (no model code at ``import addsim``)."""
    if name in _API:
        from addsim import api

        return getattr(api, name)
    from difflib import get_close_matches

    hint = get_close_matches(name, _API, n=1)
    raise AttributeError(f"module 'addsim' has no attribute {name!r}"
                         + (f"; did you mean {hint[0]!r}?" if hint else ""))


def __dir__() -> list[str]:
    """``dir(addsim)``: the API (imported on first use), the sub-packages imported so far,
    and the module's dunder names; not the helpers of this file."""
    import types

    mods = {n for n, v in globals().items() if isinstance(v, types.ModuleType)
            and not n.startswith("_")}
    return sorted({*__all__, *mods, *(n for n in globals() if n.startswith("__"))})
