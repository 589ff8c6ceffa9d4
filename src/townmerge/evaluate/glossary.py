"""What every figure of a plan means: its name, unit and one-line meaning, in zh and en.

:data:`GLOSSARY` covers the neutral figures of
:func:`~townmerge.evaluate.metrics.plan_metrics` (the rows of
:func:`~townmerge.evaluate.metrics.compare_plans`) and the objective;
:func:`figure_label` names a figure with its unit, :func:`glossary_table` gives the
whole glossary as a table (the README's glossary is this table).

Examples
--------
>>> figure_label("mean_minutes_to_seat", "en"), figure_label("mean_minutes_to_seat", "zh")
('mean minutes to the seat (min)', '到驻地平均时间（分钟）')
>>> glossary_table("en").loc["population_cv", "better"]
'lower'
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

import pandas as pd

from ..i18n import check_lang
from ..score.figures import BETTER

__all__ = ["GLOSSARY", "Figure", "figure_label", "glossary_table"]


class Figure(NamedTuple):
    """One figure: names, unit and meaning in Chinese and English."""

    zh: str
    en: str
    unit_zh: str
    unit_en: str
    meaning_zh: str
    meaning_en: str


def _flow(kind_zh: str, kind_en: str) -> Figure:
    return Figure(f"{kind_zh}保留率", f"{kind_en} flow kept", "", "share",
                  f"{kind_zh}中留在同一新单位内部的比例：合并顺应{kind_zh}越多越高",
                  f"share of the {kind_en} flow between units that stays inside one new unit: "
                  "higher when mergers follow the flows")


#: Every figure of a plan, by its key in ``plan_metrics``.
GLOSSARY: Mapping[str, Figure] = MappingProxyType({
    "units": Figure("单位数", "units", "个", "", "调整后的单位个数", "number of units after"),
    "flow_kept_population": _flow("人口流", "population"),
    "flow_kept_traffic": _flow("交通流", "traffic"),
    "flow_kept_economic": _flow("经济流", "economic"),
    "population_cv": Figure("人口离散系数", "population CV", "", "ratio",
                            "新单位人口的标准差除以均值：越低规模越均衡",
                            "standard deviation of the new units' population over its mean: "
                            "lower is more balanced"),
    "population_min": Figure("最小人口", "smallest population", "人", "people",
                             "人口最少的新单位的人口", "population of the smallest new unit"),
    "population_max": Figure("最大人口", "largest population", "人", "people",
                             "人口最多的新单位的人口", "population of the largest new unit"),
    "share_below_floor": Figure("低于人口下限比例", "share below floor", "", "share",
                                "人口低于其地形下限的新单位所占比例",
                                "share of new units whose population is below the floor of "
                                "their terrain"),
    "mean_minutes_to_seat": Figure("到驻地平均时间", "mean minutes to the seat", "分钟", "min",
                                   "按人口加权的各居民点到所属新单位驻地的路网时间",
                                   "population-weighted road travel time from each settlement "
                                   "to the seat of its new unit"),
    "max_minutes_to_seat": Figure("到驻地最长时间", "worst minutes to the seat", "分钟", "min",
                                  "离驻地最远的居民点的路网时间",
                                  "road travel time of the settlement farthest from its seat"),
    "share_within_t_good": Figure("良好可达比例", "share within good access", "", "share",
                                  "到驻地时间不超过地形良好标准的人口比例",
                                  "share of the population within the good travel time of "
                                  "its terrain"),
    "compactness_mean": Figure("平均紧凑度", "mean compactness", "", "0–1",
                               "新单位 Polsby–Popper 紧凑度的均值（1 为圆）",
                               "mean Polsby–Popper compactness of the new units (1: a disc)"),
    "compactness_min": Figure("最小紧凑度", "least compactness", "", "0–1",
                              "最不紧凑的新单位的 Polsby–Popper 紧凑度",
                              "Polsby–Popper compactness of the least compact new unit"),
    "objective": Figure("目标函数", "objective", "", "0–1",
                        "新单位综合得分按人口加权的均值：越高越好",
                        "population-weighted mean score of the new units: higher is better"),
})


def figure_label(key: str, lang: str) -> str:
    """The figure's name with its unit, e.g. ``mean minutes to the seat (min)``.

    Unknown keys are returned as they are.
    """
    check_lang(lang)
    f = GLOSSARY.get(key)
    if f is None:
        return key
    name, unit = (f.zh, f.unit_zh) if lang == "zh" else (f.en, f.unit_en)
    if not unit:
        return name
    return f"{name}（{unit}）" if lang == "zh" else f"{name} ({unit})"


def glossary_table(lang: str = "en") -> pd.DataFrame:
    """The glossary: one row per figure with ``name``, ``unit``, ``better`` and ``meaning``."""
    check_lang(lang)
    zh = lang == "zh"
    better = {"higher": "越高越好", "lower": "越低越好"} if zh else {}
    rows = {key: {"name": f.zh if zh else f.en, "unit": f.unit_zh if zh else f.unit_en,
                  "better": better.get(BETTER.get(key, ""), BETTER.get(key, "")) if key in BETTER
                  else ("越高越好" if zh else "higher") if key == "objective" else "",
                  "meaning": f.meaning_zh if zh else f.meaning_en}
            for key, f in GLOSSARY.items()}
    return pd.DataFrame.from_dict(rows, orient="index")
