"""The figures of a batch of candidate groups, as a criterion function reads them.

:class:`GroupBatch` holds one entry per candidate group (population, area,
perimeter, seat, travel times, flows kept inside, thresholds …) and the
members of each group in CSR form, with small reductions over the members
(:meth:`GroupBatch.sum`, :meth:`GroupBatch.mean` …) for criteria of your own.
The merger scorer builds it (:mod:`townmerge.score.evaluation`); the criteria
(:mod:`townmerge.score.formulas`, :mod:`townmerge.score.criteria`) read it.

Examples
--------
>>> from townmerge.testing.examples import example_batch
>>> b = example_batch()
>>> b.members, b.k.tolist()
((('A',), ('A', 'B')), [1, 2])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..config import CriteriaSettings
from ..errors import InputError

__all__ = ["GroupBatch", "segment_reduce"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class GroupBatch:
    """The figures of a batch of candidate groups, one entry per group.

    Built by :class:`townmerge.score.scorer.MergerScorer`; a criterion function reads
    it and returns one value per group. Arrays are aligned with the groups;
    members of group ``g`` are ``unit_pos[ptr[g]:ptr[g + 1]]`` (positions in
    :attr:`unit_ids`). Figures that need data the area lacks are NaN.

    Attributes
    ----------
    unit_ids : Index
        Unit ids of the area; positions refer to it.
    units : DataFrame
        The area's units (index ``unit_id``), for criteria reading columns.
    ptr, unit_pos : ndarray of int
        Members of each group (CSR layout).
    population : ndarray
        Population of the union (NaN when a member has none).
    area_km2, perimeter_km : ndarray
        Area and perimeter of the union, from per-unit sums and the shared
        borders of the adjacency (no union geometry is built).
    polsby_popper, members_polsby_popper : ndarray
        ``4πA / perimeter²`` of the union, and the mean of its members'.
    p_min, p_max, t_good, t_max : ndarray
        Terrain thresholds of the union: population-weighted means of the
        members' (soft criteria).
    a_max_hard, t_max_hard : ndarray
        Area and travel-time limits of the most lenient member terrain (hard
        constraints H4, H5).
    seat : ndarray of object
        Settlement id of the chosen seat (None without settlements).
    seat_is_former : ndarray of bool
        Whether the seat already is the seat of a current unit.
    mean_minutes, max_minutes : ndarray
        Population-weighted mean and maximum travel time from the union's
        settlements to the seat.
    flow_kept : mapping of str to ndarray
        Per flow type: population-weighted mean over members of the share of
        each member's flow (inside itself included) that stays in the union.
    seat_percentile : ndarray
        Percentile of the seat's centrality among the seats of its county.
    seat_dominance : ndarray
        ``(Z_seat − Z_2nd) / Z_seat`` against the union's strongest other
        town-level node (1 when there is none), ≥ 0.
    former_seat_reach : ndarray
        Population-weighted mean over members of the reach of their former
        seat from the new seat (1 within ``t_good``, 0 beyond ``t_max``).
    county_median : ndarray
        Median population of the current units of the union's county.
    cohesion_share : ndarray
        Share of the union's population in its largest cohesion label.
    max_risk : ndarray
        Largest member risk in [0, 1].
    max_members : int
        ``Config.max_members``.
    settings : CriteriaSettings

    Examples
    --------
    >>> from townmerge.testing.examples import example_batch
    >>> b = example_batch()
    >>> b.members, b.k.tolist(), b.population.tolist(), b.seat.tolist()
    ((('A',), ('A', 'B')), [1, 2], [15000.0, 24000.0], ['a1', 'a1'])
    >>> b.max("risk").tolist(), b.min("risk").tolist(), b.mean("risk").round(4).tolist()
    ([0.1, 0.3], [0.1, 0.1], [0.1, 0.175])
    >>> b.unit_values("risk").tolist(), b.group_of.tolist(), b.n
    ([0.1, 0.1, 0.3], [0, 1, 1], 2)
    """

    unit_ids: pd.Index
    units: pd.DataFrame
    ptr: IntArray
    unit_pos: IntArray
    population: FloatArray
    area_km2: FloatArray
    perimeter_km: FloatArray
    polsby_popper: FloatArray
    members_polsby_popper: FloatArray
    p_min: FloatArray
    p_max: FloatArray
    t_good: FloatArray
    t_max: FloatArray
    a_max_hard: FloatArray
    t_max_hard: FloatArray
    seat: npt.NDArray[np.object_]
    seat_is_former: BoolArray
    mean_minutes: FloatArray
    max_minutes: FloatArray
    flow_kept: Mapping[str, FloatArray]
    seat_percentile: FloatArray
    seat_dominance: FloatArray
    former_seat_reach: FloatArray
    county_median: FloatArray
    cohesion_share: FloatArray
    max_risk: FloatArray
    max_members: int
    settings: CriteriaSettings = field(default_factory=CriteriaSettings)

    @property
    def n(self) -> int:
        """Number of groups."""
        return int(self.ptr.size - 1)

    @cached_property
    def k(self) -> IntArray:
        """Number of current units in each group."""
        out: IntArray = np.diff(self.ptr).astype(np.int64)
        return out

    @cached_property
    def group_of(self) -> IntArray:
        """Group of each entry of :attr:`unit_pos`."""
        out: IntArray = np.repeat(np.arange(self.n, dtype=np.int64), self.k)
        return out

    @cached_property
    def members(self) -> tuple[tuple[str, ...], ...]:
        """Member ids of each group."""
        ids = self.unit_ids.to_numpy(dtype=object)[self.unit_pos]
        return tuple(tuple(ids[s:e]) for s, e in zip(self.ptr[:-1], self.ptr[1:], strict=True))

    def unit_values(self, values: str | npt.ArrayLike) -> FloatArray:
        """Per-member values: a numeric unit column by name, or an array aligned with units.

        Raises
        ------
        InputError
            For a column the units do not have.
        """
        if isinstance(values, str):
            if values not in self.units.columns:
                raise InputError(f"The units have no column {values!r}; columns: "
                                 f"{[str(c) for c in self.units.columns if c != 'geometry']}.")
            arr = pd.to_numeric(self.units[values], errors="coerce").to_numpy(dtype=float)
        else:
            arr = np.asarray(values, dtype=float)
        out: FloatArray = arr[self.unit_pos]
        return out

    def sum(self, values: str | npt.ArrayLike) -> FloatArray:
        """Sum over each group's members of a unit column (or array aligned with units).

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> from townmerge.data.model import StudyArea
        >>> from townmerge.score.scorer import MergerScorer
        >>> s = MergerScorer(StudyArea(grid_units("AB", population={"A": 1, "B": 2})))
        >>> s.batch([["A", "B"], ["B"]]).sum("population").tolist()
        [3.0, 2.0]
        """
        return segment_reduce(np.add, self.unit_values(values), self.ptr)

    def max(self, values: str | npt.ArrayLike) -> FloatArray:
        """Largest member value of each group."""
        return segment_reduce(np.maximum, self.unit_values(values), self.ptr)

    def min(self, values: str | npt.ArrayLike) -> FloatArray:
        """Smallest member value of each group."""
        return segment_reduce(np.minimum, self.unit_values(values), self.ptr)

    def mean(self, values: str | npt.ArrayLike, *, weighted: bool = True) -> FloatArray:
        """Mean member value of each group, population-weighted by default."""
        v = self.unit_values(values)
        if weighted:
            w = self.unit_values(self.units["population"].to_numpy(dtype=float))
            w = np.where(np.isfinite(w), w, 0.0)
        else:
            w = np.ones_like(v)
        num = segment_reduce(np.add, np.where(np.isfinite(v), v * w, 0.0), self.ptr)
        den = segment_reduce(np.add, np.where(np.isfinite(v), w, 0.0), self.ptr)
        with np.errstate(invalid="ignore", divide="ignore"):
            out: FloatArray = np.where(den > 0, num / den, np.nan)
        return out



def segment_reduce(ufunc: np.ufunc, values: FloatArray, ptr: IntArray) -> FloatArray:
    """``ufunc.reduceat`` over the CSR segments ``ptr`` (no empty segments).

    Examples
    --------
    >>> segment_reduce(np.add, np.array([1.0, 2.0, 3.0]), np.array([0, 1, 3])).tolist()
    [1.0, 5.0]
    """
    if ptr.size <= 1:
        return np.zeros(0)
    out: FloatArray = ufunc.reduceat(values, ptr[:-1]).astype(float)
    return out

