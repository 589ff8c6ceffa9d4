"""Public entry points of plan generation: one plan, or an ensemble of plans.

Examples
--------
>>> from townmerge.testing.grids import grid_units
>>> from townmerge.testing.scorers import SizeScorer
>>> from townmerge.data.model import StudyArea
>>> area = StudyArea(grid_units("AABB / CCDD", population={"A": 9, "B": 2, "C": 1, "D": 8}))
>>> scorer = SizeScorer(area, p_min=10)
>>> plan = generate_plan(area, method="exact", target=2, scorer=scorer)
>>> sorted(sorted(g) for g in plan.canonical()), round(plan.info["objective"], 3)
([['A', 'C'], ['B', 'D']], 1.0)
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Literal

import pandas as pd

from ..config import Config
from ..data.model import StudyArea
from ..data.plan import Plan
from ..errors import InputError, ParameterError
from .arguments import check_args, fixed_groups
from .base import GroupScorer, check_feasible
from .deadline import Deadline
from .exact import exact_plan
from .prepare import area_figures, scored_seats, setup_problem
from .repair import repaired_greedy
from .search import local_search

__all__ = ["Method", "generate_plan"]

Method = Literal["greedy", "exact", "search"]


def generate_plan(
    area: StudyArea,
    *,
    method: Method = "greedy",
    target: int | None = None,
    start: Plan | None = None,
    seed: int = 0,
    time_limit: float | None = None,
    config: Config | None = None,
    scorer: GroupScorer | None = None,
    edges: pd.DataFrame | None = None,
    iterations: int = 20_000,
    within: Mapping[str, str] | None = None,
    progress: bool | None = None,
    bounds: Mapping[str, float] | None = None,
) -> Plan:
    """Generate one consolidation plan.

    Parameters
    ----------
    area : StudyArea
    method : {"greedy", "exact", "search"}, default "greedy"
        ``greedy``: merge the best feasible pair and rescore until ``target``
        (or every unit meets its floor); a dead end above the target is
        repaired by randomised restarts, then (up to 300 units) by the exact
        model, as ``info["repaired"]`` says (a plan the exact model made says
        ``info["method"] == "exact (repair)"``). ``exact``: the optimal plan of the
        set-partitioning model (HiGHS), for county-scale areas. ``search``:
        greedy (or ``start``), then simulated annealing over unit moves.
    target : int, optional
        Number of new units. Without it the count follows from the floors
        (greedy) or from the objective (exact, search).
    start : Plan, optional
        Mergers the user has fixed: units grouped in ``start`` stay together.
        For ``search`` it is also the starting plan.
    seed : int, default 0
        Same seed, same plan.
    time_limit : float, optional
        Seconds for the whole call, every method: counted from the call, so the
        set-up (adjacency, scorer) uses it too, then each step gets the time
        left (greedy merging and its repairs, the exact model's groups and
        HiGHS, the search's greedy start, annealing and final polish, the
        diagnostics of a failure). The call returns within the limit plus the
        longest step that cannot be cut (the set-up, one scoring batch, one
        move). When it runs out: ``greedy`` without a target returns the
        mergers made by then, with a target raises TimeLimitError (a plan above
        the target is no plan); ``exact`` returns the best plan HiGHS found by
        then (``info["status"]``, ``info["gap"]``) or raises TimeLimitError;
        ``search`` returns the best plan found by then (its greedy start cut
        short as for ``greedy``), with ``info["stopped"] == "time_limit"`` (a
        polish cut short leaves ``info["local_optimum"]`` False).
    config : Config, optional
    scorer : GroupScorer, optional
        Default: :class:`townmerge.score.scorer.MergerScorer`.
    edges : DataFrame, optional
        Adjacency edges (default: rook adjacency), e.g. with virtual links.
    iterations : int, default 20000
        Moves proposed by the local search.
    within : Mapping[str, str], optional
        Unit → the unit of the level above it must stay in (e.g. village →
        new township, from :meth:`Plan.containers`): the plan then nests in
        the upper plan (镇村组三级联动). A :class:`townmerge.data.nesting.Nesting`
        is such a mapping that also names villages and townships when
        ``start`` straddles new townships.
    progress : bool, optional
        Show progress (a bar for greedy and search, HiGHS's log for exact);
        default: on long runs (over 500 units) when stderr is a terminal.
    bounds : Mapping[str, float], optional
        The worst allowed value of neutral figures (names in
        :data:`townmerge.score.figures.BETTER`: a floor where higher is better, a
        ceiling otherwise), e.g. ``figure_bounds(plan_metrics(area, other))``
        for the best plan at least as good as ``other`` on those figures.
        ``method="exact"`` finds the best plan meeting them (or proves that none
        does); ``population_cv`` then needs a ``target``. ``method="search"``
        (any scale, with or without a target) searches with the objective
        penalised by the bounds' shortfall and returns the best plan it found
        that meets them; it may miss the optimum, and raises InfeasibleError
        when it found none (use ``exact`` at county scale to know whether one
        exists). ``method="greedy"`` cannot honour bounds. ``info["bounds"]``
        and ``info["figures"]`` then hold the bounds and the plan's figures.

    Returns
    -------
    Plan
        With ``info`` on how it was made (method, objective, gap …) and, where
        the scorer chooses seats, the seat each new unit was scored with.

    Raises
    ------
    ParameterError
        For an unknown method, or a target, time limit, seed or iterations
        out of range (NaN, negative, not a whole number), naming the argument.
    InputError
        For bounds with ``method="greedy"``.
    InfeasibleError
        When no feasible plan meets the target (the message names the hard
        limits that rule the mergers out, with their figures) or the bounds (for
        ``exact`` the message names the bounds that cannot be met even alone,
        for ``search`` those the closest plan it found still misses).
    TimeLimitError
        When ``time_limit`` ran out before any plan was found (this says
        nothing about feasibility).
    ParameterError
        For a negative or non-finite ``time_limit``.

    Examples
    --------
    >>> from townmerge.datasets.synthetic import sample_county
    >>> from townmerge.score.figures import figure_bounds
    >>> from townmerge.evaluate.metrics import plan_metrics
    >>> c = sample_county()
    >>> area = StudyArea(c.units, c.settlements, c.flows, c.roads)
    >>> best = generate_plan(area, method="exact", target=13)
    >>> balanced = generate_plan(area, method="exact", target=13,
    ...                          bounds={"population_cv": 0.6})
    >>> bool(plan_metrics(area, balanced)["population_cv"] <= 0.6)
    True
    >>> bool(balanced.info["objective"] <= best.info["objective"])
    True
    """
    if method not in ("greedy", "exact", "search"):
        raise ParameterError(f"Unknown method {method!r}; expected 'greedy', 'exact' or "
                             "'search'.")
    check_args(target=target, time_limit=time_limit, seed=seed, iterations=iterations)
    deadline = Deadline(time_limit)
    if bounds is not None and method == "greedy":
        raise InputError("bounds= is not supported by method='greedy': greedy merging cannot "
                         "honour figure bounds. Use method='search' (any scale) or "
                         "method='exact' (county scale, proven optimal).")
    if method == "greedy" and target is None and not area.has_population:
        missing = area.units.index[area.units["population"].isna()]
        raise InputError(
            f"Without a target, greedy merging stops when every unit meets its population "
            f"floor, but {len(missing)} unit(s) have no population. Give target=... "
            "(--target N, the number of new units), or a population column (population=..., "
            "--population COLUMN) or settlements with population.")
    cfg, problem, cache = setup_problem(area, config, scorer, edges, within)
    check_args(target=target, n_units=problem.n)
    target = None if target is None else int(target)
    fixed = fixed_groups(problem, start, within)
    show = (sys.stderr.isatty() and problem.n > 500) if progress is None else progress
    deadline.check("the set-up (adjacency, scorer) was done")
    if method == "exact":
        figures = area_figures(area, cfg, cache, edges) if bounds else None
        deadline.check("the set-up (adjacency, scorer, figures) was done")
        return scored_seats(exact_plan(problem, cache, target=target, fixed=fixed,
                                       time_limit=deadline.left(), deadline=deadline,
                                       seed=seed, progress=show,
                                       bounds=dict(bounds) if bounds else None,
                                       figures=figures), cache)
    if method == "greedy":
        return scored_seats(repaired_greedy(problem, cache, target=target, fixed=fixed,
                                            seed=seed, progress=show, deadline=deadline),
                            cache)
    if start is not None and (target is None or start.n_new == target):
        initial = [frozenset(g) for g in problem.index_groups(start.groups().values())]
        check_feasible(problem, cache, [g for g in initial if len(g) > 1])
    else:
        greedy = repaired_greedy(problem, cache, target=target, fixed=fixed, seed=seed,
                                 progress=show, deadline=deadline)
        initial = [frozenset(g) for g in problem.index_groups(greedy.groups().values())]
    figure_model = area_figures(area, cfg, cache, edges) if bounds else None
    return scored_seats(local_search(problem, cache, initial, fixed_count=target is not None,
                                     seed=seed, iterations=iterations,
                                     time_limit=deadline.left(), fixed=fixed, progress=show,
                                     bounds=dict(bounds) if bounds else None,
                                     figures=figure_model), cache)
