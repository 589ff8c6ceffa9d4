"""Readable labels of the report's figures, solver information and score criteria (zh/en).

The Chinese report never shows an English key: the neutral figures of
:data:`townmerge.evaluate.metrics.METRICS`, the keys of ``plan.info`` (``bound``, ``status``,
``n_columns``, ``target`` …) and solver statuses are looked up here, in both languages;
an unknown key is shown only in the appendix, as itself, under "其他参数".

Examples
--------
>>> metric_label("population_cv", "zh"), info_label("n_columns", "en")
('新单元人口变异系数', 'Candidate groups in the model')
>>> info_value("status", "Optimal", "zh"), info_value("method", "exact", "zh")
('最优', '精确模型')
>>> criterion_label("access", "zh")
'便于服务'
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..i18n import check_lang, fmt_percent
from ..score.criteria import default_criteria

__all__ = ["INFO_LABELS", "METRIC_LABELS", "criterion_label", "info_label", "info_value",
           "metric_label", "metric_value"]

#: Neutral figures (:data:`townmerge.evaluate.metrics.METRICS`): (zh, en).
METRIC_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "units": ("单元个数", "Units"),
    "flow_kept_population": ("单元内部人口流占比", "Population flow kept inside units"),
    "flow_kept_traffic": ("单元内部交通流占比", "Traffic flow kept inside units"),
    "flow_kept_economic": ("单元内部经济流占比", "Economic flow kept inside units"),
    "population_cv": ("新单元人口变异系数", "Coefficient of variation of population"),
    "population_min": ("新单元最少人口", "Smallest population"),
    "population_max": ("新单元最多人口", "Largest population"),
    "share_below_floor": ("低于人口下限的单元占比", "Share of units below their floor"),
    "mean_minutes_to_seat": ("到驻地人口加权平均时间（分钟）",
                             "Population-weighted mean time to the seat (min)"),
    "max_minutes_to_seat": ("到驻地最长时间（分钟）", "Longest time to the seat (min)"),
    "share_within_t_good": ("良好可达时间内人口占比", "Share within the good travel time"),
    "compactness_mean": ("平均紧凑度", "Mean compactness"),
    "compactness_min": ("最低紧凑度", "Lowest compactness"),
    "objective": ("目标值", "Objective"),
})
_SHARES = frozenset({"flow_kept_population", "flow_kept_traffic", "flow_kept_economic",
                     "share_below_floor", "share_within_t_good"})

#: Keys of ``plan.info``: (zh, en).
INFO_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "method": ("生成方法", "Method"),
    "objective": ("目标值", "Objective"),
    "bound": ("目标值上界", "Bound on the objective"),
    "gap": ("最优性差距", "Optimality gap"),
    "status": ("求解状态", "Solver status"),
    "n_columns": ("模型候选组合数", "Candidate groups in the model"),
    "seed": ("随机种子", "Seed"),
    "target": ("目标单元个数", "Target number of units"),
    "seconds": ("计算用时（秒）", "Computing time (s)"),
    "bounds": ("指标约束", "Bounds on figures"),
    "figures": ("方案指标", "Figures of the plan"),
    "repaired": ("修复方式", "Repaired by"),
    "stopped": ("提前停止原因", "Stopped because"),
    "iterations": ("迭代次数", "Iterations"),
    "local_optimum": ("已证明局部最优", "Proven locally optimal"),
    "member": ("集合成员序号", "Ensemble member"),
    "rank": ("名次", "Rank"),
    "flow_type": ("流量类型", "Flow type"),
    "noise": ("随机扰动幅度", "Noise"),
    "start_objective": ("初始目标值", "Objective at the start"),
    "accepted": ("接受的调整次数", "Moves accepted"),
    "best_iteration": ("最优解所在迭代", "Iteration of the best plan"),
    "rounds": ("轮数", "Rounds"),
    "polished": ("精修改进次数", "Polishing improvements"),
    "recombination_capped": ("重组受限次数", "Recombinations capped"),
})

_VALUES: Mapping[str, tuple[str, str]] = MappingProxyType({
    "exact": ("精确模型", "exact model"), "greedy": ("贪心合并", "greedy merging"),
    "search": ("局部搜索", "local search"), "ensemble": ("方案集合", "ensemble"),
    "exact (repair)": ("精确模型（修复）", "exact model (repair)"),
    "greedy (flow rule)": ("按流向贪心合并", "greedy merging by the flow rule"),
    "anneal": ("模拟退火", "simulated annealing"),
    "optimal": ("最优", "optimal"), "time limit reached": ("达到时间上限", "time limit reached"),
    "time_limit": ("达到时间上限", "time limit"), "patience": ("无改进", "no improvement"),
    "true": ("是", "yes"), "false": ("否", "no"),
    "population": ("人口流", "population flow"), "traffic": ("交通流", "traffic flow"),
    "economic": ("经济流", "economic flow"),
})


def metric_label(name: str, lang: str) -> str:
    """Readable label of a neutral figure (the name itself if unknown)."""
    check_lang(lang)
    pair = METRIC_LABELS.get(name)
    return name if pair is None else pair[0 if lang == "zh" else 1]


def metric_value(name: str, value: object, lang: str) -> str:
    """A figure's value as shown: shares as percentages, the rest with up to 3 decimals.

    Examples
    --------
    >>> metric_value("share_below_floor", 0.25, "zh"), metric_value("units", 13.0, "en")
    ('25.0%', '13')
    """
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    if x != x:
        return "—"
    if name in _SHARES:
        return fmt_percent(x, lang)
    if name in ("units", "population_min", "population_max"):
        return f"{x:,.0f}" if lang == "en" else f"{x:.0f}"
    return f"{x:.3f}".rstrip("0").rstrip(".") if abs(x) < 1000 else f"{x:,.1f}"


def info_label(key: str, lang: str) -> str:
    """Readable label of a ``plan.info`` key; unknown keys: ``其他参数（key）`` / the key."""
    check_lang(lang)
    pair = INFO_LABELS.get(key)
    if pair is None:
        return f"其他参数（{key}）" if lang == "zh" else key
    return pair[0 if lang == "zh" else 1]


def info_value(key: str, value: object, lang: str) -> str:
    """A ``plan.info`` value in words: methods, statuses, yes/no, figures by their labels."""
    check_lang(lang)
    if isinstance(value, Mapping):
        return "；".join(f"{metric_label(str(k), lang)} {metric_value(str(k), v, lang)}"
                         for k, v in value.items()) if lang == "zh" else "; ".join(
            f"{metric_label(str(k), lang)} {metric_value(str(k), v, lang)}"
            for k, v in value.items())
    if key == "gap" and isinstance(value, float | int) and not isinstance(value, bool):
        return fmt_percent(float(value), lang, 2)
    if isinstance(value, bool):
        value = "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4f}"
    text = str(value)
    pair = _VALUES.get(text.strip().lower())
    return text if pair is None else pair[0 if lang == "zh" else 1]


def criterion_label(name: str, lang: str) -> str:
    """The report label of a built-in score criterion (its name for any other)."""
    check_lang(lang)
    registry = default_criteria()
    if name not in registry.names:
        return name
    crit = registry[name]
    return crit.label_zh if lang == "zh" else crit.label_en
