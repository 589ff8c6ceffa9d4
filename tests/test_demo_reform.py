"""``townmerge demo`` runs the whole reform: all five counts, every level nested (issue 12)."""

import os
from pathlib import Path

import pandas as pd
import pytest

from townmerge import read_study_area
from townmerge.cli.commands import main
from townmerge.data.plan_csv import read_plan

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_shapes" / "county"
FIVE = {
    "zh": ["乡镇（街道）由33个减为13个，减少20个、减幅60.6%",
           "建制村由132个减为83个，减少49个、减幅37.1%",
           "社区由110个减为79个，减少31个、减幅28.2%",
           "村民小组由190个减为", "居民小组由83个减为"],
    "en": ["Townships and subdistricts: from 33 to 13, 20 fewer (−60.6%)",
           "Villages: from 132 to 83, 49 fewer (−37.1%)",
           "Communities: from 110 to 79, 31 fewer (−28.2%)",
           "Village groups: from 190 to", "Resident groups: from 83 to"],
}


def run_demo(out: Path, lang: str) -> int:
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return main(["demo", "--out", str(out), "--lang", lang])
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("reform")
    assert run_demo(out, "zh") == 0
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_demo_prints_all_five_counts(tmp_path, capsys, lang):
    assert run_demo(tmp_path, lang) == 0
    printed = capsys.readouterr().out
    for line in FIVE[lang]:
        assert line in printed, line
    estimated = "（按村规模估算）" if lang == "zh" else "(estimated from counts)"
    assert printed.count(estimated) == 2
    # a 9-of-16 cut is 56.25 %: rounded once, half up, in every sentence
    if lang == "zh":
        assert "镇由16个减为7个，减少9个、减幅56.3%" in printed


def test_every_level_nests_and_reconciles(demo):
    towns = read_study_area(SAMPLE)
    villages = read_study_area(SAMPLE, level="villages")
    town_plan = read_plan(demo / "plan.csv")
    village_plan = read_plan(demo / "village_plan.csv")
    # every village inside one new township
    parent = villages.units["parent"].astype(str)
    for members in village_plan.groups().values():
        assert len({town_plan.assignment[parent[v]] for v in members}) == 1
    log = pd.read_csv(demo / "changes.csv", dtype={"old_code": str, "new_code": str})
    levels = log.groupby("level").size().to_dict()
    assert levels == {"township": 33, "village": 242,
                      "group": int(villages.units["groups"].sum())}
    new_villages = set(log.loc[log.level == "village", "new_code"])
    new_towns = set(log.loc[log.level == "township", "new_code"])
    assert len(new_towns) == 13 and len(new_villages) == 83 + 79
    assert {c[:9] for c in new_villages} <= new_towns
    groups = log[log.level == "group"]
    assert set(groups["new_code"].str[:12]) <= new_villages  # every group in one new village
    assert groups["estimated"].all()
    # population at every level
    pop = villages.units["population"].sum()
    assert pop == pytest.approx(towns.units["population"].sum())
    new_pop = villages.units["population"].groupby(
        pd.Series(village_plan.assignment)).sum().sum()
    assert new_pop == pytest.approx(pop)
    mergers = pd.read_csv(demo / "village_mergers.csv", dtype=str)
    merged = [n for n, m in village_plan.groups().items() if len(m) > 1]
    assert sorted(mergers["new_unit"]) == sorted(merged)
    assert mergers["text"].str.startswith("撤销").all()
    assert (mergers["checklist"] == "待核实").all()
