"""Flows aggregated to units: unit pairs, membership 隶属度, potential and dominant direction.

Aggregating settlement flows to units conserves the total exactly: every
settlement flow lands in exactly one unit pair (:func:`aggregate_to_units`).
Per unit (:class:`UnitFlows`), the membership F(i→j) is the share of its
outflow to other units that goes to ``j``; the dominant direction is the unit
with the largest membership; the potential index 潜力指数 V_i = Σ_j I_ij sums
its settlements' flows; self-containment is the share that stays inside.

Examples
--------
>>> pairs = pd.DataFrame({"origin_unit": ["A", "A", "B"], "destination_unit": ["A", "B", "A"],
...                       "population": [2.0, 6.0, 1.0], "traffic": 0.0, "economic": 0.0})
>>> uf = UnitFlows(pairs, pd.Index(["A", "B"]))
>>> uf.summary("population")[["potential", "self_containment", "dominant"]]
         potential  self_containment dominant
unit_id
A              8.0              0.25        B
B              1.0              0.00        A
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..data.columns import FLOW_TYPES
from ..errors import InputError, format_ids
from .gravity import bincount, settlement_labels
from .observed import check_flow_type
from .roadgraph import FloatArray, IntArray

__all__ = ["UnitFlows", "aggregate_to_units"]


def aggregate_to_units(
    blocks: Iterable[tuple[npt.NDArray[np.integer], npt.NDArray[np.integer],
                           Mapping[str, FloatArray]]],
    unit_code: IntArray, unit_ids: pd.Index, settlements: pd.DataFrame,
) -> pd.DataFrame:
    """Flows of the three types summed per ordered pair of units, block by block.

    Parameters
    ----------
    blocks : iterable of (origin, destination, values)
        Settlement positions of a block of pairs and, per flow type, their flows.
    unit_code : ndarray of int
        Position in ``unit_ids`` of each settlement's unit (-1: in no unit).
    unit_ids : Index
    settlements : DataFrame
        Indexed by settlement id, with ``name`` where known (for messages).

    Returns
    -------
    DataFrame
        ``origin_unit``, ``destination_unit``, ``population``, ``traffic``,
        ``economic``, sorted by the pair.

    Raises
    ------
    InputError
        When a settlement carrying flow lies in no unit (naming it).

    Examples
    --------
    >>> st = pd.DataFrame({"name": ["甲", "乙"]}, index=["a", "b"])
    >>> vals = {"population": np.array([2.0, 1.0]), "traffic": np.zeros(2),
    ...         "economic": np.zeros(2)}
    >>> aggregate_to_units([(np.array([0, 1]), np.array([1, 0]), vals)], np.array([0, 1]),
    ...                    pd.Index(["A", "B"]), st)[["origin_unit", "population"]]
      origin_unit  population
    0           A         2.0
    1           B         1.0
    """
    code = unit_code
    nu = len(unit_ids)
    keys: list[IntArray] = []
    sums: dict[str, list[FloatArray]] = {t: [] for t in FLOW_TYPES}
    stray = np.zeros(len(settlements), dtype=bool)
    for o, d, vals in blocks:
        uo, ud = code[o], code[d]
        lost = (uo < 0) | (ud < 0)
        if lost.any():
            carries = lost & np.any([vals[t] != 0 for t in FLOW_TYPES], axis=0)
            stray[o[carries & (uo < 0)]] = True
            stray[d[carries & (ud < 0)]] = True
            continue
        uk, inv = np.unique(uo * nu + ud, return_inverse=True)
        keys.append(uk)
        for t in FLOW_TYPES:
            sums[t].append(bincount(inv, vals[t], uk.size))
    if stray.any():
        raise InputError(
            f"{int(stray.sum())} settlement(s) with flows lie in no unit, so their flows "
            f"cannot be aggregated to units: "
            f"{format_ids(settlement_labels(settlements, stray))}. Give their unit "
            "(settlement_unit=...) or move their points inside a unit.")
    if keys:
        uk, inv = np.unique(np.concatenate(keys), return_inverse=True)
        totals = {t: bincount(inv, np.concatenate(sums[t]), uk.size) for t in FLOW_TYPES}
    else:
        uk = np.zeros(0, dtype=np.int64)
        totals = {t: np.zeros(0) for t in FLOW_TYPES}
    frame = pd.DataFrame({
        "origin_unit": unit_ids[uk // nu].to_numpy(dtype=object),
        "destination_unit": unit_ids[uk % nu].to_numpy(dtype=object),
        **totals,
    })
    return frame.sort_values(["origin_unit", "destination_unit"], ignore_index=True)


@dataclass(frozen=True, eq=False)
class UnitFlows:
    """Flows per ordered pair of units, and what they say about each unit.

    Attributes
    ----------
    pairs : DataFrame
        ``origin_unit``, ``destination_unit``, ``population``, ``traffic``,
        ``economic`` (flows inside a unit included), as from
        :func:`aggregate_to_units`.
    unit_ids : Index
        Every unit of the area.

    Examples
    --------
    >>> pairs = pd.DataFrame({"origin_unit": ["A"], "destination_unit": ["B"],
    ...                       "population": [2.0], "traffic": 0.0, "economic": 0.0})
    >>> UnitFlows(pairs, pd.Index(["A", "B"])).matrix("population")
      origin_unit destination_unit  flow
    0           A                B   2.0
    """

    pairs: pd.DataFrame
    unit_ids: pd.Index

    def matrix(self, flow_type: str) -> pd.DataFrame:
        """``origin_unit``, ``destination_unit``, ``flow`` of one flow type.

        Examples
        --------
        >>> pairs = pd.DataFrame({"origin_unit": ["A"], "destination_unit": ["B"],
        ...                       "population": [2.0], "traffic": 1.0, "economic": 0.0})
        >>> UnitFlows(pairs, pd.Index(["A", "B"])).matrix("traffic")["flow"].tolist()
        [1.0]
        """
        check_flow_type(flow_type)
        up = self.pairs
        return up[["origin_unit", "destination_unit", flow_type]].rename(
            columns={flow_type: "flow"})

    def membership(self, flow_type: str) -> pd.DataFrame:
        """Membership 隶属度 F(i→j): the share of unit i's outflow to other units going to j.

        Rows of a unit with outflow sum to 1; flows inside a unit are left out.

        Returns
        -------
        DataFrame
            ``origin_unit``, ``destination_unit``, ``membership``.

        Examples
        --------
        >>> pairs = pd.DataFrame({"origin_unit": ["A", "A", "A"],
        ...     "destination_unit": ["A", "B", "C"], "population": [5.0, 1.0, 3.0],
        ...     "traffic": 0.0, "economic": 0.0})
        >>> uf = UnitFlows(pairs, pd.Index(["A", "B", "C"]))
        >>> uf.membership("population")
          origin_unit destination_unit  membership
        0           A                B        0.25
        1           A                C        0.75
        """
        m = self.matrix(flow_type)
        m = m[m["origin_unit"] != m["destination_unit"]]
        out_total = m.groupby("origin_unit")["flow"].transform("sum")
        m = m.assign(membership=m["flow"] / out_total)[out_total > 0]
        return m[["origin_unit", "destination_unit", "membership"]].reset_index(drop=True)

    def summary(self, flow_type: str, adjacency: pd.DataFrame | None = None,
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
            Indexed by ``unit_id`` (every unit of the area):

            - ``potential``: V_i, the flow leaving the unit's settlements,
              inside the unit included;
            - ``internal``: flow between settlements of the unit;
            - ``outflow`` / ``inflow``: flow to / from other units;
            - ``self_containment``: ``internal / potential`` in [0, 1] (NaN
              without flow);
            - ``dominant``: the unit with the largest membership (ties: the
              smallest id; None without outflow);
            - ``dominant_membership``: its membership F(i→dominant).

        Examples
        --------
        >>> pairs = pd.DataFrame({"origin_unit": ["A", "A", "A"],
        ...     "destination_unit": ["A", "B", "C"], "population": [5.0, 1.0, 3.0],
        ...     "traffic": 0.0, "economic": 0.0})
        >>> uf = UnitFlows(pairs, pd.Index(["A", "B", "C"]))
        >>> uf.summary("population")[["potential", "self_containment", "dominant"]]
                 potential  self_containment dominant
        unit_id
        A              9.0          0.555556        C
        B              0.0               NaN     None
        C              0.0               NaN     None
        >>> adj = pd.DataFrame({"unit_a": ["A", "B"], "unit_b": ["B", "C"]})
        >>> uf.summary("population", adjacency=adj).loc["A", "dominant"]
        'B'
        """
        m = self.matrix(flow_type)
        idx = pd.Index(self.unit_ids, name="unit_id")
        same = m["origin_unit"] == m["destination_unit"]
        potential = m.groupby("origin_unit")["flow"].sum().reindex(idx, fill_value=0.0)
        internal = m[same].groupby("origin_unit")["flow"].sum().reindex(idx, fill_value=0.0)
        ext = m[~same]
        inflow = ext.groupby("destination_unit")["flow"].sum().reindex(idx, fill_value=0.0)
        outflow = potential - internal
        cand = ext[ext["flow"] > 0]
        if adjacency is not None:
            missing = [c for c in ("unit_a", "unit_b") if c not in adjacency.columns]
            if missing:
                raise InputError(f"The adjacency table has no column(s) {missing}; give the "
                                 "edge table of townmerge.build_adjacency.")
            a = adjacency["unit_a"].astype(str)
            b = adjacency["unit_b"].astype(str)
            allowed = set(zip(a, b, strict=True)) | set(zip(b, a, strict=True))
            pairs = zip(cand["origin_unit"], cand["destination_unit"], strict=True)
            cand = cand[[p in allowed for p in pairs]]
        cand = cand.sort_values(["origin_unit", "flow", "destination_unit"],
                                ascending=[True, False, True])
        top = cand.drop_duplicates("origin_unit").set_index("origin_unit")
        dominant = top["destination_unit"].reindex(idx).astype(object)
        dominant = dominant.where(dominant.notna(), None)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = (top["flow"].reindex(idx) / outflow).where(outflow > 0)
            contained = (internal / potential).where(potential > 0)
        return pd.DataFrame({
            "potential": potential.astype(float),
            "internal": internal.astype(float),
            "outflow": outflow.astype(float),
            "inflow": inflow.astype(float),
            "self_containment": contained.astype(float),
            "dominant": dominant,
            "dominant_membership": share.astype(float),
        }, index=idx)

    def dominant_directions(self, adjacency: pd.DataFrame | None = None) -> pd.DataFrame:
        """The unit each unit gravitates to most, for each flow type.

        Parameters
        ----------
        adjacency : DataFrame, optional
            Restrict to neighbours (see :meth:`summary`).

        Returns
        -------
        DataFrame
            One column per flow type, indexed by ``unit_id``.

        Examples
        --------
        >>> pairs = pd.DataFrame({"origin_unit": ["A", "A", "A"],
        ...     "destination_unit": ["A", "B", "C"], "population": [5.0, 1.0, 3.0],
        ...     "traffic": 0.0, "economic": 0.0})
        >>> uf = UnitFlows(pairs, pd.Index(["A", "B", "C"]))
        >>> uf.dominant_directions()
                population traffic economic
        unit_id
        A                C    None     None
        B             None    None     None
        C             None    None     None
        """
        return pd.DataFrame({t: self.summary(t, adjacency)["dominant"]
                             for t in FLOW_TYPES})
