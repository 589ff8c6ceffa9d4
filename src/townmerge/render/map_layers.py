"""The layers of the plan maps, built from a study area and a plan as JSON-ready dicts.

Each layer is ``{"title", "show", "shapes", "labels"?, "legend"?}``: ``shapes`` a GeoJSON
FeatureCollection in rounded WGS84 whose features carry a plain-text tooltip (``name`` and
``lines``), an optional ``popup`` of the same form, a Leaflet ``style`` and, for seat markers,
``seat`` (the kind: kept, moved, new, former, current); ``legend`` entries are drawn by the
page's fixed script (:mod:`townmerge.render.map_script`). Names are never replaced by bare
ids: a unit without a name shows ``name (id)`` through :meth:`StudyArea.label`.

Examples
--------
>>> t = MapText("en")
>>> t("kept"), MapText("zh")("kept")
('seat kept', '驻地不变')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

from ..data.crs import equal_area_km2
from ..data.model import StudyArea
from ..data.plan import Plan
from ..i18n import fmt_area_km2, fmt_minutes, fmt_population, join_names
from ..score.criteria import default_criteria
from .map_data import PALETTE, greedy_colours
from .map_geometry import MapGeometry, arrow

__all__ = ["SEQUENTIAL", "MapText", "choropleth", "collection", "new_unit_layer",
           "seat_layer", "unit_layer", "unit_names"]

#: Five-class sequential ramp (ColorBrewer YlOrRd) of the choropleths.
SEQUENTIAL: tuple[str, ...] = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
#: Ramp of population against its floor: below (reds) to well above (greens).
RATIO_RAMP: tuple[str, ...] = ("#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641")
RATIO_EDGES: tuple[float, ...] = (0.0, 0.8, 1.0, 1.5, 2.0, np.inf)

_TEXT: dict[str, tuple[str, str]] = {
    "units_before": ("现状乡镇（街道）", "Current units"),
    "units_after": ("调整后乡镇（街道）", "New units"),
    "old_borders": ("原乡镇界线", "Former boundaries"),
    "seats": ("驻地", "Seats"),
    "seats_current": ("现驻地", "Current seats"),
    "kept": ("驻地不变", "seat kept"),
    "moved": ("驻地迁移", "seat moved"),
    "new": ("新驻地", "new seat"),
    "former": ("原驻地（撤销）", "former seat"),
    "current": ("驻地", "seat"),
    "former_of": ("原驻地：{name}", "former seat of {name}"),
    "seat_of": ("{name}驻地", "seat of {name}"),
    "moved_from": ("由{old}迁来", "moved from {old}"),
    "pop": ("人口", "Population"),
    "area": ("面积", "Area"),
    "members": ("原乡镇", "Former units"),
    "seat": ("驻地", "Seat"),
    "new_unit": ("调整后", "New unit"),
    "score": ("评分", "Score"),
    "breakdown": ("分项", "Breakdown"),
    "reason": ("理由", "Reason"),
    "mean_minutes": ("到驻地平均时间", "Mean time to the seat"),
    "max_minutes": ("到驻地最长时间", "Longest time to the seat"),
    "minutes": ("{m} 分钟", "{m} min"),
    "km2": ("{a} km²", "{a} km²"),
    "floor": ("人口下限", "Population floor"),
    "ratio": ("人口/下限", "Population / floor"),
    "c_population": ("人口", "Population"),
    "c_ratio": ("人口与下限之比", "Population against its floor"),
    "c_minutes": ("到驻地平均时间（分钟）", "Mean time to the seat (min)"),
    "c_score": ("合并评分", "Merger score"),
    "tiers": ("镇村体系", "Settlement tiers"),
    "tier": ("层级", "Tier"),
    "flows": ("主要{kind}", "Strongest {kind}"),
    "flow_population": ("人口流", "population flows"),
    "flow_traffic": ("交通流", "traffic flows"),
    "flow_economic": ("经济流", "economic flows"),
    "volume": ("流量", "Volume"),
    "approximate": ("近似范围（由村点推算）", "approximate territories (from points)"),
    "villages_after": ("调整后村（社区）", "New villages / communities"),
    "villages_before": ("现状村（社区）", "Current villages / communities"),
    "co_occurrence": ("合并一致性（方案集）", "Agreement across plans"),
    "robust": ("稳定合并（≥80% 方案）", "robust (≥80% of plans)"),
    "contested": ("有争议（20–80%）", "contested (20–80%)"),
    "rare": ("少见（<20%）", "rare (<20%)"),
    "share_plans": ("{p} 的方案合并二者", "merged in {p} of plans"),
    "below_floor": ("低于人口下限", "below its population floor"),
}


class MapText:
    """The map's wording in one language (``"zh"`` or ``"en"``)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, key: str, **values: object) -> str:
        """The text of ``key``, with ``values`` filled in."""
        zh, en = _TEXT[key]
        return (zh if self.lang == "zh" else en).format(**values)

    def pop(self, value: object) -> str | None:
        """A population as text, or ``None`` when unknown."""
        number = _num(value)
        return None if number is None else fmt_population(number, self.lang)

    def minutes(self, value: object) -> str | None:
        """A travel time with its unit, or ``None`` when unknown."""
        number = _num(value)
        return None if number is None else self("minutes", m=fmt_minutes(number, self.lang))


def _num(value: object) -> float | None:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return out if np.isfinite(out) else None


def _tip(name: str, rows: Sequence[tuple[str, str | None]]) -> dict[str, Any]:
    return {"name": name, "lines": [f"{k}: {v}" for k, v in rows if v is not None]}


def collection(geoms: np.ndarray | Sequence[Any], props: Sequence[dict[str, Any]]
               ) -> dict[str, Any]:
    """A FeatureCollection of the non-empty shapes with their properties."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": p, "geometry": mapping(g)}  # type: ignore[arg-type]
        for g, p in zip(geoms, props, strict=True)
        if isinstance(g, shapely.Geometry) and not shapely.is_empty(g)]}


def _labels(geoms: np.ndarray, names: Sequence[str], geo: MapGeometry,
            metric: np.ndarray) -> dict[str, Any]:
    points = geo.rounded(shapely.point_on_surface(geoms))
    zooms = geo.label_zooms(metric)
    return collection(points, [{"label": n, "minZoom": z}
                               for n, z in zip(names, zooms, strict=True)])


def _approximate(area: StudyArea) -> np.ndarray:
    units = area.units
    if "approximate" not in units.columns:
        return np.zeros(len(units), dtype=bool)
    return units["approximate"].fillna(False).astype(bool).to_numpy()


def unit_layer(area: StudyArea, geo: MapGeometry, text: MapText, *, title: str,
               show: bool = True, fill: str = "#f4f1e8") -> dict[str, Any]:
    """The current units, filled lightly, outlined and labelled by name."""
    units = area.units
    names = unit_names(area)
    approx = _approximate(area)
    areas = _area_km2(area)
    pops = units["population"].tolist()
    seats = units["seat"].tolist() if "seat" in units.columns else [None] * len(units)
    props = []
    for k in range(len(units)):
        rows = [(text("pop"), text.pop(pops[k])),
                (text("area"), fmt_area_km2(areas[k], text.lang)),
                (text("seat"), _settlement_name(area, seats[k]))]
        tip = _tip(names[k], rows)
        if approx[k]:
            tip["lines"].append(text("approximate"))
        props.append({**tip, "style": {"color": "#333333", "weight": 1.2, "opacity": 1,
                                       "fillColor": fill, "fillOpacity": 0.6}})
    legend: list[dict[str, Any]] = [{"type": "swatch", "colour": fill, "text": title}]
    if approx.any():
        legend.append({"type": "text", "text": text("approximate")})
    return {"title": title, "show": show, "shapes": collection(geo.wgs84, props),
            "labels": _labels(geo.wgs84, names, geo, geo.metric), "legend": legend}


def _area_km2(area: StudyArea) -> np.ndarray:
    def build() -> np.ndarray:
        units = area.units
        return np.asarray(equal_area_km2(np.asarray(units.geometry.array), units.crs))
    out: np.ndarray = area.memo(("render.map_layers", "area_km2"), build)
    return out


def _settlement_name(area: StudyArea, sid: object) -> str | None:
    if sid is None or (isinstance(sid, float) and np.isnan(sid)):
        return None

    def build() -> dict[str, str]:
        st = area.settlements
        if st is None or "name" not in st.columns:
            return {}
        return {str(i): str(n) for i, n in st["name"].items() if not pd.isna(n)}
    names: dict[str, str] = area.memo(("render.map_layers", "settlement_names"), build)
    return names.get(str(sid))


def unit_names(area: StudyArea) -> list[str]:
    """The name of each current unit, in order (``name (id)`` where it has none)."""
    def build() -> list[str]:
        units = area.units
        given = units["name"] if "name" in units.columns else pd.Series(None, units.index)
        return [area.label(str(u)) if pd.isna(n) else str(n)
                for u, n in zip(units.index, given, strict=True)]
    out: list[str] = area.memo(("render.map_layers", "unit_names"), build)
    return out


def _unit_name(area: StudyArea, uid: str) -> str:
    def build() -> dict[str, str]:
        return dict(zip(area.units.index.astype(str), unit_names(area), strict=True))
    names: dict[str, str] = area.memo(("render.map_layers", "names_by_id"), build)
    return names[str(uid)]


def new_unit_names(area: StudyArea, plan: Plan, new_ids: Sequence[str]) -> list[str]:
    """The name of each new unit: the plan's, else its largest member's (never a bare id)."""
    out = []
    pops = area.units["population"]
    for new in new_ids:
        if plan.names.get(new):
            out.append(str(plan.names[new]))
            continue
        members = list(plan.members(new))
        core = new if new in members else max(
            members, key=lambda u: (_num(pops.get(u)) or 0.0, u))
        out.append(_unit_name(area, core))
    return out


def _breakdown(row: pd.Series, text: MapText) -> str | None:
    parts = []
    for crit in default_criteria():
        value = _num(row.get(crit.name))
        if value is not None:
            label = crit.label_zh if text.lang == "zh" else crit.label_en
            parts.append(f"{label} {value:.2f}")
    return "；".join(parts) if text.lang == "zh" and parts else ("; ".join(parts) or None)


def new_unit_layer(area: StudyArea, plan: Plan, geo: MapGeometry, text: MapText,
                   scores: pd.DataFrame | None, *, title: str, show: bool = True
                   ) -> tuple[dict[str, Any], list[str], np.ndarray, list[str]]:
    """The new units coloured so that neighbours differ, with names, figures and scores.

    Returns the layer, the new unit ids, their metric shapes and their names.
    """
    new_ids, metric, wgs = geo.new_units(plan)
    names = new_unit_names(area, plan, new_ids)
    colours = greedy_colours(new_ids, wgs)
    units = area.units
    key = pd.Series([plan.assignment[u] for u in units.index], index=units.index)
    pop_of = units["population"].groupby(key).sum(min_count=1)
    km2_of = pd.Series(_area_km2(area), index=units.index).groupby(key).sum()
    approx_of = pd.Series(_approximate(area), index=units.index).groupby(key).any()
    props = []
    for k, new in enumerate(new_ids):
        members = list(plan.members(new))
        row = scores.loc[new] if scores is not None and new in scores.index else pd.Series()
        score = _num(row.get("total"))
        band = row.get("band_zh" if text.lang == "zh" else "band")
        rows = [
            (text("pop"), text.pop(pop_of[new])),
            (text("area"), fmt_area_km2(km2_of[new], text.lang)),
            (text("seat"), _settlement_name(area, plan.seats.get(new, row.get("seat")))),
            (text("members"), join_names([_unit_name(area, u) for u in members], text.lang)),
            (text("mean_minutes"), text.minutes(row.get("mean_minutes"))),
            (text("score"), None if score is None else
             f"{score:.2f}" + (f" ({band})" if isinstance(band, str) and band else "")),
            (text("breakdown"), _breakdown(row, text) if len(row) else None),
            (text("reason"), row.get(f"reason_{text.lang}") or None),
        ]
        tip = _tip(names[k], rows)
        if approx_of[new]:
            tip["lines"].append(text("approximate"))
        props.append({**tip, "popup": tip, "style": {
            "color": "#222222", "weight": 2.5, "opacity": 1,
            "fillColor": colours[k], "fillOpacity": 0.7}})
    layer = {"title": title, "show": show, "shapes": collection(wgs, props),
             "labels": _labels(wgs, names, geo, metric),
             "legend": [{"type": "swatch", "colour": PALETTE[0], "text": title}]}
    return layer, new_ids, metric, names


def border_layer(geo: MapGeometry, plan: Plan, metric: np.ndarray, new_ids: Sequence[str],
                 text: MapText, *, title: str) -> dict[str, Any]:
    """Old boundaries inside the new units: thin, dashed, not interactive."""
    lines = geo.internal_borders(plan, metric, new_ids)
    style = {"color": "#555555", "weight": 1, "opacity": 0.9, "dashArray": "4 4",
             "fill": False, "interactive": False}
    return {"title": title, "show": True,
            "shapes": collection(lines, [{"style": style}] * len(lines)),
            "legend": [{"type": "dashed", "colour": "#555555", "text": text("old_borders")}]}


def _classes(values: np.ndarray, edges: Sequence[float], ramp: Sequence[str]) -> list[str]:
    idx = np.clip(np.searchsorted(np.asarray(edges[1:-1]), values, side="right"),
                  0, len(ramp) - 1)
    return [ramp[i] if np.isfinite(v) else "#dddddd" for i, v in zip(idx, values, strict=True)]


def choropleth(wgs: np.ndarray, names: Sequence[str], values: Sequence[float | None],
               text: MapText, *, title: str, fmt: str = "{:,.0f}",
               edges: Sequence[float] | None = None, ramp: Sequence[str] = SEQUENTIAL,
               show: bool = False) -> dict[str, Any]:
    """Units filled by value, with a colour scale in the legend (classes by quantile)."""
    vals = np.array([np.nan if v is None else v for v in values], dtype=float)
    finite = vals[np.isfinite(vals)]
    if edges is None:
        if finite.size:
            edges = list(np.quantile(finite, np.linspace(0, 1, len(ramp) + 1)))
        else:
            edges = [0.0] * (len(ramp) + 1)
    fills = _classes(vals, edges, ramp)
    props = []
    for name, value, fill in zip(names, vals, fills, strict=True):
        shown = fmt.format(value) if np.isfinite(value) else "—"
        props.append({"name": name, "lines": [f"{title}: {shown}"],
                      "style": {"color": "#444444", "weight": 1, "opacity": 1,
                                "fillColor": fill, "fillOpacity": 0.85}})
    ticks = [fmt.format(e) if np.isfinite(e) else "" for e in edges]
    return {"title": title, "show": show, "shapes": collection(wgs, props),
            "legend": [{"type": "scale", "colours": list(ramp), "ticks": ticks}]}


def ratio_choropleth(wgs: np.ndarray, names: Sequence[str], scores: pd.DataFrame,
                     new_ids: Sequence[str], text: MapText) -> dict[str, Any]:
    """Population against its floor: below 1 in reds, well above in greens."""
    pop = scores.reindex(new_ids)["population"].to_numpy(dtype=float)
    floor = scores.reindex(new_ids)["floor"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(floor > 0, pop / floor, np.nan)
    return choropleth(wgs, names, list(ratio), text, title=text("c_ratio"), fmt="{:.2f}",
                      edges=RATIO_EDGES, ramp=RATIO_RAMP)


def seat_layer(area: StudyArea, plan: Plan, geo: MapGeometry, text: MapText,
               scores: pd.DataFrame | None, new_ids: Sequence[str], names: Sequence[str],
               *, title: str) -> dict[str, Any] | None:
    """Seats after the plan (kept, moved, new), former seats, and arrows where seats move."""
    st = area.settlements
    if st is None or "seat" not in area.units.columns:
        return None
    former_of = area.units["seat"]
    pts, props, arrows = [], [], []
    st_pop = st["population"] if "population" in st.columns else pd.Series(dtype=float)
    chosen: set[str] = set()
    for new, name in zip(new_ids, names, strict=True):
        members = list(plan.members(new))
        seat = plan.seats.get(new)
        row = scores.loc[new] if scores is not None and new in scores.index else pd.Series()
        if seat is None and isinstance(row.get("seat"), str):
            seat = row.get("seat")
        if seat is None or seat not in st.index:
            continue
        chosen.add(seat)
        formers = [str(former_of[u]) for u in members if not pd.isna(former_of[u])]
        moved = bool(row.get("seat_moved")) if "seat_moved" in row else seat not in formers
        kind = "kept" if seat in formers else ("moved" if moved else "new")
        rows = [(text("seat_of", name=name), None),
                (text("pop"), text.pop(st_pop.get(seat))),
                (text("mean_minutes"), text.minutes(row.get("mean_minutes"))),
                (text("max_minutes"), text.minutes(row.get("max_minutes"))),
                (text(kind), "")]
        old = _old_seat(area, seat, members, formers)
        if kind != "kept" and old is not None:
            rows.append((text("moved_from", old=_settlement_name(area, old) or ""), ""))
            arrows.append((st.geometry[old], st.geometry[seat], name))
        tip = {"name": _settlement_name(area, seat) or name,
               "lines": [f"{k}: {v}" if v else k for k, v in rows if v is not None]}
        pts.append(st.geometry[seat])
        props.append({**tip, "popup": tip, "seat": kind})
    for uid in area.units.index:
        old = former_of[uid]
        if pd.isna(old) or str(old) in chosen or str(old) not in st.index:
            continue
        tip = {"name": _settlement_name(area, old) or _unit_name(area, uid),
               "lines": [text("former_of", name=_unit_name(area, uid)),
                         f"{text('pop')}: {text.pop(st_pop.get(str(old))) or '—'}"]}
        pts.append(st.geometry[str(old)])
        props.append({**tip, "popup": tip, "seat": "former"})
    arrow_geoms = [arrow(a, b) for a, b, _ in arrows]
    style = {"color": "#c01c28", "weight": 2.5, "opacity": 0.9, "fill": False}
    arrow_props = [{"name": n, "lines": [text("moved")], "style": style} for *_, n in arrows]
    shapes = collection(geo.to_wgs84(arrow_geoms + pts), arrow_props + props)
    legend = [{"type": "symbol", "kind": k, "text": text(k)}
              for k in ("kept", "moved", "new", "former")]
    legend.append({"type": "line", "colour": "#c01c28", "text": text("moved")})
    return {"title": title, "show": True, "shapes": shapes, "legend": legend}


def _old_seat(area: StudyArea, seat: str, members: Sequence[str],
              formers: Sequence[str]) -> str | None:
    """The former seat a moved seat comes from: that of the member it lies in, else the largest."""
    st = area.settlements
    assert st is not None
    unit = st.at[seat, "unit"] if "unit" in st.columns else None
    former_of = area.units["seat"]
    if unit in members and not pd.isna(former_of[unit]) and str(former_of[unit]) in st.index:
        return str(former_of[unit])
    pops = area.units["population"].reindex(members)
    for uid in pops.sort_values(ascending=False, kind="stable").index:
        old = former_of[uid]
        if not pd.isna(old) and str(old) in st.index:
            return str(old)
    return None


def current_seat_layer(area: StudyArea, geo: MapGeometry, text: MapText) -> dict[str, Any] | None:
    """The current seat of each unit (before pane)."""
    st = area.settlements
    if st is None or "seat" not in area.units.columns:
        return None
    pts, props = [], []
    for uid, sid in area.units["seat"].items():
        if pd.isna(sid) or str(sid) not in st.index:
            continue
        tip = {"name": _settlement_name(area, sid) or _unit_name(area, str(uid)),
               "lines": [text("seat_of", name=_unit_name(area, str(uid)))]}
        pts.append(st.geometry[str(sid)])
        props.append({**tip, "popup": tip, "seat": "current"})
    return {"title": text("seats_current"), "show": True,
            "shapes": collection(geo.to_wgs84(pts), props),
            "legend": [{"type": "symbol", "kind": "current", "text": text("seats_current")}]}

