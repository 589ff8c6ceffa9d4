"""Unit adjacency: which units share a border, and how long it is.

The edge table has one row per neighbouring pair (``unit_a < unit_b``) with the
shared border length in metres and the edge's ``kind``: ``shared`` (a real
common border, or for queen contiguity a common point), ``tolerant``
(separated only by a sliver narrower than ``tolerance`` metres) or
``virtual`` (a reviewed link given by the user: ferry, bridge, mountain pass).

How edges are found (``method="auto"``, the default):

1. Every ring of every polygon is cut into segments; vertices are snapped to a
   :data:`GRID_M` grid and numbered, and each segment is keyed by its two
   vertex numbers (smaller first). Segments whose key occurs in two different
   units are shared border: one sort gives the neighbouring pairs and, summed,
   their shared lengths. On a clean coverage (neighbours share their vertices)
   this is the whole answer.
2. Segments whose key occurs once are *free* (coast, outer border, gaps, or
   borders whose vertices are not shared: T-junctions). Free segments are
   queried against the units with an STRtree; a pair where a free segment
   runs along, or into, another unit is recomputed with GEOS (length of the
   intersection of the two boundaries). For units that do not overlap this
   finds every border that hashing misses, so the result equals the GEOS
   computation; ``method="geos"`` does the GEOS computation for every pair
   of intersecting units, ``method="hash"`` only step 1.

Queen contiguity adds the pairs that share a vertex or whose free segments
touch another unit, with ``border_m`` 0.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import box
>>> units = gpd.GeoDataFrame(
...     geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(1000, 1000, 2000, 2000)],
...     index=pd.Index(["A", "B", "C"], name="unit_id"), crs="EPSG:32648")
>>> build_adjacency(units)
  unit_a unit_b  border_m    kind
0      A      B    1000.0  shared
1      B      C    1000.0  shared
>>> len(build_adjacency(units, contiguity="queen"))
3
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, TypeAlias

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from ..data.model import StudyArea, unit_label
from ..errors import InputError, TopologyWarning, format_ids

if TYPE_CHECKING:
    import networkx as nx
    from libpysal.graph import Graph as LibpysalGraph

__all__ = [
    "EDGE_COLUMNS",
    "GRID_M",
    "KINDS",
    "LINK_COLUMNS",
    "MIN_BORDER_M",
    "TOLERANT_MIN_RATIO",
    "adjacency_matrix",
    "border_keys",
    "boundary_lengths",
    "build_adjacency",
    "components",
    "find_islands",
    "neighbours",
    "read_links",
    "suggest_links",
    "to_libpysal",
    "to_networkx",
]

EDGE_COLUMNS = ("unit_a", "unit_b", "border_m", "kind")
#: The values of the edge table's ``kind`` column.
KINDS = ("shared", "tolerant", "virtual")
#: Columns of a links file (reviewed virtual edges).
LINK_COLUMNS = ("unit_a", "unit_b", "reason")
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
GeomArray = npt.NDArray[np.object_]
Units: TypeAlias = StudyArea | gpd.GeoDataFrame
Method = Literal["auto", "hash", "geos"]
Weight = Literal["border", "binary"]


# -- input ------------------------------------------------------------------------------------
def _units_frame(units: Units, caller: str = "build_adjacency") -> gpd.GeoDataFrame:
    gdf = units.units if isinstance(units, StudyArea) else units
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(f"{caller} needs a StudyArea or a GeoDataFrame of unit polygons, "
                         f"got {type(units).__name__}.")
    if gdf.crs is None or not gdf.crs.is_projected:
        given = "no CRS" if gdf.crs is None else f"the geographic CRS {gdf.crs.name}"
        raise InputError(f"{caller} needs units in a projected CRS in metres, got {given}; "
                         "pass a StudyArea, or gdf.to_crs(...) first.")
    ids = gdf.index.astype(str)
    if not ids.is_unique:
        dup = sorted(set(ids[ids.duplicated()]))
        raise InputError(f"Unit ids (the GeoDataFrame index) must be unique; repeated: "
                         f"{format_ids(dup)}. Give every unit its own id.")
    types = shapely.get_type_id(np.asarray(gdf.geometry.array))
    bad = ~np.isin(types, (-1, 3, 6))
    if bad.any():
        raise InputError(f"Units must be polygons or multipolygons; these are not: "
                         f"{format_ids(_labels(gdf, np.flatnonzero(bad)))}.")
    return gdf


def _ids(gdf: gpd.GeoDataFrame) -> npt.NDArray[np.object_]:
    return np.asarray(gdf.index.astype(str), dtype=object)


def _geoms(gdf: gpd.GeoDataFrame) -> GeomArray:
    return np.asarray(gdf.geometry.array, dtype=object)


def _labels(gdf: gpd.GeoDataFrame, positions: Sequence[int] | IntArray) -> list[str]:
    ids = _ids(gdf)
    names = gdf["name"].to_numpy() if "name" in gdf.columns else None
    return [unit_label(ids[i], None if names is None else names[i]) for i in positions]


# -- segment hashing --------------------------------------------------------------------------
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


class _Hashed:
    """Ring segments of all units, keyed by their snapped end vertices."""

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
        """Pair codes ``i * n + j`` (``i < j``) and summed length of the shared segments."""
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
        """Indices of segments found in no other ring."""
        return self.order[_group_sizes(self.sorted_key) == 1]

    def vertex_pairs(self) -> IntArray:
        """Pair codes of units sharing a (snapped) vertex."""
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


def _free_lines(hashed: _Hashed) -> tuple[GeomArray, IntArray]:
    """The free segments as LineStrings, with their unit."""
    free = hashed.free()
    lines = shapely.linestrings(np.stack([hashed.p[free], hashed.q[free]], axis=1))
    return np.asarray(lines, dtype=object), hashed.unit[free]


def _contacts(
    geoms: GeomArray, tree: shapely.STRtree, method: Method, queen: bool,
    hashed: _Hashed | None,
) -> tuple[IntArray, FloatArray]:
    """Pair codes of touching units and their shared border length (0: a point only)."""
    n = len(geoms)
    if method == "geos":
        left, right = tree.query(geoms, predicate="intersects")
        keep = left < right
        code = (left[keep] * n + right[keep]).astype(np.int64)
        length = _boundary_overlap(geoms, code)
        if not queen:
            code, length = code[length > MIN_BORDER_M], length[length > MIN_BORDER_M]
        return code, length
    hashed = _Hashed(geoms) if hashed is None else hashed
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


def _tolerant(
    geoms: GeomArray, tree: shapely.STRtree, rook_code: IntArray, tolerance: float,
    hashed: _Hashed,
) -> tuple[IntArray, FloatArray]:
    """Pairs that are not rook neighbours but face each other within ``tolerance``.

    Only free boundary (not shared with any unit) can face another unit, so candidates are
    the units within ``tolerance`` of a free segment (a segment found in no other ring: a
    superset of the free boundary).
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


# -- links ------------------------------------------------------------------------------------
def _check_links(links: pd.DataFrame, known: set[str] | None, source: str) -> pd.DataFrame:
    missing_cols = [c for c in ("unit_a", "unit_b") if c not in links.columns]
    if missing_cols:
        raise InputError(f"The links {source} lacks column(s) {', '.join(missing_cols)}; it "
                         f"needs the columns {','.join(LINK_COLUMNS)} (found: "
                         f"{', '.join(map(str, links.columns)) or 'none'}).")
    out = pd.DataFrame({
        "unit_a": links["unit_a"].astype("string").str.strip(),
        "unit_b": links["unit_b"].astype("string").str.strip(),
        "reason": (links["reason"].astype("string").fillna("")
                   if "reason" in links.columns else ""),
    })
    problems: list[str] = []
    blank = (out["unit_a"].isna() | out["unit_b"].isna() | (out["unit_a"] == "")
             | (out["unit_b"] == "")).to_numpy()
    if blank.any():
        if source.startswith("file"):
            rows = [f"line {i + 2}" for i in np.flatnonzero(blank)]
            problems.append(f"a unit id is missing on {format_ids(rows)} (the header is "
                            "line 1)")
        else:
            rows = [str(x) for x in links.index[blank]]
            problems.append(f"a unit id is missing in the row(s) labelled {format_ids(rows)}")
    out = out[~blank]
    same = out["unit_a"] == out["unit_b"]
    if same.any():
        problems.append("a link joins a unit to itself: "
                        f"{format_ids(sorted(set(out.loc[same, 'unit_a'])))}")
    if known is not None:
        unknown = sorted(set(out["unit_a"]).union(out["unit_b"]) - known)
        if unknown:
            problems.append(f"unknown unit ids {format_ids(unknown)}; use the unit ids of the "
                            "study area")
    if problems:
        raise InputError(f"The links {source} has {len(problems)} problem(s):", problems)
    return out.astype({"unit_a": object, "unit_b": object, "reason": object})


def read_links(
    path: str | os.PathLike[str], units: Units | None = None,
) -> pd.DataFrame:
    r"""Read reviewed virtual edges (ferry, bridge, mountain pass) from a CSV file.

    Parameters
    ----------
    path : str or path-like
        CSV file with the header ``unit_a,unit_b,reason``; ids are read as
        text (leading zeros are kept), further columns are ignored.
    units : StudyArea or GeoDataFrame, optional
        When given, every id must be one of its unit ids.

    Returns
    -------
    DataFrame
        ``unit_a``, ``unit_b``, ``reason`` (empty text when not given).

    Raises
    ------
    InputError
        Naming the missing columns, the lines with a missing id, links from a
        unit to itself and unknown ids.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from townmerge.testing.grids import grid_units
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "links.csv"
    >>> _ = path.write_text("unit_a,unit_b,reason\nA,C,ferry\n")
    >>> read_links(path, grid_units("AB.C"))
      unit_a unit_b reason
    0      A      C  ferry
    """
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""],
                            skipinitialspace=True)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"Cannot read the links file {os.fspath(path)}: {exc}. It must be a "
                         f"CSV file with the header {','.join(LINK_COLUMNS)}.") from exc
    table.columns = [str(c).strip() for c in table.columns]
    known = set(_ids(_units_frame(units, "read_links"))) if units is not None else None
    return _check_links(table, known, f"file {os.fspath(path)}").reset_index(drop=True)


# -- the edge table ---------------------------------------------------------------------------
def build_adjacency(
    units: Units,
    *,
    contiguity: Literal["rook", "queen"] = "rook",
    tolerance: float = 0.0,
    links: pd.DataFrame | str | os.PathLike[str] | None = None,
    method: Method = "auto",
) -> pd.DataFrame:
    """Edge table of neighbouring units.

    Parameters
    ----------
    units : StudyArea or GeoDataFrame
        Units in a projected CRS in metres, index = unit id.
    contiguity : {"rook", "queen"}, default "rook"
        ``rook``: the units share a stretch of border (longer than
        :data:`MIN_BORDER_M`); ``queen``: a common point is enough (such
        edges have ``border_m`` 0).
    tolerance : float, default 0
        Units that are not rook neighbours but whose free borders (not shared
        with any unit) face each other within this many metres, over a
        stretch longer than ``TOLERANT_MIN_RATIO × tolerance``, become
        ``tolerant`` edges; ``border_m`` is that stretch (mean of the two
        units' boundary lengths lying within ``tolerance`` of the other unit).
        A :class:`~townmerge.errors.TopologyWarning` lists them.
    links : DataFrame or path, optional
        Reviewed virtual edges: a table or CSV file with ``unit_a``,
        ``unit_b`` (and ``reason``), see :func:`read_links`. They become
        ``virtual`` edges with ``border_m`` 0, unless the pair already is an edge.
    method : {"auto", "hash", "geos"}, default "auto"
        ``auto``: segment hashing, with GEOS for the pairs whose border does
        not share vertices (exact for units that do not overlap); ``hash``:
        hashing only (for clean coverages; misses borders at T-junctions);
        ``geos``: GEOS for every pair of intersecting units (slower, also
        exact for overlapping units).

    Returns
    -------
    DataFrame
        Columns ``unit_a``, ``unit_b``, ``border_m``, ``kind``; one row per
        pair, ``unit_a < unit_b``, sorted by the pair.

    Raises
    ------
    InputError
        For an unknown ``contiguity`` or ``method``, a negative ``tolerance``,
        units not in a projected CRS or not polygons, repeated ids, or links
        naming unknown units.

    Warns
    -----
    TopologyWarning
        When tolerant edges were added, naming each pair.

    Examples
    --------
    A is an island off B; C touches B only at a corner:

    >>> from townmerge.testing.grids import grid_units
    >>> units = grid_units("A.B. / ..B. / ...C")
    >>> build_adjacency(units)
    Empty DataFrame
    Columns: [unit_a, unit_b, border_m, kind]
    Index: []
    >>> build_adjacency(units, contiguity="queen", links=pd.DataFrame(
    ...     {"unit_a": ["A"], "unit_b": ["B"], "reason": ["ferry"]}))
      unit_a unit_b  border_m     kind
    0      A      B       0.0  virtual
    1      B      C       0.0   shared
    """
    if contiguity not in ("rook", "queen"):
        raise InputError(f"contiguity must be 'rook' or 'queen', not {contiguity!r}.")
    if method not in ("auto", "hash", "geos"):
        raise InputError(f"method must be 'auto', 'hash' or 'geos', not {method!r}.")
    if not np.isfinite(tolerance) or tolerance < 0:
        raise InputError(f"tolerance is a distance in metres and cannot be negative: {tolerance}.")
    gdf = _units_frame(units)
    ids = _ids(gdf)
    geoms = _geoms(gdf)
    n = len(geoms)
    tree = shapely.STRtree(geoms)
    hashed = _Hashed(geoms) if method != "geos" or tolerance > 0 else None
    code, border = _contacts(geoms, tree, method, contiguity == "queen", hashed)
    kind = np.full(len(code), "shared", dtype=object)
    if hashed is not None and tolerance > 0 and n > 1:
        rook = code[border > 0]
        t_code, t_border = _tolerant(geoms, tree, rook, tolerance, hashed)
        if len(t_code):
            keep = ~np.isin(code, t_code)  # a queen point contact facing along a sliver
            code = np.r_[code[keep], t_code]
            border = np.r_[border[keep], t_border]
            kind = np.r_[kind[keep], np.full(len(t_code), "tolerant", dtype=object)]
            _warn_tolerant(gdf, t_code, t_border, tolerance)
    edges = _edge_frame(ids, code // max(n, 1), code % max(n, 1), border, kind)
    if links is not None:
        table = (links if isinstance(links, pd.DataFrame)
                 else read_links(links))
        edges = _add_links(edges, _check_links(table, set(ids), "table"))
    return edges


def _edge_frame(
    ids: npt.NDArray[np.object_], a: IntArray, b: IntArray, border: FloatArray,
    kind: npt.NDArray[np.object_],
) -> pd.DataFrame:
    rank = np.empty(len(ids), np.int64)
    rank[np.argsort(ids.astype(str), kind="stable")] = np.arange(len(ids))
    swap = rank[a] > rank[b]
    a, b = np.where(swap, b, a), np.where(swap, a, b)
    order = np.lexsort((rank[b], rank[a]))
    return pd.DataFrame({
        "unit_a": ids[a[order]], "unit_b": ids[b[order]],
        "border_m": np.asarray(border, float)[order], "kind": kind[order],
    }, columns=list(EDGE_COLUMNS))


def _warn_tolerant(gdf: gpd.GeoDataFrame, code: IntArray, border: FloatArray,
                   tolerance: float) -> None:
    n = len(gdf)
    labels = _labels(gdf, np.r_[code // n, code % n])
    pairs = [f"{labels[i]} – {labels[i + len(code)]} ({border[i]:,.0f} m)"
             for i in np.argsort(-border)]
    warnings.warn(
        f"{len(code)} pair(s) of units do not share a border but face each other within "
        f"{tolerance:g} m; they are counted as tolerant neighbours: {format_ids(pairs)}. "
        "Check them; snapping the borders together makes them shared.",
        TopologyWarning, stacklevel=3,
    )


def _add_links(edges: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    if links.empty:
        return edges
    a = links["unit_a"].to_numpy(dtype=object)
    b = links["unit_b"].to_numpy(dtype=object)
    swap = a.astype(str) > b.astype(str)
    lo, hi = np.where(swap, b, a), np.where(swap, a, b)
    virtual = pd.DataFrame({"unit_a": lo, "unit_b": hi, "border_m": 0.0, "kind": "virtual"})
    virtual = virtual.drop_duplicates(["unit_a", "unit_b"])
    existing = pd.MultiIndex.from_frame(edges[["unit_a", "unit_b"]])
    new = ~pd.MultiIndex.from_frame(virtual[["unit_a", "unit_b"]]).isin(existing)
    out = pd.concat([edges, virtual[new]], ignore_index=True)
    return out.sort_values(["unit_a", "unit_b"], ignore_index=True)[list(EDGE_COLUMNS)]


def neighbours(edges: pd.DataFrame) -> dict[str, set[str]]:
    """Unit id → set of neighbour ids, from an edge table.

    Examples
    --------
    >>> neighbours(pd.DataFrame({"unit_a": ["A"], "unit_b": ["B"]}))
    {'A': {'B'}, 'B': {'A'}}
    """
    out: dict[str, set[str]] = {}
    for a, b in zip(edges["unit_a"], edges["unit_b"], strict=True):
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return out


# -- derived views ----------------------------------------------------------------------------
def _positions(edges: pd.DataFrame, ids: Sequence[str] | pd.Index) -> tuple[IntArray, IntArray]:
    index = pd.Index(pd.Index(ids).astype(str))
    a = index.get_indexer(edges["unit_a"].astype(str))
    b = index.get_indexer(edges["unit_b"].astype(str))
    unknown = sorted(set(edges["unit_a"].astype(str)[a < 0])
                     | set(edges["unit_b"].astype(str)[b < 0]))
    if unknown:
        raise InputError(f"The edge table names units that are not among the ids: "
                         f"{format_ids(unknown)}. Build the edges from the same units.")
    return a.astype(np.int64), b.astype(np.int64)


def adjacency_matrix(
    edges: pd.DataFrame, ids: Sequence[str] | pd.Index, *, weight: Weight = "border",
) -> sparse.csr_array:
    """Symmetric sparse adjacency matrix, rows and columns in the order of ``ids``.

    Parameters
    ----------
    edges : DataFrame
        Edge table from :func:`build_adjacency`.
    ids : sequence of str
        Unit ids, the matrix order (e.g. ``units.index``).
    weight : {"border", "binary"}, default "border"
        ``border``: the shared border length in metres; edges of length 0
        (virtual links, queen corners) are kept as explicit zeros, so the
        sparsity structure is the edge set; ``binary``: 1 for every edge.

    Returns
    -------
    scipy.sparse.csr_array
        ``n × n`` float matrix.

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> units = grid_units("AB / CC")
    >>> m = adjacency_matrix(build_adjacency(units), units.index)
    >>> m.toarray()
    array([[   0., 1000., 1000.],
           [1000.,    0., 1000.],
           [1000., 1000.,    0.]])
    """
    a, b = _positions(edges, ids)
    n = len(ids)
    w = (edges["border_m"].to_numpy(dtype=float) if weight == "border"
         else np.ones(len(edges)))
    m = sparse.coo_array((np.r_[w, w], (np.r_[a, b], np.r_[b, a])), shape=(n, n))
    return sparse.csr_array(m)


def components(units: Units, edges: pd.DataFrame) -> pd.Series:
    """Connected part of each unit: 0 for the largest, then by decreasing size.

    Parameters
    ----------
    units : StudyArea or GeoDataFrame
    edges : DataFrame
        Edge table (every kind counts, virtual links included).

    Returns
    -------
    Series
        Named ``component``, indexed by unit id.

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> units = grid_units("AB.C")
    >>> components(units, build_adjacency(units)).tolist()
    [0, 0, 1]
    """
    gdf = _units_frame(units, "components")
    ids = _ids(gdf)
    m = adjacency_matrix(edges, ids, weight="binary")
    _, labels = connected_components(m, directed=False)
    sizes = np.bincount(labels)
    order = np.lexsort((np.arange(len(sizes)), -sizes))  # largest first, ties by first unit
    relabel = np.empty(len(sizes), np.int64)
    relabel[order] = np.arange(len(sizes))
    return pd.Series(relabel[labels], index=pd.Index(ids, name=gdf.index.name),
                     name="component")


def find_islands(units: Units, edges: pd.DataFrame) -> list[str]:
    """Ids of the units with no edge at all (of any kind).

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> units = grid_units("AB.C / AB..")
    >>> find_islands(units, build_adjacency(units))
    ['C']
    """
    gdf = _units_frame(units, "find_islands")
    linked = set(edges["unit_a"].astype(str)) | set(edges["unit_b"].astype(str))
    return [u for u in _ids(gdf) if u not in linked]


def suggest_links(
    units: Units, edges: pd.DataFrame | None = None, *, k: int = 1,
) -> pd.DataFrame:
    """Candidate virtual links joining each island or separate part to its nearest units.

    For every connected part except the largest, the ``k`` nearest units of
    other parts, each with the part's unit nearest to it. The result is meant
    for review: keep the real connections (ferry, bridge, mountain pass), write
    their reason, save as CSV and give it to :func:`build_adjacency` as
    ``links``. Two islands may be proposed to each other; run again with the
    accepted links until everything is one part.

    Parameters
    ----------
    units : StudyArea or GeoDataFrame
    edges : DataFrame, optional
        Edge table (default: rook adjacency of ``units``).
    k : int, default 1
        Suggestions per part.

    Returns
    -------
    DataFrame
        ``unit_a`` (in the part), ``unit_b`` (outside), ``distance_m``,
        ``reason`` (``"nearest unit: review"``); sorted by part then distance.

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> units = grid_units("AA.B / AA..")
    >>> suggest_links(units)
      unit_a unit_b  distance_m                reason
    0      B      A      1000.0  nearest unit: review
    """
    if int(k) != k or k < 1:
        raise InputError(f"k is the number of suggestions per part, a positive whole number, "
                         f"not {k!r}.")
    gdf = _units_frame(units, "suggest_links")
    edges = build_adjacency(gdf) if edges is None else edges
    ids = _ids(gdf)
    geoms = _geoms(gdf)
    part = components(gdf, edges).to_numpy()
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    tree = shapely.STRtree(geoms)
    bounds = shapely.total_bounds(geoms[present]) if present.any() else np.zeros(4)
    diagonal = max(float(np.hypot(bounds[2] - bounds[0], bounds[3] - bounds[1])), 1.0)
    rows: list[pd.DataFrame] = []
    for c in range(1, int(part.max()) + 1 if len(part) else 0):
        members = np.flatnonzero((part == c) & present)
        if len(members) == 0 or not (present & (part != c)).any():
            continue
        reach = diagonal / 1024
        while True:
            qi, ti = tree.query(geoms[members], predicate="dwithin", distance=reach)
            outside = (part[ti] != c) & present[ti]
            qi, ti = members[qi[outside]], ti[outside]
            if len(np.unique(ti)) >= k or reach > 2 * diagonal:
                break
            reach *= 2
        dist = shapely.distance(geoms[qi], geoms[ti])
        order = np.lexsort((ids[qi].astype(str), ids[ti].astype(str), dist))
        found = pd.DataFrame({"unit_a": ids[qi[order]], "unit_b": ids[ti[order]],
                              "distance_m": dist[order]})
        rows.append(found.drop_duplicates("unit_b").head(int(k)))
    out = (_drop_mirrored(pd.concat(rows, ignore_index=True)) if rows else pd.DataFrame(
        {"unit_a": pd.Series(dtype=object), "unit_b": pd.Series(dtype=object),
         "distance_m": pd.Series(dtype=float)}))
    out["reason"] = "nearest unit: review"
    return out


def _drop_mirrored(links: pd.DataFrame) -> pd.DataFrame:
    """Keep one of ``(a, b)`` and ``(b, a)`` (two islands nearest to each other)."""
    a, b = links["unit_a"].astype(str), links["unit_b"].astype(str)
    key = pd.Series(np.where(a < b, a + "\0" + b, b + "\0" + a), index=links.index)
    return links[~key.duplicated()].reset_index(drop=True)


def border_keys(ids: pd.Index, edges: pd.DataFrame,
                ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Edges as sorted pair keys ``lo * n + hi`` over positions in ``ids``, with their borders.

    Self-edges are dropped and repeated pairs summed; an edge table without
    ``border_m`` gives borders of 0.

    Parameters
    ----------
    ids : Index
        Unit ids; positions refer to it.
    edges : DataFrame
        Edge table with ``unit_a``, ``unit_b`` (and ``border_m``).

    Returns
    -------
    keys : ndarray of int
        Sorted, unique.
    border : ndarray of float
        Shared border length (m) of each key.

    Raises
    ------
    InputError
        For a table without ``unit_a``/``unit_b`` or naming units not in ``ids``.

    Examples
    --------
    >>> e = pd.DataFrame({"unit_a": ["B", "A"], "unit_b": ["A", "C"], "border_m": [5.0, 2.0]})
    >>> keys, border = border_keys(pd.Index(["A", "B", "C"]), e)
    >>> keys.tolist(), border.tolist()
    ([1, 2], [5.0, 2.0])
    """
    missing = [c for c in ("unit_a", "unit_b") if c not in edges.columns]
    if missing:
        raise InputError(f"The edge table has no column(s) {missing}; give the table of "
                         "townmerge.build_adjacency.")
    a = ids.get_indexer(pd.Index(edges["unit_a"].astype(str)))
    b = ids.get_indexer(pd.Index(edges["unit_b"].astype(str)))
    bad = sorted(set(edges["unit_a"].astype(str)[a < 0])
                 | set(edges["unit_b"].astype(str)[b < 0]))
    if bad:
        raise InputError(f"The edge table names {len(bad)} unit(s) that are not in the "
                         f"study area: {format_ids(bad)}.")
    border = (edges["border_m"].to_numpy(dtype=float) if "border_m" in edges.columns
              else np.zeros(len(edges)))
    keep = a != b
    key = np.minimum(a, b)[keep].astype(np.int64) * len(ids) + np.maximum(a, b)[keep]
    keys, inv = np.unique(key, return_inverse=True)
    return keys, np.bincount(inv, border[keep], minlength=keys.size).astype(float)


def boundary_lengths(units: Units, edges: pd.DataFrame | None = None) -> pd.DataFrame:
    """Perimeter of each unit split into shared, tolerant and exterior border.

    ``perimeter_m = shared_m + tolerant_m + exterior_m`` (exterior clipped at
    0); the perimeter of a merger of units is the sum of their perimeters minus
    twice the border shared inside it.

    Parameters
    ----------
    units : StudyArea or GeoDataFrame
    edges : DataFrame, optional
        Edge table (default: rook adjacency of ``units``).

    Returns
    -------
    DataFrame
        Indexed by unit id: ``perimeter_m``, ``shared_m`` (``shared`` edges),
        ``tolerant_m`` (``tolerant`` edges), ``exterior_m`` (coast, outer
        border, gaps).

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> units = grid_units("AB")
    >>> boundary_lengths(units)
             perimeter_m  shared_m  tolerant_m  exterior_m
    unit_id
    A             4000.0    1000.0         0.0      3000.0
    B             4000.0    1000.0         0.0      3000.0
    """
    gdf = _units_frame(units, "boundary_lengths")
    edges = build_adjacency(gdf) if edges is None else edges
    ids = _ids(gdf)
    a, b = _positions(edges, ids)
    w = edges["border_m"].to_numpy(dtype=float)
    kind = edges["kind"].to_numpy()
    out = pd.DataFrame(index=pd.Index(ids, name=gdf.index.name))
    out["perimeter_m"] = np.asarray(shapely.length(_geoms(gdf)), float)
    for col, k in (("shared_m", "shared"), ("tolerant_m", "tolerant")):
        sel = kind == k
        out[col] = np.bincount(np.r_[a[sel], b[sel]], weights=np.r_[w[sel], w[sel]],
                               minlength=len(ids)).astype(float)
    out["exterior_m"] = (out["perimeter_m"] - out["shared_m"] - out["tolerant_m"]).clip(lower=0)
    return out


# -- exports ----------------------------------------------------------------------------------
def _pair_flows(unit_flows: pd.DataFrame | pd.Series) -> pd.Series:
    """Flows between two different units, both directions summed, keyed ``(a, b)``, a < b."""
    if isinstance(unit_flows, pd.Series):
        if unit_flows.index.nlevels != 2:
            raise InputError("unit_flows as a Series must be indexed by pairs of unit ids "
                             "(unit_a, unit_b), e.g. townmerge.graph.observed.pair_exchange(area).")
        a = unit_flows.index.get_level_values(0)
        b = unit_flows.index.get_level_values(1)
        f = unit_flows.to_numpy(dtype=float)
    else:
        for cols in (("unit_a", "unit_b"), ("origin_unit", "destination_unit")):
            if set(cols) <= set(unit_flows.columns) and "flow" in unit_flows.columns:
                a, b = pd.Index(unit_flows[cols[0]]), pd.Index(unit_flows[cols[1]])
                f = unit_flows["flow"].to_numpy(dtype=float)
                break
        else:
            raise InputError("unit_flows needs the columns unit_a, unit_b, flow (or "
                             "origin_unit, destination_unit, flow as from "
                             "townmerge.graph.observed.unit_flows); found: "
                             f"{', '.join(map(str, unit_flows.columns))}.")
    a_s, b_s = np.asarray(a.astype(str), dtype=object), np.asarray(b.astype(str), dtype=object)
    lo, hi = np.where(a_s < b_s, a_s, b_s), np.where(a_s < b_s, b_s, a_s)
    frame = pd.DataFrame({"a": lo, "b": hi, "flow": f})[lo != hi]
    return frame.groupby(["a", "b"])["flow"].sum()


def to_networkx(
    units: Units, edges: pd.DataFrame, *, unit_flows: pd.DataFrame | pd.Series | None = None,
) -> nx.Graph:
    """The adjacency as a networkx graph, with unit and border attributes.

    Parameters
    ----------
    units : StudyArea or GeoDataFrame
        Every unit becomes a node (islands too).
    edges : DataFrame
        Edge table from :func:`build_adjacency`.
    unit_flows : DataFrame or Series, optional
        Flows between units: a table ``unit_a, unit_b, flow`` (or
        ``origin_unit, destination_unit, flow``) or a Series indexed by unit
        pairs; both directions are summed onto the edges.

    Returns
    -------
    networkx.Graph
        Node attributes ``name``, ``population`` (NaN when unknown),
        ``area_km2``; edge attributes ``border_m``, ``kind``, ``virtual``,
        ``tolerant`` and, when flows are given, ``flow`` (0 for neighbours
        without flow; flows between non-neighbours are not added).

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> units = grid_units("AB", population={"A": 900, "B": 100})
    >>> g = to_networkx(units, build_adjacency(units),
    ...                 unit_flows=pd.DataFrame({"unit_a": ["B"], "unit_b": ["A"], "flow": [5.0]}))
    >>> g.nodes["A"]
    {'name': 'A镇', 'population': 900.0, 'area_km2': 1.0}
    >>> g.edges["A", "B"]
    {'border_m': 1000.0, 'kind': 'shared', 'virtual': False, 'tolerant': False, 'flow': 5.0}
    """
    import networkx as nx

    gdf = _units_frame(units, "to_networkx")
    ids = _ids(gdf)
    _positions(edges, ids)
    names = (gdf["name"].to_numpy(dtype=object) if "name" in gdf.columns
             else np.full(len(ids), None, dtype=object))
    pop = (pd.to_numeric(gdf["population"], errors="coerce").to_numpy(dtype=float)
           if "population" in gdf.columns else np.full(len(ids), np.nan))
    area = np.asarray(shapely.area(_geoms(gdf)), float) / 1e6
    g = nx.Graph()
    g.add_nodes_from(
        (u, {"name": nm, "population": float(p), "area_km2": float(ar)})
        for u, nm, p, ar in zip(ids, names, pop, area, strict=True))
    a = edges["unit_a"].astype(str).to_numpy(dtype=object)
    b = edges["unit_b"].astype(str).to_numpy(dtype=object)
    kind = edges["kind"].to_numpy(dtype=object)
    border = edges["border_m"].to_numpy(dtype=float)
    attrs = [{"border_m": float(w), "kind": k, "virtual": k == "virtual",
              "tolerant": k == "tolerant"} for w, k in zip(border, kind, strict=True)]
    if unit_flows is not None:
        flows = _pair_flows(unit_flows)
        lo, hi = np.where(a < b, a, b), np.where(a < b, b, a)
        values = flows.reindex(pd.MultiIndex.from_arrays([lo, hi])).fillna(0.0).to_numpy()
        for d, f in zip(attrs, values, strict=True):
            d["flow"] = float(f)
    g.add_edges_from(zip(a, b, attrs, strict=True))
    return g


def to_libpysal(
    edges: pd.DataFrame, ids: Sequence[str] | pd.Index, *, weight: Weight = "border",
) -> LibpysalGraph:
    """The adjacency as a ``libpysal.graph.Graph`` (needs libpysal installed).

    Parameters
    ----------
    edges : DataFrame
        Edge table from :func:`build_adjacency`.
    ids : sequence of str
        All unit ids (e.g. ``units.index``); units without an edge become
        libpysal isolates.
    weight : {"border", "binary"}, default "border"
        ``border``: shared border length in metres. libpysal treats a weight
        of 0 as no link, so virtual links and queen corner contacts
        (``border_m`` 0) then disappear: a warning says how many; use
        ``binary`` (1 for every edge) to keep them.

    Returns
    -------
    libpysal.graph.Graph

    Raises
    ------
    ImportError
        When libpysal is not installed.

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> import pytest
    >>> _ = pytest.importorskip("libpysal")
    >>> units = grid_units("AB.C")
    >>> g = to_libpysal(build_adjacency(units), units.index)
    >>> g.cardinalities.tolist(), g.isolates.tolist()
    ([1, 1, 0], ['C'])
    """
    try:
        from libpysal.graph import Graph
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("to_libpysal needs libpysal: pip install 'libpysal>=4.10'. The edge "
                          "table and adjacency_matrix() work without it.") from exc
    index = [str(u) for u in ids]
    a, b = _positions(edges, index)
    w = (edges["border_m"].to_numpy(dtype=float) if weight == "border"
         else np.ones(len(edges)))
    if weight == "border" and (w <= 0).any():
        warnings.warn(f"{int((w <= 0).sum())} edge(s) have border_m 0 (virtual links or queen "
                      "corners) and are lost in a libpysal graph weighted by border length; "
                      "use weight='binary' to keep them.", UserWarning, stacklevel=2)
    ids_arr = np.asarray(index, dtype=object)
    linked = np.zeros(len(index), dtype=bool)
    linked[np.r_[a, b]] = True
    lonely = np.flatnonzero(~linked)
    focal = np.r_[ids_arr[a], ids_arr[b], ids_arr[lonely]]
    neighbor = np.r_[ids_arr[b], ids_arr[a], ids_arr[lonely]]
    weights = np.r_[w, w, np.zeros(len(lonely))]
    return Graph.from_arrays(focal, neighbor, weights)
