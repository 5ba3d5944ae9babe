"""Compatibility for pricing/, which imports offers.sql's statements from
here as `Q`. The catalog's own code uses catalog.store (and others should go
through catalog.service); this goes once pricing does too."""

from __future__ import annotations

from vitrine_server.catalog.store import OFFERS as Q

__all__ = ["Q"]
