"""Score-driven greedy agglomeration: merge the best feasible pair, rescore what changed.

Each step merges the two neighbouring new units whose merger raises the plan
objective most (gain = value of the union − values of the parts), among pairs
whose union is feasible and within ``max_members``. Only pairs touching the
merged unit are rescored. With a target the loop stops at that many units;
without one, only pairs involving a unit below its population floor are
considered, and it stops when none is left (the count then follows from the
data). With ``noise`` > 0 the choice is randomised (for ensembles): a pair is
drawn among the best ones with weights exp(gain / noise).
"""

from __future__ import annotations

import heapq
import time

import numpy as np
from tqdm import tqdm  # not tqdm.auto: it warns on import in Jupyter without ipywidgets

from ..data.plan import Plan
from ..errors import InfeasibleError, TimeLimitError
from .base import (
    PlanningProblem,
    ScoreCache,
    check_feasible,
    partition_objective,
    plan_from_groups,
)
from .deadline import Deadline

__all__ = ["agglomerate"]


def agglomerate(
    problem: PlanningProblem,
    cache: ScoreCache,
    *,
    target: int | None = None,
    fixed: list[list[int]] | None = None,
    noise: float = 0.0,
    seed: int = 0,
    top: int = 5,
    progress: bool = False,
    deadline: Deadline | None = None,
) -> Plan:
    """Greedy agglomeration by objective gain.

    Parameters
    ----------
    problem : PlanningProblem
    cache : ScoreCache
    target : int, optional
        Number of new units; without it, merge until every unit meets its floor.
    fixed : list of list of int, optional
        Units merged beforehand (user-fixed mergers); they start as one group.
    noise : float, default 0
        Randomise the choice among the ``top`` best pairs (0: always the best).
    seed : int, default 0
    top : int, default 5
        How many of the best pairs a randomised step chooses among.
    progress : bool, default False
        Show a progress bar of the mergers.
    deadline : Deadline, optional
        The caller's time limit, checked between mergers and scoring batches.

    Returns
    -------
    Plan

    Raises
    ------
    InfeasibleError
        When ``target`` cannot be reached with feasible mergers.
    TimeLimitError
        When ``deadline`` runs out before the merging reaches ``target``.
        Without a target, the mergers made by then are returned, with
        ``info["stopped"] == "time_limit"`` (some units may still be below
        their floor).
    """
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    k = problem.max_members
    label = np.arange(problem.n)
    groups: dict[int, frozenset[int]] = {}
    for i in range(problem.n):
        groups[i] = frozenset((i,))
    for f in fixed or []:
        gid = min(f)
        for i in f:
            del groups[label[i]]
        label[list(f)] = gid
        groups[gid] = frozenset(f)
    version = dict.fromkeys(groups, 0)

    def adjacent(gid: int) -> set[int]:
        return {int(label[j]) for i in groups[gid] for j in problem.neighbours[i]} - {gid}

    # a group infeasible on its own (its seat lies in another unit: 一地两府) must merge:
    # its mergers come first, whatever their gain
    must = float(problem.weight.sum()) or 1.0

    def candidate(a: int, b: int) -> tuple[float, int, int] | None:
        union = groups[a] | groups[b]
        if len(union) > k or problem.locked[list(union)].any():
            return None
        forced = not cache.feasible(groups[a]) or not cache.feasible(groups[b])
        if target is None and not (forced or problem.below_floor(groups[a])
                                   or problem.below_floor(groups[b])):
            return None
        if not cache.feasible(union):
            return None
        gain = cache.value(union) - cache.value(groups[a]) - cache.value(groups[b])
        return gain + (must if forced else 0.0), min(a, b), max(a, b)

    pairs = {(min(a, b), max(a, b)) for a in groups for b in adjacent(a)}
    first = [groups[a] | groups[b] for a, b in pairs] + list(groups.values())
    clock = deadline if deadline is not None else Deadline(None)
    timed = clock.end is not None
    stopped = ""
    if not timed:
        cache.prefill(first)
    else:
        for at in range(0, len(first), 20_000):
            if clock.expired():
                stopped = "time_limit"
                break
            cache.prefill(first[at:at + 20_000])
    heap: list[tuple[float, int, int, int, int]] = []
    for a, b in sorted(pairs) if not stopped else ():
        c = candidate(a, b)
        if c is not None:
            heap.append((-c[0], a, b, version[a], version[b]))
    heapq.heapify(heap)
    bar = tqdm(total=len(groups) - (target or 1), disable=not progress, desc="greedy",
               unit="merger", mininterval=0.5)
    step = 0
    while heap and (target is None or len(groups) > target):
        if timed and (step & 31) == 0 and clock.expired():
            stopped = "time_limit"
            break
        step += 1
        # pop valid entries; with noise, choose among the top few by exp(gain / noise)
        valid: list[tuple[float, int, int, int, int]] = []
        while heap and len(valid) < (top if noise > 0 else 1):
            entry = heapq.heappop(heap)
            _, a, b, va, vb = entry
            if a in groups and b in groups and version[a] == va and version[b] == vb:
                valid.append(entry)
        if not valid:
            break
        if noise > 0 and len(valid) > 1:
            gains = -np.array([v[0] for v in valid])
            p = np.exp((gains - gains.max()) / (noise * float(problem.weight.sum() or 1.0)))
            pick = int(rng.choice(len(valid), p=p / p.sum()))
        else:
            pick = 0
        for j, entry in enumerate(valid):
            if j != pick:
                heapq.heappush(heap, entry)
        _, a, b, _, _ = valid[pick]
        bar.update(1)
        union = groups[a] | groups[b]
        del groups[b]
        groups[a] = union
        label[list(union)] = a
        version[a] += 1
        around = adjacent(a)
        # score the merged unit and its possible next mergers in one batch
        cache.prefill([union] + [union | groups[o] for o in around
                                 if len(union) + len(groups[o]) <= k])
        for other in around:
            cand = candidate(a, other)
            if cand is not None:
                lo, hi = cand[1], cand[2]
                heapq.heappush(heap, (-cand[0], lo, hi, version[lo], version[hi]))
    bar.close()
    if stopped:
        chosen = list(groups.values())
        if target is not None or not all(cache.feasible(g) for g in chosen):
            raise TimeLimitError(clock.message(
                f"greedy merging was done ({len(groups)} units left"
                + (f", target {target})" if target is not None else ", some below a hard "
                   "constraint alone)")))
        # without a target every merger made so far stands: the plan, cut short, says so
        objective = partition_objective(problem, cache,
                                        [[problem.ids[i] for i in g] for g in chosen])
        return plan_from_groups(problem, chosen, method="greedy", objective=objective,
                                seed=seed, noise=noise, stopped=stopped,
                                seconds=time.perf_counter() - t0)
    if target is not None and len(groups) > target:
        raise InfeasibleError(
            f"Greedy merging stopped at {len(groups)} units, above the target {target}: no "
            f"further merger is feasible within {k} units per new unit and the constraints. "
            "Raise the target, max_members, or relax the constraints.")
    chosen = list(groups.values())
    check_feasible(problem, cache, chosen)
    objective = partition_objective(problem, cache, [[problem.ids[i] for i in g] for g in chosen])
    return plan_from_groups(problem, chosen, method="greedy", objective=objective, seed=seed,
                            noise=noise, seconds=time.perf_counter() - t0)
