"""Every code block of the README runs as written, and no example overwrites another's output.

The blocks run in order in a fresh temporary folder (with ``sample_shapes`` linked in):
``python`` blocks in one namespace, ``sh`` blocks line by line (each ``townmerge …`` line
through the command's ``main``; ``make demo`` / ``make test`` are what this suite is run by,
so they are not run again here). Blocks marked ``text`` are synopses, not examples. After each
block the files it wrote are fingerprinted: a block that changes or removes a file an
earlier block wrote fails the test, naming both.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import shlex
from pathlib import Path

import pytest

from townmerge.cli.commands import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", README, flags=re.S)
#: Commands of the two-command set-up: they build the environment this test runs in.
SETUP = ("make demo", "make test", "make bench")


def fingerprints(folder: Path) -> dict[str, str]:
    out = {}
    for path in folder.rglob("*"):
        if path.is_file() and "sample_shapes" not in path.relative_to(folder).parts:
            out[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def run_sh(code: str) -> None:
    for line in code.splitlines():
        line = line.split(" #")[0].strip()
        if not line or line.startswith(SETUP):
            continue
        argv = shlex.split(line)
        assert argv[0] == "townmerge", f"README sh line is not a townmerge command: {line}"
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            status = main(argv[1:])
        assert status == 0, f"README command failed ({status}): {line}"


def test_the_readme_has_examples_of_each_kind():
    kinds = {kind for kind, _ in BLOCKS}
    assert {"python", "sh", "text"} <= kinds, kinds
    assert len([k for k, _ in BLOCKS if k == "python"]) >= 3


def test_every_readme_block_runs_and_none_overwrites_another(tmp_path):
    (tmp_path / "sample_shapes").symlink_to(ROOT / "sample_shapes")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    owner: dict[str, int] = {}
    seen: dict[str, str] = {}
    namespace: dict = {}
    try:
        for i, (kind, code) in enumerate(BLOCKS):
            if kind == "python":
                exec(compile(code, f"README.md block {i}", "exec"), namespace)
            elif kind == "sh":
                run_sh(code)
            else:
                continue
            now = fingerprints(tmp_path)
            changed = [f for f in seen if (f in now and now[f] != seen[f]) or f not in now]
            assert not changed, (f"README block {i} overwrites or removes what block(s) "
                                 f"{sorted({owner[f] for f in changed})} wrote: {changed}")
            for f in now:
                owner.setdefault(f, i)
            seen = now
    finally:
        os.chdir(cwd)
    assert namespace["plan"].n_new == 13
    assert seen, "the README's examples write nothing"


@pytest.mark.parametrize("kind", ["python", "sh"])
def test_examples_never_write_into_the_demos_folder(kind):
    """``out/`` is the demo's: an example writing there would break its map and report."""
    for k, code in BLOCKS:
        if k == kind:
            assert not re.search(r"[\"' ]out/", code), code[:200]


def test_the_readme_glossary_is_the_librarys():
    from townmerge.evaluate.glossary import glossary_table

    section = README.split("<!-- glossary -->", 1)[1].split("<!-- /glossary -->", 1)[0]
    rows = [r for r in section.strip().splitlines()[2:]]
    table = glossary_table("en")
    assert [f"| `{k}` | {r['unit']} | {r['better']} | {r['meaning']} |"
            for k, r in table.iterrows()] == rows
