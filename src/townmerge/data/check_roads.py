"""Checks of the roads layer: its geometry, its speeds and the network it makes.

Errors: features that are not lines, speeds that are not believable
(:func:`road_speed_problems`, also made by :func:`townmerge.graph.travel.road_graph`).
Warnings: empty features, road ends just short of another road, parts of the network that
do not connect, settlements far from every road (:func:`road_network_problems`, with the
noding of :mod:`townmerge.data.roads`). Roads are named by their id or name, else by where
they are.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import LineString
>>> roads = gpd.GeoDataFrame({"road_id": ["R1"], "speed_kmh": [900]},
...                          geometry=[LineString([(0, 0), (1, 1)])], crs="EPSG:4326")
>>> [p.code for p in road_speed_problems(roads)]
['bad-speed']
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from ..config import TravelParams
from ..errors import format_ids
from .check_crs import CheckFrame, project_geometries
from .features import (
    LINEAR,
    POINT,
    FeatureRows,
    as_ident,
    as_text,
    geometry_array,
    has_geometry,
    missing_geometry,
    number_status,
    type_names,
    value_repr,
)
from .problems import Problem, are, distance_text, plural
from .roads import node_roads, road_checks

__all__ = ["MAX_SPEED_KMH", "road_network_problems", "road_problems", "road_speed_problems"]

#: Largest believable road speed, km/h (expressways are limited to 120 km/h).
MAX_SPEED_KMH = 200.0


def road_problems(roads: gpd.GeoDataFrame) -> list[Problem]:
    """An error for road features that are not lines, a warning for empty ones.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import LineString, Point
    >>> roads = gpd.GeoDataFrame({"road_id": ["R1", "R2"]},
    ...                          geometry=[LineString([(0, 0), (1, 0)]), Point(0, 0)])
    >>> road_problems(roads)[0].ids
    ('R2',)
    """
    out: list[Problem] = []
    geoms = geometry_array(roads)
    rows = _road_rows(roads, geoms)
    empty = missing_geometry(geoms)
    types = type_names(geoms)
    wrong = ~empty & ~np.isin(types, LINEAR)
    if wrong.any():
        pos = np.flatnonzero(wrong)
        labels = [f"{rows.labels[i]} is a {types[i]}" for i in pos]
        _, ids = rows.pick(pos)
        out.append(Problem(
            "error", "not-line", "roads",
            f"{plural(len(pos), 'road')} {are(len(pos))} not lines: {format_ids(labels)}. "
            "Roads are given as LineString or MultiLineString geometries: convert or drop the "
            "others.",
            ids))
    if empty.any():
        labels, ids = rows.pick(np.flatnonzero(empty))
        out.append(Problem(
            "warning", "empty-geometry", "roads",
            f"{plural(len(labels), 'road')} {'has' if len(labels) == 1 else 'have'} an empty "
            f"or missing geometry: {format_ids(labels)}. They carry no road and are ignored; "
            "drop them from the layer.",
            ids))
    return out


def road_speed_problems(roads: pd.DataFrame) -> list[Problem]:
    """An error for every road whose ``speed_kmh`` is not a speed in (0, :data:`MAX_SPEED_KMH`].

    A blank speed takes the road class speed. Roads are named by their id or
    name column, else by a point on them in the layer's own CRS. The one check
    of road speeds, made by :func:`~townmerge.data.validation.check_layers` and by
    :func:`townmerge.graph.travel.road_graph`.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import LineString
    >>> roads = gpd.GeoDataFrame({"road_id": ["R1", "R2"], "name": ["G318", None],
    ...     "speed_kmh": [0, None]}, geometry=[LineString([(0, 0), (1, 1)])] * 2,
    ...     crs="EPSG:4326")
    >>> p = road_speed_problems(roads)[0]
    >>> p.code, p.ids, "R1 (G318) = 0" in p.message
    ('bad-speed', ('R1',), True)
    """
    if "speed_kmh" not in roads.columns:
        return []
    values = list(roads["speed_kmh"])
    bad = [k for k, v in enumerate(values) if _bad_speed(v)]
    if not bad:
        return []
    if has_geometry(roads):
        rows = _road_rows(roads, geometry_array(roads))
    else:
        rows = _road_rows(roads, np.full(len(roads), None, dtype=object))
    _, ids = rows.pick(bad)
    n = len(bad)
    shown = [f"{rows.labels[k]} = {value_repr(values[k])}" for k in bad]
    return [Problem(
        "error", "bad-speed", "roads",
        f"{plural(n, 'road')} {'has' if n == 1 else 'have'} a speed_kmh that is not a speed "
        f"above 0 and up to {MAX_SPEED_KMH:,.0f} km/h: {format_ids(shown)}. Give the road's "
        "speed in km/h as a plain number, or leave it empty to use its road class speed.",
        ids, figures={"count": n})]


def _bad_speed(v: object) -> bool:
    status = number_status(v, MAX_SPEED_KMH)
    if status == "missing":
        return False
    return status != "ok" or float(v) <= 0  # type: ignore[arg-type]


def _road_rows(roads: gpd.GeoDataFrame, geoms: np.ndarray) -> FeatureRows:
    """Roads are named by an id or name column, else by where they are (never by position)."""
    id_col = next((c for c in ("road_id", "id", "osm_id", "code") if c in roads.columns), None)
    if id_col is not None:
        ids = tuple(as_ident(v) for v in roads[id_col])
    elif isinstance(roads.index, pd.RangeIndex):
        ids = (None,) * len(roads)
    else:
        ids = tuple(as_ident(v) for v in roads.index)
    names = (tuple(as_text(v) for v in roads["name"]) if "name" in roads.columns
             else (None,) * len(roads))
    points = shapely.point_on_surface(geoms)
    labels = []
    for i, (ident, name) in enumerate(zip(ids, names, strict=True)):
        if ident is not None or name is not None:
            labels.append(FeatureRows.label("road", ident, name))
        elif shapely.is_missing(points[i]) or shapely.is_empty(points[i]):
            labels.append("a road without id, name or geometry")
        else:
            labels.append(f"a road at ({points[i].x:.6g}, {points[i].y:.6g})")
    return FeatureRows("road", ids, names, tuple(labels))


def road_network_problems(
    roads: gpd.GeoDataFrame, lines: np.ndarray, frame: CheckFrame, points: np.ndarray | None,
    srows: FeatureRows | None, travel: TravelParams,
) -> list[Problem]:
    """Warnings: road ends just short of a road, network parts apart, settlements off-road."""
    usable = np.isin(type_names(lines), LINEAR) & ~missing_geometry(lines)
    if not usable.any():
        return []
    geoms = np.array(lines, dtype=object)
    geoms[~usable] = None
    noded = node_roads(geoms, snap_m=travel.snap_m, join_crossings=travel.join_crossings)
    checks = road_checks(noded, geoms, dangle_m=travel.dangle_m)
    rows = _road_rows(roads, geometry_array(roads))
    back = None
    if frame.metric is not None and frame.source is not None and frame.metric != frame.source:
        back = frame.metric, frame.source
    geographic = frame.source is not None and frame.source.is_geographic

    def located_at(xy: np.ndarray) -> list[str]:
        """Coordinates in the input CRS, and the nearest settlement."""
        pts: np.ndarray = np.asarray(shapely.points(xy), dtype=object)
        if back is not None:
            pts = project_geometries(pts, back[0], back[1])
        coords = shapely.get_coordinates(pts)
        fmt = "{:.5f}, {:.5f}" if geographic else "{:.1f}, {:.1f}"
        out = [f"({fmt.format(x, y)})" for x, y in coords]
        if srows is not None and points is not None:
            ok = np.flatnonzero((type_names(points) == POINT) & ~missing_geometry(points))
            if len(ok):
                d, k = cKDTree(shapely.get_coordinates(points[ok])).query(xy)
                out = [f"{o} near {srows.labels[ok[j]]} ({distance_text(dd)})"
                       for o, j, dd in zip(out, k, d, strict=True)]
        return out

    out: list[Problem] = []
    if checks.dangles.size:
        owner = np.full(noded.n_nodes, -1, dtype=np.int64)
        owner[noded.end_node.ravel()] = np.repeat(noded.part_row, 2)
        own = owner[checks.dangles]
        labels = [f"{rows.labels[r]} ends {g:.1f} m from another road at {w}"
                  for r, g, w in zip(own, checks.dangle_gap_m, located_at(noded.xy[checks.dangles]),
                                     strict=True)]
        _, ids = rows.pick(own)
        n = len(labels)
        out.append(Problem(
            "warning", "road-dangle", "roads",
            f"{plural(n, 'road end')} {'stops' if n == 1 else 'stop'} short of another road "
            f"(closer than {travel.dangle_m:g} m, farther than snap_m = {travel.snap_m:g} m), "
            f"so {'it does' if n == 1 else 'they do'} not join it: {format_ids(labels)}. "
            "Travel times cannot use such a junction. Snap the ends to the road (QGIS: Snap "
            "geometries to layer), or raise [travel] snap_m if these gaps are all junctions.",
            ids, figures={"count": n, "max_gap_m": float(checks.dangle_gap_m.max())}))
    if checks.minor.size:
        comp = checks.components
        _, first_of = np.unique(comp, return_index=True)
        first = first_of[checks.minor]
        pieces = np.bincount(comp[noded.u], minlength=first_of.size)[checks.minor]
        labels = [f"{k} road piece(s) at {w}"
                  for k, w in zip(pieces.tolist(), located_at(noded.xy[first]), strict=True)]
        n = len(labels)
        out.append(Problem(
            "warning", "road-disconnected", "roads",
            f"The road network falls into {n + 1} parts that do not connect; besides the "
            f"largest: {format_ids(labels)}. Trips between settlements on different parts "
            "use the straight-line fallback. Join the parts where roads really meet (a "
            "missing link, an end short of a junction), or set [travel] join_crossings = true "
            "if the layer has no vertices where roads cross.",
            figures={"parts": n + 1}))
    if points is not None and srows is not None and noded.n_nodes:
        ok = np.flatnonzero((type_names(points) == POINT) & ~missing_geometry(points))
        if len(ok):
            d, _ = cKDTree(noded.xy).query(shapely.get_coordinates(points[ok]))
            far = ok[d > travel.max_access_m]
            if far.size:
                dist = d[d > travel.max_access_m]
                pts = np.asarray(shapely.get_coordinates(points[far]))
                coords = located_at(pts)
                labels = [f"{srows.labels[i]} at {c.split(' near ')[0]}: {distance_text(x)}"
                          for i, c, x in zip(far, coords, dist, strict=True)]
                _, ids = srows.pick(far)
                out.append(Problem(
                    "warning", "far-from-road", "settlements",
                    f"{plural(far.size, 'settlement')} {are(far.size)} farther than "
                    f"{distance_text(travel.max_access_m)} (max_access_m) from every road node: "
                    f"{format_ids(labels)}. Their travel times are straight-line estimates. "
                    "Add the roads that serve them, or check their coordinates.",
                    ids, figures={"count": int(far.size)}))
    return out
