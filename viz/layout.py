"""Node positions: a Fruchterman-Reingold layout in numpy, computed once and cached on disk.

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

import numpy as np

from addsim._errors import ConfigError
from addsim._read import read_npz
from addsim.viz.record import atomic_file

VERSION = 1  # bump when the algorithm changes: invalidates cached layouts


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
) -> np.ndarray:
    """Positions (n, 2) in [0, 1] for the graph; deterministic for a given seed."""
    rng = np.random.default_rng(seed)
    if n == 0:
        return np.zeros((0, 2))
    if n == 1:
        return np.full((1, 2), 0.5)
    pos = rng.random((n, 2))
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    u, v = edges[:, 0], edges[:, 1]
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
        f = d * (dist / k)[:, None]  # attraction d^2 / k along the edge
        for c in (0, 1):
            disp[:, c] -= np.bincount(u, f[:, c], minlength=n)
            disp[:, c] += np.bincount(v, f[:, c], minlength=n)
        centre = pos.mean(axis=0)
        disp -= (pos - centre) * (0.05 / k)  # gravity: keeps components together
        length = np.sqrt((disp * disp).sum(axis=1)) + 1e-12
        pos += disp * (np.minimum(length, temp) / length)[:, None]
        temp *= cool
    lo = np.percentile(pos, 0.5, axis=0)
    hi = np.percentile(pos, 99.5, axis=0)
    span = float((hi - lo).max()) + 1e-12
    out = (pos - (lo + hi) / 2) / span + 0.5
    return np.clip(out, 0.0, 1.0)


def cached_layout(n: int, edges: np.ndarray, path: Path | None) -> np.ndarray:
    """The layout of the graph, read from ``path`` when it holds this graph's, else computed.

    The cache is an .npz with the graph key; it is written atomically and a failure to write
    (read-only run folder) only costs recomputing next time; a cache that cannot be read
    (damaged, foreign, claiming more than the layout's size) is recomputed.
    """
    key = graph_key(n, edges)
    if path is not None and os.path.lexists(path):
        try:  # a damaged, foreign or oversized cache is recomputed, never a traceback
            data = read_npz(path, "layout", ("key", "pos"), limit=16 * n + 2**20)
            if str(data["key"]) == key and data["pos"].shape == (n, 2):
                return np.asarray(data["pos"], dtype=np.float64)
        except ConfigError:
            pass
    pos = force_layout(n, edges)
    if path is not None:
        with contextlib.suppress(OSError, ConfigError):  # unwritable: only recomputed next time
            atomic_file(path, lambda p: np.savez(p, key=np.array(key), pos=pos))
    return pos


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
