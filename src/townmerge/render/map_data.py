"""The data of a before/after map: its layers as GeoJSON-like dicts, in WGS84, no markup.

:func:`map_data` turns the current units, the merged units and (optionally) the settlements
into the layers :func:`townmerge.render.maps.before_after_map` hands the page as one JSON
object: shapes with rounded coordinates (:data:`COORD_DECIMALS`), a plain-text tooltip and a
style per shape, a label per merged unit, colours from :data:`PALETTE` with neighbours
differing, and the bounds and centre of the view. Names stay plain text: the page writes
them with ``textContent``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

from ..data.crs import equal_area_km2
from ..errors import CRSError
from ..i18n import fmt_area_km2, fmt_population, join_names, label

__all__ = ["COORD_DECIMALS", "NEIGHBOUR_TOLERANCE_DEG", "NO_UNIT_COLOUR", "PALETTE", "MapData",
           "escape_html", "greedy_colours", "map_data"]

#: Fill colours of the merged units (ColorBrewer Set3, grey replaced), in order of use.
PALETTE: tuple[str, ...] = (
    "#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462",
    "#b3de69", "#fccde5", "#bc80bd", "#ccebc5", "#ffed6f", "#a6cee3",
)  # fmt: skip
#: Fill of a current unit that goes to no known merged unit.
NO_UNIT_COLOUR = "#cccccc"
#: Decimals kept in WGS84 coordinates (10⁻⁶° is about 0.1 m).
COORD_DECIMALS = 6
#: Two units closer than this (degrees, about 1 m) count as neighbours for colouring.
NEIGHBOUR_TOLERANCE_DEG = 1e-5

_WGS84 = "EPSG:4326"
_MEMBER_SEPARATORS = re.compile(r"[,，、;；]")


def escape_html(value: object) -> str:
    """``value`` as text escaped for HTML, quotes included.

    Examples
    --------
    >>> escape_html('<b title="x">A & B</b>')
    '&lt;b title=&quot;x&quot;&gt;A &amp; B&lt;/b&gt;'
    """
    return html.escape(str(value), quote=True)


def _to_wgs84(gdf: gpd.GeoDataFrame, which: str) -> gpd.GeoDataFrame:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(f"`{which}` must be a GeoDataFrame, not {type(gdf).__name__}.")
    if gdf.crs is None:
        raise CRSError(
            f"The `{which}` frame has no coordinate reference system (CRS); set it with "
            f"{which}.set_crs('EPSG:4490') (CGCS2000) or the CRS the coordinates are in."
        )
    return gdf.to_crs(_WGS84)


def _values(gdf: pd.DataFrame, column: str) -> list[Any]:
    """The column's values as a list, or ``None`` for each row when it is absent."""
    if column not in gdf.columns:
        return [None] * len(gdf)
    return list(gdf[column].to_numpy(dtype=object))


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str | list | tuple | np.ndarray):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _id_str(value: object) -> str:
    """An id as text; integral floats (``12.0``, from a column with gaps) lose ``.0``."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _number(value: object) -> float | None:
    if _is_missing(value):
        return None
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return out if np.isfinite(out) else None


def _text(value: object, default: str = "") -> str:
    return default if _is_missing(value) else str(value)


def _member_names(value: object) -> list[str] | None:
    if _is_missing(value):
        return None
    if isinstance(value, str):
        parts: Iterable[object] = _MEMBER_SEPARATORS.split(value)
    elif isinstance(value, Iterable):
        parts = value
    else:
        parts = [value]
    names = [str(p).strip() for p in parts if not _is_missing(p) and str(p).strip()]
    return names or None


def _area_km2(frame: gpd.GeoDataFrame) -> np.ndarray:
    """Areas in km² of lon/lat units: their ``area_km2`` where given, else measured.

    Both come from :func:`townmerge.data.crs.equal_area_km2` (``merged_units`` fills
    ``area_km2`` with it), so the map shows the same area as the report and the
    GeoJSON.
    """
    given = (pd.to_numeric(frame["area_km2"], errors="coerce").to_numpy(dtype=float)
             if "area_km2" in frame.columns else np.full(len(frame), np.nan))
    missing = ~np.isfinite(given)
    if missing.any():
        given[missing] = equal_area_km2(frame.geometry.to_numpy()[missing], _WGS84)
    return given


def _round(geoms: np.ndarray) -> np.ndarray:
    result: np.ndarray = shapely.transform(geoms, lambda c: np.round(c, COORD_DECIMALS))
    return result


def _has_shape(geom: object) -> bool:
    return isinstance(geom, shapely.Geometry) and not bool(shapely.is_empty(geom))


def greedy_colours(ids: Sequence[str], geoms: np.ndarray) -> list[str]:
    """A palette colour per unit, neighbours differing whenever the palette allows.

    Units are coloured in order of sorted id; each takes, among the colours no
    coloured neighbour has, the one used least so far (ties: palette order).
    """
    n = len(ids)
    neighbours: list[set[int]] = [set() for _ in range(n)]
    valid = np.array([_has_shape(g) for g in geoms], dtype=bool)
    if valid.any():
        tree = shapely.STRtree(geoms)
        left, right = tree.query(geoms, predicate="dwithin", distance=NEIGHBOUR_TOLERANCE_DEG)
        for a, b in zip(left.tolist(), right.tolist(), strict=True):
            if a != b:
                neighbours[a].add(b)
    chosen: dict[int, int] = {}
    used = [0] * len(PALETTE)
    for i in sorted(range(n), key=lambda k: (ids[k], k)):
        taken = [chosen[j] for j in neighbours[i] if j in chosen]
        free = [k for k in range(len(PALETTE)) if k not in taken]
        candidates = free or list(range(len(PALETTE)))
        best = min(candidates, key=lambda k: (taken.count(k), used[k], k))
        chosen[i] = best
        used[best] += 1
    return [PALETTE[chosen[i]] for i in range(n)]


_greedy_colours = greedy_colours  # the name the tests know


def _tip(title: str, rows: Sequence[tuple[str, str | None]]) -> dict[str, Any]:
    """Tooltip as plain text (drawn with ``textContent``): a name and its lines.

    Rows with no value are left out.
    """
    return {"name": title,
            "lines": [f"{key}: {value}" for key, value in rows if value is not None]}


def _collection(
    geoms: np.ndarray, properties: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    features = [
        {"type": "Feature", "properties": props, "geometry": mapping(geom)}
        for geom, props in zip(geoms, properties, strict=True)
        if _has_shape(geom)
    ]
    return {"type": "FeatureCollection", "features": features}


def _settlement_shapes(settlements: gpd.GeoDataFrame, lang: str) -> dict[str, Any]:
    pts = _to_wgs84(settlements, "settlements")
    geoms = pts.geometry.to_numpy()
    geoms = np.array(
        [g if not _has_shape(g) or g.geom_type == "Point" else g.representative_point()
         for g in geoms],
        dtype=object,
    )
    pops = [_number(v) for v in _values(pts, "population")]
    known = [p for p in pops if p is not None and p > 0]
    top = max(known) if known else None
    props = []
    for sid, name, pop in zip(pts.index, _values(pts, "name"), pops, strict=True):
        radius = 3.0 if pop is None or top is None else 2.5 + 5.5 * (max(pop, 0.0) / top) ** 0.5
        props.append({
            **_tip(_text(name, str(sid)), [
                (label("population", lang), fmt_population(pop, lang) if pop is not None else None),
            ]),
            "style": {
                "radius": round(radius, 1), "color": "#333333", "weight": 1,
                "fillColor": "#ffffff", "fillOpacity": 0.9,
            },
        })
    return _collection(_round(geoms), props)


def _before_properties(
    old: gpd.GeoDataFrame, name_of: dict[str, str], colours: dict[str, str], lang: str
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """Tooltip and style of each current unit, and the former names of each new unit."""
    ids = [_id_str(i) for i in old.index]
    names = [_text(v, i) for v, i in zip(_values(old, "name"), ids, strict=True)]
    targets = [None if _is_missing(v) else _id_str(v) for v in _values(old, "new_unit")]
    pops = [_number(v) for v in _values(old, "population")]
    areas = _area_km2(old)
    members_of: dict[str, list[str]] = {}
    for k in sorted(range(len(ids)), key=lambda j: ids[j]):
        target = targets[k]
        if target is not None:
            members_of.setdefault(target, []).append(names[k])
    props = []
    for k, (uid, name, target) in enumerate(zip(ids, names, targets, strict=True)):
        rows: list[tuple[str, str | None]] = [
            (label("unit_id", lang), uid),
            (label("population", lang), fmt_population(pops[k], lang)),
            (label("area", lang), fmt_area_km2(areas[k], lang)),
            (label("new_unit", lang), None if target is None else name_of.get(target, target)),
        ]
        fill = colours.get(target, NO_UNIT_COLOUR) if target is not None else NO_UNIT_COLOUR
        props.append({
            **_tip(name, rows),
            "style": {"color": "#333333", "weight": 1, "opacity": 0.9,
                      "fillColor": fill, "fillOpacity": 0.35},
        })
    return props, members_of


def _after_properties(
    new: gpd.GeoDataFrame, ids: list[str], names: list[str], colours: dict[str, str],
    members_of: dict[str, list[str]], lang: str,
) -> list[dict[str, Any]]:
    """Tooltip and style of each merged unit."""
    pops = [_number(v) for v in _values(new, "population")]
    areas = _area_km2(new)
    # names, never bare ids: merged_units gives ids in ``members`` and names in ``member_names``
    members = _values(new, "member_names" if "member_names" in new.columns else "members")
    seats = _values(new, "seat_name")
    props = []
    for k, uid in enumerate(ids):
        former = _member_names(members[k]) or members_of.get(uid)
        rows: list[tuple[str, str | None]] = [
            (label("population", lang), fmt_population(pops[k], lang)),
            (label("area", lang), fmt_area_km2(areas[k], lang)),
            (label("members", lang), join_names(former, lang) if former else None),
            (label("seat", lang), None if _is_missing(seats[k]) else str(seats[k])),
        ]
        props.append({
            **_tip(names[k], rows),
            "style": {"color": "#444444", "weight": 1.5, "opacity": 1,
                      "fillColor": colours[uid], "fillOpacity": 0.75},
        })
    return props


def _labels(geoms: np.ndarray, names: list[str]) -> dict[str, Any]:
    """A text label (no image) at a point inside each unit."""
    keep = [k for k, geom in enumerate(geoms) if _has_shape(geom)]
    points = _round(shapely.point_on_surface(geoms[keep]))
    return _collection(points, [{"label": names[k]} for k in keep])


class MapData(NamedTuple):
    """What a before/after map draws.

    Attributes
    ----------
    layers : list of dict
        Each with ``title`` (HTML-escaped), ``show``, ``shapes`` (a FeatureCollection whose
        features carry ``name``, ``lines`` and ``style``) and, for the merged units,
        ``labels``.
    bounds : list of list of float
        ``[[south, west], [north, east]]`` in degrees.
    centre : list of float
        ``[lat, lon]`` of the view's centre.
    counts : tuple of (int, int)
        The number of current and of merged units.
    """

    layers: list[dict[str, Any]]
    bounds: list[list[float]]
    centre: list[float]
    counts: tuple[int, int]


def map_data(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame,
             settlements: gpd.GeoDataFrame | None, lang: str) -> MapData:
    """The layers, bounds and centre of a before/after map (see ``before_after_map``).

    Raises
    ------
    ValueError
        If a frame has no CRS (:class:`townmerge.errors.CRSError`), ``before`` or ``after``
        is empty, or neither has a geometry to draw.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> before = gpd.GeoDataFrame(
    ...     {"name": ["甲镇", "乙乡"], "population": [12000, 8000], "new_unit": ["N1", "N1"]},
    ...     geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
    ...     index=["a", "b"], crs="EPSG:32648")
    >>> after = before.dissolve(by="new_unit", aggfunc={"population": "sum"}).assign(name="甲镇")
    >>> data = map_data(before, after, None, "en")
    >>> [layer["title"] for layer in data.layers], data.counts
    (['Before', 'After'], (2, 1))
    >>> data.layers[1]["shapes"]["features"][0]["properties"]["name"]
    '甲镇'
    """
    old = _to_wgs84(before, "before")
    new = _to_wgs84(after, "after")
    for frame, which in ((old, "before"), (new, "after")):
        if len(frame) == 0:
            raise ValueError(f"The `{which}` frame is empty: there is nothing to draw.")
    bounds = np.vstack([old.total_bounds, new.total_bounds])
    if not np.isfinite(bounds).any():
        raise ValueError("The `before` and `after` frames have no geometry to draw.")
    minx, miny = np.round(np.nanmin(bounds[:, :2], axis=0), COORD_DECIMALS).tolist()
    maxx, maxy = np.round(np.nanmax(bounds[:, 2:], axis=0), COORD_DECIMALS).tolist()
    centre = [round((miny + maxy) / 2, COORD_DECIMALS), round((minx + maxx) / 2, COORD_DECIMALS)]

    new_ids = [_id_str(i) for i in new.index]
    new_geoms = new.geometry.to_numpy()
    new_names = [_text(v, i) for v, i in zip(_values(new, "name"), new_ids, strict=True)]
    colours = dict(zip(new_ids, greedy_colours(new_ids, new_geoms), strict=True))
    old_props, members_of = _before_properties(old, dict(zip(new_ids, new_names, strict=True)),
                                               colours, lang)
    new_props = _after_properties(new, new_ids, new_names, colours, members_of, lang)

    layers: list[dict[str, Any]] = [
        {"title": escape_html(label("before", lang)), "show": False,
         "shapes": _collection(_round(old.geometry.to_numpy()), old_props)},
        {"title": escape_html(label("after", lang)), "show": True,
         "shapes": _collection(_round(new_geoms), new_props),
         "labels": _labels(new_geoms, new_names)},
    ]
    if settlements is not None and len(settlements) > 0:
        layers.append({"title": escape_html(label("settlements", lang)), "show": False,
                       "shapes": _settlement_shapes(settlements, lang)})
    return MapData(layers, [[miny, minx], [maxy, maxx]], centre, (len(old), len(new)))
