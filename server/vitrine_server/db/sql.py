"""Named SQL statements loaded from sibling ``.sql`` files.

A file holds blocks like::

    -- name: fetch_product
    -- One product by id.
    SELECT ... WHERE id = $1;

A block may instead be a fragment, written once and spliced into the
statements that name it as ``{{fragment}}`` (several orders of one list
share their filters)::

    -- fragment: product_filters
    category_id = $1 AND ...

    -- name: list_by_price
    SELECT ... WHERE {{product_filters}} ORDER BY ...;

Fragments are constant text spliced when the file is read, never values.

``load_queries(__package__, "products.sql")`` returns an object whose
attributes are the statements' texts. The files are package data, read
through importlib.resources, so an installed wheel finds them as a checkout
does. The text is constant, so asyncpg's per-connection
statement cache prepares each one once; values only ever travel as ``$n``
parameters.
"""

from __future__ import annotations

import re
from importlib import resources
from types import SimpleNamespace

_BLOCK = re.compile(r"^--\s*(name|fragment):\s*([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)
_SPLICE = re.compile(r"\{\{([a-z_][a-z0-9_]*)\}\}")

# Every loaded statement's text -> its name (`catalog.products.get_products`,
# as AdminService.ListStatements names it), for traces (tracing/postgres.py).
_NAMES: dict[str, str] = {}


def parse_queries(text: str) -> dict[str, str]:
    """Split a .sql file into {name: statement}, fragments spliced in."""
    parts = _BLOCK.split(text)
    queries: dict[str, str] = {}
    fragments: dict[str, str] = {}
    # parts = [preamble, kind1, name1, body1, kind2, name2, body2, ...]
    for kind, name, body in zip(parts[1::3], parts[2::3], parts[3::3], strict=True):
        blocks = queries if kind == "name" else fragments
        if name in blocks:
            raise ValueError(f"duplicate {kind} {name!r}")
        statement = body.strip().rstrip(";").strip()
        if not statement:
            raise ValueError(f"{kind} {name!r} is empty")
        if kind == "fragment":  # its comment is for the reader of the file
            statement = re.sub(r"\A(?:--[^\n]*\n\s*)+", "", statement)
        blocks[name] = statement
    return {name: _splice(name, statement, fragments) for name, statement in queries.items()}


def _splice(name: str, statement: str, fragments: dict[str, str]) -> str:
    def fragment(match: re.Match[str]) -> str:
        if match.group(1) not in fragments:
            raise ValueError(f"query {name!r} names an unknown fragment {match.group(1)!r}")
        return fragments[match.group(1)]

    return _SPLICE.sub(fragment, statement)


def load_queries(package: str | None, filename: str) -> SimpleNamespace:
    """Load ``filename`` from the package ``package`` (a module's ``__package__``)."""
    if not package or package.endswith(".py"):
        raise TypeError(f"load_queries takes the package name (__package__), not {package!r}")
    text = resources.files(package).joinpath(filename).read_text(encoding="utf-8")
    queries = parse_queries(text)
    prefix = ".".join([*package.split(".")[1:], filename.removesuffix(".sql")])
    for name, statement in queries.items():
        _NAMES.setdefault(statement, f"{prefix}.{name}")
    return SimpleNamespace(**queries)


def statement_name(query: str) -> str:
    """The name of a statement loaded from a .sql file; other SQL, its first word."""
    name = _NAMES.get(query)
    if name is None:
        words = query.split(None, 1)
        name = words[0].rstrip(";").upper() if words else "SQL"
    return name
