"""Adjacency with shared border lengths on the 35,927 French communes: townmerge vs peers.

Run from the repository root::

    python benchmarks/bench_adjacency.py            # everything, prints a markdown report
    python benchmarks/bench_adjacency.py --no-peers # townmerge only

Every measurement runs in a fresh subprocess (same interpreter), which loads the data,
projects it to EPSG:2154 (Lambert-93), then times the call with ``time.perf_counter``:
townmerge ``--repeats`` times (median and best reported), the peers once. Peak memory is the
growth of the subprocess's peak resident set (``ru_maxrss``) over its level just before the
call, so it counts GEOS and numpy memory as well as Python objects. The edge sets are then
compared with libpysal's strict rook contiguity and every difference is explained.

Peers (install for the benchmark only: ``pip install libpysal gerrychain``):

- ``libpysal.graph.Graph.build_contiguity(gdf, rook=True, by_perimeter=True)``: it raises
  ``ValueError: Some geometries overlap`` on this data (Plougoulm 29192 and Santec 29273
  overlap by 0.0001 m²); the time to that error is reported, and the call is timed again on
  a copy where Santec minus Plougoulm removes the overlap
- ``libpysal.graph.Graph.build_contiguity(gdf, rook=True, strict=True)`` (the reference
  edge set; no lengths)
- ``gerrychain.Graph.from_geodataframe(gdf, ignore_errors=True)`` (rook, with
  ``shared_perim``; ``ignore_errors`` because two communes have self-intersecting rings,
  which gerrychain otherwise refuses)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import _machine  # benchmarks/_machine.py, beside this script
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "communes_2016.parquet"
COMMAND = "python benchmarks/bench_adjacency.py"

#: name → (label, runs by default)
CASES = {
    "townmerge_rook": "townmerge `build_adjacency(gdf)` (rook, auto: hash + GEOS check)",
    "townmerge_geos": "townmerge `build_adjacency(gdf, method=\"geos\")` (GEOS fallback)",
    "townmerge_queen": "townmerge `build_adjacency(gdf, contiguity=\"queen\")`",
    "townmerge_tolerance": "townmerge `build_adjacency(gdf, tolerance=5.0)` (rook + slivers)",
    "libpysal_perimeter": "libpysal `Graph.build_contiguity(gdf, rook=True, by_perimeter=True)`",
    "libpysal_perimeter_fixed": "the same, on a copy without the 29192/29273 overlap",
    "gerrychain": "gerrychain `Graph.from_geodataframe(gdf, ignore_errors=True)`",
    "libpysal_strict": "libpysal `Graph.build_contiguity(gdf, rook=True, strict=True)` "
                       "(no lengths; reference edge set)",
}
PEERS = ("libpysal_perimeter", "libpysal_perimeter_fixed", "gerrychain", "libpysal_strict")
LENGTHS = {"townmerge_rook", "townmerge_geos", "townmerge_tolerance", "libpysal_perimeter",
           "libpysal_perimeter_fixed", "gerrychain"}
#: The one overlap in the data: (unit cut, unit kept).
OVERLAP = ("29273", "29192")


NOTES = """
Notes:

- townmerge's default (`method="auto"`) hashes ring segments by their two vertices; the
  segments in no other ring (coasts, national borders, gaps) get a GEOS check, which finds the
  pairs to re-measure or add. `method="geos"` is the STRtree + boundary-intersection path.
- libpysal's strict rook uses the DE-9IM pattern `F***1****`, which also requires the
  interiors not to meet: a pair that overlaps by a sliver is not an edge there (see *Edge
  sets*); libpysal's `by_perimeter` refuses a data set with any overlap.
- Peak memory is the growth of the peak resident set of a fresh process during the call,
  so GEOS and numpy allocations count. Medians of townmerge's runs are shown; peers ran once.
"""


def load(path: Path = DATA) -> gpd.GeoDataFrame:
    gdf = gpd.read_parquet(path).to_crs(2154).set_index("code")
    return gdf.rename(columns={"nom": "name"})


def without_overlap(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy where the one overlapping pair no longer overlaps."""
    cut, kept = OVERLAP
    out = gdf.copy()
    out.loc[cut, "geometry"] = gdf.geometry[cut].difference(gdf.geometry[kept])
    return out


def _edges_libpysal(graph: object) -> pd.DataFrame:
    adj = graph.adjacency.reset_index()  # type: ignore[attr-defined]
    adj = adj[adj["focal"].astype(str) < adj["neighbor"].astype(str)]  # drops island self-loops
    return pd.DataFrame({"unit_a": adj["focal"].astype(str).to_numpy(),
                         "unit_b": adj["neighbor"].astype(str).to_numpy(),
                         "border_m": adj["weight"].to_numpy(dtype=float)})


def _edges_gerrychain(graph: object) -> pd.DataFrame:
    nxg = graph.get_nx_graph()  # type: ignore[attr-defined]
    rows = [(str(min(a, b)), str(max(a, b)), float(d["shared_perim"]))
            for a, b, d in nxg.edges(data=True)]
    return pd.DataFrame(rows, columns=["unit_a", "unit_b", "border_m"])


def run_case(name: str, repeats: int, out: Path) -> None:
    """Child process: time one case, write its timings and edges."""
    gdf = load()
    if name.startswith("townmerge"):
        from townmerge.graph.adjacency import build_adjacency

        kwargs = {"townmerge_rook": {}, "townmerge_geos": {"method": "geos"},
                  "townmerge_queen": {"contiguity": "queen"},
                  "townmerge_tolerance": {"tolerance": 5.0}}[name]

        def call() -> pd.DataFrame:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return build_adjacency(gdf, **kwargs)  # type: ignore[arg-type]
        to_edges = lambda e: e  # noqa: E731
        n = repeats
    elif name.startswith("libpysal"):
        from libpysal.graph import Graph

        kwargs = ({"rook": True, "strict": True} if name == "libpysal_strict"
                  else {"rook": True, "by_perimeter": True})
        if name == "libpysal_perimeter_fixed":
            gdf = without_overlap(gdf)

        def call() -> object:
            return Graph.build_contiguity(gdf, **kwargs)
        to_edges = _edges_libpysal
        n = 1
    elif name == "gerrychain":
        from gerrychain import Graph as GCGraph

        def call() -> object:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return GCGraph.from_geodataframe(gdf, ignore_errors=True)
        to_edges = _edges_gerrychain
        n = 1
    else:
        raise SystemExit(f"unknown case {name}")
    before = _machine.max_rss_mb()
    times = []
    result = None
    for _ in range(n):
        result = None
        t0 = time.perf_counter()
        try:
            result = call()
        except ValueError as exc:  # libpysal by_perimeter on overlapping polygons
            out.write_text(json.dumps({"error": f"{type(exc).__name__}: {exc}",
                                       "times": [time.perf_counter() - t0]}))
            return
        times.append(time.perf_counter() - t0)
    peak = _machine.max_rss_mb()
    edges = to_edges(result)
    edges.to_parquet(out.with_suffix(".parquet"))
    extra = {}
    if name.startswith("townmerge"):
        extra["kinds"] = edges["kind"].value_counts().to_dict()
    out.write_text(json.dumps({"times": times, "rss_before_mb": before, "rss_peak_mb": peak,
                               "edges": len(edges), **extra}))


def versions() -> dict[str, str]:
    out = _machine.versions(("townmerge", "shapely", "numpy", "pandas", "geopandas", "scipy",
                             "libpysal", "gerrychain", "networkx"))
    out["GEOS"] = shapely.geos_version_string
    return out


def pairs(e: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(e["unit_a"].astype(str), e["unit_b"].astype(str), strict=True))


def explain(gdf: gpd.GeoDataFrame, a: str, b: str) -> str:
    """Why two units are neighbours for one method and not the other."""
    ga, gb = gdf.geometry[a], gdf.geometry[b]
    overlap = ga.intersection(gb).area
    border = ga.boundary.intersection(gb.boundary).length
    invalid = [u for u, g in ((a, ga), (b, gb)) if not g.is_valid]
    label = f"{a} ({gdf.at[a, 'name']}) – {b} ({gdf.at[b, 'name']})"
    facts = [f"share {border:,.1f} m of border", f"DE-9IM `{shapely.relate(ga, gb)}`"]
    if overlap > 0:
        facts.insert(0, f"overlap by {overlap:.2g} m²")
    if invalid:
        facts.append(f"invalid geometry: {', '.join(invalid)}")
    why = ""
    if overlap > 0 and border > 0:
        why = ("libpysal strict requires interiors that do not intersect (pattern "
               "`F***1****`); townmerge counts any shared stretch of border")
    elif border == 0:
        why = "the boundaries touch at points only"
    return f"{label}: {'; '.join(facts)}" + (f" — {why}" if why else "")


def compare(gdf: gpd.GeoDataFrame, ours: pd.DataFrame, other: pd.DataFrame,
            other_name: str) -> list[str]:
    po, pr = pairs(ours), pairs(other)
    lines = [f"- vs {other_name}: {len(po & pr):,} common edges, {len(po - pr)} only in "
             f"townmerge, {len(pr - po)} only in {other_name}."]
    for a, b in sorted(po - pr):
        lines.append(f"  - only townmerge: {explain(gdf, a, b)}")
    for a, b in sorted(pr - po):
        lines.append(f"  - only {other_name}: {explain(gdf, a, b)}")
    if "border_m" in other.columns and other["border_m"].nunique() > 1:
        m = ours.merge(other, on=["unit_a", "unit_b"], suffixes=("", "_o"))
        diff = (m["border_m"] - m["border_m_o"]).abs()
        worst = m.loc[diff.idxmax()] if len(m) else None
        if worst is not None:
            a, b = worst["unit_a"], worst["unit_b"]
            overlap = gdf.geometry[a].intersection(gdf.geometry[b]).area
            why = (f"; {a} and {b} overlap by {overlap:.2g} m², so the length depends on "
                   "whether the overlap's outline is counted or cut" if overlap > 0
                   else "; floating-point noise" if diff.max() < 1e-6 else "")
            lines.append(f"  - border lengths of common edges: max |difference| "
                         f"{diff.max():.3g} m ({a}–{b}: {worst['border_m']:.3f} vs "
                         f"{worst['border_m_o']:.3f} m{why}); total "
                         f"{m['border_m'].sum() / 1000:,.1f} vs "
                         f"{m['border_m_o'].sum() / 1000:,.1f} km.")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs of townmerge cases")
    parser.add_argument("--no-peers", action="store_true", help="skip libpysal and gerrychain")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_case(args.child, args.repeats, args.out)
        return

    cases = [c for c in CASES if not (args.no_peers and c in PEERS)]
    host = _machine.machine()
    results: dict[str, dict] = {}
    edges: dict[str, pd.DataFrame] = {}
    started = dt.datetime.now(dt.UTC)
    with tempfile.TemporaryDirectory() as tmp:
        for name in cases:
            out = Path(tmp) / f"{name}.json"
            print(f"running {name} …", file=sys.stderr, flush=True)
            proc = subprocess.run([sys.executable, __file__, "--child", name, "--out", str(out),
                                   "--repeats", str(args.repeats)], capture_output=True,
                                  text=True, check=False)
            if proc.returncode != 0:
                print(f"{name} failed:\n{proc.stderr[-3000:]}", file=sys.stderr)
                continue
            results[name] = json.loads(out.read_text())
            if "error" not in results[name]:
                edges[name] = pd.read_parquet(out.with_suffix(".parquet"))

    gdf = load()
    n_vertices = int(shapely.get_num_coordinates(gdf.geometry.values).sum())
    base = results.get("townmerge_rook")
    print("## Adjacency\n")
    print(f"Command: `{COMMAND}` (one run, {started:%Y-%m-%d %H:%M} UTC).  ")
    print(f"Machine: {host}.  ")
    print(f"Commit: townmerge {_machine.commit()}.  ")
    print("Versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()) + ".  ")
    print(f"Data: {len(gdf):,} communes of France 2016, {n_vertices:,} vertices, "
          "EPSG:2154 (see `benchmarks/data/README.md`).\n")
    print("| method | lengths | time (s) | vs townmerge | peak memory (MB) | edges |")
    print("|---|---|---:|---:|---:|---:|")
    for name in cases:
        r = results.get(name)
        if r is None:
            print(f"| {CASES[name]} | | failed | | | |")
            continue
        t = r["times"]
        if "error" in r:
            print(f"| {CASES[name]} | | raises `{r['error']}` after {t[0]:.2f} s | | | |")
            continue
        shown = (f"{statistics.median(t):.2f} (best {min(t):.2f}, {len(t)} runs)" if len(t) > 1
                 else f"{t[0]:.2f}")
        ratio = (f"{statistics.median(t) / statistics.median(base['times']):.1f}×" if base
                 else "")
        mem = r["rss_peak_mb"] - r["rss_before_mb"]
        print(f"| {CASES[name]} | {'yes' if name in LENGTHS else 'no'} | {shown} | {ratio} | "
              f"{mem:,.0f} | {r['edges']:,} |")
    print("\nPeak memory: growth of the process's peak resident set during the call "
          "(data already loaded).")
    if "townmerge_tolerance" in results:
        print(f"\nWith `tolerance=5.0` the edge kinds are "
              f"{results['townmerge_tolerance'].get('kinds')}.")

    ours = edges.get("townmerge_rook")
    if ours is not None:
        print("\n### Edge sets\n")
        for name, label in (("libpysal_strict", "libpysal strict rook"),
                            ("libpysal_perimeter", "libpysal by_perimeter"),
                            ("libpysal_perimeter_fixed", "libpysal by_perimeter (overlap cut)"),
                            ("gerrychain", "gerrychain"),
                            ("townmerge_geos", "townmerge method=\"geos\"")):
            if name in edges:
                for line in compare(gdf, ours, edges[name], label):
                    print(line)
    tol = edges.get("townmerge_tolerance")
    if tol is not None and "kind" in tol.columns:
        for a, b in zip(*(tol.loc[tol["kind"] == "tolerant", c] for c in ("unit_a", "unit_b")),
                        strict=True):
            gap = gdf.geometry[a].distance(gdf.geometry[b])
            print(f"\nTolerant edge at 5 m: {a} ({gdf.at[a, 'name']}) – {b} "
                  f"({gdf.at[b, 'name']}), {gap:.1f} m apart.")
    print(NOTES)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
