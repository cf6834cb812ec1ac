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
    """A scheduled treatment wave is an event of the records like an onset, reaching everyone
    in disorder when it starts; ``applied`` is read from the events; ``events()`` is ordered
    by tick, activity and event, and its first uses are the people table's."""
    m = PopulationModel(size=500, ticks=150, rng=3, life__enabled=False,
                        run__burn_in="10 years", interventions=[
                            {"kind": "treatment", "tick": 100, "activity": "substance",
                             "fraction": 1.0}])
    m.run(150)
    events = m.events()
    assert events == sorted(events, key=lambda e: e[:3])
    j = m.activity_names.index("substance")
    counts = m.status_counts()[99, j]  # the statuses the wave at tick 100 finds
    sick = int(counts[STATUSES.index("addicted")] + counts[STATUSES.index("relapsed")])
    assert sick > 0
    waves = [e for e in events if e[2].startswith(INTERVENTION)]
    assert waves == [(100, "substance", f"{INTERVENTION}treatment", sick)]
    assert m.applied == [(100, "treatment", "substance", sick)]
    first = m.people()["substance_first_use_tick"]  # nobody leaves: one person per row
    started = np.bincount(first[first >= 0], minlength=150)
    per_tick = np.zeros(150, np.int64)
    for t, a, e, c in events:
        if a == "substance" and e == "initiations":
            per_tick[t] += c
    assert per_tick.sum() > 0
    np.testing.assert_array_equal(per_tick, started)


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
