"""The layers of rag/ run one way, and no import cycle exists anywhere in it.

core (errors, records, config, files, models) -> text -> indexing -> search -> llm
-> answering -> evaluation -> cli and ui. Every import counts: at module level, inside a
function (lazy) and under TYPE_CHECKING.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "rag"
LAYERS = (
    ("core", ("rag", "rag.errors", "rag.records", "rag.config", "rag.files", "rag.models")),
    ("text", ("rag.text",)),
    ("indexing", ("rag.indexing",)),
    ("search", ("rag.search",)),
    ("llm", ("rag.llm",)),
    ("answering", ("rag.answering",)),
    ("evaluation", ("rag.evaluation",)),
    ("top", ("rag.cli", "rag.__main__", "rag.ui")),
)


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, known: set[str]) -> set[str]:
    """Every rag module a file imports, wherever the import statement is."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "rag"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] != "rag":
                continue
            for alias in node.names:  # `from rag.x import y` may name a module y
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in known else node.module)
    return found


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    files = {module_name(p, root): p for p in root.rglob("*.py")}
    known = set(files)
    return {name: imports_of(path, known) - {name} for name, path in files.items()}


def layer(module: str) -> int:
    best, rank = -1, None
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            inside = module.startswith(prefix + ".") and prefix != "rag"  # the package: itself only
            if (module == prefix or inside) and len(prefix) > best:
                best, rank = len(prefix), i
    if rank is None:
        raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")
    return rank


def upward(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{a} ({LAYERS[layer(a)][0]}) imports {b} ({LAYERS[layer(b)][0]})"
        for a, deps in graph.items()
        for b in deps
        if layer(b) > layer(a)
    )


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_a_layer_above_it():
    assert upward(import_graph()) == []


def test_no_import_cycle_anywhere():
    assert cycles(import_graph()) == []


def test_every_module_belongs_to_a_layer():
    for module in import_graph():
        layer(module)


def test_subpackages_say_what_they_do_and_may_import():
    for init in PACKAGE.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert "import" in doc.lower(), f"{init.parent.name}/__init__.py must say what it imports"


def test_the_checks_catch_an_upward_import_and_a_cycle(tmp_path):
    root = tmp_path / "rag"
    (root / "text").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "errors.py").write_text("import rag.records\n")
    (root / "records.py").write_text("from rag import errors\n")
    (root / "text" / "__init__.py").write_text("")
    (root / "text" / "lang.py").write_text("def f():\n    from rag.cli import main\n")
    (root / "cli.py").write_text("")
    graph = import_graph(root)
    assert upward(graph) == ["rag.text.lang (text) imports rag.cli (top)"]
    assert cycles(graph) == [["rag.errors", "rag.records"]]


def test_a_module_outside_every_layer_is_named():
    with pytest.raises(AssertionError, match=r"rag\.plugins"):
        layer("rag.plugins")
