"""The metric frame the checks measure every layer in, and the problems of its CRS.

:class:`CheckFrame` takes the units' CRS (reporting a missing, unusable or wrong one as a
problem rather than raising), chooses the projected CRS in metres to measure in
(:func:`townmerge.data.crs.metric_frame`), and brings the other layers into it; the inputs
are never modified. :func:`distortion_problems` names the units the chosen CRS distorts.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import box
>>> units = gpd.GeoDataFrame(geometry=[box(104, 30, 104.1, 30.1)], crs="EPSG:4326")
>>> problems = []
>>> frame = CheckFrame.of_units(units, problems)
>>> frame.metric.is_projected, problems
(True, [])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import CRSError, format_ids
from .crs import MetricFrame, describe_crs, local_metric_crs, metric_frame, require_crs, suggest_crs
from .features import FeatureRows, geometry_array, has_geometry, missing_geometry
from .problems import LayerName, Problem, plural

if TYPE_CHECKING:  # pragma: no cover
    from pyproj import CRS

__all__ = ["CheckFrame", "distortion_problems", "project_geometries"]


@dataclass(frozen=True)
class CheckFrame:
    """The metric frame in which every layer is measured.

    Build it with :meth:`of_units`, which reports the problems of the units' CRS rather
    than raising; :meth:`other_layer` brings another layer into it.
    """

    units: np.ndarray | None  # unit geometries in metres (or as given when unmeasurable)
    source: CRS | None  # the units' CRS (or the one assumed when it is missing)
    metric: CRS | None  # the CRS measured in; None: coordinates taken as metres
    chosen: MetricFrame | None = None  # how the metric CRS was chosen, and its distortion

    @classmethod
    def of_units(cls, units: gpd.GeoDataFrame, problems: list[Problem],
                 requested: object = None) -> CheckFrame:
        """The frame of the units' CRS (``requested``: the CRS to measure in, if given).

        Problems of the CRS are appended to ``problems``; where the units cannot be
        measured, ``metric`` is None.
        """
        if not has_geometry(units):
            problems.append(Problem(
                "error", "missing-geometry", "units",
                "The units layer has no geometry: give the township polygons as a "
                "GeoDataFrame (or a GeoPackage / GeoJSON / shapefile) with a geometry column."))
            return cls(None, None, None)
        geoms = geometry_array(units)
        bounds = _bounds(geoms)
        finite = bool(np.isfinite(bounds).all())
        crs: CRS | None = None
        if units.crs is None:
            assumed = " measured taking the coordinates as metres"
            if finite and _looks_geographic(bounds):
                crs = require_crs("EPSG:4326", "units")
                assumed = " measured as if they were longitude/latitude degrees (EPSG:4326)"
            problems.append(Problem(
                "error", "missing-crs", "units",
                "The units layer has no coordinate reference system (CRS); townmerge does not "
                "guess one. Set it on the file, or call gdf.set_crs('EPSG:4490') (CGCS2000) / "
                "gdf.set_crs('EPSG:4326') before building the study area. (The areas and "
                f"distances in this report were{assumed}.)"))
        else:
            crs = require_crs(units.crs, "units")
        if crs is None or not finite:
            return cls(geoms, crs, None)
        if crs.is_geographic and not _looks_geographic(bounds):
            problems.append(Problem(
                "error", "bad-crs", "units",
                f"The units layer's CRS {_crs_name(crs)} is geographic, but its coordinates "
                f"reach ({bounds[0]:.0f}, {bounds[1]:.0f}) to ({bounds[2]:.0f}, "
                f"{bounds[3]:.0f}), outside longitude/latitude ranges: the data are probably "
                "projected. Set their real CRS with gdf.set_crs(..., allow_override=True)."))
            return cls(geoms, crs, None)
        metric: CRS | None
        chosen: MetricFrame | None = None
        try:
            if crs.is_geographic or crs.is_projected or requested is not None:
                chosen = metric_frame(crs, geoms, requested=requested)
                metric = chosen.crs
            else:
                metric = _metric_crs(crs, bounds)
        except CRSError as exc:
            problems.append(Problem(
                "error", "bad-crs", "units",
                f"The units layer's CRS {_crs_name(crs)} cannot be used: {exc}"))
            metric = _fallback_metric_crs(crs, geoms)
            if metric is None:
                return cls(geoms, crs, None)
        if metric == crs:
            return cls(geoms, crs, metric, chosen)
        try:
            return cls(project_geometries(geoms, crs, metric), crs, metric, chosen)
        except Exception as exc:  # pyproj raises several unrelated classes
            problems.append(Problem(
                "error", "bad-crs", "units",
                f"The units layer cannot be projected from {_crs_name(crs)} to metres "
                f"({exc}). Check that its CRS is the right one."))
            return cls(geoms, crs, None)

    def other_layer(
        self, layer: LayerName, df: pd.DataFrame, problems: list[Problem]
    ) -> np.ndarray | None:
        """The layer's geometries in the units' metric frame, or None (problem reported)."""
        if not has_geometry(df):
            problems.append(Problem(
                "error", "missing-geometry", layer,
                f"The {layer} layer has no geometry: give it as a GeoDataFrame (or a spatial "
                "file) with a geometry column and a CRS."))
            return None
        geoms = geometry_array(df)
        crs: CRS | None
        if df.crs is None:
            crs = self.source
            assumed = (f"; the checks below took it to be in the units' CRS "
                       f"{_crs_name(crs)}" if crs is not None else "")
            problems.append(Problem(
                "error", "missing-crs", layer,
                f"The {layer} layer has no coordinate reference system (CRS){assumed}. "
                "townmerge does not guess one: set it on the file, or call "
                "gdf.set_crs(...) with the CRS the coordinates are in (e.g. 'EPSG:4490' or "
                "'EPSG:4326')."))
        else:
            crs = require_crs(df.crs, layer)
        target = self.metric
        if crs is None or crs == target:
            return geoms
        if target is None:  # the units cannot be measured (reported): compare like with like
            return geoms if crs == self.source else None
        try:
            return project_geometries(geoms, crs, target)
        except Exception as exc:  # pyproj raises several unrelated classes
            units_crs = _crs_name(self.source) if self.source is not None else "?"
            problems.append(Problem(
                "error", "crs-mismatch", layer,
                f"The {layer} layer's CRS {_crs_name(crs)} cannot be transformed to the units' "
                f"CRS {units_crs} ({exc}), so its spatial checks were skipped. Give both "
                "layers the same CRS, or CRSs that can be converted into each other."))
            return None


def distortion_problems(
    frame: CheckFrame, units: gpd.GeoDataFrame, rows: FeatureRows
) -> list[Problem]:
    """Warnings: a projected CRS replaced as too distorted; units the metric CRS distorts."""
    chosen, out = frame.chosen, list[Problem]()
    if chosen is None or frame.source is None:
        return out
    if chosen.replaced is not None:
        out.append(Problem(
            "warning", "crs-replaced", "units",
            f"The units' CRS {describe_crs(chosen.replaced)} is projected but not metric in "
            f"practice: over the study area it distorts lengths or areas by more than "
            f"{chosen.tolerance:.0%}. Lengths and areas are measured in "
            f"{describe_crs(chosen.crs)} instead (the input CRS is kept for writing). Give "
            "crs=... (--crs) to measure in another projected CRS.",
            figures={"tolerance": chosen.tolerance}))
    worst = chosen.worst
    if len(worst):
        labels = [f"{rows.labels[i]}: {chosen.distortion[i]:.1%}" for i in worst]
        _, ids = rows.pick(worst)
        if chosen.requested:
            advice = "It is the CRS asked for, so it is used; check that it suits the area."
        else:
            try:
                better = suggest_crs(frame.source, geometry_array(units),
                                     tolerance=chosen.tolerance)
            except Exception:  # pyproj raises several unrelated classes
                better = None
            advice = ("Give a CRS suited to the area with crs=... (--crs)"
                      + (f", e.g. crs={str(better.to_epsg() or '')!r} for "
                         f"{describe_crs(better)}" if better is not None else "")
                      + ", or study distant parts separately.")
        out.append(Problem(
            "warning", "crs-distortion", "units",
            f"The CRS the study area is measured in, {describe_crs(chosen.crs)}, distorts "
            f"lengths or areas by more than {chosen.tolerance:.0%} at "
            f"{plural(len(worst), 'unit')} (worst first): {format_ids(labels)}. Border "
            f"lengths, areas and distances there are off by that much. {advice}",
            ids, figures={"count": len(worst),
                          "max_distortion": float(chosen.distortion[worst[0]])}))
    return out


def project_geometries(geoms: np.ndarray, src: CRS, dst: CRS) -> np.ndarray:
    """Geometries transformed from ``src`` to ``dst``.

    Raises
    ------
    ValueError
        When the transformation gives coordinates that are not finite (pyproj raises
        its own errors when it fails).

    Examples
    --------
    >>> import numpy as np
    >>> from pyproj import CRS
    >>> from shapely import Point
    >>> out = project_geometries(np.array([Point(500000, 0)], dtype=object),
    ...                          CRS("EPSG:32648"), CRS("EPSG:4326"))
    >>> round(out[0].x, 6), round(out[0].y, 6)
    (105.0, 0.0)
    """
    out = np.asarray(gpd.GeoSeries(geoms, crs=src).to_crs(dst).array, dtype=object)
    coords = shapely.get_coordinates(out)
    if not np.isfinite(coords).all():
        raise ValueError("some coordinates could not be transformed (infinite results)")
    return out


def _looks_geographic(bounds: np.ndarray) -> bool:
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    return -180.0 <= minx <= maxx <= 360.0 and -90.0 <= miny <= maxy <= 90.0


def _crs_name(crs: CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg} ({crs.name})" if epsg else repr(crs.name)


def _bounds(geoms: np.ndarray) -> np.ndarray:
    """Total bounds; NaN when there is no geometry at all."""
    present = geoms[~missing_geometry(geoms)]
    if len(present) == 0:
        return np.full(4, np.nan)
    return np.asarray(shapely.total_bounds(present), dtype=float)


def _metric_crs(crs: CRS, bounds: np.ndarray) -> CRS:
    box = (float(bounds[0]), float(bounds[1]), float(bounds[2]), float(bounds[3]))
    if crs.is_geographic or crs.is_projected:
        return local_metric_crs(crs, box)
    unit = crs.axis_info[0].unit_name if crs.axis_info else ""
    if unit in ("metre", "meter", "m"):
        return crs  # a local engineering CRS in metres
    raise CRSError(f"its axes are in {unit!r}, not metres: reproject the layer to EPSG:4490 "
                   "(CGCS2000), EPSG:4326 or a metric CRS.")


def _fallback_metric_crs(crs: CRS, geoms: np.ndarray) -> CRS | None:
    """A metric CRS for measuring a layer whose own CRS is unusable (e.g. in feet)."""
    try:
        wgs84 = require_crs("EPSG:4326", "units")
        bounds = _bounds(project_geometries(geoms, crs, wgs84))
        return local_metric_crs(wgs84, (float(bounds[0]), float(bounds[1]),
                                        float(bounds[2]), float(bounds[3])))
    except Exception:  # pyproj raises several unrelated classes
        return None
