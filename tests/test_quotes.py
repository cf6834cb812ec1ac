"""Quoted numbers cannot go stale (tests/README.md, the test-review rule).

A number measured from a run is quoted in a test only where the test checks it
(``evidence.quoted``), beside the run it came from. This file fails on a comment or docstring
in tests/ that says "measured" followed by a number: such a quote is checked by nothing and
goes stale when the code changes (issue 34 found quotes naming the wrong seed and n). It reads
the sources only (tokenize and ast), so it costs nothing.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest
from evidence import quoted

HERE = Path(__file__).resolve().parent
BARE = re.compile(r"\bmeasured\b[^\n]*?\d", re.IGNORECASE)


def bare_quotes(source: str) -> list[tuple[int, str]]:
    """(line, text) of each comment or docstring line of ``source`` with "measured" followed
    by a number on the same line."""
    found = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT and BARE.search(tok.string):
            found.append((tok.start[0], tok.string))
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            doc = ast.get_docstring(node, clean=False)
            if doc is None:
                continue
            first = node.body[0].lineno
            for k, line in enumerate(doc.splitlines()):
                if BARE.search(line):
                    found.append((first + k, line.strip()))
    return sorted(found)


def test_bare_quotes_finds_comments_and_docstrings() -> None:
    """The scan can fail: a hand-made source with a bare quote in a comment and in a
    docstring is caught; a checked quote and prose about measuring are not."""
    source = ('"""Module."""\n'
              "def test_x() -> None:\n"
              '    """The rise.\n\n    Measured 0.66 on seed 0."""\n'
              "    assert x > 0.3  # measured 0.66 [0.57, 0.73]\n"
              '    assert quoted(x, "0.66")  # seed 0, n 100\n'
              "    # what Panlilio measured is the whole effect\n")
    assert [line for line, _ in bare_quotes(source)] == [5, 6]


@pytest.mark.parametrize("path", sorted(p.name for p in HERE.glob("*.py")))
def test_no_bare_measured_number(path: str) -> None:
    bad = bare_quotes((HERE / path).read_text(encoding="utf-8"))
    assert bad == [], "\n".join(f"{path}:{line}: {text}" for line, text in bad)


def test_quoted_checks_each_number_at_its_decimals() -> None:
    assert quoted(0.6612, "0.66")
    assert quoted({"difference": 0.655, "ci": (0.571, 0.734)}, "0.66 [0.57, 0.73]")
    assert quoted({"mean": -1.0, "ci": (-1.0, -1.0)}, "-1.00 [-1.00, -1.00]")
    assert quoted(1343, "1,343") and quoted(0.995, "99.5%")
    assert quoted((0.2, 0.31), "[0.20, 0.31]")
    with pytest.raises(AssertionError, match=r"'0\.66' says 0\.66, the run gives 0\.68"):
        quoted(0.6789, "0.66")
    with pytest.raises(AssertionError, match="2 numbers, the value 1"):
        quoted(0.5, "0.5 [0.4")
    with pytest.raises(AssertionError, match="gives None"):
        quoted({"value": 0.5, "ci": (None, 0.6)}, "0.5 [0.4, 0.6]")


def test_differences_reads_the_summary_as_the_json_writes_it() -> None:
    """The documentation check can fail: a changed number, a missing key and a changed label
    are reported; tuples, numpy numbers and int keys compare as the JSON writes them."""
    import numpy as np
    from evidence import differences

    want = {"0": {"ci": [0.1, 0.2], "n": 3, "label": "by retrieval"}}
    assert differences({0: {"ci": (np.float64(0.1), 0.2), "n": np.int64(3),
                            "label": "by retrieval"}}, want) == []
    assert differences({0: {"ci": (0.1, 0.21), "n": 3, "label": "by retrieval"}}, want) == [
        "/0/ci/1: 0.21 here, 0.2 in the documentation"]
    assert differences({0: {"ci": (0.1, 0.2), "label": "by retrieval"}}, want) == [
        "/0: keys ['n'] differ"]
    assert differences({0: {"ci": (0.1, 0.2), "n": 3, "label": "not reproduced"}}, want) == [
        "/0/label: 'not reproduced' here, 'by retrieval' in the documentation"]
