import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from townmerge import (
    Config,
    StudyArea,
    build_adjacency,
    check_plan,
    greedy_plan,
    merged_units,
)
from townmerge.data.plan import Plan
from townmerge.errors import InfeasibleError, InputError, MissingDataWarning, PlanError
from townmerge.evaluate.metrics import summarize
from townmerge.testing.grids import grid_units

GRID = """
AABBC
ADDBC
EEFFC
"""


def area_from(grid, population, **cols):
    return StudyArea(grid_units(grid, population=population, **cols))


def test_small_unit_follows_the_flow_not_the_border():
    import shapely
    units = grid_units("AAB / AAB", population={"A": 30000, "B": 3000, "C": 30000})
    units = pd.concat([units, grid_units("C / C", population={"C": 30000},
                                         origin=(503000.0, 3300000.0))])
    # B borders A (2 km) and C (2 km); flows say B's people go to C.
    pts = units.geometry.representative_point()
    st_ = gpd.GeoDataFrame({"id": ["a", "b", "c"], "population": [30000, 3000, 30000],
                            "unit": ["A", "B", "C"]},
                           geometry=[pts["A"], pts["B"], pts["C"]], crs=units.crs)
    flows = pd.DataFrame({"origin": ["b", "b"], "destination": ["c", "a"],
                          "population": [900.0, 100.0]})
    units = units.drop(columns="population")
    area = StudyArea(units, st_, flows)
    assert shapely.area(np.asarray(area.units.geometry.array)).sum() == 8e6
    plan = greedy_plan(area, target=2)
    assert plan.canonical() == {frozenset({"A"}), frozenset({"B", "C"})}


def test_target_reached_partition_contiguous_population_conserved():
    pop = {"A": 9000, "B": 25000, "C": 4000, "D": 3000, "E": 15000, "F": 6000}
    area = area_from(GRID, pop)
    with pytest.raises(InfeasibleError, match="at most 4 units"):
        greedy_plan(area, target=1)  # 6 units in one breaks max_members = 4
    for target in range(2, 7):
        plan = greedy_plan(area, target=target)
        assert plan.n_new == target
        check_plan(area, plan).raise_if_bad()
        s = summarize(area, plan)
        assert s.population_after == s.population_before == sum(pop.values())
        assert s.area_km2_after == pytest.approx(s.area_km2_before)


def test_without_target_every_unit_meets_its_floor():
    pop = {"A": 9000, "B": 25000, "C": 4000, "D": 3000, "E": 15000, "F": 6000}
    area = area_from(GRID, pop)  # default terrain hill: floor 20,000
    plan = greedy_plan(area)
    merged = merged_units(area, plan)
    assert (merged["population"] >= 20000).all()


def test_locked_units_never_merge_and_infeasible_target_is_explained():
    pop = {"A": 9000, "B": 25000, "C": 4000, "D": 3000, "E": 15000, "F": 6000}
    area = area_from(GRID, pop, locked={"C": True})
    plan = greedy_plan(area, target=3)
    assert plan.members(plan.assignment["C"]) == ("C",)
    with pytest.raises(InfeasibleError, match="Cannot reach 2"):
        greedy_plan(area, target=2)  # C alone and five units in one breaks max_members = 4


def test_bad_target_and_missing_population():
    area = area_from(GRID, {k: 1 for k in "ABCDEF"})
    with pytest.raises(InputError):
        greedy_plan(area, target=0)
    with pytest.raises(InputError, match="never splits"):
        greedy_plan(area, target=7)
    no_population = StudyArea(grid_units(GRID))
    with pytest.raises(InputError, match=r"no population\. Give target="):
        greedy_plan(no_population)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert greedy_plan(no_population, target=2).n_new == 2
    assert [w.category for w in caught] == [MissingDataWarning]  # one warning names them all
    assert ("switched off: the scale criterion; the county balance criterion; the population "
            "floor") in str(caught[0].message) and "the flow rule's order" in str(caught[0].message)


def test_check_plan_names_non_contiguous_units():
    area = area_from(GRID, {k: 1 for k in "ABCDEF"})
    bad = Plan.from_mapping({"A": "X", "F": "X", "B": "B", "C": "C", "D": "D", "E": "E"})
    with pytest.raises(PlanError, match="not contiguous") as exc:
        check_plan(area, bad).raise_if_bad()
    assert "A镇" in str(exc.value)


def test_adjacency_rook_queen_on_grid():
    area = area_from("AB / CD", {k: 1 for k in "ABCD"})
    rook = build_adjacency(area)
    queen = build_adjacency(area, contiguity="queen")
    pairs = set(zip(rook["unit_a"], rook["unit_b"], strict=True))
    assert pairs == {("A", "B"), ("A", "C"), ("B", "D"), ("C", "D")}
    extra = set(zip(queen["unit_a"], queen["unit_b"], strict=True)) - pairs
    assert extra == {("A", "D"), ("B", "C")}
    assert (rook["border_m"] == 1000).all()


@st.composite
def grids(draw):
    """Random grids of 2–5 × 2–5 cells, each cell a unit, with random populations."""
    h, w = draw(st.integers(2, 5)), draw(st.integers(2, 5))
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYabcdefghijklmnopqrstuvwxy"[: h * w]
    rows = [letters[i * w:(i + 1) * w] for i in range(h)]
    pops = draw(st.lists(st.integers(100, 40000), min_size=h * w, max_size=h * w))
    return "/".join(rows), dict(zip(letters, pops, strict=True))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grids(), st.integers(1, 25))
def test_greedy_invariants(grid, target):
    text, pops = grid
    area = area_from(text, pops)
    target = min(target, len(pops))
    roomy = Config(max_members=len(pops))  # no hard constraint binds on these grids
    plan = greedy_plan(area, target=target, config=roomy)
    assert plan.n_new == target
    # every hard rule of the settings it was made with
    check_plan(area, plan, config=roomy).raise_if_bad()
    merged = merged_units(area, plan)
    assert merged["population"].sum() == sum(pops.values())
    assert merged["area_km2"].sum() == pytest.approx(len(pops), rel=1e-2)  # 1 km² cells in UTM
    assert greedy_plan(area, target=target, config=roomy) == plan  # deterministic
    # relabelling the units gives the same partition (up to the labels)
    relabel = {k: f"u{ord(k):03d}" for k in pops}
    units = area.units.rename(index=relabel)
    other = greedy_plan(StudyArea(units), target=target, config=roomy)
    back = {frozenset(relabel[m] for m in g) for g in plan.canonical()}
    assert other.canonical() == back


def test_at_most_max_members_where_the_target_allows():
    text = "ABCDEFGH"  # a row of 8 units: 2 new units of 4 each is possible
    pops = {k: 1000 for k in text}
    area = area_from(text, pops)
    plan = greedy_plan(area, target=2)
    assert max(len(m) for m in plan.groups().values()) == 4
    # max_members is a hard constraint: a target that needs more per unit is refused
    with pytest.raises(InfeasibleError, match="at most 4 units"):
        greedy_plan(area, target=1, config=Config(max_members=4))


def test_merged_units_without_shapes_gives_the_same_figures():
    from townmerge.datasets.synthetic import sample_county
    from townmerge.evaluate.metrics import merged_units
    from townmerge.generate import greedy_plan

    c = sample_county()
    area = StudyArea(c.units, c.settlements, c.flows, c.roads)
    plan = greedy_plan(area, target=13)
    full, light = merged_units(area, plan), merged_units(area, plan, shapes=False)
    assert light.geometry.isna().all() and not full.geometry.isna().any()
    pd.testing.assert_frame_equal(pd.DataFrame(light.drop(columns="geometry")),
                                  pd.DataFrame(full.drop(columns="geometry")))
