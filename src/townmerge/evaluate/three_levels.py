"""镇村组三级联动: the whole reform (townships, villages and communities, groups) in one object.

:func:`plan_reform` plans the townships, then the villages and communities nested
in the new townships, then estimates the groups of each new village, and returns
a :class:`Reform`: the plans of every level, checkable (:meth:`Reform.check`),
counted (:meth:`Reform.counts`, :meth:`Reform.summary`), coded and logged
(:meth:`Reform.change_log`) and worded (:meth:`Reform.wording`), each level also
editable on its own (pass ``township_plan=`` or ``village_plan=``).

Rules:

- a village merger never crosses a new township boundary (``within=`` of the
  generators is each village's new township; a given village plan that straddles
  is refused, naming villages and townships);
- villages (建制村) and communities (社区) are two kinds of one level, planned
  apart with their own targets; they merge with each other only with
  ``mix_kinds=True``;
- the villages' old townships do not restrict their mergers inside a new township
  (the nesting takes the place of the same-parent rule);
- groups come from counts per village, by :class:`~townmerge.evaluate.groups.GroupSizing`,
  marked ``estimated``.

New codes (:meth:`Reform.codes`) follow the statistical division code structure
(:mod:`townmerge.data.divisions`): a new unit that continues a member (it has
that member's id as its id and a code in the serial range of its kind) keeps the
member's code, if that code lies under its new parent; any other new unit gets
the lowest free serial of its kind under its new parent, never a code in use
before. Groups take ``<village code><001…>`` (15 digits, a townmerge convention).

Examples
--------
>>> import townmerge as tm
>>> towns = tm.read_study_area("sample_shapes/county")                 # doctest: +SKIP
>>> villages = tm.read_study_area("sample_shapes/county", level="villages")  # doctest: +SKIP
>>> r = plan_reform(towns, villages, targets={"township": 13, "village": 83,
...                                           "community": 79})          # doctest: +SKIP
>>> r.counts()[["before", "after"]]                                     # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from ..config import Config
from ..data.divisions import SERIAL_RANGES, assign_codes, township_type, village_kind
from ..data.model import StudyArea, unit_label
from ..data.nesting import Nesting
from ..data.plan import Plan
from ..data.subarea import sub_area
from ..errors import ParameterError, PlanError, format_ids
from ..generate import generate_plan
from ..i18n import check_lang
from .changelog import ChangeEntry, change_log
from .group_level import group_area, plan_groups, planned_group_entries
from .groups import GroupSizing, group_table
from .levels import count_sentence, kind_counts, percent_tenths, reduction_rate
from .village_wording import FIVE_UNCHANGED, checklist_table, village_merger_text

__all__ = ["TARGET_KEYS", "Reform", "plan_reform"]

#: Keys of ``targets=``: new townships, villages, communities (and, with ``groups=``,
#: village groups and resident groups).
TARGET_KEYS: tuple[str, ...] = ("township", "village", "community", "group", "resident_group")


def _names(area: StudyArea) -> dict[str, str]:
    return {str(k): str(v) for k, v in area.units["name"].items()}


def _village_kinds(villages: StudyArea) -> dict[str, str]:
    """Village id → ``village`` / ``community`` / ``other``, from the names (or ``kind``)."""
    units = villages.units
    if "kind" in units.columns:
        given = units["kind"].astype("string")
        if given.isin(["village", "community", "other"]).all():
            return {str(k): str(v) for k, v in given.items()}
    return {str(k): village_kind(str(n)) for k, n in units["name"].items()}


def _new_name(plan: Plan, new: str, names: Mapping[str, str]) -> str:
    if new in plan.names:
        return plan.names[new]
    if new in names and new in plan.members(new):
        return names[new]
    return names[plan.members(new)[0]]


def _in_range(code: str, level: str, kind: str) -> bool:
    lo, hi = SERIAL_RANGES[level][kind]
    serial = code[-3:]
    return serial.isdigit() and lo <= int(serial) <= hi


@dataclass(frozen=True)
class Reform:
    """A township plan with the village plan nested in it and the groups of each new village.

    Build it with :func:`plan_reform`. Every table it gives is computed from the plans.

    Attributes
    ----------
    townships, villages : StudyArea
        The two levels (``villages`` with column ``parent``).
    township_plan, village_plan : Plan
    groups : pandas.DataFrame
        Per new village: ``kind``, ``group_kind``, ``population``, ``groups_before``,
        ``groups_after`` and ``estimated`` (:func:`~townmerge.evaluate.groups.group_table`).
    kinds : Mapping[str, str]
        Village id → village kind.
    mix_kinds : bool
        Whether villages and communities may merge with each other.
    checklist : tuple of (zh, en)
        The 五不 / 五大不变 items carried with each merger.
    checklist_status : Mapping[str, Mapping[str, str]]
        New unit id → item (zh) → recorded status.
    group_units, group_plan : StudyArea, Plan, optional
        The groups and their plan, when the groups were given as points or polygons
        (then nothing is estimated).
    """

    townships: StudyArea
    villages: StudyArea
    township_plan: Plan
    village_plan: Plan
    groups: pd.DataFrame
    kinds: Mapping[str, str]
    mix_kinds: bool = False
    checklist: tuple[tuple[str, str], ...] = FIVE_UNCHANGED
    checklist_status: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    group_units: StudyArea | None = None
    group_plan: Plan | None = None

    # -- checks ---------------------------------------------------------------------------------
    @property
    def nesting(self) -> Nesting:
        """Each village → its new township (with names, to explain refusals)."""
        return Nesting(self.villages, self.townships, self.township_plan)

    def problems(self) -> list[str]:
        """Every breach of nesting, kinds and reconciliation, one line each (none: consistent)."""
        out = []
        try:
            self.township_plan.check_units(self.townships.unit_ids)
            self.village_plan.check_units(self.villages.unit_ids)
        except PlanError as exc:
            return [str(exc)]
        out += self.nesting.problems(self.village_plan)
        vnames = _names(self.villages)
        if not self.mix_kinds:
            for new, members in self.village_plan.groups().items():
                kinds = sorted({self.kinds[m] for m in members})
                if len(kinds) > 1:
                    out.append(f"new village unit {new} mixes {' and '.join(kinds)}: "
                               f"{format_ids([unit_label(m, vnames[m]) for m in members])}; "
                               "villages and communities merge only with mix_kinds=True")
        pop = self.villages.units["population"].astype(float)
        if abs(float(self.groups["population"].sum()) - float(pop.sum())) > 1e-6 * max(
                1.0, float(pop.sum())):
            out.append("the new villages' population does not add up to the villages'")
        g0 = (len(self.group_units) if self.group_units is not None
              else int(self.villages.units.get("groups", pd.Series(0)).fillna(0).sum()))
        if int(self.groups["groups_before"].sum()) != g0:
            out.append("the groups before do not add up to the villages' groups")
        if self.group_units is not None and self.group_plan is not None:
            out += Nesting(self.group_units, self.villages, self.village_plan).problems(
                self.group_plan)
        t = self.counts()
        if not (t["before"] - t["removed"] == t["after"]).all():
            out.append("a count does not reconcile: before − removed ≠ after")
        return out

    def check(self) -> None:
        """Raise :class:`~townmerge.errors.PlanError` listing every problem of :meth:`problems`."""
        problems = self.problems()
        if problems:
            raise PlanError(f"The reform has {len(problems)} problem(s); fix the plans:",
                            problems)

    # -- counts ---------------------------------------------------------------------------------
    def _township_kinds(self) -> tuple[pd.Series, pd.Series]:
        names = _names(self.townships)
        before = pd.Series({u: township_type(n) for u, n in names.items()})
        plan = self.township_plan
        after = pd.Series({new: township_type(_new_name(plan, new, names))
                           for new in plan.new_units})
        return before, after

    def counts(self) -> pd.DataFrame:
        """Counts before → after of every level and kind, with exact reduction rates.

        Returns
        -------
        pandas.DataFrame
            Index (``level``, ``kind``); columns ``before``, ``after``, ``removed``,
            ``rate_tenths`` (reduction in tenths of a percent, rounded once), ``zh``,
            ``en`` and ``estimated`` (True for groups from counts). Levels: township
            (total and each type), village (total, village, community …), group
            (``group`` = 村民小组, ``resident_group`` = 居民小组).
        """
        tb, ta = self._township_kinds()
        town = kind_counts(tb, ta, "township")
        vb = pd.Series(self.kinds)
        va = self.groups["kind"]
        vill = kind_counts(vb, va, "village")
        parts = [town.assign(level="township"), vill.assign(level="village")]
        rows = []
        for gkind in ("group", "resident_group"):
            sel = self.groups[self.groups["group_kind"] == gkind]
            b, a = int(sel["groups_before"].sum()), int(sel["groups_after"].sum())
            if b == 0 and a == 0:
                continue
            rate = reduction_rate(b, a)
            rows.append({"kind": gkind, "before": b, "after": a, "removed": b - a,
                         "rate_tenths": pd.NA if rate is None else percent_tenths(rate),
                         "zh": count_sentence(gkind, b, a, "zh"),
                         "en": count_sentence(gkind, b, a, "en")})
        if rows:
            parts.append(pd.DataFrame(rows).set_index("kind").assign(level="group"))
        out = pd.concat(parts).reset_index().set_index(["level", "kind"])
        out["rate_tenths"] = out["rate_tenths"].astype("Int64")
        estimated = bool(self.groups["estimated"].all()) if len(self.groups) else False
        out["estimated"] = (out.index.get_level_values("level") == "group") & estimated
        return out

    def summary(self, lang: str = "zh") -> list[str]:
        """The reference document's sentences: townships, villages, communities, groups.

        The township total, each village kind and each group kind, in that order;
        groups estimated from counts say so.
        """
        t = self.counts()
        keys = [("township", "total"), ("village", "village"), ("village", "community"),
                ("village", "other"), ("group", "group"), ("group", "resident_group")]
        note = {"zh": "（按村规模估算）", "en": " (estimated from counts)"}[check_lang(lang)]
        out = []
        for key in keys:
            if key in t.index:
                text = str(t.loc[key, lang])
                out.append(text + (note if bool(t.loc[key, "estimated"]) else ""))
        return out

    # -- codes and change log -------------------------------------------------------------------
    def codes(self) -> tuple[dict[str, str], dict[str, str]]:
        """New codes of the new townships and new villages (module docstring's rule).

        Returns
        -------
        (dict, dict)
            New township id → 9-digit code; new village id → 12-digit code.
        """
        tnames = _names(self.townships)
        tplan = self.township_plan
        used = set(tnames)
        county = sorted(tnames)[0][:6]
        town_code: dict[str, str] = {}
        pending = []
        for new in tplan.new_units:
            kind = township_type(_new_name(tplan, new, tnames))
            if new in tplan.members(new) and len(new) == 9 and _in_range(new, "township", kind):
                town_code[new] = new
            else:
                pending.append((new, kind))
        for new, kind in pending:
            (code,) = assign_codes(county, [kind], existing=used | set(town_code.values()))
            town_code[new] = code
        vplan = self.village_plan
        vused = set(_names(self.villages))
        given: set[str] = set()
        village_code: dict[str, str] = {}
        todo = []
        for new in vplan.new_units:
            parent = town_code[self.nesting[vplan.members(new)[0]]]
            kind = self.kinds[vplan.members(new)[0]]
            if (new in vplan.members(new) and new.startswith(parent) and len(new) == 12
                    and _in_range(new, "village", kind)):
                village_code[new] = new
                given.add(new)
            else:
                todo.append((new, parent, kind))
        for new, parent, kind in todo:
            (code,) = assign_codes(parent, [kind], existing=vused | given)
            village_code[new] = code
            given.add(code)
        return town_code, village_code

    def change_log(self) -> pd.DataFrame:
        """Old code → new code, new name and seat of every township, village and group.

        Returns
        -------
        pandas.DataFrame
            :data:`townmerge.evaluate.changelog.CHANGE_COLUMNS` plus ``estimated`` (True on
            the group rows, which come from counts per village).
        """
        town_code, village_code = self.codes()
        tnames, vnames = _names(self.townships), _names(self.villages)
        settlement_names = self._settlement_names()
        entries = []
        tplan = self.township_plan
        for old in sorted(tnames):
            new = tplan.assignment[old]
            seat = tplan.seats.get(new)
            entries.append(ChangeEntry(
                "township", old, tnames[old], town_code[new], _new_name(tplan, new, tnames),
                settlement_names.get(seat, seat) if seat else None,
                township_type(_new_name(tplan, new, tnames))))
        vplan = self.village_plan
        for old in sorted(vnames):
            new = vplan.assignment[old]
            seat = vplan.seats.get(new)
            entries.append(ChangeEntry(
                "village", old, vnames[old], village_code[new], _new_name(vplan, new, vnames),
                settlement_names.get(seat, seat) if seat else None, self.kinds[old]))
        if self.group_units is not None and self.group_plan is not None:
            entries += planned_group_entries(self.group_units, self.villages, self.village_plan,
                                             self.group_plan, self.kinds, village_code)
            log = change_log(entries)
            log["estimated"] = False
            return log
        groups = self.villages.units.get("groups", pd.Series(0, index=self.villages.unit_ids))
        groups = groups.fillna(0).astype(int)
        for new, members in vplan.groups().items():
            n_after = int(self.groups.loc[new, "groups_after"])
            g0 = int(groups.loc[list(members)].sum())
            i = 0
            name = _new_name(vplan, new, vnames)
            for m in members:
                for j in range(int(groups.loc[m])):
                    k = (i * n_after) // g0 + 1
                    entries.append(ChangeEntry(
                        "group", f"{m}{j + 1:03d}", f"{vnames[m]}{j + 1}组",
                        f"{village_code[new]}{k:03d}", f"{name}{k}组", None,
                        str(self.groups.loc[new, "group_kind"])))
                    i += 1
        log = change_log(entries)
        log["estimated"] = log["level"] == "group"
        return log

    def _settlement_names(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for area in (self.townships, self.villages):
            st = area.settlements
            if st is not None:
                out.update({str(k): str(v) for k, v in st["name"].items()})
        return out

    # -- wording --------------------------------------------------------------------------------
    def wording(self, lang: str = "zh") -> pd.DataFrame:
        """The official sentence of every village merger (new units of two or more members).

        Returns
        -------
        pandas.DataFrame
            Index: new village id; columns ``township`` (its new township), ``kind``,
            ``name`` and ``text``.
        """
        vnames = _names(self.villages)
        settlement_names = self._settlement_names()
        plan = self.village_plan
        rows = []
        for new, members in plan.groups().items():
            if len(members) < 2:
                continue
            name = _new_name(plan, new, vnames)
            keeper = next((m for m in members if m == new and vnames[m] == name), None)
            abolished = [vnames[m] for m in members if m != keeper]
            seat = plan.seats.get(new)
            text = village_merger_text(
                name, self.kinds[members[0]], abolished,
                keeper=vnames[keeper] if keeper else None,
                seat=settlement_names.get(seat, seat) if seat else None, lang=lang)
            rows.append({"new_unit": new, "township": self.nesting[members[0]],
                         "kind": self.kinds[members[0]], "name": name, "text": text})
        return pd.DataFrame(rows, columns=["new_unit", "township", "kind", "name", "text"]
                            ).set_index("new_unit")

    def checklist_table(self, lang: str = "zh") -> pd.DataFrame:
        """The 五不 / 五大不变 checklist of every village merger, with each item's status."""
        mergers = [n for n, m in self.village_plan.groups().items() if len(m) > 1]
        return checklist_table(mergers, self.checklist, self.checklist_status, lang)


def _check_targets(targets: Mapping[str, int], counts: Mapping[str, int]) -> None:
    bad = [f"unknown key {k!r} (expected one of {', '.join(TARGET_KEYS)})"
           for k in targets if k not in TARGET_KEYS]
    for key, value in targets.items():
        if key in counts and not (isinstance(value, int) and not isinstance(value, bool)
                                  and 1 <= value <= counts[key]):
            bad.append(f"{key}: {value!r} is not a whole number from 1 to {counts[key]} "
                       f"(the {key} units now)")
    if bad:
        raise ParameterError("Bad targets= of plan_reform: " + "; ".join(bad) + ".")


def _village_config(config: Config | None) -> Config:
    cfg = config or Config.for_villages()
    return dataclasses.replace(
        cfg, constraints=dataclasses.replace(cfg.constraints, same_parent=False))


def plan_reform(
    townships: StudyArea,
    villages: StudyArea,
    *,
    targets: Mapping[str, int] | None = None,
    method: str = "exact",
    seed: int = 0,
    config: Config | None = None,
    village_config: Config | None = None,
    township_plan: Plan | None = None,
    village_plan: Plan | None = None,
    group_sizing: GroupSizing | None = None,
    mix_kinds: bool = False,
    checklist: Sequence[tuple[str, str]] = FIVE_UNCHANGED,
    checklist_status: Mapping[str, Mapping[str, str]] | None = None,
    time_limit: float | None = None,
    groups: gpd.GeoDataFrame | StudyArea | None = None,
) -> Reform:
    """Plan the whole reform: townships, then villages and communities inside them, then groups.

    Parameters
    ----------
    townships : StudyArea
        Township-level area.
    villages : StudyArea
        Village-level area whose column ``parent`` names each village's township
        (:func:`townmerge.read_study_area` with ``level="villages"``).
    targets : Mapping[str, int], optional
        New units per key of :data:`TARGET_KEYS` (``township``, ``village``,
        ``community``); a level or kind without a target is merged to its floors.
    method : {"exact", "greedy", "search"}, default "exact"
        Generator of every level (:func:`townmerge.generate_plan`).
    seed : int, default 0
    config : Config, optional
        Township settings (default :class:`~townmerge.config.Config`).
    village_config : Config, optional
        Village settings (default :meth:`Config.for_villages`); its same-parent
        rule is replaced by the nesting in the new townships.
    township_plan, village_plan : Plan, optional
        A level's plan to keep instead of generating it (edited by hand, read
        from a file); it is checked like a generated one.
    group_sizing : GroupSizing, optional
        Bounds of group population (default :class:`GroupSizing`).
    mix_kinds : bool, default False
        Let villages and communities merge with each other (then ``village`` +
        ``community`` targets are one target).
    checklist : sequence of (zh, en), default :data:`FIVE_UNCHANGED`
    checklist_status : Mapping, optional
        New unit id → item (zh) → status.
    time_limit : float, optional
        Seconds per generator call.
    groups : GeoDataFrame or StudyArea, optional
        The groups themselves (points or polygons, ``parent`` = their village,
        ``population``): then they are planned inside the new villages by the same
        generators (targets ``group``, ``resident_group``) instead of estimated
        from the counts per village.

    Returns
    -------
    Reform

    Raises
    ------
    ParameterError
        Unknown target keys or targets out of range.
    PlanError
        A given village plan that crosses new townships (naming villages and
        townships) or mixes kinds.
    InfeasibleError
        A level that no plan meets (from the generator).
    """
    targets = dict(targets or {})
    kinds = _village_kinds(villages)
    by_kind: dict[str, list[str]] = {}
    for v, k in kinds.items():
        by_kind.setdefault(k, []).append(v)
    _check_targets(targets, {"township": len(townships),
                             **{k: len(v) for k, v in by_kind.items()}})
    if township_plan is None:
        township_plan = generate_plan(townships, method=method,  # type: ignore[arg-type]
                                      target=targets.get("township"), seed=seed,
                                      config=config, time_limit=time_limit)
    nesting = Nesting(villages, townships, township_plan)
    if village_plan is None:
        vcfg = _village_config(village_config)
        pools = ({"all": list(villages.unit_ids.astype(str))} if mix_kinds
                 else {k: sorted(v) for k, v in by_kind.items()})
        assignment: dict[str, str] = {}
        names: dict[str, str] = {}
        seats: dict[str, str] = {}
        for kind, ids in sorted(pools.items()):
            target = (sum(targets[k] for k in ("village", "community") if k in targets) or None
                      if kind == "all" else targets.get(kind))
            sub = sub_area(villages, ids, quiet_gaps=True)  # the other kind's land: a gap
            plan = generate_plan(sub, method=method, target=target,  # type: ignore[arg-type]
                                 seed=seed, config=vcfg, time_limit=time_limit,
                                 within={v: nesting[v] for v in ids})
            assignment.update(plan.assignment)
            names.update(plan.names)
            seats.update(plan.seats)
        village_plan = Plan(assignment, names, seats, info={"method": method, "seed": seed})
    sizing = group_sizing or GroupSizing()
    if groups is not None:
        area_g = group_area(villages, groups)
        group_plan, table = plan_groups(villages, village_plan, kinds, area_g, targets=targets,
                                        method=method, seed=seed, sizing=sizing,
                                        time_limit=time_limit)
        reform = Reform(townships, villages, township_plan, village_plan, table, kinds,
                        mix_kinds, tuple(checklist), dict(checklist_status or {}), area_g,
                        group_plan)
        reform.check()
        return reform
    reform = Reform(townships, villages, township_plan, village_plan,
                    group_table(village_plan, villages.units, kinds, sizing),
                    kinds, mix_kinds, tuple(checklist), dict(checklist_status or {}))
    reform.check()
    return reform
