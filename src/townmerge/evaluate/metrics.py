"""Evaluate a plan: dissolve merged units, check the partition, sum up the figures.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import box
>>> units = gpd.GeoDataFrame({"id": ["A", "B", "C"], "name": ["甲", "乙", "丙"],
...     "population": [100, 50, 70]}, geometry=[box(x, 3380000, x + 1000, 3381000)
...     for x in (499000, 500000, 501000)], crs="EPSG:32648")
>>> area = StudyArea(units)
>>> plan = Plan.from_mapping({"A": "A", "B": "A", "C": "C"})
>>> merged_units(area, plan)[["name", "population", "area_km2", "n_members"]].round(2)
            name  population  area_km2  n_members
new_unit_id
A              甲       150.0       2.0          2
C              丙        70.0       1.0          1
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix

from ..config import Config
from ..data.crs import equal_area_km2
from ..data.model import StudyArea, unit_label
from ..data.plan import Plan
from ..errors import InputError, PlanError, format_ids
from ..graph.flows import SettlementFlows
from ..score.constraints import CONSTRAINTS
from ..score.figure_model import FigureModel, figure_model
from ..score.figures import METRICS
from ..score.scorer import MergerScorer, new_unit_name, scorer_for
from ..score.seats import SeatSelector, seat_selector

__all__ = [
    "METRICS",
    "RULES",
    "Breach",
    "PlanSummary",
    "adjusted_rand_index",
    "dissolve",
    "merged_units",
    "plan_breaches",
    "plan_metrics",
    "rule_label",
    "summarize",
]

#: The hard rules a plan is checked against: the scorer's constraints, then the seats.
RULES = (*CONSTRAINTS, "seat")
_RULE_ZH = {"locked": "锁定乡镇参与撤并", "must_link": "一地两府未合并", "same_parent": "跨县合并",
            "contiguity": "不连片", "size": "合并个数超限", "area": "面积超限",
            "travel_time": "时距超限", "seat": "驻地不当"}
_RULE_EN = {"locked": "a locked unit is merged", "must_link": "must-link units kept apart",
            "same_parent": "members in different counties", "contiguity": "not contiguous",
            "size": "too many members", "area": "area over the limit",
            "travel_time": "travel time to the seat over the limit",
            "seat": "seat not a settlement inside the unit"}


@dataclass(frozen=True)
class Breach:
    """One hard rule one new unit of a plan breaks.

    Attributes
    ----------
    new_unit : str
        The new unit's id.
    name : str
        The new unit's name (as :func:`merged_units` names it).
    members : tuple of str
        ``"id (name)"`` of each current unit in it.
    rule : str
        One of :data:`RULES` (the scorer's hard constraints, then ``"seat"``).
    figure, limit : float
        The new unit's figure and the limit it breaks (NaN where the rule has
        none): locked members (limit 0), members, km², minutes, parts or
        counties (limit 1).
    detail_en, detail_zh : str
        The scorer's explanation, with figures.

    Examples
    --------
    >>> b = Breach("X", "甲镇", ("A (甲镇)", "B (乙乡)"), "locked", 1.0, 0.0,
    ...            "locked: B (乙乡) is locked (H7)", "锁定：乙乡不参与撤并")
    >>> print(b.text("en"))  # doctest: +NORMALIZE_WHITESPACE
    New unit X (甲镇: A (甲镇), B (乙乡)) — a locked unit is merged:
    locked: B (乙乡) is locked (H7).
    >>> print(b.text("zh"))
    新单位 X（甲镇：A (甲镇)、B (乙乡)）——锁定乡镇参与撤并：锁定：乙乡不参与撤并。
    """

    new_unit: str
    name: str
    members: tuple[str, ...]
    rule: str
    figure: float
    limit: float
    detail_en: str
    detail_zh: str

    def text(self, lang: str = "en") -> str:
        """The breach as one sentence in ``"zh"`` or ``"en"`` (plain text, not escaped)."""
        if lang == "zh":
            return (f"新单位 {self.new_unit}（{self.name}：{'、'.join(self.members)}）——"
                    f"{rule_label(self.rule, 'zh')}：{self.detail_zh.rstrip('。')}。")
        return (f"New unit {self.new_unit} ({self.name}: {', '.join(self.members)}) — "
                f"{rule_label(self.rule)}: {self.detail_en.rstrip('.')}.")

    def __str__(self) -> str:
        return self.text("en")


def rule_label(rule: str, lang: str = "en") -> str:
    """What breaking ``rule`` (one of :data:`RULES`) means, in ``"zh"`` or ``"en"``.

    Examples
    --------
    >>> rule_label("contiguity"), rule_label("contiguity", "zh")
    ('not contiguous', '不连片')
    """
    table = _RULE_ZH if lang == "zh" else _RULE_EN
    return table.get(rule, f"用户约束 {rule}" if lang == "zh" else f"user constraint {rule}")


def plan_breaches(area: StudyArea, plan: Plan, *, config: Config | None = None,
                  edges: pd.DataFrame | None = None,
                  scorer: MergerScorer | None = None) -> list[Breach]:
    """Every hard rule every new unit of a plan breaks, without raising.

    The rules and their limits are the scorer's (:class:`townmerge.MergerScorer`,
    :data:`townmerge.score.constraints.CONSTRAINTS`, switched on or off by
    ``Config.constraints``): locked units merged, must-link units kept apart,
    members in different counties, non-contiguity, more than
    ``Config.max_members`` members, area and travel time to the seat over the
    limits of the most lenient member terrain; and a seat named by the plan
    that is not a settlement inside its new unit. Population floors and caps
    are soft criteria, not rules.

    Parameters
    ----------
    area : StudyArea
    plan : Plan
    config : Config, optional
    edges : DataFrame, optional
        Adjacency edges (default: rook adjacency); virtual links count.
    scorer : MergerScorer, optional
        Reuse a scorer of ``area`` (then ``config`` and ``edges`` are its own).

    Returns
    -------
    list of Breach
        In the plan's new unit order; empty when the plan keeps every rule.

    Raises
    ------
    PlanError
        When the plan does not assign every unit of the area once.

    Examples
    --------
    >>> from townmerge.testing.grids import grid_units
    >>> area = StudyArea(grid_units("ABC", locked={"B": True}))
    >>> [(b.new_unit, b.rule) for b in plan_breaches(area, Plan.from_groups(
    ...     {"X": ["A", "B"], "C": ["C"]}))]
    [('X', 'locked')]
    >>> [(b.new_unit, b.rule) for b in plan_breaches(area, Plan.from_groups(
    ...     {"X": ["A", "C"], "B": ["B"]}))]
    [('X', 'contiguity')]
    """
    plan.check_units(area.unit_ids)
    if scorer is None:
        scorer = scorer_for(area, config, edges=edges)
    elif config is not None or edges is not None:
        raise InputError("Give either a scorer or config / edges: a scorer already has its own.")
    groups = plan.groups()
    new_ids = list(groups)
    found = scorer.breaches(list(groups.values()), [plan.seats.get(g) for g in new_ids])
    units = area.units
    out = []
    for g, rule, figure, limit, en, zh in found:
        new = new_ids[g]
        members = tuple(unit_label(u, units.at[u, "name"]) for u in groups[new])
        out.append(Breach(str(new), new_unit_name(area, plan, new), members, rule, figure,
                          limit, en, zh))
    return out


def merged_units(area: StudyArea, plan: Plan, *, shapes: bool = True) -> gpd.GeoDataFrame:
    """Dissolve the plan's new units from the coverage of current units.

    Parameters
    ----------
    area : StudyArea
    plan : Plan
    shapes : bool, default True
        Dissolve the shapes; ``False`` leaves the geometry empty (``None``) and gives the
        other columns only, much faster for thousands of new units.

    Returns
    -------
    GeoDataFrame
        Index ``new_unit_id``; columns ``name``, ``members`` (comma-joined
        ids), ``member_names``, ``n_members``, ``population``, ``area_km2``
        (the sum of the members' areas on the ellipsoid,
        :func:`townmerge.data.crs.equal_area_km2`: the one area shown everywhere),
        ``seat`` (its settlement id), ``seat_name`` (that settlement's name) and
        the dissolved geometry, in the area's metric CRS.
    """
    plan.check_units(area.unit_ids)
    units = area.units
    new = pd.Series([plan.assignment[u] for u in units.index], index=units.index)
    geoms = np.asarray(units.geometry.array)
    km2 = equal_area_km2(geoms, units.crs)
    rows = []
    for g, idx in new.groupby(new, sort=True).indices.items():
        parts = geoms[idx]
        geom = None if not shapes else parts[0] if len(parts) == 1 else dissolve(parts)
        members = units.iloc[idx]
        pop = members["population"]
        name = plan.names.get(g)
        if name is None:
            core = g if g in members.index else str(pop.idxmax() if pop.notna().any()
                                                     else members.index[0])
            name = units.at[core, "name"] if core in units.index else g
        rows.append({
            "new_unit_id": g, "name": name,
            "members": ",".join(members.index),
            "member_names": "、".join(str(n) for n in members["name"]),
            "n_members": len(idx),
            "population": float(pop.sum(min_count=1)),
            "area_km2": float(km2[idx].sum()),
            "seat": plan.seats.get(g),
            "seat_name": _seat_name(area, plan.seats.get(g)),
            "geometry": geom,
        })
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=units.crs).set_index("new_unit_id")


def _seat_name(area: StudyArea, seat: str | None) -> str | None:
    """The name of a seat settlement, or ``None`` (no seat, or no settlements to name it)."""
    st = area.settlements
    if seat is None or st is None or seat not in st.index or "name" not in st.columns:
        return None
    name = st.at[seat, "name"]
    return None if pd.isna(name) else str(name)


#: Grid (m) the parts are snapped to when even the general union fails on them.
_SNAP_GRID_M = 1e-3


def dissolve(parts: np.ndarray) -> shapely.Geometry:
    """Union of the units of one new unit: the coverage union, or a robust one.

    ``shapely.coverage_union_all`` is fast but needs a clean coverage; units
    that overlap ever so slightly (0.0001 m² between two communes of real
    data, which validation reports) make it raise or return a wrong shape.
    Then the general union is used, and when even that fails the parts are
    first snapped to a 1 mm grid (``shapely.set_precision``).

    Parameters
    ----------
    parts : ndarray of shapely geometries
        Polygons in a metric CRS.

    Returns
    -------
    shapely.Geometry

    Examples
    --------
    >>> from shapely import box
    >>> overlapping = np.array([box(0, 0, 1, 1), box(0.9999999, 0, 2, 1)])
    >>> float(dissolve(overlapping).area)
    2.0
    """
    try:
        geom = shapely.coverage_union_all(parts)
        if shapely.is_valid(geom) and np.isclose(shapely.area(geom), shapely.area(parts).sum(),
                                                 rtol=1e-9):
            return geom
    except shapely.errors.GEOSException:
        pass
    try:
        return shapely.union_all(parts)
    except shapely.errors.GEOSException:
        return shapely.union_all(shapely.set_precision(parts, _SNAP_GRID_M))


@dataclass(frozen=True)
class PlanSummary:
    """Counts and figures of a plan against the status quo."""

    units_before: int
    units_after: int
    population_before: float
    population_after: float
    area_km2_before: float
    area_km2_after: float

    @property
    def reduction(self) -> int:
        """How many units fewer."""
        return self.units_before - self.units_after

    @property
    def reduction_rate(self) -> float:
        """Reduction as a share of the units before (0–1)."""
        return self.reduction / self.units_before if self.units_before else 0.0


def summarize(area: StudyArea, plan: Plan) -> PlanSummary:
    """Count units before and after, and verify that population, area and units are conserved.

    The merged units (:func:`merged_units`) are checked against the current
    units, new unit by new unit: the members listed are exactly the plan's,
    every current unit lies in exactly one new unit, and each new unit's
    population and dissolved area equal the sums over its members (relative
    tolerance 1e-6).

    Raises
    ------
    PlanError
        Naming every new unit (id and name) whose members, population or
        dissolved area do not match; the input coverage then has overlaps
        or the dissolve lost a part.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> units = gpd.GeoDataFrame({"id": ["A", "B", "C"], "population": [100, 50, 70]},
    ...     geometry=[box(i * 1000, 0, (i + 1) * 1000, 1000) for i in range(3)],
    ...     crs="EPSG:32648")
    >>> area = StudyArea(units)
    >>> s = summarize(area, Plan.from_mapping({"A": "A", "B": "A", "C": "C"}))
    >>> (s.units_before, s.units_after, round(s.reduction_rate, 3))
    (3, 2, 0.333)
    """
    merged = merged_units(area, plan)
    units = area.units
    _check_conserved(units, plan, merged)
    return PlanSummary(
        units_before=len(units), units_after=len(merged),
        population_before=float(units["population"].sum(min_count=1)),
        population_after=float(merged["population"].sum(min_count=1)),
        area_km2_before=float(np.nansum(equal_area_km2(units.geometry.array, units.crs))),
        area_km2_after=float(merged["area_km2"].sum()),
    )


def _check_conserved(units: gpd.GeoDataFrame, plan: Plan, merged: gpd.GeoDataFrame) -> None:
    """PlanError unless every new unit holds its members' units, population and area."""
    problems: list[str] = []
    listed = [u for ms in merged["members"] for u in str(ms).split(",") if u]
    seen = pd.Series(listed, dtype=object).value_counts()
    missing = [u for u in units.index if u not in seen.index]
    twice = [u for u in seen.index[seen > 1]]
    unknown = [u for u in seen.index if u not in units.index]
    for what, ids in (("in no new unit", missing), ("in more than one new unit", twice),
                      ("not current units", unknown)):
        if ids:
            shown = [unit_label(u, units.at[u, "name"]) if u in units.index else u for u in ids]
            problems.append(f"{len(ids)} unit(s) {what}: {format_ids(shown)}")
    pop = units["population"].to_numpy(dtype=float)
    area = shapely.area(np.asarray(units.geometry.array))
    pos = {u: i for i, u in enumerate(units.index)}
    groups = plan.groups()
    for new in set(groups) | set(merged.index):
        label = unit_label(str(new), merged.at[new, "name"] if new in merged.index else "")
        if new not in merged.index or new not in groups:
            problems.append(f"{label}: in {'the plan' if new in groups else 'the merged units'} "
                            "only")
            continue
        members = list(groups[new])
        if sorted(str(merged.at[new, "members"]).split(",")) != sorted(members):
            problems.append(f"{label}: members {merged.at[new, 'members']}, the plan says "
                            f"{','.join(members)}")
        idx = [pos[u] for u in members if u in pos]
        want_pop = float(pd.Series(pop[idx]).sum(min_count=1))
        got_pop = float(merged.at[new, "population"])
        if not (math.isnan(want_pop) and math.isnan(got_pop)) and not math.isclose(
                got_pop, want_pop, rel_tol=1e-6, abs_tol=1e-6):
            problems.append(f"{label}: population {got_pop:g}, its members have {want_pop:g}")
        want_area = float(area[idx].sum())
        got_area = float(shapely.area(merged.at[new, "geometry"]))
        if not math.isclose(got_area, want_area, rel_tol=1e-6, abs_tol=1.0):
            problems.append(f"{label}: dissolved area {got_area / 1e6:.6g} km², its members "
                            f"cover {want_area / 1e6:.6g} km²")
    if problems:
        raise PlanError(
            "The merged units do not conserve the current units' population, area and "
            "coverage; the input coverage may have overlaps, or the dissolve lost a part.",
            problems)


def adjusted_rand_index(a: Plan, b: Plan) -> float:
    """Adjusted Rand index between two plans of the same units (1: same partition).

    Parameters
    ----------
    a, b : Plan

    Returns
    -------
    float
        1 for identical partitions, about 0 for unrelated ones.

    Examples
    --------
    >>> x = Plan.from_mapping({"A": 1, "B": 1, "C": 2, "D": 2})
    >>> adjusted_rand_index(x, Plan.from_mapping({"A": "p", "B": "p", "C": "q", "D": "q"}))
    1.0
    >>> round(adjusted_rand_index(x, Plan.from_mapping({"A": 1, "B": 2, "C": 1, "D": 2})), 3)
    -0.5
    """
    ids = sorted(a.assignment)
    b.check_units(ids)
    la = pd.factorize(pd.Series([a.assignment[u] for u in ids]))[0]
    lb = pd.factorize(pd.Series([b.assignment[u] for u in ids]))[0]
    # the contingency table stays sparse: one entry per pair of new units that share units
    table = coo_matrix((np.ones(len(ids)), (la, lb))).tocsr()
    table.sum_duplicates()

    def pairs(x: np.ndarray) -> float:
        return float((x * (x - 1) / 2).sum())

    index = pairs(table.data)
    rows, cols = pairs(np.bincount(la).astype(float)), pairs(np.bincount(lb).astype(float))
    total = len(ids) * (len(ids) - 1) / 2
    expected = rows * cols / total if total else 0.0
    top = (rows + cols) / 2
    if top == expected:
        return 1.0
    return float((index - expected) / (top - expected))


def plan_metrics(
    area: StudyArea,
    plan: Plan,
    *,
    config: Config | None = None,
    flows: SettlementFlows | None = None,
    selector: SeatSelector | None = None,
    edges: pd.DataFrame | None = None,
) -> pd.Series:
    """Neutral figures of a plan, for comparing plans whatever made them.

    Parameters
    ----------
    area : StudyArea
    plan : Plan
    config : Config, optional
        For the population floors and ``t_good`` by terrain.
    flows : SettlementFlows, optional
        Settlement flows (default: observed flows, gravity for missing types).
    selector : SeatSelector, optional
        Reused seat figures and travel times (built when not given).
    edges : DataFrame, optional
        Adjacency edges (default: rook adjacency), for the perimeters.

    Returns
    -------
    Series
        ``units``; ``flow_kept_*`` (share of each flow between settlements
        that stays inside a new unit); ``population_cv`` (coefficient of
        variation), ``population_min``/``max``, ``share_below_floor`` (share
        of new units below their floor); ``mean_minutes_to_seat``
        (population-weighted) and ``max_minutes_to_seat`` from every
        settlement to its new unit's seat (the plan's seat, else the one
        :func:`townmerge.choose_seat` picks), ``share_within_t_good`` (of
        the population); ``compactness_mean``/``min`` (Polsby–Popper of the
        new units, perimeters from the shared borders). Figures needing
        settlements are NaN without them. Computed by
        :class:`townmerge.score.figure_model.FigureModel`, which the exact model uses
        for figure bounds.
    """
    shared = edges is None and flows is None and (
        selector is None or selector is seat_selector(area, config))
    model = (figure_model(area, config) if shared
             else FigureModel(area, config, edges=edges, selector=selector, flows=flows))
    return model.plan(plan)
