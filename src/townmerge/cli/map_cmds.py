"""``townmerge map``: the before/after map of any plan read from CSV.

One ``--plan`` draws :func:`townmerge.render.before_after_map` (two synchronised panes, or a
swipe with ``--mode swipe``), with the village plan of ``--villages`` drawn inside the new
townships; several ``--plan`` draw :func:`townmerge.render.plans_map`, one layer per plan.

Examples
--------
>>> from townmerge.cli.commands import build_parser
>>> build_parser().parse_args(["map", "area", "--plan", "p.csv"]).func is run_map
True
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..data.io import read_study_area
from ..evaluate.metrics import plan_breaches
from ..render import before_after_map, plans_map, save_map
from .inputs import add_area_args, read_area, read_config, read_plan_file, say
from .review_cmds import plan_labels

__all__ = ["add_map_args", "run_map"]


def add_map_args(p: argparse.ArgumentParser) -> None:
    """The options of ``townmerge map``.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_map_args(p)
    >>> p.parse_args(["area", "--plan", "a.csv", "--plan", "b.csv"]).plan
    ['a.csv', 'b.csv']
    """
    add_area_args(p)
    p.add_argument("--plan", action="append", required=True, metavar="PLAN_CSV",
                   help="plan CSV (repeat to compare plans as layers of one map)")
    p.add_argument("--villages", metavar="VILLAGE_PLAN_CSV",
                   help="a village plan nested in the plan, drawn inside the new townships "
                        "(the village level is read from PATH)")
    p.add_argument("--mode", choices=("dual", "swipe"), default="dual",
                   help="panes side by side (default) or one over the other with a slider")
    p.add_argument("--tiles", default=None,
                   help="base map tiles, e.g. OpenStreetMap (default: none, works offline)")
    p.add_argument("--title", default=None, help="title of the map (default: county, plan, date)")
    p.add_argument("--county", default=None, help="county name for the default title")
    p.add_argument("--out", default="map.html", help="HTML file (default map.html)")


def run_map(ns: argparse.Namespace) -> int:
    """``townmerge map``: write the map of a plan (or several) as one offline HTML file.

    Examples
    --------
    >>> from townmerge.cli.commands import main
    >>> main(["map", "no/such/area", "--plan", "plan.csv"])
    1
    """
    cfg = read_config(ns)
    area = read_area(ns)
    plans = [read_plan_file(ns, path) for path in ns.plan]
    for plan in plans:
        plan.check_units(area.unit_ids)
    if len(plans) > 1:
        m = plans_map(area, dict(zip(plan_labels(ns.plan), plans, strict=True)), lang=ns.lang,
                      tiles=ns.tiles, title=ns.title)
    else:
        villages = None
        if ns.villages:
            varea = read_study_area(ns.path, level="villages", encoding=ns.encoding)
            vplan = read_plan_file(ns, ns.villages)
            vplan.check_units(varea.unit_ids)
            villages = (varea, vplan)
        m = before_after_map(area, plans[0], lang=ns.lang, mode=ns.mode, tiles=ns.tiles,
                             title=ns.title, county=ns.county, config=cfg, villages=villages,
                             breaches=plan_breaches(area, plans[0], config=cfg))
    out = save_map(m, Path(ns.out))
    say(ns, f"已写出 {out}", f"wrote {out}")
    return 0
