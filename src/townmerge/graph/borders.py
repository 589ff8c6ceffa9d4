"""Shared borders between units: which pairs touch, and how long their common border is.

1. Every ring of every polygon is cut into segments; vertices are snapped to a
   :data:`GRID_M` grid and numbered, and each segment is keyed by its two
   vertex numbers (smaller first). Segments whose key occurs in two different
   units are shared border: one sort gives the neighbouring pairs and, summed,
   their shared lengths (:class:`SegmentHash`). On a clean coverage (neighbours
   share their vertices) this is the whole answer.
2. Segments whose key occurs once are *free* (coast, outer border, gaps, or
   borders whose vertices are not shared: T-junctions). Free segments are
   queried against the units with an STRtree; a pair where a free segment
   runs along, or into, another unit is recomputed with GEOS (length of the
   intersection of the two boundaries). For units that do not overlap this
   finds every border that hashing misses (:func:`contacts`).

Units that do not touch but whose free borders face each other across a
sliver narrower than a tolerance are found by :func:`tolerant_pairs`.

Pairs are coded ``i * n + j`` (``i < j``) over unit positions.

Examples
--------
>>> from shapely import box
>>> geoms = np.array([box(0, 0, 1, 1), box(1, 0, 2, 1)], dtype=object)
>>> code, length = SegmentHash(geoms).shared()
>>> code.tolist(), length.tolist()
([1], [1.0])
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import shapely

from .unitgeoms import GeomArray

__all__ = [
    "GRID_M",
    "MIN_BORDER_M",
    "TOLERANT_MIN_RATIO",
    "Method",
    "SegmentHash",
    "contacts",
    "tolerant_pairs",
]

#: Shared border shorter than this (metres) counts as a corner contact, not a rook edge.
MIN_BORDER_M = 1e-6
#: Vertices closer than this (metres, after snapping to a grid of this size) are one vertex
#: when segments are hashed.
GRID_M = 1e-3
#: A tolerant edge needs a facing stretch longer than this many times the tolerance, so that
#: two units meeting at a single point on a coast or a gap are not counted (two units
#: touching at a right-angled corner face each other over 2 × tolerance).
TOLERANT_MIN_RATIO = 4.0
#: Segments of arc used per quarter circle when buffering for the tolerance.
_QUAD_SEGS = 4

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
Method = Literal["auto", "hash", "geos"]


def _group_pairs(sorted_keys: IntArray) -> tuple[IntArray, IntArray]:
    """All position pairs ``i < j`` whose keys are equal, in a sorted key array."""
    n = len(sorted_keys)
    if n == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    brk = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
    starts = np.r_[0, brk]
    ends = np.r_[brk, n]
    count = np.repeat(ends, ends - starts) - np.arange(n) - 1
    left = np.repeat(np.arange(n), count)
    first = np.cumsum(count) - count
    right = left + 1 + (np.arange(len(left)) - np.repeat(first, count))
    return left.astype(np.int64), right.astype(np.int64)


def _group_sizes(sorted_keys: IntArray) -> IntArray:
    """Size of each element's group, in a sorted key array."""
    n = len(sorted_keys)
    if n == 0:
        return np.empty(0, np.int64)
    brk = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
    sizes = np.diff(np.r_[0, brk, n])
    return np.repeat(sizes, sizes).astype(np.int64)


def _unique(values: IntArray) -> IntArray:
    """Sorted unique values (by sorting: faster than numpy's hash table for int64 keys)."""
    s = np.sort(values)
    keep = np.ones(len(s), dtype=bool)
    keep[1:] = s[1:] != s[:-1]
    return s[keep]


def _vertex_numbers(coords: FloatArray) -> IntArray:
    """Number the coordinates, equal after snapping to the :data:`GRID_M` grid, from 0."""
    n = len(coords)
    if n == 0:
        return np.empty(0, np.int64)
    snapped = np.rint(coords / GRID_M).astype(np.int64)
    snapped -= snapped.min(axis=0)
    span = snapped.max(axis=0) + 1
    if float(span[0]) * float(span[1]) < 2.0**62:  # one int64 key per vertex
        order = np.argsort(snapped[:, 0] * span[1] + snapped[:, 1])
    else:
        order = np.lexsort((snapped[:, 1], snapped[:, 0]))
    ordered = snapped[order]
    new = np.ones(n, dtype=bool)
    new[1:] = np.any(ordered[1:] != ordered[:-1], axis=1)
    vertex = np.empty(n, np.int64)
    vertex[order] = np.cumsum(new) - 1
    return vertex


class SegmentHash:
    """Ring segments of all units, keyed by their snapped end vertices.

    Parameters
    ----------
    geoms : ndarray of shapely geometries
        Unit polygons, in unit order.

    Examples
    --------
    >>> from shapely import box
    >>> SegmentHash(np.array([box(0, 0, 1, 1)])).length.tolist()
    [1.0, 1.0, 1.0, 1.0]
    """

    def __init__(self, geoms: GeomArray) -> None:
        n_units = len(geoms)
        parts, part_unit = shapely.get_parts(geoms, return_index=True)
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
        ring_unit = part_unit[ring_part].astype(np.int64)
        self.n_units = n_units
        vertex = _vertex_numbers(coords)
        self.n_vertices = int(vertex.max()) + 1 if len(vertex) else 0
        self.vertex = vertex
        self.vertex_unit = ring_unit[coord_ring]
        # segments: consecutive coordinates of the same ring, not collapsed by snapping
        start = np.flatnonzero(coord_ring[1:] == coord_ring[:-1])
        a, b = vertex[start], vertex[start + 1]
        keep = a != b
        start, a, b = start[keep], a[keep], b[keep]
        self.p = coords[start]
        self.q = coords[start + 1]
        self.unit = ring_unit[coord_ring[start]]
        self.length = np.hypot(*(self.q - self.p).T)
        key = np.minimum(a, b) * self.n_vertices + np.maximum(a, b)
        self.order = np.argsort(key, kind="stable")
        self.sorted_key = key[self.order]

    def shared(self) -> tuple[IntArray, FloatArray]:
        """Pair codes ``i * n + j`` (``i < j``) and summed length of the shared segments.

        Examples
        --------
        >>> from shapely import box
        >>> h = SegmentHash(np.array([box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 1, 3, 2)]))
        >>> [a.tolist() for a in h.shared()]
        [[1], [1.0]]
        """
        n = self.n_units
        left, right = _group_pairs(self.sorted_key)
        ua = self.unit[self.order[left]]
        ub = self.unit[self.order[right]]
        differ = ua != ub
        left, ua, ub = left[differ], ua[differ], ub[differ]
        code = np.minimum(ua, ub) * n + np.maximum(ua, ub)
        length = self.length[self.order[left]]
        if len(code) and _group_sizes(self.sorted_key).max() > 2:
            # a segment in three or more rings (overlaps, repeated parts): count it once a pair
            _, first = np.unique(np.c_[self.sorted_key[left], code], axis=0, return_index=True)
            code, length = code[first], length[first]
        pairs, inverse = np.unique(code, return_inverse=True)
        return pairs.astype(np.int64), np.bincount(inverse, weights=length,
                                                   minlength=len(pairs)).astype(float)

    def free(self) -> IntArray:
        """Indices of segments found in no other ring.

        Examples
        --------
        >>> from shapely import box
        >>> h = SegmentHash(np.array([box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 1, 3, 2)]))
        >>> h.free().size, h.length.size
        (10, 12)
        """
        return self.order[_group_sizes(self.sorted_key) == 1]

    def vertex_pairs(self) -> IntArray:
        """Pair codes of units sharing a (snapped) vertex.

        Examples
        --------
        >>> from shapely import box
        >>> h = SegmentHash(np.array([box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 1, 3, 2)]))
        >>> h.vertex_pairs().tolist()  # A-B share a side, B-C a corner
        [1, 5]
        """
        n = self.n_units
        vu = _unique(self.vertex * n + self.vertex_unit)
        left, right = _group_pairs(vu // n)
        ua, ub = vu[left] % n, vu[right] % n
        return _unique(np.minimum(ua, ub) * n + np.maximum(ua, ub))


def _boundary_overlap(geoms: GeomArray, code: IntArray) -> FloatArray:
    """Length of the intersection of the two units' boundaries, per pair code."""
    n = len(geoms)
    if len(code) == 0:
        return np.empty(0, float)
    used, inverse = np.unique(np.r_[code // n, code % n], return_inverse=True)
    boundary = shapely.boundary(geoms[used])
    a, b = inverse[: len(code)], inverse[len(code):]
    return np.asarray(shapely.length(shapely.intersection(boundary[a], boundary[b])), float)


def _free_lines(hashed: SegmentHash) -> tuple[GeomArray, IntArray]:
    """The free segments as LineStrings, with their unit."""
    free = hashed.free()
    lines = shapely.linestrings(np.stack([hashed.p[free], hashed.q[free]], axis=1))
    return np.asarray(lines, dtype=object), hashed.unit[free]


def contacts(
    geoms: GeomArray, tree: shapely.STRtree, method: Method, queen: bool,
    hashed: SegmentHash | None,
) -> tuple[IntArray, FloatArray]:
    """Pair codes of touching units and their shared border length (0: a point only).

    Parameters
    ----------
    geoms : ndarray of shapely geometries
    tree : shapely.STRtree
        Of ``geoms``.
    method : {"auto", "hash", "geos"}
        See :func:`townmerge.graph.adjacency.build_adjacency`.
    queen : bool
        Keep pairs touching at a point only (length 0).
    hashed : SegmentHash, optional
        Of ``geoms``, when already built.

    Examples
    --------
    >>> from shapely import STRtree, box
    >>> g = np.array([box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 1, 3, 2)])
    >>> [a.tolist() for a in contacts(g, STRtree(g), "auto", True, None)]
    [[1, 5], [1.0, 0.0]]
    """
    n = len(geoms)
    if method == "geos":
        left, right = tree.query(geoms, predicate="intersects")
        keep = left < right
        code = (left[keep] * n + right[keep]).astype(np.int64)
        length = _boundary_overlap(geoms, code)
        if not queen:
            code, length = code[length > MIN_BORDER_M], length[length > MIN_BORDER_M]
        return code, length
    hashed = SegmentHash(geoms) if hashed is None else hashed
    code, length = hashed.shared()
    extra: list[IntArray] = []
    if method == "auto":
        lines, line_unit = _free_lines(hashed)
        seg, other = tree.query(lines, predicate="intersects")
        unit = line_unit[seg]
        keep = unit != other
        seg, unit, other = seg[keep], unit[keep], other[keep]
        touch = np.minimum(unit, other) * n + np.maximum(unit, other)
        # a free segment running along or into another unit: recompute that pair with GEOS
        along = ~shapely.relate_pattern(lines[seg], geoms[other], "FF*******")
        recheck = _unique(touch[along])
        if len(recheck):
            geos_length = _boundary_overlap(geoms, recheck)
            keep_hash = ~np.isin(code, recheck)
            code = np.r_[code[keep_hash], recheck]
            length = np.r_[length[keep_hash], geos_length]
        extra.append(touch)
    code, length = code[length > MIN_BORDER_M], length[length > MIN_BORDER_M]
    if queen:
        extra.append(hashed.vertex_pairs())
        points = _unique(np.concatenate(extra))
        points = points[~np.isin(points, code)]
        code = np.r_[code, points]
        length = np.r_[length, np.zeros(len(points))]
    return code.astype(np.int64), length


# -- tolerance --------------------------------------------------------------------------------
def _free_boundaries(
    geoms: GeomArray, units: IntArray, rook_code: IntArray,
) -> GeomArray:
    """Boundaries of ``units`` minus the borders they share with rook neighbours."""
    n = len(geoms)
    free = shapely.boundary(geoms[units])
    a, b = rook_code // n, rook_code % n
    incident = np.isin(a, units) | np.isin(b, units)
    a, b = a[incident], b[incident]
    if len(a) == 0:
        return np.asarray(free, dtype=object)
    shared = shapely.intersection(shapely.boundary(geoms[a]), shapely.boundary(geoms[b]))
    parts, which = shapely.get_parts(shared, return_index=True)
    is_line = shapely.get_type_id(parts) == 1
    parts, which = parts[is_line], which[is_line]
    owner = np.r_[a[which], b[which]]
    lines = np.r_[parts, parts]
    mine = np.isin(owner, units)
    owner, lines = owner[mine], lines[mine]
    if len(owner) == 0:
        return np.asarray(free, dtype=object)
    owners, compact = np.unique(owner, return_inverse=True)
    by_owner = np.argsort(compact, kind="stable")
    cut = shapely.multilinestrings(lines[by_owner], indices=compact[by_owner])
    at = np.searchsorted(units, owners)
    free[at] = shapely.difference(free[at], cut)
    return np.asarray(free, dtype=object)


def tolerant_pairs(
    geoms: GeomArray, tree: shapely.STRtree, rook_code: IntArray, tolerance: float,
    hashed: SegmentHash,
) -> tuple[IntArray, FloatArray]:
    """Pairs that are not rook neighbours but face each other within ``tolerance``.

    Only free boundary (not shared with any unit) can face another unit, so candidates are
    the units within ``tolerance`` of a free segment (a segment found in no other ring: a
    superset of the free boundary).

    Returns
    -------
    code : ndarray of int
        Pair codes ``i * n + j``.
    facing : ndarray of float
        Mean length of each unit's free boundary within ``tolerance`` of the other.

    Examples
    --------
    >>> from shapely import STRtree, box
    >>> g = np.array([box(0, 0, 100, 100), box(100.5, 0, 200, 100)])
    >>> code, facing = tolerant_pairs(g, STRtree(g), np.zeros(0, np.int64), 1.0, SegmentHash(g))
    >>> code.tolist(), facing.round(1).tolist()
    ([1], [101.0])
    """
    n = len(geoms)
    lines, line_unit = _free_lines(hashed)
    seg, other = tree.query(lines, predicate="dwithin", distance=tolerance)
    unit = line_unit[seg]
    keep = unit != other
    code = _unique(np.minimum(unit[keep], other[keep]) * n + np.maximum(unit[keep], other[keep]))
    code = code[~np.isin(code, rook_code)]
    if len(code) == 0:
        return code, np.empty(0, float)
    a, b = code // n, code % n
    units = np.unique(np.r_[a, b])
    free = _free_boundaries(geoms, units, rook_code)
    zone = shapely.buffer(geoms[units], tolerance, quad_segs=_QUAD_SEGS)
    ia, ib = np.searchsorted(units, a), np.searchsorted(units, b)
    facing = (shapely.length(shapely.intersection(free[ia], zone[ib]))
              + shapely.length(shapely.intersection(free[ib], zone[ia]))) / 2
    ok = facing > TOLERANT_MIN_RATIO * tolerance
    return code[ok], np.asarray(facing[ok], float)

