"""The command line on the sample county: the acceptance path of the foundation."""

import json
import os
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely import Point, affinity

from townmerge import read_plan, read_study_area, validate
from townmerge.cli.commands import main
from townmerge.errors import EXIT_INFEASIBLE, EXIT_USAGE
from townmerge.evaluate.check import check_plan
from townmerge.evaluate.metrics import merged_units, plan_metrics
from townmerge.testing import check_html

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_shapes" / "county"


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        assert main(["demo", "--out", str(out)]) == 0
    finally:
        os.chdir(cwd)
    return out


def test_demo_writes_its_outputs(demo_out, capsys):
    for name in ("before_after.html", "report.html", "plan.csv", "merged_units.geojson"):
        assert (demo_out / name).stat().st_size > 0


def test_demo_plan_is_a_partition_of_33_into_13_contiguous_units(demo_out):
    area = read_study_area(SAMPLE)
    plan = read_plan(demo_out / "plan.csv")
    rows = pd.read_csv(demo_out / "plan.csv", dtype=str)
    assert len(rows) == 33 and rows["unit_id"].is_unique
    assert sorted(rows["unit_id"]) == sorted(area.unit_ids)
    assert plan.n_new == 13
    check_plan(area, plan).raise_if_bad()  # raises unless every new unit keeps every hard rule
    for page in ("report.html", "before_after.html"):  # so no warning box
        text = (demo_out / page).read_text(encoding="utf-8")
        assert 'class="breaches"' not in text and 'class="tm-breaches"' not in text
    merged = merged_units(area, plan)
    assert merged["population"].sum() == area.units["population"].sum()
    written = gpd.read_file(demo_out / "merged_units.geojson")
    assert len(written) == 13
    assert written["population"].sum() == area.units["population"].sum()
    assert written.crs == area.input_crs


def test_demo_prints_summary(tmp_path, capsys):
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        assert main(["demo", "--out", str(tmp_path), "--lang", "en"]) == 0
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out
    assert "from 33 to 13" in out and "60.6%" in out


@pytest.mark.browser
def test_demo_map_loads_in_chromium(demo_out, browser):
    for page in ("before_after.html", "report.html"):
        result = check_html(demo_out / page, screenshot=demo_out / f"{page}.png")
        assert result.ok, result.describe()


def broken_copy(tmp_path: Path) -> Path:
    """The sample with two overlapping units, a duplicated id, a stray settlement and a
    negative population."""
    dst = tmp_path / "broken"
    shutil.copytree(SAMPLE, dst)
    units = gpd.read_file(dst / "units.geojson")
    ids = units["unit_id"].tolist()
    # 1. overlap: grow the second unit over its neighbours
    units.loc[1, "geometry"] = affinity.scale(units.geometry[1], 1.3, 1.3)
    # 2. duplicated id: the last unit takes the id of the third
    units.loc[len(units) - 1, "unit_id"] = ids[2]
    # 4. negative population
    units.loc[5, "population"] = -100
    units.to_file(dst / "units.geojson")
    settlements = gpd.read_file(dst / "settlements.geojson")
    # 3. a settlement far outside every unit
    settlements.loc[0, "geometry"] = Point(90.0, 40.0)
    settlements.to_file(dst / "settlements.geojson")
    return dst, ids, settlements.loc[0, "settlement_id"]


def test_validate_reports_all_four_problems_and_exits_1(tmp_path, capsys):
    path, ids, stray = broken_copy(tmp_path)
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert code == 1
    assert "overlap" in err.lower() and ids[1] in err
    assert "more than one feature" in err and ids[2] in err
    assert stray in err and "outside every unit" in err
    assert "negative" in err.lower() and ids[5] in err
    assert " row" not in err.lower()
    codes = set(validate(path).codes)
    assert {"overlap", "duplicate-id", "settlement-outside", "bad-population"} <= codes


def test_validate_clean_sample_exits_0(capsys):
    assert main(["validate", str(SAMPLE)]) == 0


def test_validate_maine_et_loire_with_column_keywords(capsys):
    path = ROOT / "sample_shapes" / "maine_et_loire" / "communes_2016.geojson"
    assert main(["validate", str(path), "--unit-id", "code", "--unit-name", "nom"]) == 0


def test_sample_county_regenerates_byte_for_byte(tmp_path):
    assert main(["make-sample", str(tmp_path / "county")]) == 0
    for f in sorted(SAMPLE.iterdir()):
        if f.suffix in (".geojson", ".csv"):
            assert (tmp_path / "county" / f.name).read_bytes() == f.read_bytes(), f.name


def test_sample_is_small_and_chinese():
    total = sum(f.stat().st_size for f in SAMPLE.iterdir())
    assert total < 5 * 1024 * 1024
    doc = json.loads((SAMPLE / "units.geojson").read_text(encoding="utf-8"))
    assert any("镇" in f["properties"]["name"] for f in doc["features"])


def test_plan_as_good_as_another_plan_on_every_figure(tmp_path, capsys):
    greedy, exact = tmp_path / "greedy.csv", tmp_path / "exact.csv"
    assert main(["plan", str(SAMPLE), "--target", "13", "--out", str(greedy)]) == 0
    assert main(["plan", str(SAMPLE), "--method", "exact", "--target", "13", "--as-good-as",
                 str(greedy), "--bound", "population_cv=0.7", "--out", str(exact),
                 "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "figure bounds met: flow_kept_population" in out and "population_cv" in out
    area = read_study_area(SAMPLE)
    theirs = plan_metrics(area, read_plan(greedy))
    mine = plan_metrics(area, read_plan(exact))
    assert mine["population_cv"] <= 0.7
    for name in ("flow_kept_population", "compactness_mean"):
        assert mine[name] >= theirs[name] - 1e-12
    for name in ("share_below_floor", "mean_minutes_to_seat", "max_minutes_to_seat"):
        assert mine[name] <= theirs[name] + 1e-12
    # side by side, the comparison says which plan is dominated
    assert main(["compare", str(SAMPLE), str(greedy), str(exact), "--lang", "en"]) == 0
    assert "greedy is dominated by exact" in capsys.readouterr().out


def test_plan_bound_errors_name_the_bound(capsys):
    # a malformed --bound is a usage error (exit 2); an unmeetable one: no feasible plan (3)
    assert main(["plan", str(SAMPLE), "--method", "exact", "--target", "13",
                 "--bound", "compactness_min=0.9", "--bound", "nonsense"]) == EXIT_USAGE
    assert "argument --bound: takes NAME=VALUE" in capsys.readouterr().err
    assert main(["plan", str(SAMPLE), "--method", "exact", "--target", "13",
                 "--bound", "compactness_min=0.9"]) == EXIT_INFEASIBLE
    assert "compactness_min ≥ 0.9" in capsys.readouterr().err
