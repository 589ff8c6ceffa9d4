"""镇村组三级联动: village plans nest in township plans."""

import pytest

import townmerge as tm
from townmerge.errors import InputError, PlanError

SAMPLE = "sample_shapes/county"


@pytest.fixture(scope="module")
def levels():
    towns = tm.read_study_area(SAMPLE)
    villages = tm.read_study_area(SAMPLE, level="villages")
    town_plan = tm.generate_plan(towns, method="greedy", target=13)
    parent_of = villages.units["parent"].to_dict()
    within = tm.Plan.identity(villages.unit_ids).containers(town_plan, parent_of)
    return towns, villages, town_plan, parent_of, within


def test_village_level_area(levels):
    towns, villages, *_ = levels
    assert len(villages) == 242
    assert set(villages.units["parent"]) == set(towns.unit_ids)
    assert villages.units["terrain"].notna().all()
    # each village's seat is the settlement inside it
    st = villages.settlements
    assert (st.loc[villages.units["seat"], "unit"].to_numpy() == villages.unit_ids).all()
    assert villages.units["population"].sum() == towns.units["population"].sum()


@pytest.mark.parametrize("method", ["greedy", "search"])
def test_village_plan_nests_in_township_plan(levels, method):
    _, villages, town_plan, parent_of, within = levels
    plan = tm.generate_plan(villages, method=method, config=tm.Config.for_villages(),
                            within=within, target=None if method == "greedy" else 160,
                            iterations=3000)
    tm.check_plan(villages, plan)
    plan.check_nested(town_plan, parent_of)
    assert plan.n_new < 242


def test_straddling_village_unit_is_named(levels):
    _, villages, town_plan, parent_of, _ = levels
    ids = list(villages.unit_ids)
    a = ids[0]
    b = next(v for v in ids if town_plan.assignment[parent_of[v]]
             != town_plan.assignment[parent_of[a]])
    bad = tm.Plan.from_mapping({v: ("X" if v in (a, b) else v) for v in ids})
    with pytest.raises(PlanError, match="straddle") as exc:
        bad.check_nested(town_plan, parent_of)
    assert "X" in str(exc.value)


def test_within_must_cover_every_unit_and_start_must_not_straddle(levels):
    _, villages, _, _, within = levels
    partial = dict(list(within.items())[:10])
    with pytest.raises(InputError, match="no container"):
        tm.generate_plan(villages, config=tm.Config.for_villages(), within=partial)
    ids = list(villages.unit_ids)
    a = ids[0]
    b = next(v for v in ids if within[v] != within[a])
    start = tm.Plan.from_mapping({v: ("X" if v in (a, b) else v) for v in ids})
    with pytest.raises(InputError, match="straddle"):
        tm.generate_plan(villages, config=tm.Config.for_villages(), within=within, start=start)
