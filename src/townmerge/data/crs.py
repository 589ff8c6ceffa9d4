"""Coordinate reference systems: choose a local metric CRS for a study area.

Geometry is measured in metres. A geographic input (EPSG:4326, EPSG:4490
CGCS2000 …) is projected to a CRS chosen from its bounds: the UTM zone of the
centre when the area spans at most 6° of longitude, otherwise a Lambert
azimuthal equal-area projection centred on the area. The input CRS is kept so
that results can be written back in it.

A projected input is used as is only when it is metric *in practice*: its
scale distortion (Tissot's indicatrix, from :meth:`pyproj.Proj.get_factors`)
at the units' representative points stays within :data:`MAX_DISTORTION`. Web
Mercator (EPSG:3857) is not: at 30.6° N it shows areas 1.35 times too large,
so :func:`metric_frame` projects such an input to the local metric CRS as if
it were geographic. Where even the chosen CRS distorts too much (a study area
spanning distant regions), :func:`metric_frame` names the worst units and
suggests a CRS (:func:`suggest_crs`); a CRS given by the user is always used.

Areas shown to users come from one function, :func:`equal_area_km2`: areas on
the ellipsoid, whatever CRS the geometry is in.

Examples
--------
>>> from pyproj import CRS
>>> local_metric_crs(CRS.from_epsg(4490), (103.9, 30.5, 104.4, 30.9)).to_epsg()
32648
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Proj, Transformer
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_crs_info
from pyproj.enums import PJType

from ..errors import CRSError

__all__ = [
    "MAX_DISTORTION",
    "MetricFrame",
    "equal_area_km2",
    "local_metric_crs",
    "metric_frame",
    "require_crs",
    "scale_distortion",
    "suggest_crs",
]

FloatArray = npt.NDArray[np.float64]

#: Widest span in degrees of longitude for which a UTM zone is used.
UTM_MAX_SPAN_DEG = 6.0
#: Largest scale distortion accepted in the CRS geometry is measured in: lengths in any
#: direction and areas within 1 % of their true size on the ellipsoid. (A UTM zone stays
#: within it over the 6° of longitude it is used for; Web Mercator exceeds it beyond 8°
#: of latitude.)
MAX_DISTORTION = 0.01
#: Representative points sampled at most when a suggested CRS is searched for.
_SUGGEST_SAMPLE = 2000


def require_crs(crs: object, layer: str) -> CRS:
    """Return ``crs`` as a :class:`pyproj.CRS`, or raise :class:`CRSError`.

    Parameters
    ----------
    crs : object
        Anything :meth:`pyproj.CRS.from_user_input` accepts, or ``None``.
    layer : str
        Name of the layer, for the message.

    Returns
    -------
    pyproj.CRS

    Examples
    --------
    >>> require_crs("EPSG:4490", "units").name
    'China Geodetic Coordinate System 2000'
    """
    if crs is None:
        raise CRSError(
            f"The {layer} layer has no coordinate reference system (CRS). townmerge "
            "does not guess one: set it on the file, or call "
            "gdf.set_crs('EPSG:4490') (CGCS2000) / gdf.set_crs('EPSG:4326') "
            "before building the study area."
        )
    try:
        return CRS.from_user_input(crs)
    except Exception as exc:  # pyproj raises its own CRSError subclasses
        raise CRSError(f"The {layer} layer's CRS {crs!r} is not understood: {exc}") from exc


def local_metric_crs(crs: CRS, bounds: tuple[float, float, float, float]) -> CRS:
    """Choose the metric CRS in which a study area is measured.

    Parameters
    ----------
    crs : pyproj.CRS
        The input CRS.
    bounds : tuple of float
        ``(minx, miny, maxx, maxy)`` in ``crs``.

    Returns
    -------
    pyproj.CRS
        ``crs`` itself when it is already projected in metres; otherwise a UTM
        zone (narrow areas) or a local Lambert azimuthal equal-area CRS.

    Examples
    --------
    >>> local_metric_crs(CRS.from_epsg(4326), (-1.4, 47.0, 0.3, 47.8)).to_epsg()
    32630
    >>> local_metric_crs(CRS.from_epsg(4326), (-5, 42, 8, 51)).name
    'unknown'
    """
    if crs.is_projected:
        unit = crs.axis_info[0].unit_name if crs.axis_info else ""
        if unit in ("metre", "meter", "m"):
            return crs
        raise CRSError(
            f"The input CRS {crs.name!r} is projected in {unit!r}, not metres: "
            "reproject it to a metric CRS or to EPSG:4326 / EPSG:4490 first."
        )
    minx, miny, maxx, maxy = bounds
    if not all(math.isfinite(v) for v in bounds):
        raise CRSError("The layer has no finite bounds: is it empty?")
    lon = (minx + maxx) / 2.0
    lat = (miny + maxy) / 2.0
    if maxx - minx <= UTM_MAX_SPAN_DEG and abs(lat) < 84:
        zone = math.floor((lon + 180.0) / 6.0) % 60 + 1
        return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)
    return CRS.from_proj4(
        f"+proj=laea +lat_0={lat:.4f} +lon_0={lon:.4f} +x_0=0 +y_0=0 "
        "+datum=WGS84 +units=m +no_defs"
    )


def _is_metric(crs: CRS) -> bool:
    unit = crs.axis_info[0].unit_name if crs.axis_info else ""
    return unit in ("metre", "meter", "m")


def scale_distortion(crs: CRS, lon: npt.ArrayLike, lat: npt.ArrayLike) -> FloatArray:
    """Scale distortion of a projected CRS at points: the largest of |scale − 1|.

    The scales are the largest and smallest linear scale at the point (the
    semi-axes of Tissot's indicatrix, any direction) and the areal scale, from
    :meth:`pyproj.Proj.get_factors`; 0 means lengths and areas are true.

    Parameters
    ----------
    crs : pyproj.CRS
        A projected CRS.
    lon, lat : array_like
        Points in degrees of the CRS's geographic CRS.

    Returns
    -------
    ndarray of float
        NaN where the CRS cannot project the point.

    Examples
    --------
    >>> float(scale_distortion(CRS.from_epsg(3857), [104.0], [30.6])[0].round(3))
    0.35
    >>> bool(scale_distortion(CRS.from_epsg(32648), [105.0], [30.6])[0] < 1e-3)
    True
    """
    lon_a = np.atleast_1d(np.asarray(lon, dtype=float))
    lat_a = np.atleast_1d(np.asarray(lat, dtype=float))
    if lon_a.size == 0:
        return np.zeros(0)
    f = Proj(crs).get_factors(lon_a, lat_a, errcheck=False)
    scales = np.stack([np.asarray(f.tissot_semimajor, dtype=float),
                       np.asarray(f.tissot_semiminor, dtype=float),
                       np.asarray(f.areal_scale, dtype=float)])
    out: FloatArray = np.abs(scales - 1.0).max(axis=0)
    out[~np.isfinite(scales).all(axis=0) | (scales > 1e10).any(axis=0)] = np.nan
    return out


@dataclass(frozen=True, eq=False)
class MetricFrame:
    """The CRS a study area is measured in, and how far it distorts each unit.

    Attributes
    ----------
    crs : pyproj.CRS
        The metric CRS.
    distortion : ndarray of float
        Scale distortion of ``crs`` at each unit's representative point
        (:func:`scale_distortion`; NaN for units without geometry).
    replaced : pyproj.CRS or None
        A projected input CRS that distorts too much and was replaced by
        ``crs`` (a warning names both).
    requested : bool
        Whether ``crs`` was given by the user.
    tolerance : float
        The distortion accepted.
    """

    crs: CRS
    distortion: FloatArray
    replaced: CRS | None
    requested: bool
    tolerance: float

    @property
    def worst(self) -> npt.NDArray[np.intp]:
        """Positions of the units beyond the tolerance, worst first.

        Examples
        --------
        >>> f = MetricFrame(CRS.from_epsg(3857), np.array([0.3, 0.0, 0.5]), None, False, 0.01)
        >>> f.worst.tolist()
        [2, 0]
        """
        d = np.where(np.isfinite(self.distortion), self.distortion, -1.0)
        over = np.flatnonzero(d > self.tolerance)
        return over[np.argsort(-d[over], kind="stable")]


def _lonlat(points: npt.NDArray[np.object_], crs: CRS, target: CRS) -> tuple[FloatArray,
                                                                              FloatArray]:
    """Longitude and latitude (in ``target``'s geographic CRS) of points given in ``crs``."""
    xy = np.full((len(points), 2), np.nan)
    ok = ~(shapely.is_missing(points) | shapely.is_empty(points))
    if ok.any():
        xy[ok] = shapely.get_coordinates(points[ok])
    geo = target.geodetic_crs if target.is_projected else target
    if geo is None:  # pragma: no cover - a projected CRS always has one
        raise CRSError(f"The CRS {target.name!r} has no geographic CRS.")
    lon, lat = Transformer.from_crs(crs, geo, always_xy=True).transform(xy[:, 0], xy[:, 1])
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def _bounds(lon: FloatArray, lat: FloatArray) -> tuple[float, float, float, float]:
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        raise CRSError("The layer has no finite bounds: is it empty?")
    return (float(lon[ok].min()), float(lat[ok].min()), float(lon[ok].max()),
            float(lat[ok].max()))


def metric_frame(crs: CRS, geoms: npt.ArrayLike, *, requested: object = None,
                 tolerance: float = MAX_DISTORTION) -> MetricFrame:
    """Choose the metric CRS a study area is measured in, and measure its distortion.

    - ``requested`` given: that CRS (it must be projected in metres), whatever
      its distortion (which is still measured, for a warning).
    - a geographic ``crs``: :func:`local_metric_crs` of the units' bounds.
    - a projected metric ``crs``: itself when its distortion at every unit
      stays within ``tolerance``; otherwise (Web Mercator …) the local metric
      CRS of the units' longitudes and latitudes, and ``replaced`` is ``crs``.

    Parameters
    ----------
    crs : pyproj.CRS
        The units' CRS.
    geoms : array_like of shapely geometries
        The units, in ``crs``; the distortion is sampled at their
        representative points.
    requested : object, optional
        A CRS asked for by the user (anything :meth:`pyproj.CRS.from_user_input`
        takes).
    tolerance : float, default :data:`MAX_DISTORTION`

    Returns
    -------
    MetricFrame

    Raises
    ------
    CRSError
        When ``requested`` is not a projected CRS in metres, or ``crs`` is
        projected in another unit.

    Examples
    --------
    >>> from shapely import box
    >>> f = metric_frame(CRS.from_epsg(3857), [box(11577000, 3580000, 11579000, 3582000)])
    >>> f.crs.to_epsg(), f.replaced.to_epsg()
    (32648, 3857)
    """
    arr = np.asarray(geoms, dtype=object).reshape(-1)
    points = np.full(arr.shape, None, dtype=object)
    ok = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    if ok.any():
        points[ok] = shapely.point_on_surface(arr[ok])
    replaced: CRS | None = None
    if requested is not None:
        target = require_crs(requested, "requested")
        if not (target.is_projected and _is_metric(target)):
            raise CRSError(f"The CRS asked for, {describe_crs(target)}, is not a projected CRS "
                           "in metres: give one such as a UTM zone (EPSG:326xx), a national "
                           "CRS (EPSG:2154 Lambert-93, EPSG:4547 CGCS2000 / 3-degree "
                           "Gauss-Kruger CM 114E …) or a local Lambert azimuthal equal-area.")
    elif crs.is_geographic:
        target = local_metric_crs(crs, _bounds(*_lonlat(points, crs, crs)))
    else:
        target = local_metric_crs(crs, (0.0, 0.0, 0.0, 0.0))  # raises unless in metres
    lon, lat = _lonlat(points, crs, target)
    distortion = scale_distortion(target, lon, lat)
    if requested is None and not crs.is_geographic and bool(
            np.nanmax(distortion, initial=0.0) > tolerance):
        geo = crs.geodetic_crs
        if geo is not None:
            replaced = crs
            target = local_metric_crs(geo, _bounds(*_lonlat(points, crs, geo)))
            lon, lat = _lonlat(points, crs, target)
            distortion = scale_distortion(target, lon, lat)
    return MetricFrame(target, distortion, replaced, requested is not None, tolerance)


def describe_crs(crs: CRS) -> str:
    """``EPSG:3857 (WGS 84 / Pseudo-Mercator)``, or the PROJ string of a CRS without a code.

    Examples
    --------
    >>> describe_crs(CRS.from_epsg(2154))
    'EPSG:2154 (RGF93 v1 / Lambert-93)'
    """
    epsg = crs.to_epsg()
    if epsg:
        return f"EPSG:{epsg} ({crs.name})"
    return repr(crs.srs if crs.name == "unknown" else crs.name)


def suggest_crs(crs: CRS, geoms: npt.ArrayLike, *,
                tolerance: float = MAX_DISTORTION) -> CRS | None:
    """A projected EPSG CRS in metres that measures the most units within the tolerance.

    Candidates are the EPSG projected CRSs whose area of use covers the
    median of the units' representative points; among those measuring the most
    units within ``tolerance``, the one with the smallest largest distortion
    over them (to 0.1 %), then the smallest area of use (a national CRS before
    a continental one): Lambert-93 (EPSG:2154) for France.

    Parameters
    ----------
    crs : pyproj.CRS
        The units' CRS.
    geoms : array_like of shapely geometries
        The units, in ``crs``.
    tolerance : float, default :data:`MAX_DISTORTION`

    Returns
    -------
    pyproj.CRS or None
        None when no candidate measures any unit within the tolerance.

    Examples
    --------
    >>> from shapely import box
    >>> s = suggest_crs(CRS.from_epsg(4326), [box(-4.5, 48.0, -4.4, 48.1),
    ...                                       box(7.0, 43.6, 7.1, 43.7), box(2.3, 48.8, 2.4, 48.9)])
    >>> s.is_projected, s.axis_info[0].unit_name, s.area_of_use.name.startswith("France")
    (True, 'metre', True)
    """
    arr = np.asarray(geoms, dtype=object).reshape(-1)
    arr = arr[~(shapely.is_missing(arr) | shapely.is_empty(arr))]
    if arr.size == 0:
        return None
    if arr.size > _SUGGEST_SAMPLE:
        arr = arr[np.linspace(0, arr.size - 1, _SUGGEST_SAMPLE).astype(np.intp)]
    points = shapely.point_on_surface(arr)
    geo = crs if crs.is_geographic else crs.geodetic_crs
    if geo is None:  # pragma: no cover
        return None
    lon, lat = _lonlat(points, crs, geo)
    ok = np.isfinite(lon) & np.isfinite(lat)
    lon, lat = lon[ok], lat[ok]
    if lon.size == 0:
        return None
    mid_lon, mid_lat = float(np.median(lon)), float(np.median(lat))
    infos = query_crs_info(auth_name="EPSG", pj_types=PJType.PROJECTED_CRS, contains=True,
                           area_of_interest=AreaOfInterest(mid_lon - 0.01, mid_lat - 0.01,
                                                           mid_lon + 0.01, mid_lat + 0.01))
    best: tuple[int, float, float, int] | None = None
    chosen: CRS | None = None
    for info in infos:
        if info.deprecated or info.area_of_use is None:
            continue
        try:
            cand = CRS.from_epsg(int(info.code))
            if not _is_metric(cand):
                continue
            d = scale_distortion(cand, lon, lat)
        except Exception:  # pyproj raises several classes for odd CRSs
            continue
        a = info.area_of_use
        width = (a.east - a.west) % 360.0 or 360.0
        within = d[d <= tolerance]
        if within.size == 0:
            continue
        key = (-int(within.size), round(float(within.max()), 3),
               width * (a.north - a.south), int(info.code))
        if best is None or key < best:
            best, chosen = key, cand
    return chosen


def equal_area_km2(geoms: npt.ArrayLike, crs: object) -> FloatArray:
    """Areas in km² on the ellipsoid, the one area townmerge shows to users.

    The geometries are projected to a Lambert azimuthal equal-area CRS on the
    ellipsoid of ``crs``, centred on them, where plane areas are true areas:
    the result agrees with :meth:`pyproj.Geod.geometry_area_perimeter` and
    does not depend on the CRS the geometry is stored in.

    Parameters
    ----------
    geoms : array_like of shapely geometries
    crs : object
        Their CRS (anything :meth:`pyproj.CRS.from_user_input` takes).

    Returns
    -------
    ndarray of float
        NaN for missing or empty geometries.

    Examples
    --------
    >>> from shapely import box
    >>> a = equal_area_km2([box(11577000, 3580000, 11579000, 3582000)], "EPSG:3857")
    >>> float(a[0].round(3))  # 4 km² on Web Mercator's map, 2.95 km² on the ground
    2.954
    """
    arr = np.asarray(geoms, dtype=object).reshape(-1)
    out = np.full(arr.shape, np.nan)
    ok = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    if not ok.any():
        return out
    src = require_crs(crs, "units")
    geo = src if src.is_geographic else src.geodetic_crs
    if geo is None:  # pragma: no cover
        raise CRSError(f"The CRS {src.name!r} has no geographic CRS.")
    to_geo = Transformer.from_crs(src, geo, always_xy=True)
    x0, y0, x1, y1 = shapely.total_bounds(arr[ok])
    lon, lat = to_geo.transform(np.array([x0, x1, x0, x1, (x0 + x1) / 2]),
                                np.array([y0, y0, y1, y1, (y0 + y1) / 2]))
    lon_c = float(np.nanmedian(lon))
    lat_c = float(np.nanmedian(lat))
    ellps = geo.ellipsoid
    a = ellps.semi_major_metre if ellps is not None else 6378137.0
    rf = ellps.inverse_flattening if ellps is not None else 298.257223563
    laea = CRS.from_proj4(f"+proj=laea +lat_0={lat_c:.6f} +lon_0={lon_c:.6f} +x_0=0 +y_0=0 "
                          f"+a={a} +rf={rf} +units=m +no_defs")
    to_laea = Transformer.from_crs(src, laea, always_xy=True)
    projected = shapely.transform(arr[ok], lambda c: np.column_stack(
        to_laea.transform(c[:, 0], c[:, 1])))
    out[ok] = shapely.area(projected) / 1e6
    return out
