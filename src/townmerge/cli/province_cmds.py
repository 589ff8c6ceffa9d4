"""``townmerge province``: every county of a multi-county study area, planned in parallel.

It plans each county (:func:`townmerge.evaluate.province.plan_province`; ``--jobs`` or
``--scheduler`` say where, :mod:`townmerge.cli.workers`) and writes the province's counts,
the change log (with ``--villages``), the township plan and the failed counties; it exits 1
when a county failed (after writing the others), naming each on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from ..data.atomic import atomic_folder, atomic_write_with
from ..data.io import read_study_area
from ..data.plan import Plan
from ..data.plan_csv import write_plan
from ..errors import EXIT_INPUT
from ..evaluate.province import plan_province
from .args import non_negative_int, positive_float
from .inputs import add_area_args, column_map, read_area, read_config, say, show_progress
from .workers import add_parallel_args, where_to_run

__all__ = ["add_province_args", "run_province"]

#: The files ``townmerge province`` writes (one left from an earlier run is removed).
OUTPUTS = ("counts.csv", "failed.csv", "township_plan.csv", "change_log.csv")


def add_province_args(pr: argparse.ArgumentParser) -> None:
    """The arguments of ``townmerge province``.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_province_args(p)
    >>> ns = p.parse_args(["area", "--villages", "--jobs", "2"])
    >>> ns.villages, ns.jobs, ns.method
    (True, 2, 'exact')
    """
    add_area_args(pr)
    pr.add_argument("--villages", action="store_true",
                    help="plan three levels: the villages layer of PATH nested in the new "
                         "townships (default: townships only)")
    pr.add_argument("--method", choices=("greedy", "exact", "search"), default="exact",
                    help="generator of every level of every county (default exact)")
    pr.add_argument("--seed", type=non_negative_int, default=0,
                    help="random seed, the same for every county (default 0)")
    pr.add_argument("--time-limit", type=positive_float, dest="time_limit", metavar="SECONDS",
                    help="seconds per generator call of a county")
    pr.add_argument("--out", default="province",
                    help="folder for counts.csv, township_plan.csv, failed.csv and, with "
                         "--villages, change_log.csv (default province)")
    add_parallel_args(pr)
    pr.set_defaults(func=run_province)


def run_province(ns: argparse.Namespace) -> int:
    """``townmerge province``: every county planned, outputs written together.

    Returns 0 when every county was planned, 1 (after writing the others) when one failed.
    """
    cfg = read_config(ns)
    towns = read_area(ns)
    villages = (read_study_area(ns.path, level="villages", columns=column_map(ns),
                                encoding=ns.encoding, crs=ns.crs) if ns.villages else None)
    with where_to_run(ns) as where:
        run = plan_province(towns, villages, method=ns.method, seed=ns.seed, config=cfg,
                            time_limit=ns.time_limit, progress=show_progress(ns), **where)
    assignment: dict[str, str] = {}
    names: dict[str, str] = {}
    seats: dict[str, str] = {}
    for r in run.results.values():
        assignment.update(r.township_plan.assignment)
        names.update(r.township_plan.names)
        seats.update(r.township_plan.seats)
    failed = pd.DataFrame([{"county": f.county, "name": f.name, "error": f.error,
                            "message": f.message} for f in run.failed.values()],
                          columns=["county", "name", "error", "message"])
    out = Path(ns.out)
    with atomic_folder(out) as files:
        counts = run.counts()
        atomic_write_with(files.path("counts.csv"),
                          lambda tmp: counts.to_csv(tmp, encoding="utf-8"))
        atomic_write_with(files.path("failed.csv"),
                          lambda tmp: failed.to_csv(tmp, index=False, encoding="utf-8"))
        if assignment:
            plan = Plan(assignment, names, seats, {"method": ns.method, "seed": ns.seed})
            write_plan(plan, files.path("township_plan.csv"),
                       unit_order=[u for u in towns.unit_ids if u in assignment])
        if villages is not None and run.results:
            log = run.change_log()
            atomic_write_with(files.path("change_log.csv"),
                              lambda tmp: log.to_csv(tmp, index=False, encoding="utf-8"))
        for name in OUTPUTS:  # an earlier run's file this run has no content for
            if name not in files.names() and (out / name).exists():
                files.remove(name)
    for line in run.summary(ns.lang):
        print(line)
    say(ns, f"已写出 {out}", f"wrote {out}")
    if run.failed:
        print(f"townmerge: {run.report(ns.lang)}", file=sys.stderr)
        return EXIT_INPUT
    return 0
