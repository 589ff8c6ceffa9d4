"""镇村组三级联动: the whole reform in one call (issue 12, acceptance 1 and 2)."""

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

import townmerge as tm
from townmerge.data.divisions import CODE_DIGITS
from townmerge.errors import ParameterError, PlanError
from townmerge.evaluate.groups import GroupSizing
from townmerge.evaluate.three_levels import plan_reform

SAMPLE = "sample_shapes/county"
TARGETS = {"township": 13, "village": 83, "community": 79}


@pytest.fixture(scope="module")
def areas():
    return tm.read_study_area(SAMPLE), tm.read_study_area(SAMPLE, level="villages")


@pytest.fixture(scope="module")
def reform(areas):
    return plan_reform(*areas, targets=TARGETS)


def test_the_five_counts_of_the_reference_county(reform):
    t = reform.counts()
    got = {key: (int(t.loc[key, "before"]), int(t.loc[key, "after"])) for key in
           [("township", "total"), ("village", "village"), ("village", "community")]}
    assert got == {("township", "total"): (33, 13), ("village", "village"): (132, 83),
                   ("village", "community"): (110, 79)}
    assert int(t.loc[("group", "group"), "before"]) == 190
    assert int(t.loc[("group", "resident_group"), "before"]) == 83
    assert t.loc[("group", "group"), "estimated"] and not t.loc[("township", "total"),
                                                                "estimated"]
    summary = reform.summary("zh")
    assert summary[:3] == ["乡镇（街道）由33个减为13个，减少20个、减幅60.6%",
                           "建制村由132个减为83个，减少49个、减幅37.1%",
                           "社区由110个减为79个，减少31个、减幅28.2%"]
    assert all("估算" in s for s in summary[3:]) and len(summary) == 5
    assert reform.summary("en")[1] == "Villages: from 132 to 83, 49 fewer (−37.1%)"


def test_every_level_nests_in_the_one_above(reform):
    """Every village inside one new township; every group inside one new village."""
    nest = reform.nesting
    for members in reform.village_plan.groups().values():
        assert len({nest[v] for v in members}) == 1
    assert reform.problems() == []
    log = reform.change_log()
    new_town = set(log.loc[log.level == "township", "new_code"])
    villages = log[log.level == "village"]
    assert villages["new_code"].str[:9].isin(new_town).all()
    groups = log[log.level == "group"]
    assert groups["new_code"].str[:12].isin(set(villages["new_code"])).all()
    assert groups["estimated"].all() and not villages["estimated"].any()
    for level in ("township", "village", "group"):
        codes = log.loc[log.level == level, ["old_code", "new_code"]]
        assert codes.map(len).eq(CODE_DIGITS[level]).all().all()
    # the village level's new township follows the township plan
    town_code, village_code = reform.codes()
    for v, new_v in reform.village_plan.assignment.items():
        assert village_code[new_v].startswith(town_code[nest[v]])


def test_counts_and_population_reconcile_at_every_level(reform, areas):
    towns, villages = areas
    t = reform.counts()
    assert (t["before"] - t["removed"] == t["after"]).all()
    for level in ("township", "village"):
        part = t.xs(level, level="level")
        assert part.drop(index="total")[["before", "after"]].sum().tolist() == \
            part.loc["total", ["before", "after"]].tolist()
    assert t.loc[("township", "total"), "after"] == reform.township_plan.n_new
    assert t.loc[("village", "total"), "after"] == reform.village_plan.n_new
    g = reform.groups
    assert g["population"].sum() == pytest.approx(villages.units["population"].sum(), rel=1e-12)
    assert villages.units["population"].sum() == pytest.approx(towns.units["population"].sum())
    assert (g["groups_after"] <= g["groups_before"]).all()
    assert ((g["groups_before"] == 0) | (g["groups_after"] >= 1)).all()
    log = reform.change_log()
    assert (log.level == "village").sum() == len(villages)
    assert (log.level == "township").sum() == len(towns)
    assert (log.level == "group").sum() == int(villages.units["groups"].sum())
    assert log.loc[log.level == "group", "new_code"].nunique() == int(g["groups_after"].sum())


def test_communities_never_merge_with_villages_unless_allowed(reform, areas):
    for members in reform.village_plan.groups().values():
        assert len({reform.kinds[m] for m in members}) == 1
    towns, villages = areas
    ids = list(villages.unit_ids)
    v = next(u for u in ids if reform.kinds[u] == "village")
    c = next(u for u in ids if reform.kinds[u] == "community"
             and reform.nesting[u] == reform.nesting[v])
    mixed = tm.Plan.from_mapping({u: (v if u in (v, c) else u) for u in ids})
    with pytest.raises(PlanError, match="mixes community and village") as exc:
        plan_reform(towns, villages, township_plan=reform.township_plan, village_plan=mixed)
    assert villages.units.loc[c, "name"] in str(exc.value)
    ok = plan_reform(towns, villages, township_plan=reform.township_plan, village_plan=mixed,
                     mix_kinds=True)
    assert ok.village_plan.n_new == len(ids) - 1


def test_a_village_plan_across_new_townships_is_refused_naming_both(reform, areas):
    towns, villages = areas
    ids = list(villages.unit_ids)
    a = ids[0]
    b = next(u for u in ids if reform.nesting[u] != reform.nesting[a]
             and reform.kinds[u] == reform.kinds[a])
    bad = tm.Plan.from_mapping({u: (a if u in (a, b) else u) for u in ids})
    with pytest.raises(PlanError, match="straddle") as exc:
        plan_reform(towns, villages, township_plan=reform.township_plan, village_plan=bad)
    text = str(exc.value)
    for village in (a, b):
        assert village in text and villages.units.loc[village, "name"] in text
    for town in (reform.nesting[a], reform.nesting[b]):
        assert town in text


def test_bad_targets_are_named(areas):
    with pytest.raises(ParameterError, match=r"unknown key 'villages'.*community: 500"):
        plan_reform(*areas, targets={"villages": 80, "community": 500})


def test_wording_and_checklist_per_village_merger(reform):
    w = reform.wording("zh")
    merged = [n for n, m in reform.village_plan.groups().items() if len(m) > 1]
    assert sorted(w.index) == sorted(merged)
    assert w["text"].str.startswith("撤销").all()
    assert w["text"].str.contains("村民委员会|居民委员会").all()
    assert reform.wording("en")["text"].str.startswith("Abolish").all()
    c = reform.checklist_table("zh")
    assert len(c) == 5 * len(merged) and set(c["status"]) == {"待核实"}
    done = plan_reform(reform.townships, reform.villages, township_plan=reform.township_plan,
                       village_plan=reform.village_plan,
                       checklist_status={merged[0]: {"债权债务不变": "已核实"}})
    table = done.checklist_table("zh").set_index(["new_unit", "item"])["status"]
    assert table[(merged[0], "债权债务不变")] == "已核实"


def test_reform_pickles_and_is_deterministic(reform, areas):
    again = pickle.loads(pickle.dumps(reform))
    assert again.village_plan.same_partition(reform.village_plan)
    assert again.counts().equals(reform.counts())
    second = plan_reform(*areas, targets=TARGETS)
    assert second.village_plan.same_partition(reform.village_plan)
    assert second.township_plan.same_partition(reform.township_plan)


@given(population=st.floats(0, 50_000), before=st.integers(0, 30),
       kind=st.sampled_from(["village", "community"]))
def test_group_sizing_rule(population, before, kind):
    sizing = GroupSizing()
    g = sizing.groups_after(population=population, groups_before=before, kind=kind)
    lo, hi = sizing.bounds(kind)
    assert 0 <= g <= before
    assert (g == 0) == (before == 0)
    if g > 1:
        assert population / g >= lo
    if 0 < g < before:
        assert population / g <= hi or population / (g + 1) < lo


def test_group_sizing_refuses_bad_bounds():
    with pytest.raises(ParameterError, match="village: min 500 and max 100"):
        GroupSizing(village_min=500, village_max=100)


@pytest.fixture(scope="module")
def group_points(areas):
    """The sample county's groups as points inside their village, ids under the village code."""
    import geopandas as gpd
    import numpy as np

    _, villages = areas
    rng = np.random.default_rng(0)
    rows = []
    for vid, r in villages.units.iterrows():
        g = int(r["groups"])
        if g == 0:
            continue
        points = gpd.GeoSeries([r.geometry], crs=villages.crs).sample_points(g, rng=rng)
        for j, p in enumerate(points.explode(index_parts=False)):
            rows.append({"id": f"{vid}{j + 1:03d}", "name": f"{r['name']}{j + 1}组",
                         "parent": vid, "population": r["population"] / g, "geometry": p})
    return gpd.GeoDataFrame(rows, crs=villages.crs).set_index("id")


def test_groups_given_as_points_are_planned_inside_the_new_villages(areas, group_points):
    towns, villages = areas
    reform = plan_reform(towns, villages, targets=TARGETS, groups=group_points)
    assert reform.group_plan is not None and reform.problems() == []
    village_of = reform.group_units.units["parent"].astype(str)
    for members in reform.group_plan.groups().values():  # every group in one new village
        assert len({reform.village_plan.assignment[village_of[g]] for g in members}) == 1
    t = reform.counts()
    assert int(t.loc[("group", "group"), "before"]) == 190
    assert int(t.loc[("group", "resident_group"), "before"]) == 83
    assert not t["estimated"].any()
    assert not any("估算" in s for s in reform.summary("zh"))
    log = reform.change_log()
    groups = log[log.level == "group"]
    assert len(groups) == len(group_points) and not log["estimated"].any()
    new_villages = set(log.loc[log.level == "village", "new_code"])
    assert set(groups["new_code"].str[:12]) <= new_villages
    assert groups["new_code"].nunique() == reform.group_plan.n_new
    assert reform.group_units.units["approximate"].all()  # territories from the points
