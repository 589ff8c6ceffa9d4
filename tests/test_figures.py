"""Neutral figures from additive group parts, and the exact model under figure bounds."""

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from townmerge import StudyArea, merged_units
from townmerge.data.plan import Plan
from townmerge.datasets.synthetic import sample_county
from townmerge.errors import InfeasibleError, InputError, ParameterError
from townmerge.evaluate.evaluation import compare_plans
from townmerge.evaluate.metrics import plan_metrics
from townmerge.generate import PlanningProblem, generate_plan, partition_objective
from townmerge.generate.base import ScoreCache
from townmerge.graph.adjacency import build_adjacency
from townmerge.score.figure_model import FigureModel
from townmerge.score.figures import (
    BETTER,
    FIGURE_RANGES,
    METRICS,
    check_bounds,
    dominated_by,
    figure_bounds,
    unmet_bounds,
)
from townmerge.testing.grids import grid_units
from townmerge.testing.scorers import SizeScorer

from .test_generate import feasible_partitions, small_areas


@pytest.fixture(scope="module")
def county():
    c = sample_county()
    area = StudyArea(c.units, c.settlements, c.flows, c.roads)
    return area, build_adjacency(area)


def test_every_figure_has_a_direction():
    assert set(BETTER) == set(METRICS) - {"units"}


def test_compactness_equals_the_dissolved_polygons_on_a_clean_coverage(county):
    area, edges = county
    plan = generate_plan(area, target=13, edges=edges)
    merged = merged_units(area, plan)
    geoms = np.asarray(merged.geometry.array)
    pp = 4 * np.pi * shapely.area(geoms) / shapely.length(geoms) ** 2
    figures = FigureModel(area, edges=edges).plan(plan)
    assert figures["compactness_mean"] == pytest.approx(pp.mean(), rel=1e-9)
    assert figures["compactness_min"] == pytest.approx(pp.min(), rel=1e-9)


def test_flow_kept_counts_every_flow_between_two_settlements_once(county):
    area, edges = county
    fm = FigureModel(area, edges=edges)
    everything = fm.plan(Plan.from_mapping(dict.fromkeys(area.unit_ids, "all")))
    status_quo = fm.plan(Plan.identity(area.unit_ids))
    for t in ("population", "traffic", "economic"):
        assert everything[f"flow_kept_{t}"] == pytest.approx(1.0)
        assert 0 < status_quo[f"flow_kept_{t}"] < 1


def test_plan_figures_are_sums_over_the_plans_groups(county):
    area, edges = county
    fm = FigureModel(area, edges=edges)
    plan = generate_plan(area, target=13, edges=edges)
    groups = list(plan.groups().values())
    parts = fm.groups(groups)
    f = parts.plan_figures()
    assert f["units"] == 13
    assert parts.population.sum() == pytest.approx(area.units["population"].sum())
    # the coefficient of variation from the raw unit populations, by numpy: std (ddof 0) / mean
    by_unit = area.units["population"].astype(float)
    pops = np.array([by_unit[list(g)].sum() for g in groups])
    assert f["population_cv"] == pytest.approx(np.std(pops) / np.mean(pops))
    assert f["mean_minutes_to_seat"] == pytest.approx(
        parts.minutes_weighted.sum() / parts.settlement_weight.sum())
    # a subset of the groups is taken by position or mask alike
    mask = np.zeros(13, dtype=bool)
    mask[[0, 3]] = True
    assert parts.take(mask).members == parts.take([0, 3]).members == (
        parts.members[0], parts.members[3])


def test_bounds_are_checked_and_named():
    with pytest.raises(InputError, match=r"unknown figure 'flow_kept'.*not a finite number"):
        check_bounds({"flow_kept": 0.5, "population_cv": float("nan")})
    assert unmet_bounds({"population_cv": 0.5, "max_minutes_to_seat": float("nan")},
                        {"population_cv": 0.5, "max_minutes_to_seat": 30}) == {
        "max_minutes_to_seat": pytest.approx(float("nan"), nan_ok=True)}


def test_greedy_refuses_bounds_and_cv_needs_a_target(county):
    area, edges = county
    with pytest.raises(InputError, match="greedy"):
        generate_plan(area, method="greedy", target=13, bounds={"population_cv": 1.0},
                      edges=edges)
    with pytest.raises(InputError, match="needs a target"):
        generate_plan(area, method="exact", bounds={"population_cv": 1.0}, edges=edges)


def test_best_plan_at_least_as_good_as_another_on_every_figure(county):
    """Bounds from a plan: the exact plan matches or beats it on each figure and the objective."""
    area, edges = county
    greedy = generate_plan(area, method="greedy", target=13, edges=edges)
    theirs = plan_metrics(area, greedy, edges=edges)
    bounds = figure_bounds(theirs, names=[n for n in BETTER if not n.startswith("population_m")])
    ours = generate_plan(area, method="exact", target=13, bounds=bounds, edges=edges)
    mine = plan_metrics(area, ours, edges=edges)
    assert unmet_bounds(mine, bounds) == {}
    assert ours.info["objective"] >= greedy.info["objective"] - 1e-12
    assert ours.info["figures"] == pytest.approx(mine.to_dict())
    # and a tighter balance than the unbounded optimum costs objective, never feasibility
    best = generate_plan(area, method="exact", target=13, edges=edges)
    cv = plan_metrics(area, best, edges=edges)["population_cv"]
    balanced = generate_plan(area, method="exact", target=13, edges=edges,
                             bounds={"population_cv": 0.8 * cv})
    assert plan_metrics(area, balanced, edges=edges)["population_cv"] <= 0.8 * cv + 1e-12
    assert balanced.info["objective"] <= best.info["objective"] + 1e-12


def test_bounds_on_figures_without_data_are_refused():
    area = StudyArea(grid_units("AB / CD", population={"A": 10, "B": 30, "C": 20, "D": 40}))
    with pytest.raises(InputError, match=r"No data for the figure.*max_minutes_to_seat"):
        generate_plan(area, method="exact", target=2, bounds={"max_minutes_to_seat": 30},
                      scorer=SizeScorer(area, p_min=50))


def test_impossible_bounds_are_named(county):
    area, edges = county
    with pytest.raises(InfeasibleError) as err:
        generate_plan(area, method="exact", target=13, edges=edges,
                      bounds={"compactness_min": 0.95, "population_cv": 5.0})
    assert "compactness_min ≥ 0.95" in str(err.value)
    assert "population_cv" not in str(err.value).split("alone:")[1]
    # each bound alone can be met, both together cannot
    fm = FigureModel(area, edges=edges)
    best_flow = generate_plan(area, method="exact", target=13, edges=edges,
                              bounds={"flow_kept_population": 0.0})
    high_flow = fm.plan(best_flow)["flow_kept_population"]
    with pytest.raises(InfeasibleError, match="each can be met alone, not all together"):
        generate_plan(area, method="exact", target=13, edges=edges,
                      bounds={"flow_kept_population": high_flow * 1.15,
                              "population_cv": 0.45})


def _feasible_partitions(area, scorer, target):
    """Every feasible partition into ``target`` groups, with its objective and figures."""
    problem = PlanningProblem.from_area(area)
    cache = ScoreCache(problem, scorer)
    fm = FigureModel(area)
    return [(partition_objective(problem, cache, part), fm.groups(part).plan_figures())
            for part in feasible_partitions(problem, cache, target)]


def bounded_case(spec, target, steps):
    """A small grid, its scorer, the target, its feasible partitions and stepped bounds.

    None when no partition into ``target`` groups is feasible.
    """
    text, pops = spec
    area = StudyArea(grid_units(text, population=pops))
    scorer = SizeScorer(area, p_min=25000, shape_weight=0.3)
    target = min(target, len(pops))
    feasible = _feasible_partitions(area, scorer, target)
    if not feasible:
        return None
    return area, scorer, target, feasible, stepped_bounds(feasible, steps)


def stepped_bounds(feasible, steps):
    """Bounds a step from the unbounded optimum's figure toward the best any plan has.

    ``feasible`` holds (objective, figures) of every feasible plan; a step of 1
    is the best figure of any plan, a step beyond 1 better than any (no plan).
    """
    optimum = max(feasible, key=lambda x: x[0])[1]
    bounds = {}
    for name, step in steps.items():
        values = np.array([f[name] for _, f in feasible])
        best = values.max() if BETTER[name] == "higher" else values.min()
        bounds[name] = float(optimum[name] + step * (best - optimum[name]))
        if step > 1 and best == optimum[name]:
            bounds[name] += 0.1 * (1 if BETTER[name] == "higher" else -1) * max(abs(best), 1)
    return bounds


BOUNDED = ("population_cv", "share_below_floor", "compactness_mean", "compactness_min",
           "population_max", "population_min")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_areas(), st.integers(2, 5),
       st.dictionaries(st.sampled_from(BOUNDED), st.floats(0.05, 1.1), min_size=1, max_size=3))
def test_exact_with_bounds_equals_brute_force(spec, target, steps):
    """Bounds between the unbounded optimum's figure and the best any feasible plan has.

    A step of 1 asks for the best figure of any plan, beyond 1 for better than
    any (no plan): the bounds bind, so the test compares real constrained optima.
    """
    case = bounded_case(spec, target, steps)
    if case is None:
        return
    area, scorer, target, feasible, bounds = case
    if any(not FIGURE_RANGES[n][0] <= v <= FIGURE_RANGES[n][1] for n, v in bounds.items()):
        # beyond what any plan can have (a negative CV): refused before solving
        with pytest.raises(ParameterError, match=r"no plan has|between 0 and 1"):
            generate_plan(area, method="exact", target=target, scorer=scorer, bounds=bounds)
        return
    meeting = [obj for obj, f in feasible if not unmet_bounds(f, bounds)]
    if not meeting:
        with pytest.raises(InfeasibleError):
            generate_plan(area, method="exact", target=target, scorer=scorer, bounds=bounds)
        return
    plan = generate_plan(area, method="exact", target=target, scorer=scorer, bounds=bounds)
    assert plan.info["objective"] == pytest.approx(max(meeting), abs=1e-9)
    assert unmet_bounds(plan_metrics(area, plan), bounds) == {}


def test_dominated_by_compares_plans_of_the_same_count_only(county):
    area, edges = county
    greedy = generate_plan(area, method="greedy", target=13, edges=edges)
    better = generate_plan(area, method="exact", target=13, edges=edges,
                           bounds=figure_bounds(plan_metrics(area, greedy, edges=edges)))
    table = compare_plans(area, {"status quo": Plan.identity(area.unit_ids), "greedy": greedy,
                                 "better": better}, edges=edges)
    table.loc["objective"] = [float("nan"), greedy.info["objective"], better.info["objective"]]
    dom = dominated_by(table)
    assert dom["greedy"] == ["better"]
    assert dom["better"] == [] and dom["status quo"] == []  # 33 units: not comparable
