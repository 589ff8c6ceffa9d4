"""Evaluate a plan, one way: :func:`evaluate_plan`, and plans side by side: :func:`compare_plans`.

:func:`evaluate_plan` gives everything a reader asks of one plan in one
:class:`PlanEvaluation`: the counts before → after (conservation of units,
population and area verified), the neutral figures (flow kept, balance, floors,
minutes to the seat, compactness) with the objective, and the hard-rule check.
:func:`compare_plans` is the same evaluation of several plans, one column each.
The parts stay available for their own callers: ``plan_metrics`` (the figures,
for bounds), ``summarize`` (the counts), ``check_plan`` (the rules) and
``plan_objective`` (the objective).

Examples
--------
>>> import townmerge as tm
>>> area = tm.read_study_area("sample_shapes/county")
>>> ev = evaluate_plan(area, tm.generate_plan(area, method="exact", target=13))
>>> ev.ok, ev.summary.units_after, round(float(ev.figures["objective"]), 4)
(True, 13, 0.7338)
>>> print(str(ev).splitlines()[0])
33 → 13 units (−60.6%), objective 0.7338; ok: keeps every hard rule
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from ..config import Config
from ..data.model import StudyArea
from ..data.plan import Plan
from ..errors import TownmergeError
from ..i18n import check_lang
from ..score.figure_model import FigureModel, figure_model
from ..score.plan_scores import plan_objective
from ..score.scorer import MergerScorer, scorer_for
from .check import PlanCheck, check_plan
from .glossary import figure_label
from .levels import rate_text
from .metrics import PlanSummary, summarize

__all__ = ["PlanEvaluation", "compare_plans", "evaluate_plan"]


@dataclass(frozen=True)
class PlanEvaluation:
    """Everything about one plan: counts, figures with the objective, and the rule check.

    Attributes
    ----------
    summary : PlanSummary
        Units, population and area before and after.
    figures : pandas.Series
        The neutral figures (:data:`~townmerge.score.figures.METRICS`) and ``objective``
        (NaN when the plan breaks a hard rule and has no objective).
    check : PlanCheck
        The hard-rule check.
    """

    summary: PlanSummary
    figures: pd.Series
    check: PlanCheck

    @property
    def ok(self) -> bool:
        """True when the plan keeps every hard rule."""
        return self.check.ok

    def text(self, lang: str = "en") -> str:
        """A readable page: the headline, each figure with its unit, then the check."""
        check_lang(lang)
        s = self.summary
        rate = rate_text(s.units_before, s.units_after)
        obj = float(self.figures.get("objective", math.nan))
        objective = "—" if math.isnan(obj) else f"{obj:.4f}"
        zh = lang == "zh"
        head = (f"{s.units_before}个单位 → {s.units_after}个（减幅{rate}），目标函数 {objective}；"
                if zh else f"{s.units_before} → {s.units_after} units (−{rate}), objective "
                f"{objective}; ")
        verdict = self.check.text(lang)
        first, _, rest = verdict.partition("\n")
        if self.ok:
            first = "通过：均符合全部硬性规则" if zh else "ok: keeps every hard rule"
        lines = [head + first]
        lines += [f"  {figure_label(str(k), lang)}: {v:.4g}" for k, v in self.figures.items()
                  if k != "objective"]
        return "\n".join(lines + ([rest] if rest else []))

    def __str__(self) -> str:
        return self.text("en")


def evaluate_plan(area: StudyArea, plan: Plan, *, config: Config | None = None,
                  scorer: MergerScorer | None = None,
                  model: FigureModel | None = None) -> PlanEvaluation:
    """Evaluate a plan: counts, neutral figures and objective, hard rules.

    Parameters
    ----------
    area : StudyArea
    plan : Plan
    config : Config, optional
        Settings (default ``Config()``); give either ``config`` or ``scorer``.
    scorer : MergerScorer, optional
        A scorer of ``area`` (its user constraints are checked too).
    model : FigureModel, optional
        The area's figure parts (reused by :func:`compare_plans`).

    Returns
    -------
    PlanEvaluation

    Raises
    ------
    PlanError
        When the plan is not a partition of the area's units.
    """
    scorer = scorer_for(area, config=config, scorer=scorer)
    summary = summarize(area, plan)
    model = model if model is not None else figure_model(area, scorer.config)
    figures = model.plan(plan).astype(float)
    report = check_plan(area, plan, scorer=scorer)
    try:
        figures["objective"] = plan_objective(area, plan, scorer=scorer) if report.ok \
            else math.nan
    except TownmergeError:
        figures["objective"] = math.nan
    return PlanEvaluation(summary, figures, report)


def compare_plans(area: StudyArea, plans: Mapping[str, Plan], *,
                  config: Config | None = None, edges: pd.DataFrame | None = None,
                  ) -> pd.DataFrame:
    """The evaluation of several plans side by side: one column of figures per plan.

    Parameters
    ----------
    area : StudyArea
    plans : mapping of str to Plan
        Plans by name (e.g. ``{"status quo": ..., "greedy": ..., "exact": ...}``).
    config : Config, optional
    edges : DataFrame, optional
        Adjacency edges (default: rook adjacency), for the perimeters.

    Returns
    -------
    DataFrame
        Rows: the neutral figures (:data:`~townmerge.score.figures.METRICS`) and
        ``objective``; columns: the plan names.
    """
    cfg = config or Config()
    scorer = scorer_for(area, cfg, edges=edges)
    model = figure_model(area, cfg) if edges is None else FigureModel(area, cfg, edges=edges)
    return pd.DataFrame({name: evaluate_plan(area, p, scorer=scorer, model=model).figures
                         for name, p in plans.items()})
