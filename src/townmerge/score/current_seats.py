"""The current seat of every unit, and each settlement's standing among its county's seats.

A unit's current seat (现驻地) is its ``seat`` column, else its strongest
town-level settlement (town-level first, then centrality, then population):
:func:`current_seats`. A settlement's percentile of centrality among the
current seats of its county (:func:`seat_percentile`) is what the strong-core
criterion reads. Both are computed once per study area by the seat selector
(:class:`townmerge.score.seats.SeatSelector`).

Examples
--------
>>> units = pd.DataFrame({"name": ["甲", "乙"]}, index=["A", "B"])
>>> seat, guessed = current_seats(units, pd.Index(["a1", "a2", "b1"]), np.array([0, 1, 2]),
...                               np.array([0, 2, 3]), np.array([10.0, 50.0, 5.0]),
...                               np.array([0.2, 0.9, 0.1]), np.array([True, True, False]))
>>> seat.tolist(), guessed
([1, 2], ['A (甲)', 'B (乙)'])
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..data.check_settlements import unknown_seat_problems
from ..data.model import unit_label
from ..data.problems import ValidationReport

__all__ = ["current_seats", "seat_percentile"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def current_seats(units: pd.DataFrame, settlement_ids: pd.Index, u_order: IntArray,
                  u_ptr: IntArray, population: FloatArray, z: FloatArray,
                  town: BoolArray) -> tuple[IntArray, list[str]]:
    """The current seat of every unit: the ``seat`` column, else its strongest town node.

    Parameters
    ----------
    units : DataFrame
        The units (``name``; ``seat`` when given).
    settlement_ids : Index
        Settlement ids; positions refer to it.
    u_order, u_ptr : ndarray of int
        Settlement positions grouped by unit (CSR: unit ``u`` has
        ``u_order[u_ptr[u]:u_ptr[u + 1]]``).
    population, z : ndarray
        Population and composite centrality of every settlement.
    town : ndarray of bool
        Whether each settlement is town-level (镇级).

    Returns
    -------
    seat : ndarray of int
        Settlement position of each unit's seat (-1: the unit has no settlement).
    guessed : list of str
        ``"id (name)"`` of the units whose seat was guessed.

    Raises
    ------
    InputError
        When the ``seat`` column names settlements that do not exist.
    """
    nu = len(units)
    seat = np.full(nu, -1, dtype=np.int64)
    if "seat" in units.columns:
        ValidationReport(tuple(unknown_seat_problems(units, settlement_ids))).raise_if_errors()
        given = units["seat"].to_numpy(dtype=object)
        has = np.array([s is not None and s == s and str(s) != "" for s in given])
        keys = pd.Index([str(s) for s in given[has]], dtype=object)
        seat[has] = settlement_ids.get_indexer(keys)
    names = units["name"].to_numpy(dtype=object)
    guessed = []
    for u in np.flatnonzero(seat < 0):
        own = u_order[u_ptr[u]:u_ptr[u + 1]]
        if own.size == 0:
            continue
        key = np.lexsort((-population[own], -z[own], ~town[own]))
        seat[u] = own[key[0]]
        guessed.append(unit_label(str(units.index[u]), names[u]))
    return seat, guessed


def seat_percentile(units: pd.DataFrame, unit_of: IntArray, seat: IntArray,
                    z: FloatArray) -> FloatArray:
    """Percentile of each settlement's centrality among the current seats of its county.

    A settlement's county is that of its unit (a seat's: that of the unit it
    is the seat of); 1 where the county has at most one seat.

    Examples
    --------
    >>> units = pd.DataFrame({"parent": ["X", "X"]}, index=["A", "B"])
    >>> seat_percentile(units, np.array([0, 1, 1]), np.array([0, 1]),
    ...                 np.array([0.2, 0.9, 0.5])).tolist()
    [0.0, 1.0, 1.0]
    """
    n, nu = unit_of.size, len(units)
    parent = (units["parent"].astype(object).to_numpy() if "parent" in units.columns
              else np.zeros(nu, dtype=object))
    pcode = pd.factorize(pd.Series(parent).astype(str))[0]
    seat_parent = np.full(n, -1, dtype=np.int64)
    ok = unit_of >= 0
    seat_parent[ok] = pcode[unit_of[ok]]
    has_seat = seat >= 0
    seat_parent[seat[has_seat]] = pcode[has_seat]
    pct = np.full(n, np.nan)
    for p in np.unique(pcode):
        zs = np.sort(z[seat[has_seat & (pcode == p)]])
        mine = seat_parent == p
        if zs.size <= 1:
            pct[mine] = 1.0
        else:
            pct[mine] = np.clip(np.searchsorted(zs, z[mine], side="left")
                                / (zs.size - 1), 0.0, 1.0)
    return pct
