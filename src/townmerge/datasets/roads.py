"""The road network of a synthetic county, with classes and speeds by terrain.

:func:`build_roads` links the settlements by a Euclidean minimum spanning tree over their
Delaunay triangulation plus short extra links, then upgrades the trunk routes between
neighbouring seats to county, provincial and national roads (:data:`ROAD_CLASSES`); speeds are
:data:`~townmerge.config.ROAD_SPEEDS_KMH` times the terrain factor (:class:`Roads`).

Examples
--------
>>> from townmerge.datasets import synthetic_county
>>> roads = synthetic_county(6, seed=1).roads
>>> set(roads["road_class"]) <= set(ROAD_CLASSES), bool((roads["speed_kmh"] > 0).all())
(True, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import Delaunay, cKDTree

from ..config import ROAD_SPEEDS_KMH, TERRAIN_SPEED_FACTOR
from .grid import BoolArray, FloatArray, Grid, IntArray
from .placement import Places, Units
from .population import People
from .shapes import Geoms
from .spec import CountySpec

__all__ = ["ROAD_CLASSES", "Roads", "build_roads"]

#: Road classes, lowest first.
ROAD_CLASSES = ("village", "township", "county", "provincial", "national", "expressway")


@dataclass(frozen=True)
class Roads:
    """Road segments between settlements (by generation position), classes and speeds.

    Attributes
    ----------
    a, b : ndarray
        Settlement positions of each road's ends.
    rank : ndarray
        Index into :data:`ROAD_CLASSES`.
    speed, length_m : ndarray
        Speed (km/h) and length (m) of each road.
    geometry : ndarray of LineStrings
        EPSG:4490 lines, gently bent.

    Examples
    --------
    >>> from townmerge.datasets.spec import CountySpec
    >>> from townmerge.datasets.synthetic import draft_county
    >>> d = draft_county(CountySpec.build(n_units=6), seed=1)
    >>> d.roads.minutes_graph(d.places.unit.size).shape
    (44, 44)
    """

    a: IntArray  # settlement indices (generation order)
    b: IntArray
    rank: IntArray  # index into ROAD_CLASSES
    speed: FloatArray  # km/h
    length_m: FloatArray
    geometry: npt.NDArray[np.object_]

    def minutes_graph(self, n: int) -> sparse.csr_matrix:
        """Travel minutes of each road as a sparse ``n`` × ``n`` matrix (one direction)."""
        minutes = self.length_m / 1000.0 / self.speed * 60.0
        return sparse.coo_matrix((minutes, (self.a, self.b)), shape=(n, n)).tocsr()


def _candidate_edges(px: FloatArray, py: FloatArray) -> tuple[IntArray, IntArray]:
    n = px.size
    if n < 4:
        a, b = np.triu_indices(n, 1)
        return a.astype(np.int64), b.astype(np.int64)
    tri = Delaunay(np.column_stack([px, py]))
    s = tri.simplices
    e = np.concatenate([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]])
    e = np.unique(np.sort(e, axis=1), axis=0)
    return e[:, 0].astype(np.int64), e[:, 1].astype(np.int64)


def _edge_index(a: IntArray, b: IntArray, n: int) -> tuple[IntArray, IntArray]:
    """Sorted keys of undirected edges and the order that sorts them."""
    key = np.minimum(a, b) * n + np.maximum(a, b)
    order = np.argsort(key, kind="stable")
    return key[order], order


def _find_edges(keys: IntArray, order: IntArray, u: IntArray, v: IntArray, n: int) -> IntArray:
    """Indices of the undirected edges ``(u, v)`` (which must exist)."""
    want = np.minimum(u, v).astype(np.int64) * n + np.maximum(u, v)
    return np.asarray(order[np.searchsorted(keys, want)], dtype=np.int64)


def build_roads(
    rng: np.random.Generator, grid: Grid, units: Units, places: Places, people: People,
    geoms: Geoms, spec: CountySpec,
) -> Roads:
    """Link the settlements by roads and class the trunk routes between seats.

    Examples
    --------
    >>> import numpy as np
    >>> from townmerge.datasets.spec import CountySpec
    >>> from townmerge.datasets.synthetic import draft_county
    >>> d = draft_county(CountySpec.build(n_units=6), seed=1)
    >>> r = build_roads(np.random.default_rng(0), d.grid, d.units, d.places, d.people, d.geoms,
    ...                 d.spec)
    >>> bool(r.a.size >= d.places.unit.size - 1), ROAD_CLASSES[int(r.rank.max())]
    (True, 'national')
    """
    px, py = geoms.px, geoms.py
    n = px.size
    a, b = _candidate_edges(px, py)
    length = np.hypot(px[a] - px[b], py[a] - py[b])
    mst = csgraph.minimum_spanning_tree(
        sparse.coo_matrix((length, (a, b)), shape=(n, n)).tocsr()
    ).tocoo()
    keys, order = _edge_index(a, b, n)
    in_mst = np.zeros(a.size, dtype=bool)
    in_mst[_find_edges(keys, order, mst.row, mst.col, n)] = True
    nearest, _ = cKDTree(np.column_stack([px, py])).query(np.column_stack([px, py]), k=2)
    nn = nearest[:, 1]
    short = length <= 1.5 * np.sqrt(nn[a] * nn[b])
    on_land = np.ones(a.size, dtype=bool)
    for f in (0.25, 0.5, 0.75):
        on_land &= grid.locate(px[a] + f * (px[b] - px[a]), py[a] + f * (py[b] - py[a])) >= 0
    keep = in_mst | (short & on_land & (rng.uniform(0.0, 1.0, a.size) < 0.6))
    a, b, length = a[keep], b[keep], length[keep]
    graph = sparse.coo_matrix((length, (a, b)), shape=(n, n)).tocsr()
    keys, order = _edge_index(a, b, n)
    # Trunk roads: shortest routes between the seats of neighbouring units.
    seat_idx = np.flatnonzero(places.seat)  # ordered by unit
    dist, pred, src = csgraph.dijkstra(
        graph, directed=False, indices=seat_idx, return_predecessors=True, min_only=True
    )
    region = places.unit[np.asarray(src, dtype=np.int64)]  # unit whose seat is nearest
    cross = region[a] != region[b]
    ca, cb = a[cross], b[cross]
    cost = dist[ca] + length[cross] + dist[cb]
    ra, rb = region[ca], region[cb]
    lo, hi = np.minimum(ra, rb), np.maximum(ra, rb)
    o = np.lexsort((cost, hi, lo))
    first = np.r_[True, (lo[o][1:] != lo[o][:-1]) | (hi[o][1:] != hi[o][:-1])]
    link = o[first]
    la, lb, lu, lv, lcost = lo[link], hi[link], ca[link], cb[link], cost[link]
    kind = np.array(people.unit_kind, dtype=object)
    urban = (kind == "subdistrict") | (kind == "town")
    pop_u = people.unit_population.astype(np.float64)
    pull = pop_u[la] * pop_u[lb] / np.maximum(lcost, 1.0) ** 2
    link_rank = np.where(urban[la] & urban[lb], 2, 1)
    if link.size >= 4:
        link_rank[pull >= np.quantile(pull, 0.85)] = 3
    national, tree = _trunk_links(units, la, lb, lcost, spec.n_units)
    link_rank[tree] = np.maximum(link_rank[tree], 2)
    link_rank[national] = 4
    # Rank of the tree edge from each node towards its seat, then of every edge.
    up = np.zeros(n, dtype=np.int64)
    cur = np.concatenate([lu, lv])
    r = np.concatenate([link_rank, link_rank])
    while cur.size:
        go = pred[cur] >= 0
        cur, r = cur[go], r[go]
        np.maximum.at(up, cur, r)
        cur = pred[cur]
    rank = np.where(places.community[a] | places.community[b], 1, 0)
    child = np.flatnonzero((up > 0) & (pred >= 0))
    at = _find_edges(keys, order, child, pred[child], n)
    np.maximum.at(rank, at, up[child])
    direct = _find_edges(keys, order, lu, lv, n)
    np.maximum.at(rank, direct, link_rank)
    terrain = np.maximum(units.terrain[places.unit[a]], units.terrain[places.unit[b]])
    factor = np.array([TERRAIN_SPEED_FACTOR[t] for t in spec.terrains])[terrain]
    base = np.array([ROAD_SPEEDS_KMH[c] for c in ROAD_CLASSES])[rank]
    speed = np.round(base * factor)
    # Gently bent lines: one interior vertex off the straight line.
    bend = rng.normal(0.0, 0.06, a.size) * np.where(rank >= 3, 0.3, 1.0)
    mx = (px[a] + px[b]) / 2 - bend * (py[b] - py[a])
    my = (py[a] + py[b]) / 2 + bend * (px[b] - px[a])
    length_m = np.hypot(mx - px[a], my - py[a]) + np.hypot(px[b] - mx, py[b] - my)
    ends = shapely.get_coordinates(geoms.point)
    mids = geoms.geo_coords(mx, my)
    coords = np.stack([ends[a], mids, ends[b]], axis=1)
    lines = np.asarray(shapely.linestrings(coords), dtype=object)
    return Roads(a=a, b=b, rank=rank, speed=speed, length_m=length_m, geometry=lines)


def _trunk_links(
    units: Units, la: IntArray, lb: IntArray, cost: FloatArray, n: int
) -> tuple[BoolArray, BoolArray]:
    """Seat links on the routes from the county seat to every seat, and national ones.

    The national road has two arms from the county seat: to the farthest town
    and to the farthest one roughly on the opposite side.
    """
    national = np.zeros(la.size, dtype=bool)
    tree = np.zeros(la.size, dtype=bool)
    if la.size == 0:
        return national, tree
    seat_graph = sparse.coo_matrix((cost, (la, lb)), shape=(n, n)).tocsr()
    dist, pred = csgraph.dijkstra(
        seat_graph, directed=False, indices=units.main, return_predecessors=True
    )
    key = np.minimum(la, lb) * n + np.maximum(la, lb)
    child = np.flatnonzero(pred >= 0)
    tree = np.isin(key, np.minimum(child, pred[child]) * n + np.maximum(child, pred[child]))
    dx = units.seat_x - units.seat_x[units.main]
    dy = units.seat_y - units.seat_y[units.main]
    reach = np.isfinite(dist) & ~units.subdistrict
    if not reach.any():
        return national, tree
    far1 = int(np.argmax(np.where(reach, dist, -1.0)))
    ends = [far1]
    norm = np.hypot(dx, dy) * math.hypot(dx[far1], dy[far1])
    cos = (dx * dx[far1] + dy * dy[far1]) / np.maximum(norm, 1.0)
    other = reach & (cos < -0.2)
    if other.any():
        ends.append(int(np.argmax(np.where(other, dist, -1.0))))
    for end in ends:
        path = []
        node = end
        while node != units.main and pred[node] >= 0:
            path.append(min(node, pred[node]) * n + max(node, pred[node]))
            node = int(pred[node])
        national |= np.isin(key, path)
    return national, tree
