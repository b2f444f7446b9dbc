"""The import graph of selbuild/ from the source (AST only: nothing is imported).

Every `import` and `from ... import` counts, also the ones inside functions
(a lazy import hides a cycle, it does not remove it); only imports under
`if TYPE_CHECKING:` are left out, since they never run. Used by
tests/test_layers.py; run it to list the cycles:

    python scripts/import_graph.py
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "selbuild"


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Dotted module name -> file, for every .py under selbuild/."""
    out: dict[str, Path] = {}
    for p in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(p.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = p
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
           (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, name: str, is_pkg: bool) -> set[tuple[str, str | None]]:
    """(module, name) pairs this module imports: (x, None) for `import x`,
    (x, y) for `from x import y` (y may be a submodule or a name in x)."""
    found: set[tuple[str, str | None]] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update((a.name, None) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[:len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            found.update((mod, a.name) for a in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Module -> the selbuild modules it imports (names that are not modules,
    e.g. `from selbuild.errors import ConfigError`, resolve to their module)."""
    mods = modules(root)
    out: dict[str, set[str]] = {}
    for name, path in mods.items():
        tree = ast.parse(path.read_text(), str(path))
        deps: set[str] = set()
        for mod, attr in _imports(tree, name, path.name == "__init__.py"):
            imp = f"{mod}.{attr}" if attr and f"{mod}.{attr}" in mods else mod
            while imp and imp not in mods:
                imp = imp.rpartition(".")[0]
            if imp and imp != name:
                deps.add(imp)
        out[name] = deps
    return out


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan),
    each sorted; the list sorted too. A package importing its own submodule
    (selbuild.x -> selbuild.x.y -> selbuild.x) is a cycle like any other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    sys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            strong(v)
    return sorted(out)


def path(g: dict[str, set[str]], src: str, dst: str) -> list[str] | None:
    """A shortest import chain src -> ... -> dst, for messages."""
    prev: dict[str, str | None] = {src: None}
    todo = [src]
    while todo:
        nxt = []
        for v in todo:
            for w in sorted(g.get(v, ())):
                if w not in prev:
                    prev[w] = v
                    nxt.append(w)
        todo = nxt
    if dst not in prev:
        return None
    chain = [dst]
    while prev[chain[-1]] is not None:
        chain.append(prev[chain[-1]])
    return chain[::-1]


if __name__ == "__main__":
    g = graph()
    found = cycles(g)
    for comp in found:
        print(f"cycle of {len(comp)}: {', '.join(comp)}")
        for v in comp:
            print(f"    {v} -> {', '.join(sorted(w for w in g[v] if w in comp))}")
    sys.exit(1 if found else 0)
