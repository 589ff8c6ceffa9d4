"""Plan generators: exact = brute force on small grids; invariants of every generator."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from townmerge import StudyArea, check_plan, merged_units
from townmerge.data.plan import Plan
from townmerge.errors import InfeasibleError, InputError
from townmerge.generate import (
    PlanningProblem,
    co_occurrence,
    generate_ensemble,
    generate_plan,
    partition_objective,
)
from townmerge.generate.base import ScoreCache
from townmerge.generate.exact import connected_groups
from townmerge.testing.grids import grid_units
from townmerge.testing.scorers import SizeScorer

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXY"


def set_partitions(items):
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in set_partitions(rest):
        for i in range(len(part)):
            yield [*part[:i], [first, *part[i]], *part[i + 1:]]
        yield [[first], *part]


def connected(group, problem):
    idx = problem.index_groups([group])[0]
    seen, stack = {idx[0]}, [idx[0]]
    while stack:
        u = stack.pop()
        for v in problem.neighbours[u]:
            if v in idx and v not in seen:
                seen.add(v)
                stack.append(v)
    return len(seen) == len(idx)


def feasible_partitions(problem, cache, target=None):
    """Every partition (into ``target`` groups) keeping every constraint, by brute force."""
    for part in set_partitions(list(problem.ids)):
        if target is not None and len(part) != target:
            continue
        ok = True
        for g in part:
            if len(g) > 1:
                fs = frozenset(problem.index_groups([g])[0])
                if (len(g) > problem.max_members or not connected(g, problem)
                        or problem.locked[list(fs)].any() or not cache.feasible(fs)):
                    ok = False
                    break
        if ok:
            yield part


def brute_force(area, scorer, target=None):
    problem = PlanningProblem.from_area(area)
    cache = ScoreCache(problem, scorer)
    best = -np.inf
    for part in feasible_partitions(problem, cache, target):
        best = max(best, partition_objective(problem, cache, part))
    return best


@st.composite
def small_areas(draw):
    h, w = draw(st.sampled_from([(1, 4), (2, 2), (2, 3), (1, 6), (3, 2), (2, 4)]))
    ids = LETTERS[: h * w]
    # some units span two cells: draw the grid, then merge random horizontal neighbours
    rows = [list(ids[i * w:(i + 1) * w]) for i in range(h)]
    for r in rows:
        for j in range(1, w):
            if draw(st.booleans()) and draw(st.booleans()):
                r[j] = r[j - 1]
    text = "/".join("".join(r) for r in rows)
    units = sorted(set(text) - {"/"})
    pops = draw(st.lists(st.integers(1000, 30000), min_size=len(units), max_size=len(units)))
    return text, dict(zip(units, pops, strict=True))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_areas(), st.integers(1, 8), st.booleans())
def test_exact_equals_brute_force(spec, target, with_cap):
    text, pops = spec
    area = StudyArea(grid_units(text, population=pops))
    p_max = 45000 if with_cap else np.inf
    scorer = SizeScorer(area, p_min=25000, p_max=p_max, shape_weight=0.3)
    target = min(target, len(pops))
    best = brute_force(area, scorer, target)
    if best == -np.inf:
        with pytest.raises(InfeasibleError):
            generate_plan(area, method="exact", target=target, scorer=scorer)
        return
    plan = generate_plan(area, method="exact", target=target, scorer=scorer)
    problem = PlanningProblem.from_area(area)
    assert partition_objective(problem, scorer, plan.groups().values()) == pytest.approx(best)
    assert plan.info["gap"] <= 1e-6
    # free count: the optimum over every count
    free = generate_plan(area, method="exact", scorer=scorer)
    assert free.info["objective"] == pytest.approx(brute_force(area, scorer))


def test_connected_groups_counts_on_a_path():
    area = StudyArea(grid_units("ABCDE"))
    problem = PlanningProblem.from_area(area)
    groups = list(connected_groups(problem, 3))
    assert len(groups) == len(set(groups)) == 5 + 4 + 3  # paths of 1, 2, 3 units


@st.composite
def grids(draw):
    h, w = draw(st.integers(2, 4)), draw(st.integers(2, 5))
    ids = LETTERS[: h * w]
    pops = draw(st.lists(st.integers(500, 30000), min_size=h * w, max_size=h * w))
    locked = draw(st.sets(st.sampled_from(ids), max_size=2))
    text = "/".join(ids[i * w:(i + 1) * w] for i in range(h))
    return text, dict(zip(ids, pops, strict=True)), {u: u in locked for u in ids}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grids(), st.sampled_from(["greedy", "exact", "search"]), st.integers(0, 3))
def test_every_generator_returns_a_feasible_contiguous_partition(spec, method, seed):
    text, pops, locked = spec
    area = StudyArea(grid_units(text, population=pops, locked=locked))
    scorer = SizeScorer(area, p_min=25000, p_max=70000, shape_weight=0.2)
    n = len(pops)
    target = max(n // 3, sum(locked.values()) + 1)
    try:
        plan = generate_plan(area, method=method, target=target, scorer=scorer, seed=seed,
                             iterations=500)
    except InfeasibleError:
        # a target the constraints do not allow: greedy and search repair their dead ends
        # with the exact model, so the exact model (checked by brute force) must agree
        if method != "exact":
            with pytest.raises(InfeasibleError):
                generate_plan(area, method="exact", target=target, scorer=scorer)
        return
    assert plan.n_new == target
    check_plan(area, plan).raise_if_bad()
    for members in plan.groups().values():
        assert len(members) <= 4
        if len(members) > 1:
            assert scorer.is_feasible(members)
            assert not any(locked[m] for m in members)
    merged = merged_units(area, plan)
    assert merged["population"].sum() == sum(pops.values())
    assert merged["area_km2"].sum() == pytest.approx(n, rel=1e-2)  # 1 km² cells in UTM
    again = generate_plan(area, method=method, target=target, scorer=scorer, seed=seed,
                          iterations=500)
    assert again.same_partition(plan)


def test_search_never_worse_than_its_start_and_greedy_close_to_exact():
    rng = np.random.default_rng(7)
    text = "ABCDEF/GHIJKL/MNOPQR/STUVWX"
    pops = {u: int(rng.integers(2000, 20000)) for u in text if u != "/"}
    area = StudyArea(grid_units(text, population=pops))
    scorer = SizeScorer(area, p_min=30000, p_max=60000, shape_weight=0.3)
    exact = generate_plan(area, method="exact", target=8, scorer=scorer)
    greedy = generate_plan(area, method="greedy", target=8, scorer=scorer)
    search = generate_plan(area, method="search", target=8, scorer=scorer, seed=1)
    assert search.info["objective"] >= search.info["start_objective"] - 1e-12
    assert search.info["objective"] >= greedy.info["objective"] - 1e-12
    assert search.info["objective"] >= 0.97 * exact.info["objective"]
    assert exact.info["objective"] >= search.info["objective"] - 1e-9


def test_fixed_mergers_stay_together_and_locked_units_alone():
    pops = {u: 5000 for u in "ABCDEF"}
    area = StudyArea(grid_units("ABC/DEF", population=pops, locked={"F": True}))
    scorer = SizeScorer(area, p_min=15000)
    start = Plan.from_mapping({"A": "A", "D": "A", "B": "B", "C": "C", "E": "E", "F": "F"})
    for method in ("greedy", "exact", "search"):
        plan = generate_plan(area, method=method, target=3, start=start, scorer=scorer)
        assert plan.assignment["A"] == plan.assignment["D"], method
        assert plan.members(plan.assignment["F"]) == ("F",), method


def test_unknown_method_and_bad_target():
    area = StudyArea(grid_units("AB", population={"A": 1, "B": 1}))
    scorer = SizeScorer(area, p_min=2)
    with pytest.raises(InputError, match="method"):
        generate_plan(area, method="magic", scorer=scorer)
    with pytest.raises(InputError, match="target"):
        generate_plan(area, target=3, scorer=scorer)


def test_ensemble_is_diverse_deterministic_and_counts_co_occurrence():
    rng = np.random.default_rng(3)
    text = "ABCDE/FGHIJ/KLMNO/PQRST"
    pops = {u: int(rng.integers(3000, 15000)) for u in text if u != "/"}
    area = StudyArea(grid_units(text, population=pops))
    scorer = SizeScorer(area, p_min=25000, shape_weight=0.3)
    plans = generate_ensemble(area, 12, target=7, scorer=scorer, seed=5, iterations=300)
    assert len(plans) == 12
    for p in plans:
        check_plan(area, p).raise_if_bad()
        assert p.n_new == 7
    assert len({p.canonical() for p in plans}) > 1  # diverse
    again = generate_ensemble(area, 12, target=7, scorer=scorer, seed=5, iterations=300)
    assert [p.canonical() for p in plans] == [p.canonical() for p in again]
    co = co_occurrence(plans)
    assert list(co.columns) == ["unit_a", "unit_b", "share"]
    assert (co["unit_a"] < co["unit_b"]).all() and not co.duplicated(["unit_a", "unit_b"]).any()
    assert ((co["share"] > 0) & (co["share"] <= 1)).all()
    # independent count: the share of plans putting each listed pair together, and every
    # pair ever together is listed
    together = {(a, b) for p in plans for g in p.groups().values() for a in g for b in g if a < b}
    assert set(zip(co["unit_a"], co["unit_b"], strict=True)) == together
    for a, b, share in co.itertuples(index=False):
        assert share == sum(p.assignment[a] == p.assignment[b] for p in plans) / len(plans)


def test_greedy_dead_end_above_the_target_is_repaired():
    from townmerge.datasets.synthetic import synthetic_county

    s = synthetic_county(48, seed=2)  # plain greedy stops at 22 units here, though 19 exist
    area = StudyArea(s.units, s.settlements, s.flows, s.roads)
    exact = generate_plan(area, method="exact", target=19)
    for method in ("greedy", "search"):
        plan = generate_plan(area, method=method, target=19, iterations=3000)
        assert plan.n_new == 19
        check_plan(area, plan).raise_if_bad()
        assert plan.info["objective"] >= 0.97 * exact.info["objective"]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grids(), st.sampled_from(["greedy", "search"]), st.integers(0, 2))
def test_generators_with_the_merger_scorer_keep_every_invariant(spec, method, seed):
    from townmerge import MergerScorer, plan_objective

    text, pops, locked = spec
    area = StudyArea(grid_units(text, population=pops, locked=locked, terrain=dict.fromkeys(
        pops, "hill")))
    scorer = MergerScorer(area)
    target = max(len(pops) // 2, sum(locked.values()) + 1)
    try:
        plan = generate_plan(area, method=method, target=target, seed=seed, scorer=scorer,
                             iterations=400)
    except InfeasibleError:
        with pytest.raises(InfeasibleError):  # the exact model agrees: no plan exists
            generate_plan(area, method="exact", target=target, scorer=scorer)
        return
    check_plan(area, plan).raise_if_bad()
    assert plan.n_new == target
    assert plan_objective(area, plan, scorer=scorer) == pytest.approx(plan.info["objective"])
    merged = merged_units(area, plan)
    assert merged["population"].sum() == sum(pops.values())
    assert merged["area_km2"].sum() == pytest.approx(len(pops), rel=1e-2)  # 1 km² cells in UTM
    again = generate_plan(area, method=method, target=target, seed=seed, scorer=scorer,
                          iterations=400)
    assert again == plan
