"""Seats a plan names are the seats it is scored and measured with."""

import pytest

from townmerge import StudyArea, choose_seat, plan_metrics, plan_objective
from townmerge.data.plan import Plan
from townmerge.datasets.synthetic import sample_county
from townmerge.errors import InputError
from townmerge.score.plan_scores import score_plan

MERGED = ["511025102", "511025205"]


@pytest.fixture(scope="module")
def area():
    c = sample_county()
    return StudyArea(c.units, c.settlements, c.flows, c.roads)


def plan_with(area, seat):
    groups = {"N": MERGED} | {u: [u] for u in area.unit_ids if u not in MERGED}
    plan = Plan.from_groups(groups)
    return plan.with_seats({"N": seat}) if seat else plan


def test_a_named_seat_is_scored_as_it_is(area):
    chosen = choose_seat(area, MERGED)
    other = chosen.candidates.index[~chosen.candidates["chosen"]][0]
    free = score_plan(area, plan_with(area, None)).loc["N"]
    named = score_plan(area, plan_with(area, other)).loc["N"]
    assert free["seat"] == chosen.seat and named["seat"] == other
    assert named["mean_minutes"] != free["mean_minutes"]
    assert named["total"] != free["total"]
    assert plan_objective(area, plan_with(area, chosen.seat)) == pytest.approx(
        plan_objective(area, plan_with(area, None)))
    # the neutral figures use the same seat
    m = plan_metrics(area, plan_with(area, other))
    assert m["mean_minutes_to_seat"] != plan_metrics(area, plan_with(area, None))[
        "mean_minutes_to_seat"]


def test_a_seat_outside_its_unit_or_unknown_is_named(area):
    outside = area.settlements.index[~area.settlements["unit"].isin(MERGED)][0]
    with pytest.raises(InputError, match=f"N: seat {outside} .* lies outside it"):
        plan_objective(area, plan_with(area, outside))
    with pytest.raises(InputError, match="seat nowhere is not a settlement"):
        score_plan(area, plan_with(area, "nowhere"))
