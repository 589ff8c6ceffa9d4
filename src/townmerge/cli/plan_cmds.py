"""``townmerge validate``, ``plan`` and ``ensemble``: checking the inputs and making plans.

``validate`` reports every problem of the input files and settings (exit 0 when
valid, 1 with fatal problems; the report goes to stderr); ``plan`` generates one
plan (greedy, exact or search; with figure bounds from ``--bound`` and
``--as-good-as``); ``ensemble`` makes N diverse plans, or the N best, and their
co-occurrences, keeping finished plans of a run cut short. Each ``run_*`` takes
the parsed arguments and returns the exit status.

Examples
--------
>>> from townmerge.cli.commands import build_parser
>>> build_parser().parse_args(["plan", "area"]).func is run_plan
True
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..config import Config
from ..data.atomic import atomic_folder, atomic_write_with
from ..data.io import validate
from ..data.model import StudyArea
from ..data.plan import Plan
from ..data.plan_csv import write_plan
from ..errors import EXIT_INPUT, EXIT_OK, InputError, ParameterError
from ..evaluate.check import check_plan
from ..evaluate.glossary import figure_label
from ..evaluate.levels import rate_text
from ..evaluate.metrics import plan_metrics, summarize
from ..generate import best_plans, co_occurrence, generate_ensemble, generate_plan
from ..score.figures import BETTER, check_bounds, figure_bounds
from ..score.plan_scores import plan_objective
from .inputs import column_map, read_area, read_config, read_plan_file, say, show_progress
from .workers import where_to_run

__all__ = ["run_ensemble", "run_plan", "run_validate"]


def run_validate(ns: argparse.Namespace) -> int:
    """``townmerge validate``: every problem of the input files and settings, on stderr.

    Examples
    --------
    >>> from townmerge.cli.commands import main
    >>> main(["validate"])
    2
    """
    settings_ok = True
    cfg = None
    try:
        cfg = read_config(ns)
    except InputError as exc:  # report the settings' problems beside the data's
        print(f"townmerge: {exc}", file=sys.stderr)
        settings_ok = False
    report = validate(ns.path, columns=column_map(ns), encoding=ns.encoding, crs=ns.crs,
                      config=cfg)
    if ns.lang == "zh":  # the problems themselves are listed in English, naming ids and names
        ok = report.ok and settings_ok
        more = "（详见下文）" if report.errors or report.warnings else ""
        settings = "" if settings_ok else "；设置文件有误（见上文）"
        print(f"校验{'通过' if ok else '未通过'}：数据{len(report.errors)}个错误、"
              f"{len(report.warnings)}个警告{more}{settings}", file=sys.stderr)
        if more:
            print(report, file=sys.stderr)
    else:
        print(report, file=sys.stderr)
    return EXIT_OK if report.ok and settings_ok else EXIT_INPUT


def _bounds(ns: argparse.Namespace, area: StudyArea, cfg: Config) -> dict[str, float] | None:
    """Figure bounds from ``--bound NAME=VALUE`` and ``--as-good-as PLAN``."""
    bounds: dict[str, float] = {}
    if ns.as_good_as:
        other = read_plan_file(ns, ns.as_good_as)
        bounds.update(figure_bounds(plan_metrics(area, other, config=cfg)))
    bounds.update(dict(ns.bound or []))
    return check_bounds(bounds) if bounds else None


def run_plan(ns: argparse.Namespace) -> int:
    """``townmerge plan``: one consolidation plan, checked and written as CSV.

    Examples
    --------
    >>> from townmerge.cli.commands import main
    >>> main(["plan", "area", "--method", "best"])
    2
    """
    cfg = read_config(ns)
    area = read_area(ns)
    start = read_plan_file(ns, ns.start) if ns.start else None
    bounds = _bounds(ns, area, cfg)
    plan = generate_plan(area, method=ns.method, target=ns.target, start=start, seed=ns.seed,
                         time_limit=ns.time_limit, config=cfg, bounds=bounds,
                         progress=show_progress(ns))
    check_plan(area, plan, config=cfg).raise_if_bad()
    write_plan(plan, ns.out, unit_order=area.unit_ids)
    s = summarize(area, plan)
    objective = plan_objective(area, plan, config=cfg)
    gap = plan.info.get("gap")
    rate = rate_text(s.units_before, s.units_after)
    say(ns, f"{ns.method}：{s.units_before}个单位 → {s.units_after}个（减幅{rate}）；目标函数 "
            f"{objective:.4f}" + (f"，最优性差距 {gap:.2%}" if isinstance(gap, float) else ""),
        f"{ns.method}: {s.units_before} → {s.units_after} units (−{rate}); objective "
        f"{objective:.4f}" + (f", optimality gap {gap:.2%}" if isinstance(gap, float) else ""))
    if bounds:
        figures = plan_metrics(area, plan, config=cfg)
        met = ", ".join(
            f"{name} ({figure_label(name, ns.lang)}) {figures[name]:.4g} "
            f"({'≥' if BETTER[name] == 'higher' else '≤'} {value:.4g})"
            for name, value in bounds.items())
        say(ns, f"满足的指标界限：{met}", f"figure bounds met: {met}")
    say(ns, f"已写出 {ns.out}", f"wrote {ns.out}")
    return 0


def run_ensemble(ns: argparse.Namespace) -> int:
    """``townmerge ensemble``: N plans and their co-occurrences, written together.

    Examples
    --------
    >>> from townmerge.cli.commands import main
    >>> main(["ensemble", "area", "-n", "0"])
    2
    """
    cfg = read_config(ns)
    area = read_area(ns)
    out = Path(ns.out)
    # each plan is written as soon as it is made to <out>.unfinished beside the folder, so a
    # run cut short keeps its finished plans there; the folder itself gets every plan and the
    # co-occurrences together at the end, or keeps the previous ones
    unfinished = out.with_name(out.name + ".unfinished")
    plans: list[Plan] = []

    def keep(p: Plan) -> None:  # in the order the plans finish: each under its member number
        member = int(p.info.get("member", len(plans)))
        write_plan(p, unfinished / f"plan_{member:03d}.csv", unit_order=area.unit_ids)
        plans.append(p)

    try:
        if ns.best:
            if ns.jobs or ns.scheduler:
                raise ParameterError("--jobs and --scheduler run randomised ensembles; the "
                                     "best plans (--best) are found one after another.")
            for p in best_plans(area, ns.n, target=ns.target, seed=ns.seed, config=cfg):
                keep(p)
        else:
            with where_to_run(ns) as where:
                plans[:] = generate_ensemble(area, ns.n, target=ns.target, seed=ns.seed,
                                             config=cfg, progress=show_progress(ns),
                                             on_plan=keep, **where)  # member order
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
    if ns.lang == "zh":
        print(f"{len(plans)}个方案（{distinct}种不同划分）和 co_occurrence.csv（曾同属一个新单位的"
              f"单位对及其所占方案比例），写入 {out}")
        return 0
    print(f"{len(plans)} plans ({distinct} distinct partitions) and co_occurrence.csv (unit "
          f"pairs ever in one new unit, with their share of the plans) in {out}")
    return 0
