"""Several plans at once: diverse ensembles, the n best plans, and what they share.

:func:`iter_ensemble` and :func:`generate_ensemble` make diverse feasible plans (randomised
greedy, each polished by a short local search); :func:`best_plans` the ``n`` best plans,
each proven by the exact model; :func:`co_occurrence` how often each pair of units shares a
new unit across plans.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..config import Config
from ..data.model import StudyArea
from ..data.plan import Plan
from ..errors import InputError, TimeLimitError, format_ids
from ..score.figure_model import FigureModel
from .arguments import check_args, fixed_groups
from .base import GroupScorer, PlanningProblem, ScoreCache
from .deadline import Deadline
from .exact import ranked_plans
from .parallel import check_jobs, run_tasks
from .prepare import area_figures, scored_seats, setup_problem
from .repair import repaired_greedy
from .search import local_search

__all__ = ["best_plans", "co_occurrence", "generate_ensemble", "iter_ensemble"]


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
    n_jobs: int | str | None = "auto",
    on_plan: Callable[[Plan], None] | None = None,
) -> Iterator[Plan]:
    """:func:`generate_ensemble` one plan at a time: each is yielded as soon as it is made.

    A caller can write each plan out before the next is started, so a run cut
    short (time limit, interruption, a later failure) keeps the plans already
    made. Same parameters and the same plans, in the same order, as
    :func:`generate_ensemble` (plans are yielded in member order, each once it and every
    earlier one are done; ``on_plan`` is called as each is done, in the order they finish).

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
    check_args(n=n, target=target, time_limit=time_limit, seed=seed, iterations=iterations,
               noise=noise)
    check_jobs(n_jobs, executor)
    deadline = Deadline(time_limit)
    cfg, problem, cache = setup_problem(area, config, scorer, edges, within)
    check_args(target=target, n_units=problem.n)
    fixed = fixed_groups(problem, start, within)
    figures = area_figures(area, cfg, cache, edges) if bounds else None
    run = _EnsembleRun(problem, cache, target, fixed, seed, noise, iterations,
                       dict(bounds) if bounds else None, figures, deadline)
    def done(_: int, plan: Plan | None) -> None:
        if plan is not None and on_plan is not None:
            on_plan(plan)

    for plan in run_tasks(_ensemble_member, run, range(n), executor=executor, n_jobs=n_jobs,
                          progress=progress, desc="ensemble", unit="plan", on_done=done):
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
        first = repaired_greedy(problem, cache, target=run.target, fixed=run.fixed,
                                noise=run.noise, seed=s, deadline=deadline)
    except TimeLimitError:
        if i == 0:
            raise
        return None  # the limit ran out during this member's start
    groups = [frozenset(g) for g in problem.index_groups(first.groups().values())]
    plan = local_search(problem, cache, groups, fixed_count=run.target is not None, seed=s,
                        iterations=run.iterations, fixed=run.fixed, time_limit=deadline.left(),
                        bounds=run.bounds, figures=run.figures)
    return scored_seats(plan, cache).with_info(method="ensemble", member=i)


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
    n_jobs: int | str | None = "auto",
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
        Called with each plan as soon as it is made (e.g. to write it out), in the order
        the plans finish (``plan.info["member"]`` says which): a run cut short has handed
        over every plan finished by then. :func:`iter_ensemble` yields them instead.
    executor : concurrent.futures.Executor or distributed.Client, optional
        Make the members there (:mod:`townmerge.generate.parallel`): the study area's
        set-up (adjacency, scorer, travel network, flows) is built here once and
        shipped to each worker once; the plans are the same as serially, returned in
        member order. A scorer given must pickle.
    n_jobs : int, "auto" or None, default "auto"
        Worker processes of a local pool (-1: every core; None: every member here).
        ``"auto"``: member 0 here, the others on every core when it took a second or more
        (:func:`~townmerge.generate.parallel.run_tasks`); a scorer that does not pickle
        keeps them here.

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
                              bounds=bounds, executor=executor, n_jobs=n_jobs,
                              on_plan=on_plan):
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
    check_args(n=n, target=target, time_limit=time_limit, seed=seed)
    deadline = Deadline(time_limit)
    cfg, problem, cache = setup_problem(area, config, scorer, edges, within)
    check_args(target=target, n_units=problem.n)
    target = None if target is None else int(target)
    fixed = fixed_groups(problem, start, within)
    figures = area_figures(area, cfg, cache, edges) if bounds else None
    deadline.check("the set-up (adjacency, scorer) was done")
    plans = ranked_plans(problem, cache, n, target=target, fixed=fixed,
                         time_limit=deadline.left(),
                         seed=seed, bounds=dict(bounds) if bounds else None, figures=figures)
    return [scored_seats(p, cache) for p in plans]


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
