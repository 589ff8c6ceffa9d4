"""Greedy agglomeration: the smallest unit merges toward the neighbour it exchanges most flow with.

The first merge rule of townmerge (顺应流向): repeatedly take the new unit that
is furthest below its population floor (population ÷ floor smallest) and merge
it into the neighbour it exchanges the most flow with (both directions, of the
configured flow type), preferring merges of at most ``Config.max_members``
units, then neighbours that stay under their soft cap.
Without flows the longest shared border decides. Locked units never merge.
The merged unit keeps the id, name and seat of its more populous part.

The loop stops at ``target`` units, or, without a target, when every unit
meets its floor (the count then follows from the data). It is deterministic:
ties are broken by border length, then population, then id.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..adjacency import build_adjacency
from ..config import Config
from ..errors import InfeasibleError, InputError
from ..flows import pair_exchange
from ..model import StudyArea
from ..plan import Plan

__all__ = ["greedy_plan"]


@dataclass
class _Group:
    core: str
    members: list[str]
    population: float
    floor_weighted: float  # Σ population × floor, for the population-weighted floor
    cap_weighted: float
    locked: bool
    border: dict[str, float] = field(default_factory=dict)
    flow: dict[str, float] = field(default_factory=dict)

    @property
    def floor(self) -> float:
        return self.floor_weighted / self.population if self.population > 0 else 0.0

    @property
    def cap(self) -> float:
        return self.cap_weighted / self.population if self.population > 0 else float("inf")

    @property
    def ratio(self) -> float:
        return self.population / self.floor if self.floor > 0 else float("inf")


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
        Needs unit population (from the units or their settlements).
    target : int, optional
        Number of new units wanted. Without it, merging stops when every unit
        reaches its terrain's population floor (``Config.thresholds``).
    config : Config, optional
        Thresholds and the flow type to follow.
    edges : DataFrame, optional
        Adjacency edge table (default: rook adjacency of the area).

    Returns
    -------
    Plan
        Names and seats of the new units are those of their most populous part.

    Raises
    ------
    InputError
        When the area has no population, or ``target`` is not a positive count.
    InfeasibleError
        When ``target`` cannot be reached because the remaining units are
        locked or have no mergeable neighbour.

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
    if not area.has_population:
        missing = units.index[units["population"].isna()]
        raise InputError(
            f"Greedy merging needs the population of every unit; {len(missing)} unit(s) have "
            "none. Give a population column (population=...) or settlements with population."
        )
    if target is not None and (int(target) != target or target < 1):
        raise InputError(f"target must be a positive whole number of units, not {target!r}.")
    if target is not None and target > len(units):
        raise InputError(f"target {target} exceeds the {len(units)} current units; a plan "
                         "never splits a unit.")
    edges = build_adjacency(area) if edges is None else edges
    exchange = pair_exchange(area, cfg.flow_type)

    groups: dict[str, _Group] = {}
    for uid, row in units.iterrows():
        th = cfg.thresholds.for_terrain(row["terrain"] if "terrain" in units.columns else None)
        pop = float(row["population"])
        groups[str(uid)] = _Group(str(uid), [str(uid)], pop, pop * th.p_min, pop * th.p_max,
                                  bool(row["locked"]))
    for a, b, border in zip(edges["unit_a"], edges["unit_b"], edges["border_m"], strict=True):
        groups[a].border[b] = groups[a].border.get(b, 0.0) + float(border)
        groups[b].border[a] = groups[b].border.get(a, 0.0) + float(border)
    for (a, b), f in exchange.items():
        if b in groups[a].border:  # only neighbours can merge; other flows are not needed here
            groups[a].flow[b] = float(f)
            groups[b].flow[a] = float(f)

    def mergeable(g: _Group) -> bool:
        return not g.locked and any(not groups[n].locked for n in g.border)

    heap = [(g.ratio, g.core) for g in groups.values()]
    heapq.heapify(heap)
    alive = len(groups)
    # First pass: merges of at most max_members units. Units that can only merge beyond
    # that are deferred, and merged in a second, relaxed pass only if still needed.
    relaxed = False
    deferred: list[tuple[float, str]] = []
    while alive > target if target is not None else True:
        if not heap:
            if relaxed or not deferred:
                break
            relaxed, heap, deferred = True, deferred, []
            heapq.heapify(heap)
            continue
        ratio, gid = heapq.heappop(heap)
        g = groups.get(gid)
        if g is None or ratio != g.ratio:
            continue  # stale entry
        if target is None and ratio >= 1.0:
            break
        if not mergeable(g):
            continue
        partner = _best_partner(g, groups, cfg.max_members, relaxed)
        if partner is None:
            deferred.append((ratio, gid))
            continue
        merged = _merge(g, groups[partner], groups)
        alive -= 1
        heapq.heappush(heap, (merged.ratio, merged.core))
    if target is not None and alive > target:
        stuck = sorted(groups)
        raise InfeasibleError(
            f"Cannot reach {target} units: {alive} remain and none of them can merge further "
            f"(locked, or no unlocked neighbour). Remaining: {', '.join(stuck[:10])}"
            + (" …" if len(stuck) > 10 else "") + ". Raise the target or unlock units."
        )
    assignment = {m: gid for gid, g in groups.items() for m in g.members}
    names = {gid: str(units.at[gid, "name"]) for gid in groups}
    seats = {}
    if "seat" in units.columns:
        seats = {gid: str(units.at[gid, "seat"]) for gid in groups
                 if pd.notna(units.at[gid, "seat"])}
    return Plan(assignment, names, seats,
                info={"method": "greedy (flow rule)", "target": target,
                      "flow_type": cfg.flow_type})


def _best_partner(g: _Group, groups: dict[str, _Group], max_members: int,
                  relaxed: bool) -> str | None:
    """The unlocked neighbour g exchanges most flow with (within size limits first).

    Returns None when every neighbour would exceed ``max_members`` and not ``relaxed``.
    """

    def key(n: str) -> tuple[bool, bool, float, float, float, str]:
        h = groups[n]
        pop = g.population + h.population
        cap = (g.cap_weighted + h.cap_weighted) / pop if pop > 0 else np.inf
        too_many = len(g.members) + len(h.members) > max_members
        return (too_many, pop > cap, -g.flow.get(n, 0.0), -g.border[n], h.population, n)

    best = min((n for n in g.border if not groups[n].locked), key=key)
    if not relaxed and key(best)[0]:
        return None
    return best


def _merge(g: _Group, h: _Group, groups: dict[str, _Group]) -> _Group:
    """Merge g and h; the more populous keeps its id (ties: the smaller id)."""
    keep, gone = (g, h) if (g.population, h.core) > (h.population, g.core) else (h, g)
    del groups[gone.core]
    keep.members += gone.members
    keep.population += gone.population
    keep.floor_weighted += gone.floor_weighted
    keep.cap_weighted += gone.cap_weighted
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
