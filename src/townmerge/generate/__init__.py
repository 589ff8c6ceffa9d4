"""Layer 5, generate: plan generators; each returns a :class:`townmerge.data.plan.Plan`.

Entry points: ``api`` (:func:`generate_plan`) and ``ensemble`` (ensembles, the n best plans,
co-occurrence), with ``arguments`` (checking their arguments), ``prepare`` (the problem, score
cache and figures they share, the seats of a finished plan) and ``repair`` (greedy merging
that repairs its dead ends). Generators: ``base`` (the scorer protocol and the planning
problem), ``greedy`` and ``agglomerate`` (merging the best pair), ``exact`` (the
set-partitioning model, HiGHS) and ``search`` (simulated annealing over unit moves), built
from ``move_memo`` (memoised group values and best splits), ``bound_tracker`` (figure bounds
during the search), ``anneal`` (the annealing loop) and ``polish`` (the final polish).
``deadline`` (time limits), ``diagnose`` (which limit binds when no plan is found) and
``parallel`` (independent tasks on a process pool, any executor or a Dask cluster, shared
data shipped once).
"""

from .api import generate_plan
from .base import GroupScorer, PlanningProblem, partition_objective
from .ensemble import best_plans, co_occurrence, generate_ensemble, iter_ensemble
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
