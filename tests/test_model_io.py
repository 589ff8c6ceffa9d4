import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely import Point

from townmerge import StudyArea, read_study_area
from townmerge.data.plan import Plan
from townmerge.data.plan_csv import read_plan, write_plan
from townmerge.data.writers import write_study_area
from townmerge.errors import InputError, TopologyWarning
from townmerge.testing.grids import grid_units

GRID = """
AABB
AABB
CCDD
"""


def make_area_frames(crs="EPSG:32648"):
    units = grid_units(GRID, names={"A": "青杠镇", "B": "石龙乡", "C": "白鹤乡", "D": "城北街道"},
                       population={"A": 300, "B": 200, "C": 100, "D": 400},
                       terrain={"A": "hill", "B": "hill", "C": "mountain", "D": "plain"})
    cents = units.geometry.representative_point()
    pts, rows = [], []
    for uid, p in cents.items():
        for k, dx in enumerate((-200.0, 200.0)):
            sid = f"{uid}{k}"
            pts.append(Point(p.x + dx, p.y))
            rows.append({"id": sid, "name": f"{units.at[uid, 'name']}{k}村",
                         "population": units.at[uid, "population"] / 2, "unit": uid})
    settlements = gpd.GeoDataFrame(rows, geometry=pts, crs=units.crs)
    flows = pd.DataFrame({"origin": ["A0", "B0", "C1"], "destination": ["B1", "A0", "D0"],
                          "population": [10.0, 5.0, 2.5], "traffic": [1.0, 2.0, 3.0]})
    units = units.reset_index().rename(columns={"unit_id": "code"})
    if crs != units.crs:
        units, settlements = units.to_crs(crs), settlements.to_crs(crs)
    return units, settlements, flows


def test_study_area_built_and_projected_from_geographic():
    u, s, f = make_area_frames("EPSG:4490")
    area = StudyArea(u, s, f, unit_id="code")
    assert area.input_crs.to_epsg() == 4490
    assert area.crs.to_epsg() == 32648
    assert area.units.loc["A"].geometry.area == pytest.approx(4e6, rel=1e-3)
    assert area.population_source == "units"
    assert area.flow_types == ("population", "traffic")


def test_study_area_is_never_mutated():
    u, s, f = make_area_frames()
    area = StudyArea(u, s, f, unit_id="code")
    view = area.units
    view.loc["A", "population"] = -1
    view["name"] = "x"
    assert area.units.loc["A", "population"] == 300
    assert area.units.loc["A", "name"] == "青杠镇"
    with pytest.raises(AttributeError):
        area.foo = 1


def test_unit_population_from_settlements_and_missing_unit_by_spatial_join():
    u, s, f = make_area_frames()
    u = u.drop(columns="population")
    s = s.drop(columns="unit")
    area = StudyArea(u, s, f, unit_id="code")
    assert area.population_source == "settlements"
    assert area.units["population"].to_dict() == {"A": 300, "B": 200, "C": 100, "D": 400}
    assert area.settlements.loc["C1", "unit"] == "C"


def test_population_mismatch_warns_with_names():
    u, s, f = make_area_frames()
    u.loc[u["code"] == "B", "population"] = 250  # settlements sum to 200
    with pytest.warns(TopologyWarning, match="石龙乡"):
        StudyArea(u, s, f, unit_id="code")


def test_missing_crs_is_fatal():
    u, _, _ = make_area_frames()
    u = u.set_crs(None, allow_override=True)
    with pytest.raises(InputError) as exc:
        StudyArea(u, unit_id="code")
    assert "CRS" in str(exc.value)


def test_no_population_loads():
    u, _, _ = make_area_frames()
    area = StudyArea(u.drop(columns="population"), unit_id="code")
    assert not area.has_population and area.population_source == "none"


@pytest.mark.parametrize("fmt", ["folder", "gpkg"])
def test_round_trip_loses_nothing(tmp_path, fmt):
    u, s, f = make_area_frames("EPSG:4490")
    area = StudyArea(u, s, f, unit_id="code")
    target = tmp_path / ("area" if fmt == "folder" else "area.gpkg")
    write_study_area(area, target)
    back = read_study_area(target)
    assert back.input_crs == area.input_crs
    for a, b in ((area.units, back.units), (area.settlements, back.settlements)):
        assert list(b.index) == list(a.index)
        assert b["name"].tolist() == a["name"].tolist()
        assert np.allclose(b["population"], a["population"])
        # geometry to the writer's precision (1e-7°, about 1 cm)
        assert shapely.equals_exact(np.asarray(a.geometry.array), np.asarray(b.geometry.array),
                                    tolerance=0.05).all()
    assert back.units["terrain"].tolist() == area.units["terrain"].tolist()
    pd.testing.assert_frame_equal(back.flows, area.flows, check_dtype=False)
    assert back.settlements["unit"].tolist() == area.settlements["unit"].tolist()


def test_folder_written_twice_gives_same_bytes(tmp_path):
    u, s, f = make_area_frames("EPSG:4490")
    area = StudyArea(u, s, f, unit_id="code")
    write_study_area(area, tmp_path / "a")
    write_study_area(read_study_area(tmp_path / "a"), tmp_path / "b")
    for name in ("units.geojson", "settlements.geojson", "flows.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


@pytest.mark.parametrize("suffix", [".parquet", ".shp", ".geojson"])
def test_units_from_single_file(tmp_path, suffix):
    u, _, _ = make_area_frames("EPSG:4326")
    path = tmp_path / f"units{suffix}"
    if suffix == ".parquet":
        u.to_parquet(path)
    else:
        u.to_file(path)
    area = read_study_area(path, unit_id="code")
    assert sorted(area.unit_ids) == ["A", "B", "C", "D"]
    assert area.units.loc["B", "name"] == "石龙乡"


def test_read_missing_path_is_clear(tmp_path):
    with pytest.raises(InputError, match="No such file"):
        read_study_area(tmp_path / "nope")
    tmp_path.joinpath("empty").mkdir()
    with pytest.raises(InputError, match="no units file"):
        read_study_area(tmp_path / "empty")


def test_plan_csv_round_trip_and_errors(tmp_path):
    p = Plan.from_mapping({"A": "A", "B": "A", "C": "C"}, names={"A": "青杠镇"},
                          seats={"A": "A0"})
    assert read_plan(write_plan(p, tmp_path / "p.csv")) == p
    bad = tmp_path / "bad.csv"
    bad.write_text("unit_id,new_unit_id,new_name\nA,N,甲\nA,N,乙\n,N,\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_plan(bad)
    msg = str(exc.value)
    assert "more than once" in msg and "several values of new_name" in msg
    assert "lack a unit_id" in msg


def test_maine_et_loire_loads_with_sliver_warnings():
    path = "sample_shapes/maine_et_loire/communes_2016.geojson"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        area = read_study_area(path, unit_id="code", unit_name="nom")
    assert len(area) == 250
    assert not area.has_population
    assert area.crs.to_epsg() == 32630
    # The 2016 file is a clean coverage (no gaps, no overlaps): nothing fatal, no crash.
    assert area.report.ok
    assert all(issubclass(w.category, TopologyWarning) for w in caught
               if "townmerge" in w.filename or issubclass(w.category, TopologyWarning))


def test_finistere_real_gap_and_islands_are_warnings():
    path = "sample_shapes/finistere/communes_2016.geojson"
    with pytest.warns(TopologyWarning):
        area = read_study_area(path, unit_id="code", unit_name="nom")
    codes = {p.code for p in area.report.warnings}
    assert {"gap", "island", "multipart"} <= codes
    islands = next(p for p in area.report.warnings if p.code == "island")
    assert "29155" in islands.ids and "Ouessant" in islands.message
