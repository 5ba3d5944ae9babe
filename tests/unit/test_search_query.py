"""The pure parts of search: folding, edit distance, typo budgets, and
query planning (correction, stop words, synonyms, prefixes)."""

from __future__ import annotations

import pytest
from vitrine_server.errors import Violations
from vitrine_server.search.query import Candidate, Group, Lookup, correct, plan
from vitrine_server.search.settings import SearchSettings, normalize
from vitrine_server.search.text import edit_distance, fold, render_marks, typo_budget, words

SETTINGS = SearchSettings.build(
    [
        ["celular", "smartphone"],
        ["tv", "televisao", "smart tv"],
        ["fone", "fone de ouvido", "headphone"],
    ],
    ["de", "com"],
)


def test_fold_and_words() -> None:
    assert fold("Televisão ÇÃO ß") == "televisao cao ss"
    assert words("Geladeira Frost-Free 375L; 'DROP' \"x\"") == [
        "geladeira",
        "frost",
        "free",
        "375l",
        "drop",
        "x",
    ]
    assert words("\x00\x01 🎉 ﷽ <-> :* & |") == []


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("iphone", "iphone", 0),
        ("iphnoe", "iphone", 1),  # a swap of neighbours is one typo
        ("geladiera", "geladeira", 1),
        ("notebok", "notebook", 1),
        ("samsnug", "samsung", 1),
        ("xaomi", "xiaomi", 1),
        ("kitten", "sitting", 3),
        ("", "abc", 3),
    ],
)
def test_edit_distance(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b) == distance == edit_distance(b, a)


def test_typo_budget_follows_word_length_and_spares_models() -> None:
    assert [typo_budget(w) for w in ("tv", "ipad", "notebok", "geladiera")] == [0, 1, 1, 2]
    assert typo_budget("s24ultra") == 0 and typo_budget("128gb") == 0


def test_correct_picks_the_closest_then_the_commonest_word() -> None:
    lookup = Lookup(
        known=False,
        extends=False,
        candidates=(Candidate("geladeiras", 167), Candidate("geladeira", 135)),
    )
    assert correct("geladiera", lookup, last=False) == "geladeira"
    far = Lookup(False, False, (Candidate("gel", 18),))
    assert correct("geladiera", far, last=False) == "geladiera"
    # An unfinished last word that starts a known word is left alone.
    assert correct("gelad", Lookup(False, True, (Candidate("gelo", 1),)), last=True) == "gelad"
    assert correct("iphone", Lookup(True, True), last=False) == "iphone"


def test_plan_corrects_expands_and_drops_stop_words() -> None:
    lookups = {
        "celualr": Lookup(False, False, (Candidate("celular", 50),)),
        "samsung": Lookup(True, True),
    }
    planned = plan(["celualr", "de", "samsung"], lookups, SETTINGS)
    assert planned.corrected_query == "celular de samsung"
    assert planned.groups == (
        Group(("celular", "smartphone")),
        Group(("samsung",), prefix="samsung"),
    )


def test_plan_prefers_the_longest_synonym_phrase() -> None:
    planned = plan(["fone", "de", "ouvido", "jbl"], {}, SETTINGS)
    assert planned.groups[0] == Group(("fone", "fone de ouvido", "headphone"))
    assert planned.groups[1] == Group(("jbl",), prefix="jbl")
    smart = plan(["smart", "tv"], {}, SETTINGS)
    assert smart.groups == (Group(("tv", "televisao", "smart tv")),)


def test_an_unfinished_last_word_is_kept_even_if_a_stop_word() -> None:
    planned = plan(["notebook", "de"], {}, SETTINGS)
    assert planned.groups == (Group(("notebook",)), Group(("de",), prefix="de"))


def test_plan_keeps_stop_words_when_there_is_nothing_else() -> None:
    assert plan(["de"], {}, SETTINGS).groups == (Group(("de",), prefix="de"),)
    assert plan([], {}, SETTINGS).empty


def test_synonym_words_are_never_corrected() -> None:
    lookups = {"headphone": Lookup(False, False, (Candidate("headphones", 3),))}
    assert plan(["headphone"], lookups, SETTINGS).corrected_query == ""


def test_settings_are_normalized_and_checked() -> None:
    v = Violations()
    settings = normalize([["  Smart TV ", "televisão", "TV"]], ["DE", "com"], v)
    assert not v
    assert settings.synonym_groups == (("smart tv", "televisao", "tv"),)
    assert settings.stop_words == {"de", "com"}
    bad = Violations()
    normalize([["tv"], ["a b c d", "x"]], ["two words"], bad)
    assert {f.field for f in bad.items} == {
        "synonym_groups[0].terms",
        "synonym_groups[1].terms[0]",
        "synonym_groups[1].terms",
        "stop_words[0]",
    }


def test_render_marks() -> None:
    assert render_marks("\x01tv\x02 smart", "<b>", "</b>") == "<b>tv</b> smart"
