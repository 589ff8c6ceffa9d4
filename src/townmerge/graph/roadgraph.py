"""The road layer as a graph: junctions as nodes, minutes as edge weights.

The road layer becomes a graph (:func:`townmerge.data.roads.node_roads`): line ends
closer than :attr:`TravelParams.snap_m` are one node, a road ending on another
road's interior splits it there (a T-junction), and each piece between nodes
is an edge of ``length / speed`` minutes. The speed is the road's
``speed_kmh`` where given (taken as the real, terrain-aware speed), otherwise
the speed of its ``road_class`` on plain terrain times the terrain factor of
the unit the road runs through. Two lines that cross without sharing a vertex
do not meet (a bridge over a road does not connect to it) unless
:attr:`TravelParams.join_crossings` is set.

Examples
--------
>>> from shapely import LineString
>>> roads = gpd.GeoDataFrame({"speed_kmh": [60.0, 30.0]}, crs="EPSG:32648",
...     geometry=[LineString([(0, 0), (10_000, 0)]), LineString([(10_000, 0), (15_000, 0)])])
>>> g = road_graph(roads)
>>> g.n_nodes, float(g.minutes[0, 1]), float(g.minutes[1, 2])
(3, 10.0, 10.0)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from ..config import TravelParams
from ..data.check_roads import road_speed_problems
from ..data.problems import ValidationReport
from ..data.roads import node_roads

__all__ = ["BoolArray", "FloatArray", "IntArray", "RoadGraph", "road_graph"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """The road network as an undirected graph of minutes between snapped end points.

    Attributes
    ----------
    xy : ndarray, shape (n_nodes, 2)
        Node coordinates in the study area's metric CRS.
    minutes : scipy.sparse.csr_matrix
        Symmetric matrix of edge times in minutes (the fastest road where
        several join the same two nodes).
    component : ndarray of int
        Connected component of each node.
    top_speed_kmh : float
        Fastest edge speed, which bounds how far a cut-off can reach.
    strength_kmh : ndarray of float
        Sum of the speeds of the roads meeting at each node (a degree
        weighted by road class).

    Examples
    --------
    >>> from shapely import LineString
    >>> roads = gpd.GeoDataFrame({"road_class": ["county"]},
    ...     geometry=[LineString([(0, 0), (4500, 0)])], crs="EPSG:32648")
    >>> g = road_graph(roads)
    >>> g.n_nodes, float(g.minutes[0, 1])
    (2, 6.0)
    """

    xy: FloatArray
    minutes: sparse.csr_matrix
    component: IntArray
    top_speed_kmh: float
    strength_kmh: FloatArray

    @property
    def n_nodes(self) -> int:
        """Number of nodes.

        Examples
        --------
        >>> road_graph(gpd.GeoDataFrame(geometry=[], crs="EPSG:32648")).n_nodes
        0
        """
        return int(self.xy.shape[0])


def _road_speeds(roads: gpd.GeoDataFrame, units: gpd.GeoDataFrame | None,
                 params: TravelParams) -> FloatArray:
    """Speed of each road row, km/h."""
    n = len(roads)
    speed = np.full(n, np.nan)
    if "speed_kmh" in roads.columns:
        ValidationReport(tuple(road_speed_problems(roads))).raise_if_errors()
        speed = np.array(pd.to_numeric(roads["speed_kmh"], errors="coerce"), dtype=float)
    need = ~np.isfinite(speed)
    if not need.any():
        return speed
    base = np.full(n, params.default_speed_kmh)
    if "road_class" in roads.columns:
        cls = roads["road_class"].astype(object).to_numpy()
        known = np.array([c in params.road_speeds_kmh for c in cls])
        base[known] = [params.road_speeds_kmh[c] for c in cls[known]]
        unknown = sorted({str(c) for c in cls[need & ~known] if c is not None and c == c})
        if unknown:
            warnings.warn(
                f"Unknown road class(es) {unknown}; they get the default speed "
                f"{params.default_speed_kmh} km/h. Known classes: "
                f"{sorted(params.road_speeds_kmh)} (TravelParams.road_speeds_kmh).",
                UserWarning, stacklevel=5)  # the caller of TravelNetwork(...)
    factor = np.ones(n)
    if units is not None and "terrain" in units.columns and need.any():
        mids = shapely.line_interpolate_point(roads.geometry.to_numpy()[need], 0.5,
                                              normalized=True)
        tree = shapely.STRtree(units.geometry.to_numpy())
        pt_i, unit_i = tree.query(mids, predicate="intersects")
        terr = units["terrain"].to_numpy(dtype=object)
        tf = np.array([params.terrain_speed_factor.get(t, 1.0) if isinstance(t, str) else 1.0
                       for t in terr])
        sub = np.ones(int(need.sum()))
        if pt_i.size:
            # A midpoint on a border takes the slower side.
            np.minimum.at(sub, pt_i, tf[unit_i])
        factor[need] = sub
    speed[need] = base[need] * factor[need]
    return speed


def road_graph(
    roads: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame | None = None,
    params: TravelParams | None = None,
) -> RoadGraph:
    """Build the road graph: junctions as nodes, minutes as edge weights.

    Parameters
    ----------
    roads : GeoDataFrame
        LineStrings (MultiLineStrings are split into their parts) in a metric
        CRS, with an optional ``speed_kmh`` and ``road_class``.
    units : GeoDataFrame, optional
        Units with ``terrain``, used for the terrain factor of roads whose
        speed comes from their class.
    params : TravelParams, optional

    Returns
    -------
    RoadGraph

    Raises
    ------
    InputError
        When a road has a non-positive ``speed_kmh`` (naming the roads).

    Examples
    --------
    >>> from shapely import LineString
    >>> roads = gpd.GeoDataFrame({"speed_kmh": [60.0, 30.0]}, crs="EPSG:32648",
    ...     geometry=[LineString([(0, 0), (1000, 0)]), LineString([(1000.2, 0), (1000, 500)])])
    >>> g = road_graph(roads)
    >>> g.n_nodes, g.minutes.nnz // 2, g.top_speed_kmh
    (3, 2, 60.0)
    """
    params = params or TravelParams()
    speed_row = _road_speeds(roads, units, params)
    geoms = roads.geometry.to_numpy()
    parts, row = shapely.get_parts(geoms, return_index=True)
    ok = ~shapely.is_empty(parts) & (shapely.get_num_coordinates(parts) >= 2)
    parts, row = parts[ok], row[ok]
    if parts.size == 0:
        empty = sparse.csr_matrix((0, 0))
        return RoadGraph(np.zeros((0, 2)), empty, np.zeros(0, np.int64), 0.0, np.zeros(0))
    noded = node_roads(parts, snap_m=params.snap_m, join_crossings=params.join_crossings)
    xy = noded.xy
    n_nodes = xy.shape[0]
    u, v = noded.u, noded.v
    kmh = speed_row[row[noded.row]]
    minutes = noded.length_m / 1000.0 / kmh * 60.0
    a, b = np.minimum(u, v), np.maximum(u, v)
    order = np.lexsort((minutes, b, a))
    a, b, minutes, kmh = a[order], b[order], minutes[order], kmh[order]
    first_edge = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])] if a.size else a.astype(bool)
    strength = (np.bincount(a, kmh, minlength=n_nodes)
                + np.bincount(b, kmh, minlength=n_nodes)).astype(float)
    a, b, minutes = a[first_edge], b[first_edge], minutes[first_edge]
    graph = sparse.csr_matrix(
        (np.concatenate([minutes, minutes]), (np.concatenate([a, b]), np.concatenate([b, a]))),
        shape=(n_nodes, n_nodes))
    _, component = csgraph.connected_components(graph, directed=False)
    top = float(kmh.max()) if kmh.size else 0.0
    return RoadGraph(xy, graph, component.astype(np.int64), top, strength)

