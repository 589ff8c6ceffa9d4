"""The ``townmerge`` command.

``townmerge demo`` runs the main job on the sample county; ``validate`` checks
input files (exit 0 when valid, 1 with fatal problems; the report goes to
stderr); ``plan``, ``score``, ``seats``, ``tiers``, ``ensemble`` and
``compare`` run each step on any study area; ``make-sample`` regenerates the
sample county byte for byte.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .columns import ColumnMap
from .config import Config
from .errors import InfeasibleError, InputError, TownmergeError
from .evaluate import check_plan, compare_plans, merged_units, plan_metrics, summarize
from .figures import BETTER, check_bounds, dominated_by, figure_bounds
from .generate import best_plans, co_occurrence, generate_ensemble, generate_plan
from .i18n import fmt_population
from .io import (
    Layers,
    read_plan,
    read_study_area,
    validate,
    write_geojson,
    write_layers,
    write_plan,
)
from .model import StudyArea
from .plan import Plan
from .render import before_after_map, save_map
from .render.report import count_sentences, render_report, report_figures, save_report
from .score import plan_objective, score_mergers
from .seats import SeatSelector, choose_seat
from .tiers import classify_tiers

__all__ = ["build_parser", "main"]

#: Where the sample county lives in a source checkout.
SAMPLE_DIR = Path("sample_shapes") / "county"
_COLUMN_KEYS = ("unit_id", "unit_name", "population", "kind", "terrain", "parent", "locked",
                "seat", "settlement_id", "settlement_name", "settlement_population",
                "settlement_kind", "settlement_unit", "origin", "destination")


def _column_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("column roles (input column names)")
    for key in _COLUMN_KEYS:
        g.add_argument(f"--{key.replace('_', '-')}", dest=key, metavar="COLUMN")


def _columns(ns: argparse.Namespace) -> ColumnMap:
    return ColumnMap(**{k: getattr(ns, k, None) for k in _COLUMN_KEYS})


def _area_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="study area: folder, GeoPackage or units file")
    p.add_argument("--config", help="settings in TOML (see townmerge.Config)")
    _column_args(p)


def _config(ns: argparse.Namespace) -> Config:
    return Config.from_file(ns.config) if getattr(ns, "config", None) else Config()


def _area(ns: argparse.Namespace) -> StudyArea:
    return read_study_area(ns.path, columns=_columns(ns))


def _sample_area(path: str | None) -> StudyArea:
    if path is not None:
        return read_study_area(path)
    if SAMPLE_DIR.is_dir():
        return read_study_area(SAMPLE_DIR)
    from .synth import sample_county  # installed without the repository: regenerate it

    s = sample_county()
    return StudyArea(s.units, s.settlements, s.flows, s.roads)


def _write_table(frame: pd.DataFrame, out: str | None, what: str) -> None:
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(out, encoding="utf-8")
        print(f"wrote {what} to {out}")


# -- commands ----------------------------------------------------------------------------------
def _demo_plan(area: StudyArea, target: int) -> Plan:
    """The best plan the settings allow: fewest new units below their floor, then the objective.

    Both proven by the exact model: the bound on the share below the floor is
    tightened one unit at a time from 0 until a plan exists.
    """
    if not area.has_population:
        return generate_plan(area, method="exact", target=target)
    for below in range(target + 1):
        try:
            return generate_plan(area, method="exact", target=target,
                                 bounds={"share_below_floor": below / target})
        except InfeasibleError:
            continue
    return generate_plan(area, method="exact", target=target)  # raises: no feasible plan


def _demo(ns: argparse.Namespace) -> int:
    area = _sample_area(ns.data)
    plan = _demo_plan(area, ns.target)
    check_plan(area, plan)
    out = Path(ns.out)
    out.mkdir(parents=True, exist_ok=True)
    write_plan(plan, out / "plan.csv", unit_order=area.unit_ids)
    merged = merged_units(area, plan)
    write_geojson(merged.to_crs(area.input_crs), out / "merged_units.geojson")
    before = area.units.assign(new_unit=[plan.assignment[u] for u in area.unit_ids])
    m = before_after_map(before, merged, settlements=area.settlements, lang=ns.lang,
                         tiles=ns.tiles, title=ns.title)
    save_map(m, out / "before_after.html")
    figures = report_figures(area, plan)
    save_report(render_report(figures, lang=ns.lang, title=ns.title), out / "report.html")
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
    return 0


def _make_sample(ns: argparse.Namespace) -> int:
    from .synth import sample_county

    s = sample_county(seed=ns.seed)
    out = write_layers(ns.out, Layers(s.units, s.settlements, s.flows, s.roads),
                       extra={"villages": s.villages})
    print(f"wrote the synthetic sample county (seed {ns.seed}) to {out}")
    return 0


def _validate(ns: argparse.Namespace) -> int:
    report = validate(ns.path, columns=_columns(ns))
    print(report, file=sys.stderr)
    return 0 if report.ok else 1


def _bounds(ns: argparse.Namespace, area: StudyArea, cfg: Config) -> dict[str, float] | None:
    """Figure bounds from ``--bound NAME=VALUE`` and ``--as-good-as PLAN``."""
    bounds: dict[str, float] = {}
    if ns.as_good_as:
        other = read_plan(ns.as_good_as)
        bounds.update(figure_bounds(plan_metrics(area, other, config=cfg)))
    bad = []
    for item in ns.bound or []:
        name, sep, value = item.partition("=")
        try:
            bounds[name.strip()] = float(value)
        except ValueError:
            bad.append(item)
        if not sep:
            bad.append(item)
    if bad:
        raise InputError(f"--bound takes NAME=VALUE, e.g. population_cv=0.6; got "
                         f"{', '.join(repr(b) for b in bad)}.")
    return check_bounds(bounds) if bounds else None


def _plan(ns: argparse.Namespace) -> int:
    area, cfg = _area(ns), _config(ns)
    start = read_plan(ns.start) if ns.start else None
    bounds = _bounds(ns, area, cfg)
    plan = generate_plan(area, method=ns.method, target=ns.target, start=start, seed=ns.seed,
                         time_limit=ns.time_limit, config=cfg, bounds=bounds)
    check_plan(area, plan)
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
    area, cfg = _area(ns), _config(ns)
    plan = read_plan(ns.plan) if ns.plan else None
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
    area, cfg = _area(ns), _config(ns)
    plan = read_plan(ns.plan)
    plan.check_units(area.unit_ids)
    selector = SeatSelector(area, cfg)
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


def _quotas(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        return [int(x) for x in text.split(",")]
    except ValueError:
        raise InputError(f"Quotas are whole numbers separated by commas, e.g. 3,2,7,14; "
                         f"got {text!r}.") from None


def _tiers(ns: argparse.Namespace) -> int:
    area, cfg = _area(ns), _config(ns)
    plan = read_plan(ns.plan) if ns.plan else None
    table = classify_tiers(area, plan, config=cfg, town_quotas=_quotas(ns.town_quotas),
                           village_quotas=_quotas(ns.village_quotas))
    col = "tier" if ns.lang == "zh" else "tier_en"
    for tier, group in table.groupby(col, sort=False):
        print(f"{tier} ({len(group)}): " + "、".join(map(str, group["name"].head(30)))
              + (" …" if len(group) > 30 else ""))
    _write_table(table, ns.out, "tiers")
    return 0


def _ensemble(ns: argparse.Namespace) -> int:
    area, cfg = _area(ns), _config(ns)
    if ns.best:
        plans = best_plans(area, ns.n, target=ns.target, seed=ns.seed, config=cfg)
    else:
        plans = generate_ensemble(area, ns.n, target=ns.target, seed=ns.seed, config=cfg,
                                  progress=True)
    co = co_occurrence(plans)
    out = Path(ns.out)
    out.mkdir(parents=True, exist_ok=True)
    for i, p in enumerate(plans):
        write_plan(p, out / f"plan_{i:03d}.csv", unit_order=area.unit_ids)
    co.to_csv(out / "co_occurrence.csv", encoding="utf-8")
    distinct = len({p.canonical() for p in plans})
    print(f"{len(plans)} plans ({distinct} distinct partitions) and co_occurrence.csv in {out}")
    return 0


def _compare(ns: argparse.Namespace) -> int:
    area, cfg = _area(ns), _config(ns)
    plans: dict[str, Plan] = {"status quo": Plan.identity(area.unit_ids)}
    for p in ns.plans:
        plans[Path(p).stem] = read_plan(p)
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
    p = argparse.ArgumentParser(prog="townmerge", description=(__doc__ or "").splitlines()[0])
    version = importlib.metadata.version("townmerge")
    p.add_argument("--version", action="version", version=f"townmerge {version}")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="merge the sample county's townships and write the outputs")
    d.add_argument("--data", help="study area folder (default: the sample county)")
    d.add_argument("--target", type=int, default=13, help="number of units after (default 13)")
    d.add_argument("--out", default="out", help="output folder (default out/)")
    d.add_argument("--lang", choices=("zh", "en"), default="zh")
    d.add_argument("--tiles", default=None,
                   help="base map tiles, e.g. OpenStreetMap (default: none, works offline)")
    d.add_argument("--title", default=None)
    d.set_defaults(func=_demo)

    s = sub.add_parser("make-sample", help="regenerate the synthetic sample county, byte for byte")
    s.add_argument("out", help="output folder, e.g. sample_shapes/county")
    s.add_argument("--seed", type=int, default=2019)
    s.set_defaults(func=_make_sample)

    v = sub.add_parser("validate", help="check input files and list every problem")
    v.add_argument("path", help="folder, GeoPackage or units file")
    _column_args(v)
    v.set_defaults(func=_validate)

    g = sub.add_parser("plan", help="generate a consolidation plan (plan CSV)")
    _area_args(g)
    g.add_argument("--method", choices=("greedy", "exact", "search"), default="greedy")
    g.add_argument("--target", type=int, help="number of new units (default: from the floors)")
    g.add_argument("--start", help="plan CSV of mergers fixed beforehand")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--time-limit", type=float, dest="time_limit")
    g.add_argument("--bound", action="append", metavar="NAME=VALUE",
                   help="exact or search method: worst allowed value of a neutral figure, e.g. "
                        "population_cv=0.6 or flow_kept_population=0.55 (repeatable)")
    g.add_argument("--as-good-as", dest="as_good_as", metavar="PLAN",
                   help="exact or search method: the best plan at least as good as this plan "
                        "CSV on "
                        "flow kept, population CV, share below floor, mean and worst minutes "
                        "to the seat and compactness")
    g.add_argument("--out", default="plan.csv")
    g.set_defaults(func=_plan)

    sc = sub.add_parser("score", help="score every candidate merger, with reasons")
    _area_args(sc)
    sc.add_argument("--plan", help="score mergers of this plan's new units")
    sc.add_argument("--top", type=int, default=20, help="rows to print (default 20)")
    sc.add_argument("--lang", choices=("zh", "en"), default="zh")
    sc.add_argument("--out", help="CSV with every candidate")
    sc.set_defaults(func=_score)

    se = sub.add_parser("seats", help="choose the seat (驻地) of each new unit of a plan")
    _area_args(se)
    se.add_argument("--plan", required=True)
    se.add_argument("--lang", choices=("zh", "en"), default="zh")
    se.add_argument("--out")
    se.set_defaults(func=_seats)

    t = sub.add_parser("tiers", help="classify settlements into tiers (主城区/中心镇/中心村 …)")
    _area_args(t)
    t.add_argument("--plan", help="classify after this plan")
    t.add_argument("--town-quotas", dest="town_quotas",
                   help="exact counts of 主城区,副中心,中心镇,特色镇, e.g. 3,2,7,14")
    t.add_argument("--village-quotas", dest="village_quotas",
                   help="exact counts of 中心村,特色村, e.g. 58,20")
    t.add_argument("--lang", choices=("zh", "en"), default="zh")
    t.add_argument("--out")
    t.set_defaults(func=_tiers)

    e = sub.add_parser("ensemble", help="N diverse plans and their co-occurrence matrix")
    _area_args(e)
    e.add_argument("-n", type=int, default=100)
    e.add_argument("--target", type=int)
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--best", action="store_true",
                   help="the n best plans in order, each proven by the exact model, instead "
                        "of randomised plans")
    e.add_argument("--out", default="ensemble")
    e.set_defaults(func=_ensemble)

    c = sub.add_parser("compare", help="neutral figures of plans side by side")
    _area_args(c)
    c.add_argument("plans", nargs="+", help="plan CSV files")
    c.add_argument("--out")
    c.set_defaults(func=_compare)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (0 ok, 1 bad input, 2 other failure).

    Examples
    --------
    >>> main(["--version"])  # doctest: +SKIP
    townmerge 0.1.0
    """
    ns = build_parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            return int(ns.func(ns))
    except InputError as exc:
        print(f"townmerge: {exc}", file=sys.stderr)
        return 1
    except TownmergeError as exc:
        print(f"townmerge: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
