"""Rendering of plans: offline HTML maps and the plan report.

The maps inline Leaflet from ``render/static`` (:mod:`townmerge.render.maps`); the
report is a standalone printable page (:mod:`townmerge.render.report`).

Examples
--------
>>> from townmerge.render import before_after_map, plan_report, save_map, save_report
>>> callable(before_after_map) and callable(save_map) and callable(plan_report)
True
"""

from .maps import before_after_map, save_map
from .report import (
    ReportFigures,
    count_sentences,
    merger_paragraph,
    plan_report,
    render_report,
    report_figures,
    save_report,
)

__all__ = [
    "ReportFigures",
    "before_after_map",
    "count_sentences",
    "merger_paragraph",
    "plan_report",
    "render_report",
    "report_figures",
    "save_map",
    "save_report",
]
