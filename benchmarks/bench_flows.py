"""Travel times and gravity flows on a synthetic province of 50,000 settlements.

Run from the repository root::

    python benchmarks/bench_flows.py                 # prints a markdown section
    python benchmarks/bench_flows.py --units 1000    # a smaller area, for a quick look
    python benchmarks/bench_flows.py --cache /tmp/province.pkl   # keep the generated data

The province is ``townmerge.datasets.synthetic.synthetic_county(6850, seed=2)``: 6,850 townships,
about 50,000 settlements, 91,000 road segments and 800,000 observed flows. It is generated
once in a subprocess and pickled (``--cache`` keeps the file between runs).

Every case then runs in a fresh subprocess (same interpreter): it loads the pickle, builds
the ``StudyArea`` (not timed), and times the call with ``time.perf_counter``. Memory is the
process's peak resident set (``resource.getrusage(RUSAGE_SELF).ru_maxrss``): both the
absolute peak, which counts the loaded study area, and its growth during the call.

Cases (travel-time cut-off 60 minutes, the default):

- ``travel``: ``TravelNetwork(area)`` and every settlement pair within the cut-off;
- ``gravity``: no flow table, the three flow types estimated by the gravity model, then
  unit pairs, per-unit summaries (membership, dominant direction, potential,
  self-containment) for the three types and settlement potentials;
- ``observed``: the 800,000 observed flows kept, ``k`` and ``b`` fitted by Poisson
  regression for the three types over every pair within the cut-off (zeros included),
  then the same aggregates;
- ``capped``: as ``gravity`` with ``TravelParams(max_destinations=100)``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import pickle
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import _machine  # benchmarks/_machine.py, beside this script

COMMAND = "python benchmarks/bench_flows.py"
SEED = 2
CASES = {
    "travel": "`TravelNetwork(area).pair_blocks()`: travel times of every pair within 60 min",
    "gravity": "`settlement_flows(area)` without a flow table (3 gravity types) + unit "
               "aggregates",
    "observed": "`settlement_flows(area)` with the observed flows (3 Poisson fits) + "
                "unit aggregates",
    "capped": "as *gravity*, `TravelParams(max_destinations=100)`",
    "noroads": "as *travel*, the same province without its roads (straight-line fallback)",
    "county": "`build_settlement_graph(area)` on the sample county (networkx, 3 fits)",
}


NOTES = """
Notes:

- Travel times: sources are grouped in spatial tiles of road nodes; each tile runs
  `scipy.sparse.csgraph.dijkstra(..., limit=60 − access)` on the sub-graph it can reach at
  the network's top speed, so no search touches the whole province. Every pair within the
  cut-off is listed exactly once (checked against unlimited Dijkstra in `tests/test_flows.py`).
  Without roads every pair comes from the straight-line fallback (`cKDTree.query_pairs`).
- Pairs are kept as int32 positions and float64 minutes; flow values are computed from the
  masses a chunk of pairs at a time and summed into unit pairs on the fly, so the three flow
  columns never exist for the whole province at once.
- *observed*: observed pairs beyond the cut-off are timed exactly, by Dijkstra from the
  smaller side with a limit that grows until they are reached. The Poisson fits use every
  pair within the cut-off (zeros included). The generator draws flows from
  `attraction / (t + 5)^2` and keeps each origin's strongest destinations, so the fitted b is
  not meant to equal 2.
- `max_destinations=100` keeps each origin's 100 nearest destinations (the cut-off then
  follows local density).
- A networkx graph of the province would not fit in memory: use `settlement_flows` and its
  array views there; `build_settlement_graph` is for county scale (the *county* row).
"""


def generate(n_units: int, path: Path) -> dict[str, Any]:
    from townmerge.datasets.synthetic import synthetic_county

    t0 = time.perf_counter()
    s = synthetic_county(n_units, seed=SEED)
    seconds = time.perf_counter() - t0
    frames = {"units": s.units, "settlements": s.settlements, "flows": s.flows,
              "roads": s.roads}
    with path.open("wb") as fh:
        pickle.dump(frames, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return {"seconds": seconds, "units": len(s.units), "settlements": len(s.settlements),
            "roads": len(s.roads), "flows": len(s.flows)}


def run_case(name: str, data: Path) -> dict[str, Any]:
    from townmerge import StudyArea
    from townmerge.graph.flows import settlement_flows
    from townmerge.graph.travel import TravelNetwork, TravelParams

    with data.open("rb") as fh:
        frames = pickle.load(fh)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        flows = frames["flows"] if name == "observed" else None
        roads = None if name == "noroads" else frames["roads"]
        area = StudyArea(frames["units"], frames["settlements"], flows, roads)
        if name == "county":
            from townmerge.datasets.synthetic import sample_county

            c = sample_county()
            area = StudyArea(c.units, c.settlements, c.flows, c.roads)
    del frames
    before = _machine.max_rss_mb()
    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    if name == "county":
        from townmerge.graph.flows import build_settlement_graph

        graph = build_settlement_graph(area)
        out.update(pairs=graph.number_of_edges(), settlements=graph.number_of_nodes())
    elif name in ("travel", "noroads"):
        net = TravelNetwork(area)
        n = road = 0
        for o, _, _, r in net.pair_blocks():
            n += o.size
            road += int(r.sum())
        out.update(pairs=n, by_road=road)
    else:
        travel = TravelParams(max_destinations=100) if name == "capped" else None
        sf = settlement_flows(area, travel=travel)
        up = sf.unit_pairs()
        for t in ("population", "traffic", "economic"):
            sf.unit_summary(t)
            sf.potential(t)
        out.update(pairs=len(sf), unit_pairs=len(up),
                   fits={t: str(f) for t, f in sf.fits.items()},
                   conserved=bool(abs(up["population"].sum() - sf.values("population").sum())
                                  <= 1e-9 * abs(up["population"].sum())))
    out["seconds"] = time.perf_counter() - t0
    out["peak_mb"] = _machine.max_rss_mb()
    out["growth_mb"] = out["peak_mb"] - before
    out["loaded_mb"] = before
    return out


def versions() -> dict[str, str]:
    return _machine.versions(("townmerge", "numpy", "scipy", "pandas", "geopandas", "shapely",
                              "networkx"))


def _child(args: list[str]) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        out = Path(fh.name)
    try:
        proc = subprocess.run([sys.executable, __file__, *args, "--out", str(out)],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"{args} failed:\n{proc.stderr[-3000:]}")
        result: dict[str, Any] = json.loads(out.read_text())
        return result
    finally:
        out.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--units", type=int, default=6850, help="townships (default 6850)")
    parser.add_argument("--cache", type=Path, help="pickle of the generated frames to reuse")
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        args.out.write_text(json.dumps(generate(args.units, args.data)))
        return
    if args.child:
        args.out.write_text(json.dumps(run_case(args.child, args.data)))
        return

    host = _machine.machine()
    started = dt.datetime.now(dt.UTC)
    with tempfile.TemporaryDirectory() as tmp:
        data = args.cache or Path(tmp) / "province.pkl"
        meta_path = data.with_suffix(".json")
        if data.exists() and meta_path.exists():
            meta = json.loads(meta_path.read_text())
        else:
            print("generating the province …", file=sys.stderr, flush=True)
            meta = _child(["--generate", "--units", str(args.units), "--data", str(data)])
            meta_path.write_text(json.dumps(meta))
        results = {}
        for name in args.cases:
            print(f"running {name} …", file=sys.stderr, flush=True)
            results[name] = _child(["--child", name, "--data", str(data)])

    print("## Flows\n")
    print(f"Command: `{COMMAND}` (one run each, {started:%Y-%m-%d %H:%M} UTC).  ")
    print(f"Machine: {host}.  ")
    print(f"Commit: townmerge {_machine.commit()}.  ")
    print("Versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()) + ".  ")
    print(f"Data: `synthetic_county({meta['units']}, seed={SEED})`: {meta['units']:,} "
          f"townships, {meta['settlements']:,} settlements, {meta['roads']:,} road segments, "
          f"{meta['flows']:,} observed flows (generated in {meta['seconds']:.0f} s, not "
          "counted). Cut-off 60 min.\n")
    print("| case | time (s) | peak RSS (MB) | growth (MB) | settlement pairs | unit pairs |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        up = f"{r['unit_pairs']:,}" if "unit_pairs" in r else ""
        print(f"| {CASES[name]} | {r['seconds']:.1f} | {r['peak_mb']:,.0f} | "
              f"{r['growth_mb']:,.0f} | {r['pairs']:,} | {up} |")
    print("\nPeak RSS is the process's peak resident set (`ru_maxrss`), including the loaded "
          "study area; growth is its increase during the call.\n")
    for name, r in results.items():
        if r.get("fits"):
            print(f"Fits ({name}): " + "; ".join(r["fits"].values()) + ".  ")
        if "by_road" in r:
            print(f"Pairs over the road network ({name}): {r['by_road']:,} of {r['pairs']:,}.  ")
        if "conserved" in r and not r["conserved"]:
            print(f"**Unit aggregation of {name} did not conserve the total.**  ")
    print(NOTES)


if __name__ == "__main__":
    main()
