"""From what the user typed to what a backend searches: the words after typo
correction, stop words and synonyms. Pure: the dictionary lookups it needs
are done by the caller and passed in as `Corrections`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from vitrine_server.search.settings import SearchSettings
from vitrine_server.search.text import edit_distance, typo_budget


@dataclass(frozen=True, slots=True)
class Candidate:
    word: str
    # How many products use the word: the commoner of equally close words wins.
    ndoc: int


@dataclass(frozen=True, slots=True)
class Lookup:
    """What the dictionary says of one typed word."""

    known: bool
    # Some dictionary word starts with it (matters for the last, unfinished word).
    extends: bool
    candidates: tuple[Candidate, ...] = ()


def correct(word: str, lookup: Lookup | None, *, last: bool) -> str:
    """The word to search for instead of `word`, or `word` itself."""
    if lookup is None or lookup.known or (last and lookup.extends):
        return word
    budget = typo_budget(word)
    best: tuple[int, int, str] | None = None
    for c in lookup.candidates:
        distance = edit_distance(word, c.word)
        if distance <= budget and typo_budget(c.word) >= distance:
            key = (distance, -c.ndoc, c.word)
            if best is None or key < best:
                best = key
    return best[2] if best else word


def _with_synonyms(lookup: Lookup | None, settings: SearchSettings) -> Lookup:
    """The lookup with the words of the synonym groups as candidates too: a
    word known only as a synonym ("celular", when the catalog says
    "smartphone") is corrected like a catalog word ("celuar" -> "celular").
    A catalog word as close wins (it has products of its own)."""
    extra = tuple(Candidate(w, 0) for w in settings.synonym_words())
    if lookup is None:
        return Lookup(False, False, extra)
    return Lookup(lookup.known, lookup.extends, lookup.candidates + extra)


@dataclass(frozen=True, slots=True)
class Group:
    """One position of the query: any of `alternatives` must match there
    (each a word or a phrase), or `prefix` as the start of a word."""

    alternatives: tuple[str, ...]
    prefix: str | None = None

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {"alts": list(self.alternatives)}
        if self.prefix:
            out["prefix"] = self.prefix
        return out


@dataclass(frozen=True, slots=True)
class QueryPlan:
    groups: tuple[Group, ...]
    # The words searched, after correction (before synonyms).
    searched: tuple[str, ...]
    # Those words joined, when correction changed any; "" otherwise.
    corrected_query: str

    @property
    def empty(self) -> bool:
        return not self.groups

    def as_json(self) -> list[dict[str, object]]:
        return [g.as_json() for g in self.groups]


def plan(
    typed: list[str],
    lookups: Mapping[str, Lookup],
    settings: SearchSettings,
    *,
    prefix_last: bool = True,
) -> QueryPlan:
    """Plan the search of the words `typed` (already folded by text.words)."""
    known = settings.known_words()
    fixed = [
        w
        if w in known
        else correct(w, _with_synonyms(lookups.get(w), settings), last=i == len(typed) - 1)
        for i, w in enumerate(typed)
    ]
    corrected = " ".join(fixed) if fixed != typed else ""
    # Stop words are dropped unless the query has nothing else, but not
    # inside a synonym phrase ("fone de ouvido").
    drop_stops = any(w not in settings.stop_words for w in fixed)
    groups: list[Group] = []
    i = 0
    while i < len(fixed):
        # The longest synonym term starting here wins ("fone de ouvido" over "fone").
        for size in range(min(settings.longest_term, len(fixed) - i), 0, -1):
            alternatives = settings.synonyms(tuple(fixed[i : i + size]))
            if alternatives:
                break
        else:
            size, alternatives = 1, (fixed[i],)
            unfinished = prefix_last and i == len(fixed) - 1  # "notebook de" may become "dell"
            if drop_stops and fixed[i] in settings.stop_words and not unfinished:
                i += 1
                continue
        is_last = i + size == len(fixed)
        prefix = fixed[i] if prefix_last and is_last and size == 1 else None
        groups.append(Group(alternatives, prefix))
        i += size
    return QueryPlan(tuple(groups), tuple(fixed), corrected)
