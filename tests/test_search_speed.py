"""Local search: the stopping rule (patience, rounds), determinism and the final polish."""

from itertools import combinations

import numpy as np
import pytest

from townmerge import StudyArea
from townmerge.data.plan import Plan
from townmerge.generate import PlanningProblem, generate_plan
from townmerge.generate.base import ScoreCache
from townmerge.generate.search import local_search
from townmerge.testing.grids import grid_units
from townmerge.testing.scorers import SizeScorer

TEXT = "ABCDEF/GHIJKL/MNOPQR/STUVWX"


def setup(locked=None, p_min=30000):
    rng = np.random.default_rng(7)
    pops = {u: int(rng.integers(2000, 20000)) for u in TEXT if u != "/"}
    area = StudyArea(grid_units(TEXT, population=pops, locked=locked or {}))
    scorer = SizeScorer(area, p_min=p_min, p_max=60000, shape_weight=0.3)
    problem = PlanningProblem.from_area(area)
    return area, scorer, problem, ScoreCache(problem, scorer)


def start_of(area, scorer, problem, target):
    greedy = generate_plan(area, method="greedy", target=target, scorer=scorer)
    return [frozenset(g) for g in problem.index_groups(greedy.groups().values())]


def contiguous(group, problem):
    group = set(group)
    first = next(iter(group))
    seen, stack = {first}, [first]
    while stack:
        u = stack.pop()
        for v in problem.neighbours[u]:
            if v in group and v not in seen:
                seen.add(v)
                stack.append(v)
    return seen == group


def groups_of(plan, problem):
    return [frozenset(g) for g in problem.index_groups(plan.groups().values())]


def assert_valid(plan, problem, cache, n_groups=None):
    groups = groups_of(plan, problem)
    assert sorted(u for g in groups for u in g) == list(range(problem.n))
    for g in groups:
        assert contiguous(g, problem)
        assert len(g) <= problem.max_members
        assert cache.feasible(g)
    if n_groups is not None:
        assert len(groups) == n_groups


def test_patience_ends_the_search_early_with_a_valid_plan():
    area, scorer, problem, cache = setup()
    start = start_of(area, scorer, problem, 8)
    plan = local_search(problem, cache, start, seed=3, iterations=4000, patience=50)
    assert plan.info["stopped"] == "patience"
    assert plan.info["iterations"] < 4000
    assert plan.info["rounds"] >= 1
    assert 0 <= plan.info["best_iteration"] <= plan.info["iterations"]
    assert plan.info["objective"] >= plan.info["start_objective"] - 1e-12
    assert_valid(plan, problem, cache, n_groups=8)


def test_patience_of_the_whole_budget_is_one_round_of_every_move():
    area, scorer, problem, cache = setup()
    start = start_of(area, scorer, problem, 8)
    plan = local_search(problem, cache, start, seed=3, iterations=1500, patience=1500)
    assert plan.info["stopped"] == "iterations"
    assert plan.info["iterations"] == 1500
    assert plan.info["rounds"] == 1
    assert_valid(plan, problem, cache, n_groups=8)


def test_same_seed_same_plan_and_path():
    area, scorer, problem, _ = setup()
    start = start_of(area, scorer, problem, 8)
    runs = [local_search(problem, ScoreCache(problem, scorer), start, seed=11,
                         iterations=3000, patience=100) for _ in range(2)]
    assert runs[0].canonical() == runs[1].canonical()
    for key in ("objective", "iterations", "accepted", "best_iteration", "rounds", "polished"):
        assert runs[0].info[key] == runs[1].info[key], key


def test_free_count_with_patience_keeps_every_invariant():
    _, _, problem, cache = setup(locked={"H": True})
    start = [frozenset((i,)) for i in range(problem.n)]
    plan = local_search(problem, cache, start, fixed_count=False, seed=2, iterations=3000,
                        patience=80)
    assert plan.info["stopped"] in ("patience", "iterations")
    assert_valid(plan, problem, cache)
    h = problem.ids.index("H")
    assert [g for g in groups_of(plan, problem) if h in g] == [frozenset((h,))]


def test_fixed_blocks_move_whole_and_locked_units_stay_alone_over_rounds():
    area, scorer, problem, cache = setup(locked={"X": True})
    fixed_ids = [["A", "G"], ["K", "L"]]
    fixed = problem.index_groups(fixed_ids)
    start_plan = Plan.from_mapping({u: u for u in problem.ids} | {"G": "A", "L": "K"})
    plan = generate_plan(area, method="search", target=9, start=start_plan, scorer=scorer,
                         seed=4, iterations=3000)
    assert plan.n_new == 9
    for a, b in fixed_ids:
        assert plan.assignment[a] == plan.assignment[b]
    assert plan.members(plan.assignment["X"]) == ("X",)
    # the same through local_search directly, with several rounds
    start = [frozenset(g) for g in problem.index_groups(
        generate_plan(area, method="greedy", target=9, start=start_plan,
                      scorer=scorer).groups().values())]
    direct = local_search(problem, cache, start, seed=5, iterations=3000, fixed=fixed,
                          patience=60)
    assert direct.info["rounds"] > 1
    assert_valid(direct, problem, cache, n_groups=9)
    for a, b in fixed_ids:
        assert direct.assignment[a] == direct.assignment[b]
    assert direct.members(direct.assignment["X"]) == ("X",)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_plan_returned_is_a_local_optimum_for_recombination(seed):
    area, scorer, problem, cache = setup()
    start = start_of(area, scorer, problem, 8)
    # a short search: the polish, not the annealing, has to reach the local optimum
    plan = local_search(problem, cache, start, seed=seed, iterations=200)
    groups = groups_of(plan, problem)
    tol = 1e-9 * float(problem.weight.sum())
    for x, y in combinations(groups, 2):
        if not any(v in y for u in x for v in problem.neighbours[u]):
            continue
        union = sorted(x | y)
        now = cache.value(x) + cache.value(y)
        for r in range(1, len(union)):
            for part in combinations(union, r):
                s, t = frozenset(part), frozenset(union) - frozenset(part)
                if max(len(s), len(t)) > problem.max_members:
                    continue
                if not (contiguous(s, problem) and contiguous(t, problem)):
                    continue
                if cache.feasible(s) and cache.feasible(t):
                    assert cache.value(s) + cache.value(t) <= now + tol
