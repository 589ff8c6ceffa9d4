"""Layer 7, render: offline HTML maps and the plan report.

Maps: ``plan_maps`` draws a study area and a plan (:func:`before_after_map` in two
synchronised panes, :func:`plans_map`, :func:`reform_map`) from the layers ``map_layers`` and
``map_extras`` build on the simplified coverage of ``map_geometry``, packed by ``map_pack``
(each shape once, integer coordinates) and drawn by the fixed script of ``map_script``;
``maps`` assembles the offline page (inlining Leaflet from ``render/static``) and draws two
frames from the layers ``map_data`` builds; ``verbatim`` holds the folium elements that never
go through a template.
The report: ``report`` (:func:`plan_report`, :func:`save_report`,
:func:`write_report` for one plan, several plans or a whole reform) runs ``report_tables``
(the figures, :func:`report_figures`), ``sentences`` (official wording, zh/en) and
``report_html`` (the parts of a plan's report, :func:`render_report`); ``report_cards``
(merger cards, named units, chart, appendix), ``report_compare`` (several plans side by
side), ``report_reform`` (every level of a reform, :func:`reform_report`),
``report_markup`` (escaped markup, images, print CSS, the page) and ``report_labels``
(readable labels of figures and solver information); ``report_kinds`` reads unit and
settlement types.
``plots``, ``charts`` and ``paper`` draw static figures for print (PNG, SVG, PDF) with
matplotlib.

Examples
--------
>>> from townmerge.render import before_after_map, plan_report, save_map, save_report
>>> callable(before_after_map) and callable(save_map) and callable(plan_report)
True
"""

from .maps import save_map
from .plan_maps import before_after_map, plans_map, reform_map
from .plots import plot_before_after, write_plots
from .report import plan_report, save_report, write_report
from .report_html import render_report
from .report_markup import ReportImage, ReportOptions
from .report_reform import reform_report
from .report_tables import ReportFigures, report_figures
from .sentences import count_sentences, merger_paragraph

__all__ = [
    "ReportFigures",
    "ReportImage",
    "ReportOptions",
    "before_after_map",
    "count_sentences",
    "merger_paragraph",
    "plan_report",
    "plans_map",
    "plot_before_after",
    "reform_map",
    "reform_report",
    "render_report",
    "report_figures",
    "save_map",
    "save_report",
    "write_plots",
    "write_report",
]
