"""Layer 7, render: offline HTML maps and the plan report.

``maps`` inlines Leaflet from ``render/static``; ``report`` writes a standalone printable
page; ``verbatim`` holds the folium elements that never go through a template.
``plots``, ``charts`` and ``paper`` draw static figures for print (PNG, SVG, PDF) with matplotlib.

Examples
--------
>>> from townmerge.render import before_after_map, plan_report, save_map, save_report
>>> callable(before_after_map) and callable(save_map) and callable(plan_report)
True
"""

from .maps import before_after_map, save_map
from .plots import plot_before_after, write_plots
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
    "plot_before_after",
    "render_report",
    "report_figures",
    "save_map",
    "save_report",
    "write_plots",
]
