"""``townmerge plot``: the static figures of any plan, for print and papers.

The before/after map (two panels, legend, north arrow, scale bar in km) to one
PNG, SVG or PDF file, or every figure (map, population against floor, travel
time to the seat, score breakdown) into a folder, in A4 or A3.

Examples
--------
>>> from townmerge.cli.commands import build_parser
>>> build_parser().parse_args(["plot", "area", "--plan", "p.csv"]).func is run_plot
True
"""

from __future__ import annotations

import argparse

from ..render.plots import write_plots
from .inputs import read_area, read_config, read_plan_file, say

__all__ = ["run_plot"]


def run_plot(ns: argparse.Namespace) -> int:
    """``townmerge plot``: write the static figures of ``--plan``.

    Examples
    --------
    >>> from townmerge.cli.commands import main
    >>> main(["plot", "area"])
    2
    """
    cfg = read_config(ns)
    area = read_area(ns)
    plan = read_plan_file(ns, ns.plan)
    plan.check_units(area.unit_ids)
    files = write_plots(area, plan, ns.out, lang=ns.lang, size=ns.size,
                        orientation=ns.orientation, formats=ns.format or ("png", "svg", "pdf"),
                        config=cfg, title=ns.title)
    written = ", ".join(map(str, files))
    say(ns, f"已写出 {written}", f"wrote {written}")
    return 0
