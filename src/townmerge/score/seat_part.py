"""The seat part of the merger scorer: seats a plan names, and the seat columns it reports.

A plan may name the seat of a new unit; :class:`SeatPart` checks such seats (a
settlement, inside its group), turns them into settlement positions the seat
selector takes as given (:meth:`SeatPart.forced`) or lists what is wrong with
them (:meth:`SeatPart.faults`), and gives the seat columns of an explanation:
the seat's name and unit and whether the seat moved (驻地迁移: judged by
villages when a villages layer is given, else by former seats).

Examples
--------
>>> from townmerge.testing.examples import example_area
>>> part = SeatPart(UnitData(example_area()))
>>> pos, faults = part.faults(["b1", "zz"], np.array([0, 1, 2]), np.array([1, 0]))
>>> [en for _, en, _ in faults]
['seat zz is not a settlement']
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from ..errors import InputError, format_ids
from .batch import GroupBatch
from .seat_choice import village_of
from .seats import SeatArrays
from .unit_data import UnitData

__all__ = ["SeatPart"]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
ObjectArray = npt.NDArray[np.object_]


class SeatPart:
    """Seats given by a plan, and the seat columns of the scorer's explanations.

    Parameters
    ----------
    data : UnitData
        The scorer's unit arrays (with their seat selector, None without settlements).
    """

    def __init__(self, data: UnitData) -> None:
        self.data = data
        self.selector = data.selector

    def faults(self, seats: Sequence[str | None], ptr: IntArray, mem: IntArray,
               ) -> tuple[IntArray | None, list[tuple[int, str, str]]]:
        """Settlement positions of given seats (-1: to choose, or unusable) and the faults.

        Each fault is ``(group, English, Chinese)``: a seat that is not a
        settlement, or lies outside its group.
        """
        if all(s is None for s in seats):
            return None, []
        sel = self.selector
        if sel is None:
            return None, [(g, f"seat {s}: the study area has no settlements",
                           f"驻地 {s}：无聚落数据") for g, s in enumerate(seats) if s is not None]
        pos = sel.ids.get_indexer(pd.Index([str(s) for s in seats], dtype=object))
        pos = np.where([s is None for s in seats], -1, pos).astype(np.int64)
        faults = []
        for g, (s, p) in enumerate(zip(seats, pos, strict=True)):
            if s is None:
                continue
            if p < 0:
                faults.append((g, f"seat {s} is not a settlement", f"驻地 {s} 不是聚落"))
            elif sel.unit_of[p] not in mem[ptr[g]:ptr[g + 1]]:
                faults.append((g, f"seat {s} ({sel.names[p]}) lies outside it",
                               f"驻地{sel.names[p]}不在本单位内"))
                pos[g] = -1
        pos[pos < 0] = -1
        return pos, faults

    def forced(self, seats: Sequence[str | None], ptr: IntArray, mem: IntArray,
               labels: Sequence[str] | None = None) -> IntArray | None:
        """Settlement positions of given seats (-1: to choose); InputError for bad seats.

        One seat per group; ``labels`` name the groups in the error (default:
        their members).
        """
        if len(seats) != ptr.size - 1:
            raise InputError(f"{len(seats)} seats for {ptr.size - 1} groups; give one per "
                             "group (None to choose).")
        if all(s is None for s in seats):
            return None
        if self.selector is None:
            raise InputError("The plan names seats but the study area has no settlements; "
                             "seats are settlements.")
        pos, faults = self.faults(seats, ptr, mem)
        if labels is None:
            labels = ["+".join(self.data.label(int(u)) for u in mem[ptr[g]:ptr[g + 1]])
                      for g in range(ptr.size - 1)]
        problems = [f"{labels[g]}: {en}" for g, en, _ in faults]
        if problems:
            raise InputError(f"{len(problems)} new unit(s) name a seat that cannot be theirs: "
                             f"{format_ids(problems)}. A seat is a settlement inside its new "
                             "unit; fix the plan's seat column or leave it empty to choose.")
        return pos

    def columns(self, batch: GroupBatch, seats: SeatArrays | None,
                villages: gpd.GeoDataFrame | None = None,
                ) -> tuple[ObjectArray, ObjectArray, BoolArray]:
        """``seat_name``, ``seat_unit`` and ``seat_moved`` of every group of a batch."""
        b = batch
        seat_name = np.full(b.n, None, dtype=object)
        seat_unit = np.full(b.n, None, dtype=object)
        moved = np.zeros(b.n, dtype=bool)
        if self.selector is None or seats is None:
            return seat_name, seat_unit, moved
        sel = self.selector
        s = seats.seat
        has = s >= 0
        seat_name[has] = sel.names[s[has]]
        su = sel.unit_of[np.maximum(s, 0)]
        ok = has & (su >= 0)
        seat_unit[ok] = self.data.ids.to_numpy(dtype=object)[su[ok]]
        moved = has & ~b.seat_is_former
        if villages is not None and has.any():
            fs = sel.unit_seat[b.unit_pos]
            wanted = sorted({str(sel.ids[p]) for p in np.r_[s[has], fs[fs >= 0]]})
            vil = village_of(self.data.area, villages, wanted)
            for g in np.flatnonzero(has):
                former = [str(sel.ids[p]) for p in fs[b.ptr[g]:b.ptr[g + 1]] if p >= 0]
                sv = vil.get(str(sel.ids[s[g]]))
                fv = {vil.get(f) for f in former}
                if sv is not None and None not in fv:
                    moved[g] = sv not in fv
        return seat_name, seat_unit, moved
