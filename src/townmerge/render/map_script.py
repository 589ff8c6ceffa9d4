"""The fixed CSS and JavaScript of the plan maps: panes, layers, seats, legends, sync.

Nothing here holds data. The page's data (:mod:`townmerge.render.map_layers`) arrives as one
JSON object, parsed by :data:`PANES_JS`, which builds every pane, layer, tooltip, popup,
label, legend and colour scale with DOM calls and ``textContent`` (never ``innerHTML`` from
data). Two panes (before/after) are two Leaflet maps kept on the same view by a small sync
(no plug-in, nothing from a CDN): side by side (``"dual"``), or stacked with a swipe slider
(``"swipe"``). The data arrives packed (:mod:`townmerge.render.map_pack`) and is decoded
first. The maps are left in ``window.townmergeMaps`` and the decoded data in
``window.townmergeData`` for tests and scripts.

Examples
--------
>>> "textContent" in PANES_JS and "innerHTML =" not in PANES_JS
True
>>> sorted(SEAT_SYMBOLS)
['current', 'former', 'kept', 'moved', 'new']
"""

from __future__ import annotations

import json

__all__ = ["PANES_CSS", "PANES_JS", "SEAT_SYMBOLS"]

#: The symbol of each kind of seat marker (the page knows no other kind).
SEAT_SYMBOLS: dict[str, str] = {
    "kept": "●", "moved": "★", "new": "▲", "former": "○", "current": "■",
}

PANES_CSS = """
.leaflet-container { isolation: isolate; }  /* each pane its own stacking context */
.tm-pane-right { position: absolute; top: 0; left: 50%; width: 50%; height: 100%; }
.tm-pane-swipe { position: absolute; top: 0; left: 0; width: 100%; height: 100%; }
.tm-divider { border-left: 2px solid #333; }
.tm-title { z-index: 1200; }
.leaflet-control-layers-toggle { width: 36px; height: 36px; text-decoration: none; }
.leaflet-control-layers-toggle::after { content: "\\2630"; display: block; text-align: center;
  font: 22px/36px sans-serif; color: #333; }
.tm-pane-swipe .tm-pane-label { left: auto; right: 60px; }
.tm-pane-swipe .tm-pane-legend { left: auto; right: 10px; }
.tm-pane-label {
  position: absolute; z-index: 1000; top: 10px; left: 56px; padding: 2px 10px;
  border-radius: 4px; background: #333; color: #fff; pointer-events: none;
  font: bold 15px/1.4 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
}
.tm-swipe {
  position: absolute; z-index: 1100; bottom: 40px; left: 25%; width: 50%;
}
.tm-pane-legend {
  position: absolute; z-index: 1000; bottom: 28px; left: 10px; max-width: 45%;
  max-height: 55%; overflow: auto; padding: 6px 10px; border-radius: 4px;
  background: rgba(255, 255, 255, 0.92); box-shadow: 0 1px 4px rgba(0, 0, 0, 0.3);
  font: 12px/1.35 "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
}
.tm-pane-legend h4 { margin: 4px 0 2px; font-size: 12px; }
.tm-key { display: inline-block; width: 14px; height: 10px; margin-right: 4px;
  vertical-align: middle; border: 1px solid #555; }
.tm-key-line { height: 0; border-width: 2px 0 0 0; }
.tm-key-dashed { height: 0; border-width: 1px 0 0 0; border-style: dashed; }
.tm-ramp { display: flex; }
.tm-ramp span { flex: 1; height: 10px; }
.tm-ticks { display: flex; justify-content: space-between; font-size: 10px; }
.tm-seat-icon { background: none; border: none; }
.tm-seat { display: block; width: 18px; height: 18px; line-height: 18px; text-align: center;
  font-size: 16px; text-shadow: 0 0 2px #fff, 0 0 2px #fff; }
.tm-seat-kept { color: #1a5fb4; }
.tm-seat-moved { color: #c01c28; font-size: 18px; }
.tm-seat-new { color: #e66100; }
.tm-seat-former { color: #555; }
.tm-seat-current { color: #333; font-size: 12px; }
"""

# The page script: ``map`` is the first pane (the folium map), ``data`` the parsed JSON.
PANES_JS = """
    var SYMBOLS = %(symbols)s;
    function unpack(d) {
        // the compact form of townmerge.render.map_pack back into GeoJSON layers
        if (!d.geoms) { return d; }
        var scale = Math.pow(10, d.decimals);
        function line(flat) {
            var out = [], x = 0, y = 0;
            for (var i = 0; i < flat.length; i += 2) {
                x += flat[i]; y += flat[i + 1];
                out.push([x / scale, y / scale]);
            }
            return out;
        }
        function point(p) { return [p[0] / scale, p[1] / scale]; }
        function rings(r) { return r.map(line); }
        function geometry(g) {
            if (g.t === "GeometryCollection") {
                return {type: g.t, geometries: g.g.map(geometry)};
            }
            var c = g.t === "Point" ? point(g.c) : g.t === "MultiPoint" ? g.c.map(point)
                : g.t === "LineString" ? line(g.c)
                : g.t === "MultiPolygon" ? g.c.map(rings) : rings(g.c);
            return {type: g.t, coordinates: c};
        }
        var geoms = d.geoms.map(geometry);
        d.panes.forEach(function (pane) {
            pane.layers.forEach(function (spec) {
                var s = spec.shapes, l = spec.labels;
                if (s && s.packed) {
                    spec.shapes = {type: "FeatureCollection", features: s.features.map(
                        function (f) {
                            var p = f[0];
                            if (!p.style && s.style) { p.style = s.style; }
                            return {type: "Feature", properties: p,
                                    geometry: f[1] < 0 ? null : geoms[f[1]]};
                        })};
                }
                if (l && l.xy) {
                    spec.labels = {type: "FeatureCollection", features: l.text.map(
                        function (t, i) {
                            return {type: "Feature", properties: {label: t, minZoom: l.zoom[i]},
                                    geometry: {type: "Point", coordinates:
                                               point([l.xy[2 * i], l.xy[2 * i + 1]])}};
                        })};
                }
            });
        });
        delete d.geoms;
        return d;
    }
    data = unpack(data);
    window.townmergeData = data;
    function element(tag, text, cls) {
        var node = document.createElement(tag);
        if (cls) { node.className = cls; }
        if (text !== null && text !== undefined) { node.textContent = text; }
        return node;
    }
    function plainHtml(text) { return element("span", text).innerHTML; }
    function colour(value) {
        return /^#[0-9a-fA-F]{3,8}$/.test(value || "") ? value : "#999999";
    }
    function box(p) {
        var div = element("div", null, "tm-tip");
        div.appendChild(element("b", p.name));
        (p.lines || []).forEach(function (line) {
            div.appendChild(document.createElement("br"));
            div.appendChild(document.createTextNode(line));
        });
        return div;
    }
    function bind(feature, layer) {
        var p = feature.properties;
        if (p.name !== undefined) {
            layer.bindTooltip(function () { return box(p); }, {sticky: true});
        }
        if (p.popup) { layer.bindPopup(function () { return box(p.popup); }); }
        if (p.style && p.style.fill !== false && layer.setStyle) {
            layer.on("mouseover", function () {
                layer.setStyle({weight: (p.style.weight || 1) + 2});
            });
            layer.on("mouseout", function () { layer.setStyle(p.style); });
        }
    }
    function seatIcon(kind) {
        var known = Object.prototype.hasOwnProperty.call(SYMBOLS, kind) ? kind : "current";
        return L.divIcon({html: element("span", SYMBOLS[known], "tm-seat tm-seat-" + known),
                          className: "tm-seat-icon", iconSize: [18, 18], iconAnchor: [9, 9]});
    }
    function shapes(collection, canvas) {
        // large layers draw on one canvas per pane, not as thousands of SVG paths
        return L.geoJson(collection, {
            renderer: collection.features.length > 3000 ? canvas : undefined,
            style: function (feature) { return feature.properties.style; },
            pointToLayer: function (feature, latlng) {
                var p = feature.properties;
                if (p.seat) { return L.marker(latlng, {icon: seatIcon(p.seat)}); }
                return new L.CircleMarker(latlng, p.style);
            },
            onEachFeature: bind
        });
    }
    function labels(collection, pmap) {
        // Only the labels in view whose unit is large enough at this zoom are in the page.
        var group = L.layerGroup();
        var items = collection.features.map(function (f) {
            var c = f.geometry.coordinates;
            return {latlng: L.latLng(c[1], c[0]), text: f.properties.label,
                    zoom: f.properties.minZoom || 0, marker: null};
        });
        function refresh() {
            if (!pmap.hasLayer(group)) { return; }
            var zoom = pmap.getZoom(), view = pmap.getBounds().pad(0.2);
            items.forEach(function (it) {
                var want = zoom >= it.zoom && view.contains(it.latlng);
                if (want && !it.marker) {
                    it.marker = L.marker(it.latlng, {
                        icon: L.divIcon({html: element("div", it.text, "tm-label"),
                                         className: "tm-label-icon", iconSize: [0, 0],
                                         iconAnchor: [0, 0]}),
                        interactive: false, keyboard: false});
                    group.addLayer(it.marker);
                } else if (!want && it.marker) {
                    group.removeLayer(it.marker);
                    it.marker = null;
                }
            });
        }
        pmap.on("moveend", refresh);
        group.on("add", refresh);
        return group;
    }
    function legendEntry(entry) {
        var row = element("div", null, "tm-legend-row");
        if (entry.type === "scale") {
            var ramp = element("div", null, "tm-ramp");
            entry.colours.forEach(function (c) {
                var cell = element("span");
                cell.style.background = colour(c);
                ramp.appendChild(cell);
            });
            var ticks = element("div", null, "tm-ticks");
            entry.ticks.forEach(function (t) { ticks.appendChild(element("span", t)); });
            row.appendChild(ramp);
            row.appendChild(ticks);
            return row;
        }
        if (entry.type === "symbol") {
            var kind = Object.prototype.hasOwnProperty.call(SYMBOLS, entry.kind)
                ? entry.kind : "current";
            row.appendChild(element("span", SYMBOLS[kind], "tm-seat tm-seat-" + kind));
            row.lastChild.style.display = "inline-block";
        } else if (entry.type !== "text") {
            var key = element("span", null, "tm-key" + (entry.type === "line" ? " tm-key-line"
                : entry.type === "dashed" ? " tm-key-dashed" : ""));
            if (entry.type === "swatch") { key.style.background = colour(entry.colour); }
            else { key.style.borderColor = colour(entry.colour); }
            row.appendChild(key);
        }
        row.appendChild(document.createTextNode(entry.text));
        return row;
    }
    function drawPane(pmap, pane, index) {
        if (data.tiles) { L.tileLayer(data.tiles.url, data.tiles.options).addTo(pmap); }
        pmap.attributionControl.setPrefix(plainHtml(data.attribution));
        L.control.scale({metric: true, imperial: false}).addTo(pmap);
        var container = pmap.getContainer();
        container.appendChild(element("div", pane.label, "tm-pane-label"));
        var legend = element("div", null, "tm-pane-legend");
        var canvas = L.canvas({padding: 0.5});
        var control = L.control.layers(null, null, {
            collapsed: data.panes.length > 1,
            position: index === 0 && data.panes.length > 1 ? "topleft" : "topright"});
        pane.layers.forEach(function (spec) {
            var group = L.featureGroup([]);
            if (spec.shapes) { group.addLayer(shapes(spec.shapes, canvas)); }
            if (spec.labels) { group.addLayer(labels(spec.labels, pmap)); }
            control.addOverlay(group, plainHtml(spec.title));  // Leaflet writes it as HTML
            var section = null;
            if (spec.legend && spec.legend.length) {
                section = element("div", null, "tm-legend-section");
                section.appendChild(element("h4", spec.title));
                spec.legend.forEach(function (e) { section.appendChild(legendEntry(e)); });
                section.style.display = spec.show ? "" : "none";
                legend.appendChild(section);
            }
            pmap.on("overlayadd overlayremove", function (event) {
                if (event.layer === group && section) {
                    section.style.display = event.type === "overlayadd" ? "" : "none";
                }
            });
            if (spec.show) { group.addTo(pmap); }
        });
        control.addTo(pmap);
        container.appendChild(legend);
        L.DomEvent.disableClickPropagation(legend);
        L.DomEvent.disableScrollPropagation(legend);
    }
    function sync(maps) {
        var busy = false;
        maps.forEach(function (source) {
            source.on("move", function () {
                if (busy) { return; }
                busy = true;
                maps.forEach(function (target) {
                    if (target !== source) {
                        target.setView(source.getCenter(), source.getZoom(), {animate: false});
                    }
                });
                busy = false;
            });
        });
    }
    var maps = [map];
    var first = map.getContainer();
    if (data.panes.length > 1) {
        var div = element("div", null, data.mode === "swipe" ? "tm-pane-swipe"
                                                              : "tm-pane-right tm-divider");
        first.parentNode.insertBefore(div, first.nextSibling);
        if (data.mode !== "swipe") { first.style.width = "50%%"; }
        maps.push(L.map(div, {zoomSnap: 0.25, zoomControl: data.mode !== "swipe"}));
        if (data.mode === "swipe") {
            var slider = element("input", null, "tm-swipe");
            slider.type = "range"; slider.min = "0"; slider.max = "100"; slider.value = "50";
            var clip = function () { div.style.clipPath = "inset(0 0 0 " + slider.value + "%%)"; };
            slider.addEventListener("input", clip);
            clip();
            first.parentNode.appendChild(slider);
            L.DomEvent.disableClickPropagation(slider);
        }
    }
    map.invalidateSize();
    var fitted = false;
    function fit() {
        // a page drawn out of sight (a folded section, a hidden frame) has no size yet:
        // centre it now and fit the bounds once it is shown
        var size = map.getSize();
        if (size.x > 0 && size.y > 0) {
            maps.forEach(function (pmap) {
                pmap.invalidateSize();
                pmap.fitBounds(data.bounds, {padding: [20, 20]});
            });
            fitted = true;
        } else {
            maps.forEach(function (pmap) {
                pmap.setView(L.latLngBounds(data.bounds).getCenter(), 8);
            });
        }
    }
    fit();
    if (!fitted && window.ResizeObserver) {
        var watch = new ResizeObserver(function () {
            if (!fitted) { fit(); }
            if (fitted) { watch.disconnect(); }
        });
        watch.observe(first);
    }
    data.panes.forEach(function (pane, k) { drawPane(maps[k], pane, k); });
    sync(maps);
    window.townmergeMaps = maps;
""" % {"symbols": json.dumps(SEAT_SYMBOLS, ensure_ascii=True)}  # noqa: UP031
