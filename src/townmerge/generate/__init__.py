"""Plan generators. Each returns a :class:`townmerge.plan.Plan` (ensembles a list of them)."""

from .api import best_plans, co_occurrence, generate_ensemble, generate_plan, iter_ensemble
from .base import GroupScorer, PlanningProblem, partition_objective
from .greedy import greedy_plan

__all__ = [
    "GroupScorer",
    "PlanningProblem",
    "best_plans",
    "co_occurrence",
    "generate_ensemble",
    "generate_plan",
    "greedy_plan",
    "iter_ensemble",
    "partition_objective",
]
