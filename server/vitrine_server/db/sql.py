"""Named SQL statements loaded from sibling ``.sql`` files.

A file holds blocks like::

    -- name: fetch_product
    -- One product by id.
    SELECT ... WHERE id = $1;

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

_NAME = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)

# Every loaded statement's text -> its name (`catalog.products.get_products`,
# as AdminService.ListStatements names it), for traces (tracing/postgres.py).
_NAMES: dict[str, str] = {}


def parse_queries(text: str) -> dict[str, str]:
    """Split a .sql file into {name: statement}."""
    parts = _NAME.split(text)
    queries: dict[str, str] = {}
    # parts = [preamble, name1, body1, name2, body2, ...]
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        if name in queries:
            raise ValueError(f"duplicate query name {name!r}")
        statement = body.strip().rstrip(";").strip()
        if not statement:
            raise ValueError(f"query {name!r} is empty")
        queries[name] = statement
    return queries


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
