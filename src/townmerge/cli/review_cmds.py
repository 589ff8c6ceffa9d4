"""``townmerge score``, ``seats``, ``tiers``, ``compare`` and ``report``: looking at plans.

``score`` scores every candidate merger with its reasons; ``seats`` chooses the
seat (驻地) of each new unit of a plan; ``tiers`` classifies settlements into
tiers (主城区/中心镇/中心村 …); ``compare`` sets the neutral figures of plans side
by side, with the status quo, and says which plans are dominated; ``report`` writes the
report of one plan, or of several compared, as one HTML file. Each ``run_*``
takes the parsed arguments and returns the exit status.

Examples
--------
>>> plan_labels(["2024/plan.csv", "2025/plan.csv"])
['2024/plan', '2025/plan']
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..data.plan import Plan
from ..evaluate.evaluation import evaluate_plan
from ..evaluate.glossary import GLOSSARY, figure_label
from ..score.figure_model import figure_model
from ..score.figures import dominated_by
from ..score.scorer import score_mergers, scorer_for
from ..score.seat_choice import choose_seat
from ..score.seats import seat_selector
from ..score.tiers import classify_tiers
from .inputs import read_area, read_config, read_plan_file, say, write_table

__all__ = ["STATUS_QUO", "plan_labels", "run_compare", "run_report", "run_score", "run_seats",
           "run_tiers"]

#: Label of the status quo column of ``townmerge compare``.
STATUS_QUO = "status quo"

#: The columns ``townmerge score --lang zh`` prints, with their Chinese headers.
SCORE_COLUMNS_ZH = {"member_names": "合并单位", "seat_name": "驻地", "total": "总分",
                    "band_zh": "建议", "feasible": "可行", "binding_detail_zh": "受限原因",
                    "reason_zh": "理由"}


def run_score(ns: argparse.Namespace) -> int:
    """``townmerge score``: every candidate merger's scores, the best printed.

    Examples
    --------
    >>> from townmerge.cli.commands import main
    >>> main(["score", "area", "--top", "0"])
    2
    """
    cfg = read_config(ns)
    area = read_area(ns)
    plan = read_plan_file(ns, ns.plan) if ns.plan else None
    table = score_mergers(area, plan, cfg)
    shown = table.head(ns.top)
    if ns.lang == "zh":
        shown = shown[list(SCORE_COLUMNS_ZH)].rename(columns=SCORE_COLUMNS_ZH)
        shown["可行"] = shown["可行"].map({True: "是", False: "否"})
        shown["合并单位"] = shown["合并单位"].map(lambda names: "、".join(map(str, names)))
    else:
        shown = shown[["member_names", "seat_name", "total", "band", "feasible", "binding",
                       "reason_en"]]
    with pd.option_context("display.max_colwidth", 90, "display.width", 200):
        print(shown.to_string())
    if table.attrs.get("notes"):
        print(("notes: " if ns.lang == "en" else "说明：")
              + "; ".join(table.attrs["notes" if ns.lang == "en" else "notes_zh"]))
    write_table(table, ns.out, "every candidate's scores", ns.lang)
    return 0


def run_seats(ns: argparse.Namespace) -> int:
    """``townmerge seats``: the seat of each new unit of a plan, with the reason.

    Examples
    --------
    >>> from townmerge.cli.commands import main
    >>> main(["seats", "area"])
    2
    """
    cfg = read_config(ns)
    area = read_area(ns)
    plan = read_plan_file(ns, ns.plan)
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
        shown = table[["seat_name", "moved", "named_after", "within_limit", "reason"]]
        if ns.lang == "zh":
            yes_no = {True: "是", False: "否"}
            shown = shown.assign(moved=shown["moved"].map(yes_no),
                                 within_limit=shown["within_limit"].map(yes_no)).rename(
                columns={"seat_name": "驻地", "moved": "迁移", "named_after": "沿用名称",
                         "within_limit": "时距达标", "reason": "理由"})
        print(shown.to_string())
    write_table(table, ns.out, "seats", ns.lang)
    return 0


def run_tiers(ns: argparse.Namespace) -> int:
    """``townmerge tiers``: the tier of every settlement, before or after a plan.

    Examples
    --------
    >>> from townmerge.cli.commands import main
    >>> main(["tiers", "area", "--town-quotas", "1,2"])
    2
    """
    cfg = read_config(ns)
    area = read_area(ns)
    plan = read_plan_file(ns, ns.plan) if ns.plan else None
    table = classify_tiers(area, plan, config=cfg, town_quotas=ns.town_quotas,
                           village_quotas=ns.village_quotas)
    col = "tier" if ns.lang == "zh" else "tier_en"
    for tier, group in table.groupby(col, sort=False):
        sep = "、" if ns.lang == "zh" else ", "
        names = sep.join(map(str, group["name"].head(30))) + (" …" if len(group) > 30 else "")
        say(ns, f"{tier}（{len(group)}个）：{names}", f"{tier} ({len(group)}): {names}")
    write_table(table, ns.out, "tiers", ns.lang)
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


def run_compare(ns: argparse.Namespace) -> int:
    """``townmerge compare``: the neutral figures of plans and the status quo.

    Examples
    --------
    >>> from townmerge.cli.commands import main
    >>> main(["compare", "area"])
    2
    """
    cfg = read_config(ns)
    area = read_area(ns)
    plans: dict[str, Plan] = {STATUS_QUO: Plan.identity(area.unit_ids)}
    for label, p in zip(plan_labels(ns.plans), ns.plans, strict=True):
        plans[label] = read_plan_file(ns, p)
    scorer = scorer_for(area, cfg)
    model = figure_model(area, cfg)
    evaluations = {name: evaluate_plan(area, p, scorer=scorer, model=model)
                   for name, p in plans.items()}
    table = pd.DataFrame({name: e.figures for name, e in evaluations.items()})
    for name, e in evaluations.items():  # a plan breaking a hard rule has no objective
        if not e.ok:
            print(f"{name}: {e.check.text(ns.lang)}", file=sys.stderr)
    shown = table.round(3)
    shown.insert(0, "指标" if ns.lang == "zh" else "figure",
                 [figure_label(str(k), ns.lang) for k in table.index])
    if ns.lang == "zh":
        shown = shown.rename(columns={STATUS_QUO: "现状"})
    print(shown.to_string())
    print("说明：" if ns.lang == "zh" else "meaning:")
    for key in table.index:
        f = GLOSSARY.get(str(key))
        if f is not None:
            meaning = f.meaning_zh if ns.lang == "zh" else f.meaning_en
            print(f"  {figure_label(str(key), ns.lang)}: {meaning}")
    for name, by in dominated_by(table).items():
        if by and ns.lang == "zh":
            print(f"{name} 被 {'、'.join(by)} 占优（各项中性指标和目标函数均不差，至少一项更好）")
        elif by:
            print(f"{name} is dominated by {', '.join(by)} (as good on every neutral figure and "
                  "the objective, better on one)")
    write_table(table, ns.out, "the comparison", ns.lang)
    return 0


def run_report(ns: argparse.Namespace) -> int:
    """``townmerge report``: the report of any plan (or several, compared) as one HTML file.

    Examples
    --------
    >>> from townmerge.cli.commands import main
    >>> main(["report", "area"])
    2
    """
    from ..render.report import write_report

    cfg = read_config(ns)
    area = read_area(ns)
    plans = {label: read_plan_file(ns, p)
             for label, p in zip(plan_labels(ns.plan, reserved=()), ns.plan, strict=True)}
    for plan in plans.values():
        plan.check_units(area.unit_ids)
    chosen: Plan | dict[str, Plan] = next(iter(plans.values())) if len(plans) == 1 else plans
    name = ns.plan_name or (next(iter(plans)) if len(plans) == 1 else None)
    out = write_report(area, chosen, ns.out, lang=ns.lang, title=ns.title, county=ns.county,
                       office=ns.office, plan_name=name, date=ns.date, config=cfg,
                       static_map=ns.figures, interactive_map=ns.interactive_map)
    say(ns, f"已写出 {out}", f"wrote {out}")
    return 0
