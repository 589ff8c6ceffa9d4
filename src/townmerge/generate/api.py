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

import math
import numbers
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..config import Config
from ..data.model import StudyArea
from ..data.nesting import Nesting
from ..data.plan import Plan
from ..errors import InfeasibleError, InputError, ParameterError, TimeLimitError, format_ids
from ..score.figures import FigureModel, figure_model
from ..score.scorer import MergerScorer
from ..score.seats import seat_selector
from .agglomerate import agglomerate
from .base import GroupScorer, PlanningProblem, ScoreCache, check_feasible, seat_named_plan
from .deadline import Deadline
from .diagnose import binding_limits
from .exact import exact_plan, ranked_plans
from .parallel import check_jobs, run_tasks
from .search import local_search

__all__ = ["best_plans", "co_occurrence", "generate_ensemble", "generate_plan", "iter_ensemble"]

#: ``info["method"]`` of a greedy plan whose dead end the exact model repaired.
EXACT_REPAIR = "exact (repair)"

Method = Literal["greedy", "exact", "search"]


def _number(value: object) -> float | None:
    """``value`` as a float when it is a real number (not a bool), else None."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        return None
    return float(value)


def _whole(value: object, low: float, high: float = math.inf) -> bool:
    """Whether ``value`` is a whole number (13 or 13.0, not True) from ``low`` to ``high``."""
    x = _number(value)
    return x is not None and math.isfinite(x) and x.is_integer() and low <= x <= high


def _check_args(*, target: object = None, n_units: int | None = None, time_limit: object = None,
                seed: object = 0, n: object = 1, iterations: object = 0,
                noise: object = 0.0) -> None:
    """Raise ParameterError naming every argument out of range (NaN, negative …)."""
    bad: list[str] = []
    if target is not None and not _whole(target, 1, n_units or math.inf):
        upper = (f"from 1 to {n_units} (the current units; a plan never splits a unit)"
                 if n_units is not None else ">= 1")
        bad.append(f"target must be a whole number {upper}, not {target!r}")
    limit = _number(time_limit)
    if time_limit is not None and not (limit is not None and math.isfinite(limit) and limit > 0):
        bad.append(f"time_limit must be a positive number of seconds (None: no limit), "
                   f"not {time_limit!r}")
    if not _whole(seed, 0):
        bad.append(f"seed must be a whole number >= 0, not {seed!r}")
    if not _whole(n, 1):
        bad.append(f"n must be a whole number >= 1, not {n!r}")
    if not _whole(iterations, 0):
        bad.append(f"iterations must be a whole number >= 0, not {iterations!r}")
    x = _number(noise)
    if x is None or not math.isfinite(x) or x < 0:
        bad.append(f"noise must be a finite number >= 0, not {noise!r}")
    if bad:
        raise ParameterError("; ".join(bad) + ".")


def _default_scorer(area: StudyArea, config: Config, edges: pd.DataFrame | None) -> GroupScorer:
    return MergerScorer(area, config, edges=edges)


def _setup(area: StudyArea, config: Config | None, scorer: GroupScorer | None,
           edges: pd.DataFrame | None, within: Mapping[str, str] | None = None,
           ) -> tuple[Config, PlanningProblem, ScoreCache]:
    cfg = config or Config()
    problem = PlanningProblem.from_area(area, config=cfg, edges=edges, within=within)
    scorer = scorer if scorer is not None else _default_scorer(area, cfg, edges)
    return cfg, problem, ScoreCache(problem, scorer)


def _scored_seats(plan: Plan, cache: ScoreCache) -> Plan:
    """The plan with the seats its scores were computed with (where the scorer says)."""
    batch = getattr(cache.scorer, "score_groups", None)
    if batch is None:
        return plan
    groups = plan.groups()
    seats = batch(list(groups.values()))["seat"]
    found = {new: str(s) for new, s in zip(groups, seats, strict=True) if isinstance(s, str)}
    if not found:
        return plan
    return seat_named_plan(cache.problem, plan.with_seats(found),
                           getattr(cache.scorer, "selector", None))


def _figure_model(area: StudyArea, config: Config, cache: ScoreCache,
                  edges: pd.DataFrame | None) -> FigureModel:
    """Figure parts of the area, sharing the scorer's seats, travel times and flows."""
    selector = getattr(cache.scorer, "selector", None)
    if edges is None and (selector is None or selector is seat_selector(area, config)):
        return figure_model(area, config)  # the shared one (the scorer's selector is shared)
    return FigureModel(area, config, edges=edges, selector=selector)


#: Randomised restarts tried when greedy merging runs into a dead end above the target.
GREEDY_RESTARTS = 20
#: ... for areas the exact model repairs (it is proven optimal and, at county scale, faster
#: than many restarts: on ``synthetic_county(48, seed=2)`` all 20 restarts fail).
GREEDY_RESTARTS_BEFORE_EXACT = 2
#: Largest area (units) whose greedy dead end is repaired by the exact model.
EXACT_REPAIR_MAX_UNITS = 300


def _greedy(problem: PlanningProblem, cache: ScoreCache, *, target: int | None,
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


def _fixed_groups(problem: PlanningProblem, start: Plan | None,
                  within: Mapping[str, str] | None = None) -> list[list[int]] | None:
    if start is None:
        return None
    start.check_units(problem.ids)
    groups = [g for g in start.groups().values() if len(g) > 1]
    if isinstance(within, Nesting):
        within.check(start)  # names the villages and townships (a PlanError)
    if within is not None:
        straddle = [new for new, g in start.groups().items() if len({within[m] for m in g}) > 1]
        if straddle:
            raise InputError(
                f"The fixed mergers of start= straddle the containers of within=: "
                f"{format_ids(straddle)}. A nested plan cannot merge across the level above.")
    return problem.index_groups(groups) or None


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
    _check_args(target=target, time_limit=time_limit, seed=seed, iterations=iterations)
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
    cfg, problem, cache = _setup(area, config, scorer, edges, within)
    _check_args(target=target, n_units=problem.n)
    target = None if target is None else int(target)
    fixed = _fixed_groups(problem, start, within)
    show = (sys.stderr.isatty() and problem.n > 500) if progress is None else progress
    deadline.check("the set-up (adjacency, scorer) was done")
    if method == "exact":
        figures = _figure_model(area, cfg, cache, edges) if bounds else None
        deadline.check("the set-up (adjacency, scorer, figures) was done")
        return _scored_seats(exact_plan(problem, cache, target=target, fixed=fixed,
                                        time_limit=deadline.left(), deadline=deadline,
                                        seed=seed, progress=show,
                                        bounds=dict(bounds) if bounds else None,
                                        figures=figures), cache)
    if method == "greedy":
        return _scored_seats(_greedy(problem, cache, target=target, fixed=fixed, seed=seed,
                                     progress=show, deadline=deadline), cache)
    if start is not None and (target is None or start.n_new == target):
        initial = [frozenset(g) for g in problem.index_groups(start.groups().values())]
        check_feasible(problem, cache, [g for g in initial if len(g) > 1])
    else:
        greedy = _greedy(problem, cache, target=target, fixed=fixed, seed=seed, progress=show,
                         deadline=deadline)
        initial = [frozenset(g) for g in problem.index_groups(greedy.groups().values())]
    figure_model = _figure_model(area, cfg, cache, edges) if bounds else None
    return _scored_seats(local_search(problem, cache, initial, fixed_count=target is not None,
                                      seed=seed, iterations=iterations,
                                      time_limit=deadline.left(), fixed=fixed, progress=show,
                                      bounds=dict(bounds) if bounds else None,
                                      figures=figure_model), cache)


def iter_ensemble(
    area: StudyArea,
    n: int,
    *,
    target: int | None = None,
    start: Plan | None = None,
    seed: int = 0,
    noise: float = 0.003,
    iterations: int = 2_000,
    time_limit: float | None = None,
    config: Config | None = None,
    scorer: GroupScorer | None = None,
    edges: pd.DataFrame | None = None,
    progress: bool | None = None,
    within: Mapping[str, str] | None = None,
    bounds: Mapping[str, float] | None = None,
    executor: Executor | Any | None = None,
    n_jobs: int | None = None,
) -> Iterator[Plan]:
    """:func:`generate_ensemble` one plan at a time: each is yielded as soon as it is made.

    A caller can write each plan out before the next is started, so a run cut
    short (time limit, interruption, a later failure) keeps the plans already
    made. Same parameters and the same plans, in the same order, as
    :func:`generate_ensemble` (with ``executor`` or ``n_jobs``, plans are yielded in member
    order, each once it and every earlier one are done).

    Yields
    ------
    Plan
        ``info["method"] == "ensemble"`` and ``info["member"]`` (0, 1, …).

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> from townmerge.testing.scorers import SizeScorer
    >>> area = StudyArea(grid_units("ABC / DEF", population=dict.fromkeys("ABCDEF", 5)))
    >>> plans = iter_ensemble(area, 2, target=3, scorer=SizeScorer(area, p_min=10),
    ...                       iterations=50, progress=False)
    >>> [p.info["member"] for p in plans]
    [0, 1]
    """
    _check_args(n=n, target=target, time_limit=time_limit, seed=seed, iterations=iterations,
                noise=noise)
    check_jobs(n_jobs, executor)
    deadline = Deadline(time_limit)
    cfg, problem, cache = _setup(area, config, scorer, edges, within)
    _check_args(target=target, n_units=problem.n)
    fixed = _fixed_groups(problem, start, within)
    figures = _figure_model(area, cfg, cache, edges) if bounds else None
    run = _EnsembleRun(problem, cache, target, fixed, seed, noise, iterations,
                       dict(bounds) if bounds else None, figures, deadline)
    for plan in run_tasks(_ensemble_member, run, range(n), executor=executor, n_jobs=n_jobs,
                          progress=progress, desc="ensemble", unit="plan"):
        if plan is None:
            return  # the limit ran out before this member's start: the plans made stand
        yield plan


@dataclass(frozen=True)
class _EnsembleRun:
    """What every ensemble member reads: built once, shipped once to each worker."""

    problem: PlanningProblem
    cache: ScoreCache
    target: int | None
    fixed: list[list[int]] | None
    seed: int
    noise: float
    iterations: int
    bounds: dict[str, float] | None
    figures: FigureModel | None
    deadline: Deadline


def _ensemble_member(run: _EnsembleRun, i: int) -> Plan | None:
    """Member ``i`` (seed ``run.seed + i``), or None when the time limit ran out first."""
    deadline, problem, cache = run.deadline, run.problem, run.cache
    if deadline.end is not None and i and deadline.expired():
        return None
    s = run.seed + i
    try:
        first = _greedy(problem, cache, target=run.target, fixed=run.fixed, noise=run.noise,
                        seed=s, deadline=deadline)
    except TimeLimitError:
        if i == 0:
            raise
        return None  # the limit ran out during this member's start
    groups = [frozenset(g) for g in problem.index_groups(first.groups().values())]
    plan = local_search(problem, cache, groups, fixed_count=run.target is not None, seed=s,
                        iterations=run.iterations, fixed=run.fixed, time_limit=deadline.left(),
                        bounds=run.bounds, figures=run.figures)
    return _scored_seats(plan, cache).with_info(method="ensemble", member=i)


def generate_ensemble(
    area: StudyArea,
    n: int,
    *,
    target: int | None = None,
    start: Plan | None = None,
    seed: int = 0,
    noise: float = 0.003,
    iterations: int = 2_000,
    time_limit: float | None = None,
    config: Config | None = None,
    scorer: GroupScorer | None = None,
    edges: pd.DataFrame | None = None,
    progress: bool | None = None,
    within: Mapping[str, str] | None = None,
    bounds: Mapping[str, float] | None = None,
    on_plan: Callable[[Plan], None] | None = None,
    executor: Executor | Any | None = None,
    n_jobs: int | None = None,
) -> list[Plan]:
    """N diverse feasible plans: randomised greedy, each polished by a short local search.

    Plan ``i`` uses seed ``seed + i``; scores are shared across plans.

    Parameters
    ----------
    area : StudyArea
    n : int
        Number of plans.
    target, start, seed, config, scorer, edges
        As for :func:`generate_plan`.
    noise : float, default 0.003
        Randomisation of the greedy choice, in objective units.
    iterations : int, default 2000
        Local-search moves per plan.
    time_limit : float, optional
        Seconds for the whole ensemble (set-up included), not per member: the
        members are made one after another, each with the time left. When it
        runs out, the member being made is kept if it has a start (greedy
        merging done, or without a target cut short), its search cut short
        (``info["stopped"] == "time_limit"``); no further member is started and
        fewer plans are returned. TimeLimitError when the first member has no
        start.
    progress : bool, optional
        Show a progress bar (default: when stderr is a terminal).
    within : Mapping[str, str], optional
        As for :func:`generate_plan`: every plan nests in the upper plan.
    bounds : Mapping[str, float], optional
        Figure bounds every plan meets (as for ``generate_plan(method="search",
        bounds=...)``); a member whose search ends without meeting them raises
        InfeasibleError.
    on_plan : callable, optional
        Called with each plan as soon as it is made (e.g. to write it out), before
        the next one is started. :func:`iter_ensemble` yields them instead.
    executor : concurrent.futures.Executor or distributed.Client, optional
        Make the members there (:mod:`townmerge.generate.parallel`): the study area's
        set-up (adjacency, scorer, travel network, flows) is built here once and
        shipped to each worker once; the plans are the same as serially, in member
        order (``on_plan`` is called in that order). A scorer given must pickle.
    n_jobs : int, optional
        Worker processes of a local pool (-1: every core); default: this process.

    Returns
    -------
    list of Plan

    Raises
    ------
    TimeLimitError
        When ``time_limit`` ran out before the first plan was found.
    """
    plans: list[Plan] = []
    for plan in iter_ensemble(area, n, target=target, start=start, seed=seed, noise=noise,
                              iterations=iterations, time_limit=time_limit, config=config,
                              scorer=scorer, edges=edges, progress=progress, within=within,
                              bounds=bounds, executor=executor, n_jobs=n_jobs):
        if on_plan is not None:
            on_plan(plan)
        plans.append(plan)
    return plans


def best_plans(
    area: StudyArea,
    n: int,
    *,
    target: int | None = None,
    start: Plan | None = None,
    seed: int = 0,
    time_limit: float | None = None,
    config: Config | None = None,
    scorer: GroupScorer | None = None,
    edges: pd.DataFrame | None = None,
    within: Mapping[str, str] | None = None,
    bounds: Mapping[str, float] | None = None,
) -> list[Plan]:
    """The ``n`` best plans, best first, each proven by the exact model.

    Plan 1 is the optimum of ``generate_plan(method="exact")``; plan ``r`` is
    the best plan that differs from plans 1 … r−1 (a cut excludes each plan
    found). The alternatives a planner can put forward with their exact
    distance to the optimum; :func:`co_occurrence` over them shows which
    mergers every near-optimal plan shares. County scale: each plan is one
    MILP solve (about 0.1–0.5 s for 33 units, slower as cuts accumulate).

    Parameters
    ----------
    area : StudyArea
    n : int
        How many plans (fewer are returned when fewer feasible plans exist or
        ``time_limit`` runs out).
    target, start, seed, config, scorer, edges, within, bounds
        As for :func:`generate_plan` with ``method="exact"``.
    time_limit : float, optional
        Seconds for all the plans together, set-up included.

    Returns
    -------
    list of Plan
        ``info["rank"]`` (1 = optimum) and ``info["objective"]``.

    Raises
    ------
    InfeasibleError
        When no feasible plan exists (the message names the hard limits that
        rule the mergers out).
    TimeLimitError
        When ``time_limit`` ran out before the first plan was proven.

    Examples
    --------
    >>> from townmerge.datasets.synthetic import sample_county
    >>> c = sample_county()
    >>> area = StudyArea(c.units, c.settlements, c.flows, c.roads)
    >>> top = best_plans(area, 3, target=13)
    >>> [p.info["rank"] for p in top], top[0].info["objective"] >= top[2].info["objective"]
    ([1, 2, 3], True)
    """
    _check_args(n=n, target=target, time_limit=time_limit, seed=seed)
    deadline = Deadline(time_limit)
    cfg, problem, cache = _setup(area, config, scorer, edges, within)
    _check_args(target=target, n_units=problem.n)
    target = None if target is None else int(target)
    fixed = _fixed_groups(problem, start, within)
    figures = _figure_model(area, cfg, cache, edges) if bounds else None
    deadline.check("the set-up (adjacency, scorer) was done")
    plans = ranked_plans(problem, cache, n, target=target, fixed=fixed,
                         time_limit=deadline.left(),
                         seed=seed, bounds=dict(bounds) if bounds else None, figures=figures)
    return [_scored_seats(p, cache) for p in plans]


def co_occurrence(plans: Sequence[Plan], *, edges: pd.DataFrame | None = None) -> pd.DataFrame:
    """How often each pair of current units ends up in the same new unit, as a sparse table.

    Only pairs that share a new unit in at least one plan are listed (a pair
    not listed has share 0), so the table grows with the units times the
    largest new unit, never with the square of the units: 35,927 communes take
    megabytes, not the 9.6 GiB of a square matrix.

    Parameters
    ----------
    plans : sequence of Plan
        Plans over the same units.
    edges : DataFrame, optional
        Pairs to report instead (columns ``unit_a``, ``unit_b``, e.g. the
        adjacency edges of :func:`townmerge.build_adjacency`): each once, in
        their order, share 0 included.

    Returns
    -------
    DataFrame
        Columns ``unit_a``, ``unit_b`` (``unit_a < unit_b`` unless ``edges`` say
        otherwise) and ``share`` in [0, 1]: the share of the plans putting both
        units in one new unit. Sorted by ``unit_a``, ``unit_b``. For a small
        area the square matrix is
        ``co.pivot(index="unit_a", columns="unit_b", values="share")``.

    Raises
    ------
    InputError
        For no plans, plans over different units, or edges naming unknown units.

    Examples
    --------
    >>> a = Plan.from_mapping({"A": 1, "B": 1, "C": 2})
    >>> b = Plan.from_mapping({"A": 1, "B": 2, "C": 2})
    >>> co_occurrence([a, b])
      unit_a unit_b  share
    0      A      B    0.5
    1      B      C    0.5
    >>> edges = pd.DataFrame({"unit_a": ["A", "B"], "unit_b": ["C", "C"]})
    >>> co_occurrence([a, b], edges=edges)["share"].tolist()
    [0.0, 0.5]
    """
    from scipy.sparse import coo_matrix, csr_matrix, triu

    if not plans:
        raise InputError("co_occurrence needs at least one plan.")
    ids = sorted(plans[0].assignment)
    for p in plans[1:]:
        p.check_units(ids)
    n = len(ids)
    rows = np.arange(n)
    counts = csr_matrix((n, n))
    for p in plans:
        labels, uniques = pd.factorize(pd.Series([p.assignment[u] for u in ids]))
        member = csr_matrix((np.ones(n), (rows, labels)), shape=(n, len(uniques)))
        counts = counts + triu(member @ member.T, k=1, format="csr")
    share = coo_matrix(counts)
    names = np.array(ids, dtype=object)
    if edges is None:
        order = np.lexsort((share.col, share.row))
        return pd.DataFrame({"unit_a": names[share.row[order]], "unit_b": names[share.col[order]],
                             "share": share.data[order] / len(plans)})
    pos = {u: i for i, u in enumerate(ids)}
    a = edges["unit_a"].astype(str).map(pos)
    b = edges["unit_b"].astype(str).map(pos)
    unknown = sorted(set(edges["unit_a"][a.isna()].astype(str))
                     | set(edges["unit_b"][b.isna()].astype(str)))
    if unknown:
        raise InputError(f"The edges name units the plans do not have: {format_ids(unknown)}. "
                         "Pass the edges of the same study area.")
    ia, ib = a.to_numpy(dtype=np.int64), b.to_numpy(dtype=np.int64)
    lo, hi = np.minimum(ia, ib), np.maximum(ia, ib)
    found = np.asarray(counts[lo, hi]).ravel() if len(lo) else np.zeros(0)
    return pd.DataFrame({"unit_a": edges["unit_a"].astype(str).to_numpy(),
                         "unit_b": edges["unit_b"].astype(str).to_numpy(),
                         "share": found / len(plans)})
