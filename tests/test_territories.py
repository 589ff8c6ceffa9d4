"""Village territories approximated from points: Voronoi cells clipped to their township."""

import json
import math
import shutil
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import Point, box

import townmerge as tm
from townmerge.data.territories import village_territories
from townmerge.data.writers import write_geojson
from townmerge.errors import InputError

SAMPLE = "sample_shapes/county"
REL = 1e-6


def _frames(towns, points, crs="EPSG:32648"):
    """Townships {id: polygon} and village points [(id, township, x, y)] as frames."""
    t = gpd.GeoDataFrame({"name": [f"{k}镇" for k in towns]}, geometry=list(towns.values()),
                         index=pd.Index(list(towns), name="unit_id"), crs=crs)
    v = gpd.GeoDataFrame({"name": [f"{p[0]}村" for p in points],
                          "parent": [p[1] for p in points]},
                         geometry=[Point(p[2], p[3]) for p in points],
                         index=pd.Index([p[0] for p in points], name="village_id"), crs=crs)
    return t, v


def _assert_exact_cover(towns, villages, cells):
    assert cells["approximate"].all()
    assert list(cells.index) == list(villages.index)
    geoms = np.asarray(cells.geometry.array, dtype=object)
    assert shapely.get_type_id(geoms).tolist() == [
        3 if shapely.get_type_id(g) == 3 else 6 for g in geoms]
    # each cell holds its point
    assert shapely.covers(geoms, np.asarray(villages.geometry.array)).all()
    for tid, town in towns.geometry.items():
        mine = geoms[(villages["parent"] == tid).to_numpy()]
        union = shapely.union_all(mine)
        assert math.isclose(union.area, town.area, rel_tol=REL)
        assert math.isclose(shapely.area(mine).sum(), town.area, rel_tol=REL)  # no overlap
        assert shapely.symmetric_difference(union, town).area <= REL * town.area
    # no two cells overlap, in one township or across
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="intersects")
    keep = i < j
    overlap = shapely.area(shapely.intersection(geoms[i[keep]], geoms[j[keep]]))
    assert overlap.sum() <= REL * shapely.area(geoms).sum()


def _star(radii, cx=0.0, cy=0.0):
    angles = np.linspace(0, 2 * np.pi, len(radii), endpoint=False)
    return shapely.Polygon(np.c_[cx + np.cos(angles) * radii, cy + np.sin(angles) * radii])


def _inside(poly, cx, cy, angle, frac):
    """A point on the ray from the centre at ``angle``, at ``frac`` of the way to the edge."""
    far = shapely.LineString([(cx, cy), (cx + 1e4 * math.cos(angle), cy + 1e4 * math.sin(angle))])
    hit = shapely.intersection(far, poly.exterior)
    edge = min(shapely.get_coordinates(hit).tolist(),
               key=lambda c: math.hypot(c[0] - cx, c[1] - cy))
    return cx + frac * (edge[0] - cx), cy + frac * (edge[1] - cy)


polar_points = st.lists(st.tuples(st.integers(0, 3599), st.integers(1, 999)), min_size=1,
                        max_size=25, unique=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(radii=st.lists(st.floats(200, 1000), min_size=3, max_size=14),
       convex=st.booleans(), polar=polar_points)
def test_cells_cover_a_random_township_exactly(radii, convex, polar):
    town = _star(np.full(len(radii), 700.0) if convex else np.array(radii), 5000, 7000)
    pts = {}
    for a, f in polar:
        pts[_inside(town, 5000, 7000, a / 3600 * 2 * math.pi, f / 1000)] = None
    points = [(f"v{k}", "T", x, y) for k, (x, y) in enumerate(pts)]
    towns, villages = _frames({"T": town}, points)
    _assert_exact_cover(towns, villages, village_territories(towns, villages))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nx=st.integers(1, 3), ny=st.integers(1, 3), geographic=st.booleans(),
       data=st.data())
def test_cells_cover_a_grid_of_townships_exactly(nx, ny, geographic, data):
    size, x0, y0 = (0.05, 104.0, 30.5) if geographic else (1000.0, 0.0, 0.0)
    towns, points = {}, []
    for i in range(nx):
        for j in range(ny):
            tid = f"T{i}{j}"
            towns[tid] = box(x0 + i * size, y0 + j * size, x0 + (i + 1) * size,
                             y0 + (j + 1) * size)
            cells = data.draw(st.lists(st.tuples(st.integers(1, 99), st.integers(1, 99)),
                                       min_size=1, max_size=12, unique=True), label=tid)
            points += [(f"{tid}v{k}", tid, x0 + (i + a / 100) * size, y0 + (j + b / 100) * size)
                       for k, (a, b) in enumerate(cells)]
    t, v = _frames(towns, points, crs="EPSG:4490" if geographic else "EPSG:32648")
    _assert_exact_cover(t, v, village_territories(t, v))


def test_single_village_gets_its_whole_township():
    town = _star(np.array([300.0, 900, 400, 800, 350, 700]))
    towns, villages = _frames({"T": town}, [("v1", "T", 10.0, 10.0)])
    cells = village_territories(towns, villages)
    assert shapely.equals(cells.geometry.iloc[0], town)
    assert cells.loc["v1", "name"] == "v1村" and bool(cells.loc["v1", "approximate"])


def test_bad_points_are_named_with_villages_and_townships():
    towns, villages = _frames(
        {"T1": box(0, 0, 10, 10), "T2": box(10, 0, 20, 10), "T3": box(20, 0, 30, 10)},
        [("a", "T1", 5, 5), ("b", "T1", 5, 5),  # same point
         ("c", "T1", 15, 5),  # in T2, not in T1
         ("d", "T9", 12, 5),  # unknown township
         ("e", "T2", 12, 5)])  # T3 has none
    with pytest.raises(InputError) as exc:
        village_territories(towns, villages)
    msg = str(exc.value)
    assert len(exc.value.problems) == 4
    assert "share their point" in msg and "a (a村), b (b村)" in msg
    assert "outside their township: c (c村) (township T1 (T1镇))" in msg
    assert "not in the townships layer: d (d村) → T9" in msg
    assert "have no village point: T3 (T3镇)" in msg
    assert "Traceback" not in msg


@pytest.fixture(scope="module")
def no_polygons(tmp_path_factory):
    """The sample county without its village polygons (settlement points only)."""
    d = tmp_path_factory.mktemp("nopoly") / "county"
    shutil.copytree(SAMPLE, d)
    (d / "villages.geojson").unlink()
    return d


def _read(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tm.errors.TopologyWarning)
        return tm.read_study_area(path, **kw)


def _assert_covers_townships(villages, towns):
    assert villages.units["approximate"].all()
    dissolved = villages.units.dissolve("parent").area
    exact = towns.units.to_crs(villages.crs).area.loc[dissolved.index]
    assert set(dissolved.index) == set(towns.unit_ids)
    assert ((dissolved - exact).abs() / exact).max() < REL


def test_village_level_from_settlement_points(no_polygons, tmp_path):
    villages = _read(no_polygons, level="villages")
    towns = _read(no_polygons)
    assert len(villages) == 242
    assert villages.input_crs.to_epsg() == 4490
    _assert_covers_townships(villages, towns)
    assert "approximate-territories" in villages.report.codes
    assert "multipart" not in villages.report.codes  # cut-off pieces joined a neighbour
    warn = next(p for p in villages.report.warnings if p.code == "approximate-territories")
    assert "village territories approximated from points" in warn.message
    assert len(warn.ids) == 242
    # each village's seat is the settlement it was drawn from
    assert (villages.units["seat"] == villages.units.index).all()
    out = write_geojson(villages.units, tmp_path / "v.geojson")
    props = [f["properties"] for f in json.loads(out.read_text("utf-8"))["features"]]
    assert all(p["approximate"] is True for p in props)


def test_approximated_villages_keep_every_township_border(no_polygons):
    """Villages across every border of two townships are neighbours (they share a vertex)."""
    villages, towns = _read(no_polygons, level="villages"), _read(no_polygons)
    edges = tm.build_adjacency(villages)
    parent = villages.units["parent"]
    across = {frozenset(p) for p in zip(parent.loc[edges["unit_a"]], parent.loc[edges["unit_b"]],
                                        strict=True) if p[0] != p[1]}
    t = tm.build_adjacency(towns)
    assert across == {frozenset(p) for p in zip(t["unit_a"], t["unit_b"], strict=True)}
    assert "tiny-overlap" not in villages.report.codes


def test_village_level_from_a_villages_layer_of_points(no_polygons, tmp_path):
    d = tmp_path / "county"
    shutil.copytree(no_polygons, d)
    real = gpd.read_file(f"{SAMPLE}/villages.geojson")
    # no township column: each point's township is the one it lies in
    real.set_geometry(real.representative_point()).drop(columns="unit").to_file(
        d / "villages.geojson")
    villages = _read(d, level="villages")
    _assert_covers_townships(villages, _read(d))
    assert set(villages.unit_ids) == set(real["village_id"])
    assert (villages.units["parent"] == real.set_index("village_id")["unit"]).all()
    assert "approximate-territories" in villages.report.codes


def test_village_polygons_are_not_flagged():
    villages = _read(SAMPLE, level="villages")
    assert "approximate" not in villages.units.columns
    assert "approximate-territories" not in villages.report.codes


def test_validate_names_approximated_territories(no_polygons):
    report = tm.validate(no_polygons, level="villages")
    assert report.ok
    warn = next(p for p in report.warnings if p.code == "approximate-territories")
    assert warn.severity == "warning" and warn.layer == "units"
    assert "511025001001 (城东社区)" in warn.message
    assert "approximate-territories" not in tm.validate(SAMPLE, level="villages").codes
    assert "approximate-territories" not in tm.validate(no_polygons).codes


def test_pieces_cut_off_by_a_concave_township_join_a_neighbour():
    u_shape = box(0, 0, 30, 30).difference(box(10, 10, 20, 30))  # a U, open at the top
    points = [("a", "T", 5, 5), ("c", "T", 9, 29), ("d", "T", 25, 12)]
    towns, villages = _frames({"T": u_shape}, points)
    raw = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(
            shapely.multipoints([p[2:] for p in points]), extend_to=u_shape, ordered=True)),
        u_shape)
    assert shapely.get_num_geometries(raw).max() > 1  # the plain clipped cell of c falls apart
    cells = village_territories(towns, villages)
    _assert_exact_cover(towns, villages, cells)
    assert (shapely.get_type_id(np.asarray(cells.geometry.array)) == 3).all()
    assert cells.loc["d"].geometry.covers(Point(21, 29))  # the piece across the gap went to d


def test_nearly_cocircular_villages_still_cover_their_township_exactly():
    """GEOS's Voronoi turns a cell inside out for these four sites (found by hypothesis)."""
    towns = {"T00": box(0, 0, 1000, 1000), "T10": box(1000, 0, 2000, 1000)}
    points = [("T00v0", "T00", 10.0, 10.0)] + [
        (f"T10v{k}", "T10", (1 + a / 100) * 1000.0, (b / 100) * 1000.0)
        for k, (a, b) in enumerate([(66, 39), (79, 52), (83, 30), (88, 35)])]
    t, v = _frames(towns, points)
    _assert_exact_cover(t, v, village_territories(t, v))
