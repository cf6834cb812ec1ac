"""The reproductions table is what the protocols' JSON says (population/reproduce/table.py).

The committed table (README.md, or the documentation page once it has moved there) must be
exactly what docs/reproductions/*.json renders; a changed number in the JSON makes the check
fail; every protocol of the table has its file with the five seeds; every verdict is one of
the allowed labels.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from addsim.population.reproduce.table import BEGIN, ROWS, load, main, render, stale

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "docs" / "reproductions"
PAGES = [p for p in (ROOT / "README.md", ROOT / "docs" / "reproductions.md")
         if p.exists() and BEGIN in p.read_text()]
LABELS = ("by retrieval", "by situation recognition", "by another cause", "not reproduced",
          "reproduced")


def test_the_committed_table_is_what_the_json_renders() -> None:
    assert PAGES, "no page holds the reproductions table's markers"
    assert stale(DATA, PAGES) == []
    assert main(["check", str(DATA), *map(str, PAGES)]) == 0


def test_a_changed_number_in_the_json_fails_the_check(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture) -> None:
    data = tmp_path / "json"
    shutil.copytree(DATA, data)
    f = data / "renewal.json"
    body = json.loads(f.read_text())
    body["summaries"]["0"]["dual_process"]["ABA"]["test"]["mean"] += 0.1
    f.write_text(json.dumps(body))
    page = tmp_path / "page.md"
    page.write_text(PAGES[0].read_text())
    assert stale(data, [page]) == [page]
    assert main(["check", str(data), str(page)]) == 1
    assert "differs" in capsys.readouterr().err


def test_every_protocol_has_its_file_with_five_seeds() -> None:
    data = load(DATA)
    for row in ROWS:
        assert row.protocol in data, row.protocol
        assert data[row.protocol]["seeds"] == [0, 1, 2, 3, 4], row.protocol


def test_every_row_has_an_allowed_verdict() -> None:
    table = render(DATA)
    rows = [line for line in table.splitlines()[2:] if line.startswith("|")]
    assert len(rows) == len(ROWS)
    for line in rows:
        verdict = line.rstrip(" |").rsplit("|", 1)[1]
        assert any(f"**{label}**" in verdict for label in LABELS), line
