"""What every plan generator shares: the scorer protocol, the problem arrays, the objective.

Generators see a study area as a :class:`PlanningProblem`: unit ids, weights
(population, or area where there is none), neighbour sets, locked flags and the
most members a new unit may have. Groups of current units are scored by a
:class:`GroupScorer` (the merger scorer of :mod:`townmerge.score.scorer`, or any object
with the same two methods). The plan objective is defined once, here: the
population-weighted mean of the new units' scores.

Examples
--------
>>> from townmerge.testing.grids import grid_units
>>> from townmerge.testing.scorers import SizeScorer
>>> from townmerge.data.model import StudyArea
>>> from townmerge.data.plan import Plan
>>> area = StudyArea(grid_units("AB", population={"A": 10, "B": 30}))
>>> problem = PlanningProblem.from_area(area)
>>> scorer = SizeScorer(area, p_min=40)
>>> round(partition_objective(problem, scorer, [["A"], ["B"]]), 3)
0.625
>>> partition_objective(problem, scorer, [["A", "B"]])
1.0
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from ..config import Config
from ..data.model import StudyArea, unit_label
from ..data.plan import Plan
from ..errors import InfeasibleError, InputError, format_ids
from ..graph.derived import derived
from ..score.plan_scores import objective_value
from ..score.rules import below_floor, group_floor
from ..score.seat_choice import seat_keeper
from ..score.seats import SeatSelector, unit_thresholds

__all__ = [
    "GroupScorer",
    "PlanningProblem",
    "ScoreCache",
    "partition_objective",
    "plan_from_groups",
    "seat_named_plan",
]


@runtime_checkable
class GroupScorer(Protocol):
    """Scores a group of current units as one new unit."""

    def group_total(self, members: Sequence[str]) -> float:
        """Weighted total score of the group, in [0, 1] (higher is better)."""
        ...

    def is_feasible(self, members: Sequence[str]) -> bool:
        """Whether the group meets every hard constraint."""
        ...


@dataclass(frozen=True)
class PlanningProblem:
    """The arrays generators work on, built once from a study area.

    Attributes
    ----------
    ids : tuple of str
        Unit ids; unit ``i`` of every array is ``ids[i]``.
    weight : ndarray
        Population of each unit (area in km² when the area has no population).
    neighbours : tuple of frozenset of int
        Neighbours of each unit (rook adjacency, plus the virtual links given).
    locked : ndarray of bool
        Units that never merge.
    max_members : int
        Most current units in one new unit.
    names : tuple of str
        Unit names, for messages and plan names.
    seats : tuple of (str or None)
        Seat settlement of each unit, where known.
    floor : ndarray
        Population floor of each unit by its terrain (``Config.thresholds``);
        a group's floor is :func:`townmerge.score.rules.group_floor` of its members'.
    has_population : bool
        Whether every unit has a population; without it ``weight`` is area and
        the floor rule is switched off (:meth:`below_floor` is always False).
    """

    ids: tuple[str, ...]
    weight: np.ndarray
    neighbours: tuple[frozenset[int], ...]
    locked: np.ndarray
    max_members: int
    names: tuple[str, ...]
    seats: tuple[str | None, ...]
    floor: np.ndarray
    has_population: bool = True

    @classmethod
    def from_area(cls, area: StudyArea, *, config: Config | None = None,
                  edges: pd.DataFrame | None = None,
                  within: Mapping[str, str] | None = None) -> PlanningProblem:
        """Build the arrays of ``area`` (rook adjacency unless ``edges`` are given).

        With ``within`` (unit → the container it must stay in, e.g. village →
        its new township), units in different containers are not neighbours,
        so no generator can merge across containers: plans nest.
        """
        cfg = config or Config()
        units = area.units
        ids = tuple(str(u) for u in units.index)
        pos = {u: i for i, u in enumerate(ids)}
        edges = derived(area, cfg).edges if edges is None else edges
        if within is not None:
            missing = [u for u in ids if u not in within]
            if missing:
                raise InputError(f"within= gives no container for {len(missing)} unit(s): "
                                 f"{format_ids(missing)}. Map every unit to the unit of the "
                                 "level above it must stay in.")
            same = [str(within[a]) == str(within[b])
                    for a, b in zip(edges["unit_a"], edges["unit_b"], strict=True)]
            edges = edges[same]
        nb: list[set[int]] = [set() for _ in ids]
        for a, b in zip(edges["unit_a"], edges["unit_b"], strict=True):
            nb[pos[a]].add(pos[b])
            nb[pos[b]].add(pos[a])
        if area.has_population:
            weight = units["population"].to_numpy(dtype=float)
        else:
            weight = units.geometry.area.to_numpy(dtype=float) / 1e6
        seats: tuple[str | None, ...] = tuple(
            (str(s) if pd.notna(s) else None) for s in
            (units["seat"] if "seat" in units.columns else [None] * len(ids)))
        floor = unit_thresholds(units, cfg)["p_min"]
        return cls(ids=ids, weight=weight, neighbours=tuple(frozenset(s) for s in nb),
                   locked=units["locked"].to_numpy(dtype=bool), max_members=cfg.max_members,
                   names=tuple(str(n) for n in units["name"]), seats=seats, floor=floor,
                   has_population=area.has_population)

    @property
    def n(self) -> int:
        """Number of current units."""
        return len(self.ids)

    def index_groups(self, groups: Iterable[Iterable[str]]) -> list[list[int]]:
        """Groups of ids → groups of indices (unknown ids raise InputError)."""
        pos = {u: i for i, u in enumerate(self.ids)}
        out, unknown = [], []
        for g in groups:
            row = []
            for u in g:
                if u in pos:
                    row.append(pos[u])
                else:
                    unknown.append(str(u))
            out.append(row)
        if unknown:
            raise InputError(f"Unknown unit ids: {format_ids(sorted(set(unknown)))}.")
        return out

    def below_floor(self, group: frozenset[int]) -> bool:
        """Whether the group's population is under its floor (:mod:`townmerge.score.rules`).

        Always False without population: the floor rule is then switched off.
        """
        if not self.has_population:
            return False
        idx = list(group)
        pop = self.weight[idx]
        return bool(below_floor(pop.sum(keepdims=True), group_floor(pop, self.floor[idx]))[0])

    def label(self, i: int) -> str:
        """``"id (name)"`` of unit ``i``."""
        return unit_label(self.ids[i], self.names[i])


class ScoreCache:
    """Memoises a scorer's totals and feasibility by the set of members.

    Parameters
    ----------
    problem : PlanningProblem
    scorer : GroupScorer
    """

    def __init__(self, problem: PlanningProblem, scorer: GroupScorer) -> None:
        self.problem = problem
        self.scorer = scorer
        self._total: dict[frozenset[int], float] = {}
        self._feasible: dict[frozenset[int], bool] = {}

    def _members(self, group: frozenset[int]) -> list[str]:
        return [self.problem.ids[i] for i in sorted(group)]

    def total(self, group: frozenset[int]) -> float:
        """Total score of the group of unit indices."""
        t = self._total.get(group)
        if t is None:
            t = float(self.scorer.group_total(self._members(group)))
            if not np.isfinite(t):
                raise ValueError(f"The scorer returned {t} for a group; totals must be finite.")
            self._total[group] = t
        return t

    def prefill(self, groups: list[frozenset[int]]) -> None:
        """Score many groups at once when the scorer can (``score_groups``)."""
        todo = list(dict.fromkeys(g for g in groups if g not in self._total))
        if not todo:
            return
        members = [self._members(g) for g in todo]
        arrays = getattr(self.scorer, "score_arrays", None)
        if arrays is not None:
            totals, feasibles = arrays(members)
        elif hasattr(self.scorer, "score_groups"):
            frame = self.scorer.score_groups(members)
            totals, feasibles = frame["total"], frame["feasible"]
        else:
            return
        for g, total, feasible in zip(todo, totals, feasibles, strict=True):
            self._total[g] = float(total)
            if not (len(g) > 1 and self.problem.locked[list(g)].any()):
                self._feasible[g] = bool(feasible)

    def feasible(self, group: frozenset[int]) -> bool:
        """Whether the group is feasible.

        Locked units are feasible only alone; a unit alone can be infeasible too,
        e.g. when its seat lies in another unit (一地两府).
        """
        f = self._feasible.get(group)
        if f is None:
            if len(group) > 1 and self.problem.locked[list(group)].any():
                f = False
            else:
                f = bool(self.scorer.is_feasible(self._members(group)))
            self._feasible[group] = f
        return f

    def value(self, group: frozenset[int]) -> float:
        """The group's contribution to the objective: weight × total."""
        w = float(self.problem.weight[list(group)].sum())
        return w * self.total(group)


def partition_objective(problem: PlanningProblem, scorer: GroupScorer | ScoreCache,
                        groups: Iterable[Iterable[str]]) -> float:
    """Population-weighted mean of the groups' totals.

    See :func:`townmerge.score.plan_scores.objective_value`.

    Parameters
    ----------
    problem : PlanningProblem
    scorer : GroupScorer or ScoreCache
    groups : iterable of iterable of str
        The new units as lists of current unit ids (a partition).

    Returns
    -------
    float
    """
    cache = scorer if isinstance(scorer, ScoreCache) else ScoreCache(problem, scorer)
    idx = [frozenset(g) for g in problem.index_groups(groups)]
    return objective_value([problem.weight[list(g)].sum() for g in idx],
                           [cache.total(g) for g in idx])


def check_feasible(problem: PlanningProblem, cache: ScoreCache,
                   groups: Iterable[frozenset[int]]) -> None:
    """Raise InfeasibleError naming every infeasible group."""
    bad = [g for g in groups if not cache.feasible(g)]
    if bad:
        shown = ["+".join(problem.label(i) for i in sorted(g)) for g in bad]
        raise InfeasibleError(
            f"{len(bad)} new unit(s) break a hard constraint: {format_ids(shown)}. "
            "Infeasible plans are rejected; see score_mergers() for the binding constraint."
        )


def plan_from_groups(problem: PlanningProblem, groups: Iterable[Iterable[int]],
                     **info: object) -> Plan:
    """A Plan from groups of unit indices.

    Each new unit keeps the id, name and seat of its most populous member
    (ties: the smaller id).
    """
    assignment: dict[str, str] = {}
    names: dict[str, str] = {}
    seats: dict[str, str] = {}
    for g in groups:
        members = sorted(g)
        core = max(members, key=lambda i: (problem.weight[i], -i))
        gid = problem.ids[core]
        for i in members:
            assignment[problem.ids[i]] = gid
        names[gid] = problem.names[core]
        seat = problem.seats[core]
        if seat is not None:
            seats[gid] = seat
    return Plan(assignment, names, seats, info)


def seat_named_plan(problem: PlanningProblem, plan: Plan,
                    selector: SeatSelector | None) -> Plan:
    """The plan with each new unit named after its seat (:func:`seat_keeper`).

    A new unit takes the id and name of the member whose former seat is its
    seat (else the member its seat lies in; without a seat, the most populous
    member, as :func:`plan_from_groups`), so that its name and seat agree.
    """
    pos = {u: i for i, u in enumerate(problem.ids)}
    assignment: dict[str, str] = {}
    names: dict[str, str] = {}
    seats: dict[str, str] = {}
    for new, members in plan.groups().items():
        ordered = sorted(members, key=lambda u: pos[u])
        seat = plan.seats.get(new)
        keeper = seat_keeper(selector, ordered, seat,
                             [float(problem.weight[pos[u]]) for u in ordered])
        for u in members:
            assignment[u] = keeper
        names[keeper] = problem.names[pos[keeper]]
        if seat is not None:
            seats[keeper] = seat
    return Plan(assignment, names, seats, plan.info)
