"""The pure parts of the embedded search: log positions (snapshots),
highlighting and HTML escaping, and typo correction against synonyms."""

from __future__ import annotations

from vitrine_server.search.engine.highlight import Highlighter
from vitrine_server.search.engine.schema import Analyzers
from vitrine_server.search.feed import Position, Snapshot
from vitrine_server.search.query import Group, Lookup, plan
from vitrine_server.search.settings import SearchSettings
from vitrine_server.search.text import MARK_END, MARK_START, html_tags, render_marks

SETTINGS = SearchSettings.build(
    [["celular", "smartphone"], ["tv", "televisao", "televisor", "smart tv"]], ["de"]
)
ANALYZERS = Analyzers()


def test_a_snapshot_sees_what_had_committed() -> None:
    s = Snapshot.parse("100:110:103,107")
    assert str(s) == "100:110:103,107"
    assert s.sees(99) and s.sees(104) and s.sees(109)
    assert not s.sees(103) and not s.sees(107) and not s.sees(110) and not s.sees(500)


def test_positions_survive_their_json() -> None:
    p = Position(Snapshot.parse("5:9:6"), Snapshot.parse("8:20:"), (12, 345))
    assert Position.from_json(p.to_json()) == p
    assert Position.from_json(None) == Position()


def test_words_known_only_as_synonyms_are_corrected() -> None:
    # The catalog has no "celular" (it says "smartphone"): the dictionary
    # offers nothing close, the synonyms do.
    nothing = {w: Lookup(False, False) for w in ("celuar", "celulr", "televsor")}
    assert plan(["celuar"], nothing, SETTINGS).corrected_query == "celular"
    assert plan(["celulr"], nothing, SETTINGS).corrected_query == "celular"
    planned = plan(["televsor"], nothing, SETTINGS)
    assert planned.corrected_query == "televisor"
    assert "tv" in planned.groups[0].alternatives


def test_highlights_mark_words_stems_and_prefixes_accents_aside() -> None:
    h = Highlighter((Group(("geladeira",)), Group(("televisao",), prefix="televisao")), ANALYZERS)
    marked = h.mark("Geladeiras e TELEVISÃO: a geladeira-televisão")
    assert marked == (
        f"{MARK_START}Geladeiras{MARK_END} e {MARK_START}TELEVISÃO{MARK_END}: a "
        f"{MARK_START}geladeira{MARK_END}-{MARK_START}televisão{MARK_END}"
    )


def test_snippets_crop_around_the_densest_matches() -> None:
    h = Highlighter((Group(("gela",)),), ANALYZERS)
    text = " ".join(f"w{i}" for i in range(50)) + " gela muito bem " + " ".join("z" * 30)
    snippet = h.snippet(text, 10)
    assert f"{MARK_START}gela{MARK_END}" in snippet
    assert len(snippet.split()) <= 10


def test_html_tags_escape_the_text_around_them_only() -> None:
    text = f'<img src=x onerror="alert(1)"> & {MARK_START}Arno{MARK_END}'
    assert html_tags("<em>", "</em>") and not html_tags("[[", "]]")
    assert render_marks(text, "<em>", "</em>", escape=True) == (
        "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; <em>Arno</em>"
    )
    assert render_marks(text, "[[", "]]") == '<img src=x onerror="alert(1)"> & [[Arno]]'
