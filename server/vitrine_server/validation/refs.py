"""References to rows: ids, positive int64s, alone or in lists."""

from __future__ import annotations

from collections.abc import Sequence

from vitrine_server.errors import Violations
from vitrine_server.validation import lists

MAX_INT64 = 2**63 - 1


def positive_id(v: Violations, path: str, value: int) -> None:
    if value <= 0:
        v.add(path, "must be a positive id")


def optional_id(v: Violations, path: str, value: int, meaning_of_zero: str) -> None:
    """An id where 0 means something (`meaning_of_zero`, e.g. "all")."""
    if value < 0:
        v.add(path, f"must be a positive id, or 0 for {meaning_of_zero}")


def id_list(
    v: Violations, path: str, values: Sequence[int], maximum: int, *, required: bool = True
) -> None:
    """At most `maximum` positive ids (and at least one when `required`); the
    items are not looked at once the list is over its limit."""
    if required and not values:
        v.add(path, "must name at least one id")
        return
    if lists.within(v, path, values, maximum, noun="ids"):
        for i, value in enumerate(values):
            if value <= 0:
                v.add(f"{path}[{i}]", "must be a positive id")
