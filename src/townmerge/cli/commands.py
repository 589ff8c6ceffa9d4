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
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import sys
import traceback
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from ..config import Config
from ..data.atomic import atomic_folder, atomic_write_with
from ..data.columns import ColumnMap
from ..data.io import (
    Layers,
    read_plan,
    read_study_area,
    validate,
    write_geojson,
    write_layers,
    write_plan,
)
from ..data.model import StudyArea
from ..data.plan import Plan
from ..errors import (
    EXIT_CODES,
    EXIT_INFEASIBLE,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_TIME_LIMIT,
    EXIT_USAGE,
    InfeasibleError,
    InputError,
    OutputError,
    ParameterError,
    TimeLimitError,
    TownmergeError,
)
from ..evaluate.check import check_plan
from ..evaluate.metrics import (
    compare_plans,
    merged_units,
    plan_breaches,
    plan_metrics,
    summarize,
)
from ..generate import best_plans, co_occurrence, generate_ensemble, generate_plan
from ..i18n import fmt_population
from ..render import before_after_map, save_map
from ..render.report import count_sentences, render_report, report_figures, save_report
from ..score.figures import BETTER, check_bounds, dominated_by, figure_bounds
from ..score.plan_scores import plan_objective
from ..score.scorer import score_mergers
from ..score.seat_choice import choose_seat
from ..score.seats import seat_selector
from ..score.tiers import classify_tiers
from .args import bound_item, non_negative_int, positive_float, positive_int, quotas

__all__ = ["build_parser", "main"]

#: Label of the status quo column of ``townmerge compare``.
STATUS_QUO = "status quo"
#: Where the sample county lives in a source checkout.
SAMPLE_DIR = Path("sample_shapes") / "county"
_COLUMN_KEYS = ("unit_id", "unit_name", "population", "kind", "terrain", "parent", "locked",
                "seat", "settlement_id", "settlement_name", "settlement_population",
                "settlement_kind", "settlement_unit", "origin", "destination")


def _column_args(p: argparse.ArgumentParser) -> None:
    """Arguments of every command that reads data: the CRS to measure in, the column roles."""
    p.add_argument("--crs", help="projected CRS in metres to measure in, e.g. EPSG:2154 "
                   "(default: chosen from the data; see townmerge.data.crs)")
    g = p.add_argument_group("column roles (input column names)")
    for key in _COLUMN_KEYS:
        g.add_argument(f"--{key.replace('_', '-')}", dest=key, metavar="COLUMN")


def _columns(ns: argparse.Namespace) -> ColumnMap:
    return ColumnMap(**{k: getattr(ns, k, None) for k in _COLUMN_KEYS})


def _input_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="settings in TOML (see townmerge.Config)")
    p.add_argument("--encoding", help="encoding of the CSV files read (flows.csv, plans); "
                                      "default: UTF-8 with or without BOM, else GB18030/GBK")


def _area_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="study area: folder, GeoPackage or units file")
    _input_args(p)
    _column_args(p)


def _config(ns: argparse.Namespace) -> Config:
    return Config.from_file(ns.config) if getattr(ns, "config", None) else Config()


def _area(ns: argparse.Namespace) -> StudyArea:
    return read_study_area(ns.path, columns=_columns(ns), encoding=ns.encoding, crs=ns.crs)


def _plan_file(ns: argparse.Namespace, path: str) -> Plan:
    return read_plan(path, encoding=ns.encoding)


def _sample_area(path: str | None, encoding: str | None = None) -> StudyArea:
    if path is not None:
        return read_study_area(path, encoding=encoding)
    if SAMPLE_DIR.is_dir():
        return read_study_area(SAMPLE_DIR, encoding=encoding)
    from ..datasets.synthetic import (
        sample_county,  # installed without the repository: regenerate it
    )

    s = sample_county()
    return StudyArea(s.units, s.settlements, s.flows, s.roads)


def _write_table(frame: pd.DataFrame, out: str | None, what: str) -> None:
    if out:
        atomic_write_with(out, lambda tmp: frame.to_csv(tmp, encoding="utf-8"))
        print(f"wrote {what} to {out}")


# -- commands ----------------------------------------------------------------------------------
def _demo_plan(area: StudyArea, target: int, config: Config) -> Plan:
    """The best plan the settings allow: fewest new units below their floor, then the objective.

    Both proven by the exact model: the bound on the share below the floor is
    tightened one unit at a time from 0 until a plan exists.
    """
    if not area.has_population:
        return generate_plan(area, method="exact", target=target, config=config)
    for below in range(target + 1):
        try:
            return generate_plan(area, method="exact", target=target, config=config,
                                 bounds={"share_below_floor": below / target})
        except InfeasibleError:
            continue
    return generate_plan(area, method="exact", target=target,  # raises: no feasible plan
                         config=config)


def _demo(ns: argparse.Namespace) -> int:
    cfg = _config(ns)
    area = _sample_area(ns.data, ns.encoding)
    plan = _demo_plan(area, ns.target, cfg)
    breaches = plan_breaches(area, plan, config=cfg)  # none from the exact model: say so if any
    out = Path(ns.out)
    with atomic_folder(out) as files:  # the four files together, or the previous ones
        write_plan(plan, files.path("plan.csv"), unit_order=area.unit_ids)
        merged = merged_units(area, plan)
        write_geojson(merged.to_crs(area.input_crs), files.path("merged_units.geojson"))
        before = area.units.assign(new_unit=[plan.assignment[u] for u in area.unit_ids])
        m = before_after_map(before, merged, settlements=area.settlements, lang=ns.lang,
                             tiles=ns.tiles, title=ns.title, breaches=breaches)
        save_map(m, files.path("before_after.html"))
        figures = report_figures(area, plan, config=cfg)
        save_report(render_report(figures, lang=ns.lang, title=ns.title),
                    files.path("report.html"))
    s = summarize(area, plan)
    zh = ns.lang == "zh"
    for sentence in count_sentences(figures, ns.lang):
        print(sentence)
    print(("总人口：调整前 {p0}，调整后 {p1}" if zh else "Population: before {p0}, after {p1}")
          .format(p0=fmt_population(s.population_before, ns.lang),
                  p1=fmt_population(s.population_after, ns.lang)))
    for gid, row in merged.sort_values("population", ascending=False).iterrows():
        print(f"  {gid} {row['name']}: {fmt_population(row['population'], ns.lang)}"
              f"  ({row['member_names']})")
    print(f"wrote {out / 'before_after.html'}, {out / 'report.html'}, {out / 'plan.csv'}, "
          f"{out / 'merged_units.geojson'}")
    for b in breaches:  # also at the top of the report and the map
        print(f"townmerge: warning: {b.text(ns.lang)}", file=sys.stderr)
    return 0


def _make_sample(ns: argparse.Namespace) -> int:
    from ..datasets.synthetic import sample_county

    s = sample_county(seed=ns.seed)
    out = write_layers(ns.out, Layers(s.units, s.settlements, s.flows, s.roads),
                       extra={"villages": s.villages})
    print(f"wrote the synthetic sample county (seed {ns.seed}) to {out}")
    return 0


def _validate(ns: argparse.Namespace) -> int:
    settings_ok = True
    cfg = None
    try:
        cfg = _config(ns)
    except InputError as exc:  # report the settings' problems beside the data's
        print(f"townmerge: {exc}", file=sys.stderr)
        settings_ok = False
    report = validate(ns.path, columns=_columns(ns), encoding=ns.encoding, crs=ns.crs,
                      config=cfg)
    print(report, file=sys.stderr)
    return EXIT_OK if report.ok and settings_ok else EXIT_INPUT


def _bounds(ns: argparse.Namespace, area: StudyArea, cfg: Config) -> dict[str, float] | None:
    """Figure bounds from ``--bound NAME=VALUE`` and ``--as-good-as PLAN``."""
    bounds: dict[str, float] = {}
    if ns.as_good_as:
        other = _plan_file(ns, ns.as_good_as)
        bounds.update(figure_bounds(plan_metrics(area, other, config=cfg)))
    bounds.update(dict(ns.bound or []))
    return check_bounds(bounds) if bounds else None


def _plan(ns: argparse.Namespace) -> int:
    cfg = _config(ns)
    area = _area(ns)
    start = _plan_file(ns, ns.start) if ns.start else None
    bounds = _bounds(ns, area, cfg)
    plan = generate_plan(area, method=ns.method, target=ns.target, start=start, seed=ns.seed,
                         time_limit=ns.time_limit, config=cfg, bounds=bounds)
    check_plan(area, plan, config=cfg).raise_if_bad()
    write_plan(plan, ns.out, unit_order=area.unit_ids)
    s = summarize(area, plan)
    objective = plan_objective(area, plan, config=cfg)
    gap = plan.info.get("gap")
    print(f"{ns.method}: {s.units_before} → {s.units_after} units (−{s.reduction_rate:.1%}); "
          f"objective {objective:.4f}"
          + (f", optimality gap {gap:.2%}" if isinstance(gap, float) else ""))
    if bounds:
        figures = plan_metrics(area, plan, config=cfg)
        print("figure bounds met: " + ", ".join(
            f"{name} {figures[name]:.4g} ({'≥' if BETTER[name] == 'higher' else '≤'} {value:.4g})"
            for name, value in bounds.items()))
    print(f"wrote {ns.out}")
    return 0


def _score(ns: argparse.Namespace) -> int:
    cfg = _config(ns)
    area = _area(ns)
    plan = _plan_file(ns, ns.plan) if ns.plan else None
    table = score_mergers(area, plan, cfg)
    reason = "reason_zh" if ns.lang == "zh" else "reason_en"
    cols = ["member_names", "seat_name", "total", "band", "feasible", "binding", reason]
    with pd.option_context("display.max_colwidth", 90, "display.width", 200):
        print(table[cols].head(ns.top).to_string())
    if table.attrs.get("notes"):
        print("notes: " + "; ".join(table.attrs["notes" if ns.lang == "en" else "notes_zh"]))
    _write_table(table, ns.out, "every candidate's scores")
    return 0


def _seats(ns: argparse.Namespace) -> int:
    cfg = _config(ns)
    area = _area(ns)
    plan = _plan_file(ns, ns.plan)
    plan.check_units(area.unit_ids)
    selector = seat_selector(area, cfg)
    rows = []
    for new, members in plan.groups().items():
        c = choose_seat(area, members, config=cfg, selector=selector)
        keeper = c.keeper if c.keeper is not None else new
        rows.append({"new_unit_id": new, "members": ",".join(members), "seat": c.seat,
                     "seat_name": c.seat_name, "moved": c.moved,
                     "named_after": f"{keeper} {area.units.at[keeper, 'name']}",
                     "within_limit": c.within_limit,
                     "reason": c.reason_zh if ns.lang == "zh" else c.reason_en})
    table = pd.DataFrame(rows).set_index("new_unit_id")
    with pd.option_context("display.max_colwidth", 100, "display.width", 200):
        print(table[["seat_name", "moved", "named_after", "within_limit", "reason"]].to_string())
    _write_table(table, ns.out, "seats")
    return 0


def _tiers(ns: argparse.Namespace) -> int:
    cfg = _config(ns)
    area = _area(ns)
    plan = _plan_file(ns, ns.plan) if ns.plan else None
    table = classify_tiers(area, plan, config=cfg, town_quotas=ns.town_quotas,
                           village_quotas=ns.village_quotas)
    col = "tier" if ns.lang == "zh" else "tier_en"
    for tier, group in table.groupby(col, sort=False):
        print(f"{tier} ({len(group)}): " + "、".join(map(str, group["name"].head(30)))
              + (" …" if len(group) > 30 else ""))
    _write_table(table, ns.out, "tiers")
    return 0


def _ensemble(ns: argparse.Namespace) -> int:
    cfg = _config(ns)
    area = _area(ns)
    out = Path(ns.out)
    # each plan is written as soon as it is made to <out>.unfinished beside the folder, so a
    # run cut short keeps its finished plans there; the folder itself gets every plan and the
    # co-occurrences together at the end, or keeps the previous ones
    unfinished = out.with_name(out.name + ".unfinished")
    plans: list[Plan] = []

    def keep(p: Plan) -> None:
        write_plan(p, unfinished / f"plan_{len(plans):03d}.csv", unit_order=area.unit_ids)
        plans.append(p)

    try:
        if ns.best:
            for p in best_plans(area, ns.n, target=ns.target, seed=ns.seed, config=cfg):
                keep(p)
        else:
            generate_ensemble(area, ns.n, target=ns.target, seed=ns.seed, config=cfg,
                              progress=True, on_plan=keep)
        co = co_occurrence(plans)
        with atomic_folder(out) as files:  # every plan and the co-occurrences, or the previous
            for i, p in enumerate(plans):
                write_plan(p, files.path(f"plan_{i:03d}.csv"), unit_order=area.unit_ids)
            atomic_write_with(files.path("co_occurrence.csv"),
                              lambda tmp: co.to_csv(tmp, index=False, encoding="utf-8"))
            for old in out.glob("plan_[0-9][0-9][0-9].csv"):  # a larger earlier ensemble's
                if old.name not in files.names():
                    files.remove(old.name)
    except BaseException:
        if plans:
            print(f"{len(plans)} finished plan(s) kept in {unfinished}", file=sys.stderr)
        raise
    try:  # the ensemble is complete: its copies (and an earlier run's) in <out>.unfinished go
        for done in unfinished.glob("plan_[0-9][0-9][0-9].csv"):
            done.unlink()
        unfinished.rmdir()  # only when empty: nothing else of the user's is removed
    except OSError:
        pass
    distinct = len({p.canonical() for p in plans})
    print(f"{len(plans)} plans ({distinct} distinct partitions) and co_occurrence.csv (unit "
          f"pairs ever in one new unit, with their share of the plans) in {out}")
    return 0


def plan_labels(paths: Sequence[str], reserved: Sequence[str] = (STATUS_QUO,)) -> list[str]:
    """A unique column label for each plan file: its name, with parent folders where needed.

    Files sharing a name are told apart by their folders (``a/plan``,
    ``b/plan``); a label never equals a reserved one (the status quo column);
    the same file given twice is numbered.

    Examples
    --------
    >>> plan_labels(["a/plan.csv", "b/plan.csv", "exact.csv", "status quo.csv"])
    ['a/plan', 'b/plan', 'exact', 'status quo.csv']
    >>> plan_labels(["x.csv", "x.csv"])
    ['x', 'x #2']
    """
    parts = [Path(p).with_suffix("").parts or (str(p),) for p in paths]
    depth = [1] * len(paths)

    def label(i: int) -> str:
        return "/".join(parts[i][-depth[i]:])

    while True:
        labels = [label(i) for i in range(len(paths))]
        clash = [i for i, t in enumerate(labels) if (labels.count(t) > 1 or t in reserved)
                 and depth[i] < len(parts[i])]
        if not clash:
            break
        for i in clash:
            depth[i] += 1
    out: list[str] = []
    for i, t in enumerate(labels):
        if t in reserved:
            t = Path(paths[i]).as_posix()
        base, n = t, 1
        while t in out or t in reserved:
            n += 1
            t = f"{base} #{n}"
        out.append(t)
    return out


def _compare(ns: argparse.Namespace) -> int:
    cfg = _config(ns)
    area = _area(ns)
    plans: dict[str, Plan] = {STATUS_QUO: Plan.identity(area.unit_ids)}
    for label, p in zip(plan_labels(ns.plans), ns.plans, strict=True):
        plans[label] = _plan_file(ns, p)
    table = compare_plans(area, plans, config=cfg)
    objective = {}
    for name, p in plans.items():
        try:
            objective[name] = plan_objective(area, p, config=cfg)
        except TownmergeError as exc:
            objective[name] = float("nan")
            print(f"{name}: {exc}", file=sys.stderr)
    table.loc["objective"] = pd.Series(objective)
    print(table.round(3).to_string())
    for name, by in dominated_by(table).items():
        if by:
            print(f"{name} is dominated by {', '.join(by)} (as good on every neutral figure and "
                  "the objective, better on one)")
    _write_table(table, ns.out, "the comparison")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``townmerge`` command.

    Examples
    --------
    >>> build_parser().parse_args(["plan", "area", "--target", "13"]).method
    'greedy'
    """
    epilog = "exit status:\n" + "\n".join(f"  {code:>3}  {text}" for code, text in EXIT_CODES)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the traceback of an internal error (also TOWNMERGE_DEBUG=1)")
    p = argparse.ArgumentParser(prog="townmerge", description=(__doc__ or "").splitlines()[0],
                                epilog=epilog, parents=[common],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    version = importlib.metadata.version("townmerge")
    p.add_argument("--version", action="version", version=f"townmerge {version}")
    sub = p.add_subparsers(dest="command", required=True)
    add: Callable[..., argparse.ArgumentParser] = sub.add_parser

    def sub_parser(name: str, **kw: Any) -> argparse.ArgumentParser:
        return add(name, parents=[common], epilog=epilog,
                   formatter_class=argparse.RawDescriptionHelpFormatter, **kw)

    d = sub_parser("demo", help="merge the sample county's townships and write the outputs")
    d.add_argument("--data", help="study area folder (default: the sample county)")
    _input_args(d)
    d.add_argument("--target", type=positive_int, default=13,
                   help="number of units after (default 13)")
    d.add_argument("--out", default="out", help="output folder (default out/)")
    d.add_argument("--lang", choices=("zh", "en"), default="zh")
    d.add_argument("--tiles", default=None,
                   help="base map tiles, e.g. OpenStreetMap (default: none, works offline)")
    d.add_argument("--title", default=None)
    d.set_defaults(func=_demo)

    s = sub_parser("make-sample", help="regenerate the synthetic sample county, byte for byte")
    s.add_argument("out", help="output folder, e.g. sample_shapes/county")
    s.add_argument("--seed", type=non_negative_int, default=2019)
    s.set_defaults(func=_make_sample)

    v = sub_parser("validate", help="check input files and settings and list every problem")
    _area_args(v)
    v.set_defaults(func=_validate)

    g = sub_parser("plan", help="generate a consolidation plan (plan CSV)")
    _area_args(g)
    g.add_argument("--method", choices=("greedy", "exact", "search"), default="greedy")
    g.add_argument("--target", type=positive_int,
                   help="number of new units (default: from the floors)")
    g.add_argument("--start", help="plan CSV of mergers fixed beforehand")
    g.add_argument("--seed", type=non_negative_int, default=0)
    g.add_argument("--time-limit", type=positive_float, dest="time_limit", metavar="SECONDS")
    g.add_argument("--bound", action="append", metavar="NAME=VALUE", type=bound_item,
                   help="exact or search method: worst allowed value of a neutral figure, e.g. "
                        "population_cv=0.6 or flow_kept_population=0.55 (repeatable)")
    g.add_argument("--as-good-as", dest="as_good_as", metavar="PLAN",
                   help="exact or search method: the best plan at least as good as this plan "
                        "CSV on "
                        "flow kept, population CV, share below floor, mean and worst minutes "
                        "to the seat and compactness")
    g.add_argument("--out", default="plan.csv")
    g.set_defaults(func=_plan)

    sc = sub_parser("score", help="score every candidate merger, with reasons")
    _area_args(sc)
    sc.add_argument("--plan", help="score mergers of this plan's new units")
    sc.add_argument("--top", type=positive_int, default=20, help="rows to print (default 20)")
    sc.add_argument("--lang", choices=("zh", "en"), default="zh")
    sc.add_argument("--out", help="CSV with every candidate")
    sc.set_defaults(func=_score)

    se = sub_parser("seats", help="choose the seat (驻地) of each new unit of a plan")
    _area_args(se)
    se.add_argument("--plan", required=True)
    se.add_argument("--lang", choices=("zh", "en"), default="zh")
    se.add_argument("--out")
    se.set_defaults(func=_seats)

    t = sub_parser("tiers", help="classify settlements into tiers (主城区/中心镇/中心村 …)")
    _area_args(t)
    t.add_argument("--plan", help="classify after this plan")
    t.add_argument("--town-quotas", dest="town_quotas",
                   type=quotas(4, "主城区,副中心,中心镇,特色镇"),
                   help="exact counts of 主城区,副中心,中心镇,特色镇, e.g. 3,2,7,14")
    t.add_argument("--village-quotas", dest="village_quotas",
                   type=quotas(2, "中心村,特色村"),
                   help="exact counts of 中心村,特色村, e.g. 58,20")
    t.add_argument("--lang", choices=("zh", "en"), default="zh")
    t.add_argument("--out")
    t.set_defaults(func=_tiers)

    e = sub_parser("ensemble", help="N diverse plans and their co-occurrence matrix")
    _area_args(e)
    e.add_argument("-n", type=positive_int, default=100, help="number of plans (default 100)")
    e.add_argument("--target", type=positive_int)
    e.add_argument("--seed", type=non_negative_int, default=0)
    e.add_argument("--best", action="store_true",
                   help="the n best plans in order, each proven by the exact model, instead "
                        "of randomised plans")
    e.add_argument("--out", default="ensemble")
    e.set_defaults(func=_ensemble)

    c = sub_parser("compare", help="neutral figures of plans side by side")
    _area_args(c)
    c.add_argument("plans", nargs="+", help="plan CSV files")
    c.add_argument("--out")
    c.set_defaults(func=_compare)

    r = sub_parser("sichuan", help="per-county and province counts of Sichuan's township and "
                   "village reform, from the real code tables")
    r.add_argument("--data", default="sample_shapes/sichuan",
                   help="folder of the code tables (default sample_shapes/sichuan)")
    r.add_argument("--lang", choices=("zh", "en"), default="zh")
    r.add_argument("--out", help="folder for province.csv, counties.csv, predecessors.csv, "
                   "township_changes.csv and unmatched_townships.csv")
    r.set_defaults(func=_sichuan)
    return p


def _sichuan(ns: argparse.Namespace) -> int:
    from ..evaluate.reform import sichuan_summary, summary_text, write_summary

    summary = sichuan_summary(ns.data)
    print(summary_text(summary, ns.lang))
    if ns.out:
        for path in write_summary(summary, ns.out):
            print(f"→ {path}")
    return EXIT_OK


#: Where to report an internal error.
ISSUES_URL = "https://github.com/townmerge/townmerge/issues"


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: TextIO | None = None, line: str | None = None) -> None:
    """Print a warning as ``townmerge: warning: <message>``, without Python source lines."""
    print(f"townmerge: warning: {message}", file=file or sys.stderr)


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

        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = show_once
            return int(ns.func(ns))
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
