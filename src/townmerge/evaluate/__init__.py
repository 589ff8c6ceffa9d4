"""Layer 6, evaluate: check, measure and compare plans; count and log a reform.

``check`` (:func:`~townmerge.evaluate.check.check_plan`: a report, or a raise), ``metrics``
(plan metrics and comparison),
``levels`` (counts and exact reduction rates by level and kind), ``changelog`` (old codes →
new codes), ``reform`` (per-county and province summaries of a reform), ``three_levels``
(:func:`~townmerge.evaluate.three_levels.plan_reform`: the whole reform, townships, villages
and groups nested), ``groups`` (groups estimated from counts per village),
``village_wording`` (official wording of village mergers and the 五不 checklist),
``glossary`` (every figure's name, unit and meaning, in zh and en) and ``province``
(:func:`~townmerge.evaluate.province.plan_province`: every county of a province in parallel,
summaries and change logs merged, failed counties named).
"""

from .check import PlanCheck, check_plan
from .metrics import compare_plans, merged_units, plan_metrics

__all__ = ["PlanCheck", "check_plan", "compare_plans", "merged_units", "plan_metrics"]
