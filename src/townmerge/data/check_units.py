"""Checks of the units' geometry: each unit's polygon, and how the units fit together.

Empty, non-polygonal and invalid polygons (errors), multi-part units (a warning); then,
on the units' usable polygons (:class:`UnitTopology`), overlaps (errors) and the gaps,
slivers, tiny overlaps and islands between them (warnings), with the tolerances of
:class:`Tolerances`. Areas are in square metres (the units in their metric frame).

Examples
--------
>>> import numpy as np
>>> import pandas as pd
>>> from shapely import box
>>> topo = UnitTopology.build(np.array([box(0, 0, 10, 10), box(30, 0, 40, 10)], dtype=object))
>>> rows = FeatureRows.of(pd.DataFrame({"name": ["甲镇", "乙镇"]}, index=["A", "B"]), "unit")
>>> [p.code for p in topology_problems(topo, rows, Tolerances(1.0, 1.0, 1.0))]
['island']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from ..errors import format_ids
from .features import (
    POLYGONAL,
    FeatureRows,
    geometry_array,
    missing_geometry,
    type_names,
)
from .problems import Problem, and_list, are, plural

__all__ = ["Tolerances", "UnitTopology", "topology_problems", "unit_geometry_problems"]

#: Distance (m) within which a ring of the union of the units is taken to run
#: along a unit's border.
_RING_TOLERANCE_M = 1e-3


@dataclass(frozen=True)
class Tolerances:
    """Below which sizes gaps, overlaps and slivers between units are ignored or warned of.

    See the parameters of the same names of :func:`townmerge.data.validation.check_layers`.

    Examples
    --------
    >>> Tolerances(sliver_width_m=1.0, gap_area_m2=1.0, overlap_area_m2=1.0).gap_area_m2
    1.0
    """

    sliver_width_m: float
    gap_area_m2: float
    overlap_area_m2: float


@dataclass(frozen=True)
class UnitTopology:
    """The units' usable polygons in metres and their spatial index.

    Examples
    --------
    >>> import numpy as np
    >>> from shapely import Point, box
    >>> UnitTopology.build(np.array([box(0, 0, 1, 1), Point(3, 3)], dtype=object)).usable
    array([0])
    """

    geoms: np.ndarray  # None where the unit has no usable polygon
    tree: shapely.STRtree

    @classmethod
    def build(cls, metric: np.ndarray) -> UnitTopology:
        """From the unit geometries in metres: invalid ones repaired, non-polygons dropped."""
        geoms = np.array(metric, dtype=object)
        types = type_names(geoms)
        usable = np.isin(types, POLYGONAL) & ~missing_geometry(geoms)
        geoms[~usable] = None
        idx = np.flatnonzero(usable)
        bad = idx[~shapely.is_valid(geoms[idx])]
        if len(bad):
            geoms[bad] = shapely.make_valid(geoms[bad], method="structure", keep_collapsed=False)
            geoms = _polygonal_only(geoms)
        return cls(geoms, shapely.STRtree(geoms))

    @property
    def usable(self) -> np.ndarray:
        """Positions of the units with a usable polygon."""
        return np.flatnonzero(~shapely.is_missing(self.geoms))


def unit_geometry_problems(units: gpd.GeoDataFrame, rows: FeatureRows) -> list[Problem]:
    """Errors for empty, non-polygonal and invalid unit geometries; warnings for multi-parts.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point, box
    >>> units = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1), Point(5, 5)], index=["A", "B"])
    >>> [p.code for p in unit_geometry_problems(units, FeatureRows.of(units, "unit"))]
    ['not-polygon']
    """
    out: list[Problem] = []
    geoms = geometry_array(units)
    empty = missing_geometry(geoms)
    types = type_names(geoms)
    if empty.any():
        labels, ids = rows.pick(np.flatnonzero(empty))
        out.append(Problem(
            "error", "empty-geometry", "units",
            f"{plural(len(labels), 'unit')} {'has' if len(labels) == 1 else 'have'} an empty "
            f"or missing geometry: {format_ids(labels)}. Every unit needs its polygon: add the "
            "missing boundaries, or drop the features that are not units.",
            ids))
    polygonal = np.isin(types, POLYGONAL)
    wrong = ~empty & ~polygonal
    if wrong.any():
        pos = np.flatnonzero(wrong)
        labels = [f"{rows.labels[i]} is a {types[i]}" for i in pos]
        _, ids = rows.pick(pos)
        out.append(Problem(
            "error", "not-polygon", "units",
            f"{plural(len(pos), 'unit')} {are(len(pos))} not "
            f"{'a polygon or multipolygon' if len(pos) == 1 else 'polygons or multipolygons'}: "
            f"{format_ids(labels)}. Units are areas: give their boundaries as Polygon or "
            "MultiPolygon geometries (points belong in the settlements layer).",
            ids))
    check = ~empty & polygonal
    invalid = np.zeros(len(geoms), dtype=bool)
    invalid[check] = ~shapely.is_valid(geoms[check])
    if invalid.any():
        pos = np.flatnonzero(invalid)
        reasons = shapely.is_valid_reason(geoms[pos])
        labels = [f"{rows.labels[i]}: {r}" for i, r in zip(pos, reasons, strict=True)]
        _, ids = rows.pick(pos)
        out.append(Problem(
            "error", "invalid-geometry", "units",
            f"{plural(len(pos), 'unit')} {'has' if len(pos) == 1 else 'have'} an invalid "
            f"geometry: {format_ids(labels)}. Repair them (QGIS: Fix geometries; PostGIS: "
            "ST_MakeValid; shapely.make_valid) and check the result.",
            ids))
    multi = np.zeros(len(geoms), dtype=bool)
    multi[check] = shapely.get_num_geometries(geoms[check]) > 1
    if multi.any():
        pos = np.flatnonzero(multi)
        nparts = shapely.get_num_geometries(geoms[pos])
        labels = [f"{rows.labels[i]}: {n} parts" for i, n in zip(pos, nparts, strict=True)]
        _, ids = rows.pick(pos)
        out.append(Problem(
            "warning", "multipart", "units",
            f"{plural(len(pos), 'unit')} {'is' if len(pos) == 1 else 'are'} made of several "
            f"separate parts: {format_ids(labels)}. This is allowed (islands, exclaves), but "
            "check that no part belongs to a neighbouring unit; if one does, move it there.",
            ids, figures={"count": len(pos)}))
    return out


def topology_problems(topo: UnitTopology, rows: FeatureRows, tol: Tolerances) -> list[Problem]:
    """Overlaps (errors); gaps, slivers, tiny overlaps and islands (warnings).

    The units are those of ``topo``, the tolerances those of ``tol``.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from shapely import box
    >>> topo = UnitTopology.build(np.array([box(0, 0, 10, 10), box(5, 0, 15, 10)], dtype=object))
    >>> rows = FeatureRows.of(pd.DataFrame(index=["A", "B"]), "unit")
    >>> [p.code for p in topology_problems(topo, rows, Tolerances(1.0, 1.0, 1.0))]
    ['overlap']
    """
    out: list[Problem] = []
    geoms = topo.geoms
    n_usable = len(topo.usable)
    if n_usable == 0:
        return out
    slivers: list[tuple[str, float | None, tuple[int, ...]]] = []

    # Overlaps: pairs whose interiors meet in an area (not just along borders).
    left, right = _pairs(topo.tree, geoms, predicate="intersects")
    inner = shapely.relate_pattern(geoms[left], geoms[right], "2********")
    ol, orr = left[inner], right[inner]
    overlap_pairs: list[tuple[int, int, float]] = []
    if len(ol):
        inter = shapely.intersection(geoms[ol], geoms[orr])
        area = shapely.area(inter)
        width = _mean_width(area, _polygon_perimeter(inter))
        big = area >= tol.overlap_area_m2
        thin = width < tol.sliver_width_m
        tiny = np.flatnonzero(~big & (area > 0))
        if len(tiny):
            out.append(_tiny_overlap_problem(rows, ol[tiny], orr[tiny], area[tiny], tol))
        for k in np.flatnonzero(big & ~thin):
            overlap_pairs.append((int(ol[k]), int(orr[k]), float(area[k])))
        for k in np.flatnonzero(big & thin):
            a, b = int(ol[k]), int(orr[k])
            slivers.append((f"{rows.labels[a]} / {rows.labels[b]} overlap by {_area(area[k])}",
                            float(area[k]), (a, b)))
    if overlap_pairs:
        overlap_pairs.sort(key=lambda t: -t[2])
        labels = [f"{rows.labels[a]} / {rows.labels[b]}: {_area(x)}"
                  for a, b, x in overlap_pairs]
        total = sum(x for _, _, x in overlap_pairs)
        _, ids = rows.pick(i for a, b, _ in overlap_pairs for i in (a, b))
        n = len(overlap_pairs)
        out.append(Problem(
            "error", "overlap", "units",
            f"{plural(n, 'pair')} of units {'overlaps' if n == 1 else 'overlap'} "
            f"({_area(total)} in all): {format_ids(labels)}. Units must not overlap: every "
            "place belongs to exactly one unit. Remove the shared area from one unit of each "
            "pair (QGIS: Vector > Geoprocessing > Difference), or, if the two features are the "
            "same unit, dissolve them into one.",
            ids, figures={"pairs": n, "area_m2": total,
                          "max_area_m2": overlap_pairs[0][2]}))

    # Units within sliver_width_m of each other: neighbours for the island check, and
    # near-coincident borders that do not touch are slivers.
    dl, dr = _pairs(topo.tree, geoms, predicate="dwithin", distance=max(tol.sliver_width_m, 0.0))
    n = len(geoms)
    touching = np.isin(dl * n + dr, left * n + right)
    near = list(zip(dl[~touching].tolist(), dr[~touching].tolist(), strict=True))

    gaps, hole_slivers = _gaps(topo, rows, tol)
    slivers += hole_slivers
    if gaps:
        gaps.sort(key=lambda g: -g[1])
        total = sum(a for _, a, _ in gaps)
        labels = [f"between {and_list(rows.labels[i] for i in around)}: {_area(a)}"
                  for around, a, _ in gaps]
        _, ids = rows.pick(i for around, _, _ in gaps for i in around)
        out.append(Problem(
            "warning", "gap", "units",
            f"{plural(len(gaps), 'gap')} between units ({_area(total)} in all) "
            f"{are(len(gaps))} covered by no unit: {format_ids(labels)}. If a gap is real "
            "(a lake, a reservoir, land outside the study area) nothing needs doing; "
            "otherwise add it to one of the units around it.",
            ids, figures={"count": len(gaps), "area_m2": total,
                          "max_area_m2": gaps[0][1]}))

    grouped = {(a, b) for s in slivers for a in s[2] for b in s[2]}
    for a, b in near:
        if (a, b) not in grouped:
            slivers.append((f"{rows.labels[a]} / {rows.labels[b]} are less than "
                            f"{tol.sliver_width_m:g} m apart but do not touch", None, (a, b)))
    if slivers:
        areas = [a for _, a, _ in slivers if a is not None]
        _, ids = rows.pick(i for s in slivers for i in s[2])
        out.append(Problem(
            "warning", "sliver", "units",
            f"{plural(len(slivers), 'sliver')} (gaps or overlaps thinner than "
            f"{tol.sliver_width_m:g} m on average, or borders that nearly meet) between units: "
            f"{format_ids([s[0] for s in slivers])}. They come from borders digitised or "
            "simplified separately and can hide that two units are neighbours; snap the "
            "borders together (QGIS: Snap geometries to layer; shapely.coverage_simplify on "
            "a clean coverage) so that neighbours share their border exactly.",
            ids, figures={"count": len(slivers), "area_m2": float(sum(areas))}))

    # Islands: usable units with no other unit within sliver_width_m.
    if n_usable > 1:
        has_neighbour = np.zeros(n, dtype=bool)
        has_neighbour[dl] = True
        has_neighbour[dr] = True
        lonely = np.setdiff1d(topo.usable, np.flatnonzero(has_neighbour))
        if len(lonely):
            labels, ids = rows.pick(lonely)
            out.append(Problem(
                "warning", "island", "units",
                f"{plural(len(lonely), 'unit')} {'touches' if len(lonely) == 1 else 'touch'} "
                f"no other unit: {format_ids(labels)}. Such a unit can only be merged with "
                "units it is linked to otherwise (a bridge, a ferry, a road); check that it "
                "is not misplaced or in the wrong CRS.",
                ids, figures={"count": len(lonely)}))
    return out


def _tiny_overlap_problem(rows: FeatureRows, a: np.ndarray, b: np.ndarray, area: np.ndarray,
                          tol: Tolerances) -> Problem:
    """Overlaps below the overlap tolerance: harmless for areas, but badly noded borders."""
    order = np.argsort(-area, kind="stable")
    labels = [f"{rows.labels[a[k]]} / {rows.labels[b[k]]}: {area[k]:.2g} m²" for k in order]
    _, ids = rows.pick(i for k in order for i in (a[k], b[k]))
    n = len(order)
    return Problem(
        "warning", "tiny-overlap", "units",
        f"{plural(n, 'pair')} of units {'overlaps' if n == 1 else 'overlap'} by less than "
        f"{tol.overlap_area_m2:g} m²: {format_ids(labels)}. Too small to change any figure, "
        "but their borders are not noded together: merged units are dissolved with a slower, "
        "robust union. Snap the borders together (QGIS: Snap geometries to layer) so that "
        "neighbours share their border exactly.",
        ids, figures={"pairs": n, "area_m2": float(area.sum())})


def _gaps(
    topo: UnitTopology, rows: FeatureRows, tol: Tolerances
) -> tuple[list[tuple[tuple[int, ...], float, float]],
           list[tuple[str, float | None, tuple[int, ...]]]]:
    """Holes of the union of the units bordered by two units or more.

    Returns the gaps ``(around, area, width)`` and the slivers among them. (The
    general union is used: ``coverage_union_all`` silently gives wrong results
    on overlapping or badly noded units.)
    """
    union = shapely.union_all(topo.geoms[~shapely.is_missing(topo.geoms)])
    polys = shapely.get_parts(union)
    polys = polys[np.isin(type_names(polys), ("Polygon",))]
    n_rings = shapely.get_num_interior_rings(polys)
    if n_rings.sum() == 0:
        return [], []
    owners = np.repeat(polys, n_rings)
    index = np.arange(n_rings.sum()) - np.repeat(np.cumsum(n_rings) - n_rings, n_rings)
    rings = shapely.get_interior_ring(owners, index)
    holes = np.asarray(shapely.polygons(rings), dtype=object)
    keep = shapely.area(holes) >= tol.gap_area_m2
    rings, holes = rings[keep], holes[keep]
    if len(holes) == 0:
        return [], []
    ring_h, ring_u = topo.tree.query(rings, predicate="dwithin", distance=_RING_TOLERANCE_M)
    in_h, in_u = topo.tree.query(holes, predicate="contains_properly")
    # Units bordering each hole or lying in it (an island in a lake), grouped by hole.
    pairs = np.unique(np.stack([np.concatenate([ring_h, in_h]),
                                np.concatenate([ring_u, in_u])], axis=1), axis=0)
    counts = np.bincount(pairs[:, 0], minlength=len(holes))
    around_of = np.split(pairs[:, 1], np.cumsum(counts)[:-1])
    # A hole bordered by one unit only is that unit's own (a lake, an enclave left out).
    between = np.flatnonzero(counts >= 2)
    gap_geoms = holes[between].copy()
    inside_order = np.argsort(in_h, kind="stable")
    inside_sorted = in_h[inside_order]
    inside_n = np.bincount(in_h, minlength=len(holes))
    for k, h in enumerate(between):
        if inside_n[h]:  # rare: subtract the units lying in the hole
            first = int(np.searchsorted(inside_sorted, h))
            members = in_u[inside_order[first:first + inside_n[h]]]
            gap_geoms[k] = shapely.difference(holes[h], shapely.union_all(topo.geoms[members]))
    areas = shapely.area(gap_geoms)
    widths = _mean_width(areas, _polygon_perimeter(gap_geoms))
    gaps: list[tuple[tuple[int, ...], float, float]] = []
    slivers: list[tuple[str, float | None, tuple[int, ...]]] = []
    for k, h in enumerate(between):  # the holes found
        area, width = float(areas[k]), float(widths[k])
        around = tuple(int(u) for u in around_of[h])
        if area < tol.gap_area_m2:
            continue
        if width < tol.sliver_width_m:
            slivers.append((f"a gap of {_area(area)} between "
                            f"{and_list(rows.labels[i] for i in around)}", area, around))
        else:
            gaps.append((around, area, width))
    return gaps, slivers


def _polygonal_only(geoms: np.ndarray) -> np.ndarray:
    """Each geometry reduced to its polygonal parts (None when it has none)."""
    types = type_names(geoms)
    out = geoms.copy()
    mixed = np.flatnonzero(~np.isin(types, POLYGONAL) & ~missing_geometry(geoms))
    for i in mixed:  # rare: collections left by make_valid
        parts = shapely.get_parts(geoms[i])
        parts = parts[np.isin(type_names(parts), POLYGONAL)]
        out[i] = shapely.union_all(parts) if len(parts) else None
    out[missing_geometry(out)] = None
    return out


def _pairs(tree: shapely.STRtree, geoms: np.ndarray, **query: Any) -> tuple[np.ndarray, np.ndarray]:
    left, right = tree.query(geoms, **query)
    keep = left < right
    return left[keep], right[keep]


def _polygon_perimeter(geoms: np.ndarray) -> np.ndarray:
    """Perimeter of the polygonal parts of each geometry (lines and points ignored)."""
    parts, owner = shapely.get_parts(geoms, return_index=True)
    poly = np.isin(type_names(parts), POLYGONAL)
    return np.bincount(owner[poly], weights=shapely.length(parts[poly]), minlength=len(geoms))


def _mean_width(area: np.ndarray, perimeter: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(perimeter > 0, 2.0 * area / perimeter, 0.0)


def _area(a: float) -> str:
    text = f"{a:,.0f} m²" if a >= 10 else f"{a:,.2f} m²"
    return text + (f" ({a / 1e6:,.2f} km²)" if a >= 1e6 else "")
