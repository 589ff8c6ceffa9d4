"""A study area of some of the units of another: their settlements, the flows among them, roads.

Used wherever a level is planned in parts: the villages and the communities of a county
apart, the counties of a province one by one.

Examples
--------
>>> from townmerge.testing.examples import example_area
>>> part = sub_area(example_area(), ["A"])
>>> list(part.unit_ids), sorted(part.settlements.index)
(['A'], ['a1', 'a2'])
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from shapely import box

from ..errors import TopologyWarning
from .model import StudyArea

__all__ = ["sub_area"]


def sub_area(area: StudyArea, ids: Sequence[str], *, road_margin_m: float | None = None,
             quiet_gaps: bool = False) -> StudyArea:
    """The study area of the units ``ids`` of ``area``.

    Parameters
    ----------
    area : StudyArea
    ids : sequence of str
        Unit ids to keep.
    road_margin_m : float, optional
        Keep only the roads within this many metres of the units' bounds (default:
        every road).
    quiet_gaps : bool, default False
        Leave out the warning about gaps between the units kept (the land of the
        units left out is a "gap" of the part).

    Returns
    -------
    StudyArea
        The units, the settlements in them, the flows between those settlements
        and the roads, validated as any study area.
    """
    keep_ids = [str(u) for u in ids]
    units = area.units.loc[keep_ids]
    st, flows, roads = area.settlements, area.flows, area.roads
    if st is not None:
        st = st[st["unit"].astype(str).isin(set(keep_ids))]
        if flows is not None:
            keep = set(map(str, st.index))
            flows = flows[flows["origin"].astype(str).isin(keep)
                          & flows["destination"].astype(str).isin(keep)]
    if roads is not None and len(roads) and road_margin_m is not None:
        x0, y0, x1, y1 = units.total_bounds
        m = road_margin_m
        hit = roads.sindex.query(box(x0 - m, y0 - m, x1 + m, y1 + m), predicate="intersects")
        roads = roads.iloc[np.sort(hit)]
    with warnings.catch_warnings():
        if quiet_gaps:
            warnings.simplefilter("ignore", TopologyWarning)
        return StudyArea(units, st, flows, roads)
