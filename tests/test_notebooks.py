"""Every notebook's code cells run, in order, from the notebooks folder."""

import json
import os
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    assert code
    namespace: dict = {}
    cwd = os.getcwd()
    os.chdir(path.parent)
    try:
        for src in code:
            exec(compile(src, f"{path.name}", "exec"), namespace)
    finally:
        os.chdir(cwd)
    assert namespace["plan"].n_new == 13
