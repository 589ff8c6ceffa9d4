"""The per-unit arrays of one study area that scoring reads, built once per (area, config).

:class:`UnitData` turns the units, settlements and flows of a study area into
arrays aligned with the units: population and its weights, area, perimeter and
compactness, terrain thresholds, county codes, locks, the adjacency as sorted
pair keys with shared borders and neighbour lists, the pairs of units that must
merge (a seat inside another unit, 一地两府, and configured pairs), the flows
between units by type, county medians, cohesion labels and risks. It also keeps
the notes, in English and Chinese, on every figure left out for lack of data.
The merger scorer (:mod:`townmerge.score.scorer`) and its parts read it; no
union geometry is ever built.

Examples
--------
>>> from townmerge.testing.grids import grid_units
>>> from townmerge.data.model import StudyArea
>>> d = UnitData(StudyArea(grid_units("AB", population={"A": 1, "B": 2})))
>>> d.n, d.label(1), d.neighbours(0).tolist()
(2, 'B (B镇)', [1])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from ..config import Config
from ..data.model import StudyArea, unit_label
from ..errors import InputError, format_ids
from ..graph.adjacency import border_keys
from ..graph.derived import derived
from ..graph.flows import SettlementFlows
from ..graph.travel import TravelNetwork
from .groups import group_positions
from .rules import polsby_popper, population_rules_off
from .seats import SeatSelector, flag_column, seat_selector, unit_thresholds

__all__ = ["FLOW_ZH", "UnitData"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Chinese names of the flow types.
FLOW_ZH = {"population": "人口", "traffic": "交通", "economic": "经济"}


class UnitData:
    """Arrays aligned with the units of ``area`` (positions in :attr:`ids`).

    Parameters
    ----------
    area : StudyArea
    config : Config, optional
    weights : mapping of str to float, optional
        Criterion weights: a note says when a weighted criterion lacks its column.
    edges : DataFrame, optional
        Adjacency edge table (default: the area's derived rook adjacency).
    network, flows : optional
        Travel network and settlement flows of ``area`` for the seat selector.

    Raises
    ------
    InputError
        For edges naming unknown units, must-link pairs naming unknown units,
        risks outside [0, 1].

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> d = UnitData(StudyArea(grid_units("AB")))
    >>> d.notes[0][0].startswith("some units have no population")
    True
    """

    def __init__(self, area: StudyArea, config: Config | None = None, *,
                 weights: dict[str, float] | None = None, edges: pd.DataFrame | None = None,
                 network: TravelNetwork | None = None,
                 flows: SettlementFlows | None = None) -> None:
        cfg = config or Config()
        weights = weights or {}
        self.area = area
        self.config = cfg
        self.notes: list[tuple[str, str]] = []
        units = area.units
        self.units = units
        self.ids = pd.Index(units.index.astype(str), name="unit_id")
        self.id_list: list[str] = [str(u) for u in self.ids]
        n = len(self.ids)
        self.n = n
        self.names = units["name"].to_numpy(dtype=object)
        self.population = units["population"].to_numpy(dtype=float)
        w = np.where(np.isfinite(self.population), self.population, 0.0)
        #: Weight of each unit in group means: its population (1 where there is none).
        self.weight = w if w.sum() > 0 else np.ones(n)
        if not area.has_population:
            self.notes.append(("some units have no population: their unions have no scale or "
                               "balance score, and no unit counts as below its floor",
                               "部分乡镇无人口数据，规模与均衡指标无数据，人口下限不适用"))
            population_rules_off(["scale", "balance", "floor"], stacklevel=3)
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
        self.edge_keys, self.edge_border = border_keys(self.ids, edges)
        el, eh = self.edge_keys // n, self.edge_keys % n
        src, dst = np.r_[el, eh], np.r_[eh, el]
        order = np.lexsort((dst, src))
        self.nb = dst[order].astype(np.int64)
        self.nb_ptr = np.r_[0, np.cumsum(np.bincount(src, minlength=n))].astype(np.int64)

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
        self._must_link(cfg)
        self._flows()
        self._county_cohesion_risk(cfg, weights)

    def _must_link(self, cfg: Config) -> None:
        """Must-link pairs: a seat inside another unit (一地两府), and the configured pairs."""
        n = self.n
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
        #: ``(unit, partner, source)`` with source ``"seat"`` or ``"config"``.
        self.must_link = ml
        ml_src = np.array([p[0] for p in ml] + [p[1] for p in ml], dtype=np.int64)
        ml_dst = np.array([p[1] for p in ml] + [p[0] for p in ml], dtype=np.int64)
        order = np.lexsort((ml_dst, ml_src))
        self.ml = ml_dst[order]
        self.ml_ptr = np.r_[0, np.cumsum(np.bincount(ml_src, minlength=n))].astype(np.int64)

    def _flows(self) -> None:
        """Flows between units, per type: sorted (origin, destination) keys; row totals."""
        n = self.n
        self.flows: dict[str, tuple[IntArray, FloatArray, FloatArray]] = {}
        sf = self.selector.flows if self.selector is not None else None
        if sf is None:
            return
        up = sf.unit_pairs()
        o = self.ids.get_indexer(pd.Index(up["origin_unit"].astype(str)))
        d = self.ids.get_indexer(pd.Index(up["destination_unit"].astype(str)))
        fkey = o.astype(np.int64) * n + d
        order = np.argsort(fkey, kind="stable")
        for t in ("population", "traffic", "economic"):
            vals = up[t].to_numpy(dtype=float)
            tot = np.bincount(o, vals, minlength=n).astype(float)
            self.flows[t] = (fkey[order], vals[order], tot)
        for t, srcname in sorted(sf.sources.items()):
            fit = sf.fits.get(t)
            how = {"observed": "observed flows", "gravity": "gravity model estimate",
                   "observed+gravity": "observed flows, gravity estimate for unlisted pairs"
                   }[srcname]
            how_zh = {"observed": "观测值", "gravity": "引力模型估算",
                      "observed+gravity": "观测值，缺项以引力模型估算"}[srcname]
            self.notes.append((f"{t} flow: {how}" + (f" ({fit})" if fit else ""),
                               f"{FLOW_ZH[t]}流：{how_zh}"))

    def _county_cohesion_risk(self, cfg: Config, weights: dict[str, float]) -> None:
        """County medians, cohesion labels, risks."""
        n, units = self.n, self.units
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
        elif weights.get("cohesion", 0) > 0:
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
        elif weights.get("risk", 0) > 0:
            self.notes.append((f"risk: no unit column {cs.risk_column!r}, left out",
                               f"风险：缺少 {cs.risk_column} 列，不计"))

    def label(self, i: int) -> str:
        """``"id (name)"`` of the unit at position ``i``.

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> UnitData(StudyArea(grid_units("AB"))).label(0)
        'A (A镇)'
        """
        return unit_label(self.id_list[i], self.names[i])

    def positions(self, groups: Sequence[Sequence[str]]) -> tuple[IntArray, IntArray]:
        """Groups of ids → CSR ``(ptr, sorted unit positions)``; InputError for bad groups.

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> UnitData(StudyArea(grid_units("AB"))).positions([["B", "A"]])[1].tolist()
        [0, 1]
        """
        return group_positions(self.ids, groups, self.label)

    def neighbours(self, i: int) -> IntArray:
        """Positions of the units adjacent to the unit at position ``i``.

        Examples
        --------
        >>> from townmerge.testing.grids import grid_units
        >>> UnitData(StudyArea(grid_units("ABC"))).neighbours(1).tolist()
        [0, 2]
        """
        out: IntArray = self.nb[self.nb_ptr[i]:self.nb_ptr[i + 1]]
        return out
