r"""Seat (驻地) selection for merged units (domain notes §7).

Candidates are the members' current seats (``SeatSettings.candidates =
"seats"``) or also every other town-level settlement inside the union
(``"towns"``). Hard rules: the seat lies inside the union; no seat in a
geological-hazard zone; when the county seat is a member's seat, the seat
stays there; a candidate within the terrain's travel-time limit of every
settlement (H4) beats one that is not. Among the rest the seat score

.. math:: 0.35\,A + 0.30\,Z + 0.15\,H + 0.10\,\mathit{Cont} + 0.10\,L

decides (weights in :class:`townmerge.config.SeatSettings`):

- **A** access: :math:`1 - \bar T / T_{max}` with :math:`\bar T` the
  population-weighted mean travel time from the union's settlements (the
  p-median objective);
- **Z** centrality relative to the strongest candidate
  (:func:`townmerge.score.centrality.centrality_index`);
- **H** road hub strength (sum of the speeds of the roads at its node)
  relative to the strongest candidate;
- **Cont** 1 when the candidate already is a seat;
- **L** land to expand (settlement column ``land``) relative to the largest.

A term without data (no roads, no land column) is left out and the weights
renormalised; the choice says so. Ties go to the larger population.

:class:`SeatSelector` holds the settlement figures of one study area and
chooses the seats of many groups at once (:meth:`SeatSelector.select`); the
seat of one merged unit, explained, is :func:`townmerge.score.seat_choice.choose_seat`.

Examples
--------
>>> from townmerge.datasets.synthetic import sample_county
>>> from townmerge.data.model import StudyArea
>>> c = sample_county()
>>> sel = seat_selector(StudyArea(c.units, c.settlements, c.flows, c.roads))
>>> res = sel.select(np.array([0, 2]), np.array([4, 12]), np.array([30.0]), np.array([45.0]))
>>> sel.ids[res.seat].tolist()
['511025102001']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..config import Config
from ..data.check_columns import terrain_problems
from ..data.columns import parse_flags
from ..data.model import StudyArea, unit_label
from ..data.problems import ValidationReport
from ..errors import InputError, format_ids
from ..graph.derived import derived
from ..graph.flows import SettlementFlows, settlement_flows
from ..graph.travel import TravelNetwork
from .centrality import centrality_index
from .current_seats import current_seats, seat_percentile
from .groups import concat_ranges

__all__ = ["SeatArrays", "SeatSelector", "flag_column", "seat_selector", "unit_thresholds"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Settlement kinds that are town-level (镇级) nodes.
TOWN_KINDS = ("county seat", "town seat")
#: Seat score terms, in order.
SEAT_TERMS = ("access", "centrality", "hub", "continuity", "land")


def flag_column(frame: pd.DataFrame, column: str, noun: str = "unit") -> BoolArray:
    """A flag column of units or settlements read by :func:`townmerge.data.columns.parse_flags`.

    False everywhere when the column is missing; rows are named by id and name.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"name": ["甲", "乙"], "hazard": ["是", None]}, index=["A", "B"])
    >>> flag_column(frame, "hazard", "settlement").tolist(), flag_column(frame, "x").tolist()
    ([True, False], [False, False])
    """
    if column not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    names = frame["name"] if "name" in frame.columns else pd.Series(None, index=frame.index)
    labels = [unit_label(str(i), n) for i, n in zip(frame.index, names, strict=True)]
    return parse_flags(frame[column], column=column, labels=labels, noun=noun)


def _seg(ufunc: np.ufunc, values: FloatArray, counts: IntArray, fill: float) -> FloatArray:
    """``ufunc`` over consecutive segments of the given lengths; ``fill`` for empty ones."""
    out = np.full(counts.size, fill, dtype=float)
    nz = counts > 0
    if nz.any():
        starts = (np.cumsum(counts) - counts)[nz]
        out[nz] = ufunc.reduceat(values, starts)
    return out


def unit_thresholds(units: pd.DataFrame, config: Config) -> dict[str, FloatArray]:
    """Terrain thresholds of every unit: ``p_min``, ``p_max``, ``a_max``, ``t_max``, ``t_good``.

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> unit_thresholds(grid_units("AB", terrain={"A": "plain"}), Config())["p_min"].tolist()
    [30000.0, 20000.0]
    """
    ValidationReport(tuple(terrain_problems(units))).raise_if_errors()
    terrain = (units["terrain"].to_numpy(dtype=object) if "terrain" in units.columns
               else np.full(len(units), None, dtype=object))
    th = [config.thresholds.for_terrain(t if isinstance(t, str) and t.strip() else None)
          for t in terrain]
    return {
        "p_min": np.array([t.p_min for t in th], dtype=float),
        "p_max": np.array([t.p_max for t in th], dtype=float),
        "a_max": np.array([t.a_max_km2 for t in th], dtype=float),
        "t_max": np.array([t.t_max_min for t in th], dtype=float),
        "t_good": np.array([t.t_good_min for t in th], dtype=float),
    }


@dataclass(frozen=True, eq=False)
class SeatArrays:
    """Seats of a batch of groups, and the figures of every candidate.

    Attributes
    ----------
    seat : ndarray of int
        Settlement position of each group's seat (-1: no candidate).
    mean_minutes, max_minutes : ndarray
        Population-weighted mean and maximum travel time to the seat.
    farthest : ndarray of int
        Settlement position farthest from the seat (-1: none).
    dominance : ndarray
        ``(Z_seat − Z_2nd) / Z_seat`` with ``Z_2nd`` the strongest other
        town-level node (former seat, town) of the group; 1 when there is none.
    cand_group, cand_settlement : ndarray of int
        Every candidate: its group and settlement position.
    cand_terms : DataFrame
        Per candidate: ``mean_minutes``, ``max_minutes``, the five terms
        (NaN when left out), ``score``, ``within_limit``, ``forced``,
        ``chosen``.

    Examples
    --------
    >>> from townmerge.datasets.synthetic import sample_county
    >>> c = sample_county()
    >>> sel = SeatSelector(StudyArea(c.units, c.settlements, c.flows, c.roads))
    >>> res = sel.select(np.array([0, 2]), np.array([0, 3]), np.array([30.0]), np.array([45.0]))
    >>> sel.ids[res.seat].tolist(), int(res.cand_terms["chosen"].sum())
    (['511025001001'], 1)
    """

    seat: IntArray
    mean_minutes: FloatArray
    max_minutes: FloatArray
    farthest: IntArray
    dominance: FloatArray
    cand_group: IntArray
    cand_settlement: IntArray
    cand_terms: pd.DataFrame


class SeatSelector:
    """Settlement figures of one study area, built once, for choosing seats fast.

    Holds the settlements by unit, their composite centrality, road hub
    strength, the current seat of every unit, and a cache of travel times
    from candidate seats (:class:`townmerge.graph.travel.TravelNetwork`).

    Parameters
    ----------
    area : StudyArea
        Needs settlements.
    config : Config, optional
    network : TravelNetwork, optional
        Built from ``area`` when not given.
    flows : SettlementFlows, optional
        For the potential index of the centrality; built from ``area`` when
        not given (observed flows, else the gravity model).

    Raises
    ------
    InputError
        When the area has no settlements.

    Examples
    --------
    >>> from townmerge.datasets.synthetic import sample_county
    >>> c = sample_county()
    >>> sel = SeatSelector(StudyArea(c.units, c.settlements, c.flows, c.roads))
    >>> sel.centrality["Z"].idxmax()
    '511025001001'
    """

    def __init__(self, area: StudyArea, config: Config | None = None, *,
                 network: TravelNetwork | None = None,
                 flows: SettlementFlows | None = None) -> None:
        cfg = config or Config()
        st = area.settlements
        if st is None or len(st) == 0:
            raise InputError("Seats are chosen among settlements; the study area has none. "
                             "Give StudyArea(units, settlements, ...).")
        self.config = cfg
        self.notes: list[tuple[str, str]] = []
        units = area.units
        self.unit_ids = pd.Index(units.index.astype(str), name="unit_id")
        self.unit_names = units["name"].to_numpy(dtype=object)
        self.ids = pd.Index(st.index.astype(str), name="settlement_id")
        n = len(st)
        self.names = (st["name"].to_numpy(dtype=object) if "name" in st.columns
                      else self.ids.to_numpy(dtype=object))
        self.kind = (st["kind"].astype(object).to_numpy() if "kind" in st.columns
                     else np.full(n, None, dtype=object))
        pop = (pd.to_numeric(st["population"], errors="coerce").to_numpy(dtype=float)
               if "population" in st.columns else np.full(n, np.nan))
        self.has_population = bool(np.isfinite(pop).all())
        self.population = np.where(np.isfinite(pop), pop, 0.0)
        code = self.unit_ids.get_indexer(pd.Index(st["unit"].astype(object)))
        self.unit_of = code.astype(np.int64)
        nu = len(self.unit_ids)
        inside = np.flatnonzero(self.unit_of >= 0)
        order = inside[np.argsort(self.unit_of[inside], kind="stable")]
        self.u_order = order.astype(np.int64)
        counts = np.bincount(self.unit_of[inside], minlength=nu).astype(np.int64)
        self.u_count = counts
        self.u_ptr = np.r_[0, np.cumsum(counts)].astype(np.int64)

        shared = derived(area, cfg)  # travel network and flows built once per area
        self.network = network if network is not None else shared.travel
        self.flows = flows
        if self.flows is None:
            try:
                self.flows = (shared.flows if network is None else
                              settlement_flows(area, gravity=cfg.gravity, network=self.network))
            except InputError as err:
                self.notes.append((f"no settlement flows ({err}); flow criteria and the "
                                   "potential index have no data",
                                   "无法计算聚落流量，流向类指标与潜力指数无数据"))
        ind = {"population": self.population}
        if self.flows is not None:
            ind["potential"] = self.flows.potential("population").reindex(
                self.ids).to_numpy(dtype=float)
        self.has_roads = self.network.roads is not None
        self.strength = self.network.node_strength()
        if self.has_roads:
            ind["road"] = self.strength
        for name, col in (("facilities", cfg.tiers.facilities_column), ("gdp", "gdp")):
            if col in st.columns:
                ind[name] = pd.to_numeric(st[col], errors="coerce").to_numpy(dtype=float)
        self.centrality = centrality_index(pd.DataFrame(ind, index=self.ids),
                                           cfg.tiers.centrality_weights)
        self.z = self.centrality["Z"].to_numpy(dtype=float)
        land_col = cfg.seats.land_column
        self.land = (pd.to_numeric(st[land_col], errors="coerce").fillna(0.0).to_numpy(
            dtype=float) if land_col in st.columns else None)
        self.hazard = flag_column(st, cfg.seats.hazard_column, "settlement")
        self.is_county_seat = np.array([k == "county seat" for k in self.kind], dtype=bool)

        # The current seat of every unit (the ``seat`` column, else its strongest town node)
        # and the percentile of centrality among the current seats of the same county.
        town = np.array([k in TOWN_KINDS for k in self.kind], dtype=bool)
        seat, guessed = current_seats(units, self.ids, self.u_order, self.u_ptr,
                                      self.population, self.z, town)
        if guessed:
            self.notes.append((
                f"{len(guessed)} unit(s) have no seat column value; their strongest town-level "
                f"settlement is taken as the current seat: {format_ids(guessed)}",
                f"{len(guessed)} 个乡镇未给出驻地，取其中心性最强的场镇为现驻地"))
        self.unit_seat = seat
        self.is_former = np.zeros(n, dtype=bool)
        self.is_former[seat[seat >= 0]] = True
        self.is_town = town | self.is_former
        self.percentile = seat_percentile(units, self.unit_of, seat, self.z)
        #: Rank of each settlement id in string order: the last tie-break of every seat and
        #: tier choice (shared with :mod:`townmerge.score.tiers`).
        self.id_rank = np.argsort(np.argsort(self.ids.to_numpy(dtype=str), kind="stable"))
        self._tkeys = np.zeros(0, dtype=np.int64)
        self._tvals = np.zeros(0, dtype=float)
        w = cfg.seats.as_dict()
        self.term_available = {
            "access": True, "centrality": True, "hub": self.has_roads,
            "continuity": True, "land": self.land is not None,
        }
        for term, zh in (("hub", "交通枢纽"), ("land", "用地")):
            if not self.term_available[term] and w[term] > 0:
                what = "no roads" if term == "hub" else f"no {land_col!r} column"
                self.notes.append((f"seat score: {what}, so the {term} term is left out and the "
                                   "other weights renormalised",
                                   f"驻地评分：缺少{zh}数据，该项不计，其余权重重新归一"))

    # -- travel times ---------------------------------------------------------------------
    def times(self, src: IntArray, dst: IntArray) -> FloatArray:
        """Minutes between settlement positions (cached; computed on first use).

        Examples
        --------
        >>> from townmerge.datasets.synthetic import sample_county
        >>> c = sample_county()
        >>> sel = SeatSelector(StudyArea(c.units, c.settlements, c.flows, c.roads))
        >>> float(sel.times(np.array([0]), np.array([0]))[0])
        0.0
        """
        n = len(self.ids)
        key = np.asarray(src, dtype=np.int64) * n + np.asarray(dst, dtype=np.int64)
        if key.size == 0:
            return np.zeros(0)
        uk, inv = np.unique(key, return_inverse=True)
        pos = np.searchsorted(self._tkeys, uk)
        found = pos < self._tkeys.size
        found[found] = self._tkeys[pos[found]] == uk[found]
        if not found.all():
            miss = uk[~found]
            vals = self.network.times(miss // n, miss % n)
            keys = np.concatenate([self._tkeys, miss])
            allv = np.concatenate([self._tvals, vals])
            order = np.argsort(keys, kind="stable")
            self._tkeys, self._tvals = keys[order], allv[order]
            pos = np.searchsorted(self._tkeys, uk)
        out: FloatArray = self._tvals[pos][inv.ravel()]
        return out

    # -- choice ---------------------------------------------------------------------------
    def select(self, ptr: IntArray, unit_pos: IntArray, t_max_soft: FloatArray,
               t_max_hard: FloatArray, forced: IntArray | None = None) -> SeatArrays:
        """Choose the seat of every group (members ``unit_pos[ptr[g]:ptr[g+1]]``).

        Parameters
        ----------
        ptr, unit_pos : ndarray of int
            Groups of unit positions (CSR layout).
        t_max_soft : ndarray
            ``T_max`` of each group for the access term.
        t_max_hard : ndarray
            Travel-time limit of each group (H4).
        forced : ndarray of int, optional
            Per group, a settlement position that is its seat (a plan's own
            seat), or -1 to choose; a forced seat is the group's only candidate
            (it must lie inside the group).

        Returns
        -------
        SeatArrays

        Examples
        --------
        >>> from townmerge.datasets.synthetic import sample_county
        >>> c = sample_county()
        >>> sel = SeatSelector(StudyArea(c.units, c.settlements, c.flows, c.roads))
        >>> res = sel.select(np.array([0, 1]), np.array([4]), np.array([30.0]), np.array([30.0]))
        >>> sel.ids[res.seat].tolist(), bool(res.max_minutes[0] <= 30)
        (['511025102001'], True)
        """
        cfg = self.config.seats
        ns = len(self.ids)
        ng = ptr.size - 1
        k = np.diff(ptr)
        elem_group = np.repeat(np.arange(ng, dtype=np.int64), k)
        c = self.u_count[unit_pos]
        gs_group = np.repeat(elem_group, c)
        gs_settle = self.u_order[concat_ranges(self.u_ptr[unit_pos], c)]
        gs_count = np.bincount(gs_group, minlength=ng).astype(np.int64)
        gs_ptr = np.r_[0, np.cumsum(gs_count)].astype(np.int64)
        gs_key = gs_group * ns + gs_settle  # sorted by group; settlements sorted per unit

        # Candidates: members' seats (and town nodes), inside the union, not in a hazard zone.
        seat_e = self.unit_seat[unit_pos]
        ok = seat_e >= 0
        cg, cs = elem_group[ok], seat_e[ok]
        if cfg.candidates == "towns":
            t = self.is_town[gs_settle]
            cg, cs = np.r_[cg, gs_group[t]], np.r_[cs, gs_settle[t]]
        ck = np.unique(cg * ns + cs)
        skey = np.sort(gs_key)
        at = np.searchsorted(skey, ck).clip(0, max(skey.size - 1, 0))
        inside = (skey[at] == ck) if skey.size else np.zeros(ck.size, dtype=bool)
        ck = ck[inside & ~self.hazard[ck % ns]]
        if forced is not None and (forced >= 0).any():
            fg = np.flatnonzero(forced >= 0)
            ck = np.union1d(ck[forced[ck // ns] < 0], fg * ns + forced[fg])
        cand_group, cand_settle = ck // ns, ck % ns
        nc = ck.size

        # Travel times from every candidate to every settlement of its group.
        cnt = gs_count[cand_group]
        x_c = np.repeat(np.arange(nc, dtype=np.int64), cnt)
        x_s = concat_ranges(gs_ptr[cand_group], cnt)
        tt = self.times(cand_settle[x_c], gs_settle[x_s])
        w = self.population[gs_settle[x_s]]
        wsum = np.bincount(x_c, w, minlength=nc)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_c = np.where(wsum > 0, np.bincount(x_c, w * tt, minlength=nc) / wsum,
                              np.bincount(x_c, tt, minlength=nc) / np.maximum(cnt, 1))
        max_c = _seg(np.maximum, tt, cnt, np.nan)
        hit = np.flatnonzero(tt >= max_c[x_c])
        first_max = np.full(nc, -1, dtype=np.int64)
        cands_hit, first = np.unique(x_c[hit], return_index=True)
        first_max[cands_hit] = gs_settle[x_s[hit[first]]]

        # Seat score terms.
        soft = t_max_soft[cand_group]
        terms = {
            "access": 1.0 - np.clip(mean_c / soft, 0.0, 1.0),
            "centrality": self._relative(self.z[cand_settle], cand_group, ng),
            "hub": (self._relative(self.strength[cand_settle], cand_group, ng)
                    if self.has_roads else np.full(nc, np.nan)),
            "continuity": self.is_former[cand_settle].astype(float),
            "land": (self._relative(self.land[cand_settle], cand_group, ng)
                     if self.land is not None else np.full(nc, np.nan)),
        }
        wts = cfg.as_dict()
        used = [t for t in SEAT_TERMS if self.term_available[t] and wts[t] > 0]
        den = sum(wts[t] for t in used)
        score = (sum(wts[t] * terms[t] for t in used) / den) if den > 0 else np.zeros(nc)
        within = max_c <= t_max_hard[cand_group]
        forced = self.is_county_seat[cand_settle]
        order = np.lexsort((self.id_rank[cand_settle], -self.population[cand_settle],
                            -np.round(score, 9), ~within, ~forced, cand_group))
        first = np.r_[True, cand_group[order][1:] != cand_group[order][:-1]] if nc else \
            np.zeros(0, dtype=bool)
        chosen_c = order[first]
        seat = np.full(ng, -1, dtype=np.int64)
        seat[cand_group[chosen_c]] = cand_settle[chosen_c]
        chosen = np.zeros(nc, dtype=bool)
        chosen[chosen_c] = True
        mean_g = np.full(ng, np.nan)
        max_g = np.full(ng, np.nan)
        far = np.full(ng, -1, dtype=np.int64)
        mean_g[cand_group[chosen_c]] = mean_c[chosen_c]
        max_g[cand_group[chosen_c]] = max_c[chosen_c]
        far[cand_group[chosen_c]] = first_max[chosen_c]

        # Dominance of the seat over the other town-level nodes of the group (former seats).
        zg = self.z[gs_settle]
        others = np.where((gs_settle != seat[gs_group]) & self.is_town[gs_settle], zg, -np.inf)
        other_max = _seg(np.maximum, others, gs_count, -np.inf)
        zs = np.where(seat >= 0, self.z[np.maximum(seat, 0)], np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            dom = np.where(np.isinf(other_max), 1.0,
                           np.where(zs > 0, (zs - other_max) / zs, 0.0))
        dom = np.where(seat >= 0, np.clip(dom, 0.0, 1.0), np.nan)

        frame = pd.DataFrame({"mean_minutes": mean_c, "max_minutes": max_c,
                              **{t: (terms[t] if t in used else np.full(nc, np.nan))
                                 for t in SEAT_TERMS},
                              "score": score, "within_limit": within, "forced": forced,
                              "chosen": chosen})
        return SeatArrays(seat, mean_g, max_g, far, dom, cand_group, cand_settle, frame)

    @staticmethod
    def _relative(values: FloatArray, group: IntArray, n_groups: int) -> FloatArray:
        """Each value over the largest of its group (1 when the largest is 0)."""
        mx = np.full(n_groups, -np.inf)
        np.maximum.at(mx, group, values)
        m = mx[group]
        with np.errstate(invalid="ignore", divide="ignore"):
            out: FloatArray = np.where(m > 0, values / m, 1.0)
        return out


def seat_selector(area: StudyArea, config: Config | None = None) -> SeatSelector:
    """The :class:`SeatSelector` of ``area`` under ``config``, built once and shared.

    Every step that needs seats without being given a selector reads this one
    (see :mod:`townmerge.graph.derived`): the same area and settings give the same object.

    Examples
    --------
    >>> from townmerge.datasets.synthetic import sample_county
    >>> c = sample_county()
    >>> area = StudyArea(c.units, c.settlements, c.flows, c.roads)
    >>> seat_selector(area) is seat_selector(area, Config())
    True
    """
    cfg = config or Config()
    return derived(area, cfg).memo("seat_selector", lambda: SeatSelector(area, cfg))
