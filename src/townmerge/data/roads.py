"""Road lines noded into a graph: snapped ends, T-junctions, optional crossings.

Road data rarely shares vertices exactly where roads meet. :func:`node_roads`
turns lines into graph edges between nodes:

- line ends closer than ``snap_m`` are one node (a KD-tree finds them, so two
  ends 2 cm apart are joined whatever grid they fall on);
- a line end lying on another road's interior (within ``snap_m``) splits that
  road there: a T-junction is a node;
- two roads crossing without a shared vertex (an X-crossing, a bridge over a
  road) stay apart unless ``join_crossings`` is set, which makes every crossing
  point a node.

Each piece between consecutive nodes of a line is an edge, of the length
along the line. :func:`road_checks` finds what the road graph cannot fix by
itself: dangling ends just short of another road, parts of the network that
do not connect to the rest.

Examples
--------
>>> from shapely import LineString
>>> lines = np.array([LineString([(0, 0), (2000, 0)]), LineString([(1000, 0), (1000, 900)])])
>>> g = node_roads(lines, snap_m=1.0)
>>> g.xy.tolist()
[[0.0, 0.0], [1000.0, 0.0], [2000.0, 0.0], [1000.0, 900.0]]
>>> sorted(zip(g.u.tolist(), g.v.tolist(), g.length_m.tolist()))
[(0, 1, 1000.0), (1, 2, 1000.0), (1, 3, 900.0)]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

__all__ = ["NodedRoads", "RoadChecks", "node_roads", "road_checks"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class NodedRoads:
    """Road pieces between nodes.

    Attributes
    ----------
    xy : ndarray, shape (n_nodes, 2)
        Node coordinates (a line end, or a crossing point).
    u, v : ndarray of int
        End nodes of each piece (``u != v``).
    length_m : ndarray of float
        Length of each piece along its line.
    row : ndarray of int
        Position in the input of the road each piece belongs to.
    end_node : ndarray of int, shape (n_parts, 2)
        Node of the start and end of each line part.
    part_row : ndarray of int
        Position in the input of each line part.
    """

    xy: FloatArray
    u: IntArray
    v: IntArray
    length_m: FloatArray
    row: IntArray
    end_node: IntArray
    part_row: IntArray

    @property
    def n_nodes(self) -> int:
        """Number of nodes.

        Examples
        --------
        >>> node_roads(np.array([], dtype=object), snap_m=1.0).n_nodes
        0
        """
        return int(self.xy.shape[0])

    def components(self) -> IntArray:
        """Connected component of each node (labels 0, 1, … by first node).

        Examples
        --------
        >>> from shapely import LineString
        >>> lines = np.array([LineString([(0, 0), (1, 0)]), LineString([(5, 0), (6, 0)])])
        >>> node_roads(lines, snap_m=0.1).components().tolist()  # starts, then ends
        [0, 1, 0, 1]
        """
        n = self.n_nodes
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        graph = sparse.coo_matrix((np.ones(self.u.size), (self.u, self.v)), shape=(n, n))
        _, labels = csgraph.connected_components(graph, directed=False)
        return np.asarray(labels, dtype=np.int64)

    def degree(self) -> IntArray:
        """Number of pieces meeting at each node.

        Examples
        --------
        >>> from shapely import LineString
        >>> g = node_roads(np.array([LineString([(0, 0), (2, 0)]),
        ...                          LineString([(1, 0), (1, 1)])]), snap_m=0.1)
        >>> g.degree().tolist()
        [1, 3, 1, 1]
        """
        out: IntArray = (np.bincount(self.u, minlength=self.n_nodes)
                         + np.bincount(self.v, minlength=self.n_nodes)).astype(np.int64)
        return out


def _clusters(points: FloatArray, tol: float) -> tuple[IntArray, IntArray]:
    """Group points closer than ``tol`` (transitively): node of each point, first point of each."""
    n = points.shape[0]
    pairs = cKDTree(points).query_pairs(tol, output_type="ndarray") if n else np.zeros((0, 2))
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    graph = sparse.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = csgraph.connected_components(graph, directed=False)
    # Number the clusters by their first point, so that nodes follow the input order.
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return rank[inverse.ravel()].astype(np.int64), np.sort(first).astype(np.int64)


def _crossings(parts: npt.NDArray[np.object_], tree: shapely.STRtree) -> FloatArray:
    """Points where two line parts cross or touch (X-crossings included)."""
    left, right = tree.query(parts, predicate="intersects")
    keep = left < right
    inter = shapely.intersection(parts[left[keep]], parts[right[keep]])
    pts = shapely.get_parts(inter)
    pts = pts[shapely.get_type_id(pts) == 0]
    return np.asarray(shapely.get_coordinates(pts), dtype=float).reshape(-1, 2)


def node_roads(geoms: npt.ArrayLike, *, snap_m: float,
               join_crossings: bool = False) -> NodedRoads:
    """Node road lines: snap ends, split roads where another ends on them.

    Parameters
    ----------
    geoms : array_like of shapely geometries
        LineStrings or MultiLineStrings (split into their parts) in metres;
        empty ones and lines of fewer than two points are skipped.
    snap_m : float
        Ends closer than this are one node; an end closer than this to
        another road's interior splits it there.
    join_crossings : bool, default False
        Also make a node of every point where two roads cross. Off by default:
        a bridge or an overpass crosses a road without meeting it.

    Returns
    -------
    NodedRoads

    Examples
    --------
    >>> from shapely import LineString
    >>> x = np.array([LineString([(0, 0), (2, 0)]), LineString([(1, -1), (1, 1)])])
    >>> node_roads(x, snap_m=0.01).u.size, node_roads(x, snap_m=0.01, join_crossings=True).u.size
    (2, 4)
    """
    arr = np.asarray(geoms, dtype=object).reshape(-1)
    ok_in = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    parts, row = shapely.get_parts(arr[ok_in], return_index=True)
    row = np.flatnonzero(ok_in)[row].astype(np.int64)
    keep = ~shapely.is_empty(parts) & (shapely.get_num_coordinates(parts) >= 2)
    parts, row = parts[keep], row[keep]
    n = parts.size
    z = np.zeros(0, dtype=np.int64)
    if n == 0:
        return NodedRoads(np.zeros((0, 2)), z, z, np.zeros(0), z, np.zeros((0, 2), np.int64), z)
    length = np.asarray(shapely.length(parts), dtype=float)
    start = shapely.get_coordinates(shapely.get_point(parts, 0))
    end = shapely.get_coordinates(shapely.get_point(parts, -1))
    tree = shapely.STRtree(parts)
    points = np.concatenate([start, end])
    if join_crossings:
        points = np.concatenate([points, _crossings(parts, tree)])
    node_of, first = _clusters(points, snap_m)
    xy = points[first]
    # Every point splits the lines passing within snap_m of it (its own line: at its end).
    p_idx, l_idx = tree.query(shapely.points(points), predicate="dwithin", distance=snap_m)
    own = (p_idx < 2 * n) & (l_idx == p_idx % n)
    p_idx, l_idx = p_idx[~own], l_idx[~own]
    at = shapely.line_locate_point(parts[l_idx], shapely.points(points[p_idx]))
    line = np.concatenate([np.arange(n), np.arange(n), l_idx])
    dist = np.concatenate([np.zeros(n), length, np.clip(at, 0.0, length[l_idx])])
    node = np.concatenate([node_of[:n], node_of[n:2 * n], node_of[p_idx]])
    order = np.lexsort((dist, line))
    line, dist, node = line[order], dist[order], node[order]
    same = line[1:] == line[:-1]
    u, v = node[:-1][same], node[1:][same]
    piece = (dist[1:] - dist[:-1])[same]
    lines = line[:-1][same]
    real = u != v
    return NodedRoads(xy, u[real], v[real], piece[real], row[lines[real]],
                      np.stack([node_of[:n], node_of[n:2 * n]], axis=1), row)


@dataclass(frozen=True, eq=False)
class RoadChecks:
    """What a noded road network cannot fix by itself.

    Attributes
    ----------
    dangles : ndarray of int
        Nodes where a single road ends within ``dangle_m`` of another road it
        is not joined to (an undershoot, or a bridge's end).
    dangle_gap_m : ndarray of float
        Distance from each dangle to that road.
    components : ndarray of int
        Connected component of each node.
    minor : ndarray of int
        Components other than the largest (by road length), largest first.
    """

    dangles: IntArray
    dangle_gap_m: FloatArray
    components: IntArray
    minor: IntArray


def road_checks(roads: NodedRoads, geoms: npt.ArrayLike, *, dangle_m: float) -> RoadChecks:
    """Dangling ends near another road, and the parts of the network that do not connect.

    Parameters
    ----------
    roads : NodedRoads
        From :func:`node_roads` of ``geoms``.
    geoms : array_like of shapely geometries
        The road lines, as given to :func:`node_roads`.
    dangle_m : float
        A road end met by no other road, but closer than this to one, is a
        dangle.

    Returns
    -------
    RoadChecks

    Examples
    --------
    >>> from shapely import LineString
    >>> lines = np.array([LineString([(0, 0), (2000, 0)]), LineString([(1000, 5), (1000, 900)])])
    >>> c = road_checks(node_roads(lines, snap_m=1.0), lines, dangle_m=20.0)
    >>> c.dangles.tolist(), c.dangle_gap_m.tolist(), c.minor.tolist()
    ([1], [5.0], [1])
    """
    comp = roads.components()
    degree = roads.degree()
    ends = np.unique(roads.end_node.ravel())
    lonely = ends[degree[ends] == 1]
    arr = np.asarray(geoms, dtype=object).reshape(-1)
    gaps = np.zeros(0)
    dangles = np.zeros(0, dtype=np.int64)
    if lonely.size:
        # The road the end belongs to does not count: look for the others near it.
        owner = np.full(roads.n_nodes, -1, dtype=np.int64)
        owner[roads.end_node[:, 0]] = roads.part_row
        owner[roads.end_node[:, 1]] = roads.part_row
        tree = shapely.STRtree(arr)
        pts = shapely.points(roads.xy[lonely])
        p_idx, r_idx = tree.query(pts, predicate="dwithin", distance=dangle_m)
        other = r_idx != owner[lonely][p_idx]
        p_idx, r_idx = p_idx[other], r_idx[other]
        if p_idx.size:
            d = shapely.distance(pts[p_idx], arr[r_idx])
            best = np.full(lonely.size, np.inf)
            np.minimum.at(best, p_idx, d)
            hit = np.isfinite(best)
            dangles, gaps = lonely[hit], best[hit]
    n_comp = int(comp.max()) + 1 if comp.size else 0
    size = np.bincount(comp[roads.u], weights=roads.length_m, minlength=n_comp)
    order = np.argsort(-size, kind="stable")
    return RoadChecks(dangles, gaps, comp, order[1:].astype(np.int64))
