"""Derived structures (adjacency, travel, flows, seats, figure parts) are built once per area."""

import pickle
import sys
from collections import Counter

import pytest

import townmerge as tm
from townmerge.config import Config, TravelParams, Weights
from townmerge.data.model import StudyArea
from townmerge.datasets.synthetic import sample_county
from townmerge.errors import InputError
from townmerge.graph import adjacency, flows, travel
from townmerge.graph.derived import Derived, derived
from townmerge.score import figure_model as figures
from townmerge.score import seats
from townmerge.score.figure_model import figure_model
from townmerge.score.seats import seat_selector
from townmerge.testing.grids import grid_units

#: The builders, by where they are defined.
BUILDERS = {
    "build_adjacency": adjacency,
    "TravelNetwork": travel,
    "settlement_flows": flows,
    "SeatSelector": seats,
    "FigureModel": figures,
}


@pytest.fixture
def builds(monkeypatch):
    """Count every call of each builder, wherever a module of townmerge imported it."""
    counts: Counter[str] = Counter()
    for name, home in BUILDERS.items():
        original = getattr(home, name)

        def spy(*args, __name=name, __original=original, **kwargs):
            counts[__name] += 1
            return __original(*args, **kwargs)

        for mod_name, mod in list(sys.modules.items()):
            if mod_name.startswith("townmerge") and getattr(mod, name, None) is original:
                monkeypatch.setattr(mod, name, spy)
    return counts


@pytest.fixture
def area():
    c = sample_county()
    return StudyArea(c.units, c.settlements, c.flows, c.roads)


def readme_workflow(area, config=None):
    plan = tm.generate_plan(area, method="greedy", target=13, config=config)
    tm.check_plan(area, plan).raise_if_bad()
    tm.plan_metrics(area, plan, config=config)
    tm.plan_objective(area, plan, config=config)
    tm.score_mergers(area, config=config)
    tm.plan_report(area, plan, config=config)
    return plan


def test_readme_workflow_builds_each_structure_once(area, builds):
    readme_workflow(area)
    assert dict(builds) == dict.fromkeys(BUILDERS, 1)
    readme_workflow(area)  # a second run on the same area builds nothing
    assert dict(builds) == dict.fromkeys(BUILDERS, 1)


def test_same_area_and_settings_give_the_same_objects(area):
    d = derived(area)
    assert derived(area, Config()) is d
    assert d.edges is derived(area).edges
    assert d.travel is derived(area).travel
    assert d.flows is derived(area).flows
    assert seat_selector(area) is seat_selector(area, Config())
    assert seat_selector(area).network is d.travel
    assert seat_selector(area).flows is d.flows
    assert figure_model(area).selector is seat_selector(area)


def test_travel_settings_rebuild_travel_and_flows_not_adjacency(area, builds):
    readme_workflow(area)
    slow = Config(travel=TravelParams(default_speed_kmh=20.0))
    readme_workflow(area, slow)
    assert builds["build_adjacency"] == 1
    assert builds["TravelNetwork"] == 2
    assert builds["settlement_flows"] == 2
    assert derived(area, slow).travel is not derived(area).travel
    assert derived(area, slow).edges is derived(area).edges


def test_weights_alone_share_travel_and_flows(area, builds):
    assert derived(area).flows is not None
    other = Config(weights=Weights(scale=0.5))
    assert derived(area, other) is not derived(area)
    assert derived(area, other).flows is derived(area).flows
    assert builds["TravelNetwork"] == 1 and builds["settlement_flows"] == 1


def test_explicit_arguments_still_win(area, builds):
    edges = tm.build_adjacency(area)
    plan = tm.generate_plan(area, method="greedy", target=13, edges=edges)
    tm.check_plan(area, plan, edges=edges).raise_if_bad()
    assert builds["build_adjacency"] == 1  # the caller's, none from the shared store


def test_pickled_area_starts_empty_and_works(area):
    d = derived(area)
    assert len(d.edges)
    clone = pickle.loads(pickle.dumps(area))
    assert derived(clone) is not d
    assert derived(clone).edges is not d.edges
    assert derived(clone).edges.equals(d.edges)
    plan = tm.generate_plan(clone, method="greedy", target=13)
    assert plan.canonical() == tm.generate_plan(area, method="greedy", target=13).canonical()
    with pytest.raises(AttributeError, match="never mutated"):
        clone.units = None


def test_derived_is_immutable(area):
    with pytest.raises(AttributeError, match="never mutated"):
        derived(area).config = Config()
    assert isinstance(derived(area), Derived)


def test_a_failed_build_is_kept_not_retried(builds):
    bare = StudyArea(grid_units("AB"))  # no settlements: no travel network, no flows
    with pytest.raises(InputError, match="settlement"):
        _ = derived(bare).flows
    with pytest.raises(InputError, match="settlement"):
        _ = derived(bare).travel
    assert builds["TravelNetwork"] == 1


def test_an_area_with_warnings_pickles_with_its_report():
    """Areas ship to worker processes: the validation report (problems with figures) too."""
    from townmerge.testing.grids import grid_units

    units = grid_units("AB", population={"A": 1000, "B": 1000})
    units.loc["B", "name"] = None  # a missing name: a warning with figures
    area = tm.StudyArea(units)
    assert area.report.warnings, "the fixture needs a warning"
    clone = pickle.loads(pickle.dumps(area))
    assert clone.report == area.report
    assert [dict(p.figures) for p in clone.report.problems] == [
        dict(p.figures) for p in area.report.problems]
