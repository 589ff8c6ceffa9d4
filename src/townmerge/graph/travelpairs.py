"""Directed settlement pairs within a travel-time cut-off, found without the full matrix.

Road pairs: sources are processed in spatial tiles, each on the sub-graph it can
reach within the cut-off at the network's top speed, with Dijkstra's ``limit=``;
settlements at the same node share one search. Fallback pairs (a settlement off
the network, or parts that do not connect) are found with a KD-tree. With
:attr:`TravelParams.max_destinations`, each origin keeps only its nearest
destinations.

Examples
--------
>>> from townmerge.config import TravelParams
>>> from townmerge.testing.examples import example_area
>>> acc = RoadAccess.attach(example_area(), TravelParams())
>>> [b[0].tolist() for b in pair_blocks(acc, 15.0)]
[[0, 1]]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

import numpy as np
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from .access import DIJKSTRA_BLOCK, RoadAccess
from .roadgraph import BoolArray, FloatArray, IntArray

__all__ = ["pair_blocks"]

#: Source nodes per spatial tile, on average.
_TILE_SOURCES = 400


def _expand(
    a: IntArray, b: IntArray, d: FloatArray, starts: IntArray, counts: IntArray,
    members: IntArray,
) -> tuple[IntArray, IntArray, FloatArray]:
    """Settlement pairs behind node pairs: every settlement at ``a`` × every one at ``b``."""
    na, nb = counts[a], counts[b]
    m = na * nb
    if a.size and int(m.max()) == 1:
        return members[starts[a]], members[starts[b]], d
    rep = np.repeat(np.arange(a.size), m)
    offs = np.arange(int(m.sum())) - np.repeat(np.cumsum(m) - m, m)
    nbr = nb[rep]
    si = members[starts[a][rep] + offs // nbr]
    sj = members[starts[b][rep] + offs % nbr]
    return si, sj, d[rep]


def _nearest(o: IntArray, d: IntArray, t: FloatArray, cap: int) -> IntArray:
    """Indices of the ``cap`` nearest destinations of each origin (ties: smaller ``d``)."""
    order = np.lexsort((d, t, o))
    so = o[order]
    start = np.r_[0, np.flatnonzero(so[1:] != so[:-1]) + 1] if so.size else so
    rank = np.arange(so.size) - np.repeat(start, np.diff(np.r_[start, so.size]))
    return np.sort(order[rank < cap])


def _tiles(xy: FloatArray, per_tile: int) -> list[IntArray]:
    """Group points into square tiles holding about ``per_tile`` points each."""
    n = xy.shape[0]
    if n <= per_tile:
        return [np.arange(n, dtype=np.int64)]
    lo = xy.min(axis=0)
    ext = np.maximum(xy.max(axis=0) - lo, 1.0)
    side = max(math.sqrt(float(ext[0] * ext[1]) * per_tile / n), 1.0)
    ij = np.floor((xy - lo) / side).astype(np.int64)
    key = ij[:, 0] * (int(ij[:, 1].max()) + 1) + ij[:, 1]
    order = np.argsort(key, kind="stable")
    bounds = np.r_[0, np.flatnonzero(np.diff(key[order])) + 1, n]
    return [order[s:e] for s, e in itertools.pairwise(bounds)]



def _road_pairs(acc: RoadAccess, cutoff: float,
                ) -> Iterator[tuple[IntArray, IntArray, FloatArray]]:
    """Pairs over the road network within ``cutoff``, one block per tile of sources."""
    g = acc.roads
    if g is None:
        return
    on = np.flatnonzero(acc.node >= 0)
    if on.size == 0:
        return
    node_of = acc.node[on]
    order = np.argsort(node_of, kind="stable")
    members = on[order]
    snodes, starts, counts = np.unique(node_of[order], return_index=True, return_counts=True)
    starts_full = np.zeros(g.n_nodes, dtype=np.int64)
    counts_full = np.zeros(g.n_nodes, dtype=np.int64)
    starts_full[snodes] = starts
    counts_full[snodes] = counts
    min_acc = np.full(g.n_nodes, np.inf)
    np.minimum.at(min_acc, acc.node[on], acc.access_min[on])
    global_min = float(acc.access_min[on].min())
    has_st = counts_full > 0
    speed_m_per_min = g.top_speed_kmh * 1000.0 / 60.0
    for tile in _tiles(g.xy[snodes], _TILE_SOURCES):
        src = snodes[tile]
        limit = cutoff - float(min_acc[src].min()) - global_min
        if limit < 0:
            continue
        reach = limit * speed_m_per_min + 2 * acc.params.snap_m
        lo = g.xy[src].min(axis=0) - reach
        hi = g.xy[src].max(axis=0) + reach
        near = np.flatnonzero(np.all((g.xy >= lo) & (g.xy <= hi), axis=1))
        sub = g.minutes[near][:, near]
        local_src = np.searchsorted(near, src)
        cols = np.flatnonzero(has_st[near])
        step = max(1, DIJKSTRA_BLOCK // max(near.size, 1))
        for s in range(0, src.size, step):
            dist = csgraph.dijkstra(sub, directed=True, indices=local_src[s:s + step],
                                    limit=limit)
            dc = dist[:, cols]
            r, c = np.nonzero(dc <= limit)
            a = src[s:s + step][r]
            b = near[cols[c]]
            si, sj, d = _expand(a, b, dc[r, c], starts_full, counts_full, members)
            t = d + acc.access_min[si] + acc.access_min[sj]
            keep = (si != sj) & (t <= cutoff)
            yield si[keep], sj[keep], t[keep]


def _fallback_pairs(acc: RoadAccess, cutoff: float) -> tuple[IntArray, IntArray, FloatArray]:
    """Pairs not joined by the roads within ``cutoff``, timed by the fallback."""
    grp = acc.road_group()
    n = grp.size
    labels, counts = np.unique(grp, return_counts=True)
    main = labels[np.argmax(counts)] if counts.max() > 1 else None
    minor = np.flatnonzero(grp != main) if main is not None else np.arange(n)
    if minor.size == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z, np.zeros(0)
    radius = (cutoff / 0.06 * float(acc.fallback_kmh.max()) / acc.params.detour_factor)
    tree_all = cKDTree(acc.xy)
    if minor.size == n:
        pairs = tree_all.query_pairs(radius, output_type="ndarray").astype(np.int64)
        a, b = pairs[:, 0], pairs[:, 1]
        a, b = np.concatenate([a, b]), np.concatenate([b, a])
    else:
        sdm = cKDTree(acc.xy[minor]).sparse_distance_matrix(
            tree_all, radius, output_type="ndarray")
        a = minor[sdm["i"].astype(np.int64)]
        b = sdm["j"].astype(np.int64)
        keep = a != b
        a, b = a[keep], b[keep]
        # A pair of two minor settlements comes from both of their queries.
        back = grp[b] == main
        a, b = np.concatenate([a, b[back]]), np.concatenate([b, a[back]])
    keep = grp[a] != grp[b]
    a, b = a[keep], b[keep]
    t = acc.fallback(a, b)
    keep = t <= cutoff
    return a[keep], b[keep], t[keep]


def pair_blocks(
    acc: RoadAccess, cutoff: float,
) -> Iterator[tuple[IntArray, IntArray, FloatArray, BoolArray]]:
    """Directed settlement pairs within ``cutoff`` minutes, block by block.

    Every ordered pair of distinct settlements with a travel time at most the
    cut-off appears in exactly one block (at most
    :attr:`TravelParams.max_destinations` per origin, the nearest). Each block
    is ``(origin, destination, minutes, by_road)`` with settlement positions.

    Examples
    --------
    >>> from townmerge.config import TravelParams
    >>> from townmerge.testing.examples import example_area
    >>> acc = RoadAccess.attach(example_area(), TravelParams())
    >>> sum(b[0].size for b in pair_blocks(acc, 5.0))
    0
    """
    cap = acc.params.max_destinations
    if cap is None:
        for si, sj, t in _road_pairs(acc, cutoff):
            yield si, sj, t, np.ones(si.size, dtype=bool)
        a, b, t = _fallback_pairs(acc, cutoff)
        if a.size:
            yield a, b, t, np.zeros(a.size, dtype=bool)
        return
    # All road pairs of an origin come in one block, so each block is capped on its
    # own, except for origins that also have fallback pairs: those wait for the end.
    a, b, t = _fallback_pairs(acc, cutoff)
    late = np.zeros(acc.xy.shape[0], dtype=bool)
    late[a] = True
    held: list[tuple[IntArray, IntArray, FloatArray, BoolArray]] = [
        (a, b, t, np.zeros(a.size, dtype=bool))]
    for si, sj, tt in _road_pairs(acc, cutoff):
        wait = late[si]
        if wait.any():
            held.append((si[wait], sj[wait], tt[wait], np.ones(int(wait.sum()), dtype=bool)))
        keep = _nearest(si[~wait], sj[~wait], tt[~wait], cap)
        yield si[~wait][keep], sj[~wait][keep], tt[~wait][keep], np.ones(keep.size, bool)
    ho, hd, ht, hr = (np.concatenate(x) for x in zip(*held, strict=True))
    keep = _nearest(ho, hd, ht, cap)
    if keep.size:
        yield ho[keep], hd[keep], ht[keep], hr[keep]
