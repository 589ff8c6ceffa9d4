"""A user's own hard constraint is honoured by greedy, exact and search alike (issue 11)."""

import pickle

import pytest

import townmerge as tm
from townmerge.errors import ParameterError, PlanError
from townmerge.score.scorer import MergerScorer
from townmerge.score.user_constraints import Constraint

SAMPLE = "sample_shapes/county"


@pytest.fixture(scope="module")
def area():
    return tm.read_study_area(SAMPLE)


@pytest.fixture(scope="module")
def pair(area):
    """Two units the unconstrained exact plan puts together."""
    plan = tm.generate_plan(area, method="exact", target=13)
    members = next(m for m in plan.groups().values() if len(m) >= 2)
    return members[0], members[1]


class KeepApart:
    """A picklable rule: these two units never in one new unit."""

    def __init__(self, a: str, b: str) -> None:
        self.a, self.b = a, b

    def __call__(self, members: tuple[str, ...]) -> bool:
        return not {self.a, self.b} <= set(members)


@pytest.mark.parametrize("method", ["greedy", "exact", "search"])
def test_every_generator_honours_the_constraint(area, pair, method):
    a, b = pair
    rule = Constraint("keep_apart", KeepApart(a, b), "kept apart by the county", "县里要求分开")
    scorer = MergerScorer(area, constraints=[rule])
    plan = tm.generate_plan(area, method=method, target=13, scorer=scorer, iterations=3000)
    assert plan.assignment[a] != plan.assignment[b]
    tm.check_plan(area, plan, scorer=scorer).raise_if_bad()


def test_check_plan_and_scores_name_the_users_constraint(area, pair):
    a, b = pair
    rule = Constraint("keep_apart", KeepApart(a, b), "kept apart by the county", "县里要求分开")
    scorer = MergerScorer(area, constraints=[rule])
    joined = tm.Plan.from_mapping({u: (a if u in (a, b) else u) for u in area.unit_ids})
    report = tm.check_plan(area, joined, scorer=scorer)
    assert [b_.rule for b_ in report.breaches] == ["keep_apart"]
    assert "kept apart by the county" in str(report)
    assert "县里要求分开" in report.text("zh") and "用户约束 keep_apart" in report.text("zh")
    with pytest.raises(PlanError, match="user constraint keep_apart"):
        report.raise_if_bad()
    assert tm.check_plan(area, joined).ok  # without the rule, the same plan is fine
    table = scorer.score_groups([[a, b]])
    assert not table["feasible"].iloc[0] and table["binding"].iloc[0] == "keep_apart"


def test_a_constraint_is_checked_when_made(area):
    with pytest.raises(ParameterError, match="built-in constraint"):
        Constraint("contiguity", KeepApart("x", "y"))
    with pytest.raises(ParameterError, match="identifier"):
        Constraint("no spaces", KeepApart("x", "y"))
    with pytest.raises(ParameterError, match="callable"):
        Constraint("rule", "not a function")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="Two constraints are named twin"):
        MergerScorer(area, constraints=[Constraint("twin", KeepApart("a", "b")),
                                        Constraint("twin", KeepApart("c", "d"))])


def test_a_constraint_of_a_module_level_callable_pickles():
    rule = Constraint("keep_apart", KeepApart("A", "B"))
    again = pickle.loads(pickle.dumps(rule))
    assert again.name == "keep_apart" and again.allows(("A", "C"))
