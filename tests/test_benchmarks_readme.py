"""benchmarks/README.md says only what its scripts printed, at the commit each section names.

Every section sits between markers written by ``benchmarks/run.py`` (``make bench``), names
its script's command and the commit measured; nothing with figures stands outside them.
"""

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"


def _run_module():
    spec = importlib.util.spec_from_file_location("bench_run", BENCH / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RUN = _run_module()
TEXT = (BENCH / "README.md").read_text(encoding="utf-8")


def section(script: str) -> str:
    begin, end = f"<!-- begin {script} -->", f"<!-- end {script} -->"
    found = re.search(re.escape(begin) + r"(.*?)" + re.escape(end), TEXT, re.S)
    assert found is not None, f"no section of {script} between its markers"
    return found.group(1)


@pytest.mark.parametrize("script", RUN.SCRIPTS)
def test_every_section_is_its_scripts_output_at_a_named_commit(script):
    body = section(script)
    assert f"`python benchmarks/{script}" in body, "the section names its command"
    commit = re.search(r"commit\b[^\n]{0,40}?\b([0-9a-f]{7,40})\b", body, re.I)
    assert commit is not None, "the section records the commit it measured"
    assert "uncommitted" not in body, "measured at a commit, not on uncommitted code"


def test_nothing_with_figures_stands_outside_the_sections():
    outside = TEXT
    for script in RUN.SCRIPTS:
        outside = outside.replace(section(script), "")
    assert re.search(r"\d", outside) is None, "figures outside a script's section"
    assert set(re.findall(r"<!-- begin (\S+) -->", TEXT)) == set(RUN.SCRIPTS)


def test_every_script_has_a_section_and_exists():
    for script in RUN.SCRIPTS:
        assert (BENCH / script).is_file()


def test_the_spopt_peers_inputs_are_stated_and_a_population_run_is_there():
    body = section("bench_generate.py")
    assert "standardised centroid x and y" in body
    assert "(x, y, pop.)" in body  # the like-for-like run: population as an attribute too


def test_splice_replaces_only_its_own_section():
    text = "head\n<!-- begin a.py -->\nold a\n<!-- end a.py -->\n<!-- begin b.py -->\nold b\n" \
           "<!-- end b.py -->\n"
    out = RUN.splice(text, "a.py", "new a")
    assert "new a" in out and "old a" not in out and "old b" in out
    assert out.startswith("head\n")
    added = RUN.splice(out, "c.py", "c")
    assert added.endswith("<!-- begin c.py -->\nc\n<!-- end c.py -->\n")
    assert "old b" in added and "new a" in added
