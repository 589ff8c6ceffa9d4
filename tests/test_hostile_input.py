"""Hostile input: a clear error naming the file, key, column or units, never a traceback.

Each case is a small edit of a copy of the sample county (``sample_shapes/county``), run
through the command (in process, asserting the exact exit status and what stderr names)
and through the Python API (the exact error type and message).
"""

from __future__ import annotations

import json
import re
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest

import townmerge.cli.commands as cli
import townmerge.cli.review_cmds as review_cmds
from townmerge import Config, generate_plan, read_plan, read_study_area, validate, write_plan
from townmerge.data.plan import Plan
from townmerge.errors import (
    EXIT_CODES,
    EXIT_INFEASIBLE,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_TIME_LIMIT,
    EXIT_USAGE,
    InfeasibleError,
    InputError,
    OutputError,
    ParameterError,
    PlanError,
    TimeLimitError,
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_shapes" / "county"


@pytest.fixture
def county(tmp_path):
    """A fresh copy of the sample county to break."""
    return Path(shutil.copytree(SAMPLE, tmp_path / "county"))


@pytest.fixture(scope="module")
def area():
    return read_study_area(SAMPLE)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """Run the command in process; assert it never shows a traceback."""
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def plan_csv(area, path: Path) -> Path:
    """A valid plan CSV of the sample county: pairs of consecutive units, named."""
    ids = list(area.unit_ids)
    groups = {u: ids[i - i % 2] for i, u in enumerate(ids)}
    names = {g: f"{area.units.at[g, 'name']}新区" for g in set(groups.values())}
    return write_plan(Plan.from_mapping(groups, names=names), path, unit_order=ids)


def set_terrain(county: Path, value: str) -> str:
    """Give the first unit of the copy the terrain ``value``; returns 'id (name)'."""
    f = county / "units.geojson"
    doc = json.loads(f.read_text(encoding="utf-8"))
    props = doc["features"][0]["properties"]
    props["terrain"] = value
    f.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return f"{props['unit_id']} ({props['name']})"


def toml(tmp_path: Path, text: str) -> Path:
    f = tmp_path / "settings.toml"
    f.write_text(text, encoding="utf-8")
    return f


# -- broken layer files ------------------------------------------------------------------------
def test_empty_geojson(county, capsys):
    (county / "units.geojson").write_bytes(b"")
    code, _, err = run(capsys, "validate", county)
    assert code == EXIT_INPUT
    assert "units.geojson" in err and "empty (0 bytes)" in err
    with pytest.raises(InputError, match=r"units\.geojson' is empty \(0 bytes\)"):
        read_study_area(county)


def test_truncated_geojson(county, capsys):
    f = county / "settlements.geojson"
    f.write_bytes(f.read_bytes()[:5000])
    code, _, err = run(capsys, "plan", county, "--out", county / "plan.csv")
    assert code == EXIT_INPUT
    assert "settlements.geojson" in err and "truncated" in err
    assert not (county / "plan.csv").exists()
    with pytest.raises(InputError, match=r"Cannot read .*settlements\.geojson.*export it again"):
        validate(county)


def test_empty_flows_csv(county, capsys):
    (county / "flows.csv").write_bytes(b"")
    code, _, err = run(capsys, "validate", county)
    assert code == EXIT_INPUT
    assert "flows.csv" in err and "is empty" in err
    with pytest.raises(InputError, match=r"flows table file .*flows\.csv' is empty"):
        read_study_area(county)


def test_header_only_flows_csv(county, capsys):
    (county / "flows.csv").write_text("origin,destination,population,traffic,economic\n",
                                      encoding="utf-8")
    code, _, err = run(capsys, "validate", county)
    assert code == EXIT_INPUT
    assert "[error] flows: The flows table has a header but no rows" in err
    with pytest.raises(InputError, match="header but no rows") as info:
        read_study_area(county)
    assert [p.code for p in info.value.problems] == ["no-flows"]
    # without the table the gravity model takes over: the fix the message gives works
    (county / "flows.csv").unlink()
    assert run(capsys, "validate", county)[0] == EXIT_OK


# -- plan files --------------------------------------------------------------------------------
def test_empty_plan_csv(tmp_path, capsys):
    f = tmp_path / "plan.csv"
    f.write_bytes(b"")
    code, _, err = run(capsys, "seats", SAMPLE, "--plan", f)
    assert code == EXIT_INPUT
    assert str(f) in err and "is empty" in err
    with pytest.raises(InputError, match=r"plan file .*plan\.csv' is empty"):
        read_plan(f)


def test_header_only_plan_csv(tmp_path, capsys):
    f = tmp_path / "plan.csv"
    f.write_text("unit_id,new_unit_id,new_name,seat\n", encoding="utf-8")
    code, _, err = run(capsys, "score", SAMPLE, "--plan", f)
    assert code == EXIT_INPUT
    assert str(f) in err and "has a header but no rows" in err
    with pytest.raises(PlanError, match="header but no rows"):
        read_plan(f)


@pytest.mark.parametrize("flag", ["--plan", "--start", "--as-good-as"])
def test_missing_plan_file(flag, tmp_path, capsys):
    missing = tmp_path / "nowhere" / "plan.csv"
    command = {"--plan": ["score"], "--start": ["plan"],
               "--as-good-as": ["plan", "--method", "exact", "--target", "13"]}[flag]
    code, _, err = run(capsys, *command, SAMPLE, flag, missing, "--out", tmp_path / "out.csv")
    assert code == EXIT_INPUT
    assert f"The plan file {str(missing)!r} does not exist" in err
    assert not (tmp_path / "out.csv").exists()
    with pytest.raises(InputError, match="does not exist; check the path"):
        read_plan(missing)


# -- encodings ---------------------------------------------------------------------------------
def chinese_flows(county: Path, encoding: str) -> None:
    """flows.csv with Chinese column names (起点, 终点), saved in ``encoding``."""
    text = (county / "flows.csv").read_text(encoding="utf-8")
    text = text.replace("origin,destination,", "起点,终点,", 1)
    (county / "flows.csv").write_bytes(text.encode(encoding))


ZH_COLUMNS = ("--origin", "起点", "--destination", "终点")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_flows_csv_in_utf8_bom_and_gbk_read_alike(encoding, county, area, capsys):
    chinese_flows(county, encoding)
    code, _, err = run(capsys, "validate", county, *ZH_COLUMNS)
    assert code == EXIT_OK, err
    got = read_study_area(county, origin="起点", destination="终点")
    pd.testing.assert_frame_equal(got.flows, area.flows)
    # the detected encoding can be given explicitly too
    explicit = read_study_area(county, origin="起点", destination="终点", encoding=encoding)
    pd.testing.assert_frame_equal(explicit.flows, area.flows)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_plan_csv_in_bom_and_gbk_reads_like_utf8(encoding, area, tmp_path, capsys):
    utf8 = plan_csv(area, tmp_path / "utf8.csv")
    other = tmp_path / f"{encoding}.csv"
    other.write_bytes(utf8.read_text(encoding="utf-8").encode(encoding))
    assert read_plan(other) == read_plan(utf8)
    assert read_plan(other).names == read_plan(utf8).names
    code, expected, _ = run(capsys, "seats", SAMPLE, "--plan", utf8)
    assert code == EXIT_OK and "新区" not in expected  # seats are chosen, names are read
    code, out, _ = run(capsys, "seats", SAMPLE, "--plan", other)
    assert code == EXIT_OK and out == expected
    code, out, _ = run(capsys, "seats", SAMPLE, "--plan", other, "--encoding", encoding)
    assert code == EXIT_OK and out == expected


def test_undecodable_csv_names_the_file_and_suggests_encoding(county, area, capsys):
    chinese_flows(county, "utf-16")  # neither UTF-8 nor GB18030
    code, _, err = run(capsys, "validate", county, *ZH_COLUMNS)
    assert code == EXIT_INPUT
    assert "flows.csv" in err and "neither UTF-8 nor GB18030/GBK" in err
    assert "--encoding" in err
    with pytest.raises(InputError, match=r"flows\.csv' is neither UTF-8 nor GB18030"):
        read_study_area(county, origin="起点", destination="终点")
    # the suggested fix works
    assert run(capsys, "validate", county, *ZH_COLUMNS, "--encoding", "utf-16")[0] == EXIT_OK
    got = read_study_area(county, origin="起点", destination="终点", encoding="utf-16")
    pd.testing.assert_frame_equal(got.flows, area.flows)


def test_wrong_or_unknown_encoding_given(county, capsys):
    chinese_flows(county, "gbk")
    code, _, err = run(capsys, "validate", county, *ZH_COLUMNS, "--encoding", "utf-8")
    assert code == EXIT_INPUT
    assert "flows.csv' is not valid utf-8" in err and "--encoding" in err
    code, _, err = run(capsys, "validate", county, "--encoding", "klingon")
    assert code == EXIT_INPUT
    assert "Unknown encoding 'klingon'" in err
    with pytest.raises(InputError, match="Unknown encoding 'klingon'"):
        validate(county, encoding="klingon")


# -- settings ----------------------------------------------------------------------------------
def test_missing_config_file(tmp_path, capsys):
    missing = tmp_path / "nope.toml"
    for argv in (["plan", SAMPLE, "--out", tmp_path / "p.csv"], ["validate", SAMPLE],
                 ["demo", "--out", tmp_path / "demo"]):
        code, _, err = run(capsys, *argv, "--config", missing)
        assert code == EXIT_INPUT, argv
        assert f"The settings file {str(missing)!r} does not exist" in err
    assert not (tmp_path / "p.csv").exists() and not (tmp_path / "demo").exists()
    with pytest.raises(InputError, match=r"nope\.toml' does not exist"):
        Config.from_file(missing)


def test_malformed_toml(tmp_path, capsys):
    f = toml(tmp_path, "[weights\naccess = 0.2\n")
    code, _, err = run(capsys, "score", SAMPLE, "--config", f)
    assert code == EXIT_INPUT
    assert f"The settings in {str(f)!r} are not valid TOML" in err and "line 1" in err
    with pytest.raises(InputError, match=r"not valid TOML: .*line 1"):
        Config.from_file(f)


def test_unknown_toml_keys_are_all_named(tmp_path, capsys):
    f = toml(tmp_path, "max_member = 3\n[bands]\nrecomend = 0.7\n[thresholds.hill]\np_mni = 1\n")
    code, _, err = run(capsys, "plan", SAMPLE, "--config", f, "--out", tmp_path / "p.csv")
    assert code == EXIT_INPUT
    assert f"The settings in {str(f)!r} have 3 problems" in err
    assert "Unknown key(s) ['max_member']" in err and "max_members" in err
    assert "Unknown key(s) ['recomend'] in [bands]" in err and "recommend" in err
    assert "Unknown key(s) ['p_mni'] in [thresholds.hill]" in err and "p_min" in err
    with pytest.raises(InputError, match=r"\['recomend'\] in \[bands\]") as info:
        Config.from_file(f)
    assert len(info.value.problems) == 3


@pytest.mark.parametrize(("text", "named"), [
    ('[weights]\naccess = "high"\n', "[weights] access = 'high' is not a number"),
    ('[thresholds.plain]\np_min = "30k"\n', "[thresholds.plain] p_min = '30k' is not a whole"),
    ("[constraints]\nlocked = 1\n", "[constraints] locked = 1 is not true or false"),
    ("[bands]\nrecommend = nan\n", "[bands] recommend = nan is not a usable number"),
    ("[thresholds.plain]\np_min = nan\n", "[thresholds.plain] p_min = nan is not a whole"),
    ("[thresholds.mountain]\na_max_km2 = -5\n", "[thresholds.mountain] Terrain thresholds"),
    ("[thresholds.plain]\np_min = 200000\n",
     "[thresholds.plain] p_min (200,000) is above p_max (120,000)"),
    ('flow_type = "people"\n', "Unknown flow_type 'people'"),
    ("max_members = 0\n", "max_members must be a whole number >= 1"),
])
def test_toml_values_of_the_wrong_type_or_out_of_range(text, named, tmp_path, capsys):
    f = toml(tmp_path, text)
    code, _, err = run(capsys, "tiers", SAMPLE, "--config", f)
    assert code == EXIT_INPUT
    assert str(f) in err and named in err
    with pytest.raises(InputError) as info:
        Config.from_file(f)
    assert named in str(info.value)


def test_validate_reports_config_problems_beside_the_data(county, tmp_path, capsys):
    f = toml(tmp_path, "[thresholds.plain]\np_min = 200000\n")
    code, _, err = run(capsys, "validate", SAMPLE, "--config", f, "--lang", "en")
    assert code == EXIT_INPUT
    assert "p_min (200,000) is above p_max" in err
    assert "the layers passed every check" in err  # the data were checked as well
    code, _, err = run(capsys, "validate", SAMPLE, "--config", f)
    assert "校验未通过：数据0个错误、0个警告；设置文件有误" in err
    where = set_terrain(county, "swamp")
    code, _, err = run(capsys, "validate", county, "--config", f)
    assert code == EXIT_INPUT
    assert "p_min (200,000) is above p_max" in err and f"{where} = 'swamp'" in err


# -- terrain names: case-insensitive, unknown ones refused (settings and data alike) ----------
def test_terrain_case_is_normalised_in_settings(tmp_path):
    mixed = Config.from_file(toml(tmp_path, '[thresholds]\ndefault_terrain = "Mountain"\n'
                                            '[thresholds.Plain]\np_min = 25000\n'))
    lower = Config.from_toml('[thresholds]\ndefault_terrain = "mountain"\n'
                             '[thresholds.plain]\np_min = 25000\n')
    assert mixed == lower
    assert mixed.thresholds.for_terrain("PLAIN").p_min == 25000


def test_terrain_case_is_normalised_in_data(county, capsys):
    set_terrain(county, " Plain ")
    assert run(capsys, "validate", county)[0] == EXIT_OK
    assert read_study_area(county).units["terrain"].iloc[0] == "plain"


@pytest.mark.parametrize("text", ['[thresholds.swamp]\np_min = 1000\n',
                                  '[thresholds]\ndefault_terrain = "swamp"\n',
                                  '[travel.terrain_speed_factor]\nswamp = 0.5\n'])
def test_unknown_terrain_in_settings(text, tmp_path, capsys):
    f = toml(tmp_path, text)
    code, _, err = run(capsys, "plan", SAMPLE, "--config", f, "--out", tmp_path / "p.csv")
    assert code == EXIT_INPUT
    assert "swamp" in err and "plain, hill, mountain, plateau" in err
    with pytest.raises(InputError, match="swamp"):
        Config.from_file(f)


def test_unknown_terrain_in_data(county, capsys):
    where = set_terrain(county, "swamp")
    for argv in (["validate", county], ["plan", county, "--out", county / "p.csv"]):
        code, _, err = run(capsys, *argv)
        assert code == EXIT_INPUT
        assert f"1 unit has an unknown terrain: {where} = 'swamp'" in err
        assert "plain, hill, mountain, plateau" in err
    with pytest.raises(InputError, match=r"unknown terrain: 511025\d+ \(.+\) = 'swamp'") as info:
        read_study_area(county)
    assert [p.code for p in info.value.problems] == ["bad-terrain"]
    with pytest.raises(InputError, match="Unknown terrain 'swamp'"):
        Config().thresholds.for_terrain("swamp")


# -- numbers: checked on the command line (usage, 2) and in the API (ParameterError) ----------
@pytest.mark.parametrize(("argv", "named"), [
    (["plan", "--time-limit", "-5"], "argument --time-limit: expected a number > 0, got '-5'"),
    (["plan", "--time-limit", "inf"], "argument --time-limit"),
    (["plan", "--target", "0"], "argument --target: expected a whole number >= 1, got '0'"),
    (["plan", "--target", "-3"], "argument --target"),
    (["plan", "--target", "nan"], "argument --target"),
    (["plan", "--seed", "-1"], "argument --seed: expected a whole number >= 0"),
    (["plan", "--bound", "population_cv=nan"], "NaN and infinity are not allowed"),
    (["plan", "--bound", "popcv=0.5"], "unknown figure 'popcv'"),
    (["score", "--top", "-5"], "argument --top: expected a whole number >= 1, got '-5'"),
    (["ensemble", "-n", "0"], "argument -n: expected a whole number >= 1, got '0'"),
    (["tiers", "--town-quotas", "3,2"], "expected 4 whole numbers >= 0"),
    (["demo", "--target", "0"], "argument --target"),
])
def test_bad_numbers_on_the_command_line_are_usage_errors(argv, named, tmp_path, capsys):
    argv = [argv[0], SAMPLE, *argv[1:]] if argv[0] != "demo" else argv
    code, _, err = run(capsys, *argv, "--out", tmp_path / "out")
    assert code == EXIT_USAGE
    assert named in err
    assert not (tmp_path / "out").exists()


def test_target_above_the_unit_count_is_a_usage_error(tmp_path, capsys):
    code, _, err = run(capsys, "plan", SAMPLE, "--target", "99", "--out", tmp_path / "p.csv")
    assert code == EXIT_USAGE
    assert "target must be a whole number from 1 to 33" in err


@pytest.mark.parametrize(("kwargs", "named"), [
    ({"target": float("nan")}, "target must be a whole number >= 1, not nan"),
    ({"target": 99}, "target must be a whole number from 1 to 33 (the current units"),
    ({"target": True}, "target must be a whole number"),
    ({"target": 12.5}, "not 12.5"),
    ({"time_limit": -5}, "time_limit must be a positive number of seconds"),
    ({"time_limit": float("nan")}, "time_limit must be a positive number"),
    ({"seed": -1}, "seed must be a whole number >= 0"),
    ({"method": "fastest"}, "Unknown method 'fastest'"),
])
def test_generate_plan_arguments_raise_parameter_error(kwargs, named, area):
    with pytest.raises(ParameterError, match=re.escape(named)):
        generate_plan(area, **kwargs)


# -- exit statuses of the other outcomes, the help, warnings ----------------------------------
def _raising(exc: BaseException):
    def command(ns):
        raise exc
    return command


@pytest.mark.parametrize(("exc", "status"), [
    (InfeasibleError("no plan meets the bounds"), EXIT_INFEASIBLE),
    (TimeLimitError("the time ran out"), EXIT_TIME_LIMIT),
    (OutputError("cannot write out/plan.csv: read-only"), EXIT_OUTPUT),
    (ParameterError("time_limit must be positive"), EXIT_USAGE),
    (PlanError("the plan is bad"), EXIT_INPUT),
])
def test_each_kind_of_failure_has_its_exit_status(exc, status, monkeypatch, capsys):
    monkeypatch.setattr(review_cmds, "run_seats", _raising(exc))
    code, _, err = run(capsys, "seats", SAMPLE, "--plan", "x.csv")
    assert code == status
    assert err == f"townmerge: {exc}\n"


def test_a_bug_is_an_internal_error_not_bad_input(monkeypatch, capsys):
    monkeypatch.delenv("TOWNMERGE_DEBUG", raising=False)
    monkeypatch.setattr(review_cmds, "run_score", _raising(RuntimeError("boom\nsecond line")))
    code, _, err = run(capsys, "score", SAMPLE)
    assert code == EXIT_INTERNAL == 70
    assert err.startswith("townmerge: internal error (a bug in townmerge): RuntimeError: boom; "
                          "please report it with the command you ran at "
                          "https://github.com/townmerge/townmerge/issues")
    assert "second line" not in err and "invalid input" not in err
    # a plain ValueError from deep inside is a bug too, not an input problem
    monkeypatch.setattr(review_cmds, "run_score", _raising(ValueError("cannot convert")))
    assert run(capsys, "score", SAMPLE)[0] == EXIT_INTERNAL


@pytest.mark.parametrize("how", ["flag", "env"])
def test_debug_shows_the_traceback(how, monkeypatch, capsys):
    monkeypatch.setattr(review_cmds, "run_score", _raising(RuntimeError("boom")))
    argv = ["score", str(SAMPLE)]
    if how == "flag":
        argv.append("--debug")
    else:
        monkeypatch.setenv("TOWNMERGE_DEBUG", "1")
    assert cli.main(argv) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "RuntimeError: boom" in err


def test_interrupt_exits_130(monkeypatch, capsys):
    monkeypatch.setattr(review_cmds, "run_score", _raising(KeyboardInterrupt()))
    code, _, err = run(capsys, "score", SAMPLE)
    assert code == 130 and err == "townmerge: interrupted\n"


def test_help_lists_the_exit_statuses(capsys):
    for argv in (["--help"], ["plan", "--help"]):
        code, out, _ = run(capsys, *argv)
        assert code == EXIT_OK
        assert "exit status:" in out
        for status, meaning in EXIT_CODES:
            assert f"{status:>3}  {meaning}" in out
    code, _, err = run(capsys, "plan")  # a missing argument: argparse's usage error
    assert code == EXIT_USAGE and "the following arguments are required: path" in err


def test_readme_documents_exit_statuses_and_encodings():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Exit codes"):]
    for status, _ in EXIT_CODES:
        assert f"| {status} |" in section
    assert "--encoding" in readme and "GB18030" in readme


def test_warnings_print_without_python_source(monkeypatch, capsys):
    def warns(ns):
        warnings.warn("3 units touch no other unit", UserWarning, stacklevel=1)
        return 0

    monkeypatch.setattr(review_cmds, "run_score", warns)
    code, _, err = run(capsys, "score", SAMPLE)
    assert code == EXIT_OK
    assert err == "townmerge: warning: 3 units touch no other unit\n"
    assert "warnings.warn" not in err and ".py" not in err
