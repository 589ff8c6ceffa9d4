"""Flows between settlements, aggregated to units.

Flows are directed (``origin`` → ``destination``) between settlements and come
in three types: ``population`` (人口流), ``traffic`` (交通流) and ``economic``
(经济流). Aggregating them to units conserves the total exactly: every flow
whose endpoints lie in known units lands in exactly one unit pair.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import Point, box
>>> units = gpd.GeoDataFrame({"id": ["A", "B"]}, geometry=[box(0, 0, 10, 10),
...     box(10, 0, 20, 10)], crs="EPSG:32648")
>>> st = gpd.GeoDataFrame({"id": ["a1", "a2", "b1"]},
...     geometry=[Point(1, 1), Point(2, 2), Point(15, 5)], crs="EPSG:32648")
>>> fl = pd.DataFrame({"origin": ["a1", "a2", "b1"], "destination": ["b1", "a1", "a1"],
...                    "population": [5.0, 2.0, 1.0]})
>>> unit_flows(StudyArea(units, st, fl), "population")
  origin_unit destination_unit  flow
0           A                A   2.0
1           A                B   5.0
2           B                A   1.0
"""

from __future__ import annotations

import pandas as pd

from .columns import FLOW_TYPES
from .errors import InputError
from .model import StudyArea

__all__ = ["pair_exchange", "unit_flows"]


def _flow_column(area: StudyArea, flow_type: str | None) -> str | None:
    present = area.flow_types
    if flow_type is None:
        return present[0] if present else None
    if flow_type not in FLOW_TYPES:
        raise InputError(f"Unknown flow type {flow_type!r}; expected one of {FLOW_TYPES}.")
    if flow_type not in present:
        return present[0] if present else None
    return flow_type


def unit_flows(area: StudyArea, flow_type: str | None = None) -> pd.DataFrame:
    """Directed flows summed per pair of units (including flows inside a unit).

    Parameters
    ----------
    area : StudyArea
    flow_type : {"population", "traffic", "economic"}, optional
        The flow to aggregate; when absent from the data, the first flow type
        present is used. ``None`` takes the first present.

    Returns
    -------
    DataFrame
        ``origin_unit``, ``destination_unit``, ``flow``; empty when the area
        has no flows.
    """
    empty = pd.DataFrame({"origin_unit": pd.Series(dtype=object),
                          "destination_unit": pd.Series(dtype=object),
                          "flow": pd.Series(dtype=float)})
    flows, settlements = area.flows, area.settlements
    col = _flow_column(area, flow_type)
    if flows is None or settlements is None or col is None:
        return empty
    unit_of = settlements["unit"]
    df = pd.DataFrame({
        "origin_unit": flows["origin"].map(unit_of),
        "destination_unit": flows["destination"].map(unit_of),
        "flow": flows[col].astype(float),
    }).dropna(subset=["origin_unit", "destination_unit"])
    return df.groupby(["origin_unit", "destination_unit"], as_index=False, sort=True)["flow"].sum()


def pair_exchange(area: StudyArea, flow_type: str | None = None) -> pd.Series:
    """Flow exchanged between two different units, both directions summed.

    Returns
    -------
    Series
        Indexed by (``unit_a``, ``unit_b``) with ``unit_a < unit_b``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point, box
    >>> units = gpd.GeoDataFrame({"id": ["A", "B"]}, geometry=[box(0, 0, 10, 10),
    ...     box(10, 0, 20, 10)], crs="EPSG:32648")
    >>> st = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[Point(1, 1), Point(15, 5)],
    ...     crs="EPSG:32648")
    >>> fl = pd.DataFrame({"origin": ["a", "b"], "destination": ["b", "a"],
    ...                    "population": [5.0, 1.0]})
    >>> pair_exchange(StudyArea(units, st, fl)).to_dict()
    {('A', 'B'): 6.0}
    """
    uf = unit_flows(area, flow_type)
    uf = uf[uf["origin_unit"] != uf["destination_unit"]]
    a = uf[["origin_unit", "destination_unit"]].min(axis=1)
    b = uf[["origin_unit", "destination_unit"]].max(axis=1)
    out = uf["flow"].groupby([a.rename("unit_a"), b.rename("unit_b")]).sum()
    return out.astype(float)
