"""The checks behind :class:`~townmerge.data.plan.Plan`, on plain mappings.

A plan's tables must agree (names and seats only of new units that exist, no unit in two
new units), the plan must assign exactly the units of an area, and a plan of villages must
nest in the plan of townships (镇村组三级联动). Each check raises
:class:`~townmerge.errors.PlanError` naming every offending unit; :class:`Plan` calls them
when it is built and from its methods, so the plan itself holds only its data and algebra.

Examples
--------
>>> assign, groups, names, seats = plan_tables({"A": "N", "B": "N"}, {"N": "甲镇"}, None)
>>> groups, names
({'N': ('A', 'B')}, {'N': '甲镇'})
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..errors import PlanError, format_ids

__all__ = [
    "assignment_of_groups",
    "check_nesting",
    "check_units_match",
    "containers_of",
    "plan_tables",
]


def plan_tables(
    assignment: Mapping[str, str],
    names: Mapping[str, str] | None,
    seats: Mapping[str, str] | None,
) -> tuple[dict[str, str], dict[str, tuple[str, ...]], dict[str, str], dict[str, str]]:
    """The tables of a plan as text: assignment, groups (sorted), names and seats.

    Raises
    ------
    PlanError
        When ``names`` or ``seats`` name new units that the assignment lacks.

    Examples
    --------
    >>> plan_tables({"A": "N"}, None, {"M": "s1"})
    Traceback (most recent call last):
    ...
    townmerge.errors.PlanError: The plan's seats name new units that no unit is assigned to: M...
    """
    assign = {str(k): str(v) for k, v in assignment.items()}
    groups: dict[str, list[str]] = {}
    for unit, new in assign.items():
        groups.setdefault(new, []).append(unit)
    names = {str(k): str(v) for k, v in (names or {}).items()}
    seats = {str(k): str(v) for k, v in (seats or {}).items()}
    for what, table in (("names", names), ("seats", seats)):
        unknown = sorted(set(table) - set(groups))
        if unknown:
            raise PlanError(
                f"The plan's {what} name new units that no unit is assigned to: "
                f"{format_ids(unknown)}. Remove them or assign units to them."
            )
    ordered = {k: tuple(sorted(v)) for k, v in sorted(groups.items())}
    return assign, ordered, dict(names), dict(seats)


def assignment_of_groups(groups: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """Unit id → new unit id, from new unit id → its member units.

    Raises
    ------
    PlanError
        When a unit is listed in two groups.

    Examples
    --------
    >>> assignment_of_groups({"N1": ["A", "B"], "N2": ["C"]})
    {'A': 'N1', 'B': 'N1', 'C': 'N2'}
    """
    assign: dict[str, str] = {}
    twice: list[str] = []
    for new, members in groups.items():
        for m in members:
            if str(m) in assign:
                twice.append(str(m))
            assign[str(m)] = str(new)
    if twice:
        raise PlanError(f"Units listed in more than one new unit: {format_ids(sorted(twice))}.")
    return assign


def check_units_match(assignment: Mapping[str, str], unit_ids: Iterable[str]) -> None:
    """Check that ``assignment`` assigns exactly the units ``unit_ids``, each once.

    Raises
    ------
    PlanError
        Naming the units the plan lacks and the ones it names but the area lacks.

    Examples
    --------
    >>> check_units_match({"A": "A", "Z": "A"}, ["A"])
    Traceback (most recent call last):
    ...
    townmerge.errors.PlanError: The plan does not match ... of the plan are not in the area: Z...
    """
    ids = {str(u) for u in unit_ids}
    missing = sorted(ids - set(assignment))
    extra = sorted(set(assignment) - ids)
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"{len(missing)} unit(s) of the area have no new unit: "
                         f"{format_ids(missing)}")
        if extra:
            parts.append(f"{len(extra)} unit(s) of the plan are not in the area: "
                         f"{format_ids(extra)}")
        raise PlanError(
            "The plan does not match the study area's units: " + "; ".join(parts)
            + ". Assign every unit once (a unit that stays as it is maps to itself)."
        )


def containers_of(
    assignment: Mapping[str, str], parent: Mapping[str, str], parent_of: Mapping[str, str]
) -> dict[str, str]:
    """Each unit of ``assignment`` → the new unit of the upper plan it lies in.

    Parameters
    ----------
    assignment : Mapping[str, str]
        The plan of this level (unit → new unit).
    parent : Mapping[str, str]
        The assignment of the plan of the level above.
    parent_of : Mapping[str, str]
        Unit of this level → unit of the level above.

    Raises
    ------
    PlanError
        Naming the units with no parent and the parents the upper plan lacks.

    Examples
    --------
    >>> containers_of({"v1": "V"}, {"T1": "N"}, {"v1": "T1"})
    {'v1': 'N'}
    """
    orphans = sorted(u for u in assignment if u not in parent_of)
    unknown = sorted({str(parent_of[u]) for u in assignment if u in parent_of
                      and str(parent_of[u]) not in parent})
    if orphans or unknown:
        parts = []
        if orphans:
            parts.append(f"units with no parent unit: {format_ids(orphans)}")
        if unknown:
            parts.append(f"parent units missing from the upper plan: {format_ids(unknown)}")
        raise PlanError("Cannot nest the plan: " + "; ".join(parts) + ".")
    return {u: parent[str(parent_of[u])] for u in assignment}


def check_nesting(groups: Mapping[str, Iterable[str]], where: Mapping[str, str]) -> None:
    """Check that the members of each new unit all lie in one new unit of the upper plan.

    ``where`` is :func:`containers_of` of the plan whose ``groups`` (new unit → members)
    are checked.

    Raises
    ------
    PlanError
        Naming every new unit that straddles new units of the upper plan.

    Examples
    --------
    >>> check_nesting({"V": ("v1", "v2")}, {"v1": "T1", "v2": "T1"})
    """
    bad = []
    for new, members in groups.items():
        inside = sorted({where[m] for m in members})
        if len(inside) > 1:
            bad.append(f"{new} (in {', '.join(inside)})")
    if bad:
        raise PlanError(
            f"{len(bad)} new unit(s) straddle units of the upper plan: {format_ids(bad)}. "
            "Every new unit must lie inside one new unit of the level above: split the "
            "straddling ones, or merge at the upper level first."
        )
