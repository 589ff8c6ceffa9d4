"""Evaluate a batch of groups: figures, seats, criteria, weighted totals, constraints and bands.

:class:`Evaluator` computes, vectorised over the groups of a batch, everything
the merger scorer reports: the figures of each union without building its
geometry (population, area and perimeter from per-unit sums and shared borders,
thresholds, seat and travel times, flows kept inside, cohesion, risk) as a
:class:`~townmerge.score.batch.GroupBatch`; each criterion's value and the
weighted total ``Σ w·S / Σ w`` over the criteria with a value; each hard
constraint's failures, the binding one and the band. The result is an
:class:`Evaluation`.

Examples
--------
>>> from townmerge.testing.grids import grid_units
>>> from townmerge.data.model import StudyArea
>>> from townmerge.score.criteria import default_criteria
>>> data = UnitData(StudyArea(grid_units("AB", population={"A": 9000, "B": 6000})))
>>> ev = Evaluator(data, default_criteria()).evaluate(np.array([0, 2]), np.array([0, 1]))
>>> ev.feasible.tolist(), ev.band.tolist()
([True], ['recommend'])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .batch import GroupBatch
from .constraints import ConstraintChecker
from .criteria import CriterionRegistry
from .groups import GroupLayout, lookup
from .rules import group_floor, polsby_popper, union_area_perimeter
from .seats import SeatArrays
from .unit_data import UnitData

__all__ = ["Evaluation", "Evaluator"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Everything computed for a batch: figures, seats, criteria, constraints, totals.

    Attributes
    ----------
    batch : GroupBatch
    seats : SeatArrays or None
        None when the area has no settlements.
    values : dict of str to ndarray
        Each criterion's value per group (NaN: no data).
    total : ndarray
        Weighted total per group.
    fails : dict of str to ndarray of bool
        Each hard constraint's failing groups, each judged on its own.
    feasible : ndarray of bool
    binding : ndarray of str
        First failing hard constraint ("" when feasible).
    band : ndarray of str
        ``recommend``, ``review`` or ``reject``.
    """

    batch: GroupBatch
    seats: SeatArrays | None
    values: dict[str, FloatArray]
    total: FloatArray
    fails: dict[str, BoolArray]
    feasible: BoolArray
    binding: npt.NDArray[np.object_]
    band: npt.NDArray[np.object_]


class Evaluator:
    """Evaluates batches of groups of one study area with given criteria and weights.

    Parameters
    ----------
    data : UnitData
    criteria : CriterionRegistry
    weights : dict of str to float, optional
        Default: the registry's weights under ``data.config``.
    checker : ConstraintChecker, optional
        Default: the hard constraints of ``data`` under its config.
    """

    def __init__(self, data: UnitData, criteria: CriterionRegistry,
                 weights: dict[str, float] | None = None,
                 checker: ConstraintChecker | None = None) -> None:
        self.data = data
        self.config = data.config
        self.criteria = criteria
        self.weights = weights if weights is not None else criteria.weights(
            data.config.weights)
        self.checker = checker if checker is not None else ConstraintChecker(data, data.config)

    def evaluate(self, ptr: IntArray, mem: IntArray,
                 forced: IntArray | None = None) -> Evaluation:
        """Evaluate the groups ``(ptr, mem)`` (CSR of sorted unit positions).

        ``forced`` gives, per group, a settlement position that is its seat
        (-1: chosen).
        """
        lay = GroupLayout.of(ptr, mem, self.data.n, self.data.edge_keys)
        batch, seats = self.figures(lay, forced)
        ng = lay.n_groups
        values = {c.name: c.evaluate(batch) for c in self.criteria}
        num = np.zeros(ng)
        den = np.zeros(ng)
        for name, v in values.items():
            wt = self.weights[name]
            ok = np.isfinite(v)
            num += np.where(ok, wt * v, 0.0)
            den += np.where(ok, wt, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            total = np.where(den > 0, num / den, 0.0)
        fails = self.checker.check(lay, batch)
        feasible, binding = self.checker.binding(fails, ng)
        bands = self.config.bands
        band = np.where(~feasible | (total < bands.reject), "reject",
                        np.where(total >= bands.recommend, "recommend", "review")).astype(object)
        return Evaluation(batch, seats, values, total, fails, feasible, binding, band)

    def figures(self, lay: GroupLayout, forced: IntArray | None = None,
                ) -> tuple[GroupBatch, SeatArrays | None]:
        """The figures of every group of ``lay`` as criteria read them, and the seats chosen."""
        d, cfg = self.data, self.config
        ptr, mem, k, g_of, starts = lay.ptr, lay.mem, lay.k, lay.g_of, lay.starts
        ng = lay.n_groups

        def gsum(v: FloatArray) -> FloatArray:
            out: FloatArray = np.add.reduceat(v, starts) if ng else np.zeros(0)
            return out

        w = d.weight[mem]
        wsum = gsum(w)
        w = np.where(wsum[g_of] > 0, w, 1.0)
        wsum = gsum(w)

        def wmean(v: FloatArray) -> FloatArray:
            out: FloatArray = gsum(w * v) / wsum
            return out

        pop = gsum(d.population[mem])
        area_m2, perim = union_area_perimeter(ptr, mem, d.area_m2, d.perimeter_m,
                                              d.edge_keys, d.edge_border)
        th = {name: wmean(v[mem]) for name, v in d.th.items()}
        th["p_min"] = group_floor(d.population[mem], d.th["p_min"][mem], g_of, ng)
        a_max_hard = np.maximum.reduceat(d.th["a_max"][mem], starts) if ng else np.zeros(0)
        t_max_hard = np.maximum.reduceat(d.th["t_max"][mem], starts) if ng else np.zeros(0)

        # Seats and travel times.
        nan_g = np.full(ng, np.nan)
        seats: SeatArrays | None = None
        seat_obj = np.full(ng, None, dtype=object)
        seat_former = np.zeros(ng, dtype=bool)
        mean_min = max_min = pct = dom = reach = nan_g
        if d.selector is not None:
            sel = d.selector
            seats = sel.select(ptr, mem, th["t_max"], t_max_hard, forced)
            s = seats.seat
            has = s >= 0
            seat_obj[has] = sel.ids.to_numpy(dtype=object)[s[has]]
            seat_former = np.where(has, sel.is_former[np.maximum(s, 0)], False)
            mean_min, max_min = seats.mean_minutes, seats.max_minutes
            pct = np.where(has, sel.percentile[np.maximum(s, 0)], np.nan)
            dom = seats.dominance
            fs = sel.unit_seat[mem]
            ok = (fs >= 0) & has[g_of]
            t = np.full(mem.size, np.nan)
            t[ok] = sel.times(s[g_of[ok]], fs[ok])
            tg, tm = th["t_good"][g_of], th["t_max"][g_of]
            with np.errstate(invalid="ignore", divide="ignore"):
                r = 1.0 - np.clip((t - tg) / (tm - tg), 0.0, 1.0)
            r_num = np.bincount(g_of[ok], (w * r)[ok], minlength=ng).astype(float)
            r_den = np.bincount(g_of[ok], w[ok], minlength=ng).astype(float)
            with np.errstate(invalid="ignore", divide="ignore"):
                reach = np.where(r_den > 0, r_num / r_den, np.nan)

        # Flows kept inside the union.
        kept: dict[str, FloatArray] = {}
        for ft in ("population", "traffic", "economic"):
            if ft not in d.flows:
                kept[ft] = nan_g
                continue
            fkeys, fvals, tot = d.flows[ft]
            f = lookup(lay.u1 * d.n + lay.u2, fkeys, fvals)
            kept_e = np.bincount(lay.e1, f, minlength=mem.size)
            tot_e = tot[mem]
            has_flow = tot_e > 0
            with np.errstate(invalid="ignore", divide="ignore"):
                share = np.where(has_flow, kept_e / tot_e, 0.0)
            f_num = gsum(w * share)
            f_den = gsum(np.where(has_flow, w, 0.0))
            with np.errstate(invalid="ignore", divide="ignore"):
                kept[ft] = np.where(f_den > 0, f_num / f_den, np.nan)

        cohesion = nan_g
        if d.cohesion_code is not None:
            nl = int(d.cohesion_code.max()) + 1
            lk = g_of * nl + d.cohesion_code[mem]
            uk, inv = np.unique(lk, return_inverse=True)
            sums = np.bincount(inv, w, minlength=uk.size)
            best = np.zeros(ng)
            np.maximum.at(best, uk // nl, sums)
            cohesion = best / wsum
        max_risk = nan_g
        if d.risk is not None:
            rv = d.risk[mem]
            max_risk = np.fmax.reduceat(rv, starts) if ng else np.zeros(0)

        batch = GroupBatch(
            unit_ids=d.ids, units=d.units, ptr=ptr, unit_pos=mem, population=pop,
            area_km2=area_m2 / 1e6, perimeter_km=perim / 1e3,
            polsby_popper=polsby_popper(area_m2, perim),
            members_polsby_popper=gsum(d.pp[mem]) / k, p_min=th["p_min"], p_max=th["p_max"],
            t_good=th["t_good"], t_max=th["t_max"], a_max_hard=a_max_hard,
            t_max_hard=t_max_hard, seat=seat_obj, seat_is_former=seat_former,
            mean_minutes=mean_min, max_minutes=max_min, flow_kept=kept, seat_percentile=pct,
            seat_dominance=dom, former_seat_reach=reach,
            county_median=d.county_median[mem[starts]] if ng else np.zeros(0),
            cohesion_share=cohesion, max_risk=max_risk, max_members=cfg.max_members,
            settings=cfg.criteria)
        return batch, seats
