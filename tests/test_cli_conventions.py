"""Every subcommand explains itself and runs in Chinese and English (issue 14, acceptance 2).

``--help`` of every subcommand has a description, examples and help text on every flag; each
subcommand runs on the sample county with ``--lang zh`` and ``--lang en``; ``--quiet`` prints
nothing on stdout; ``--verbose`` says what was used.
"""

import argparse
import os
from pathlib import Path

import pytest

from townmerge.cli.commands import EXAMPLES, build_parser, main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = str(ROOT / "sample_shapes" / "county")


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_the_top_level_help_describes_the_tool(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "Plan the consolidation of townships" in out and "The ``townmerge`` command" not in out
    for name in subcommands():
        assert name in out


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_every_flag_has_help_and_every_command_examples(name, capsys):
    sub = subcommands()[name]
    missing = [a.option_strings or a.dest for a in sub._actions
               if not a.help or a.help == argparse.SUPPRESS]
    assert not missing, f"{name}: flags without help text: {missing}"
    assert sub.description
    assert name in EXAMPLES, f"{name} has no examples in its --help"
    assert main([name, "--help"]) == 0
    out = capsys.readouterr().out
    assert "examples:" in out and f"townmerge {name}" in out and "exit status:" in out
    for flag in ("--lang", "--quiet", "--verbose", "--progress", "--debug"):
        assert flag in out, (name, flag)


@pytest.mark.parametrize("name", [n for n in sorted(subcommands())
                                  if any(a.dest == "path" for a in subcommands()[n]._actions)])
def test_every_command_reading_data_takes_the_same_input_flags(name):
    flags = {s for a in subcommands()[name]._actions for s in a.option_strings}
    assert {"--config", "--encoding", "--crs", "--unit-id", "--population",
            "--settlement-unit"} <= flags


@pytest.fixture(scope="module")
def plan_csv(tmp_path_factory):
    out = tmp_path_factory.mktemp("plan") / "plan.csv"
    assert main(["plan", SAMPLE, "--method", "exact", "--target", "13", "--out", str(out),
                 "--no-progress", "-q"]) == 0
    return out


def runs(tmp: Path, plan: Path) -> dict[str, list[str]]:
    """One run of each subcommand on the sample county (outputs in ``tmp``)."""
    return {
        "demo": ["demo", "--out", str(tmp / "demo")],
        "make-sample": ["make-sample", str(tmp / "sample")],
        "validate": ["validate", SAMPLE],
        "plan": ["plan", SAMPLE, "--method", "greedy", "--target", "13",
                 "--out", str(tmp / "p.csv")],
        "score": ["score", SAMPLE, "--top", "3"],
        "seats": ["seats", SAMPLE, "--plan", str(plan)],
        "tiers": ["tiers", SAMPLE, "--plan", str(plan)],
        "ensemble": ["ensemble", SAMPLE, "-n", "2", "--target", "13", "--out", str(tmp / "ens")],
        "compare": ["compare", SAMPLE, str(plan)],
        "sichuan": ["sichuan"],
        "plot": ["plot", SAMPLE, "--plan", str(plan), "--out", str(tmp / "map.png")],
        "report": ["report", SAMPLE, "--plan", str(plan), "--no-figures",
                   "--out", str(tmp / "report.html")],
        "map": ["map", SAMPLE, "--plan", str(plan), "--out", str(tmp / "map.html")],
        "province": ["province", SAMPLE, "--method", "greedy", "--out", str(tmp / "prov")],
    }


#: Words of the command's own messages (not of the data's names) in each language.
OWN = {"zh": ("已写出", "已将", "个", "校验", "说明", "建议", "驻地", "减为", "现状", "理由"),
       "en": ("wrote ", "notes:", "meaning:", "errors, ", " plans (", "from ", "Township",
              "status quo", "seat_name", "reason", "village (")}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_command_runs_on_the_sample_county_in_both_languages(tmp_path, plan_csv, lang,
                                                                    capsys):
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        table = runs(tmp_path, plan_csv)
        assert set(table) == set(subcommands()), "add a run of each new subcommand here"
        for name, argv in table.items():
            assert main([*argv, "--lang", lang, "--no-progress"]) == 0, name
            cap = capsys.readouterr()
            text = cap.out + cap.err
            assert text.strip(), name
            other = "en" if lang == "zh" else "zh"
            assert any(m in text for m in OWN[lang]), (name, lang, text[:300])
            wrong = [m for m in OWN[other] if len(m) > 2 and m in text and m not in OWN[lang]]
            assert not wrong, (name, lang, wrong, text[:300])
            assert "Traceback" not in text
    finally:
        os.chdir(cwd)


def test_quiet_and_verbose(tmp_path, capsys):
    assert main(["plan", SAMPLE, "--target", "13", "--out", str(tmp_path / "q.csv"),
                 "--quiet"]) == 0
    cap = capsys.readouterr()
    assert cap.out == "" and (tmp_path / "q.csv").exists()
    assert main(["plan", SAMPLE, "--target", "13", "--out", str(tmp_path / "v.csv"),
                 "--verbose", "--lang", "en"]) == 0
    cap = capsys.readouterr()
    assert "data: " in cap.err and "took" in cap.err and "settings: the defaults" in cap.err


def test_progress_bars_only_when_asked_or_on_a_terminal(tmp_path, capsys):
    assert main(["ensemble", SAMPLE, "-n", "2", "--target", "13", "--out",
                 str(tmp_path / "e"), "--lang", "en"]) == 0
    assert "\r" not in capsys.readouterr().err  # stderr is not a terminal under pytest
    assert main(["ensemble", SAMPLE, "-n", "2", "--target", "13", "--out",
                 str(tmp_path / "f"), "--progress"]) == 0
    assert "\r" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [
    ["score", "{maine}", "--top", "2"],
    ["plan", "{maine}", "--target", "200", "--out", "{tmp}/p.csv"],
    ["seats", "{maine}", "--plan", "{tmp}/p.csv"],
    ["tiers", "{maine}"],
])
def test_missing_data_is_said_the_same_way_by_every_command(argv, tmp_path, capsys):
    """Population and settlements missing: every command names the rules off and what to add."""
    maine = str(ROOT / "sample_shapes" / "maine_et_loire" / "communes_2016.geojson")
    cols = ["--unit-id", "code", "--unit-name", "nom", "--lang", "en"]
    if argv[0] == "seats":
        assert main(["plan", maine, "--target", "200", "--out", f"{tmp_path}/p.csv", *cols]) == 0
        capsys.readouterr()
    main([a.format(maine=maine, tmp=tmp_path) for a in argv] + cols)
    err = capsys.readouterr().err
    assert err.count("townmerge: note: Some units have no population") == 1
    assert err.count("townmerge: note: No settlements:") == 1
    assert "Add a settlements layer" in err and "population column" in err
