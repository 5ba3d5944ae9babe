"""The slice layout, held by a test: in every service slice, only the edge
imports the generated protobuf modules.

handlers.py (the servicer), validate.py (requests into model values) and
convert.py (answers out) are the edge. A few modules build wire bytes ahead
of time or read method descriptors and are named below with their reason.
Everything else — services, stores, engines — works on model values, so a
new module that reaches for a generated message fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import vitrine_server

SLICES = ("catalog", "pricing", "search", "admin", "access")
EDGE = {"handlers.py", "validate.py", "convert.py"}
# Modules beyond the edge that may import generated code, and why.
ALLOWED = {
    "catalog/fastpath.py": "GetProduct's response built as bytes from cached entries",
    "search/cards.py": "each product's answer card serialized when it is indexed",
    "access/scopes.py": "reads each method's required scope from its descriptor",
}
ROOT = Path(vitrine_server.__file__).parent


def _generated_imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules = [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        else:
            continue
        names += [m for m in modules if m.startswith("vitrine.") and "_pb2" in m]
    return names


def test_only_the_edge_of_a_slice_imports_generated_messages():
    offenders = []
    for name in SLICES:
        for path in sorted((ROOT / name).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if (path.name in EDGE and path.parent == ROOT / name) or relative in ALLOWED:
                continue
            offenders += [f"{relative}: {m}" for m in _generated_imports(path)]
    assert not offenders, "protobuf beyond the edge of a slice:\n" + "\n".join(offenders)


def test_the_allowed_modules_exist():
    # A renamed module must not leave a stale exemption behind.
    assert all((ROOT / relative).is_file() for relative in ALLOWED)
