"""Unit adjacency: which units share a border, and how long it is.

The edge table has one row per neighbouring pair (``unit_a < unit_b``) with the
shared border length in metres and the edge's ``kind``: ``shared`` (a real
common border), ``tolerant`` (separated only by a sliver narrower than
``tolerance`` metres) or ``virtual`` (a reviewed link given by the user: ferry,
bridge, mountain pass).

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

from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import InputError, format_ids
from .model import StudyArea

__all__ = ["EDGE_COLUMNS", "build_adjacency", "neighbours"]

EDGE_COLUMNS = ("unit_a", "unit_b", "border_m", "kind")
#: Shared border shorter than this (metres) counts as a corner contact, not a rook edge.
MIN_BORDER_M = 1e-6


def _units_frame(units: StudyArea | gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    gdf = units.units if isinstance(units, StudyArea) else units
    if gdf.crs is None or not gdf.crs.is_projected:
        raise InputError("build_adjacency needs units in a projected CRS in metres; pass a "
                         "StudyArea, or gdf.to_crs(...) first.")
    return gdf


def build_adjacency(
    units: StudyArea | gpd.GeoDataFrame,
    *,
    contiguity: Literal["rook", "queen"] = "rook",
    tolerance: float = 0.0,
    links: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Edge table of neighbouring units.

    Parameters
    ----------
    units : StudyArea or GeoDataFrame
        Units in a metric CRS, index = unit id.
    contiguity : {"rook", "queen"}, default "rook"
        ``rook``: the units share a stretch of border; ``queen``: a point is enough.
    tolerance : float, default 0
        Units closer than this many metres that do not touch become
        ``tolerant`` edges; their ``border_m`` is the length of ``unit_a``'s
        boundary lying within ``tolerance`` of ``unit_b``.
    links : DataFrame, optional
        Reviewed virtual edges with columns ``unit_a``, ``unit_b`` (and
        ``reason``); their ``border_m`` is 0.

    Returns
    -------
    DataFrame
        Columns ``unit_a``, ``unit_b``, ``border_m``, ``kind``; sorted by the pair.

    Raises
    ------
    InputError
        For an unknown ``contiguity``, a negative ``tolerance`` or links naming
        unknown units.
    """
    if contiguity not in ("rook", "queen"):
        raise InputError(f"contiguity must be 'rook' or 'queen', not {contiguity!r}.")
    if tolerance < 0:
        raise InputError(f"tolerance is a distance in metres and cannot be negative: {tolerance}.")
    gdf = _units_frame(units)
    ids = np.asarray(gdf.index.astype(str))
    geoms = np.asarray(gdf.geometry.array)
    tree = shapely.STRtree(geoms)
    if tolerance > 0:
        left, right = tree.query(geoms, predicate="dwithin", distance=tolerance)
    else:
        left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    boundaries = shapely.boundary(geoms)
    shared = shapely.length(shapely.intersection(boundaries[left], boundaries[right]))
    touching = shapely.intersects(geoms[left], geoms[right])
    kind = np.where(touching, "shared", "tolerant").astype(object)
    is_edge = touching & (shared > MIN_BORDER_M) if contiguity == "rook" else touching.copy()
    border = shared.astype(float)
    if tolerance > 0:
        near = ~is_edge
        if near.any():
            zone = shapely.buffer(geoms[right[near]], tolerance)
            border[near] = shapely.length(shapely.intersection(boundaries[left[near]], zone))
            kind[near] = "tolerant"
            is_edge = is_edge | (near & (border > MIN_BORDER_M))
    edges = pd.DataFrame({
        "unit_a": ids[left[is_edge]], "unit_b": ids[right[is_edge]],
        "border_m": border[is_edge], "kind": kind[is_edge],
    })
    swap = edges["unit_a"] > edges["unit_b"]
    edges.loc[swap, ["unit_a", "unit_b"]] = edges.loc[swap, ["unit_b", "unit_a"]].to_numpy()
    if links is not None and len(links):
        edges = _add_links(edges, links, set(ids))
    return edges.sort_values(["unit_a", "unit_b"], ignore_index=True)[list(EDGE_COLUMNS)]


def _add_links(edges: pd.DataFrame, links: pd.DataFrame, known: set[str]) -> pd.DataFrame:
    missing_cols = [c for c in ("unit_a", "unit_b") if c not in links.columns]
    if missing_cols:
        raise InputError(f"The links table lacks column(s) {missing_cols}; expected "
                         "unit_a,unit_b,reason.")
    a = links["unit_a"].astype(str).to_numpy()
    b = links["unit_b"].astype(str).to_numpy()
    unknown = sorted({x for x in np.concatenate([a, b]) if x not in known})
    if unknown:
        raise InputError(f"The links name unknown units: {format_ids(unknown)}. Use unit ids "
                         "of the study area.")
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    virtual = pd.DataFrame({"unit_a": lo, "unit_b": hi, "border_m": 0.0, "kind": "virtual"})
    virtual = virtual[virtual["unit_a"] != virtual["unit_b"]].drop_duplicates(["unit_a", "unit_b"])
    existing = pd.MultiIndex.from_frame(edges[["unit_a", "unit_b"]])
    new = ~pd.MultiIndex.from_frame(virtual[["unit_a", "unit_b"]]).isin(existing)
    return pd.concat([edges, virtual[new]], ignore_index=True)


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
