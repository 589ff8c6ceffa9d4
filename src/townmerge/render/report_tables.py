"""The figures of the plan report, gathered once as plain DataFrames (no language, no HTML).

:func:`report_figures` builds a frozen :class:`ReportFigures`: counts by unit type before and
after, average size, the size distribution of the new units, one row per new unit (members,
type, seat, score), accessibility and flow capture before and after
(:func:`townmerge.plan_metrics` of the status quo and of the plan), settlement tiers, the
change log, how the plan was made and notes on the data (each in Chinese and English).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from ..config import TERRAINS, TOWN_TIERS, VILLAGE_TIERS, Config
from ..data.crs import equal_area_km2
from ..data.model import StudyArea
from ..data.plan import Plan
from ..evaluate.metrics import Breach, merged_units, plan_breaches, plan_metrics
from ..i18n import join_names, label, sentence
from ..score.criteria import default_criteria
from ..score.plan_scores import score_plan
from ..score.scorer import scorer_for
from ..score.seat_choice import choose_seat, seat_move
from ..score.seats import SeatSelector, seat_selector
from ..score.tiers import classify_tiers
from .report_kinds import UNIT_KINDS, settlement_kind, unit_kind

__all__ = ["ACCESS_METRICS", "FLOW_METRICS", "SIZE_BINS", "VILLAGE_SIZE_BINS", "ReportFigures",
           "optional_text", "report_figures"]

#: Population bins of the new units: key, lower bound (inclusive), upper bound (exclusive).
SIZE_BINS: tuple[tuple[str, float, float], ...] = (
    ("lt1", 0.0, 1e4), ("1to2", 1e4, 2e4), ("2to3", 2e4, 3e4), ("3to4", 3e4, 4e4),
    ("ge4", 4e4, float("inf")),
)
#: Population bins of new villages and communities.
VILLAGE_SIZE_BINS: tuple[tuple[str, float, float], ...] = (
    ("v_lt1k", 0.0, 1e3), ("v_1to2k", 1e3, 2e3), ("v_2to3k", 2e3, 3e3), ("v_3to5k", 3e3, 5e3),
    ("v_ge5k", 5e3, float("inf")),
)
#: Metrics of :func:`townmerge.plan_metrics` shown in the report.
ACCESS_METRICS = ("mean_minutes_to_seat", "max_minutes_to_seat", "share_within_t_good")
FLOW_METRICS = ("flow_kept_population", "flow_kept_traffic", "flow_kept_economic")


@dataclass(frozen=True, eq=False)
class ReportFigures:
    """Every figure of a plan report, language-neutral.

    Attributes
    ----------
    counts : DataFrame
        Township level: index ``total``, the unit types of :data:`UNIT_KINDS` present, then
        ``village``, ``community`` (``other_settlement`` when some settlement
        is neither), ``village_group`` and ``resident_group`` (when the
        settlements have ``groups``); village level: ``village_total``, then
        ``village``, ``community`` and ``other_settlement`` as present; columns
        ``before``, ``after`` (int).
    averages : DataFrame
        Index ``area_km2``, ``population``; columns ``before``, ``after``,
        ``multiple`` (after / before), per unit.
    sizes : DataFrame
        Index the keys of :data:`SIZE_BINS` (and ``unknown`` when some new
        unit has no population); columns ``count`` and ``units`` (tuple of
        new unit ids, largest first).
    new_units : DataFrame
        Index ``new_unit_id``, one row per new unit: ``name``, ``kind``,
        ``members``, ``member_names``, ``member_kinds`` (tuples), ``keeper``
        (the member whose name it keeps, or None), ``kind_member``,
        ``population``, ``area_km2``, ``villages``, ``communities``,
        ``seat``, ``seat_name``, ``seat_unit``, ``seat_former_of`` (member
        whose former seat it is, or None), ``keeper_seat_name``, ``moved``,
        ``score_total``, ``score_band``, ``score_band_zh``, ``score_seat``,
        ``floor``, ``below_floor``, ``mean_minutes``, ``max_minutes`` (to the
        seat), ``reason_zh``, ``reason_en``, ``binding_zh``, ``binding_en`` (why
        a merger is infeasible, '' when it is not) and ``criteria`` (criterion
        name → score in [0, 1], NaN without data).
    metrics : DataFrame
        Rows of :data:`townmerge.evaluate.metrics.METRICS`; columns ``before`` (the
        status quo) and ``after``.
    tiers : DataFrame
        Index the tiers (town tiers first); columns ``level``, ``count``,
        ``names`` (tuple): town tiers list the townships whose seat holds the
        tier, village tiers the villages and communities. Empty without
        settlements; a village-level report has village tiers only.
    changes : DataFrame
        Index ``old_code`` (every current unit, in input order): ``old_name``,
        ``old_kind``, ``new_code``, ``new_name``, ``new_kind``, ``change``
        (``unchanged``, ``kept``, ``abolished`` or ``renamed``).
    method : Mapping
        ``plan.info``: how the plan was made.
    notes : tuple of (str, str)
        Notes on the data, each as ``(zh, en)``.
    t_good : Mapping
        Good travel time (minutes) of each terrain present.
    breaches : tuple of Breach
        Every hard rule the plan breaks (:func:`townmerge.evaluate.metrics.plan_breaches`);
        the report then opens with a warning listing them.
    level : {"township", "village"}
        Which level the plan is about: townships (乡镇) or villages and communities (村、社区).
    reject_below : float
        Totals below this are 不建议 (``Config.bands.reject``).
    criteria : tuple of str
        The score criteria in ``new_units["criteria"]``, in order.
    """

    counts: pd.DataFrame
    averages: pd.DataFrame
    sizes: pd.DataFrame
    new_units: pd.DataFrame
    metrics: pd.DataFrame
    tiers: pd.DataFrame
    changes: pd.DataFrame
    method: Mapping[str, object]
    notes: tuple[tuple[str, str], ...]
    t_good: Mapping[str, float]
    breaches: tuple[Breach, ...] = ()
    level: str = "township"
    reject_below: float = 0.4
    criteria: tuple[str, ...] = ()

    @property
    def mergers(self) -> pd.DataFrame:
        """The new units with two members or more."""
        return self.new_units[self.new_units["members"].map(len) >= 2]


def _unit_table(area: StudyArea, plan: Plan, level: str = "township") -> pd.DataFrame:
    """Current units: name, kind, population, area, new unit, settlements and groups."""
    units = area.units
    out = pd.DataFrame(index=units.index.astype(str))
    out["name"] = [str(n) if n is not None else str(u) for u, n in
                   zip(units.index, units["name"], strict=True)]
    kinds = units["kind"] if "kind" in units.columns else pd.Series(None, units.index)
    kind_of = settlement_kind if level == "village" else unit_kind
    out["kind"] = [kind_of(k, n) for k, n in zip(kinds, out["name"], strict=True)]
    out["population"] = units["population"].to_numpy(dtype=float)
    out["area_km2"] = equal_area_km2(units.geometry.array, units.crs)
    out["new_unit"] = [plan.assignment[u] for u in out.index]
    st = _settlement_table(area)
    for col in ("village", "community", "other", "village_group", "resident_group"):
        sums = st.groupby("unit")[col].sum() if len(st) else pd.Series(dtype=float)
        out[col] = sums.reindex(out.index).fillna(0.0).to_numpy(dtype=float)
    return out


def _settlement_table(area: StudyArea) -> pd.DataFrame:
    """Settlements as indicator columns: village, community, other, and their groups."""
    st = area.settlements
    if st is None or not len(st):
        return pd.DataFrame(columns=["unit", "village", "community", "other", "village_group",
                                     "resident_group"])
    kinds = st["kind"] if "kind" in st.columns else pd.Series(None, st.index)
    key = pd.Series([settlement_kind(k, n) for k, n in zip(kinds, st["name"], strict=True)],
                    index=st.index)
    groups = (pd.to_numeric(st["groups"], errors="coerce") if "groups" in st.columns
              else pd.Series(np.nan, st.index))
    return pd.DataFrame({
        "unit": st["unit"].astype(object).map(lambda u: None if u is None else str(u)),
        "village": (key == "village").astype(float),
        "community": (key == "community").astype(float),
        "other": (key == "other").astype(float),
        "village_group": groups.where(key == "village"),
        "resident_group": groups.where(key == "community"),
    }, index=st.index)


def _keeper(members: Sequence[str], new_id: str, name: str, names: Mapping[str, object],
            pops: Mapping[str, object]) -> str | None:
    """The member whose name the new unit keeps (the one whose id it keeps first)."""
    same = [m for m in members if names[m] == name]
    if not same:
        return None
    return new_id if new_id in same else max(same, key=lambda m: _pop(pops[m]))


def _pop(value: object) -> float:
    x = float(value)  # type: ignore[arg-type]
    return x if np.isfinite(x) else -1.0


def _kind_member(members: Sequence[str], new_id: str, keeper: str | None,
                 pops: Mapping[str, object]) -> str:
    """The member that gives the new unit its type: keeper, id kept, else the most populous."""
    if keeper is not None:
        return keeper
    if new_id in members:
        return new_id
    return max(members, key=lambda m: _pop(pops[m]))


def _seat_rows(area: StudyArea, plan: Plan, config: Config,
               selector: SeatSelector | None) -> pd.DataFrame:
    """Seat of every new unit: the plan's, else the chosen one; and whose former seat it is."""
    st = area.settlements
    former_of: dict[str, str] = {}
    if selector is not None:
        for uid, pos in zip(selector.unit_ids, selector.unit_seat, strict=True):
            if pos >= 0:
                former_of.setdefault(str(selector.ids[pos]), str(uid))
    seat_of_unit = {u: s for s, u in former_of.items()}
    rows = []
    for new, members in plan.groups().items():
        choice = (choose_seat(area, members, config=config, selector=selector)
                  if selector is not None else None)
        seat = plan.seats.get(new) or (choice.seat if choice is not None else None)
        origin = former_of.get(seat) if seat is not None else None
        origin = origin if origin in members else None
        if choice is not None and seat == choice.seat:
            moved = bool(choice.moved)
        else:
            former = [f for f in (seat_of_unit.get(m) for m in members) if f is not None]
            moved = bool(seat is not None and selector is not None
                         and seat_move(area, seat, former)[0])
        rows.append({
            "new_unit_id": new, "seat": seat,
            "seat_name": _settlement_name(st, seat),
            "seat_unit": (optional_text(st.at[seat, "unit"])
                          if st is not None and seat in st.index else None),
            "seat_former_of": origin, "moved": moved,
            "former_seats": {m: seat_of_unit.get(m) for m in members},
        })
    return pd.DataFrame(rows).set_index("new_unit_id")


def optional_text(value: object) -> str | None:
    """Text of an optional value: None for None and NaN.

    Examples
    --------
    >>> optional_text(None), optional_text(float("nan")), optional_text(12)
    (None, None, '12')
    """
    if value is None or (isinstance(value, float) and value != value):
        return None
    return str(value)


def _settlement_name(st: pd.DataFrame | None, sid: str | None) -> str | None:
    if sid is None:
        return None
    if st is not None and sid in st.index and st.at[sid, "name"] is not None:
        return str(st.at[sid, "name"])
    return str(sid)


def _new_unit_table(area: StudyArea, plan: Plan, units: pd.DataFrame, seats: pd.DataFrame,
                    scores: pd.DataFrame, criteria: Sequence[str]) -> pd.DataFrame:
    """One row per new unit: members, type, size, settlements, seat and score."""
    merged = merged_units(area, plan, shapes=False)  # names, population and area
    st = area.settlements
    # plain dicts, not a pandas lookup per unit: a national plan has thousands of new units
    names, kinds, pops = (units[c].to_dict() for c in ("name", "kind", "population"))
    villages, communities = units["village"].to_dict(), units["community"].to_dict()
    new_names = merged["name"].to_dict()
    new_pops, new_areas = merged["population"].to_dict(), merged["area_km2"].to_dict()
    seat_rows, score_rows = seats.to_dict("index"), scores.to_dict("index")
    rows = []
    for new, members in plan.groups().items():
        name = str(new_names[new])
        keeper = _keeper(members, new, name, names, pops)
        kind_member = _kind_member(members, new, keeper, pops)
        seat = seat_rows[new]
        score = score_rows[new]
        keeper_seat = seat["former_seats"].get(keeper) if keeper is not None else None
        rows.append({
            "new_unit_id": new, "name": name, "kind": kinds[kind_member],
            "members": tuple(members),
            "member_names": tuple(names[m] for m in members),
            "member_kinds": tuple(kinds[m] for m in members),
            "keeper": keeper, "kind_member": kind_member,
            "population": float(new_pops[new]),
            "area_km2": float(new_areas[new]),
            "villages": int(sum(villages[m] for m in members)),
            "communities": int(sum(communities[m] for m in members)),
            "seat": optional_text(seat["seat"]),
            "seat_name": optional_text(seat["seat_name"]),
            "seat_unit": optional_text(seat["seat_unit"]),
            "seat_former_of": optional_text(seat["seat_former_of"]),
            "keeper_seat": keeper_seat,
            "keeper_seat_name": _settlement_name(st, keeper_seat),
            "moved": bool(seat["moved"]),
            "score_total": float(score["total"]),
            "score_band": str(score["band"]),
            "score_band_zh": str(score["band_zh"]),
            "score_seat": optional_text(score["seat"]),
            **_score_parts(score, criteria),
        })
    return pd.DataFrame(rows).set_index("new_unit_id")


def _score_parts(row: Mapping[str, Any], criteria: Sequence[str]) -> dict[str, object]:
    """Floor, travel times, reason and criterion scores of one scored new unit."""
    def num(key: str) -> float:
        value = row.get(key, np.nan)
        return float(value) if value is not None else float("nan")

    return {
        "floor": num("floor"), "below_floor": bool(row.get("below_floor", False)),
        "mean_minutes": num("mean_minutes"), "max_minutes": num("max_minutes"),
        "reason_zh": str(row.get("reason_zh") or ""),
        "reason_en": str(row.get("reason_en") or ""),
        "binding_zh": str(row.get("binding_detail_zh") or ""),
        "binding_en": str(row.get("binding_detail") or ""),
        "criteria": MappingProxyType({c: num(c) for c in criteria}),
    }


def _counts(units: pd.DataFrame, new_units: pd.DataFrame, level: str = "township"
            ) -> pd.DataFrame:
    """Units by type before and after, and settlements and groups (unchanged)."""
    before = units["kind"].value_counts()
    after = new_units["kind"].value_counts()
    if level == "village":
        rows_v: dict[str, tuple[float, float]] = {"village_total": (len(units), len(new_units))}
        for kind in ("village", "community", "other"):
            if before.get(kind, 0) or after.get(kind, 0):
                key = "other_settlement" if kind == "other" else kind
                rows_v[key] = (before.get(kind, 0), after.get(kind, 0))
        return pd.DataFrame.from_dict(rows_v, orient="index",
                                      columns=["before", "after"]).astype(int)
    rows: dict[str, tuple[float, float]] = {"total": (len(units), len(new_units))}
    for kind in UNIT_KINDS:
        if before.get(kind, 0) or after.get(kind, 0):
            rows[kind] = (before.get(kind, 0), after.get(kind, 0))
    for col in ("village", "community", "other"):
        key = "other_settlement" if col == "other" else col
        n = units[col].sum()
        if col != "other" or n:
            rows[key] = (n, n)
    for col in ("village_group", "resident_group"):
        n = units[col].sum()
        if n > 0:
            rows[col] = (n, n)
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["before", "after"])
    return out.astype(int)


def _averages(units: pd.DataFrame, new_units: pd.DataFrame) -> pd.DataFrame:
    """Mean area and population per unit, before and after, and the multiple."""
    rows = {}
    for col in ("area_km2", "population"):
        total = float(units[col].sum(min_count=len(units)))
        b, a = total / len(units), total / len(new_units)
        rows[col] = (b, a, a / b if b else float("nan"))
    return pd.DataFrame.from_dict(rows, orient="index", columns=["before", "after", "multiple"])


def _sizes(new_units: pd.DataFrame, level: str = "township") -> pd.DataFrame:
    """New units by population bin (:data:`SIZE_BINS`), largest first within a bin."""
    pop = new_units["population"].sort_values(ascending=False)
    rows = {}
    for key, lo, hi in (VILLAGE_SIZE_BINS if level == "village" else SIZE_BINS):
        ids = tuple(pop.index[(pop >= lo) & (pop < hi)])
        rows[key] = (len(ids), ids)
    unknown = tuple(pop.index[pop.isna()])
    if unknown:
        rows["unknown"] = (len(unknown), unknown)
    return pd.DataFrame.from_dict(rows, orient="index", columns=["count", "units"])


def _metrics(area: StudyArea, plan: Plan, config: Config,
             selector: SeatSelector | None) -> pd.DataFrame:
    """:func:`plan_metrics` of the status quo (``before``) and of the plan (``after``)."""
    status_quo = Plan.identity(area.unit_ids)
    return pd.DataFrame({
        "before": plan_metrics(area, status_quo, config=config, selector=selector),
        "after": plan_metrics(area, plan, config=config, selector=selector),
    })


def _tiers(area: StudyArea, plan: Plan, config: Config, selector: SeatSelector | None,
           level: str = "township") -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Tier counts and names after the plan, and the classifier's notes.

    Town tiers are listed by the township whose seat holds them (never by the seat's
    community); village tiers by village or community; a village-level plan has
    village tiers only.
    """
    if selector is None:
        empty = pd.DataFrame({"level": pd.Series(dtype=object), "count": pd.Series(dtype=int),
                              "names": pd.Series(dtype=object)})
        return empty, ()
    table = classify_tiers(area, plan, config=config, selector=selector, level=level)
    order = [*TOWN_TIERS, *VILLAGE_TIERS]
    order += sorted(set(table["tier"]) - set(order))
    if level == "village":
        order = [t for t in order if t not in TOWN_TIERS]
    unit_names = {str(u): str(n) for u, n in area.units["name"].items()}
    rows = {}
    for tier in order:
        part = table[table["tier"] == tier].sort_values("Z", ascending=False)
        town = tier in TOWN_TIERS
        names = (part["unit"].astype(str).map(lambda u: unit_names.get(u, u)) if town
                 else part["name"].astype(str))
        rows[tier] = ("town" if town else "village", len(part), tuple(names))
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["level", "count", "names"])
    return out, tuple(str(n) for n in table.attrs.get("notes", ()))


def _changes(units: pd.DataFrame, new_units: pd.DataFrame) -> pd.DataFrame:
    """One row per current unit: old and new code, name, type, and what happens to it."""
    after = new_units[["members", "name", "keeper", "kind"]].to_dict("index")
    rows = []
    for old, old_name, old_kind, new_unit in zip(units.index, units["name"], units["kind"],
                                                 units["new_unit"], strict=True):
        new = str(new_unit)
        nu = after[new]
        if len(nu["members"]) == 1:
            same = new == old and nu["name"] == old_name
            change = "unchanged" if same else "renamed"
        else:
            change = "kept" if nu["keeper"] == old else "abolished"
        rows.append({"old_code": old, "old_name": old_name, "old_kind": old_kind,
                     "new_code": new, "new_name": nu["name"], "new_kind": nu["kind"],
                     "change": change})
    return pd.DataFrame(rows).set_index("old_code")


def _data_notes(area: StudyArea, selector: SeatSelector | None, new_units: pd.DataFrame,
                scores: pd.DataFrame, tier_notes: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """Notes on the data, each ``(zh, en)``."""
    notes: list[tuple[str, str]] = []

    def add(key: str, **values: object) -> None:
        notes.append((sentence(key, "zh", **values), sentence(key, "en", **values)))

    add(f"population_{area.population_source}")
    if selector is None:
        add("no_settlements")
    else:
        observed = area.flow_types
        missing = [t for t in ("population", "traffic", "economic") if t not in observed]
        for key, types in (("flows_observed", observed), ("flows_gravity", missing)):
            if types:
                zh, en = (sentence(key, lg, types=join_names(
                    [label(f"flow_{t}", lg).lower() for t in types], lg)) for lg in ("zh", "en"))
                notes.append((zh, en))
        add("seat_rule")
        notes += [(zh, en) for en, zh in selector.notes]
        selector_en = {en for en, _ in selector.notes}
        notes += [(sentence("tier_note", "zh", note=n), sentence("tier_note", "en", note=n))
                  for n in tier_notes if n not in selector_en]
    differs = new_units[new_units["seat"].notna()
                        & (new_units["seat"] != new_units["score_seat"])]
    if len(differs):
        names = tuple(str(n) for n in differs["name"])
        notes.append((sentence("score_seat_differs", "zh", units=join_names(names, "zh")),
                      sentence("score_seat_differs", "en", units=join_names(names, "en"))))
    missing = sorted({c.strip() for m in scores["missing"] for c in str(m).split(",")
                      if c.strip()})
    if missing:
        zh, en = (sentence("score_missing", lg, criteria=join_names(
            [_criterion_label(c, lg) for c in missing], lg)) for lg in ("zh", "en"))
        notes.append((zh, en))
    for problem in area.report.warnings:
        add("validation", problem=str(problem))
    return tuple(notes)


def _criterion_label(name: str, lang: str) -> str:
    """The report label of a built-in criterion (its name for any other)."""
    registry = default_criteria()
    if name not in registry.names:
        return name
    crit = registry[name]
    return crit.label_zh if lang == "zh" else crit.label_en


def _t_good(units: pd.DataFrame, area: StudyArea, config: Config) -> Mapping[str, float]:
    terrains = (area.units["terrain"] if "terrain" in area.units.columns
                else pd.Series(None, units.index))
    found = {t if isinstance(t, str) and t else config.thresholds.default_terrain
             for t in terrains}
    present = [t for t in TERRAINS if t in found]
    return MappingProxyType({t: float(config.thresholds.for_terrain(t).t_good_min)
                             for t in present})


def _detect_level(area: StudyArea) -> str:
    """``village`` when most units read as villages or communities, else ``township``."""
    units = area.units
    kinds = units["kind"] if "kind" in units.columns else pd.Series(None, units.index)
    pairs = list(zip(kinds, units["name"], strict=True))
    town = sum(unit_kind(k, n) != "other" for k, n in pairs)
    village = sum(settlement_kind(k, n) != "other" for k, n in pairs)
    return "village" if village > max(town, len(pairs) / 2) else "township"


def report_figures(area: StudyArea, plan: Plan, *, config: Config | None = None,
                   level: str | None = None) -> ReportFigures:
    """Gather every figure of the plan report (no language, no HTML).

    Parameters
    ----------
    area : StudyArea
        Settlements make seats, accessibility, flows and tiers available;
        without them those parts are left empty and the notes say so.
    plan : Plan
    config : Config, optional
        Thresholds (floors, ``t_good``), seat, score and tier settings.
    level : {"township", "village"}, optional
        Which level the plan is about; default: ``village`` when most units are
        villages or communities by their kind or name (…村, …社区), else ``township``.

    Returns
    -------
    ReportFigures

    Raises
    ------
    PlanError
        When the plan does not assign every unit of the area once.

    Examples
    --------
    >>> import townmerge
    >>> from townmerge.testing.grids import grid_units
    >>> area = townmerge.StudyArea(grid_units("ABC", population={"A": 9000, "B": 6000,
    ...                                                          "C": 20000}))
    >>> fig = report_figures(area, townmerge.Plan.from_groups({"A": ["A", "B"], "C": ["C"]}))
    >>> fig.counts.loc["total"].tolist(), fig.changes["change"].tolist()
    ([3, 2], ['kept', 'abolished', 'unchanged'])
    """
    cfg = config or Config()
    if level is None:
        level = _detect_level(area)
    if level not in ("township", "village"):
        raise ValueError(f"level must be 'township' or 'village', not {level!r}.")
    plan.check_units(area.unit_ids)
    has_settlements = area.settlements is not None and len(area.settlements) > 0
    selector = seat_selector(area, cfg) if has_settlements else None
    units = _unit_table(area, plan, level)
    seats = _seat_rows(area, plan, cfg, selector)
    scorer = scorer_for(area, cfg)
    scores = score_plan(area, plan, scorer=scorer)
    criteria = tuple(c for c in default_criteria().names if c in scores.columns)
    new_units = _new_unit_table(area, plan, units, seats, scores, criteria)
    tiers, tier_notes = _tiers(area, plan, cfg, selector, level)
    return ReportFigures(
        counts=_counts(units, new_units, level),
        averages=_averages(units, new_units),
        sizes=_sizes(new_units, level),
        new_units=new_units,
        metrics=_metrics(area, plan, cfg, selector),
        tiers=tiers,
        changes=_changes(units, new_units),
        method=MappingProxyType(dict(plan.info)),
        notes=_data_notes(area, selector, new_units, scores, tier_notes),
        t_good=_t_good(units, area, cfg),
        breaches=tuple(plan_breaches(area, plan, scorer=scorer)),
        level=level, reject_below=float(cfg.bands.reject), criteria=criteria,
    )

