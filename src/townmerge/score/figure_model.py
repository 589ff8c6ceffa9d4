"""The figure model of a study area: additive parts of the neutral figures, per candidate group.

Each neutral figure of a plan (:mod:`townmerge.score.figures`) is built from
parts that add up over the new units of a plan — population, flow between the
settlements of the group, population-weighted minutes to the seat, area and
perimeter — so that

- a plan's figures are computed once, the same way everywhere
  (:meth:`FigureModel.plan`), and
- a bound on a figure ("at least as much flow kept as plan X") is a linear
  constraint over candidate groups, which the exact model can impose
  (:meth:`GroupFigures.constraints`; :func:`townmerge.generate_plan` with
  ``bounds=``).

Compactness is the Polsby–Popper ratio 4πA/P² of the union, with the union's
perimeter the members' perimeters less twice their shared borders (the
adjacency's ``border_m``), as in the compactness criterion; on a clean coverage
it equals the dissolved polygon's. Seats are chosen as the scorer chooses them
(:meth:`townmerge.score.seats.SeatSelector.select`) unless a plan names them.

Examples
--------
>>> from townmerge.testing.grids import grid_units
>>> from townmerge.data.model import StudyArea
>>> from townmerge.data.plan import Plan
>>> area = StudyArea(grid_units("AB / CD", population={"A": 10, "B": 30, "C": 20, "D": 40}))
>>> fm = FigureModel(area)
>>> f = fm.plan(Plan.from_mapping({"A": 1, "B": 1, "C": 2, "D": 2}))
>>> float(f["units"]), round(float(f["population_cv"]), 3), round(float(f["compactness_mean"]), 3)
(2.0, 0.2, 0.698)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from types import MappingProxyType

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from ..config import Config
from ..data.columns import FLOW_TYPES
from ..data.model import StudyArea
from ..data.plan import Plan
from ..errors import InputError, format_ids
from ..graph.adjacency import border_keys
from ..graph.derived import derived
from ..graph.flows import SettlementFlows, settlement_flows
from .group_figures import GroupFigures
from .groups import concat_ranges, lookup, ordered_pairs
from .rules import below_floor, group_floor, polsby_popper, union_area_perimeter
from .seats import SeatSelector, seat_selector, unit_thresholds

__all__ = ["FigureModel", "figure_model"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class FigureModel:
    """Per-unit arrays of one study area for computing neutral figures of many groups fast.

    Parameters
    ----------
    area : StudyArea
    config : Config, optional
        Population floors and ``t_good`` by terrain; seat settings.
    edges : DataFrame, optional
        Adjacency edges with ``border_m`` (default: rook adjacency), for the
        unions' perimeters.
    selector : SeatSelector, optional
        Reused seat figures, travel times and flows (built when the area has
        settlements and none is given).
    flows : SettlementFlows, optional
        Settlement flows (default: the selector's).

    Examples
    --------
    >>> from townmerge.datasets.synthetic import sample_county
    >>> c = sample_county()
    >>> area = StudyArea(c.units, c.settlements, c.flows, c.roads)
    >>> fm = FigureModel(area)
    >>> g = fm.groups([["511025102", "511025205"]])
    >>> g.seat.tolist(), bool(g.max_minutes[0] > 0)
    (['511025102001'], True)
    """

    def __init__(self, area: StudyArea, config: Config | None = None, *,
                 edges: pd.DataFrame | None = None, selector: SeatSelector | None = None,
                 flows: SettlementFlows | None = None) -> None:
        cfg = config or Config()
        self.config = cfg
        units = area.units
        self.ids = pd.Index(units.index.astype(str), name="unit_id")
        n = len(self.ids)
        self.n = n
        self.population = units["population"].to_numpy(dtype=float)
        w = np.where(np.isfinite(self.population), self.population, 0.0)
        self._w = w if w.sum() > 0 else np.ones(n)
        th = unit_thresholds(units, cfg)
        self._p_min, self._t_max, self._t_good = th["p_min"], th["t_max"], th["t_good"]
        geoms = np.asarray(units.geometry.array)
        self.area_m2 = np.asarray(shapely.area(geoms), dtype=float)
        self.perimeter_m = np.asarray(shapely.length(geoms), dtype=float)
        shared = derived(area, cfg)
        edges = shared.edges if edges is None else edges
        self._ekeys, self._eborder = border_keys(self.ids, edges)

        self.selector: SeatSelector | None = None
        st = area.settlements
        if selector is not None:
            self.selector = selector
        elif st is not None and len(st):
            self.selector = (seat_selector(area, cfg) if flows is None
                             else SeatSelector(area, cfg, flows=flows))
        self._flow: dict[str, tuple[IntArray, FloatArray]] = {}
        self.flow_total: dict[str, float] = {}
        sf = flows if flows is not None else (self.selector.flows if self.selector else None)
        if sf is None and self.selector is not None:
            sf = (shared.flows if self.selector.network is shared.travel else
                  settlement_flows(area, gravity=cfg.gravity, network=self.selector.network))
        if sf is not None:
            unit_of = self.ids.get_indexer(pd.Index(sf.settlements["unit"].astype(object)))
            real = sf.origin != sf.destination
            o, d = unit_of[sf.origin[real]], unit_of[sf.destination[real]]
            inside = (o >= 0) & (d >= 0)
            fkey = o[inside].astype(np.int64) * n + d[inside]
            uk, kinv = np.unique(fkey, return_inverse=True)
            for t in FLOW_TYPES:
                vals = sf.values(t)[real]
                self.flow_total[t] = float(vals.sum())
                self._flow[t] = (uk.astype(np.int64),
                                 np.bincount(kinv, vals[inside], minlength=uk.size).astype(float))

    # -- groups ---------------------------------------------------------------------------
    def _positions(self, groups: Sequence[Sequence[str]]) -> tuple[IntArray, IntArray]:
        lens = np.fromiter((len(g) for g in groups), dtype=np.int64, count=len(groups))
        if (lens == 0).any():
            raise InputError("Every group needs at least one unit; got an empty group.")
        flat = pd.Index([str(u) for g in groups for u in g], dtype=object)
        pos = self.ids.get_indexer(flat).astype(np.int64)
        if (pos < 0).any():
            unknown = sorted({str(u) for u, p in zip(flat, pos, strict=True) if p < 0})
            raise InputError(f"{len(unknown)} unit id(s) are not in the study area: "
                             f"{format_ids(unknown)}.")
        ptr = np.r_[0, np.cumsum(lens)].astype(np.int64)
        g = np.repeat(np.arange(len(groups), dtype=np.int64), lens)
        order = np.lexsort((pos, g))
        return ptr, pos[order]

    def groups(self, groups: Sequence[Sequence[str]], *,
               seats: Sequence[str | None] | None = None) -> GroupFigures:
        """Figure parts of each group of current unit ids.

        Parameters
        ----------
        groups : sequence of sequence of str
        seats : sequence of (str or None), optional
            The seat settlement of each group; None (or not given): chosen as
            the scorer chooses.

        Returns
        -------
        GroupFigures

        Raises
        ------
        InputError
            For empty groups, unknown unit ids or seats that are not settlements.

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> g = FigureModel(example_area()).groups([["A", "B"]], seats=["b1"])
        >>> g.seat.tolist(), g.population.tolist()
        (['b1'], [24000.0])
        """
        ptr, mem = self._positions(groups)
        n, ng = self.n, ptr.size - 1
        k = np.diff(ptr)
        g_of = np.repeat(np.arange(ng, dtype=np.int64), k)
        starts = ptr[:-1]

        def gsum(v: FloatArray) -> FloatArray:
            out: FloatArray = np.add.reduceat(v, starts) if ng else np.zeros(0)
            return out

        upop = self.population[mem]
        finite = np.isfinite(upop)
        pop = np.where(np.bincount(g_of, finite, minlength=ng) > 0,
                       gsum(np.where(finite, upop, 0.0)), np.nan)
        floor = group_floor(upop, self._p_min[mem], g_of, ng)
        below = below_floor(pop, floor)
        area_m2, perim = union_area_perimeter(ptr, mem, self.area_m2, self.perimeter_m,
                                              self._ekeys, self._eborder)
        pp = polsby_popper(area_m2, perim)
        e1, e2 = ordered_pairs(ptr)  # every ordered pair of members of the same group
        u1, u2 = mem[e1], mem[e2]
        inside: dict[str, FloatArray] = {
            t: np.bincount(g_of[e1], lookup(u1 * n + u2, *self._flow[t]),
                           minlength=ng).astype(float) for t in self._flow}

        nan = np.full(ng, np.nan)
        zero = np.zeros(ng)
        seat_obj = np.full(ng, None, dtype=object)
        sw = mw = cnt = mins = ww = wc = zero
        mx = nan
        sel = self.selector
        if sel is not None:
            if seats is not None and len(seats) != ng:
                raise InputError(f"{len(seats)} seats for {ng} groups; give one per group.")
            given = [None if seats is None else seats[i] for i in range(ng)]
            seat = np.full(ng, -1, dtype=np.int64)
            if any(s is not None for s in given):
                has = np.array([s is not None for s in given])
                seat[has] = sel.ids.get_indexer(pd.Index([str(s) for s in given if s is not None],
                                                         dtype=object))
                unknown = [str(s) for s, p in zip(given, seat, strict=True)
                           if s is not None and p < 0]
                if unknown:
                    raise InputError(f"Seat(s) that are not settlements: {format_ids(unknown)}.")
            todo = np.flatnonzero(seat < 0)
            if todo.size:
                w = self._w[mem]
                wsum = gsum(w)
                w = np.where(wsum[g_of] > 0, w, 1.0)
                soft = gsum(w * self._t_max[mem]) / gsum(w)
                hard = np.maximum.reduceat(self._t_max[mem], starts) if ng else np.zeros(0)
                sub_k = k[todo]
                sub_ptr = np.r_[0, np.cumsum(sub_k)].astype(np.int64)
                sub_mem = mem[concat_ranges(starts[todo], sub_k)]
                seat[todo] = sel.select(sub_ptr, sub_mem, soft[todo], hard[todo]).seat
            # every settlement of each group, and its minutes to the group's seat
            c = sel.u_count[mem]
            s_group = np.repeat(g_of, c)
            s_pos = sel.u_order[concat_ranges(sel.u_ptr[mem], c)]
            s_unit = np.repeat(mem, c)
            ok = seat[s_group] >= 0
            s_group, s_pos, s_unit = s_group[ok], s_pos[ok], s_unit[ok]
            t = sel.times(seat[s_group], s_pos)
            sp = sel.population[s_pos]
            good = t <= self._t_good[s_unit]
            sw = np.bincount(s_group, sp, minlength=ng).astype(float)
            mw = np.bincount(s_group, sp * t, minlength=ng).astype(float)
            cnt = np.bincount(s_group, minlength=ng).astype(float)
            mins = np.bincount(s_group, t, minlength=ng).astype(float)
            ww = np.bincount(s_group, sp * good, minlength=ng).astype(float)
            wc = np.bincount(s_group, good, minlength=ng).astype(float)
            mx = np.full(ng, -np.inf)
            np.maximum.at(mx, s_group, t)
            mx = np.where(np.isfinite(mx), mx, np.nan)
            has_seat = seat >= 0
            seat_obj[has_seat] = sel.ids.to_numpy(dtype=object)[seat[has_seat]]
        ids = self.ids.to_numpy(dtype=object)
        members = tuple(tuple(ids[mem[s:e]]) for s, e in itertools.pairwise(ptr))
        return GroupFigures(
            members=members, seat=seat_obj, population=pop, floor=floor, below_floor=below,
            area_m2=area_m2, perimeter_m=perim, compactness=pp,
            flow_inside=MappingProxyType(inside),
            flow_total=MappingProxyType(dict(self.flow_total)),
            settlement_weight=sw, minutes_weighted=mw, settlements=cnt, minutes=mins,
            max_minutes=mx, within_weight=ww, within_count=wc,
            population_total=float(np.nansum(self.population)),
            by_population=bool(sel is not None and sel.population.sum() > 0))

    def plan(self, plan: Plan) -> pd.Series:
        """The neutral figures of a plan (its seats where it names them).

        Parameters
        ----------
        plan : Plan

        Returns
        -------
        Series
            Indexed by :data:`METRICS`.

        Examples
        --------
        >>> from townmerge.testing.examples import example_area
        >>> merged = Plan.from_mapping({"A": "A", "B": "A"})
        >>> float(FigureModel(example_area()).plan(merged)["units"])
        1.0
        """
        plan.check_units(list(self.ids))
        groups = plan.groups()
        seats = [plan.seats.get(new) for new in groups]
        return self.groups(list(groups.values()), seats=seats).plan_figures()


def figure_model(area: StudyArea, config: Config | None = None) -> FigureModel:
    """The :class:`FigureModel` of ``area`` under ``config``, built once and shared.

    The figure parts every step reads when it is given no edges, selector or
    flows of its own (see :mod:`townmerge.graph.derived`): the same area and settings
    give the same object.

    Examples
    --------
    >>> from townmerge.testing.examples import example_area
    >>> area = example_area()
    >>> figure_model(area) is figure_model(area, Config())
    True
    """
    cfg = config or Config()
    return derived(area, cfg).memo("figure_model", lambda: FigureModel(area, cfg))
