"""Polygons and points: raster territories traced into a clean coverage, in EPSG:4490.

:func:`build_geometries` traces the cell regions of the settlements into rings (shared
vertices between neighbours), smooths them with :func:`shapely.coverage_simplify`, makes each
unit the coverage union of its villages and places every settlement point inside its own
territory (:class:`Geoms`).

Examples
--------
>>> import shapely
>>> from townmerge.datasets import synthetic_county
>>> c = synthetic_county(6, seed=1)
>>> bool(shapely.coverage_is_valid(c.villages.geometry.to_numpy()))
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Transformer

from .grid import FloatArray, Grid, IntArray
from .placement import Places
from .spec import CountySpec

__all__ = ["Geoms", "build_geometries"]

#: Unit steps of the four edge directions: east, north, west, south.
_STEPS = ((1, 0), (0, 1), (-1, 0), (0, -1))


def _trace(
    labels: IntArray, x0: float, y0: float, cell: float
) -> tuple[npt.NDArray[np.object_], IntArray]:
    """Boundary rings of every labelled region of a raster (``-1`` = outside).

    Each boundary cell edge becomes a directed edge with its region on the
    left; edges are chained into rings by pointer doubling. Where a region
    touches itself at a corner the chain turns right, giving a shell and a hole
    that meet at a point (valid) rather than a self-touching shell. Vertices
    where a ring runs straight on between only two regions are dropped, so
    neighbouring regions share exactly the same vertices. Regions must be
    4-connected: each then has one counter-clockwise shell.
    """
    nx = labels.shape[1]
    p = np.pad(labels, 1, constant_values=-1)
    west, east = p[1:-1, :-1], p[1:-1, 1:]
    vi, vj = np.nonzero(west != east)
    south, north = p[:-1, 1:-1], p[1:, 1:-1]
    hi, hj = np.nonzero(south != north)
    nv, nh = vi.size, hi.size
    sx = np.concatenate([vj, vj, hj, hj + 1]).astype(np.int64)
    sy = np.concatenate([vi, vi + 1, hi, hi]).astype(np.int64)
    dr = np.concatenate(
        [np.full(nv, 1), np.full(nv, 3), np.full(nh, 0), np.full(nh, 2)]
    ).astype(np.int64)
    lb = np.concatenate([west[vi, vj], east[vi, vj], north[hi, hj], south[hi, hj]])
    keep = lb >= 0
    sx, sy, dr, lb = sx[keep], sy[keep], dr[keep], lb[keep]
    n = sx.size
    step_x = np.array([s[0] for s in _STEPS], dtype=np.int64)
    step_y = np.array([s[1] for s in _STEPS], dtype=np.int64)
    n_lab = int(labels.max()) + 1
    start_key = ((sy * (nx + 1) + sx) * n_lab + lb) * 4 + dr
    order = np.argsort(start_key, kind="stable")
    sorted_key = start_key[order]
    end_base = (((sy + step_y[dr]) * (nx + 1) + sx + step_x[dr]) * n_lab + lb) * 4
    succ = np.full(n, -1, dtype=np.int64)
    for turn in (3, 0, 1):  # right, straight on, left
        want = end_base + (dr + turn) % 4
        at = np.minimum(np.searchsorted(sorted_key, want), n - 1)
        hit = (sorted_key[at] == want) & (succ < 0)
        succ[hit] = order[at[hit]]
    # Ring id: the smallest edge index on the ring (pointer doubling).
    ring = np.arange(n, dtype=np.int64)
    jump = succ.copy()
    while True:
        nxt = np.minimum(ring, ring[jump])
        jump = jump[jump]
        if np.array_equal(nxt, ring):
            break
        ring = nxt
    # Position along the ring: distance to the edge before the ring's first edge.
    idx = np.arange(n, dtype=np.int64)
    last = succ == ring
    jump = np.where(last, idx, succ)
    dist = (~last).astype(np.int64)
    while True:
        dist = dist + dist[jump]
        nxt = jump[jump]
        if np.array_equal(nxt, jump):
            break
        jump = nxt
    pred = np.empty(n, dtype=np.int64)
    pred[succ] = idx
    c1, c2 = p[sy, sx], p[sy, sx + 1]
    c3, c4 = p[sy + 1, sx], p[sy + 1, sx + 1]
    n_distinct = (
        1 + (c2 != c1) + ((c3 != c1) & (c3 != c2)) + ((c4 != c1) & (c4 != c2) & (c4 != c3))
    )
    corner = (dr != dr[pred]) | (n_distinct >= 3)
    seq = np.lexsort((-dist, ring))
    seq = seq[corner[seq]]
    _, ring_index = np.unique(ring[seq], return_inverse=True)
    coords = np.column_stack([x0 + sx[seq] * cell, y0 + sy[seq] * cell])
    rings = shapely.linearrings(coords, indices=ring_index)
    firsts = np.r_[0, np.flatnonzero(np.diff(ring_index)) + 1]
    return np.asarray(rings, dtype=object), lb[seq][firsts].astype(np.int64)


def _rings_to_polygons(
    rings: npt.NDArray[np.object_], ring_label: IntArray, n: int
) -> npt.NDArray[np.object_]:
    """One polygon per label: its counter-clockwise shell and clockwise holes."""
    ccw = np.asarray(shapely.is_ccw(rings), dtype=bool)
    if np.bincount(ring_label[ccw], minlength=n).max(initial=0) != 1 or ccw.sum() != n:
        raise RuntimeError("every territory should have exactly one outer ring")  # pragma: no cover
    polys = np.empty(n, dtype=object)
    polys[ring_label[ccw]] = shapely.polygons(rings[ccw])
    for lab in np.unique(ring_label[~ccw]):
        shell = rings[ccw][ring_label[ccw] == lab][0]
        holes = list(rings[~ccw][ring_label[~ccw] == lab])
        polys[lab] = shapely.Polygon(shell, holes)
    return polys


@dataclass(frozen=True)
class Geoms:
    """Territories and points of a county in EPSG:4490, and the way back to local metres.

    Attributes
    ----------
    village, point : ndarray of shapely geometries
        Territory and point of each settlement.
    unit : ndarray of shapely geometries
        Polygon of each unit, the coverage union of its villages.
    px, py : ndarray
        Local metric coordinates (origin-centred) of the points.
    to_geo : pyproj.Transformer
        Local metric CRS to EPSG:4490; ``offset`` moves local coordinates into that CRS.

    Examples
    --------
    >>> from townmerge.datasets.spec import CountySpec
    >>> from townmerge.datasets.synthetic import draft_county
    >>> d = draft_county(CountySpec.build(n_units=6), seed=1)
    >>> d.geoms.geo_coords(d.geoms.px[:1], d.geoms.py[:1]).round(1).tolist()
    [[103.9, 30.5]]
    """

    village: npt.NDArray[np.object_]  # EPSG:4490, per settlement
    unit: npt.NDArray[np.object_]  # EPSG:4490, per unit
    point: npt.NDArray[np.object_]  # EPSG:4490, per settlement
    px: FloatArray  # metric, local (origin-centred) coordinates of the points
    py: FloatArray
    to_geo: Transformer
    offset: tuple[float, float]

    def geo_coords(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """Local metric coordinates to rounded EPSG:4490 ones."""
        lon, lat = self.to_geo.transform(x + self.offset[0], y + self.offset[1])
        return np.round(np.column_stack([lon, lat]), 7)


def build_geometries(
    rng: np.random.Generator, grid: Grid, places: Places, to_geo: Transformer,
    offset: tuple[float, float], spec: CountySpec,
) -> Geoms:
    """Trace, smooth and transform the settlements' territories, units and points.

    Parameters
    ----------
    rng : numpy.random.Generator
        Jitters the points within their seed cell.
    grid : Grid
        The raster the territories are labelled on.
    places : Places
        Settlements and their territory cells.
    to_geo : pyproj.Transformer
        Local metric CRS to EPSG:4490.
    offset : (float, float)
        Metric coordinates of the grid's origin in the CRS of ``to_geo``.
    spec : CountySpec
        The county's parameters.

    Examples
    --------
    >>> import numpy as np
    >>> import shapely
    >>> from townmerge.datasets.spec import CountySpec
    >>> from townmerge.datasets.synthetic import draft_county
    >>> d = draft_county(CountySpec.build(n_units=6), seed=1)
    >>> g = build_geometries(np.random.default_rng(0), d.grid, d.places, d.geoms.to_geo,
    ...                      d.geoms.offset, d.spec)
    >>> bool(shapely.contains_properly(g.village, g.point).all())
    True
    """
    n = places.unit.size
    rings, ring_label = _trace(grid.raster(places.of_cell), grid.x0, grid.y0, grid.cell)
    metric = _rings_to_polygons(rings, ring_label, n)
    smooth = shapely.coverage_simplify(metric, 2.0 * grid.cell)

    def to_geo_xy(xy: FloatArray) -> FloatArray:
        lon, lat = to_geo.transform(xy[:, 0] + offset[0], xy[:, 1] + offset[1])
        return np.round(np.column_stack([lon, lat]), 7)

    village = np.asarray(shapely.transform(smooth, to_geo_xy), dtype=object)
    # Settlement points: jittered seed cells, moved inside the territory if need be.
    jitter = rng.uniform(-0.35, 0.35, (n, 2)) * grid.cell
    mx = grid.x[places.cell] + jitter[:, 0]
    my = grid.y[places.cell] + jitter[:, 1]
    point = np.asarray(shapely.points(to_geo_xy(np.column_stack([mx, my]))), dtype=object)
    bad = ~np.asarray(shapely.contains_properly(village, point), dtype=bool)
    if bad.any():
        inner = shapely.get_coordinates(shapely.point_on_surface(village[bad]))
        point[bad] = shapely.points(np.round(inner, 7))
        from_geo = Transformer.from_crs(to_geo.target_crs, to_geo.source_crs, always_xy=True)
        bx, by = from_geo.transform(inner[:, 0], inner[:, 1])
        mx[bad] = np.asarray(bx) - offset[0]
        my[bad] = np.asarray(by) - offset[1]
    starts = np.searchsorted(places.unit, np.arange(spec.n_units + 1))
    unit = np.empty(spec.n_units, dtype=object)
    for u in range(spec.n_units):
        unit[u] = shapely.coverage_union_all(village[starts[u] : starts[u + 1]])
    return Geoms(
        village=village, unit=unit, point=np.asarray(point, dtype=object), px=mx, py=my,
        to_geo=to_geo, offset=offset,
    )
