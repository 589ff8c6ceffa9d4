"""Markup of the reports, built only from escaped text: tables, folds, images, the page.

Every report (:mod:`~townmerge.render.report_html`, :mod:`~townmerge.render.report_cards`,
:mod:`~townmerge.render.report_compare`, :mod:`~townmerge.render.report_reform`) writes its
HTML with these helpers: plain text goes through :func:`esc` exactly once; :class:`Markup`
marks a piece of markup already built from escaped text, so that it is not escaped again.
Images are embedded as ``data:`` URIs (never loaded from elsewhere, and an SVG shown by
``<img>`` runs no script); the print CSS keeps tables whole, wraps long names and breaks
pages before each part.

Examples
--------
>>> table(["名称"], [["<b>甲</b>"]])
'<table><thead><tr><th>名称</th></tr></thead><tbody><tr><td>&lt;b&gt;甲&lt;/b&gt;</td></tr></tbody></table>'
>>> details("3", "甲、乙、丙")
'<details><summary>3</summary><div class="names">甲、乙、丙</div></details>'
>>> zh_numeral(12), zh_numeral(20), zh_numeral(31)
('十二', '二十', '三十一')
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..i18n import label

__all__ = [
    "CSS",
    "Cell",
    "Markup",
    "ReportImage",
    "ReportOptions",
    "Section",
    "details",
    "esc",
    "figure_image",
    "fold_table",
    "heading",
    "image_block",
    "page",
    "para",
    "table",
    "zh_numeral",
]

CSS = """
@page { size: A4; margin: 16mm 14mm; }
* { box-sizing: border-box; }
html, body { overflow-wrap: anywhere; word-break: break-word; }
body {
  margin: 0 auto; max-width: 190mm; padding: 12px; color: #111; background: #fff;
  font: 14px/1.65 "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", "Songti SC",
        "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", serif;
}
h1 { font-size: 22px; text-align: center; margin: 8px 0 4px; }
h2 { font-size: 17px; margin: 22px 0 8px; border-bottom: 1px solid #555; }
h3 { font-size: 15px; margin: 12px 0 6px; }
p { margin: 6px 0; }
.lead { text-align: center; font-weight: bold; }
.meta { text-align: center; color: #333; margin: 0 0 10px; }
.meta span { margin: 0 0.6em; display: inline-block; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 13px;
        table-layout: auto; }
th, td { border: 1px solid #777; padding: 3px 6px; vertical-align: top;
         overflow-wrap: anywhere; word-break: break-word; }
th { background: #eee; font-weight: bold; text-align: center; min-width: 3.5em; }
td:first-child { min-width: 5em; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.wording { line-height: 1.7; width: 58%; }
td.list { width: 75%; }
tr { page-break-inside: avoid; break-inside: avoid; }
thead { display: table-header-group; }
.flag { color: #b00; font-weight: bold; }
.ok { color: #060; }
.breaches { border: 3px solid #b00; background: #fff0f0; padding: 6px 12px; margin: 10px 0; }
.breaches p { color: #b00; font-weight: bold; }
.names { font-size: 12.5px; }
ul.notes { margin: 4px 0; padding-left: 20px; font-size: 13px; }
details summary { cursor: pointer; }
.card { border: 1px solid #999; padding: 6px 10px; margin: 8px 0;
        page-break-inside: avoid; break-inside: avoid; }
.card.reject { border: 2px solid #b00; background: #fff6f6; }
.card h3 { margin: 2px 0 4px; }
.card dl { margin: 0; display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; }
.card dt { font-weight: bold; }
.card dd { margin: 0; min-width: 0; }
figure { margin: 8px 0; text-align: center; page-break-inside: avoid; break-inside: avoid; }
figure img { max-width: 100%; height: auto; }
figcaption { font-size: 13px; color: #333; }
.bar { display: flex; align-items: center; gap: 6px; font-size: 12.5px; margin: 1px 0;
       page-break-inside: avoid; break-inside: avoid; }
.bar .label { flex: 0 0 30%; text-align: right; }
.bar .track { flex: 1 1 auto; position: relative; height: 12px; background: #f2f2f2; }
.bar .fill { position: absolute; left: 0; top: 0; bottom: 0; background: #4a78b0; }
.bar .fill.low { background: #c0504d; }
.bar .floor { position: absolute; top: -2px; bottom: -2px; border-left: 2px solid #111; }
.bar .value { flex: 0 0 14%; white-space: nowrap; }
iframe.map { width: 100%; height: 520px; border: 1px solid #999; }
section.part { page-break-before: always; break-before: page; }
section { page-break-inside: auto; }
@media print {
  body { padding: 0; max-width: none; }
  h2, h3 { page-break-after: avoid; break-after: avoid; }
  .screen-only { display: none; }
  details > div { display: block; }
}
@media print {  /* folded lists print whole (Chromium hides a closed <details> otherwise) */
  details::details-content { display: block; content-visibility: visible; }
}
"""


@dataclass(frozen=True)
class Markup:
    """A piece of markup built only from escaped text (never from data directly)."""

    markup: str
    cls: str = "wording"


Cell = str | Markup


def esc(value: object) -> str:
    """``value`` as text, HTML-escaped (quotes too).

    Examples
    --------
    >>> esc('<a href="x">')
    '&lt;a href=&quot;x&quot;&gt;'
    """
    return html.escape(str(value), quote=True)


def _cell(value: Cell) -> str:
    return value.markup if isinstance(value, Markup) else esc(value)


def table(header: Sequence[str], rows: Iterable[Sequence[Cell]],
          numeric: Sequence[int] = ()) -> str:
    """A table; every plain-text cell is escaped, columns in ``numeric`` right-aligned."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = []
    for row in rows:
        tds = []
        for i, value in enumerate(row):
            cls = ' class="num"' if i in numeric else (
                f' class="{value.cls}"' if isinstance(value, Markup) and value.cls else "")
            tds.append(f"<td{cls}>{_cell(value)}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    return (f"<table><thead><tr>{head}</tr></thead><tbody>" + "".join(body)
            + "</tbody></table>")


def para(text: str, cls: str | None = None) -> str:
    """A paragraph of escaped text."""
    attr = f' class="{cls}"' if cls else ""
    return f"<p{attr}>{esc(text)}</p>"


def details(summary: str, text: str, *, open_: bool = False) -> str:
    """A folded list: ``summary`` shown, ``text`` (escaped) behind it."""
    attr = " open" if open_ else ""
    return (f"<details{attr}><summary>{esc(summary)}</summary>"
            f'<div class="names">{esc(text)}</div></details>')


def fold_table(summary: str, table_html: str) -> str:
    """Markup of a long table (already escaped) folded behind ``summary`` (escaped here).

    It prints whole (the print CSS opens folded parts).

    Examples
    --------
    >>> fold_table("2 <rows>", "<table></table>")
    '<details><summary>2 &lt;rows&gt;</summary><div><table></table></div></details>'
    """
    return f"<details><summary>{esc(summary)}</summary><div>{table_html}</div></details>"


def zh_numeral(n: int) -> str:
    """Chinese numeral of 1 … 99, for numbering the parts (一、二、…)."""
    digits = "零一二三四五六七八九"
    if not 1 <= n <= 99:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else digits[tens] + "十")
    return head + (digits[ones] if ones else "")


def heading(index: int, text: str, lang: str, anchor: str) -> str:
    """A numbered ``<h2>``: ``一、text`` or ``1. text``."""
    number = f"{zh_numeral(index + 1)}、" if lang == "zh" else f"{index + 1}. "
    return f'<h2 id="{esc(anchor)}">{esc(number + text)}</h2>'


@dataclass(frozen=True)
class Section:
    """One part of a report: its anchor, its heading text and its body (markup)."""

    anchor: str
    title: str
    body: str
    new_page: bool = False


@dataclass(frozen=True)
class ReportImage:
    """A static figure embedded in the report as a ``data:`` URI.

    Attributes
    ----------
    data : bytes
        The image file (PNG or SVG).
    mime : str
        ``image/png`` or ``image/svg+xml``.
    caption : str
        Plain text, escaped when written.
    """

    data: bytes
    mime: str = "image/png"
    caption: str = ""

    def __post_init__(self) -> None:
        if self.mime not in ("image/png", "image/svg+xml"):
            raise ValueError(f"A report image is PNG or SVG; got {self.mime!r}.")
        if not isinstance(self.data, bytes) or not self.data:
            raise ValueError("A report image needs the image file's bytes.")

    @property
    def uri(self) -> str:
        """The ``data:`` URI of the image."""
        return f"data:{self.mime};base64," + base64.b64encode(self.data).decode("ascii")


def figure_image(fig: object, caption: str = "", *, fmt: str = "png",
                 dpi: int = 150) -> ReportImage:
    """A matplotlib figure (anything with ``savefig``) as a :class:`ReportImage`.

    Examples
    --------
    >>> class Fake:
    ...     def savefig(self, buf, **kw):
    ...         buf.write(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    >>> figure_image(Fake(), "x", fmt="svg").mime
    'image/svg+xml'
    """
    import io

    if fmt not in ("png", "svg"):
        raise ValueError(f"fmt must be 'png' or 'svg', not {fmt!r}.")
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches="tight")  # type: ignore[attr-defined]
    mime = "image/png" if fmt == "png" else "image/svg+xml"
    return ReportImage(buf.getvalue(), mime, caption)


def image_block(image: ReportImage) -> str:
    """A ``<figure>`` with the image as a ``data:`` URI and its escaped caption."""
    alt = esc(image.caption)
    cap = f"<figcaption>{alt}</figcaption>" if image.caption else ""
    return f'<figure><img src="{image.uri}" alt="{alt}">{cap}</figure>'


@dataclass(frozen=True)
class ReportOptions:
    """What the title block and the optional parts of a report show.

    Attributes
    ----------
    title : str, optional
        Default: ``{county}乡镇行政区划调整方案`` / "Township merger plan".
    county, plan_name, office : str, optional
        The county, the plan's name and the authoring office, under the title.
    date : str or datetime.date, optional
        Shown under the title (``2026年12月5日`` / ``5 December 2026`` for a date).
    before_label : str, optional
        Heading of the status-quo columns (default 调整前 / Before).
    images : tuple of ReportImage
        Static figures (the two-panel map, charts), shown after the summary.
    map_html : str, optional
        An interactive map page embedded as ``<iframe srcdoc>`` (screen only).
    villages_adjusted : bool
        Whether villages are adjusted too (then the township part does not say
        that they are not).
    """

    title: str | None = None
    county: str | None = None
    plan_name: str | None = None
    office: str | None = None
    date: str | _dt.date | None = None
    before_label: str | None = None
    images: tuple[ReportImage, ...] = ()
    map_html: str | None = None
    villages_adjusted: bool = False

    def heading(self, lang: str, default_key: str = "report_title") -> str:
        """The title: given, else the county's plan, else the default label."""
        if self.title is not None:
            return self.title
        base = label(default_key, lang)
        if self.county:
            return f"{self.county}{base}" if lang == "zh" else f"{self.county}: {base}"
        return base

    def date_text(self, lang: str) -> str | None:
        """The date as written in ``lang``."""
        d = self.date
        if d is None:
            return None
        if isinstance(d, _dt.date):
            return (f"{d.year}年{d.month}月{d.day}日" if lang == "zh"
                    else f"{d.day} {d.strftime('%B')} {d.year}")
        return str(d)

    def meta_block(self, lang: str) -> str:
        """The line under the title: county, plan, office and date (escaped)."""
        names = {"zh": ("县（市、区）", "方案", "编制单位", "日期"),
                 "en": ("County", "Plan", "Prepared by", "Date")}[lang]
        sep = "：" if lang == "zh" else ": "
        values = (self.county, self.plan_name, self.office, self.date_text(lang))
        spans = [f"<span>{esc(n + sep + v)}</span>" for n, v in zip(names, values, strict=True)
                 if v]
        return f'<p class="meta">{"".join(spans)}</p>' if spans else ""


def page(title: str, head: Sequence[str], sections: Sequence[Section], lang: str,
         appendix: Sequence[Section] = ()) -> str:
    """The standalone document: ``<h1>``, the head pieces (markup), numbered parts, appendix.

    Examples
    --------
    >>> doc = page("<T>", [], [Section("a", "甲", "<p>x</p>")], "zh")
    >>> "<h1>&lt;T&gt;</h1>" in doc, '<h2 id="a">一、甲</h2>' in doc
    (True, True)
    """
    body = [f"<h1>{esc(title)}</h1>", *head]
    for i, s in enumerate(sections):
        cls = ' class="part"' if s.new_page else ""
        body.append(f"<section{cls}>{heading(i, s.title, lang, s.anchor)}{s.body}</section>")
    for j, s in enumerate(appendix):
        name = f"附录{zh_numeral(j + 1)}　" if lang == "zh" else f"Appendix {chr(65 + j)}. "
        body.append(f'<section class="appendix"><h2 id="{esc(s.anchor)}">'
                    f"{esc(name + s.title)}</h2>{s.body}</section>")
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body) + "\n</body>\n</html>\n"
    )
