"""Layer 5, generate: plan generators; each returns a :class:`townmerge.data.plan.Plan`.

``api`` (:func:`generate_plan` and ensembles), ``base`` (the scorer protocol and the planning
problem), ``greedy`` and ``agglomerate`` (merging the best pair), ``exact`` (the
set-partitioning model, HiGHS), ``search`` (simulated annealing over unit moves), ``deadline``
(time limits), ``diagnose`` (which limit binds when no plan is found) and ``parallel``
(independent tasks on a process pool, any executor or a Dask cluster, shared data shipped
once).
"""

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
