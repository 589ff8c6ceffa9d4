"""The real Sichuan code tables through the level summaries (issue 12, acceptance 3)."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from townmerge.cli.commands import main
from townmerge.datasets.sichuan import read_sichuan
from townmerge.errors import EXIT_INPUT, EXIT_OK, EXIT_OUTPUT, InputError
from townmerge.evaluate.reform import sichuan_summary, summary_text

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "sample_shapes" / "sichuan"


@pytest.fixture(scope="module")
def summary():
    return sichuan_summary(DATA)


def test_province_totals(summary):
    p = summary.province
    assert p.loc[("township", "total"), ["before", "after"]].tolist() == [4642, 3111]
    assert p.loc[("village", "total"), ["before", "after"]].tolist() == [53578, 34403]
    assert p.loc[("township", "total"), "zh"] == \
        "乡镇（街道）由4642个减为3111个，减少1531个、减幅33.0%"
    assert p.loc[("village", "total"), "zh"] == \
        "村（社区）由53578个减为34403个，减少19175个、减幅35.8%"
    for level in ("township", "village"):
        rows = p.loc[level]
        assert (rows["before"] - rows["removed"] == rows["after"]).all()
        assert rows.drop("total")[["before", "after"]].sum().tolist() == \
            rows.loc["total", ["before", "after"]].tolist()


def test_village_kinds_and_the_unclassified_are_counted(summary):
    v = summary.province.loc["village"]
    assert v.loc["village", ["before", "after"]].tolist() == [45915, 25970]
    assert v.loc["community", ["before", "after"]].tolist() == [7636, 8412]
    assert v.loc["other", ["before", "after"]].tolist() == [27, 21]
    assert v.loc["community", "zh"] == "社区由7636个增为8412个，增加776个、增幅10.2%"


def test_predecessor_distribution_is_exact(summary):
    d = summary.predecessors.to_dict()
    assert {k: v for k, v in d.items() if k > 0} == {1: 1999, 2: 815, 3: 195, 4: 38, 5: 3, 6: 2}
    assert d[0] == 59  # new townships with no matched predecessor, reported, not dropped
    assert sum(d.values()) == 3111
    assert sum(k * v for k, v in d.items()) + len(summary.unmatched) == 4642


def test_county_rows_sum_to_the_province(summary):
    c = summary.counties
    assert c["county_code"].is_unique and c["county_code"].str.fullmatch(r"\d{6}").all()
    p = summary.province
    assert c["townships_before"].sum() == 4642 and c["townships_after"].sum() == 3111
    assert c["village_level_before"].sum() == 53578 and c["village_level_after"].sum() == 34403
    for col, (level, kind) in {"xiang": ("township", "乡"), "minzuxiang": ("township", "民族乡"),
                               "zhen": ("township", "镇"), "jiedao": ("township", "街道"),
                               "other_township": ("township", "other"),
                               "villages": ("village", "village"),
                               "communities": ("village", "community"),
                               "unclassified": ("village", "other")}.items():
        assert [c[f"{col}_before"].sum(), c[f"{col}_after"].sum()] == \
            p.loc[(level, kind), ["before", "after"]].tolist(), col
    assert c["townships_unmatched"].sum() == len(summary.unmatched) == 249
    assert c["new_without_predecessor"].sum() == 59
    assert (c["townships_before"] - c["townships_removed"] == c["townships_after"]).all()


def test_recoded_counties_are_reported_under_their_2021_code(summary):
    c = summary.counties.set_index("county_code")
    for new, old in (("510118", "510132"), ("510981", "510922"), ("513402", "513425")):
        assert old in c.loc[new, "county_codes_2018"].split("/")
        assert old not in c.index  # not a county of its own: its units moved under the new code
    assert c.loc["510118", "county_name"] == "新津区"
    rules = summary.unmatched["county_rule"].value_counts().to_dict()
    assert rules == {"same_code": 240, "crosswalk": 9}


def test_township_change_log_covers_every_matched_township(summary):
    log = summary.changes
    assert len(log) == 4642 - 249 and log["old_code"].is_unique
    assert set(log["change"]) <= {"unchanged", "renamed", "recoded", "merged"}
    row = log.set_index("old_code").loc["510104020"]
    assert (row["new_code"], row["new_name"], row["change"]) == ("510104022", "春熙路街道",
                                                                 "merged")


def test_summary_text_zh_and_en(summary):
    zh, en = summary_text(summary, "zh"), summary_text(summary, "en")
    assert "乡镇（街道）由4642个减为3111个，减少1531个、减幅33.0%" in zh
    assert "由6个原乡镇组成：2个" in zh
    assert "Villages and communities: from 53,578 to 34,403, 19,175 fewer (−35.8%)" in en
    assert "1 predecessor(s): 1,999" in en


def test_cli_prints_and_writes_the_tables(tmp_path, capsys):
    out = tmp_path / "sichuan"
    assert main(["sichuan", "--data", str(DATA), "--lang", "en", "--out", str(out)]) == EXIT_OK
    text = capsys.readouterr().out
    assert "Townships and subdistricts: from 4,642 to 3,111" in text
    assert sorted(p.name for p in out.iterdir()) == [
        "counties.csv", "predecessors.csv", "province.csv", "township_changes.csv",
        "unmatched_townships.csv"]
    prov = pd.read_csv(out / "province.csv", encoding="utf-8-sig", dtype={"rate_pct": str})
    total = prov[(prov["level"] == "township") & (prov["kind"] == "total")].iloc[0]
    assert (total["before"], total["after"], total["rate_pct"]) == (4642, 3111, "33.0")
    counties = pd.read_csv(out / "counties.csv", encoding="utf-8-sig", dtype={"county_code": str})
    assert counties["townships_before"].sum() == 4642
    assert counties["village_level_after"].sum() == 34403
    dist = pd.read_csv(out / "predecessors.csv", encoding="utf-8-sig")
    assert dict(zip(dist["predecessors"], dist["new_townships"], strict=True))[6] == 2


def test_cli_zh_without_out_only_prints(capsys):
    assert main(["sichuan", "--data", str(DATA)]) == EXIT_OK
    assert "村（社区）由53578个减为34403个" in capsys.readouterr().out


def test_cli_missing_folder_is_bad_input(tmp_path, capsys):
    assert main(["sichuan", "--data", str(tmp_path / "nope")]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "is not a folder" in err and "Traceback" not in err


def test_cli_unwritable_output_is_an_output_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["sichuan", "--data", str(DATA), "--out", str(blocker)]) == EXIT_OUTPUT
    assert blocker.read_text() == "x"


def _copy(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    return folder


def test_bad_tables_list_every_problem_with_codes_and_names(tmp_path):
    folder = _copy(tmp_path)
    (folder / "villages_2021.csv").unlink()
    t = pd.read_csv(folder / "townships_2018.csv", dtype=str)
    t.loc[0, "code"] = "51010402"   # 8 digits
    t.loc[2, "code"] = t.loc[1, "code"]  # duplicate
    t.to_csv(folder / "townships_2018.csv", index=False)
    with pytest.raises(InputError) as err:
        read_sichuan(folder)
    assert "villages_2021.csv: missing" in str(err.value)
    (folder / "villages_2021.csv").write_bytes((DATA / "villages_2021.csv").read_bytes())
    with pytest.raises(InputError) as err:
        read_sichuan(folder)
    text = str(err.value)
    assert "'51010402' 督院街街道办事处: expected a 9-digit township code" in text
    assert "code 510104021 is given to 2 units (盐市口街道办事处, 春熙路街道办事处)" in text
    assert "510104022 春熙路街道办事处 has no row in township_merges_2018_2021.csv" not in text
    assert len(err.value.problems) >= 3
