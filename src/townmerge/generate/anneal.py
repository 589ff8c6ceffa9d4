"""The annealing loop of the local search: the plan being annealed, its moves and the schedule.

:class:`SearchState` is the plan (groups by id, each unit's group, the running objective);
:class:`Proposer` proposes the moves on it (unit moves, recombinations, merges and splits,
each with its gain, penalised by a :class:`~townmerge.generate.bound_tracker.BoundTracker`
under bounds); :class:`Schedule` cools the temperature and counts the rounds; :func:`anneal`
runs the moves, drawing random numbers in blocks so a seed gives the same walk.

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
>>> st = SearchState([frozenset({0}), frozenset({1, 2, 3})], 4, memo.value, None)
>>> run = anneal(st, Proposer(memo, None, frozenset(), {}, rim, fixed_count=True),
...              Schedule(200, 0.02, 1e-5, 50, 20.0), [0, 1, 2, 3], np.random.default_rng(0),
...              memo.value, weight_total=20.0, tol=1e-12, t0=time.perf_counter(),
...              time_limit=None, progress=False)
>>> sorted(sorted(g) for g in run.groups), run.stopped
([[0, 2], [1, 3]], 'patience')
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from tqdm.auto import tqdm

from .bound_tracker import BoundTracker, TrackerState, penalised_split
from .move_memo import MoveMemo

__all__ = ["Annealed", "Change", "Proposer", "Schedule", "SearchState", "anneal"]

#: A proposed move: its gain (penalised with bounds), the groups it sets as
#: (group id, group, value or None to look it up), the group id it removes (or None),
#: and the tracker's state after it (None without bounds).
Change = tuple[float, tuple[tuple[int, frozenset[int], float | None], ...], int | None,
                TrackerState | None]


class SearchState:
    """The plan being annealed.

    Its groups by id, each unit's group id, the groups' values and the running
    (with bounds: penalised) objective; ``tracker`` follows its figure sums.
    """

    __slots__ = ("current", "groups", "label", "next_gid", "start_total", "tracker", "value")

    def __init__(self, start: list[frozenset[int]], n: int,
                 gvalue: Callable[[frozenset[int]], float], tracker: BoundTracker | None) -> None:
        self.label = [0] * n
        self.groups: dict[int, frozenset[int]] = {}
        for gid, g in enumerate(start):
            self.groups[gid] = frozenset(g)
            for i in g:
                self.label[i] = gid
        self.next_gid = len(start)
        self.value = {gid: gvalue(g) for gid, g in self.groups.items()}
        #: the start's objective (unpenalised, times the total weight)
        self.start_total = sum(self.value.values())
        self.current = self.start_total
        self.tracker = tracker
        if tracker is not None:
            self.current -= tracker.reset(self.groups.values())

    def mark(self, weight_total: float) -> float:
        """How the current plan ranks: with bounds, a plan meeting them gains ``weight_total``.

        With bounds the penalised objective lies below ``weight_total``, so every plan
        meeting the bounds ranks above every plan that does not.
        """
        tracker = self.tracker
        if tracker is None:
            return self.current
        return self.current + weight_total if tracker.viol <= 0 else self.current

    def restart(self, best_groups: list[frozenset[int]], best: float,
                gvalue: Callable[[frozenset[int]], float]) -> None:
        """Go back to the best plan (``best`` its objective, used as is without bounds)."""
        self.groups = dict(enumerate(best_groups))
        self.value = {gid: gvalue(g) for gid, g in self.groups.items()}
        label = self.label
        for gid, g in self.groups.items():
            for u in g:
                label[u] = gid
        self.next_gid = len(self.groups)
        self.current = best
        if self.tracker is not None:
            self.current = sum(self.value.values()) - self.tracker.reset(self.groups.values())

    def apply(self, change: Change, gvalue: Callable[[frozenset[int]], float]) -> None:
        """Make an accepted move."""
        delta, sets, removed, state = change
        groups, label, value = self.groups, self.label, self.value
        for gid, g, v in sets:
            groups[gid] = g
            for u in g:
                label[u] = gid
            value[gid] = gvalue(g) if v is None else v
            if gid == self.next_gid:
                self.next_gid += 1
        if removed is not None:
            del groups[removed], value[removed]
        self.current += delta
        if state is not None and self.tracker is not None:
            self.tracker.commit(state)


class Proposer:
    """Proposes the moves of the search on a :class:`SearchState`, each with its gain.

    Every move method returns the move as a :data:`Change`, or None when the
    move is not possible (it would break a constraint or change nothing).
    :func:`anneal` picks which move to propose (``p_recombine``, ``fixed_count``).
    """

    def __init__(self, moves: MoveMemo, tracker: BoundTracker | None, locked: frozenset[int],
                 together: dict[int, frozenset[int]], rim: list[tuple[int, ...]],
                 fixed_count: bool) -> None:
        self.moves = moves
        self.tracker = tracker
        self.locked = locked
        self.k = moves.problem.max_members
        #: each unit moves with its fixed block
        self.blocks = [together.get(i, frozenset((i,))) for i in range(moves.problem.n)]
        #: the units just outside each unit's block
        self.rim = rim
        self.fixed_count = fixed_count
        self.p_recombine = 0.8 if fixed_count else 0.85

    def recombine(self, st: SearchState, a: int, b: int) -> Change | None:
        """Recombine groups ``a`` and ``b``: the best (penalised) split of their union."""
        ga, gb = st.groups[a], st.groups[b]
        union = ga | gb
        if not self.locked.isdisjoint(union):
            return None
        tracker = self.tracker
        state: TrackerState | None = None
        if tracker is None:
            found = self.moves.recombine(union)
            if found is None:
                return None
            v, s_, t_ = found
            if (s_ == ga and t_ == gb) or (s_ == gb and t_ == ga):
                return None
            delta = v - st.value[a] - st.value[b]
        else:
            pick = penalised_split(tracker, self.moves, union, ga, gb,
                                    st.value[a] + st.value[b])
            if pick is None:
                return None
            delta, s_, t_, state = pick
        return delta, ((a, s_, None), (b, t_, None)), None, state

    def split(self, st: SearchState, a: int, block: frozenset[int]) -> Change | None:
        """Split ``block`` off group ``a`` as a new group of its own."""
        ga = st.groups[a]
        if len(ga) == len(block):
            return None
        new_a = ga - block
        new_b = block
        tracker = self.tracker
        if tracker is not None:
            tracker.context = (ga,)
        v_a = self.moves.option(new_a)
        if v_a is None:
            return None
        v_b = self.moves.feasible(new_b)
        if v_b is None:
            return None
        delta = v_a + v_b - st.value[a]
        pen = self._penalty((ga,), (new_a, new_b))
        if pen is None:
            return None
        dp, state = pen
        delta -= dp
        return delta, ((a, new_a, v_a), (st.next_gid, new_b, v_b)), None, state

    def _penalty(self, old: tuple[frozenset[int], ...], new: tuple[frozenset[int], ...],
                 ) -> tuple[float, TrackerState | None] | None:
        """The bounds' penalty change of replacing ``old`` groups by ``new`` ones.

        ``(0, None)`` without bounds; None when the move is not allowed under them.
        """
        tracker = self.tracker
        if tracker is None:
            return 0.0, None
        tracker.need(new)
        return tracker.move(old, new)

    def merge(self, st: SearchState, a: int, b: int) -> Change | None:
        """Merge groups ``a`` and ``b`` (into ``a``)."""
        ga, gb = st.groups[a], st.groups[b]
        union = ga | gb
        if len(union) > self.k or not self.locked.isdisjoint(union):
            return None
        tracker = self.tracker
        if tracker is not None:
            tracker.context = (union,)
        v_u = self.moves.feasible(union)
        if v_u is None:
            return None
        delta = v_u - st.value[a] - st.value[b]
        pen = self._penalty((ga, gb), (union,))
        if pen is None:
            return None
        dp, state = pen
        delta -= dp
        return delta, ((a, union, v_u),), b, state

    def unit_move(self, st: SearchState, a: int, b: int, block: frozenset[int]) -> Change | None:
        """Move ``block`` from group ``a`` to the neighbouring group ``b``."""
        ga, gb = st.groups[a], st.groups[b]
        if len(ga) == len(block):
            return None  # would empty a (and change the count)
        if len(gb) + len(block) > self.k or not self.locked.isdisjoint(gb):
            return None
        new_a = ga - block
        new_b = gb | block
        tracker = self.tracker
        if tracker is not None:
            tracker.context = (ga, gb)
        v_a = self.moves.option(new_a)
        if v_a is None:
            return None
        v_b = self.moves.feasible(new_b)
        if v_b is None:
            return None
        delta = v_a + v_b - st.value[a] - st.value[b]
        pen = self._penalty((ga, gb), (new_a, new_b))
        if pen is None:
            return None
        dp, state = pen
        delta -= dp
        return delta, ((a, new_a, v_a), (b, new_b, v_b)), None, state


class Schedule:
    """Cooling and rounds of the annealing.

    Each round cools geometrically from ``t_start`` at its first move to ``t_end``
    at the last move left, and ends after ``patience`` moves without a new best,
    counted from its cold half.
    """

    def __init__(self, iterations: int, t_start: float, t_end: float, patience: int,
                 weight_total: float) -> None:
        self.iterations = iterations
        self.t_start = t_start
        self.t_end = t_end
        self.patience = patience
        self.weight_total = weight_total
        # the temperature at move it is t_start * exp(cooling * (it - it0))
        self.it0 = 0
        self.cooling = math.log(t_end / t_start) / max(iterations - 1, 1)
        self.stop_at = (iterations - 1) // 2 + patience
        self.rounds = 1

    def accept_worse(self, delta: float, r_accept: float, it: int) -> bool:
        """Whether move ``it``, worse by ``-delta``, is made (``r_accept`` uniform on [0, 1)).

        Better moves (``delta >= 0``) are always made; the caller tests that first.
        """
        return r_accept < math.exp(
            delta / (self.t_start * math.exp(self.cooling * (it - self.it0)) * self.weight_total))

    def new_round(self, it: int) -> None:
        """Start a new round at move ``it``, cooling over the moves left."""
        left = self.iterations - it
        self.it0 = it
        self.cooling = math.log(self.t_end / self.t_start) / max(left - 1, 1)
        self.stop_at = it + (left - 1) // 2 + self.patience
        self.rounds += 1

    def improved(self, it: int) -> None:
        """A new best at move ``it``: the round goes on for ``patience`` moves at least."""
        self.stop_at = max(self.stop_at, it + self.patience)


class Annealed(NamedTuple):
    """What the annealing found, and how it went."""

    groups: list[frozenset[int]]
    iterations: int
    accepted: int
    best_iteration: int
    rounds: int
    stopped: str


def anneal(st: SearchState, proposer: Proposer, schedule: Schedule, movable: list[int],
           rng: np.random.Generator, gvalue: Callable[[frozenset[int]], float], *,
           weight_total: float, tol: float, t0: float, time_limit: float | None,
           progress: bool) -> Annealed:
    """Simulated annealing from ``st`` over ``schedule``, in rounds from the best plan."""
    iterations = schedule.iterations
    patience = schedule.patience
    n_movable = len(movable)
    best = st.mark(weight_total)
    best_groups = list(st.groups.values())
    accepted = done = best_it = 0
    stopped = "iterations"
    bar = tqdm(total=iterations, disable=not progress, desc="local search", unit="move",
               mininterval=0.5)
    draws: list[list[float]] = []
    accept_worse, apply = schedule.accept_worse, st.apply
    recombine, split, merge, unit_move = (proposer.recombine, proposer.split, proposer.merge,
                                          proposer.unit_move)
    rim, blocks, p_recombine = proposer.rim, proposer.blocks, proposer.p_recombine
    fixed_count = proposer.fixed_count
    bounded = st.tracker is not None
    label = st.label  # updated in place, never replaced
    # the clock is read every 128 moves (from the first): a time limit is missed by 128 moves
    end = math.inf if time_limit is None else t0 + time_limit
    for it in range(iterations):
        if (it & 127) == 0 and end < math.inf and time.perf_counter() > end:
            stopped = "time_limit"
            break
        if (it & 1023) == 0:
            if it:
                bar.update(1024)
            # four uniform draws per move: unit, kind, neighbouring group, acceptance
            draws = rng.random((1024, 4)).tolist()
        if it >= schedule.stop_at:
            if iterations - it < 2 * patience:
                stopped = "patience"
                break
            # stalled: a new round from the best plan, cooling over the moves left
            st.restart(best_groups, best, gvalue)
            schedule.new_round(it)
        done = it + 1
        r_unit, kind, r_pick, r_accept = draws[it & 1023]
        # the move: unit i (with its block) and, but for a split, a neighbouring group
        i = movable[int(r_unit * n_movable)]
        a = label[i]
        near = {label[j] for j in rim[i]}
        near.discard(a)
        outside = sorted(near)
        if outside and kind >= p_recombine:
            change = recombine(st, a, outside[int(r_pick * len(outside))])
        elif not fixed_count and kind < 0.15:
            change = split(st, a, blocks[i])
        elif not outside:
            continue
        elif not fixed_count and kind < 0.35:
            change = merge(st, a, outside[int(r_pick * len(outside))])
        else:
            change = unit_move(st, a, outside[int(r_pick * len(outside))], blocks[i])
        if change is None:
            continue
        delta = change[0]
        if delta >= 0 or accept_worse(delta, r_accept, it):
            apply(change, gvalue)
            accepted += 1
        mark = st.mark(weight_total) if bounded else st.current  # st.mark, inlined
        if mark > best + tol:
            best = mark
            best_groups = list(st.groups.values())
            best_it = it + 1
            schedule.improved(it)
    bar.update(max(0, done - bar.n))
    bar.close()
    return Annealed(best_groups, done, accepted, best_it, schedule.rounds, stopped)
