"""Tests of townmerge.data.validation: one test per rule, on small ASCII-grid study areas."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import CRS
from shapely import LineString, Point, Polygon, box

from townmerge.data.columns import ColumnMap, normalize_units
from townmerge.data.problems import Problem, ValidationReport
from townmerge.data.validation import check_layers
from townmerge.errors import CRSError, InputError

CELL = 1000.0
X0, Y0 = 500_000.0, 3_300_000.0  # UTM 48N, Sichuan
UTM48 = "EPSG:32648"
NAMES = {"A": "青杠镇", "B": "石桥镇", "C": "白鹤乡", "D": "城北街道", "E": "龙泉镇"}
LOCAL_WKT = ('ENGCRS["site grid",EDATUM["site"],CS[Cartesian,2],'
             'AXIS["x",east,LENGTHUNIT["metre",1]],AXIS["y",north,LENGTHUNIT["metre",1]]]')
MAINE_ET_LOIRE = (
    Path(__file__).resolve().parents[1] / "sample_shapes/maine_et_loire/communes_2016.geojson",
    Path("/work/shared/data/france/communes_2016_49_maine-et-loire.geojson"),
)


# -- fixtures drawn as ASCII grids -------------------------------------------------------------
def grid_cells(picture: str) -> dict[str, list[tuple[int, int]]]:
    rows = [r.strip().replace(" ", "") for r in picture.replace("/", "\n").splitlines()]
    cells: dict[str, list[tuple[int, int]]] = {}
    for i, row in enumerate(r for r in rows if r):
        for j, ch in enumerate(row):
            if ch != ".":
                cells.setdefault(ch, []).append((i, j))
    return dict(sorted(cells.items()))


def cell_box(row: int, col: int, cell: float = CELL) -> Polygon:
    return box(X0 + col * cell, Y0 - (row + 1) * cell, X0 + (col + 1) * cell, Y0 - row * cell)


def cell_centre(row: int, col: int, cell: float = CELL) -> Point:
    return Point(X0 + (col + 0.5) * cell, Y0 - (row + 0.5) * cell)


def grid_units(picture: str, cell: float = CELL, crs: str | None = UTM48,
               **columns: Mapping[str, object]) -> gpd.GeoDataFrame:
    """One (multi)polygon per letter of ``picture``; ``.`` is no unit; rows split by ``/``."""
    cells = grid_cells(picture)
    ids = list(cells)
    geoms = [shapely.normalize(shapely.coverage_union_all([cell_box(r, c, cell) for r, c in rc]))
             for rc in cells.values()]
    data: dict[str, list[object]] = {"name": [NAMES.get(u, f"{u}镇") for u in ids]}
    for col, values in columns.items():
        data[col] = [values.get(u) for u in ids]
    return gpd.GeoDataFrame(data, geometry=geoms, crs=crs,
                            index=pd.Index(ids, name="unit_id", dtype=object))


def make_settlements(spec: Sequence[tuple[str, tuple[int, int], str | None]],
                     crs: str | None = UTM48, **columns: Mapping[str, object]
                     ) -> gpd.GeoDataFrame:
    """Settlements ``(id, (row, col) of the cell whose centre it sits at, unit column)``."""
    ids = [s for s, _, _ in spec]
    data: dict[str, list[object]] = {"name": [f"{s}村" for s in ids],
                                     "unit": [u for _, _, u in spec]}
    for col, values in columns.items():
        data[col] = [values.get(s) for s in ids]
    return gpd.GeoDataFrame(data, geometry=[cell_centre(*rc) for _, rc, _ in spec], crs=crs,
                            index=pd.Index(ids, name="settlement_id", dtype=object))


def with_geometry(units: gpd.GeoDataFrame, uid: str, geom: object) -> gpd.GeoDataFrame:
    out = units.copy()
    geoms = list(out.geometry)
    geoms[list(out.index).index(uid)] = geom
    return out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=out.crs))


def only(report: ValidationReport, code: str, layer: str | None = None) -> Problem:
    found = [p for p in report.problems if p.code == code and (layer is None or p.layer == layer)]
    assert len(found) == 1, f"expected one {code!r} problem, got {report}"
    return found[0]


def assert_names(problem: Problem, labels: Mapping[str, str]) -> None:
    """The message names each id with its name, and never speaks of rows."""
    for ident, name in labels.items():
        assert f"{ident} ({name})" in problem.message, problem.message
    assert "row" not in problem.message.lower()
    assert problem.message.rstrip().endswith(".")


GRID = "AAB / AAB / CCD"


def clean_layers() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, pd.DataFrame, gpd.GeoDataFrame]:
    units = grid_units(GRID, population={"A": 4000, "B": 2000, "C": 2000, "D": 1000},
                       seat={"A": "S1", "B": "S3", "C": "S4", "D": "S5"})
    settlements = make_settlements(
        [("S1", (0, 0), "A"), ("S2", (1, 1), "A"), ("S3", (0, 2), "B"), ("S4", (2, 0), "C"),
         ("S5", (2, 2), "D")],
        population={"S1": 3000, "S2": 1000, "S3": 2000, "S4": 2000, "S5": 1000})
    flows = pd.DataFrame({"origin": ["S1", "S2", "S4"], "destination": ["S3", "S1", "S5"],
                          "population": [10, 5, 2.5], "traffic": [1.0, 0.0, 3.0]})
    roads = gpd.GeoDataFrame({"name": ["省道105"]},
                             geometry=[LineString([cell_centre(0, 0), cell_centre(2, 2)])],
                             crs=UTM48)
    return units, settlements, flows, roads


# -- a clean study area ------------------------------------------------------------------------
def test_clean_grid_is_ok_without_warnings() -> None:
    units, settlements, flows, roads = clean_layers()
    report = check_layers(units, settlements, flows, roads)
    assert report.ok and report.problems == ()
    assert "0 errors, 0 warnings" in str(report)
    report.raise_if_errors()


def test_enclave_and_own_hole_are_not_problems() -> None:
    # B lies in a hole of A; E has a hole of its own (a lake) that no unit fills.
    units = grid_units("AAAEEE / ABAE.E / AAAEEE")
    assert check_layers(units).problems == ()


def test_inputs_are_never_modified() -> None:
    units, settlements, flows, roads = clean_layers()
    units = units.to_crs("EPSG:4326")
    before = [x.copy() for x in (units, settlements, flows, roads)]
    check_layers(units, settlements, flows, roads)
    for a, b in zip(before, (units, settlements, flows, roads), strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert units.crs.to_epsg() == 4326


# -- fatal problems: units ---------------------------------------------------------------------
def test_duplicate_unit_id_names_each_name() -> None:
    units = grid_units("AB / AB")
    units.index = pd.Index(["A", "A"], name="unit_id", dtype=object)
    p = only(check_layers(units), "duplicate-id")
    assert (p.severity, p.layer, p.ids) == ("error", "units", ("A",))
    assert "青杠镇" in p.message and "石桥镇" in p.message and "A ×2" in p.message
    assert "row" not in p.message.lower()


def test_missing_unit_id_says_how_many_and_names() -> None:
    units = grid_units("ABC")
    units.index = pd.Index(["A", None, None], name="unit_id", dtype=object)
    units.loc[units.index.isna(), "name"] = ["石桥镇", None]
    p = only(check_layers(units), "missing-id")
    assert (p.severity, p.layer, p.ids) == ("error", "units", ())
    assert "2 units have no id" in p.message and "石桥镇" in p.message
    assert "1 without a name" in p.message and "row" not in p.message.lower()
    assert p.figures["count"] == 2


def test_empty_geometry() -> None:
    units = with_geometry(grid_units("ABC"), "B", None)
    units = with_geometry(units, "C", Polygon())
    p = only(check_layers(units), "empty-geometry")
    assert (p.severity, p.ids) == ("error", ("B", "C"))
    assert_names(p, {"B": "石桥镇", "C": "白鹤乡"})


def test_not_polygon_gives_the_type() -> None:
    units = with_geometry(grid_units("AB"), "B", LineString([(X0, Y0), (X0 + 10, Y0)]))
    p = only(check_layers(units), "not-polygon")
    assert (p.severity, p.ids) == ("error", ("B",))
    assert_names(p, {"B": "石桥镇"})
    assert "LineString" in p.message


def test_invalid_geometry_gives_the_reason() -> None:
    x, y = X0 + CELL, Y0 - CELL
    bowtie = Polygon([(x, y), (x + CELL, y + CELL), (x + CELL, y), (x, y + CELL)])
    p = only(check_layers(with_geometry(grid_units("AB"), "B", bowtie)), "invalid-geometry")
    assert (p.severity, p.ids) == ("error", ("B",))
    assert_names(p, {"B": "石桥镇"})
    assert "Self-intersection" in p.message


def test_overlap_reports_pairs_and_area_in_m2() -> None:
    units = with_geometry(grid_units("AB.C"), "B", box(X0 + 500, Y0 - CELL, X0 + 2000, Y0))
    p = only(check_layers(units), "overlap")
    assert (p.severity, p.layer, p.ids) == ("error", "units", ("A", "B"))
    assert_names(p, {"A": "青杠镇", "B": "石桥镇"})
    assert p.figures["area_m2"] == pytest.approx(500_000)
    assert p.figures["pairs"] == 1 and "500,000 m²" in p.message


def test_enclave_not_cut_out_overlaps() -> None:
    units = with_geometry(grid_units("AAA / ABA / AAA"), "A",
                          box(X0, Y0 - 3 * CELL, X0 + 3 * CELL, Y0))
    p = only(check_layers(units), "overlap")
    assert p.ids == ("A", "B") and p.figures["area_m2"] == pytest.approx(1e6)


def test_touching_and_tiny_overlaps_are_not_overlaps() -> None:
    # B pushed 0.4 mm into A: 0.4 m² shared, under the 1 m² tolerance.
    units = with_geometry(grid_units("AB"), "B", box(X0 + CELL - 4e-4, Y0 - CELL,
                                                      X0 + 2 * CELL, Y0))
    report = check_layers(units)
    assert report.ok and "overlap" not in report.codes


def test_missing_crs_on_units_and_settlements() -> None:
    units, settlements, _, roads = clean_layers()
    report = check_layers(units.set_crs(None, allow_override=True),
                          settlements.set_crs(None, allow_override=True),
                          roads=roads.set_crs(None, allow_override=True))
    problems = [p for p in report.problems if p.code == "missing-crs"]
    assert {p.layer for p in problems} == {"units", "settlements", "roads"}
    assert all(p.severity == "error" for p in problems)
    assert all("set_crs" in p.message for p in problems)
    assert set(report.codes) == {"missing-crs"}  # every other check still ran, and passed
    with pytest.raises(CRSError):
        report.raise_if_errors()


def test_geographic_crs_on_projected_coordinates_is_bad_crs() -> None:
    units = grid_units(GRID).set_crs("EPSG:4326", allow_override=True)
    p = only(check_layers(units), "bad-crs")
    assert p.severity == "error" and "allow_override" in p.message


def test_crs_in_feet_is_bad_but_still_measured_in_metres() -> None:
    units = grid_units("AB.C", crs=None)
    units = with_geometry(units, "B", box(X0 + 500, Y0 - CELL, X0 + 2000, Y0))
    units = units.set_crs("EPSG:2263").set_geometry(
        units.geometry.translate(1e6 - X0, 2e5 - Y0))  # Long Island, in US feet
    report = check_layers(units)
    assert only(report, "bad-crs").severity == "error"
    assert only(report, "overlap").figures["area_m2"] == pytest.approx(500_000 * 0.3048**2,
                                                                       rel=0.01)


def test_crs_mismatch_only_when_not_transformable() -> None:
    units, settlements, _, _ = clean_layers()
    assert check_layers(units, settlements.to_crs("EPSG:4490")).problems == ()
    local = settlements.set_crs(CRS.from_wkt(LOCAL_WKT), allow_override=True)
    p = only(check_layers(units, local), "crs-mismatch")
    assert (p.severity, p.layer) == ("error", "settlements")
    assert "same CRS" in p.message


def test_bad_unit_population() -> None:
    units = grid_units("ABCDE", population={"A": 100, "B": -5, "C": None, "D": "很多",
                                            "E": "1200"})
    p = only(check_layers(units), "bad-population")
    assert (p.severity, p.layer, p.ids) == ("error", "units", ("B", "C", "D"))
    assert_names(p, {"B": "石桥镇", "C": "白鹤乡", "D": "城北街道"})
    assert "-5" in p.message and "'很多'" in p.message
    assert dict(p.figures) == {"missing": 1, "negative": 1, "not_a_number": 1}


# -- fatal problems: settlements ---------------------------------------------------------------
def test_settlement_duplicate_and_missing_ids() -> None:
    units = grid_units("AB")
    s = make_settlements([("S1", (0, 0), "A"), ("S1", (0, 1), "B"), ("S3", (0, 1), "B")])
    s.index = pd.Index(["S1", "S1", None], name="settlement_id", dtype=object)
    report = check_layers(units, s)
    dup = only(report, "duplicate-id", "settlements")
    assert (dup.severity, dup.ids) == ("error", ("S1",))
    assert "S1 ×2 (S1村 / S1村)" in dup.message and "row" not in dup.message.lower()
    missing = only(report, "missing-id", "settlements")
    assert missing.severity == "error" and "S3村" in missing.message


def test_bad_settlement_population() -> None:
    s = make_settlements([("S1", (0, 0), "A"), ("S2", (0, 1), "B")],
                         population={"S1": "三百", "S2": 20})
    p = only(check_layers(grid_units("AB"), s), "bad-population", "settlements")
    assert (p.severity, p.ids) == ("error", ("S1",))
    assert_names(p, {"S1": "S1村"})


def test_settlement_not_a_point() -> None:
    s = make_settlements([("S1", (0, 0), "A"), ("S2", (0, 1), "B")])
    s = s.set_geometry(gpd.GeoSeries([s.geometry.iloc[0], s.geometry.iloc[1].buffer(10)],
                                     index=s.index, crs=s.crs))
    p = only(check_layers(grid_units("AB"), s), "not-point")
    assert (p.severity, p.ids) == ("error", ("S2",))
    assert_names(p, {"S2": "S2村"})
    assert "Polygon" in p.message


def test_settlement_outside_every_unit() -> None:
    s = make_settlements([("S1", (0, 0), "A"), ("S2", (0, 1), "B"), ("S9", (0, 5), None)])
    p = only(check_layers(grid_units("AB"), s), "settlement-outside")
    assert (p.severity, p.ids) == ("error", ("S9",))
    assert_names(p, {"S9": "S9村", "B": "石桥镇"})  # names the nearest unit too
    assert "3.5 km" in p.message


def test_settlement_in_another_unit_than_named() -> None:
    s = make_settlements([("S1", (0, 0), "A"), ("S2", (0, 1), "A")])
    report = check_layers(grid_units("AB"), s)
    p = only(report, "settlement-wrong-unit")
    assert (p.severity, p.ids) == ("error", ("S2",))
    assert_names(p, {"S2": "S2村", "A": "青杠镇", "B": "石桥镇"})
    assert "listed in A (青杠镇) but lies in B (石桥镇)" in p.message
    assert "no-settlement" not in report.codes  # B holds S2 by its point


def test_settlement_naming_an_unknown_unit() -> None:
    s = make_settlements([("S1", (0, 0), "A"), ("S2", (0, 1), "X")])
    p = only(check_layers(grid_units("AB"), s), "unknown-unit")
    assert (p.severity, p.ids) == ("error", ("S2",))
    assert_names(p, {"S2": "S2村"})


# -- fatal problems: flows ---------------------------------------------------------------------
def test_flows_naming_unknown_settlements() -> None:
    units, settlements, _, _ = clean_layers()
    flows = pd.DataFrame({"origin": ["S1", "S7", "S7", None], "destination": ["S2", "S1", "S8",
                                                                             "S1"],
                          "traffic": [1, 2, 3, 4]})
    p = only(check_layers(units, settlements, flows), "unknown-flow-endpoint")
    assert (p.severity, p.layer, p.ids) == ("error", "flows", ("S7", "S8"))
    assert "S7 (in 2 flows)" in p.message and "1 endpoint is empty" in p.message
    assert "row" not in p.message.lower()


def test_bad_flow_values() -> None:
    units, settlements, _, _ = clean_layers()
    flows = pd.DataFrame({"origin": ["S1", "S2", "S3"], "destination": ["S2", "S3", "S4"],
                          "traffic": [1.0, -2.0, 3.0], "economic": [1, "lots", None]})
    p = only(check_layers(units, settlements, flows), "bad-flow")
    assert (p.severity, p.layer, p.ids) == ("error", "flows", ("S2→S3", "S3→S4"))
    assert "S2 (S2村) → S3 (S3村) traffic = -2.0" in p.message
    assert "'lots'" in p.message and "economic = missing" in p.message


def test_flows_without_value_columns() -> None:
    flows = pd.DataFrame({"origin": ["S1"], "destination": ["S2"]})
    p = only(check_layers(grid_units("AB"), flows=flows), "missing-column")
    assert p.severity == "error" and "traffic" in p.message


def test_roads_that_are_not_lines() -> None:
    roads = gpd.GeoDataFrame({"name": ["省道105", "县道12"]},
                             geometry=[LineString([(X0, Y0), (X0 + 10, Y0)]), Point(X0, Y0)],
                             crs=UTM48)
    p = only(check_layers(grid_units("AB"), roads=roads), "not-line")
    assert (p.severity, p.layer) == ("error", "roads")
    assert "县道12 (no id) is a Point" in p.message


# -- warnings ----------------------------------------------------------------------------------
def test_gap_between_units() -> None:
    p = only(check_layers(grid_units("AAA / A.B / BBB")), "gap")
    assert (p.severity, p.layer, p.ids) == ("warning", "units", ("A", "B"))
    assert_names(p, {"A": "青杠镇", "B": "石桥镇"})
    assert p.figures["count"] == 1 and p.figures["area_m2"] == pytest.approx(1e6)


def test_lake_with_an_island_unit_is_a_gap() -> None:
    # B stands alone in a lake inside A: the water between them belongs to no unit.
    report = check_layers(grid_units("AAAAA / A...A / A.B.A / A...A / AAAAA"))
    p = only(report, "gap")
    assert p.ids == ("A", "B") and p.figures["area_m2"] == pytest.approx(8e6)
    assert only(report, "island").ids == ("A", "B")  # neither touches another unit


def test_thin_gap_is_a_sliver_not_a_gap() -> None:
    units = grid_units("AAAA / ABBA / AAAA")
    shrunk = units.geometry["B"].buffer(-0.3, join_style="mitre")
    report = check_layers(with_geometry(units, "B", shrunk))
    p = only(report, "sliver")
    assert (p.severity, p.ids) == ("warning", ("A", "B"))
    assert_names(p, {"A": "青杠镇", "B": "石桥镇"})
    assert p.figures["area_m2"] == pytest.approx(0.3 * 6000, rel=0.01)
    assert report.ok and "gap" not in report.codes and "island" not in report.codes


def test_thin_overlap_is_a_sliver_not_an_overlap() -> None:
    units = grid_units("AAAA / ABBA / AAAA")
    grown = units.geometry["B"].buffer(0.3, join_style="mitre")
    report = check_layers(with_geometry(units, "B", grown))
    p = only(report, "sliver")
    assert p.ids == ("A", "B") and "overlap by" in p.message
    assert report.ok and "overlap" not in report.codes


def test_borders_that_nearly_meet_are_a_sliver() -> None:
    units = with_geometry(grid_units("AB"), "B", box(X0 + CELL + 0.3, Y0 - CELL,
                                                      X0 + 2 * CELL, Y0))
    report = check_layers(units)
    p = only(report, "sliver")
    assert p.ids == ("A", "B") and "do not touch" in p.message
    assert report.ok and "island" not in report.codes


def test_multipart_unit() -> None:
    p = only(check_layers(grid_units("A.A / BBB")), "multipart")
    assert (p.severity, p.ids) == ("warning", ("A",))
    assert_names(p, {"A": "青杠镇"})
    assert "2 parts" in p.message


def test_island_unit() -> None:
    p = only(check_layers(grid_units("AB.. / .... / ...C")), "island")
    assert (p.severity, p.ids) == ("warning", ("C",))
    assert_names(p, {"C": "白鹤乡"})


def test_unit_without_settlement() -> None:
    s = make_settlements([("S1", (0, 0), "A")])
    p = only(check_layers(grid_units("AB"), s), "no-settlement")
    assert (p.severity, p.layer, p.ids) == ("warning", "units", ("B",))
    assert_names(p, {"B": "石桥镇"})


def test_self_flow() -> None:
    units, settlements, _, _ = clean_layers()
    flows = pd.DataFrame({"origin": ["S1", "S2"], "destination": ["S1", "S1"], "traffic": [1, 2]})
    report = check_layers(units, settlements, flows)
    p = only(report, "self-flow")
    assert (p.severity, p.layer, p.ids) == ("warning", "flows", ("S1",))
    assert_names(p, {"S1": "S1村"})
    assert report.ok


def test_bad_seat() -> None:
    units, settlements, _, _ = clean_layers()
    units["seat"] = ["S3", "nowhere", "S4", None]  # A's seat S3 lies in B
    report = check_layers(units, settlements)
    p = only(report, "bad-seat")
    assert (p.severity, p.ids) == ("warning", ("A",))
    assert_names(p, {"A": "青杠镇", "S3": "S3村"})
    # a seat that is no settlement is fatal: the seat selector would refuse it later
    q = only(report, "unknown-seat")
    assert (q.severity, q.ids) == ("error", ("B",))
    assert_names(q, {"B": "石桥镇"})
    assert "names nowhere" in q.message


def test_empty_road_is_a_warning() -> None:
    roads = gpd.GeoDataFrame({"road_id": ["G318"]}, geometry=[None], crs=UTM48)
    p = only(check_layers(grid_units("AB"), roads=roads), "empty-geometry", "roads")
    assert p.severity == "warning" and p.ids == ("G318",)


# -- several problems at once, geographic input, real data -------------------------------------
def test_every_problem_is_reported_at_once() -> None:
    units = grid_units("AAB / AAB / CCD", population={"A": 10, "B": 20, "C": -7, "D": 40})
    units = with_geometry(units, "B", box(X0 + 1500, Y0 - 2 * CELL, X0 + 3 * CELL, Y0))
    units.index = pd.Index(["A", "B", "C", "C"], name="unit_id", dtype=object)
    settlements = make_settlements([("S1", (0, 0), None), ("S2", (0, 2), None),
                                    ("S9", (9, 9), None)])
    report = check_layers(units, settlements)
    assert {"overlap", "duplicate-id", "settlement-outside", "bad-population"} <= {
        p.code for p in report.errors}
    with pytest.raises(InputError) as exc:
        report.raise_if_errors()
    assert not isinstance(exc.value, CRSError)
    text = str(exc.value)
    assert text.startswith(f"The study area has {len(report.errors)} fatal problems")
    for p in report.errors:
        assert p.message in text
    assert exc.value.problems == list(report.errors)
    assert "A (青杠镇) / B (石桥镇)" in text and "S9 (S9村)" in text and "C (白鹤乡) = -7" in text


def test_geographic_input_is_measured_in_metres() -> None:
    units = with_geometry(grid_units("AB.C"), "B", box(X0 + 500, Y0 - CELL, X0 + 2000, Y0))
    p = only(check_layers(units.to_crs("EPSG:4326")), "overlap")
    assert p.figures["area_m2"] == pytest.approx(500_000, rel=0.005)
    gaps = check_layers(grid_units("AAA / A.B / BBB").to_crs("EPSG:4490"))
    assert only(gaps, "gap").figures["area_m2"] == pytest.approx(1e6, rel=0.005)


def maine_et_loire() -> gpd.GeoDataFrame:
    path = next((p for p in MAINE_ET_LOIRE if p.exists()), None)
    if path is None:
        pytest.skip("Maine-et-Loire communes not available")
    return normalize_units(gpd.read_file(path), ColumnMap(unit_id="code", unit_name="nom"))


def test_maine_et_loire_has_no_errors() -> None:
    units = maine_et_loire()
    report = check_layers(units)
    assert len(units) == 250
    assert report.ok, str(report)


def test_maine_et_loire_slivers_are_warnings() -> None:
    # Move Angers 0.3 m east: thin overlaps on one side, thin gaps on the other.
    units = maine_et_loire().to_crs("EPSG:32630")
    moved = shapely.transform(units.geometry["49007"], lambda xy: xy + np.array([0.3, 0.0]))
    report = check_layers(with_geometry(units, "49007", moved))
    assert report.ok, str(report)
    p = only(report, "sliver")
    assert "49007" in p.ids and "49007 (Angers)" in p.message
    assert set(report.codes) == {"sliver"}


# -- the report itself -------------------------------------------------------------------------
def test_report_text_frame_and_ids_without_names() -> None:
    units = grid_units("AB.. / .... / ...C", population={"A": 1, "B": None, "C": 3})
    units["name"] = [None, "石桥镇", ""]
    report = check_layers(units)
    p = only(report, "island")
    assert re.search(r"touches no other unit: C\. ", p.message)  # no name: just the id
    lines = str(report).splitlines()
    assert lines[0] == "1 error, 2 warnings"
    assert lines[1].startswith("  [error] units: ") and lines[2].startswith("  [warning] units:")
    frame = report.to_frame()
    assert frame["code"].tolist() == ["bad-population", "missing-name", "island"]
    assert frame["ids"].tolist() == [("B",), ("A", "C"), ("C",)]


def test_problem_is_immutable_and_hashable() -> None:
    p = Problem("warning", "gap", "units", "A gap.", ["A"], {"area_m2": 3})  # type: ignore[arg-type]
    assert p.ids == ("A",) and p.figures == {"area_m2": 3.0}
    with pytest.raises(AttributeError):
        p.code = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        p.figures["area_m2"] = 1.0  # type: ignore[index]
    assert hash(p) == hash(Problem("warning", "gap", "units", "A gap.", ("A",)))
    with pytest.raises(ValueError, match="severity"):
        Problem("fatal", "gap", "units", "x")  # type: ignore[arg-type]


def test_bad_tolerances_raise() -> None:
    with pytest.raises(ValueError, match="sliver_width_m"):
        check_layers(grid_units("AB"), sliver_width_m=-1)
