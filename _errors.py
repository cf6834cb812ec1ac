"""One home for how a user's mistake is phrased: the error type and the "did you mean" hint."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ConfigError(ValueError):
    """A mistake in a config, sweep, targets or data file, already phrased as one line."""


def did_you_mean(value: object, allowed: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest allowed name, or ``""`` when none is close."""
    hint = difflib.get_close_matches(str(value), list(allowed), n=1)
    return f"; did you mean {hint[0]!r}?" if hint else ""


# The optional dependencies (imported by their module name) and the extra of pyproject.toml
# that installs each: `pip install 'addsim[calibrate]'` brings pyabc.
EXTRAS = {"pyabc": "calibrate", "SALib": "sensitivity", "dask": "dask", "distributed": "dask"}


def missing_extra(who: str, module: str) -> str:
    """The one line for ``who`` (a command or option) needing the optional ``module``."""
    return f"{who} needs {module}, which is not installed: pip install 'addsim[{EXTRAS[module]}]'"
