"""Figure bounds during the local search: the plan's summed figure parts and their penalty.

:class:`BoundTracker` keeps, for the plan being annealed, the sums of the figure parts of its
groups (population, compactness, flow kept, minutes to the seat …), so that a move's change of
every bounded plan-wide figure, and of the penalty of their shortfall (:data:`BOUND_PENALTY`),
costs a few additions. :func:`penalised_split` picks the split of a union best for the
penalised objective; :func:`unmet_message` says which bounds the closest plan still breaks.

Examples
--------
>>> from townmerge.data.model import StudyArea
>>> from townmerge.generate.base import PlanningProblem, ScoreCache
>>> from townmerge.testing.grids import grid_units
>>> from townmerge.testing.scorers import SizeScorer
>>> area = StudyArea(grid_units("AB / CD", population=dict.fromkeys("ABCD", 5)))
>>> problem = PlanningProblem.from_area(area)
>>> from townmerge.config import Config
>>> from townmerge.score.figure_model import FigureModel
>>> from townmerge.generate.move_memo import MoveMemo
>>> memo = MoveMemo(problem, ScoreCache(problem, SizeScorer(area, p_min=10)), {})
>>> bounds = {"population_cv": 0.1}
>>> tracker = BoundTracker(problem, FigureModel(area, Config()), bounds, {},
...                        memo.connected_bits, 20.0)
>>> uneven = [frozenset({0}), frozenset({1, 2, 3})]
>>> round(tracker.reset(uneven), 6), tracker.reset([frozenset({0, 1}), frozenset({2, 3})])
(180.0, 0.0)
>>> "misses population_cv 0.5 (bound ≤ 0.1)" in unmet_message(tracker, uneven, bounds)
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import numpy.typing as npt

from ..errors import InputError, format_ids
from ..score.figure_model import FigureModel
from ..score.figures import BETTER, unmet_bounds
from ..score.group_figures import GroupFigures
from .base import PlanningProblem
from .move_memo import MoveMemo, Split

__all__ = ["BOUND_PENALTY", "BOUND_SLACK", "SINGLE_GROUP_FIGURES", "BoundTracker", "FloatArray",
           "TrackerState", "penalised_split", "unmet_message"]

#: Weight of unmet figure bounds in the penalised objective: a plan missing any bound loses
#: the objective's whole range (1), so that every plan meeting the bounds beats every plan
#: that does not, and this much more per unit of shortfall: each bound's shortfall in units
#: of its scale (the bound itself, at least ``_SCALE_FLOOR``; for bounds on single groups,
#: summed over the new units that break them).
BOUND_PENALTY = 2.0
#: Figures bounded group by group (:meth:`GroupFigures.allowed`): no move makes more groups
#: break them than it removes.
SINGLE_GROUP_FIGURES = ("population_min", "population_max", "max_minutes_to_seat",
                        "compactness_min")
#: Smallest scale a bound's shortfall is measured in (a bound of 0 still has a scale).
_SCALE_FLOOR = {"mean_minutes_to_seat": 1.0, "max_minutes_to_seat": 1.0,
                "population_min": 1.0, "population_max": 1.0}
_SCALE_FLOOR_DEFAULT = 0.05
#: Relative rounding allowed on a bound during the search (unmet_bounds allows 1e-9).
BOUND_SLACK = 1e-10
_NEEDS_POPULATION = frozenset(("population_cv", "share_below_floor", "population_min",
                               "population_max"))
_NEEDS_SETTLEMENTS = frozenset(("mean_minutes_to_seat", "share_within_t_good",
                                "max_minutes_to_seat"))


FloatArray = npt.NDArray[np.float64]


def _scale(name: str, bound: float) -> float:
    """The unit a bound's shortfall is measured in: the bound, at least its floor."""
    return max(abs(bound), _SCALE_FLOOR.get(name, _SCALE_FLOOR_DEFAULT))


class BoundTracker:
    """Figure bounds during a search: plan-wide sums of the figure parts and their penalty.

    Each group gets a row of the parts the bounded figures need (population and its
    square, below-floor flag, compactness, flow inside, settlement weight, weighted
    minutes, weight within ``t_good``) and two last columns: its shortfall from the
    bounds on single groups and 1 when it breaks them. The plan's sums of these rows and its number
    of new units give every plan-wide figure; a move changes the sums by the rows
    of the groups it removes and adds. Rows are memoised by group and computed in
    batches (:meth:`need`): a missing group brings every group one unit move away
    from the plan's groups around it.
    """

    def __init__(self, problem: PlanningProblem, figures: FigureModel,
                 bounds: dict[str, float], together: dict[int, frozenset[int]],
                 connected: Callable[[int], bool], weight_total: float) -> None:
        self.problem = problem
        self.figures = figures
        self.bounds = bounds
        self.together = together
        self.connected = connected
        self.single = {n: v for n, v in bounds.items() if n in SINGLE_GROUP_FIGURES}
        self.penalty = BOUND_PENALTY * weight_total
        self.step = weight_total
        no_data = []
        settled = figures.selector is not None
        has_pop = bool(np.isfinite(figures.population).all())
        cols: list[str] = []
        for name in bounds:
            if name.startswith("flow_kept_"):
                if figures.flow_total.get(name.removeprefix("flow_kept_"), 0.0) <= 0:
                    no_data.append(name)
                cols.append(name)
            elif (name in _NEEDS_POPULATION and not has_pop) or (
                    name in _NEEDS_SETTLEMENTS and not settled):
                no_data.append(name)
        if no_data:
            raise InputError(f"No data for the figure(s) {format_ids(no_data)} in this area "
                             "(no settlements, flows or population); drop those bounds.")
        if "population_cv" in bounds:
            cols += ["population", "population2"]
        if "share_below_floor" in bounds:
            cols.append("below_floor")
        if "compactness_mean" in bounds:
            cols.append("compactness")
        if "mean_minutes_to_seat" in bounds or "share_within_t_good" in bounds:
            cols += ["weight", "minutes", "within"]
        cols += ["excess", "broken"]
        self.col = {c: j for j, c in enumerate(cols)}
        # population is summed in units of the mean unit population (squares stay small)
        self._p_unit = float(np.nansum(figures.population)) / max(figures.n, 1) or 1.0
        self._parts: dict[frozenset[int], FloatArray] = {}
        self._tables: dict[frozenset[int], tuple[FloatArray, FloatArray]] = {}
        self.sums = np.zeros(len(cols))
        self.k = 0
        self.viol = 0.0
        #: the groups the move being tried changes (their neighbourhood is batched on a miss)
        self.context: Sequence[frozenset[int]] = ()
        # each plan-wide bound: (figure, bound, 1 / scale, higher is better); a shortfall within
        # rounding (BOUND_SLACK, tighter than unmet_bounds' tolerance) counts as none
        self._terms = [
            (name, b + (-1 if BETTER[name] == "higher" else 1) * BOUND_SLACK * max(1.0, abs(b)),
             1.0 / _scale(name, b), BETTER[name] == "higher")
            for name, b in bounds.items() if name not in self.single]

    # -- parts ------------------------------------------------------------------------------
    def _rows(self, gf: GroupFigures) -> FloatArray:
        out = np.zeros((len(gf), len(self.col)))
        c = self.col
        for name, j in c.items():
            if name.startswith("flow_kept_"):
                out[:, j] = gf.flow_inside[name.removeprefix("flow_kept_")]
        if "population" in c:
            p = np.nan_to_num(gf.population) / self._p_unit
            out[:, c["population"]] = p
            out[:, c["population2"]] = p * p
        if "below_floor" in c:
            out[:, c["below_floor"]] = gf.below_floor
        if "compactness" in c:
            out[:, c["compactness"]] = gf.compactness
        if "weight" in c:
            byp = gf.by_population
            out[:, c["weight"]] = np.nan_to_num(gf.settlement_weight if byp else gf.settlements)
            out[:, c["minutes"]] = np.nan_to_num(gf.minutes_weighted if byp else gf.minutes)
            out[:, c["within"]] = np.nan_to_num(gf.within_weight if byp else gf.within_count)
        if self.single:
            broken = ~gf.allowed(self.single)
            out[:, c["broken"]] = broken
            # how far each breaking group is from the bounds on single groups, in their scales
            figure = {"population_min": gf.population, "population_max": gf.population,
                      "max_minutes_to_seat": gf.max_minutes, "compactness_min": gf.compactness}
            excess = np.zeros(len(gf))
            for name, b in self.single.items():
                v = figure[name]
                short = (b - v) if BETTER[name] == "higher" else (v - b)
                excess += np.nan_to_num(np.maximum(short, 0.0)) / _scale(name, b)
            out[:, c["excess"]] = np.where(broken, np.maximum(excess, 1e-9), 0.0)
        return out

    def compute(self, groups: Iterable[frozenset[int]]) -> None:
        """Compute (in one batch) the rows of the groups not known yet."""
        todo = [g for g in dict.fromkeys(groups) if g not in self._parts]
        if not todo:
            return
        ids = self.problem.ids
        rows = self._rows(self.figures.groups([[ids[i] for i in sorted(g)] for g in todo]))
        for g, row in zip(todo, rows, strict=True):
            self._parts[g] = row

    def _around(self, group: frozenset[int]) -> list[frozenset[int]]:
        """The contiguous groups one block move away from ``group`` (either way)."""
        out = []
        k = self.problem.max_members
        outside: set[int] = set()
        for u in group:
            block = self.together.get(u, frozenset((u,)))
            if len(block) < len(group):
                rest = group - block
                if self.connected(sum(1 << v for v in rest)):
                    out.append(rest)
            outside.update(self.problem.neighbours[u])
        outside -= group
        for v in sorted(outside):
            block = self.together.get(v, frozenset((v,)))
            if len(group) + len(block) <= k:
                out.append(group | block)
        return out

    def need(self, groups: Sequence[frozenset[int]],
             around: Sequence[frozenset[int]] | None = None) -> None:
        """Make sure the rows of ``groups`` are known.

        On a miss, the rows of the groups one block move away from those
        ``around`` (default :attr:`context`, the groups the current move changes)
        are computed in the same batch.
        """
        parts = self._parts
        if all(g in parts for g in groups):
            return
        batch = list(groups)
        for g in self.context if around is None else around:
            batch.append(g)
            batch += self._around(g)
        self.compute(batch)

    def row(self, group: frozenset[int]) -> FloatArray:
        """The group's parts (computed when missing)."""
        self.need((group,))
        return self._parts[group]

    # -- plan-wide sums ----------------------------------------------------------------------
    def _figure(self, name: str, sums: FloatArray, k: float) -> FloatArray:
        """A plan-wide figure from the sums (rows: plans)."""
        c = self.col
        if name.startswith("flow_kept_"):
            out: FloatArray = sums[:, c[name]] / self.figures.flow_total[
                name.removeprefix("flow_kept_")]
        elif name == "population_cv":
            mean = sums[:, c["population"]] / k
            var = np.maximum(sums[:, c["population2"]] / k - mean * mean, 0.0)
            out = np.where(mean > 0, np.sqrt(var) / np.where(mean > 0, mean, 1.0), 0.0)
        elif name == "share_below_floor":
            out = sums[:, c["below_floor"]] / k
        elif name == "compactness_mean":
            out = sums[:, c["compactness"]] / k
        else:
            w = sums[:, c["weight"]]
            col = c["minutes" if name == "mean_minutes_to_seat" else "within"]
            out = np.where(w > 0, sums[:, col] / np.where(w > 0, w, 1.0), np.nan)
        return out

    def violation(self, sums: FloatArray, k: int) -> FloatArray:
        """Total shortfall of the bounds, in units of each bound's scale, per row of ``sums``.

        Each new unit breaking a bound on single groups adds its own shortfall; a
        figure without data (NaN) counts as a shortfall of 1.
        """
        out: FloatArray = sums[:, -2].copy()
        for name, b, inv_scale, higher in self._terms:
            v = self._figure(name, sums, float(k))
            short = (b - v) if higher else (v - b)
            out += np.where(np.isnan(short), 1.0, np.maximum(short, 0.0) * inv_scale)
        return out

    def violation_one(self, sums: FloatArray, k: int) -> float:
        """:meth:`violation` of one plan's sums (the same arithmetic, on Python floats)."""
        row = sums.tolist()
        c = self.col
        total = row[-2]
        for name, b, inv_scale, higher in self._terms:
            if name.startswith("flow_kept_"):
                v = row[c[name]] / self.figures.flow_total[name.removeprefix("flow_kept_")]
            elif name == "population_cv":
                mean = row[c["population"]] / k
                var = max(row[c["population2"]] / k - mean * mean, 0.0)
                v = math.sqrt(var) / mean if mean > 0 else 0.0
            elif name == "share_below_floor":
                v = row[c["below_floor"]] / k
            elif name == "compactness_mean":
                v = row[c["compactness"]] / k
            else:
                w = row[c["weight"]]
                v = (row[c["minutes" if name == "mean_minutes_to_seat" else "within"]] / w
                     if w > 0 else math.nan)
            short = (b - v) if higher else (v - b)
            total += 1.0 if math.isnan(short) else max(short, 0.0) * inv_scale
        return float(total)

    def cost(self, viol: float) -> float:
        """The penalty of a shortfall: the objective's range and :data:`BOUND_PENALTY` each."""
        return self.step + self.penalty * viol if viol > 0 else 0.0

    def costs(self, viol: FloatArray) -> FloatArray:
        """:meth:`cost` of each shortfall."""
        out: FloatArray = np.where(viol > 0, self.step + self.penalty * viol, 0.0)
        return out

    def reset(self, groups: Iterable[frozenset[int]]) -> float:
        """Take ``groups`` as the current plan; returns its penalty."""
        groups = list(groups)
        self.need(groups, groups)
        self.sums = np.sum([self._parts[g] for g in groups], axis=0)
        self.k = len(groups)
        self.viol = self.violation_one(self.sums, self.k)
        return self.cost(self.viol)

    def move(self, old: Sequence[frozenset[int]], new: Sequence[frozenset[int]],
             ) -> tuple[float, tuple[FloatArray, int, float]] | None:
        """Penalty change of replacing the groups ``old`` by ``new``, and the state after it.

        None when the move makes more groups break a bound on single groups than
        it removes (such moves are not made).
        """
        parts = self._parts
        sums = self.sums.copy()
        for g in old:
            sums -= parts[g]
        for g in new:
            sums += parts[g]
        if sums[-1] > self.sums[-1]:
            return None
        k = self.k - len(old) + len(new)
        viol = self.violation_one(sums, k)
        return self.cost(viol) - self.cost(self.viol), (sums, k, viol)

    def commit(self, state: tuple[FloatArray, int, float]) -> None:
        """Make a state returned by :meth:`move` the current one."""
        self.sums, self.k, self.viol = state

    def split_table(self, union: frozenset[int],
                    splits: list[Split]) -> tuple[FloatArray, FloatArray]:
        """Values and summed rows of both parts of each split of ``union`` (memoised)."""
        table = self._tables.get(union)
        if table is None:
            self.need([g for _, s_, t_ in splits for g in (s_, t_)], ())
            parts = self._parts
            table = self._tables[union] = (
                np.array([v for v, _, _ in splits]),
                np.array([parts[s_] + parts[t_] for _, s_, t_ in splits]))
        return table

    def plan_figures(self, groups: list[frozenset[int]]) -> dict[str, float]:
        """The neutral figures of a plan, computed afresh from its groups."""
        ids = self.problem.ids
        gf = self.figures.groups([[ids[i] for i in sorted(g)] for g in groups])
        out: dict[str, float] = gf.plan_figures().to_dict()
        return out


#: A state of the bound tracker's sums: (sums, number of new units, shortfall).
TrackerState = tuple[FloatArray, int, float]


def penalised_split(tracker: BoundTracker, moves: MoveMemo, union: frozenset[int],
                    ga: frozenset[int], gb: frozenset[int], now: float,
                    ) -> tuple[float, frozenset[int], frozenset[int],
                                tuple[FloatArray, int, float]] | None:
    """The split of ``union`` (other than ``ga``, ``gb``) best for the penalised objective.

    Returns its gain over ``now`` (the value of ``ga`` and ``gb``) less the change of
    the penalty, its parts and the state of the sums after it.
    """
    splits = moves.splits(union)
    if not splits:
        return None
    values, rows = tracker.split_table(union, splits)
    tracker.need((ga, gb))
    old = tracker.row(ga) + tracker.row(gb)
    sums = tracker.sums - old + rows
    viol = tracker.violation(sums, tracker.k)
    gain = values - now - (tracker.costs(viol) - tracker.cost(tracker.viol))
    # no split makes more groups break a bound on single groups than ga and gb do
    gain[rows[:, -1] > old[-1]] = -np.inf
    for j, (_, s_, _) in enumerate(splits):
        if s_ in (ga, gb):
            gain[j] = -np.inf
    j = int(np.argmax(gain))
    if not np.isfinite(gain[j]):
        return None
    _, s_, t_ = splits[j]
    return float(gain[j]), s_, t_, (sums[j], tracker.k, float(viol[j]))


def unmet_message(tracker: BoundTracker, groups: list[frozenset[int]],
                  bounds: dict[str, float]) -> str:
    """Which bounds the closest plan the search found still breaks, and by how much."""
    figures = tracker.plan_figures(groups)
    broken = unmet_bounds(figures, bounds)
    shown = [f"{name} {figures[name]:.6g} (bound {'≥' if BETTER[name] == 'higher' else '≤'} "
             f"{bounds[name]:.6g})" for name in broken]
    return (f"The local search found no plan meeting the figure bounds; the closest plan it "
            f"reached still misses {format_ids(shown)}. Loosen those bounds, or use "
            f"method='exact' (county scale: it finds the best plan meeting them or proves that "
            f"none exists).")
