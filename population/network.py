"""Social networks as compressed adjacency arrays, built from the run's generator or a file.

The population only ever asks a network two things per tick, "how many of my neighbours are
using?" and "how many neighbours have I?", so a network is stored as CSR arrays (``indptr``,
``indices``, both directions of every undirected edge) and those questions are a gather and a
cumulative sum over all individuals at once. Generators are vectorised numpy where networkx
would take minutes at a million people (Watts-Strogatz, Erdos-Renyi, stochastic block), and a
linear-time loop for Barabasi-Albert; all draw from the generator they are given, so a seed fixes
the graph. Self-loops and duplicate edges are dropped; isolated nodes and several components are
fine.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from addsim import _jit
from addsim._errors import shown
from addsim._jit import jit_parallel, prange
from addsim._read import input_file

MAX_GENERATED_EDGES = 50_000_000


@dataclass(frozen=True)
class Adjacency:
    """An undirected simple graph on nodes 0..n-1 in CSR form (each edge stored both ways)."""

    n: int
    indptr: np.ndarray  # int64, length n + 1
    indices: np.ndarray  # int32, length 2 * n_edges, sorted within each row
    community: np.ndarray | None = None  # block of each node (stochastic_block)
    labels: np.ndarray | None = None  # original node ids (graphs read from a file)

    @classmethod
    def from_edges(cls, n: int, u: np.ndarray, v: np.ndarray, **extra: Any) -> Adjacency:
        """Build from edge endpoint arrays; drops self-loops and duplicates, ignores direction."""
        u = np.asarray(u, dtype=np.int64)
        v = np.asarray(v, dtype=np.int64)
        keep = u != v
        lo, hi = np.minimum(u[keep], v[keep]), np.maximum(u[keep], v[keep])
        key = _unique_sorted(lo * n + hi)
        # Both directions as one (row, col) key; one sort orders rows and columns within rows.
        both = np.concatenate([key, (key % n) * n + key // n])
        both.sort()
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(both // n, minlength=n), out=indptr[1:])
        return cls(n, indptr, (both % n).astype(np.int32), **extra)

    @property
    def n_edges(self) -> int:
        """Number of undirected edges."""
        return int(self.indices.size // 2)

    def degree(self) -> np.ndarray:
        """Number of neighbours of every node."""
        return np.diff(self.indptr)

    def neighbours(self, i: int) -> np.ndarray:
        """Indices of node i's neighbours (sorted)."""
        return self.indices[self.indptr[i] : self.indptr[i + 1]].astype(np.int64)

    def count(self, active: np.ndarray) -> np.ndarray:
        """For every node, how many of its neighbours are ``active`` (boolean over nodes)."""
        out = np.empty(self.n, dtype=np.int64)
        _count_kernel(self.indptr, self.indices, np.asarray(active, dtype=bool), out)
        return out

    def edges(self) -> np.ndarray:
        """The undirected edges as an (E, 2) array with u < v."""
        rows = np.repeat(np.arange(self.n), self.degree())
        keep = rows < self.indices
        return np.stack([rows[keep], self.indices[keep].astype(np.int64)], axis=1)

    def to_networkx(self) -> Any:
        """The same graph as a networkx.Graph (for layouts and analysis, not the hot path)."""
        import networkx as nx

        g = nx.Graph()
        g.add_nodes_from(range(self.n))
        g.add_edges_from(self.edges().tolist())
        return g


@jit_parallel
def _count_kernel(indptr, indices, active, out):  # type: ignore[no-untyped-def]
    """out[i] = number of active neighbours of node i (one pass over the CSR arrays)."""
    for i in prange(out.size):  # pragma: no cover - compiled
        c = 0
        for e in range(indptr[i], indptr[i + 1]):
            c += active[indices[e]]
        out[i] = c


class ActiveCounts:
    """Every node's number of active neighbours, kept from one call to the next: a call adds
    or removes the nodes whose activity changed since the last (integer counts, so the same
    as counting afresh; 28 -> 12 ms a tick at 1M mid-run, when few change in a tick)."""

    def __init__(self, adjacency: Adjacency) -> None:
        self.adjacency = adjacency
        self._kept: tuple[np.ndarray, np.ndarray] | None = None  # (active, counts)

    def __call__(self, active: np.ndarray) -> np.ndarray:
        """The counts for ``active`` (boolean over nodes), a read-only array."""
        active = np.asarray(active, dtype=bool)
        adj = self.adjacency
        if self._kept is None:
            self._kept = (active.copy(), adj.count(active))
        else:
            _count_changes(adj.indptr, adj.indices, *self._kept, active)
        out = self._kept[1].view()
        out.flags.writeable = False
        return out


@_jit.jit
def _count_changes(indptr, indices, old, counts, new):  # type: ignore[no-untyped-def]
    """Add (or remove) the nodes whose activity changed from ``old`` to ``new`` to their
    neighbours' counts, and make ``old`` the new activity."""
    for i in range(old.size):  # pragma: no cover - compiled
        if old[i] != new[i]:
            step = 1 if new[i] else -1
            for e in range(indptr[i], indptr[i + 1]):
                counts[indices[e]] += step
            old[i] = new[i]


# --- generators -------------------------------------------------------------------------


def watts_strogatz(n: int, rng: np.random.Generator, k: int = 10, p: float = 0.1) -> Adjacency:
    """Ring lattice with k neighbours (k//2 each side), each edge's far end rewired with prob. p."""
    half = max(1, min(k // 2, (n - 1) // 2)) if n > 2 else 0
    if n < 2 or half == 0:
        return Adjacency.from_edges(n, np.zeros(0), np.zeros(0))
    u = np.repeat(np.arange(n), half)
    v = (u + np.tile(np.arange(1, half + 1), n)) % n
    rewire = rng.random(u.size) < p
    v = v.copy()
    v[rewire] = rng.integers(0, n, int(rewire.sum()))
    return Adjacency.from_edges(n, u, v)


def erdos_renyi(n: int, rng: np.random.Generator, mean_degree: float = 10.0) -> Adjacency:
    """G(n, p) with p = mean_degree / (n - 1): binomial edge count, uniform distinct pairs."""
    if n < 2:
        return Adjacency.from_edges(n, np.zeros(0), np.zeros(0))
    pairs = n * (n - 1) // 2
    m = int(rng.binomial(pairs, min(1.0, mean_degree / (n - 1))))
    _check_edges("erdos_renyi", n, m)
    u, v = _distinct_pairs(n, m, rng, lambda k: (rng.integers(0, n, k), rng.integers(0, n, k)))
    return Adjacency.from_edges(n, u, v)


def stochastic_block(
    n: int, rng: np.random.Generator, blocks: int = 4, mean_degree_in: float = 8.0,
    mean_degree_out: float = 2.0,
) -> Adjacency:
    """Communities of near-equal size; expected degree mean_degree_in within, _out between."""
    blocks = max(1, min(blocks, n))
    community = np.repeat(np.arange(blocks), np.diff(np.linspace(0, n, blocks + 1).astype(int)))
    starts = np.searchsorted(community, np.arange(blocks))
    sizes = np.bincount(community, minlength=blocks)
    us, vs = [], []
    for b in range(blocks):
        size, start = int(sizes[b]), int(starts[b])
        if size < 2:
            continue
        m = int(rng.binomial(size * (size - 1) // 2, min(1.0, mean_degree_in / (size - 1))))
        u, v = _distinct_pairs(
            size, m, rng, lambda k, s=size: (rng.integers(0, s, k), rng.integers(0, s, k))
        )
        us.append(u + start)
        vs.append(v + start)
    if blocks > 1 and mean_degree_out > 0:
        outside = n - sizes[community]  # people in other blocks, per person
        m = int(rng.binomial(int(np.sum(outside)) // 2, min(1.0, mean_degree_out / outside.mean())))
        u, v = _distinct_pairs(n, m, rng, lambda k: (rng.integers(0, n, k), rng.integers(0, n, k)),
                               accept=lambda a, b: community[a] != community[b])
        us.append(u)
        vs.append(v)
    u = np.concatenate(us) if us else np.zeros(0, dtype=np.int64)
    v = np.concatenate(vs) if vs else np.zeros(0, dtype=np.int64)
    _check_edges("stochastic_block", n, u.size)
    return Adjacency.from_edges(n, u, v, community=community)


def barabasi_albert(n: int, rng: np.random.Generator, m: int = 3) -> Adjacency:
    """Preferential attachment: each new node links to m distinct nodes chosen by degree."""
    m = max(1, min(m, n - 1)) if n > 1 else 0
    if m == 0:
        return Adjacency.from_edges(n, np.zeros(0), np.zeros(0))
    u = np.empty((n - m) * m, dtype=np.int64)
    v = np.empty_like(u)
    ends = np.empty(2 * (n - m) * m + m, dtype=np.int64)  # every edge end: degree-weighted pool
    ends[:m] = np.arange(m)  # the first new node links to the m seed nodes
    size = m
    e = 0
    picks = rng.random(4 * m * (n - m) + 16)
    cursor = 0
    for new in range(m, n):
        if new == m:
            targets = list(range(m))
        else:
            chosen: set[int] = set()
            while len(chosen) < m:
                if cursor >= picks.size:
                    picks, cursor = rng.random(picks.size), 0
                chosen.add(int(ends[int(picks[cursor] * size)]))
                cursor += 1
            targets = sorted(chosen)
        u[e : e + m] = new
        v[e : e + m] = targets
        e += m
        if new == m:
            size = 0
        ends[size : size + m] = targets
        ends[size + m : size + 2 * m] = new
        size += 2 * m
    return Adjacency.from_edges(n, u, v)


def complete(n: int, rng: np.random.Generator | None = None) -> Adjacency:
    """Everyone knows everyone (small groups only)."""
    _check_edges("complete", n, n * (n - 1) // 2)
    u, v = np.triu_indices(n, k=1)
    return Adjacency.from_edges(n, u, v)


def empty(n: int, rng: np.random.Generator | None = None) -> Adjacency:
    """No ties: a cohort of independent individuals."""
    return Adjacency.from_edges(n, np.zeros(0), np.zeros(0))


# The one list of network kinds: each generator and the network.* config fields it takes.
GENERATORS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "watts_strogatz": (watts_strogatz, ("k", "p")),
    "barabasi_albert": (barabasi_albert, ("m",)),
    "erdos_renyi": (erdos_renyi, ("mean_degree",)),
    "stochastic_block": (stochastic_block, ("blocks", "mean_degree_in", "mean_degree_out")),
    "complete": (complete, ()),
    "empty": (empty, ()),
}
KINDS = tuple(GENERATORS)
CONFIG_KINDS = (*KINDS, "file")  # what network.kind accepts: a generator, or a graph file


def generator_params(kind: str, fields: Any) -> dict[str, Any]:
    """The parameters of generator ``kind`` read from ``fields`` (the network config)."""
    return {f: getattr(fields, f) for f in GENERATORS[kind][1]} if kind in GENERATORS else {}


def build(kind: str, n: int, rng: np.random.Generator, **params: Any) -> Adjacency:
    """The network ``kind`` on n nodes, drawn from rng; ValueError names a bad kind or size."""
    if kind not in GENERATORS:
        raise ValueError(f"network.kind: got {kind!r}, expected one of {', '.join(KINDS)}")
    return GENERATORS[kind][0](n, rng, **params)


def _check_edges(kind: str, n: int, m: int) -> None:
    if m > MAX_GENERATED_EDGES:
        raise ValueError(
            f"network.kind: {kind} on {n} people needs about {m:,} edges, more than the "
            f"{MAX_GENERATED_EDGES:,} allowed; use a sparser network"
        )


def _unique_sorted(a: np.ndarray) -> np.ndarray:
    """``np.unique`` of an int64 array by sort and compare (numpy 2's hash path is slower)."""
    a = np.sort(a)
    if a.size > 1:
        a = a[np.concatenate(([True], a[1:] != a[:-1]))]
    return a


def _distinct_pairs(n: int, m: int, rng: np.random.Generator, draw: Any,
                    accept: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """m distinct unordered pairs (u != v) drawn uniformly by rejection (sparse graphs)."""
    if m == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    total = n * (n - 1) // 2
    if m > total // 2:  # dense: enumerate all pairs and choose
        u, v = np.triu_indices(n, k=1)
        if accept is not None:
            ok = accept(u, v)
            u, v = u[ok], v[ok]
        pick = rng.choice(u.size, size=min(m, u.size), replace=False)
        return u[pick].astype(np.int64), v[pick].astype(np.int64)
    keys = np.zeros(0, dtype=np.int64)
    for _ in range(100):
        need = m - keys.size
        if need <= 0:
            break
        a, b = draw(int(need * 1.1) + 8)
        ok = a != b
        if accept is not None:
            ok &= accept(a, b)
        lo, hi = np.minimum(a[ok], b[ok]), np.maximum(a[ok], b[ok])
        new = _unique_sorted(lo * n + hi)
        new = new[~np.isin(new, keys)]
        new = rng.permutation(new)[:need]  # unique sorts; shuffle before truncating
        keys = np.concatenate([keys, new])
    return keys // n, keys % n


# --- files ------------------------------------------------------------------------------


EDGE_LINE_BYTES = 100  # bytes an edge-list line may take on average (ids, comments)
MAX_LINE = 4096  # characters of one edge-list line
_LOADED: dict[tuple[Any, ...], Adjacency] = {}  # the last graph file read (validation, model)


def load(path: str | Path, max_nodes: int = 2_000_000, max_edges: int = 20_000_000) -> Adjacency:
    """Read an edge list (two node ids per line, '#' comments) or a GraphML file (.graphml).

    Node ids may be any tokens; they are numbered in order of first appearance and kept in
    ``labels``. Raises ValueError with a one-line message naming network.file on any problem.
    Sizes are checked before the work: GraphML by a count of its tags, an edge list by its
    bytes (EDGE_LINE_BYTES per allowed edge) and its line lengths. The last file read is
    kept, keyed by its identity and modification time, so that validating a config and
    building its model read it once.
    """
    p = input_file(path, "network.file")
    st = p.stat()
    ident = (os.path.realpath(p), st.st_ino, st.st_size, st.st_mtime_ns, max_nodes, max_edges)
    if ident not in _LOADED:
        adj = (_load_graphml(p, max_nodes, max_edges) if p.suffix.lower() in (".graphml", ".xml")
               else _load_edge_list(p, st.st_size, max_nodes, max_edges))
        _LOADED.clear()
        _LOADED[ident] = adj
    return _LOADED[ident]


def _load_edge_list(p: Path, nbytes: int, max_nodes: int, max_edges: int) -> Adjacency:
    limit = EDGE_LINE_BYTES * max_edges + 2**20
    if nbytes > limit:
        raise ValueError(f"network.file: {shown(p.name)} is {nbytes:,} bytes, more than the "
                         f"{limit:,} that network.max_edges={max_edges:,} allows "
                         f"({EDGE_LINE_BYTES} bytes an edge); raise the limit to read it")
    ids: dict[str, int] = {}
    us, vs = array("q"), array("q")  # 16 bytes an edge, not the 72 of two lists of ints
    try:
        with p.open(encoding="utf-8-sig") as fh:
            lineno = 0
            while line := fh.readline(MAX_LINE + 1):
                lineno += 1
                if len(line) > MAX_LINE:
                    raise ValueError(f"network.file: {shown(p.name)} line {lineno} is longer "
                                     f"than {MAX_LINE:,} characters, expected two node ids")
                text = line.split("#", 1)[0].replace(",", " ").split()
                if not text:
                    continue
                if len(text) < 2:
                    raise ValueError(
                        f"network.file: {shown(p.name)} line {lineno}: expected two node ids, "
                        f"got {shown(line.strip())}"
                    )
                a, b = (ids.setdefault(t, len(ids)) for t in text[:2])
                us.append(a)
                vs.append(b)
                if len(us) > max_edges or len(ids) > max_nodes:
                    raise ValueError(_too_big(p, max_nodes, max_edges))
    except UnicodeDecodeError:
        raise ValueError(f"network.file: {shown(p.name)} is not a text edge list or GraphML"
                         ) from None
    if not ids:
        raise ValueError(f"network.file: {shown(p.name)} has no edges (expected two node ids "
                         "per line)")
    labels = np.array(list(ids), dtype=object)
    return Adjacency.from_edges(len(ids), np.frombuffer(us, dtype=np.int64),
                                np.frombuffer(vs, dtype=np.int64), labels=labels)


def _count_tags(p: Path, tags: tuple[bytes, ...], chunk: int = 1 << 22) -> list[int]:
    """Occurrences of each tag in a file, streamed (a size check before parsing XML)."""
    counts = [0] * len(tags)
    keep = max(map(len, tags)) - 1
    tail = b""
    with p.open("rb") as fh:
        while block := fh.read(chunk):
            data = tail + block
            for j, tag in enumerate(tags):
                counts[j] += data.count(tag) - tail.count(tag)
            tail = data[-keep:]
    return counts


def _load_graphml(p: Path, max_nodes: int, max_edges: int) -> Adjacency:
    import networkx as nx

    nodes, edges = _count_tags(p, (b"<node", b"<edge"))  # before parsing: no 95 s, 7.7 GB
    if nodes > max_nodes or edges > max_edges:
        raise ValueError(_too_big(p, max_nodes, max_edges))
    try:
        g = nx.read_graphml(p)
    except Exception as exc:  # networkx raises several parser errors
        first = (str(exc) or type(exc).__name__).splitlines()[0]
        raise ValueError(f"network.file: {shown(p.name)} is not valid GraphML ({shown(first)})"
                         ) from None
    if g.number_of_nodes() > max_nodes or g.number_of_edges() > max_edges:
        raise ValueError(_too_big(p, max_nodes, max_edges))
    return from_networkx(g)


def from_networkx(g: Any) -> Adjacency:
    """Any networkx graph (directions and weights ignored), nodes numbered in graph order."""
    nodes = list(g.nodes())
    index = {node: i for i, node in enumerate(nodes)}
    pairs: Iterable[tuple[Any, Any]] = g.edges()
    e = np.array([(index[a], index[b]) for a, b in pairs], dtype=np.int64).reshape(-1, 2)
    return Adjacency.from_edges(len(nodes), e[:, 0], e[:, 1], labels=np.array(nodes, dtype=object))


def _too_big(p: Path, max_nodes: int, max_edges: int) -> str:
    return (f"network.file: {shown(p.name)} is larger than network.max_nodes={max_nodes:,} or "
            f"network.max_edges={max_edges:,}; raise the limits to read it")


__all__ = ["KINDS", "Adjacency", "build", "from_networkx", "load"]
