"""check_plan returns a report to read; raise_if_bad stops a script (issues 11 and 14)."""

import pytest

import townmerge as tm
from townmerge.errors import PlanError
from townmerge.evaluate.check import PlanCheck


@pytest.fixture(scope="module")
def area():
    return tm.read_study_area("sample_shapes/county")


def test_a_good_plan_prints_ok(area):
    plan = tm.generate_plan(area, method="exact", target=13)
    report = tm.check_plan(area, plan)
    assert isinstance(report, PlanCheck) and report.ok and bool(report)
    assert str(report) == "ok: 33 units → 13 new units keep every hard rule"
    assert report.text("zh").startswith("通过：33个单位 → 13个新单位")
    assert report.table().empty
    report.raise_if_bad()  # nothing to raise


def test_a_bad_plan_lists_every_breach_by_name(area):
    units = area.units
    ids = list(units.index)
    far = units.geometry.centroid.x.sort_values().index
    west, east = far[0], far[-1]
    plan = tm.Plan.from_mapping({u: (west if u in (west, east) else u) for u in ids})
    report = tm.check_plan(area, plan)
    assert not report.ok and not bool(report)
    rules = set(report.table()["rule"])
    assert "contiguity" in rules
    text = str(report)
    assert text.startswith("not ok:")
    for uid in (west, east):
        assert uid in text and units.at[uid, "name"] in text
    assert "不连片" in report.text("zh")
    with pytest.raises(PlanError, match="breaks a hard rule") as exc:
        report.raise_if_bad()
    assert exc.value.problems == [str(b) for b in report.breaches]


def test_evaluate_plan_is_the_one_way_and_compare_plans_its_columns(area):
    from townmerge.evaluate.metrics import plan_metrics, summarize
    from townmerge.score.plan_scores import plan_objective

    plan = tm.generate_plan(area, method="exact", target=13)
    ev = tm.evaluate_plan(area, plan)
    assert ev.ok and ev.summary == summarize(area, plan)
    figures = plan_metrics(area, plan)
    assert ev.figures.drop("objective").equals(figures.astype(float))
    assert ev.figures["objective"] == plan_objective(area, plan)
    table = tm.compare_plans(area, {"status quo": tm.Plan.identity(area.unit_ids),
                                    "exact": plan})
    assert table["exact"].equals(ev.figures)
    assert str(ev).startswith("33 → 13 units (−60.6%), objective 0.7338; ok")
    assert "到驻地平均时间（分钟）" in ev.text("zh")
    units = list(area.unit_ids)
    bad = tm.Plan.from_mapping({u: (units[0] if u in (units[0], units[-1]) else u)
                                for u in units})
    worse = tm.evaluate_plan(area, bad)
    assert not worse.ok and worse.figures.isna()["objective"]
    assert "not ok" in str(worse)
