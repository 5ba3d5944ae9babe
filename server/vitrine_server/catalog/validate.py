"""Catalog-only field checks (slugs, URLs, countries). Each adds a violation
with the field's path; the service raises them all at once. Checks shared
by every service (text, ids, money, times, lists) are in vitrine_server.validation."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from vitrine_server.errors import Violations
from vitrine_server.validation import text

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*\Z")
COUNTRY = re.compile(r"^[A-Z]{2}\Z")
MAX_URL = 2000


def slug(v: Violations, path: str, value: str, max_len: int = 120) -> None:
    if not value:
        v.add(path, "is required")
    elif len(value) > max_len or not SLUG.match(value):
        v.add(
            path, f"must be lower-case letters, digits and single hyphens, 1-{max_len} characters"
        )


def url(v: Violations, path: str, value: str, *, required: bool = False) -> None:
    if not value:
        if required:
            v.add(path, "is required")
        return
    if len(value) > MAX_URL or text.storable_problem(value) is not None:
        v.add(path, f"must be an http or https URL of at most {MAX_URL} characters")
        return
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unbalanced "[" in the host
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        v.add(path, f"must be an http or https URL of at most {MAX_URL} characters")


def country(v: Violations, path: str, value: str) -> None:
    if not COUNTRY.match(value):
        v.add(path, "must be an ISO 3166-1 alpha-2 code of two upper-case letters, e.g. BR")
