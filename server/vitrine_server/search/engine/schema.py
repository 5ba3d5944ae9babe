"""What the embedded index holds: its fields, its text analyzers, and the
documents built from PostgreSQL rows.

Three kinds of document live in one index:
- a product: its text, once as plain words and once as stems (Portuguese
  and English), every word lower case without accents; `vocab`,
  the words of its name, brand and categories (the typo dictionary); the numbers
  searches filter, sort and facet on (fast fields); and `product`, what a
  hit shows, so a hit costs one stored field: its ProductSummary already
  serialised (search/cards.py) and the texts highlights are cut from;
- a label (`label_key` "category:7", "store:3"): the name a facet value
  shows (`data`, JSON);
- the state (`label_key` "state"): the log position the index reflects and
  its label version, committed with the changes they describe, so the
  index always knows exactly where it is.

SCHEMA_VERSION changes whenever any of this does: an index of another
version is rebuilt, never read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import tantivy

from vitrine_server.search import cards
from vitrine_server.search.feed import Position
from vitrine_server.search.text import strip_marks

SCHEMA_VERSION = 6

PLAIN, STEMMED = "vitrine_plain", "vitrine_stem"
# Longer "words" are noise (hashes, urls) and would bloat the dictionary.
MAX_WORD = 40

# The text fields that rank, most important first, and their weight. The
# description only decides whether a product matches (through `all`), as
# it did in the PostgreSQL backend: a word found only there ranks last.
TEXT_FIELDS: tuple[tuple[str, float], ...] = (
    ("name", 8.0),
    ("brand", 4.0),
    ("category", 2.0),
)
# Sort keys of products without a price (they sort last both ways).
NO_PRICE = 2**62
STATE_KEY = "state"


def _analyzer(*stemmers: str) -> tantivy.TextAnalyzer:
    builder = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(MAX_WORD))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
    )
    for stemmer in stemmers:
        builder = builder.filter(tantivy.Filter.stemmer(stemmer))
    return builder.build()


def build_schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_text_field("label_key", tokenizer_name="raw")
    b.add_integer_field("id", indexed=True, fast=True)
    for name, _ in TEXT_FIELDS:
        b.add_text_field(name, tokenizer_name=PLAIN)
        b.add_text_field(f"{name}_stem", tokenizer_name=STEMMED, index_option="freq")
    # Everything a query must match, description included: one posting list
    # per word (and per stem) decides the hits, count and facets; the
    # per-field ones above are only read to rank them.
    b.add_text_field("all", tokenizer_name=PLAIN)
    b.add_text_field("all_stem", tokenizer_name=STEMMED, index_option="freq")
    # The words of names, brands and category names: the vocabulary typed
    # words are checked and corrected against (no positions: never a phrase).
    b.add_text_field("vocab", tokenizer_name=PLAIN, index_option="freq")
    b.add_text_field("brand_key", tokenizer_name="raw")
    b.add_text_field("brand_facet", tokenizer_name="raw", fast=True)
    b.add_integer_field("category_id", fast=True)
    b.add_integer_field("category_path", indexed=True)
    b.add_integer_field("store_ids", indexed=True, fast=True)
    b.add_integer_field("price", indexed=True, fast=True)
    b.add_integer_field("price_asc", fast=True)
    b.add_integer_field("price_desc", fast=True)
    b.add_integer_field("rating", indexed=True, fast=True)
    b.add_integer_field("review_count", fast=True)
    b.add_integer_field("created", fast=True)
    b.add_integer_field("discount_bps", fast=True)
    b.add_integer_field("in_stock", indexed=True)
    b.add_bytes_field("product", stored=True)
    b.add_bytes_field("data", stored=True)
    return b.build()


SCHEMA = build_schema()


class Analyzers:
    """The analyzers every index registers, and the same applied to the
    words of a query, with the stems of words seen before remembered.

    One stem per word serves both languages: the Portuguese stemmer, then
    the English one on its result ("geladeiras" -> "geladeir", "earbuds" ->
    "earbud", "phones" -> "phon"). Index and query use the same chain, so a
    word matches every form either language folds together, with one
    field per text instead of two."""

    CACHE = 200_000

    def __init__(self) -> None:
        self.plain = _analyzer()
        self.stemmed = _analyzer("portuguese", "english")
        self._stems: dict[str, str] = {}

    def register(self, index: tantivy.Index) -> None:
        index.register_tokenizer(PLAIN, self.plain)
        index.register_tokenizer(STEMMED, self.stemmed)

    def stem(self, word: str) -> str:
        """The stem of a folded word."""
        found = self._stems.get(word)
        if found is None:
            stems = self.stemmed.analyze(word)
            found = stems[0] if stems else word
            if len(self._stems) >= self.CACHE:
                self._stems.clear()
            self._stems[word] = found
        return found


@dataclass(frozen=True, slots=True)
class State:
    """Where an index is: the log position it reflects, and a counter bumped
    whenever a label changes (so readers reload their label maps only then)."""

    position: Position = field(default_factory=Position)
    labels_version: int = 0


def product_document(row: Mapping[str, Any]) -> tantivy.Document:
    """The document of a live product row (documents.sql: product_documents)."""
    name = strip_marks(row["name"])
    brand = strip_marks(row["brand"])
    description = strip_marks(row["description"])
    category = strip_marks(row["category_names"])
    doc = tantivy.Document()
    doc.add_integer("id", row["id"])
    for name_, text in (("name", name), ("brand", brand), ("category", category)):
        doc.add_text(name_, text)
        doc.add_text(f"{name_}_stem", text)
    for text in (name, brand, category, description):
        doc.add_text("all", text)
        doc.add_text("all_stem", text)
    doc.add_text("vocab", f"{name} {brand} {category}")
    key = brand.strip().lower()
    if key:
        doc.add_text("brand_key", key)
        doc.add_text("brand_facet", brand)
    doc.add_integer("category_id", row["category_id"])
    for category_id in row["category_path"]:
        doc.add_integer("category_path", category_id)
    for store_id in row["store_ids"]:
        doc.add_integer("store_ids", store_id)
    price = row["best_price_minor"]
    if price is not None:
        doc.add_integer("price", price)
    doc.add_integer("price_asc", NO_PRICE if price is None else price)
    doc.add_integer("price_desc", NO_PRICE if price is None else -price)
    rating = float(row["rating"])
    doc.add_integer("rating", round(rating * 10))
    doc.add_integer("review_count", row["review_count"])
    doc.add_integer("created", row["created_us"])
    doc.add_integer("discount_bps", row["discount_bps"])
    doc.add_integer("in_stock", 1 if row["best_in_stock"] else 0)
    doc.add_bytes(
        "product", pack_product(cards.card(row, name, brand), name, brand, description, category)
    )
    return doc


@dataclass(frozen=True, slots=True)
class StoredProduct:
    """What a product document stores: its card (search/cards.py) and the
    texts highlights and typo corrections read."""

    card: bytes
    name: str
    brand: str
    description: str
    category_names: str


def pack_product(card: bytes, name: str, brand: str, description: str, category: str) -> bytes:
    """The card's length (4 bytes), the card, then the texts joined by NUL
    (PostgreSQL text never holds one): unpacked with two slices and a split,
    where JSON cost a parse per hit."""
    texts = "\x00".join((name, brand, description, category)).encode()
    return len(card).to_bytes(4, "big") + card + texts


def read_product(doc: tantivy.Document) -> StoredProduct:
    raw = cast(bytes, doc.get_first("product"))
    size = int.from_bytes(raw[:4], "big")
    name, brand, description, category = raw[4 + size :].decode().split("\x00")
    return StoredProduct(raw[4 : 4 + size], name, brand, description, category)


def label_key(kind: str, id_: int) -> str:
    return f"{kind}:{id_}"


def label_document(kind: str, id_: int, name: str) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text("label_key", label_key(kind, id_))
    doc.add_bytes("data", json.dumps({"name": name}).encode())
    return doc


def state_document(state: State) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text("label_key", STATE_KEY)
    body = {"position": state.position.to_json(), "labels_version": state.labels_version}
    doc.add_bytes("data", json.dumps(body).encode())
    return doc


def read_state(body: dict[str, Any]) -> State:
    return State(Position.from_json(body["position"]), int(body.get("labels_version", 0)))


def read_data(doc: tantivy.Document) -> dict[str, Any]:
    raw = doc.get_first("data")
    return json.loads(bytes(raw)) if raw is not None else {}
