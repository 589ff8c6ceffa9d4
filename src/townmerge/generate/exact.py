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
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator

import highspy
import numpy as np

from ..errors import InfeasibleError, InputError
from ..plan import Plan
from .base import PlanningProblem, ScoreCache, partition_objective, plan_from_groups

__all__ = ["connected_groups", "exact_plan"]

#: Refuse to build models with more columns than this (the enumeration explodes).
MAX_COLUMNS = 2_000_000


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
    >>> from townmerge.model import StudyArea
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


def exact_plan(
    problem: PlanningProblem,
    cache: ScoreCache,
    *,
    target: int | None = None,
    fixed: list[list[int]] | None = None,
    time_limit: float | None = None,
    seed: int = 0,
    progress: bool = False,
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
        Seconds for HiGHS; the best plan found by then is returned with its gap.
    seed : int, default 0
        HiGHS's random seed (the optimum value does not depend on it).
    progress : bool, default False
        Show HiGHS's log (bounds and gap as the search goes).

    Returns
    -------
    Plan
        ``info`` holds ``method``, ``objective``, ``bound``, ``gap``, ``status``,
        ``n_columns`` and ``seconds``.

    Raises
    ------
    InfeasibleError
        When no feasible plan exists (e.g. the target cannot be met).
    """
    t0 = time.perf_counter()
    if target is not None and not 1 <= target <= problem.n:
        raise InputError(f"target must be between 1 and {problem.n}, not {target}.")
    candidates: list[frozenset[int]] = []
    for g in connected_groups(problem, fixed=fixed):
        candidates.append(g)
        if len(candidates) > MAX_COLUMNS:
            raise InputError(
                f"More than {MAX_COLUMNS:,} candidate groups: the exact model is for county-scale "
                "areas (up to a few hundred units). Use method='greedy' or 'search', or lower "
                "max_members.")
    cache.prefill(candidates)  # one batch through the scorer
    fixed_sets = {frozenset(f) for f in fixed or []}
    columns = [g for g in candidates if g in fixed_sets or cache.feasible(g)]
    n_cols = len(columns)
    weight_total = float(problem.weight.sum()) or 1.0
    cost = np.array([cache.value(g) for g in columns]) / weight_total
    h = _quiet_highs()
    h.setOptionValue("output_flag", bool(progress))
    h.setOptionValue("random_seed", int(seed))
    h.setOptionValue("mip_rel_gap", 1e-9)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    h.addVars(n_cols, np.zeros(n_cols), np.ones(n_cols))
    h.changeColsIntegrality(n_cols, np.arange(n_cols, dtype=np.int32),
                            np.full(n_cols, highspy.HighsVarType.kInteger))
    h.changeColsCost(n_cols, np.arange(n_cols, dtype=np.int32), cost)
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
        h.addRow(float(target), float(target), n_cols, np.arange(n_cols, dtype=np.int32),
                 np.ones(n_cols))
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    solution = np.asarray(h.getSolution().col_value)
    if info.primal_solution_status != 2 or len(solution) != n_cols:  # 2 = feasible
        raise InfeasibleError(
            f"No feasible plan: HiGHS reports {status!r}"
            + (f" for target {target}" if target is not None else "")
            + ". Relax the constraints (max_members, population or travel limits) or change "
            "the target.")
    chosen = [columns[c] for c in np.flatnonzero(solution > 0.5)]
    found = float(info.objective_function_value)
    bound = float(info.mip_dual_bound)
    gap = abs(bound - found) / max(abs(found), 1e-12)
    objective = partition_objective(problem, cache,
                                    [[problem.ids[i] for i in g] for g in chosen])
    return plan_from_groups(problem, chosen, method="exact", objective=objective, bound=bound,
                            gap=gap, status=status, n_columns=n_cols, seed=seed,
                            seconds=time.perf_counter() - t0)
