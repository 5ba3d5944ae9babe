"""Matched words marked in a hit's text, and the description cropped around
them, computed from the planned query (not from the index): a word of the
text is a match when it is one of the searched words, has the same stem as
one, or starts with the prefix being typed.

Finding them is one regular expression per query, run by `re` in C over
the original text: accent- and case-insensitive, it finds every word that
starts like a searched stem or prefix; each such candidate is then checked
exactly (folded, stemmed). Most words of a text are never looked at in
Python.

The text comes back with text.MARK_START / MARK_END around matches; the
caller's tags (HTML-escaped text or not) are put in at the very end
(text.render_marks).
"""

from __future__ import annotations

import functools
import re
import unicodedata

from vitrine_server.search.engine.schema import Analyzers
from vitrine_server.search.query import Group
from vitrine_server.search.text import MARK_END, MARK_START, words

# A word as written: a run of letters and digits (accents included).
_TOKEN = re.compile(r"[^\W_]+")
_LETTERS: dict[str, str] = {}
# Words a highlighter remembers the verdict on, at most.
MAX_SEEN = 20_000


def _letter_class(c: str) -> str:
    """A regex class matching `c` and its accented forms (a: [aáàâãä...])."""
    found = _LETTERS.get(c)
    if found is None:
        same = {
            chr(code)
            for code in range(0xC0, 0x250)
            if unicodedata.normalize("NFKD", chr(code))[:1].lower() == c
        }
        found = "[" + re.escape(c) + "".join(re.escape(x) for x in sorted(same)) + "]"
        _LETTERS[c] = found
    return found


def _loose(word: str) -> str:
    return "".join(_letter_class(c) if c.isalpha() else re.escape(c) for c in word)


@functools.lru_cache(maxsize=4096)
def _pattern(starts: tuple[str, ...]) -> re.Pattern[str]:
    """Words starting like any of `starts`, accents and case aside."""
    alternatives = "|".join(_loose(s) for s in starts)
    return re.compile(r"(?<![^\W_])(?:" + alternatives + r")[^\W_]*", re.IGNORECASE)


class Highlighter:
    def __init__(self, groups: tuple[Group, ...], analyzers: Analyzers):
        self._analyzers = analyzers
        self._exact: set[str] = set()
        for group in groups:
            for alternative in group.alternatives:
                self._exact.update(alternative.split())
        self._stems = {analyzers.stem(w) for w in self._exact}
        self._prefixes = tuple(g.prefix for g in groups if g.prefix)
        starts = sorted(
            {min(w, analyzers.stem(w), key=len) for w in self._exact} | set(self._prefixes),
            key=len,
            reverse=True,
        )
        self._candidates = _pattern(tuple(starts)) if starts else None
        self._seen: dict[str, bool] = {}

    def _matches(self, token: str) -> bool:
        found = self._seen.get(token)
        if found is None:
            folded = [token.lower()] if token.isascii() and token.isalnum() else words(token)
            found = any(self._word_matches(w) for w in folded)
            if len(self._seen) >= MAX_SEEN:  # a highlighter lives as long as its query is asked
                self._seen.clear()
            self._seen[token] = found
        return found

    def _word_matches(self, word: str) -> bool:
        if word in self._exact or word.startswith(self._prefixes):
            return True
        return self._analyzers.stem(word) in self._stems

    def _spans(self, text: str) -> list[tuple[int, int]]:
        if self._candidates is None:
            return []
        return [m.span() for m in self._candidates.finditer(text) if self._matches(m.group())]

    def mark(self, text: str) -> str:
        """The whole text, with every matched word marked."""
        spans = self._spans(text)
        if not spans:
            return text
        out: list[str] = []
        last = 0
        for start, end in spans:
            out.append(text[last:start])
            out.append(MARK_START + text[start:end] + MARK_END)
            last = end
        out.append(text[last:])
        return "".join(out)

    def snippet(self, text: str, crop_words: int) -> str:
        """About `crop_words` words of the text around its densest matches
        (its start when nothing matches), matches marked."""
        spans = self._spans(text)
        first_token = _TOKEN.search(text)
        if first_token is None:
            return ""
        if len(_TOKEN.findall(text)) <= crop_words:
            # The whole text fits (most descriptions): from its first word to
            # its last, found in C, without a Python object per word.
            last_token = _TOKEN.search(text[::-1])
            assert last_token is not None
            return _marked(text, spans, first_token.start(), len(text) - last_token.start())
        tokens = [m.span() for m in _TOKEN.finditer(text)]
        starts = {start for start, _ in spans}
        hits = [i for i, (start, _) in enumerate(tokens) if start in starts]
        first = 0
        if hits:
            best = -1
            lead = crop_words // 4
            for i in hits:
                begin = max(0, min(i - lead, len(tokens) - crop_words))
                count = sum(1 for h in hits if begin <= h < begin + crop_words)
                if count > best:
                    best, first = count, begin
        window = tokens[first : first + crop_words]
        return _marked(text, spans, window[0][0], window[-1][1])


def _marked(text: str, spans: list[tuple[int, int]], begin: int, end: int) -> str:
    """text[begin:end] with the spans inside it marked."""
    out: list[str] = []
    last = begin
    for start, stop in spans:
        if start >= begin and stop <= end:
            out.append(text[last:start])
            out.append(MARK_START + text[start:stop] + MARK_END)
            last = stop
    out.append(text[last:end])
    return "".join(out)
