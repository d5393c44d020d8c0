"""The layout holds: imports point one way, nothing imports itself back in a circle,
and the heavy or dangerous libraries stay where they belong. Every import counts,
also those inside functions and those only for type checking."""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bench", "conversations", "documents", "resources", "services", "storage", "sync",
            "views")

# Which of the project's packages each may import (besides itself).
MAY_IMPORT: dict[str, frozenset[str]] = {
    "conversations": frozenset(),
    "storage": frozenset(),
    "sync": frozenset({"conversations", "storage"}),
    "resources": frozenset({"conversations"}),
    "documents": frozenset({"conversations", "resources"}),
    "services": frozenset({"conversations", "documents", "resources", "storage", "sync"}),
    "views": frozenset({"conversations", "documents", "resources", "services", "storage", "sync"}),
    "bench": frozenset({"conversations", "documents", "resources", "services", "storage", "sync",
                        "tests"}),
    "main": frozenset({"bench", "conversations", "resources", "services", "storage", "sync",
                       "views"}),
}

# Libraries only these packages (or modules) may import.
ONLY_IN: dict[str, frozenset[str]] = {
    "cryptography": frozenset({"storage.sealing"}),
    "argon2": frozenset({"storage.sealing"}),
    "flet": frozenset({"views", "main"}),
    "fpdf": frozenset({"documents"}),
    "babel": frozenset({"documents", "views"}),
    "tinydb": frozenset({"storage", "bench.storage"}),  # the bench compares stock TinyDB
    "smbclient": frozenset({"sync.smb"}),
    "smbprotocol": frozenset({"sync.smb"}),
    "spnego": frozenset({"sync.smb", "sync.ntlm"}),  # ntlm: RC4 without OpenSSL legacy
}
# The domain is pure: no files, no clock, no threads.
DOMAIN_BANS = ("pathlib", "os", "time", "threading", "subprocess", "shutil", "tempfile")


def product_modules() -> dict[str, Path]:
    found = {"main": ROOT / "main.py"}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imported_names(path: Path, module: str, known: Collection[str] = ()) -> Iterator[str]:
    """Every module ``path`` imports, as dotted names: ``from a import b`` is ``a.b``
    when that is a module in ``known``, else ``a``. (A package's ``__init__`` that runs
    before its submodules is Python's order, not a cycle.)"""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base


def graph() -> dict[str, set[str]]:
    modules = product_modules()
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges[name] = {
            imported for imported in imported_names(path, name, modules)
            if imported in modules and imported != name
        }
    return edges


def top(module: str) -> str:
    return module.split(".", maxsplit=1)[0]


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_product_has_no_import_cycle() -> None:
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_imports_point_one_way() -> None:
    wrong = []
    for module, targets in graph().items():
        allowed = MAY_IMPORT[top(module)] | {top(module)}
        wrong += [f"{module} imports {t}" for t in sorted(targets) if top(t) not in allowed]
    assert wrong == []


def test_heavy_and_dangerous_libraries_stay_where_they_belong() -> None:
    wrong = []
    for module, path in product_modules().items():
        for imported in set(imported_names(path, module)):
            library = top(imported)
            owners = ONLY_IN.get(library)
            if owners is not None and not any(
                module == owner or module.startswith(owner + ".") for owner in owners
            ):
                wrong.append(f"{module} imports {library}")
            if top(module) == "conversations" and library in DOMAIN_BANS:
                wrong.append(f"the domain module {module} imports {library}")
    assert sorted(set(wrong)) == []
