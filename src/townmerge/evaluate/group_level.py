"""Village and resident groups planned from their own points or polygons, inside new villages.

When the groups themselves are given (a layer of points or polygons with the id of
their village in ``parent``), the same generators that plan townships and villages
run at group level: each group stays inside its new village (``within=``), 村民小组
and 居民小组 are planned apart, and the group population bounds of
:class:`~townmerge.evaluate.groups.GroupSizing` are the floors and caps. Group
points get approximate territories (Voronoi cells clipped to their village, flagged
``approximate``), as villages do inside townships.

Examples
--------
>>> group_config(GroupSizing()).thresholds.for_terrain("plain").p_min
300
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping

import geopandas as gpd
import pandas as pd

from ..config import Config, TerrainThresholds, Thresholds
from ..data.divisions import assign_codes
from ..data.model import StudyArea
from ..data.nesting import Nesting
from ..data.plan import Plan
from ..data.subarea import sub_area
from ..data.territories import village_territories
from ..errors import InputError, TopologyWarning, format_ids
from ..generate import generate_plan
from .changelog import ChangeEntry
from .groups import GROUP_KIND, GroupSizing

__all__ = ["group_area", "group_config", "plan_groups", "planned_group_entries"]


def group_config(sizing: GroupSizing, kind: str = "village") -> Config:
    """Settings of the group level: the sizing bounds as floor and cap on every terrain.

    Groups are small and close: at most 10 km² and 20 minutes to their seat
    (without settlements the travel-time rule has no data and is off). The same-parent
    rule is left to the nesting in the new villages.
    """
    lo, hi = sizing.bounds(kind)
    t = TerrainThresholds(lo, hi, 10.0, 20.0, 10.0)
    cfg = Config(thresholds=Thresholds(plain=t, hill=t, mountain=t, plateau=t))
    return dataclasses.replace(
        cfg, constraints=dataclasses.replace(cfg.constraints, same_parent=False))


def group_area(villages: StudyArea, groups: gpd.GeoDataFrame | StudyArea) -> StudyArea:
    """The group-level study area: polygons as given, or territories approximated from points.

    Parameters
    ----------
    villages : StudyArea
        The village level (its territories bound the groups').
    groups : GeoDataFrame or StudyArea
        Groups indexed by id, with ``parent`` (their village), ``population`` and
        ``name``; points or polygons.

    Raises
    ------
    InputError
        Groups naming no known village, or points that cannot be given a territory
        (listing them by id and name).
    """
    if isinstance(groups, StudyArea):
        return groups
    frame = groups.copy()
    missing = [c for c in ("parent", "population") if c not in frame.columns]
    if missing:
        raise InputError(f"The groups layer lacks the column(s) {', '.join(missing)}: each "
                         "group needs the id of its village (parent) and its population.")
    frame["parent"] = frame["parent"].astype(str)
    unknown = sorted(set(frame["parent"]) - set(villages.unit_ids.astype(str)))
    if unknown:
        raise InputError(f"{len(unknown)} village id(s) named by groups are not villages: "
                         f"{format_ids(unknown)}; correct the groups' parent column.")
    if frame.geom_type.isin(["Point"]).all():  # a village without groups keeps its land
        towns = villages.units.loc[villages.units.index.astype(str).isin(set(frame["parent"])),
                                   ["name", "geometry"]]
        frame = village_territories(towns, frame.to_crs(towns.crs))
    terrain = villages.units["terrain"] if "terrain" in villages.units.columns else None
    if terrain is not None and "terrain" not in frame.columns:
        frame["terrain"] = frame["parent"].map(terrain.astype(str).to_dict())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TopologyWarning)
        return StudyArea(frame)


def plan_groups(villages: StudyArea, village_plan: Plan, kinds: Mapping[str, str],
                groups: StudyArea, *, targets: Mapping[str, int], method: str, seed: int,
                sizing: GroupSizing, time_limit: float | None = None,
                ) -> tuple[Plan, pd.DataFrame]:
    """Plan the groups inside the new villages; the table of groups before → after per village.

    Returns
    -------
    (Plan, DataFrame)
        The group plan, and per new village ``kind``, ``group_kind``, ``population``,
        ``groups_before``, ``groups_after`` and ``estimated`` (False: planned).
    """
    nest = Nesting(groups, villages, village_plan)
    group_kind = {g: GROUP_KIND[kinds[str(p)]] for g, p in groups.units["parent"].items()}
    assignment: dict[str, str] = {}
    names: dict[str, str] = {}
    seats: dict[str, str] = {}
    for gk in sorted(set(group_kind.values())):
        ids = sorted(g for g, k in group_kind.items() if k == gk)
        sub = groups if len(ids) == len(groups) else sub_area(groups, ids, quiet_gaps=True)
        kind = "community" if gk == "resident_group" else "village"
        plan = generate_plan(sub, method=method, target=targets.get(gk),  # type: ignore[arg-type]
                             seed=seed, config=group_config(sizing, kind),
                             time_limit=time_limit, within={g: nest[g] for g in ids})
        assignment.update(plan.assignment)
        names.update(plan.names)
        seats.update(plan.seats)
    group_plan = Plan(assignment, names, seats, info={"method": method, "seed": seed})
    nest.check(group_plan)
    new_village = pd.Series({g: nest[g] for g in groups.unit_ids.astype(str)})
    rows = []
    population = villages.units["population"].astype(float)
    for new, members in village_plan.groups().items():
        inside = new_village.index[new_village == new]
        kind = kinds[members[0]]
        rows.append({"new_unit": new, "kind": kind, "group_kind": GROUP_KIND[kind],
                     "population": float(population.loc[list(members)].sum()),
                     "groups_before": len(inside),
                     "groups_after": len({group_plan.assignment[g] for g in inside}),
                     "estimated": False})
    return group_plan, pd.DataFrame(rows).set_index("new_unit")


def planned_group_entries(group_units: StudyArea, villages: StudyArea, village_plan: Plan,
                          group_plan: Plan, kinds: Mapping[str, str],
                          village_code: Mapping[str, str]) -> list[ChangeEntry]:
    """Change-log rows of planned groups: each new group coded under its new village.

    New groups of a new village take ``<village code><001…>`` in the order of their ids
    (:func:`townmerge.data.divisions.assign_codes`); a new group is named after its village
    and serial (``X村3组``).
    """
    gnames = {str(k): str(v) for k, v in group_units.units["name"].items()} \
        if "name" in group_units.units.columns else {str(k): str(k) for k in group_units.unit_ids}
    vnames = {str(k): str(v) for k, v in villages.units["name"].items()}
    nest = Nesting(group_units, villages, village_plan)
    code: dict[str, str] = {}
    for new_v in village_plan.new_units:
        new_groups = sorted({group_plan.assignment[g] for g in group_plan.assignment
                             if nest[g] == new_v})
        code.update(zip(new_groups, assign_codes(village_code[new_v], ["group"] * len(new_groups)),
                        strict=True))
    out = []
    for old in sorted(gnames):
        new, v = group_plan.assignment[old], nest[old]
        keeper = v if v in village_plan.members(v) else village_plan.members(v)[0]
        name = village_plan.names.get(v, vnames[keeper])
        out.append(ChangeEntry("group", old, gnames[old], code[new],
                               f"{name}{int(code[new][-3:])}组", None,
                               GROUP_KIND[kinds[village_plan.members(v)[0]]]))
    return out
