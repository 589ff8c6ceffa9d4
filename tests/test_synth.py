"""Tests of the synthetic county generator (townmerge.datasets.synthetic)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from townmerge.config import ROAD_SPEEDS_KMH
from townmerge.datasets.roads import ROAD_CLASSES
from townmerge.datasets.synthetic import (
    SyntheticCounty,
    sample_county,
    synthetic_county,
)

METRIC = "EPSG:32648"


@pytest.fixture(scope="module")
def sample() -> SyntheticCounty:
    return sample_county()


@pytest.fixture(scope="module")
def small() -> SyntheticCounty:
    return synthetic_county(24, seed=5, terrains=("plain", "hill", "mountain", "plateau"))


@pytest.fixture(scope="module", params=["sample", "small"])
def county(request: pytest.FixtureRequest) -> SyntheticCounty:
    return request.getfixturevalue(request.param)


# --------------------------------------------------------------------------- counts


def test_sample_counts(sample: SyntheticCounty) -> None:
    units, settlements = sample.units, sample.settlements
    assert sample.seed == 2019
    assert len(units) == 33
    kinds = units["kind"].value_counts()
    assert kinds["subdistrict"] == 3
    assert 1 <= kinds.get("ethnic township", 0) <= 2
    assert set(kinds.index) <= {"subdistrict", "town", "township", "ethnic township"}
    assert kinds.get("town", 0) > 0 and kinds.get("township", 0) > 0
    assert len(settlements) == 242
    village = settlements["kind"] == "village"
    assert village.sum() == 132
    assert (~village).sum() == 110
    assert settlements.loc[village, "groups"].sum() == 190
    assert settlements.loc[~village, "groups"].sum() == 83
    assert (settlements.loc[village, "groups"] >= 1).all()
    assert (settlements["groups"] >= 0).all()
    assert len(sample.villages) == 242
    assert sample.villages.index.equals(settlements.index)


def test_sample_magnitudes(sample: SyntheticCounty) -> None:
    units = sample.units
    area = units.to_crs(METRIC).area / 1e6
    assert 1500 <= area.sum() <= 2500
    assert 350_000 <= units["population"].sum() <= 500_000
    assert units["population"].min() >= 2_000
    assert units["population"].max() <= 90_000
    sub = units["kind"] == "subdistrict"
    assert units.loc[sub, "population"].min() > units.loc[~sub, "population"].median()
    assert set(units.loc[sub, "terrain"]) == {"plain"}
    assert set(units["terrain"]) == {"plain", "hill", "mountain"}
    # Mountain units are larger and sparser than plain ones.
    mean_area = area.groupby(units["terrain"]).mean()
    density = (units["population"] / area).groupby(units["terrain"]).median()
    assert mean_area["mountain"] > 2 * mean_area["plain"]
    assert density["mountain"] < density["hill"] < density["plain"]
    # Urban subdistricts are mostly communities.
    per_unit = sample.settlements.groupby("unit")["kind"].apply(lambda k: (k != "village").mean())
    assert (per_unit[units.index[sub]] > 0.7).all()


def test_population_sums(county: SyntheticCounty) -> None:
    units, settlements = county.units, county.settlements
    assert units["population"].dtype == np.int64
    assert settlements["population"].dtype == np.int64
    assert (settlements["population"] > 0).all()
    sums = settlements.groupby("unit")["population"].sum()
    pd.testing.assert_series_equal(
        units["population"], sums.reindex(units.index), check_names=False
    )
    assert (county.villages["population"] == settlements["population"]).all()
    assert (county.villages["groups"] == settlements["groups"]).all()


# --------------------------------------------------------------------------- ids and names


def test_ids_and_columns(county: SyntheticCounty) -> None:
    units, settlements, villages = county.units, county.settlements, county.villages
    assert units.index.name == "unit_id"
    assert settlements.index.name == "settlement_id"
    assert villages.index.name == "village_id"
    assert list(units.columns) == [
        "name", "kind", "terrain", "parent", "population", "seat", "locked", "geometry",
    ]
    assert list(settlements.columns) == [
        "name", "kind", "unit", "population", "groups", "geometry",
    ]
    assert list(villages.columns) == ["name", "unit", "population", "groups", "geometry"]
    assert units.index.is_unique and settlements.index.is_unique
    assert all(re.fullmatch(r"\d{9}", u) for u in units.index)
    assert all(re.fullmatch(r"\d{12}", s) for s in settlements.index)
    assert (units.index.str[:6] == units["parent"]).all()
    digit = units.index.str[6]
    expected = units["kind"].map(
        {"subdistrict": "0", "town": "1", "township": "2", "ethnic township": "2"}
    )
    assert (digit == expected).all()
    assert (settlements.index.str[:9] == settlements["unit"]).all()
    village = settlements["kind"] == "village"
    assert (settlements.index[village].str[9] == "2").all()
    assert (settlements.index[~village].str[9] == "0").all()
    assert (units["locked"] == (units["kind"] == "ethnic township")).all()
    assert units["locked"].dtype == bool


def test_names(county: SyntheticCounty) -> None:
    units, settlements = county.units, county.settlements
    for names in (units["name"], settlements["name"]):
        assert names.is_unique
        assert (names.str.len() >= 3).all()
    suffix = {"subdistrict": "街道", "town": "镇", "township": "乡", "ethnic township": "族乡"}
    for kind, end in suffix.items():
        assert units.loc[units["kind"] == kind, "name"].str.endswith(end).all()
    urban = units.loc[units["kind"] == "subdistrict", "name"]
    assert urban.str.startswith(("城", "东", "西", "南", "北", "江", "河", "新")).all()
    village = settlements["kind"] == "village"
    assert settlements.loc[village, "name"].str.endswith("村").all()
    assert settlements.loc[~village, "name"].str.endswith("社区").all()


def test_seats(county: SyntheticCounty) -> None:
    units, settlements = county.units, county.settlements
    kinds = settlements["kind"].value_counts()
    assert kinds["county seat"] == 1
    assert kinds["town seat"] == len(units) - 1
    seats = settlements.loc[units["seat"]]
    assert (seats["unit"].to_numpy() == units.index.to_numpy()).all()
    assert set(seats["kind"]) == {"county seat", "town seat"}
    county_seat = settlements.index[settlements["kind"] == "county seat"][0]
    main = units.loc[settlements.loc[county_seat, "unit"]]
    assert main["kind"] == "subdistrict"
    assert main.name.endswith("001")
    assert (units["seat"].str[9:] == "001").all()


# --------------------------------------------------------------------------- geometry


def test_crs_and_rounding(county: SyntheticCounty) -> None:
    for layer in (county.units, county.villages, county.settlements, county.roads):
        assert layer.crs.to_epsg() == 4490
        xy = shapely.get_coordinates(layer.geometry.to_numpy())
        np.testing.assert_array_equal(xy, np.round(xy, 7))
    minx, miny, maxx, maxy = county.units.total_bounds
    assert 102.5 < minx < 104.0 < maxx < 105.5
    assert 29.5 < miny < 30.5 < maxy < 31.5


def test_coverage(county: SyntheticCounty) -> None:
    units, villages = county.units, county.villages
    for layer in (units, villages):
        geoms = layer.geometry.to_numpy()
        assert (layer.geom_type == "Polygon").all()
        assert layer.is_valid.all()
        assert shapely.coverage_is_valid(geoms)
    assert sum(len(g.interiors) for g in units.geometry) == 0
    metric = units.to_crs(METRIC)
    outline = shapely.union_all(metric.geometry.to_numpy())
    assert outline.geom_type == "Polygon"
    assert len(outline.interiors) == 0
    total = metric.area.sum()
    # No gaps and no overlaps: the pieces add up to the outline.
    assert abs(shapely.Polygon(outline.exterior).area - total) < 1e-6 * total
    assert abs(villages.to_crs(METRIC).area.sum() - total) < 1e-6 * total


def test_territories_nest(county: SyntheticCounty) -> None:
    units, villages, settlements = county.units, county.villages, county.settlements
    unit_geom = units.geometry.loc[villages["unit"]].to_numpy()
    assert shapely.covers(unit_geom, villages.geometry.to_numpy()).all()
    # Each unit is exactly the union of its villages.
    for uid, group in villages.groupby("unit"):
        union = shapely.coverage_union_all(group.geometry.to_numpy())
        assert union.equals(units.geometry.loc[uid])
    points = settlements.geometry.to_numpy()
    own_village = villages.geometry.loc[settlements.index].to_numpy()
    own_unit = units.geometry.loc[settlements["unit"]].to_numpy()
    assert shapely.contains_properly(own_village, points).all()
    assert shapely.contains_properly(own_unit, points).all()


# --------------------------------------------------------------------------- roads


def _adjacency(county: SyntheticCounty) -> coo_matrix:
    pos = pd.Series(np.arange(len(county.settlements)), index=county.settlements.index)
    a = pos.loc[county.roads["from_settlement"]].to_numpy()
    b = pos.loc[county.roads["to_settlement"]].to_numpy()
    n = len(pos)
    return coo_matrix((np.ones(a.size), (a, b)), shape=(n, n))


def test_roads(county: SyntheticCounty) -> None:
    roads, settlements = county.roads, county.settlements
    assert list(roads.columns) == [
        "road_class", "speed_kmh", "from_settlement", "to_settlement", "geometry",
    ]
    assert (roads.geom_type == "LineString").all()
    assert set(roads["road_class"]) <= set(ROAD_CLASSES)
    assert roads["from_settlement"].isin(settlements.index).all()
    assert roads["to_settlement"].isin(settlements.index).all()
    assert (roads["from_settlement"] < roads["to_settlement"]).all()
    assert not roads.duplicated(["from_settlement", "to_settlement"]).any()
    n_parts, _ = connected_components(_adjacency(county), directed=False)
    assert n_parts == 1
    base = roads["road_class"].map(ROAD_SPEEDS_KMH)
    assert ((roads["speed_kmh"] > 0) & (roads["speed_kmh"] <= base)).all()
    # Lines run from one settlement to the other.
    lines = roads.geometry.to_numpy()
    points = settlements.geometry
    start = points.loc[roads["from_settlement"]].to_numpy()
    end = points.loc[roads["to_settlement"]].to_numpy()
    assert shapely.equals(shapely.get_point(lines, 0), start).all()
    assert shapely.equals(shapely.get_point(lines, -1), end).all()


def test_roads_hierarchy(sample: SyntheticCounty) -> None:
    roads, settlements = sample.roads, sample.settlements
    rank = roads["road_class"].map({c: i for i, c in enumerate(ROAD_CLASSES)})
    ends = pd.concat(
        [
            pd.DataFrame({"s": roads["from_settlement"], "rank": rank}),
            pd.DataFrame({"s": roads["to_settlement"], "rank": rank}),
        ]
    )
    best = ends.groupby("s")["rank"].max()
    kind = settlements["kind"]
    seats = kind.index[kind.isin(["county seat", "town seat"])]
    villages = kind.index[kind == "village"]
    assert (best.loc[seats] >= ROAD_CLASSES.index("county")).all()
    assert best.loc[seats].mean() > best.loc[villages].mean()
    assert {"village", "township", "county", "provincial", "national"} <= set(roads["road_class"])
    # Slower roads in the mountains.
    terrain = sample.units["terrain"].reindex(settlements.loc[roads["from_settlement"], "unit"])
    village_roads = (roads["road_class"] == "village").to_numpy()
    speeds = roads["speed_kmh"].to_numpy()[village_roads]
    mountain = (terrain.to_numpy() == "mountain")[village_roads]
    assert speeds[mountain].mean() < speeds[~mountain].mean()


# --------------------------------------------------------------------------- flows


def test_flows(county: SyntheticCounty) -> None:
    flows, settlements = county.flows, county.settlements
    assert list(flows.columns) == ["origin", "destination", "population", "traffic", "economic"]
    assert flows["origin"].isin(settlements.index).all()
    assert flows["destination"].isin(settlements.index).all()
    assert (flows["origin"] != flows["destination"]).all()
    assert not flows.duplicated(["origin", "destination"]).any()
    values = flows[["population", "traffic", "economic"]].to_numpy()
    assert (values > 0).all()
    np.testing.assert_allclose(values, np.round(values, 1))
    per_origin = flows.groupby("origin").size()
    assert per_origin.index.size == len(settlements)
    assert per_origin.max() <= 20
    assert per_origin.median() >= 12


def test_flows_attraction(sample: SyntheticCounty) -> None:
    flows, kind = sample.flows, sample.settlements["kind"]
    inflow = flows.groupby("destination")["population"].sum().reindex(kind.index, fill_value=0)
    assert inflow.idxmax() == kind.index[kind == "county seat"][0]
    seats = kind.isin(["county seat", "town seat"])
    assert inflow[seats].mean() > 2 * inflow[kind == "village"].mean()
    economic = flows.groupby("destination")["economic"].sum().reindex(kind.index, fill_value=0)
    assert economic[seats].mean() > economic[kind == "village"].mean()


# --------------------------------------------------------------------------- determinism


def _assert_same(a: SyntheticCounty, b: SyntheticCounty) -> None:
    for name in ("units", "villages", "settlements", "roads"):
        left, right = getattr(a, name), getattr(b, name)
        assert_geodataframe_equal(left, right)
        assert (left.geometry.to_wkb() == right.geometry.to_wkb()).all()
    pd.testing.assert_frame_equal(a.flows, b.flows)


def test_deterministic() -> None:
    first = synthetic_county(15, seed=3)
    _assert_same(first, synthetic_county(15, seed=3))
    other = synthetic_county(15, seed=4)
    assert not first.units.geometry.geom_equals(other.units.geometry).all()
    assert not first.settlements["population"].equals(other.settlements["population"])


def test_sample_is_deterministic(sample: SyntheticCounty) -> None:
    _assert_same(sample, sample_county(2019))


def test_seed_changes_sample(sample: SyntheticCounty) -> None:
    other = sample_county(7)
    assert other.seed == 7
    assert len(other.units) == 33 and len(other.settlements) == 242
    assert not other.units["name"].equals(sample.units["name"])


# --------------------------------------------------------------------------- options and sizes


def test_options() -> None:
    c = synthetic_county(
        12, seed=2, n_villages=30, n_communities=20, n_subdistricts=2, n_ethnic=2,
        village_groups=50, resident_groups=10, county_code="510322", origin=(105.0, 29.5),
    )
    kind = c.settlements["kind"]
    assert (kind == "village").sum() == 30 and (kind != "village").sum() == 20
    assert c.settlements.loc[kind == "village", "groups"].sum() == 50
    assert c.settlements.loc[kind != "village", "groups"].sum() == 10
    assert (c.units["kind"] == "subdistrict").sum() == 2
    assert (c.units["kind"] == "ethnic township").sum() == 2
    assert (c.units["parent"] == "510322").all()
    centre = shapely.union_all(c.units.geometry.to_numpy()).centroid
    assert abs(centre.x - 105.0) < 0.3 and abs(centre.y - 29.5) < 0.3


def test_plateau(small: SyntheticCounty) -> None:
    assert set(small.units["terrain"]) == {"plain", "hill", "mountain", "plateau"}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_units": 1},
        {"n_units": 10, "n_communities": 9},
        {"n_units": 10, "n_subdistricts": 0},
        {"n_units": 10, "county_code": "51102"},
        {"n_units": 10, "terrains": ("plain", "swamp")},
        {"n_units": 10, "n_villages": 5000},
    ],
)
def test_rejects_bad_arguments(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        synthetic_county(**kwargs)  # type: ignore[arg-type]


def test_large_county() -> None:
    c = synthetic_county(500, seed=1)
    assert len(c.units) == 500
    assert len(c.settlements) == len(c.villages) == 500 * 4 + 500 * 33 // 10
    assert c.units.index.is_unique and c.settlements.index.is_unique
    # More than 99 towns: several pseudo-counties with consecutive codes.
    parents = sorted(c.units["parent"].unique())
    assert len(parents) == 6 and parents[0] == "511025"
    assert (c.units.groupby("parent").size() <= 90).all()
    assert shapely.coverage_is_valid(c.units.geometry.to_numpy())
    assert shapely.coverage_is_valid(c.villages.geometry.to_numpy())
    assert (c.units.geom_type == "Polygon").all()
    n_parts, _ = connected_components(_adjacency(c), directed=False)
    assert n_parts == 1
    assert c.settlements["name"].is_unique and c.units["name"].is_unique
