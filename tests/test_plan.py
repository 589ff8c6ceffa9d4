import pytest
from hypothesis import given
from hypothesis import strategies as st

from townmerge.data.plan import Plan
from townmerge.errors import PlanError


def test_merge_returns_new_plan_and_keeps_old():
    p = Plan.identity(["A", "B", "C"], names={"A": "甲", "B": "乙", "C": "丙"})
    q = p.merge("B", "C")
    assert p.n_new == 3 and q.n_new == 2
    assert q.members("B") == ("B", "C")
    assert q.names["B"] == "乙" and "C" not in q.names


def test_plan_is_immutable():
    p = Plan.identity(["A"])
    with pytest.raises(AttributeError):
        p.x = 1
    with pytest.raises(TypeError):
        p.assignment["A"] = "B"


def test_canonical_ignores_labels():
    a = Plan.from_mapping({"A": 1, "B": 1, "C": 2})
    b = Plan.from_mapping({"A": "z", "B": "z", "C": "y"})
    c = Plan.from_mapping({"A": 1, "B": 2, "C": 2})
    assert a.same_partition(b)
    assert not a.same_partition(c)


def test_check_units_names_missing_and_extra():
    p = Plan.from_mapping({"A": "A", "X": "A"})
    with pytest.raises(PlanError) as exc:
        p.check_units(["A", "B"])
    msg = str(exc.value)
    assert "B" in msg and "X" in msg


def test_from_groups_rejects_unit_twice():
    with pytest.raises(PlanError, match="more than one"):
        Plan.from_groups({"N": ["A", "B"], "M": ["B"]})


def test_names_for_unknown_new_unit_rejected():
    with pytest.raises(PlanError, match="Z"):
        Plan({"A": "A"}, names={"Z": "无"})


@given(st.dictionaries(st.sampled_from("ABCDEFGH"), st.integers(0, 3), min_size=1))
def test_partition_properties(mapping):
    p = Plan.from_mapping(mapping)
    members = [m for g in p.groups().values() for m in g]
    assert sorted(members) == sorted(mapping)  # every unit exactly once
    relabelled = Plan.from_mapping({k: f"n{v * 7}" for k, v in mapping.items()})
    assert p.same_partition(relabelled)
    if p.n_new >= 2:
        a, b = p.new_units[:2]
        q = p.merge(a, b)
        assert q.n_new == p.n_new - 1
        assert sorted(m for g in q.groups().values() for m in g) == sorted(mapping)


def test_a_plan_pickles_with_names_seats_and_info():
    import pickle

    plan = Plan({"A": "X", "B": "X", "C": "C"}, names={"X": "甲镇"}, seats={"X": "s1"},
                info={"method": "exact", "objective": 0.5})
    again = pickle.loads(pickle.dumps(plan))
    assert again == plan and dict(again.info) == dict(plan.info)
    assert again.names["X"] == "甲镇" and again.seats["X"] == "s1"
