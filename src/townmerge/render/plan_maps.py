"""Maps of a plan a planner hands upward: before/after panes, seats, layers, comparisons.

:func:`before_after_map` draws a study area and a plan in two synchronised panes (side by
side, or stacked with a swipe), :func:`reform_map` a township plan with its village plan,
:func:`plans_map` several plans (and their agreement) as layers of one map. Every function
returns the :class:`folium.Map` (``m=`` draws on an existing one), with Leaflet inlined and
no data in any template: the layers travel as one JSON block
(:func:`townmerge.render.verbatim.script_json`) that the fixed script of
:mod:`townmerge.render.map_script` draws.

Examples
--------
>>> from townmerge.testing.examples import example_area
>>> from townmerge.data.plan import Plan
>>> area = example_area()
>>> plan = Plan.from_groups({"N": list(area.unit_ids)})
>>> page = before_after_map(area, plan, lang="en").get_root().render()
>>> "townmergeMaps" in page, "<script src=" in page
(True, False)
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Figure

from ..config import Config
from ..data.model import StudyArea
from ..data.plan import Plan
from ..errors import ParameterError
from ..evaluate.metrics import Breach
from ..evaluate.three_levels import Reform
from ..i18n import check_lang
from ..score.plan_scores import score_plan
from .map_data import escape_html
from .map_extras import co_occurrence_layer, flow_layers, tier_layer
from .map_geometry import MapGeometry
from .map_layers import (
    MapText,
    border_layer,
    choropleth,
    current_seat_layer,
    new_unit_layer,
    ratio_choropleth,
    seat_layer,
    unit_layer,
    unit_names,
)
from .map_pack import pack_page
from .map_script import PANES_CSS, PANES_JS
from .maps import breach_box, frames_map, inline_leaflet, tile_spec
from .verbatim import ScriptAfter, Verbatim, script_json

__all__ = ["before_after_map", "plans_map", "reform_map"]

_MODES = ("dual", "swipe")
_TITLE = {"zh": "{county}乡镇行政区划调整方案（{plan}）{date}",
          "en": "{county}: township merger plan ({plan}), {date}"}
_LABELS = {"zh": ("调整前", "调整后"), "en": ("Before", "After")}
_ATTRIBUTION = {"zh": "townmerge 生成；行政区划以批准文件为准",
                "en": "Made with townmerge; boundaries as approved prevail"}


def _county(area: StudyArea) -> str:
    units = area.units
    if "county" in units.columns and units["county"].notna().any():
        return str(units["county"].dropna().iloc[0])
    return ""


def _title(area: StudyArea, plan: Plan, lang: str, title: str | None, date: str | None,
           county: str | None = None) -> str:
    if title is not None:
        return title
    name = str(plan.info.get("name") or plan.info.get("method") or
               ("方案" if lang == "zh" else "plan"))
    county = county or _county(area) or ("本县" if lang == "zh" else "The county")
    return _TITLE[lang].format(county=county, plan=name, date=date or dt.date.today().isoformat())


def _scores(area: StudyArea, plan: Plan, scores: pd.DataFrame | None,
            config: Config | None) -> pd.DataFrame | None:
    if scores is not None:
        return scores
    if area.settlements is None:
        return None
    return score_plan(area, plan, config=config)


def _new_map(geo: MapGeometry, m: folium.Map | None) -> folium.Map:
    if m is None:
        centre = [(geo.bounds[0][0] + geo.bounds[1][0]) / 2,
                  (geo.bounds[0][1] + geo.bounds[1][1]) / 2]
        m = folium.Map(location=centre, zoom_start=10, tiles=None, control_scale=False,
                       zoom_snap=0.25)
    inline_leaflet(m)
    return m


def _page(m: folium.Map, panes: list[dict[str, Any]], geo: MapGeometry, *, mode: str,
          tiles: str | None, attribution: str, title: str,
          breaches: Sequence[Breach | str], lang: str) -> folium.Map:
    """Write the title, the data block and the fixed script into the map's page."""
    figure = m.get_root()
    assert isinstance(figure, Figure)
    figure.header.add_child(Verbatim(f"<style>{PANES_CSS}</style>"), name="townmerge_panes_css")
    figure.header.add_child(Verbatim(f"<title>{escape_html(title)}</title>"),
                            name="townmerge_title")
    figure.html.add_child(Verbatim(f'<div class="tm-title">{escape_html(title)}</div>'
                                   + breach_box(breaches, lang)), name="townmerge_title")
    data_id = f"{m.get_name()}_data"
    page = pack_page({"mode": mode, "panes": panes, "bounds": geo.bounds,
                      "tiles": tile_spec(tiles), "attribution": attribution}, geo.decimals)
    figure.html.add_child(
        Verbatim(f'<script type="application/json" id="{data_id}">{script_json(page)}'
                 "</script>"), name="townmerge_data")
    m.add_child(ScriptAfter(
        f"(function (map, data) {{{PANES_JS}}})({m.get_name()}, "
        f"JSON.parse(document.getElementById({json.dumps(data_id)}).textContent));"),
        name="townmerge_draw")
    return m


def _after_layers(area: StudyArea, plan: Plan, geo: MapGeometry, text: MapText,
                  scores: pd.DataFrame | None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    units, new_ids, metric, names = new_unit_layer(
        area, plan, geo, text, scores, title=text("units_after"))
    layers = [units, border_layer(geo, plan, metric, new_ids, text, title=text("old_borders"))]
    wgs = geo.new_units(plan)[2]
    if area.has_population:
        units = area.units
        pops = units["population"].groupby([plan.assignment[u] for u in units.index]).sum(
            min_count=1)
        layers.append(choropleth(wgs, names, list(pops.reindex(new_ids)), text,
                                 title=text("c_population")))
    if scores is not None:
        table = scores.reindex(new_ids)
        layers += [ratio_choropleth(wgs, names, scores, new_ids, text),
                   choropleth(wgs, names, list(table["mean_minutes"]), text,
                              title=text("c_minutes"), fmt="{:.1f}"),
                   choropleth(wgs, names, list(table["total"]), text,
                              title=text("c_score"), fmt="{:.2f}")]
    seats = seat_layer(area, plan, geo, text, scores, new_ids, names, title=text("seats"))
    return layers, ({} if seats is None else seats)


def _context_layers(area: StudyArea, geo: MapGeometry, text: MapText) -> list[dict[str, Any]]:
    tiers = tier_layer(area, geo, text)
    return ([] if tiers is None else [tiers]) + flow_layers(area, geo, text)


def _village_layers(villages: tuple[StudyArea, Plan], text: MapText
                    ) -> tuple[dict[str, Any], dict[str, Any]]:
    varea, vplan = villages
    vgeo = MapGeometry(varea)
    before = unit_layer(varea, vgeo, text, title=text("villages_before"), show=False,
                        fill="#ffffff")
    before["labels"] = None
    after, *_ = new_unit_layer(varea, vplan, vgeo, text, None, title=text("villages_after"),
                               show=True)
    for feature in after["shapes"]["features"]:
        feature["properties"]["style"].update(weight=1, fillOpacity=0.0, color="#333333")
    after["labels"] = None
    after["legend"] = [{"type": "line", "colour": "#333333", "text": text("villages_after")}]
    return before, after


def before_after_map(
    area: StudyArea | gpd.GeoDataFrame,
    plan: Plan | gpd.GeoDataFrame,
    *,
    lang: str = "zh",
    mode: str = "dual",
    m: folium.Map | None = None,
    tiles: str | None = None,
    title: str | None = None,
    county: str | None = None,
    date: str | None = None,
    attribution: str | None = None,
    breaches: Sequence[Breach | str] = (),
    scores: pd.DataFrame | None = None,
    config: Config | None = None,
    villages: tuple[StudyArea, Plan] | None = None,
    settlements: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    r"""Draw a plan before and after, in two synchronised panes of one offline page.

    Parameters
    ----------
    area : StudyArea
        The current units (townships, or villages from ``read_study_area(..., level=
        "villages")``); territories flagged ``approximate`` are said to be so.
    plan : Plan
    lang : {"zh", "en"}
    mode : {"dual", "swipe"}
        Panes side by side, or the after pane over the before pane with a swipe slider.
    m : folium.Map, optional
        Draw on this map (its first pane); a new one otherwise.
    tiles : str, optional
        A tile provider for a base map; ``None`` (default) needs no network.
    title, county, date : str, optional
        The title; by default built from ``county`` (else the units' ``county`` column), the
        plan's name or method (``plan.info``) and ``date`` (default today).
    attribution : str, optional
        Plain text in front of the attribution (default: made with townmerge).
    breaches : sequence of Breach or str
        Hard rules the plan breaks, shown in a red box.
    scores : DataFrame, optional
        :func:`townmerge.score.scorer.score_plan` of the plan (computed when omitted and the
        area has settlements).
    config : Config, optional
        Settings for the scores.
    villages : tuple of (StudyArea, Plan), optional
        A village plan nested in this one, drawn inside the new units.
    settlements : GeoDataFrame, optional
        Only with the older call ``before_after_map(before, after)`` on two frames
        (:func:`townmerge.render.maps.frames_map`).

    Returns
    -------
    folium.Map
        The first (before) pane; the page holds both. Write it with :func:`save_map`.

    Raises
    ------
    ParameterError
        For an unknown ``mode`` or ``tiles``; ValueError for an unknown ``lang``.

    Examples
    --------
    >>> from townmerge.testing.examples import example_area
    >>> area = example_area()
    >>> plan = Plan.from_groups({"N": list(area.unit_ids)}, names={"N": "<b>N</b>"})
    >>> page = before_after_map(area, plan, lang="en", title="T").get_root().render()
    >>> '"<b>N' in page, '"\\u003cb\\u003eN' in page
    (False, True)
    """
    if isinstance(area, gpd.GeoDataFrame) and isinstance(plan, gpd.GeoDataFrame):
        return frames_map(area, plan, settlements=settlements, lang=lang, tiles=tiles,
                          title=title, breaches=breaches)
    if not isinstance(area, StudyArea) or not isinstance(plan, Plan):
        raise TypeError("before_after_map takes a StudyArea and a Plan "
                        "(or two GeoDataFrames, before and after).")
    check_lang(lang)
    if mode not in _MODES:
        raise ParameterError(f"Unknown map mode {mode!r}: use 'dual' (panes side by side) "
                             "or 'swipe' (one pane over the other with a slider).")
    text = MapText(lang)
    geo = MapGeometry(area)
    table = _scores(area, plan, scores, config)
    before = [unit_layer(area, geo, text, title=text("units_before"))]
    if area.has_population:
        before.append(choropleth(geo.wgs84, unit_names(area), list(area.units["population"]),
                                 text, title=text("c_population")))
    context = _context_layers(area, geo, text)
    current = current_seat_layer(area, geo, text)
    after, seats = _after_layers(area, plan, geo, text, table)
    if villages is not None:
        vbefore, vafter = _village_layers(villages, text)
        before.append(vbefore)
        after.insert(2, vafter)
    before += context + ([current] if current else [])
    after += json.loads(json.dumps(context)) + ([seats] if seats else [])
    labels = _LABELS[lang]
    panes = [{"label": labels[0], "layers": before}, {"label": labels[1], "layers": after}]
    return _page(_new_map(geo, m), panes, geo, mode=mode, tiles=tiles,
                 attribution=_ATTRIBUTION[lang] if attribution is None else attribution,
                 title=_title(area, plan, lang, title, date, county), breaches=breaches, lang=lang)


def reform_map(reform: Reform, *, lang: str = "zh", **kwargs: Any) -> folium.Map:
    """The township plan of a reform with its village plan drawn inside the new townships.

    Parameters
    ----------
    reform : Reform
        From :func:`townmerge.plan_reform`.
    lang : {"zh", "en"}
    **kwargs
        Passed to :func:`before_after_map`.

    Examples
    --------
    >>> callable(reform_map)
    True
    """
    return before_after_map(reform.townships, reform.township_plan, lang=lang,
                            villages=(reform.villages, reform.village_plan), **kwargs)


def plans_map(area: StudyArea, plans: Mapping[str, Plan], *, lang: str = "zh",
              co_occurrence: pd.DataFrame | None = None, m: folium.Map | None = None,
              tiles: str | None = None, title: str | None = None,
              attribution: str | None = None) -> folium.Map:
    """Several plans as layers of one map, and optionally their agreement on shared borders.

    Parameters
    ----------
    area : StudyArea
    plans : mapping of str to Plan
        Layer title → plan; the first is shown.
    lang : {"zh", "en"}
    co_occurrence : DataFrame, optional
        :func:`townmerge.generate.co_occurrence` of an ensemble (``unit_a``, ``unit_b``,
        ``share``): drawn on the border of each pair, robust to contested.
    m, tiles, title, attribution
        As for :func:`before_after_map`.

    Examples
    --------
    >>> from townmerge.testing.examples import example_area
    >>> area = example_area()
    >>> one = Plan.from_groups({"N": list(area.unit_ids)})
    >>> page = plans_map(area, {"a": one, "b": one}, lang="en").get_root().render()
    >>> page.count('"title":"a"'), page.count('"title":"b"')
    (1, 1)
    """
    check_lang(lang)
    if not plans:
        raise ParameterError("plans_map needs at least one plan: give {'name': plan, ...}.")
    text = MapText(lang)
    geo = MapGeometry(area)
    layers = [unit_layer(area, geo, text, title=text("units_before"), show=False)]
    for k, (name, plan) in enumerate(plans.items()):
        layer, *_ = new_unit_layer(area, plan, geo, text, None, title=str(name), show=k == 0)
        layers.append(layer)
    if co_occurrence is not None:
        layers.append(co_occurrence_layer(area, geo, text, co_occurrence))
    label = " / ".join(str(n) for n in plans)
    default = _title(area, next(iter(plans.values())).with_info(name=label), lang, None, None)
    panes = [{"label": text("units_after"), "layers": layers}]
    return _page(_new_map(geo, m), panes, geo, mode="dual", tiles=tiles,
                 attribution=_ATTRIBUTION[lang] if attribution is None else attribution,
                 title=default if title is None else title, breaches=(), lang=lang)
