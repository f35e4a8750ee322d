"""No import circles inside the clinsum package, read statically from the source (ast): an
import inside a function counts too (it is a circle that only hides until called); imports
under ``if TYPE_CHECKING:`` and imports of a module's own parent packages do not."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "clinsum"


def module_files() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imported(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The clinsum modules ``name`` imports anywhere in its body."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(_without_type_checking(ast.parse(path.read_text(encoding="utf-8")))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        found |= {t for t in targets if t in modules and t != name and not name.startswith(t + ".")}
    return found


def _without_type_checking(tree: ast.Module) -> ast.Module:
    for node in ast.walk(tree):
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if isinstance(block, list):
                setattr(node, field, [n for n in block if not (
                    isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test))])
    return tree


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import each other, directly or around a circle (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_clinsum_package_has_no_import_circle():
    modules = module_files()
    graph = {name: imported(name, path, modules) for name, path in modules.items()}
    assert graph["clinsum.strategies.rag"] >= {"clinsum.rag.pipeline", "clinsum.records.parts"}
    assert cycles(graph) == []


def test_the_detector_sees_a_circle_through_a_function_level_import(tmp_path):
    (tmp_path / "a.py").write_text("from clinsum.b import x\n")
    (tmp_path / "b.py").write_text("def f():\n    from clinsum.a import y\n")
    (tmp_path / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                   "    from clinsum.a import y\n")
    modules = {f"clinsum.{n}": tmp_path / f"{n}.py" for n in "abc"}
    graph = {name: imported(name, path, modules) for name, path in modules.items()}
    assert graph["clinsum.c"] == set()
    assert cycles(graph) == [["clinsum.a", "clinsum.b"]]


def test_only_the_ui_package_imports_streamlit():
    outside = []
    for name, path in module_files().items():
        if name == "clinsum.ui" or name.startswith("clinsum.ui."):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            outside += [name for n in names if n.split(".")[0] == "streamlit"]
    assert outside == []
    assert "clinsum.ui.frame" in module_files()  # the scan sees the UI package (and skips it)


def test_pages_stay_thin():
    """Every page but the explorer is at most 150 lines: drawing code lives in ui/*_view.py."""
    pages = sorted((PACKAGE / "ui" / "pages").glob("[0-9]*_*.py"))
    long = {p.name: n for p in pages if (n := len(p.read_text(encoding="utf-8").splitlines())) > 150}
    assert len(pages) >= 10 and set(long) <= {"40_explorer.py"}, long
