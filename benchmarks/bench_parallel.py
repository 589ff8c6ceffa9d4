"""Parallel ensembles and province runs: serial vs a 2-process pool vs a 2-worker Dask cluster.

Run from the repository root (Dask: ``pip install -e '.[dask]'``)::

    python benchmarks/bench_parallel.py              # the whole table (long: see below)
    python benchmarks/bench_parallel.py --quick      # small sizes, a minute or two

Three workloads, each run three ways on the same data with the same seeds, every run in a
child process of its own (so that its peak memory is its own): **serial** (``n_jobs=None``),
**pool** (``n_jobs=2``: a local process pool, the shared set-up shipped by the pool
initializer) and **Dask** (a ``LocalCluster`` of 2 worker processes, 1 thread each, the
set-up scattered to both). The plans of the three runs are compared plan for plan
(partition, names, seats and ``info`` minus its timing).

1. **County ensemble**: ``generate_ensemble(area, 200, target=13)`` on the sample county
   (``sample_county()``, 33 units).
2. **National ensemble**: ``generate_ensemble(area, 20, target=⅔ of the units)`` on the
   French communes of 2016 (``benchmarks/data/communes_2016.parquet``, EPSG:2154, invalid
   rings repaired, populations drawn log-normally as in ``bench_score.py``; no
   settlements, so the scorer has no flows).
3. **Province**: ``plan_province(towns, method="greedy")`` on ``synthetic_county(6850,
   seed=2)`` (the 6,850-township synthetic province of ``bench_flows.py``; its
   pseudo-counties of at most 90 townships are the counties), townships only.

Reported: wall time (the call only; the study area is built before the clock starts),
speed-up over serial, peak resident memory of the parent and of the largest worker
(``ru_maxrss``: the pool's workers are the child's children; Dask's are read with
``client.run``), and the serial part (set-up: adjacency and scorer, built once before any
member is started, plus the pickled set-up shipped to the workers). From the national
figures, a paper estimate of a 10,000-plan national ensemble on a 64-core cluster:
``set-up + ship + ceil(10000 / 64) × (seconds per plan and worker of the faster 2-worker
run)``: a worker fills its own memo of scored groups, which a serial run shares across its
members, so a worker's plan costs more than a serial one.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import resource
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

warnings.simplefilter("ignore")

import _machine  # noqa: E402  (benchmarks/_machine.py, beside this script)

import townmerge  # noqa: E402
from townmerge.datasets.synthetic import sample_county, synthetic_county  # noqa: E402
from townmerge.evaluate.province import plan_province  # noqa: E402
from townmerge.generate.ensemble import generate_ensemble  # noqa: E402
from townmerge.generate.parallel import dumps  # noqa: E402
from townmerge.generate.prepare import setup_problem  # noqa: E402

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "communes_2016.parquet"
FALLBACK = Path("/work/shared/data/france/communes_2016.parquet")
COMMAND = "python benchmarks/bench_parallel.py"
MODES = ("serial", "pool (n_jobs=2)", "Dask LocalCluster (2 workers)")


def fingerprint(plan: townmerge.Plan) -> str:
    info = {k: v for k, v in plan.info.items() if k != "seconds"}
    return repr((sorted(sorted(g) for g in plan.canonical()), sorted(plan.names.items()),
                 sorted(plan.seats.items()), sorted(info.items())))


def county_area() -> townmerge.StudyArea:
    c = sample_county()
    return townmerge.StudyArea(c.units, c.settlements, c.flows, c.roads)


def national_area(limit: int | None) -> townmerge.StudyArea:
    import geopandas as gpd
    import shapely

    gdf = gpd.read_parquet(DATA if DATA.exists() else FALLBACK).to_crs(2154)
    if limit:
        gdf = gdf[gdf["dep"].isin(sorted(gdf["dep"].unique())[:limit])]
    bad = ~shapely.is_valid(gdf.geometry.to_numpy())
    gdf.loc[bad, "geometry"] = shapely.make_valid(gdf.geometry.to_numpy()[bad])
    gdf["population"] = np.round(np.random.default_rng(2016).lognormal(np.log(450.0), 1.3,
                                                                         len(gdf)))
    return townmerge.StudyArea(gdf, unit_id="code", unit_name="nom", parent="dep")


def province_area(units: int) -> townmerge.StudyArea:
    c = synthetic_county(units, seed=2)
    return townmerge.StudyArea(c.units, c.settlements, c.flows, c.roads)


def _child(area: townmerge.StudyArea, work: Callable[..., list[str]], mode: str,
           out: Any) -> None:
    """Run one measurement in this (forked) process; send back times, memory, fingerprints.

    The area was built in the parent before the fork, with nothing derived yet: each run
    builds its adjacency, scorer … itself, inside the time measured.
    """
    kwargs: dict[str, Any] = {"n_jobs": None}  # serial: not the default "auto"
    cluster = client = None
    if mode.startswith("pool"):
        kwargs["n_jobs"] = 2
    elif mode.startswith("Dask"):
        from distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
        kwargs = {"executor": client}
    t0 = time.perf_counter()
    prints = work(area, **kwargs)
    wall = time.perf_counter() - t0
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if client is not None:
        rss = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        workers = max(rss.values())
        client.close()
        cluster.close()  # type: ignore[union-attr]
    out.put((wall, _machine.max_rss_mb(), workers if mode != "serial" else float("nan"),
             prints))


def measure(area: townmerge.StudyArea, work: Callable[..., list[str]],
            mode: str) -> tuple[float, float, float, list[str]]:
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(area, work, mode, q))
    p.start()
    result = q.get()
    p.join()
    return result


def serial_part(area: townmerge.StudyArea) -> tuple[float, float]:
    """Seconds of the set-up every run makes once (adjacency, scorer) and MB shipped."""
    copy = _machine.fresh(area)
    t0 = time.perf_counter()
    shared = setup_problem(copy, None, None, None, None)
    setup = time.perf_counter() - t0
    return setup, len(dumps((copy, shared))) / 1e6


def ensemble_work(n: int, target: Callable[[townmerge.StudyArea], int]
                  ) -> Callable[..., list[str]]:
    def work(a: townmerge.StudyArea, **kw: Any) -> list[str]:
        plans = generate_ensemble(a, n, target=target(a), progress=False, **kw)
        return [fingerprint(p) for p in plans]
    return work


def province_work(a: townmerge.StudyArea, **kw: Any) -> list[str]:
    run = plan_province(a, method="greedy", progress=False, **kw)
    return ([f"{c}:{fingerprint(r.township_plan)}" for c, r in run.results.items()]
            + [f"failed {f}" for f in run.failed.values()])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="20 county plans, 2 national plans on 3 départements, a "
                             "300-township province")
    parser.add_argument("--county-plans", type=int, help="default 200 (--quick: 20)")
    parser.add_argument("--national-plans", type=int, help="default 20 (--quick: 2)")
    parser.add_argument("--departements", type=int,
                        help="only the first N départements (default: all; --quick: 3)")
    parser.add_argument("--province-units", type=int, help="default 6850 (--quick: 300)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["county", "national",
                                                                  "province"])
    args = parser.parse_args(argv)
    quick = args.quick
    n_county, n_nat, deps, prov = (20, 2, 3, 300) if quick else (200, 20, None, 6850)
    n_county = args.county_plans or n_county
    n_nat = args.national_plans or n_nat
    deps = args.departements or deps
    prov = args.province_units or prov
    flags = " ".join(a for a in (argv if argv is not None else sys.argv[1:]))
    workloads: list[tuple[str, str, Callable[..., list[str]], Callable[[], Any]]] = [
        ("county", f"{n_county}-plan ensemble, sample county (33 units)",
         ensemble_work(n_county, lambda a: 13), county_area),
        ("national", f"{n_nat}-plan ensemble, French communes"
                     + (f" ({deps} départements)" if deps else ""),
         ensemble_work(n_nat, lambda a: 2 * len(a) // 3), lambda: national_area(deps)),
        ("province", f"province of {prov:,} synthetic townships, county by county (greedy)",
         province_work, lambda: province_area(prov)),
    ]
    print(f"Command: `{COMMAND}{' ' + flags if flags else ''}`, commit {_machine.commit()}.\n")
    print(f"Machine: {_machine.machine()}.\n")
    print("| workload | run | wall (s) | speed-up | peak MB (parent) | peak MB (largest "
          "worker) |")
    print("|---|---|---:|---:|---:|---:|", flush=True)
    notes = []
    per_plan = setup = ship = None
    serial_plan = float("nan")
    nat_units = 0
    for key, label, work, area_of in workloads:
        if key in args.skip:
            continue
        print(f"{label} …", file=sys.stderr, flush=True)
        area = area_of()
        results = {mode: measure(area, work, mode) for mode in MODES}
        base = results["serial"][0]
        same = all(results[m][3] == results["serial"][3] for m in MODES)
        for mode in MODES:
            wall, parent, worker, _ = results[mode]
            w = "—" if math.isnan(worker) else f"{worker:,.0f}"
            print(f"| {label} | {mode} | {wall:,.1f} | {base / wall:.2f}× | "
                  f"{parent:,.0f} | {w} |", flush=True)
        same_text = f"plans identical in the three runs: {'yes' if same else 'NO'}"
        if key == "province":  # each county builds its own set-up where it is planned
            mb = len(dumps(area)) / 1e6
            notes.append(f"- {label}: {same_text}; the province's layers shipped to each "
                         f"worker once: {mb:.1f} MB pickled.")
            continue
        s, mb = serial_part(area)
        notes.append(f"- {label}: {same_text}; serial set-up (adjacency + scorer) {s:.2f} s, "
                     f"shipped to each worker once: {mb:.1f} MB pickled.")
        if key == "national":
            # a worker's seconds per plan: each worker fills its own memo of scored groups,
            # which the serial run shares across all its members
            fastest = min(results[m][0] for m in MODES[1:])
            per_plan, setup, ship, nat_units = (fastest - s) * 2 / n_nat, s, mb, len(area)
            serial_plan = (base - s) / n_nat
    print()
    print("\n".join(notes))
    if per_plan is not None and setup is not None and ship is not None:
        est = (setup + ship / 100 + math.ceil(10_000 / 64) * per_plan) / 3600
        print(f"\nOn paper, from the {nat_units:,} communes measured: a 10,000-plan ensemble "
              f"of them on 64 cores ≈ {est:.1f} h "
              f"(set-up {setup:.1f} s once, {ship:.0f} MB shipped to each worker at an "
              f"assumed 100 MB/s, then ceil(10000 / 64) = 157 rounds of {per_plan:.1f} s "
              f"per plan, a 2-worker run's seconds per plan and worker, against "
              f"{serial_plan:.1f} s serially; one copy of the area per worker).")
    print("\nWhat stays serial: building the study area, the adjacency and the scorer "
          "(once, in the caller), pickling it and starting the workers; results are "
          "gathered in member order. Where the speed-up stops: a serial run shares one memo "
          "of scored groups across its members, while each worker fills its own, so a "
          "worker's plan costs more than a serial one.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
