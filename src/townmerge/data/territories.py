"""Approximate village territories from village points (Voronoi cells clipped to townships).

Where the boundaries of villages (村/社区) are not available but their points
are, each village is given the part of its township nearer to its point than
to any other village point of the same township: the Voronoi cells of a
township's village points, computed with the township as extent and clipped
to it. The cells of a township cover it exactly and do not overlap, and each
contains its point; a township with one village gives it the whole township.
The result is only an approximation of the real boundaries, so every row is
flagged ``approximate`` and the flag travels with the units (GeoJSON output,
the validation report's ``approximate-territories`` warning).

In a geographic CRS (degrees) the cells are drawn after shrinking longitudes
by the cosine of the mean latitude, so that "nearer" means nearer on the
ground; the clipping itself is done in the input coordinates, so the cover is
exact whatever the CRS.

A cell of a concave township may be cut in several pieces by the township's
outline; the pieces that do not hold the village's point go to the
neighbouring cell they share the longest border with, so villages stay in one
piece where they can. Finally all cells are rebuilt from their noded
boundaries, so that villages on either side of a township border share their
vertices and are found to be neighbours.

A township without any village point is an error (not a warning): its land
would belong to no village, and the village level would no longer cover the
study area.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import Point, box
>>> towns = gpd.GeoDataFrame({"name": ["甲镇"]}, geometry=[box(0, 0, 4, 2)],
...                          index=pd.Index(["T1"], name="unit_id"), crs="EPSG:32648")
>>> pts = gpd.GeoDataFrame({"name": ["东村", "西村"], "parent": ["T1", "T1"]},
...                        geometry=[Point(3, 1), Point(1, 1)],
...                        index=pd.Index(["v1", "v2"], name="village_id"), crs="EPSG:32648")
>>> cells = village_territories(towns, pts)
>>> cells.area.round(6).tolist(), cells["approximate"].all()
([4.0, 4.0], np.True_)
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ..errors import InputError, format_ids
from .columns import ColumnMap
from .crs import metric_frame, require_crs

__all__ = ["APPROXIMATE", "approximate_villages", "village_territories"]

#: Name of the column flagging rows whose geometry is approximated from points.
APPROXIMATE = "approximate"

_POLYGONAL = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)


def _label(uid: object, name: object) -> str:
    if name is None or (isinstance(name, float) and math.isnan(name)) or str(name) == "":
        return str(uid)
    return f"{uid} ({name})"


def _names(frame: pd.DataFrame) -> pd.Series:
    if "name" in frame.columns:
        return frame["name"]
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """The polygons of an intersection result (dropping lines and points it may hold)."""
    if shapely.get_type_id(geom) in (3, 6):
        return geom
    parts = shapely.get_parts(geom)
    polys = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
    return shapely.union_all(polys) if len(polys) else shapely.Polygon()


def _cells(township: shapely.Geometry, points: np.ndarray, x_scale: float) -> np.ndarray:
    """Voronoi cells of ``points`` clipped to ``township``, in the order of the points."""
    if len(points) == 1:
        return np.array([township], dtype=object)
    factor = np.array([x_scale, 1.0])
    sites = shapely.transform(shapely.multipoints(points), lambda c: c * factor)
    extent = shapely.transform(township, lambda c: c * factor)
    diagram = shapely.voronoi_polygons(sites, extend_to=extent, ordered=True)
    cells = shapely.transform(shapely.get_parts(diagram), lambda c: c / factor)
    clipped = shapely.intersection(cells, township)
    site_points = np.asarray(shapely.points(points), dtype=object)
    if not _covers_once(clipped, township, site_points):
        # GEOS's diagram can be wrong for nearly co-circular sites (a cell turned inside
        # out): build each cell from the half-planes of its bisectors instead
        clipped = _bisector_cells(township, points, factor)
    odd = ~np.isin(shapely.get_type_id(clipped), (3, 6))
    for i in np.flatnonzero(odd):
        clipped[i] = _polygonal(clipped[i])
    return _attach_strays(np.asarray(clipped, dtype=object), site_points)


def _covers_once(cells: np.ndarray, township: shapely.Geometry, sites: np.ndarray) -> bool:
    """Whether each cell holds its site and the cells' areas add up to the township's."""
    total = float(shapely.area(township))
    return bool(shapely.covers(cells, sites).all()) and math.isclose(
        float(shapely.area(cells).sum()), total, rel_tol=1e-9, abs_tol=1e-12)


def _bisector_cells(township: shapely.Geometry, points: np.ndarray,
                    factor: np.ndarray) -> np.ndarray:
    """Voronoi cells as the township cut by the half-planes nearer each site than another.

    Slower than GEOS's sweep (each cell intersects ``n`` shapes) but it cannot turn a cell
    inside out; used only where the sweep's result fails :func:`_covers_once`.

    Examples
    --------
    >>> cells = _bisector_cells(shapely.box(0, 0, 2, 1), np.array([[0.5, 0.5], [1.5, 0.5]]),
    ...                         np.array([1.0, 1.0]))
    >>> [round(float(a), 9) for a in shapely.area(cells)]
    [1.0, 1.0]
    """
    xy = points * factor
    extent = shapely.transform(township, lambda c: c * factor)
    minx, miny, maxx, maxy = shapely.bounds(extent)
    reach = 4.0 * (math.hypot(maxx - minx, maxy - miny)
                   + float(np.abs(xy - [minx, miny]).max()) + 1.0)
    cells = np.empty(len(xy), dtype=object)
    for i, p in enumerate(xy):
        others = np.delete(xy, i, axis=0)
        away = others - p
        away = away / np.hypot(away[:, 0], away[:, 1])[:, None]
        side = np.c_[-away[:, 1], away[:, 0]]
        mid = (others + p) / 2.0
        ring = np.stack([mid + reach * side, mid + reach * side - 2 * reach * away,
                         mid - reach * side - 2 * reach * away, mid - reach * side], axis=1)
        halves = shapely.polygons(ring)
        cell = shapely.intersection_all(np.r_[np.array([extent], dtype=object), halves])
        cells[i] = _polygonal(shapely.transform(cell, lambda c: c / factor))
    out: np.ndarray = shapely.intersection(cells, township)
    return out


def _attach_strays(cells: np.ndarray, sites: np.ndarray) -> np.ndarray:
    """Give each piece of a cell cut off from its point to the cell it borders most.

    A Voronoi cell clipped to a concave township may fall apart; its pieces
    that do not hold the point go to the neighbouring cell of the same
    township sharing the longest border with them (pieces bordering only such
    pieces wait for them), so territories stay in one piece where they can.
    The cover is unchanged: pieces only change hands.
    """
    parts, owner = shapely.get_parts(cells, return_index=True)
    stray = ~shapely.covers(parts, sites[owner])
    if not stray.any():
        return cells
    first = owner
    owner = owner.copy()
    tree = shapely.STRtree(parts)
    while stray.any():
        s_idx, n_idx = tree.query(parts[stray], predicate="intersects")
        s_idx = np.flatnonzero(stray)[s_idx]
        keep = ~stray[n_idx] & (owner[n_idx] != owner[s_idx])
        s_idx, n_idx = s_idx[keep], n_idx[keep]
        border = shapely.length(shapely.intersection(parts[s_idx], parts[n_idx]))
        keep = border > 0
        if not keep.any():
            break  # pieces touching no other cell (or at a point only) stay where they are
        best = pd.DataFrame({"s": s_idx[keep], "n": n_idx[keep], "b": border[keep]}) \
            .sort_values(["s", "b", "n"], ascending=[True, False, True]).drop_duplicates("s")
        owner[best["s"].to_numpy()] = owner[best["n"].to_numpy()]
        stray[best["s"].to_numpy()] = False
    out = cells.copy()
    moved = owner != first
    for cell in np.unique(np.r_[first[moved], owner[moved]]):
        mine = parts[owner == cell]
        out[cell] = mine[0] if len(mine) == 1 else _polygonal(shapely.union_all(mine))
    return out


def _noded(cells: np.ndarray) -> np.ndarray:
    """The cells rebuilt from their noded boundaries, so that neighbours share every vertex.

    A cell's corner on its township's border is not a vertex of the township
    across the border; rebuilt from the noded linework of all cells, the two
    share it, so they touch along a common edge (they are neighbours) instead
    of overlapping or missing each other by a rounding error. Each face of the
    linework goes to the cell its inner point lies in (the first, for the
    rounding slivers two cells share); faces in no cell (gaps between
    townships) are left out.
    """
    linework = shapely.union_all(shapely.boundary(cells))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(linework)))
    if len(faces) == 0:
        return cells
    inner = shapely.point_on_surface(faces)
    face_idx, cell_idx = shapely.STRtree(cells).query(inner, predicate="within")
    first = pd.DataFrame({"f": face_idx, "c": cell_idx}).drop_duplicates("f")
    out = cells.copy()
    first = first.sort_values(["c", "f"])
    owners, starts = np.unique(first["c"].to_numpy(), return_index=True)
    for cell, mine in zip(owners, np.split(faces[first["f"].to_numpy()], starts[1:]),
                          strict=True):
        out[cell] = mine[0] if len(mine) == 1 else _polygonal(shapely.coverage_union_all(mine))
    return out


def village_territories(
    townships: gpd.GeoDataFrame, villages: gpd.GeoDataFrame, *, parent: str = "parent",
) -> gpd.GeoDataFrame:
    """Approximate village territories: Voronoi cells of village points clipped to their township.

    Parameters
    ----------
    townships : GeoDataFrame
        Township polygons indexed by township id, with an optional ``name``
        column.
    villages : GeoDataFrame
        Village points indexed by village id, with the id of their township
        in column ``parent`` and an optional ``name`` column; reprojected to
        the townships' CRS if it differs.
    parent : str, default "parent"
        The column of ``villages`` naming each village's township.

    Returns
    -------
    GeoDataFrame
        The rows and columns of ``villages`` with their territory as geometry
        (in the townships' CRS) and a column ``approximate`` (all ``True``).
        The territories of a township cover it exactly (up to floating-point
        rounding) and do not overlap; each contains its village's point. A
        township with a single village gives it the whole township.

    Raises
    ------
    InputError
        Listing, all at once, villages whose geometry is not a point, whose
        township is missing or unknown, whose point lies outside their
        township, or that share their point with another village of the same
        township, and townships without any village point (their territory
        would be left to no village: add their villages' points, or give
        village polygons instead).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point, box
    >>> towns = gpd.GeoDataFrame({"name": ["甲镇"]}, geometry=[box(0, 0, 2, 2)],
    ...                          index=pd.Index(["T1"]), crs="EPSG:32648")
    >>> pts = gpd.GeoDataFrame({"name": ["东村"], "parent": ["T9"]}, geometry=[Point(5, 5)],
    ...                        index=pd.Index(["v1"]), crs="EPSG:32648")
    >>> village_territories(towns, pts)
    Traceback (most recent call last):
    ...
    townmerge.errors.InputError: Cannot approximate village territories from points; ...
      - 1 village(s) name a township that is not in the townships layer: v1 (东村) → T9...
    """
    if parent not in villages.columns:
        raise InputError(f"The village points have no column {parent!r} naming their township; "
                         f"their columns are {list(map(str, villages.columns))}.")
    if townships.crs is None or villages.crs is None:
        raise InputError("The townships and the village points must both have a CRS to "
                         "approximate village territories; set it with .set_crs(...).")
    pts = villages if CRS.from_user_input(villages.crs) == CRS.from_user_input(townships.crs) \
        else villages.to_crs(townships.crs)
    vids = pts.index.astype(str)
    vlabel = [_label(i, n) for i, n in zip(vids, _names(pts), strict=True)]
    tids = townships.index.astype(str)
    tlabel = dict(zip(tids, (_label(i, n) for i, n in zip(tids, _names(townships),
                                                          strict=True)), strict=True))
    tgeom = dict(zip(tids, townships.geometry.array, strict=True))
    owner = pts[parent].astype(object).where(pts[parent].notna(), None)
    owner = np.array([None if o is None or str(o) == "" else str(o) for o in owner], dtype=object)
    geoms = np.asarray(pts.geometry.array, dtype=object)
    problems: list[str] = []

    is_point = (shapely.get_type_id(geoms) == 0) & ~shapely.is_empty(geoms)
    if (~is_point).any():
        bad = [vlabel[i] for i in np.flatnonzero(~is_point)]
        problems.append(f"{len(bad)} village(s) are not given as a single point: "
                        f"{format_ids(bad)}; give each village one point (its committee seat).")
    no_parent = np.array([o is None for o in owner])
    if no_parent.any():
        bad = [vlabel[i] for i in np.flatnonzero(no_parent)]
        problems.append(f"{len(bad)} village(s) name no township in column {parent!r}: "
                        f"{format_ids(bad)}; fill it with their township's id.")
    unknown = np.array([o is not None and o not in tgeom for o in owner])
    if unknown.any():
        bad = [f"{vlabel[i]} → {owner[i]}" for i in np.flatnonzero(unknown)]
        problems.append(f"{len(bad)} village(s) name a township that is not in the townships "
                        f"layer: {format_ids(bad)}; correct column {parent!r}.")
    usable = is_point & ~no_parent & ~unknown
    idx = np.flatnonzero(usable)
    home = np.array([tgeom[owner[i]] for i in idx], dtype=object)
    inside = shapely.covers(home, geoms[idx]) if len(idx) else np.zeros(0, dtype=bool)
    if (~inside).any():
        bad = [f"{vlabel[i]} (township {tlabel[owner[i]]})" for i in idx[~inside]]
        problems.append(f"{len(bad)} village point(s) lie outside their township: "
                        f"{format_ids(bad)}; move the point into the township or correct "
                        f"column {parent!r}.")
    idx = idx[inside]
    coords = shapely.get_coordinates(geoms[idx]) if len(idx) else np.zeros((0, 2))
    key = pd.DataFrame({"t": owner[idx], "x": coords[:, 0], "y": coords[:, 1]})
    dup = key.duplicated(keep=False).to_numpy()
    if dup.any():
        bad = [vlabel[i] for i in idx[dup]]
        problems.append(f"{len(bad)} village(s) share their point with another village of the "
                        f"same township: {format_ids(bad)}; give each village its own point.")
    empty = [t for t in tids if t not in set(owner[usable])]
    if empty:
        problems.append(f"{len(empty)} township(s) have no village point: "
                        f"{format_ids([tlabel[t] for t in empty])}; add the points of their "
                        "villages (or give village polygons instead of points).")
    if problems:
        raise InputError("Cannot approximate village territories from points; fix the village "
                         "points and try again:", problems)

    crs = CRS.from_user_input(townships.crs)
    lat = float(np.mean(coords[:, 1])) if crs.is_geographic else 0.0
    x_scale = max(math.cos(math.radians(lat)), 1e-3)
    out = np.empty(len(pts), dtype=object)
    for town, rows in key.groupby("t", sort=True).groups.items():
        members = idx[np.asarray(rows)]
        out[members] = _cells(tgeom[str(town)], coords[np.asarray(rows)], x_scale)
    result = gpd.GeoDataFrame(pts.drop(columns=pts.geometry.name), geometry=_noded(out),
                              crs=townships.crs)
    result[APPROXIMATE] = True
    return result


def approximate_villages(towns: gpd.GeoDataFrame, points: gpd.GeoDataFrame | None,
                         cm: ColumnMap, *, from_settlements: bool,
                         crs: object = None) -> gpd.GeoDataFrame:
    """The villages layer as read, with territories approximated from its points.

    Used by :func:`townmerge.read_study_area` (``level="villages"``) when the
    villages layer is missing (then every settlement is a village) or holds
    points. The cells are drawn in the metric CRS the townships are measured
    in and brought back to the townships' CRS, so that they cover the
    townships exactly where areas, borders and neighbours are measured.

    Parameters
    ----------
    towns : GeoDataFrame
        The units (townships) layer as read.
    points : GeoDataFrame or None
        The villages layer of points, or the settlements layer.
    cm : ColumnMap
        Column roles (ids, names, township column).
    from_settlements : bool
        Whether ``points`` is the settlements layer.
    crs : object, optional
        The projected CRS to measure in, as for :func:`townmerge.read_study_area`.

    Returns
    -------
    GeoDataFrame
        Village id column (``village_id`` unless mapped), the points'
        columns, polygons in the townships' CRS and ``approximate`` (True).

    Raises
    ------
    InputError
        When there are no points, ids are missing, or :func:`village_territories`
        refuses the points.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point, box
    >>> towns = gpd.GeoDataFrame({"unit_id": ["T1"], "name": ["甲镇"]},
    ...                          geometry=[box(0, 0, 2000, 1000)], crs="EPSG:32648")
    >>> pts = gpd.GeoDataFrame({"settlement_id": ["a", "b"], "unit": ["T1", "T1"]},
    ...                        geometry=[Point(500, 500), Point(1500, 500)], crs="EPSG:32648")
    >>> v = approximate_villages(towns, pts, ColumnMap(), from_settlements=True)
    >>> v[["village_id", "unit", "approximate"]].values.tolist(), v.area.round(3).tolist()
    ([['a', 'T1', True], ['b', 'T1', True]], [1000000.0, 1000000.0])
    """
    if points is None:
        raise InputError("There is no villages layer and no settlement points to approximate "
                         "village territories from: give a villages layer (polygons or "
                         "points) or a settlements layer.")
    town_id = cm.unit_id or next((c for c in ("unit_id", "id", "code") if c in towns.columns),
                                 None)
    if town_id is None or town_id not in towns.columns:
        raise InputError(f"The units (townships) layer has no id column; its columns are "
                         f"{[str(c) for c in towns.columns if c != 'geometry']}.")
    town_name = cm.unit_name or "name"
    townships = gpd.GeoDataFrame(
        {"name": towns[town_name].to_numpy() if town_name in towns.columns else None},
        geometry=towns.geometry.to_numpy(), crs=towns.crs,
        index=pd.Index(towns[town_id].astype(str).to_numpy()))
    if from_settlements:
        pid = cm.settlement_id or next(
            (c for c in ("settlement_id", "id", "code") if c in points.columns), None)
        roles = {"name": cm.settlement_name or "name", "unit": cm.settlement_unit or "unit",
                 "population": cm.settlement_population or "population"}
        out_id = cm.unit_id or "village_id"
    else:
        pid = next((c for c in (cm.unit_id, "village_id", "unit_id", "id", "code")
                    if c and c in points.columns), None)
        roles = {}
        out_id = pid or "village_id"
    if pid is None:
        raise InputError(f"The village points have no id column; their columns are "
                         f"{[str(c) for c in points.columns if c != 'geometry']}.")
    frame = points.rename(columns={v: k for k, v in roles.items() if v in points.columns})
    if from_settlements:
        frame = frame[[c for c in (pid, "name", "unit", "population", "geometry")
                       if c in frame.columns]]
    parent = next((c for c in (cm.parent, "parent") if c and c in frame.columns), "unit")
    if parent not in frame.columns:  # no township column: the township the point lies in
        found = gpd.sjoin(frame[["geometry"]].to_crs(townships.crs), townships[["geometry"]],
                          how="left", predicate="covered_by")
        frame = frame.assign(unit=found.groupby(level=0)["index_right"].first())
        parent = "unit"
    frame = frame.set_index(frame[pid].astype(str).to_numpy()).drop(columns=[pid])
    input_crs = require_crs(towns.crs, "units")
    metric = metric_frame(input_crs, townships.geometry.array, requested=crs).crs
    cells = village_territories(townships.to_crs(metric), frame, parent=parent)
    return cells.to_crs(input_crs).rename_axis(out_id).reset_index()
