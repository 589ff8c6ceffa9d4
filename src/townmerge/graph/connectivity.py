"""Connectivity of the adjacency: separate parts, islands, links to suggest, matrices, borders.

Diagnostics of an edge table for gaps in the coverage: :func:`components` numbers
the connected parts (0 the largest), :func:`find_islands` lists units with no edge,
:func:`suggest_links` proposes virtual links joining each separate part to its
nearest units, for review. :func:`adjacency_matrix` is the sparse matrix of the
edges and :func:`boundary_lengths` splits each unit's perimeter into shared,
tolerant and exterior border.

Examples
--------
>>> from townmerge.testing.grids import grid_units
>>> units = grid_units("AB.C")
>>> edges = build_adjacency(units)
>>> components(units, edges).tolist(), find_islands(units, edges)
([0, 0, 1], ['C'])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from ..errors import InputError
from .adjacency import build_adjacency
from .unitgeoms import Units, edge_positions, unit_geoms, unit_ids, units_frame

__all__ = [
    "Weight",
    "adjacency_matrix",
    "boundary_lengths",
    "components",
    "find_islands",
    "suggest_links",
]

Weight = Literal["border", "binary"]


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
    a, b = edge_positions(edges, ids)
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
    gdf = units_frame(units, "components")
    ids = unit_ids(gdf)
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
    gdf = units_frame(units, "find_islands")
    linked = set(edges["unit_a"].astype(str)) | set(edges["unit_b"].astype(str))
    return [u for u in unit_ids(gdf) if u not in linked]


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
    gdf = units_frame(units, "suggest_links")
    edges = build_adjacency(gdf) if edges is None else edges
    ids = unit_ids(gdf)
    geoms = unit_geoms(gdf)
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
    gdf = units_frame(units, "boundary_lengths")
    edges = build_adjacency(gdf) if edges is None else edges
    ids = unit_ids(gdf)
    a, b = edge_positions(edges, ids)
    w = edges["border_m"].to_numpy(dtype=float)
    kind = edges["kind"].to_numpy()
    out = pd.DataFrame(index=pd.Index(ids, name=gdf.index.name))
    out["perimeter_m"] = np.asarray(shapely.length(unit_geoms(gdf)), float)
    for col, k in (("shared_m", "shared"), ("tolerant_m", "tolerant")):
        sel = kind == k
        out[col] = np.bincount(np.r_[a[sel], b[sel]], weights=np.r_[w[sel], w[sel]],
                               minlength=len(ids)).astype(float)
    out["exterior_m"] = (out["perimeter_m"] - out["shared_m"] - out["tolerant_m"]).clip(lower=0)
    return out
