"""Village groups (村民小组) and resident groups (居民小组) of a reform, from counts per village.

Where groups are not drawn (no points or polygons), the sample county and most
statistics give only the number of groups of each village. The groups of a new
village are then **estimated from counts** by a documented sizing rule
(:class:`GroupSizing`), and every output says so (column ``estimated``).

**The sizing rule.** For a new village with population ``P`` whose former
villages had ``g0`` groups in all:

1. ``g0 == 0``: no groups (a unit without groups does not get any);
2. else the fewest groups of at most ``max_population`` people each,
   ``g = ceil(P / max_population)``, at least 1;
3. never more than before (groups are merged, never split): ``g = min(g, g0)``;
4. groups of fewer than ``min_population`` people are merged further while
   more than one is left: ``g = max(1, min(g, floor(P / min_population)))``.

Villages (建制村) have 村民小组 and communities (社区) 居民小组, each kind with
its own bounds.

Examples
--------
>>> sizing = GroupSizing()
>>> sizing.groups_after(population=2_400, groups_before=3, kind="village")
1
>>> sizing.groups_after(population=9_000, groups_before=5, kind="village")
3
>>> sizing.groups_after(population=9_000, groups_before=0, kind="community")
0
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from ..data.plan import Plan
from ..errors import ParameterError

__all__ = ["GROUP_KIND", "GroupSizing", "group_table"]

#: The group kind of each village kind: 村民小组 in villages, 居民小组 in communities.
GROUP_KIND: Mapping[str, str] = {"village": "group", "community": "resident_group",
                                 "other": "group"}


@dataclass(frozen=True)
class GroupSizing:
    """Population bounds of a group, per village kind (an assumption: calibrate per county).

    Parameters
    ----------
    village_min, village_max : int, default 300, 3,000
        People per 村民小组 of a new village.
    community_min, community_max : int, default 1,000, 6,000
        People per 居民小组 of a new community.

    Examples
    --------
    >>> GroupSizing(village_max=2_000).bounds("village")
    (300, 2000)
    """

    village_min: int = 300
    village_max: int = 3_000
    community_min: int = 1_000
    community_max: int = 6_000

    def __post_init__(self) -> None:
        bad = [f"{kind}: min {lo} and max {hi}" for kind, lo, hi in
               (("village", self.village_min, self.village_max),
                ("community", self.community_min, self.community_max))
               if not (isinstance(lo, int) and isinstance(hi, int) and 0 < lo <= hi)]
        if bad:
            raise ParameterError("Group sizes need whole numbers 0 < min <= max; got "
                                 + "; ".join(bad) + ".")

    def bounds(self, kind: str) -> tuple[int, int]:
        """``(min, max)`` people per group of a new unit of ``kind`` (village or community)."""
        if kind == "community":
            return self.community_min, self.community_max
        return self.village_min, self.village_max

    def groups_after(self, *, population: float, groups_before: int, kind: str) -> int:
        """The number of groups of a new unit by the sizing rule (module docstring)."""
        if groups_before <= 0:
            return 0
        lo, hi = self.bounds(kind)
        g = max(1, math.ceil(population / hi))
        g = min(g, groups_before)
        return max(1, min(g, math.floor(population / lo)))


def group_table(village_plan: Plan, units: pd.DataFrame, kinds: Mapping[str, str],
                sizing: GroupSizing) -> pd.DataFrame:
    """Groups before → after of each new village, estimated from counts.

    Parameters
    ----------
    village_plan : Plan
        The village plan.
    units : DataFrame
        The village-level units (index: village id; columns ``population``, ``groups``).
    kinds : Mapping[str, str]
        Village id → village kind (``village``, ``community``, ``other``); a new unit
        has its members' kind.
    sizing : GroupSizing

    Returns
    -------
    pandas.DataFrame
        Index: new village id. Columns ``kind`` (of the village), ``group_kind``
        (``group`` = 村民小组 or ``resident_group`` = 居民小组), ``population``,
        ``groups_before``, ``groups_after`` and ``estimated`` (True: from counts).

    Examples
    --------
    >>> units = pd.DataFrame({"population": [1200, 1300, 800], "groups": [2, 1, 1]},
    ...                      index=["a", "b", "c"])
    >>> plan = Plan.from_mapping({"a": "a", "b": "a", "c": "c"})
    >>> t = group_table(plan, units, {"a": "village", "b": "village", "c": "village"},
    ...                 GroupSizing())
    >>> t[["groups_before", "groups_after"]].to_dict("index")
    {'a': {'groups_before': 3, 'groups_after': 1}, 'c': {'groups_before': 1, 'groups_after': 1}}
    """
    groups = (units["groups"] if "groups" in units.columns
              else pd.Series(0, index=units.index)).fillna(0).astype(int)
    population = units["population"].astype(float)
    rows = []
    for new, members in village_plan.groups().items():
        kind = kinds[members[0]]
        p = float(population.loc[list(members)].sum())
        g0 = int(groups.loc[list(members)].sum())
        rows.append({"new_unit": new, "kind": kind, "group_kind": GROUP_KIND[kind],
                     "population": p, "groups_before": g0,
                     "groups_after": sizing.groups_after(population=p, groups_before=g0,
                                                         kind=kind),
                     "estimated": True})
    return pd.DataFrame(rows).set_index("new_unit")
