"""Exact plans for county-scale areas: set partitioning over contiguous groups, solved by HiGHS.

Every contiguous group of at most ``max_members`` units (connected in the
adjacency, virtual links included) that the scorer finds feasible is a column;
the model picks groups covering each unit exactly once, with exactly ``target``
groups when a target is given, maximising Σ weight(group) × total(group) — the
plan objective times the total weight. Because each group's score is computed
in full beforehand, the model is exact for any non-linear score; contiguity
holds by construction, and population bounds, travel time to the seat, area,
locked units and must-link pairs enter through the scorer's feasibility.

HiGHS (highspy) is an open-source MILP solver; it proves optimality or stops at
``time_limit`` with the best plan found and its optimality gap.

Figure bounds (``bounds=``, e.g. "at least as much flow kept inside the new
units as plan X, a population CV no higher than its") are linear in the
columns too (:meth:`townmerge.score.group_figures.GroupFigures.constraints`): the model
then finds the best plan meeting them, or proves that none does under the hard
constraints, and names the bounds that alone cannot be met.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import highspy
import numpy as np

from ..data.plan import Plan
from ..errors import InfeasibleError, InputError, TimeLimitError, format_ids
from ..score.figure_model import FigureModel
from ..score.figures import BETTER, check_bounds, unmet_bounds
from ..score.group_figures import GroupFigures
from .base import PlanningProblem, ScoreCache, partition_objective, plan_from_groups
from .deadline import Deadline
from .diagnose import binding_limits

__all__ = ["connected_groups", "exact_plan", "ranked_plans"]

#: Refuse to build models with more columns than this (the enumeration explodes).
MAX_COLUMNS = 2_000_000
#: Under a time limit, candidate groups are enumerated and scored in batches of this many,
#: the clock checked between batches.
TIMED_BATCH = 20_000
#: HiGHS's model status when its time limit ran out.
TIME_LIMIT_STATUS = "Time limit reached"


def _quiet_highs() -> highspy.Highs:
    """A HiGHS instance that prints nothing (its banner is written by C++ to fd 1)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    return h


def connected_groups(problem: PlanningProblem, max_members: int | None = None,
                     *, fixed: list[list[int]] | None = None) -> Iterator[frozenset[int]]:
    """Every connected group of at most ``max_members`` units, each exactly once.

    An ESU-style enumeration (Wernicke 2006): each group is grown from its
    smallest atom, only ever adding atoms with a larger index that neighbour
    the group and were not neighbours of it before.

    Parameters
    ----------
    problem : PlanningProblem
    max_members : int, optional
        Largest group, in current units (default ``problem.max_members``).
    fixed : list of list of int, optional
        Units that must stay together (fixed mergers): each list is one atom,
        every other unit an atom of its own. An atom larger than
        ``max_members`` is still yielded on its own.

    Yields
    ------
    frozenset of int
        Unit indices of the group. Locked units appear only alone.

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> from townmerge.data.model import StudyArea
    >>> p = PlanningProblem.from_area(StudyArea(grid_units("ABC")))
    >>> sorted(sorted(g) for g in connected_groups(p, 2))
    [[0], [0, 1], [1], [1, 2], [2]]
    """
    k = problem.max_members if max_members is None else max_members
    in_fixed = {i for f in fixed or [] for i in f}
    atoms = [list(f) for f in fixed or []] + [[i] for i in range(problem.n) if i not in in_fixed]
    atom_of = np.empty(problem.n, dtype=int)
    for a, members in enumerate(atoms):
        atom_of[members] = a
    size = [len(m) for m in atoms]
    locked = [bool(problem.locked[m].any()) for m in atoms]
    nb: list[set[int]] = [set() for _ in atoms]
    for a, members in enumerate(atoms):
        for i in members:
            for j in problem.neighbours[i]:
                b = int(atom_of[j])
                if b != a and not locked[b]:
                    nb[a].add(b)

    def units(group: list[int]) -> frozenset[int]:
        return frozenset(i for a in group for i in atoms[a])

    for v in range(len(atoms)):
        yield units([v])
        if locked[v] or size[v] >= k:
            continue
        stack = [([v], size[v], {u for u in nb[v] if u > v and size[v] + size[u] <= k},
                  {v} | nb[v])]
        while stack:
            sub, n_units, ext, closed = stack.pop()
            ext = set(ext)
            while ext:
                w = ext.pop()
                new_sub = [*sub, w]
                new_units = n_units + size[w]
                yield units(new_sub)
                if new_units < k:
                    new_ext = ext | {u for u in nb[w] if u > v and u not in closed
                                     and new_units + size[u] <= k}
                    new_ext = {u for u in new_ext if new_units + size[u] <= k}
                    stack.append((new_sub, new_units, new_ext, closed | nb[w]))


def _build(problem: PlanningProblem, columns: list[frozenset[int]], cost: np.ndarray, *,
           target: int | None, rows: list[tuple[np.ndarray, float, float]],
           time_limit: float | None, seed: int, progress: bool) -> highspy.Highs:
    """The set-partitioning model in HiGHS, ready to run."""
    n_cols = len(columns)
    h = _quiet_highs()
    h.setOptionValue("output_flag", bool(progress))
    h.setOptionValue("random_seed", int(seed))
    h.setOptionValue("mip_rel_gap", 1e-9)
    if rows:
        h.setOptionValue("mip_feasibility_tolerance", 1e-9)
        h.setOptionValue("primal_feasibility_tolerance", 1e-9)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    everything = np.arange(n_cols, dtype=np.int32)
    h.addVars(n_cols, np.zeros(n_cols), np.ones(n_cols))
    h.changeColsIntegrality(n_cols, everything,
                            np.full(n_cols, highspy.HighsVarType.kInteger))
    h.changeColsCost(n_cols, everything, cost)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    # each unit covered exactly once: row i has a 1 in every column containing unit i
    rows_of: list[list[int]] = [[] for _ in range(problem.n)]
    for c, g in enumerate(columns):
        for i in g:
            rows_of[i].append(c)
    starts = np.cumsum([0] + [len(r) for r in rows_of[:-1]]).astype(np.int32)
    index = np.array([c for r in rows_of for c in r], dtype=np.int32)
    ones = np.ones(problem.n)
    h.addRows(problem.n, ones, ones, len(index), starts, index, np.ones(len(index)))
    if target is not None:
        h.addRow(float(target), float(target), n_cols, everything, np.ones(n_cols))
    for coef, lo, hi in rows:
        nz = np.flatnonzero(coef).astype(np.int32)
        h.addRow(lo, hi, len(nz), nz, coef[nz])
    return h


def _read(h: highspy.Highs, n_cols: int) -> tuple[np.ndarray | None, str, float, float]:
    """Chosen column indices (None if no feasible plan), status, value and bound of a run."""
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    solution = np.asarray(h.getSolution().col_value)
    if info.primal_solution_status != 2 or len(solution) != n_cols:  # 2 = feasible
        return None, status, float("nan"), float("nan")
    return (np.flatnonzero(solution > 0.5), status, float(info.objective_function_value),
            float(info.mip_dual_bound))


def _solve(problem: PlanningProblem, columns: list[frozenset[int]], cost: np.ndarray, *,
           target: int | None, rows: list[tuple[np.ndarray, float, float]],
           time_limit: float | None, seed: int, progress: bool,
           ) -> tuple[np.ndarray | None, str, float, float]:
    """One HiGHS solve: chosen column indices (None if no feasible plan), status, value, bound."""
    h = _build(problem, columns, cost, target=target, rows=rows, time_limit=time_limit,
               seed=seed, progress=progress)
    h.run()
    return _read(h, len(columns))


def _bound_rows(figures: GroupFigures, bounds: dict[str, float], target: int | None,
                margin: dict[str, float]) -> list[tuple[np.ndarray, float, float]]:
    """The linear rows of ``bounds``, each tightened by its numerical ``margin``."""
    out = []
    for row in figures.constraints(bounds, target=target):
        m = margin.get(row.figure, 0.0)
        out.append((row.coef, row.lower + m, row.upper - m))
    return out


@dataclass(frozen=True, eq=False)
class _Columns:
    """The model's columns: feasible groups, their objective share, their figure parts."""

    columns: list[frozenset[int]]
    cost: np.ndarray
    figures: GroupFigures | None
    all_columns: list[frozenset[int]]  # before the single-group figure bounds
    all_cost: np.ndarray
    all_figures: GroupFigures | None
    bounds: dict[str, float] | None  # checked


def _model_columns(problem: PlanningProblem, cache: ScoreCache, fixed: list[list[int]] | None,
                   bounds: dict[str, float] | None, figures: FigureModel | None,
                   target: int | None, deadline: Deadline | None = None) -> _Columns:
    """Every feasible contiguous group, scored in one batch, filtered by single-group bounds.

    Checks the target and the bounds first (InputError). Under a ``deadline`` the
    groups are enumerated and scored in batches, TimeLimitError raised between them.
    """
    deadline = deadline or Deadline(None)
    if target is not None and not 1 <= target <= problem.n:
        raise InputError(f"target must be between 1 and {problem.n}, not {target}.")
    bounds = check_bounds(bounds) if bounds else None
    if bounds and figures is None:
        raise InputError("Figure bounds need the area's figures: pass figures=FigureModel(area).")
    candidates: list[frozenset[int]] = []
    for g in connected_groups(problem, fixed=fixed):
        candidates.append(g)
        if len(candidates) > MAX_COLUMNS:
            raise InputError(
                f"More than {MAX_COLUMNS:,} candidate groups: the exact model is for county-scale "
                "areas (up to a few hundred units). Use method='greedy' or 'search', or lower "
                "max_members.")
        if deadline.end is not None and len(candidates) % TIMED_BATCH == 0:
            deadline.check("the exact model's candidate groups were listed")
    if deadline.end is None:
        cache.prefill(candidates)  # one batch through the scorer
    else:
        for at in range(0, len(candidates), TIMED_BATCH):
            deadline.check("the exact model's candidate groups were scored")
            cache.prefill(candidates[at:at + TIMED_BATCH])
    fixed_sets = {frozenset(f) for f in fixed or []}
    columns = [g for g in candidates if g in fixed_sets or cache.feasible(g)]
    weight_total = float(problem.weight.sum()) or 1.0
    cost = np.array([cache.value(g) for g in columns]) / weight_total
    if not bounds or figures is None:
        return _Columns(columns, cost, None, columns, cost, None, None)
    all_figures = figures.groups([[problem.ids[i] for i in sorted(g)] for g in columns])
    keep = all_figures.allowed(bounds)
    return _Columns([g for g, k in zip(columns, keep, strict=True) if k], cost[keep],
                    all_figures.take(keep), columns, cost, all_figures, bounds)


def exact_plan(
    problem: PlanningProblem,
    cache: ScoreCache,
    *,
    target: int | None = None,
    fixed: list[list[int]] | None = None,
    time_limit: float | None = None,
    seed: int = 0,
    progress: bool = False,
    bounds: dict[str, float] | None = None,
    figures: FigureModel | None = None,
    deadline: Deadline | None = None,
) -> Plan:
    """Solve the set-partitioning model to optimality (or to ``time_limit``).

    Parameters
    ----------
    problem : PlanningProblem
    cache : ScoreCache
        Scores and feasibility of groups.
    target : int, optional
        Exact number of new units; free when None.
    fixed : list of list of int, optional
        Units that must end up together (user-fixed mergers, must-link pairs).
    time_limit : float, optional
        Seconds for the whole call (listing and scoring the groups, HiGHS, the
        diagnostics of a failure); the best plan HiGHS found by then is returned
        with its gap (``info["status"]`` says the limit was reached).
    seed : int, default 0
        HiGHS's random seed (the optimum value does not depend on it).
    progress : bool, default False
        Show HiGHS's log (bounds and gap as the search goes).
    bounds : dict of str to float, optional
        Worst allowed value of neutral figures (:data:`townmerge.score.figures.BETTER`
        says which way each is better), e.g. from
        :func:`townmerge.score.figures.figure_bounds` of another plan.
    figures : FigureModel, optional
        Figure parts of the area; needed with ``bounds``.
    deadline : Deadline, optional
        The clock of the caller's whole call, instead of ``time_limit`` (so
        that a TimeLimitError names the limit the caller was given).

    Returns
    -------
    Plan
        ``info`` holds ``method``, ``objective``, ``bound``, ``gap``, ``status``,
        ``n_columns`` and ``seconds``; with ``bounds`` also ``bounds`` and
        ``figures`` (the plan's neutral figures).

    Raises
    ------
    InfeasibleError
        When no feasible plan exists (e.g. the target cannot be met: the
        message names the hard limits that rule the mergers out; or the figure
        bounds cannot be met together: it names the bounds that cannot be met
        even alone).
    TimeLimitError
        When ``time_limit`` ran out before any plan was found (this says
        nothing about feasibility).
    """
    t0 = time.perf_counter()
    deadline = deadline if deadline is not None else Deadline(time_limit)
    m = _model_columns(problem, cache, fixed, bounds, figures, target, deadline)
    bounds = m.bounds
    columns, cost, group_figures = m.columns, m.cost, m.figures
    n_cols = len(columns)
    margin: dict[str, float] = {}
    broken: dict[str, float] = {}
    for _ in range(4):
        rows = (_bound_rows(group_figures, bounds, target, margin)
                if bounds and group_figures is not None else [])
        deadline.check("HiGHS found a plan")
        chosen_idx, status, found, bound = _solve(problem, columns, cost, target=target,
                                                  rows=rows, time_limit=deadline.left(),
                                                  seed=seed, progress=progress)
        if chosen_idx is None or group_figures is None or not bounds:
            break
        met = group_figures.plan_figures(chosen_idx)
        broken = unmet_bounds(met, bounds)
        if not broken:
            break
        # HiGHS met a row within its tolerance but the exact figure misses the bound:
        # tighten those rows and solve again
        for name in broken:
            margin[name] = max(1e-9, 10 * margin.get(name, 0.0))
    if broken:
        raise InfeasibleError(
            f"The exact model met the figure bounds only within HiGHS's tolerance; the plan's "
            f"figures {broken} miss them. Loosen those bounds by a hair.")
    if chosen_idx is None:
        if status == TIME_LIMIT_STATUS:
            raise TimeLimitError(deadline.message("HiGHS found a plan"))
        raise InfeasibleError(_no_plan_message(problem, cache, m.all_columns, m.all_cost, status,
                                               target, bounds, m.all_figures, seed, deadline))
    chosen = [columns[c] for c in chosen_idx]
    gap = abs(bound - found) / max(abs(found), 1e-12)
    objective = partition_objective(problem, cache,
                                    [[problem.ids[i] for i in g] for g in chosen])
    extra: dict[str, object] = {}
    if bounds and group_figures is not None:
        extra = {"bounds": dict(bounds),
                 "figures": group_figures.plan_figures(chosen_idx).to_dict()}
    return plan_from_groups(problem, chosen, method="exact", objective=objective, bound=bound,
                            gap=gap, status=status, n_columns=n_cols, seed=seed,
                            seconds=time.perf_counter() - t0, **extra)


def ranked_plans(
    problem: PlanningProblem,
    cache: ScoreCache,
    n: int,
    *,
    target: int | None = None,
    fixed: list[list[int]] | None = None,
    time_limit: float | None = None,
    seed: int = 0,
    bounds: dict[str, float] | None = None,
    figures: FigureModel | None = None,
) -> list[Plan]:
    """The ``n`` best plans of the set-partitioning model, best first.

    Each solve adds a cut excluding the plan just found (Σ of its columns ≤
    its count − 1), so the next solve returns the best plan among the others:
    plan ``r`` is the ``r``-th best partition on the objective (ties in any
    order). Fewer than ``n`` plans are returned when fewer exist.

    Parameters
    ----------
    problem : PlanningProblem
    cache : ScoreCache
    n : int
        How many plans.
    target, fixed, seed, bounds, figures
        As for :func:`exact_plan`.
    time_limit : float, optional
        Seconds for all the solves together; the plans proven by then are
        returned (a solve cut short is dropped).

    Returns
    -------
    list of Plan
        ``info`` holds ``method="ranked"``, ``rank`` (1 = the optimum),
        ``objective`` and ``seconds`` (cumulative).

    Raises
    ------
    InfeasibleError
        When not even one feasible plan exists.
    TimeLimitError
        When ``time_limit`` ran out before the first plan was proven.

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> from townmerge.testing.scorers import SizeScorer
    >>> from townmerge.data.model import StudyArea
    >>> area = StudyArea(grid_units("ABC", population={"A": 5, "B": 5, "C": 5}))
    >>> p = PlanningProblem.from_area(area)
    >>> plans = ranked_plans(p, ScoreCache(p, SizeScorer(area, p_min=10)), 5, target=2)
    >>> sorted(sorted(sorted(g) for g in q.canonical()) for q in plans)  # only two exist
    [[['A'], ['B', 'C']], [['A', 'B'], ['C']]]
    """
    t0 = time.perf_counter()
    if n < 1:
        raise InputError(f"n must be at least 1, not {n}.")
    deadline = Deadline(time_limit)
    m = _model_columns(problem, cache, fixed, bounds, figures, target, deadline)
    bounds = m.bounds
    rows = _bound_rows(m.figures, bounds, target, {}) if bounds and m.figures else []
    h = _build(problem, m.columns, m.cost, target=target, rows=rows, time_limit=None, seed=seed,
               progress=False)
    plans: list[Plan] = []
    status = "not run"
    while len(plans) < n:
        if time_limit is not None:
            left = time_limit - (time.perf_counter() - t0)
            if left <= 0:
                break
            h.setOptionValue("time_limit", float(left))
        h.run()
        chosen_idx, status, _found, _bound = _read(h, len(m.columns))
        if chosen_idx is None or status != "Optimal":
            break
        cut = chosen_idx.astype(np.int32)
        h.addRow(-highspy.kHighsInf, float(cut.size - 1), cut.size, cut, np.ones(cut.size))
        if bounds and m.figures is not None and unmet_bounds(
                m.figures.plan_figures(chosen_idx), bounds):
            continue  # met only within HiGHS's tolerance: not a plan meeting the bounds
        chosen = [m.columns[c] for c in chosen_idx]
        objective = partition_objective(problem, cache,
                                        [[problem.ids[i] for i in g] for g in chosen])
        plans.append(plan_from_groups(problem, chosen, method="ranked", rank=len(plans) + 1,
                                      objective=objective, seed=seed,
                                      seconds=time.perf_counter() - t0))
    if not plans:
        if status in (TIME_LIMIT_STATUS, "not run"):
            raise TimeLimitError(deadline.message("HiGHS proved the best plan"))
        raise InfeasibleError(_no_plan_message(problem, cache, m.all_columns, m.all_cost, status,
                                               target, bounds, m.all_figures, seed, deadline))
    return plans


def _no_plan_message(problem: PlanningProblem, cache: ScoreCache, columns: list[frozenset[int]],
                     cost: np.ndarray, status: str, target: int | None,
                     bounds: dict[str, float] | None, figures: GroupFigures | None, seed: int,
                     deadline: Deadline) -> str:
    """Why there is no plan: the hard limits that rule the mergers out, or the bounds.

    Without bounds (or when the hard constraints alone leave no plan), the hard
    limits that rule the mergers out, with their figures; with bounds, which of
    them cannot be met even alone.
    ``columns``, ``cost`` and ``figures`` are every feasible group, before the
    bounds on single groups' figures removed any. The diagnostic solves share
    the call's ``deadline``; what they could not tell in time is said so.
    """
    head = f"No feasible plan: HiGHS reports {status!r}" + (
        f" for target {target}" if target is not None else "")
    if not bounds or figures is None:
        return f"{head}. {binding_limits(problem, cache, target=target)}"

    def solvable(only: dict[str, float]) -> bool | None:
        """Whether a plan meets ``only``; None when the time limit ran out first."""
        if deadline.expired():
            return None
        keep = figures.allowed(only)
        sub = [c for c, k in zip(columns, keep, strict=True) if k]
        rows = _bound_rows(figures.take(keep), only, target, {})
        found, why, _, _ = _solve(problem, sub, cost[keep], target=target, rows=rows,
                                  time_limit=deadline.left(), seed=seed, progress=False)
        if found is None and why == TIME_LIMIT_STATUS:
            return None
        return found is not None

    cut = (" (the time limit ran out before the diagnosis was done: raise time_limit for it)")
    without = solvable({})
    if without is None:
        return f"{head} with the figure bounds{cut}."
    if not without:
        return (f"{head} even without the figure bounds. "
                f"{binding_limits(problem, cache, target=target)}")
    verdict = {name: solvable({name: value}) for name, value in bounds.items()}
    alone = [f"{name} {'≥' if BETTER[name] == 'higher' else '≤'} {bounds[name]:.6g}"
             for name, ok in verdict.items() if ok is False]
    unknown = "" if None not in verdict.values() else cut
    if alone:
        return (f"{head} with the figure bounds; under the hard constraints these cannot be met "
                f"even alone: {format_ids(alone)}{unknown}. Loosen them.")
    if unknown:
        return f"{head} with the figure bounds{unknown}."
    return (f"{head} with the figure bounds: each can be met alone, not all together. Loosen "
            f"one of {format_ids(list(bounds))}.")
