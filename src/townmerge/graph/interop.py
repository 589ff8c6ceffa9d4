"""The adjacency as a graph of other libraries: networkx (with flows) and libpysal.

:func:`to_networkx` gives every unit a node (islands too) with its name,
population and area, and every edge its border, kind and, when given, the flow
between the two units (both directions summed). :func:`to_libpysal` gives a
``libpysal.graph.Graph`` weighted by border length or 1 (libpysal is optional).

Examples
--------
>>> from townmerge.testing.grids import grid_units
>>> units = grid_units("AB")
>>> edges = pd.DataFrame({"unit_a": ["A"], "unit_b": ["B"], "border_m": [1000.0],
...                       "kind": ["shared"]})
>>> to_networkx(units, edges).number_of_edges()
1
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from ..errors import InputError
from .connectivity import Weight
from .unitgeoms import Units, edge_positions, unit_geoms, unit_ids, units_frame

if TYPE_CHECKING:
    import networkx as nx
    from libpysal.graph import Graph as LibpysalGraph

__all__ = ["to_libpysal", "to_networkx"]


def _pair_flows(unit_flows: pd.DataFrame | pd.Series) -> pd.Series:
    """Flows between two different units, both directions summed, keyed ``(a, b)``, a < b."""
    if isinstance(unit_flows, pd.Series):
        if unit_flows.index.nlevels != 2:
            raise InputError("unit_flows as a Series must be indexed by pairs of unit ids "
                             "(unit_a, unit_b); or give the table of "
                             "townmerge.graph.unitpairs.unit_flows(area, directed=False).")
        a = unit_flows.index.get_level_values(0)
        b = unit_flows.index.get_level_values(1)
        f = unit_flows.to_numpy(dtype=float)
    else:
        for cols in (("unit_a", "unit_b"), ("origin_unit", "destination_unit")):
            if set(cols) <= set(unit_flows.columns) and "flow" in unit_flows.columns:
                a, b = pd.Index(unit_flows[cols[0]]), pd.Index(unit_flows[cols[1]])
                f = unit_flows["flow"].to_numpy(dtype=float)
                break
        else:
            raise InputError("unit_flows needs the columns unit_a, unit_b, flow (or "
                             "origin_unit, destination_unit, flow as from "
                             "townmerge.graph.unitpairs.unit_flows); found: "
                             f"{', '.join(map(str, unit_flows.columns))}.")
    a_s, b_s = np.asarray(a.astype(str), dtype=object), np.asarray(b.astype(str), dtype=object)
    lo, hi = np.where(a_s < b_s, a_s, b_s), np.where(a_s < b_s, b_s, a_s)
    frame = pd.DataFrame({"a": lo, "b": hi, "flow": f})[lo != hi]
    return frame.groupby(["a", "b"])["flow"].sum()


def to_networkx(
    units: Units, edges: pd.DataFrame, *, unit_flows: pd.DataFrame | pd.Series | None = None,
) -> nx.Graph:
    """The adjacency as a networkx graph, with unit and border attributes.

    Parameters
    ----------
    units : StudyArea or GeoDataFrame
        Every unit becomes a node (islands too).
    edges : DataFrame
        Edge table from :func:`~townmerge.graph.adjacency.build_adjacency`.
    unit_flows : DataFrame or Series, optional
        Flows between units: a table ``unit_a, unit_b, flow`` (or
        ``origin_unit, destination_unit, flow``) or a Series indexed by unit
        pairs; both directions are summed onto the edges.

    Returns
    -------
    networkx.Graph
        Node attributes ``name``, ``population`` (NaN when unknown),
        ``area_km2``; edge attributes ``border_m``, ``kind``, ``virtual``,
        ``tolerant`` and, when flows are given, ``flow`` (0 for neighbours
        without flow; flows between non-neighbours are not added).

    Examples
    --------
    >>> from townmerge.graph.adjacency import build_adjacency
    >>> from townmerge.testing.grids import grid_units
    >>> units = grid_units("AB", population={"A": 900, "B": 100})
    >>> g = to_networkx(units, build_adjacency(units),
    ...                 unit_flows=pd.DataFrame({"unit_a": ["B"], "unit_b": ["A"], "flow": [5.0]}))
    >>> g.nodes["A"]
    {'name': 'A镇', 'population': 900.0, 'area_km2': 1.0}
    >>> g.edges["A", "B"]
    {'border_m': 1000.0, 'kind': 'shared', 'virtual': False, 'tolerant': False, 'flow': 5.0}
    """
    import networkx as nx

    gdf = units_frame(units, "to_networkx")
    ids = unit_ids(gdf)
    edge_positions(edges, ids)
    names = (gdf["name"].to_numpy(dtype=object) if "name" in gdf.columns
             else np.full(len(ids), None, dtype=object))
    pop = (pd.to_numeric(gdf["population"], errors="coerce").to_numpy(dtype=float)
           if "population" in gdf.columns else np.full(len(ids), np.nan))
    area = np.asarray(shapely.area(unit_geoms(gdf)), float) / 1e6
    g = nx.Graph()
    g.add_nodes_from(
        (u, {"name": nm, "population": float(p), "area_km2": float(ar)})
        for u, nm, p, ar in zip(ids, names, pop, area, strict=True))
    a = edges["unit_a"].astype(str).to_numpy(dtype=object)
    b = edges["unit_b"].astype(str).to_numpy(dtype=object)
    kind = edges["kind"].to_numpy(dtype=object)
    border = edges["border_m"].to_numpy(dtype=float)
    attrs = [{"border_m": float(w), "kind": k, "virtual": k == "virtual",
              "tolerant": k == "tolerant"} for w, k in zip(border, kind, strict=True)]
    if unit_flows is not None:
        flows = _pair_flows(unit_flows)
        lo, hi = np.where(a < b, a, b), np.where(a < b, b, a)
        values = flows.reindex(pd.MultiIndex.from_arrays([lo, hi])).fillna(0.0).to_numpy()
        for d, f in zip(attrs, values, strict=True):
            d["flow"] = float(f)
    g.add_edges_from(zip(a, b, attrs, strict=True))
    return g


def to_libpysal(
    edges: pd.DataFrame, ids: Sequence[str] | pd.Index, *, weight: Weight = "border",
) -> LibpysalGraph:
    """The adjacency as a ``libpysal.graph.Graph`` (needs libpysal installed).

    Parameters
    ----------
    edges : DataFrame
        Edge table from :func:`~townmerge.graph.adjacency.build_adjacency`.
    ids : sequence of str
        All unit ids (e.g. ``units.index``); units without an edge become
        libpysal isolates.
    weight : {"border", "binary"}, default "border"
        ``border``: shared border length in metres. libpysal treats a weight
        of 0 as no link, so virtual links and queen corner contacts
        (``border_m`` 0) then disappear: a warning says how many; use
        ``binary`` (1 for every edge) to keep them.

    Returns
    -------
    libpysal.graph.Graph

    Raises
    ------
    ImportError
        When libpysal is not installed.

    Examples
    --------
    >>> from townmerge.graph.adjacency import build_adjacency
    >>> from townmerge.testing.grids import grid_units
    >>> import pytest
    >>> _ = pytest.importorskip("libpysal")
    >>> units = grid_units("AB.C")
    >>> g = to_libpysal(build_adjacency(units), units.index)
    >>> g.cardinalities.tolist(), g.isolates.tolist()
    ([1, 1, 0], ['C'])
    """
    try:
        from libpysal.graph import Graph
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("to_libpysal needs libpysal: pip install 'libpysal>=4.10'. The edge "
                          "table and adjacency_matrix() work without it.") from exc
    index = [str(u) for u in ids]
    a, b = edge_positions(edges, index)
    w = (edges["border_m"].to_numpy(dtype=float) if weight == "border"
         else np.ones(len(edges)))
    if weight == "border" and (w <= 0).any():
        warnings.warn(f"{int((w <= 0).sum())} edge(s) have border_m 0 (virtual links or queen "
                      "corners) and are lost in a libpysal graph weighted by border length; "
                      "use weight='binary' to keep them.", UserWarning, stacklevel=2)
    ids_arr = np.asarray(index, dtype=object)
    linked = np.zeros(len(index), dtype=bool)
    linked[np.r_[a, b]] = True
    lonely = np.flatnonzero(~linked)
    focal = np.r_[ids_arr[a], ids_arr[b], ids_arr[lonely]]
    neighbor = np.r_[ids_arr[b], ids_arr[a], ids_arr[lonely]]
    weights = np.r_[w, w, np.zeros(len(lonely))]
    return Graph.from_arrays(focal, neighbor, weights)
