"""Settlements on the road graph: where each joins the roads, and exact minutes between two.

Each settlement attaches to its nearest road node with an access leg of
``distance × detour_factor / access_speed_kmh``; settlements farther than
:attr:`TravelParams.max_access_m` from every node are left unattached. The
travel time between two settlements is then

- over the road: access leg + shortest path (Dijkstra, scipy.sparse.csgraph)
  + access leg, when both are attached to the same connected part of the road
  graph;
- otherwise (no roads, an unattached settlement, or parts of the network that do
  not connect) the documented fallback: straight-line distance ×
  ``detour_factor`` ÷ the terrain speed, where each settlement's terrain speed
  is ``fallback_speed_kmh`` × the terrain factor of its unit and half the trip
  is made at each end's speed.

Examples
--------
>>> from townmerge.testing.examples import example_area
>>> acc = RoadAccess.attach(example_area(), TravelParams())  # no roads: the fallback
>>> acc.times(np.array([0]), np.array([2])).round(2).tolist()
[15.29]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from ..config import TravelParams
from ..data.model import StudyArea
from ..errors import InputError
from .roadgraph import BoolArray, FloatArray, IntArray, RoadGraph, road_graph

__all__ = ["DIJKSTRA_BLOCK", "RoadAccess"]

#: Largest dense Dijkstra block (sources × nodes) computed at once.
DIJKSTRA_BLOCK = 4_000_000


@dataclass(frozen=True, eq=False)
class RoadAccess:
    """Where each settlement joins the road graph, and the minutes between settlements.

    Build it with :meth:`attach`. Positions refer to the study area's
    settlements, in order.

    Attributes
    ----------
    xy : ndarray, shape (n, 2)
        Settlement points in the study area's metric CRS.
    fallback_kmh : ndarray of float
        Terrain speed of each settlement for the straight-line fallback.
    node : ndarray of int
        Road node of each settlement (-1: not attached).
    access_min : ndarray of float
        Minutes of the access leg to that node (inf: not attached).
    roads : RoadGraph or None
        The road graph, None without roads.
    params : TravelParams

    Examples
    --------
    >>> from townmerge.testing.examples import example_area
    >>> RoadAccess.attach(example_area(), TravelParams()).node.tolist()
    [-1, -1, -1]
    """

    xy: FloatArray
    fallback_kmh: FloatArray
    node: IntArray
    access_min: FloatArray
    roads: RoadGraph | None
    params: TravelParams

    @classmethod
    def attach(cls, area: StudyArea, params: TravelParams) -> RoadAccess:
        """Attach the settlements of ``area`` to its road graph (built here).

        Raises
        ------
        InputError
            When the area has no settlements, a settlement has no point, or a
            road has a non-positive speed.

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> RoadAccess.attach(example_area(), TravelParams()).fallback_kmh.tolist()
        [25.5, 25.5, 25.5]
        """
        st = area.settlements
        if st is None or len(st) == 0:
            raise InputError("Travel times need settlements; the study area has none. Give "
                             "StudyArea(units, settlements, ...).")
        geoms = st.geometry.to_numpy()
        if not bool(np.all(shapely.get_type_id(geoms) == 0)):
            geoms = shapely.point_on_surface(geoms)
        xy = shapely.get_coordinates(geoms).astype(float)
        if xy.shape[0] != len(st):
            raise InputError("Every settlement needs a point geometry; some are empty.")
        units = area.units
        # Terrain speed of each settlement, for the fallback.
        factor = np.ones(len(st))
        if "terrain" in units.columns and "unit" in st.columns:
            terr = st["unit"].map(units["terrain"]).to_numpy(dtype=object)
            factor = np.array([params.terrain_speed_factor.get(t, 1.0) if isinstance(t, str)
                               else 1.0 for t in terr])
        roads = area.roads
        graph: RoadGraph | None = None
        node = np.full(len(st), -1, dtype=np.int64)
        access = np.full(len(st), np.inf)
        if roads is not None and len(roads):
            g = road_graph(roads, units, params)
            if g.n_nodes:
                graph = g
                dist, near_node = cKDTree(g.xy).query(xy)
                near = dist <= params.max_access_m
                node[near] = near_node[near]
                access[near] = dist[near] * params.detour_factor / params.access_speed_kmh * 0.06
        return cls(xy, params.fallback_speed_kmh * factor, node, access, graph, params)

    def node_strength(self) -> FloatArray:
        """Sum of the speeds of the roads at each settlement's node, km/h (0 if unattached).

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> RoadAccess.attach(example_area(), TravelParams()).node_strength().tolist()
        [0.0, 0.0, 0.0]
        """
        out = np.zeros(self.xy.shape[0])
        if self.roads is not None:
            on = self.node >= 0
            out[on] = self.roads.strength_kmh[self.node[on]]
        return out

    def road_group(self) -> IntArray:
        """Connected road component of each settlement; unattached ones get unique labels.

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> RoadAccess.attach(example_area(), TravelParams()).road_group().tolist()
        [-1, -2, -3]
        """
        n = self.xy.shape[0]
        grp = -1 - np.arange(n, dtype=np.int64)
        if self.roads is not None:
            on = self.node >= 0
            grp[on] = self.roads.component[self.node[on]]
        return grp

    def fallback(self, i: IntArray, j: IntArray) -> FloatArray:
        """Straight-line fallback minutes between positions ``i`` and ``j``.

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> acc = RoadAccess.attach(example_area(), TravelParams())
        >>> acc.fallback(np.array([0]), np.array([2])).round(2).tolist()
        [15.29]
        """
        d = np.hypot(self.xy[i, 0] - self.xy[j, 0], self.xy[i, 1] - self.xy[j, 1])
        inv = 0.5 * (1.0 / self.fallback_kmh[i] + 1.0 / self.fallback_kmh[j])
        out: FloatArray = d * self.params.detour_factor * inv * 0.06
        return out

    def node_distances(self, ni: IntArray, nj: IntArray) -> FloatArray:
        """Shortest road minutes between node pairs of one connected component each.

        Dijkstra runs from the smaller set of distinct end nodes (the graph is
        undirected) with a growing ``limit``: near pairs are settled by cheap
        local searches, and only the far ones need searches over the network.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import LineString
        >>> from townmerge.testing.examples import example_area
        >>> a = example_area()
        >>> roads = gpd.GeoDataFrame({"speed_kmh": [60.0]}, crs=a.units.crs,
        ...     geometry=[LineString([(500_000, 3_297_500), (510_000, 3_297_500)])])
        >>> acc = RoadAccess.attach(StudyArea(a.units, a.settlements, roads=roads),
        ...                         TravelParams())
        >>> acc.node_distances(np.array([0]), np.array([1])).tolist()
        [10.0]
        """
        assert self.roads is not None
        graph = self.roads.minutes
        n_nodes = self.roads.n_nodes
        d = np.full(ni.size, np.inf)
        todo = np.flatnonzero(ni != nj)
        d[ni == nj] = 0.0
        limit = 2.0 * self.params.cutoff_min
        while todo.size:
            a, b = ni[todo], nj[todo]
            ua, ub = np.unique(a), np.unique(b)
            if ub.size < ua.size:
                a, b, ua = b, a, ub
            src_pos = np.searchsorted(ua, a)
            step = max(1, DIJKSTRA_BLOCK // max(n_nodes, 1))
            unbounded = limit > 16.0 * self.params.cutoff_min
            for s in range(0, ua.size, step):
                dist = csgraph.dijkstra(graph, directed=True, indices=ua[s:s + step],
                                        limit=np.inf if unbounded else limit)
                sel = np.flatnonzero((src_pos >= s) & (src_pos < s + step))
                d[todo[sel]] = dist[src_pos[sel] - s, b[sel]]
            if unbounded:
                break
            todo = todo[~np.isfinite(d[todo])]
            limit *= 4.0
        return d

    def times(self, i: IntArray, j: IntArray) -> FloatArray:
        """Exact minutes between settlement positions ``i`` and ``j`` (no cut-off).

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> acc = RoadAccess.attach(example_area(), TravelParams())
        >>> acc.times(np.array([0, 1]), np.array([0, 2])).round(2).tolist()
        [0.0, 20.4]
        """
        i = np.asarray(i, dtype=np.int64)
        j = np.asarray(j, dtype=np.int64)
        out = np.zeros(i.size)
        grp = self.road_group()
        road = (grp[i] == grp[j]) & (i != j)
        fb = (~road) & (i != j)
        out[fb] = self.fallback(i[fb], j[fb])
        if road.any() and self.roads is not None:
            d = self.node_distances(self.node[i[road]], self.node[j[road]])
            out[road] = self.access_min[i[road]] + d + self.access_min[j[road]]
        return out

    def by_road(self, i: IntArray, j: IntArray) -> BoolArray:
        """Whether the time between positions ``i`` and ``j`` is over the road network.

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> acc = RoadAccess.attach(example_area(), TravelParams())
        >>> acc.by_road(np.array([0]), np.array([1])).tolist()
        [False]
        """
        i = np.asarray(i, dtype=np.int64)
        j = np.asarray(j, dtype=np.int64)
        grp = self.road_group()
        out: BoolArray = (grp[i] == grp[j]) & (i != j)
        return out
