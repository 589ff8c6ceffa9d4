"""镇村组三级联动: village plans nest in township plans."""

import pytest

import townmerge as tm
from townmerge.config import Constraints
from townmerge.data.nesting import Nesting, check_nested
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
    tm.check_plan(villages, plan).raise_if_bad()
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


# -- refusals name the villages and the townships (issue 12, acceptance point 2) ---------------
@pytest.fixture(scope="module")
def nest(levels):
    towns, villages, town_plan, *_ = levels
    return Nesting(villages, towns, town_plan)


def _label(area, uid):
    return f"{uid} ({area.units.at[uid, 'name']})"


def _across(villages, nest, *, adjacent):
    """Two villages in different new townships (sharing a border if ``adjacent``)."""
    if adjacent:
        edges = tm.build_adjacency(villages)
        return next((a, b) for a, b in zip(edges["unit_a"], edges["unit_b"], strict=True)
                    if nest[a] != nest[b])
    ids = list(villages.unit_ids)  # the first and the last in another township: far apart
    return ids[0], next(v for v in ids[::-1] if nest[v] != nest[ids[0]])


def test_village_plan_crossing_township_boundaries_is_refused_naming_both(levels, nest):
    towns, villages, town_plan, *_ = levels
    a, b = _across(villages, nest, adjacent=True)
    c, d = _across(villages, nest, adjacent=False)
    bad = tm.Plan.from_mapping({v: ("X" if v in (a, b) else "Y" if v in (c, d) else v)
                                for v in villages.unit_ids}, names={"X": "甲联村"})
    with pytest.raises(PlanError) as exc:
        check_nested(villages, bad, towns, town_plan)
    err = exc.value
    assert len(err.problems) == 2  # both offending new villages, at once
    msg = str(err)
    assert "2 new village unit(s) of the village plan straddle new townships" in msg
    assert "split each of them" in msg and "merge those townships" in msg
    x = next(p for p in err.problems if p.startswith("new village unit X (甲联村)"))
    y = next(p for p in err.problems if p.startswith("new village unit Y straddles"))
    for line, (u, v) in ((x, (a, b)), (y, (c, d))):
        for village in (u, v):
            assert _label(villages, village) in line
            assert f"{nest.township_label(nest[village])} holds" in line
    # the township label is the plan's name of the new township, else its townships' names
    t = nest[a]
    names = town_plan.names.get(t) or "+".join(
        towns.units.at[m, "name"] for m in town_plan.members(t))
    assert nest.township_label(t) == f"{t} ({names})"


def test_check_plan_with_a_township_plan_refuses_straddling_villages(levels, nest):
    _, villages, *_ = levels
    a, b = _across(villages, nest, adjacent=True)
    c, d = _across(villages, nest, adjacent=False)
    touching = tm.Plan.from_mapping({v: ("X" if v in (a, b) else v) for v in villages.unit_ids})
    with pytest.raises(PlanError, match="members in different counties"):
        # alone, its villages' old townships differ
        tm.check_plan(villages, touching).raise_if_bad()
    tm.check_plan(villages, touching,  # contiguous
                  config=tm.Config(constraints=Constraints(same_parent=False))).raise_if_bad()
    with pytest.raises(PlanError, match=r"1 new village unit\(s\) of the village plan straddle"
                       ) as exc:
        tm.check_plan(villages, touching, within=nest).raise_if_bad()
    assert exc.value.problems[0].startswith("new village unit X straddles 2 new townships")
    both = tm.Plan.from_mapping({v: ("X" if v in (a, b) else "Y" if v in (c, d) else v)
                                 for v in villages.unit_ids})
    with pytest.raises(PlanError) as exc:  # every problem at once: contiguity and nesting
        tm.check_plan(villages, both, within=nest).raise_if_bad()
    msg = str(exc.value)
    assert "1 new unit of the plan breaks a hard rule (Y " in msg
    assert "not contiguous" in msg
    assert "2 new village unit(s) of the village plan straddle new townships" in msg
    assert sum(str(p).startswith("new village unit") for p in exc.value.problems) == 2


def test_generate_with_a_nesting_names_straddling_start(levels, nest):
    _, villages, *_ = levels
    a, b = _across(villages, nest, adjacent=True)
    start = tm.Plan.from_mapping({v: ("X" if v in (a, b) else v) for v in villages.unit_ids})
    with pytest.raises(PlanError, match="straddle") as exc:
        tm.generate_plan(villages, config=tm.Config.for_villages(), within=nest, start=start)
    assert _label(villages, a) in str(exc.value) and _label(villages, b) in str(exc.value)
    assert nest.township_label(nest[a]) in str(exc.value)


def test_generate_within_a_nesting_gives_a_nested_plan(levels, nest):
    towns, villages, town_plan, _, within = levels
    assert dict(nest) == within
    plan = tm.generate_plan(villages, config=tm.Config.for_villages(), within=nest)
    tm.check_plan(villages, plan, within=nest).raise_if_bad()
    check_nested(villages, plan, towns, town_plan)
    assert plan.n_new < 242


def test_nesting_names_every_mismatch_of_the_levels(levels):
    towns, villages, town_plan, *_ = levels
    units = villages.units.copy()
    first, second = units.index[:2]
    units.loc[first, "parent"] = "999"
    units.loc[second, "parent"] = None
    odd = tm.StudyArea(units, villages.settlements)
    partial = tm.Plan.from_mapping(dict(list(town_plan.assignment.items())[1:]))
    with pytest.raises(PlanError) as exc:
        Nesting(odd, towns, partial)
    msg = str(exc.value)
    assert len(exc.value.problems) == 3
    assert f"name no township in column 'parent': {_label(villages, second)}" in msg
    assert f"not in the township area: {_label(villages, first)} → 999" in msg
    assert "the township plan does not fit the township area" in msg
