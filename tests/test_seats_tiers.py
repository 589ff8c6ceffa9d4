import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import Point

from townmerge.config import Config, SeatSettings, TierSettings
from townmerge.data.model import StudyArea
from townmerge.data.plan import Plan
from townmerge.datasets.synthetic import sample_county
from townmerge.errors import InputError
from townmerge.score.scorer import MergerScorer
from townmerge.score.seat_choice import choose_seat
from townmerge.score.seats import SeatSelector
from townmerge.score.tiers import classify_tiers, natural_breaks
from townmerge.testing.grids import grid_units

SAMPLE = sample_county()
MERGED = ("511025115", "511025116", "511025214")


@pytest.fixture(scope="module")
def county():
    return StudyArea(SAMPLE.units, SAMPLE.settlements, SAMPLE.flows, SAMPLE.roads)


@pytest.fixture(scope="module")
def selector(county):
    return SeatSelector(county)


# -- seats ----------------------------------------------------------------------------------------
def test_seat_of_a_merger_is_reported_with_every_candidate(county, selector):
    ch = choose_seat(county, list(MERGED), selector=selector, villages=SAMPLE.villages)
    seats = set(county.units.loc[list(MERGED), "seat"])
    assert ch.seat in seats and set(ch.former_seats) == seats
    assert set(ch.candidates.index) == seats
    assert ch.candidates["chosen"].sum() == 1 and ch.candidates.index[0] == ch.seat
    assert ch.candidates["land"].isna().all()  # no land data: left out ...
    assert any("land" in n for n in ch.notes)  # ... and said so
    terms = ch.candidates[["access", "centrality", "hub", "continuity"]]
    w = pd.Series(Config().seats.as_dict())[terms.columns]
    np.testing.assert_allclose(ch.candidates["score"], terms.to_numpy() @ w / w.sum())
    assert not ch.moved and ch.within_limit
    assert ch.seat_name in ch.reason_zh and "former seat" in ch.reason_en
    # the scorer picks the same seat
    assert MergerScorer(county).score_groups([list(MERGED)])["seat"][0] == ch.seat


def test_county_seat_stays_and_singletons_keep_their_seat(county, selector):
    ch = choose_seat(county, ["511025001", "511025201"], selector=selector)
    assert ch.seat == county.units.at["511025001", "seat"]
    assert ch.candidates.loc[ch.seat, "forced"]
    for u in ("511025101", "511025213"):
        assert choose_seat(county, [u], selector=selector).seat == county.units.at[u, "seat"]
    with pytest.raises(InputError, match="nope"):
        choose_seat(county, ["nope"], selector=selector)


def small_area(hazard=False):
    units = grid_units("AAB", cell=2000.0, population={"A": 10000, "B": 1000},
                       terrain={"A": "hill", "B": "hill"})
    x0, y0 = 500_000.0, 3_300_000.0
    sts = gpd.GeoDataFrame({
        "id": ["a_seat", "a_town", "a_vil", "b_seat"],
        "kind": ["village", "town seat", "village", "town seat"],
        "population": [1000, 8000, 1000, 1000],
        "unit": ["A", "A", "A", "B"],
        "hazard": [False, hazard, False, False],
    }, geometry=[Point(x0 + 500, y0 - 1000), Point(x0 + 2500, y0 - 1000),
                 Point(x0 + 3500, y0 - 1000), Point(x0 + 5000, y0 - 1000)], crs=units.crs)
    units["seat"] = {"A": "a_seat", "B": "b_seat"}
    villages = gpd.GeoDataFrame(
        {"id": ["v1", "v2", "v3"]},
        geometry=[shapely.box(x0, y0 - 2000, x0 + 2000, y0),
                  shapely.box(x0 + 2000, y0 - 2000, x0 + 4000, y0),
                  shapely.box(x0 + 4000, y0 - 2000, x0 + 6000, y0)], crs=units.crs,
    ).set_index("id")
    return StudyArea(units, sts), villages


def test_seat_move_flagged_when_the_seat_leaves_every_former_village():
    area, villages = small_area()
    towns = Config(seats=SeatSettings(candidates="towns"))
    ch = choose_seat(area, ["A", "B"], config=towns, villages=villages)
    assert ch.seat == "a_town" and ch.moved  # the stronger town in its own village
    assert "驻地迁移" in ch.reason_zh and "seat move" in ch.reason_en
    assert not choose_seat(area, ["A", "B"], villages=villages).moved  # seats only
    out = MergerScorer(area, towns).explain([["A", "B"]], villages=villages)
    assert out.loc[0, "seat"] == "a_town" and out.loc[0, "seat_moved"]


def test_hazard_zone_is_never_a_seat():
    area, _ = small_area(hazard=True)
    ch = choose_seat(area, ["A", "B"], config=Config(seats=SeatSettings(candidates="towns")))
    assert ch.seat != "a_town" and "a_town" not in ch.candidates.index


# -- tiers ----------------------------------------------------------------------------------------
def test_tiers_on_the_sample_county(county, selector):
    t = classify_tiers(county, selector=selector)
    assert len(t) == len(SAMPLE.settlements) and (t["tier"] != "").all()
    town = t[t["level"] == "town"]
    assert len(town) == 33 and set(town["tier"]) <= {"主城区", "副中心", "中心镇", "特色镇",
                                                     "一般镇"}
    assert town.loc[county.units.at["511025001", "seat"], "tier"] == "主城区"  # county seat
    sub = town[town["tier"] == "副中心"]
    assert len(sub) <= 2 and (sub["minutes_to_county_seat"] >= 30).all()
    assert (sub["dominated"] >= 3).all()
    vil = t[t["level"] == "village"]
    assert set(vil["tier"]) <= {"中心村", "特色村/重点村", "一般村"}
    # at least one central village in every township that has villages
    per_unit = vil.groupby("new_unit")["tier"].apply(lambda s: (s == "中心村").sum())
    assert (per_unit >= 1).all()
    assert t["reason_zh"].str.contains("中心性").all() and t["reason_en"].str.len().min() > 10
    assert "town" in t.attrs["breaks"] and t.attrs["weights"]


def test_quotas_are_met_exactly(county, selector):
    t = classify_tiers(county, town_quotas=(3, 2, 7, 14), village_quotas=(58, 10),
                       selector=selector)
    counts = t["tier"].value_counts()
    assert [counts.get(k, 0) for k in ("主城区", "副中心", "中心镇", "特色镇", "一般镇")] == \
        [3, 2, 7, 14, 7]
    assert counts["中心村"] == 58 and counts["特色村/重点村"] == 10
    assert counts["一般村"] == (t["level"] == "village").sum() - 68
    cfg = Config(tiers=TierSettings(town_quotas=(1, 0, 0, 0)))
    assert (classify_tiers(county, config=cfg, selector=selector)["tier"] == "主城区").sum() == 1
    with pytest.raises(InputError, match="only 33 town-level nodes"):
        classify_tiers(county, town_quotas=(10, 10, 10, 10), selector=selector)


def test_after_a_plan_former_seats_stay_town_nodes(county, selector):
    plan = Plan.from_groups({"N1": list(MERGED)} | {
        u: [u] for u in county.unit_ids if u not in MERGED})
    t = classify_tiers(county, plan, selector=selector)
    former = t[t["former_seat"]]
    assert len(former) == 2 and (former["level"] == "town").all()
    assert (t["seat"].sum(), t["former_seat"].sum()) == (31, 2)
    assert "former seat" in former["reason_en"].iloc[0]
    q = classify_tiers(county, plan, town_quotas=(3, 2, 7, 14), selector=selector)
    assert (q["tier"] == "特色镇").sum() == 14


def test_threshold_method(county, selector):
    cfg = Config(tiers=TierSettings(method="thresholds", town_thresholds=(0.45, 0.3),
                                    village_threshold=0.3))
    t = classify_tiers(county, config=cfg, selector=selector)
    assert t.attrs["breaks"]["town"] == [0.45, 0.3]
    nonurban = t[(t["level"] == "town") & (t["tier"] != "主城区")]
    assert (nonurban.loc[nonurban["tier"].isin(["副中心", "中心镇"]), "Z"] >= 0.3).all()


# -- natural breaks -------------------------------------------------------------------------------
def ssd(parts):
    return sum(((p - p.mean()) ** 2).sum() for p in parts)


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.integers(0, 50), min_size=3, max_size=9), k=st.integers(1, 3))
def test_natural_breaks_are_optimal(values, k):
    x = np.sort(np.array(values, dtype=float))
    bounds = natural_breaks(x, k)
    cls = np.searchsorted(bounds, x, side="left")
    got = ssd([x[cls == c] for c in np.unique(cls)])
    kk = min(k, len(np.unique(x)))
    best = min(ssd(np.split(x, list(cut)))
               for cut in itertools.combinations(range(1, len(x)), kk - 1))
    assert got == pytest.approx(best, abs=1e-9)
    assert bounds[-1] == x.max() and len(bounds) == kk


def test_natural_breaks_large_input_is_sampled_and_bad_input_refused():
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(0, 1, 5000), rng.normal(20, 1, 5000)]
    b = natural_breaks(x, 2, max_values=500)
    assert 2 < b[0] < 18
    with pytest.raises(InputError):
        natural_breaks([np.nan], 2)


def test_village_level_tiers_are_village_tiers_with_a_central_village_per_township():
    """Units that are villages: their seats are villages, not town nodes (no empty tiers)."""
    import warnings

    from townmerge.data.io import read_study_area
    from townmerge.generate import greedy_plan
    from townmerge.render import report_figures

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        villages = read_study_area("sample_shapes/county", level="villages")
        plan = greedy_plan(villages, target=160)
        table = classify_tiers(villages, plan, level="village")
        figures = report_figures(villages, plan, level="village")
    kinds = villages.settlements["kind"].reindex(table.index)
    town_kind = kinds.isin(["county seat", "town seat"])
    assert (table.loc[town_kind, "level"] == "town").all()
    assert (table.loc[~town_kind, "level"] == "village").all() and (~town_kind).sum() > 100
    township = villages.units["parent"].astype(str)
    central = table[table["tier"] == "中心村"]
    assert set(township.reindex(central["unit"].astype(str))) >= set(
        township.reindex(table.loc[~town_kind, "unit"].astype(str)))
    tiers = figures.tiers
    assert list(tiers["level"].unique()) == ["village"]
    assert tiers["count"].sum() == (~town_kind).sum() and tiers.loc["中心村", "count"] > 0
    with pytest.raises(ValueError, match="level"):
        classify_tiers(villages, plan, level="county")
