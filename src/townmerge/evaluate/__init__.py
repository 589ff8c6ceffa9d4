"""Layer 6, evaluate: check, measure and compare plans; count and log a reform.

``evaluation`` (:func:`~townmerge.evaluate.evaluation.evaluate_plan`, the one way to evaluate
a plan, and ``compare_plans``), ``check`` (:func:`~townmerge.evaluate.check.check_plan`: a
report, or a raise), ``metrics`` (the neutral figures, counts and merged units),
``levels`` (counts and exact reduction rates by level and kind), ``changelog`` (old codes →
new codes), ``reform`` (per-county and province summaries of a reform), ``three_levels``
(:func:`~townmerge.evaluate.three_levels.plan_reform`: the whole reform, townships, villages
and groups nested), ``groups`` (groups estimated from counts per village), ``group_level``
(groups planned from their own points or polygons), ``village_wording`` (official wording of
village mergers and the 五不 checklist), ``glossary`` (every figure's name, unit and meaning,
in zh and en) and ``province`` (:func:`~townmerge.evaluate.province.plan_province`: every
county of a province in parallel, summaries and change logs merged, failed counties named).
"""

from .check import PlanCheck, check_plan
from .evaluation import PlanEvaluation, compare_plans, evaluate_plan
from .metrics import merged_units, plan_metrics

__all__ = ["PlanCheck", "PlanEvaluation", "check_plan", "compare_plans", "evaluate_plan",
           "merged_units", "plan_metrics"]
