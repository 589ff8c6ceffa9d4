r"""Soft criteria of a candidate merger: one small function each, in a registry.

A criterion maps a :class:`GroupBatch` (the figures of many candidate groups at
once: population, area, seat, travel times, flows kept inside …) to one value
per group in [0, 1], higher meaning a better merger, or NaN where it has no
data. The weighted total of a group is

.. math:: \text{total} = \frac{\sum_k w_k S_k}{\sum_k w_k}

over the criteria with a value for that group (a criterion without data is
left out and the others renormalised; the output says which).

The built-in criteria follow domain notes §5.3 (:mod:`townmerge.score.formulas`,
each docstring gives its formula). They live in a :class:`CriterionRegistry` built by
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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..config import BUILTIN_CRITERIA, Weights
from ..errors import InputError
from .batch import GroupBatch
from .formulas import (
    access,
    balance,
    cohesion,
    compactness,
    continuity,
    core,
    economic_flow,
    efficiency,
    population_flow,
    risk,
    scale,
    traffic_flow,
)

__all__ = [
    "RESERVED_COLUMNS",
    "Criterion",
    "CriterionRegistry",
    "default_criteria",
]

FloatArray = npt.NDArray[np.float64]

#: Output columns a user criterion may not be named after.
RESERVED_COLUMNS = frozenset({
    "members", "member_names", "units", "n_members", "n_units", "trigger", "seat", "seat_name",
    "seat_unit", "seat_moved", "population", "area_km2", "mean_minutes", "max_minutes",
    "total", "feasible", "binding", "binding_detail", "binding_detail_zh", "band", "band_zh",
    "missing", "reason_zh", "reason_en", "new_unit",
})

#: Tolerance on the [0, 1] range of criterion values (rounding of sums).
_RANGE_TOL = 1e-9


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
