"""Networks: generators seeded, simple and of the asked shape; files read or refused in one line."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from addsim.population import network


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


@pytest.mark.parametrize("kind", network.KINDS)
def test_generators_are_simple_symmetric_and_seeded(kind: str) -> None:
    n = 60 if kind == "complete" else 3000
    a = network.build(kind, n, _rng(1))
    b = network.build(kind, n, _rng(1))
    assert np.array_equal(a.indices, b.indices) and np.array_equal(a.indptr, b.indptr)
    g = a.to_networkx()
    assert g.number_of_nodes() == n and nx.number_of_selfloops(g) == 0
    assert g.number_of_edges() == a.n_edges
    deg = a.degree()
    assert np.array_equal(deg, np.array([g.degree(i) for i in range(n)]))
    for i in (0, n // 2, n - 1):  # rows sorted and symmetric
        nb = a.neighbours(i)
        assert np.all(np.diff(nb) > 0)
        assert all(i in a.neighbours(j) for j in nb)


def test_generators_have_the_asked_shape() -> None:
    n = 20_000
    ws = network.build("watts_strogatz", n, _rng(), k=10, p=0.1)
    assert abs(ws.degree().mean() - 10) < 0.1
    g = ws.to_networkx()
    assert nx.average_clustering(g, nodes=range(0, n, 20)) > 0.4  # small world keeps clustering
    ba = network.build("barabasi_albert", n, _rng(), m=3)
    assert abs(ba.degree().mean() - 6) < 0.1 and ba.degree().max() > 20 * 6  # heavy tail
    er = network.build("erdos_renyi", n, _rng(), mean_degree=8)
    assert abs(er.degree().mean() - 8) < 0.2
    sb = network.build("stochastic_block", n, _rng(), blocks=4, mean_degree_in=8,
                       mean_degree_out=2)
    assert sb.community is not None
    e = sb.edges()
    same = sb.community[e[:, 0]] == sb.community[e[:, 1]]
    assert abs(2 * same.sum() / n - 8) < 0.3 and abs(2 * (~same).sum() / n - 2) < 0.2
    assert network.build("complete", 30, _rng()).n_edges == 30 * 29 // 2
    assert network.build("empty", 30, _rng()).n_edges == 0


def test_count_of_active_neighbours_matches_a_loop() -> None:
    a = network.build("barabasi_albert", 500, _rng(), m=2)
    active = _rng(3).random(500) < 0.3
    c = a.count(active)
    assert np.array_equal(c, [int(active[a.neighbours(i)].sum()) for i in range(500)])


def test_kept_counts_follow_changes_as_a_fresh_count() -> None:
    """The per-tick counter adds who started and removes who stopped: after every call, the
    same counts as counting afresh (few changes, many changes, none, everyone)."""
    a = network.build("watts_strogatz", 2000, _rng(), k=10, p=0.1)
    kept = network.ActiveCounts(a)
    rng = _rng(5)
    active = rng.random(2000) < 0.2
    for flip in (0.01, 0.0, 0.05, 0.5, 0.002, 1.0, 0.01):
        active = active ^ (rng.random(2000) < flip)
        c = kept(active)
        assert np.array_equal(c, a.count(active))
        assert not c.flags.writeable  # the kept counts cannot be changed by a caller


def test_tiny_and_degenerate_sizes() -> None:
    """0-3 people in every kind of network: the right number of rows, a symmetric list of
    friends with no self-loops and no duplicates, at most n (n - 1) / 2 edges."""
    for kind in network.KINDS:
        for n in (0, 1, 2, 3):
            g = network.build(kind, n, _rng())
            assert g.n == n and g.indptr.size == n + 1
            pairs = {(i, int(j)) for i in range(n) for j in g.neighbours(i)}
            assert all(i != j for i, j in pairs), (kind, n)
            assert all((j, i) in pairs for i, j in pairs), (kind, n)
            assert len(pairs) == g.indices.size == 2 * g.n_edges <= n * (n - 1), (kind, n)


def test_edge_list_with_isolates_self_loops_and_components(tmp_path: Path) -> None:
    f = tmp_path / "g.txt"
    f.write_text("# comment\na b\nb c\nc c\nb a\nx,y\nlonely lonely\n")
    a = network.load(f)
    assert a.n == 6 and a.n_edges == 3  # self-loops dropped, duplicate dropped
    assert list(a.labels) == ["a", "b", "c", "x", "y", "lonely"]
    assert a.degree()[5] == 0
    assert nx.number_connected_components(a.to_networkx()) == 3


def test_graphml_round_trip(tmp_path: Path) -> None:
    g = nx.karate_club_graph()
    f = tmp_path / "k.graphml"
    nx.write_graphml(g, f)
    a = network.load(f)
    assert a.n == 34 and a.n_edges == g.number_of_edges()


@pytest.mark.parametrize(
    ("text", "name", "limits", "message"),
    [
        ("a b\nc\n", "bad.txt", {}, "line 2: expected two node ids"),
        ("a b\nb c\nc d\n", "big.txt", {"max_edges": 2}, "network.max_edges=2"),
        ("<graphml><oops", "bad.graphml", {}, "not valid GraphML"),
    ],
)
def test_bad_files_are_refused_in_one_line(
    tmp_path: Path, text: str, name: str, limits: dict, message: str
) -> None:
    f = tmp_path / name
    f.write_text(text)
    with pytest.raises(ValueError, match=r"network\.file") as err:
        network.load(f, **limits)
    assert message in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(ValueError, match="not found"):
        network.load(tmp_path / "missing.txt")


def test_complete_graph_too_large_is_refused() -> None:
    with pytest.raises(ValueError, match=r"network\.kind: complete"):
        network.build("complete", 100_000, _rng())
