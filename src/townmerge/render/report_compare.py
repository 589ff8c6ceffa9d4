"""Several plans in one report: headline figures side by side, dominance, distance between plans.

:func:`plan_comparison` gathers the numbers (no language, no HTML): the neutral figures of
every plan and its objective (:func:`townmerge.compare_plans`,
:func:`townmerge.plan_objective`), which plans are dominated and by which
(:func:`townmerge.score.figures.dominated_by`: at least as good on every figure and
better on one, with the same number of units), and for every pair of plans the adjusted
Rand index (:func:`townmerge.evaluate.metrics.adjusted_rand_index`) and the units that change
hands: the current units outside the best one-to-one matching of the two plans' new units
(by shared units). :func:`comparison_html` writes them in Chinese or English.

Examples
--------
>>> import townmerge
>>> from townmerge.testing.grids import grid_units
>>> area = townmerge.StudyArea(grid_units("ABCD", population={"A": 9000, "B": 6000,
...                                                           "C": 8000, "D": 7000}))
>>> a = townmerge.Plan.from_groups({"A": ["A", "B"], "C": ["C", "D"]})
>>> b = townmerge.Plan.from_groups({"A": ["A"], "B": ["B", "C", "D"]})
>>> c = plan_comparison(area, {"a": a, "b": b})
>>> c.pairs["changed"].tolist(), c.moved[("a", "b")]
([1], ('B',))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from ..config import Config
from ..data.model import StudyArea
from ..data.plan import Plan
from ..evaluate.evaluation import compare_plans
from ..evaluate.metrics import adjusted_rand_index
from ..i18n import check_lang, join_names
from ..score.figures import dominated_by
from ..score.plan_scores import plan_objective
from .report_cards import fold_names
from .report_labels import metric_label, metric_value
from .report_markup import Cell, Markup, para, table

__all__ = ["PlanComparison", "changed_units", "comparison_html", "plan_comparison"]


@dataclass(frozen=True, eq=False)
class PlanComparison:
    """The numbers of a comparison of plans.

    Attributes
    ----------
    figures : DataFrame
        Neutral figures (rows) and ``objective`` of each plan (columns, in the given order).
    dominated : Series
        Per plan, the plans dominating it (empty list: on the Pareto front).
    pairs : DataFrame
        One row per pair ``(a, b)``: ``ari`` and ``changed`` (units that change hands).
    moved : Mapping
        ``(a, b)`` → the unit ids that change hands.
    names : Mapping
        Unit id → name.
    """

    figures: pd.DataFrame
    dominated: pd.Series
    pairs: pd.DataFrame
    moved: Mapping[tuple[str, str], tuple[str, ...]]
    names: Mapping[str, str]


def changed_units(a: Plan, b: Plan) -> tuple[str, ...]:
    """Current units that change hands between two plans of the same units.

    The new units of ``a`` and ``b`` are matched one to one so that they share
    as many current units as possible; a unit changes hands when its new unit
    in ``a`` is not matched to its new unit in ``b``.

    Examples
    --------
    >>> x = Plan.from_groups({"p": ["A", "B"], "q": ["C"]})
    >>> changed_units(x, Plan.from_groups({"r": ["A"], "s": ["B", "C"]}))
    ('B',)
    """
    ids = sorted(a.assignment)
    b.check_units(ids)
    la, ua = pd.factorize(pd.Series([a.assignment[u] for u in ids]))
    lb, ub = pd.factorize(pd.Series([b.assignment[u] for u in ids]))
    overlap = np.zeros((len(ua), len(ub)))
    np.add.at(overlap, (la, lb), 1.0)
    rows, cols = linear_sum_assignment(overlap, maximize=True)
    match = np.full(len(ua), -1)
    match[rows] = cols
    moved = match[la] != lb
    return tuple(u for u, m in zip(ids, moved, strict=True) if m)


def plan_comparison(area: StudyArea, plans: Mapping[str, Plan], *,
                    config: Config | None = None) -> PlanComparison:
    """Figures, dominance and distances of several plans of one area (see module docstring)."""
    if len(plans) < 2:
        raise ValueError(f"A comparison needs two plans or more; got {len(plans)}.")
    table_ = compare_plans(area, plans, config=config)
    table_.loc["objective"] = [plan_objective(area, p, config=config) for p in plans.values()]
    names = list(plans)
    rows = []
    moved: dict[tuple[str, str], tuple[str, ...]] = {}
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            changed = changed_units(plans[a], plans[b])
            moved[(a, b)] = changed
            rows.append({"a": a, "b": b, "ari": adjusted_rand_index(plans[a], plans[b]),
                         "changed": len(changed)})
    unit_names = {str(u): str(n) for u, n in area.units["name"].items()}
    return PlanComparison(table_, dominated_by(table_), pd.DataFrame(rows).set_index(["a", "b"]),
                          moved, unit_names)


_T: Mapping[str, Mapping[str, str]] = {
    "zh": {"figure": "指标",
           "dominated": "{a}劣于{by}：{by}在各项指标上均不差于{a}，且至少一项更好。",
           "front": "没有方案劣于其他方案：每个方案至少在一项指标上更好。",
           "pareto": "{a}不劣于其他方案。", "pair": "方案对", "ari": "调整兰德指数",
           "changed": "换属单元数", "units": "换属单元",
           "ari_note": "调整兰德指数为1表示两方案完全相同，约为0表示无关；换属单元为两方案新单元"
                       "一一对应后归属不同的原单元。"},
    "en": {"figure": "Figure", "dominated": "{a} is dominated by {by}: at least as good on "
                                          "every figure and better on one.",
           "front": "No plan is dominated: each is better on some figure.",
           "pareto": "{a} is not dominated.", "pair": "Plans", "ari": "Adjusted Rand index",
           "changed": "Units changing hands", "units": "Units changing hands",
           "ari_note": "An adjusted Rand index of 1 means the same plan, about 0 unrelated "
                       "plans; units change hands when their new units do not match one to "
                       "one between the plans."},
}


def comparison_html(c: PlanComparison, lang: str) -> str:
    """The comparison as escaped markup: figures side by side, dominance, distances."""
    check_lang(lang)
    t = _T[lang]
    plans = [str(p) for p in c.figures.columns]
    rows: list[list[Cell]] = [
        [metric_label(str(m), lang), *(metric_value(str(m), c.figures.at[m, p], lang)
                                       for p in c.figures.columns)]
        for m in c.figures.index]
    out = table([t["figure"], *plans], rows, numeric=tuple(range(1, len(plans) + 1)))
    dominated = {str(p): list(by) for p, by in c.dominated.items() if by}
    if dominated:
        out += "".join(para(t["dominated"].format(a=p, by=join_names(by, lang)))
                       for p, by in dominated.items())
        out += "".join(para(t["pareto"].format(a=p)) for p in plans if p not in dominated)
    else:
        out += para(t["front"])
    pair_rows: list[list[Cell]] = []
    sep = " — "
    for (a, b), r in c.pairs.iterrows():
        names = [c.names.get(u, u) for u in c.moved[(a, b)]]
        pair_rows.append([f"{a}{sep}{b}", f"{r['ari']:.3f}", str(int(r["changed"])),
                          Markup(fold_names(names, lang), "list")])
    out += table([t["pair"], t["ari"], t["changed"], t["units"]], pair_rows, numeric=(1, 2))
    return out + para(t["ari_note"])
