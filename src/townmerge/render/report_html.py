"""The plan report as one standalone, printable HTML page (no script, font or image loaded).

:func:`render_report` writes a :class:`~townmerge.render.report_tables.ReportFigures` in
Chinese or English: a section per part (counts, sizes, mergers in official wording, access,
flows, tiers, the change log, how the plan was made), with inline CSS. Every piece of text is
HTML-escaped exactly once, here; markup is only ever built from escaped text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType

import pandas as pd

from ..evaluate.levels import rate_text
from ..i18n import (
    MISSING,
    check_lang,
    fmt_area_km2,
    fmt_minutes,
    fmt_multiple,
    fmt_percent,
    fmt_population,
    join_names,
    label,
    sentence,
)
from ..score.tiers import TIER_EN
from .report_cards import (
    below_floor_text,
    fold_names,
    merger_cards,
    method_appendix,
    method_summary,
    population_chart,
    split_notes,
    worst_access_text,
)
from .report_kinds import UNIT_KINDS
from .report_markup import (
    Cell,
    Markup,
    ReportOptions,
    Section,
    esc,
    fold_table,
    image_block,
    page,
    para,
    table,
)
from .report_tables import FLOW_METRICS, ReportFigures
from .sentences import count_sentences, count_subject, display_name, kind_label, wording_of

__all__ = ["FOLD_ROWS", "LEVEL_TEXT", "appendix_sections", "fold_change_log", "maps_section",
           "render_report", "report_sections"]

#: A change log of more rows than this is folded behind the counts of each kind of change.
FOLD_ROWS = 500

#: What a part of a report is about, as a prefix of its headings.
LEVEL_TEXT: Mapping[str, tuple[str, str]] = MappingProxyType({
    "township": ("乡镇级", "Township level"), "village": ("村级", "Village level"),
    "group": ("组级", "Group level"),
})

_SIZE_BIN_TEXT: Mapping[str, tuple[str, str]] = MappingProxyType({
    "lt1": ("<1万", "< 10,000"), "1to2": ("1–2万", "10,000–20,000"),
    "2to3": ("2–3万", "20,000–30,000"), "3to4": ("3–4万", "30,000–40,000"),
    "ge4": ("≥4万", "≥ 40,000"), "unknown": ("人口不详", "unknown"),
    "v_lt1k": ("<1000人", "< 1,000"), "v_1to2k": ("1000–2000人", "1,000–2,000"),
    "v_2to3k": ("2000–3000人", "2,000–3,000"), "v_3to5k": ("3000–5000人", "3,000–5,000"),
    "v_ge5k": ("≥5000人", "≥ 5,000"),
})
#: Labels that differ at village level: (zh, en).
_VILLAGE_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "sec_sizes": ("调整后村（社区）人口规模分布", "Population of the new villages and communities"),
    "new_unit": ("新村（社区）", "New village or community"),
    "sec_tiers": ("村庄体系", "Village tiers"),
})
_VILLAGE_SENTENCES: Mapping[str, tuple[str, str]] = MappingProxyType({
    "sizes_extremes": (
        "人口最多的是{max_name}（{max}），最少的是{min_name}（{min}）；{share}的村（社区）"
        "人口低于人口下限。",
        "Largest: {max_name} ({max}); smallest: {min_name} ({min}); {share} of the new "
        "villages and communities are below their population floor."),
    "flows_summary": (
        "表中为村（社区）内部流量占全部流量的比例，越高说明调整越顺应实际流向。",
        "Share of all flows between settlements that stays inside one village or community; "
        "higher means the villages follow the flows."),
})
_TERRAIN_TEXT: Mapping[str, tuple[str, str]] = MappingProxyType({
    "plain": ("平原", "plain"), "hill": ("丘陵", "hill"), "mountain": ("山区", "mountain"),
    "plateau": ("高原", "plateau"),
})

@dataclass(frozen=True)
class _Context:
    lang: str
    before: str
    after: str
    level: str = "township"
    villages_adjusted: bool = False

    def label(self, key: str) -> str:
        """A label, in its village-level wording for a village-level report."""
        if self.level == "village" and key in _VILLAGE_LABELS:
            return _VILLAGE_LABELS[key][0 if self.lang == "zh" else 1]
        return label(key, self.lang)

    def sentence(self, key: str, **values: object) -> str:
        if self.level == "village" and key in _VILLAGE_SENTENCES:
            return _VILLAGE_SENTENCES[key][0 if self.lang == "zh" else 1].format(**values)
        return sentence(key, self.lang, **values)


def _count_value(value: int, lang: str) -> str:
    return f"{value:,}" if lang == "en" else str(value)


def _section_counts(fig: ReportFigures, ctx: _Context) -> str:
    lang = ctx.lang
    rows = []
    counts = fig.counts
    if ctx.villages_adjusted and fig.level == "township":  # the village part counts those
        counts = counts.loc[[k for k in counts.index if k == "total" or k in UNIT_KINDS]]
    for key, row in counts.iterrows():
        b, a = int(row["before"]), int(row["after"])
        rate = rate_text(b, a) if b else MISSING  # exact, rounded once, half up
        if a > b:
            rate = "+" + rate
        rows.append([count_subject(str(key), lang), _count_value(b, lang),
                     _count_value(a, lang), f"{a - b:+d}" if a != b else "0", rate])
    parts = [para(s) for s in count_sentences(fig, lang)[1:]]
    parts.append(table([label("item", lang), ctx.before, ctx.after, label("change", lang),
                         label("rate", lang)], rows, numeric=(1, 2, 3, 4)))
    if fig.level == "township" and not ctx.villages_adjusted:
        parts.append(para(sentence("villages_unchanged", lang)))
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
    return table([label("item", lang), ctx.before, ctx.after, label("multiple", lang)], rows,
                  numeric=(1, 2, 3))


def _section_sizes(fig: ReportFigures, ctx: _Context) -> str:
    lang = ctx.lang
    rows: list[list[Cell]] = []
    for key, row in fig.sizes.iterrows():
        text = _SIZE_BIN_TEXT[str(key)][0 if lang == "zh" else 1]
        names = [str(fig.new_units.at[i, "name"]) for i in row["units"]]
        rows.append([text, str(int(row["count"])), Markup(fold_names(names, lang), "list")])
    parts = [table([label("size_bin", lang), label("count", lang), label("names", lang)], rows,
                   numeric=(1,))]
    pop = fig.new_units["population"].dropna()
    if len(pop):
        big, small = pop.idxmax(), pop.idxmin()
        parts.append(para(ctx.sentence(
            "sizes_extremes",
            max_name=fig.new_units.at[big, "name"], max=fmt_population(pop[big], lang),
            min_name=fig.new_units.at[small, "name"], min=fmt_population(pop[small], lang),
            share=fmt_percent(fig.metrics.at["share_below_floor", "after"], lang))))
    parts.append(para(below_floor_text(fig, lang)))
    return "".join(parts)


def _band_text(row: pd.Series, lang: str) -> str:
    band = row["score_band_zh"] if lang == "zh" else row["score_band"]
    return f"{row['score_total']:.2f}（{band}）" if lang == "zh" else \
        f"{row['score_total']:.2f} ({band})"


_BREACH_HEAD = {"zh": "警告：本方案违反以下硬约束，不能按此上报（下文措辞仅供核对）：",
                "en": "Warning: this plan breaks the hard rules below and cannot be submitted "
                      "as it stands (the wording below is for checking only):"}
_REJECT = {"zh": "不建议", "en": "not recommended"}
_BREACH_FLAG = {"zh": "违反硬约束", "en": "breaks a hard rule"}


def _breach_box(fig: ReportFigures, lang: str) -> str:
    """The warning opening a report of a plan that breaks hard rules (escaped text)."""
    if not fig.breaches:
        return ""
    items = "".join(f"<li>{esc(b.text(lang))}</li>" for b in fig.breaches)
    return (f'<div class="breaches" role="alert"><p>{esc(_BREACH_HEAD[lang])}</p>'
            f"<ul>{items}</ul></div>")


def _section_mergers(fig: ReportFigures, ctx: _Context) -> str:
    lang = ctx.lang
    rows: list[list[Cell]] = []
    broken = {b.new_unit for b in fig.breaches}
    wording = wording_of(fig, lang)
    village = fig.level == "village"
    for new_id, row in fig.mergers.iterrows():
        flag = (f' <span class="flag">[{esc(label("seat_moved", lang))}]</span>'
                if row["moved"] else "")
        if str(new_id) in broken:
            flag += f' <span class="flag">[{esc(_BREACH_FLAG[lang])}]</span>'

        if row["score_band"] == "reject":
            flag += f' <span class="flag">[{esc(_REJECT[lang])}]</span>'
        cells: list[Cell] = [
            display_name(str(row["name"]), str(row["kind"]), lang),
            Markup(esc(wording[str(new_id)]) + flag),
            fmt_area_km2(row["area_km2"], lang), fmt_population(row["population"], lang),
            f"{row['villages']} / {row['communities']}", _band_text(row, lang),
        ]
        rows.append(cells[:4] + cells[5:] if village else cells)
    if not rows:
        return para(label("none", lang))
    header = [ctx.label("new_unit"), label("wording", lang), label("area", lang),
              label("population", lang), label("villages_communities", lang),
              label("score", lang)]
    if village:
        header.pop(4)
    return table(header, rows, numeric=tuple(range(2, len(header))))


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
    rows = table([label("item", lang), ctx.before, ctx.after],
                 _metric_rows(fig, keys, lang, share=False), numeric=(1, 2))
    unit = "分钟" if lang == "zh" else " min"
    t_good = join_names([f"{_TERRAIN_TEXT.get(t, (t, t))[0 if lang == 'zh' else 1]} "
                         f"{m:g}{unit}" for t, m in fig.t_good.items()], lang)
    worst = worst_access_text(fig, lang)
    return (rows + para(sentence("access_summary", lang, t_good=t_good))
            + (para(worst) if worst else ""))


def _section_flows(fig: ReportFigures, ctx: _Context) -> str:
    lang = ctx.lang
    keys = [(m, "flow_" + m.removeprefix("flow_kept_")) for m in FLOW_METRICS]
    return (table([label("item", lang), ctx.before, ctx.after],
                   _metric_rows(fig, keys, lang, share=True), numeric=(1, 2))
            + para(ctx.sentence("flows_summary")))


def _section_tiers(fig: ReportFigures, ctx: _Context) -> str:
    lang = ctx.lang
    if not len(fig.tiers):
        return para(sentence("no_settlements", lang))
    rows: list[list[Cell]] = []
    for tier, row in fig.tiers.iterrows():
        name = str(tier) if lang == "zh" else TIER_EN.get(str(tier), str(tier))
        rows.append([name, str(int(row["count"])),
                     Markup(fold_names(list(row["names"]), lang), "list")])
    return table([label("tier", lang), label("count", lang), label("names", lang)], rows,
                  numeric=(1,))


def _section_changes(fig: ReportFigures, ctx: _Context) -> str:
    lang = ctx.lang
    rows: list[list[Cell]] = [
        [str(old), str(r["old_name"]), kind_label(str(r["old_kind"]), lang),
         str(r["new_code"]), str(r["new_name"]), kind_label(str(r["new_kind"]), lang),
         label(f"change_{r['change']}", lang)]
        for old, r in fig.changes.iterrows()
    ]
    body = table([label(k, lang) for k in ("old_code", "old_name", "old_kind", "new_code",
                                            "new_name", "new_kind", "change")], rows)
    counts = fig.changes["change"].value_counts()
    return fold_change_log(body, len(rows), [
        (label(f"change_{k}", lang), int(counts[k]))
        for k in ("kept", "abolished", "renamed", "unchanged") if counts.get(k, 0)], lang)


def fold_change_log(body: str, n_rows: int, counts: Sequence[tuple[str, int]],
                    lang: str) -> str:
    """A change-log table (markup), folded behind ``counts`` when over :data:`FOLD_ROWS` rows.

    Tens of thousands of rows stay in the page, opened on demand (and printed whole).

    Examples
    --------
    >>> fold_change_log("<table></table>", 3, [("abolished", 2)], "en")
    '<table></table>'
    >>> fold_change_log("<table></table>", 900, [("abolished", 600)], "en")[:62]
    '<details><summary>900 units (abolished 600); open to list each'
    """
    if n_rows <= FOLD_ROWS:
        return body
    sep = "、" if lang == "zh" else ", "
    parts = sep.join(f"{text} {count:,}" for text, count in counts)
    return fold_table(label("changes_folded", lang).format(n=f"{n_rows:,}", counts=parts), body)


def _section_method(fig: ReportFigures, ctx: _Context) -> str:
    lang = ctx.lang
    parts = [f"<p><b>{esc(label('plan_made', lang))}</b></p>", method_summary(fig, lang)]
    parts.append(f"<p><b>{esc(label('data_notes', lang))}</b></p>")
    notes = "".join(f"<li>{esc(n)}</li>" for n in split_notes(fig, lang)[0])
    parts.append(f'<ul class="notes">{notes}</ul>')
    return "".join(parts)


def appendix_sections(figures: ReportFigures, lang: str, prefix: str = "",
                      anchor: str = "") -> list[Section]:
    """The appendix of one plan: how it was computed, and notes passed on untranslated."""
    out = [Section(f"{anchor}{figures.level}-appendix", prefix + _extra("sec_appendix", lang),
                   method_appendix(figures.method, lang))]
    rest = split_notes(figures, lang)[1]
    if rest:
        items = "".join(f"<li>{esc(n)}</li>" for n in rest)
        out.append(Section(f"{anchor}{figures.level}-notes-en",
                           prefix + _extra("sec_notes_en", lang),
                           f'<ul class="notes">{items}</ul>'))
    return out


def _section_cards(fig: ReportFigures, ctx: _Context) -> str:
    return merger_cards(fig, ctx.lang, wording=wording_of(fig, ctx.lang))


_SECTIONS = (
    ("sec_counts", _section_counts), ("sec_averages", _section_averages),
    ("sec_sizes", _section_sizes), ("sec_mergers", _section_mergers),
    ("sec_cards", _section_cards),
    ("sec_access", _section_access), ("sec_flows", _section_flows),
    ("sec_tiers", _section_tiers), ("sec_changes", _section_changes),
    ("sec_method", _section_method),
)
_EXTRA_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "sec_cards": ("逐项说明", "Each merger"),
    "sec_maps": ("地图与图表", "Maps and charts"),
    "sec_appendix": ("方案生成的技术信息", "How the plan was computed"),
    "sec_notes_en": ("数据说明（英文原文）", "Data notes (untranslated)"),
    "map_note": ("交互式地图（仅屏幕显示，打印时见上方静态图）",
                 "Interactive map (on screen only; the static map above prints)"),
})


def _extra(key: str, lang: str) -> str:
    return _EXTRA_LABELS[key][0 if lang == "zh" else 1]


def maps_section(options: ReportOptions, lang: str, chart: str = "") -> str:
    """Static images, a chart (markup) and the interactive map (``iframe srcdoc``), if any."""
    parts = [image_block(img) for img in options.images]
    parts.append(chart)
    if options.map_html is not None:
        parts.append(f'<div class="screen-only"><p>{esc(_extra("map_note", lang))}</p>'
                     f'<iframe class="map" sandbox="allow-scripts" title="map" '
                     f'srcdoc="{esc(options.map_html)}"></iframe></div>')
    return "".join(parts)


def report_sections(figures: ReportFigures, lang: str, options: ReportOptions | None = None,
                    *, prefix: str = "", maps: bool = True, anchor: str = "") -> list[Section]:
    """The parts of one plan's report, each a :class:`Section` (markup escaped).

    Parameters
    ----------
    figures : ReportFigures
    lang : {"zh", "en"}
    options : ReportOptions, optional
        ``before_label``, ``images``, ``map_html`` and ``villages_adjusted``.
    prefix : str
        Put before every heading (e.g. "村级：" to say which level a part is about).
    maps : bool
        Include the maps and charts part.
    anchor : str
        Put before every part's ``id`` (several plans in one page).
    """
    check_lang(lang)
    opts = options or ReportOptions()
    ctx = _Context(lang, opts.before_label or label("before", lang), label("after", lang),
                   figures.level, opts.villages_adjusted)
    out = []
    for key, section in _SECTIONS:
        title = _extra(key, lang) if key in _EXTRA_LABELS else ctx.label(key)
        out.append(Section(f"{anchor}{figures.level}-{key}", prefix + title,
                           section(figures, ctx)))
        if key == "sec_counts" and maps:
            body = maps_section(opts, lang, population_chart(figures, lang))
            if body:
                out.append(Section(f"{anchor}{figures.level}-sec_maps",
                                   prefix + _extra("sec_maps", lang), body))
    return out


def render_report(figures: ReportFigures, *, lang: str = "zh", title: str | None = None,
                  before_label: str | None = None, options: ReportOptions | None = None) -> str:
    """Write the figures as a standalone, printable HTML document.

    Parameters
    ----------
    figures : ReportFigures
        From :func:`report_figures`.
    lang : {"zh", "en"}
    title : str, optional
        Default: "乡镇行政区划调整方案" / "Township merger plan" (after the county, when
        ``options.county`` is given).
    before_label : str, optional
        Heading of the status-quo columns (e.g. "2019年"); default "调整前".
    options : ReportOptions, optional
        County, plan name, office and date under the title, static images, the
        interactive map; ``title`` and ``before_label`` given here win.

    Returns
    -------
    str
        The HTML document; every text from the data is escaped, nothing is
        loaded from elsewhere (images are ``data:`` URIs).

    Examples
    --------
    >>> import townmerge
    >>> from townmerge.render.report_tables import report_figures
    >>> from townmerge.testing.grids import grid_units
    >>> area = townmerge.StudyArea(grid_units("AB", population={"A": 9000, "B": 6000}))
    >>> fig = report_figures(area, townmerge.Plan.from_groups({"A": ["A", "B"]}))
    >>> page = render_report(fig, title="<b>x</b>", before_label="2019年")
    >>> "&lt;b&gt;x&lt;/b&gt;" in page, "<b>x</b>" in page, "2019年" in page
    (True, False, True)
    """
    check_lang(lang)
    opts = options or ReportOptions()
    if title is not None:
        opts = replace(opts, title=title)
    if before_label is not None:
        opts = replace(opts, before_label=before_label)
    key = "report_title" if figures.level == "township" else "village_report_title"
    heading = opts.heading(lang, key)
    lead = [para(s, "lead") for s in count_sentences(figures, lang)[:1]]
    head = [opts.meta_block(lang), _breach_box(figures, lang), *lead]
    appendix = appendix_sections(figures, lang)
    return page(heading, head, report_sections(figures, lang, opts), lang, appendix)
