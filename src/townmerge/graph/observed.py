"""Observed flow tables: summed per unit pair, and the pair table of the settlement flows.

The study area's flow table lists directed flows (``origin`` → ``destination``)
between settlements, one column per flow type (``population`` 人口流,
``traffic`` 交通流, ``economic`` 经济流). :func:`observed_unit_flows` sums it
per pair of units as given (the public way: :func:`townmerge.graph.unitpairs.unit_flows`);
:func:`pair_table`
lays it over the pairs within the travel-time cut-off, the canonical pair
table behind :class:`townmerge.graph.flows.SettlementFlows`.

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
>>> observed_unit_flows(StudyArea(units, st, fl), "population")
  origin_unit destination_unit  flow
0           A                A   2.0
1           A                B   5.0
2           B                A   1.0
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..data.columns import FLOW_TYPES
from ..data.model import StudyArea
from ..errors import InputError, format_ids
from .gravity import bincount
from .roadgraph import BoolArray, FloatArray, IntArray
from .travel import TravelNetwork

__all__ = ["PairTable", "check_flow_type", "observed_unit_flows", "pair_table"]


def check_flow_type(flow_type: str) -> None:
    """Raise an InputError unless ``flow_type`` is one of the three flow types.

    Examples
    --------
    >>> check_flow_type("traffic")
    >>> check_flow_type("money")
    Traceback (most recent call last):
    ...
    townmerge.errors.InputError: Unknown flow type 'money'; expected one of (...).
    """
    if flow_type not in FLOW_TYPES:
        raise InputError(f"Unknown flow type {flow_type!r}; expected one of {FLOW_TYPES}.")


def _flow_column(area: StudyArea, flow_type: str | None) -> str | None:
    present = area.flow_types
    if flow_type is None:
        return present[0] if present else None
    check_flow_type(flow_type)
    if flow_type not in present:
        return present[0] if present else None
    return flow_type


def observed_unit_flows(area: StudyArea, flow_type: str | None = None) -> pd.DataFrame:
    """Directed observed flows summed per pair of units (including flows inside a unit).

    Only the study area's flow table is used; :func:`townmerge.graph.unitpairs.unit_flows`
    (``source="observed"``) is the public way to these figures.

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

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point, box
    >>> units = gpd.GeoDataFrame({"id": ["A", "B"]}, geometry=[box(0, 0, 10, 10),
    ...     box(10, 0, 20, 10)], crs="EPSG:32648")
    >>> st = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[Point(1, 1), Point(15, 5)],
    ...     crs="EPSG:32648")
    >>> len(observed_unit_flows(StudyArea(units, st)))
    0
    """
    empty = pd.DataFrame({"origin_unit": pd.Series(dtype=object),
                          "destination_unit": pd.Series(dtype=object),
                          "flow": pd.Series(dtype=float)})
    flows, settlements = area.flows, area.settlements
    col = _flow_column(area, flow_type)
    if flows is None or settlements is None or col is None:
        return empty
    unit_of = settlements["unit"]
    flows = flows[flows["origin"] != flows["destination"]]  # self-flows are not used
    df = pd.DataFrame({
        "origin_unit": flows["origin"].map(unit_of),
        "destination_unit": flows["destination"].map(unit_of),
        "flow": flows[col].astype(float),
    }).dropna(subset=["origin_unit", "destination_unit"])
    return df.groupby(["origin_unit", "destination_unit"], as_index=False, sort=True)["flow"].sum()


def _observed_table(area: StudyArea, net: TravelNetwork,
                    ) -> tuple[IntArray, dict[str, FloatArray]] | None:
    """Observed flows summed per distinct (origin, destination): sorted pair keys and values."""
    flows = area.flows
    types = area.flow_types
    if flows is None or not types or len(flows) == 0:
        return None
    n = len(net.settlement_ids)
    o = net.settlement_ids.get_indexer(pd.Index(flows["origin"].astype(object)))
    d = net.settlement_ids.get_indexer(pd.Index(flows["destination"].astype(object)))
    unknown = sorted(set(flows["origin"][o < 0]) | set(flows["destination"][d < 0]))
    if unknown:
        raise InputError(f"{len(unknown)} settlement id(s) of the flow table are not "
                         f"settlements: {format_ids([str(u) for u in unknown])}.")
    # A flow from a settlement to itself links nothing (the validator warns about it).
    other = o != d
    key = o[other].astype(np.int64) * n + d[other]
    uk, inv = np.unique(key, return_inverse=True)
    values = {t: bincount(inv, flows[t].to_numpy(dtype=float)[other], uk.size)
              for t in types}
    return uk, values


class PairTable(NamedTuple):
    """Settlement pairs within the cut-off and of the flow table, sorted by origin then destination.

    Attributes
    ----------
    origin, destination : ndarray of int32
        Settlement positions of each pair.
    minutes : ndarray of float
    by_road : ndarray of bool
    listed : ndarray of int
        Positions of the pairs of the flow table.
    observed : dict of str to ndarray
        Observed flow of each listed pair, per flow type of the table.

    Examples
    --------
    >>> from townmerge.testing.examples import example_area
    >>> area = example_area()
    >>> t = pair_table(area, TravelNetwork(area))
    >>> t.origin.tolist(), t.destination.tolist(), t.listed.tolist()
    ([0, 0, 1, 1, 2, 2], [1, 2, 0, 2, 0, 1], [0, 1, 2, 4])
    """

    origin: npt.NDArray[np.int32]
    destination: npt.NDArray[np.int32]
    minutes: FloatArray
    by_road: BoolArray
    listed: IntArray
    observed: dict[str, FloatArray]


def pair_table(area: StudyArea, net: TravelNetwork) -> PairTable:
    """Every pair within the cut-off, plus every pair of the flow table, with its time.

    Parameters
    ----------
    area : StudyArea
    net : TravelNetwork
        Built for ``area``.

    Returns
    -------
    PairTable

    Raises
    ------
    InputError
        For flow-table ids that are not settlements.

    Examples
    --------
    >>> from townmerge.testing.examples import example_area
    >>> area = example_area()
    >>> pair_table(area, TravelNetwork(area)).observed["population"].tolist()
    [60.0, 40.0, 20.0, 10.0]
    """
    n = len(net.settlement_ids)

    o_parts, d_parts, t_parts, r_parts = [], [], [], []
    for bo, bd, bt, br in net.pair_blocks():
        o_parts.append(bo.astype(np.int32))
        d_parts.append(bd.astype(np.int32))
        t_parts.append(bt)
        r_parts.append(br)
    origin = np.concatenate(o_parts) if o_parts else np.zeros(0, np.int32)
    dest = np.concatenate(d_parts) if d_parts else np.zeros(0, np.int32)
    minutes = np.concatenate(t_parts) if t_parts else np.zeros(0)
    by_road = np.concatenate(r_parts) if r_parts else np.zeros(0, bool)
    del o_parts, d_parts, t_parts, r_parts

    observed = _observed_table(area, net)
    obs_row = np.zeros(0, dtype=np.int64)
    if observed is not None:
        okey, _ = observed
        ckey = origin.astype(np.int64) * n + dest
        found = np.zeros(okey.size, dtype=bool)
        obs_row = np.full(origin.size, -1, dtype=np.int64)
        if okey.size:
            pos = np.searchsorted(okey, ckey)
            np.minimum(pos, okey.size - 1, out=pos)
            match = okey[pos] == ckey
            found[pos[match]] = True
            obs_row[match] = pos[match]
            del pos, match
        extra = np.flatnonzero(~found)
        if extra.size:
            ei, ej = okey[extra] // n, okey[extra] % n
            origin = np.concatenate([origin, ei.astype(np.int32)])
            dest = np.concatenate([dest, ej.astype(np.int32)])
            minutes = np.concatenate([minutes, net.times(ei, ej)])
            by_road = np.concatenate([by_road, net.by_road(ei, ej)])
            obs_row = np.concatenate([obs_row, extra])
        ckey = np.concatenate([ckey, okey[extra]])
    else:
        ckey = origin.astype(np.int64) * n + dest
    order = np.argsort(ckey)  # the keys are distinct
    del ckey
    origin, dest, minutes, by_road = origin[order], dest[order], minutes[order], by_road[order]
    listed = np.zeros(0, dtype=np.int64)
    obs_values: dict[str, FloatArray] = {}
    if observed is not None:
        obs_row = obs_row[order]
        listed = np.flatnonzero(obs_row >= 0)
        obs_values = {t: v[obs_row[listed]] for t, v in observed[1].items()}
    del order, obs_row

    return PairTable(origin, dest, minutes, by_road, listed, obs_values)
