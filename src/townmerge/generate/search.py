"""Local search from any plan: simulated annealing over moves that keep every constraint.

Moves: a unit on the border of its new unit moves to a neighbouring new unit
(the donor must stay contiguous and non-empty); two neighbouring new units are
recombined (their union is split again in the best of all its ways into two
contiguous, feasible parts, as ReCom does with spanning trees); without a
target, two neighbouring new units may also merge, and a border unit may split
off on its own. A move is made only when every new unit it touches stays feasible and
within ``max_members``; locked units never move. Better moves are always
taken, worse ones with probability exp(Δ/T) as the temperature T cools
geometrically; the best plan seen is returned. Deterministic for a seed.
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


def _connected(members: set[int], problem: PlanningProblem) -> bool:
    if len(members) <= 1:
        return True
    start = next(iter(members))
    seen = {start}
    stack = [start]
    while stack:
        u = stack.pop()
        for v in problem.neighbours[u]:
            if v in members and v not in seen:
                seen.add(v)
                stack.append(v)
    return len(seen) == len(members)


def _recombine(problem: PlanningProblem, cache: ScoreCache, union: set[int],
               together: dict[int, frozenset[int]]) -> tuple[float, frozenset[int],
                                                              frozenset[int]] | None:
    """The best split of ``union`` into two contiguous, feasible new units."""
    atoms: list[frozenset[int]] = []
    seen: set[int] = set()
    for u in sorted(union):
        if u not in seen:
            block = together.get(u, frozenset((u,)))
            atoms.append(block)
            seen |= block
    m = len(atoms)
    if m < 2 or m > 10:
        return None
    k = problem.max_members
    splits: list[tuple[frozenset[int], frozenset[int]]] = []
    for mask in range(2 ** (m - 1) - 1):
        s = set(atoms[0])
        for j in range(1, m):
            if mask >> (j - 1) & 1:
                s |= atoms[j]
        t = union - s
        n_s = 1 + bin(mask).count("1")
        # a part may exceed max_members only when it is one fixed block
        if (len(s) > k and n_s > 1) or (len(t) > k and m - n_s > 1):
            continue
        if not (_connected(s, problem) and _connected(t, problem)):
            continue
        splits.append((frozenset(s), frozenset(t)))
    if not splits:
        return None
    cache.prefill([g for pair in splits for g in pair])
    best: tuple[float, frozenset[int], frozenset[int]] | None = None
    for s_, t_ in splits:
        if not (cache.feasible(s_) and cache.feasible(t_)):
            continue
        v = cache.value(s_) + cache.value(t_)
        if best is None or v > best[0]:
            best = (v, s_, t_)
    return best


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
        Proposed moves.
    time_limit : float, optional
        Stop after this many seconds.
    t_start, t_end : float
        Temperature schedule, in objective units (the objective lies in [0, 1]).
    fixed : list of list of int, optional
        Units that must stay together: they move only as a whole, never apart.
    progress : bool, default False
        Show a progress bar.

    Returns
    -------
    Plan
        The best plan seen; ``info`` has ``objective``, ``start_objective``,
        ``iterations``, ``accepted`` and ``seconds``.
    """
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    if problem.n <= PREFILL_MAX_UNITS:
        # score every group a move can make in one batch, not one group at a time
        reachable: list[frozenset[int]] = []
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
    label = np.empty(n, dtype=int)
    groups: dict[int, set[int]] = {}
    for gid, g in enumerate(start):
        groups[gid] = set(g)
        label[list(g)] = gid
    next_gid = len(start)
    value = {gid: cache.value(frozenset(g)) for gid, g in groups.items()}
    current = sum(value.values())
    best, best_groups = current, [frozenset(g) for g in groups.values()]
    start_objective = current / weight_total
    # border units: those with a neighbour in another group; sampled uniformly among units
    movable = np.flatnonzero(~problem.locked)
    accepted = 0
    it = 0
    if len(movable) == 0:
        iterations = 0
    bar = tqdm(total=iterations, disable=not progress, desc="local search", unit="move",
               mininterval=0.5)
    for it in range(iterations):
        if (it & 1023) == 0 and it:
            bar.update(1024)
        if time_limit is not None and (it & 255) == 0 and time.perf_counter() - t0 > time_limit:
            break
        temp = t_start * (t_end / t_start) ** (it / max(iterations - 1, 1))
        i = int(movable[rng.integers(len(movable))])
        block = together.get(i, frozenset((i,)))
        a = int(label[i])
        outside = sorted({int(label[j]) for u in block for j in problem.neighbours[u]} - {a})
        kind = rng.random()
        if outside and kind >= (0.8 if fixed_count else 0.85):
            # recombine a's group with a neighbouring group: the best split of their union
            b = outside[rng.integers(len(outside))]
            if problem.locked[list(groups[a] | groups[b])].any():
                continue
            found = _recombine(problem, cache, groups[a] | groups[b], together)
            if found is None:
                continue
            v, s_, t_ = found
            if {s_, t_} == {frozenset(groups[a]), frozenset(groups[b])}:
                continue
            delta = v - value[a] - value[b]
            if delta >= 0 or rng.random() < math.exp(delta / (temp * weight_total)):
                groups[a], groups[b] = set(s_), set(t_)
                label[list(s_)] = a
                label[list(t_)] = b
                value[a], value[b] = cache.value(s_), cache.value(t_)
                current += delta
                accepted += 1
        elif not fixed_count and kind < 0.15:
            # split the block off on its own
            if len(groups[a]) == len(block):
                continue
            donor = groups[a] - block
            if not _connected(donor, problem):
                continue
            new_a, new_b = frozenset(donor), frozenset(block)
            if not (cache.feasible(new_a) and cache.feasible(new_b)):
                continue
            delta = cache.value(new_a) + cache.value(new_b) - value[a]
            if delta >= 0 or rng.random() < math.exp(delta / (temp * weight_total)):
                groups[a] = set(new_a)
                groups[next_gid] = set(new_b)
                label[list(new_b)] = next_gid
                value[a], value[next_gid] = cache.value(new_a), cache.value(new_b)
                next_gid += 1
                current += delta
                accepted += 1
        elif not outside:
            continue
        elif not fixed_count and kind < 0.35:
            # merge a's group with a neighbouring group
            b = outside[rng.integers(len(outside))]
            union = frozenset(groups[a] | groups[b])
            if len(union) > k or problem.locked[list(union)].any() or not cache.feasible(union):
                continue
            delta = cache.value(union) - value[a] - value[b]
            if delta >= 0 or rng.random() < math.exp(delta / (temp * weight_total)):
                groups[a] = set(union)
                label[list(groups[b])] = a
                del groups[b], value[b]
                value[a] = cache.value(union)
                current += delta
                accepted += 1
        else:
            # move the block from a to a neighbouring group b
            b = outside[rng.integers(len(outside))]
            if len(groups[a]) == len(block):
                continue  # would empty a (and change the count)
            donor = groups[a] - block
            receiver = groups[b] | block
            if len(receiver) > k or problem.locked[list(groups[b])].any():
                continue
            if not _connected(donor, problem):
                continue
            new_a, new_b = frozenset(donor), frozenset(receiver)
            if not (cache.feasible(new_a) and cache.feasible(new_b)):
                continue
            delta = cache.value(new_a) + cache.value(new_b) - value[a] - value[b]
            if delta >= 0 or rng.random() < math.exp(delta / (temp * weight_total)):
                groups[a], groups[b] = set(new_a), set(new_b)
                label[list(block)] = b
                value[a], value[b] = cache.value(new_a), cache.value(new_b)
                current += delta
                accepted += 1
        if current > best + 1e-12:
            best = current
            best_groups = [frozenset(g) for g in groups.values()]
    bar.update(max(0, (it + 1 if iterations else 0) - bar.n))
    bar.close()
    objective = partition_objective(problem, cache,
                                    [[problem.ids[i] for i in g] for g in best_groups])
    return plan_from_groups(problem, best_groups, method="search", seed=seed,
                            objective=objective, start_objective=start_objective,
                            iterations=it + 1 if iterations else 0, accepted=accepted,
                            seconds=time.perf_counter() - t0)
