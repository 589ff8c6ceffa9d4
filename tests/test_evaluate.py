import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from townmerge import Plan, generate_plan, greedy_plan, read_study_area
from townmerge.evaluate.evaluation import compare_plans
from townmerge.evaluate.metrics import METRICS, adjusted_rand_index, plan_metrics


@given(st.dictionaries(st.sampled_from("ABCDEFGHIJ"), st.integers(0, 4), min_size=2))
def test_ari_is_one_for_relabelled_and_symmetric(mapping):
    a = Plan.from_mapping(mapping)
    b = Plan.from_mapping({k: f"x{v}" for k, v in mapping.items()})
    assert adjusted_rand_index(a, b) == pytest.approx(1.0)
    c = Plan.identity(list(mapping))
    assert adjusted_rand_index(a, c) == pytest.approx(adjusted_rand_index(c, a))


@pytest.fixture(scope="module")
def area():
    return read_study_area("sample_shapes/county")


def test_status_quo_keeps_no_less_flow_than_nothing_and_merging_keeps_more(area):
    sq = plan_metrics(area, Plan.identity(area.unit_ids))
    merged = plan_metrics(area, greedy_plan(area, target=13))
    assert list(sq.index) == list(METRICS)
    for t in ("population", "traffic", "economic"):
        assert 0 < sq[f"flow_kept_{t}"] < merged[f"flow_kept_{t}"] <= 1
    assert merged["units"] == 13 and sq["units"] == 33
    assert merged["population_min"] >= sq["population_min"]
    assert 0 <= merged["share_within_t_good"] <= 1
    assert merged["max_minutes_to_seat"] >= merged["mean_minutes_to_seat"] > 0


def test_one_big_unit_keeps_all_flow(area):
    one = Plan.from_mapping(dict.fromkeys(area.unit_ids, "all"))
    m = plan_metrics(area, one)
    assert m["flow_kept_population"] == pytest.approx(1.0)
    assert m["population_cv"] == 0


def test_compare_plans_side_by_side(area):
    table = compare_plans(area, {"status quo": Plan.identity(area.unit_ids),
                                 "greedy": generate_plan(area, target=13)})
    assert list(table.columns) == ["status quo", "greedy"]
    assert np.isfinite(table.loc["flow_kept_population"]).all()
