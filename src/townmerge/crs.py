"""Coordinate reference systems: choose a local metric CRS for a study area.

Geometry is measured in metres. A geographic input (EPSG:4326, EPSG:4490
CGCS2000 …) is projected to a CRS chosen from its bounds: the UTM zone of the
centre when the area spans at most 6° of longitude, otherwise a Lambert
azimuthal equal-area projection centred on the area. The input CRS is kept so
that results can be written back in it.

Examples
--------
>>> from pyproj import CRS
>>> local_metric_crs(CRS.from_epsg(4490), (103.9, 30.5, 104.4, 30.9)).to_epsg()
32648
"""

from __future__ import annotations

import math

from pyproj import CRS

from .errors import CRSError

__all__ = ["local_metric_crs", "require_crs"]

#: Widest span in degrees of longitude for which a UTM zone is used.
UTM_MAX_SPAN_DEG = 6.0


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
