"""Travel times between settlements, over the road network or as the crow flies.

:class:`TravelNetwork` is what the rest of townmerge asks for minutes: it holds
the settlements (ids and names), their attachment to the road graph
(:class:`townmerge.graph.access.RoadAccess`, which also states how a time is
computed: road legs or the straight-line fallback) and lists the pairs within
:attr:`TravelParams.cutoff_min` minutes (:func:`townmerge.graph.travelpairs.pair_blocks`).
The road graph itself is :func:`townmerge.graph.roadgraph.road_graph`.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import LineString, Point, box
>>> units = gpd.GeoDataFrame({"id": ["A"]}, geometry=[box(0, 0, 20_000, 10_000)],
...                          crs="EPSG:32648")
>>> st = gpd.GeoDataFrame({"id": ["a", "b", "c"]}, crs="EPSG:32648",
...     geometry=[Point(0, 0), Point(10_000, 0), Point(15_000, 0)])
>>> roads = gpd.GeoDataFrame({"speed_kmh": [60.0, 30.0]}, crs="EPSG:32648",
...     geometry=[LineString([(0, 0), (10_000, 0)]), LineString([(10_000, 0), (15_000, 0)])])
>>> net = TravelNetwork(StudyArea(units, st, roads=roads))
>>> net.between(["a", "a"], ["b", "c"]).round(6).tolist()
[10.0, 20.0]
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd

from ..config import TravelParams
from ..data.model import StudyArea, unit_label
from ..errors import InputError, format_ids
from .access import RoadAccess
from .roadgraph import BoolArray, FloatArray, IntArray, RoadGraph
from .travelpairs import pair_blocks

__all__ = ["TravelNetwork", "TravelParams", "travel_times"]


class TravelNetwork:
    """Travel times between the settlements of a study area (built once, reused).

    Parameters
    ----------
    area : StudyArea
        Needs settlements; roads are optional (without them every time is the
        straight-line fallback).
    params : TravelParams, optional

    Raises
    ------
    InputError
        When the area has no settlements, or a road has a non-positive speed.

    Examples
    --------
    >>> from townmerge.testing.examples import example_area
    >>> TravelNetwork(example_area()).within_cutoff(7.0).round(2)  # no roads: straight lines
      origin destination  minutes  by_road
    0     a1          a2     6.49    False
    1     a2          a1     6.49    False
    """

    __slots__ = ("_access", "_ids", "_label")

    def __init__(self, area: StudyArea, params: TravelParams | None = None) -> None:
        self._access = RoadAccess.attach(area, params or TravelParams())
        st = area.settlements
        assert st is not None  # RoadAccess has checked
        self._ids = pd.Index(st.index, name="settlement_id")
        self._label = st["name"].to_numpy(dtype=object) if "name" in st.columns else None

    # -- views ---------------------------------------------------------------------------
    @property
    def params(self) -> TravelParams:
        """The parameters in use.

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> net = TravelNetwork(example_area())  # three settlements, no roads
        >>> net.params.cutoff_min
        60.0
        """
        return self._access.params

    @property
    def settlement_ids(self) -> pd.Index:
        """Settlement ids; positions in the array methods refer to this order.

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> net = TravelNetwork(example_area())  # three settlements, no roads
        >>> net.settlement_ids.tolist()
        ['a1', 'a2', 'b1']
        """
        return self._ids

    @property
    def roads(self) -> RoadGraph | None:
        """The road graph, or None without roads.

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> net = TravelNetwork(example_area())  # three settlements, no roads
        >>> net.roads is None
        True
        """
        return self._access.roads

    @property
    def attachment(self) -> pd.DataFrame:
        """Road node and access minutes of each settlement (node -1: not attached).

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import LineString, Point, box
        >>> units = gpd.GeoDataFrame({"id": ["A"]}, geometry=[box(0, 0, 9000, 9000)],
        ...                          crs="EPSG:32648")
        >>> st = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[Point(0, 150),
        ...     Point(8000, 8000)], crs="EPSG:32648")
        >>> roads = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1000, 0)])],
        ...                          crs="EPSG:32648")
        >>> TravelNetwork(StudyArea(units, st, roads=roads)).attachment
                       node  access_min
        settlement_id
        a                 0        0.78
        b                -1         inf
        """
        acc = self._access
        return pd.DataFrame({"node": acc.node, "access_min": acc.access_min}, index=self._ids)

    def node_strength(self) -> FloatArray:
        """Sum of the speeds of the roads at each settlement's node, km/h (0 if unattached).

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> net = TravelNetwork(example_area())  # three settlements, no roads
        >>> net.node_strength().tolist()
        [0.0, 0.0, 0.0]
        """
        return self._access.node_strength()

    def label(self, i: int) -> str:
        """``"id (name)"`` of the settlement at position ``i``, for messages.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import Point, box
        >>> units = gpd.GeoDataFrame({"id": ["A"]}, geometry=[box(0, 0, 9, 9)],
        ...                          crs="EPSG:32648")
        >>> st = gpd.GeoDataFrame({"id": ["a"], "name": ["甲村"]}, geometry=[Point(1, 1)],
        ...                       crs="EPSG:32648")
        >>> net = TravelNetwork(StudyArea(units, st))
        >>> net.label(0)
        'a (甲村)'
        """
        name = self._label[i] if self._label is not None else None
        return unit_label(str(self._ids[i]), name)

    def positions(self, ids: Sequence[object] | pd.Index | pd.Series) -> IntArray:
        """Positions of settlement ids, raising an InputError naming unknown ids.

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> net = TravelNetwork(example_area())  # three settlements, no roads
        >>> net.positions(["b1", "a1"]).tolist()
        [2, 0]
        """
        keys = pd.Index([str(v) for v in ids], dtype=object)
        pos = self._ids.get_indexer(keys)
        if (pos < 0).any():
            unknown = sorted(set(keys[pos < 0]))
            raise InputError(f"{len(unknown)} settlement id(s) are not in the study area: "
                             f"{format_ids(unknown)}.")
        return pos.astype(np.int64)
    def times(self, i: IntArray, j: IntArray) -> FloatArray:
        """Exact minutes between settlement positions ``i`` and ``j`` (no cut-off).

        Parameters
        ----------
        i, j : ndarray of int
            Positions in :attr:`settlement_ids`, of equal length.

        Returns
        -------
        ndarray of float

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> net = TravelNetwork(example_area())  # three settlements, no roads
        >>> net.times(np.array([0]), np.array([2])).round(2).tolist()
        [15.29]
        """
        return self._access.times(i, j)

    def by_road(self, i: IntArray, j: IntArray) -> BoolArray:
        """Whether the time between positions ``i`` and ``j`` is over the road network.

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> net = TravelNetwork(example_area())  # three settlements, no roads
        >>> net.by_road(np.array([0]), np.array([1])).tolist()
        [False]
        """
        return self._access.by_road(i, j)

    def between(self, origins: Sequence[object], destinations: Sequence[object]) -> pd.Series:
        """Exact minutes between pairs of settlements given by id (no cut-off).

        Parameters
        ----------
        origins, destinations : sequence of str
            Settlement ids, of equal length.

        Returns
        -------
        Series
            ``minutes``, indexed by (``origin``, ``destination``).

        Raises
        ------
        InputError
            For ids that are not settlements of the area.

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> net = TravelNetwork(example_area())  # three settlements, no roads
        >>> net.between(["a1"], ["b1"]).round(2)
        origin  destination
        a1      b1             15.29
        Name: minutes, dtype: float64
        """
        if len(origins) != len(destinations):
            raise InputError(f"origins and destinations differ in length: {len(origins)} "
                             f"vs {len(destinations)}.")
        i, j = self.positions(origins), self.positions(destinations)
        index = pd.MultiIndex.from_arrays([self._ids[i], self._ids[j]],
                                          names=["origin", "destination"])
        return pd.Series(self.times(i, j), index=index, name="minutes")


    def pair_blocks(
        self, cutoff_min: float | None = None,
    ) -> Iterator[tuple[IntArray, IntArray, FloatArray, BoolArray]]:
        """Directed settlement pairs within the cut-off, block by block (positions, minutes).

        Every ordered pair of distinct settlements with a travel time at most
        the cut-off appears in exactly one block. Each block is
        ``(origin, destination, minutes, by_road)``.

        Parameters
        ----------
        cutoff_min : float, optional
            Defaults to :attr:`TravelParams.cutoff_min`.

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> net = TravelNetwork(example_area())  # three settlements, no roads
        >>> sum(b[0].size for b in net.pair_blocks(5.0))
        0
        """
        cutoff = self._access.params.cutoff_min if cutoff_min is None else float(cutoff_min)
        yield from pair_blocks(self._access, cutoff)

    def pairs(
        self, cutoff_min: float | None = None,
    ) -> tuple[IntArray, IntArray, FloatArray, BoolArray]:
        """All directed pairs within the cut-off as arrays, sorted by origin then destination.

        Returns
        -------
        origin, destination : ndarray of int
            Positions in :attr:`settlement_ids`.
        minutes : ndarray of float
        by_road : ndarray of bool
            Whether the time is over the road network (else the fallback).

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> net = TravelNetwork(example_area())  # three settlements, no roads
        >>> o, d, t, r = net.pairs(15.0)
        >>> o.tolist(), d.tolist(), t.round(2).tolist()
        ([0, 1], [1, 0], [6.49, 6.49])
        """
        blocks = list(self.pair_blocks(cutoff_min))
        if not blocks:
            z = np.zeros(0, dtype=np.int64)
            return z, z, np.zeros(0), np.zeros(0, dtype=bool)
        o = np.concatenate([b[0] for b in blocks])
        d = np.concatenate([b[1] for b in blocks])
        t = np.concatenate([b[2] for b in blocks])
        r = np.concatenate([b[3] for b in blocks])
        order = np.lexsort((d, o))
        return o[order], d[order], t[order], r[order]

    def within_cutoff(self, cutoff_min: float | None = None) -> pd.DataFrame:
        """Every directed pair of settlements within the cut-off, with its travel time.

        Parameters
        ----------
        cutoff_min : float, optional
            Defaults to :attr:`TravelParams.cutoff_min`.

        Returns
        -------
        DataFrame
            ``origin``, ``destination`` (settlement ids), ``minutes``, ``by_road``.

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> net = TravelNetwork(example_area())  # three settlements, no roads
        >>> net.within_cutoff(15.0).round(2)
          origin destination  minutes  by_road
        0     a1          a2     6.49    False
        1     a2          a1     6.49    False
        """
        o, d, t, r = self.pairs(cutoff_min)
        return pd.DataFrame({
            "origin": self._ids[o].to_numpy(dtype=object),
            "destination": self._ids[d].to_numpy(dtype=object),
            "minutes": t,
            "by_road": r,
        })



def travel_times(area: StudyArea, params: TravelParams | None = None) -> pd.DataFrame:
    """Travel times between every pair of settlements within the cut-off.

    A shortcut for ``TravelNetwork(area, params).within_cutoff()``.

    Parameters
    ----------
    area : StudyArea
    params : TravelParams, optional

    Returns
    -------
    DataFrame
        ``origin``, ``destination``, ``minutes``, ``by_road``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point, box
    >>> units = gpd.GeoDataFrame({"id": ["A"], "terrain": ["mountain"]},
    ...     geometry=[box(0, 0, 9000, 9000)], crs="EPSG:32648")
    >>> st = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[Point(10, 10), Point(10, 3010)],
    ...                       crs="EPSG:32648")
    >>> travel_times(StudyArea(units, st))["minutes"].round(2).tolist()
    [12.0, 12.0]
    """
    return TravelNetwork(area, params).within_cutoff()
