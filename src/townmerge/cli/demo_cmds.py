"""``townmerge demo``, ``make-sample`` and ``sichuan``: the data that comes with townmerge.

``demo`` merges the sample county's townships with the exact model and writes
the plan, the merged units, the before/after map and the report together (all
four or none); ``make-sample`` regenerates the synthetic sample county byte for
byte; ``sichuan`` counts Sichuan's township and village reform from the real
code tables. Each ``run_*`` takes the parsed arguments and returns the exit
status.

Examples
--------
>>> from townmerge.cli.commands import build_parser
>>> build_parser().parse_args(["demo"]).func is run_demo
True
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..config import Config
from ..data.atomic import atomic_folder
from ..data.io import Layers
from ..data.model import StudyArea
from ..data.plan import Plan
from ..data.plan_csv import write_plan
from ..data.writers import write_geojson, write_layers
from ..errors import EXIT_OK, InfeasibleError
from ..evaluate.metrics import merged_units, plan_breaches, summarize
from ..evaluate.three_levels import Reform, plan_reform
from ..generate import generate_plan
from ..i18n import fmt_population
from ..render import (
    ReportOptions,
    before_after_map,
    count_sentences,
    reform_report,
    render_report,
    report_figures,
    save_map,
    save_report,
)
from ..render.report import static_figures
from .inputs import read_config, sample_area, sample_villages, say, say_data_notes

__all__ = ["run_demo", "run_make_sample", "run_sichuan"]


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


#: The reference county's village-level targets (建制村 132 → 83, 社区 110 → 79).
SAMPLE_VILLAGE_TARGETS = {"village": 83, "community": 79}


def _reform(ns: argparse.Namespace, area: StudyArea, plan: Plan, config: Config) -> Reform | None:
    """The villages and groups nested in ``plan`` (None when the data has no village level)."""
    villages = sample_villages(ns.data, ns.encoding)
    if villages is None:
        return None
    targets = {k: v for k, v in (("village", ns.village_target),
                                 ("community", ns.community_target)) if v is not None}
    if ns.data is None and not targets:
        targets = dict(SAMPLE_VILLAGE_TARGETS)
    return plan_reform(area, villages, township_plan=plan, targets=targets, method="exact")


def run_demo(ns: argparse.Namespace) -> int:
    """``townmerge demo``: the best plan for the sample county (or ``--data``), and its outputs.

    Examples
    --------
    >>> from townmerge.cli.commands import main
    >>> main(["demo", "--target", "0"])
    2
    """
    cfg = read_config(ns)
    area = sample_area(ns.data, ns.encoding)
    say_data_notes(ns, area)
    plan = _demo_plan(area, ns.target, cfg)
    breaches = plan_breaches(area, plan, config=cfg)  # none from the exact model: say so if any
    reform = _reform(ns, area, plan, cfg)
    out = Path(ns.out)
    with atomic_folder(out) as files:  # every file together, or the previous ones
        write_plan(plan, files.path("plan.csv"), unit_order=area.unit_ids)
        if reform is not None:
            write_plan(reform.village_plan, files.path("village_plan.csv"),
                       unit_order=reform.villages.unit_ids)
            reform.change_log().to_csv(files.path("changes.csv"), index=False)
            wording = reform.wording(ns.lang).join(
                reform.checklist_table(ns.lang).groupby("new_unit")["status"]
                .agg(lambda s: "、".join(sorted(set(s)))).rename("checklist"))
            wording.to_csv(files.path("village_mergers.csv"))
        merged = merged_units(area, plan)
        write_geojson(merged.to_crs(area.input_crs), files.path("merged_units.geojson"))
        m = before_after_map(area, plan, lang=ns.lang, tiles=ns.tiles, title=ns.title,
                             breaches=breaches, config=cfg,
                             villages=None if reform is None
                             else (reform.villages, reform.village_plan))
        save_map(m, files.path("before_after.html"))
        figures = report_figures(area, plan, config=cfg)
        # the report shows the static figures (they print) and embeds the map (on screen)
        options = ReportOptions(title=ns.title, map_html=str(m.get_root().render()),
                                images=static_figures(area, plan, lang=ns.lang, config=cfg))
        if reform is None:
            page = render_report(figures, lang=ns.lang, options=options)
        else:  # every level: the township part, the village part, groups, the change log
            page = reform_report(reform, lang=ns.lang, config=cfg, options=options)
        save_report(page, files.path("report.html"))
    s = summarize(area, plan)
    zh = ns.lang == "zh"
    for sentence in count_sentences(figures, ns.lang):
        print(sentence)
    if reform is not None:  # the whole reform: townships, villages, communities, groups
        for sentence in reform.summary(ns.lang)[1:]:  # the townships are above
            print(sentence)
    print(("总人口：调整前 {p0}，调整后 {p1}" if zh else "Population: before {p0}, after {p1}")
          .format(p0=fmt_population(s.population_before, ns.lang),
                  p1=fmt_population(s.population_after, ns.lang)))
    for gid, row in merged.sort_values("population", ascending=False).iterrows():
        print(f"  {gid} {row['name']}: {fmt_population(row['population'], ns.lang)}"
              f"  ({row['member_names']})")
    names = ["before_after.html", "report.html", "plan.csv", "merged_units.geojson"]
    if reform is not None:
        names += ["village_plan.csv", "changes.csv", "village_mergers.csv"]
    written = ", ".join(str(out / n) for n in names)
    say(ns, f"已写出 {written}", f"wrote {written}")
    for b in breaches:  # also at the top of the report and the map
        print(f"townmerge: warning: {b.text(ns.lang)}", file=sys.stderr)
    return 0


def run_make_sample(ns: argparse.Namespace) -> int:
    """``townmerge make-sample``: write the synthetic sample county of ``--seed`` to ``out``.

    Examples
    --------
    >>> from townmerge.cli.commands import main
    >>> main(["make-sample", "out", "--seed", "-1"])
    2
    """
    from ..datasets.synthetic import sample_county

    s = sample_county(seed=ns.seed)
    out = write_layers(ns.out, Layers(s.units, s.settlements, s.flows, s.roads),
                       extra={"villages": s.villages})
    say(ns, f"已将合成样例县（种子 {ns.seed}）写入 {out}",
        f"wrote the synthetic sample county (seed {ns.seed}) to {out}")
    return 0


def run_sichuan(ns: argparse.Namespace) -> int:
    """``townmerge sichuan``: the reform's counts per county and for the province.

    Examples
    --------
    >>> from townmerge.cli.commands import main
    >>> main(["sichuan", "--lang", "fr"])
    2
    """
    from ..evaluate.reform import sichuan_summary, summary_text, write_summary

    summary = sichuan_summary(ns.data)
    print(summary_text(summary, ns.lang))
    if ns.out:
        for path in write_summary(summary, ns.out):
            print(f"→ {path}")
    return EXIT_OK

