"""Issue 10, "One rule, one place": each test is named after the bullet it pins.

Every expected value is computed by hand (or by an independent route) in the test.
"""

import math

import numpy as np
import pandas as pd
import pytest

import townmerge as tm
from townmerge.cli.commands import main
from townmerge.errors import InfeasibleError, InputError, MissingDataWarning
from townmerge.generate import PlanningProblem
from townmerge.score.figure_model import FigureModel
from townmerge.score.rules import below_floor, group_floor, polsby_popper, union_area_perimeter
from townmerge.score.scorer import MergerScorer
from townmerge.testing.grids import grid_units

MAINE = "sample_shapes/maine_et_loire/communes_2016.geojson"


# -- 1. population floors and Polsby–Popper: one public function each ------------------------
def test_one_rule_one_place_hand_values_with_zero_population_and_zero_perimeter():
    # floors: plain 30,000, hill 20,000
    assert group_floor([10000, 30000], [30000, 20000]).tolist() == [
        (10000 * 30000 + 30000 * 20000) / 40000]  # 22,500
    assert group_floor([0, 0], [30000, 20000]).tolist() == [25000.0]  # no population: plain mean
    assert group_floor([0, 10000], [30000, 20000]).tolist() == [20000.0]  # 0 weighs nothing
    assert below_floor([0.0, 22499.0, 22500.0, np.nan], [22500.0] * 4).tolist() == [
        True, True, False, False]
    # a unit square: π/4; a 2 × 1 rectangle: 4π·2/36; nothing: 0
    assert polsby_popper([1.0, 2.0, 0.0], [4.0, 6.0, 0.0]).tolist() == pytest.approx(
        [math.pi / 4, 8 * math.pi / 36, 0.0])
    # three unit squares in a row, groups {0, 1} and {0, 2} (not touching): 6 and 8
    a, p = union_area_perimeter([0, 2, 4], [0, 1, 0, 2], [1, 1, 1], [4, 4, 4], [1, 5], [1, 1])
    assert a.tolist() == [2.0, 2.0] and p.tolist() == [6.0, 8.0]


def test_one_rule_one_place_every_caller_agrees_on_the_same_groups():
    area = tm.StudyArea(grid_units(
        "AB / CD", population={"A": 0, "B": 0, "C": 10000, "D": 30000},
        terrain={"A": "plain", "B": "hill", "C": "plain", "D": "hill"}))
    groups = [["A", "B"], ["C", "D"], ["A"], ["A", "C"], ["A", "B", "C", "D"]]
    # by hand: A+B has no population, so the plain mean of 30,000 and 20,000
    floor = [25000.0, (10000 * 30000 + 30000 * 20000) / 40000, 30000.0, 30000.0, 22500.0]
    below = [True, False, True, True, False]
    square, rect = math.pi / 4, 4 * math.pi * 2e6 / 6000.0**2
    pp = [rect, rect, square, rect, square]
    figures = FigureModel(area).groups(groups)
    assert figures.floor.tolist() == pytest.approx(floor)
    assert figures.below_floor.tolist() == below
    assert figures.compactness.tolist() == pytest.approx(pp)
    scored = MergerScorer(area).score_groups(groups)
    assert scored["floor"].tolist() == pytest.approx(floor)
    assert scored["below_floor"].tolist() == below
    assert scored["polsby_popper"].tolist() == pytest.approx(pp)
    problem = PlanningProblem.from_area(area)
    pos = {u: i for i, u in enumerate(problem.ids)}
    assert [problem.below_floor(frozenset(pos[u] for u in g)) for g in groups] == below


def test_one_rule_one_place_the_flow_rule_merges_a_zero_population_unit_first():
    # B (5,000) | C (30,000) | A (0), hill floor 20,000: A is furthest below (0 / 20,000)
    area = tm.StudyArea(grid_units("BCA", population={"A": 0, "B": 5000, "C": 30000}))
    plan = tm.greedy_plan(area, target=2)
    assert plan.canonical() == {frozenset({"B"}), frozenset({"A", "C"})}


# -- 2. areas without population: one behaviour ---------------------------------------------
def test_areas_without_population_switch_the_population_rules_off_with_one_warning(capsys):
    area = tm.read_study_area(MAINE, unit_id="code", unit_name="nom")
    assert not area.has_population
    # without a target the count would come from the floors: refused, alike everywhere
    for make in (lambda: tm.generate_plan(area), lambda: tm.greedy_plan(area)):
        with pytest.raises(InputError, match=r"no population\. Give target="):
            make()
    # with a target the rules that need population are switched off, and the warning names them
    with pytest.warns(MissingDataWarning, match="switched off: the scale criterion; the county "
                      "balance criterion; the population floor"):
        plan = tm.generate_plan(area, target=200)
    assert plan.n_new == 200
    problem = PlanningProblem.from_area(area)
    assert not any(problem.below_floor(frozenset([i])) for i in range(problem.n))
    with pytest.warns(MissingDataWarning, match="switched off: the scale criterion; .*the "
                      "population floor .*; the flow rule's order"):
        assert tm.greedy_plan(area, target=200).n_new == 200
    with pytest.warns(MissingDataWarning, match="switched off: the scale criterion"):
        scores = tm.score_mergers(area)
    assert not scores["below_floor"].any() and scores["scale"].isna().all()
    # the command line says the same
    args = ["plan", MAINE, "--unit-id", "code", "--unit-name", "nom"]
    assert main(args) == 1
    assert "no population. Give target=" in capsys.readouterr().err


def test_areas_without_population_command_line_warns_by_name(tmp_path, capsys):
    args = ["plan", MAINE, "--unit-id", "code", "--unit-name", "nom", "--target", "200",
            "--out", str(tmp_path / "plan.csv")]
    assert main([*args, "--lang", "en"]) == 0
    out, err = capsys.readouterr()
    assert "200 units" in out
    # said once, on stderr, naming the rules switched off and what to add
    assert err.count("switched off: the scale criterion; the county balance criterion; the "
                     "population floor") == 1
    assert err.count("townmerge: note: No settlements:") == 1
    assert main(args) == 0  # in Chinese by default
    assert capsys.readouterr().err.count("townmerge: 说明: 部分单元无人口数据") == 1


# -- 3. two greedy algorithms: the flow rule keeps every hard constraint ---------------------
@pytest.fixture(scope="module")
def county():
    return tm.read_study_area("sample_shapes/county")


def test_two_greedy_algorithms_flow_rule_keeps_every_hard_constraint(county):
    cfg = tm.Config()
    plan = tm.greedy_plan(county, target=13)
    assert plan.n_new == 13
    tm.check_plan(county, plan).raise_if_bad()
    # independent of the scorer: member counts, and travel time to the seat against the
    # largest terrain limit (60 minutes in the hills, the county's steepest terrain here)
    assert max(len(m) for m in plan.groups().values()) <= cfg.max_members
    limit = max(cfg.thresholds.for_terrain(t).t_max_min for t in county.units["terrain"])
    assert tm.plan_metrics(county, plan)["max_minutes_to_seat"] <= limit
    tm.plan_objective(county, plan)  # the scorer accepts it (it raised InfeasibleError)
    # at 10 the flow rule reaches a dead end: it says so instead of breaking max_members
    with pytest.raises(InfeasibleError, match=r'Cannot reach 10 units.*method="exact"'):
        tm.greedy_plan(county, target=10)


def test_two_greedy_algorithms_demo_ships_the_best_plan_the_settings_allow(county, tmp_path):
    # the demo's plan changes on purpose: the exact plan with the fewest units below their floor
    assert main(["demo", "--out", str(tmp_path), "--lang", "en"]) == 0
    shipped = tm.read_plan(tmp_path / "plan.csv")
    figures = tm.plan_metrics(county, shipped)
    assert figures["share_below_floor"] == pytest.approx(1 / 13)  # one unit: 松和藏族乡 alone
    scores = MergerScorer(county).score_groups(list(shipped.groups().values()))
    assert scores["feasible"].all() and (scores["band"] != "reject").all()
    # no plan of 13 has every unit at its floor, and none with one below beats it
    with pytest.raises(InfeasibleError):
        tm.generate_plan(county, method="exact", target=13, bounds={"share_below_floor": 0.0})
    best = tm.best_plans(county, 1, target=13, bounds={"share_below_floor": 1 / 13})[0]
    assert best.same_partition(shipped)
    flow_rule = tm.greedy_plan(county, target=13)
    assert tm.plan_metrics(county, flow_rule)["share_below_floor"] > figures["share_below_floor"]


# -- 4. seats and names agree ---------------------------------------------------------------
def test_seats_and_names_agree_everywhere(county, tmp_path, capsys):
    plan = tm.generate_plan(county, method="exact", target=13)
    units = county.units
    former = units["seat"].astype(str)  # each unit's current seat, straight from the data
    for new, members in plan.groups().items():
        seat = plan.seats[new]
        owners = [m for m in members if former[m] == seat]
        assert owners == [new], f"{new}: seat {seat} is the former seat of {owners}"
        assert plan.names[new] == units.at[new, "name"]
    # the case of the issue: 银冲镇 + 小冲镇 + …, seat 小冲社区 → the new unit is 小冲镇
    xiaochong = plan.assignment["511025116"]
    assert (xiaochong, plan.names[xiaochong]) == ("511025116", "小冲镇")
    assert plan.assignment["511025114"] == "511025116"
    # the merged units, the report and the seats command say the same
    merged = tm.merged_units(county, plan)
    assert merged.at[xiaochong, "name"] == "小冲镇" and merged.at[xiaochong, "seat"] == seat_of(
        plan, xiaochong)
    from townmerge.render.report_tables import report_figures

    rows = report_figures(county, plan).new_units
    assert rows.at[xiaochong, "name"] == "小冲镇"
    assert rows.at[xiaochong, "seat_former_of"] == "511025116" and not rows.at[xiaochong, "moved"]
    path = tmp_path / "plan.csv"
    tm.write_plan(plan, path)
    assert main(["seats", "sample_shapes/county", "--plan", str(path), "--lang", "en",
                 "--out", str(tmp_path / "seats.csv")]) == 0
    table = pd.read_csv(tmp_path / "seats.csv", dtype=str).set_index("new_unit_id")
    assert table.at[xiaochong, "named_after"] == "511025116 小冲镇"
    assert table.at[xiaochong, "moved"] == "False"
    for new in plan.new_units:
        assert table.at[new, "named_after"] == f"{new} {plan.names[new]}"
        assert table.at[new, "seat"] == plan.seats[new]


def seat_of(plan, new):
    return plan.seats[new]
