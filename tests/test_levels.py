"""Counts by level and kind, exact reduction rates, the change log and the code rule."""

from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from townmerge.data.divisions import (
    SERIAL_RANGES,
    assign_codes,
    parent_code,
    township_type,
    village_kind,
)
from townmerge.errors import InputError
from townmerge.evaluate.changelog import ChangeEntry, change_log
from townmerge.evaluate.levels import (
    count_sentence,
    kind_counts,
    percent_tenths,
    rate_text,
    reduction_rate,
)

# --- rates: exact fractions rounded once, half up --------------------------------------------


def test_reference_rate_20_of_33_is_60_6():
    assert reduction_rate(33, 13) == Fraction(20, 33)
    assert percent_tenths(Fraction(20, 33)) == 606
    assert rate_text(33, 13) == "60.6%"


@pytest.mark.parametrize(("before", "after", "text"), [
    (80, 75, "6.3%"),      # 6.25 % exactly: half up, not to even (6.2)
    (400, 381, "4.8%"),    # 4.75 %
    (2000, 1999, "0.1%"),  # 0.05 %
    (400, 399, "0.3%"),    # 0.25 %: float round(0.25, 1) would give 0.2
    (16, 15, "6.3%"),      # 6.25 %
    (3, 2, "33.3%"),
    (3, 1, "66.7%"),
    (7, 7, "0.0%"),
    (5, 0, "100.0%"),
    (80, 85, "6.3%"),      # growth of 6.25 %: same magnitude, sign carried by the sentence
])
def test_rates_at_half_boundaries_round_up(before, after, text):
    assert rate_text(before, after) == text


@given(st.integers(1, 10**6), st.integers(0, 10**6))
def test_percent_tenths_is_the_nearest_tenth_half_up(before, after):
    rate = Fraction(before - after, before)
    t = percent_tenths(rate)
    exact = abs(rate) * 1000
    assert abs(abs(t) - exact) <= Fraction(1, 2)
    if abs(abs(t) - exact) == Fraction(1, 2):
        assert abs(t) > exact  # ties go up (away from zero)
    assert t <= 0 if after > before else t >= 0  # growth is negative (0 when under 0.05 %)
    if t != 0:
        assert (t < 0) == (after > before)


def test_rate_of_nothing_is_missing_not_a_division_error():
    assert reduction_rate(0, 3) is None
    assert rate_text(0, 3) == "—"


# --- sentences --------------------------------------------------------------------------------


def test_sentences_in_the_reference_style_zh_and_en():
    assert count_sentence("township_total", 33, 13, "zh") == \
        "乡镇（街道）由33个减为13个，减少20个、减幅60.6%"
    assert count_sentence("village", 132, 83, "zh") == "建制村由132个减为83个，减少49个、减幅37.1%"
    assert count_sentence("community", 110, 120, "zh") == \
        "社区由110个增为120个，增加10个、增幅9.1%"
    assert count_sentence("township_total", 4642, 3111, "en") == \
        "Townships and subdistricts: from 4,642 to 3,111, 1,531 fewer (−33.0%)"
    assert count_sentence("community", 110, 120, "en") == \
        "Communities: from 110 to 120, 10 more (+9.1%)"
    assert count_sentence("镇", 16, 16, "zh") == "镇16个，数量不变"


def test_kind_counts_reconcile_and_carry_sentences():
    before = pd.Series(["village"] * 132 + ["community"] * 110 + ["other"] * 2)
    after = pd.Series(["village"] * 83 + ["community"] * 110 + ["other"])
    t = kind_counts(before, after, "village")
    assert list(t.index) == ["total", "village", "community", "other"]
    assert (t["before"] - t["removed"] == t["after"]).all()
    assert t.drop("total")[["before", "after"]].sum().tolist() == \
        t.loc["total", ["before", "after"]].tolist()
    assert t.loc["village", "zh"] == "建制村由132个减为83个，减少49个、减幅37.1%"
    assert t.loc["community", "en"] == "Communities: 110, unchanged"
    assert t.loc["other", "zh"].startswith("未能归类的村级单位由2个减为1个")


def test_kind_counts_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="unknown village kinds"):
        kind_counts(pd.Series(["hamlet"]), pd.Series(["village"]), "village")


# --- kinds from names -------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kind"), [
    ("春熙路街道办事处", "街道"), ("春熙路街道", "街道"), ("东升街道办", "街道"), ("华阳镇", "镇"),
    ("光明乡", "乡"), ("峨边彝族乡", "民族乡"), ("木里藏族自治县某藏族乡", "民族乡"),
    ("轻工业园区", "other"), ("松潘林业局", "other"),
])
def test_township_type_from_name(name, kind):
    assert township_type(name) == kind


@pytest.mark.parametrize(("name", "kind"), [
    ("青石桥社区居委会", "community"), ("和平居民委员会", "community"),
    ("工人村社区居委会", "community"),  # a residents' committee, though the place is a 村
    ("张家湾社区村民委员会", "village"),  # a village committee, though named 社区
    ("红岩村村民委员会", "village"), ("丰收村委会", "village"), ("街村村民小组", "village"),
    ("锦华社区", "community"), ("新村", "village"),
    ("果场生活区", "other"), ("康乌牧场", "other"), ("四川卫生康复职业学院", "other"),
])
def test_village_kind_from_name(name, kind):
    assert village_kind(name) == kind


# --- the code rule ----------------------------------------------------------------------------

PARENTS = st.one_of(st.from_regex(r"\A51[0-9]{4}\Z"), st.from_regex(r"\A51[0-9]{7}\Z"))


@st.composite
def code_requests(draw):
    parent = draw(PARENTS)
    level = "township" if len(parent) == 6 else "village"
    kinds = list(SERIAL_RANGES[level])
    wanted = draw(st.lists(st.sampled_from(kinds), max_size=40))
    serials = draw(st.lists(st.integers(1, 599), max_size=80))
    width = 3
    existing = [f"{parent}{s:0{width}d}" for s in serials]
    other = draw(st.lists(st.integers(1, 599), max_size=10))  # same serials, another parent
    sibling = f"{int(parent) + 1:0{len(parent)}d}"[-len(parent):]
    existing += [f"{sibling}{s:03d}" for s in other]
    return parent, level, wanted, existing


@settings(max_examples=150, deadline=None)
@given(code_requests())
def test_assigned_codes_are_unique_right_length_under_the_parent_and_new(request):
    parent, level, kinds, existing = request
    codes = assign_codes(parent, kinds, existing)
    assert len(codes) == len(kinds)
    assert len(set(codes)) == len(codes)
    assert not set(codes) & set(existing)
    for code, kind in zip(codes, kinds, strict=True):
        assert len(code) == len(parent) + 3 and code.isdigit()
        assert code.startswith(parent) and parent_code(code) == parent
        lo, hi = SERIAL_RANGES[level][kind]
        assert lo <= int(code[-3:]) <= hi
    assert assign_codes(parent, kinds, existing) == codes  # deterministic


def test_assigned_codes_take_the_lowest_free_serial_of_their_kind():
    existing = ["510104022001", "510104022002", "510104022200", "510104017201"]
    assert assign_codes("510104022", ["village", "community", "village"], existing) == \
        ["510104022201", "510104022003", "510104022202"]
    assert assign_codes("510104", ["街道", "镇", "乡", "民族乡"]) == \
        ["510104001", "510104100", "510104200", "510104201"]


def test_a_full_serial_range_is_an_error_naming_the_parent_and_kind():
    existing = [f"510104{s:03d}" for s in range(1, 100)]
    with pytest.raises(InputError, match=r"under 510104: .*1 more 街道 \(001–099\)"):
        assign_codes("510104", ["街道", "镇"], existing)


def test_bad_parent_or_kind_is_an_error():
    with pytest.raises(InputError, match="parent code has 6"):
        assign_codes("5101", ["镇"])
    with pytest.raises(InputError, match=r"unknown kind.*hamlet"):
        assign_codes("510104022", ["hamlet"])


# --- the change log ---------------------------------------------------------------------------


def _log():
    return [
        ChangeEntry("township", "510104020", "督院街街道办事处", "510104022", "春熙路街道",
                    "青石桥社区", "街道"),
        ChangeEntry("township", "510104022", "春熙路街道办事处", "510104022", "春熙路街道",
                    "青石桥社区", "街道"),
        ChangeEntry("township", "510104023", "书院街街道办事处", "510104023", "书院街街道"),
        ChangeEntry("township", "510104024", "合江亭街道", "510104030", "合江亭街道"),
        ChangeEntry("village", "510104020007", "青石桥社区居委会", "510104022001",
                    "青石桥社区", None, "community"),
        ChangeEntry("village", "510104020008", "滨江路社区居委会", "510104022001",
                    "青石桥社区", None, "community"),
        ChangeEntry("group", "510104020008001", "一组", "510104022001001", "一组"),
    ]


def test_change_log_classifies_every_level():
    log = change_log(_log())
    assert list(log["level"]) == ["township"] * 4 + ["village"] * 2 + ["group"]
    assert dict(zip(log["old_code"], log["change"], strict=True)) == {
        "510104020": "merged", "510104022": "merged", "510104023": "renamed",
        "510104024": "recoded", "510104020007": "merged", "510104020008": "merged",
        "510104020008001": "recoded"}


def test_change_log_lists_every_problem_with_codes_and_names():
    bad = [*_log(),
           ChangeEntry("township", "510104020", "督院街街道办事处", "510104022", "春熙路街道"),
           ChangeEntry("village", "510104020009", "督院街社区居委会", "510104099001", "督院街社区"),
           ChangeEntry("village", "510104020010", "某社区", "51010402200", "某社区"),
           ChangeEntry("township", "510104025", "某街道", "510104022", "春熙街道")]
    with pytest.raises(InputError) as err:
        change_log(bad)
    text = str(err.value)
    assert "510104020 (督院街街道办事处/督院街街道办事处): listed 2 times" in text
    assert "510104020009 督院街社区居委会: new code 510104099001 is not under any new township" \
        in text
    assert "510104020010 某社区: new code: expected 12 digits" in text
    assert "new township 510104022: its members give different new_names (春熙街道, 春熙路街道)" \
        in text
    assert len(err.value.problems) >= 4


def test_change_log_from_a_dataframe_needs_its_columns():
    with pytest.raises(InputError, match=r"lacks the column.*new_name"):
        change_log(pd.DataFrame({"level": ["township"], "old_code": ["510104020"],
                                 "old_name": ["a"], "new_code": ["510104022"]}))
