"""Additive parts of the neutral figures, one entry per candidate group, and bounds as rows.

Each neutral figure of a plan (:mod:`townmerge.score.figures`) is built from
parts that add up over the new units of a plan — population, flow between the
settlements of the group, population-weighted minutes to the seat, area and
perimeter. :class:`GroupFigures` holds those parts for many candidate groups
(computed by :class:`townmerge.score.figure_model.FigureModel`), gives the
figures of a plan made of some of them (:meth:`GroupFigures.plan_figures`) and
turns a bound on a figure ("at least as much flow kept as plan X") into a
linear row over the groups (:class:`LinearBound`,
:meth:`GroupFigures.constraints`) that the exact model can impose
(:func:`townmerge.generate_plan` with ``bounds=``).

Examples
--------
>>> from townmerge.testing.examples import example_figures
>>> g = example_figures()
>>> len(g), g.allowed({"population_max": 20000}).tolist()
(3, [True, True, False])
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..errors import InputError, format_ids
from .figures import METRICS, check_bounds

__all__ = ["GroupFigures", "LinearBound"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class LinearBound:
    """One figure bound as a linear row over candidate groups: ``lower ≤ Σ coef·x ≤ upper``.

    Attributes
    ----------
    figure : str
    coef : ndarray
        One coefficient per group.
    lower, upper : float
        Row bounds (``-inf``/``inf`` when open).
    """

    figure: str
    coef: FloatArray
    lower: float
    upper: float


@dataclass(frozen=True, eq=False)
class GroupFigures:
    """Additive parts of the neutral figures, one entry per candidate group.

    Attributes
    ----------
    members : tuple of tuple of str
        Unit ids of each group (sorted).
    seat : ndarray of object
        Seat settlement id (None: no settlement).
    population, floor : ndarray
        Population of the union and its floor (population-weighted mean of
        the members' terrain floors).
    below_floor : ndarray of bool
    area_m2, perimeter_m, compactness : ndarray
        Area, perimeter (members' less twice the shared borders) and
        Polsby–Popper ratio of the union.
    flow_inside : mapping of str to ndarray
        Per flow type: flow between two different settlements of the union.
    flow_total : mapping of str to float
        Per flow type: all flow between two different settlements of the area.
    settlement_weight, minutes_weighted : ndarray
        Σ settlement population and Σ population × minutes to the seat.
    settlements, minutes : ndarray
        Number of settlements and Σ minutes (for areas without settlement
        population).
    max_minutes : ndarray
        Longest travel time from a settlement of the union to its seat (NaN
        without settlements).
    within_weight, within_count : ndarray
        Population and number of settlements within ``t_good`` of the seat.
    population_total : float
        Population of the whole area (every plan's total).
    """

    members: tuple[tuple[str, ...], ...]
    seat: npt.NDArray[np.object_]
    population: FloatArray
    floor: FloatArray
    below_floor: BoolArray
    area_m2: FloatArray
    perimeter_m: FloatArray
    compactness: FloatArray
    flow_inside: Mapping[str, FloatArray]
    flow_total: Mapping[str, float]
    settlement_weight: FloatArray
    minutes_weighted: FloatArray
    settlements: FloatArray
    minutes: FloatArray
    max_minutes: FloatArray
    within_weight: FloatArray
    within_count: FloatArray
    population_total: float
    by_population: bool = field(default=True)

    def __len__(self) -> int:
        return len(self.members)

    def take(self, index: npt.ArrayLike) -> GroupFigures:
        """The figures of the groups at ``index`` (positions or a boolean mask).

        Examples
        --------
        >>> from townmerge.testing.examples import example_figures
        >>> example_figures().take([False, True, True]).members
        (('B',), ('A', 'B'))
        """
        idx = np.asarray(index)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        arrays = {name: getattr(self, name)[idx] for name in (
            "seat", "population", "floor", "below_floor", "area_m2", "perimeter_m",
            "compactness", "settlement_weight", "minutes_weighted", "settlements", "minutes",
            "max_minutes", "within_weight", "within_count")}
        return GroupFigures(
            members=tuple(self.members[i] for i in idx.tolist()),
            flow_inside=MappingProxyType({t: v[idx] for t, v in self.flow_inside.items()}),
            flow_total=self.flow_total, population_total=self.population_total,
            by_population=self.by_population, **arrays)

    def plan_figures(self, chosen: npt.ArrayLike | None = None) -> pd.Series:
        """The neutral figures of the partition made of the ``chosen`` groups (default: all).

        Parameters
        ----------
        chosen : array of int or bool, optional
            The groups forming the plan (they must cover every unit once).

        Returns
        -------
        Series
            Indexed by :data:`METRICS`.

        Examples
        --------
        >>> from townmerge.testing.examples import example_figures
        >>> f = example_figures()  # groups A, B, A+B
        >>> round(float(f.plan_figures([0, 1])["population_cv"]), 3)  # the status quo
        0.25
        >>> float(f.plan_figures([2])["flow_kept_population"])  # one unit keeps every flow
        1.0
        """
        idx = np.arange(len(self)) if chosen is None else np.asarray(chosen)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        out: dict[str, float] = dict.fromkeys(METRICS, math.nan)
        out["units"] = float(idx.size)
        pop = self.population[idx]
        if idx.size and np.isfinite(pop).all():
            out["population_cv"] = float(pop.std() / pop.mean()) if pop.mean() > 0 else 0.0
            out["population_min"], out["population_max"] = float(pop.min()), float(pop.max())
            out["share_below_floor"] = float(self.below_floor[idx].mean())
        if idx.size:
            pp = self.compactness[idx]
            out["compactness_mean"], out["compactness_min"] = float(pp.mean()), float(pp.min())
        for t, total in self.flow_total.items():
            if total > 0:
                out[f"flow_kept_{t}"] = float(self.flow_inside[t][idx].sum() / total)
        has = np.isfinite(self.max_minutes[idx])
        if has.any():
            sel = idx[has]
            if self.by_population:
                w = self.settlement_weight[sel].sum()
                out["mean_minutes_to_seat"] = float(self.minutes_weighted[sel].sum() / w)
                out["share_within_t_good"] = float(self.within_weight[sel].sum() / w)
            else:
                c = self.settlements[sel].sum()
                out["mean_minutes_to_seat"] = float(self.minutes[sel].sum() / c)
                out["share_within_t_good"] = float(self.within_count[sel].sum() / c)
            out["max_minutes_to_seat"] = float(self.max_minutes[sel].max())
        return pd.Series(out, name="metrics")

    def allowed(self, bounds: Mapping[str, float]) -> BoolArray:
        """Groups a plan meeting ``bounds`` may contain (bounds on a single group's figure).

        ``population_min``, ``population_max``, ``max_minutes_to_seat`` and
        ``compactness_min`` are met by a plan exactly when each of its groups
        meets them.

        Examples
        --------
        >>> from townmerge.testing.examples import example_figures
        >>> example_figures().allowed({"population_max": 20000}).tolist()
        [True, True, False]
        """
        ok = np.ones(len(self), dtype=bool)
        b = check_bounds(bounds)
        with np.errstate(invalid="ignore"):
            if "population_min" in b:
                ok &= self.population >= b["population_min"]
            if "population_max" in b:
                ok &= self.population <= b["population_max"]
            if "max_minutes_to_seat" in b:
                ok &= ~(self.max_minutes > b["max_minutes_to_seat"])
            if "compactness_min" in b:
                ok &= self.compactness >= b["compactness_min"]
        return ok

    def constraints(self, bounds: Mapping[str, float], *,
                    target: int | None = None) -> list[LinearBound]:
        """The bounds on plan-wide figures as linear rows over the groups.

        With ``x_g`` = 1 when group ``g`` is in the plan and ``k = Σ x_g``:
        flow kept ≥ b is ``Σ inside_g x_g ≥ b · total``; share below floor ≤ b
        is ``Σ (below_g − b) x_g ≤ 0``; mean compactness ≥ b is
        ``Σ (pp_g − b) x_g ≥ 0``; mean minutes ≤ b and share within ``t_good``
        ≥ b weigh by the settlements' population the same way; population CV
        ≤ b, with ``m = P / k`` fixed by the target, is
        ``Σ (p_g − m)² x_g ≤ b² m² k``. Bounds on a single group's figure are
        left to :meth:`allowed` (here they are only checked for data).

        Parameters
        ----------
        bounds : mapping of str to float
        target : int, optional
            The plan's number of new units; needed for ``population_cv``.

        Returns
        -------
        list of LinearBound

        Raises
        ------
        InputError
            For a bound on a figure without data, or on ``population_cv``
            without a target.

        Examples
        --------
        >>> from townmerge.testing.examples import example_figures
        >>> row, = example_figures().constraints({"flow_kept_population": 0.5})
        >>> row.figure, row.coef.round(3).tolist(), row.lower
        ('flow_kept_population', [0.615, 0.0, 1.0], 0.5)
        """
        b = check_bounds(bounds)
        rows: list[LinearBound] = []
        inf = math.inf
        no_data = []
        settle_ok = bool(np.isfinite(self.max_minutes).any())
        pop_ok = bool(np.isfinite(self.population).all())
        for name, v in b.items():
            if (name == "max_minutes_to_seat" and not settle_ok) or (
                    name in ("population_min", "population_max") and not pop_ok):
                no_data.append(name)
            elif name.startswith("flow_kept_"):
                t = name.removeprefix("flow_kept_")
                total = self.flow_total.get(t, 0.0)
                if total <= 0:
                    no_data.append(name)
                    continue
                rows.append(LinearBound(name, self.flow_inside[t] / total, v, inf))
            elif name == "share_below_floor":
                if not pop_ok:
                    no_data.append(name)
                    continue
                rows.append(LinearBound(name, self.below_floor.astype(float) - v, -inf, 0.0))
            elif name == "compactness_mean":
                rows.append(LinearBound(name, self.compactness - v, 0.0, inf))
            elif name in ("mean_minutes_to_seat", "share_within_t_good"):
                if not settle_ok:
                    no_data.append(name)
                    continue
                w = self.settlement_weight if self.by_population else self.settlements
                w = np.nan_to_num(w)
                scale = float(w.max()) or 1.0
                if name == "mean_minutes_to_seat":
                    tw = self.minutes_weighted if self.by_population else self.minutes
                    rows.append(LinearBound(name, (np.nan_to_num(tw) - v * w) / scale, -inf, 0.0))
                else:
                    ww = self.within_weight if self.by_population else self.within_count
                    rows.append(LinearBound(name, (np.nan_to_num(ww) - v * w) / scale, 0.0, inf))
            elif name == "population_cv":
                if not pop_ok:
                    no_data.append(name)
                    continue
                if target is None:
                    raise InputError("A bound on population_cv needs a target: with k new units "
                                     "the mean population is P/k, and only a fixed k keeps the "
                                     "bound linear. Give target=.")
                m = self.population_total / target
                scale = max(m * m, 1.0)
                rows.append(LinearBound(name, (self.population - m) ** 2 / scale, -inf,
                                        v * v * m * m * target / scale))
        if no_data:
            raise InputError(f"No data for the figure(s) {format_ids(no_data)} in this area "
                             "(no settlements, flows or population); drop those bounds.")
        return rows
