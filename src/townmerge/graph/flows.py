r"""Flows between settlements, observed where given, else from the gravity model.

Flows are directed (``origin`` → ``destination``) between settlements and come
in three types: ``population`` (人口流), ``traffic`` (交通流) and ``economic``
(经济流). Each type is taken from the study area's flow table where the table
has it (:mod:`townmerge.graph.observed`), and otherwise estimated with the
gravity model (引力模型, :mod:`townmerge.graph.gravity`)

.. math:: I_{ij} = k \, M_i M_j / \max(t_{ij}, t_0)^b

over every pair of settlements within the travel-time cut-off
(:mod:`townmerge.graph.travel`). Where a type is observed, ``k`` and ``b`` are
fitted by Poisson pseudo-maximum-likelihood and reported; where it is not, the
documented defaults are used (``b = 2``, ``k = 1``: flows are then a relative
index).

:class:`SettlementFlows` holds one canonical pair table behind every view: the
settlement graph (:func:`build_settlement_graph`), the potential of each
settlement and the aggregates to units (:mod:`townmerge.graph.unitflows`:
unit pairs, membership 隶属度, dominant direction, self-containment), which
conserve the total exactly.

Examples
--------
>>> from townmerge.testing.examples import example_area
>>> sf = settlement_flows(example_area())
>>> dict(sf.sources)
{'population': 'observed', 'traffic': 'gravity', 'economic': 'gravity'}
>>> sf.unit_pairs()["population"].tolist()
[80.0, 40.0, 10.0]
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd

from ..config import GravityParams
from ..data.columns import FLOW_TYPES
from ..data.model import StudyArea
from ..errors import InputError
from .gravity import PAIR_CHUNK, GravityFit, bincount, fit_observed, gravity_masses
from .observed import check_flow_type, pair_table
from .roadgraph import BoolArray, FloatArray, IntArray
from .travel import TravelNetwork, TravelParams
from .unitflows import UnitFlows, aggregate_to_units

__all__ = [
    "GravityParams",
    "SettlementFlows",
    "build_settlement_graph",
    "settlement_flows",
]


@dataclass(frozen=True, eq=False)
class SettlementFlows:
    """Directed flows between settlements, one canonical pair table behind every view.

    Build it with :func:`settlement_flows`. Pairs are every ordered pair of
    distinct settlements within the travel-time cut-off, plus every pair of the
    observed flow table; they are sorted by origin, then destination. Flow
    values are computed on demand, a chunk of pairs at a time, so unit
    aggregates of large areas never hold every settlement flow at once.

    Attributes
    ----------
    settlements : DataFrame
        ``name``, ``kind``, ``unit``, ``population`` of each settlement,
        indexed by settlement id; positions in the pair arrays refer to it.
    unit_ids : Index
        The study area's units.
    origin, destination : ndarray of int32
        Settlement positions of each pair.
    minutes : ndarray of float
        Travel time of each pair.
    by_road : ndarray of bool
        Whether the time is over the road network (else the fallback).
    sources : mapping of str to str
        For each flow type: ``"observed"``, ``"gravity"`` or
        ``"observed+gravity"`` (observed pairs, gravity for the rest).
    fits : mapping of str to GravityFit
        The fit of each observed flow type (when fitting was asked for and
        possible).
    masses : DataFrame or None
        Gravity masses of each settlement (None when no type needed them).
    gravity : GravityParams
    travel : TravelParams

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point, box
    >>> units = gpd.GeoDataFrame({"id": ["A", "B"]}, geometry=[box(0, 0, 5000, 5000),
    ...     box(5000, 0, 10_000, 5000)], crs="EPSG:32648")
    >>> st = gpd.GeoDataFrame({"id": ["a", "b", "c"], "population": [1000, 500, 2000]},
    ...     geometry=[Point(1000, 1000), Point(3000, 1000), Point(7000, 1000)], crs=units.crs)
    >>> sf = settlement_flows(StudyArea(units, st))
    >>> sf.unit_summary("population")[["potential", "self_containment", "dominant"]].round(3)
             potential  self_containment dominant
    unit_id
    A        54446.088             0.679        B
    B        17463.840             0.000        A
    """

    settlements: pd.DataFrame
    unit_ids: pd.Index
    origin: npt.NDArray[np.int32]
    destination: npt.NDArray[np.int32]
    minutes: FloatArray
    by_road: BoolArray
    sources: Mapping[str, str]
    fits: Mapping[str, GravityFit]
    masses: pd.DataFrame | None
    gravity: GravityParams
    travel: TravelParams
    _listed: IntArray = field(repr=False)
    _observed: Mapping[str, FloatArray] = field(repr=False)
    _kb: Mapping[str, tuple[float, float]] = field(repr=False)

    def __len__(self) -> int:
        return int(self.origin.size)

    def _chunks(self) -> Iterator[tuple[int, int]]:
        n = self.origin.size
        for s in range(0, n, PAIR_CHUNK):
            yield s, min(n, s + PAIR_CHUNK)

    def _values(self, flow_type: str, s: int, e: int) -> FloatArray:
        src = self.sources[flow_type]
        out = np.zeros(e - s)
        if src != "observed":
            assert self.masses is not None
            k, b = self._kb[flow_type]
            m = self.masses[flow_type].to_numpy()
            o, d, t = self.origin[s:e], self.destination[s:e], self.minutes[s:e]
            ok = (o != d) & (t <= self.travel.cutoff_min)
            out[ok] = (k * m[o[ok]] * m[d[ok]]
                       / np.maximum(t[ok], self.gravity.min_minutes) ** b)
        if src != "gravity":
            lo, hi = np.searchsorted(self._listed, [s, e])
            out[self._listed[lo:hi] - s] = self._observed[flow_type][lo:hi]
        return out

    def values(self, flow_type: str) -> FloatArray:
        """Flow of one type for every pair, aligned with :attr:`origin`.

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> sf = settlement_flows(example_area())  # a1, a2 in A; b1 in B
        >>> sf.values("population").tolist()  # observed: 0 where the table has no flow
        [60.0, 40.0, 20.0, 0.0, 10.0, 0.0]
        """
        check_flow_type(flow_type)
        return np.concatenate([self._values(flow_type, s, e) for s, e in self._chunks()]
                              or [np.zeros(0)])

    def to_frame(self) -> pd.DataFrame:
        """The pair table: ids, minutes, ``by_road`` and the three flows.

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> sf = settlement_flows(example_area())  # a1, a2 in A; b1 in B
        >>> sf.to_frame().columns.tolist()
        ['origin', 'destination', 'minutes', 'by_road', 'population', 'traffic', 'economic']
        """
        ids = self.settlements.index
        frame = pd.DataFrame({
            "origin": ids[self.origin].to_numpy(dtype=object),
            "destination": ids[self.destination].to_numpy(dtype=object),
            "minutes": self.minutes,
            "by_road": self.by_road,
        })
        for t in FLOW_TYPES:
            frame[t] = self.values(t)
        return frame

    def potential(self, flow_type: str) -> pd.Series:
        """Potential index 潜力指数 V_i = Σ_j I_ij of every settlement (j ≠ i).

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> sf = settlement_flows(example_area())  # a1, a2 in A; b1 in B
        >>> sf.potential("population").tolist()
        [100.0, 20.0, 10.0]
        """
        check_flow_type(flow_type)
        n = len(self.settlements)
        v = np.zeros(n)
        for s, e in self._chunks():
            o, d = self.origin[s:e], self.destination[s:e]
            val = self._values(flow_type, s, e)
            other = o != d
            v += bincount(o[other], val[other], n)
        return pd.Series(v, index=self.settlements.index, name=f"potential_{flow_type}")


    @cached_property
    def units(self) -> UnitFlows:
        """The flows aggregated to units (computed once, a chunk of pairs at a time).

        Raises
        ------
        InputError
            When a settlement carrying flow lies in no unit (naming it).

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> sf = settlement_flows(example_area())  # a1, a2 in A; b1 in B
        >>> sf.units.pairs["population"].tolist()
        [80.0, 40.0, 10.0]
        """
        code = self.unit_ids.get_indexer(pd.Index(self.settlements["unit"].astype(object)))
        blocks = ((self.origin[s:e], self.destination[s:e],
                   {t: self._values(t, s, e) for t in FLOW_TYPES}) for s, e in self._chunks())
        return UnitFlows(aggregate_to_units(blocks, code.astype(np.int64), self.unit_ids,
                                            self.settlements), self.unit_ids)

    def unit_pairs(self) -> pd.DataFrame:
        """Flows summed per ordered pair of units, flows inside a unit included.

        The three totals equal the sums of the settlement flows: every pair
        lands in exactly one unit pair.

        Returns
        -------
        DataFrame
            ``origin_unit``, ``destination_unit``, ``population``,
            ``traffic``, ``economic``.

        Raises
        ------
        InputError
            When a settlement carrying flow lies in no unit (naming it).

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> sf = settlement_flows(example_area())  # a1, a2 in A; b1 in B
        >>> sf.unit_pairs()[["origin_unit", "destination_unit", "population"]]
          origin_unit destination_unit  population
        0           A                A        80.0
        1           A                B        40.0
        2           B                A        10.0
        """
        return self.units.pairs.copy()

    def membership(self, flow_type: str) -> pd.DataFrame:
        """Membership 隶属度 F(i→j): the share of unit i's outflow to other units going to j.

        Rows of a unit with outflow sum to 1; flows inside a unit are left out
        (see :meth:`townmerge.graph.unitflows.UnitFlows.membership`).

        Returns
        -------
        DataFrame
            ``origin_unit``, ``destination_unit``, ``membership``.

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> sf = settlement_flows(example_area())  # a1, a2 in A; b1 in B
        >>> sf.membership("population")
          origin_unit destination_unit  membership
        0           A                B         1.0
        1           B                A         1.0
        """
        check_flow_type(flow_type)
        return self.units.membership(flow_type)

    def unit_summary(self, flow_type: str, adjacency: pd.DataFrame | None = None,
                     ) -> pd.DataFrame:
        """Per unit: potential, internal flow, outflow, inflow, self-containment, dominant unit.

        Parameters
        ----------
        flow_type : {"population", "traffic", "economic"}
        adjacency : DataFrame, optional
            Edge table with ``unit_a`` and ``unit_b`` (as from
            :func:`townmerge.build_adjacency`); when given, the dominant
            direction is looked for among each unit's neighbours only.

        Returns
        -------
        DataFrame
            Indexed by ``unit_id``, the columns of
            :meth:`townmerge.graph.unitflows.UnitFlows.summary`.

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> sf = settlement_flows(example_area())  # a1, a2 in A; b1 in B
        >>> sf.unit_summary("population")[["potential", "self_containment", "dominant"]]
                 potential  self_containment dominant
        unit_id
        A            120.0          0.666667        B
        B             10.0          0.000000        A
        """
        check_flow_type(flow_type)
        return self.units.summary(flow_type, adjacency)

    def dominant_directions(self, adjacency: pd.DataFrame | None = None) -> pd.DataFrame:
        """The unit each unit gravitates to most, for each flow type.

        Parameters
        ----------
        adjacency : DataFrame, optional
            Restrict to neighbours (see :meth:`unit_summary`).

        Returns
        -------
        DataFrame
            One column per flow type, indexed by ``unit_id``.

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> sf = settlement_flows(example_area())  # a1, a2 in A; b1 in B
        >>> sf.dominant_directions()
                population traffic economic
        unit_id
        A                B       B        B
        B                A       A        A
        """
        return self.units.dominant_directions(adjacency)

    def to_graph(self) -> nx.DiGraph:
        """The settlement graph (see :func:`build_settlement_graph`).

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> sf = settlement_flows(example_area())  # a1, a2 in A; b1 in B
        >>> sf.to_graph().number_of_edges()
        6
        """
        g = nx.DiGraph(sources=dict(self.sources), fits=dict(self.fits),
                       cutoff_min=self.travel.cutoff_min)
        st = self.settlements
        table = st.astype(object).where(st.notna(), None)
        table["population"] = st["population"].astype(float)
        for t in FLOW_TYPES:
            table[f"potential_{t}"] = self.potential(t).to_numpy()
        g.add_nodes_from(zip(st.index, table.to_dict("records"), strict=True))
        ids = st.index.to_numpy(dtype=object)
        vals = {t: self.values(t) for t in FLOW_TYPES}
        g.add_edges_from(
            (ids[o], ids[d], {"minutes": float(m), "by_road": bool(r),
                              **{t: float(vals[t][p]) for t in FLOW_TYPES}})
            for p, (o, d, m, r) in enumerate(zip(self.origin, self.destination, self.minutes,
                                                  self.by_road, strict=True)))
        return g



def settlement_flows(
    area: StudyArea,
    *,
    gravity: GravityParams | None = None,
    travel: TravelParams | None = None,
    network: TravelNetwork | None = None,
) -> SettlementFlows:
    """Flows of the three types between settlements, observed where given, else gravity.

    Parameters
    ----------
    area : StudyArea
        Needs settlements (with population wherever a flow type is
        estimated); roads and a flow table are optional.
    gravity : GravityParams, optional
    travel : TravelParams, optional
        Ignored when ``network`` is given.
    network : TravelNetwork, optional
        A travel network already built for ``area``.

    Returns
    -------
    SettlementFlows

    Raises
    ------
    InputError
        For flow-table ids that are not settlements, or missing populations
        where flows are estimated (naming the settlements).

    Warns
    -----
    UserWarning
        When an observed flow type cannot be fitted (too few pairs); its
        unlisted pairs then use the default ``k`` and ``b``.

    Examples
    --------
    >>> from townmerge.datasets.synthetic import sample_county
    >>> s = sample_county()
    >>> sf = settlement_flows(StudyArea(s.units, s.settlements, s.flows, s.roads))
    >>> sorted(sf.sources.items())
    [('economic', 'observed'), ('population', 'observed'), ('traffic', 'observed')]
    >>> 1.0 < sf.fits["population"].b < 3.0
    True
    """
    gravity = gravity or GravityParams()
    net = network or TravelNetwork(area, travel)
    travel = net.params
    st = area.settlements
    assert st is not None  # TravelNetwork has checked
    cutoff = travel.cutoff_min
    table = pair_table(area, net)
    origin, dest, minutes, by_road = table.origin, table.destination, table.minutes, table.by_road
    listed, obs_values = table.listed, table.observed
    del table

    sources = {t: ("gravity" if t not in obs_values else
                   "observed+gravity" if gravity.fill_unobserved else "observed")
               for t in FLOW_TYPES}
    need_masses = any(s != "observed" for s in sources.values())
    masses: pd.DataFrame | None = None
    if need_masses:
        masses = gravity_masses(area, gravity, net)
    elif gravity.fit and obs_values:
        try:
            masses = gravity_masses(area, gravity, net)
        except InputError as err:
            warnings.warn(f"The observed flows are not fitted: {err}", UserWarning,
                          stacklevel=2)

    fits: dict[str, GravityFit] = {}
    kb = {t: (gravity.k, gravity.b) for t in FLOW_TYPES}
    if gravity.fit and masses is not None and obs_values:
        for t, vals in obs_values.items():
            fit = fit_observed(t, vals, masses[t].to_numpy(), origin, dest, minutes, listed,
                               gravity, cutoff)
            if fit is not None:
                fits[t] = fit
                kb[t] = (fit.k, fit.b)

    cols = [c for c in ("name", "kind", "unit", "population") if c in st.columns]
    nodes = pd.DataFrame(st[cols]).copy()
    for c in ("name", "kind", "unit"):
        if c not in nodes.columns:
            nodes[c] = None
    if "population" not in nodes.columns:
        nodes["population"] = np.nan
    nodes = nodes[["name", "kind", "unit", "population"]]
    nodes["population"] = pd.to_numeric(nodes["population"], errors="coerce").astype(float)
    return SettlementFlows(
        settlements=nodes, unit_ids=pd.Index(area.units.index, name="unit_id"),
        origin=origin, destination=dest, minutes=minutes, by_road=by_road,
        sources=MappingProxyType(sources), fits=MappingProxyType(fits), masses=masses,
        gravity=gravity, travel=travel, _listed=listed,
        _observed=MappingProxyType(obs_values), _kb=MappingProxyType(kb))



def build_settlement_graph(
    area: StudyArea,
    *,
    gravity: GravityParams | None = None,
    travel: TravelParams | None = None,
) -> nx.DiGraph:
    """The settlement graph: settlements as nodes, flows and travel times on the edges.

    Nodes are settlement ids with ``name``, ``kind``, ``unit``, ``population``
    and ``potential_population`` / ``_traffic`` / ``_economic``. Each edge
    ``origin → destination`` (every pair within the cut-off, and every pair of
    the flow table) carries ``minutes``, ``by_road``, ``population``,
    ``traffic`` and ``economic``. The graph's attributes hold the ``sources``
    of each flow type, the gravity ``fits`` and ``cutoff_min``.

    A networkx graph costs about a kilobyte per edge: for a province, use
    :func:`settlement_flows` and its array views instead.

    Parameters
    ----------
    area : StudyArea
    gravity : GravityParams, optional
    travel : TravelParams, optional

    Returns
    -------
    networkx.DiGraph

    Examples
    --------
    >>> from townmerge.datasets.synthetic import sample_county
    >>> s = sample_county()
    >>> g = build_settlement_graph(StudyArea(s.units, s.settlements, s.flows, s.roads))
    >>> g.number_of_nodes(), sorted(g.edges[next(iter(g.edges))])
    (242, ['by_road', 'economic', 'minutes', 'population', 'traffic'])
    """
    return settlement_flows(area, gravity=gravity, travel=travel).to_graph()
