"""The report of the whole reform (镇村组三级联动): townships, villages and communities, groups.

:func:`reform_report` writes one standalone page from a
:class:`~townmerge.evaluate.three_levels.Reform`:

- the five count sentences of every level (:meth:`Reform.summary`) and a table of every
  level and kind, groups marked as estimated from counts;
- the township part, as the plan report of the township plan, every heading saying
  "乡镇级" (it no longer says that villages are not adjusted);
- the village part, as the plan report of the village plan at village level (it names
  villages and communities, never townships; every heading says "村级"), each merger with
  its official village wording and its 五不 checklist with status, the villages whose
  territory is approximated named, and the estimated groups of each new village;
- the change log of every level (groups, estimated, folded);
- an appendix with how each level's plan was computed.

Examples
--------
>>> from townmerge.evaluate.three_levels import plan_reform   # doctest: +SKIP
>>> page = reform_report(plan_reform(towns, villages, targets={"township": 13}))  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pandas as pd

from ..config import Config
from ..evaluate.three_levels import Reform
from ..i18n import check_lang, fmt_percent
from .report_cards import fold_names, merger_cards
from .report_html import (
    LEVEL_TEXT,
    appendix_sections,
    fold_change_log,
    maps_section,
    report_sections,
)
from .report_markup import ReportOptions, Section, esc, fold_table, page, para, table
from .report_tables import ReportFigures, report_figures

__all__ = ["reform_figures", "reform_report"]

_T: Mapping[str, Mapping[str, str]] = {
    "zh": {"sec_levels": "各级调整前后数量", "sec_groups": "村民小组和居民小组（按村规模估算）",
           "sec_log": "各级区划代码和名称变更", "level": "层级", "kind": "类型",
           "before": "调整前", "after": "调整后", "removed": "减少", "rate": "减幅",
           "note": "说明", "estimated": "按村规模估算", "approx": "范围为近似",
           "approx_note": "以下{n}个村（社区）没有村界图层，其范围由村点位在所属乡镇内近似生成"
                          "（非勘界边界），面积、相邻关系和地图均为近似值：",
           "old_code": "原代码", "old_name": "原名称", "new_code": "新代码",
           "new_name": "新名称", "seat": "驻地", "change": "变化", "groups_log":
           "村民小组和居民小组的代码变更（按村规模估算，{n}条）",
           "new_village": "新村（社区）", "groups_before": "调整前组数",
           "groups_after": "调整后组数（估算）", "group_kind": "组类型",
           "plan_of": "{level}方案", "total": "合计",
           "sec_groups_planned": "村民小组和居民小组",
           "groups_after_planned": "调整后组数",
           "groups_log_planned": "村民小组和居民小组的代码变更（{n}条）"},
    "en": {"sec_levels": "Units before and after, every level",
           "sec_groups": "Village and resident groups (estimated from counts)",
           "sec_log": "Change log, every level", "level": "Level", "kind": "Kind",
           "before": "Before", "after": "After", "removed": "Removed", "rate": "Reduction",
           "note": "Note", "estimated": "estimated from counts", "approx": "approximate territory",
           "approx_note": "{n} villages or communities have no surveyed boundary: their "
                          "territory is approximated from their points inside their township; "
                          "areas, neighbours and maps of these are approximate:",
           "old_code": "Old code", "old_name": "Old name", "new_code": "New code",
           "new_name": "New name", "seat": "Seat", "change": "Change",
           "groups_log": "Codes of the village and resident groups (estimated from counts, "
                         "{n} rows)",
           "new_village": "New village or community", "groups_before": "Groups before",
           "groups_after": "Groups after (estimated)", "group_kind": "Group kind",
           "plan_of": "{level} plan", "total": "total",
           "sec_groups_planned": "Village and resident groups",
           "groups_after_planned": "Groups after",
           "groups_log_planned": "Codes of the village and resident groups ({n} rows)"},
}
_KINDS: Mapping[str, tuple[str, str]] = {
    "total": ("合计", "total"), "village": ("建制村", "villages"),
    "community": ("社区", "communities"), "other": ("其他", "other"),
    "group": ("村民小组", "village groups"), "resident_group": ("居民小组", "resident groups"),
    "乡": ("乡", "townships"), "民族乡": ("民族乡", "ethnic townships"), "镇": ("镇", "towns"),
    "街道": ("街道", "subdistricts"),
}
_CHANGES: Mapping[str, tuple[str, str]] = {
    "unchanged": ("不变", "unchanged"), "renamed": ("更名", "renamed"),
    "recoded": ("换代码", "recoded"), "merged": ("撤并", "merged"),
}


def _group_text(key: str, lang: str, reform: Reform) -> str:
    """A group label: "estimated from counts" only when the groups were estimated."""
    estimated = bool(reform.groups["estimated"].all()) if len(reform.groups) else False
    return _T[lang][key if estimated else key + "_planned"]


def _pick(pair: tuple[str, str] | None, key: str, lang: str) -> str:
    return key if pair is None else pair[0 if lang == "zh" else 1]


def _village_config(config: Config | None) -> Config:
    """The village settings as the reform uses them: nesting replaces the same-parent rule."""
    cfg = config or Config.for_villages()
    return dataclasses.replace(
        cfg, constraints=dataclasses.replace(cfg.constraints, same_parent=False))


def reform_figures(reform: Reform, *, config: Config | None = None,
                   village_config: Config | None = None) -> tuple[ReportFigures, ReportFigures]:
    """The report figures of the township plan and of the village plan (at village level)."""
    towns = report_figures(reform.townships, reform.township_plan, config=config,
                           level="township")
    villages = report_figures(reform.villages, reform.village_plan,
                              config=_village_config(village_config), level="village")
    # village tiers (中心村, 特色村, 一般村) come from the county's settlement system, as the
    # township part classifies it; the village part lists them by village and community
    village_tiers = towns.tiers[towns.tiers["level"] == "village"]
    if len(village_tiers) and int(village_tiers["count"].sum()) > 0:
        villages = dataclasses.replace(villages, tiers=village_tiers)
    return towns, villages


def _levels_table(reform: Reform, lang: str) -> str:
    t = _T[lang]
    counts = reform.counts()
    rows = []
    for (level, kind), r in counts.iterrows():
        rate = r["rate_tenths"]
        rate_text = "—" if pd.isna(rate) else fmt_percent(int(rate) / 1000, lang)
        rows.append([_pick(LEVEL_TEXT.get(str(level)), str(level), lang),
                     _pick(_KINDS.get(str(kind)), str(kind), lang),
                     str(int(r["before"])), str(int(r["after"])), str(int(r["removed"])),
                     rate_text, t["estimated"] if bool(r["estimated"]) else ""])
    return table([t["level"], t["kind"], t["before"], t["after"], t["removed"], t["rate"],
                  t["note"]], rows, numeric=(2, 3, 4, 5))


def _approximate(reform: Reform) -> list[str]:
    units = reform.villages.units
    if "approximate" not in units.columns:
        return []
    flag = units["approximate"].map(lambda v: v is True or v == 1 or str(v).lower() == "true")
    return [str(n) for n in units.loc[flag.astype(bool), "name"]]


def _groups_table(reform: Reform, names: Mapping[str, str], lang: str) -> str:
    t = _T[lang]
    g = reform.groups
    rows = [[names.get(str(v), str(v)), _pick(_KINDS.get(str(r["group_kind"])),
                                              str(r["group_kind"]), lang),
             str(int(r["groups_before"])), str(int(r["groups_after"]))]
            for v, r in g.iterrows()]
    body = table([t["new_village"], t["group_kind"], t["groups_before"],
                  _group_text("groups_after", lang, reform)], rows, numeric=(2, 3))
    summary = f"{len(rows)}：" if lang == "zh" else f"{len(rows)}: "
    return (f"<details><summary>{esc(summary + _group_text('sec_groups', lang, reform))}"
            f"</summary>{body}</details>"
            if len(rows) > 30 else body)


def _log_tables(reform: Reform, lang: str) -> str:
    t = _T[lang]
    log = reform.change_log()
    header = [t["level"], t["kind"], t["old_code"], t["old_name"], t["new_code"],
              t["new_name"], t["seat"], t["change"]]

    def rows(part: pd.DataFrame) -> list[list[str]]:
        return [[_pick(LEVEL_TEXT.get(str(r["level"])), str(r["level"]), lang),
                 _pick(_KINDS.get(str(r["kind"])), str(r["kind"]), lang),
                 str(r["old_code"]), str(r["old_name"]), str(r["new_code"]),
                 str(r["new_name"]), "" if pd.isna(r["seat"]) else str(r["seat"]),
                 _pick(_CHANGES.get(str(r["change"])), str(r["change"]), lang)
                 + (f"（{t['estimated']}）" if lang == "zh" and r["estimated"] else
                    f" ({t['estimated']})" if r["estimated"] else "")]
                for _, r in part.iterrows()]

    main = log[log["level"] != "group"]
    groups = log[log["level"] == "group"]
    counts = [(_pick(_CHANGES.get(str(k)), str(k), lang), int(v))
              for k, v in main["change"].value_counts().items()]
    out = fold_change_log(table(header, rows(main)), len(main), counts, lang)  # a province
    if len(groups):
        text = _group_text("groups_log", lang, reform).format(n=len(groups))
        out += fold_table(text, table(header, rows(groups)))
    return out


def reform_report(reform: Reform, *, lang: str = "zh", options: ReportOptions | None = None,
                  config: Config | None = None, village_config: Config | None = None,
                  figures: tuple[ReportFigures, ReportFigures] | None = None) -> str:
    """The whole reform as one standalone, printable HTML page.

    Parameters
    ----------
    reform : Reform
        From :func:`townmerge.evaluate.three_levels.plan_reform`.
    lang : {"zh", "en"}
    options : ReportOptions, optional
        Title (default 乡镇行政区划和村级建制调整改革方案), county, plan name, office, date,
        static images and the interactive map.
    config, village_config : Config, optional
        The settings of each level, as given to ``plan_reform``.
    figures : (ReportFigures, ReportFigures), optional
        Already computed by :func:`reform_figures`.

    Returns
    -------
    str
    """
    check_lang(lang)
    t = _T[lang]
    opts = dataclasses.replace(options or ReportOptions(), villages_adjusted=True)
    town_fig, village_fig = figures or reform_figures(reform, config=config,
                                                      village_config=village_config)
    colon = "：" if lang == "zh" else ": "
    town_prefix = LEVEL_TEXT["township"][0 if lang == "zh" else 1] + colon
    village_prefix = LEVEL_TEXT["village"][0 if lang == "zh" else 1] + colon
    summary = reform.summary(lang)
    head = [opts.meta_block(lang)] + [para(s, "lead") for s in summary]
    sections = [Section("levels", t["sec_levels"], _levels_table(reform, lang))]
    maps = maps_section(opts, lang)
    if maps:
        sections.append(Section("maps", "地图" if lang == "zh" else "Maps", maps))
    sections += report_sections(town_fig, lang, dataclasses.replace(opts, images=(),
                                                                      map_html=None),
                                prefix=town_prefix)
    sections += _village_sections(reform, village_fig, lang, opts, village_prefix)
    sections.append(Section("changes-all", t["sec_log"], _log_tables(reform, lang),
                            new_page=True))
    appendix = (appendix_sections(town_fig, lang, town_prefix)
                + appendix_sections(village_fig, lang, village_prefix))
    title = opts.heading(lang, "reform_report_title")
    return page(title, head, sections, lang, appendix)


def _village_sections(reform: Reform, fig: ReportFigures, lang: str, opts: ReportOptions,
                      prefix: str) -> list[Section]:
    """The village part: the plan report at village level, with 五不, groups and approximations."""
    t = _T[lang]
    table_ = reform.wording(lang)
    wording = {str(k): str(v) for k, v in table_["text"].items()}
    tplan = reform.township_plan
    tnames = {str(k): str(v) for k, v in reform.townships.units["name"].items()}
    town_name = {new: tplan.names.get(new) or tnames.get(new) or tnames[tplan.members(new)[0]]
                 for new in tplan.new_units}
    parents = {str(k): town_name.get(str(v), str(v)) for k, v in table_["township"].items()}
    checks: dict[str, list[tuple[str, str]]] = {}
    for _, r in reform.checklist_table(lang).iterrows():
        checks.setdefault(str(r["new_unit"]), []).append((str(r["item"]), str(r["status"])))
    parts = report_sections(fig, lang, dataclasses.replace(opts, images=(), map_html=None),
                            prefix=prefix, maps=False)
    out = []
    approx = _approximate(reform)
    names = {str(k): str(v) for k, v in fig.new_units["name"].items()}
    for s in parts:
        if s.anchor.endswith("sec_cards"):
            s = dataclasses.replace(s, body=merger_cards(fig, lang, wording=wording,
                                                         checklist=checks, parents=parents))
        if s.anchor.endswith("sec_counts"):
            body = s.body
            if approx:
                body += (f"<p>{esc(t['approx_note'].format(n=len(approx)))}</p>"
                         + fold_names(approx, lang))
            s = dataclasses.replace(s, body=body, new_page=True)
        out.append(s)
        if s.anchor.endswith("sec_sizes"):
            out.append(Section("village-groups", prefix + _group_text("sec_groups", lang, reform),
                               _groups_table(reform, names, lang)))
    return out

