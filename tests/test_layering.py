"""Layers you can see: the folders of ``src/townmerge`` are the layers, and data flows one way.

    errors → config, i18n → data → datasets → graph → score → generate → evaluate → render
    → cli, testing → the package's ``__init__`` and ``__main__``

A module imports only modules of a lower layer or of its own folder (without cycles inside the
folder). Every import counts: ``from .x import``, ``from townmerge.x import``,
``import townmerge.x``, imports inside functions (lazy ones) and ``importlib.import_module``.
Third-party packages with one job stay in their layer (folium in render, highspy in generate …).
No module is over 600 lines and no class over 300; no private name crosses modules. The
README's layout section and each folder's docstring name the same modules as the folder holds.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "townmerge"

#: Rank of each layer (a folder, or a leaf module at the top). A module may import a module of a
#: strictly lower rank, or of its own folder.
RANKS = {
    "errors": 0,
    "config": 1, "i18n": 1,
    "data": 2,
    "datasets": 3,
    "graph": 4,
    "score": 5,
    "generate": 6,
    "evaluate": 7,
    "render": 8,
    "cli": 9, "testing": 9,
    "__init__": 10, "__main__": 10,
}
FOLDERS = [name for name in RANKS if (SRC / name).is_dir()]

#: Third-party packages that belong to one or a few layers.
THIRD_PARTY = {
    "folium": {"render"}, "branca": {"render"}, "matplotlib": {"render"},
    "highspy": {"generate"}, "tqdm": {"generate"},
    "dask": {"generate"}, "distributed": {"generate"},
    "libpysal": {"graph"}, "networkx": {"graph"},
    "pyogrio": {"data"},
    "playwright": {"testing"},
}

MAX_MODULE_LINES = 600
MAX_CLASS_LINES = 300

MODULES = sorted(SRC.rglob("*.py"))


def module_name(path: Path) -> str:
    """``townmerge.score.seats`` for ``src/townmerge/score/seats.py``."""
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["townmerge", *parts])


def layer_of(module: str) -> str:
    """The layer of a dotted ``townmerge...`` module name."""
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    return parts[1]


def imports(path: Path) -> list[tuple[str, int]]:
    """Every ``townmerge`` module ``path`` imports (absolute dotted names), with line numbers.

    ``from .a import b`` counts as ``a.b`` when ``a.b`` is a module, else ``a``.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: list[tuple[str, int]] = []

    def add(base: str, names: list[str], line: int) -> None:
        for name in names or [""]:
            candidate = f"{base}.{name}" if name else base
            where = SRC.parent / candidate.replace(".", "/")
            if name and (where.with_suffix(".py").exists() or (where / "__init__.py").exists()):
                found.append((candidate, line))
            else:
                found.append((base, line))

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                add(target, [a.name for a in node.names], node.lineno)
            elif node.module and (node.module == "townmerge"
                                  or node.module.startswith("townmerge.")):
                add(node.module, [a.name for a in node.names], node.lineno)
        elif isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names
                      if a.name == "townmerge" or a.name.startswith("townmerge.")]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name)
              and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant)
              and str(node.args[0].value).startswith("townmerge")):
            found.append((str(node.args[0].value), node.lineno))
    return found


def third_party(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            out.add(node.module.split(".")[0])
    return out


def layer_problems(path: Path) -> list[str]:
    me = module_name(path)
    mine = layer_of(me) if me != "townmerge" else "__init__"
    if path.name == "__main__.py" and path.parent == SRC:
        mine = "__main__"
    if mine not in RANKS:
        return [f"{me} is in no layer: add its folder to RANKS (and to the README's layout)"]
    bad = []
    for other, line in imports(path):
        theirs = layer_of(other)
        if theirs == mine:
            continue
        if theirs not in RANKS:
            bad.append(f"line {line}: {other} is in no layer")
        elif RANKS[theirs] >= RANKS[mine]:
            bad.append(f"line {line}: {me} ({mine}, rank {RANKS[mine]}) imports {other} "
                       f"({theirs}, rank {RANKS[theirs]})")
    for package in third_party(path):
        if package in THIRD_PARTY and mine not in THIRD_PARTY[package]:
            bad.append(f"{me} imports {package}, which belongs in {sorted(THIRD_PARTY[package])}")
    return bad


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_imports_flow_one_way(path):
    assert not layer_problems(path), layer_problems(path)


@pytest.mark.parametrize("folder", FOLDERS)
def test_no_import_cycle_inside_a_folder(folder):
    graph = nx.DiGraph()
    for path in sorted((SRC / folder).rglob("*.py")):
        me = module_name(path)
        graph.add_node(me)
        if path.name == "__init__.py":
            continue  # a package's __init__ re-exports its own modules
        for other, _ in imports(path):
            if layer_of(other) == folder and other != me and other != f"townmerge.{folder}":
                graph.add_edge(me, other)
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, f"import cycles in {folder}/: {cycles}"


def test_layer_check_catches_every_kind_of_import(tmp_path, monkeypatch):
    """The check can fail: lazy, absolute, ``import townmerge.x`` and import_module alike."""
    fake = SRC / "data" / "_fake_for_test.py"
    text = ("import folium\n"
            "def f():\n"
            "    from ..render import maps\n"
            "    import townmerge.generate.api\n"
            "    from townmerge.score.seats import choose_seat\n"
            "    import importlib\n"
            "    importlib.import_module('townmerge.cli.commands')\n")
    fake.write_text(text, encoding="utf-8")
    try:
        found = layer_problems(fake)
    finally:
        fake.unlink()
    joined = "\n".join(found)
    for other in ("townmerge.render.maps", "townmerge.generate.api", "townmerge.score.seats",
                  "townmerge.cli.commands", "folium"):
        assert other in joined, (other, found)


def long_definitions(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    out = []
    n = len(text.splitlines())
    if n > MAX_MODULE_LINES:
        out.append(f"{path.relative_to(SRC)} has {n} lines (at most {MAX_MODULE_LINES})")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef):
            size = node.end_lineno - node.lineno + 1
            if size > MAX_CLASS_LINES:
                out.append(f"class {node.name} in {path.relative_to(SRC)} has {size} lines "
                           f"(at most {MAX_CLASS_LINES})")
    return out


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_module_over_600_lines_no_class_over_300(path):
    assert not long_definitions(path), long_definitions(path)


def test_size_check_can_fail(tmp_path):
    big = SRC / "_big_for_test.py"
    body = "class A:\n" + "    x = 1\n" * 320 + "\n" * 300
    big.write_text(body, encoding="utf-8")
    try:
        found = long_definitions(big)
    finally:
        big.unlink()
    assert len(found) == 2 and "621 lines" in found[0] and "class A" in found[1]


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
                   "from townmerge.graph.flows import _fit\n", encoding="utf-8")
    assert private_imports(bad) == [".seats._helper", "townmerge.graph.flows._fit"]


def readme_layout() -> dict[str, set[str]]:
    """The README's layout section: ``folder/`` lines, each followed by its modules."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Layout", 1)[1].split("\n## ", 1)[0]
    out: dict[str, set[str]] = {}
    for folder, body in re.findall(r"^- `(\w+)/`([^\n]*\n(?:  [^\n]*\n)*)", section, re.M):
        out[folder] = set(re.findall(r"`(\w+)\.py`", body))
    return out


@pytest.mark.parametrize("folder", FOLDERS)
def test_readme_and_docstring_name_the_folders_modules(folder):
    modules = {p.stem for p in (SRC / folder).glob("*.py") if p.stem != "__init__"}
    assert readme_layout().get(folder) == modules, (
        f"README's layout for {folder}/ should list exactly {sorted(modules)}")
    doc = ast.get_docstring(ast.parse((SRC / folder / "__init__.py").read_text("utf-8"))) or ""
    named = set(re.findall(r"``(\w+)``", doc))
    assert modules <= named, f"{folder}/__init__.py docstring misses {sorted(modules - named)}"
