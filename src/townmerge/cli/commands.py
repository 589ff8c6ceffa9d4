"""The ``townmerge`` command.

``townmerge demo`` runs the main job on the sample county; ``validate`` checks
input files and settings (exit 0 when valid, 1 with fatal problems; the report
goes to stderr); ``plan``, ``score``, ``seats``, ``tiers``, ``ensemble`` and
``compare`` run each step on any study area; ``make-sample`` regenerates the
sample county byte for byte.

Errors are one message on stderr, never a traceback, and the exit status says
what kind of failure it was (:data:`townmerge.errors.EXIT_CODES`): bad input 1,
a bad command line 2, no feasible plan 3, an output that cannot be written 4,
the time limit 5, a bug in townmerge 70 (``--debug`` or ``TOWNMERGE_DEBUG=1``
shows its traceback).

This module holds the parser and :func:`main`; the subcommands live in
:mod:`townmerge.cli.demo_cmds` (``demo``, ``make-sample``, ``sichuan``),
:mod:`townmerge.cli.plan_cmds` (``validate``, ``plan``, ``ensemble``),
:mod:`townmerge.cli.province_cmds` (``province``) and
:mod:`townmerge.cli.review_cmds` (``score``, ``seats``, ``tiers``, ``compare``).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import io
import os
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from typing import TextIO

from ..errors import (
    EXIT_CODES,
    EXIT_INFEASIBLE,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OUTPUT,
    EXIT_TIME_LIMIT,
    EXIT_USAGE,
    InfeasibleError,
    InputError,
    MissingDataWarning,
    OutputError,
    ParameterError,
    TimeLimitError,
)
from . import demo_cmds, map_cmds, plan_cmds, plot_cmds, province_cmds, review_cmds
from .args import bound_item, non_negative_int, positive_float, positive_int, quotas
from .inputs import add_area_args, add_input_args
from .workers import add_parallel_args

__all__ = ["build_parser", "main"]


#: Examples shown at the end of each subcommand's ``--help``.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "demo": ("townmerge demo", "townmerge demo --lang en --out out_en",
             "townmerge demo --data my_county --target 10 --no-progress"),
    "make-sample": ("townmerge make-sample sample_shapes/county",),
    "validate": ("townmerge validate sample_shapes/county",
                 "townmerge validate communes.geojson --unit-id code --unit-name nom --lang en",
                 "townmerge validate my_county --config settings.toml --encoding gbk"),
    "plan": ("townmerge plan sample_shapes/county --method exact --target 13 --out plan.csv",
             "townmerge plan sample_shapes/county --method search --target 13 --seed 1",
             "townmerge plan sample_shapes/county --method exact --target 13 "
             "--as-good-as rival.csv"),
    "score": ("townmerge score sample_shapes/county --top 10",
              "townmerge score sample_shapes/county --plan plan.csv --lang en --out scores.csv"),
    "seats": ("townmerge seats sample_shapes/county --plan plan.csv",),
    "tiers": ("townmerge tiers sample_shapes/county --plan plan.csv --town-quotas 3,2,7,14",),
    "ensemble": ("townmerge ensemble sample_shapes/county -n 100 --target 13 --out ensemble",
                 "townmerge ensemble sample_shapes/county -n 5 --best --target 13",
                 "townmerge ensemble sample_shapes/county -n 1000 --target 13 --jobs 8",
                 "townmerge ensemble my_county -n 10000 --scheduler tcp://10.0.0.5:8786"),
    "province": ("townmerge province my_province --villages --out province --jobs 8",
                 "townmerge province my_province --method greedy --lang en"),
    "compare": ("townmerge compare sample_shapes/county plan_a.csv plan_b.csv --lang en",),
    "sichuan": ("townmerge sichuan", "townmerge sichuan --lang en --out out/sichuan"),
    "map": ("townmerge map sample_shapes/county --plan out/plan.csv --out map.html",
            "townmerge map sample_shapes/county --plan out/plan.csv --villages "
            "out/village_plan.csv --mode swipe --lang en",
            "townmerge map sample_shapes/county --plan a.csv --plan b.csv --out plans.html"),
    "report": ("townmerge report sample_shapes/county --plan out/plan.csv --out report.html",
               "townmerge report sample_shapes/county --plan exact.csv --plan greedy.csv "
               "--county 示例县 --office 示例县民政局 --lang en"),
    "plot": ("townmerge plot sample_shapes/county --plan out/plan.csv --out before_after.pdf",
             "townmerge plot sample_shapes/county --plan out/plan.csv --out figures "
             "--size A3 --format png --format svg"),
}


def _epilog(name: str | None) -> str:
    lines = []
    if name in EXAMPLES:
        lines += ["examples:", *(f"  {e}" for e in EXAMPLES[name]), ""]
    lines += ["exit status:", *(f"  {code:>3}  {text}" for code, text in EXIT_CODES)]
    return "\n".join(lines)


def _common() -> argparse.ArgumentParser:
    """The options every subcommand takes: language, output volume, progress bars, debugging."""
    common = argparse.ArgumentParser(add_help=False)
    g = common.add_argument_group("general options")
    g.add_argument("--lang", choices=("zh", "en"), default="zh",
                   help="language of messages, tables and reports: zh (中文, default) or en")
    g.add_argument("-q", "--quiet", action="store_true",
                   help="print nothing but warnings and errors (outputs are still written)")
    g.add_argument("-v", "--verbose", action="store_true",
                   help="also say which settings and data were used and how long it took")
    g.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="show progress bars (default: only when stderr is a terminal)")
    g.add_argument("--debug", action="store_true", default=False,
                   help="show the traceback of an internal error (also TOWNMERGE_DEBUG=1)")
    return common


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``townmerge`` command.

    Examples
    --------
    >>> build_parser().parse_args(["plan", "area", "--target", "13"]).method
    'greedy'
    """
    common = _common()
    p = argparse.ArgumentParser(
        prog="townmerge", epilog=_epilog(None),
        description="Plan the consolidation of townships (乡镇) and villages (村): read and "
                    "check the data, score candidate mergers, generate and compare plans, "
                    "write maps and the plan report. Start with `townmerge demo`.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    version = importlib.metadata.version("townmerge")
    p.add_argument("--version", action="version", version=f"townmerge {version}",
                   help="show the version and exit")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND",
                           title="commands (townmerge COMMAND --help for each)")
    add: Callable[..., argparse.ArgumentParser] = sub.add_parser

    def sub_parser(name: str, *, help: str) -> argparse.ArgumentParser:
        return add(name, parents=[common], epilog=_epilog(name), help=help, description=help,
                   formatter_class=argparse.RawDescriptionHelpFormatter)

    d = sub_parser("demo", help="run the whole reform on the sample county (or --data): "
                   "townships, villages and communities, groups; write the outputs")
    d.add_argument("--data", help="study area folder (default: the sample county)")
    add_input_args(d)
    d.add_argument("--target", type=positive_int, default=13,
                   help="number of townships after (default 13)")
    d.add_argument("--village-target", type=positive_int, default=None,
                   help="villages (建制村) after (default: 83 on the sample county, else to "
                        "the village floors)")
    d.add_argument("--community-target", type=positive_int, default=None,
                   help="communities (社区) after (default: 79 on the sample county, else to "
                        "the floors)")
    d.add_argument("--out", default="out", help="output folder (default out/)")
    d.add_argument("--tiles", default=None,
                   help="base map tiles, e.g. OpenStreetMap (default: none, works offline)")
    d.add_argument("--title", default=None, help="title of the map and the report")
    d.set_defaults(func=demo_cmds.run_demo)

    s = sub_parser("make-sample", help="regenerate the synthetic sample county, byte for byte")
    s.add_argument("out", help="output folder, e.g. sample_shapes/county")
    s.add_argument("--seed", type=non_negative_int, default=2019,
                   help="random seed (default 2019, the shipped sample county)")
    s.set_defaults(func=demo_cmds.run_make_sample)

    v = sub_parser("validate", help="check input files and settings and list every problem")
    add_area_args(v)
    v.set_defaults(func=plan_cmds.run_validate)

    g = sub_parser("plan", help="generate a consolidation plan and write it as CSV")
    add_area_args(g)
    g.add_argument("--method", choices=("greedy", "exact", "search"), default="greedy",
                   help="greedy (fast), exact (proven best, county scale) or search "
                        "(annealing from greedy or --start); default greedy")
    g.add_argument("--target", type=positive_int,
                   help="number of new units (default: from the population floors)")
    g.add_argument("--start", help="plan CSV of mergers fixed beforehand")
    g.add_argument("--seed", type=non_negative_int, default=0,
                   help="random seed; the same seed gives the same plan (default 0)")
    g.add_argument("--time-limit", type=positive_float, dest="time_limit", metavar="SECONDS",
                   help="stop after this many seconds with the best plan found")
    g.add_argument("--bound", action="append", metavar="NAME=VALUE", type=bound_item,
                   help="exact or search method: worst allowed value of a neutral figure, e.g. "
                        "population_cv=0.6 or flow_kept_population=0.55 (repeatable)")
    g.add_argument("--as-good-as", dest="as_good_as", metavar="PLAN",
                   help="exact or search method: the best plan at least as good as this plan "
                        "CSV on flow kept, population CV, share below floor, mean and worst "
                        "minutes to the seat and compactness")
    g.add_argument("--out", default="plan.csv", help="plan CSV to write (default plan.csv)")
    g.set_defaults(func=plan_cmds.run_plan)

    sc = sub_parser("score", help="score every candidate merger, with reasons")
    add_area_args(sc)
    sc.add_argument("--plan", help="score the new units of this plan CSV instead")
    sc.add_argument("--top", type=positive_int, default=20, help="rows to print (default 20)")
    sc.add_argument("--out", help="CSV to write with every candidate")
    sc.set_defaults(func=review_cmds.run_score)

    se = sub_parser("seats", help="choose the seat (驻地) of each new unit of a plan")
    add_area_args(se)
    se.add_argument("--plan", required=True, help="plan CSV")
    se.add_argument("--out", help="CSV to write with each new unit's seat")
    se.set_defaults(func=review_cmds.run_seats)

    t = sub_parser("tiers", help="classify settlements into tiers (主城区/中心镇/中心村 …)")
    add_area_args(t)
    t.add_argument("--plan", help="classify after this plan CSV (default: as things are)")
    t.add_argument("--town-quotas", dest="town_quotas",
                   type=quotas(4, "主城区,副中心,中心镇,特色镇"),
                   help="exact counts of 主城区,副中心,中心镇,特色镇, e.g. 3,2,7,14")
    t.add_argument("--village-quotas", dest="village_quotas",
                   type=quotas(2, "中心村,特色村"),
                   help="exact counts of 中心村,特色村, e.g. 58,20")
    t.add_argument("--out", help="CSV to write with every settlement's tier")
    t.set_defaults(func=review_cmds.run_tiers)

    e = sub_parser("ensemble", help="N diverse plans and their co-occurrences")
    add_area_args(e)
    e.add_argument("-n", type=positive_int, default=100, help="number of plans (default 100)")
    e.add_argument("--target", type=positive_int,
                   help="number of new units of each plan (default: from the floors)")
    e.add_argument("--seed", type=non_negative_int, default=0,
                   help="random seed of the ensemble (default 0)")
    e.add_argument("--best", action="store_true",
                   help="the n best plans in order, each proven by the exact model, instead "
                        "of randomised plans")
    e.add_argument("--out", default="ensemble",
                   help="folder for plan_000.csv … and co_occurrence.csv (default ensemble/)")
    add_parallel_args(e)
    e.set_defaults(func=plan_cmds.run_ensemble)

    pv = sub_parser("province", help="plan every county of a multi-county area in parallel: "
                    "merged counts and change log, failed counties named")
    province_cmds.add_province_args(pv)

    c = sub_parser("compare", help="neutral figures of plans side by side")
    add_area_args(c)
    c.add_argument("plans", nargs="+", help="plan CSV files")
    c.add_argument("--out", help="CSV to write with the comparison")
    c.set_defaults(func=review_cmds.run_compare)

    rp = sub_parser("report", help="the report of a plan, or of several plans compared (HTML "
                    "that prints to A4)")
    add_area_args(rp)
    rp.add_argument("--plan", action="append", required=True, metavar="PLAN",
                    help="plan CSV (repeat for several plans: they are compared)")
    rp.add_argument("--title", default=None,
                    help="title of the report (default: the county's 乡镇行政区划调整方案)")
    rp.add_argument("--county", default=None, help="county named in the title")
    rp.add_argument("--office", default=None, help="authoring office, under the title")
    rp.add_argument("--plan-name", dest="plan_name", default=None,
                    help="plan name under the title (default: the plan file's name)")
    rp.add_argument("--date", default=None, help="date under the title (default: today)")
    rp.add_argument("--no-figures", dest="figures", action="store_false",
                    help="leave out the static map and charts (faster)")
    rp.add_argument("--no-map", dest="interactive_map", action="store_false",
                    help="leave out the interactive map (shown on screen only; by default the "
                         "plan before and after, or several plans as layers)")
    rp.add_argument("--out", default="report.html",
                    help="HTML file to write (default report.html)")
    rp.set_defaults(func=review_cmds.run_report)

    pl = sub_parser("plot", help="static figures of a plan (before/after map, charts) to "
                    "PNG, SVG or PDF, for print")
    add_area_args(pl)
    pl.add_argument("--plan", required=True, help="plan CSV")
    pl.add_argument("--out", default="before_after.pdf",
                    help="a .png, .svg or .pdf file for the before/after map alone, or a folder "
                         "for every figure (default before_after.pdf)")
    pl.add_argument("--size", choices=("A4", "A3"), default="A4", help="paper size (default A4)")
    pl.add_argument("--orientation", choices=("landscape", "portrait"), default="landscape",
                    help="page orientation (default landscape)")
    pl.add_argument("--format", action="append", choices=("png", "svg", "pdf"),
                    help="formats of a folder's figures (repeatable; default all three)")
    pl.add_argument("--title", default=None, help="title of the figures")
    pl.set_defaults(func=plot_cmds.run_plot)

    mp = sub_parser("map", help="the before/after map of a plan (or several) as offline HTML")
    map_cmds.add_map_args(mp)
    mp.set_defaults(func=map_cmds.run_map)

    r = sub_parser("sichuan", help="per-county and province counts of Sichuan's township and "
                   "village reform, from the real code tables")
    r.add_argument("--data", default="sample_shapes/sichuan",
                   help="folder of the code tables (default sample_shapes/sichuan)")
    r.add_argument("--out", help="folder for province.csv, counties.csv, predecessors.csv, "
                   "township_changes.csv and unmatched_townships.csv")
    r.set_defaults(func=demo_cmds.run_sichuan)
    return p


#: Where to report an internal error.
ISSUES_URL = "https://github.com/townmerge/townmerge/issues"


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: TextIO | None = None, line: str | None = None) -> None:
    """Print a warning as ``townmerge: warning: <message>``, without Python source lines."""
    print(f"townmerge: warning: {message}", file=file or sys.stderr)


def _say_verbose(ns: argparse.Namespace, seconds: float) -> None:
    """``--verbose``: the data, the settings and the time the command took, on stderr."""
    data = getattr(ns, "path", None) or getattr(ns, "data", None) or "the sample county"
    settings = getattr(ns, "config", None) or "the defaults (townmerge.Config())"
    zh = getattr(ns, "lang", "zh") == "zh"
    text = (f"数据：{data}；设置：{settings}；用时 {seconds:.1f} 秒" if zh else
            f"data: {data}; settings: {settings}; took {seconds:.1f} s")
    print(f"townmerge: {text}", file=sys.stderr)


def _debug(ns: argparse.Namespace | None) -> bool:
    env = os.environ.get("TOWNMERGE_DEBUG", "").strip().lower()
    return bool(getattr(ns, "debug", False)) or env not in ("", "0", "false", "no")


def _fail(status: int, text: str, debug: bool) -> int:
    if debug:
        traceback.print_exc(file=sys.stderr)
    print(f"townmerge: {text}", file=sys.stderr)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command and return its exit status (never raises, never prints a traceback).

    The status is one of :data:`townmerge.errors.EXIT_CODES`: 0 done, 1 bad
    input (data, plan or settings), 2 a bad command line (unknown flag, a
    number out of range), 3 no feasible plan, 4 an output cannot be written,
    5 the time limit ran out, 70 an internal error (a bug; ``--debug`` or
    ``TOWNMERGE_DEBUG=1`` prints its traceback), 130 interrupted.

    Examples
    --------
    >>> main(["plan", "area", "--time-limit", "nan"])  # doctest: +SKIP
    2
    """
    ns: argparse.Namespace | None = None
    try:
        ns = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse: --help, --version (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    debug = _debug(ns)
    try:
        shown: set[str] = set()

        def show_once(message: Warning | str, category: type[Warning], filename: str,
                      lineno: int, file: TextIO | None = None, line: str | None = None) -> None:
            if str(message) not in shown:  # the same warning from two steps is said once
                shown.add(str(message))
                _show_warning(message, category, filename, lineno, file, line)

        with warnings.catch_warnings(), contextlib.ExitStack() as stack:
            warnings.simplefilter("default")
            # what the data lack is said once as a note by every command (inputs.read_area)
            warnings.simplefilter("ignore", MissingDataWarning)
            warnings.showwarning = show_once
            if getattr(ns, "quiet", False):  # warnings and errors still go to stderr
                stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
            t0 = time.perf_counter()
            status = int(ns.func(ns))
            if getattr(ns, "verbose", False):
                _say_verbose(ns, time.perf_counter() - t0)
            return status
    except KeyboardInterrupt:
        print("townmerge: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ParameterError as exc:
        return _fail(EXIT_USAGE, str(exc), debug)
    except InputError as exc:
        return _fail(EXIT_INPUT, str(exc), debug)
    except InfeasibleError as exc:
        return _fail(EXIT_INFEASIBLE, str(exc), debug)
    except TimeLimitError as exc:
        return _fail(EXIT_TIME_LIMIT, str(exc), debug)
    except OutputError as exc:
        return _fail(EXIT_OUTPUT, str(exc), debug)
    except Exception as exc:  # a bug: never reported as bad input
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        hint = "" if debug else " (run it again with --debug for the traceback)"
        return _fail(EXIT_INTERNAL, f"internal error (a bug in townmerge): "
                     f"{type(exc).__name__}: {first[:500]}; please report it with the command "
                     f"you ran at {ISSUES_URL}{hint}", debug)


if __name__ == "__main__":
    sys.exit(main())
