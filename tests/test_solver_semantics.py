"""Issue 10, "Solver semantics": each test is named after the bullet it pins.

1. a time limit reached without a plan is not "infeasible";
2. a dead end repaired by the exact model says so;
3. recombination works on unions of more than 10 units (max_members >= 6);
4. every method returns within its time limit plus a constant;
5. with no feasible plan, the binding hard limit is named with its figures;
6. co-occurrence is sparse and the CLI ensemble writes each plan as it is made;
7. the adjusted Rand index is computed from a sparse contingency table.
"""

from itertools import combinations

import numpy as np
import pytest

from townmerge import StudyArea
from townmerge.config import Config
from townmerge.generate import PlanningProblem, generate_plan
from townmerge.generate.base import ScoreCache
from townmerge.generate.search import local_search
from townmerge.testing.grids import grid_units
from townmerge.testing.scorers import SizeScorer


# -- 3. recombination of unions of more than 10 units --------------------------------------------
def _contiguous(group, problem):
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


def _big_groups(seed):
    text = "ABCDEF/GHIJKL/MNOPQR/STUVWX"
    rng = np.random.default_rng(seed)
    pops = {u: int(rng.integers(2000, 20000)) for u in text if u != "/"}
    area = StudyArea(grid_units(text, population=pops))
    cfg = Config(max_members=7)
    scorer = SizeScorer(area, p_min=60_000, p_max=90_000)
    problem = PlanningProblem.from_area(area, config=cfg)
    return area, cfg, scorer, problem, ScoreCache(problem, scorer)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_recombination_works_on_unions_of_more_than_10_units(seed):
    """Bullet 3: with max_members 7, unions of two new units have up to 14 units; the plan
    returned is still a local optimum for recombination, checked by brute force over every
    split of every pair of neighbouring new units (independent of the search's own code)."""
    area, cfg, scorer, problem, cache = _big_groups(seed)
    start = generate_plan(area, method="greedy", target=4, scorer=scorer, config=cfg)
    groups0 = [frozenset(g) for g in problem.index_groups(start.groups().values())]
    plan = local_search(problem, cache, groups0, seed=seed, iterations=200)
    groups = [frozenset(g) for g in problem.index_groups(plan.groups().values())]
    assert max(len(x | y) for x, y in combinations(groups, 2)) > 10
    tol = 1e-9 * float(problem.weight.sum())
    for x, y in combinations(groups, 2):
        if not any(v in y for u in x for v in problem.neighbours[u]):
            continue
        union = sorted(x | y)
        now = cache.value(x) + cache.value(y)
        first, rest = union[0], union[1:]
        for r in range(0, len(rest)):
            for part in combinations(rest, r):
                s = frozenset((first, *part))
                t = frozenset(union) - s
                if max(len(s), len(t)) > problem.max_members:
                    continue
                if not (_contiguous(s, problem) and _contiguous(t, problem)):
                    continue
                if cache.feasible(s) and cache.feasible(t):
                    assert cache.value(s) + cache.value(t) <= now + tol, (sorted(s), sorted(t))
    assert plan.info["local_optimum"] is True and plan.info["recombination_capped"] == 0


def test_recombination_beyond_its_cap_is_stated_and_keeps_unit_moves_optimal(monkeypatch):
    """Bullet 3, the limit where users see it: a union with more connected parts than
    MAX_SPLIT_PARTS is recombined from the parts found first; the plan says it is not proven
    locally optimal (info and a RuntimeWarning) and is still optimal for single-unit moves
    (checked by brute force)."""
    from townmerge.generate import move_memo

    monkeypatch.setattr(move_memo, "MAX_SPLIT_PARTS", 12)
    area, cfg, scorer, problem, cache = _big_groups(0)
    start = generate_plan(area, method="greedy", target=4, scorer=scorer, config=cfg)
    groups0 = [frozenset(g) for g in problem.index_groups(start.groups().values())]
    with pytest.warns(RuntimeWarning, match=r"could not try every split of \d+ pair"):
        plan = local_search(problem, cache, groups0, seed=0, iterations=200)
    assert plan.info["local_optimum"] is False and plan.info["recombination_capped"] > 0
    groups = [frozenset(g) for g in problem.index_groups(plan.groups().values())]
    tol = 1e-9 * float(problem.weight.sum())
    for x, y in combinations(groups, 2):
        now = cache.value(x) + cache.value(y)
        for src, dst in ((x, y), (y, x)):
            for u in src:
                if len(src) == 1 or not problem.neighbours[u] & dst:
                    continue
                s, t = src - {u}, dst | {u}
                if len(t) > problem.max_members or not _contiguous(s, problem):
                    continue
                if cache.feasible(s) and cache.feasible(t):
                    assert cache.value(s) + cache.value(t) <= now + tol


# -- 1. a time limit reached without a plan is not "infeasible" ---------------------------------
@pytest.fixture(scope="module")
def county():
    from townmerge import read_study_area

    return read_study_area("sample_shapes/county")


def test_time_limit_reached_without_a_plan_is_not_infeasible(county):
    from townmerge.errors import InfeasibleError, TimeLimitError

    for limit in (1e-6, 0.01):
        try:
            plan = generate_plan(county, method="exact", time_limit=limit)
        except TimeLimitError as exc:
            assert not isinstance(exc, InfeasibleError)
            assert f"time limit of {limit:g} s ran out" in str(exc)
            assert "Relax the constraints" not in str(exc)
        else:  # a machine fast enough to find a plan in time returns it, flagged
            assert plan.info["status"] in ("Optimal", "Time limit reached")
    with pytest.raises(TimeLimitError, match="time limit of 1e-06 s ran out"):
        generate_plan(county, method="exact", time_limit=1e-6)
    # the optimum exists
    assert generate_plan(county, method="exact").info["status"] == "Optimal"
    # the status the exact model reads as "the limit ran out" is HiGHS's own
    import highspy

    from townmerge.generate.exact import TIME_LIMIT_STATUS

    assert highspy.Highs().modelStatusToString(
        highspy.HighsModelStatus.kTimeLimit) == TIME_LIMIT_STATUS


def test_time_limit_is_honoured_by_the_greedy_repair_and_ensembles(monkeypatch):
    from townmerge.datasets.synthetic import synthetic_county
    from townmerge.errors import TimeLimitError
    from townmerge.generate import best_plans, generate_ensemble, repair

    s = synthetic_county(48, seed=2)  # greedy dead-ends here; the exact model repairs it
    area = StudyArea(s.units, s.settlements, s.flows, s.roads)
    with pytest.raises(TimeLimitError, match="ran out before"):
        generate_plan(area, method="greedy", target=19, time_limit=1e-6)
    # the exact repair gets the time left, not an unlimited solve
    given = []
    exact = repair.exact_plan

    def spy(*args, **kw):
        given.append(kw.get("time_limit"))
        return exact(*args, **kw)

    monkeypatch.setattr(repair, "exact_plan", spy)
    plan = generate_plan(area, method="greedy", target=19, time_limit=600.0)
    assert plan.info["repaired"] == "exact model"
    assert len(given) == 1 and given[0] is not None and 0 < given[0] < 600.0
    monkeypatch.undo()
    with pytest.raises(TimeLimitError, match="ran out before"):
        generate_ensemble(area, 5, target=19, time_limit=1e-6)
    with pytest.raises(TimeLimitError, match="ran out before"):
        best_plans(area, 3, target=19, time_limit=1e-6)
    with pytest.raises(TimeLimitError, match="ran out before"):
        generate_plan(area, method="search", target=19, time_limit=1e-6)


def test_time_limit_is_honoured_by_the_infeasibility_diagnostics(county):
    """The diagnostic solves (which bounds cannot be met even alone) share the call's clock:
    with none left, the message says the diagnosis was cut short instead of running on."""
    from townmerge.config import Config
    from townmerge.generate.deadline import Deadline
    from townmerge.generate.exact import _model_columns, _no_plan_message
    from townmerge.score.figure_model import FigureModel
    from townmerge.score.scorer import MergerScorer

    scorer = MergerScorer(county)
    problem = PlanningProblem.from_area(county)
    cache = ScoreCache(problem, scorer)
    figures = FigureModel(county, Config(), selector=scorer.selector)
    m = _model_columns(problem, cache, None, {"population_cv": 0.01}, figures, 13)
    text = _no_plan_message(problem, cache, m.all_columns, m.all_cost, "Infeasible", 13,
                            m.bounds, m.all_figures, 0, Deadline(0.0))
    assert "the time limit ran out before the diagnosis was done" in text
    text = _no_plan_message(problem, cache, m.all_columns, m.all_cost, "Infeasible", 13,
                            m.bounds, m.all_figures, 0, Deadline(None))
    assert "population_cv ≤ 0.01" in text and "time limit" not in text


def test_time_limit_is_checked(county):
    from townmerge.errors import ParameterError

    for bad in (-1.0, 0.0, float("nan"), float("inf")):
        with pytest.raises(ParameterError, match="time_limit must be a positive number of seco"):
            generate_plan(county, method="greedy", time_limit=bad)


# -- 2. a dead end repaired by the exact model is reported as such ------------------------------
def test_dead_end_repaired_by_the_exact_model_is_reported_as_such():
    from townmerge.datasets.synthetic import synthetic_county

    s = synthetic_county(48, seed=2)  # plain greedy stops at 22 units here, though 19 exist
    area = StudyArea(s.units, s.settlements, s.flows, s.roads)
    plan = generate_plan(area, method="greedy", target=19)
    assert plan.n_new == 19
    assert plan.info["method"] == "exact (repair)"
    assert plan.info["repaired"] == "exact model"
    assert plan.info["status"] == "Optimal"
    # the same plan as the exact model's, since that is what made it
    exact = generate_plan(area, method="exact", target=19)
    assert plan.canonical() == exact.canonical()


# -- 4. every method returns within its time limit plus a constant ------------------------------
def _squares(side, seed=0):
    import geopandas as gpd
    from shapely import box

    rng = np.random.default_rng(seed)
    n = side * side
    units = gpd.GeoDataFrame(
        {"id": [f"U{i:05d}" for i in range(n)], "name": [f"镇{i}" for i in range(n)],
         "population": rng.integers(1000, 8000, n)},
        geometry=[box((i % side) * 1000, (i // side) * 1000, (i % side + 1) * 1000,
                      (i // side + 1) * 1000) for i in range(n)], crs="EPSG:32648")
    return StudyArea(units)


def test_every_method_returns_within_its_time_limit_plus_a_constant():
    """Bullet 4, a behavioural check measured once per call: 1,600 units, where greedy merging
    alone takes seconds and the final polish of the search took over 10 s with any limit."""
    import time

    from townmerge import build_adjacency
    from townmerge.data.plan import Plan
    from townmerge.errors import TimeLimitError
    from townmerge.score.scorer import MergerScorer

    area = _squares(40)
    edges = build_adjacency(area)
    scorer = MergerScorer(area, edges=edges)
    start = generate_plan(area, method="greedy", edges=edges, scorer=scorer)
    limit, slack = 0.5, 5.0  # generous: the steps that cannot be cut last milliseconds here
    calls = {
        "greedy": {"method": "greedy"},
        "exact": {"method": "exact", "target": 800},
        "search": {"method": "search"},
        "search with a target": {"method": "search", "target": 500},
    }
    made = {}
    for name, kw in calls.items():
        t0 = time.perf_counter()
        try:
            made[name] = generate_plan(area, edges=edges, scorer=scorer, time_limit=limit, **kw)
        except TimeLimitError as exc:
            made[name] = exc
        elapsed = time.perf_counter() - t0
        assert elapsed < limit + slack, (name, elapsed)
    # without a target, greedy merging cut short returns the mergers made, flagged
    for name in ("greedy", "search"):
        assert isinstance(made[name], (Plan, TimeLimitError))
        if isinstance(made[name], Plan):
            assert made[name].info["stopped"] == "time_limit", name
            assert made[name].n_new > start.n_new
    # the annealing and the final polish of a search from the greedy plan (free count)
    problem = PlanningProblem.from_area(area, edges=edges)
    groups = [frozenset(g) for g in problem.index_groups(start.groups().values())]
    t0 = time.perf_counter()
    plan = local_search(problem, ScoreCache(problem, scorer), groups, fixed_count=False,
                        time_limit=limit)
    assert time.perf_counter() - t0 < limit + slack
    assert plan.info["stopped"] == "time_limit"


# -- 5. when no plan is feasible, the binding constraint is named -------------------------------
def _big_squares(text, cell):
    rng = np.random.default_rng(1)
    pops = {u: int(rng.integers(3000, 9000)) for u in text if u.isalpha()}
    return StudyArea(grid_units(text, cell=cell, population=pops))


@pytest.mark.parametrize("method", ["greedy", "exact", "search"])
def test_no_feasible_plan_names_the_binding_constraint(method):
    """Bullet 5: 400 km² squares under the 250 km² area limit of hills (the default terrain):
    every one of the 12 pairs of a 3 × 3 grid is ruled out by the area limit alone."""
    from townmerge.errors import InfeasibleError

    area = _big_squares("ABC/DEF/GHI", cell=20_000.0)
    with pytest.raises(InfeasibleError) as caught:
        generate_plan(area, method=method, target=5)
    text = str(caught.value)
    assert "the area limit (H5) alone rules out all 12 pairs of neighbouring units" in text
    # independent figures: two 20 km squares make 800 km²; hills allow 250 km²
    assert "smallest union is 800 km², over its limit of 250 km²" in text
    assert "target 5 needs 4 mergers" in text
    assert "a_max_km2" in text
    assert "max_members, population or travel limits" not in text


def test_no_feasible_plan_counts_the_pairs_each_limit_rules_out():
    """Bullet 5 with some mergers possible: units of one, two and three 10 km cells (100,
    200, 300 km²); the pairs whose union exceeds 250 km², counted here from the geometry,
    are the ones the message attributes to the area limit."""
    from townmerge import build_adjacency
    from townmerge.errors import InfeasibleError

    text = "ABC/DEE/FFF"
    area = _big_squares(text, cell=10_000.0)
    edges = build_adjacency(area)
    km2 = (area.units.geometry.area / 1e6).to_dict()
    over = sum(km2[a] + km2[b] > 250 for a, b in zip(edges["unit_a"], edges["unit_b"],
                                                     strict=True))
    assert 0 < over < len(edges)
    with pytest.raises(InfeasibleError) as caught:
        generate_plan(area, method="exact", target=1, edges=edges)
    text = str(caught.value)
    assert (f"Only {len(edges) - over} of {len(edges)} pairs of neighbouring units can merge"
            in text)
    assert f"the area limit (H5): {over} pairs (the smallest union is 300 km²" in text


# -- 6. co-occurrence stays sparse; the CLI ensemble writes each plan as it is made -------------
def _peak_bytes(fn):
    import tracemalloc

    tracemalloc.start()
    try:
        out = fn()
        return out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _random_plans(n_units, n_plans, seed, largest=4):
    """Plans over units U00000…: runs of 1 to ``largest`` consecutive units, shuffled labels."""
    from townmerge.data.plan import Plan

    rng = np.random.default_rng(seed)
    ids = [f"U{i:05d}" for i in range(n_units)]
    plans = []
    for _ in range(n_plans):
        label = np.repeat(np.arange(n_units), rng.integers(1, largest + 1, n_units))[:n_units]
        plans.append(Plan.from_mapping(dict(zip(ids, (f"N{x}" for x in label), strict=True))))
    return plans


def test_co_occurrence_and_cli_ensemble_do_not_allocate_n_by_n_and_keep_finished_plans(
        tmp_path, monkeypatch):
    """Bullet 6: 8,000 units (a square matrix: 512 MB) in a few MB, counts checked against an
    independent count; the CLI writes each plan before the next is made."""
    from townmerge.cli.commands import main
    from townmerge.errors import InfeasibleError
    from townmerge.generate import co_occurrence, ensemble

    plans = _random_plans(8_000, 3, seed=4)
    co, peak = _peak_bytes(lambda: co_occurrence(plans))
    assert peak < 40e6, peak
    expect = {}
    for p in plans:
        for g in p.groups().values():
            for a, b in combinations(sorted(g), 2):
                expect[a, b] = expect.get((a, b), 0) + 1
    got = {(a, b): s for a, b, s in co.itertuples(index=False)}
    assert got.keys() == expect.keys()
    assert all(got[k] == pytest.approx(v / 3) for k, v in expect.items())

    # a failure at the third plan: the first two are on disk already
    made = []
    search = ensemble.local_search

    def third_fails(*args, **kw):
        if len(made) == 2:
            raise InfeasibleError("stop here")
        made.append(1)
        return search(*args, **kw)

    monkeypatch.setattr(ensemble, "local_search", third_fails)
    out = tmp_path / "ens"
    code = main(["ensemble", "sample_shapes/county", "-n", "5", "--target", "13", "--out",
                 str(out)])
    assert code != 0
    kept = tmp_path / "ens.unfinished"  # beside the folder, which gets whole ensembles only
    assert sorted(p.name for p in kept.glob("plan_*.csv")) == ["plan_000.csv", "plan_001.csv"]
    assert not out.exists()
    # a run that ends writes the folder and leaves no unfinished copies
    monkeypatch.undo()
    assert main(["ensemble", "sample_shapes/county", "-n", "2", "--target", "13", "--out",
                 str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["co_occurrence.csv", "plan_000.csv",
                                                     "plan_001.csv"]
    assert not kept.exists()


# -- 7. the adjusted Rand index from a sparse contingency table ---------------------------------
def _plan(labels):
    from townmerge.data.plan import Plan

    return Plan.from_mapping({f"U{i:05d}": f"N{x}" for i, x in enumerate(labels)})


def test_adjusted_rand_index_is_sparse_and_matches_sklearn():
    from sklearn.metrics import adjusted_rand_score

    from townmerge.evaluate.metrics import adjusted_rand_index

    rng = np.random.default_rng(10)
    n = 300
    cases = [
        (np.arange(n), np.arange(n)),                          # identical, all singletons
        (np.zeros(n, int), np.zeros(n, int)),                  # identical, one group
        (np.arange(n), np.zeros(n, int)),                      # all singletons vs one group
        (np.zeros(n, int), np.arange(n)),
        (np.arange(n) // 3, np.arange(n) // 3),                # identical
        (np.arange(n) // 3, (np.arange(n) + 1) // 3),          # shifted
        (np.arange(2), np.zeros(2, int)),                      # two units
    ]
    for k in (2, 5, 40, 150):
        cases.append((rng.integers(0, k, n), rng.integers(0, k, n)))
        a = rng.integers(0, k, n)
        b = a.copy()
        flip = rng.random(n) < 0.1
        b[flip] = rng.integers(0, k, int(flip.sum()))
        cases.append((a, b))
    for a, b in cases:
        want = adjusted_rand_score(a, b)
        got = adjusted_rand_index(_plan(a), _plan(b))
        assert got == pytest.approx(want, abs=1e-12), (a[:5], b[:5])
    # national scale: 35,927 units in about 12,000 new units (a dense table: 1.1 GB)
    n = 35_927
    a = np.arange(n) // 3
    b = a.copy()
    move = rng.random(n) < 0.2
    b[move] = rng.integers(0, n // 3, int(move.sum()))
    pa, pb = _plan(a), _plan(b)
    got, peak = _peak_bytes(lambda: adjusted_rand_index(pa, pb))
    assert peak < 60e6, peak
    assert got == pytest.approx(adjusted_rand_score(a, b), abs=1e-12)
