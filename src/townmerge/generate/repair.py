"""Greedy merging that repairs its dead ends: randomised restarts, then the exact model.

Greedy merging can merge itself into a corner above the target although a feasible plan
exists; :func:`repaired_greedy` then tries :data:`GREEDY_RESTARTS` seeded restarts (two only
where the exact model takes over, up to :data:`EXACT_REPAIR_MAX_UNITS` units) and then the
exact model, and says in ``plan.info["repaired"]`` which one found the plan.
"""

from __future__ import annotations

from ..data.plan import Plan
from ..errors import InfeasibleError
from .agglomerate import agglomerate
from .base import PlanningProblem, ScoreCache
from .deadline import Deadline
from .diagnose import binding_limits
from .exact import exact_plan

__all__ = ["EXACT_REPAIR", "EXACT_REPAIR_MAX_UNITS", "GREEDY_RESTARTS",
           "GREEDY_RESTARTS_BEFORE_EXACT", "repaired_greedy"]

#: ``info["method"]`` of a greedy plan whose dead end the exact model repaired.
EXACT_REPAIR = "exact (repair)"


#: Randomised restarts tried when greedy merging runs into a dead end above the target.
GREEDY_RESTARTS = 20
#: ... for areas the exact model repairs (it is proven optimal and, at county scale, faster
#: than many restarts: on ``synthetic_county(48, seed=2)`` all 20 restarts fail).
GREEDY_RESTARTS_BEFORE_EXACT = 2
#: Largest area (units) whose greedy dead end is repaired by the exact model.
EXACT_REPAIR_MAX_UNITS = 300


def repaired_greedy(problem: PlanningProblem, cache: ScoreCache, *, target: int | None,
                    fixed: list[list[int]] | None, seed: int, noise: float = 0.0,
                    progress: bool = False, deadline: Deadline | None = None) -> Plan:
    """Greedy agglomeration that repairs dead ends above the target.

    Greedy merging can merge itself into a corner: no feasible merger left while
    more units remain than the target, although a feasible plan exists. Then
    randomised restarts are tried (seeded; two only where the exact model can
    take over), then for county-scale areas the exact model;
    ``plan.info["repaired"]`` says which one found the plan, and a plan the
    exact model made has ``info["method"] == "exact (repair)"`` (:data:`EXACT_REPAIR`).
    Every step shares ``deadline`` (TimeLimitError when it runs out first).
    When no repair finds a plan, the message names the hard limits that rule the
    mergers out.

    Examples
    --------
    >>> from townmerge.data.model import StudyArea
    >>> from townmerge.testing.grids import grid_units
    >>> from townmerge.testing.scorers import SizeScorer
    >>> area = StudyArea(grid_units("AB / CD", population=dict.fromkeys("ABCD", 5)))
    >>> problem = PlanningProblem.from_area(area)
    >>> cache = ScoreCache(problem, SizeScorer(area, p_min=10))
    >>> plan = repaired_greedy(problem, cache, target=2, fixed=None, seed=0)
    >>> plan.n_new, "repaired" in plan.info
    (2, False)
    """
    clock = deadline if deadline is not None else Deadline(None)
    try:
        return agglomerate(problem, cache, target=target, fixed=fixed, seed=seed, noise=noise,
                           progress=progress, deadline=clock)
    except InfeasibleError as dead_end:
        exact_ok = problem.n <= EXACT_REPAIR_MAX_UNITS
        for r in range(1, (GREEDY_RESTARTS_BEFORE_EXACT if exact_ok else GREEDY_RESTARTS) + 1):
            clock.check("greedy merging was done (its dead end was being repaired)")
            try:
                plan = agglomerate(problem, cache, target=target, fixed=fixed,
                                   seed=seed * 1000 + r, noise=max(noise, 0.01), deadline=clock)
            except InfeasibleError:
                continue
            return plan.with_info(repaired=f"randomised restart {r}")
        if exact_ok:
            clock.check("the exact model repaired greedy merging's dead end")
            plan = exact_plan(problem, cache, target=target, fixed=fixed, seed=seed,
                              time_limit=clock.left(), deadline=clock)
            return plan.with_info(method=EXACT_REPAIR, repaired="exact model")
        raise InfeasibleError(f"{dead_end} {binding_limits(problem, cache, target=target)}"
                              ) from dead_end
