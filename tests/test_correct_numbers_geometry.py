"""Issue 10 "Correct numbers", geometry: each test checks against an independent computation
(pyproj.Geod on the ellipsoid, or a hand calculation), never against townmerge's own output."""

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely import box

import townmerge as tm
from townmerge.adjacency import build_adjacency
from townmerge.cli import main
from townmerge.errors import TopologyWarning
from townmerge.io import read_layers

ROOT = Path(__file__).resolve().parents[1]
FINISTERE = ROOT / "sample_shapes" / "finistere" / "communes_2016.geojson"
FRANCE = ROOT / "benchmarks" / "data" / "communes_2016.parquet"
GEOD = Geod(ellps="WGS84")


def _geod_area_km2(geom_lonlat) -> float:
    return abs(GEOD.geometry_area_perimeter(geom_lonlat)[0]) / 1e6


def _geod_perimeter_m(geom_lonlat) -> float:
    return GEOD.geometry_area_perimeter(geom_lonlat)[1]


def _worst_length_error(geom_lonlat, geom_projected) -> float:
    """Largest |projected / geodesic − 1| over the boundary segments of a polygon."""
    worst = 0.0
    for a, b in zip(shapely.get_parts(geom_lonlat), shapely.get_parts(geom_projected),
                    strict=True):
        lon, lat = np.asarray(a.exterior.coords).T
        geodesic = np.asarray(GEOD.line_lengths(lon, lat))
        projected = np.hypot(*np.diff(np.asarray(b.exterior.coords), axis=0).T)
        ok = geodesic > 1.0
        worst = max(worst, float(np.abs(projected[ok] / geodesic[ok] - 1.0).max()))
    return worst


# -- bullet 1: a projected CRS that is not metric in practice is reprojected ------------------
def test_projected_crs_not_metric_in_practice_is_reprojected_with_a_warning():
    # Two 2 km × 2 km squares (on Web Mercator's map) side by side at 30.6° N, in EPSG:3857.
    x0, y0 = 11_577_000.0, 3_580_000.0
    units = gpd.GeoDataFrame({"id": ["A", "B"], "name": ["甲镇", "乙镇"]},
                             geometry=[box(x0, y0, x0 + 2000, y0 + 2000),
                                       box(x0 + 2000, y0, x0 + 4000, y0 + 2000)],
                             crs="EPSG:3857")
    lonlat = units.to_crs("EPSG:4326").geometry
    truth_km2 = sum(_geod_area_km2(g) for g in lonlat)
    shared = lonlat.iloc[0].intersection(lonlat.iloc[1])
    truth_border_m = GEOD.geometry_length(shared)
    assert truth_km2 == pytest.approx(5.91, abs=0.01)  # not 8: the map inflates areas 1.35×

    with pytest.warns(TopologyWarning) as record:
        area = tm.StudyArea(units)
    text = "\n".join(str(w.message) for w in record)
    assert "EPSG:3857" in text and f"EPSG:{area.crs.to_epsg()}" in text
    assert area.crs.to_epsg() == 32648  # the local UTM zone, as for a geographic input
    assert [p.code for p in area.report.warnings] == ["crs-replaced"]

    s = tm.summarize(area, tm.Plan.from_mapping({"A": "A", "B": "A"}))
    assert s.area_km2_before == pytest.approx(truth_km2, rel=1e-3)
    assert s.area_km2_after == pytest.approx(truth_km2, rel=1e-3)
    edges = build_adjacency(area)
    assert float(edges["border_m"].iloc[0]) == pytest.approx(truth_border_m, rel=1e-3)


def test_projected_metric_crs_with_small_distortion_is_kept():
    units = gpd.GeoDataFrame({"id": ["A"]}, geometry=[box(500_000, 3_380_000, 502_000,
                                                          3_382_000)], crs="EPSG:32648")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        area = tm.StudyArea(units)
    assert area.crs.to_epsg() == 32648


# -- bullet 2: a study area spanning distant regions ------------------------------------------
@pytest.fixture(scope="module")
def finistere_and_guadeloupe():
    france = gpd.read_parquet(FRANCE)
    part = france[france["dep"].isin(["29", "971"])].reset_index(drop=True)
    return part


def test_study_area_spanning_distant_regions_names_worst_units_and_takes_a_crs(
        finistere_and_guadeloupe, tmp_path):
    units = finistere_and_guadeloupe
    # Independent: how far the projected perimeter of each commune is from its geodesic one.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TopologyWarning)
        area = tm.StudyArea(units, unit_id="code", unit_name="nom")
    projected = area.units.geometry
    off = np.array([_worst_length_error(g, projected.loc[c])
                    for c, g in zip(units["code"], units.geometry, strict=True)])
    assert off.max() > 0.02  # the default CRS really is off by percents

    problem = next(p for p in area.report.warnings if p.code == "crs-distortion")
    codes = units["code"].to_numpy()
    assert set(codes[off > 0.012]) <= set(problem.ids)  # every badly measured commune named
    first = problem.ids[0]  # worst first
    assert off[list(codes).index(first)] == pytest.approx(off.max(), rel=0.02)
    name = units.set_index("code").at[first, "nom"]
    assert f"{first} ({name})" in problem.message  # id and name
    assert "crs=" in problem.message and "EPSG:" in problem.message  # a suggestion

    # The user gives a CRS: it is used, and the far units it distorts are named.
    only_29 = units[units["dep"] == "29"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TopologyWarning)
        l93 = tm.StudyArea(only_29, unit_id="code", unit_name="nom", crs="EPSG:2154")
    assert l93.crs.to_epsg() == 2154
    assert "crs-distortion" not in l93.report.codes
    per = l93.units.geometry.length
    truth = [_geod_perimeter_m(g) for g in only_29.geometry]
    assert np.allclose(per.to_numpy(), truth, rtol=2e-3)  # Lambert-93: within 0.2 % here

    path = tmp_path / "units.geojson"
    units.to_file(path)
    report = tm.validate(path, unit_id="code", unit_name="nom", crs="EPSG:2154")
    far = next(p for p in report.warnings if p.code == "crs-distortion")
    assert "EPSG:2154" in far.message
    in_l93 = units.to_crs("EPSG:2154").geometry
    off93 = np.array([_worst_length_error(g, p) for g, p in zip(units.geometry, in_l93,
                                                                 strict=True)])
    assert set(codes[off93 > 0.012]) <= set(far.ids)
    assert not set(codes[off93 < 0.008]) & set(far.ids)
    assert set(far.ids) == set(units.loc[units["dep"] == "971", "code"])
    assert read_layers(path, crs="EPSG:2154").crs.to_epsg() == 2154
    with pytest.warns(TopologyWarning, match="EPSG:2154"):
        area2 = tm.read_study_area(path, unit_id="code", unit_name="nom", crs="EPSG:2154")
    assert area2.crs.to_epsg() == 2154
    assert main(["validate", str(path), "--unit-id", "code", "--unit-name", "nom",
                 "--crs", "EPSG:2154"]) == 0
