"""Synonyms and stop words: what they are, how they are checked and
normalized, and where they live (PostgreSQL, read through a short
in-process cache so a search costs no extra query)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from vitrine_server import errors
from vitrine_server.db.database import Database
from vitrine_server.db.sql import load_queries
from vitrine_server.errors import Violations
from vitrine_server.search.text import words

_Q = load_queries(__package__, "settings.sql")

MAX_GROUPS = 500
MAX_GROUP_TERMS = 20
MAX_TERM_WORDS = 3
MAX_STOP_WORDS = 500
# Other server processes see a change within this many seconds.
CACHE_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class SearchSettings:
    # Each term is its words joined by one space: "smart tv".
    synonym_groups: tuple[tuple[str, ...], ...] = ()
    stop_words: frozenset[str] = frozenset()
    # term (as a tuple of words) -> every term of its groups, itself included.
    _synonyms: dict[tuple[str, ...], tuple[str, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def build(cls, groups: Iterable[Iterable[str]], stop_words: Iterable[str]) -> SearchSettings:
        normalized = tuple(tuple(dict.fromkeys(groups_terms)) for groups_terms in groups)
        synonyms: dict[tuple[str, ...], list[str]] = {}
        for group in normalized:
            for term in group:
                alts = synonyms.setdefault(tuple(term.split()), [])
                alts.extend(t for t in group if t not in alts)
        return cls(
            normalized,
            frozenset(stop_words),
            {term: tuple(alts) for term, alts in synonyms.items()},
        )

    def synonyms(self, term: tuple[str, ...]) -> tuple[str, ...]:
        """Every term meaning the same as `term` (itself included), or ()."""
        return self._synonyms.get(term, ())

    @property
    def longest_term(self) -> int:
        return max((len(t) for t in self._synonyms), default=1)

    def synonym_words(self) -> frozenset[str]:
        """Every word of every synonym term."""
        return frozenset(w for term in self._synonyms for w in term)

    def known_words(self) -> frozenset[str]:
        """Words a query may use that the catalog need not contain."""
        return frozenset(w for term in self._synonyms for w in term) | self.stop_words


def normalize(
    groups: Iterable[Iterable[str]], stop_words: Iterable[str], v: Violations, path: str = ""
) -> SearchSettings:
    """Check and normalize settings a caller sent; violations go to `v`."""
    prefix = f"{path}." if path else ""
    groups, stop_words = list(groups), list(stop_words)
    # Over a limit, one violation says so and the items are not looked at.
    if len(groups) > MAX_GROUPS:
        v.add(f"{prefix}synonym_groups", f"must have at most {MAX_GROUPS} groups")
        groups = []
    if len(stop_words) > MAX_STOP_WORDS:
        v.add(f"{prefix}stop_words", f"must have at most {MAX_STOP_WORDS} words")
        stop_words = []
    checked_groups = [
        _group(list(group), v, f"{prefix}synonym_groups[{i}]") for i, group in enumerate(groups)
    ]
    return SearchSettings.build(checked_groups, _stop_words(stop_words, v, prefix))


def _group(group: list[str], v: Violations, path: str) -> list[str]:
    """One synonym group's terms, folded and without repeats."""
    terms: list[str] = []
    if len(group) > MAX_GROUP_TERMS:
        group = []  # the check below reports it
    for j, term in enumerate(group):
        term_words = words(term)
        if not term_words or len(term_words) > MAX_TERM_WORDS or len(term) > 100:
            v.add(
                f"{path}.terms[{j}]",
                f"must have 1 to {MAX_TERM_WORDS} words of letters or digits",
            )
            continue
        joined = " ".join(term_words)
        if joined not in terms:
            terms.append(joined)
    if not 2 <= len(terms) <= MAX_GROUP_TERMS:
        v.add(f"{path}.terms", f"must have 2 to {MAX_GROUP_TERMS} different terms")
    return terms


def _stop_words(stop_words: list[str], v: Violations, prefix: str) -> list[str]:
    """The stop words, folded and without repeats."""
    checked: list[str] = []
    for i, word in enumerate(stop_words):
        folded = words(word)
        if len(folded) != 1:
            v.add(f"{prefix}stop_words[{i}]", "must be one word of letters or digits")
        elif folded[0] not in checked:
            checked.append(folded[0])
    return checked


class SettingsStore:
    """Loads and replaces the settings; caches them in process for a few seconds."""

    def __init__(self, db: Database):
        self._db = db
        self._cached: SearchSettings | None = None
        self._loaded_at = 0.0

    async def current(self) -> SearchSettings:
        if self._cached is None or time.monotonic() - self._loaded_at > CACHE_SECONDS:
            try:
                groups = await self._db.fetch(_Q.synonym_groups)
                stops = await self._db.fetch(_Q.stop_words)
            except errors.Unavailable:
                # Searches are answered from the index: PostgreSQL away only
                # means the settings stay as they were a moment ago.
                if self._cached is None:
                    raise
                self._loaded_at = time.monotonic()
                return self._cached
            self._cached = SearchSettings.build(
                (row["terms"] for row in groups), (row["word"] for row in stops)
            )
            self._loaded_at = time.monotonic()
        return self._cached

    async def replace(self, settings: SearchSettings) -> SearchSettings:
        async with self._db.transaction() as conn:
            await conn.execute(_Q.lock_settings)
            await conn.execute(_Q.clear_settings)
            await conn.execute(_Q.clear_stop_words)
            groups = [list(g) for g in settings.synonym_groups]
            await conn.execute(_Q.insert_synonym_groups, groups)
            await conn.execute(_Q.insert_stop_words, sorted(settings.stop_words))
        self._cached = None
        return await self.current()
