"""Money: integer minor units and an ISO 4217 currency, one set of rules for
every path that takes a price (offers, price observations, filters, alerts)."""

from __future__ import annotations

import re

from vitrine.type.v1 import money_pb2

from vitrine_server.errors import Violations

# A trillion minor units: anything above is a scraper's bug, whatever the currency.
MAX_MINOR = 10**12
_CURRENCY = re.compile(r"^[A-Z]{3}\Z")
AMOUNT_RULE = f"must be > 0 and < {MAX_MINOR:,} minor units"


def amount_problem(value: int) -> str | None:
    return None if 0 < value < MAX_MINOR else AMOUNT_RULE


def amount(v: Violations, path: str, value: int) -> None:
    problem = amount_problem(value)
    if problem is not None:
        v.add(path, problem)


def bound(v: Violations, path: str, value: int) -> None:
    """A bound of a price range or filter: 0 (none) up to MAX_MINOR."""
    if not 0 <= value <= MAX_MINOR:
        v.add(path, f"must be between 0 and {MAX_MINOR:,}")


def currency(v: Violations, path: str, value: str) -> None:
    if not _CURRENCY.match(value):
        v.add(path, "must be an ISO 4217 code of three upper-case letters, e.g. BRL")


def original_price_problem(
    price: money_pb2.Money, original: money_pb2.Money
) -> tuple[str, str] | None:
    """The one rule for a list ("original") price beside a price: same
    currency, a valid amount, and never below the price. Returns (what is
    wrong: "currency" or "amount", why) or None."""
    if original.currency_code != price.currency_code:
        return "currency", "must be in the price's currency"
    problem = amount_problem(original.amount_minor)
    if problem is not None:
        return "amount", problem
    if original.amount_minor < price.amount_minor:
        return "amount", "may not be below the price"
    return None
