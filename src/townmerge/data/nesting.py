"""镇村组三级联动: a village plan nests in the township plan.

A village merger never crosses a boundary of the new townships: every new
village (or community) lies inside one new township. :class:`Nesting` holds,
for each village, the new township it must stay in, together with the names
of villages and townships, so that a plan breaking the rule is refused with
every offending new village, its member villages and their new townships
named (ids and names). It is a mapping village id → new township id, so it is
also what ``within=`` of :func:`townmerge.generate_plan` takes.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import box
>>> towns = StudyArea(gpd.GeoDataFrame({"id": ["T1", "T2"], "name": ["甲镇", "乙镇"]},
...     geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], crs="EPSG:32648"))
>>> villages = StudyArea(gpd.GeoDataFrame(
...     {"id": ["v1", "v2"], "name": ["东村", "西村"], "parent": ["T1", "T2"]},
...     geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], crs="EPSG:32648"))
>>> nest = Nesting(villages, towns, Plan.identity(["T1", "T2"]))
>>> dict(nest)
{'v1': 'T1', 'v2': 'T2'}
>>> nest.check(Plan.from_mapping({"v1": "V", "v2": "V"}))
Traceback (most recent call last):
...
townmerge.errors.PlanError: 1 new village unit(s) of the village plan straddle new townships...
  - new village unit V straddles 2 new townships: T1 (甲镇) holds v1 (东村); T2 (乙镇) holds ...
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pandas as pd

from ..errors import PlanError, format_ids
from .model import StudyArea, unit_label
from .plan import Plan

__all__ = ["Nesting", "check_nested"]

_HOW = ("A village merger never crosses a boundary of the new townships: split each of them "
        "into parts that lie within one new township, or merge those townships in the "
        "township plan first.")


def _names(area: StudyArea) -> dict[str, object]:
    units = area.units
    return dict(zip(map(str, units.index), units["name"], strict=True))


class Nesting(Mapping[str, str]):
    """Each village → the new township it must stay in, with the names to say so.

    Parameters
    ----------
    villages : StudyArea
        The village-level area; column ``parent`` names each village's current
        township (:func:`townmerge.read_study_area` with ``level="villages"``).
    townships : StudyArea
        The township-level area.
    township_plan : Plan
        The plan of the townships the village plan must nest in.

    Raises
    ------
    PlanError
        Listing at once villages with no township, villages whose township is
        not in the township area, and a township plan that does not assign
        exactly the townships of the area.
    """

    __slots__ = ("_container", "_new_township", "_townships", "_villages")

    def __init__(self, villages: StudyArea, townships: StudyArea, township_plan: Plan) -> None:
        vnames = _names(villages)
        tnames = _names(townships)
        parent = (villages.units["parent"] if "parent" in villages.units.columns
                  else pd.Series(None, index=villages.units.index, dtype=object))
        parent_of = {str(v): (None if pd.isna(p) or str(p) == "" else str(p))
                     for v, p in parent.items()}
        problems: list[str] = []
        orphans = [unit_label(v, vnames[v]) for v, p in parent_of.items() if p is None]
        if orphans:
            problems.append(f"{len(orphans)} village(s) name no township in column 'parent': "
                            f"{format_ids(orphans)}; fill it with their township's id")
        unknown = [f"{unit_label(v, vnames[v])} → {p}" for v, p in parent_of.items()
                   if p is not None and p not in tnames]
        if unknown:
            problems.append(f"{len(unknown)} village(s) name a township that is not in the "
                            f"township area: {format_ids(unknown)}; correct column 'parent'")
        try:
            township_plan.check_units(tnames)
        except PlanError as exc:
            problems.append(f"the township plan does not fit the township area: {exc}")
        if problems:
            raise PlanError("Cannot nest the village plan in the township plan; fix the "
                            "inputs and try again:", problems)
        self._villages = vnames
        self._townships = tnames
        self._new_township = township_plan
        self._container = {v: township_plan.assignment[p] for v, p in parent_of.items()
                           if p is not None}

    # -- mapping: village id → new township id ----------------------------------------------
    def __getitem__(self, village: str) -> str:
        return self._container[village]

    def __iter__(self) -> Iterator[str]:
        return iter(self._container)

    def __len__(self) -> int:
        return len(self._container)

    # -- labels ---------------------------------------------------------------------------------
    def village_label(self, village: str) -> str:
        """``"id (name)"`` of a current village."""
        return unit_label(village, self._villages.get(village))

    def township_label(self, new_township: str) -> str:
        """``"id (name)"`` of a new township: its name in the plan, else its townships' names.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import box
        >>> towns = StudyArea(gpd.GeoDataFrame({"id": ["T1", "T2"], "name": ["甲镇", "乙镇"]},
        ...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:32648"))
        >>> v = StudyArea(gpd.GeoDataFrame({"id": ["v"], "parent": ["T1"]},
        ...     geometry=[box(0, 0, 1, 1)], crs="EPSG:32648"))
        >>> Nesting(v, towns, Plan.from_mapping({"T1": "N", "T2": "N"})).township_label("N")
        'N (甲镇+乙镇)'
        """
        plan = self._new_township
        name: object = plan.names.get(new_township)
        if name is None:
            parts = [self._townships.get(t) for t in plan.members(new_township)]
            name = "+".join(str(p) for p in parts if p is not None and not pd.isna(p)
                            and str(p) != "") or None
        return unit_label(new_township, name)

    # -- checks ---------------------------------------------------------------------------------
    def problems(self, village_plan: Plan) -> list[str]:
        """One line per new village of ``village_plan`` that straddles new townships.

        Villages of the plan that have no township here are listed too.
        """
        out: list[str] = []
        stray = sorted(v for v in village_plan.assignment if v not in self._container)
        if stray:
            out.append(f"{len(stray)} village(s) of the plan have no township in the village "
                       f"area: {format_ids([self.village_label(v) for v in stray])}")
        for new, members in village_plan.groups().items():
            by_town: dict[str, list[str]] = {}
            for v in members:
                if v in self._container:
                    by_town.setdefault(self._container[v], []).append(v)
            if len(by_town) < 2:
                continue
            name = village_plan.names.get(new)
            parts = [f"{self.township_label(t)} holds "
                     f"{format_ids([self.village_label(v) for v in vs])}"
                     for t, vs in sorted(by_town.items())]
            out.append(f"new village unit {unit_label(new, name)} straddles {len(by_town)} "
                       f"new townships: " + "; ".join(parts))
        return out

    def check(self, village_plan: Plan) -> None:
        """Refuse a village plan with a new village across new townships.

        Raises
        ------
        PlanError
            Naming every offending new village unit, its member villages and
            the new townships they lie in (ids and names), and how to fix it.
        """
        problems = self.problems(village_plan)
        if problems:
            raise PlanError(nesting_message(problems), problems)


def nesting_message(problems: list[str]) -> str:
    """The summary line of a refused nesting (``problems`` from :meth:`Nesting.problems`)."""
    n = sum(p.startswith("new village unit") for p in problems)
    return (f"{n} new village unit(s) of the village plan straddle new townships of the "
            f"township plan. {_HOW}")


def check_nested(villages: StudyArea, village_plan: Plan, townships: StudyArea,
                 township_plan: Plan) -> None:
    """Check that a village plan nests in a township plan (镇村组三级联动).

    Parameters
    ----------
    villages : StudyArea
        Village-level area (column ``parent``: each village's township).
    village_plan : Plan
    townships : StudyArea
    township_plan : Plan

    Raises
    ------
    PlanError
        Naming, for each new village that crosses a new township boundary,
        its member villages and their new townships (ids and names), every
        one at once; or the villages and townships that cannot be matched.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> towns = StudyArea(gpd.GeoDataFrame({"id": ["T1", "T2"], "name": ["甲镇", "乙镇"]},
    ...     geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], crs="EPSG:32648"))
    >>> villages = StudyArea(gpd.GeoDataFrame(
    ...     {"id": ["v1", "v2"], "name": ["东村", "西村"], "parent": ["T1", "T2"]},
    ...     geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], crs="EPSG:32648"))
    >>> merged = Plan.from_mapping({"T1": "N", "T2": "N"}, names={"N": "甲乙镇"})
    >>> check_nested(villages, Plan.from_mapping({"v1": "V", "v2": "V"}), towns, merged)
    """
    Nesting(villages, townships, township_plan).check(village_plan)
