"""The documentation's checks anyone can run: the README stays short and keeps the Quick start
CI reads; every generated block in docs/ (tables, references) is what its source file renders
today, so a number in the docs cannot drift from the JSON it came from."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tables() -> ModuleType:
    """docs/_scripts/tables.py, loaded under its own name (``tables`` is also PyTables')."""
    spec = importlib.util.spec_from_file_location("addsim_docs_tables",
                                                  ROOT / "docs" / "_scripts" / "tables.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


tables = _tables()


def test_readme_is_short_and_keeps_the_quick_start() -> None:
    """At most 150 lines; the first fenced bash block under "## Quick start" has exactly two
    lines, an install-and-run line and the test command (CI runs line 2)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 150
    block = re.search(r"^## Quick start\n.*?^```bash\n(.*?)^```", text, re.M | re.S)
    assert block is not None
    lines = block.group(1).splitlines()
    assert len(lines) == 2
    assert "addsim run" in lines[0] and "pytest" in lines[1] and "'.[test]'" in lines[1]


def test_readme_links_exist() -> None:
    """Every relative link and picture of the README points at a file of the repository."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#]+)\)", text)
    assert targets
    for target in targets:
        if "://" not in target:
            assert (ROOT / target).exists(), target


def test_every_generated_block_matches_its_source() -> None:
    """The committed tables and references equal what their JSON, schema and parsers render
    now; if not, run `python docs/_scripts/tables.py` (and commit)."""
    assert tables.stale() == []


def test_a_changed_json_makes_its_table_stale(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Change one stored benchmark figure: the benchmark table it renders is reported stale,
    and rewriting it brings the new figure into the page."""
    results = tmp_path / "results"
    shutil.copytree(tables.RESULTS, results)
    data = json.loads((results / "cli.json").read_text())
    data["measurements"][0]["results"]["version"]["median_s"] = 123.456
    (results / "cli.json").write_text(json.dumps(data))
    monkeypatch.setattr(tables, "RESULTS", results)
    assert tables.stale() == ["docs/benchmarks.md: bench-cli"]
    for page in {b.file for b in tables.BLOCKS}:
        (tmp_path / page).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / page, tmp_path / page)
    assert tables.write(root=tmp_path) == ["docs/benchmarks.md: bench-cli"]
    assert "| 123 |" in (tmp_path / "docs" / "benchmarks.md").read_text()
    assert tables.stale(root=tmp_path) == []


def test_markers_are_required_once() -> None:
    """A block whose markers are missing or doubled is an error, not a silent skip."""
    pair = "<!-- t:begin -->\nold\n<!-- t:end -->\n"
    assert tables.replace("a\n" + pair, "t", "new") == "a\n<!-- t:begin -->\nnew\n<!-- t:end -->\n"
    for text in ("no markers", pair + pair):
        with pytest.raises(ValueError, match="markers"):
            tables.replace(text, "t", "new")
