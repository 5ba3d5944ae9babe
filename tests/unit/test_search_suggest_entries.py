"""SuggestProducts answers kept serialized: the same bytes as the message
built afresh, and never outliving the completions they were made from."""

from __future__ import annotations

from vitrine.search.v1 import search_service_pb2 as api
from vitrine_server.search.handlers import SuggestEntries
from vitrine_server.search.model import Suggestion
from vitrine_server.search.service import Answer
from vitrine_server.search.text import MARK_END, MARK_START


def _answer(name: str, backend: str = "tantivy", degraded: bool = False) -> Answer:
    marked = f"{MARK_START}{name[:3]}{MARK_END}{name[3:]} <b>"
    return Answer((Suggestion(f"{name} <b>", marked, 7),), backend, degraded)


def test_bytes_are_the_message_with_the_callers_tags() -> None:
    entries = SuggestEntries()
    answer = _answer("Celular")
    data = entries.entry(answer, ("<em>", "</em>"))
    assert entries.entry(answer, ("<em>", "</em>")) is data
    parsed = api.SuggestProductsResponse.FromString(data)
    assert parsed.suggestions[0].highlighted == "<em>Cel</em>ular &lt;b&gt;"
    assert parsed.suggestions[0].product_id == 7
    assert parsed.backend == "tantivy"
    other = api.SuggestProductsResponse.FromString(entries.entry(answer, ("*", "*")))
    assert other.suggestions[0].highlighted == "*Cel*ular <b>"


def test_new_completions_or_backend_are_not_answered_from_old_bytes() -> None:
    entries = SuggestEntries()
    tags = ("<em>", "</em>")
    entries.entry(_answer("Celular"), tags)
    # After a commit the engine hands out a new tuple, even for equal text.
    renamed = api.SuggestProductsResponse.FromString(entries.entry(_answer("Celulose"), tags))
    assert renamed.suggestions[0].text == "Celulose <b>"
    empty = Answer((), "tantivy", False)
    degraded = Answer((), "tantivy", True)
    assert entries.entry(empty, tags) == b"\x12\x07tantivy"
    assert api.SuggestProductsResponse.FromString(entries.entry(degraded, tags)).degraded
