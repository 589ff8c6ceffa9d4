"""Data flows one way: a module imports only modules to its left (architecture.md).

io → validate → graph → score → generate → evaluate → render; leaves anyone may import;
cli, testing and the package's __init__ sit on top.
"""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "townmerge"

#: Rank of each module: a module may import only modules of a strictly lower rank.
RANKS = {
    "errors": 0,
    "config": 1, "columns": 1, "crs": 1, "i18n": 1, "plan": 1, "roads": 1, "rules": 1,
    "textio": 1,
    "atomic": 1, "divisions": 1,
    "changelog": 2, "territories": 2,
    "validation": 2,
    "model": 3,
    "io": 4, "synth": 4, "sichuan": 4, "nesting": 4,
    "adjacency": 5, "travel": 5,
    "flows": 6,
    "criteria": 7, "derived": 7,
    "seats": 8,
    "score": 9, "tiers": 9, "figures": 9,
    "generate": 10,
    "evaluate": 11, "levels": 11,
    "render": 12, "reform": 12,
    "testing": 13, "cli": 13, "cliargs": 12, "__main__": 14, "__init__": 14,
}


def top_module(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py") if len(rel.parts) > 1 else rel.stem


def imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    depth = len(path.relative_to(SRC).parts) - 1
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            if node.level > depth:  # reaches the package root: ..x or .x at top level
                target = node.module.split(".")[0] if node.module else None
                names = [target] if target else [a.name for a in node.names]
                out.update(names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(
                "townmerge."):
            out.add(node.module.split(".")[1])
    return out


MODULES = sorted(p for p in SRC.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_imports_flow_one_way(path):
    me = top_module(path)
    if path.name == "__init__.py" and path.parent == SRC:
        me = "__init__"
    assert me in RANKS, f"{me} has no rank in the layering table"
    for other in imported(path) - {me}:
        assert other in RANKS, f"{path.name} imports unknown module {other}"
        assert RANKS[other] < RANKS[me], (
            f"{me} (rank {RANKS[me]}) imports {other} (rank {RANKS[other]})")


def private_imports(path: Path) -> list[str]:
    """``from <townmerge module> import _name`` in ``path``, as ``module._name`` strings.

    A package's ``__init__`` importing from its own submodules (``from .base import _x`` in
    ``generate/__init__.py``) re-exports and is allowed; every other module shares only public
    names across modules.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level == 0 and not (node.module or "").startswith("townmerge"):
            continue  # another package
        if node.level == 1 and path.name == "__init__.py":
            continue  # a package re-exporting from its own submodules
        source = "." * node.level + (node.module or "")
        found += [f"{source}.{a.name}" for a in node.names
                  if a.name.startswith("_") and not a.name.startswith("__")]
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_private_names_imported_across_modules(path):
    """What modules share is a named public function of a low layer, never a _helper."""
    assert not private_imports(path), (
        f"{path.relative_to(SRC)} imports private names {private_imports(path)}: make each a "
        "public, documented function of the lowest module that needs it")


def test_private_import_check_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from .seats import _helper, choose_seat\nfrom numpy import _pytesttester\n"
                   "from townmerge.flows import _fit\n", encoding="utf-8")
    assert private_imports(bad) == [".seats._helper", "townmerge.flows._fit"]
