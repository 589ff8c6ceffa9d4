"""The units a graph function is given: checked, and their ids, geometries and labels.

Every function of the adjacency modules takes a :class:`~townmerge.data.model.StudyArea`
or a GeoDataFrame of unit polygons (:data:`Units`); :func:`units_frame` checks it once
(a projected CRS in metres, unique ids, polygons only) and the helpers here read it the
same way everywhere: ids as text, geometries as an array, ``"id (name)"`` labels for
messages, and the positions of an edge table's units.

Examples
--------
>>> from townmerge.testing.grids import grid_units
>>> gdf = units_frame(grid_units("AB"))
>>> unit_ids(gdf).tolist(), unit_labels(gdf, [1])
(['A', 'B'], ['B (B镇)'])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from ..data.model import StudyArea, unit_label
from ..errors import InputError, format_ids

__all__ = [
    "GeomArray",
    "Units",
    "edge_positions",
    "unit_geoms",
    "unit_ids",
    "unit_labels",
    "units_frame",
]

IntArray = npt.NDArray[np.int64]
GeomArray = npt.NDArray[np.object_]
Units: TypeAlias = StudyArea | gpd.GeoDataFrame


def units_frame(units: Units, caller: str = "build_adjacency") -> gpd.GeoDataFrame:
    """The unit polygons of ``units``, checked; errors name ``caller``.

    Raises
    ------
    InputError
        For anything but a StudyArea or GeoDataFrame, a CRS that is not
        projected, repeated ids or geometries that are not polygons.

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> len(units_frame(grid_units("AB")))
    2
    >>> units_frame(grid_units("AB").to_crs(4326), "components")
    Traceback (most recent call last):
    ...
    townmerge.errors.InputError: components needs units in a projected CRS in metres, ...
    """
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
                         f"{format_ids(unit_labels(gdf, np.flatnonzero(bad)))}.")
    return gdf


def unit_ids(gdf: gpd.GeoDataFrame) -> npt.NDArray[np.object_]:
    """Unit ids as text, in order.

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> unit_ids(grid_units("AB")).tolist()
    ['A', 'B']
    """
    return np.asarray(gdf.index.astype(str), dtype=object)


def unit_geoms(gdf: gpd.GeoDataFrame) -> GeomArray:
    """Unit geometries as an object array, in order.

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> unit_geoms(grid_units("AB"))[0].area
    1000000.0
    """
    return np.asarray(gdf.geometry.array, dtype=object)


def unit_labels(gdf: gpd.GeoDataFrame, positions: Sequence[int] | IntArray) -> list[str]:
    """``"id (name)"`` of the units at ``positions``, for messages.

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> unit_labels(grid_units("AB"), [0])
    ['A (A镇)']
    """
    ids = unit_ids(gdf)
    names = gdf["name"].to_numpy() if "name" in gdf.columns else None
    return [unit_label(ids[i], None if names is None else names[i]) for i in positions]


def edge_positions(edges: pd.DataFrame, ids: Sequence[str] | pd.Index,
                   ) -> tuple[IntArray, IntArray]:
    """Positions in ``ids`` of each edge's ``unit_a`` and ``unit_b``.

    Raises
    ------
    InputError
        Naming the units of the edge table that are not among ``ids``.

    Examples
    --------
    >>> edges = pd.DataFrame({"unit_a": ["A"], "unit_b": ["C"]})
    >>> [p.tolist() for p in edge_positions(edges, ["A", "B", "C"])]
    [[0], [2]]
    """
    index = pd.Index(pd.Index(ids).astype(str))
    a = index.get_indexer(edges["unit_a"].astype(str))
    b = index.get_indexer(edges["unit_b"].astype(str))
    unknown = sorted(set(edges["unit_a"].astype(str)[a < 0])
                     | set(edges["unit_b"].astype(str)[b < 0]))
    if unknown:
        raise InputError(f"The edge table names units that are not among the ids: "
                         f"{format_ids(unknown)}. Build the edges from the same units.")
    return a.astype(np.int64), b.astype(np.int64)
