"""The ``townmerge`` command.

``townmerge demo`` runs the main job on the sample county; ``townmerge validate
PATH`` checks input files (exit 0 when valid, 1 with fatal problems; the report
goes to stderr); ``townmerge make-sample OUT`` regenerates the sample county.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .columns import ColumnMap
from .errors import InputError, TownmergeError
from .evaluate import check_plan, merged_units, summarize
from .generate import greedy_plan
from .i18n import fmt_population
from .io import Layers, read_study_area, validate, write_geojson, write_layers, write_plan
from .model import StudyArea
from .render import before_after_map, save_map

__all__ = ["main"]

#: Where the sample county lives in a source checkout.
SAMPLE_DIR = Path("sample_shapes") / "county"


def _column_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("column roles (input column names)")
    for key in ("unit_id", "unit_name", "population", "kind", "terrain", "parent", "locked",
                "seat", "settlement_id", "settlement_name", "settlement_population",
                "settlement_kind", "settlement_unit", "origin", "destination"):
        g.add_argument(f"--{key.replace('_', '-')}", dest=key, metavar="COLUMN")


def _columns(ns: argparse.Namespace) -> ColumnMap:
    return ColumnMap(**{k: getattr(ns, k) for k in ColumnMap.__dataclass_fields__})


def _sample_area(path: str | None) -> StudyArea:
    if path is not None:
        return read_study_area(path)
    if SAMPLE_DIR.is_dir():
        return read_study_area(SAMPLE_DIR)
    from .synth import sample_county  # installed without the repository: regenerate it

    s = sample_county()
    return StudyArea(s.units, s.settlements, s.flows, s.roads)


def _demo(ns: argparse.Namespace) -> int:
    area = _sample_area(ns.data)
    plan = greedy_plan(area, target=ns.target)
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
    s = summarize(area, plan)
    zh = ns.lang == "zh"
    print(("乡镇（街道）由 {b} 个减为 {a} 个，减少 {n} 个，减幅 {r:.1%}" if zh else
           "Units: {b} → {a} ({n} fewer, −{r:.1%})").format(
        b=s.units_before, a=s.units_after, n=s.reduction, r=s.reduction_rate))
    print(("总人口：调整前 {p0}，调整后 {p1}" if zh else "Population: before {p0}, after {p1}")
          .format(p0=fmt_population(s.population_before, ns.lang),
                  p1=fmt_population(s.population_after, ns.lang)))
    for gid, row in merged.sort_values("population", ascending=False).iterrows():
        print(f"  {gid} {row['name']}: {fmt_population(row['population'], ns.lang)}"
              f"  ({row['member_names']})")
    print(f"wrote {out / 'before_after.html'}, {out / 'plan.csv'}, "
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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``townmerge`` command."""
    p = argparse.ArgumentParser(prog="townmerge", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"townmerge {__version__}")
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
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status.

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
