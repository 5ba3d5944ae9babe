"""EXPLAIN (ANALYZE, BUFFERS) of the service's own named statements.

Only statements from the service's `.sql` files can be explained, by name
(`<package>.<file>.<name>`, e.g. `catalog.products.fetch_product`): never
SQL from a caller. Parameters arrive as text and are converted to the
types PostgreSQL infers for the statement's `$n` (asyncpg's prepared
statement knows them), then the statement runs under EXPLAIN ANALYZE in a
transaction that is always rolled back, so a write explained changes nothing.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from collections.abc import Callable, Iterator
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import asyncpg

from vitrine_server import errors
from vitrine_server.admin.model import Explained, ExplainRequest, NamedStatement
from vitrine_server.db.database import Database, translate, translated
from vitrine_server.db.sql import parse_queries

PACKAGE: Traversable = resources.files("vitrine_server")
# Migrations are .sql package data too, but hold no named statements.
_NOT_STATEMENTS = {"migrations"}


def _split(body: str) -> tuple[str, str]:
    """(purpose from the leading comment lines, the SQL without them)."""
    lines = body.splitlines()
    comments = []
    while lines and lines[0].lstrip().startswith("--"):
        comments.append(lines.pop(0).lstrip()[2:].strip())
    return " ".join(comments), "\n".join(lines).strip()


def _sql_files(folder: Traversable, parts: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """(dotted name without .sql, text) of every .sql file below `folder`."""
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir() and entry.name not in _NOT_STATEMENTS:
            yield from _sql_files(entry, (*parts, entry.name))
        elif entry.is_file() and entry.name.endswith(".sql"):
            yield ".".join((*parts, entry.name.removesuffix(".sql"))), entry.read_text("utf-8")


def discover(package: Traversable = PACKAGE) -> dict[str, NamedStatement]:
    """Every named statement of every .sql file in the server package."""
    found = {}
    for prefix, text in _sql_files(package):
        for name, body in parse_queries(text).items():
            description, sql = _split(body)
            full = f"{prefix}.{name}"
            found[full] = NamedStatement(full, description, sql)
    return found


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("true", "t", "1", "yes", "on"):
        return True
    if value in ("false", "f", "0", "no", "off"):
        return False
    raise ValueError("not a boolean")


def _timestamp(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


_SCALARS: dict[str, Callable[[str], Any]] = {
    "int2": int,
    "int4": int,
    "int8": int,
    "oid": int,
    "float4": float,
    "float8": float,
    "numeric": decimal.Decimal,
    "bool": _bool,
    "timestamptz": _timestamp,
    "timestamp": lambda t: _timestamp(t).replace(tzinfo=None),
    "date": dt.date.fromisoformat,
    "interval": lambda t: dt.timedelta(seconds=float(t)),
    "uuid": uuid.UUID,
    "bytea": bytes.fromhex,
    "json": json.loads,
    "jsonb": json.loads,
}


def _text(item: Any) -> str:
    return item if isinstance(item, str) else json.dumps(item)


def convert(text: str, type_name: str, kind: str) -> Any:
    """A parameter's text as the Python value asyncpg encodes for its type."""
    if text == "":
        return None
    if kind == "array":
        items = json.loads(text)
        if not isinstance(items, list):
            raise ValueError("an array is written as a JSON list")
        element = type_name.removesuffix("[]").lstrip("_")
        return [None if item is None else convert(_text(item), element, "scalar") for item in items]
    return _SCALARS.get(type_name, str)(text)


class Explainer:
    def __init__(self, db: Database, statements: dict[str, NamedStatement] | None = None):
        self.db = db
        self.statements = discover() if statements is None else statements

    def list_statements(self) -> list[NamedStatement]:
        return sorted(self.statements.values(), key=lambda s: s.name)

    async def explain(self, request: ExplainRequest) -> Explained:
        statement = self.statements.get(request.statement)
        if statement is None:
            raise errors.NotFound("statement", request.statement)
        with translated():
            async with self.db.acquire() as conn:
                tx = conn.transaction()
                await tx.start()
                try:
                    prepared = await conn.prepare(statement.sql, timeout=self.db.timeout())
                    types = prepared.get_parameters()
                    args = self._convert(request.parameters, types)
                    rows = await conn.fetch(
                        "EXPLAIN (ANALYZE, BUFFERS) " + statement.sql,
                        *args,
                        timeout=self.db.timeout(),
                    )
                except asyncpg.DataError as err:  # a value asyncpg cannot encode
                    raise errors.InvalidArgument(
                        [errors.FieldViolation("parameters", str(err))]
                    ) from None
                except asyncpg.PostgresError as err:
                    if translate(err) is not None:
                        raise
                    # The statement itself refused these values (a check, a
                    # foreign key, a cast): say what PostgreSQL said.
                    raise errors.InvalidArgument(
                        [
                            errors.FieldViolation(
                                "parameters", f"the statement failed ({err.sqlstate}): {err}"
                            )
                        ]
                    ) from None
                finally:
                    await tx.rollback()  # always: explaining a write must not write
        return Explained(statement.name, [t.name for t in types], [r[0] for r in rows])

    @staticmethod
    def _convert(texts: Any, types: Any) -> list[Any]:
        if len(texts) != len(types):
            raise errors.InvalidArgument(
                [
                    errors.FieldViolation(
                        "parameters",
                        f"the statement takes {len(types)} parameters "
                        f"({', '.join(t.name for t in types)}), not {len(texts)}",
                    )
                ]
            )
        v = errors.Violations()
        args = []
        for i, (text, t) in enumerate(zip(texts, types, strict=True)):
            try:
                args.append(convert(text, t.name, t.kind))
            except (ValueError, TypeError, ArithmeticError) as err:
                v.add(f"parameters[{i}]", f"is not a valid {t.name}: {err}")
        v.raise_if_any()
        return args
