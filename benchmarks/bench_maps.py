"""The before/after map at scale: size, write time and Chromium load time, beside explore().

Run from the repository root::

    python benchmarks/bench_maps.py              # the 35,927 communes of France (2016)
    python benchmarks/bench_maps.py --dep 49     # one département, for a quick look

The communes (``data/communes_2016.parquet``, the two invalid ones repaired with
``shapely.make_valid``) are the before layer; the after layer merges
them into cells of a 12 km grid within each département (a stand-in for a national plan,
about 5,000 units; the map does not need contiguous units). ``townmerge.before_after_map``
(two synchronised panes, offline, everything inlined) is written with ``save_map``; its size,
the write time (building and writing the page) and the time Chromium takes to load and
draw it (``performance.now()`` after the load event, in ``townmerge.testing.browser``) are
printed beside ``GeoDataFrame.explore()`` of the same two layers (size and write time: its
page loads Leaflet from a CDN, which the offline browser blocks, so it is not loaded).
The same figures are given for the plan's report (``write_report``: figures, static
two-panel map and charts, the interactive map embedded) and for the sample county's map.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import _machine  # benchmarks/_machine.py, beside this script
import geopandas as gpd
import numpy as np
import shapely

import townmerge
from townmerge.data.plan import Plan
from townmerge.datasets.synthetic import sample_county
from townmerge.generate import greedy_plan
from townmerge.render import before_after_map, save_map, write_report
from townmerge.testing.browser import check_html

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "communes_2016.parquet"
CELL_M = 12_000


def load(dep: str | None) -> gpd.GeoDataFrame:
    gdf = gpd.read_parquet(DATA)
    if dep is not None:
        gdf = gdf[gdf["dep"] == dep]
    gdf = gdf.to_crs(2154).set_index("code").rename(columns={"nom": "name"})
    bad = ~gdf.geometry.is_valid  # two self-intersecting communes: repaired, as the error says
    gdf.loc[bad, "geometry"] = shapely.make_valid(gdf.geometry[bad].to_numpy())
    return gdf


def grid_plan(units: gpd.GeoDataFrame) -> Plan:
    xy = units.geometry.representative_point()
    cell = (np.floor(xy.x / CELL_M).astype(int).astype(str) + "_"
            + np.floor(xy.y / CELL_M).astype(int).astype(str))
    key = units["dep"].astype(str) + "_" + cell
    groups: dict[str, list[str]] = {}
    for uid, k in zip(units.index, key, strict=True):
        groups.setdefault(k, []).append(str(uid))
    return Plan.from_groups({members[0]: members for members in groups.values()})


def _row(label: str, path: Path, seconds: float) -> str:
    """A table row: size, write time and the time Chromium takes to load and draw the page."""
    check = check_html(path, script="() => performance.now()", wait_ms=0, full_page=False)
    if not check.ok:
        print(check.describe(), file=sys.stderr)
    loaded = check.script_result
    load_s = f"{float(loaded) / 1000:.1f}" if isinstance(loaded, int | float) else "—"
    size = path.stat().st_size / 1e6
    shown = f"{size:.2f}" if size < 1 else f"{size:.1f}"
    return f"| {label} | {shown} | {seconds:.1f} | {load_s} | {'yes' if check.ok else 'no'} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dep", help="one département code (e.g. 49) instead of France")
    args = parser.parse_args()
    units = load(args.dep)
    area = townmerge.StudyArea(units)
    plan = grid_plan(area.units)
    out = Path(tempfile.mkdtemp(prefix="bench-maps-"))
    print("## Maps at scale\n")
    print(f"Command: `python benchmarks/bench_maps.py{' --dep ' + args.dep if args.dep else ''}`"
          f" (one run, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC).  ")
    print(f"Machine: {_machine.machine()}.  ")
    print(f"Commit: townmerge {_machine.commit()}.  ")
    print(f"Data: {len(units):,} communes before, {plan.n_new:,} grid units after "
          f"({CELL_M // 1000} km cells within each département).\n")

    t0 = time.perf_counter()
    ours = save_map(before_after_map(area, plan, lang="en", date="-"), out / "townmerge.html")
    t_ours = time.perf_counter() - t0

    print("| page | size (MB) | write (s) | Chromium load and draw (s) | ok |")
    print("|---|---:|---:|---:|---|")
    print(_row("townmerge `before_after_map` (two panes, inlined)", ours, t_ours))
    t0 = time.perf_counter()
    report = write_report(area, plan, out / "report.html", lang="en", date="-")
    t_report = time.perf_counter() - t0
    print(_row("townmerge `write_report` (static figures, the map above embedded)", report,
               t_report))
    county = sample_county()
    sample = townmerge.StudyArea(county.units, county.settlements, county.flows, county.roads)
    t0 = time.perf_counter()
    small = save_map(before_after_map(sample, greedy_plan(sample, target=13), lang="en",
                                      date="-"), out / "sample.html")
    print(_row("townmerge `before_after_map`, sample county (33 townships)", small,
               time.perf_counter() - t0))
    t0 = time.perf_counter()
    before = area.units.to_crs(4326)[["name", "geometry"]]
    after = before.assign(new=[plan.assignment[u] for u in before.index]).dissolve("new")
    try:
        m = before.explore(name="before")
    except ImportError:  # explore() needs matplotlib and mapclassify
        print("| geopandas `explore()` | needs `pip install matplotlib mapclassify` | | | |")
        return
    after.reset_index().explore(m=m, name="after")
    m.save(out / "explore.html")
    t_explore = time.perf_counter() - t0
    explore = out / "explore.html"
    print(f"| geopandas `explore()` before + after | {explore.stat().st_size / 1e6:.1f} | "
          f"{t_explore:.1f} | not loaded (Leaflet from a CDN) | — |")

if __name__ == "__main__":
    main()
