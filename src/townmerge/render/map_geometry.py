"""Light geometry for the plan maps: simplified coverage, dissolved units, borders, arrows.

:class:`MapGeometry` simplifies the current units once with
:func:`shapely.coverage_simplify` (topology-preserving: neighbours keep one shared border),
dissolves the new units of any plan from that simplified coverage, and hands everything out
in WGS84 with coordinates rounded to what the extent needs (:func:`coordinate_decimals`).
Internal borders (old boundaries inside a new unit), shared borders of unit pairs and seat
arrows are built here too, vectorised with shapely.

Examples
--------
>>> from townmerge.testing.examples import example_area
>>> from townmerge.data.plan import Plan
>>> area = example_area()
>>> geo = MapGeometry(area)
>>> plan = Plan.from_groups({"N": list(area.unit_ids)})
>>> len(geo.new_units(plan)[1]), geo.decimals >= 4
(1, True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely
from shapely.errors import GEOSException

from ..data.model import StudyArea
from ..data.plan import Plan
from ..evaluate.metrics import dissolve

__all__ = ["MapGeometry", "arrow", "coordinate_decimals"]

_WGS84 = "EPSG:4326"
#: Simplification tolerance as a share of the larger side of the area's extent.
SIMPLIFY_SHARE = 1 / 4000
#: From this many units on, labels appear by zoom level and the view fits where most units are.
MANY_UNITS = 300
#: A label appears once its unit spans this many pixels (maps of :data:`MANY_UNITS` or more).
LABEL_PIXELS = 40


def coordinate_decimals(extent_deg: float) -> int:
    """Decimals of a degree the map keeps: about 1/50,000 of the extent, 4 to 6.

    Examples
    --------
    >>> coordinate_decimals(0.6), coordinate_decimals(12.0), coordinate_decimals(0.01)
    (5, 4, 6)
    """
    if not math.isfinite(extent_deg) or extent_deg <= 0:
        return 6
    return int(min(6, max(4, math.ceil(-math.log10(extent_deg / 50_000)))))


def arrow(start: shapely.Point, end: shapely.Point) -> shapely.Geometry:
    """A line from ``start`` to ``end`` with a two-stroke head at ``end`` (metric CRS).

    Examples
    --------
    >>> a = arrow(shapely.Point(0, 0), shapely.Point(1000, 0))
    >>> a.geom_type, round(a.length)
    ('MultiLineString', 1500)
    """
    x0, y0, x1, y1 = start.x, start.y, end.x, end.y
    length = math.hypot(x1 - x0, y1 - y0)
    if length == 0:
        return shapely.LineString([(x0, y0), (x1, y1)])
    head = min(0.25 * length, 800.0)
    angle = math.atan2(y1 - y0, x1 - x0)
    wings = [(x1 - head * math.cos(angle + s), y1 - head * math.sin(angle + s))
             for s in (0.45, -0.45)]
    return shapely.MultiLineString([[(x0, y0), (x1, y1)], [wings[0], (x1, y1), wings[1]]])


class MapGeometry:
    """The current units of an area simplified once, and what the maps derive from them.

    Parameters
    ----------
    area : StudyArea
    simplify : bool, default True
        Simplify the coverage (tolerance :data:`SIMPLIFY_SHARE` of the extent).

    Attributes
    ----------
    ids : list of str
        Current unit ids, in the area's order.
    metric : numpy.ndarray
        The simplified units in the area's metric CRS.
    decimals : int
        Decimals kept in WGS84 coordinates.
    """

    def __init__(self, area: StudyArea, *, simplify: bool = True) -> None:
        units = area.units
        self.crs = units.crs
        self.ids = [str(i) for i in units.index]
        geoms = np.asarray(units.geometry.array, dtype=object)
        minx, miny, maxx, maxy = units.total_bounds
        tolerance = max(maxx - minx, maxy - miny) * SIMPLIFY_SHARE
        if simplify and tolerance > 0 and np.isfinite(tolerance):
            try:
                geoms = np.asarray(shapely.coverage_simplify(geoms, tolerance), dtype=object)
            except GEOSException:  # not a clean coverage: simplify each unit alone
                geoms = np.asarray(shapely.simplify(geoms, tolerance, preserve_topology=True),
                                   dtype=object)
        self.metric = geoms
        wgs = gpd.GeoSeries(geoms, crs=self.crs).to_crs(_WGS84)
        w, s, e, n = wgs.total_bounds
        self.decimals = coordinate_decimals(max(e - w, n - s))
        if len(geoms) >= MANY_UNITS:  # fit the bulk, not the overseas outliers
            xy = shapely.get_coordinates(shapely.point_on_surface(
                np.asarray(wgs.array, dtype=object)))
            w, s = np.nanpercentile(xy, 0.5, axis=0)
            e, n = np.nanpercentile(xy, 99.5, axis=0)
        self.bounds = [[round(float(s), 4), round(float(w), 4)],
                       [round(float(n), 4), round(float(e), 4)]]
        self.wgs84 = self.rounded(np.asarray(wgs.array, dtype=object))
        self._new: dict[Plan, tuple[list[str], np.ndarray, np.ndarray]] = {}

    def label_zooms(self, metric: np.ndarray) -> list[float]:
        """The zoom from which each unit's label shows (0 for all on small maps)."""
        if len(metric) < MANY_UNITS:
            return [0.0] * len(metric)
        lat = (self.bounds[0][0] + self.bounds[1][0]) / 2
        size = np.sqrt(np.maximum(shapely.area(metric), 1.0))
        metres = 156_543.03 * math.cos(math.radians(lat)) * LABEL_PIXELS
        return [round(float(z), 1) for z in np.clip(np.log2(metres / size), 0, 18)]

    def rounded(self, geoms: np.ndarray) -> np.ndarray:
        """``geoms`` (WGS84) with coordinates rounded to :attr:`decimals`."""
        digits = self.decimals
        out: np.ndarray = shapely.transform(geoms, lambda c: np.round(c, digits))
        return out

    def to_wgs84(self, geoms: Sequence[object] | np.ndarray) -> np.ndarray:
        """Metric geometries of the area's CRS in rounded WGS84."""
        series = gpd.GeoSeries(list(geoms), crs=self.crs).to_crs(_WGS84)
        return self.rounded(np.asarray(series.array, dtype=object))

    def new_units(self, plan: Plan) -> tuple[list[str], np.ndarray, np.ndarray]:
        """New unit ids (sorted), their dissolved shapes (metric) and the same in WGS84."""
        if plan not in self._new:
            self._new[plan] = self._dissolve(plan)
        return self._new[plan]

    def _dissolve(self, plan: Plan) -> tuple[list[str], np.ndarray, np.ndarray]:
        position = {uid: k for k, uid in enumerate(self.ids)}
        groups = plan.groups()
        new_ids = sorted(groups)
        shapes = []
        for new in new_ids:
            parts = self.metric[[position[u] for u in groups[new]]]
            shapes.append(parts[0] if len(parts) == 1 else dissolve(parts))
        metric = np.asarray(shapes, dtype=object)
        return new_ids, metric, self.to_wgs84(metric)

    def internal_borders(self, plan: Plan, new_metric: np.ndarray,
                         new_ids: Sequence[str]) -> np.ndarray:
        """Old boundaries inside each new unit (WGS84): the borders that disappear."""
        index = {new: k for k, new in enumerate(new_ids)}
        outer = shapely.buffer(shapely.boundary(new_metric), 1.0)
        host = outer[[index[plan.assignment[u]] for u in self.ids]]
        inner = shapely.difference(shapely.boundary(self.metric), host)
        keep = ~shapely.is_empty(inner)
        return self.to_wgs84(inner[keep])

    def shared_borders(self, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
        """The border each pair of current units shares (WGS84; empty where none)."""
        position = {uid: k for k, uid in enumerate(self.ids)}
        left = self.metric[[position[u] for u in a]]
        right = self.metric[[position[u] for u in b]]
        lines = shapely.intersection(shapely.boundary(left), shapely.boundary(right))
        return self.to_wgs84(lines)

