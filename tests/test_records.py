"""The run's one record sink (population/records.py; issue 28 item 4).

The recorder module and the interventions write one ``Records``; the exports, the viewer's
source and Mesa's DataCollector read it through the model's public accessors, and the export
module reads nothing else of the model's insides.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

from addsim.population import resources
from addsim.population.model import PopulationModel
from addsim.population.records import COLUMNS, INTERVENTION, Records
from addsim.population.status import STATUSES

ROOT = Path(__file__).resolve().parents[1]


def test_interventions_and_status_events_are_one_list() -> None:
    """A scheduled treatment wave is an event of the records like an onset; ``applied`` is
    read from them; ``events()`` is ordered by tick, activity and event."""
    m = PopulationModel(size=300, ticks=80, rng=3, interventions=[
        {"kind": "treatment", "tick": 40, "activity": "substance", "fraction": 1.0}])
    m.run(80)
    events = m.events()
    assert events == sorted(events, key=lambda e: e[:3])
    waves = [e for e in events if e[2].startswith(INTERVENTION)]
    assert waves == [(40, "substance", f"{INTERVENTION}treatment", waves[0][3])]
    assert m.applied == [(40, "treatment", "substance", waves[0][3])]
    firsts = sum(c for _, a, e, c in events if a == "substance" and e == "initiations")
    j = m.activity_names.index("substance")
    assert firsts == m.records.table[:80, j, COLUMNS.index("initiations")].sum() > 0


def test_the_records_grow_past_the_configured_ticks() -> None:
    r = Records(3, ("substance",), 5, history=True)
    r.table[2, 0, 0] = 7.0
    r.history[2, 0, 4] = 3
    r.grow()
    assert r.table.shape == (6, 1, len(COLUMNS)) and r.history.shape == (6, 1, 5)
    assert r.table[2, 0, 0] == 7.0 and r.history[2, 0, 4] == 3 and not r.table[3:].any()


def test_status_counts_and_history_accessors() -> None:
    m = PopulationModel(size=120, ticks=30, rng=2, history=True)
    m.run(30)
    counts, hist = m.status_counts(), m.status_history()
    assert counts.shape == (30, len(m.activity_names), 6) and hist.shape == (30, 2, 120)
    for s in range(counts.shape[2]):  # the counts are the history's, status by status
        np.testing.assert_array_equal(counts[:, :, s], (hist == s).sum(axis=2))
    people = m.people()
    assert {len(v) for v in people.values()} == {120}
    assert people["substance_status"].tolist() == [STATUSES[s] for s in hist[-1, 0]]


def test_the_memory_estimate_counts_every_record_column() -> None:
    assert resources.RECORD_COLUMNS == len(COLUMNS)


def test_the_export_reads_only_public_accessors() -> None:
    """population/io/export.py reads no private part of the model and none of its insides
    (activities' trackers and learners, the network's arrays, the raw records)."""
    tree = ast.parse((ROOT / "population" / "io" / "export.py").read_text(encoding="utf-8"))
    inside = {"activities", "adjacency", "records", "events_log", "survey", "modules",
              "tracker", "learner"}
    reads = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
             and isinstance(node.value, ast.Name) and node.value.id == "model"}
    assert reads, "the export reads the model"
    assert not {a for a in reads if a.startswith("_") or a in inside}, reads
