import pandas as pd
import pytest
from pyproj import CRS

from townmerge.config import Config
from townmerge.data.columns import (
    ColumnMap,
    normalize_flows,
    normalize_settlements,
    normalize_units,
)
from townmerge.data.crs import local_metric_crs, require_crs
from townmerge.errors import CRSError, InputError


def test_missing_crs_is_an_error_not_a_guess():
    with pytest.raises(CRSError, match="set_crs"):
        require_crs(None, "units")


def test_geographic_to_utm_and_cgcs2000():
    assert local_metric_crs(CRS.from_epsg(4490), (103.9, 30.5, 104.4, 30.9)).to_epsg() == 32648
    assert local_metric_crs(CRS.from_epsg(4326), (-1.4, 47.0, 0.3, 47.8)).to_epsg() == 32630
    south = local_metric_crs(CRS.from_epsg(4326), (150.0, -34.0, 151.0, -33.0))
    assert south.to_epsg() == 32756


def test_wide_area_gets_equal_area_projection():
    crs = local_metric_crs(CRS.from_epsg(4326), (97.0, 26.0, 109.0, 34.0))
    assert crs.is_projected and "Lambert Azimuthal Equal Area" in crs.to_wkt()


def test_projected_metric_crs_kept_and_feet_rejected():
    utm = CRS.from_epsg(32648)
    assert local_metric_crs(utm, (0, 0, 1, 1)) == utm
    with pytest.raises(CRSError, match="metres"):
        local_metric_crs(CRS.from_epsg(2263), (0, 0, 1, 1))  # NY state plane, US feet


def test_columns_mapped_by_keyword_and_ids_as_text():
    df = pd.DataFrame({"code": [510101001, 510101002], "名称": ["城关镇", "石龙乡"],
                       "POP2020": [1, 2]})
    out = normalize_units(df, ColumnMap(unit_id="code", unit_name="名称", population="POP2020"))
    assert out.index.tolist() == ["510101001", "510101002"]
    assert out["name"].tolist() == ["城关镇", "石龙乡"]
    assert "population" in out.columns


def test_missing_column_lists_available_columns():
    with pytest.raises(InputError, match="POP"):
        normalize_units(pd.DataFrame({"id": [1], "pop": [1]}), ColumnMap(population="POP"))
    with pytest.raises(InputError, match="no id column"):
        normalize_units(pd.DataFrame({"foo": [1]}))
    with pytest.raises(TypeError, match="Unknown column keyword"):
        ColumnMap.from_kwargs(unit_code="x")


def test_settlement_and_flow_ids_normalised():
    s = normalize_settlements(pd.DataFrame({"id": [1.0], "unit": [7.0]}))
    assert s.index.tolist() == ["1"] and s["unit"].tolist() == ["7"]
    f = normalize_flows(pd.DataFrame({"from": [1], "to": [2], "traffic": [3]}),
                        ColumnMap(origin="from", destination="to"))
    assert f[["origin", "destination"]].iloc[0].tolist() == ["1", "2"]


def test_config_toml_round_trip_and_unknown_keys():
    cfg = Config.from_toml("[thresholds.plain]\np_min = 25000\n")
    assert cfg.thresholds.plain.p_min == 25000
    assert cfg.thresholds.plain.p_max == 120000
    assert Config.from_toml(cfg.to_toml()) == cfg
    with pytest.raises(ValueError, match="p_mni"):
        Config.from_toml("[thresholds.plain]\np_mni = 1\n")
    with pytest.raises(ValueError, match="terrain"):
        Config().thresholds.for_terrain("swamp")


def test_travel_and_gravity_settings_round_trip_through_toml():
    from townmerge.config import GravityParams, TravelParams

    cfg = Config(travel=TravelParams(cutoff_min=45.0, max_destinations=50,
                                     road_speeds_kmh={"county": 50.0, "village": 20.0}),
                 gravity=GravityParams(b=1.5, method="loglinear",
                                       gdp_weight={"county seat": 4.0, "village": 1.0}))
    back = Config.from_toml(cfg.to_toml())
    assert back == cfg
    assert dict(back.travel.road_speeds_kmh) == {"county": 50.0, "village": 20.0}
    # a sub-table replaces the default table whole (unlisted classes: default_speed_kmh)
    one = Config.from_toml("[travel.road_speeds_kmh]\ncounty = 50\n")
    assert dict(one.travel.road_speeds_kmh) == {"county": 50.0}
    with pytest.raises(ValueError, match=r"Unknown key\(s\) \['cutof_min'\] in \[travel\]"):
        Config.from_toml("[travel]\ncutof_min = 30\n")
    with pytest.raises(InputError, match=r"\[travel.road_speeds_kmh\] county = 'fast' is not a"):
        Config.from_toml('[travel.road_speeds_kmh]\ncounty = "fast"\n')
    with pytest.raises(InputError, match="Unknown fit method 'ols'"):
        Config.from_toml('[gravity]\nmethod = "ols"\n')
    with pytest.raises(InputError, match="must be positive"):
        Config.from_toml("[travel.road_speeds_kmh]\ncounty = -5\n")


def test_config_travel_settings_reach_seats_and_figures():
    from townmerge import MergerScorer, StudyArea, plan_metrics
    from townmerge.config import TravelParams
    from townmerge.data.plan import Plan
    from townmerge.datasets.synthetic import sample_county

    c = sample_county()  # roads without their own speed: the class speeds apply
    area = StudyArea(c.units, c.settlements, c.flows, c.roads.drop(columns="speed_kmh"))
    plan = Plan.from_groups({"N": ["511025102", "511025205"]}
                            | {u: [u] for u in area.unit_ids
                               if u not in ("511025102", "511025205")})
    slow = Config(travel=TravelParams(
        road_speeds_kmh={k: v / 2 for k, v in TravelParams().road_speeds_kmh.items()},
        access_speed_kmh=7.5, fallback_speed_kmh=15.0, default_speed_kmh=15.0))
    fast_minutes = plan_metrics(area, plan)["mean_minutes_to_seat"]
    slow_minutes = plan_metrics(area, plan, config=slow)["mean_minutes_to_seat"]
    assert slow_minutes == pytest.approx(2 * fast_minutes, rel=1e-6)
    assert MergerScorer(area, slow).selector.network.params == slow.travel
