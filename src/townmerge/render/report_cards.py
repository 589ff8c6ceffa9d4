"""Parts of the plan report built per new unit: merger cards, named units, a chart, the appendix.

- :func:`merger_cards`: one card per merger — members, seat, official wording, score and its
  breakdown by criterion, the reason, the checklist status (hard rules; the 五不 items at
  village level) — every 不建议 merger (band ``reject``) flagged and explained;
- :func:`below_floor_text`, :func:`worst_access_text`: the new units below their population
  floor and the unit farthest from its seat, by name, with minutes;
- :func:`population_chart`: population of each new unit against its floor, as bars in HTML
  and CSS (prints without a script or an image);
- :func:`method_summary` and :func:`method_appendix`: how the plan was made, in words in the
  body, and every ``plan.info`` entry with readable labels in both languages in the appendix.

Everything from the data is escaped with :func:`~townmerge.render.report_markup.esc`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

import pandas as pd

from ..i18n import MISSING, fmt_area_km2, fmt_minutes, fmt_population, join_names, label
from .report_labels import criterion_label, info_label, info_value
from .report_markup import details, esc, table
from .report_tables import ReportFigures

__all__ = [
    "below_floor_text",
    "fold_names",
    "merger_cards",
    "method_appendix",
    "method_summary",
    "population_chart",
]

_ENGLISH = re.compile(r"[A-Za-z_]{3,}")
#: Lists longer than this are folded into ``<details>``.
FOLD_AFTER = 12

_T: Mapping[str, Mapping[str, str]] = {
    "zh": {"parent": "所属乡镇（街道）",
           "members": "原单元", "seat": "驻地", "wording": "调整内容", "size": "规模",
           "floor": "人口下限", "minutes": "到驻地时间", "score": "评分", "reason": "理由",
           "check": "核查", "ok": "符合全部硬约束", "reject": "不建议",
           "reject_low": "总分{total}低于“不建议”阈值{limit}。",
           "reject_bind": "不满足：{detail}。",
           "moved": "驻地迁移", "below": "低于下限", "mean_max": "平均{mean}分钟，最长{max}分钟",
           "size_text": "人口{pop}，面积{area}平方千米",
           "below_list": "低于人口下限的{n}个单元：{names}。",
           "below_none": "所有新单元人口均不低于所在地形的人口下限。",
           "below_item": "{name}（人口{pop}，下限{floor}）",
           "worst": "到驻地最远的是{name}：最长{max}分钟（平均{mean}分钟）。",
           "chart_title": "新单元人口与人口下限（竖线为下限，红色为低于下限）",
           "five": "“五不”事项", "more": "{n}个：{head}等（展开查看全部）",
           "proven": "已证明为最优方案（最优性差距为0）。",
           "method_is": "方案由{method}生成。", "see_appendix": "求解细节见附录。",
           "appendix_item": "项目", "appendix_item_en": "Item", "value": "数值"},
    "en": {"parent": "In the new township",
           "members": "Former units", "seat": "Seat", "wording": "Change", "size": "Size",
           "floor": "Population floor", "minutes": "Time to the seat", "score": "Score",
           "reason": "Reason", "check": "Checks", "ok": "meets every hard rule",
           "reject": "not recommended",
           "reject_low": "Its total {total} is below the “not recommended” limit {limit}.",
           "reject_bind": "It fails: {detail}.",
           "moved": "seat moved", "below": "below the floor",
           "mean_max": "mean {mean} min, longest {max} min",
           "size_text": "population {pop}, area {area} km²",
           "below_list": "{n} new units are below their population floor: {names}.",
           "below_none": "No new unit is below the population floor of its terrain.",
           "below_item": "{name} (population {pop}, floor {floor})",
           "worst": "Farthest from its seat: {name}, longest {max} min (mean {mean} min).",
           "chart_title": "Population of each new unit against its floor (line: floor; red: "
                          "below it)",
           "five": "Five guarantees", "more": "{n}: {head} … (open for all)",
           "proven": "Proven optimal (optimality gap 0).",
           "method_is": "The plan was made by the {method}.",
           "see_appendix": "Solver details are in the appendix.",
           "appendix_item": "项目", "appendix_item_en": "Item", "value": "Value"},
}


def fold_names(names: Sequence[str], lang: str) -> str:
    """Names as escaped markup: listed when few, else folded with the first ones shown.

    Examples
    --------
    >>> fold_names(["甲", "<乙>"], "zh")
    '<span class="names">甲、&lt;乙&gt;</span>'
    >>> fold_names([str(i) for i in range(20)], "en").startswith("<details><summary>20: 0, 1")
    True
    """
    if not names:
        return esc(MISSING)
    if len(names) <= FOLD_AFTER:
        return f'<span class="names">{esc(join_names(list(names), lang))}</span>'
    head = join_names(list(names[:5]), lang)
    return details(_T[lang]["more"].format(n=len(names), head=head),
                   join_names(list(names), lang))


def _num(x: object) -> float:
    try:
        return float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _dl(items: Sequence[tuple[str, str]]) -> str:
    """A definition list; labels are escaped here, values are markup already escaped."""
    return "<dl>" + "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"


def _breakdown(row: pd.Series, criteria: Sequence[str], lang: str) -> str:
    parts = row.get("criteria") or {}
    cells = [f"{criterion_label(c, lang)} {_num(parts.get(c)):.2f}" for c in criteria
             if math.isfinite(_num(parts.get(c)))]
    return f'<span class="names">{esc(join_names(cells, lang))}</span>'


def reject_explanation(row: pd.Series, limit: float, lang: str) -> str:
    """Why a merger is 不建议: the constraint it fails, else its total below the limit."""
    t = _T[lang]
    binding = str(row.get("binding_zh" if lang == "zh" else "binding_en") or "")
    if binding:
        return t["reject_bind"].format(detail=binding)
    return t["reject_low"].format(total=f"{_num(row['score_total']):.2f}", limit=f"{limit:.2f}")


def merger_cards(fig: ReportFigures, lang: str, *, wording: Mapping[str, str],
                 checklist: Mapping[str, Sequence[tuple[str, str]]] | None = None,
                 parents: Mapping[str, str] | None = None) -> str:
    """One card per merger (new units of two members or more), 不建议 ones flagged.

    Parameters
    ----------
    fig : ReportFigures
    lang : {"zh", "en"}
    wording : Mapping[str, str]
        New unit id → its official wording (plain text).
    checklist : Mapping, optional
        New unit id → ``(item, status)`` pairs (the 五不 items at village level).
    parents : Mapping, optional
        New unit id → the name of the new unit it lies in (a new village's township).
    """
    t = _T[lang]
    broken: dict[str, list[str]] = {}
    for b in fig.breaches:
        broken.setdefault(str(b.new_unit), []).append(b.text(lang))
    cards = []
    for new_id, row in fig.mergers.iterrows():
        nid = str(new_id)
        reject = str(row["score_band"]) == "reject"
        band = row["score_band_zh"] if lang == "zh" else row["score_band"]
        flag = f' <span class="flag">[{esc(t["reject"])}]</span>' if reject else ""
        seat = esc(row["seat_name"] or MISSING)
        if row["moved"]:
            seat += f' <span class="flag">[{esc(t["moved"])}]</span>'
        floor = fmt_population(row["floor"], lang)
        if row["below_floor"]:
            floor += f'（{t["below"]}）' if lang == "zh" else f" ({t['below']})"
        checks = ([f'<span class="flag">{esc(x)}</span>' for x in broken[nid]]
                  if nid in broken else [f'<span class="ok">{esc(t["ok"])}</span>'])
        if checklist and nid in checklist:
            five = "；".join(f"{i}：{s}" if lang == "zh" else f"{i}: {s}"
                            for i, s in checklist[nid])
            checks.append(esc(f"{t['five']}{'：' if lang == 'zh' else ': '}{five}"))
        items = [
            (t["members"], fold_names(list(row["member_names"]), lang)),
            (t["seat"], seat),
            (t["wording"], esc(wording.get(nid, ""))),
            (t["size"], esc(t["size_text"].format(pop=fmt_population(row["population"], lang),
                                                  area=fmt_area_km2(row["area_km2"], lang)))),
            (t["floor"], esc(floor)),
            (t["minutes"], esc(t["mean_max"].format(mean=fmt_minutes(row["mean_minutes"], lang),
                                                    max=fmt_minutes(row["max_minutes"], lang)))),
            (t["score"], esc(f"{_num(row['score_total']):.2f}（{band}）" if lang == "zh"
                             else f"{_num(row['score_total']):.2f} ({band})")
             + "<br>" + _breakdown(row, fig.criteria, lang)),
            (t["reason"], esc(row["reason_zh"] if lang == "zh" else row["reason_en"])),
            (t["check"], "<br>".join(checks)),
        ]
        if parents and nid in parents:
            items.insert(0, (t["parent"], esc(parents[nid])))
        if reject:
            items.insert(0, (t["reject"], '<span class="flag">'
                             + esc(reject_explanation(row, fig.reject_below, lang))
                             + "</span>"))
        cls = "card reject" if reject else "card"
        cards.append(f'<div class="{cls}" data-unit="{esc(nid)}"><h3>{esc(row["name"])}{flag}'
                     f"</h3>{_dl(items)}</div>")
    return "".join(cards) if cards else f"<p>{esc(label('none', lang))}</p>"


def below_floor_text(fig: ReportFigures, lang: str) -> str:
    """The new units below their population floor, by name, with population and floor."""
    t = _T[lang]
    nu = fig.new_units
    below = nu[nu["below_floor"].astype(bool)].sort_values("population")
    if not len(below):
        return t["below_none"]
    names = [t["below_item"].format(name=r["name"], pop=fmt_population(r["population"], lang),
                                    floor=fmt_population(r["floor"], lang))
             for _, r in below.iterrows()]
    return t["below_list"].format(n=len(below), names=join_names(names, lang))


def worst_access_text(fig: ReportFigures, lang: str) -> str:
    """The new unit farthest from its seat, by name, with minutes ('' without travel times)."""
    nu = fig.new_units
    mx = pd.to_numeric(nu["max_minutes"], errors="coerce")
    if not mx.notna().any():
        return ""
    worst = nu.loc[mx.idxmax()]
    return _T[lang]["worst"].format(name=worst["name"],
                                    max=fmt_minutes(worst["max_minutes"], lang),
                                    mean=fmt_minutes(worst["mean_minutes"], lang))


def population_chart(fig: ReportFigures, lang: str) -> str:
    """Bars of population per new unit, with its floor marked (HTML and CSS only)."""
    nu = fig.new_units.sort_values("population", ascending=False)
    pop = pd.to_numeric(nu["population"], errors="coerce")
    floor = pd.to_numeric(nu["floor"], errors="coerce")
    top = float(pd.concat([pop, floor]).max()) if pop.notna().any() else 0.0
    if not top > 0:
        return ""
    rows = []
    for (_, r), p, f in zip(nu.iterrows(), pop, floor, strict=True):
        width = 0.0 if p != p else 100 * p / top
        low = " low" if bool(r["below_floor"]) else ""
        mark = (f'<span class="floor" style="left:{100 * f / top:.1f}%"></span>'
                if f == f else "")
        rows.append(f'<div class="bar"><span class="label">{esc(r["name"])}</span>'
                    f'<span class="track"><span class="fill{low}" style="width:{width:.1f}%">'
                    f"</span>{mark}</span>"
                    f'<span class="value">{esc(fmt_population(p, lang))}</span></div>')
    return (f'<figure class="chart"><figcaption>{esc(_T[lang]["chart_title"])}</figcaption>'
            + "".join(rows) + "</figure>")


def method_summary(fig: ReportFigures, lang: str) -> str:
    """How the plan was made, in words (no solver internals)."""
    t = _T[lang]
    info = fig.method
    parts = []
    if "method" in info:
        method = info_value("method", info["method"], lang)
        if lang == "zh" and _ENGLISH.search(method):
            method = "附录所列方法"  # a method townmerge does not know: named in the appendix
        parts.append(t["method_is"].format(method=method))
    gap = info.get("gap")
    if isinstance(gap, int | float) and not isinstance(gap, bool) and gap == 0:
        parts.append(t["proven"])
    if any(k not in ("method", "seed") for k in info):
        parts.append(t["see_appendix"])
    return f"<p>{esc(''.join(parts) if lang == 'zh' else ' '.join(parts))}</p>" if parts else ""


def split_notes(fig: ReportFigures, lang: str) -> tuple[list[str], list[str]]:
    """The data notes in ``lang``: those for the body, and those left untranslated.

    In Chinese, a note carrying English words (a message passed on as written)
    goes to the appendix, so that the body has no English.
    """
    body: list[str] = []
    rest: list[str] = []
    for zh, en in fig.notes:
        text = zh if lang == "zh" else en
        (rest if lang == "zh" and _ENGLISH.search(text) else body).append(text)
    return body, rest


def method_appendix(info: Mapping[str, object], lang: str) -> str:
    """Every ``plan.info`` entry with its label in Chinese and English, and its value."""
    t = _T[lang]
    rows = [[info_label(k, "zh"), info_label(k, "en"), info_value(k, v, lang)]
            for k, v in info.items()]
    if not rows:
        return f"<p>{esc(label('unknown', lang))}</p>"
    return table([t["appendix_item"], t["appendix_item_en"], t["value"]], rows)
