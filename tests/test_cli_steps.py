"""Each step of the command line on the sample county."""

from pathlib import Path

import pandas as pd
import pytest

from townmerge import read_plan, read_study_area
from townmerge.cli.commands import main
from townmerge.evaluate.check import check_plan

SAMPLE = str(Path(__file__).resolve().parents[1] / "sample_shapes" / "county")


@pytest.fixture(scope="module")
def exact_plan_csv(tmp_path_factory):
    out = tmp_path_factory.mktemp("plan") / "exact.csv"
    assert main(["plan", SAMPLE, "--method", "exact", "--target", "13", "--out", str(out)]) == 0
    return out


def test_plan_command_writes_a_contiguous_13_unit_plan(exact_plan_csv, capsys):
    plan = read_plan(exact_plan_csv)
    assert plan.n_new == 13
    check_plan(read_study_area(SAMPLE), plan).raise_if_bad()


def test_score_command_prints_reasons_and_writes_every_candidate(tmp_path, capsys):
    out = tmp_path / "scores.csv"
    assert main(["score", SAMPLE, "--top", "5", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "人口流出" in printed
    table = pd.read_csv(out)
    assert len(table) > 100 and {"total", "feasible", "binding", "reason_en"} <= set(table)


def test_seats_and_tiers_commands(exact_plan_csv, tmp_path, capsys):
    assert main(["seats", SAMPLE, "--plan", str(exact_plan_csv)]) == 0
    assert "驻地" in capsys.readouterr().out
    out = tmp_path / "tiers.csv"
    assert main(["tiers", SAMPLE, "--plan", str(exact_plan_csv), "--town-quotas", "3,2,7,14",
                 "--out", str(out)]) == 0
    tiers = pd.read_csv(out)["tier"].value_counts()
    assert (tiers["主城区"], tiers["副中心"], tiers["中心镇"], tiers["特色镇"]) == (3, 2, 7, 14)
    assert main(["tiers", SAMPLE, "--town-quotas", "3,x"]) == 2  # a usage error


def test_compare_and_ensemble_commands(exact_plan_csv, tmp_path, capsys):
    assert main(["compare", SAMPLE, str(exact_plan_csv), "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    assert "flow_kept_population" in printed and "objective" in printed
    assert main(["ensemble", SAMPLE, "-n", "5", "--target", "13", "--out",
                 str(tmp_path / "ens")]) == 0
    co = pd.read_csv(tmp_path / "ens" / "co_occurrence.csv", dtype={"unit_a": str, "unit_b": str})
    assert list(co.columns) == ["unit_a", "unit_b", "share"]
    assert len(co) > 0 and ((co["share"] > 0) & (co["share"] <= 1)).all()
    assert len(list((tmp_path / "ens").glob("plan_*.csv"))) == 5
