"""The architecture, checked: each layer imports only the layers below it, and no module imports itself in a circle.

Layers, top first: api (the ways in: CLI, HTTP, page) > eval (the harness) > matcher > index > rubrics > the
package root (errors, the default cache folder).
Every import counts, including those inside functions (an import moved into a function to dodge a circle is still a
circle); imports under ``if TYPE_CHECKING:`` count for the layers but not for circles (they never run).
The graph is read from the source with ``ast``: the folders are mapped into the package (pyproject.toml), which
import-graph tools that walk the installed package's folder cannot follow in an editable install.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "evidence_matcher"
FOLDERS = {"api": "api", "eval": "eval", "matcher": "matcher", "index": "index", "rubrics": "rubrics"}
LAYERS = ["api", "eval", "matcher", "index", "rubrics", "root"]  # top first


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT)
    parts = list(rel.with_suffix("").parts)
    if parts[0] == PACKAGE:
        parts = parts[1:]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([PACKAGE, *parts])


def _sources() -> dict[str, Path]:
    files = list((ROOT / PACKAGE).glob("*.py"))
    for folder in FOLDERS.values():
        files += (ROOT / folder).rglob("*.py")
    return {_module_name(p): p for p in files}


MODULES = _sources()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(name: str, path: Path) -> list[tuple[str, int, bool]]:
    """(imported module, line, only for type checking) for each import of our package in ``path``."""
    is_package = path.name == "__init__.py"
    base = name.split(".") if is_package else name.split(".")[:-1]
    found: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for grandchild in child.body:
                    visit_one(grandchild, True)
                for grandchild in child.orelse:
                    visit_one(grandchild, typing_only)
                continue
            visit_one(child, typing_only)

    def visit_one(node: ast.AST, typing_only: bool) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(PACKAGE):
                    found.append((alias.name, node.lineno, typing_only))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                module = ".".join(base[: len(base) - node.level + 1] + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.startswith(PACKAGE):
                for alias in node.names:
                    sub = f"{module}.{alias.name}"  # "from a.b import c": a.b.c when c is a module, else a.b
                    found.append((sub if sub in MODULES else module, node.lineno, typing_only))
        visit(node, typing_only)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in FOLDERS else "root"


def test_the_tree_is_found():
    assert len(MODULES) > 60 and f"{PACKAGE}.matcher.engine" in MODULES and f"{PACKAGE}.errors" in MODULES


def test_each_layer_imports_only_layers_below_it():
    wrong = []
    for name, path in MODULES.items():
        here = LAYERS.index(_layer(name))
        for imported, line, _ in _imports(name, path):
            if imported not in MODULES and not any(m.startswith(imported + ".") for m in MODULES):
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {imported}, which does not exist")
                continue
            if LAYERS.index(_layer(imported)) < here:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {_layer(name)} imports {imported} (a layer above it)")
    assert not wrong, "\n".join(dict.fromkeys(wrong))


def test_no_import_circles():
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for imported, _, typing_only in _imports(name, path):
            if not typing_only and imported in MODULES and imported != name:
                graph[name].add(imported)
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as exc:
        pytest.fail("import circle: " + " -> ".join(exc.args[1]))


def test_the_checker_sees_a_circle_and_an_upward_import(tmp_path):
    """The two checks above would pass on nothing if the import reading were broken: feed it known cases."""
    path = tmp_path / "probe.py"
    path.write_text(
        "from evidence_matcher.api.app import create_app\n"
        "def f():\n    from ..index import embedders\n"
        "if TYPE_CHECKING:\n    from evidence_matcher.eval.run import EvalRecord\n",
        encoding="utf-8",
    )
    found = _imports(f"{PACKAGE}.matcher.probe", path)
    assert (f"{PACKAGE}.api.app", 1, False) in found
    assert (f"{PACKAGE}.index.embedders", 3, False) in found
    assert (f"{PACKAGE}.eval.run", 5, True) in found
