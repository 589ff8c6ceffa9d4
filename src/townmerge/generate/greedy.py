"""Greedy agglomeration: the smallest unit merges toward the neighbour it exchanges most flow with.

The first merge rule of townmerge (顺应流向): repeatedly take the new unit that
is furthest below its population floor (population ÷ floor smallest,
:func:`townmerge.score.rules.group_floor`) and merge it into the neighbour it
exchanges the most flow with (both directions, of the configured flow type),
preferring neighbours that stay under their soft cap. Like every generator it
keeps every hard constraint of the merger scorer: at most
``Config.max_members`` units, locked units alone, the travel-time limit, the
area cap, a seat inside its unit; a unit that breaks one alone (一地两府)
merges first. Without flows the longest shared border decides. Each new unit
is named after its seat (:func:`townmerge.score.seat_choice.seat_keeper`).

The loop stops at ``target`` units, or, without a target, when every unit
meets its floor (the count then follows from the data). It is deterministic:
ties are broken by border length, then population, then id. Without
population the floor order is switched off with a warning (units are taken
in id order) and a target is required.
"""

from __future__ import annotations

import heapq
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config import Config
from ..data.model import StudyArea
from ..data.plan import Plan
from ..errors import InfeasibleError, InputError, MissingDataWarning
from ..graph.derived import derived
from ..graph.unitpairs import unit_flows
from ..score.rules import group_floor, population_rules_off
from ..score.scorer import MergerScorer
from ..score.seats import unit_thresholds
from .base import PlanningProblem, ScoreCache, check_feasible, plan_from_groups, seat_named_plan

__all__ = ["greedy_plan"]


@dataclass
class _Group:
    core: str
    members: list[int]
    population: float
    ratio: float
    locked: bool
    border: dict[str, float] = field(default_factory=dict)
    flow: dict[str, float] = field(default_factory=dict)


def greedy_plan(
    area: StudyArea,
    *,
    target: int | None = None,
    config: Config | None = None,
    edges: pd.DataFrame | None = None,
) -> Plan:
    """Merge units greedily until ``target`` units remain or every unit meets its floor.

    Parameters
    ----------
    area : StudyArea
        Without unit population the floor order is switched off (a
        :class:`townmerge.errors.MissingDataWarning` says so) and ``target``
        is required.
    target : int, optional
        Number of new units wanted. Without it, merging stops when every unit
        reaches its terrain's population floor (``Config.thresholds``).
    config : Config, optional
        Thresholds, hard constraints and the flow type to follow.
    edges : DataFrame, optional
        Adjacency edge table (default: rook adjacency of the area).

    Returns
    -------
    Plan
        Every new unit meets every hard constraint of the merger scorer; its
        seat is the scorer's and its id and name are those of the member
        whose former seat it is.

    Raises
    ------
    InputError
        When ``target`` is not a positive count, or is missing for an area
        without population.
    InfeasibleError
        When ``target`` cannot be reached with mergers that keep the hard
        constraints, or a unit that must merge (一地两府) cannot.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> units = gpd.GeoDataFrame({"id": list("ABCD"), "population": [30000, 5000, 25000, 4000],
    ...     "terrain": "hill"}, geometry=[box(i * 1000, 0, (i + 1) * 1000, 1000)
    ...     for i in range(4)], crs="EPSG:32648")
    >>> greedy_plan(StudyArea(units), target=2).groups()
    {'A': ('A',), 'C': ('B', 'C', 'D')}
    """
    cfg = config or Config()
    units = area.units
    if target is not None and (int(target) != target or target < 1):
        raise InputError(f"target must be a positive whole number of units, not {target!r}.")
    if target is not None and target > len(units):
        raise InputError(f"target {target} exceeds the {len(units)} current units; a plan "
                         "never splits a unit.")
    has_pop = area.has_population
    if not has_pop and target is None:
        missing = units.index[units["population"].isna()]
        raise InputError(
            f"Without a target, greedy merging stops when every unit meets its population "
            f"floor, but {len(missing)} unit(s) have no population. Give target=... (the "
            "number of new units), or a population column (population=...) or settlements "
            "with population.")
    if not has_pop:  # one warning for every rule switched off, the scorer's included
        population_rules_off(["scale", "balance", "floor", "flow_rule_order"], stacklevel=2)
    edges = derived(area, cfg).edges if edges is None else edges
    problem = PlanningProblem.from_area(area, config=cfg, edges=edges)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingDataWarning)
        scorer = MergerScorer(area, cfg, edges=edges)
    cache = ScoreCache(problem, scorer)
    exchange = unit_flows(area, cfg.flow_type, source="observed", directed=False
                          ).set_index(["unit_a", "unit_b"])["flow"]
    th = unit_thresholds(units, cfg)
    pop_all = units["population"].to_numpy(dtype=float)
    pos = {u: i for i, u in enumerate(problem.ids)}

    def ratio(members: list[int]) -> float:
        if not has_pop:
            return 0.0
        idx = np.array(members)
        floor = float(group_floor(pop_all[idx], th["p_min"][idx])[0])
        return float(pop_all[idx].sum()) / floor if floor > 0 else float("inf")

    groups: dict[str, _Group] = {}
    for u, i in pos.items():
        groups[u] = _Group(u, [i], float(np.nan_to_num(pop_all[i])), ratio([i]),
                           bool(problem.locked[i]))
    for a, b, border in zip(edges["unit_a"], edges["unit_b"], edges["border_m"], strict=True):
        groups[a].border[b] = groups[a].border.get(b, 0.0) + float(border)
        groups[b].border[a] = groups[b].border.get(a, 0.0) + float(border)
    for (a, b), f in exchange.items():
        if b in groups[a].border:  # only neighbours can merge; other flows are not needed here
            groups[a].flow[b] = float(f)
            groups[b].flow[a] = float(f)

    def cap(members: list[int]) -> float:
        idx = np.array(members)
        return float(group_floor(pop_all[idx], th["p_max"][idx])[0])  # same weighting

    def feasible(members: list[int]) -> bool:
        return cache.feasible(frozenset(members))

    def priority(g: _Group) -> tuple[bool, float, str]:
        # a unit that breaks a hard constraint alone (一地两府) merges first
        return (feasible(g.members), g.ratio, g.core)

    heap = [(priority(g), g.core) for g in groups.values()]
    heapq.heapify(heap)
    alive = len(groups)
    while heap and (alive > target if target is not None else True):
        prio, gid = heapq.heappop(heap)
        g = groups.get(gid)
        if g is None or prio != priority(g):
            continue  # stale entry
        if target is None and prio[0] and prio[1] >= 1.0:
            break
        partner = _best_partner(g, groups, problem.max_members, feasible, cap)
        if partner is None:
            continue  # no merger keeps the hard constraints; the unit stays as it is
        merged = _merge(g, groups[partner], groups)
        merged.ratio = ratio(merged.members)
        alive -= 1
        heapq.heappush(heap, (priority(merged), merged.core))
    if target is not None and alive > target:
        stuck = sorted(groups)
        raise InfeasibleError(
            f"Cannot reach {target} units: {alive} remain and none of them can merge further "
            f"while keeping the hard constraints (at most {problem.max_members} units, locked "
            "units alone, travel-time and area limits, a seat inside its unit). Remaining: "
            f"{', '.join(stuck[:10])}" + (" …" if len(stuck) > 10 else "")
            + ". The flow rule is greedy: generate_plan(area, method=\"exact\", target=...) "
            "finds a plan whenever one exists; else raise the target or relax the constraints.")
    chosen = [frozenset(g.members) for g in groups.values()]
    check_feasible(problem, cache, chosen)
    plan = plan_from_groups(problem, chosen, method="greedy (flow rule)", target=target,
                            flow_type=cfg.flow_type)
    frame = scorer.score_groups([list(plan.members(new)) for new in plan.new_units])
    seats = {new: str(s) for new, s in zip(plan.new_units, frame["seat"], strict=True)
             if isinstance(s, str)}
    return seat_named_plan(problem, plan.with_seats(seats), scorer.selector)


def _best_partner(g: _Group, groups: dict[str, _Group], max_members: int,
                  feasible: Callable[[list[int]], bool],
                  cap: Callable[[list[int]], float]) -> str | None:
    """The neighbour g exchanges most flow with among those a feasible merger allows.

    Returns None when no neighbour can merge with g within the hard constraints.
    """

    def key(n: str) -> tuple[bool, float, float, float, str]:
        h = groups[n]
        pop = g.population + h.population
        return (pop > cap(g.members + h.members), -g.flow.get(n, 0.0), -g.border[n],
                h.population, n)

    allowed = [n for n in g.border if not groups[n].locked
               and len(g.members) + len(groups[n].members) <= max_members
               and feasible(g.members + groups[n].members)]
    if g.locked or not allowed:
        return None
    return min(allowed, key=key)


def _merge(g: _Group, h: _Group, groups: dict[str, _Group]) -> _Group:
    """Merge g and h; the more populous keeps its id (ties: the smaller id)."""
    keep, gone = (g, h) if (g.population, h.core) > (h.population, g.core) else (h, g)
    del groups[gone.core]
    keep.members += gone.members
    keep.population += gone.population
    for attr in ("border", "flow"):
        mine, theirs = getattr(keep, attr), getattr(gone, attr)
        for n, v in theirs.items():
            if n == keep.core:
                continue
            mine[n] = mine.get(n, 0.0) + v
            other = getattr(groups[n], attr)
            other[keep.core] = other.get(keep.core, 0.0) + other.pop(gone.core)
        mine.pop(gone.core, None)
    return keep
