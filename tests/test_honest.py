"""Issue 10, "Honest benchmarks and tests": tests that can fail, named after the bullet."""

import math

import pytest
import shapely

import townmerge.evaluate.metrics as ev
from townmerge import Plan, StudyArea, plan_metrics
from townmerge.errors import PlanError
from townmerge.evaluate.metrics import summarize
from townmerge.testing.grids import grid_units

POP = {"A": 10, "B": 30, "C": 20, "D": 20}


@pytest.fixture
def area():
    return StudyArea(grid_units("AB / CD", population=POP))  # four 1 km² squares


@pytest.fixture
def plan():
    return Plan.from_mapping({"A": "A", "B": "A", "C": "C", "D": "D"})


def test_tests_that_cannot_fail_summarize_counts_by_hand(area, plan):
    s = summarize(area, plan)
    assert (s.units_before, s.units_after, s.reduction) == (4, 3, 1)
    assert s.population_before == s.population_after == 80
    # on the ellipsoid (equal_area_km2) four 1 km² UTM cells are 4 km² within 1 %
    assert s.area_km2_before == pytest.approx(4.0, rel=1e-2)
    assert s.area_km2_after == pytest.approx(s.area_km2_before)


def _broken(monkeypatch, change):
    real = ev.merged_units

    def fake(area, plan):
        merged = real(area, plan)
        change(merged)
        return merged

    monkeypatch.setattr(ev, "merged_units", fake)


def test_tests_that_cannot_fail_summarize_catches_a_dissolve_that_loses_a_part(
        monkeypatch, area, plan):
    def lose_b(merged):  # the dissolved A+B keeps only A's square
        merged.loc["A", "geometry"] = shapely.box(*area.units.loc["A"].geometry.bounds)

    _broken(monkeypatch, lose_b)
    with pytest.raises(PlanError, match="do not conserve") as err:
        summarize(area, plan)
    assert "A (A镇): dissolved area 1 km², its members cover 2 km²" in str(err.value)


def test_tests_that_cannot_fail_summarize_catches_lost_population_and_units(
        monkeypatch, area, plan):
    def drop(merged):
        merged.loc["A", "population"] = 10.0  # B's 30 people lost
        merged.loc["D", "members"] = "C"  # D in no new unit, C in two

    _broken(monkeypatch, drop)
    with pytest.raises(PlanError) as err:
        summarize(area, plan)
    text = str(err.value)
    assert "A (A镇): population 10, its members have 40" in text
    assert "1 unit(s) in no new unit: D (D镇)" in text
    assert "1 unit(s) in more than one new unit: C (C镇)" in text


def test_tests_that_cannot_fail_population_cv_by_hand(area, plan):
    # new units of 40, 20 and 20: mean 80/3, variance (2·(20/3)² + (40/3)²)/3 = 2400/27,
    # so the coefficient of variation is √(2400/27) / (80/3) = √2 / 4
    assert plan_metrics(area, plan)["population_cv"] == pytest.approx(math.sqrt(2) / 4)
    # two new units of 40 each (A+B, C+D) vary by nothing
    even = Plan.from_mapping({"A": "A", "B": "A", "C": "C", "D": "C"})
    assert plan_metrics(area, even)["population_cv"] == 0.0
