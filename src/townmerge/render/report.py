"""The plan report a county planner hands upward (domain notes §1.2 wording, §8 metrics).

Two steps, each testable on its own:

1. :func:`~townmerge.render.report_tables.report_figures` gathers every figure of the
   report into a frozen :class:`~townmerge.render.report_tables.ReportFigures` (plain
   DataFrames, no language, no HTML): counts by unit type before and after, average
   size, the size distribution of the new units, one row per new unit (members, type,
   seat, score), accessibility and flow capture before and after
   (:func:`townmerge.plan_metrics` of the status quo and of the plan), settlement tiers,
   the change log, how the plan was made and notes on the data.
2. :func:`~townmerge.render.report_html.render_report` writes them as one standalone,
   printable HTML document in Chinese (official 方案 wording) or English. The text comes
   from :mod:`townmerge.i18n`; sentences are built as plain text
   (:mod:`townmerge.render.sentences`: ``count_sentences``, ``merger_paragraph``) and
   every piece of text is HTML-escaped exactly once, when the page is written.

This module does both (:func:`plan_report`) and writes the page (:func:`save_report`);
:func:`write_report` writes the whole report of one plan, of several plans compared
(:mod:`~townmerge.render.report_compare`) or of a reform
(:mod:`~townmerge.render.report_reform`), with the title block (county, plan, office,
date), the static two-panel map and charts (:func:`static_figures`) and an optional
interactive map. The page loads nothing: no script (unless an interactive map is
embedded), no web font; images are ``data:`` URIs and the CSS is inline.

Examples
--------
>>> import townmerge
>>> from townmerge.render.sentences import count_sentences, merger_paragraph
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

import dataclasses
import datetime
import os
import pathlib
from collections.abc import Mapping, Sequence

from ..config import Config
from ..data.atomic import atomic_write_text
from ..data.model import StudyArea
from ..data.plan import Plan
from ..evaluate.three_levels import Reform
from ..i18n import check_lang
from .charts import plot_score_breakdown, plot_travel_times
from .plan_maps import before_after_map, plans_map, reform_map
from .plots import plot_before_after
from .report_compare import comparison_html, plan_comparison
from .report_html import appendix_sections, maps_section, render_report, report_sections
from .report_markup import ReportImage, ReportOptions, Section, figure_image, page, para
from .report_reform import reform_report
from .report_tables import report_figures
from .sentences import count_sentences

__all__ = ["multi_plan_report", "plan_report", "save_report", "static_figures", "write_report"]

PlanInput = Plan | Mapping[str, Plan] | Sequence[Plan] | Reform


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


def static_figures(area: StudyArea, plan: Plan, *, lang: str = "zh",
                   config: Config | None = None, county: str | None = None,
                   plan_name: str | None = None,
                   date: str | datetime.date | None = None) -> tuple[ReportImage, ...]:
    """The static figures a report shows, as PNG images: the two-panel map and the charts.

    The before/after map (:func:`~townmerge.render.plots.plot_before_after`), the travel
    time to the seat before and after (with settlements) and the score of each merger by
    criterion (with mergers), from :mod:`townmerge.render.charts`.
    """
    caption = {"zh": ("调整前后对比图", "到驻地时间分布（调整前后）", "各合并方案评分构成"),
               "en": ("Before and after", "Travel time to the seat, before and after",
                      "Score of each merger by criterion")}[lang]
    out = [figure_image(plot_before_after(area, plan, lang=lang, config=config, county=county,
                                          plan_name=plan_name, date=date), caption[0])]
    if area.settlements is not None and len(area.settlements):
        out.append(figure_image(plot_travel_times(area, plan, lang=lang, config=config),
                                caption[1]))
    if any(len(m) > 1 for m in plan.groups().values()):
        out.append(figure_image(plot_score_breakdown(area, plan, lang=lang, config=config),
                                caption[2]))
    return tuple(out)


def _named_plans(plans: Mapping[str, Plan] | Sequence[Plan], lang: str) -> dict[str, Plan]:
    if isinstance(plans, Mapping):
        return {str(k): v for k, v in plans.items()}
    word = "方案" if lang == "zh" else "Plan "
    return {f"{word}{chr(65 + i) if i < 26 else i + 1}": p for i, p in enumerate(plans)}


def multi_plan_report(area: StudyArea, plans: Mapping[str, Plan], *, lang: str = "zh",
                      options: ReportOptions | None = None, config: Config | None = None,
                      images: Mapping[str, Sequence[ReportImage]] | None = None) -> str:
    """Several plans in one page: the comparison first, then each plan's report.

    Parameters
    ----------
    area : StudyArea
    plans : Mapping[str, Plan]
        Plans by name (two or more).
    lang : {"zh", "en"}
    options : ReportOptions, optional
    config : Config, optional
    images : Mapping[str, sequence of ReportImage], optional
        Static figures of each plan, by plan name.

    Returns
    -------
    str
    """
    check_lang(lang)
    opts = options or ReportOptions()
    comparison = plan_comparison(area, plans, config=config)
    sections = [Section("comparison", "方案比较" if lang == "zh" else "Comparison of the plans",
                        comparison_html(comparison, lang))]
    if opts.map_html is not None:  # one map of every plan, not one per plan
        sections.append(Section("plans-map", "地图" if lang == "zh" else "Map",
                                maps_section(dataclasses.replace(opts, images=()), lang)))
    head = [opts.meta_block(lang)]
    appendix: list[Section] = []
    colon = "：" if lang == "zh" else ": "
    for i, (name, plan) in enumerate(plans.items()):
        fig = report_figures(area, plan, config=config)
        head.append(para(name + colon + count_sentences(fig, lang)[0], "lead"))
        own = dataclasses.replace(opts, images=tuple((images or {}).get(name, ())),
                                  map_html=None)
        parts = report_sections(fig, lang, own, prefix=name + colon, anchor=f"p{i}-")
        parts[0] = dataclasses.replace(parts[0], new_page=True)
        sections += parts
        appendix += appendix_sections(fig, lang, name + colon, anchor=f"p{i}-")
    return page(opts.heading(lang), head, sections, lang, appendix)


def write_report(area: StudyArea | None, plan_or_plans: PlanInput,
                 path: str | os.PathLike[str], *, lang: str = "zh", title: str | None = None,
                 county: str | None = None, plan_name: str | None = None,
                 office: str | None = None, date: str | datetime.date | None = None,
                 config: Config | None = None, images: Sequence[ReportImage] | None = None,
                 static_map: bool = True, map_html: str | None = None,
                 interactive_map: bool = True,
                 before_label: str | None = None) -> pathlib.Path:
    """Write the report of a plan, of several plans or of a whole reform as one HTML file.

    The file is self-contained (CSS inline, images as ``data:`` URIs, no script
    unless an interactive map is embedded) and prints cleanly to A4.

    Parameters
    ----------
    area : StudyArea or None
        The study area of the plans (ignored for a :class:`Reform`, which carries its own).
    plan_or_plans : Plan, mapping or sequence of Plan, or Reform
        One plan: its report. Several (a mapping name → plan, or a sequence named
        方案A, 方案B …): the comparison, then each plan. A ``Reform``: every level
        (:func:`~townmerge.render.report_reform.reform_report`).
    path : str or path-like
        The HTML file, written whole or not at all.
    lang : {"zh", "en"}
    title, county, plan_name, office : str, optional
        The title (default from the county) and what is shown under it.
    date : str or datetime.date, optional
        Default: today.
    config : Config, optional
    images : sequence of ReportImage, optional
        Static figures to show; default: :func:`static_figures` (the two-panel map and
        the charts) when ``static_map``.
    static_map : bool, default True
        Draw the static figures (matplotlib; a few seconds per plan).
    map_html : str, optional
        An interactive map page (e.g. from :func:`~townmerge.render.save_map`) to embed.
    interactive_map : bool, default True
        When no ``map_html`` is given, embed the interactive map drawn here: the plan
        before and after (:func:`~townmerge.render.before_after_map`), several plans as
        layers of one map (:func:`~townmerge.render.plans_map`) or the reform's townships
        with their villages (:func:`~townmerge.render.reform_map`). On screen only; the
        static figures print.
    before_label : str, optional

    Returns
    -------
    pathlib.Path

    Raises
    ------
    OutputError
        If ``path`` cannot be written.

    Examples
    --------
    >>> import tempfile, townmerge
    >>> from pathlib import Path
    >>> from townmerge.testing.grids import grid_units
    >>> area = townmerge.StudyArea(grid_units("AB", population={"A": 9000, "B": 6000}))
    >>> with tempfile.TemporaryDirectory() as d:
    ...     out = write_report(area, townmerge.Plan.from_groups({"A": ["A", "B"]}),
    ...                        Path(d) / "r.html", county="示例县", office="示例县民政局",
    ...                        date="2026年12月", static_map=False, interactive_map=False)
    ...     text = out.read_text(encoding="utf-8")
    >>> "<h1>示例县乡镇行政区划调整方案</h1>" in text, "编制单位：示例县民政局" in text
    (True, True)
    """
    check_lang(lang)
    day = date if date is not None else datetime.date.today()
    if map_html is None and interactive_map:
        map_html = _map_page(area, plan_or_plans, lang, county, str(day), config)
    opts = ReportOptions(title=title, county=county, plan_name=plan_name, office=office,
                         date=day, before_label=before_label, map_html=map_html)
    if isinstance(plan_or_plans, Reform):
        reform = plan_or_plans
        shown = tuple(images) if images is not None else _auto(
            reform.townships, reform.township_plan, opts, lang, static_map, config)
        html_text = reform_report(reform, lang=lang, config=config,
                                  options=dataclasses.replace(opts, images=shown))
        return save_report(html_text, path)
    if area is None:
        raise ValueError("write_report needs the study area of the plans (area=None is only "
                         "for a Reform).")
    if isinstance(plan_or_plans, Plan):
        shown = tuple(images) if images is not None else _auto(area, plan_or_plans, opts, lang,
                                                               static_map, config)
        figures = report_figures(area, plan_or_plans, config=config)
        html_text = render_report(figures, lang=lang,
                                  options=dataclasses.replace(opts, images=shown))
        return save_report(html_text, path)
    plans = _named_plans(plan_or_plans, lang)
    if len(plans) == 1:
        (only,) = plans.values()
        return write_report(area, only, path, lang=lang, title=title, county=county,
                            plan_name=plan_name, office=office, date=opts.date, config=config,
                            images=images, static_map=static_map, map_html=map_html,
                            interactive_map=False, before_label=before_label)
    per_plan = {name: (tuple(images) if images is not None and i == 0 else
                       _auto(area, p, dataclasses.replace(opts, plan_name=name), lang,
                             static_map, config) if images is None else ())
                for i, (name, p) in enumerate(plans.items())}
    html_text = multi_plan_report(area, plans, lang=lang, options=opts, config=config,
                                  images=per_plan)
    return save_report(html_text, path)


def _map_page(area: StudyArea | None, plans: PlanInput, lang: str, county: str | None,
              date: str, config: Config | None) -> str | None:
    """The interactive map of a report as a page (``None`` when nothing can be drawn)."""
    if isinstance(plans, Reform):
        m = reform_map(plans, lang=lang, county=county, date=date, config=config)
    elif area is None:
        return None
    elif isinstance(plans, Plan):
        m = before_after_map(area, plans, lang=lang, county=county, date=date, config=config)
    else:
        named = _named_plans(plans, lang)
        if len(named) == 1:
            (only,) = named.values()
            m = before_after_map(area, only, lang=lang, county=county, date=date,
                                 config=config)
        else:
            m = plans_map(area, named, lang=lang)
    return str(m.get_root().render())


def _auto(area: StudyArea, plan: Plan, opts: ReportOptions, lang: str, static_map: bool,
          config: Config | None) -> tuple[ReportImage, ...]:
    if not static_map:
        return ()
    return static_figures(area, plan, lang=lang, config=config, county=opts.county,
                          plan_name=opts.plan_name, date=opts.date)
