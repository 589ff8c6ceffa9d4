"""The plan report a county planner hands upward (domain notes §1.2 wording, §8 metrics).

Two steps, each testable on its own:

1. :func:`report_figures` gathers every figure of the report into a frozen
   :class:`ReportFigures` (plain DataFrames, no language, no HTML): counts by
   unit type before and after, average size, the size distribution of the new
   units, one row per new unit (members, type, seat, score), accessibility
   and flow capture before and after (:func:`townmerge.plan_metrics` of the
   status quo and of the plan), settlement tiers, the change log, how the
   plan was made and notes on the data.
2. :func:`render_report` writes them as one standalone, printable HTML
   document in Chinese (official 方案 wording) or English; :func:`plan_report`
   does both. The text comes from :mod:`townmerge.i18n`; sentences are built
   as plain text (:func:`count_sentences`, :func:`merger_paragraph`) and
   every piece of text is HTML-escaped exactly once, when the page is written.

The page loads nothing: no script, no web font, no image; the CSS is inline.

Examples
--------
>>> import townmerge
>>> from townmerge.testing.grids import grid_units
>>> area = townmerge.StudyArea(grid_units("AB", names={"A": "甲镇", "B": "乙乡"},
...     population={"A": 15000, "B": 6000}, kind={"A": "town", "B": "township"}))
>>> plan = townmerge.Plan.from_groups({"A": ["A", "B"]})
>>> fig = report_figures(area, plan)
>>> count_sentences(fig, "zh")[0]
'乡镇（街道）由2个减为1个，减少1个、减幅50.0%'
>>> merger_paragraph(fig.new_units.loc["A"], "zh")
'撤销乙乡，将其所属行政区域划归甲镇管辖，甲镇人民政府驻地待定。'
>>> html = render_report(fig, lang="en")
>>> html.startswith("<!DOCTYPE html>"), "<script" in html
(True, False)
"""

from __future__ import annotations

import html
import os
import pathlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from ..config import TERRAINS, TOWN_TIERS, VILLAGE_TIERS, Config
from ..data.atomic import atomic_write_text
from ..data.crs import equal_area_km2
from ..data.model import StudyArea
from ..data.plan import Plan
from ..evaluate.metrics import Breach, merged_units, plan_breaches, plan_metrics
from ..i18n import (
    MISSING,
    check_lang,
    fmt_area_km2,
    fmt_minutes,
    fmt_multiple,
    fmt_percent,
    fmt_population,
    join_and,
    join_names,
    label,
    sentence,
)
from ..score.criteria import default_criteria
from ..score.plan_scores import score_plan
from ..score.scorer import MergerScorer
from ..score.seat_choice import choose_seat, seat_move
from ..score.seats import SeatSelector, seat_selector
from ..score.tiers import TIER_EN, classify_tiers

__all__ = [
    "SETTLEMENT_KINDS",
    "SIZE_BINS",
    "UNIT_KINDS",
    "ReportFigures",
    "count_sentence",
    "count_sentences",
    "merger_paragraph",
    "plan_report",
    "render_report",
    "report_figures",
    "save_report",
    "settlement_kind",
    "unit_kind",
]

#: Unit types in report order (乡, 民族乡, 镇, 街道), then anything else.
UNIT_KINDS: tuple[str, ...] = ("township", "ethnic_township", "town", "subdistrict", "other")
#: Settlement types counted in the report (村, 社区), then anything else.
SETTLEMENT_KINDS: tuple[str, ...] = ("village", "community", "other")
#: Population bins of the new units: key, lower bound (inclusive), upper bound (exclusive).
SIZE_BINS: tuple[tuple[str, float, float], ...] = (
    ("lt1", 0.0, 1e4), ("1to2", 1e4, 2e4), ("2to3", 2e4, 3e4), ("3to4", 3e4, 4e4),
    ("ge4", 4e4, float("inf")),
)
#: Metrics of :func:`townmerge.plan_metrics` shown in the report.
ACCESS_METRICS = ("mean_minutes_to_seat", "max_minutes_to_seat", "share_within_t_good")
FLOW_METRICS = ("flow_kept_population", "flow_kept_traffic", "flow_kept_economic")

_UNIT_KIND_ALIASES: Mapping[str, str] = MappingProxyType({
    "township": "township", "乡": "township",
    "ethnic township": "ethnic_township", "ethnic_township": "ethnic_township",
    "民族乡": "ethnic_township",
    "town": "town", "镇": "town",
    "subdistrict": "subdistrict", "街道": "subdistrict",
})
_SETTLEMENT_KIND_ALIASES: Mapping[str, str] = MappingProxyType({
    "village": "village", "村": "village", "建制村": "village", "行政村": "village",
    "community": "community", "社区": "community", "town seat": "community",
    "county seat": "community",
})
_SIZE_BIN_TEXT: Mapping[str, tuple[str, str]] = MappingProxyType({
    "lt1": ("<1万", "< 10,000"), "1to2": ("1–2万", "10,000–20,000"),
    "2to3": ("2–3万", "20,000–30,000"), "3to4": ("3–4万", "30,000–40,000"),
    "ge4": ("≥4万", "≥ 40,000"), "unknown": ("人口不详", "unknown"),
})
_TERRAIN_TEXT: Mapping[str, tuple[str, str]] = MappingProxyType({
    "plain": ("平原", "plain"), "hill": ("丘陵", "hill"), "mountain": ("山区", "mountain"),
    "plateau": ("高原", "plateau"),
})
_KIND_PLURAL_EN: Mapping[str, str] = MappingProxyType({
    "total": "Townships and subdistricts", "township": "Townships",
    "ethnic_township": "Ethnic townships", "town": "Towns", "subdistrict": "Subdistricts",
    "other": "Other units",
})
_NUMERALS_ZH = "一二三四五六七八九十"
#: plan.info keys shown first, with their label keys; any other key but ``seconds`` follows.
_INFO_KEYS: Mapping[str, str] = MappingProxyType({
    "method": "info_method", "objective": "info_objective", "gap": "info_gap",
    "seed": "info_seed",
})

_CSS = """
@page { size: A4; margin: 16mm 14mm; }
* { box-sizing: border-box; }
body {
  margin: 0 auto; max-width: 190mm; padding: 12px; color: #111; background: #fff;
  font: 14px/1.65 "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", "Songti SC",
        "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", serif;
}
h1 { font-size: 22px; text-align: center; margin: 8px 0 4px; }
h2 { font-size: 17px; margin: 22px 0 8px; border-bottom: 1px solid #555; }
p { margin: 6px 0; }
.lead { text-align: center; font-weight: bold; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 13px; }
th, td { border: 1px solid #777; padding: 3px 6px; vertical-align: top; }
th { background: #eee; font-weight: bold; text-align: center; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td:first-child { white-space: nowrap; }
td.wording { line-height: 1.7; width: 58%; }
td.list { width: 75%; }
tr { page-break-inside: avoid; break-inside: avoid; }
thead { display: table-header-group; }
.flag { color: #b00; font-weight: bold; white-space: nowrap; }
.breaches { border: 3px solid #b00; background: #fff0f0; padding: 6px 12px; margin: 10px 0; }
.breaches p { color: #b00; font-weight: bold; }
.names { font-size: 12.5px; }
ul.notes { margin: 4px 0; padding-left: 20px; font-size: 13px; }
section { page-break-inside: auto; }
@media print { body { padding: 0; max-width: none; } h2 { page-break-after: avoid; } }
"""


# -- types -------------------------------------------------------------------------------------
def unit_kind(kind: object, name: object = None) -> str:
    """Report type of a unit: one of :data:`UNIT_KINDS`.

    ``kind`` is read first (``township``/``乡``, ``ethnic township``/``民族乡``,
    ``town``/``镇``, ``subdistrict``/``街道``); when it is missing or unknown
    the end of the name decides (…街道, …民族乡 or …族乡, …镇, …乡).

    Examples
    --------
    >>> unit_kind("ethnic township"), unit_kind(None, "松和藏族乡"), unit_kind("", "城东街道")
    ('ethnic_township', 'ethnic_township', 'subdistrict')
    >>> unit_kind(None, "X")
    'other'
    """
    if isinstance(kind, str) and kind.strip().lower() in _UNIT_KIND_ALIASES:
        return _UNIT_KIND_ALIASES[kind.strip().lower()]
    text = name.strip() if isinstance(name, str) else ""
    for suffix, key in (("街道", "subdistrict"), ("族乡", "ethnic_township"), ("镇", "town"),
                        ("乡", "township")):
        if text.endswith(suffix):
            return key
    return "other"


def settlement_kind(kind: object, name: object = None) -> str:
    """Report type of a settlement: ``village`` (村), ``community`` (社区) or ``other``.

    Town and county seats count as communities; without a known kind the end
    of the name decides (…社区, …村).

    Examples
    --------
    >>> settlement_kind("town seat"), settlement_kind("village"), settlement_kind(None, "兴包村")
    ('community', 'village', 'village')
    """
    if isinstance(kind, str) and kind.strip().lower() in _SETTLEMENT_KIND_ALIASES:
        return _SETTLEMENT_KIND_ALIASES[kind.strip().lower()]
    text = name.strip() if isinstance(name, str) else ""
    if text.endswith("社区"):
        return "community"
    if text.endswith("村"):
        return "village"
    return "other"


# -- figures -----------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ReportFigures:
    """Every figure of a plan report, language-neutral.

    Attributes
    ----------
    counts : DataFrame
        Index ``total``, the unit types of :data:`UNIT_KINDS` present, then
        ``village``, ``community`` (``other_settlement`` when some settlement
        is neither), ``village_group`` and ``resident_group`` (when the
        settlements have ``groups``); columns ``before``, ``after`` (int).
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
        ``score_total``, ``score_band``, ``score_band_zh``, ``score_seat``.
    metrics : DataFrame
        Rows of :data:`townmerge.evaluate.metrics.METRICS`; columns ``before`` (the
        status quo) and ``after``.
    tiers : DataFrame
        Index the tiers (town tiers first); columns ``level``, ``count``,
        ``names`` (tuple). Empty without settlements.
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

    @property
    def mergers(self) -> pd.DataFrame:
        """The new units with two members or more."""
        return self.new_units[self.new_units["members"].map(len) >= 2]


def _unit_table(area: StudyArea, plan: Plan) -> pd.DataFrame:
    """Current units: name, kind, population, area, new unit, settlements and groups."""
    units = area.units
    out = pd.DataFrame(index=units.index.astype(str))
    out["name"] = [str(n) if n is not None else str(u) for u, n in
                   zip(units.index, units["name"], strict=True)]
    kinds = units["kind"] if "kind" in units.columns else pd.Series(None, units.index)
    out["kind"] = [unit_kind(k, n) for k, n in zip(kinds, out["name"], strict=True)]
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


def _keeper(members: Sequence[str], new_id: str, name: str, units: pd.DataFrame) -> str | None:
    """The member whose name the new unit keeps (the one whose id it keeps first)."""
    same = [m for m in members if units.at[m, "name"] == name]
    if not same:
        return None
    return new_id if new_id in same else max(same, key=lambda m: _pop(units.at[m, "population"]))


def _pop(value: object) -> float:
    x = float(value)  # type: ignore[arg-type]
    return x if np.isfinite(x) else -1.0


def _kind_member(members: Sequence[str], new_id: str, keeper: str | None,
                 units: pd.DataFrame) -> str:
    """The member that gives the new unit its type: keeper, id kept, else the most populous."""
    if keeper is not None:
        return keeper
    if new_id in members:
        return new_id
    return max(members, key=lambda m: _pop(units.at[m, "population"]))


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
            "seat_unit": (_opt(st.at[seat, "unit"]) if st is not None and seat in st.index
                          else None),
            "seat_former_of": origin, "moved": moved,
            "former_seats": {m: seat_of_unit.get(m) for m in members},
        })
    return pd.DataFrame(rows).set_index("new_unit_id")


def _opt(value: object) -> str | None:
    """Text of an optional value: None for None and NaN."""
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
                    scores: pd.DataFrame) -> pd.DataFrame:
    """One row per new unit: members, type, size, settlements, seat and score."""
    merged = merged_units(area, plan)
    st = area.settlements
    rows = []
    for new, members in plan.groups().items():
        name = str(merged.at[new, "name"])
        keeper = _keeper(members, new, name, units)
        kind_member = _kind_member(members, new, keeper, units)
        seat = seats.loc[new]
        keeper_seat = seat["former_seats"].get(keeper) if keeper is not None else None
        rows.append({
            "new_unit_id": new, "name": name, "kind": units.at[kind_member, "kind"],
            "members": tuple(members),
            "member_names": tuple(units.loc[list(members), "name"]),
            "member_kinds": tuple(units.loc[list(members), "kind"]),
            "keeper": keeper, "kind_member": kind_member,
            "population": float(merged.at[new, "population"]),
            "area_km2": float(merged.at[new, "area_km2"]),
            "villages": int(units.loc[list(members), "village"].sum()),
            "communities": int(units.loc[list(members), "community"].sum()),
            "seat": _opt(seat["seat"]), "seat_name": _opt(seat["seat_name"]),
            "seat_unit": _opt(seat["seat_unit"]), "seat_former_of": _opt(seat["seat_former_of"]),
            "keeper_seat": keeper_seat,
            "keeper_seat_name": _settlement_name(st, keeper_seat),
            "moved": bool(seat["moved"]),
            "score_total": float(scores.at[new, "total"]),
            "score_band": str(scores.at[new, "band"]),
            "score_band_zh": str(scores.at[new, "band_zh"]),
            "score_seat": _opt(scores.at[new, "seat"]),
        })
    return pd.DataFrame(rows).set_index("new_unit_id")


def _counts(units: pd.DataFrame, new_units: pd.DataFrame) -> pd.DataFrame:
    """Units by type before and after, and settlements and groups (unchanged)."""
    before = units["kind"].value_counts()
    after = new_units["kind"].value_counts()
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


def _sizes(new_units: pd.DataFrame) -> pd.DataFrame:
    """New units by population bin (:data:`SIZE_BINS`), largest first within a bin."""
    pop = new_units["population"].sort_values(ascending=False)
    rows = {}
    for key, lo, hi in SIZE_BINS:
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


def _tiers(area: StudyArea, plan: Plan, config: Config,
           selector: SeatSelector | None) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Tier counts and names after the plan, and the classifier's notes."""
    if selector is None:
        empty = pd.DataFrame({"level": pd.Series(dtype=object), "count": pd.Series(dtype=int),
                              "names": pd.Series(dtype=object)})
        return empty, ()
    table = classify_tiers(area, plan, config=config, selector=selector)
    order = [*TOWN_TIERS, *VILLAGE_TIERS]
    order += sorted(set(table["tier"]) - set(order))
    rows = {}
    for tier in order:
        part = table[table["tier"] == tier].sort_values("Z", ascending=False)
        level = "town" if tier in TOWN_TIERS else "village"
        rows[tier] = (level, len(part), tuple(str(n) for n in part["name"]))
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["level", "count", "names"])
    return out, tuple(str(n) for n in table.attrs.get("notes", ()))


def _changes(units: pd.DataFrame, new_units: pd.DataFrame) -> pd.DataFrame:
    """One row per current unit: old and new code, name, type, and what happens to it."""
    rows = []
    for old, row in units.iterrows():
        new = str(row["new_unit"])
        nu = new_units.loc[new]
        if len(nu["members"]) == 1:
            same = new == old and nu["name"] == row["name"]
            change = "unchanged" if same else "renamed"
        else:
            change = "kept" if nu["keeper"] == old else "abolished"
        rows.append({"old_code": old, "old_name": row["name"], "old_kind": row["kind"],
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


def report_figures(area: StudyArea, plan: Plan, *, config: Config | None = None) -> ReportFigures:
    """Gather every figure of the plan report (no language, no HTML).

    Parameters
    ----------
    area : StudyArea
        Settlements make seats, accessibility, flows and tiers available;
        without them those parts are left empty and the notes say so.
    plan : Plan
    config : Config, optional
        Thresholds (floors, ``t_good``), seat, score and tier settings.

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
    plan.check_units(area.unit_ids)
    has_settlements = area.settlements is not None and len(area.settlements) > 0
    selector = seat_selector(area, cfg) if has_settlements else None
    units = _unit_table(area, plan)
    seats = _seat_rows(area, plan, cfg, selector)
    scorer = MergerScorer(area, cfg)
    scores = score_plan(area, plan, scorer=scorer)
    new_units = _new_unit_table(area, plan, units, seats, scores)
    tiers, tier_notes = _tiers(area, plan, cfg, selector)
    return ReportFigures(
        counts=_counts(units, new_units),
        averages=_averages(units, new_units),
        sizes=_sizes(new_units),
        new_units=new_units,
        metrics=_metrics(area, plan, cfg, selector),
        tiers=tiers,
        changes=_changes(units, new_units),
        method=MappingProxyType(dict(plan.info)),
        notes=_data_notes(area, selector, new_units, scores, tier_notes),
        t_good=_t_good(units, area, cfg),
        breaches=tuple(plan_breaches(area, plan, scorer=scorer)),
    )


# -- sentences (plain text) --------------------------------------------------------------------
def _kind_label(kind: str, lang: str) -> str:
    return label(f"kind_{kind}", lang)


def _display(name: str, kind: str, lang: str) -> str:
    """A unit as named in prose: the name in Chinese, ``name type`` in English."""
    if lang == "zh" or kind == "other":
        return name
    return f"{name} {_kind_label(kind, lang)}"


def _subject(key: str, lang: str) -> str:
    if key == "total":
        return label("kind_total", lang)
    if key in UNIT_KINDS:
        return _kind_label(key, lang) if lang == "zh" else _KIND_PLURAL_EN[key]
    return label(key, lang) if key != "other_settlement" else label("kind_other", lang)


def count_sentence(key: str, before: int, after: int, lang: str) -> str:
    """The official count sentence: ``乡由13个减为2个，减少11个、减幅84.6%``.

    Examples
    --------
    >>> count_sentence("total", 33, 13, "zh")
    '乡镇（街道）由33个减为13个，减少20个、减幅60.6%'
    >>> count_sentence("town", 16, 16, "en")
    'Towns: 16, unchanged'
    """
    subject = _subject(key, lang)
    if after == before:
        return sentence("count_same", lang, subject=subject, before=before)
    n = abs(before - after)
    rate = fmt_percent(n / before, lang) if before else MISSING
    which = "count_down" if after < before else "count_up"
    return sentence(which, lang, subject=subject, before=before, after=after, n=n, rate=rate)


def count_sentences(figures: ReportFigures, lang: str) -> tuple[str, ...]:
    r"""Count sentences of the units: the total first, then each type present.

    Examples
    --------
    >>> import townmerge
    >>> from townmerge.testing.grids import grid_units
    >>> area = townmerge.StudyArea(grid_units("AB", kind={"A": "town", "B": "township"}))
    >>> fig = report_figures(area, townmerge.Plan.from_groups({"A": ["A", "B"]}))
    >>> print(*count_sentences(fig, "en"), sep="\n")
    Townships and subdistricts: from 2 to 1, 1 fewer (−50.0%)
    Townships: from 1 to 0, 1 fewer (−100.0%)
    Towns: 1, unchanged
    """
    check_lang(lang)
    keys = [k for k in figures.counts.index if k == "total" or k in UNIT_KINDS]
    return tuple(count_sentence(k, int(figures.counts.at[k, "before"]),
                                int(figures.counts.at[k, "after"]), lang) for k in keys)


def _office(kind: str, lang: str) -> str:
    return sentence("office_subdistrict" if kind == "subdistrict" else "office_government", lang)


def _seat_origin(row: pd.Series, members: Mapping[str, tuple[str, str]], lang: str) -> str:
    """The bracket after the seat: whose former seat it is, or that it moved ('' if neither)."""
    origin_unit = _opt(row["seat_former_of"]) or ""
    seat_unit = _opt(row["seat_unit"]) or ""
    moved = bool(row.get("moved", False))
    if origin_unit in members:
        oname, okind = members[origin_unit]
        text = sentence("origin_former", lang, unit=oname, office=_office(okind, lang))
    elif moved and seat_unit in members:
        text = sentence("origin_moved", lang, unit=members[seat_unit][0])
    elif moved:
        text = sentence("origin_unknown", lang)
    else:
        return ""
    return sentence("origin_wrap", lang, origin=text)


def _seat_clause(row: pd.Series, lang: str) -> str:
    """Where the government of the new unit sits, in official wording."""
    unit = str(row["name"])
    office = _office(str(row["kind"]), lang)
    seat = _opt(row["seat_name"])
    if seat is None:
        return sentence("seat_unknown", lang, unit=unit, office=office)
    keeper, keeper_seat = _opt(row["keeper"]), _opt(row["keeper_seat"])
    if keeper is not None and keeper_seat is not None and _opt(row["seat"]) == keeper_seat:
        return sentence("seat_same", lang, unit=unit, office=office)
    members = dict(zip(row["members"], zip(row["member_names"], row["member_kinds"],
                                           strict=True), strict=True))
    origin = _seat_origin(row, members, lang)
    old = _opt(row["keeper_seat_name"])
    if keeper is not None and old is not None:
        return sentence("seat_from_to", lang, unit=unit, office=office, old=old, seat=seat,
                        origin=origin)
    return sentence("seat_at", lang, unit=unit, office=office, seat=seat, origin=origin)


def merger_paragraph(row: pd.Series, lang: str) -> str:
    r"""The official wording of one new unit (a row of :attr:`ReportFigures.new_units`).

    A new unit that keeps a member's name takes the others in: "撤销A乡，将其所
    属行政区域划归B镇管辖，B镇人民政府驻地不变"; otherwise every member is
    abolished and the new unit established: "撤销A乡和B乡，设立C镇，以原A乡和
    原B乡所属行政区域为C镇的行政区域，C镇人民政府驻XX（原A乡人民政府驻地）".

    Parameters
    ----------
    row : Series
        One row of :attr:`ReportFigures.new_units` (its name is the new unit id).
    lang : str
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str
        Plain text (escape it for HTML).

    Examples
    --------
    >>> row = pd.Series({"name": "丙镇", "kind": "town", "members": ("A", "B"),
    ...     "member_names": ("甲乡", "乙乡"), "member_kinds": ("township", "township"),
    ...     "keeper": None, "keeper_seat": None, "keeper_seat_name": None, "seat": "a1",
    ...     "seat_name": "甲社区", "seat_unit": "A", "seat_former_of": "A", "moved": False})
    >>> print(*merger_paragraph(row, "zh").split("，"), sep="\n")
    撤销甲乡和乙乡
    设立丙镇
    以原甲乡和原乙乡所属行政区域为丙镇的行政区域
    丙镇人民政府驻甲社区（原甲乡人民政府驻地）。
    >>> print(*merger_paragraph(row, "en").split("; "), sep="\n")
    Abolish 甲乡 township and 乙乡 township
    establish 丙镇 town, whose area is the former areas of 甲乡 and 乙乡
    the government of 丙镇 sits at 甲社区 (the former seat of 甲乡).
    """
    check_lang(lang)
    members = list(zip(row["members"], row["member_names"], row["member_kinds"], strict=True))
    keeper = _opt(row["keeper"])
    abolished = [(n, k) for m, n, k in members if m != keeper]
    members_text = join_and([_display(n, k, lang) for n, k in abolished], lang)
    clause = _seat_clause(row, lang)
    if keeper is not None:
        return sentence("merge_absorb", lang, members=members_text, seat_clause=clause,
                        their="their" if len(abolished) > 1 else "its",
                        keeper=_display(str(row["name"]), str(row["kind"]), lang))
    prefix = "原" if lang == "zh" else ""
    return sentence("merge_new", lang, members=members_text, seat_clause=clause,
                    new=_display(str(row["name"]), str(row["kind"]), lang),
                    former=join_and([prefix + n for n, _ in abolished], lang))


# -- HTML --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Html:
    """A piece of markup built only from escaped text (never from data directly)."""

    markup: str
    cls: str = "wording"


Cell = str | _Html


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _cell(value: Cell) -> str:
    return value.markup if isinstance(value, _Html) else _esc(value)


def _table(header: Sequence[str], rows: Iterable[Sequence[Cell]],
           numeric: Sequence[int] = ()) -> str:
    """A table; every plain-text cell is escaped, columns in ``numeric`` right-aligned."""
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = []
    for row in rows:
        tds = []
        for i, value in enumerate(row):
            cls = ' class="num"' if i in numeric else (
                f' class="{value.cls}"' if isinstance(value, _Html) else "")
            tds.append(f"<td{cls}>{_cell(value)}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    return (f"<table><thead><tr>{head}</tr></thead><tbody>" + "".join(body)
            + "</tbody></table>")


def _para(text: str, cls: str | None = None) -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<p{attr}>{_esc(text)}</p>"


def _heading(index: int, key: str, lang: str) -> str:
    number = f"{_NUMERALS_ZH[index]}、" if lang == "zh" else f"{index + 1}. "
    return f'<h2 id="{_esc(key)}">{_esc(number + label(key, lang))}</h2>'


@dataclass(frozen=True)
class _Context:
    lang: str
    before: str
    after: str


def _names_of(ids: Sequence[str], figures: ReportFigures, lang: str) -> str:
    names = [str(figures.new_units.at[i, "name"]) for i in ids]
    return join_names(names, lang) if names else MISSING


def _count_value(value: int, lang: str) -> str:
    return f"{value:,}" if lang == "en" else str(value)


def _section_counts(fig: ReportFigures, ctx: _Context) -> str:
    lang = ctx.lang
    rows = []
    for key, row in fig.counts.iterrows():
        b, a = int(row["before"]), int(row["after"])
        rate = fmt_percent((a - b) / b, lang) if b else MISSING
        if a > b:
            rate = "+" + rate
        rows.append([_subject(str(key), lang), _count_value(b, lang),
                     _count_value(a, lang), f"{a - b:+d}" if a != b else "0", rate])
    parts = [_para(s) for s in count_sentences(fig, lang)[1:]]
    parts.append(_table([label("item", lang), ctx.before, ctx.after, label("change", lang),
                         label("rate", lang)], rows, numeric=(1, 2, 3, 4)))
    parts.append(_para(sentence("villages_unchanged", lang)))
    return "".join(parts)


def _section_averages(fig: ReportFigures, ctx: _Context) -> str:
    lang = ctx.lang
    av = fig.averages
    rows = [
        [label("avg_area", lang), fmt_area_km2(av.at["area_km2", "before"], lang),
         fmt_area_km2(av.at["area_km2", "after"], lang),
         fmt_multiple(av.at["area_km2", "multiple"])],
        [label("avg_population", lang), fmt_population(av.at["population", "before"], lang),
         fmt_population(av.at["population", "after"], lang),
         fmt_multiple(av.at["population", "multiple"])],
    ]
    return _table([label("item", lang), ctx.before, ctx.after, label("multiple", lang)], rows,
                  numeric=(1, 2, 3))


def _section_sizes(fig: ReportFigures, ctx: _Context) -> str:
    lang = ctx.lang
    rows: list[list[Cell]] = []
    for key, row in fig.sizes.iterrows():
        text = _SIZE_BIN_TEXT[str(key)][0 if lang == "zh" else 1]
        rows.append([text, str(int(row["count"])),
                     _Html(f'<span class="names">{_esc(_names_of(row["units"], fig, lang))}'
                           "</span>", "list")])
    parts = [_table([label("size_bin", lang), label("count", lang), label("names", lang)], rows,
                    numeric=(1,))]
    pop = fig.new_units["population"].dropna()
    if len(pop):
        big, small = pop.idxmax(), pop.idxmin()
        parts.append(_para(sentence(
            "sizes_extremes", lang,
            max_name=fig.new_units.at[big, "name"], max=fmt_population(pop[big], lang),
            min_name=fig.new_units.at[small, "name"], min=fmt_population(pop[small], lang),
            share=fmt_percent(fig.metrics.at["share_below_floor", "after"], lang))))
    return "".join(parts)


def _band_text(row: pd.Series, lang: str) -> str:
    band = row["score_band_zh"] if lang == "zh" else row["score_band"]
    return f"{row['score_total']:.2f}（{band}）" if lang == "zh" else \
        f"{row['score_total']:.2f} ({band})"


_BREACH_HEAD = {"zh": "警告：本方案违反以下硬约束，不能按此上报（下文措辞仅供核对）：",
                "en": "Warning: this plan breaks the hard rules below and cannot be submitted "
                      "as it stands (the wording below is for checking only):"}
_BREACH_FLAG = {"zh": "违反硬约束", "en": "breaks a hard rule"}


def _breach_box(fig: ReportFigures, lang: str) -> str:
    """The warning opening a report of a plan that breaks hard rules (escaped text)."""
    if not fig.breaches:
        return ""
    items = "".join(f"<li>{_esc(b.text(lang))}</li>" for b in fig.breaches)
    return (f'<div class="breaches" role="alert"><p>{_esc(_BREACH_HEAD[lang])}</p>'
            f"<ul>{items}</ul></div>")


def _section_mergers(fig: ReportFigures, ctx: _Context) -> str:
    lang = ctx.lang
    rows: list[list[Cell]] = []
    broken = {b.new_unit for b in fig.breaches}
    for new_id, row in fig.mergers.iterrows():
        flag = (f' <span class="flag">[{_esc(label("seat_moved", lang))}]</span>'
                if row["moved"] else "")
        if str(new_id) in broken:
            flag += f' <span class="flag">[{_esc(_BREACH_FLAG[lang])}]</span>'

        rows.append([
            _display(str(row["name"]), str(row["kind"]), lang),
            _Html(_esc(merger_paragraph(row, lang)) + flag),
            fmt_area_km2(row["area_km2"], lang), fmt_population(row["population"], lang),
            f"{row['villages']} / {row['communities']}", _band_text(row, lang),
        ])
    if not rows:
        return _para(label("none", lang))
    return _table([label("new_unit", lang), label("wording", lang), label("area", lang),
                   label("population", lang), label("villages_communities", lang),
                   label("score", lang)], rows, numeric=(2, 3, 4, 5))


def _metric_rows(fig: ReportFigures, keys: Sequence[tuple[str, str]], lang: str,
                 share: bool) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for metric, key in keys:
        b, a = fig.metrics.at[metric, "before"], fig.metrics.at[metric, "after"]
        if share or metric == "share_within_t_good":
            rows.append([label(key, lang), fmt_percent(b, lang), fmt_percent(a, lang)])
        else:
            rows.append([label(key, lang), fmt_minutes(b, lang), fmt_minutes(a, lang)])
    return rows


def _section_access(fig: ReportFigures, ctx: _Context) -> str:
    lang = ctx.lang
    keys = [("mean_minutes_to_seat", "mean_minutes"), ("max_minutes_to_seat", "max_minutes"),
            ("share_within_t_good", "within_t_good")]
    table = _table([label("item", lang), ctx.before, ctx.after],
                   _metric_rows(fig, keys, lang, share=False), numeric=(1, 2))
    unit = "分钟" if lang == "zh" else " min"
    t_good = join_names([f"{_TERRAIN_TEXT.get(t, (t, t))[0 if lang == 'zh' else 1]} "
                         f"{m:g}{unit}" for t, m in fig.t_good.items()], lang)
    return table + _para(sentence("access_summary", lang, t_good=t_good))


def _section_flows(fig: ReportFigures, ctx: _Context) -> str:
    lang = ctx.lang
    keys = [(m, "flow_" + m.removeprefix("flow_kept_")) for m in FLOW_METRICS]
    return (_table([label("item", lang), ctx.before, ctx.after],
                   _metric_rows(fig, keys, lang, share=True), numeric=(1, 2))
            + _para(sentence("flows_summary", lang)))


def _section_tiers(fig: ReportFigures, ctx: _Context) -> str:
    lang = ctx.lang
    if not len(fig.tiers):
        return _para(sentence("no_settlements", lang))
    rows: list[list[Cell]] = []
    for tier, row in fig.tiers.iterrows():
        name = str(tier) if lang == "zh" else TIER_EN.get(str(tier), str(tier))
        names = join_names(list(row["names"]), lang) if row["names"] else MISSING
        rows.append([name, str(int(row["count"])),
                     _Html(f'<span class="names">{_esc(names)}</span>', "list")])
    return _table([label("tier", lang), label("count", lang), label("names", lang)], rows,
                  numeric=(1,))


def _section_changes(fig: ReportFigures, ctx: _Context) -> str:
    lang = ctx.lang
    rows: list[list[Cell]] = [
        [str(old), str(r["old_name"]), _kind_label(str(r["old_kind"]), lang),
         str(r["new_code"]), str(r["new_name"]), _kind_label(str(r["new_kind"]), lang),
         label(f"change_{r['change']}", lang)]
        for old, r in fig.changes.iterrows()
    ]
    return _table([label(k, lang) for k in ("old_code", "old_name", "old_kind", "new_code",
                                            "new_name", "new_kind", "change")], rows)


def _info_value(key: str, value: object, lang: str) -> str:
    if key == "gap" and isinstance(value, float | int):
        return fmt_percent(float(value), lang, 2)
    if key == "objective" and isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def _section_method(fig: ReportFigures, ctx: _Context) -> str:
    lang = ctx.lang
    rows: list[list[Cell]] = [[label(lab, lang), _info_value(k, fig.method[k], lang)]
                              for k, lab in _INFO_KEYS.items() if k in fig.method]
    rows += [[str(k), str(v)] for k, v in fig.method.items()
             if k not in _INFO_KEYS and k != "seconds"]
    parts = [f"<p><b>{_esc(label('plan_made', lang))}</b></p>"]
    parts.append(_table([label("item", lang), label("value", lang)], rows) if rows
                 else _para(label("unknown", lang)))
    parts.append(f"<p><b>{_esc(label('data_notes', lang))}</b></p>")
    notes = "".join(f"<li>{_esc(zh if lang == 'zh' else en)}</li>" for zh, en in fig.notes)
    parts.append(f'<ul class="notes">{notes}</ul>')
    return "".join(parts)


_SECTIONS = (
    ("sec_counts", _section_counts), ("sec_averages", _section_averages),
    ("sec_sizes", _section_sizes), ("sec_mergers", _section_mergers),
    ("sec_access", _section_access), ("sec_flows", _section_flows),
    ("sec_tiers", _section_tiers), ("sec_changes", _section_changes),
    ("sec_method", _section_method),
)


def render_report(figures: ReportFigures, *, lang: str = "zh", title: str | None = None,
                  before_label: str | None = None) -> str:
    """Write the figures as a standalone, printable HTML document.

    Parameters
    ----------
    figures : ReportFigures
        From :func:`report_figures`.
    lang : {"zh", "en"}
    title : str, optional
        Default: "乡镇行政区划调整方案" / "Township merger plan".
    before_label : str, optional
        Heading of the status-quo columns (e.g. "2019年"); default "调整前".

    Returns
    -------
    str
        The HTML document; every text from the data is escaped, nothing is
        loaded from elsewhere.

    Examples
    --------
    >>> import townmerge
    >>> from townmerge.testing.grids import grid_units
    >>> area = townmerge.StudyArea(grid_units("AB", population={"A": 9000, "B": 6000}))
    >>> fig = report_figures(area, townmerge.Plan.from_groups({"A": ["A", "B"]}))
    >>> page = render_report(fig, title="<b>x</b>", before_label="2019年")
    >>> "&lt;b&gt;x&lt;/b&gt;" in page, "<b>x</b>" in page, "2019年" in page
    (True, False, True)
    """
    check_lang(lang)
    ctx = _Context(lang, before_label or label("before", lang), label("after", lang))
    heading = title if title is not None else label("report_title", lang)
    total = count_sentences(figures, lang)[0]
    body = [f"<h1>{_esc(heading)}</h1>", _breach_box(figures, lang), _para(total, "lead")]
    for i, (key, section) in enumerate(_SECTIONS):
        body.append(f"<section>{_heading(i, key, lang)}{section(figures, ctx)}</section>")
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(heading)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body) + "\n</body>\n</html>\n"
    )


def plan_report(area: StudyArea, plan: Plan, *, lang: str = "zh", config: Config | None = None,
                title: str | None = None, before_label: str | None = None) -> str:
    """The plan report as a standalone HTML document (figures, then rendering).

    Parameters
    ----------
    area : StudyArea
    plan : Plan
    lang : {"zh", "en"}
        Chinese uses the official 方案 wording.
    config : Config, optional
    title : str, optional
    before_label : str, optional
        As for :func:`render_report`.

    Returns
    -------
    str

    Examples
    --------
    >>> import townmerge
    >>> from townmerge.testing.grids import grid_units
    >>> area = townmerge.StudyArea(grid_units("AB", population={"A": 9000, "B": 6000}))
    >>> page = plan_report(area, townmerge.Plan.from_groups({"A": ["A", "B"]}))
    >>> "撤销B镇，将其所属行政区域划归A镇管辖" in page
    True
    """
    check_lang(lang)
    figures = report_figures(area, plan, config=config)
    return render_report(figures, lang=lang, title=title, before_label=before_label)


def save_report(html_text: str, path: str | os.PathLike[str]) -> pathlib.Path:
    """Write a report as a UTF-8 HTML file, creating parent folders.

    Parameters
    ----------
    html_text : str
        From :func:`plan_report` or :func:`render_report`.
    path : str or path-like

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    TypeError
        If ``html_text`` is not a string.
    OutputError
        If ``path`` cannot be written; a previous file is left as it was.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as d:
    ...     out = save_report("<!DOCTYPE html><p>方案</p>", Path(d) / "out" / "report.html")
    ...     out.read_text(encoding="utf-8")
    '<!DOCTYPE html><p>方案</p>'
    """
    if not isinstance(html_text, str):
        raise TypeError(f"save_report needs the HTML text (str), not {type(html_text).__name__}.")
    out = pathlib.Path(path)
    return atomic_write_text(out, html_text, encoding="utf-8")
