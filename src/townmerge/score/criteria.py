r"""Soft criteria of a candidate merger: one small function each, in a registry.

A criterion maps a :class:`GroupBatch` (the figures of many candidate groups at
once: population, area, seat, travel times, flows kept inside …) to one value
per group in [0, 1], higher meaning a better merger, or NaN where it has no
data. The weighted total of a group is

.. math:: \text{total} = \frac{\sum_k w_k S_k}{\sum_k w_k}

over the criteria with a value for that group (a criterion without data is
left out and the others renormalised; the output says which).

The built-in criteria follow domain notes §5.3; each docstring gives its
formula. They live in a :class:`CriterionRegistry` built by
:func:`default_criteria`; a registry is immutable, so adding a criterion of
your own gives a new registry, passed to :func:`townmerge.score_mergers` or
:class:`townmerge.score.scorer.MergerScorer` (``criteria=``). Its column then appears
in every output and counts in the total.

Examples
--------
>>> import numpy as np
>>> reg = default_criteria()
>>> reg.names[:4]
('population_flow', 'traffic_flow', 'economic_flow', 'scale')
>>> def small_is_good(batch):
...     '''1 for groups of two units, 0.5 otherwise.'''
...     return np.where(batch.k == 2, 1.0, 0.5)
>>> reg2 = reg.with_criterion("pairs", small_is_good, weight=0.1, label_zh="两两合并")
>>> "pairs" in reg2, "pairs" in reg
(True, False)
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..config import BUILTIN_CRITERIA, CriteriaSettings, Weights
from ..errors import InputError

__all__ = [
    "RESERVED_COLUMNS",
    "Criterion",
    "CriterionRegistry",
    "GroupBatch",
    "access",
    "balance",
    "centrality_index",
    "cohesion",
    "compactness",
    "continuity",
    "core",
    "default_criteria",
    "economic_flow",
    "efficiency",
    "entropy_weights",
    "population_flow",
    "risk",
    "scale",
    "traffic_flow",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Output columns a user criterion may not be named after.
RESERVED_COLUMNS = frozenset({
    "members", "member_names", "units", "n_members", "n_units", "trigger", "seat", "seat_name",
    "seat_unit", "seat_moved", "population", "area_km2", "mean_minutes", "max_minutes",
    "total", "feasible", "binding", "binding_detail", "binding_detail_zh", "band", "band_zh",
    "missing", "reason_zh", "reason_en", "new_unit",
})

#: Tolerance on the [0, 1] range of criterion values (rounding of sums).
_RANGE_TOL = 1e-9


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
        return _reduce(np.add, self.unit_values(values), self.ptr)

    def max(self, values: str | npt.ArrayLike) -> FloatArray:
        """Largest member value of each group."""
        return _reduce(np.maximum, self.unit_values(values), self.ptr)

    def min(self, values: str | npt.ArrayLike) -> FloatArray:
        """Smallest member value of each group."""
        return _reduce(np.minimum, self.unit_values(values), self.ptr)

    def mean(self, values: str | npt.ArrayLike, *, weighted: bool = True) -> FloatArray:
        """Mean member value of each group, population-weighted by default."""
        v = self.unit_values(values)
        if weighted:
            w = self.unit_values(self.units["population"].to_numpy(dtype=float))
            w = np.where(np.isfinite(w), w, 0.0)
        else:
            w = np.ones_like(v)
        num = _reduce(np.add, np.where(np.isfinite(v), v * w, 0.0), self.ptr)
        den = _reduce(np.add, np.where(np.isfinite(v), w, 0.0), self.ptr)
        with np.errstate(invalid="ignore", divide="ignore"):
            out: FloatArray = np.where(den > 0, num / den, np.nan)
        return out


def _reduce(ufunc: np.ufunc, values: FloatArray, ptr: IntArray) -> FloatArray:
    """``ufunc.reduceat`` over the CSR segments (no empty segments)."""
    if ptr.size <= 1:
        return np.zeros(0)
    out: FloatArray = ufunc.reduceat(values, ptr[:-1]).astype(float)
    return out


# -- the built-in criteria --------------------------------------------------------------------
def population_flow(batch: GroupBatch) -> FloatArray:
    r"""顺应人口流向: population flow kept inside the union.

    .. math:: S = \sum_{i \in C} P_i \frac{F_i(C)}{F_i} \Big/ \sum_{i \in C} P_i

    where :math:`F_i` is the population flow leaving member *i*'s settlements
    (to its own settlements included) and :math:`F_i(C)` the part of it that
    ends inside the union *C*; members without flow are left out. A unit that
    stays as it is scores its self-containment; merging units that exchange
    flow raises it. Observed flows, or the gravity model where none are
    given (:mod:`townmerge.graph.flows`).

    Examples
    --------
    >>> from townmerge.testing.examples import example_batch
    >>> population_flow(example_batch()).round(3).tolist()  # A alone: 80 of its 120 stay
    [0.667, 1.0]
    """
    return batch.flow_kept["population"]


def traffic_flow(batch: GroupBatch) -> FloatArray:
    r"""顺应交通流向: traffic flow kept inside the union.

    Same formula as :func:`population_flow` on traffic (vehicle) flows:
    :math:`S = \sum_i P_i F_i(C)/F_i / \sum_i P_i`.

    Examples
    --------
    >>> from townmerge.testing.examples import example_batch
    >>> traffic_flow(example_batch()).round(3).tolist()  # no traffic counts: gravity model
    [0.828, 1.0]
    """
    return batch.flow_kept["traffic"]


def economic_flow(batch: GroupBatch) -> FloatArray:
    r"""顺应经济流向: economic flow kept inside the union.

    Same formula as :func:`population_flow` on economic flows (gravity
    fallback with mass :math:`\sqrt{P \cdot G}`): :math:`S = \sum_i P_i
    F_i(C)/F_i / \sum_i P_i`.

    Examples
    --------
    >>> from townmerge.testing.examples import example_batch
    >>> economic_flow(example_batch()).round(3).tolist()
    [0.785, 1.0]
    """
    return batch.flow_kept["economic"]


def scale(batch: GroupBatch) -> FloatArray:
    r"""规模适度: trapezoid of the union's population P against its terrain.

    0 at :math:`P \le 0.5 P_{min}`, rising linearly to 1 at :math:`P_{min}`,
    1 up to :math:`P_{max}`, falling linearly to 0 at :math:`1.5 P_{max}`
    (the 0.5 and 1.5 are :class:`townmerge.config.CriteriaSettings`).
    :math:`P_{min}, P_{max}` are the population-weighted means of the
    members' terrain thresholds.

    Examples
    --------
    >>> from townmerge.testing.examples import example_batch
    >>> scale(example_batch()).tolist()  # 15,000 and 24,000 against the hill floor 20,000
    [0.5, 1.0]
    """
    s = batch.settings
    p, lo, hi = batch.population, batch.p_min, batch.p_max
    with np.errstate(invalid="ignore", divide="ignore"):
        rise = (p - s.scale_zero_below * lo) / ((1 - s.scale_zero_below) * lo)
        fall = (s.scale_zero_above * hi - p) / ((s.scale_zero_above - 1) * hi)
    out: FloatArray = np.clip(np.minimum(rise, fall), 0.0, 1.0)
    return out


def access(batch: GroupBatch) -> FloatArray:
    r"""便于服务: population-weighted mean travel time :math:`\bar T` to the seat.

    .. math:: S = 1 - \mathrm{clip}\left(\frac{\bar T - T_{good}}{T_{max} - T_{good}}, 0, 1\right)

    1 when the average resident is within :math:`T_{good}` of the seat, 0 at
    :math:`T_{max}` (population-weighted terrain thresholds). Needs
    settlements.

    Examples
    --------
    >>> from townmerge.testing.examples import example_batch
    >>> access(example_batch()).tolist()
    [1.0, 1.0]
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        x = (batch.mean_minutes - batch.t_good) / (batch.t_max - batch.t_good)
    out: FloatArray = 1.0 - np.clip(x, 0.0, 1.0)
    return out


def core(batch: GroupBatch) -> FloatArray:
    r"""做强中心: the seat is strong in its county and dominant in the union.

    .. math:: S = \mathrm{pct}(Z_s) \cdot \max\left(0, \frac{Z_s - Z_{2nd}}{Z_s}\right)

    :math:`\mathrm{pct}` is the percentile of the seat's centrality among the
    seats of the county's current units (1 for the strongest), :math:`Z_{2nd}`
    the strongest other town-level node of the union (the other former seats;
    none: dominance 1). Two rival towns of equal weight score 0; a strong town
    absorbing weak townships scores high. Needs settlements.

    Examples
    --------
    >>> from townmerge.testing.examples import example_batch
    >>> core(example_batch()).round(3).tolist()  # alone, A has no rival town: 1
    [1.0, 0.83]
    """
    out: FloatArray = batch.seat_percentile * np.clip(batch.seat_dominance, 0.0, 1.0)
    return out


def compactness(batch: GroupBatch) -> FloatArray:
    r"""Compactness: Polsby–Popper of the union against the mean of its members.

    .. math:: S = \min\left(1, \frac{PP(C)}{\overline{PP}(u_i)}\right),
       \quad PP = \frac{4 \pi A}{L^2}

    with the union's perimeter :math:`L = \sum_i L_i - 2 \cdot` (border shared
    inside). A union as compact as its members scores 1; a long chain less.

    Examples
    --------
    >>> from townmerge.testing.examples import example_batch
    >>> compactness(example_batch()).round(3).tolist()  # two squares make a 2 × 1 rectangle
    [1.0, 0.889]
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = batch.polsby_popper / batch.members_polsby_popper
    out: FloatArray = np.clip(ratio, 0.0, 1.0)
    return out


def cohesion(batch: GroupBatch) -> FloatArray:
    r"""人文历史: share of the union's population in its largest cohesion label.

    :math:`S = \max_\ell \sum_{i: \ell_i = \ell} P_i / \sum_i P_i`, from the
    unit column ``CriteriaSettings.cohesion_column`` (watershed, road
    corridor, dialect, past co-administration). 1 when every member shares
    the label. No column: no data.

    Examples
    --------
    >>> from townmerge.testing.examples import example_batch
    >>> cohesion(example_batch()).tolist()  # A "east", B "west"
    [1.0, 0.625]
    """
    return batch.cohesion_share


def efficiency(batch: GroupBatch) -> FloatArray:
    r"""减量: units saved, :math:`S = (k - 1) / (k_{max} - 1)`, clipped to [0, 1].

    ``k`` is the number of current units merged, :math:`k_{max}` the
    ``Config.max_members``; a unit that stays as it is scores 0.

    Examples
    --------
    >>> from townmerge.testing.examples import example_batch
    >>> efficiency(example_batch()).round(3).tolist()
    [0.0, 0.333]
    """
    kmax = batch.max_members
    if kmax <= 1:
        return np.zeros(batch.n)
    out: FloatArray = np.clip((batch.k - 1) / (kmax - 1), 0.0, 1.0)
    return out


def balance(batch: GroupBatch) -> FloatArray:
    r"""County balance: the union should not dwarf the county's other units.

    .. math:: S = 1 - \mathrm{clip}\left(\frac{P / \tilde P - a}{b - a}, 0, 1\right)

    with :math:`\tilde P` the median population of the county's current units,
    ``a = 3`` and ``b = 6`` (``CriteriaSettings.balance_free_multiple``,
    ``balance_zero_multiple``): no penalty up to 3× the median, 0 at 6×.

    Examples
    --------
    >>> from townmerge.testing.examples import example_batch
    >>> balance(example_batch()).tolist()
    [1.0, 1.0]
    """
    s = batch.settings
    with np.errstate(invalid="ignore", divide="ignore"):
        r = batch.population / batch.county_median
        x = (r - s.balance_free_multiple) / (s.balance_zero_multiple - s.balance_free_multiple)
    out: FloatArray = 1.0 - np.clip(x, 0.0, 1.0)
    return out


def continuity(batch: GroupBatch) -> FloatArray:
    r"""点位不变: the members' former seats stay within reach of the new seat.

    .. math:: S = \sum_i P_i \left[1 - \mathrm{clip}\left(\frac{t_i - T_{good}}
       {T_{max} - T_{good}}, 0, 1\right)\right] \Big/ \sum_i P_i

    with :math:`t_i` the travel time from member *i*'s former seat to the new
    seat (0 for the member keeping its seat): the services left at a former
    seat (便民服务站) stay tied to the new seat. Needs settlements.

    Examples
    --------
    >>> from townmerge.testing.examples import example_batch
    >>> continuity(example_batch()).tolist()
    [1.0, 1.0]
    """
    return batch.former_seat_reach


def risk(batch: GroupBatch) -> FloatArray:
    r"""风险 (inverted): :math:`S = 1 - \max_i r_i`.

    :math:`r_i \in [0, 1]` is the unit column ``CriteriaSettings.risk_column``
    (disputes, ethnic mix, contested border villages): the riskiest member
    sets the risk of the merger. No column: no data.

    Examples
    --------
    >>> from townmerge.testing.examples import example_batch
    >>> risk(example_batch()).tolist()  # risks 0.1 and 0.3
    [0.9, 0.7]
    """
    out: FloatArray = 1.0 - batch.max_risk
    return out


# -- registry ---------------------------------------------------------------------------------
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Criterion:
    """One soft criterion: a name, a function of a :class:`GroupBatch`, a default weight.

    Attributes
    ----------
    name : str
        Column name in every output (a Python identifier).
    func : callable
        ``func(batch) -> array`` of one value per group in [0, 1] (NaN: no
        data); a scalar is broadcast. Its docstring gives the formula.
    weight : float
        Weight used when the config's :class:`~townmerge.config.Weights` has
        none for this name.
    label_zh, label_en : str
        Labels for reports.

    Examples
    --------
    >>> c = Criterion("flat", lambda b: 0.5, 0.1, "平", "flat")
    >>> c.name, c.weight
    ('flat', 0.1)
    """

    name: str
    func: Callable[[GroupBatch], npt.ArrayLike]
    weight: float = 0.05
    label_zh: str = ""
    label_en: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise InputError(f"A criterion name must be a Python identifier, got {self.name!r}.")
        if self.name in RESERVED_COLUMNS:
            raise InputError(f"The criterion name {self.name!r} is an output column; choose "
                             f"another name (reserved: {sorted(RESERVED_COLUMNS)}).")
        if not callable(self.func):
            raise InputError(f"Criterion {self.name!r}: func must be callable.")
        if not (self.weight >= 0 and math.isfinite(self.weight)):
            raise InputError(f"Criterion {self.name!r}: weight must be finite and non-negative, "
                             f"got {self.weight!r}.")
        if not self.label_en:
            object.__setattr__(self, "label_en", self.name.replace("_", " "))
        if not self.label_zh:
            object.__setattr__(self, "label_zh", self.label_en)

    @property
    def formula(self) -> str:
        """The docstring of the function (its formula), or an empty string."""
        return (self.func.__doc__ or "").strip()

    def evaluate(self, batch: GroupBatch) -> FloatArray:
        """Values of every group, checked to lie in [0, 1] (or NaN).

        Examples
        --------
        >>> from townmerge.testing.examples import example_batch
        >>> Criterion("half", lambda b: 0.5).evaluate(example_batch()).tolist()
        [0.5, 0.5]
        >>> Criterion("half", lambda b: 0.5).formula
        ''

        Raises
        ------
        InputError
            When the function returns the wrong length or values outside
            [0, 1], naming the criterion and the groups.
        """
        raw = np.asarray(self.func(batch), dtype=float)
        if raw.ndim == 0:
            raw = np.full(batch.n, float(raw))
        if raw.shape != (batch.n,):
            raise InputError(f"Criterion {self.name!r} returned shape {raw.shape}; expected one "
                             f"value per group ({batch.n},).")
        bad = np.isfinite(raw) & ((raw < -_RANGE_TOL) | (raw > 1 + _RANGE_TOL))
        bad |= np.isinf(raw)
        if bad.any():
            shown = ["+".join(batch.members[g]) + f" = {raw[g]:.4g}"
                     for g in np.flatnonzero(bad)[:5]]
            raise InputError(f"Criterion {self.name!r} returned {int(bad.sum())} value(s) "
                             f"outside [0, 1]: {'; '.join(shown)}. Criteria must return values "
                             "in [0, 1] (NaN for no data).")
        out: FloatArray = np.clip(raw, 0.0, 1.0)
        return out


class CriterionRegistry:
    """An immutable, ordered set of criteria; adding one returns a new registry.

    Parameters
    ----------
    criteria : iterable of Criterion

    Raises
    ------
    InputError
        When two criteria share a name.

    Examples
    --------
    >>> reg = CriterionRegistry([Criterion("a", lambda b: 1.0, 0.5)])
    >>> reg.with_criterion("b", lambda b: 0.0, weight=0.5).names
    ('a', 'b')
    >>> reg.without("a").names
    ()
    """

    __slots__ = ("_items",)
    _items: tuple[Criterion, ...]

    def __init__(self, criteria: Iterable[Criterion] = ()) -> None:
        items = tuple(criteria)
        names = [c.name for c in items]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise InputError(f"Criteria registered twice: {twice}.")
        object.__setattr__(self, "_items", items)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("A CriterionRegistry is immutable; with_criterion() returns a "
                             "new one.")

    def __reduce__(self) -> tuple[type[CriterionRegistry], tuple[tuple[Criterion, ...]]]:
        """Pickle as its criteria (a scorer goes to worker processes)."""
        return (CriterionRegistry, (self._items,))

    @property
    def names(self) -> tuple[str, ...]:
        """Criterion names, in output order."""
        return tuple(c.name for c in self._items)

    def __iter__(self) -> Iterator[Criterion]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __getitem__(self, name: str) -> Criterion:
        for c in self._items:
            if c.name == name:
                return c
        raise KeyError(f"No criterion {name!r}; registered: {list(self.names)}.")

    def __repr__(self) -> str:
        return f"<CriterionRegistry: {', '.join(self.names)}>"

    def with_criterion(
        self,
        criterion: Criterion | str,
        func: Callable[[GroupBatch], npt.ArrayLike] | None = None,
        *,
        weight: float = 0.05,
        label_zh: str = "",
        label_en: str = "",
        replace: bool = False,
    ) -> CriterionRegistry:
        """A new registry with one more criterion (a :class:`Criterion`, or name and function).

        Parameters
        ----------
        criterion : Criterion or str
            The criterion, or its name (then give ``func``).
        func : callable, optional
            ``func(batch) -> values in [0, 1]``.
        weight : float, default 0.05
            Default weight (``Config.weights`` may override it by name).
        label_zh, label_en : str, optional
        replace : bool, default False
            Replace a criterion of the same name instead of raising.

        Raises
        ------
        InputError
            When the name is taken (and ``replace`` is false) or invalid.

        Examples
        --------
        >>> reg = default_criteria().with_criterion("roads", lambda b: 1.0, weight=0.1)
        >>> reg.names[-1], reg.weights()["roads"]
        ('roads', 0.1)
        """
        if isinstance(criterion, Criterion):
            new = criterion
        else:
            if func is None:
                raise InputError(f"with_criterion({criterion!r}, func): give the function.")
            new = Criterion(criterion, func, weight, label_zh, label_en)
        if new.name in self.names:
            if not replace:
                raise InputError(f"A criterion named {new.name!r} is already registered; pass "
                                 "replace=True to replace it.")
            return CriterionRegistry(new if c.name == new.name else c for c in self._items)
        return CriterionRegistry((*self._items, new))

    def without(self, name: str) -> CriterionRegistry:
        """A new registry without criterion ``name``.

        Examples
        --------
        >>> "risk" in default_criteria().without("risk")
        False
        """
        self[name]
        return CriterionRegistry(c for c in self._items if c.name != name)

    def weights(self, config_weights: Weights | None = None) -> dict[str, float]:
        """Weight of every criterion: the config's where it has one, else the registered one.

        Raises
        ------
        InputError
            When the config weights name a criterion that is not registered
            (a typo would otherwise be ignored silently).

        Examples
        --------
        >>> default_criteria().weights(Weights(access=0.3))["access"]
        0.3
        """
        cw = config_weights or Weights()
        unknown = sorted(name for name, _ in cw.extra if name not in self.names)
        if unknown:
            raise InputError(f"Weights are given for criteria that are not registered: "
                             f"{unknown}; registered: {list(self.names)}.")
        out: dict[str, float] = {}
        for c in self._items:
            w = cw.get(c.name)
            out[c.name] = float(c.weight if w is None else w)
        if sum(out.values()) <= 0:
            raise InputError("The criterion weights sum to 0; give at least one positive weight.")
        return out

    def describe(self, config_weights: Weights | None = None) -> pd.DataFrame:
        """One row per criterion: weight, labels and formula.

        Examples
        --------
        >>> d = default_criteria().describe()
        >>> float(d.loc["scale", "weight"]), d.loc["scale", "label_zh"]
        (0.15, '规模适度')
        """
        w = self.weights(config_weights)
        return pd.DataFrame(
            {"weight": [w[c.name] for c in self._items],
             "label_zh": [c.label_zh for c in self._items],
             "label_en": [c.label_en for c in self._items],
             "formula": [c.formula.split("\n\n")[0].replace("\n", " ") for c in self._items]},
            index=pd.Index(self.names, name="criterion"))


def default_criteria() -> CriterionRegistry:
    """The built-in criteria of domain notes §5.3, with the default weights of :class:`Weights`.

    Returns
    -------
    CriterionRegistry
        A new registry each call (add your own with
        :meth:`CriterionRegistry.with_criterion`).

    Examples
    --------
    >>> len(default_criteria()), round(sum(default_criteria().weights().values()), 10)
    (12, 1.0)
    """
    w = Weights()
    labels = {
        "population_flow": ("顺应人口流向", "population flow"),
        "traffic_flow": ("顺应交通流向", "traffic flow"),
        "economic_flow": ("顺应经济流向", "economic flow"),
        "scale": ("规模适度", "scale"),
        "access": ("便于服务", "accessibility"),
        "core": ("做强中心", "strong core"),
        "compactness": ("形态紧凑", "compactness"),
        "cohesion": ("人文相近", "cohesion"),
        "efficiency": ("减量提质", "efficiency"),
        "balance": ("县域均衡", "county balance"),
        "continuity": ("点位不变", "service continuity"),
        "risk": ("风险可控", "low risk"),
    }
    funcs: dict[str, Callable[[GroupBatch], npt.ArrayLike]] = {
        "population_flow": population_flow, "traffic_flow": traffic_flow,
        "economic_flow": economic_flow, "scale": scale, "access": access, "core": core,
        "compactness": compactness, "cohesion": cohesion, "efficiency": efficiency,
        "balance": balance, "continuity": continuity, "risk": risk,
    }
    return CriterionRegistry(
        Criterion(name, funcs[name], float(getattr(w, name)), *labels[name])
        for name in BUILTIN_CRITERIA)


# -- centrality ---------------------------------------------------------------------------------
def entropy_weights(indicators: pd.DataFrame) -> pd.Series:
    r"""Entropy weights (熵权法) of indicator columns scaled to [0, 1].

    With :math:`p_{ij} = x_{ij} / \sum_i x_{ij}` and
    :math:`e_j = -\frac{1}{\ln n} \sum_i p_{ij} \ln p_{ij}`, the weight is
    :math:`w_j = (1 - e_j) / \sum_k (1 - e_k)`: indicators that separate the
    settlements more get more weight; a constant indicator gets 0. Equal
    weights when every indicator is constant.

    Parameters
    ----------
    indicators : DataFrame
        Non-negative columns (rows: settlements).

    Returns
    -------
    Series
        Weights summing to 1, indexed by column.

    Examples
    --------
    >>> x = pd.DataFrame({"a": [0.0, 0.5, 1.0], "b": [1.0, 1.0, 1.0]})
    >>> entropy_weights(x).round(3).tolist()
    [1.0, 0.0]
    """
    x = indicators.to_numpy(dtype=float)
    n = x.shape[0]
    cols = indicators.columns
    if n <= 1 or x.size == 0:
        return pd.Series(np.full(len(cols), 1.0 / max(len(cols), 1)), index=cols, name="weight")
    total = x.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(total > 0, x / total, 0.0)
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    e = -plogp.sum(axis=0) / math.log(n)
    d = np.where(total > 0, np.clip(1.0 - e, 0.0, None), 0.0)
    w = np.full(len(cols), 1.0 / len(cols)) if d.sum() <= 0 else d / d.sum()
    return pd.Series(w, index=cols, name="weight")


def centrality_index(
    indicators: pd.DataFrame, weights: Mapping[str, float] | Sequence[tuple[str, float]] = (),
) -> pd.DataFrame:
    r"""Composite centrality Z of settlements: indicators scaled to [0, 1], weighted.

    Each indicator is divided by its maximum (:math:`x / \max x`, so 0 stays
    0 and the strongest settlement is 1), then :math:`Z = \sum_j w_j x_j`
    with entropy weights (:func:`entropy_weights`) unless fixed ``weights``
    are given (renormalised over the indicators present).

    Parameters
    ----------
    indicators : DataFrame
        Non-negative columns such as ``population``, ``potential``, ``road``,
        ``facilities``, ``gdp`` (NaN counts as 0).
    weights : mapping or pairs, optional
        Fixed weights by indicator name.

    Returns
    -------
    DataFrame
        The scaled indicators and ``Z``; ``attrs["weights"]`` holds the
        weights used.

    Raises
    ------
    InputError
        When fixed weights name no indicator present.

    Examples
    --------
    >>> x = pd.DataFrame({"population": [100.0, 400.0], "road": [2.0, 1.0]}, index=["a", "b"])
    >>> centrality_index(x, {"population": 1.0, "road": 1.0})["Z"].tolist()
    [0.625, 0.75]
    """
    x = indicators.astype(float).fillna(0.0).clip(lower=0.0)
    mx = x.max(axis=0)
    scaled = x.divide(mx.where(mx > 0, 1.0), axis=1)
    fixed = dict(weights)
    if fixed:
        present = {k: float(v) for k, v in fixed.items() if k in scaled.columns}
        if not present or sum(present.values()) <= 0:
            raise InputError(f"The centrality weights {fixed} name no indicator present; "
                             f"indicators: {list(scaled.columns)}.")
        w = pd.Series({c: present.get(c, 0.0) for c in scaled.columns}, dtype=float)
        w = w / w.sum()
    else:
        w = entropy_weights(scaled)
    out = scaled.copy()
    out["Z"] = scaled.to_numpy() @ w.to_numpy() if len(scaled.columns) else 0.0
    out.attrs["weights"] = {str(k): float(v) for k, v in w.items()}
    return out
