import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import Point

from townmerge.config import Config, Constraints, Weights
from townmerge.data.model import StudyArea
from townmerge.data.plan import Plan
from townmerge.datasets.synthetic import sample_county
from townmerge.errors import InfeasibleError, InputError, TopologyWarning
from townmerge.score.constraints import CONSTRAINTS
from townmerge.score.criteria import Criterion, CriterionRegistry, default_criteria
from townmerge.score.plan_scores import plan_objective, score_plan
from townmerge.score.scorer import MergerScorer, score_mergers
from townmerge.testing.grids import grid_units

SAMPLE = sample_county()


@pytest.fixture(scope="module")
def county():
    return StudyArea(SAMPLE.units, SAMPLE.settlements, SAMPLE.flows, SAMPLE.roads)


@pytest.fixture(scope="module")
def table(county):
    return score_mergers(county)


def weighted_total(frame, weights):
    names = list(weights)
    v = frame[names].to_numpy(dtype=float)
    w = np.array([weights[n] for n in names])
    ok = np.isfinite(v)
    return (np.where(ok, v, 0) * w).sum(axis=1) / (ok * w).sum(axis=1)


# -- acceptance 1: the sample county -------------------------------------------------------------
def test_every_total_is_the_weighted_sum_of_its_criteria(table):
    weights = table.attrs["weights"]
    assert set(weights) <= set(table.columns)
    np.testing.assert_allclose(table["total"], weighted_total(table, weights), rtol=1e-12)
    crit = table[list(weights)].to_numpy(dtype=float)
    assert np.nanmin(crit) >= 0 and np.nanmax(crit) <= 1
    # the criteria without data are named per row and in the notes
    assert set(table["missing"]) == {"cohesion, risk"}
    assert any("cohesion" in n for n in table.attrs["notes"])


def test_every_infeasible_row_names_its_binding_constraint_with_figures(table):
    bad = table[~table["feasible"]]
    assert len(bad) > 0 and (bad["band"] == "reject").all()
    assert set(bad["binding"]) <= set(CONSTRAINTS)
    for _, row in bad.iterrows():
        assert row["binding_detail"].startswith(row["binding"].replace("_", " ")) or \
            row["binding_detail"].startswith("must-link")
        assert re.search(r"\d", row["binding_detail"])  # ids and figures
        assert row["binding_detail_zh"]
        assert row["reason_en"].startswith("Infeasible: ")
        assert row["reason_zh"].startswith("不可行：")
    tt = bad[bad["binding"] == "travel_time"].iloc[0]
    assert re.search(r"is \d+ min from the seat .* > limit \d+ min", tt["binding_detail"])
    assert (table.loc[table["feasible"], "binding"] == "").all()


def test_candidates_bands_and_reasons(table, county):
    assert table["members"].map(len).max() == 4
    # every adjacent pair is a candidate
    from townmerge.graph.adjacency import build_adjacency

    edges = build_adjacency(county)
    pairs = {tuple(sorted(p)) for p in zip(edges["unit_a"], edges["unit_b"], strict=True)}
    assert pairs <= set(table["members"])
    bands = Config().bands
    ok = table["feasible"]
    assert (table.loc[ok & (table["total"] >= bands.recommend), "band"] == "recommend").all()
    assert (table.loc[ok & (table["total"] < bands.reject), "band"] == "reject").all()
    assert table["reason_zh"].str.len().min() > 10 and table["reason_en"].str.len().min() > 10
    row = table[table["members"] == ("511025115", "511025116")].iloc[0]
    assert re.match(r"安坝镇 \d+% 的人口流出流向小冲镇；合并后驻地（.+）平均可达 \d+ 分钟",
                    row["reason_zh"])
    assert re.match(r"\d+% of 安坝镇's outbound population flow goes to 小冲镇; the merged seat "
                    r"\(.+\) is \d+ minutes away on average", row["reason_en"])
    assert table["total"].is_monotonic_decreasing


# -- acceptance 2: property tests ---------------------------------------------------------------
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000))
def test_scores_do_not_change_when_units_are_relabelled_or_rows_shuffled(county, seed):
    rng = np.random.default_rng(seed)
    units = SAMPLE.units.copy()
    old = list(units.index)
    new = [f"U{v:05d}" for v in rng.choice(99_999, size=len(old), replace=False)]
    rename = dict(zip(old, new, strict=True))
    units.index = pd.Index([rename[u] for u in old], name=units.index.name)
    units = units.iloc[rng.permutation(len(units))]
    sts = SAMPLE.settlements.copy()
    sts["unit"] = sts["unit"].map(rename)
    sts = sts.iloc[rng.permutation(len(sts))]
    flows = SAMPLE.flows.iloc[rng.permutation(len(SAMPLE.flows))]
    area2 = StudyArea(units, sts, flows, SAMPLE.roads)
    a = score_mergers(county)
    b = score_mergers(area2)
    back = {v: k for k, v in rename.items()}
    b["members"] = [tuple(sorted(back[u] for u in m)) for m in b["members"]]
    a = a.set_index("members").sort_index()
    b = b.set_index("members").sort_index()
    assert list(a.index) == list(b.index)
    cols = [*a.attrs["weights"], "total"]
    np.testing.assert_allclose(a[cols].to_numpy(float), b[cols].to_numpy(float), rtol=1e-9,
                               atol=1e-12)
    assert (a["seat"] == b["seat"]).all() and (a["binding"] == b["binding"]).all()


@settings(max_examples=15, deadline=None)
@given(pops=st.lists(st.integers(100, 60_000), min_size=5, max_size=5),
       order=st.permutations(range(5)))
def test_grid_scores_invariant_to_row_order(pops, order):
    grid = "AABC / DDBC / DEEC"
    popmap = dict(zip("ABCDE", pops, strict=True))
    units = grid_units(grid, population=popmap, terrain=dict.fromkeys("ABCDE", "hill"))
    s1 = MergerScorer(StudyArea(units))
    s2 = MergerScorer(StudyArea(units.iloc[list(order)]))
    groups = [["A", "B"], ["B", "C", "E"], ["D"], ["A", "D", "E", "B"], ["A", "C"]]
    f1, f2 = s1.score_groups(groups), s2.score_groups(groups)
    np.testing.assert_allclose(f1["total"], f2["total"], rtol=1e-12)
    assert f1["feasible"].tolist() == f2["feasible"].tolist() == [True, True, True, True, False]


@settings(max_examples=15, deadline=None)
@given(value=st.floats(0, 1), weight=st.floats(0.01, 1))
def test_user_criterion_shows_up_in_output_and_in_total(value, weight):
    units = grid_units("AB / CD", population={"A": 9000, "B": 12000, "C": 4000, "D": 15000})
    area = StudyArea(units)
    base = score_mergers(area).set_index("members")

    def flat(batch):
        """The same value for every group."""
        return np.full(batch.n, value)

    reg = default_criteria().with_criterion("flat", flat, weight=weight, label_zh="常数")
    out = score_mergers(area, criteria=reg).set_index("members").loc[base.index]
    assert "flat" in out.columns and out.attrs["weights"]["flat"] == weight
    np.testing.assert_allclose(out["flat"], value)
    w0 = base.attrs["weights"]
    avail = (base[list(w0)].notna() * pd.Series(w0)).sum(axis=1)
    expected = (base["total"] * avail + weight * value) / (avail + weight)
    np.testing.assert_allclose(out["total"], expected, rtol=1e-12)
    np.testing.assert_allclose(out["total"], weighted_total(out, out.attrs["weights"]))


def test_user_criterion_weight_from_config_and_typos_refused():
    area = StudyArea(grid_units("AB", population={"A": 1, "B": 2}))
    reg = default_criteria().with_criterion("flat", lambda b: 0.5, weight=0.1)
    s = MergerScorer(area, Config(weights=Weights(extra=(("flat", 0.4),))), criteria=reg)
    assert s.weights["flat"] == 0.4
    with pytest.raises(InputError, match="flta"):
        MergerScorer(area, Config(weights=Weights(extra=(("flta", 0.4),))), criteria=reg)
    bad = default_criteria().with_criterion("bad", lambda b: 2.0)
    with pytest.raises(InputError, match=r"'bad' returned .* outside"):
        MergerScorer(area, criteria=bad).score_groups([["A", "B"]])
    with pytest.raises(InputError, match="output column"):
        Criterion("total", lambda b: 0.0)
    with pytest.raises(InputError, match="already registered"):
        reg.with_criterion("flat", lambda b: 0.0)
    assert "flat" not in default_criteria()
    assert isinstance(reg.without("flat"), CriterionRegistry)


# -- constraints, one by one --------------------------------------------------------------------
def test_each_hard_constraint_names_itself_with_figures():
    units = grid_units("ABCD / EFGH", population=dict.fromkeys("ABCDEFGH", 5000),
                       terrain=dict.fromkeys("ABCDEFGH", "hill"),
                       parent={**dict.fromkeys("ABCDEFG", "510101"), "H": "510102"},
                       locked={"B": True}, border_town={"C": "是"})
    area = StudyArea(units)
    cfg = Config(max_members=3, constraints=Constraints(must_link_pairs=(("E", "F"),)))
    s = MergerScorer(area, cfg)
    groups = [["A", "B"], ["C", "D"], ["E"], ["G", "H"], ["A", "G"], ["A", "E", "F", "G"],
              ["E", "F"]]
    out = s.explain(groups)
    assert out["binding"].tolist() == ["locked", "locked", "must_link", "same_parent",
                                       "contiguity", "size", ""]
    d = out["binding_detail"].tolist()
    assert "B (B镇) is locked" in d[0] and "C (C镇) is a designated border town" in d[1]
    assert "E (E镇) and F (F镇) must merge" in d[2]
    assert "510101: G (G镇)" in d[3] and "510102: H (H镇)" in d[3]
    assert "2 separate parts (A (A镇) | G (G镇))" in d[4]
    assert "4 units > 3 allowed" in d[5]
    assert out["feasible"].tolist() == [False] * 6 + [True]


def test_area_and_travel_time_limits_and_singletons_exempt():
    cell = 4000.0
    units = grid_units("AAAB / AAAB", cell=cell, population={"A": 20000, "B": 3000},
                       terrain={"A": "plain", "B": "plain"})
    x0, y0 = 500_000.0, 3_300_000.0
    pts = [Point(x0 + 2000, y0 - 2000), Point(x0 + 6000, y0 - 6000),
           Point(x0 + 14000, y0 - 2000)]
    sts = gpd.GeoDataFrame({"id": ["a0", "a1", "b0"], "population": [15000, 5000, 3000],
                            "unit": ["A", "A", "B"], "kind": ["town seat", "village",
                                                              "town seat"]},
                           geometry=pts, crs=units.crs)
    units["seat"] = {"A": "a0", "B": "b0"}
    area = StudyArea(units, sts)
    s = MergerScorer(area)
    out = s.explain([["A", "B"], ["B"]])
    assert out.loc[0, "binding"] == "travel_time"
    assert "b0 (b0) is 31 min from the seat a0 (a0) > limit 30 min" in out.loc[0,
                                                                                 "binding_detail"]
    assert out.loc[1, "feasible"]
    small = Config(thresholds=Config().thresholds.__class__(
        plain=Config().thresholds.plain.__class__(30000, 120000, 100.0, 60.0, 15.0)))
    out = MergerScorer(area, small).explain([["A", "B"], ["A"]])
    assert out.loc[0, "binding"] == "area"
    assert "area: 128.0 km² > limit 100 km²" in out.loc[0, "binding_detail"]
    assert out.loc[1, "feasible"]  # 96 km² alone, and a unit that stays is exempt anyway


def test_seat_in_another_unit_must_link():
    units = grid_units("AB", population={"A": 5000, "B": 6000})
    pts = [Point(500_000 + 1500, 3_300_000 - 500), Point(500_000 + 1700, 3_300_000 - 500),
           Point(500_000 + 500, 3_300_000 - 500)]
    sts = gpd.GeoDataFrame({"id": ["a0", "b0", "a1"], "population": [0, 6000, 5000]},
                           geometry=pts, crs=units.crs)
    units["seat"] = {"A": "a0", "B": "b0"}  # A's seat a0 lies in B: 一地两府
    with pytest.warns(TopologyWarning, match="seat in another unit"):
        area = StudyArea(units, sts)
    out = MergerScorer(area).explain([["A"], ["B"], ["A", "B"]])
    assert out["binding"].tolist() == ["must_link", "must_link", ""]
    assert "the seat of A (A镇) lies in B (B镇)" in out.loc[0, "binding_detail"]
    assert out.loc[0, "binding_detail_zh"] == "一地两府：A镇驻地位于B镇境内，须合并"
    with pytest.raises(InfeasibleError, match=r"A \(A\+?.*must-link"):
        plan_objective(area, Plan.identity(["A", "B"]))
    cand = MergerScorer(area).candidates()
    assert cand["trigger"].tolist() == ["pair+below_floor+must_link"]


# -- the generators' interface ------------------------------------------------------------------
def test_fast_interface_matches_full_table(county):
    s = MergerScorer(county)
    groups = [["511025115", "511025116"], ["511025116"], ["511025209"],
              ["511025105", "511025209"]]
    frame = s.score_groups(groups)
    assert list(frame.columns[:5]) == ["members", "n_members", "seat", "population", "area_km2"]
    for g, total, feasible in zip(groups, frame["total"], frame["feasible"], strict=True):
        assert s.group_total(list(reversed(g))) == total
        assert s.is_feasible(g) == feasible
        assert np.isfinite(total) and 0 <= total <= 1
    assert frame["feasible"].tolist() == [True, True, True, False]
    assert frame.loc[1, "efficiency"] == 0.0 and frame.loc[1, "compactness"] == 1.0
    full = s.explain(groups)
    np.testing.assert_allclose(full["total"], frame["total"])
    np.testing.assert_allclose(s.totals(groups), frame["total"])
    with pytest.raises(InputError, match="XYZ"):
        s.score_groups([["XYZ", "511025116"]])
    with pytest.raises(InputError, match="twice"):
        s.score_groups([["511025116", "511025116"]])
    with pytest.raises(InputError, match="empty"):
        s.score_groups([[]])


def test_plan_objective_is_population_weighted_mean(county):
    s = MergerScorer(county)
    groups = {"N1": ["511025115", "511025116", "511025214"], "N2": ["511025107", "511025113"]}
    taken = {u for g in groups.values() for u in g}
    groups |= {u: [u] for u in county.unit_ids if u not in taken}
    plan = Plan.from_groups(groups)
    frame = s.score_groups(list(plan.groups().values()))
    expected = (frame["population"] * frame["total"]).sum() / frame["population"].sum()
    assert plan_objective(county, plan, scorer=s) == pytest.approx(expected)
    per_unit = score_plan(county, plan, scorer=s)
    assert list(per_unit.index) == list(plan.groups())
    bad = Plan.from_groups({"X": ["511025105", "511025209"]} | {
        u: [u] for u in county.unit_ids if u not in ("511025105", "511025209")})
    with pytest.raises(InfeasibleError, match=r"X \(511025105\+511025209\): locked"):
        plan_objective(county, bad, scorer=s)


def test_candidates_from_a_plan(county):
    plan = Plan.from_groups({"N1": ["511025115", "511025116"]} | {
        u: [u] for u in county.unit_ids if u not in ("511025115", "511025116")})
    t = score_mergers(county, plan)
    with_n1 = t[t["members"].map(lambda m: "N1" in m)]
    assert len(with_n1) > 0
    assert all({"511025115", "511025116"} <= set(u) for u in with_n1["units"])
    assert (with_n1["units"].map(len) <= 4).all() or (with_n1["n_members"] == 2).any()
    assert all("安坝镇" in names or "小冲镇" in names for names in with_n1["member_names"])


def test_compactness_from_sums_equals_dissolve():
    units = grid_units("AAB / ACB / DDB", population=dict.fromkeys("ABCD", 1000))
    area = StudyArea(units)
    s = MergerScorer(area)
    groups = [["A", "C"], ["A", "B", "C"], ["C", "D"], ["A", "D"]]
    batch = s.batch(groups)
    geoms = units.geometry
    for g, members in enumerate(groups):
        union = shapely.union_all(geoms[members].to_numpy())
        assert batch.perimeter_km[g] * 1000 == pytest.approx(union.length)
        assert batch.area_km2[g] * 1e6 == pytest.approx(union.area)
        pp = 4 * np.pi * union.area / union.length**2
        assert batch.polsby_popper[g] == pytest.approx(pp)


def test_no_settlements_criteria_left_out_and_said_so():
    area = StudyArea(grid_units("AB", population={"A": 9000, "B": 6000}))
    t = score_mergers(area)
    for c in ("population_flow", "access", "core", "continuity"):
        assert t[c].isna().all()
    assert np.isfinite(t["total"]).all()
    assert any("no settlements" in n for n in t.attrs["notes"])
    assert any("无聚落数据" in n for n in t.attrs["notes_zh"])
    assert t["seat"].isna().all()


def test_config_toml_round_trip_of_every_table():
    from townmerge.config import SeatSettings, TierSettings

    cfg = Config(weights=Weights(access=0.2, extra=(("roads", 0.1),)),
                 constraints=Constraints(must_link_pairs=(("A", "B"),), travel_time=False),
                 seats=SeatSettings(candidates="towns"),
                 tiers=TierSettings(town_quotas=(3, 2, 7, 14), village_quotas=(58, 0)))
    back = Config.from_toml(cfg.to_toml())
    assert back == cfg and hash(back) == hash(cfg)
    assert back.tiers.town_quotas == (3, 2, 7, 14)
    assert back.constraints.must_link_pairs == (("A", "B"),)
    with pytest.raises(InputError, match="n_sub_centres"):
        Config.from_toml("[tiers]\nn_sub_centres = 'two'\n")
    with pytest.raises(InputError, match="reject ≤ recommend"):
        Config.from_toml("[bands]\nrecommend = 0.3\n")
    with pytest.raises(ValueError, match="candidatez"):
        Config.from_toml("[seats]\ncandidatez = 'towns'\n")


def test_the_scorers_memo_is_bounded(monkeypatch):
    import townmerge.score.scorer as score_module
    from townmerge.testing.grids import grid_units

    monkeypatch.setattr(score_module, "MAX_CACHED_GROUPS", 4)
    s = score_module.MergerScorer(StudyArea(grid_units("ABCDEF")))
    groups = [["A"], ["B"], ["C"], ["D"], ["E"], ["A", "B"], ["C", "D"]]
    first = s.score_arrays(groups)[0]
    assert len(s._cache) <= 4
    assert s.group_total(["A"]) == first[0]  # forgotten groups are scored again, the same
