"""The plan report as one standalone, printable HTML page (no script, font or image loaded).

:func:`render_report` writes a :class:`~townmerge.render.report_tables.ReportFigures` in
Chinese or English: a section per part (counts, sizes, mergers in official wording, access,
flows, tiers, the change log, how the plan was made), with inline CSS. Every piece of text is
HTML-escaped exactly once, here; markup is only ever built from escaped text.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
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
from .report_tables import FLOW_METRICS, ReportFigures
from .sentences import count_sentences, count_subject, display_name, kind_label, merger_paragraph

__all__ = ["render_report"]

_SIZE_BIN_TEXT: Mapping[str, tuple[str, str]] = MappingProxyType({
    "lt1": ("<1万", "< 10,000"), "1to2": ("1–2万", "10,000–20,000"),
    "2to3": ("2–3万", "20,000–30,000"), "3to4": ("3–4万", "30,000–40,000"),
    "ge4": ("≥4万", "≥ 40,000"), "unknown": ("人口不详", "unknown"),
})
_TERRAIN_TEXT: Mapping[str, tuple[str, str]] = MappingProxyType({
    "plain": ("平原", "plain"), "hill": ("丘陵", "hill"), "mountain": ("山区", "mountain"),
    "plateau": ("高原", "plateau"),
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
        rate = rate_text(b, a) if b else MISSING  # exact, rounded once, half up
        if a > b:
            rate = "+" + rate
        rows.append([count_subject(str(key), lang), _count_value(b, lang),
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
            display_name(str(row["name"]), str(row["kind"]), lang),
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
        [str(old), str(r["old_name"]), kind_label(str(r["old_kind"]), lang),
         str(r["new_code"]), str(r["new_name"]), kind_label(str(r["new_kind"]), lang),
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
    >>> from townmerge.render.report_tables import report_figures
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
