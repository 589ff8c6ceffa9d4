"""The n best plans of the exact model equal the n best partitions found by brute force."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from townmerge import StudyArea
from townmerge.errors import InfeasibleError, InputError
from townmerge.generate import PlanningProblem, partition_objective
from townmerge.generate.base import ScoreCache
from townmerge.generate.exact import ranked_plans
from townmerge.testing.grids import grid_units
from townmerge.testing.scorers import SizeScorer

from .test_generate import feasible_partitions, small_areas


def all_objectives(area, scorer, target):
    problem = PlanningProblem.from_area(area)
    cache = ScoreCache(problem, scorer)
    return sorted((partition_objective(problem, cache, part)
                   for part in feasible_partitions(problem, cache, target)), reverse=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_areas(), st.integers(1, 6), st.integers(1, 6))
def test_ranked_plans_are_the_best_partitions_in_order(spec, target, n):
    text, pops = spec
    area = StudyArea(grid_units(text, population=pops))
    scorer = SizeScorer(area, p_min=25000, shape_weight=0.3)
    target = min(target, len(pops))
    expected = all_objectives(area, scorer, target)
    problem = PlanningProblem.from_area(area)
    cache = ScoreCache(problem, scorer)
    if not expected:
        with pytest.raises(InfeasibleError):
            ranked_plans(problem, cache, n, target=target)
        return
    plans = ranked_plans(problem, cache, n, target=target)
    got = [p.info["objective"] for p in plans]
    assert len(plans) == min(n, len(expected))
    np.testing.assert_allclose(got, expected[:len(got)], atol=1e-9)
    assert [p.info["rank"] for p in plans] == list(range(1, len(plans) + 1))
    parts = {frozenset(frozenset(g) for g in p.groups().values()) for p in plans}
    assert len(parts) == len(plans)  # all different partitions
    for p in plans:
        assert p.n_new == target


def test_ranked_plans_checks_n():
    area = StudyArea(grid_units("AB", population={"A": 1, "B": 2}))
    problem = PlanningProblem.from_area(area)
    with pytest.raises(InputError, match="n must be at least 1"):
        ranked_plans(problem, ScoreCache(problem, SizeScorer(area, p_min=5)), 0)


def test_best_plans_of_the_sample_county(tmp_path, capsys):
    from pathlib import Path

    import townmerge as tm
    from townmerge.cli.commands import main

    sample = Path(__file__).resolve().parents[1] / "sample_shapes" / "county"
    area = tm.read_study_area(sample)
    edges = tm.build_adjacency(area)
    top = tm.best_plans(area, 4, target=13, edges=edges)
    optimum = tm.generate_plan(area, method="exact", target=13, edges=edges)
    values = [p.info["objective"] for p in top]
    assert values[0] == pytest.approx(optimum.info["objective"])
    assert values == sorted(values, reverse=True)
    assert len({p.canonical() for p in top}) == 4
    for p in top:
        tm.check_plan(area, p, edges=edges).raise_if_bad()
        assert p.info["objective"] == pytest.approx(tm.plan_objective(area, p, edges=edges))
    # fixed mergers stay together in every plan
    first = next(g for g in top[1].groups().values() if len(g) > 1)
    fixed = tm.Plan.from_groups({"F": first} | {u: [u] for u in area.unit_ids if u not in first})
    for p in tm.best_plans(area, 3, target=13, start=fixed, edges=edges):
        assert len({p.assignment[u] for u in first}) == 1
    out = tmp_path / "best"
    assert main(["ensemble", str(sample), "-n", "3", "--best", "--target", "13",
                 "--out", str(out), "--lang", "en"]) == 0
    assert "3 plans (3 distinct partitions)" in capsys.readouterr().out
    assert tm.read_plan(out / "plan_000.csv").canonical() == top[0].canonical()
