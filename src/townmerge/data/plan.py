"""Plan: an immutable assignment of every current unit to exactly one new unit.

A plan never splits a unit (status quo first: whole units are the atoms) and is
compared with another by its partition (:meth:`Plan.canonical`), never by the
labels of the new units. Operations return new plans. The checks a plan makes
(tables that agree, units of an area, nesting) are :mod:`townmerge.data.plan_checks`';
plan files are read and written by :mod:`townmerge.data.plan_csv`.

Examples
--------
>>> p = Plan.from_mapping({"A": "A", "B": "A", "C": "C"}, names={"A": "甲镇", "C": "丙乡"})
>>> p.n_new, p.members("A")
(2, ('A', 'B'))
>>> q = p.merge("A", "C")
>>> q.n_new, q.canonical() == Plan.from_mapping({"A": 1, "B": 1, "C": 1}).canonical()
(1, True)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import cast

import pandas as pd

from ..errors import PlanError
from .plan_checks import (
    assignment_of_groups,
    check_nesting,
    check_units_match,
    containers_of,
    plan_tables,
)
from .plan_info import PlanInfo, plan_summary

__all__ = ["Plan"]


class Plan:
    """Assignment of current units to new units, with names and seats of the new units.

    Parameters
    ----------
    assignment : Mapping[str, str]
        Current unit id → new unit id. Every current unit appears once.
    names : Mapping[str, str], optional
        New unit id → name.
    seats : Mapping[str, str], optional
        New unit id → settlement id of its seat (驻地).
    info : Mapping[str, object], optional
        How the plan was made (method, seed, objective, optimality gap …);
        read-only, not part of the plan's identity (equality ignores it).

    Raises
    ------
    PlanError
        When ``names`` or ``seats`` name new units that the assignment lacks.
    """

    __slots__ = ("_assignment", "_groups", "_info", "_names", "_seats")
    _info: Mapping[str, object]
    _assignment: Mapping[str, str]
    _groups: Mapping[str, tuple[str, ...]]
    _names: Mapping[str, str]
    _seats: Mapping[str, str]

    def __init__(
        self,
        assignment: Mapping[str, str],
        names: Mapping[str, str] | None = None,
        seats: Mapping[str, str] | None = None,
        info: Mapping[str, object] | None = None,
    ) -> None:
        assign, groups, names, seats = plan_tables(assignment, names, seats)
        object.__setattr__(self, "_assignment", MappingProxyType(assign))
        object.__setattr__(self, "_groups", MappingProxyType(groups))
        object.__setattr__(self, "_names", MappingProxyType(names))
        object.__setattr__(self, "_seats", MappingProxyType(seats))
        object.__setattr__(self, "_info", MappingProxyType(dict(info or {})))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("A Plan is immutable; merge() and friends return a new Plan.")

    # -- constructors -------------------------------------------------------------------------
    @classmethod
    def from_mapping(
        cls,
        assignment: Mapping[str, object],
        names: Mapping[str, str] | None = None,
        seats: Mapping[str, str] | None = None,
    ) -> Plan:
        """Build from any mapping of unit id → new unit label (labels become strings).

        Examples
        --------
        >>> Plan.from_mapping({"A": 1, "B": 1}).new_units
        ('1',)
        """
        return cls({str(k): str(v) for k, v in assignment.items()}, names, seats)

    @classmethod
    def identity(cls, unit_ids: Iterable[str], names: Mapping[str, str] | None = None) -> Plan:
        """The status quo: every unit stays as it is.

        Examples
        --------
        >>> Plan.identity(["A", "B"]).n_new
        2
        """
        ids = [str(u) for u in unit_ids]
        return cls({u: u for u in ids}, names)

    @classmethod
    def from_groups(
        cls, groups: Mapping[str, Iterable[str]], names: Mapping[str, str] | None = None,
        seats: Mapping[str, str] | None = None,
    ) -> Plan:
        """Build from new unit id → its member units.

        Raises
        ------
        PlanError
            When a unit is listed in two groups.

        Examples
        --------
        >>> Plan.from_groups({"N1": ["A", "B"], "N2": ["C"]}).assignment["B"]
        'N1'
        """
        return cls(assignment_of_groups(groups), names, seats)

    # -- views --------------------------------------------------------------------------------
    @property
    def assignment(self) -> Mapping[str, str]:
        """Current unit id → new unit id (read-only)."""
        return self._assignment

    @property
    def names(self) -> Mapping[str, str]:
        """New unit id → name, where given (read-only)."""
        return self._names

    @property
    def seats(self) -> Mapping[str, str]:
        """New unit id → seat settlement id, where given (read-only)."""
        return self._seats

    @property
    def info(self) -> PlanInfo:
        """How the plan was made (:class:`~townmerge.data.plan_info.PlanInfo`; a copy)."""
        return cast(PlanInfo, dict(self._info))

    def with_info(self, **info: object) -> Plan:
        """A copy with more information on how it was made.

        Examples
        --------
        >>> Plan.identity(["A"]).with_info(method="status quo").info["method"]
        'status quo'
        """
        return Plan(self._assignment, self._names, self._seats, {**self._info, **info})

    @property
    def new_units(self) -> tuple[str, ...]:
        """Ids of the new units, sorted."""
        return tuple(self._groups)

    @property
    def n_units(self) -> int:
        """Number of current units."""
        return len(self._assignment)

    @property
    def n_new(self) -> int:
        """Number of new units."""
        return len(self._groups)

    def members(self, new_unit: str) -> tuple[str, ...]:
        """Current units of a new unit, sorted."""
        try:
            return self._groups[new_unit]
        except KeyError:
            raise PlanError(f"The plan has no new unit {new_unit!r}.") from None

    def groups(self) -> dict[str, tuple[str, ...]]:
        """New unit id → sorted member ids."""
        return dict(self._groups)

    def to_series(self) -> pd.Series:
        """The assignment as a Series indexed by ``unit_id``, named ``new_unit_id``."""
        return pd.Series(dict(self._assignment), name="new_unit_id", dtype=object).rename_axis(
            "unit_id")

    def canonical(self) -> frozenset[frozenset[str]]:
        """The partition itself, free of labels: compare plans with this.

        Examples
        --------
        >>> a = Plan.from_mapping({"A": 1, "B": 2})
        >>> a.canonical() == Plan.from_mapping({"A": "x", "B": "y"}).canonical()
        True
        """
        return frozenset(frozenset(m) for m in self._groups.values())

    def same_partition(self, other: Plan) -> bool:
        """Whether two plans group the units the same way, whatever their labels."""
        return self.canonical() == other.canonical()

    # -- operations ---------------------------------------------------------------------------
    def merge(self, a: str, b: str, *, new_id: str | None = None, name: str | None = None,
              seat: str | None = None) -> Plan:
        """Merge new units ``a`` and ``b`` into one, kept under ``new_id`` (default ``a``).

        The merged unit keeps ``a``'s name and seat unless others are given.

        Examples
        --------
        >>> Plan.identity(["A", "B", "C"]).merge("B", "C").groups()
        {'A': ('A',), 'B': ('B', 'C')}
        """
        if a == b:
            raise PlanError(f"Cannot merge new unit {a!r} with itself.")
        self.members(a)
        self.members(b)
        new_id = a if new_id is None else str(new_id)
        if new_id in self._groups and new_id not in (a, b):
            raise PlanError(f"New unit id {new_id!r} is already used by another new unit.")
        assign = {u: (new_id if n in (a, b) else n) for u, n in self._assignment.items()}
        names = {k: v for k, v in self._names.items() if k not in (a, b)}
        seats = {k: v for k, v in self._seats.items() if k not in (a, b)}
        keep_name = name if name is not None else self._names.get(a)
        keep_seat = seat if seat is not None else self._seats.get(a)
        if keep_name is not None:
            names[new_id] = keep_name
        if keep_seat is not None:
            seats[new_id] = keep_seat
        return Plan(assign, names, seats)

    def with_names(self, names: Mapping[str, str]) -> Plan:
        """A copy with new unit names updated."""
        return Plan(self._assignment, {**self._names, **names}, self._seats, self._info)

    def with_seats(self, seats: Mapping[str, str]) -> Plan:
        """A copy with new unit seats updated."""
        return Plan(self._assignment, self._names, {**self._seats, **seats}, self._info)

    def check_units(self, unit_ids: Iterable[str]) -> None:
        """Check that the plan assigns exactly these units, each once.

        Raises
        ------
        PlanError
            Naming the units the plan lacks and the ones it names but the area lacks.

        Examples
        --------
        >>> Plan.identity(["A"]).check_units(["A", "B"])
        Traceback (most recent call last):
        ...
        townmerge.errors.PlanError: The plan does not match ... have no new unit: B...
        """
        check_units_match(self._assignment, unit_ids)

    def containers(self, parent: Plan, parent_of: Mapping[str, str]) -> dict[str, str]:
        """Each current unit → the new unit of ``parent`` it lies in (镇村组三级联动).

        Parameters
        ----------
        parent : Plan
            A plan of the level above (e.g. townships when this plan is of villages).
        parent_of : Mapping[str, str]
            Current unit of this level → current unit of the level above
            (e.g. village → township).

        Raises
        ------
        PlanError
            Naming the units with no parent and the parents the upper plan lacks.

        Examples
        --------
        >>> villages = Plan.identity(["v1", "v2"])
        >>> towns = Plan.from_mapping({"T1": "N", "T2": "N"})
        >>> villages.containers(towns, {"v1": "T1", "v2": "T2"})
        {'v1': 'N', 'v2': 'N'}
        """
        return containers_of(self._assignment, parent.assignment, parent_of)

    def check_nested(self, parent: Plan, parent_of: Mapping[str, str]) -> None:
        """Check that every new unit lies inside a single new unit of ``parent``.

        A village plan must nest in the township plan (镇村组三级联动): no new
        village straddles two new townships. ``parent`` and ``parent_of`` are as for
        :meth:`containers`.

        Raises
        ------
        PlanError
            Naming every new unit that straddles new units of ``parent``.

        Examples
        --------
        >>> towns = Plan.from_mapping({"T1": "T1", "T2": "T2"})
        >>> villages = Plan.from_mapping({"v1": "V", "v2": "V"})
        >>> villages.check_nested(towns, {"v1": "T1", "v2": "T2"})
        Traceback (most recent call last):
        ...
        townmerge.errors.PlanError: 1 new unit(s) straddle units of the upper plan: V (in T1, T2)...
        """
        check_nesting(self._groups, self.containers(parent, parent_of))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Plan):
            return NotImplemented
        return (dict(self._assignment) == dict(other._assignment)
                and dict(self._names) == dict(other._names)
                and dict(self._seats) == dict(other._seats))

    def __hash__(self) -> int:
        return hash(frozenset(self._assignment.items()))

    def __reduce__(self) -> tuple[type[Plan], tuple[dict[str, str], dict[str, str],
                                                   dict[str, str], dict[str, object]]]:
        """Pickle as the four plain mappings (a plan goes to other processes and machines)."""
        return (Plan, (dict(self._assignment), dict(self._names), dict(self._seats),
                       dict(self._info)))

    def __repr__(self) -> str:
        return plan_summary(self)
