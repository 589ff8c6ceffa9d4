"""Merger scoring, seats and tiers: the 35,927 French communes and the 33-unit sample county.

Run from the repository root::

    python benchmarks/bench_score.py              # prints a markdown snippet
    python benchmarks/bench_score.py --repeats 5

France: the communes of ``benchmarks/data/communes_2016.parquet`` (falls back to
``/work/shared/data/france/communes_2016.parquet``), projected to EPSG:2154
(Lambert-93), with ``dep`` as the parent (county). The file has no population: a
**synthetic** one is drawn from a seeded lognormal (median 450, σ = 1.3; seed
2016), so the figures measure speed, not France. The two communes with a
self-intersecting ring (14174, 62549) are repaired with ``shapely.make_valid``
(StudyArea refuses invalid geometry). There are no settlements, so the flow,
accessibility, strong-core and continuity criteria and the travel-time limit
have no data: they are NaN, left out of the totals (weights renormalised), and
the output's notes say so. Timed: every adjacent pair through
``MergerScorer.score_groups`` (the generators' fast path), and through
``score_mergers(..., candidates="pairs")`` with the reason sentences; the
study area and adjacency are built once beforehand and timed separately.

County: ``townmerge.datasets.synthetic.sample_county()`` (33 units, 242 settlements, 3,819
observed flows, 337 roads). Timed: building the scorer (travel network,
settlement flows, centrality), scoring every candidate (adjacent pairs and
contiguous groups of up to 4 around units below their floor), the full
``score_mergers`` table, ``plan_objective`` and ``classify_tiers``.

Each case runs ``--repeats`` times on fresh objects (no warm caches); the median
and the best are reported, with ``time.perf_counter``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _machine  # benchmarks/_machine.py, beside this script
import geopandas as gpd
import numpy as np
import shapely

import townmerge
from townmerge.data.plan import Plan
from townmerge.datasets.synthetic import sample_county
from townmerge.score.plan_scores import plan_objective
from townmerge.score.scorer import MergerScorer, score_mergers
from townmerge.score.tiers import classify_tiers

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "communes_2016.parquet"
FALLBACK = Path("/work/shared/data/france/communes_2016.parquet")
COMMAND = "python benchmarks/bench_score.py"
SEED = 2016


def timed(fn: Callable[[Any], Any], repeats: int, area: Any) -> tuple[list[float], Any]:
    """Time ``fn(copy)`` ``repeats`` times, each on a fresh copy of ``area`` (made untimed).

    A study area keeps what it derives (adjacency, travel network, flows), so each run gets
    a copy with nothing cached: no warm caches.
    """
    times, out = [], None
    for _ in range(repeats):
        copy = _machine.fresh(area)
        t0 = time.perf_counter()
        out = fn(copy)
        times.append(time.perf_counter() - t0)
    return times, out


def fmt(ts: list[float]) -> str:
    return f"{statistics.median(ts):.3f} | {min(ts):.3f}"


def france(repeats: int) -> tuple[list[str], dict[str, Any]]:
    path = DATA if DATA.exists() else FALLBACK
    gdf = gpd.read_parquet(path).to_crs(2154)
    bad = ~shapely.is_valid(gdf.geometry.to_numpy())
    gdf.loc[bad, "geometry"] = shapely.make_valid(gdf.geometry.to_numpy()[bad])
    rng = np.random.default_rng(SEED)
    gdf["population"] = np.round(rng.lognormal(np.log(450.0), 1.3, len(gdf)))
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        area = townmerge.StudyArea(gdf, unit_id="code", unit_name="nom", parent="dep")
    t_area = time.perf_counter() - t0
    t0 = time.perf_counter()
    edges = townmerge.build_adjacency(area)
    t_adj = time.perf_counter() - t0
    pairs = list(zip(edges["unit_a"], edges["unit_b"], strict=True))

    def fast(a: Any) -> Any:
        return MergerScorer(a, edges=edges).score_groups(pairs)

    def full(a: Any) -> Any:
        return score_mergers(a, edges=edges, candidates="pairs")

    t_fast, frame = timed(fast, repeats, area)
    t_full, table = timed(full, repeats, area)
    rows = [
        f"| France: `MergerScorer(area, edges=edges).score_groups(pairs)` | {len(pairs):,} "
        f"pairs | {fmt(t_fast)} |",
        f"| France: `score_mergers(area, edges=edges, candidates=\"pairs\")` (with reasons) | "
        f"{len(table):,} pairs | {fmt(t_full)} |",
    ]
    info = {
        "n_units": len(area), "n_pairs": len(pairs), "t_area": t_area, "t_adj": t_adj,
        "feasible": int(frame["feasible"].sum()),
        "binding": frame["binding"][frame["binding"] != ""].value_counts().to_dict(),
        "bands": frame["band"].value_counts().to_dict(),
        "notes": table.attrs.get("notes", []), "path": path, "repaired": int(bad.sum()),
        "t_fast": statistics.median(t_fast), "t_full": statistics.median(t_full),
    }
    return rows, info


def county(repeats: int) -> tuple[list[str], dict[str, Any]]:
    c = sample_county()
    area = townmerge.StudyArea(c.units, c.settlements, c.flows, c.roads)
    edges = townmerge.build_adjacency(area)
    t_init, scorer = timed(lambda a: MergerScorer(a, edges=edges), repeats, area)
    cand = scorer.candidates()
    groups = list(cand["units"])

    def fast(a: Any) -> Any:
        return MergerScorer(a, edges=edges).score_groups(groups)

    t_fast, frame = timed(fast, repeats, area)
    t_full, table = timed(lambda a: score_mergers(a, edges=edges), repeats, area)
    plan = Plan.from_groups({f"N{i}": list(g) for i, g in enumerate(
        [("511025115", "511025116", "511025214"), ("511025107", "511025113")])}
        | {u: [u] for u in area.unit_ids if u not in
           ("511025115", "511025116", "511025214", "511025107", "511025113")})
    t_obj, objective = timed(lambda a: plan_objective(a, plan, edges=edges), repeats, area)
    t_tiers, tiers = timed(lambda a: classify_tiers(a, town_quotas=(3, 2, 7, 14)), repeats,
                           area)
    one = MergerScorer(area, edges=edges)
    one.score_groups(groups[:1])
    t_one, _ = timed(lambda _a: one.score_groups([groups[1]]), max(repeats, 20), None)
    rows = [
        f"| County: `MergerScorer(area, edges=edges)` (travel network, flows, centrality) | "
        f"{len(area.unit_ids)} units | {fmt(t_init)} |",
        f"| County: `score_groups` on every candidate (pairs + groups of ≤ 4) | "
        f"{len(groups):,} groups | {fmt(t_fast)} |",
        f"| County: `score_mergers(area)` (candidates, seats, reasons) | {len(table):,} rows | "
        f"{fmt(t_full)} |",
        f"| County: `score_groups` on one group (warm scorer; generators' single call) | 1 "
        f"group | {fmt(t_one)} |",
        f"| County: `plan_objective(area, plan)` | {plan.n_new} new units | {fmt(t_obj)} |",
        f"| County: `classify_tiers(area, town_quotas=(3, 2, 7, 14))` | "
        f"{len(area.settlements)} settlements | "
        f"{fmt(t_tiers)} |",
    ]
    info = {"n_candidates": len(groups), "objective": objective,
            "bands": table["band"].value_counts().to_dict(),
            "binding": table["binding"][table["binding"] != ""].value_counts().to_dict(),
            "tiers": tiers[tiers["level"] == "town"]["tier"].value_counts().to_dict(),
            "frame_rows": len(frame), "n_units": len(area.unit_ids),
            "t_fast": statistics.median(t_fast), "t_full": statistics.median(t_full)}
    return rows, info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-france", action="store_true", help="county only")
    args = parser.parse_args()
    started = dt.datetime.now(dt.UTC)
    rows_c, info_c = county(args.repeats)
    rows_f, info_f = ([], {}) if args.no_france else france(args.repeats)
    print("## Merger scoring, seats and tiers\n")
    print(f"Command: `{COMMAND}` ({args.repeats} runs each, {started:%Y-%m-%d %H:%M} UTC).  ")
    print(f"Machine: {_machine.machine()}.  ")
    print(f"Commit: townmerge {_machine.commit()}.  ")
    print(f"Versions: Python {platform.python_version()}, " + ", ".join(
        f"{m.__name__} {m.__version__}" for m in (townmerge, np, gpd, shapely)) + ".\n")
    print("| case | size | median (s) | best (s) |")
    print("|---|---:|---:|---:|")
    for r in rows_f + rows_c:
        print(r)
    if info_f:
        print(f"\nFrance ({info_f['path'].name}): {info_f['n_units']:,} communes, "
              f"{info_f['n_pairs']:,} adjacent pairs. Not timed above: StudyArea "
              f"{info_f['t_area']:.1f} s (validation), build_adjacency {info_f['t_adj']:.2f} s. "
              "Population: synthetic, seeded lognormal (median 450, σ 1.3, seed 2016); there "
              f"is none in the file. {info_f['repaired']} invalid communes repaired with "
              "`shapely.make_valid`. Without settlements the flow, accessibility, strong-core "
              "and continuity criteria and the travel-time limit have no data: NaN, left out, "
              "weights renormalised. "
              f"Feasible pairs: {info_f['feasible']:,}; binding constraints: "
              f"{info_f['binding']}; bands: {info_f['bands']}.")
    print(f"\nCounty: {info_c['n_candidates']} candidates; bands {info_c['bands']}; binding "
          f"{info_c['binding']}; objective of the example plan {info_c['objective']:.3f}; town "
          f"tiers with quotas 3/2/7/14: {info_c['tiers']}.")
    targets = []
    if info_f:
        targets.append(f"every adjacent pair of the {info_f['n_units']:,} French communes under "
                       f"10 s — measured {info_f['t_fast']:.2f} s ({info_f['t_full']:.2f} s with "
                       "the reason sentences)")
    targets.append(f"a {info_c['n_units']}-unit county with groups of up to 4 under 1 s — "
                   f"measured {info_c['t_fast']:.2f} s ({info_c['t_full']:.2f} s with seats and "
                   "reasons)")
    print("\nTargets (issue 4): " + "; ".join(targets) + ".")


if __name__ == "__main__":
    main()
