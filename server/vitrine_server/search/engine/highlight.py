"""Matched words marked in a hit's text, and the description cropped around
them, computed from the planned query (not from the index): a word of the
text is a match when it is one of the searched words, has the same
stem as one, or starts with the prefix being typed.

The text comes back with text.MARK_START / MARK_END around matches; the
caller's tags (HTML-escaped text or not) are put in at the very end
(text.render_marks).
"""

from __future__ import annotations

import re

from vitrine_server.search.engine.schema import Analyzers
from vitrine_server.search.query import Group
from vitrine_server.search.text import MARK_END, MARK_START, words

# A word as written: a run of letters and digits (accents included).
_TOKEN = re.compile(r"[^\W_]+")


class Highlighter:
    def __init__(self, groups: tuple[Group, ...], analyzers: Analyzers):
        self._analyzers = analyzers
        self._exact: set[str] = set()
        for group in groups:
            for alternative in group.alternatives:
                self._exact.update(alternative.split())
        self._stems = {analyzers.stem(w) for w in self._exact}
        self._prefixes = tuple(g.prefix for g in groups if g.prefix)
        self._seen: dict[str, bool] = {}

    def _matches(self, token: str) -> bool:
        found = self._seen.get(token)
        if found is None:
            folded = [token.lower()] if token.isascii() and token.isalnum() else words(token)
            found = any(self._word_matches(w) for w in folded)
            self._seen[token] = found
        return found

    def _word_matches(self, word: str) -> bool:
        if word in self._exact or word.startswith(self._prefixes):
            return True
        return self._analyzers.stem(word) in self._stems

    def mark(self, text: str) -> str:
        """The whole text, with every matched word marked."""
        out: list[str] = []
        last = 0
        for m in _TOKEN.finditer(text):
            if self._matches(m.group()):
                out.append(text[last : m.start()])
                out.append(MARK_START + m.group() + MARK_END)
                last = m.end()
        out.append(text[last:])
        return "".join(out)

    def snippet(self, text: str, crop_words: int) -> str:
        """About `crop_words` words of the text around its densest matches
        (its start when nothing matches), matches marked."""
        tokens = list(_TOKEN.finditer(text))
        if not tokens:
            return ""
        hits = [i for i, m in enumerate(tokens) if self._matches(m.group())]
        start = 0
        if hits and len(tokens) > crop_words:
            best = -1
            lead = crop_words // 4
            for i in hits:
                begin = max(0, min(i - lead, len(tokens) - crop_words))
                count = sum(1 for h in hits if begin <= h < begin + crop_words)
                if count > best:
                    best, start = count, begin
        window = tokens[start : start + crop_words]
        inside = {i for i in hits if start <= i < start + crop_words}
        out: list[str] = []
        last = window[0].start()
        for offset, m in enumerate(window):
            if start + offset in inside:
                out.append(text[last : m.start()])
                out.append(MARK_START + m.group() + MARK_END)
                last = m.end()
        out.append(text[last : window[-1].end()])
        return "".join(out)
