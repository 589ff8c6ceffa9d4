"""More layers of the plan maps: settlement tiers, strongest flows, agreement across plans.

Like :mod:`townmerge.render.map_layers`, each function returns a JSON-ready layer whose
texts are plain (the page writes them with ``textContent``).

Examples
--------
>>> sorted(TIER_COLOURS)[:2]
['一般村', '一般镇']
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shapely

from ..data.model import StudyArea
from ..graph.flows import settlement_flows
from ..score.tiers import classify_tiers
from .map_geometry import MapGeometry
from .map_layers import MapText, collection

__all__ = ["TIER_COLOURS", "co_occurrence_layer", "flow_layers", "tier_layer"]

#: Colour of each settlement tier (as :func:`townmerge.score.tiers.classify_tiers` names them).
TIER_COLOURS: dict[str, str] = {
    "主城区": "#7a0177", "副中心": "#c51b8a", "中心镇": "#f768a1", "特色镇": "#fbb4b9",
    "一般镇": "#feebe2", "中心村": "#2c7fb8", "特色村": "#7fcdbb", "一般村": "#ffffff",
}
#: Radius (px) of a settlement by tier.
_TIER_RADIUS = {"主城区": 8, "副中心": 7, "中心镇": 6, "特色镇": 5.5, "一般镇": 4.5,
                "中心村": 4, "特色村": 4, "一般村": 2.5}
#: Colours of the three flow types.
FLOW_COLOURS = {"population": "#1f78b4", "traffic": "#33a02c", "economic": "#ff7f00"}
#: Agreement classes across plans: lower bound of the share, colour, key.
AGREEMENT = ((0.8, "#1a9641", "robust"), (0.2, "#fdae61", "contested"),
             (0.0, "#bababa", "rare"))


def tier_layer(area: StudyArea, geo: MapGeometry, text: MapText,
               tiers: pd.DataFrame | None = None) -> dict[str, Any] | None:
    """Settlements coloured and sized by tier (主城区 … 一般村), with a legend."""
    if area.settlements is None or len(area.settlements) == 0:
        return None
    table = classify_tiers(area) if tiers is None else tiers
    column = "tier" if text.lang == "zh" else "tier_en"
    order = [t for t in TIER_COLOURS if t in set(table["tier"])]
    table = table.assign(_rank=table["tier"].map({t: k for k, t in enumerate(TIER_COLOURS)}))
    table = table.sort_values("_rank", ascending=False, kind="stable")  # big ones on top
    props = []
    for sid, row in table.iterrows():
        tier = str(row["tier"])
        props.append({
            "name": str(row["name"]) if not pd.isna(row["name"]) else str(sid),
            "lines": [f"{text('tier')}: {row[column]}",
                      f"{text('pop')}: {text.pop(row['population']) or '—'}"],
            "style": {"radius": _TIER_RADIUS.get(tier, 3), "color": "#333333", "weight": 1,
                      "fillColor": TIER_COLOURS.get(tier, "#999999"), "fillOpacity": 0.95}})
    points = shapely.point_on_surface(area.settlements.geometry.reindex(table.index).to_numpy())
    shapes = collection(geo.to_wgs84(points), props)
    names = dict(zip(table["tier"], table[column], strict=False))
    legend = [{"type": "swatch", "colour": TIER_COLOURS[t], "text": str(names[t])}
              for t in order]
    return {"title": text("tiers"), "show": False, "shapes": shapes, "legend": legend}


def flow_layers(area: StudyArea, geo: MapGeometry, text: MapText, *,
                top: int = 40) -> list[dict[str, Any]]:
    """For each flow type, its ``top`` strongest flows between settlements, width by volume."""
    st = area.settlements
    if st is None or len(st) < 2:
        return []
    table = settlement_flows(area).to_frame()
    table = table[table["origin"] != table["destination"]]
    layers = []
    for kind in area.flow_types:
        if kind not in table.columns:
            continue
        strongest = table.nlargest(top, kind, keep="first")
        strongest = strongest[strongest[kind] > 0]
        if strongest.empty:
            continue
        volume = strongest[kind].to_numpy(dtype=float)
        widths = 1.0 + 7.0 * np.sqrt(volume / volume.max())
        ends = [shapely.get_coordinates(shapely.point_on_surface(
            st.geometry.loc[strongest[side]].to_numpy())) for side in ("origin", "destination")]
        lines = np.asarray(shapely.linestrings(np.stack(ends, axis=1)), dtype=object)
        names = st["name"] if "name" in st.columns else pd.Series(dtype=object)
        colour = FLOW_COLOURS.get(kind, "#6a3d9a")
        kind_name = text(f"flow_{kind}") if f"flow_{kind}" in _FLOW_KEYS else kind
        props = [{"name": f"{names.get(o, o)} → {names.get(d, d)}",
                  "lines": [f"{kind_name}: {v:,.0f}"],
                  "style": {"color": colour, "weight": round(float(w), 1), "opacity": 0.7,
                            "fill": False}}
                 for o, d, v, w in zip(strongest["origin"], strongest["destination"], volume,
                                       widths, strict=True)]
        title = text("flows", kind=kind_name)
        layers.append({"title": title, "show": False,
                       "shapes": collection(geo.to_wgs84(lines), props),
                       "legend": [{"type": "line", "colour": colour, "text": title}]})
    return layers


_FLOW_KEYS = {"flow_population", "flow_traffic", "flow_economic"}


def co_occurrence_layer(area: StudyArea, geo: MapGeometry, text: MapText,
                        co: pd.DataFrame) -> dict[str, Any]:
    """The share of plans merging each pair of neighbours, drawn on their shared border."""
    known = set(geo.ids)
    co = co[co["unit_a"].astype(str).isin(known) & co["unit_b"].astype(str).isin(known)]
    a = co["unit_a"].astype(str).tolist()
    b = co["unit_b"].astype(str).tolist()
    borders = geo.shared_borders(a, b)
    names = area.units["name"]
    props = []
    for ua, ub, share in zip(a, b, co["share"].to_numpy(dtype=float), strict=True):
        colour = next(c for low, c, _ in AGREEMENT if share >= low)
        pct = f"{share * 100:.0f}%"
        props.append({"name": f"{_name(names, ua, area)} – {_name(names, ub, area)}",
                      "lines": [text("share_plans", p=pct)],
                      "style": {"color": colour, "weight": 2 + 5 * share, "opacity": 0.95,
                                "fill": False}})
    keep = [k for k, g in enumerate(borders)
            if not g.is_empty and g.geom_type not in ("Point", "MultiPoint")]
    legend = [{"type": "line", "colour": c, "text": text(key)} for _, c, key in AGREEMENT]
    return {"title": text("co_occurrence"), "show": True,
            "shapes": collection(borders[keep], [props[k] for k in keep]), "legend": legend}


def _name(names: pd.Series, uid: str, area: StudyArea) -> str:
    value = names.get(uid)
    return area.label(uid) if value is None or pd.isna(value) else str(value)
