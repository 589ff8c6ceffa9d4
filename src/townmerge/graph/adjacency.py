"""Unit adjacency: which units share a border, and how long it is.

The edge table has one row per neighbouring pair (``unit_a < unit_b``) with the
shared border length in metres and the edge's ``kind``: ``shared`` (a real
common border, or for queen contiguity a common point), ``tolerant``
(separated only by a sliver narrower than ``tolerance`` metres) or
``virtual`` (a reviewed link given by the user: ferry, bridge, mountain pass).

How edges are found (``method="auto"``, the default): segment hashing, then GEOS
for the pairs whose border does not share vertices (:mod:`townmerge.graph.borders`),
so the result equals the GEOS computation for units that do not overlap;
``method="geos"`` does the GEOS computation for every pair of intersecting units,
``method="hash"`` only the hashing. Links come from :mod:`townmerge.graph.links`;
diagnostics of the result (islands, separate parts, links to suggest) are in
:mod:`townmerge.graph.connectivity`, exports in :mod:`townmerge.graph.interop`.

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
from typing import Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from ..errors import InputError, TopologyWarning, format_ids
from .borders import Method, SegmentHash, contacts, tolerant_pairs
from .links import EDGE_COLUMNS, add_links, check_links, read_links
from .unitgeoms import Units, unit_geoms, unit_ids, unit_labels, units_frame

__all__ = ["KINDS", "border_keys", "build_adjacency", "neighbours"]

#: The values of the edge table's ``kind`` column.
KINDS = ("shared", "tolerant", "virtual")

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


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
    gdf = units_frame(units)
    ids = unit_ids(gdf)
    geoms = unit_geoms(gdf)
    n = len(geoms)
    tree = shapely.STRtree(geoms)
    hashed = SegmentHash(geoms) if method != "geos" or tolerance > 0 else None
    code, border = contacts(geoms, tree, method, contiguity == "queen", hashed)
    kind = np.full(len(code), "shared", dtype=object)
    if hashed is not None and tolerance > 0 and n > 1:
        rook = code[border > 0]
        t_code, t_border = tolerant_pairs(geoms, tree, rook, tolerance, hashed)
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
        edges = add_links(edges, check_links(table, set(ids), "table"))
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
    labels = unit_labels(gdf, np.r_[code // n, code % n])
    pairs = [f"{labels[i]} – {labels[i + len(code)]} ({border[i]:,.0f} m)"
             for i in np.argsort(-border)]
    warnings.warn(
        f"{len(code)} pair(s) of units do not share a border but face each other within "
        f"{tolerance:g} m; they are counted as tolerant neighbours: {format_ids(pairs)}. "
        "Check them; snapping the borders together makes them shared.",
        TopologyWarning, stacklevel=3,
    )


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
