"""Local search from any plan: simulated annealing over moves that keep every constraint.

Moves: a unit on the border of its new unit moves to a neighbouring new unit
(the donor must stay contiguous and non-empty); two neighbouring new units are
recombined (their union is split again in the best of all its ways into two
contiguous, feasible parts, as ReCom does with spanning trees); without a
target, two neighbouring new units may also merge, and a border unit may split
off on its own. A move is made only when every new unit it touches stays feasible and
within ``max_members``; locked units never move. Better moves are always
taken, worse ones with probability exp(Δ/T) as the temperature T cools
geometrically from ``t_start`` to ``t_end`` over the moves of a round.

Stopping rule: a round ends once ``patience`` moves in a row, all in the cold
half of its schedule (T below the geometric mean of ``t_start`` and ``t_end``),
found no better plan than the best seen. The next round starts from that best
plan and cools again from ``t_start``, over the moves left; when fewer than
``2 * patience`` moves are left the search stops early (``info["stopped"] ==
"patience"``, ``info["iterations"]`` the moves proposed). Finally the best plan
is polished: neighbouring new units are recombined while that improves it, so
the plan returned is a local optimum for unit moves and recombinations. Moves, contiguity checks
and best splits are memoised by group, and the random numbers drawn in blocks,
so the search stays deterministic for a seed.
"""

from __future__ import annotations

import math
import time

import numpy as np
from tqdm.auto import tqdm

from ..plan import Plan
from .base import PlanningProblem, ScoreCache, partition_objective, plan_from_groups
from .exact import connected_groups

__all__ = ["local_search"]

#: Areas up to this many units have every reachable group scored up front, in one batch.
PREFILL_MAX_UNITS = 400
#: ... unless they have more groups than this.
PREFILL_MAX_GROUPS = 100_000
#: Default patience: a round of annealing ends after ``iterations // PATIENCE_DIVISOR``
#: cold moves without a new best.
PATIENCE_DIVISOR = 16


Split = tuple[float, frozenset[int], frozenset[int]]


class _Moves:
    """Memoised pieces of the moves: group values and the best split of a union.

    Every result depends only on its group (the problem, the scorer and the
    fixed blocks do not change during a search), so memoising them keeps the
    search deterministic while each is computed once. Contiguity is checked on
    bitmasks of unit indices.
    """

    def __init__(self, problem: PlanningProblem, cache: ScoreCache,
                 together: dict[int, frozenset[int]]) -> None:
        self.problem = problem
        self.cache = cache
        self.together = together
        #: each unit's neighbours as a bitmask
        self.nbits = [sum(1 << v for v in nb) for nb in problem.neighbours]
        self._value: dict[frozenset[int], float] = {}
        self._feasible: dict[frozenset[int], float | None] = {}
        self._option: dict[frozenset[int], float | None] = {}
        self._option_bits: dict[int, float | None] = {}
        self._connected: dict[int, bool] = {}
        self._split: dict[frozenset[int], Split | None] = {}
        self._masks: dict[tuple[int, ...], list[tuple[int, ...]]] = {}
        #: whether _option_bits holds every contiguous group a split can make
        self.complete = False

    def index(self, groups: list[frozenset[int]]) -> None:
        """Take ``groups`` as every contiguous group a split can make.

        Then a split part missing from them is not contiguous (or too large),
        and best splits are found by bitmask look-ups alone.
        """
        check = bool(self.together)  # a fixed block need not be contiguous itself
        known = self._option_bits
        for g in groups:
            b = sum(1 << u for u in g)
            known[b] = self.feasible(g) if not check or self.connected_bits(b) else None
        self.complete = True

    def value(self, group: frozenset[int]) -> float:
        """The group's weight × total (:meth:`ScoreCache.value`)."""
        v = self._value.get(group)
        if v is None:
            v = self._value[group] = self.cache.value(group)
        return v

    def feasible(self, group: frozenset[int]) -> float | None:
        """The group's value when it is feasible, else None."""
        if group in self._feasible:
            return self._feasible[group]
        v = self._feasible[group] = self.value(group) if self.cache.feasible(group) else None
        return v

    def option(self, group: frozenset[int]) -> float | None:
        """The group's value when it is contiguous and feasible, else None."""
        if group in self._option:
            return self._option[group]
        ok = self.connected_bits(sum(1 << u for u in group))
        v = self._option[group] = self.feasible(group) if ok else None
        return v

    def connected_bits(self, bits: int) -> bool:
        """Whether the units of the bitmask ``bits`` are contiguous."""
        c = self._connected.get(bits)
        if c is None:
            nbits = self.nbits
            seen = frontier = bits & -bits
            while frontier:
                reach = 0
                while frontier:
                    low = frontier & -frontier
                    reach |= nbits[low.bit_length() - 1]
                    frontier ^= low
                frontier = reach & bits & ~seen
                seen |= frontier
            c = self._connected[bits] = seen == bits
        return c

    def recombine(self, union: frozenset[int]) -> Split | None:
        """The best split of ``union`` into two contiguous, feasible new units."""
        if union in self._split:
            return self._split[union]
        found = self._split[union] = self._best_split(union)
        return found

    def _split_parts(self, size: tuple[int, ...]) -> list[tuple[int, ...]]:
        """First parts of the splits that respect ``max_members``, by atom index.

        Atom 0 is always in the first part; the order is fixed (by bitmask).
        """
        masks = self._masks.get(size)
        if masks is None:
            m, n_units, k = len(size), sum(size), self.problem.max_members
            masks = []
            for mask in range(2 ** (m - 1) - 1):
                part = (0, *(j for j in range(1, m) if mask >> (j - 1) & 1))
                len_s = sum(size[j] for j in part)
                # a part may exceed max_members only when it is one fixed block
                if (len_s > k and len(part) > 1) or (n_units - len_s > k and m - len(part) > 1):
                    continue
                masks.append(part)
            self._masks[size] = masks
        return masks

    def _best_split(self, union: frozenset[int]) -> Split | None:
        atoms: list[frozenset[int]] = []
        seen: set[int] = set()
        for u in sorted(union):
            if u not in seen:
                block = self.together.get(u, frozenset((u,)))
                atoms.append(block)
                seen |= block
        m = len(atoms)
        if m < 2 or m > 10:
            return None
        parts = self._split_parts(tuple(len(a) for a in atoms))
        if not parts:
            return None
        # atoms are disjoint: the sum of their bitmasks is their union
        bits = [sum(1 << u for u in a) for a in atoms]
        full = sum(bits)
        pick = bits.__getitem__
        pairs = []
        for part in parts:
            s_bits = sum(map(pick, part))
            pairs.append((s_bits, full ^ s_bits))
        known = self._option_bits
        todo = () if self.complete else {b: None for pair in pairs for b in pair
                                         if b not in known}
        if todo:
            members = sorted(union)
            new = {b: frozenset(u for u in members if b >> u & 1) for b in todo
                   if self.connected_bits(b)}
            self.cache.prefill(list(new.values()))
            for b in todo:
                known[b] = self.feasible(new[b]) if b in new else None
        best: tuple[float, int] | None = None
        for s_bits, t_bits in pairs:
            v_s = known.get(s_bits)
            if v_s is None:
                continue
            v_t = known.get(t_bits)
            if v_t is None:
                continue
            if best is None or v_s + v_t > best[0]:
                best = (v_s + v_t, s_bits)
        if best is None:
            return None
        s_ = frozenset(u for u in union if best[1] >> u & 1)
        return best[0], s_, union - s_


def local_search(
    problem: PlanningProblem,
    cache: ScoreCache,
    start: list[frozenset[int]],
    *,
    fixed_count: bool = True,
    seed: int = 0,
    iterations: int = 20_000,
    time_limit: float | None = None,
    t_start: float = 0.02,
    t_end: float = 1e-5,
    fixed: list[list[int]] | None = None,
    progress: bool = False,
    patience: int | None = None,
) -> Plan:
    """Improve a partition by simulated annealing.

    Parameters
    ----------
    problem : PlanningProblem
    cache : ScoreCache
    start : list of frozenset of int
        The starting partition (every unit once).
    fixed_count : bool, default True
        Keep the number of new units (unit moves only); otherwise merges and
        splits are allowed too.
    seed : int, default 0
    iterations : int, default 20000
        Most moves proposed.
    time_limit : float, optional
        Stop after this many seconds.
    t_start, t_end : float
        Temperature schedule, in objective units (the objective lies in [0, 1]).
    fixed : list of list of int, optional
        Units that must stay together: they move only as a whole, never apart.
    progress : bool, default False
        Show a progress bar.
    patience : int, optional
        End a round once this many moves in a row, all in the cold half of its
        schedule (temperature below ``sqrt(t_start * t_end)``), found no better
        plan than the best seen; then start a new round from the best plan over
        the moves left, or stop when fewer than ``2 * patience`` are left.
        Default ``iterations // PATIENCE_DIVISOR``; ``iterations`` or more gives
        one round of all ``iterations`` moves.

    Returns
    -------
    Plan
        The best plan seen, polished; ``info`` has ``objective``,
        ``start_objective``, ``iterations`` (moves proposed), ``accepted``,
        ``best_iteration`` (moves proposed when the best plan was found, 0 for
        the start), ``rounds``, ``stopped`` (``"iterations"``, ``"patience"`` or
        ``"time_limit"``), ``polished`` (recombinations made by the final
        polish) and ``seconds``.
    """
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    reachable: list[frozenset[int]] = []
    if problem.n <= PREFILL_MAX_UNITS:
        # score every group a move can make in one batch, not one group at a time
        for g in connected_groups(problem, fixed=fixed):
            reachable.append(g)
            if len(reachable) > PREFILL_MAX_GROUPS:
                break
        cache.prefill(reachable)
    n = problem.n
    weight_total = float(problem.weight.sum()) or 1.0
    k = problem.max_members
    together: dict[int, frozenset[int]] = {}
    for f in fixed or []:
        for i in f:
            together[i] = frozenset(f)
    moves = _Moves(problem, cache, together)
    if reachable and len(reachable) <= PREFILL_MAX_GROUPS:
        moves.index(reachable)
    gvalue, option, feasible, recombine = (moves.value, moves.option, moves.feasible,
                                           moves.recombine)
    locked = frozenset(int(i) for i in np.flatnonzero(problem.locked))
    label = [0] * n
    groups: dict[int, frozenset[int]] = {}
    for gid, g in enumerate(start):
        groups[gid] = frozenset(g)
        for i in g:
            label[i] = gid
    next_gid = len(start)
    value = {gid: gvalue(g) for gid, g in groups.items()}
    current = sum(value.values())
    best, best_groups = current, list(groups.values())
    start_objective = current / weight_total
    # each unit moves with its fixed block; the units just outside that block
    blocks = [together.get(i, frozenset((i,))) for i in range(n)]
    rim = [tuple({j for u in blocks[i] for j in problem.neighbours[u]} - blocks[i])
           for i in range(n)]
    movable = [int(i) for i in np.flatnonzero(~problem.locked)]
    n_movable = len(movable)
    if n_movable == 0:
        iterations = 0
    p_recombine = 0.8 if fixed_count else 0.85
    # gains below this are rounding noise of the running sum, not better plans
    tol = 1e-12 * weight_total
    # a round cools from t_start at move it0 to t_end at the last move; the temperature at
    # move it is t_start * exp(cooling * (it - it0))
    it0 = 0
    cooling = math.log(t_end / t_start) / max(iterations - 1, 1)
    # a round ends after `patience` moves without a new best, counted from its cold half
    patience = (max(iterations // PATIENCE_DIVISOR, 1) if patience is None
                else max(int(patience), 1))
    stop_at = (iterations - 1) // 2 + patience
    accepted = 0
    rounds = 1
    done = best_it = 0
    stopped = "iterations"
    bar = tqdm(total=iterations, disable=not progress, desc="local search", unit="move",
               mininterval=0.5)
    draws: list[list[float]] = []
    for it in range(iterations):
        if (it & 1023) == 0:
            if it and time_limit is not None and time.perf_counter() - t0 > time_limit:
                stopped = "time_limit"
                break
            if it:
                bar.update(1024)
            # four uniform draws per move: unit, kind, neighbouring group, acceptance
            draws = rng.random((1024, 4)).tolist()
        if it >= stop_at:
            left = iterations - it
            if left < 2 * patience:
                stopped = "patience"
                break
            # stalled: a new round from the best plan, cooling over the moves left
            groups = dict(enumerate(best_groups))
            value = {gid: gvalue(g) for gid, g in groups.items()}
            for gid, g in groups.items():
                for u in g:
                    label[u] = gid
            next_gid = len(groups)
            current = best
            it0 = it
            cooling = math.log(t_end / t_start) / max(left - 1, 1)
            stop_at = it + (left - 1) // 2 + patience
            rounds += 1
        done = it + 1
        r_unit, kind, r_pick, r_accept = draws[it & 1023]
        i = movable[int(r_unit * n_movable)]
        block = blocks[i]
        a = label[i]
        near = {label[j] for j in rim[i]}
        near.discard(a)
        outside = sorted(near)
        if outside and kind >= p_recombine:
            # recombine a's group with a neighbouring group: the best split of their union
            b = outside[int(r_pick * len(outside))]
            ga, gb = groups[a], groups[b]
            union = ga | gb
            if not locked.isdisjoint(union):
                continue
            found = recombine(union)
            if found is None:
                continue
            v, s_, t_ = found
            if (s_ == ga and t_ == gb) or (s_ == gb and t_ == ga):
                continue
            delta = v - value[a] - value[b]
            if delta >= 0 or r_accept < math.exp(
                    delta / (t_start * math.exp(cooling * (it - it0)) * weight_total)):
                groups[a], groups[b] = s_, t_
                for u in s_:
                    label[u] = a
                for u in t_:
                    label[u] = b
                value[a], value[b] = gvalue(s_), gvalue(t_)
                current += delta
                accepted += 1
        elif not fixed_count and kind < 0.15:
            # split the block off on its own
            ga = groups[a]
            if len(ga) == len(block):
                continue
            new_a = ga - block
            v_a = option(new_a)
            if v_a is None:
                continue
            new_b = block
            v_b = feasible(new_b)
            if v_b is None:
                continue
            delta = v_a + v_b - value[a]
            if delta >= 0 or r_accept < math.exp(
                    delta / (t_start * math.exp(cooling * (it - it0)) * weight_total)):
                groups[a] = new_a
                groups[next_gid] = new_b
                for u in new_b:
                    label[u] = next_gid
                value[a], value[next_gid] = v_a, v_b
                next_gid += 1
                current += delta
                accepted += 1
        elif not outside:
            continue
        elif not fixed_count and kind < 0.35:
            # merge a's group with a neighbouring group
            b = outside[int(r_pick * len(outside))]
            gb = groups[b]
            union = groups[a] | gb
            if len(union) > k or not locked.isdisjoint(union):
                continue
            v_u = feasible(union)
            if v_u is None:
                continue
            delta = v_u - value[a] - value[b]
            if delta >= 0 or r_accept < math.exp(
                    delta / (t_start * math.exp(cooling * (it - it0)) * weight_total)):
                groups[a] = union
                for u in gb:
                    label[u] = a
                del groups[b], value[b]
                value[a] = v_u
                current += delta
                accepted += 1
        else:
            # move the block from a to a neighbouring group b
            b = outside[int(r_pick * len(outside))]
            ga, gb = groups[a], groups[b]
            if len(ga) == len(block):
                continue  # would empty a (and change the count)
            if len(gb) + len(block) > k or not locked.isdisjoint(gb):
                continue
            new_a = ga - block
            v_a = option(new_a)
            if v_a is None:
                continue
            new_b = gb | block
            v_b = feasible(new_b)
            if v_b is None:
                continue
            delta = v_a + v_b - value[a] - value[b]
            if delta >= 0 or r_accept < math.exp(
                    delta / (t_start * math.exp(cooling * (it - it0)) * weight_total)):
                groups[a], groups[b] = new_a, new_b
                for u in block:
                    label[u] = b
                value[a], value[b] = v_a, v_b
                current += delta
                accepted += 1
        if current > best + tol:
            best = current
            best_groups = list(groups.values())
            best_it = it + 1
            stop_at = max(stop_at, it + patience)
    bar.update(max(0, done - bar.n))
    bar.close()
    best_groups, polished = _polish(best_groups, moves, rim, locked, tol)
    objective = partition_objective(problem, cache,
                                    [[problem.ids[i] for i in g] for g in best_groups])
    return plan_from_groups(problem, best_groups, method="search", seed=seed,
                            objective=objective, start_objective=start_objective,
                            iterations=done, accepted=accepted, best_iteration=best_it,
                            rounds=rounds, stopped=stopped, polished=polished,
                            seconds=time.perf_counter() - t0)


def _polish(groups: list[frozenset[int]], moves: _Moves, rim: list[tuple[int, ...]],
            locked: frozenset[int], tol: float) -> tuple[list[frozenset[int]], int]:
    """Recombine neighbouring new units while that improves the plan.

    Annealing may leave its best plan short of a local optimum (it was found
    warm, before the walk moved on). Each pair of neighbouring new units, in a
    fixed order, is replaced by the best split of its union when that is better,
    until no pair improves: a unit move is one of those splits, so the result is
    a local optimum for both kinds of move. Returns the groups and the number
    of recombinations made.
    """
    groups = list(groups)
    label = {u: x for x, g in enumerate(groups) for u in g}
    made = 0
    improved = True
    while improved:
        improved = False
        for x in range(len(groups)):
            near = sorted({label[j] for u in groups[x] for j in rim[u]} - {x})
            for y in near:
                if y < x:
                    continue
                union = groups[x] | groups[y]
                if not locked.isdisjoint(union):
                    continue
                found = moves.recombine(union)
                if found is None:
                    continue
                v, s_, t_ = found
                if v <= moves.value(groups[x]) + moves.value(groups[y]) + tol:
                    continue
                groups[x], groups[y] = s_, t_
                for u in s_:
                    label[u] = x
                for u in t_:
                    label[u] = y
                made += 1
                improved = True
                break
    return groups, made
