"""The final polish of the local search: recombine neighbouring new units while that improves.

Annealing may leave its best plan short of a local optimum; :func:`finish` replaces each pair
of neighbouring new units by the best split of their union until none improves (with bounds:
while the plan still meets them), checks the bounds and reports the plan's figures.
:func:`capped_pairs` counts the pairs whose union was too large to split in every way.

Examples
--------
>>> from townmerge.data.model import StudyArea
>>> from townmerge.generate.base import PlanningProblem, ScoreCache
>>> from townmerge.testing.grids import grid_units
>>> from townmerge.testing.scorers import SizeScorer
>>> area = StudyArea(grid_units("AB / CD", population=dict.fromkeys("ABCD", 5)))
>>> problem = PlanningProblem.from_area(area)
>>> from townmerge.generate.move_memo import MoveMemo
>>> memo = MoveMemo(problem, ScoreCache(problem, SizeScorer(area, p_min=10)), {})
>>> rim = [tuple(nb) for nb in problem.neighbours]
>>> start = [frozenset({0}), frozenset({1, 2, 3})]
>>> groups, made, info = finish(start, memo, None, None, rim, frozenset(), 1e-12,
...                             Deadline(None))
>>> sorted(sorted(g) for g in groups), made, info, capped_pairs(groups, memo, rim)
([[0, 1], [2, 3]], 1, {'local_optimum': True}, 0)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..errors import InfeasibleError
from ..score.figures import unmet_bounds
from .bound_tracker import BoundTracker, unmet_message
from .deadline import Deadline
from .move_memo import MoveMemo

__all__ = ["capped_pairs", "finish"]


def capped_pairs(groups: list[frozenset[int]], moves: MoveMemo,
                 rim: list[tuple[int, ...]]) -> int:
    """How many pairs of neighbouring new units have a union too large to split every way."""
    if not moves.capped:
        return 0
    label = {u: x for x, g in enumerate(groups) for u in g}
    pairs = {(x, label[j]) for x, g in enumerate(groups) for u in g for j in rim[u]
             if label[j] > x}
    return sum(groups[x] | groups[y] in moves.capped for x, y in pairs)


Improve = Callable[[frozenset[int], frozenset[int], frozenset[int]],
                   "tuple[frozenset[int], frozenset[int]] | None"]


def _polish_pairs(groups: list[frozenset[int]], rim: list[tuple[int, ...]],
                  locked: frozenset[int], improve: Improve, deadline: Deadline,
                  ) -> tuple[list[frozenset[int]], int, bool]:
    """Replace neighbouring new units by a better split of their union until none improves.

    Pairs are visited in a fixed order; ``improve(a, b, union)`` returns the
    split to take (and records it) or None. Returns the groups, the number of
    splits taken and whether the polish ran to its end (not cut by ``deadline``).
    """
    groups = list(groups)
    label = {u: x for x, g in enumerate(groups) for u in g}
    made = 0
    improved = True
    timed = deadline.end is not None
    while improved:
        improved = False
        for x in range(len(groups)):
            if timed and deadline.expired():
                return groups, made, False
            near = sorted({label[j] for u in groups[x] for j in rim[u]} - {x})
            for y in near:
                if y < x:
                    continue
                union = groups[x] | groups[y]
                if not locked.isdisjoint(union):
                    continue
                found = improve(groups[x], groups[y], union)
                if found is None:
                    continue
                s_, t_ = found
                groups[x], groups[y] = s_, t_
                for u in s_:
                    label[u] = x
                for u in t_:
                    label[u] = y
                made += 1
                improved = True
                break
    return groups, made, True


def _polish_bounded(groups: list[frozenset[int]], moves: MoveMemo, tracker: BoundTracker,
                    rim: list[tuple[int, ...]], locked: frozenset[int], tol: float,
                    deadline: Deadline) -> tuple[list[frozenset[int]], int, bool]:
    """:func:`_polish` that keeps the figure bounds met (``tracker`` holds ``groups``).

    Each pair of neighbouring new units is replaced by its best split that
    improves the objective while the plan still meets the bounds.
    """

    def improve(a: frozenset[int], b: frozenset[int], union: frozenset[int],
                ) -> tuple[frozenset[int], frozenset[int]] | None:
        splits = moves.splits(union)
        if not splits:
            return None
        values, rows = tracker.split_table(union, splits)
        sums = tracker.sums - tracker.row(a) - tracker.row(b) + rows
        viol = tracker.violation(sums, tracker.k)
        now = moves.value(a) + moves.value(b)
        gain = np.where(viol <= 0, values - now, -np.inf)
        j = int(np.argmax(gain))
        if not gain[j] > tol:
            return None
        _, s_, t_ = splits[j]
        tracker.commit((sums[j], tracker.k, float(viol[j])))
        return s_, t_

    return _polish_pairs(groups, rim, locked, improve, deadline)


def _polish(groups: list[frozenset[int]], moves: MoveMemo, rim: list[tuple[int, ...]],
            locked: frozenset[int], tol: float, deadline: Deadline,
            ) -> tuple[list[frozenset[int]], int, bool]:
    """Recombine neighbouring new units while that improves the plan.

    Annealing may leave its best plan short of a local optimum (it was found
    warm, before the walk moved on). Each pair of neighbouring new units, in a
    fixed order, is replaced by the best split of its union when that is better,
    until no pair improves: a unit move is one of those splits, so the result is
    a local optimum for both kinds of move. Returns the groups, the number
    of recombinations made and whether it ran to its end (``deadline``).
    """

    def improve(a: frozenset[int], b: frozenset[int], union: frozenset[int],
                ) -> tuple[frozenset[int], frozenset[int]] | None:
        found = moves.recombine(union)
        if union in moves.capped:  # not every split was tried: block moves are, at least
            moved = moves.block_moves(a, b)
            if moved is not None and (found is None or moved[0] > found[0]):
                found = moved
        if found is None:
            return None
        v, s_, t_ = found
        if v <= moves.value(a) + moves.value(b) + tol:
            return None
        return s_, t_

    return _polish_pairs(groups, rim, locked, improve, deadline)


def finish(groups: list[frozenset[int]], moves: MoveMemo, tracker: BoundTracker | None,
           bounds: dict[str, float] | None, rim: list[tuple[int, ...]],
           locked: frozenset[int], tol: float, deadline: Deadline,
           ) -> tuple[list[frozenset[int]], int, dict[str, object]]:
    """Polish the best plan; with bounds, check it meets them and report its figures.

    Returns the groups, the recombinations the polish made and the extra ``info``
    (``local_optimum``: False when ``deadline`` cut the polish short).
    """
    if tracker is None or bounds is None:
        groups, polished, done = _polish(groups, moves, rim, locked, tol, deadline)
        return groups, polished, {"local_optimum": done}
    tracker.reset(groups)
    if tracker.viol > 0:
        raise InfeasibleError(unmet_message(tracker, groups, bounds))
    groups, polished, done = _polish_bounded(groups, moves, tracker, rim, locked, tol, deadline)
    found_figures = tracker.plan_figures(groups)
    broken = unmet_bounds(found_figures, bounds)
    if broken:  # the running sums drifted past the bound: only rounding can do that
        raise InfeasibleError(unmet_message(tracker, groups, bounds))
    return groups, polished, {"local_optimum": done, "bounds": dict(bounds),
                              "figures": found_figures}
