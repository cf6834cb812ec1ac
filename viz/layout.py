"""Node positions: friend groups side by side, computed once and cached on disk.

Why communities. Peers who use are the network's risk factor, so what the picture must show
is use clustering among friends and passing from one group of friends to the next. A
force-directed layout of a small-world network is a hairball (its rewired shortcuts pull
everything to the middle), where neither reads. So the layout finds the friend groups
(Louvain communities, networkx), lays out each group on its own (networkx's spring layout;
the numpy one below for big groups), and places the groups as discs where a spring layout of
the graph of groups (weighted by the friendships between them) puts them: groups with many
friendships between them are neighbours, so spread between groups is spread across the
picture. The viewer draws the edges between groups fainter than those within. A graph
without community structure to show (few edges, or mostly singletons) falls back to the
force layout of the whole graph.

The force layout (Fruchterman-Reingold) in numpy:

Attraction runs along the edges (d^2 / k, summed per node with bincount); repulsion (k^2 / d
between all pairs) is approximated particle-mesh style: node density on a grid convolved with
the repulsion kernel by FFT, read back at each node's cell, so an iteration costs O(N + E +
G^2 log G) instead of O(N^2). A weak gravity keeps separate components on screen. 10,000 nodes
lay out in well under the seconds the issue allows (see benchmarks/bench_viewer.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np

from addsim._errors import ConfigError
from addsim._read import read_npz
from addsim.viz.record import atomic_file

VERSION = 2  # bump when the algorithm changes: invalidates cached layouts


def graph_key(n: int, edges: np.ndarray) -> str:
    """A hash of the graph (and the layout version) naming its cached layout."""
    h = hashlib.sha1(f"{VERSION}:{n}:".encode())
    h.update(np.ascontiguousarray(edges, dtype=np.int64).tobytes())
    return h.hexdigest()[:16]


def _kernel(grid: int) -> tuple[np.ndarray, np.ndarray]:
    """FFTs of the repulsion field per unit density (cell units, zero at the origin)."""
    size = 2 * grid
    off = np.fft.fftfreq(size, 1.0 / size)  # 0, 1, ..., -1 (wrap-around offsets)
    dx, dy = np.meshgrid(off, off, indexing="ij")
    r2 = dx * dx + dy * dy
    r2[0, 0] = 1.0
    kx, ky = dx / r2, dy / r2
    kx[0, 0] = ky[0, 0] = 0.0
    return np.fft.rfft2(kx), np.fft.rfft2(ky)


def force_layout(
    n: int, edges: np.ndarray, seed: int = 0, iterations: int = 150, grid: int = 128,
    weights: np.ndarray | None = None, start: np.ndarray | None = None,
    gravity: float = 0.05,
) -> np.ndarray:
    """Positions (n, 2) in [0, 1] for the graph; deterministic for a given seed.

    ``weights``: per edge, how strongly it pulls (default 1); ``start``: initial positions
    (default uniform in the unit square)."""
    rng = np.random.default_rng(seed)
    if n == 0:
        return np.zeros((0, 2))
    if n == 1:
        return np.full((1, 2), 0.5)
    pos = rng.random((n, 2)) if start is None else np.array(start, dtype=float)
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    u, v = edges[:, 0], edges[:, 1]
    w = np.ones(len(edges)) if weights is None else np.asarray(weights, dtype=float)
    k = 1.0 / np.sqrt(n)  # ideal edge length in the unit square
    fkx, fky = _kernel(grid)
    size = 2 * grid
    temp = 0.1
    cool = (0.002 / temp) ** (1.0 / max(iterations - 1, 1))
    for _ in range(iterations):
        lo = pos.min(axis=0)
        span = float((pos.max(axis=0) - lo).max()) + 1e-12
        cell = span / (grid - 1)
        ij = np.minimum(((pos - lo) / cell).astype(np.int64), grid - 1)
        flat = ij[:, 0] * size + ij[:, 1]
        dens = np.bincount(flat, minlength=size * size).reshape(size, size).astype(float)
        fd = np.fft.rfft2(dens)
        fx = np.fft.irfft2(fd * fkx, s=(size, size)).reshape(-1)
        fy = np.fft.irfft2(fd * fky, s=(size, size)).reshape(-1)
        scale = k * k / cell  # field of unit density in cell units -> world units
        disp = np.stack([fx[flat], fy[flat]], axis=1) * scale
        d = pos[u] - pos[v]
        dist = np.sqrt((d * d).sum(axis=1)) + 1e-12
        f = d * (w * dist / k)[:, None]  # attraction w d^2 / k along the edge
        for c in (0, 1):
            disp[:, c] -= np.bincount(u, f[:, c], minlength=n)
            disp[:, c] += np.bincount(v, f[:, c], minlength=n)
        centre = pos.mean(axis=0)
        disp -= (pos - centre) * (gravity / k)  # gravity: keeps components together
        length = np.sqrt((disp * disp).sum(axis=1)) + 1e-12
        pos += disp * (np.minimum(length, temp) / length)[:, None]
        temp *= cool
    lo = np.percentile(pos, 0.5, axis=0)
    hi = np.percentile(pos, 99.5, axis=0)
    span = float((hi - lo).max()) + 1e-12
    out = (pos - (lo + hi) / 2) / span + 0.5
    return np.clip(out, 0.0, 1.0)


def communities(n: int, edges: np.ndarray, seed: int = 0) -> np.ndarray:
    """Each node's friend group (Louvain communities, networkx), numbered 0.. by their
    smallest member; (n,) int64."""
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(np.asarray(edges, dtype=np.int64).reshape(-1, 2).tolist())
    groups = sorted(nx.community.louvain_communities(g, seed=seed), key=min)
    label = np.empty(n, dtype=np.int64)
    for k, members in enumerate(groups):
        label[list(members)] = k
    return label


def _separate(centres: np.ndarray, radii: np.ndarray, rounds: int = 200) -> np.ndarray:
    """Push apart discs that overlap (a few rounds of pairwise corrections)."""
    c = centres.copy()
    for _ in range(rounds):
        d = c[:, None, :] - c[None, :, :]
        dist = np.sqrt((d * d).sum(axis=2)) + 1e-12
        need = radii[:, None] + radii[None, :] - dist
        np.fill_diagonal(need, 0.0)
        need = np.maximum(need, 0.0)
        if need.max() <= 1e-6:
            break
        c += 0.5 * (d / dist[:, :, None] * need[:, :, None]).sum(axis=1) / len(c) ** 0.5
    return c


SPRING_MAX = 1500  # a group laid out with networkx's spring layout up to this size
FILL_MAX = 800  # a group's layout spread over its whole disc up to this size


def sunflower(k: int) -> np.ndarray:
    """``k`` points evenly filling the unit disc (Vogel's spiral), (k, 2)."""
    i = np.arange(k) + 0.5
    r, angle = np.sqrt(i / k), i * np.pi * (3.0 - np.sqrt(5.0))
    return np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)


def fill_disc(p: np.ndarray) -> np.ndarray:
    """Positions ``p`` (centred, within the unit disc) moved onto points that fill the disc
    evenly, each to the nearest it can have (an assignment minimising the squared moves,
    scipy's linear_sum_assignment): a chain of friends folds into the disc, neighbours stay
    neighbours, and a group is a dense patch instead of a thin curve."""
    from scipy.optimize import linear_sum_assignment

    q = sunflower(len(p))
    _, take = linear_sum_assignment(((p[:, None, :] - q[None, :, :]) ** 2).sum(axis=2))
    return q[take]


def community_layout(n: int, edges: np.ndarray, labels: np.ndarray, seed: int = 0,
                     gap: float = 1.15) -> np.ndarray:
    """Positions (n, 2) in [0, 1]: each group laid out on its own in a disc of area
    proportional to its size, the discs where a spring layout of the graph of groups puts
    them (weighted by the friendships between groups), overlaps pushed apart."""
    import networkx as nx

    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    k = int(labels.max()) + 1 if n else 0
    sizes = np.bincount(labels, minlength=k)
    a, b = labels[edges[:, 0]], labels[edges[:, 1]]
    between = a != b
    groups = nx.Graph()
    groups.add_nodes_from(range(k))
    pairs, counts = np.unique(np.sort(np.stack([a[between], b[between]], 1), axis=1), axis=0,
                              return_counts=True)
    groups.add_weighted_edges_from((int(x), int(y), int(w)) for (x, y), w in zip(pairs, counts,
                                                                                 strict=True))
    placed = nx.spring_layout(groups, seed=seed, weight="weight", iterations=100)
    centres = np.array([placed[g] for g in range(k)], dtype=float)
    radii = np.sqrt(sizes / max(n, 1))
    if k > 1:  # scale the spring layout so that no two discs overlap, the closest touching
        d = np.sqrt(((centres[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2))
        np.fill_diagonal(d, np.inf)
        scale = float(np.max(gap * (radii[:, None] + radii[None, :]) / np.maximum(d, 1e-9)))
        centres = _separate(centres * scale, radii * gap)
        for _ in range(40):  # then draw the discs together, keeping their order
            mid = (centres * radii[:, None] ** 2).sum(axis=0) / (radii**2).sum()
            centres = _separate(mid + 0.9 * (centres - mid), radii * gap, rounds=50)
    pos = np.zeros((n, 2))
    order = np.argsort(labels, kind="stable")
    starts = np.concatenate([[0], np.cumsum(sizes)])
    inside = edges[~between]
    inside = inside[np.argsort(labels[inside[:, 0]], kind="stable")]
    cut = np.searchsorted(labels[inside[:, 0]], np.arange(k + 1))
    for g in range(k):
        members = order[starts[g]:starts[g + 1]]
        local = np.full(n, -1, dtype=np.int64)
        local[members] = np.arange(members.size)
        e = local[inside[cut[g]:cut[g + 1]]]
        if members.size == 1:
            p = np.zeros((1, 2))
        elif members.size <= SPRING_MAX:
            sub = nx.Graph()
            sub.add_nodes_from(range(members.size))
            sub.add_edges_from(e.tolist())
            at = nx.spring_layout(sub, seed=seed + g, iterations=25)
            p = np.array([at[i] for i in range(members.size)])
        else:
            p = force_layout(members.size, e, seed=seed + g, iterations=100)
        p = p - p.mean(axis=0)
        p = p / (float(np.sqrt((p * p).sum(axis=1)).max()) or 1.0)
        if 2 < members.size <= FILL_MAX:
            p = fill_disc(p)
        pos[members] = centres[g] + p * radii[g]
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    scale = float((hi - lo).max()) or 1.0
    return (pos - (lo + hi) / 2) / scale * 0.98 + 0.5


def has_groups(n: int, edges: np.ndarray, labels: np.ndarray) -> bool:
    """Whether the graph has friend groups worth laying out apart: enough edges, and
    groups that are not mostly single people."""
    k = int(labels.max()) + 1 if n else 0
    return n >= 30 and len(edges) >= n // 2 and 2 <= k <= n // 4


def layout_graph(n: int, edges: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The viewer's layout: (positions (n, 2) in [0, 1], each node's group); the groups side
    by side when the graph has them, else the force layout (every node in group 0)."""
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    if n >= 30 and len(edges) >= n // 2:
        labels = communities(n, edges, seed)
        if has_groups(n, edges, labels):
            return community_layout(n, edges, labels, seed), labels
    return force_layout(n, edges, seed), np.zeros(n, dtype=np.int64)


def cached_layout(n: int, edges: np.ndarray, path: Path | None,
                  groups: bool = False) -> Any:
    """The layout of the graph (:func:`layout_graph`), read from ``path`` when it holds this
    graph's, else computed; with ``groups`` also each node's group: (positions, groups).

    The cache is an .npz with the graph key; it is written atomically and a failure to write
    (read-only run folder) only costs recomputing next time; a cache that cannot be read
    (damaged, foreign, claiming more than the layout's size) is recomputed.
    """
    key = graph_key(n, edges)
    if path is not None and os.path.lexists(path):
        try:  # a damaged, foreign or oversized cache is recomputed, never a traceback
            data = read_npz(path, "layout", ("key", "pos", "group"), limit=24 * n + 2**20)
            if (str(data["key"]) == key and data["pos"].shape == (n, 2)
                    and data["group"].shape == (n,)):
                pos = np.asarray(data["pos"], dtype=np.float64)
                group = np.asarray(data["group"], dtype=np.int64)
                return (pos, group) if groups else pos
        except ConfigError:
            pass
    pos, group = layout_graph(n, edges)
    if path is not None:
        with contextlib.suppress(OSError, ConfigError):  # unwritable: only recomputed next time
            atomic_file(path, lambda p: np.savez(p, key=np.array(key), pos=pos, group=group))
    return (pos, group) if groups else pos


def snowball_sample(n: int, edges: np.ndarray, limit: int, seed: int = 0) -> np.ndarray:
    """Up to ``limit`` node ids grown breadth-first from random seeds (connected patches).

    A uniform sample of a large sparse graph keeps almost no edges; a snowball keeps the local
    structure the viewer is meant to show. Sorted ids.
    """
    if n <= limit:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    rows = np.concatenate([edges[:, 0], edges[:, 1]])
    cols = np.concatenate([edges[:, 1], edges[:, 0]])
    order = np.argsort(rows, kind="stable")
    cols = cols[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    taken = np.zeros(n, dtype=bool)
    count = 0
    while count < limit:
        start = rng.integers(n)
        if taken[start]:
            free = np.flatnonzero(~taken)
            start = free[rng.integers(free.size)]
        frontier = np.array([start])
        while frontier.size and count < limit:
            frontier = frontier[: limit - count]
            taken[frontier] = True
            count += frontier.size
            lens = indptr[frontier + 1] - indptr[frontier]
            idx = np.repeat(indptr[frontier], lens) + (
                np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens)
            )
            nxt = np.unique(cols[idx])
            frontier = nxt[~taken[nxt]]
    return np.flatnonzero(taken)


def induced_edges(sample: np.ndarray, n: int, edges: np.ndarray) -> np.ndarray:
    """The edges among ``sample`` renumbered 0..len(sample)-1."""
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    new = np.full(n, -1, dtype=np.int64)
    new[sample] = np.arange(sample.size)
    e = new[edges]
    return e[(e >= 0).all(axis=1)]
