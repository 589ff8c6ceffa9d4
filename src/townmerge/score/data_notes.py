"""Which rules are off for want of data, and what to add: one list, said the same way everywhere.

A study area may lack population, settlements, a flow table or roads; each
switches rules off or replaces observed figures by estimates. :func:`data_notes`
lists them, each as an English and a Chinese sentence that names the rules and
the data (column, flag, file) that would switch them back on. Every command of
the command line prints these notes once, before its own output; the scorer's
tables carry the per-criterion detail in ``attrs["notes"]``.

Examples
--------
>>> from townmerge.testing.examples import example_area
>>> [en.split(":")[0] for en, _ in data_notes(example_area())]
['No road layer']
"""

from __future__ import annotations

from ..data.model import StudyArea
from .rules import population_rules_text

__all__ = ["data_notes"]


def data_notes(area: StudyArea) -> list[tuple[str, str]]:
    """What the area lacks, which rules are therefore off or estimated, and what to add.

    Parameters
    ----------
    area : StudyArea

    Returns
    -------
    list of (str, str)
        ``(English, Chinese)`` sentences, in the order population, settlements,
        flows, roads; empty when nothing is missing.
    """
    out: list[tuple[str, str]] = []
    if not area.has_population:
        out.append(population_rules_text(["scale", "balance", "floor"]))
    if area.settlements is None:
        out.append((
            "No settlements: accessibility, strong core, service continuity, the three flow "
            "criteria, the travel-time limit (H4), seats and tiers are off. Add a settlements "
            "layer (points with id, name, population and kind; --settlement-* flags or "
            "settlement_*= keywords name its columns).",
            "无居民点数据：可达性、中心强度、服务延续、三类流向准则、时距上限（H4）、驻地和层级"
            "均不适用。请提供居民点图层（含编号、名称、人口和类型的点）。"))
        return out
    if area.flows is None or not area.flow_types:
        out.append((
            "No flow table: the population, traffic and economic flows are estimated by the "
            "gravity model over road travel time. Add flows.csv (origin, destination, "
            "population, traffic, economic) to use observed flows.",
            "无流量表：人口流、交通流和经济流由基于路网时间的引力模型估算。请提供 flows.csv"
            "（origin、destination、population、traffic、economic）以使用观测值。"))
    if area.roads is None:
        out.append((
            "No road layer: travel times are straight-line distances at the default speed "
            "(Config.travel), so access and the travel-time limit are rough. Add a roads layer "
            "(lines with a class or speed) for road travel times.",
            "无道路图层：出行时间按直线距离和默认车速（Config.travel）估算，可达性和时距上限"
            "较粗略。请提供道路图层（含等级或车速的线）以按路网计算时间。"))
    return out
