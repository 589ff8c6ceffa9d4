"""A compact form of a plan map's data: shared shapes, integer coordinates, shared styles.

A national map holds tens of thousands of shapes, most of them twice or more (the current
units and their population choropleth, the new units and three choropleths of them, the
context layers of both panes), each feature with the same style and its label as a GeoJSON
point. :func:`pack_page` writes the page's layers once in a form about half the size:

- every distinct shape once, in a table the features point into (``"geoms"``);
- coordinates as integers in units of ``10**-decimals`` degree (the map's rounding, see
  :func:`townmerge.render.map_geometry.coordinate_decimals`), each line or ring as one flat
  list, the first point absolute and the others as differences from the point before;
- the most common style of a layer once (``"style"``), features keeping only a style of
  their own;
- labels as three parallel lists (text, point, zoom) instead of point features.

The page script decodes it back into GeoJSON before drawing (``unpack`` in
:data:`townmerge.render.map_script.PANES_JS`); :func:`unpack_page` is the same decoding in
Python, for tests and for anyone reading a page's data.

Examples
--------
>>> square = {"type": "Polygon", "coordinates": [[[1.0, 2.0], [1.5, 2.0], [1.5, 2.5],
...                                                [1.0, 2.0]]]}
>>> layer = {"title": "t", "shapes": {"type": "FeatureCollection", "features": [
...     {"type": "Feature", "properties": {"name": "A", "style": {"weight": 1}},
...      "geometry": square}] * 2}}
>>> page = {"panes": [{"label": "p", "layers": [layer]}]}
>>> packed = pack_page(page, 4)
>>> packed["geoms"]
[{'t': 'Polygon', 'c': [[10000, 20000, 5000, 0, 0, 5000, -5000, -5000]]}]
>>> packed["panes"][0]["layers"][0]["shapes"]["features"]
[[{'name': 'A'}, 0], [{'name': 'A'}, 0]]
>>> unpack_page(packed)["panes"][0]["layers"][0] == layer
True
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["pack_page", "unpack_page"]

_FLAT = ("LineString",)
_RINGS = ("Polygon", "MultiLineString")


def _line(coords: Sequence[Sequence[float]], scale: float) -> list[int]:
    q = np.rint(np.asarray(coords, dtype=float).reshape(-1, 2)[:, :2] * scale).astype(np.int64)
    if len(q) > 1:
        q[1:] = np.diff(q, axis=0)
    out: list[int] = q.ravel().tolist()
    return out


def _point(coords: Sequence[float], scale: float) -> list[int]:
    return [round(float(coords[0]) * scale), round(float(coords[1]) * scale)]


def _encode(geometry: dict[str, Any], scale: float) -> dict[str, Any]:
    kind = geometry["type"]
    if kind == "GeometryCollection":
        return {"t": kind, "g": [_encode(g, scale) for g in geometry["geometries"]]}
    coords = geometry["coordinates"]
    if kind == "Point":
        body: Any = _point(coords, scale)
    elif kind == "MultiPoint":
        body = [_point(p, scale) for p in coords]
    elif kind in _FLAT:
        body = _line(coords, scale)
    elif kind in _RINGS:
        body = [_line(r, scale) for r in coords]
    elif kind == "MultiPolygon":
        body = [[_line(r, scale) for r in poly] for poly in coords]
    else:
        raise ValueError(f"unknown GeoJSON geometry type {kind!r}")
    return {"t": kind, "c": body}


def _decode_line(flat: Sequence[int], scale: float) -> list[list[float]]:
    q = np.asarray(flat, dtype=np.int64).reshape(-1, 2).cumsum(axis=0)
    out: list[list[float]] = (q / scale).tolist()
    return out


def _decode(enc: dict[str, Any], scale: float) -> dict[str, Any]:
    kind = enc["t"]
    if kind == "GeometryCollection":
        return {"type": kind, "geometries": [_decode(g, scale) for g in enc["g"]]}
    body: Any = enc["c"]
    if kind == "Point":
        coords: Any = [body[0] / scale, body[1] / scale]
    elif kind == "MultiPoint":
        coords = [[p[0] / scale, p[1] / scale] for p in body]
    elif kind in _FLAT:
        coords = _decode_line(body, scale)
    elif kind in _RINGS:
        coords = [_decode_line(r, scale) for r in body]
    else:
        coords = [[_decode_line(r, scale) for r in poly] for poly in body]
    return {"type": kind, "coordinates": coords}


def _key(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _pack_shapes(shapes: dict[str, Any], index: Callable[[dict[str, Any] | None], int]
                 ) -> dict[str, Any]:
    features = shapes.get("features", [])
    styles = Counter(_key(f["properties"].get("style")) for f in features
                     if "style" in f["properties"])
    common = json.loads(styles.most_common(1)[0][0]) if styles else None
    packed = []
    for f in features:
        props = dict(f["properties"])
        if common is not None and "style" in props and props["style"] == common:
            del props["style"]
        packed.append([props, index(f.get("geometry"))])
    out: dict[str, Any] = {"packed": 1, "features": packed}
    if common is not None:
        out["style"] = common
    return out


def _pack_labels(labels: dict[str, Any], scale: float) -> dict[str, Any]:
    features = labels.get("features", [])
    plain = all(f.get("geometry", {}).get("type") == "Point"
                and set(f["properties"]) <= {"label", "minZoom"} for f in features)
    if not plain:
        return labels
    xy = [c for f in features for c in _point(f["geometry"]["coordinates"], scale)]
    return {"text": [f["properties"].get("label") for f in features], "xy": xy,
            "zoom": [f["properties"].get("minZoom", 0) for f in features]}


def pack_page(page: dict[str, Any], decimals: int) -> dict[str, Any]:
    """The page's data in the compact form the page script decodes.

    Parameters
    ----------
    page : dict
        ``{"panes": [{"label": ..., "layers": [layer, ...]}, ...], ...}``, each layer with
        optional ``"shapes"`` (a GeoJSON FeatureCollection) and ``"labels"`` (point
        features with ``label`` and ``minZoom``).
    decimals : int
        Decimals of a degree kept (coordinates are rounded to them).

    Returns
    -------
    dict
        A new dict (``page`` is not changed), with ``"geoms"`` and ``"decimals"`` added.

    Examples
    --------
    >>> pack_page({"panes": []}, 5)
    {'panes': [], 'geoms': [], 'decimals': 5}
    """
    scale = 10.0 ** decimals
    table: list[dict[str, Any]] = []
    seen: dict[str, int] = {}

    def index(geometry: dict[str, Any] | None) -> int:
        if not geometry:
            return -1
        enc = _encode(geometry, scale)
        key = _key(enc)
        if key not in seen:
            seen[key] = len(table)
            table.append(enc)
        return seen[key]

    panes = []
    for pane in page.get("panes", []):
        layers = []
        for layer in pane.get("layers", []):
            out = dict(layer)
            if layer.get("shapes"):
                out["shapes"] = _pack_shapes(layer["shapes"], index)
            if layer.get("labels"):
                out["labels"] = _pack_labels(layer["labels"], scale)
            layers.append(out)
        panes.append({**pane, "layers": layers})
    return {**page, "panes": panes, "geoms": table, "decimals": int(decimals)}


def unpack_page(data: dict[str, Any]) -> dict[str, Any]:
    """Decode :func:`pack_page`'s form back into GeoJSON layers (as the page script does).

    Parameters
    ----------
    data : dict
        A page's data block, packed or not (returned unchanged when not packed).

    Returns
    -------
    dict

    Examples
    --------
    >>> unpack_page({"panes": []})
    {'panes': []}
    """
    if "geoms" not in data:
        return data
    scale = 10.0 ** int(data["decimals"])
    geoms = [_decode(g, scale) for g in data["geoms"]]
    out = {k: v for k, v in data.items() if k not in ("geoms", "decimals")}
    panes = []
    for pane in data.get("panes", []):
        layers = []
        for layer in pane.get("layers", []):
            spec = dict(layer)
            shapes = layer.get("shapes")
            if shapes and shapes.get("packed"):
                features = []
                for props, g in shapes["features"]:
                    p = dict(props)
                    if "style" not in p and "style" in shapes:
                        p["style"] = copy.deepcopy(shapes["style"])
                    features.append({"type": "Feature", "properties": p,
                                     "geometry": copy.deepcopy(geoms[g]) if g >= 0 else None})
                spec["shapes"] = {"type": "FeatureCollection", "features": features}
            labels = layer.get("labels")
            if labels and "xy" in labels:
                xy = labels["xy"]
                spec["labels"] = {"type": "FeatureCollection", "features": [
                    {"type": "Feature", "properties": {"label": t, "minZoom": z},
                     "geometry": {"type": "Point",
                                  "coordinates": [xy[2 * i] / scale, xy[2 * i + 1] / scale]}}
                    for i, (t, z) in enumerate(zip(labels["text"], labels["zoom"],
                                                   strict=True))]}
            layers.append(spec)
        panes.append({**pane, "layers": layers})
    out["panes"] = panes
    return out
