"""One home for how a user's mistake is phrased: the error type, the "did you mean" hint, and
values cut to a readable length (an error echoes what the user gave, never 7 MB of it)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

SHOWN = 80  # characters of a user's value that an error repeats


class ConfigError(ValueError):
    """A mistake in a config, sweep, targets or data file, already phrased as one line."""


def shown(value: object, limit: int = SHOWN) -> str:
    """``repr(value)`` cut to about ``limit`` characters (``'aaaa...' (100,000 characters)``),
    so that a huge value never becomes a huge error line; a repr never holds a newline."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = f" ({len(value):,} characters)" if isinstance(value, str) else ""
    return text[: max(limit - 3, 8)] + "..." + size


def did_you_mean(value: object, allowed: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest allowed name, or ``""`` when none is close."""
    text = str(value)
    if len(text) > 4 * SHOWN:  # difflib is quadratic: a 100 KB name is close to nothing
        return ""
    hint = difflib.get_close_matches(text, list(allowed), n=1)
    return f"; did you mean {hint[0]!r}?" if hint else ""


def one_line(text: str, limit: int = 1000) -> str:
    """A message as one line of at most ``limit`` characters (newlines become spaces; the
    middle of an overlong message is cut, so its start and its "expected ..." tail remain)."""
    line = " ".join(text.splitlines())
    if len(line) > limit:
        half = (limit - 5) // 2
        line = line[:half] + " ... " + line[-half:]
    return line


# The optional dependencies (imported by their module name) and the extra of pyproject.toml
# that installs each: `pip install 'addsim[calibrate]'` brings pyabc.
EXTRAS = {"pyabc": "calibrate", "SALib": "sensitivity", "dask": "dask", "distributed": "dask"}


def missing_extra(who: str, module: str) -> str:
    """The one line for ``who`` (a command or option) needing the optional ``module``."""
    return f"{who} needs {module}, which is not installed: pip install 'addsim[{EXTRAS[module]}]'"
