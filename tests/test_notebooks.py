"""The notebooks of notebooks/: committed without outputs, and each runs top to bottom cleanly.

Each notebook is executed by nbclient in a fresh IPython kernel, from ``notebooks/`` (as
Jupyter runs it when opened there). A run fails on an error, on any output to stderr and on
any output text containing "Warning" (a warning shown to the reader is a failure too). The
notebooks write their files to temporary folders: the test checks that the repository's
folders they read from are unchanged afterwards.
"""

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NB_DIR.glob("*.ipynb"))
#: Where a notebook could write into the repository: the top folder (new files or folders), and
#: every file under the folders the notebooks read.
WATCHED_TOP = ROOT
WATCHED_TREES = [NB_DIR, ROOT / "sample_shapes", ROOT / "benchmarks" / "data"]
CELL_TIMEOUT_S = 300


def test_the_numbered_notebooks_are_there():
    names = [p.name for p in NOTEBOOKS]
    assert names == sorted(names) and len(names) == 6
    assert [n[:3] for n in names] == ["01_", "02_", "03_", "04_", "05_", "06_"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code, f"{path.name} has no code cell"
    dirty = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
             and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, (f"{path.name}: cells {dirty} keep outputs or execution counts; clear "
                       "them before committing (Jupyter: Edit > Clear outputs of all cells, "
                       "or `jupyter nbconvert --clear-output --inplace`)")
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    nbformat = pytest.importorskip("nbformat")
    nbformat.validate(nbformat.reads(path.read_text(encoding="utf-8"), as_version=4))


def _listing() -> tuple[list, list]:
    """Names in the top folder, and every file (path, size, mtime) under the watched trees."""
    top = sorted((p.name, p.is_dir()) for p in WATCHED_TOP.iterdir())
    files = sorted((str(p.relative_to(ROOT)), p.stat().st_size, p.stat().st_mtime_ns)
                   for tree in WATCHED_TREES for p in tree.rglob("*"))
    return top, files


def _texts(output: dict) -> list[str]:
    """Every piece of text an output shows: stream text, plain/HTML/markdown data, tracebacks."""
    if output["output_type"] == "stream":
        return ["".join(output["text"])]
    if output["output_type"] == "error":
        return ["\n".join(output.get("traceback", [])), output.get("ename", "")]
    texts = []
    for mime, value in output.get("data", {}).items():
        if mime.startswith("text/"):
            texts.append(value if isinstance(value, str) else "".join(value))
    return texts


def problems_of(nb) -> list[str]:
    """Errors, stderr and warnings in the outputs of an executed notebook, one line each."""
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            head = f"cell {i} ({cell.source.splitlines()[0][:60]!r})"
            if out["output_type"] == "error":
                problems.append(f"{head}: error {out['ename']}: {out['evalue']}")
            elif out["output_type"] == "stream" and out["name"] == "stderr":
                problems.append(f"{head}: stderr: {''.join(out['text'])[:300]}")
            for text in _texts(out):
                if "Warning" in text:
                    at = text.index("Warning")
                    shown = text[max(0, at - 200):at + 100]
                    problems.append(f"{head}: a warning is shown: …{shown}…")
    return problems


def test_problems_of_sees_errors_stderr_and_warnings():
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1"), nbformat.v4.new_code_cell("2"),
                nbformat.v4.new_code_cell("3")]
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stderr", text="oops\n")]
    nb.cells[1].outputs = [nbformat.v4.new_output(
        "execute_result", data={"text/plain": "x.py:1: UserWarning: careful"}, execution_count=2)]
    nb.cells[2].outputs = [nbformat.v4.new_output("error", ename="KeyError", evalue="'a'",
                                                  traceback=["KeyError: 'a'"])]
    found = problems_of(nb)
    assert len(found) == 3
    assert "stderr: oops" in found[0] and "UserWarning: careful" in found[1]
    assert "error KeyError" in found[2]
    clean = nbformat.v4.new_notebook()
    clean.cells = [nbformat.v4.new_code_cell("print('ok')")]
    clean.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="0 warnings\n")]
    assert problems_of(clean) == []


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_without_error_or_warning(path, monkeypatch, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    # Jupyter's own files (runtime, IPython profile) go to a temporary home, not the repo
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    # the kernel is this environment's python3 (ipykernel's), not one from the user's folders
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYTHONWARNINGS", "default")  # every warning is shown once per place
    monkeypatch.setenv("NO_COLOR", "1")
    nb = nbformat.read(path, as_version=4)
    before = _listing()
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                                     allow_errors=True,
                                     resources={"metadata": {"path": str(NB_DIR)}})
    client.execute(cwd=str(NB_DIR), env=dict(os.environ))
    problems = problems_of(nb)
    assert not problems, f"{path.name}:\n" + "\n".join(problems)
    ran = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in ran)
    assert _listing() == before, f"{path.name} wrote into the repository"
