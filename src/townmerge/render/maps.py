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
written verbatim (:class:`townmerge.render.verbatim.Verbatim`). This module assembles the
page (folium scaffolding, inline Leaflet, CSS, the fixed drawing script, title, legend and
warnings); :mod:`townmerge.render.map_data` builds the data it draws.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> before = gpd.GeoDataFrame(
...     {"name": ["甲镇", "乙乡"], "population": [12000, 8000], "new_unit": ["N1", "N1"]},
...     geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
...     index=["a", "b"], crs="EPSG:32648")
>>> after = before.dissolve(by="new_unit", aggfunc={"population": "sum"}).assign(name="甲镇")
>>> html = frames_map(before, after).get_root().render()
>>> "调整后" in html, "<script src=" in html
(True, False)
"""

from __future__ import annotations

import json
import os
import pathlib
import re
from collections.abc import Sequence
from importlib.resources import files
from typing import Any

import folium
import geopandas as gpd
from branca.element import Figure
from folium.utilities import camelize

from ..data.atomic import atomic_write_text
from ..errors import ParameterError
from ..evaluate.metrics import Breach
from ..i18n import check_lang, label
from .map_data import escape_html, map_data
from .verbatim import ScriptAfter, Verbatim, script_json

__all__ = ["breach_box", "frames_map", "inline_leaflet", "save_map", "tile_spec"]

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


def _static_text(name: str) -> str:
    return (files("townmerge.render") / "static" / name).read_text(encoding="utf-8")


def _ensure_charset(figure: Figure) -> None:
    if "meta_charset" not in figure.header._children:
        figure.header.add_child(Verbatim('<meta charset="utf-8">'), name="meta_charset", index=0)


def inline_leaflet(m: folium.Map) -> None:
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


def tile_spec(tiles: str | None) -> dict[str, Any] | None:
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


def frames_map(
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
    to :data:`~townmerge.render.map_data.COORD_DECIMALS` decimals. Areas are
    geodesic, on the WGS84 ellipsoid. Merged units are filled from
    :data:`~townmerge.render.map_data.PALETTE`, greedily in order of sorted id so
    that touching units usually differ; current units are thin outlines filled
    faintly with the colour of the unit they go to (:func:`~townmerge.render.map_data.map_data`
    builds the layers).

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
    >>> m = frames_map(before, after, lang="en", title="Demo & test")
    >>> page = m.get_root().render()
    >>> "3 → 2" in page, "Demo &amp; test" in page, "<b>C</b>" in page
    (True, True, False)
    """
    check_lang(lang)
    data = map_data(before, after, settlements, lang)
    tile_layer = tile_spec(tiles)

    m = folium.Map(
        location=data.centre, zoom_start=10, tiles=None, control_scale=True, zoom_snap=0.25
    )
    inline_leaflet(m)
    figure = m.get_root()
    assert isinstance(figure, Figure)
    title_text = title if title is not None else label("title", lang)
    figure.header.add_child(Verbatim(f"<title>{escape_html(title_text)}</title>"),
                            name="townmerge_title")
    figure.html.add_child(
        Verbatim(f'<div class="tm-title">{escape_html(title_text)}</div>'
                 + breach_box(breaches, lang)), name="townmerge_title"
    )
    legend = (
        '<div class="tm-legend">'
        f"<b>{escape_html(label('legend_title', lang))}</b>"
        f"<div>{escape_html(label('before', lang))} → {escape_html(label('after', lang))}</div>"
        f'<div class="tm-count">{data.counts[0]} → {data.counts[1]} '
        f'{escape_html(label("units", lang))}</div>'
        "</div>"
    )
    figure.html.add_child(Verbatim(legend), name="townmerge_legend")
    data_id = f"{m.get_name()}_data"
    page_data = {"layers": data.layers, "tiles": tile_layer, "bounds": data.bounds}
    figure.html.add_child(
        Verbatim(f'<script type="application/json" id="{data_id}">{script_json(page_data)}'
                 "</script>"),
        name="townmerge_data",
    )
    m.add_child(_draw_script(m, data_id, tile_layer is not None), name="townmerge_draw")
    return m


_BREACH_HEAD = {"zh": "警告：本方案违反以下硬约束", "en": "Warning: this plan breaks hard rules"}


def _plain(value: object) -> str:
    """Escaped text that no template engine reads as code (braces as entities)."""
    return escape_html(value).replace("{", "&#123;").replace("}", "&#125;").replace("%", "&#37;")


def breach_box(breaches: Sequence[Breach | str], lang: str) -> str:
    """The red warning box listing the hard rules a plan breaks (escaped), or ``""``."""
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
