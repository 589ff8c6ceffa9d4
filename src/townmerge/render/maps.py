"""Before/after HTML maps of a merger plan, drawn with folium, that open offline.

The map has two toggled layers, the current units ("before", hidden at first)
and the merged units ("after", shown), plus an optional layer of settlements.
Leaflet is inlined from the vendored copy in ``townmerge/render/static``: the
HTML loads nothing from a CDN, and with ``tiles=None`` nothing from the network
at all.

Names are data, never templates: folium compiles what it is given as Jinja
templates, so it is given nothing from the data or the user. The shapes,
tooltips, labels and tiles reach the page as one JSON object escaped for a
``<script>`` element (:func:`townmerge.render.verbatim.script_json`), and a
fixed script draws them, writing every name with ``textContent`` (never as
HTML); the title and legend are HTML-escaped and, like the inlined Leaflet,
written verbatim (:class:`townmerge.render.verbatim.Verbatim`).

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> before = gpd.GeoDataFrame(
...     {"name": ["甲镇", "乙乡"], "population": [12000, 8000], "new_unit": ["N1", "N1"]},
...     geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
...     index=["a", "b"], crs="EPSG:32648")
>>> after = before.dissolve(by="new_unit", aggfunc={"population": "sum"}).assign(name="甲镇")
>>> html = before_after_map(before, after).get_root().render()
>>> "调整后" in html, "<script src=" in html
(True, False)
"""

from __future__ import annotations

import html
import json
import os
import pathlib
import re
from collections.abc import Iterable, Sequence
from importlib.resources import files
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Figure
from folium.utilities import camelize
from shapely.geometry import mapping

from ..data.atomic import atomic_write_text
from ..data.crs import equal_area_km2
from ..errors import CRSError, ParameterError
from ..evaluate.metrics import Breach
from ..i18n import check_lang, fmt_area_km2, fmt_population, join_names, label
from .verbatim import ScriptAfter, Verbatim, script_json

__all__ = ["PALETTE", "before_after_map", "save_map"]

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
# Leaflet's CSS points at images we do not ship (layers control, default marker).
_CSS_IMAGE_URL = re.compile(r"url\((?![\"']?#)[^)]*\)")
# Names of JavaScript variables folium gives its objects (``map_`` and hex digits).
_JS_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

_CSS = """
.tm-title {
  position: absolute; z-index: 1000; top: 10px; left: 50%; transform: translateX(-50%);
  max-width: 60%; padding: 4px 14px; border-radius: 4px; pointer-events: none;
  background: rgba(255, 255, 255, 0.9); box-shadow: 0 1px 4px rgba(0, 0, 0, 0.3);
  font: bold 16px/1.4 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
  text-align: center; overflow-wrap: anywhere; max-height: 30%; overflow: hidden;
}
.tm-legend {
  position: absolute; z-index: 1000; bottom: 28px; right: 10px; padding: 6px 10px;
  border-radius: 4px; background: rgba(255, 255, 255, 0.9);
  box-shadow: 0 1px 4px rgba(0, 0, 0, 0.3);
  font: 13px/1.4 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
}
.tm-legend .tm-count { font-size: 18px; font-weight: bold; }
.tm-breaches {
  position: absolute; z-index: 1001; top: 52px; left: 50%; transform: translateX(-50%);
  max-width: 70%; max-height: 40%; overflow: auto; padding: 4px 12px; border-radius: 4px;
  border: 3px solid #b00; background: #fff0f0; color: #900;
  font: 13px/1.4 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
}
.tm-breaches ul { margin: 2px 0; padding-left: 18px; }
.tm-label {
  position: absolute; transform: translate(-50%, -50%); white-space: nowrap;
  font: bold 12px/1.2 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
  color: #222; text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff;
  pointer-events: none; max-width: 20em; overflow: hidden; text-overflow: ellipsis;
}
.tm-tip { white-space: normal; width: max-content; max-width: 320px; overflow-wrap: anywhere; }
"""

# Draws ``data`` (the JSON object before_after_map writes: layers, tiles, bounds) on
# ``map``. Fixed code: the data comes in parsed, and every name is written with
# textContent, never as HTML.
_TILES_JS = """
    L.tileLayer(data.tiles.url, data.tiles.options).addTo(map);"""
_DRAW_JS = """
    function element(tag, text, cls) {
        var node = document.createElement(tag);
        if (cls) { node.className = cls; }
        if (text !== null) { node.textContent = text; }
        return node;
    }
    function tooltip(p) {
        return function () {
            var box = element("div", null, "tm-tip");
            box.appendChild(element("b", p.name));
            p.lines.forEach(function (line) {
                box.appendChild(document.createElement("br"));
                box.appendChild(document.createTextNode(line));
            });
            return box;
        };
    }
    function onEachFeature(feature, layer) {
        var p = feature.properties;
        layer.bindTooltip(tooltip(p), {sticky: true});
        layer.on("mouseover", function () {
            layer.setStyle({weight: (p.style.weight || 1) + 2});
        });
        layer.on("mouseout", function () { layer.setStyle(p.style); });
    }
    function shapes(collection) {
        return L.geoJson(collection, {
            style: function (feature) { return feature.properties.style; },
            pointToLayer: function (feature, latlng) {
                return new L.CircleMarker(latlng, feature.properties.style);
            },
            onEachFeature: onEachFeature
        });
    }
    function labels(collection) {
        return L.geoJson(collection, {
            pointToLayer: function (feature, latlng) {
                return L.marker(latlng, {
                    icon: L.divIcon({
                        html: element("div", feature.properties.label, "tm-label"),
                        className: "tm-label-icon", iconSize: [0, 0], iconAnchor: [0, 0]
                    }),
                    interactive: false, keyboard: false
                });
            }
        });
    }
    var control = L.control.layers(null, null, {collapsed: false});
    data.layers.forEach(function (spec) {
        var group = L.featureGroup([shapes(spec.shapes)]);
        if (spec.labels) { group.addLayer(labels(spec.labels)); }
        control.addOverlay(group, spec.title);
        if (spec.show) { group.addTo(map); }
    });
    control.addTo(map);
    map.fitBounds(data.bounds, {padding: [20, 20]});
"""


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _static_text(name: str) -> str:
    return (files("townmerge.render") / "static" / name).read_text(encoding="utf-8")


def _ensure_charset(figure: Figure) -> None:
    if "meta_charset" not in figure.header._children:
        figure.header.add_child(Verbatim('<meta charset="utf-8">'), name="meta_charset", index=0)


def _inline_leaflet(m: folium.Map) -> None:
    """Replace the map's CDN links by inline Leaflet (and nothing else)."""
    m.default_js = []
    m.default_css = []
    figure = m.get_root()
    assert isinstance(figure, Figure)
    _ensure_charset(figure)
    css = _CSS_IMAGE_URL.sub("none", _static_text("leaflet.css"))
    js = _static_text("leaflet.js")
    if "</script" in js.lower() or "</style" in css.lower():  # pragma: no cover - vendored
        raise RuntimeError("The vendored Leaflet cannot be inlined: it closes its own element.")
    figure.header.add_child(Verbatim(f"<style>{css}</style>"), name="leaflet_css_inline")
    figure.header.add_child(Verbatim(f"<script>{js}</script>"), name="leaflet_js_inline")
    figure.header.add_child(Verbatim(f"<style>{_CSS}</style>"), name="townmerge_css")


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


def _greedy_colours(ids: Sequence[str], geoms: np.ndarray) -> list[str]:
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


def _tiles(tiles: str | None) -> dict[str, Any] | None:
    """URL and options of a base map, resolved by folium but drawn by the page's script."""
    if tiles is None:
        return None
    try:
        layer = folium.TileLayer(tiles)
    except ValueError:  # folium: "Custom tiles must have an attribution."
        raise ParameterError(
            f"Unknown tiles {tiles!r}: give the name of a tile provider (e.g. 'OpenStreetMap' "
            "or 'CartoDB positron'), or no tiles for a map that needs no network."
        ) from None
    return {"url": layer.tiles, "options": {camelize(k): v for k, v in layer.options.items()}}


def _draw_script(m: folium.Map, data_id: str, tiles: bool) -> ScriptAfter:
    """The fixed script that draws the page data on the map (no data inside)."""
    name = m.get_name()
    if not (_JS_NAME.fullmatch(name) and _JS_NAME.fullmatch(data_id)):  # pragma: no cover
        raise RuntimeError(f"Unexpected JavaScript names from folium: {name!r}, {data_id!r}.")
    body = (_TILES_JS if tiles else "") + _DRAW_JS
    return ScriptAfter(
        f"(function (map, data) {{{body}}})({name}, "
        f"JSON.parse(document.getElementById({json.dumps(data_id)}).textContent));"
    )


def before_after_map(
    before: gpd.GeoDataFrame,
    after: gpd.GeoDataFrame,
    *,
    settlements: gpd.GeoDataFrame | None = None,
    lang: str = "zh",
    tiles: str | None = None,
    title: str | None = None,
    breaches: Sequence[Breach | str] = (),
) -> folium.Map:
    """Draw the units before and after a merger on one offline HTML map.

    Parameters
    ----------
    before : GeoDataFrame
        The current units. Index: unit id. Columns ``name``, ``population``
        (either may be missing or hold missing values) and optionally
        ``new_unit``, the id (in ``after``) of the merged unit each goes to.
    after : GeoDataFrame
        The merged units. Index: new unit id. Columns ``name``,
        ``population``, and optionally ``members`` (a list of former names, or
        one string separated by ``,``/``，``/``、``) and ``seat_name``. Without
        ``members`` the former names are taken from ``before.new_unit``.
    settlements : GeoDataFrame, optional
        Villages / communities: ``name``, ``population``; points (any other
        geometry is drawn at a representative point). Shown in a third layer,
        hidden at first, as circles sized by population.
    lang : {"zh", "en"}, default "zh"
        Language of the labels.
    tiles : str, optional
        A base map passed to :class:`folium.Map` (e.g. ``"OpenStreetMap"``);
        ``None`` (default) draws no base map, so the page needs no network.
    title : str, optional
        Title shown at the top; defaults to a generic title in ``lang``.
    breaches : sequence of Breach or str, optional
        The hard rules the plan breaks (:func:`townmerge.evaluate.metrics.plan_breaches`):
        listed in a red warning box under the title, as escaped text.

    Returns
    -------
    folium.Map
        With Leaflet inlined; write it with :func:`save_map`.

    Raises
    ------
    ValueError
        If ``lang`` is unknown, a frame has no CRS
        (:class:`townmerge.errors.CRSError`), ``before``/``after`` is empty, or
        ``tiles`` names no known provider (:class:`townmerge.errors.ParameterError`).

    Notes
    -----
    Any CRS is accepted; geometries are drawn in WGS84 with coordinates rounded
    to :data:`COORD_DECIMALS` decimals. Areas are geodesic, on the WGS84
    ellipsoid. Merged units are filled from :data:`PALETTE`, greedily in order
    of sorted id so that touching units usually differ; current units are
    thin outlines filled faintly with the colour of the unit they go to.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> before = gpd.GeoDataFrame(
    ...     {"name": ["A", "B", "<b>C</b>"], "population": [12000, 8000, None],
    ...      "new_unit": ["N1", "N1", "N2"]},
    ...     geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(0, 1000, 1000, 2000)],
    ...     index=["a", "b", "c"], crs="EPSG:32648")
    >>> after = before.dissolve(by="new_unit", aggfunc={"population": "sum"})
    >>> after["name"] = ["A", "<b>C</b>"]
    >>> m = before_after_map(before, after, lang="en", title="Demo & test")
    >>> page = m.get_root().render()
    >>> "3 → 2" in page, "Demo &amp; test" in page, "<b>C</b>" in page
    (True, True, False)
    """
    check_lang(lang)
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
    colours = dict(zip(new_ids, _greedy_colours(new_ids, new_geoms), strict=True))
    old_props, members_of = _before_properties(old, dict(zip(new_ids, new_names, strict=True)),
                                               colours, lang)
    new_props = _after_properties(new, new_ids, new_names, colours, members_of, lang)

    layers: list[dict[str, Any]] = [
        {"title": _esc(label("before", lang)), "show": False,
         "shapes": _collection(_round(old.geometry.to_numpy()), old_props)},
        {"title": _esc(label("after", lang)), "show": True,
         "shapes": _collection(_round(new_geoms), new_props),
         "labels": _labels(new_geoms, new_names)},
    ]
    if settlements is not None and len(settlements) > 0:
        layers.append({"title": _esc(label("settlements", lang)), "show": False,
                       "shapes": _settlement_shapes(settlements, lang)})
    tile_layer = _tiles(tiles)

    m = folium.Map(
        location=centre, zoom_start=10, tiles=None, control_scale=True, zoom_snap=0.25
    )
    _inline_leaflet(m)
    figure = m.get_root()
    assert isinstance(figure, Figure)
    title_text = title if title is not None else label("title", lang)
    figure.header.add_child(Verbatim(f"<title>{_esc(title_text)}</title>"), name="townmerge_title")
    figure.html.add_child(
        Verbatim(f'<div class="tm-title">{_esc(title_text)}</div>'
                 + _breach_box(breaches, lang)), name="townmerge_title"
    )
    legend = (
        '<div class="tm-legend">'
        f"<b>{_esc(label('legend_title', lang))}</b>"
        f"<div>{_esc(label('before', lang))} → {_esc(label('after', lang))}</div>"
        f'<div class="tm-count">{len(old)} → {len(new)} {_esc(label("units", lang))}</div>'
        "</div>"
    )
    figure.html.add_child(Verbatim(legend), name="townmerge_legend")
    data_id = f"{m.get_name()}_data"
    data = {"layers": layers, "tiles": tile_layer, "bounds": [[miny, minx], [maxy, maxx]]}
    figure.html.add_child(
        Verbatim(f'<script type="application/json" id="{data_id}">{script_json(data)}</script>'),
        name="townmerge_data",
    )
    m.add_child(_draw_script(m, data_id, tile_layer is not None), name="townmerge_draw")
    return m


_BREACH_HEAD = {"zh": "警告：本方案违反以下硬约束", "en": "Warning: this plan breaks hard rules"}


def _plain(value: object) -> str:
    """Escaped text that no template engine reads as code (braces as entities)."""
    return _esc(value).replace("{", "&#123;").replace("}", "&#125;").replace("%", "&#37;")


def _breach_box(breaches: Sequence[Breach | str], lang: str) -> str:
    if not breaches:
        return ""
    items = "".join(f"<li>{_plain(b.text(lang) if isinstance(b, Breach) else b)}</li>"
                    for b in breaches)
    return (f'<div class="tm-breaches" role="alert"><b>{_plain(_BREACH_HEAD[lang])}</b>'
            f"<ul>{items}</ul></div>")


def save_map(m: folium.Map, path: str | os.PathLike[str]) -> pathlib.Path:
    """Write a map as a UTF-8 HTML file, creating parent folders.

    Parameters
    ----------
    m : folium.Map
        Typically from :func:`before_after_map`.
    path : str or path-like
        Where to write.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    OutputError
        If ``path`` cannot be written; a previous file is left as it was (the page is
        written whole or not at all).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import folium
    >>> with tempfile.TemporaryDirectory() as d:
    ...     out = save_map(folium.Map(tiles=None), Path(d) / "maps" / "plan.html")
    ...     text = out.read_text(encoding="utf-8")
    >>> out.name, '<meta charset="utf-8">' in text
    ('plan.html', True)
    """
    out = pathlib.Path(path)
    figure = m.get_root()
    if not isinstance(figure, Figure):
        raise TypeError("The map is not attached to a folium Figure; cannot render it.")
    _ensure_charset(figure)
    return atomic_write_text(out, figure.render(), encoding="utf-8")
