"""Issue 10 "Correct numbers", geometry: each test checks against an independent computation
(pyproj.Geod on the ellipsoid, or a hand calculation), never against townmerge's own output."""

import json
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely import box

import townmerge as tm
from townmerge.cli.commands import main
from townmerge.data.io import read_layers
from townmerge.data.writers import write_geojson
from townmerge.errors import TopologyWarning
from townmerge.evaluate.metrics import summarize
from townmerge.graph.adjacency import build_adjacency
from townmerge.i18n import fmt_area_km2

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

    s = summarize(area, tm.Plan.from_mapping({"A": "A", "B": "A"}))
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


# -- bullet 3: dissolving does not crash on data that validation passed -----------------------
def test_dissolving_tiny_overlap_does_not_crash_and_validation_names_it():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TopologyWarning)
        area = tm.read_study_area(FINISTERE, unit_id="code", unit_name="nom")
    tiny = next(p for p in area.report.warnings if p.code == "tiny-overlap")
    assert set(tiny.ids) == {"29192", "29273"}
    assert "29192 (Plougoulm)" in tiny.message and "29273 (Santec)" in tiny.message
    assert "m²" in tiny.message and 0 < tiny.figures["area_m2"] < 1.0

    plan = tm.Plan.identity(area.unit_ids).merge("29192", "29273")
    merged = tm.merged_units(area, plan)
    new = plan.assignment["29192"]
    lonlat = gpd.read_file(FINISTERE).set_index("code").geometry
    truth = _geod_area_km2(lonlat["29192"]) + _geod_area_km2(lonlat["29273"])
    assert merged.at[new, "area_km2"] == pytest.approx(truth, rel=1e-3)
    assert merged.at[new, "geometry"].area / 1e6 == pytest.approx(truth, rel=2e-3)
    assert merged.at[new, "geometry"].is_valid
    s = summarize(area, plan)
    assert (s.units_before - s.units_after) == 1
    page = tm.plan_report(area, plan, lang="en")
    assert "Plougoulm" in page and "Santec" in page
    before = area.units.assign(new_unit=[plan.assignment[u] for u in area.unit_ids])
    html = tm.before_after_map(before, merged, lang="en").get_root().render()
    assert "Santec" in html


# -- bullet 4: one area everywhere ------------------------------------------------------------
def _map_tips(html: str) -> list[tuple[str, list[str]]]:
    """(name, tooltip lines) of every shape in the map's JSON data block."""
    found = re.search(r'<script type="application/json" id="[^"]*_data">(.*?)</script>', html,
                      re.S)
    assert found is not None, "the map has no data block"
    data = json.loads(found.group(1))
    return [(f["properties"]["name"], f["properties"].get("lines", []))
            for layer in data["layers"] if isinstance(layer.get("shapes"), dict)
            for f in layer["shapes"]["features"]]


def _line(lines: list[str], prefix: str) -> str | None:
    return next((x.removeprefix(prefix) for x in lines if x.startswith(prefix)), None)


def _map_areas(html: str) -> dict[str, str]:
    """Area string of each merged unit (tooltips without a Code line), by name."""
    out = {}
    for name, lines in _map_tips(html):
        area = _line(lines, "Area km²: ")
        if _line(lines, "Code: ") is None and area is not None:
            out[name] = area
    return out


def test_one_area_everywhere_map_report_geojson_agree_with_geod(tmp_path):
    area = tm.read_study_area(ROOT / "sample_shapes" / "county")
    plan = tm.greedy_plan(area, target=13)
    merged = tm.merged_units(area, plan)
    before = area.units.assign(new_unit=[plan.assignment[u] for u in area.unit_ids])
    html = tm.before_after_map(before, merged, lang="en").get_root().render()
    page = tm.plan_report(area, plan, lang="en")
    out = write_geojson(merged.to_crs(area.input_crs), tmp_path / "merged.geojson")
    props = {f["properties"]["new_unit_id"]: f["properties"]
             for f in json.loads(out.read_text(encoding="utf-8"))["features"]}
    on_map = _map_areas(html)
    lonlat = area.units.to_crs("EPSG:4326").geometry
    checked = 0
    for new, members in plan.groups().items():
        if len(members) < 2:
            continue
        name = str(merged.at[new, "name"])
        truth = sum(_geod_area_km2(lonlat[m]) for m in members)  # independent: the ellipsoid
        row = re.search(rf'<tr><td>{re.escape(name)}[^<]*</td><td class="wording">.*?</td>'
                        r'<td class="num">([^<]+)</td>', page)
        assert row is not None, name
        shown = fmt_area_km2(props[new]["area_km2"], "en")
        assert on_map[name] == row.group(1) == shown, name
        assert float(shown.replace(",", "")) == pytest.approx(truth, rel=1e-3, abs=0.051)
        assert props[new]["area_km2"] == pytest.approx(truth, rel=1e-3)
        checked += 1
    assert checked >= 5
    # The current units' tooltips too.
    tips = 0
    for _name, lines in _map_tips(html):
        code = _line(lines, "Code: ")
        if code:
            value = float(_line(lines, "Area km²: ").replace(",", ""))
            assert value == pytest.approx(_geod_area_km2(lonlat[code]), rel=1e-3, abs=0.051)
            tips += 1
    assert tips == len(area.unit_ids)
