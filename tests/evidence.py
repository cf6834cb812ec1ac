"""Helpers for tests that quote numbers and check directions over seeds (tests/README.md).

- ``SEEDS``: the seeds of every multi-seed direction test, fixed before any of them was run
  (issue 34) and never changed to make a test pass: not 0-4 (the documentation's table and
  most single-seed fixtures use those) nor any seed a fixture used.
- :func:`quoted`: a number measured from a run is quoted only where a test checks it, so a
  quote cannot go stale: ``assert quoted(summary["x"], "0.66 [0.57, 0.73]")`` beside the run
  it came from (whose seed and n the test names). tests/test_quotes.py fails on a bare
  "measured <number>" in a test's comment or docstring.
- :func:`stale_documentation`: where a fixture runs a protocol at the seed and size of the
  documentation's data (docs/reproductions/NAME.json, which the reproductions table renders),
  the test checks that the file is that run, so the table's numbers cannot go stale either.
- :func:`read_png`, :func:`pixels_of`, :func:`coloured`, :func:`same_table`: a written
  figure or table is read back, not only found to exist or to have a size (issue 34).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

SEEDS = (20, 21, 22, 23, 24)


@contextlib.contextmanager
def on_seed(seed: int) -> Iterator[None]:
    """Inside, an AssertionError is raised again naming the seed it failed on (the checks of
    a multi-seed test say which seed broke them)."""
    try:
        yield
    except AssertionError as exc:
        raise AssertionError(f"seed {seed}: {exc}") from None

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


DOCS_DATA = Path(__file__).resolve().parents[1] / "docs" / "reproductions"


def documented(name: str, seed: int, n: int) -> dict[str, Any]:
    """The summary docs/reproductions/NAME.json holds for ``seed`` (written by ``python -m
    addsim.population.reproduce.table run``; the reproductions table is rendered from it),
    which must have been run with ``n`` individuals per arm."""
    body = json.loads((DOCS_DATA / f"{name}.json").read_text(encoding="utf-8"))
    assert body["individuals"] == n, (name, body["individuals"], n)
    return body["summaries"][str(seed)]


def differences(got: Any, want: Any, path: str = "", rel: float = 1e-9) -> list[str]:
    """Where the summary ``got`` (as the table's JSON writes it) differs from ``want``: one
    line per path, numbers compared to ``rel``."""
    if path == "":
        from addsim.population.reproduce.table import _jsonable

        got = json.loads(json.dumps(got, default=_jsonable))
    if isinstance(want, dict) and isinstance(got, dict):
        if set(got) != set(want):
            return [f"{path or '/'}: keys {sorted(set(got) ^ set(want))} differ"]
        return [d for k in want for d in differences(got[k], want[k], f"{path}/{k}", rel)]
    if isinstance(want, list) and isinstance(got, list) and len(got) == len(want):
        return [d for i, (g, w) in enumerate(zip(got, want, strict=True))
                for d in differences(g, w, f"{path}/{i}", rel)]
    both_numbers = all(isinstance(x, int | float) and not isinstance(x, bool)
                       for x in (got, want))
    if both_numbers and math.isclose(got, want, rel_tol=rel, abs_tol=1e-12):
        return []
    return [] if got == want else [f"{path}: {got!r} here, {want!r} in the documentation"]


def stale_documentation(name: str, summary: dict[str, Any], seed: int, n: int) -> str:
    """An assertion message naming what differs and how to regenerate the file ('' when
    nothing does)."""
    diff = differences(summary, documented(name, seed, n))
    if not diff:
        return ""
    return (f"docs/reproductions/{name}.json (seed {seed}, n {n}) is not this run's ({len(diff)} "
            f"differences, first: {diff[0]}); rerun `python -m addsim.population.reproduce."
            f"table run docs/reproductions --only {name}` and `... table write "
            f"docs/reproductions docs/reproductions.md`")


PNG = b"\x89PNG\r\n\x1a\n"


def read_png(path: Path) -> np.ndarray:
    """The PNG at ``path`` read back: its signature checked, decoded and verified by Pillow
    (every chunk's checksum), as a (height, width, 3) array of RGB bytes."""
    from PIL import Image

    data = Path(path).read_bytes()
    assert data[:8] == PNG, f"{path} does not start with the PNG signature: {data[:8]!r}"
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG", (path, image.format)
        image.verify()
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))


def pixels_of(image: np.ndarray, colour: Any, tol: int = 6) -> int:
    """How many pixels of ``image`` have ``colour`` (a matplotlib colour), within ``tol`` of
    the sum of the three channels' differences."""
    from matplotlib.colors import to_rgb

    rgb = np.round(255 * np.asarray(to_rgb(colour))).astype(int)
    return int((np.abs(image.astype(int) - rgb).sum(axis=-1) <= tol).sum())


def coloured(image: np.ndarray) -> float:
    """The share of pixels in colour (channels more than 60 apart): what lines, bars, points
    and maps draw. Background, axes and texts are white, black or grey, so a figure with
    nothing plotted gives 0."""
    rgb = image.astype(int)
    return float((rgb.max(axis=-1) - rgb.min(axis=-1) > 60).mean())


def same_table(got: Any, want: Any, rtol: float = 1e-12, atol: float = 1e-15) -> None:
    """``got`` (a table read back from a file) is ``want`` in every row and column: strings
    and categories as text, nullable integers' NA as NaN, numbers to ``rtol``/``atol``,
    whatever the dtypes."""
    import pandas as pd

    def plain(f: pd.DataFrame) -> pd.DataFrame:
        cats = [c for c in f.columns if isinstance(f[c].dtype, pd.CategoricalDtype)]
        nullable = [c for c in f.columns if isinstance(f[c].dtype, pd.api.extensions.
                                                       ExtensionDtype)
                    and pd.api.types.is_numeric_dtype(f[c].dtype)
                    and not pd.api.types.is_bool_dtype(f[c].dtype)]
        return f.astype({c: str for c in cats} | {c: "float64" for c in nullable})

    pd.testing.assert_frame_equal(plain(got), plain(want), check_dtype=False, rtol=rtol,
                                  atol=atol)
