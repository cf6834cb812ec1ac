"""Helpers for tests that quote numbers and check directions over seeds (tests/README.md).

- ``SEEDS``: the seeds of every multi-seed direction test, fixed before any of them was run
  (issue 34) and never changed to make a test pass: not 0-4 (the documentation's table and
  most single-seed fixtures use those) nor any seed a fixture used.
- :func:`quoted`: a number measured from a run is quoted only where a test checks it, so a
  quote cannot go stale: ``assert quoted(summary["x"], "0.66 [0.57, 0.73]")`` beside the run
  it came from (whose seed and n the test names). tests/test_quotes.py fails on a bare
  "measured <number>" in a test's comment or docstring.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

SEEDS = (20, 21, 22, 23, 24)

_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?%?")


def _flat(value: Any) -> list[float | None]:
    """A number, a (low, high) pair, or an interval dict ({"value" | "mean" | "difference",
    "ci"}) as the list of numbers its quote shows: value, low, high."""
    if isinstance(value, Mapping):
        main = next(value[k] for k in ("value", "mean", "difference") if k in value)
        return [main, *value["ci"]]
    if isinstance(value, Sequence) and not isinstance(value, str):
        return list(value)
    return [value]


def quoted(value: Any, text: str) -> bool:
    """``value`` shown to the decimals of ``text`` is ``text``: each number in ``text``
    (``0.66``, ``-1.00``, ``1,343``, ``99%``) against the matching number of ``value``, within
    half a unit of its last written digit. Raises AssertionError naming what the quote should
    say when it is stale."""
    got = _flat(value)
    quotes = _NUMBER.findall(text)
    if len(quotes) != len(got):
        raise AssertionError(f"quote {text!r} has {len(quotes)} numbers, the value {len(got)}: "
                             f"{got}")
    for q, v in zip(quotes, got, strict=True):
        pct = q.endswith("%")
        digits = q.rstrip("%").replace(",", "")
        decimals = len(digits.partition(".")[2])
        x = None if v is None else float(v) * (100.0 if pct else 1.0)
        if x is None or abs(x - float(digits)) > 0.5 * 10.0 ** -decimals + 1e-9:
            shown = "None" if x is None else f"{x:.{decimals}f}{'%' if pct else ''}"
            raise AssertionError(f"stale quote: {text!r} says {q}, the run gives {shown} "
                                 f"(value {got})")
    return True
