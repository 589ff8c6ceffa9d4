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

This module does both (:func:`plan_report`) and writes the page (:func:`save_report`).
The page loads nothing: no script, no web font, no image; the CSS is inline.

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

import os
import pathlib

from ..config import Config
from ..data.atomic import atomic_write_text
from ..data.model import StudyArea
from ..data.plan import Plan
from ..i18n import check_lang
from .report_html import render_report
from .report_tables import report_figures

__all__ = ["plan_report", "save_report"]


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
