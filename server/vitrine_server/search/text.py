"""Words as both backends see them: folded (lower case, no accents), split
into runs of letters and digits, compared with a typo budget.

Everything a caller types goes through `words` before it reaches a backend,
so a query can only ever contain [a-z0-9] words: quotes, operators and
filter syntax are separators, never syntax.
"""

from __future__ import annotations

import html
import re
import unicodedata

# Highlights travel between the backends and the service with these marks
# around matched words; the service swaps in the caller's tags at the end.
# Both are stripped from indexed text, so a product can never fake one.
MARK_START = "\x01"
MARK_END = "\x02"

_WORD = re.compile(r"[a-z0-9]+")
# Folds that NFKD does not do by decomposition.
_EXTRA_FOLDS = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d"})


def fold(text: str) -> str:
    """Lower case without accents: "Televisão" -> "televisao" (as unaccent does)."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_EXTRA_FOLDS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The searchable words of `text`, in order."""
    return _WORD.findall(fold(text))


def typo_budget(word: str) -> int:
    """Typos tolerated in a word: none below 4 letters, one from 4, two from 8.
    Words with digits (models, sizes: "s24", "128gb") are taken exactly."""
    if any(c.isdigit() for c in word) or len(word) < 4:
        return 0
    return 1 if len(word) < 8 else 2


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions,
    substitutions and swaps of neighbours each cost one ("iphnoe" -> "iphone" is 1)."""
    if a == b:
        return 0
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def strip_marks(text: str) -> str:
    return text.replace(MARK_START, "").replace(MARK_END, "")


_MARKS = re.compile(f"([{MARK_START}{MARK_END}])")
_HTML_SPECIAL = re.compile("[&<>\"']")


def html_tags(pre_tag: str, post_tag: str) -> bool:
    """Whether highlight tags are HTML (`<em>`, the default, is): then the
    text around them is escaped too, since it is catalog text scraped from
    third-party pages and a browser would run `<img onerror=...>` in it."""
    return "<" in pre_tag or "<" in post_tag


def render_marks(text: str, pre_tag: str, post_tag: str, *, escape: bool = False) -> str:
    """Swap the backends' marks for the caller's tags; with `escape`, the
    text between them is HTML-escaped (&, <, >, quotes), the tags are not."""
    if not escape or _HTML_SPECIAL.search(text) is None:
        return text.replace(MARK_START, pre_tag).replace(MARK_END, post_tag)
    out: list[str] = []
    for piece in _MARKS.split(text):
        if piece == MARK_START:
            out.append(pre_tag)
        elif piece == MARK_END:
            out.append(post_tag)
        elif piece:
            out.append(html.escape(piece))
    return "".join(out)
