"""The statements that read what a search index holds (documents.sql),
shared by every index that follows the log."""

from __future__ import annotations

from vitrine_server.db.sql import load_queries

Q = load_queries(__package__, "documents.sql")
