"""Travel times between settlements, over the road network or as the crow flies.

The road layer becomes a graph (:func:`townmerge.data.roads.node_roads`): line ends
closer than :attr:`TravelParams.snap_m` are one node, a road ending on another
road's interior splits it there (a T-junction), and each piece between nodes
is an edge of ``length / speed`` minutes. The speed is the road's
``speed_kmh`` where given (taken as the real, terrain-aware speed), otherwise
the speed of its ``road_class`` on plain terrain times the terrain factor of
the unit the road runs through. Two lines that cross without sharing a vertex
do not meet (a bridge over a road does not connect to it) unless
:attr:`TravelParams.join_crossings` is set.

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

Only pairs within :attr:`TravelParams.cutoff_min` minutes are listed by
:meth:`TravelNetwork.within_cutoff`: sources are processed in spatial tiles,
each on the sub-graph it can reach within the cut-off at the network's top
speed, with Dijkstra's ``limit=``; fallback pairs are found with a KD-tree.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import LineString, Point, box
>>> units = gpd.GeoDataFrame({"id": ["A"]}, geometry=[box(0, 0, 20_000, 10_000)],
...                          crs="EPSG:32648")
>>> st = gpd.GeoDataFrame({"id": ["a", "b", "c"]}, crs="EPSG:32648",
...     geometry=[Point(0, 0), Point(10_000, 0), Point(15_000, 0)])
>>> roads = gpd.GeoDataFrame({"speed_kmh": [60.0, 30.0]}, crs="EPSG:32648",
...     geometry=[LineString([(0, 0), (10_000, 0)]), LineString([(10_000, 0), (15_000, 0)])])
>>> net = TravelNetwork(StudyArea(units, st, roads=roads))
>>> net.between(["a", "a"], ["b", "c"]).round(6).tolist()
[10.0, 20.0]
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from ..config import TravelParams
from ..data.check_roads import road_speed_problems
from ..data.model import StudyArea, unit_label
from ..data.problems import ValidationReport
from ..data.roads import node_roads
from ..errors import InputError, format_ids

__all__ = ["RoadGraph", "TravelNetwork", "TravelParams", "road_graph", "travel_times"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Largest dense Dijkstra block (sources × nodes) computed at once.
_BLOCK = 4_000_000
#: Source nodes per spatial tile, on average.
_TILE_SOURCES = 400


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
                UserWarning, stacklevel=4)
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


class TravelNetwork:
    """Travel times between the settlements of a study area (built once, reused).

    Parameters
    ----------
    area : StudyArea
        Needs settlements; roads are optional (without them every time is the
        straight-line fallback).
    params : TravelParams, optional

    Raises
    ------
    InputError
        When the area has no settlements, or a road has a non-positive speed.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point, box
    >>> units = gpd.GeoDataFrame({"id": ["A"], "terrain": ["plain"]},
    ...     geometry=[box(0, 0, 10_000, 10_000)], crs="EPSG:32648")
    >>> st = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[Point(0, 0), Point(3000, 4000)],
    ...                       crs="EPSG:32648")
    >>> net = TravelNetwork(StudyArea(units, st))  # no roads: 5 km × 1.3 at 30 km/h
    >>> net.within_cutoff()
      origin destination  minutes  by_road
    0      a           b     13.0    False
    1      b           a     13.0    False
    """

    __slots__ = ("_access", "_area_units", "_fb_speed", "_ids", "_label", "_node", "_params",
                 "_roads", "_xy")

    def __init__(self, area: StudyArea, params: TravelParams | None = None) -> None:
        params = params or TravelParams()
        st = area.settlements
        if st is None or len(st) == 0:
            raise InputError("Travel times need settlements; the study area has none. Give "
                             "StudyArea(units, settlements, ...).")
        geoms = st.geometry.to_numpy()
        if not bool(np.all(shapely.get_type_id(geoms) == 0)):
            geoms = shapely.point_on_surface(geoms)
        self._xy = shapely.get_coordinates(geoms).astype(float)
        if self._xy.shape[0] != len(st):
            raise InputError("Every settlement needs a point geometry; some are empty.")
        self._ids = pd.Index(st.index, name="settlement_id")
        names = st["name"].to_numpy(dtype=object) if "name" in st.columns else None
        self._label = names
        self._params = params
        units = area.units
        self._area_units = units
        # Terrain speed of each settlement, for the fallback.
        factor = np.ones(len(st))
        if "terrain" in units.columns and "unit" in st.columns:
            terr = st["unit"].map(units["terrain"]).to_numpy(dtype=object)
            factor = np.array([params.terrain_speed_factor.get(t, 1.0) if isinstance(t, str)
                               else 1.0 for t in terr])
        self._fb_speed = params.fallback_speed_kmh * factor
        roads = area.roads
        self._roads: RoadGraph | None = None
        self._node = np.full(len(st), -1, dtype=np.int64)
        self._access = np.full(len(st), np.inf)
        if roads is not None and len(roads):
            g = road_graph(roads, units, params)
            if g.n_nodes:
                self._roads = g
                dist, node = cKDTree(g.xy).query(self._xy)
                near = dist <= params.max_access_m
                self._node[near] = node[near]
                self._access[near] = (dist[near] * params.detour_factor
                                      / params.access_speed_kmh * 0.06)

    # -- views ---------------------------------------------------------------------------
    @property
    def params(self) -> TravelParams:
        """The parameters in use.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import Point, box
        >>> units = gpd.GeoDataFrame({"id": ["A"]}, geometry=[box(0, 0, 9, 9)],
        ...                          crs="EPSG:32648")
        >>> st = gpd.GeoDataFrame({"id": ["a"], "name": ["甲村"]}, geometry=[Point(1, 1)],
        ...                       crs="EPSG:32648")
        >>> net = TravelNetwork(StudyArea(units, st))
        >>> net.params.cutoff_min
        60.0
        """
        return self._params

    @property
    def settlement_ids(self) -> pd.Index:
        """Settlement ids; positions in the array methods refer to this order.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import Point, box
        >>> units = gpd.GeoDataFrame({"id": ["A"]}, geometry=[box(0, 0, 9, 9)],
        ...                          crs="EPSG:32648")
        >>> st = gpd.GeoDataFrame({"id": ["a"], "name": ["甲村"]}, geometry=[Point(1, 1)],
        ...                       crs="EPSG:32648")
        >>> net = TravelNetwork(StudyArea(units, st))
        >>> net.settlement_ids.tolist()
        ['a']
        """
        return self._ids

    @property
    def roads(self) -> RoadGraph | None:
        """The road graph, or None without roads.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import Point, box
        >>> units = gpd.GeoDataFrame({"id": ["A"]}, geometry=[box(0, 0, 9, 9)],
        ...                          crs="EPSG:32648")
        >>> st = gpd.GeoDataFrame({"id": ["a"], "name": ["甲村"]}, geometry=[Point(1, 1)],
        ...                       crs="EPSG:32648")
        >>> net = TravelNetwork(StudyArea(units, st))
        >>> net.roads is None
        True
        """
        return self._roads

    @property
    def attachment(self) -> pd.DataFrame:
        """Road node and access minutes of each settlement (node -1: not attached).

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import LineString, Point, box
        >>> units = gpd.GeoDataFrame({"id": ["A"]}, geometry=[box(0, 0, 9000, 9000)],
        ...                          crs="EPSG:32648")
        >>> st = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[Point(0, 150),
        ...     Point(8000, 8000)], crs="EPSG:32648")
        >>> roads = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1000, 0)])],
        ...                          crs="EPSG:32648")
        >>> TravelNetwork(StudyArea(units, st, roads=roads)).attachment
                       node  access_min
        settlement_id
        a                 0        0.78
        b                -1         inf
        """
        return pd.DataFrame({"node": self._node, "access_min": self._access}, index=self._ids)

    def node_strength(self) -> FloatArray:
        """Sum of the speeds of the roads at each settlement's node, km/h (0 if unattached).

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import Point, box
        >>> units = gpd.GeoDataFrame({"id": ["A"]}, geometry=[box(0, 0, 9, 9)],
        ...                          crs="EPSG:32648")
        >>> st = gpd.GeoDataFrame({"id": ["a"]}, geometry=[Point(1, 1)], crs="EPSG:32648")
        >>> TravelNetwork(StudyArea(units, st)).node_strength().tolist()
        [0.0]
        """
        out = np.zeros(self._xy.shape[0])
        if self._roads is not None:
            on = self._node >= 0
            out[on] = self._roads.strength_kmh[self._node[on]]
        return out

    def label(self, i: int) -> str:
        """``"id (name)"`` of the settlement at position ``i``, for messages.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import Point, box
        >>> units = gpd.GeoDataFrame({"id": ["A"]}, geometry=[box(0, 0, 9, 9)],
        ...                          crs="EPSG:32648")
        >>> st = gpd.GeoDataFrame({"id": ["a"], "name": ["甲村"]}, geometry=[Point(1, 1)],
        ...                       crs="EPSG:32648")
        >>> net = TravelNetwork(StudyArea(units, st))
        >>> net.label(0)
        'a (甲村)'
        """
        name = self._label[i] if self._label is not None else None
        return unit_label(str(self._ids[i]), name)

    def positions(self, ids: Sequence[object] | pd.Index | pd.Series) -> IntArray:
        """Positions of settlement ids, raising an InputError naming unknown ids.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import Point, box
        >>> units = gpd.GeoDataFrame({"id": ["A"]}, geometry=[box(0, 0, 9, 9)],
        ...                          crs="EPSG:32648")
        >>> st = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[Point(1, 1), Point(2, 2)],
        ...                       crs="EPSG:32648")
        >>> TravelNetwork(StudyArea(units, st)).positions(["b", "a"]).tolist()
        [1, 0]
        """
        keys = pd.Index([str(v) for v in ids], dtype=object)
        pos = self._ids.get_indexer(keys)
        if (pos < 0).any():
            unknown = sorted(set(keys[pos < 0]))
            raise InputError(f"{len(unknown)} settlement id(s) are not in the study area: "
                             f"{format_ids(unknown)}.")
        return pos.astype(np.int64)

    # -- times ---------------------------------------------------------------------------
    def _road_group(self) -> IntArray:
        """Connected road component of each settlement; unattached ones get unique labels."""
        n = self._xy.shape[0]
        grp = -1 - np.arange(n, dtype=np.int64)
        if self._roads is not None:
            on = self._node >= 0
            grp[on] = self._roads.component[self._node[on]]
        return grp

    def _fallback(self, i: IntArray, j: IntArray) -> FloatArray:
        d = np.hypot(self._xy[i, 0] - self._xy[j, 0], self._xy[i, 1] - self._xy[j, 1])
        inv = 0.5 * (1.0 / self._fb_speed[i] + 1.0 / self._fb_speed[j])
        out: FloatArray = d * self._params.detour_factor * inv * 0.06
        return out

    def _node_distances(self, ni: IntArray, nj: IntArray) -> FloatArray:
        """Shortest road minutes between node pairs of one connected component each.

        Dijkstra runs from the smaller set of distinct end nodes (the graph is
        undirected) with a growing ``limit``: near pairs are settled by cheap
        local searches, and only the far ones need searches over the network.
        """
        assert self._roads is not None
        graph = self._roads.minutes
        n_nodes = self._roads.n_nodes
        d = np.full(ni.size, np.inf)
        todo = np.flatnonzero(ni != nj)
        d[ni == nj] = 0.0
        limit = 2.0 * self._params.cutoff_min
        while todo.size:
            a, b = ni[todo], nj[todo]
            ua, ub = np.unique(a), np.unique(b)
            if ub.size < ua.size:
                a, b, ua = b, a, ub
            src_pos = np.searchsorted(ua, a)
            step = max(1, _BLOCK // max(n_nodes, 1))
            unbounded = limit > 16.0 * self._params.cutoff_min
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

        Parameters
        ----------
        i, j : ndarray of int
            Positions in :attr:`settlement_ids`, of equal length.

        Returns
        -------
        ndarray of float

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import Point, box
        >>> units = gpd.GeoDataFrame({"id": ["A"]}, geometry=[box(0, 0, 9000, 9000)],
        ...                          crs="EPSG:32648")
        >>> st = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[Point(0, 0), Point(0, 3000)],
        ...                       crs="EPSG:32648")
        >>> TravelNetwork(StudyArea(units, st)).times(np.array([0]), np.array([1])).tolist()
        [7.8]
        """
        i = np.asarray(i, dtype=np.int64)
        j = np.asarray(j, dtype=np.int64)
        out = np.zeros(i.size)
        grp = self._road_group()
        road = (grp[i] == grp[j]) & (i != j)
        fb = (~road) & (i != j)
        out[fb] = self._fallback(i[fb], j[fb])
        if road.any() and self._roads is not None:
            d = self._node_distances(self._node[i[road]], self._node[j[road]])
            out[road] = self._access[i[road]] + d + self._access[j[road]]
        return out

    def by_road(self, i: IntArray, j: IntArray) -> BoolArray:
        """Whether the time between positions ``i`` and ``j`` is over the road network.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import Point, box
        >>> units = gpd.GeoDataFrame({"id": ["A"]}, geometry=[box(0, 0, 9000, 9000)],
        ...                          crs="EPSG:32648")
        >>> st = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[Point(0, 0), Point(0, 3000)],
        ...                       crs="EPSG:32648")
        >>> TravelNetwork(StudyArea(units, st)).by_road(np.array([0]), np.array([1])).tolist()
        [False]
        """
        i = np.asarray(i, dtype=np.int64)
        j = np.asarray(j, dtype=np.int64)
        grp = self._road_group()
        out: BoolArray = (grp[i] == grp[j]) & (i != j)
        return out

    def between(self, origins: Sequence[object], destinations: Sequence[object]) -> pd.Series:
        """Exact minutes between pairs of settlements given by id (no cut-off).

        Parameters
        ----------
        origins, destinations : sequence of str
            Settlement ids, of equal length.

        Returns
        -------
        Series
            ``minutes``, indexed by (``origin``, ``destination``).

        Raises
        ------
        InputError
            For ids that are not settlements of the area.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import Point, box
        >>> units = gpd.GeoDataFrame({"id": ["A"]}, geometry=[box(0, 0, 9000, 9000)],
        ...                          crs="EPSG:32648")
        >>> st = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[Point(0, 0), Point(0, 3000)],
        ...                       crs="EPSG:32648")
        >>> TravelNetwork(StudyArea(units, st)).between(["a"], ["b"])
        origin  destination
        a       b              7.8
        Name: minutes, dtype: float64
        """
        if len(origins) != len(destinations):
            raise InputError(f"origins and destinations differ in length: {len(origins)} "
                             f"vs {len(destinations)}.")
        i, j = self.positions(origins), self.positions(destinations)
        index = pd.MultiIndex.from_arrays([self._ids[i], self._ids[j]],
                                          names=["origin", "destination"])
        return pd.Series(self.times(i, j), index=index, name="minutes")

    def _road_pairs(self, cutoff: float) -> Iterator[tuple[IntArray, IntArray, FloatArray]]:
        g = self._roads
        if g is None:
            return
        on = np.flatnonzero(self._node >= 0)
        if on.size == 0:
            return
        node_of = self._node[on]
        order = np.argsort(node_of, kind="stable")
        members = on[order]
        snodes, starts, counts = np.unique(node_of[order], return_index=True, return_counts=True)
        starts_full = np.zeros(g.n_nodes, dtype=np.int64)
        counts_full = np.zeros(g.n_nodes, dtype=np.int64)
        starts_full[snodes] = starts
        counts_full[snodes] = counts
        min_acc = np.full(g.n_nodes, np.inf)
        np.minimum.at(min_acc, self._node[on], self._access[on])
        global_min = float(self._access[on].min())
        has_st = counts_full > 0
        speed_m_per_min = g.top_speed_kmh * 1000.0 / 60.0
        for tile in _tiles(g.xy[snodes], _TILE_SOURCES):
            src = snodes[tile]
            limit = cutoff - float(min_acc[src].min()) - global_min
            if limit < 0:
                continue
            reach = limit * speed_m_per_min + 2 * self._params.snap_m
            lo = g.xy[src].min(axis=0) - reach
            hi = g.xy[src].max(axis=0) + reach
            near = np.flatnonzero(np.all((g.xy >= lo) & (g.xy <= hi), axis=1))
            sub = g.minutes[near][:, near]
            local_src = np.searchsorted(near, src)
            cols = np.flatnonzero(has_st[near])
            step = max(1, _BLOCK // max(near.size, 1))
            for s in range(0, src.size, step):
                dist = csgraph.dijkstra(sub, directed=True, indices=local_src[s:s + step],
                                        limit=limit)
                dc = dist[:, cols]
                r, c = np.nonzero(dc <= limit)
                a = src[s:s + step][r]
                b = near[cols[c]]
                si, sj, d = _expand(a, b, dc[r, c], starts_full, counts_full, members)
                t = d + self._access[si] + self._access[sj]
                keep = (si != sj) & (t <= cutoff)
                yield si[keep], sj[keep], t[keep]

    def _fallback_pairs(self, cutoff: float) -> tuple[IntArray, IntArray, FloatArray]:
        grp = self._road_group()
        n = grp.size
        labels, counts = np.unique(grp, return_counts=True)
        main = labels[np.argmax(counts)] if counts.max() > 1 else None
        minor = np.flatnonzero(grp != main) if main is not None else np.arange(n)
        if minor.size == 0:
            z = np.zeros(0, dtype=np.int64)
            return z, z, np.zeros(0)
        radius = (cutoff / 0.06 * float(self._fb_speed.max()) / self._params.detour_factor)
        tree_all = cKDTree(self._xy)
        if minor.size == n:
            pairs = tree_all.query_pairs(radius, output_type="ndarray").astype(np.int64)
            a, b = pairs[:, 0], pairs[:, 1]
            a, b = np.concatenate([a, b]), np.concatenate([b, a])
        else:
            sdm = cKDTree(self._xy[minor]).sparse_distance_matrix(
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
        t = self._fallback(a, b)
        keep = t <= cutoff
        return a[keep], b[keep], t[keep]

    def pair_blocks(
        self, cutoff_min: float | None = None,
    ) -> Iterator[tuple[IntArray, IntArray, FloatArray, BoolArray]]:
        """Directed settlement pairs within the cut-off, block by block (positions, minutes).

        Every ordered pair of distinct settlements with a travel time at most
        the cut-off appears in exactly one block. Each block is
        ``(origin, destination, minutes, by_road)``.

        Parameters
        ----------
        cutoff_min : float, optional
            Defaults to :attr:`TravelParams.cutoff_min`.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import Point, box
        >>> units = gpd.GeoDataFrame({"id": ["A"]}, geometry=[box(0, 0, 9000, 9000)],
        ...                          crs="EPSG:32648")
        >>> st = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[Point(0, 0), Point(0, 3000)],
        ...                       crs="EPSG:32648")
        >>> sum(b[0].size for b in TravelNetwork(StudyArea(units, st)).pair_blocks(5.0))
        0
        """
        cutoff = self._params.cutoff_min if cutoff_min is None else float(cutoff_min)
        cap = self._params.max_destinations
        if cap is None:
            for si, sj, t in self._road_pairs(cutoff):
                yield si, sj, t, np.ones(si.size, dtype=bool)
            a, b, t = self._fallback_pairs(cutoff)
            if a.size:
                yield a, b, t, np.zeros(a.size, dtype=bool)
            return
        # All road pairs of an origin come in one block, so each block is capped on its
        # own, except for origins that also have fallback pairs: those wait for the end.
        a, b, t = self._fallback_pairs(cutoff)
        late = np.zeros(self._xy.shape[0], dtype=bool)
        late[a] = True
        held: list[tuple[IntArray, IntArray, FloatArray, BoolArray]] = [
            (a, b, t, np.zeros(a.size, dtype=bool))]
        for si, sj, tt in self._road_pairs(cutoff):
            wait = late[si]
            if wait.any():
                held.append((si[wait], sj[wait], tt[wait], np.ones(int(wait.sum()), dtype=bool)))
            keep = _nearest(si[~wait], sj[~wait], tt[~wait], cap)
            yield si[~wait][keep], sj[~wait][keep], tt[~wait][keep], np.ones(keep.size, bool)
        ho, hd, ht, hr = (np.concatenate(x) for x in zip(*held, strict=True))
        keep = _nearest(ho, hd, ht, cap)
        if keep.size:
            yield ho[keep], hd[keep], ht[keep], hr[keep]

    def pairs(
        self, cutoff_min: float | None = None,
    ) -> tuple[IntArray, IntArray, FloatArray, BoolArray]:
        """All directed pairs within the cut-off as arrays, sorted by origin then destination.

        Returns
        -------
        origin, destination : ndarray of int
            Positions in :attr:`settlement_ids`.
        minutes : ndarray of float
        by_road : ndarray of bool
            Whether the time is over the road network (else the fallback).

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import Point, box
        >>> units = gpd.GeoDataFrame({"id": ["A"]}, geometry=[box(0, 0, 9000, 9000)],
        ...                          crs="EPSG:32648")
        >>> st = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[Point(0, 0), Point(0, 3000)],
        ...                       crs="EPSG:32648")
        >>> o, d, t, r = TravelNetwork(StudyArea(units, st)).pairs()
        >>> o.tolist(), d.tolist(), t.tolist()
        ([0, 1], [1, 0], [7.8, 7.8])
        """
        blocks = list(self.pair_blocks(cutoff_min))
        if not blocks:
            z = np.zeros(0, dtype=np.int64)
            return z, z, np.zeros(0), np.zeros(0, dtype=bool)
        o = np.concatenate([b[0] for b in blocks])
        d = np.concatenate([b[1] for b in blocks])
        t = np.concatenate([b[2] for b in blocks])
        r = np.concatenate([b[3] for b in blocks])
        order = np.lexsort((d, o))
        return o[order], d[order], t[order], r[order]

    def within_cutoff(self, cutoff_min: float | None = None) -> pd.DataFrame:
        """Every directed pair of settlements within the cut-off, with its travel time.

        Parameters
        ----------
        cutoff_min : float, optional
            Defaults to :attr:`TravelParams.cutoff_min`.

        Returns
        -------
        DataFrame
            ``origin``, ``destination`` (settlement ids), ``minutes``, ``by_road``.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import Point, box
        >>> units = gpd.GeoDataFrame({"id": ["A"]}, geometry=[box(0, 0, 9000, 9000)],
        ...                          crs="EPSG:32648")
        >>> st = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[Point(0, 0), Point(0, 3000)],
        ...                       crs="EPSG:32648")
        >>> len(TravelNetwork(StudyArea(units, st)).within_cutoff(5.0))
        0
        """
        o, d, t, r = self.pairs(cutoff_min)
        return pd.DataFrame({
            "origin": self._ids[o].to_numpy(dtype=object),
            "destination": self._ids[d].to_numpy(dtype=object),
            "minutes": t,
            "by_road": r,
        })


def travel_times(area: StudyArea, params: TravelParams | None = None) -> pd.DataFrame:
    """Travel times between every pair of settlements within the cut-off.

    A shortcut for ``TravelNetwork(area, params).within_cutoff()``.

    Parameters
    ----------
    area : StudyArea
    params : TravelParams, optional

    Returns
    -------
    DataFrame
        ``origin``, ``destination``, ``minutes``, ``by_road``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point, box
    >>> units = gpd.GeoDataFrame({"id": ["A"], "terrain": ["mountain"]},
    ...     geometry=[box(0, 0, 9000, 9000)], crs="EPSG:32648")
    >>> st = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[Point(10, 10), Point(10, 3010)],
    ...                       crs="EPSG:32648")
    >>> travel_times(StudyArea(units, st))["minutes"].round(2).tolist()
    [12.0, 12.0]
    """
    return TravelNetwork(area, params).within_cutoff()
