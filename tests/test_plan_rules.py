"""A plan that breaks the rules is never written up as if it were fine (issue 9 §5)."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import pytest

import townmerge as tm
from townmerge.cli.commands import main
from townmerge.cli.review_cmds import plan_labels
from townmerge.config import Constraints
from townmerge.data.plan import Plan
from townmerge.errors import EXIT_USAGE, InputError, ParameterError, PlanError
from townmerge.evaluate.check import check_plan
from townmerge.evaluate.metrics import Breach, plan_breaches
from townmerge.render import before_after_map, plan_report
from townmerge.score.figures import FIGURE_RANGES, check_bounds
from townmerge.testing.grids import grid_units

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_shapes" / "county"
LOCKED = "511025209"  # 松和藏族乡, an ethnic township: locked
NEIGHBOUR = "511025105"  # 银湖镇, its neighbour


@pytest.fixture(scope="module")
def county() -> tm.StudyArea:
    return tm.read_study_area(SAMPLE)


def regroup(area: tm.StudyArea, groups: dict[str, list[str]], **kw: object) -> Plan:
    """The status quo with ``groups`` merged (every other unit stays)."""
    taken = {u for g in groups.values() for u in g}
    rest = {u: [u] for u in area.unit_ids if u not in taken}
    return Plan.from_groups({**rest, **groups}, **kw)  # type: ignore[arg-type]


def only_rules(breaches: list[Breach]) -> list[tuple[str, str]]:
    return [(b.new_unit, b.rule) for b in breaches]


# -- check_plan and plan_breaches ----------------------------------------------------------------
def test_check_plan_refuses_a_merged_locked_unit_naming_it(county):
    plan = regroup(county, {"X": [NEIGHBOUR, LOCKED]})
    breaches = plan_breaches(county, plan)
    assert only_rules(breaches) == [("X", "locked")]
    b = breaches[0]
    assert b.name == "银湖镇" and f"{LOCKED} (松和藏族乡)" in b.members
    assert (b.figure, b.limit) == (1.0, 0.0)
    assert "松和藏族乡" in b.text("zh") and "锁定乡镇参与撤并" in b.text("zh")
    with pytest.raises(PlanError, match=r"1 new unit of the plan breaks a hard rule "
                                        r"\(X \(银湖镇\)\): a locked unit is merged") as exc:
        check_plan(county, plan).raise_if_bad()
    assert f"{LOCKED} (松和藏族乡) is locked" in str(exc.value)


def test_check_plan_refuses_every_breach_of_every_new_unit(county):
    far = ["511025113", "511025208", "511025210", "511025212"]  # 65 min from the seat
    big = ["511025101", "511025105", "511025107", "511025201"]  # 251.6 km² > 250 km²
    plan = regroup(county, {"T": far, "A": big, "N": ["511025001", "511025214"]})
    got = only_rules(plan_breaches(county, plan))
    assert ("T", "travel_time") in got and ("A", "area") in got and ("N", "contiguity") in got
    by = {(b.new_unit, b.rule): b for b in plan_breaches(county, plan)}
    assert by[("T", "travel_time")].figure > by[("T", "travel_time")].limit == 60.0
    assert by[("A", "area")].figure == pytest.approx(251.6, abs=0.1)
    assert by[("N", "contiguity")].figure == 2.0
    with pytest.raises(PlanError) as exc:
        check_plan(county, plan).raise_if_bad()
    text = str(exc.value)
    assert "T (溪庄镇)" in text and "A (银湖镇)" in text and "N (城东街道)" in text
    assert "travel time to the seat over the limit" in text and "not contiguous" in text


def test_size_limit_and_switched_off_rules_follow_the_config():
    area = tm.StudyArea(grid_units("ABCDEF", population=dict.fromkeys("ABCDEF", 1000)))
    plan = Plan.from_groups({"X": list("ABCDE"), "F": ["F"]})
    (b,) = plan_breaches(area, plan)
    assert (b.rule, b.figure, b.limit) == ("size", 5.0, 4.0)
    loose = tm.Config(constraints=Constraints(size=False))
    assert plan_breaches(area, plan, config=loose) == []
    check_plan(area, plan, config=loose).raise_if_bad()


def test_seats_not_a_settlement_or_outside_the_unit_are_breaches(county):
    plan = regroup(county, {"X": ["511025115", "511025116"]},
                   seats={"X": "511025001001", "511025114": "nowhere"})
    got = {(b.new_unit, b.rule): b for b in plan_breaches(county, plan)}
    assert set(got) == {("X", "seat"), ("511025114", "seat")}
    assert "lies outside it" in got[("X", "seat")].detail_en
    assert "not a settlement" in got[("511025114", "seat")].detail_en
    with pytest.raises(PlanError, match=r"511025114 \(银冲镇\)"):
        check_plan(county, plan).raise_if_bad()


def test_a_feasible_plan_passes(county):
    plan = tm.generate_plan(county, method="greedy", target=13)
    assert plan_breaches(county, plan) == []
    check_plan(county, plan).raise_if_bad()


# -- the report and the map ----------------------------------------------------------------------
def test_report_of_a_breaking_plan_opens_with_a_warning_listing_every_breach(county):
    plan = regroup(county, {"X": [NEIGHBOUR, LOCKED], "N": ["511025001", "511025214"]})
    for lang, head, locked_rule in (("zh", "警告：本方案违反以下硬约束", "锁定乡镇参与撤并"),
                                    ("en", "Warning: this plan breaks the hard rules",
                                     "a locked unit is merged")):
        page = plan_report(county, plan, lang=lang)
        box = page.index('<div class="breaches" role="alert">')
        assert box < page.index('class="lead"') < page.index("<h2")  # at the top
        end = page.index("</div>", box)
        warning = page[box:end]
        assert html.escape(head) in warning or head in warning
        # X merges the locked unit; N is in two pieces and too far from its seat
        assert locked_rule in warning and warning.count("<li>") == 3
        assert "松和藏族乡" in warning and "城东街道" in warning
        # the merger rows of the breaking new units are flagged too
        flag = "违反硬约束" if lang == "zh" else "breaks a hard rule"
        assert page.count(f'<span class="flag">[{flag}]</span>') == 2


def test_report_of_a_sound_plan_has_no_warning(county):
    page = plan_report(county, tm.generate_plan(county, method="greedy", target=13))
    assert 'class="breaches"' not in page and "违反硬约束" not in page


def test_warning_text_is_escaped_in_report_and_map():
    names = {"A": "<b>甲</b>{{ 7*7 }}", "B": "乙乡", "C": "丙镇"}
    area = tm.StudyArea(grid_units("ABC", names=names, population={"A": 1, "B": 2, "C": 3},
                                   locked={"A": True}))
    plan = Plan.from_groups({"X": ["A", "B"], "C": ["C"]})
    page = plan_report(area, plan, lang="en")
    assert "<b>甲</b>" not in page and "&lt;b&gt;甲&lt;/b&gt;" in page
    breaches = plan_breaches(area, plan)
    merged = tm.merged_units(area, plan)
    before = area.units.assign(new_unit=[plan.assignment[u] for u in area.unit_ids])
    rendered = before_after_map(before, merged, lang="en", breaches=breaches
                                ).get_root().render()
    box = rendered[rendered.index('<div class="tm-breaches"'):]
    box = box[:box.index("</ul></div>")]
    assert "Warning: this plan breaks hard rules" in box and "a locked unit is merged" in box
    assert "&lt;b&gt;甲&lt;/b&gt;&#123;&#123; 7*7 &#125;&#125;" in box and "49" not in box
    plain = before_after_map(before, merged, lang="en").get_root().render()
    assert 'class="tm-breaches"' not in plain


# -- compare ---------------------------------------------------------------------------------------
def test_plan_labels_are_unique():
    assert plan_labels(["a/plan.csv", "b/plan.csv"]) == ["a/plan", "b/plan"]
    assert plan_labels(["x/a/plan.csv", "y/a/plan.csv", "z.csv"]) == ["x/a/plan", "y/a/plan", "z"]
    assert plan_labels(["status quo.csv"]) == ["status quo.csv"]
    assert plan_labels(["d/status quo.csv"]) == ["d/status quo"]
    assert plan_labels(["p.csv", "p.csv"]) == ["p", "p #2"]


def test_compare_keeps_every_plan_and_the_status_quo(county, tmp_path, capsys):
    greedy = tm.generate_plan(county, method="greedy", target=13)
    coarse = tm.generate_plan(county, method="greedy", target=16)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    tm.write_plan(greedy, tmp_path / "a" / "plan.csv")
    tm.write_plan(coarse, tmp_path / "b" / "plan.csv")
    tm.write_plan(greedy, tmp_path / "status quo.csv")
    out = tmp_path / "cmp.csv"
    assert main(["compare", str(SAMPLE), str(tmp_path / "a" / "plan.csv"),
                 str(tmp_path / "b" / "plan.csv"), str(tmp_path / "status quo.csv"),
                 "--out", str(out)]) == 0
    table = pd.read_csv(out, index_col=0)
    assert list(table.columns[:3]) == ["status quo", "a/plan", "b/plan"]
    assert len(table.columns) == 4 and table.columns[3].endswith("/status quo")
    assert table.loc["units"].tolist() == [33, 13, 16, 13]  # the status quo is still 33 units


# -- figure bounds ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("bound", "why"), [
    ({"population_cv": -1}, "no plan has a negative population CV"),
    ({"flow_kept_population": 1.5}, "flow kept is between 0 and 1"),
    ({"share_below_floor": -0.1}, "below their floor is between 0 and 1"),
    ({"max_minutes_to_seat": -5}, "less than 0 minutes"),
    ({"compactness_mean": 2}, "compactness is between 0 and 1"),
    ({"population_cv": float("nan")}, "not a finite number"),
])
def test_impossible_bounds_say_why(bound, why):
    with pytest.raises(ParameterError, match=why) as exc:
        check_bounds(bound)
    assert "hair" not in str(exc.value)
    assert isinstance(exc.value, InputError)


def test_possible_edge_bounds_are_kept():
    edges = {name: lo for name, (lo, _, _) in FIGURE_RANGES.items()}
    assert check_bounds(edges) == edges


def test_cli_negative_cv_bound_is_refused_before_solving(capsys):
    assert main(["plan", str(SAMPLE), "--method", "exact", "--target", "13",
                 "--bound", "population_cv=-1"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "no plan has a negative population CV" in err and "hair" not in err
