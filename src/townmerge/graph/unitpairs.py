"""Unit-level flows, one way: :func:`unit_flows`.

Flows between settlements (observed, or estimated by the gravity model where the
flow table is silent) summed per pair of units. One function answers every
question asked of them before in four ways:

- ``source="observed"``: only the study area's flow table (as given);
  ``source="all"`` (default): observed where observed, gravity estimates elsewhere
  (:class:`~townmerge.graph.flows.SettlementFlows`, built once per area and settings by
  :func:`~townmerge.graph.derived.derived`).
- ``directed=True`` (default): ``origin_unit``, ``destination_unit``, ``flow``, flows
  inside a unit included; ``directed=False``: the flow *exchanged* by two different
  units, both directions summed, ``unit_a < unit_b``.

Examples
--------
>>> from townmerge.testing.examples import example_area
>>> area = example_area()                     # a1, a2 in A; b1 in B
>>> unit_flows(area)
  origin_unit destination_unit  flow
0           A                A  80.0
1           A                B  40.0
2           B                A  10.0
>>> unit_flows(area, directed=False)
  unit_a unit_b  flow
0      A      B  50.0
"""

from __future__ import annotations

from typing import Literal

import pandas as pd

from ..config import Config
from ..data.columns import FLOW_TYPES
from ..data.model import StudyArea
from ..errors import ParameterError
from .derived import derived
from .observed import observed_unit_flows

__all__ = ["unit_flows"]

Source = Literal["all", "observed"]


def unit_flows(area: StudyArea, flow_type: str | None = None, *, source: Source = "all",
               directed: bool = True, config: Config | None = None) -> pd.DataFrame:
    """Flows summed per pair of units: observed, or observed with gravity estimates.

    Parameters
    ----------
    area : StudyArea
    flow_type : {"population", "traffic", "economic"}, optional
        Default: ``config.flow_type`` for ``source="all"``; the first flow type of the
        table for ``source="observed"`` (also when the one asked for is not in it).
    source : {"all", "observed"}, default "all"
        ``"all"``: observed flows where the table has them, gravity-model estimates
        elsewhere (they need settlements). ``"observed"``: only the flow table.
    directed : bool, default True
        ``True``: one row per ordered pair of units, flows inside a unit included.
        ``False``: one row per pair of different units, both directions summed.
    config : Config, optional
        Travel and gravity settings of the estimates (default ``Config()``).

    Returns
    -------
    pandas.DataFrame
        ``origin_unit``, ``destination_unit``, ``flow`` (directed) or ``unit_a``,
        ``unit_b``, ``flow`` with ``unit_a < unit_b`` (undirected); sorted; empty when
        there is nothing to sum.

    Raises
    ------
    ParameterError
        An unknown ``flow_type`` or ``source``.
    """
    cfg = config or Config()
    if flow_type is not None and flow_type not in FLOW_TYPES:
        raise ParameterError(f"flow_type must be one of {', '.join(FLOW_TYPES)}, "
                             f"not {flow_type!r}.")
    if source == "observed":
        table = observed_unit_flows(area, flow_type)
    elif source == "all":
        kind = flow_type or cfg.flow_type
        if area.settlements is None:
            table = observed_unit_flows(area, kind)
        else:
            pairs = derived(area, cfg).flows.unit_pairs()
            table = pairs[["origin_unit", "destination_unit"]].assign(
                flow=pairs[kind].astype(float))
    else:
        raise ParameterError(f"source must be 'all' or 'observed', not {source!r}.")
    table = table.sort_values(["origin_unit", "destination_unit"]).reset_index(drop=True)
    if directed:
        return table
    table = table[table["origin_unit"] != table["destination_unit"]]
    a = table[["origin_unit", "destination_unit"]].min(axis=1).rename("unit_a")
    b = table[["origin_unit", "destination_unit"]].max(axis=1).rename("unit_b")
    out = table["flow"].groupby([a, b]).sum().astype(float).reset_index()
    if out.empty:
        return pd.DataFrame({"unit_a": pd.Series(dtype=object), "unit_b": pd.Series(dtype=object),
                             "flow": pd.Series(dtype=float)})
    return out
