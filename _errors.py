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
