"""Score candidate mergers: hard constraints, soft criteria, seat, total, band and reasons.

:class:`MergerScorer` is built once per study area and config, and scores any
groups of current units fast (vectorised over groups; no union geometry is
ever built: area, population and perimeter of a union come from per-unit sums
and the shared borders of the adjacency). :func:`score_mergers` lists the
candidates a county planner looks at — every adjacent pair, and contiguous
groups of up to ``Config.max_members`` units around every unit that must
merge (below its floor, or must-link) — with one reason sentence per row in
Chinese and English. :func:`plan_objective` is the population-weighted mean of
a plan's new units' totals.

Hard constraints (domain notes §5.2), in the order the binding one is named:
``locked`` (H7), ``must_link`` (H8, 一地两府), ``same_parent`` (H2),
``contiguity`` (H1, virtual links count), ``size`` (H6), ``area`` (H5),
``travel_time`` (H4). A unit that stays as it is is exempt from the area and
travel-time limits (it is what it already is) but not from must-link: a unit
whose seat lies in another unit must merge with it.

Examples
--------
>>> from townmerge.testing.grids import grid_units
>>> from townmerge.data.model import StudyArea
>>> area = StudyArea(grid_units("AB / CD", population={"A": 9000, "B": 12000, "C": 4000,
...                                                    "D": 15000}))
>>> s = MergerScorer(area)
>>> s.score_groups([["A", "B"], ["A", "D"]])[["members", "feasible", "binding"]]
  members  feasible     binding
0  (A, B)      True
1  (A, D)     False  contiguity
>>> bool(s.group_total(["A", "B"]) == s.score_groups([["A", "B"]])["total"][0])
True
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, cast

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from ..config import Config
from ..data.model import StudyArea, unit_label
from ..data.plan import Plan
from ..errors import InfeasibleError, InputError, format_ids
from ..graph.adjacency import border_keys
from ..graph.derived import derived
from ..graph.flows import SettlementFlows
from ..graph.travel import TravelNetwork
from ..i18n import fmt_population
from .batch import GroupBatch
from .criteria import CriterionRegistry, default_criteria
from .rules import (
    below_floor,
    group_floor,
    polsby_popper,
    population_rules_off,
    union_area_perimeter,
)
from .seats import (
    SeatArrays,
    SeatSelector,
    concat_ranges,
    flag_column,
    seat_selector,
    unit_thresholds,
    village_of,
)

__all__ = [
    "CONSTRAINTS",
    "MergerScorer",
    "new_unit_name",
    "objective_value",
    "plan_objective",
    "score_mergers",
    "score_plan",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Most groups a scorer memoises (about 150 MB); beyond it the older half is forgotten.
MAX_CACHED_GROUPS = 1_000_000
#: Hard constraints, in the order the binding one is named.
CONSTRAINTS = ("locked", "must_link", "same_parent", "contiguity", "size", "area",
               "travel_time")
_CONSTRAINT_ZH = {
    "locked": "锁定乡镇", "must_link": "一地两府", "same_parent": "跨县", "contiguity": "不连片",
    "size": "合并个数", "area": "面积", "travel_time": "时距",
}
_BAND_ZH = {"recommend": "建议", "review": "需论证", "reject": "不建议"}
_FLOW_ZH = {"population": "人口", "traffic": "交通", "economic": "经济"}
_FLOW_EN = {"population": "population", "traffic": "traffic", "economic": "economic"}


@dataclass(frozen=True, eq=False)
class _Evaluation:
    """Everything computed for a batch: figures, seats, criteria, constraints, totals."""

    batch: GroupBatch
    seats: SeatArrays | None
    values: dict[str, FloatArray]
    total: FloatArray
    fails: dict[str, BoolArray]
    feasible: BoolArray
    binding: npt.NDArray[np.object_]
    band: npt.NDArray[np.object_]


class MergerScorer:
    """Scores groups of current units as merged units; built once per (area, config).

    Parameters
    ----------
    area : StudyArea
    config : Config, optional
        Weights, thresholds, bands, constraints, seat settings.
    edges : DataFrame, optional
        Adjacency edge table (default: rook adjacency of the area); give one
        with reviewed virtual links for islands.
    criteria : CriterionRegistry, optional
        Default: :func:`townmerge.score.criteria.default_criteria`; add your own
        with :meth:`~townmerge.score.criteria.CriterionRegistry.with_criterion`.
    network : TravelNetwork, optional
        Travel network of ``area`` (built when the area has settlements).
    flows : SettlementFlows, optional
        Settlement flows of ``area`` (built when the area has settlements:
        observed, else the gravity model).

    Raises
    ------
    InputError
        For edges naming unknown units, must-link pairs naming unknown
        units, risks outside [0, 1], weights naming unregistered criteria.

    Notes
    -----
    ``notes`` lists, in English and Chinese, every criterion or term left out
    for lack of data and where the flows come from. A criterion without data
    for a group is NaN and left out of its total, the other weights
    renormalised: ``total = Σ w·S / Σ w`` over the criteria with a value.

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> area = StudyArea(grid_units("AB", population={"A": 15000, "B": 6000}))
    >>> s = MergerScorer(area)
    >>> s.is_feasible(["A", "B"]), round(s.group_total(["B"]), 3) < s.group_total(["A", "B"])
    (True, True)
    """

    def __init__(
        self,
        area: StudyArea,
        config: Config | None = None,
        *,
        edges: pd.DataFrame | None = None,
        criteria: CriterionRegistry | None = None,
        network: TravelNetwork | None = None,
        flows: SettlementFlows | None = None,
    ) -> None:
        cfg = config or Config()
        self.area = area
        self.config = cfg
        self.criteria = criteria if criteria is not None else default_criteria()
        self.weights = self.criteria.weights(cfg.weights)
        self.notes: list[tuple[str, str]] = []
        units = area.units
        self.units = units
        self.ids = pd.Index(units.index.astype(str), name="unit_id")
        self._id_list: list[str] = [str(u) for u in self.ids]
        n = len(self.ids)
        self.n = n
        self.names = units["name"].to_numpy(dtype=object)
        self.population = units["population"].to_numpy(dtype=float)
        w = np.where(np.isfinite(self.population), self.population, 0.0)
        self._w = w if w.sum() > 0 else np.ones(n)
        if not area.has_population:
            self.notes.append(("some units have no population: their unions have no scale or "
                               "balance score, and no unit counts as below its floor",
                               "部分乡镇无人口数据，规模与均衡指标无数据，人口下限不适用"))
            population_rules_off(["scale", "balance", "floor"], stacklevel=2)
        geoms = np.asarray(units.geometry.array)
        self.area_m2 = np.asarray(shapely.area(geoms), dtype=float)
        self.perimeter_m = np.asarray(shapely.length(geoms), dtype=float)
        self.pp = polsby_popper(self.area_m2, self.perimeter_m)
        self.th = unit_thresholds(units, cfg)
        self.terrain = (units["terrain"].astype(object).to_numpy() if "terrain" in units.columns
                        else np.full(n, None, dtype=object))
        if "parent" in units.columns:
            self.parent_code: IntArray | None = pd.factorize(
                units["parent"].astype(object).fillna("").astype(str))[0].astype(np.int64)
        else:
            self.parent_code = None
        self.parent = (units["parent"].astype(object).to_numpy() if "parent" in units.columns
                       else np.full(n, None, dtype=object))
        locked = units["locked"].to_numpy(dtype=bool).copy()
        self.border_town = flag_column(units, cfg.constraints.border_town_column)
        self.locked = locked | self.border_town

        # Adjacency: sorted pair keys with summed borders, and neighbour lists.
        edges = derived(area, cfg).edges if edges is None else edges
        self._ekeys, self._eborder = border_keys(self.ids, edges)
        el, eh = self._ekeys // n, self._ekeys % n
        src, dst = np.r_[el, eh], np.r_[eh, el]
        order = np.lexsort((dst, src))
        self._nb = dst[order].astype(np.int64)
        self._nb_ptr = np.r_[0, np.cumsum(np.bincount(src, minlength=n))].astype(np.int64)

        # Must-link pairs: a seat inside another unit (一地两府), and the configured pairs.
        self.selector: SeatSelector | None = None
        st = area.settlements
        if st is not None and len(st):
            self.selector = (seat_selector(area, cfg) if network is None and flows is None
                             else SeatSelector(area, cfg, network=network, flows=flows))
            self.notes += self.selector.notes
        else:
            self.notes.append((
                "no settlements: accessibility, strong core, service continuity, the three "
                "flow criteria and the travel-time limit (H4) have no data; they are left out "
                "and the other weights renormalised",
                "无聚落数据：便于服务、做强中心、点位不变、三个流向指标及时距约束无法计算，"
                "不计入总分，其余权重重新归一"))
        ml: list[tuple[int, int, str]] = []
        if self.selector is not None:
            sel = self.selector
            seat_unit = np.where(sel.unit_seat >= 0, sel.unit_of[np.maximum(sel.unit_seat, 0)], -1)
            for u in np.flatnonzero((seat_unit >= 0) & (seat_unit != np.arange(n))):
                ml.append((int(u), int(seat_unit[u]), "seat"))
        pairs = cfg.constraints.must_link_pairs
        if pairs:
            pa = self.ids.get_indexer(pd.Index([p[0] for p in pairs], dtype=object))
            pb = self.ids.get_indexer(pd.Index([p[1] for p in pairs], dtype=object))
            unknown = sorted({p[i] for p, x, y in zip(pairs, pa, pb, strict=True)
                              for i, q in ((0, x), (1, y)) if q < 0})
            if unknown:
                raise InputError(f"Constraints.must_link_pairs name unit(s) that are not in the "
                                 f"study area: {format_ids(unknown)}.")
            ml += [(int(x), int(y), "config") for x, y in zip(pa, pb, strict=True)]
        self.must_link = ml
        ml_src = np.array([p[0] for p in ml] + [p[1] for p in ml], dtype=np.int64)
        ml_dst = np.array([p[1] for p in ml] + [p[0] for p in ml], dtype=np.int64)
        order = np.lexsort((ml_dst, ml_src))
        self._ml = ml_dst[order]
        self._ml_ptr = np.r_[0, np.cumsum(np.bincount(ml_src, minlength=n))].astype(np.int64)

        # Flows between units, per type: sorted (origin, destination) keys; row totals.
        self._flows: dict[str, tuple[IntArray, FloatArray, FloatArray]] = {}
        sf = self.selector.flows if self.selector is not None else None
        if sf is not None:
            up = sf.unit_pairs()
            o = self.ids.get_indexer(pd.Index(up["origin_unit"].astype(str)))
            d = self.ids.get_indexer(pd.Index(up["destination_unit"].astype(str)))
            fkey = o.astype(np.int64) * n + d
            order = np.argsort(fkey, kind="stable")
            for t in ("population", "traffic", "economic"):
                vals = up[t].to_numpy(dtype=float)
                tot = np.bincount(o, vals, minlength=n).astype(float)
                self._flows[t] = (fkey[order], vals[order], tot)
            for t, srcname in sorted(sf.sources.items()):
                fit = sf.fits.get(t)
                how = {"observed": "observed flows", "gravity": "gravity model estimate",
                       "observed+gravity": "observed flows, gravity estimate for unlisted pairs"
                       }[srcname]
                how_zh = {"observed": "观测值", "gravity": "引力模型估算",
                          "observed+gravity": "观测值，缺项以引力模型估算"}[srcname]
                self.notes.append((f"{t} flow: {how}" + (f" ({fit})" if fit else ""),
                                   f"{_FLOW_ZH[t]}流：{how_zh}"))

        # County medians, cohesion labels, risks.
        pc = self.parent_code if self.parent_code is not None else np.zeros(n, dtype=np.int64)
        med = pd.Series(self.population).groupby(pc).median()
        self.county_median = med.reindex(pc).to_numpy(dtype=float)
        cs = cfg.criteria
        self.cohesion_code: IntArray | None = None
        if cs.cohesion_column in units.columns:
            lab = units[cs.cohesion_column].astype(object)
            codes, _ = pd.factorize(lab)
            codes = codes.astype(np.int64)
            missing_lab = codes < 0
            codes[missing_lab] = codes.max(initial=-1) + 1 + np.arange(int(missing_lab.sum()))
            self.cohesion_code = codes
        elif self.weights.get("cohesion", 0) > 0:
            self.notes.append((f"cohesion: no unit column {cs.cohesion_column!r}, left out",
                               f"人文相近：缺少 {cs.cohesion_column} 列，不计"))
        self.risk: FloatArray | None = None
        if cs.risk_column in units.columns:
            r = pd.to_numeric(units[cs.risk_column], errors="coerce").to_numpy(dtype=float)
            out = np.isfinite(r) & ((r < 0) | (r > 1))
            if out.any():
                shown = [self.label(int(i)) + f": {r[i]}" for i in np.flatnonzero(out)]
                raise InputError(f"{int(out.sum())} unit(s) have a {cs.risk_column} outside "
                                 f"[0, 1]: {format_ids(shown)}.")
            self.risk = r
        elif self.weights.get("risk", 0) > 0:
            self.notes.append((f"risk: no unit column {cs.risk_column!r}, left out",
                               f"风险：缺少 {cs.risk_column} 列，不计"))
        self._cache: dict[tuple[int, ...], tuple[float, bool]] = {}

    # -- helpers --------------------------------------------------------------------------
    def label(self, i: int) -> str:
        """``"id (name)"`` of the unit at position ``i``.

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> MergerScorer(StudyArea(grid_units("AB"))).label(1)
        'B (B镇)'
        """
        return unit_label(self._id_list[i], self.names[i])

    def _positions(self, groups: Sequence[Sequence[str]]) -> tuple[IntArray, IntArray]:
        """Groups of ids → CSR (ptr, sorted unit positions); InputError for bad groups."""
        groups = [[str(u) for u in g] for g in groups]
        lens = np.fromiter((len(g) for g in groups), dtype=np.int64, count=len(groups))
        if (lens == 0).any():
            raise InputError(f"{int((lens == 0).sum())} group(s) are empty; every group needs "
                             "at least one unit.")
        flat = [u for g in groups for u in g]
        pos = self.ids.get_indexer(pd.Index(flat, dtype=object)).astype(np.int64)
        if (pos < 0).any():
            unknown = sorted({u for u, p in zip(flat, pos, strict=True) if p < 0})
            raise InputError(f"{len(unknown)} unit id(s) are not in the study area: "
                             f"{format_ids(unknown)}.")
        ptr = np.r_[0, np.cumsum(lens)].astype(np.int64)
        g = np.repeat(np.arange(len(groups), dtype=np.int64), lens)
        order = np.lexsort((pos, g))
        pos = pos[order]
        dup = (pos[1:] == pos[:-1]) & (g[1:] == g[:-1])
        if dup.any():
            shown = sorted({self.label(int(p)) for p in pos[1:][dup]})
            raise InputError(f"A group lists a unit twice: {format_ids(shown)}.")
        return ptr, pos

    def _pairs(self, ptr: IntArray) -> tuple[IntArray, IntArray]:
        """Every ordered pair of entries (e1, e2) of the same group, e1 == e2 included."""
        k = np.diff(ptr)
        g = np.repeat(np.arange(k.size, dtype=np.int64), k)
        e1 = np.repeat(np.arange(int(ptr[-1]), dtype=np.int64), k[g])
        e2 = concat_ranges(np.repeat(ptr[:-1], k), np.repeat(k, k))
        return e1, e2

    def _lookup(self, keys: IntArray, table: IntArray, values: FloatArray) -> FloatArray:
        if table.size == 0:
            return np.zeros(keys.size)
        at = np.searchsorted(table, keys).clip(0, table.size - 1)
        return np.where(table[at] == keys, values[at], 0.0)

    # -- evaluation -----------------------------------------------------------------------
    def _seat_faults(self, seats: Sequence[str | None], ptr: IntArray, mem: IntArray,
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

    def _forced_seats(self, seats: Sequence[str | None], ptr: IntArray,
                      mem: IntArray, labels: Sequence[str]) -> IntArray | None:
        """Settlement positions of given seats (-1: to choose); InputError for bad seats."""
        if all(s is None for s in seats):
            return None
        if self.selector is None:
            raise InputError("The plan names seats but the study area has no settlements; "
                             "seats are settlements.")
        pos, faults = self._seat_faults(seats, ptr, mem)
        problems = [f"{labels[g]}: {en}" for g, en, _ in faults]
        if problems:
            raise InputError(f"{len(problems)} new unit(s) name a seat that cannot be theirs: "
                             f"{format_ids(problems)}. A seat is a settlement inside its new "
                             "unit; fix the plan's seat column or leave it empty to choose.")
        return pos

    def _evaluate(self, ptr: IntArray, mem: IntArray,
                  forced: IntArray | None = None) -> _Evaluation:
        n, cfg = self.n, self.config
        ng = ptr.size - 1
        k = np.diff(ptr)
        g_of = np.repeat(np.arange(ng, dtype=np.int64), k)
        starts = ptr[:-1]

        def gsum(v: FloatArray) -> FloatArray:
            out: FloatArray = np.add.reduceat(v, starts) if ng else np.zeros(0)
            return out

        w = self._w[mem]
        wsum = gsum(w)
        w = np.where(wsum[g_of] > 0, w, 1.0)
        wsum = gsum(w)

        def wmean(v: FloatArray) -> FloatArray:
            out: FloatArray = gsum(w * v) / wsum
            return out

        pop = gsum(self.population[mem])
        e1, e2 = self._pairs(ptr)
        u1, u2 = mem[e1], mem[e2]
        up = e1 < e2
        ekey = np.minimum(u1[up], u2[up]) * n + np.maximum(u1[up], u2[up])
        at = np.searchsorted(self._ekeys, ekey).clip(0, max(self._ekeys.size - 1, 0))
        adjacent = (self._ekeys[at] == ekey) if self._ekeys.size else np.zeros(ekey.size, bool)
        area_m2, perim = union_area_perimeter(ptr, mem, self.area_m2, self.perimeter_m,
                                              self._ekeys, self._eborder)
        pp = polsby_popper(area_m2, perim)
        members_pp = gsum(self.pp[mem]) / k
        th = {name: wmean(v[mem]) for name, v in self.th.items()}
        th["p_min"] = group_floor(self.population[mem], self.th["p_min"][mem], g_of, ng)
        a_max_hard = np.maximum.reduceat(self.th["a_max"][mem], starts) if ng else np.zeros(0)
        t_max_hard = np.maximum.reduceat(self.th["t_max"][mem], starts) if ng else np.zeros(0)

        # Seats and travel times.
        nan_g = np.full(ng, np.nan)
        seats: SeatArrays | None = None
        seat_obj = np.full(ng, None, dtype=object)
        seat_former = np.zeros(ng, dtype=bool)
        mean_min = max_min = pct = dom = reach = nan_g
        if self.selector is not None:
            sel = self.selector
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
            if ft not in self._flows:
                kept[ft] = nan_g
                continue
            fkeys, fvals, tot = self._flows[ft]
            f = self._lookup(u1 * n + u2, fkeys, fvals)
            kept_e = np.bincount(e1, f, minlength=mem.size)
            tot_e = tot[mem]
            has_flow = tot_e > 0
            with np.errstate(invalid="ignore", divide="ignore"):
                share = np.where(has_flow, kept_e / tot_e, 0.0)
            f_num = gsum(w * share)
            f_den = gsum(np.where(has_flow, w, 0.0))
            with np.errstate(invalid="ignore", divide="ignore"):
                kept[ft] = np.where(f_den > 0, f_num / f_den, np.nan)

        cohesion = nan_g
        if self.cohesion_code is not None:
            nl = int(self.cohesion_code.max()) + 1
            lk = g_of * nl + self.cohesion_code[mem]
            uk, inv = np.unique(lk, return_inverse=True)
            sums = np.bincount(inv, w, minlength=uk.size)
            best = np.zeros(ng)
            np.maximum.at(best, uk // nl, sums)
            cohesion = best / wsum
        max_risk = nan_g
        if self.risk is not None:
            rv = self.risk[mem]
            max_risk = np.fmax.reduceat(rv, starts) if ng else np.zeros(0)

        batch = GroupBatch(
            unit_ids=self.ids, units=self.units, ptr=ptr, unit_pos=mem, population=pop,
            area_km2=area_m2 / 1e6, perimeter_km=perim / 1e3, polsby_popper=pp,
            members_polsby_popper=members_pp, p_min=th["p_min"], p_max=th["p_max"],
            t_good=th["t_good"], t_max=th["t_max"], a_max_hard=a_max_hard,
            t_max_hard=t_max_hard, seat=seat_obj, seat_is_former=seat_former,
            mean_minutes=mean_min, max_minutes=max_min, flow_kept=kept, seat_percentile=pct,
            seat_dominance=dom, former_seat_reach=reach,
            county_median=self.county_median[mem[starts]] if ng else np.zeros(0),
            cohesion_share=cohesion, max_risk=max_risk, max_members=cfg.max_members,
            settings=cfg.criteria)

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

        fails = self._constraints(ptr, mem, g_of, k, e1, e2, up, adjacent, batch)
        feasible = np.ones(ng, dtype=bool)
        binding = np.full(ng, "", dtype=object)
        for name in CONSTRAINTS:
            fail = fails[name]
            binding[fail & feasible] = name
            feasible &= ~fail
        bands = cfg.bands
        band = np.where(~feasible | (total < bands.reject), "reject",
                        np.where(total >= bands.recommend, "recommend", "review")).astype(object)
        return _Evaluation(batch, seats, values, total, fails, feasible, binding, band)

    def _constraints(self, ptr: IntArray, mem: IntArray, g_of: IntArray, k: IntArray,
                     e1: IntArray, e2: IntArray, up: BoolArray, adjacent: BoolArray,
                     batch: GroupBatch) -> dict[str, BoolArray]:
        cons = self.config.constraints
        ng = k.size
        n = self.n
        multi = k > 1
        none = np.zeros(ng, dtype=bool)
        starts = ptr[:-1]
        fails: dict[str, BoolArray] = {}
        fails["locked"] = (multi & (np.maximum.reduceat(self.locked[mem].astype(np.int8), starts)
                                    > 0)) if cons.locked and ng else none
        if cons.must_link and self._ml.size and ng:
            cnt = np.diff(self._ml_ptr)[mem]
            pe = np.repeat(np.arange(mem.size, dtype=np.int64), cnt)
            partner = self._ml[concat_ranges(self._ml_ptr[mem], cnt)]
            have = np.sort(g_of * n + mem)
            want = g_of[pe] * n + partner
            at = np.searchsorted(have, want).clip(0, have.size - 1)
            missing = have[at] != want
            fails["must_link"] = np.bincount(g_of[pe[missing]], minlength=ng) > 0
        else:
            fails["must_link"] = none
        if cons.same_parent and self.parent_code is not None and ng:
            pc = self.parent_code[mem]
            fails["same_parent"] = (np.maximum.reduceat(pc, starts)
                                    != np.minimum.reduceat(pc, starts))
        else:
            fails["same_parent"] = none
        if cons.contiguity and ng:
            a, b = e1[up][adjacent], e2[up][adjacent]
            label = np.arange(mem.size, dtype=np.int64)
            for _ in range(int(k.max()) + 1):
                m = np.minimum(label[a], label[b])
                new = label.copy()
                np.minimum.at(new, a, m)
                np.minimum.at(new, b, m)
                new = new[new]
                if np.array_equal(new, label):
                    break
                label = new
            fails["contiguity"] = np.maximum.reduceat(label, starts) != starts
        else:
            fails["contiguity"] = none
        fails["size"] = (k > self.config.max_members) if cons.size else none
        fails["area"] = (multi & (batch.area_km2 > batch.a_max_hard)) if cons.area else none
        if cons.travel_time:
            with np.errstate(invalid="ignore"):
                fails["travel_time"] = multi & (batch.max_minutes > batch.t_max_hard)
        else:
            fails["travel_time"] = none
        return fails

    # -- the fast interface of the plan generators ------------------------------------------
    def batch(self, groups: Sequence[Sequence[str]]) -> GroupBatch:
        """The figures of ``groups`` as a criterion function sees them.

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> s = MergerScorer(StudyArea(grid_units("AB", population={"A": 1, "B": 2})))
        >>> s.batch([["B", "A"]]).members
        (('A', 'B'),)
        """
        ptr, mem = self._positions(groups)
        return self._evaluate(ptr, mem).batch

    def score_groups(self, groups: Sequence[Sequence[str]]) -> pd.DataFrame:
        """Score arbitrary groups of current units (fast path: no reason sentences).

        Parameters
        ----------
        groups : sequence of sequence of str
            Each group is a list of current unit ids (one id: the unit as it
            is). Members are reported sorted.

        Returns
        -------
        DataFrame
            One row per group, in the given order: ``members`` (tuple of
            ids), ``n_members``, ``seat`` (settlement id or None),
            ``population``, ``area_km2``, ``floor`` and ``below_floor``
            (:mod:`townmerge.score.rules`), ``polsby_popper``, one column per criterion,
            ``total``, ``feasible``, ``binding`` (the first failing hard
            constraint, "" when feasible) and ``band``.

        Raises
        ------
        InputError
            For empty groups, unknown ids, or a unit listed twice in a group.

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> s = MergerScorer(StudyArea(grid_units("AB", population={"A": 1, "B": 2})))
        >>> s.score_groups([["A"], ["A", "B"]])["efficiency"].tolist()
        [0.0, 0.3333333333333333]
        """
        return self._frame(self._score(groups))

    def _score(self, groups: Sequence[Sequence[str]]) -> _Evaluation:
        ptr, mem = self._positions(groups)
        ev = self._evaluate(ptr, mem)
        for key, t, f in zip(self._keys(ptr, mem), ev.total, ev.feasible, strict=True):
            self._cache[key] = (float(t), bool(f))
        self._trim_cache()
        return ev

    def _trim_cache(self) -> None:
        """Forget the older half of the memoised groups once there are too many."""
        if len(self._cache) > MAX_CACHED_GROUPS:
            for key in list(itertools.islice(self._cache, len(self._cache) // 2)):
                del self._cache[key]

    def score_arrays(self, groups: Sequence[Sequence[str]]) -> tuple[FloatArray, BoolArray]:
        """Totals and feasibility of many groups at once, as arrays (fills the cache).

        The generators' batch path: the same figures as :meth:`score_groups`
        without building a table.

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> s = MergerScorer(StudyArea(grid_units("ABC", population={"A": 1, "B": 2, "C": 3})))
        >>> totals, feasible = s.score_arrays([["A"], ["A", "C"]])
        >>> feasible.tolist()
        [True, False]
        """
        ev = self._score(groups)
        return np.asarray(ev.total, dtype=float), np.asarray(ev.feasible, dtype=bool)

    def constraint_failures(self, groups: Sequence[Sequence[str]]) -> pd.DataFrame:
        """Each hard constraint each group fails, each judged on its own (not only the first).

        Returns
        -------
        DataFrame
            One row per group: a bool column per name of :data:`CONSTRAINTS`
            (True: the group fails it), and the figures the limits are judged
            on: ``n_members``, ``area_km2``, ``area_limit_km2``,
            ``max_minutes``, ``minutes_limit``.

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> s = MergerScorer(StudyArea(grid_units("AB", cell=20_000.0)))
        >>> s.constraint_failures([["A", "B"]])[["area", "size", "area_km2"]]
           area   size  area_km2
        0  True  False     800.0
        """
        ptr, mem = self._positions(groups)
        ev = self._evaluate(ptr, mem)
        b = ev.batch
        frame = pd.DataFrame({name: np.asarray(ev.fails[name], dtype=bool)
                              for name in CONSTRAINTS})
        frame["n_members"] = b.k
        frame["area_km2"] = b.area_km2
        frame["area_limit_km2"] = b.a_max_hard
        frame["max_minutes"] = b.max_minutes
        frame["minutes_limit"] = b.t_max_hard
        return frame

    def _keys(self, ptr: IntArray, mem: IntArray) -> list[tuple[int, ...]]:
        return [tuple(mem[s:e].tolist()) for s, e in itertools.pairwise(ptr.tolist())]

    def _frame(self, ev: _Evaluation) -> pd.DataFrame:
        b = ev.batch
        data: dict[str, object] = {
            "members": list(b.members), "n_members": b.k, "seat": b.seat,
            "population": b.population, "area_km2": b.area_km2, "floor": b.p_min,
            "below_floor": (below_floor(b.population, b.p_min) if self.area.has_population
                            else np.zeros(b.n, dtype=bool)),
            "polsby_popper": b.polsby_popper,
        }
        data.update(ev.values)
        data.update({"total": ev.total, "feasible": ev.feasible, "binding": ev.binding,
                     "band": ev.band})
        frame = pd.DataFrame(data)
        frame.attrs["notes"] = [en for en, _ in self.notes]
        frame.attrs["notes_zh"] = [zh for _, zh in self.notes]
        frame.attrs["weights"] = dict(self.weights)
        return frame

    def _cached(self, members: Sequence[str]) -> tuple[float, bool]:
        ptr, mem = self._positions([members])
        key = tuple(mem.tolist())
        hit = self._cache.get(key)
        if hit is None:
            ev = self._evaluate(ptr, mem)
            hit = (float(ev.total[0]), bool(ev.feasible[0]))
            self._cache[key] = hit
            self._trim_cache()
        return hit

    def group_total(self, members: Sequence[str]) -> float:
        """Weighted total of one group in [0, 1] (cached); infeasible groups get theirs too.

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> s = MergerScorer(StudyArea(grid_units("AB", population={"A": 1, "B": 2})))
        >>> 0 <= s.group_total(["A", "B"]) <= 1
        True
        """
        return self._cached(members)[0]

    def is_feasible(self, members: Sequence[str]) -> bool:
        """Whether the group meets every hard constraint (cached).

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> s = MergerScorer(StudyArea(grid_units("ABC", population={"A": 1, "B": 2, "C": 3})))
        >>> s.is_feasible(["A"]), s.is_feasible(["A", "C"])
        (True, False)
        """
        return self._cached(members)[1]

    def totals(self, groups: Sequence[Sequence[str]]) -> FloatArray:
        """Totals of many groups at once (also fills the cache).

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> s = MergerScorer(StudyArea(grid_units("AB", population={"A": 1, "B": 2})))
        >>> s.totals([["A"], ["B"]]).shape
        (2,)
        """
        return self.score_arrays(groups)[0]

    # -- candidates -----------------------------------------------------------------------
    def candidates(self, plan: Plan | None = None, *,
                   kind: Literal["auto", "pairs"] = "auto") -> pd.DataFrame:
        """Candidate mergers: adjacent pairs, and groups around units that must merge.

        Parameters
        ----------
        plan : Plan, optional
            Build candidates from the plan's new units (else current units).
        kind : {"auto", "pairs"}, default "auto"
            ``auto``: every adjacent pair, plus every contiguous group of
            3 … ``max_members`` units containing a unit below its floor or
            in a must-link pair (never extended through a locked unit, and at
            most ``max_members`` current units); ``pairs``: pairs only.

        Returns
        -------
        DataFrame
            ``members`` (tuple of atom ids: current units, or the plan's new
            units), ``units`` (tuple of current unit ids), ``trigger``
            (``pair``, ``below_floor``, ``must_link``, joined by ``+``).

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> s = MergerScorer(StudyArea(grid_units("ABC", population={"A": 1, "B": 2,
        ...                                                             "C": 50000})))
        >>> s.candidates()["members"].tolist()
        [('A', 'B'), ('B', 'C'), ('A', 'B', 'C')]
        """
        n = self.n
        if plan is None:
            atom_of = np.arange(n, dtype=np.int64)
            atom_ids = self.ids.to_numpy(dtype=object)
        else:
            plan.check_units(self.ids)
            labels = pd.Index(plan.new_units, dtype=object)
            atom_of = labels.get_indexer(pd.Index([plan.assignment[u] for u in self.ids],
                                                  dtype=object)).astype(np.int64)
            atom_ids = labels.to_numpy(dtype=object)
        na = atom_ids.size
        size = np.bincount(atom_of, minlength=na)
        apop = np.bincount(atom_of, np.nan_to_num(self.population), minlength=na)
        afloor = group_floor(self.population, self.th["p_min"], atom_of, na)
        below: BoolArray = (below_floor(apop, afloor) if self.area.has_population
                            else np.zeros(na, dtype=bool))
        alocked = np.bincount(atom_of, self.locked.astype(float), minlength=na) > 0
        ml: BoolArray = np.zeros(na, dtype=bool)
        for u, v, _ in self.must_link:
            if atom_of[u] != atom_of[v]:
                ml[atom_of[u]] = ml[atom_of[v]] = True
        cs = self.config.criteria
        trig = ((below if cs.trigger_below_floor else False)
                | (ml if cs.trigger_must_link else False)) & ~alocked
        el, eh = atom_of[self._ekeys // n], atom_of[self._ekeys % n]
        keep = el != eh
        pk = np.unique(np.minimum(el, eh)[keep] * na + np.maximum(el, eh)[keep])
        rows_all = [np.column_stack([pk // na, pk % na])]
        src, dst = np.r_[pk // na, pk % na], np.r_[pk % na, pk // na]
        order = np.argsort(src, kind="stable")
        nb, nb_ptr = dst[order], np.r_[0, np.cumsum(np.bincount(src, minlength=na))]
        kmax = self.config.max_members
        if kind == "auto":
            rows = np.flatnonzero(trig)[:, None]
            for m in range(1, kmax):
                if rows.size == 0:
                    break
                parts_r, parts_n = [], []
                for col in range(m):
                    c = np.diff(nb_ptr)[rows[:, col]]
                    parts_r.append(np.repeat(np.arange(len(rows)), c))
                    parts_n.append(nb[concat_ranges(nb_ptr[rows[:, col]], c)])
                r = np.concatenate(parts_r)
                new = np.concatenate(parts_n)
                ok = ~alocked[new] & ~(rows[r] == new[:, None]).any(axis=1)
                r, new = r[ok], new[ok]
                grown = np.sort(np.column_stack([rows[r], new]), axis=1)
                grown = grown[size[grown].sum(axis=1) <= kmax]
                rows = np.unique(grown, axis=0) if grown.size else grown.reshape(0, m + 1)
                if m + 1 >= 3:
                    rows_all.append(rows)
        str_rank = np.argsort(np.argsort(atom_ids.astype(str), kind="stable"))
        unit_lists: list[list[str]] = [[] for _ in range(na)]
        for u in np.argsort(self.ids.to_numpy(dtype=str), kind="stable"):
            unit_lists[atom_of[u]].append(str(self.ids[u]))
        out_members: list[tuple[str, ...]] = []
        out_units: list[tuple[str, ...]] = []
        out_trig: list[str] = []
        for rows in rows_all:
            if rows.size == 0:
                continue
            rows = np.take_along_axis(rows, np.argsort(str_rank[rows], axis=1), axis=1)
            members = list(map(tuple, atom_ids[rows].tolist()))
            out_members += members
            if plan is None:
                out_units += members
            else:
                out_units += [tuple(sorted(u for i in row for u in unit_lists[i]))
                              for row in rows.tolist()]
            flag_b = cast(list[bool], below[rows].any(axis=1).tolist())
            flag_m = cast(list[bool], ml[rows].any(axis=1).tolist())
            pair = "pair" if rows.shape[1] == 2 else ""
            labels = {(fb, fm): "+".join(x for x in (pair, "below_floor" if fb else "",
                                                     "must_link" if fm else "") if x)
                      for fb in (False, True) for fm in (False, True)}
            out_trig += [labels[(fb, fm)] for fb, fm in zip(flag_b, flag_m, strict=True)]
        return pd.DataFrame({"members": out_members, "units": out_units, "trigger": out_trig})

    # -- explanations ---------------------------------------------------------------------
    def _detail(self, ev: _Evaluation, g: int, rule: str | None = None) -> tuple[str, str]:
        """The binding constraint (or ``rule``) of group ``g`` with its figures (en, zh)."""
        b = ev.batch
        name = str(ev.binding[g]) if rule is None else rule
        mem = b.unit_pos[b.ptr[g]:b.ptr[g + 1]]
        labels = [self.label(int(u)) for u in mem]
        names = [str(self.names[u]) for u in mem]
        if name == "locked":
            lk = [i for i, u in enumerate(mem) if self.locked[u]]
            why = ["is a designated border town" if self.border_town[mem[i]]
                   else "is locked (民族乡 or user lock)" for i in lk]
            locks = "; ".join(f"{labels[i]} {w}" for i, w in zip(lk, why, strict=True))
            return (f"locked: {locks} and may not merge (H7)",
                    f"锁定：{'、'.join(names[i] for i in lk)}不参与撤并")
        if name == "must_link":
            inside = set(mem.tolist())
            for u, v, source in self.must_link:
                if (u in inside) != (v in inside):
                    if source == "seat":
                        return (f"must-link (一地两府): the seat of {self.label(u)} lies in "
                                f"{self.label(v)}, so they must merge",
                                f"一地两府：{self.names[u]}驻地位于{self.names[v]}境内，须合并")
                    return (f"must-link: {self.label(u)} and {self.label(v)} must merge",
                            f"必须合并：{self.names[u]}与{self.names[v]}")
        if name == "same_parent":
            by: dict[str, list[str]] = {}
            for u in mem:
                by.setdefault(str(self.parent[u]), []).append(self.label(int(u)))
            listed = "; ".join(f"{p}: {', '.join(v)}" for p, v in sorted(by.items()))
            return (f"same county: the members belong to {len(by)} counties ({listed}) (H2)",
                    f"跨县：成员分属 {len(by)} 个县（{'；'.join(sorted(by))}）")
        if name == "contiguity":
            pieces = self._parts(mem)
            shown = " | ".join("+".join(self.label(int(u)) for u in p) for p in pieces)
            zh = " | ".join("、".join(str(self.names[u]) for u in p) for p in pieces)
            return (f"contiguity: the members form {len(pieces)} separate parts ({shown}) (H1)",
                    f"不连片：成员分为 {len(pieces)} 块（{zh}）")
        if name == "size":
            return (f"size: {mem.size} units > {self.config.max_members} allowed (H6)",
                    f"合并个数：{mem.size} 个乡镇，超过上限 {self.config.max_members} 个")
        if name == "area":
            return (f"area: {b.area_km2[g]:.1f} km² > limit {b.a_max_hard[g]:.0f} km² of the most "
                    "lenient member terrain (H5)",
                    f"面积：{b.area_km2[g]:.1f} km²，超过上限 {b.a_max_hard[g]:.0f} km²")
        if name == "travel_time" and self.selector is not None and ev.seats is not None:
            sel = self.selector
            far = int(ev.seats.farthest[g])
            s = int(ev.seats.seat[g])
            fl = unit_label(str(sel.ids[far]), sel.names[far])
            sl = unit_label(str(sel.ids[s]), sel.names[s])
            return (f"travel time: {fl} is {b.max_minutes[g]:.0f} min from the seat {sl} > limit "
                    f"{b.t_max_hard[g]:.0f} min (H4)",
                    f"时距：{sel.names[far]}距驻地{sel.names[s]} {b.max_minutes[g]:.0f} 分钟，"
                    f"超过上限 {b.t_max_hard[g]:.0f} 分钟")
        return "", ""

    def breaches(self, groups: Sequence[Sequence[str]],
                 seats: Sequence[str | None] | None = None,
                 ) -> list[tuple[int, str, float, float, str, str]]:
        """Every hard constraint each group breaks, not only the first.

        Parameters
        ----------
        groups : sequence of sequence of str
            Groups of current unit ids (one id: a unit that stays).
        seats : sequence of (str or None), optional
            The seat settlement of each group (None: chosen); a seat that is
            not a settlement or lies outside its group is a breach of rule
            ``"seat"`` (and the group is then judged with a chosen seat).

        Returns
        -------
        list of (int, str, float, float, str, str)
            ``(group, rule, figure, limit, English, Chinese)`` in group order,
            rules in the order of :data:`CONSTRAINTS`, then ``"seat"``;
            figure and limit are NaN where the rule has none (locked units:
            how many are locked, limit 0; size: members; area: km²; travel
            time: minutes; contiguity: parts, limit 1; same county: counties,
            limit 1).

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> s = MergerScorer(StudyArea(grid_units("ABC", locked={"A": True})))
        >>> [(g, rule) for g, rule, *_ in s.breaches([["A", "B"], ["C"]])]
        [(0, 'locked')]
        """
        ptr, mem = self._positions(groups)
        forced, faults = (None, []) if seats is None else self._seat_faults(seats, ptr, mem)
        ev = self._evaluate(ptr, mem, forced)
        b = ev.batch
        cfg = self.config
        limits: dict[str, tuple[FloatArray, FloatArray]] = {
            "locked": (np.add.reduceat(self.locked[mem].astype(float), ptr[:-1])
                       if b.n else np.zeros(0), np.zeros(b.n)),
            "size": (b.k.astype(float), np.full(b.n, float(cfg.max_members))),
            "area": (b.area_km2, b.a_max_hard),
            "travel_time": (b.max_minutes, b.t_max_hard),
        }
        out: list[tuple[int, str, float, float, str, str]] = []
        for g in range(b.n):
            for rule in CONSTRAINTS:
                if not ev.fails[rule][g]:
                    continue
                en, zh = self._detail(ev, g, rule)
                fig, lim = limits.get(rule, (None, None))
                if rule in ("contiguity", "same_parent"):
                    m = mem[ptr[g]:ptr[g + 1]]
                    n_parts = (len(self._parts(m)) if rule == "contiguity"
                               else len({str(self.parent[u]) for u in m}))
                    figure, limit = float(n_parts), 1.0
                elif fig is None or lim is None:
                    figure = limit = float("nan")
                else:
                    figure, limit = float(fig[g]), float(lim[g])
                out.append((g, rule, figure, limit, en, zh))
            out += [(g, "seat", float("nan"), float("nan"), en, zh)
                    for fg, en, zh in faults if fg == g]
        return out

    def _parts(self, mem: IntArray) -> list[list[int]]:
        left = set(mem.tolist())
        parts = []
        while left:
            start = min(left, key=lambda u: str(self.ids[u]))
            stack, part = [start], {start}
            while stack:
                u = stack.pop()
                for v in self._nb[self._nb_ptr[u]:self._nb_ptr[u + 1]].tolist():
                    if v in left and v not in part:
                        part.add(v)
                        stack.append(v)
            left -= part
            parts.append(sorted(part, key=lambda u: str(self.ids[u])))
        return parts

    def _flow_clause(self, ev: _Evaluation, g: int, names: Sequence[str]) -> tuple[str, str]:
        """How much of the smallest member's outbound flow goes to the rest of the group."""
        ft = self.config.flow_type if self.config.flow_type in self._flows else (
            next(iter(self._flows), None))
        b = ev.batch
        mem = b.unit_pos[b.ptr[g]:b.ptr[g + 1]]
        if ft is None or mem.size < 2:
            return "", ""
        fkeys, fvals, tot = self._flows[ft]
        pop = np.where(np.isfinite(self.population[mem]), self.population[mem], np.inf)
        i = int(np.argmin(pop))
        m = int(mem[i])
        others = [int(u) for u in mem if u != m]
        to = self._lookup(np.array([m * self.n + v for v in others], dtype=np.int64), fkeys, fvals)
        own = float(self._lookup(np.array([m * self.n + m], dtype=np.int64), fkeys, fvals)[0])
        outbound = float(tot[m]) - own
        if outbound <= 0:
            return "", ""
        share = float(to.sum()) / outbound
        order = np.argsort(-to, kind="stable")
        dest = [names[mem.tolist().index(others[j])] for j in order]
        dzh = "、".join(dest) if len(dest) <= 2 else f"{dest[0]}等"
        den = ", ".join(dest) if len(dest) <= 2 else f"{dest[0]} and others"
        return (f"{names[i]} {share:.0%} 的{_FLOW_ZH[ft]}流出流向{dzh}",
                f"{share:.0%} of {names[i]}'s outbound {_FLOW_EN[ft]} flow goes to {den}")

    def _reasons(self, ev: _Evaluation, member_names: Sequence[Sequence[str]],
                 seat_name: Sequence[str | None], details: Sequence[tuple[str, str]],
                 ) -> list[tuple[str, str]]:
        """One sentence per group, in Chinese and English, built from its figures."""
        b = ev.batch
        feasible = ev.feasible.tolist()
        merged = (b.k > 1).tolist()
        mean = b.mean_minutes.tolist()
        pop = b.population.tolist()
        pmin = b.p_min.tolist()
        comp = ev.values["compactness"].tolist() if "compactness" in ev.values else None
        flows = bool(self._flows)
        out = []
        for g in range(b.n):
            zh: list[str] = []
            en: list[str] = []
            if not feasible[g]:
                zh.append("不可行：" + details[g][1])
                en.append("infeasible: " + details[g][0])
            fz, fe = self._flow_clause(ev, g, member_names[g]) if flows else ("", "")
            if fz:
                zh.append(fz)
                en.append(fe)
            after = "合并后" if merged[g] else ""
            if mean[g] == mean[g] and seat_name[g] is not None:
                zh.append(f"{after}驻地（{seat_name[g]}）平均可达 {mean[g]:.0f} 分钟")
                en.append(f"the {'merged ' if merged[g] else ''}seat ({seat_name[g]}) is "
                          f"{mean[g]:.0f} minutes away on average")
            if pop[g] == pop[g]:
                zh.append(f"{after}人口 {fmt_population(pop[g], 'zh')}"
                          f"（下限 {fmt_population(pmin[g], 'zh')}）")
                en.append(f"population {fmt_population(pop[g], 'en')} (floor "
                          f"{fmt_population(pmin[g], 'en')})")
            if not fz and mean[g] != mean[g] and comp is not None and comp[g] == comp[g]:
                zh.append(f"紧凑度 {comp[g]:.2f}")
                en.append(f"compactness {comp[g]:.2f}")
            en_text = "; ".join(en)
            out.append(("；".join(zh) + "。" if zh else "",
                        en_text[:1].upper() + en_text[1:] + "." if en_text else ""))
        return out

    def explain(self, groups: Sequence[Sequence[str]], *,
                villages: gpd.GeoDataFrame | None = None,
                seats: Sequence[str | None] | None = None) -> pd.DataFrame:
        """Score groups with every explanation: names, seat, figures, binding detail, reasons.

        Parameters
        ----------
        groups : sequence of sequence of str
            Groups of current unit ids.
        villages : GeoDataFrame, optional
            Village polygons: a seat move (驻地迁移) is judged by villages.
        seats : sequence of (str or None), optional
            The seat settlement of each group (None: chosen); a given seat is
            scored as it is, even where another would score higher.

        Returns
        -------
        DataFrame
            The columns of :meth:`score_groups` plus ``member_names``,
            ``seat_name``, ``seat_unit``, ``seat_moved``, ``mean_minutes``,
            ``max_minutes``, ``binding_detail``, ``binding_detail_zh``,
            ``band_zh``, ``missing`` (criteria without data for the row),
            ``reason_zh`` and ``reason_en``.

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> s = MergerScorer(StudyArea(grid_units("AB", population={"A": 9000, "B": 6000})))
        >>> s.explain([["A", "B"]])["reason_en"][0]
        'Population 15,000 (floor 20,000); compactness 0.89.'
        """
        ptr, mem = self._positions(groups)
        forced = None
        if seats is not None:
            if len(seats) != len(groups):
                raise InputError(f"{len(seats)} seats for {len(groups)} groups; give one per "
                                 "group (None to choose).")
            forced = self._forced_seats(seats, ptr, mem, [
                "+".join(self.label(int(u)) for u in mem[ptr[g]:ptr[g + 1]])
                for g in range(len(groups))])
        ev = self._evaluate(ptr, mem, forced)
        frame = self._frame(ev)
        b = ev.batch
        names = self.names
        flat = names[b.unit_pos].tolist()
        member_names = [tuple(flat[s:e]) for s, e in itertools.pairwise(b.ptr.tolist())]
        seat_name = np.full(b.n, None, dtype=object)
        seat_unit = np.full(b.n, None, dtype=object)
        moved = np.zeros(b.n, dtype=bool)
        if self.selector is not None and ev.seats is not None:
            sel = self.selector
            s = ev.seats.seat
            has = s >= 0
            seat_name[has] = sel.names[s[has]]
            su = sel.unit_of[np.maximum(s, 0)]
            ok = has & (su >= 0)
            seat_unit[ok] = self.ids.to_numpy(dtype=object)[su[ok]]
            moved = has & ~b.seat_is_former
            if villages is not None and has.any():
                fs = sel.unit_seat[b.unit_pos]
                wanted = sorted({str(sel.ids[p]) for p in np.r_[s[has], fs[fs >= 0]]})
                vil = village_of(self.area, villages, wanted)
                for g in np.flatnonzero(has):
                    former = [str(sel.ids[p]) for p in fs[b.ptr[g]:b.ptr[g + 1]] if p >= 0]
                    sv = vil.get(str(sel.ids[s[g]]))
                    fv = {vil.get(f) for f in former}
                    if sv is not None and None not in fv:
                        moved[g] = sv not in fv
        infeasible = set(np.flatnonzero(~ev.feasible).tolist())
        details = [self._detail(ev, g) if g in infeasible else ("", "") for g in range(b.n)]
        reasons = self._reasons(ev, member_names, list(seat_name), details)
        crit = list(ev.values)
        code = np.zeros(b.n, dtype=np.int64)
        for i, c in enumerate(crit):
            code |= (~np.isfinite(ev.values[c])).astype(np.int64) << i
        patterns = {int(p): ", ".join(c for i, c in enumerate(crit) if (int(p) >> i) & 1)
                    for p in np.unique(code)}
        miss = [patterns[p] for p in code.tolist()]
        frame.insert(1, "member_names", member_names)
        at = frame.columns.get_loc("seat") + 1
        frame.insert(at, "seat_name", seat_name)
        frame.insert(at + 1, "seat_unit", seat_unit)
        frame.insert(at + 2, "seat_moved", moved)
        at = frame.columns.get_loc("area_km2") + 1
        frame.insert(at, "mean_minutes", b.mean_minutes)
        frame.insert(at + 1, "max_minutes", b.max_minutes)
        frame["binding_detail"] = [d[0] for d in details]
        frame["binding_detail_zh"] = [d[1] for d in details]
        frame["band_zh"] = [_BAND_ZH[x] for x in frame["band"]]
        frame["missing"] = miss
        frame["reason_zh"] = [r[0] for r in reasons]
        frame["reason_en"] = [r[1] for r in reasons]
        return frame


def _scorer(area: StudyArea, config: Config | None, scorer: MergerScorer | None,
            criteria: CriterionRegistry | None, edges: pd.DataFrame | None) -> MergerScorer:
    if scorer is not None:
        if config is not None or criteria is not None or edges is not None:
            raise InputError("Give either a scorer or config / criteria / edges: a scorer "
                             "already has its own.")
        if scorer.area is not area:
            raise InputError("The scorer was built for another study area; build "
                             "MergerScorer(area, ...) for this one.")
        return scorer
    return MergerScorer(area, config, edges=edges, criteria=criteria)


def score_mergers(
    area: StudyArea,
    plan: Plan | None = None,
    config: Config | None = None,
    *,
    criteria: CriterionRegistry | None = None,
    edges: pd.DataFrame | None = None,
    scorer: MergerScorer | None = None,
    candidates: Literal["auto", "pairs"] = "auto",
    villages: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Score every candidate merger, the way a county planner reasons about them.

    Parameters
    ----------
    area : StudyArea
    plan : Plan, optional
        Build candidates from the plan's new units instead of the current
        units (``members`` are then new unit ids; ``units`` the current ones).
    config : Config, optional
    criteria : CriterionRegistry, optional
        Default :func:`townmerge.score.criteria.default_criteria`; user criteria
        appear as columns and count in the total.
    edges : DataFrame, optional
        Adjacency edge table (default: rook adjacency).
    scorer : MergerScorer, optional
        Reuse a scorer built for ``area`` (then ``config``, ``criteria`` and
        ``edges`` are the scorer's).
    candidates : {"auto", "pairs"}, default "auto"
        See :meth:`MergerScorer.candidates`.
    villages : GeoDataFrame, optional
        Village polygons, to judge seat moves by villages.

    Returns
    -------
    DataFrame
        One row per candidate, best total first: ``members``,
        ``member_names``, ``units``, ``trigger``, ``n_members``, ``seat``,
        ``seat_name``, ``seat_unit``, ``seat_moved``, ``population``,
        ``area_km2``, ``mean_minutes``, ``max_minutes``, each criterion,
        ``total`` (``Σ w·S / Σ w`` over the criteria with data), ``feasible``,
        ``binding`` (first failing hard constraint) with
        ``binding_detail`` / ``binding_detail_zh`` (its figures), ``band``
        (recommend / review / reject; infeasible rows are rejected),
        ``band_zh``, ``missing``, ``reason_zh``, ``reason_en``.
        ``attrs["notes"]`` / ``attrs["notes_zh"]`` say which data were
        missing and where flows come from; ``attrs["weights"]`` the weights.

    Examples
    --------
    >>> from townmerge.datasets.synthetic import sample_county
    >>> c = sample_county()
    >>> area = StudyArea(c.units, c.settlements, c.flows, c.roads)
    >>> table = score_mergers(area)
    >>> len(table) > 100, sorted(table["band"].unique())
    (True, ['recommend', 'reject', 'review'])
    >>> row = table[table["members"] == ("511025115", "511025116")].iloc[0]
    >>> import textwrap
    >>> print(textwrap.fill(row["reason_zh"], 40))
    安坝镇 38% 的人口流出流向小冲镇；合并后驻地（小冲社区）平均可达 6 分钟；合并后人口
    2.77万（下限 2.49万）。
    >>> print(textwrap.fill(row["reason_en"], 80))
    38% of 安坝镇's outbound population flow goes to 小冲镇; the merged seat (小冲社区)
    is 6 minutes away on average; population 27,681 (floor 24,923).
    >>> locked = table[table["members"] == ("511025105", "511025209")].iloc[0]
    >>> bool(locked["feasible"]), locked["binding"], locked["band"]
    (False, 'locked', 'reject')
    >>> print(locked["binding_detail"])
    locked: 511025209 (松和藏族乡) is locked (民族乡 or user lock) and may not merge (H7)
    """
    sc = _scorer(area, config, scorer, criteria, edges)
    cand = sc.candidates(plan, kind=candidates)
    table = sc.explain(list(cand["units"]), villages=villages)
    if plan is not None:
        names = [tuple(new_unit_name(area, plan, m) for m in mem) for mem in cand["members"]]
        table["member_names"] = names
    table["members"] = list(cand["members"])
    table.insert(2, "units", list(cand["units"]))
    table.insert(3, "trigger", list(cand["trigger"]))
    order = np.lexsort((np.array(["+".join(m) for m in table["members"]], dtype=object),
                        -table["total"].to_numpy()))
    out = table.iloc[order].reset_index(drop=True)
    out.attrs = dict(table.attrs)
    return out


def new_unit_name(area: StudyArea, plan: Plan, new: str) -> str:
    """The name of a plan's new unit.

    The plan's name, else that of the member whose id it keeps, else that of
    its most populous member.

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> area = StudyArea(grid_units("AB", population={"A": 1, "B": 2}))
    >>> new_unit_name(area, Plan.from_groups({"X": ["A", "B"]}), "X")
    'B镇'
    """
    if new in plan.names:
        return str(plan.names[new])
    units = area.units
    members = plan.members(new)
    if new in members:
        return str(units.at[new, "name"])
    pop = units.loc[list(members), "population"]
    core = pop.idxmax() if pop.notna().any() else members[0]
    return str(units.at[core, "name"])


def score_plan(
    area: StudyArea,
    plan: Plan,
    *,
    config: Config | None = None,
    criteria: CriterionRegistry | None = None,
    edges: pd.DataFrame | None = None,
    scorer: MergerScorer | None = None,
    villages: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Score every new unit of a plan (units that stay as they are included).

    A new unit is scored with the seat the plan names for it (``plan.seats``),
    else with the seat :func:`townmerge.choose_seat` would choose.

    Parameters
    ----------
    area : StudyArea
    plan : Plan
    config, criteria, edges, scorer, villages
        As for :func:`score_mergers`.

    Returns
    -------
    DataFrame
        Indexed by ``new_unit``; the columns of :func:`score_mergers`
        (``members`` are current unit ids).

    Raises
    ------
    PlanError
        When the plan does not assign every unit of the area once.

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> area = StudyArea(grid_units("AB", population={"A": 9000, "B": 6000}))
    >>> score_plan(area, Plan.from_groups({"N": ["A", "B"]}))["feasible"].tolist()
    [True]
    """
    plan.check_units(area.unit_ids)
    sc = _scorer(area, config, scorer, criteria, edges)
    groups = plan.groups()
    table = sc.explain(list(groups.values()), villages=villages,
                       seats=[plan.seats.get(new) for new in groups])
    table.index = pd.Index(list(groups), name="new_unit")
    return table


def plan_objective(
    area: StudyArea,
    plan: Plan,
    *,
    config: Config | None = None,
    criteria: CriterionRegistry | None = None,
    edges: pd.DataFrame | None = None,
    scorer: MergerScorer | None = None,
) -> float:
    """The plan objective: population-weighted mean of the new units' totals.

    Units that stay as they are count as new units of one (scored by the same
    criteria). Weights are populations (areas in km² where the area has no
    population). New units are scored with the seats the plan names, where it
    names them, else with the seat the scorer chooses.

    Parameters
    ----------
    area : StudyArea
    plan : Plan
    config, criteria, edges, scorer
        As for :func:`score_mergers`.

    Returns
    -------
    float
        In [0, 1].

    Raises
    ------
    PlanError
        When the plan does not assign every unit once.
    InputError
        When the plan names a seat that is not a settlement of its new unit.
    InfeasibleError
        When any new unit breaks a hard constraint, naming every such new
        unit, its members and the binding constraint with its figures
        (infeasible plans are rejected, not penalised).

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> area = StudyArea(grid_units("ABC", population={"A": 9000, "B": 6000, "C": 1}))
    >>> 0 < plan_objective(area, Plan.from_groups({"N": ["A", "B"], "C": ["C"]})) < 1
    True
    >>> plan_objective(area, Plan.from_groups({"N": ["A", "C"], "B": ["B"]}))
    Traceback (most recent call last):
    ...
    townmerge.errors.InfeasibleError: 1 new unit(s) of the plan break a hard constraint: ...
    """
    plan.check_units(area.unit_ids)
    sc = _scorer(area, config, scorer, criteria, edges)
    groups = plan.groups()
    ptr, mem = sc._positions(list(groups.values()))
    forced = sc._forced_seats([plan.seats.get(new) for new in groups], ptr, mem, list(groups))
    ev = sc._evaluate(ptr, mem, forced)
    if not ev.feasible.all():
        bad = np.flatnonzero(~ev.feasible)
        shown = []
        for g in bad:
            new = list(groups)[g]
            en, _ = sc._detail(ev, int(g))
            shown.append(f"{new} ({'+'.join(ev.batch.members[g])}): {en}")
        raise InfeasibleError(
            f"{len(bad)} new unit(s) of the plan break a hard constraint: "
            f"{format_ids(shown)}. Infeasible plans are rejected; change these new units.")
    w = ev.batch.population if area.has_population else ev.batch.area_km2
    return objective_value(w, ev.total)


def objective_value(weights: npt.ArrayLike, totals: npt.ArrayLike) -> float:
    """THE plan objective, defined once: the weighted mean of the new units' totals.

    Weights are the new units' populations (areas where there is none); every
    generator and every evaluation uses this function.

    Parameters
    ----------
    weights : array_like
        Population (or area) of each new unit.
    totals : array_like
        Total score of each new unit, in [0, 1].

    Returns
    -------
    float
        Σ w·total / Σ w; the plain mean of the totals when the weights are
        unusable (missing or all zero).

    Examples
    --------
    >>> objective_value([10, 30], [0.25, 0.75])
    0.625
    """
    w = np.asarray(weights, dtype=float)
    t = np.asarray(totals, dtype=float)
    if w.size == 0:
        return float("nan")
    if not np.isfinite(w).all() or w.sum() <= 0:
        return float(t.mean())
    return float((w * t).sum() / w.sum())
