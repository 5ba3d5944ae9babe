"""The demo catalog's planning rules, without a database: slugs, names,
prices, offers and price history as ``seed_demo`` will write them."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from vitrine_server.demo.catalog import CATEGORY_TREE, STORES, CategorySpec
from vitrine_server.demo.generate import (
    DISCOUNT_RANGE,
    HISTORY_DAYS,
    IN_STOCK_SHARE,
    SLUG_MAX_LENGTH,
    DemoCatalog,
    PriceState,
    build_catalog,
    catalog_capacity,
    charm_price,
    leaf_categories,
    line_choices,
    list_price_for,
    plan_categories,
    price_history,
    price_position,
    reference_price_reais,
    render_name,
    slugify,
    stores_selling,
    unique_slug,
)

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")  # the slug_text domain
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
PRODUCTS = 3000


@pytest.fixture(scope="module")
def catalog() -> DemoCatalog:
    return build_catalog(PRODUCTS, seed=42, now=NOW)


def _is_valid_slug(slug: str) -> bool:
    return bool(SLUG.match(slug)) and len(slug) <= SLUG_MAX_LENGTH


# ---------------------------------------------------------------------- slugs


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Micro-ondas Electrolux 31L", "micro-ondas-electrolux-31l"),
        ('Smart TV LG 55" 4K UHD ThinQ AI', "smart-tv-lg-55-4k-uhd-thinq-ai"),
        ("Fogão 4 Bocas Atlas Mônaco Top Glass", "fogao-4-bocas-atlas-monaco-top-glass"),
        ("Smartphone Samsung Galaxy S24+ 256GB", "smartphone-samsung-galaxy-s24-plus-256gb"),
        ("Casa & Cia", "casa-e-cia"),
        ("AirPods 2ª Geração", "airpods-2a-geracao"),
        ("  Jogo Marvel's Spider-Man 2 -- PS5  ", "jogo-marvel-s-spider-man-2-ps5"),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_unique_slug_suffixes_collisions() -> None:
    taken: set[str] = set()
    assert unique_slug("Geladeira Inox", taken) == "geladeira-inox"
    assert unique_slug("Geladeira, Inox!", taken) == "geladeira-inox-2"
    assert unique_slug("geladeira inox", taken) == "geladeira-inox-3"
    assert taken == {"geladeira-inox", "geladeira-inox-2", "geladeira-inox-3"}


def test_unique_slug_stays_within_the_domain_limit() -> None:
    taken: set[str] = set()
    long_name = " ".join(["Refrigerador"] * 20)
    slugs = [unique_slug(long_name, taken) for _ in range(12)]
    assert len(set(slugs)) == 12
    assert all(_is_valid_slug(slug) for slug in slugs)
    assert slugs[11].endswith("-12")


def test_unique_slug_of_unsluggable_text() -> None:
    assert unique_slug("!!!", set()) == "produto"


# ---------------------------------------------------------------------- names


def test_every_template_names_distinct_products() -> None:
    names = [
        render_name(line, choice)
        for leaf in leaf_categories()
        for line in leaf.spec.lines
        for choice in line_choices(line)
    ]
    assert len(names) == catalog_capacity()
    assert len(set(names)) == len(names)
    assert all("  " not in name and name == name.strip() for name in names)
    assert all(1 <= len(name) <= 300 for name in names)


def test_catalog_names_and_slugs_are_unique_and_valid(catalog: DemoCatalog) -> None:
    assert len(catalog.products) == PRODUCTS
    names = [product.name for product in catalog.products]
    slugs = [product.slug for product in catalog.products]
    assert len(set(names)) == PRODUCTS
    assert len(set(slugs)) == PRODUCTS
    assert all(_is_valid_slug(slug) for slug in slugs)


def test_catalog_reads_like_a_brazilian_shop(catalog: DemoCatalog) -> None:
    names = [product.name for product in catalog.products]
    for phrase in ("Smartphone Samsung Galaxy", "iPhone", "Smart TV", "Geladeira", "Notebook"):
        assert any(name.startswith(phrase) for name in names), phrase
    # Accented Portuguese names, for search tests that fold accents.
    assert sum(1 for name in names if re.search(r"[áâãàçéêíóôõú]", name, re.I)) > 100
    assert all(product.description for product in catalog.products)


def test_attributes_are_the_options_in_the_name(catalog: DemoCatalog) -> None:
    for product in catalog.products:
        assert product.attributes
        for value in product.attributes.values():
            assert value and value in product.name


def test_same_seed_same_catalog_other_seed_other_catalog() -> None:
    first = build_catalog(200, seed=7, now=NOW)
    assert build_catalog(200, seed=7, now=NOW) == first
    assert build_catalog(200, seed=8, now=NOW).products != first.products


def test_more_products_than_the_templates_can_name() -> None:
    with pytest.raises(ValueError, match="distinct products"):
        build_catalog(catalog_capacity() + 1, seed=1, now=NOW)


def test_zero_products_still_plans_stores_and_categories() -> None:
    empty = build_catalog(0, seed=1, now=NOW)
    assert empty.products == ()
    assert empty.stores and empty.categories


# --------------------------------------------------------- stores, categories


def test_stores() -> None:
    assert 6 <= len(STORES) <= 8
    assert len({store.slug for store in STORES}) == len(STORES)
    assert len({store.sku_prefix for store in STORES}) == len(STORES)
    for store in STORES:
        assert _is_valid_slug(store.slug)
        assert store.url.startswith("https://")
    # Every root is sold by enough stores for the 1-5 offers of its products.
    for root in CATEGORY_TREE:
        assert len(stores_selling(root.slug)) >= 4, root.slug


def test_category_tree() -> None:
    categories = plan_categories()
    assert 30 <= len(categories) <= 45
    slugs = [category.slug for category in categories]
    assert len(set(slugs)) == len(slugs)
    assert all(_is_valid_slug(slug) for slug in slugs)
    seen: set[str] = set()
    for category in categories:
        assert category.parent_slug is None or category.parent_slug in seen
        seen.add(category.slug)

    def depth(spec: CategorySpec) -> int:
        return 1 + max((depth(child) for child in spec.children), default=0)

    assert {depth(root) for root in CATEGORY_TREE} <= {2, 3}


def test_products_live_in_leaf_categories(catalog: DemoCatalog) -> None:
    leaves = {leaf.spec.slug for leaf in leaf_categories()}
    per_leaf = Counter(product.category_slug for product in catalog.products)
    assert set(per_leaf) == leaves
    assert per_leaf["celulares-e-smartphones"] > per_leaf["barbeadores"]


# --------------------------------------------------------------------- prices


@pytest.mark.parametrize("reais", [0.4, 9.5, 49.2, 99.99, 100.0, 1234.5, 8999.0, 15999.0])
def test_charm_price_is_a_shop_price_near_the_input(reais: float) -> None:
    rng = random.Random(1)
    for _ in range(20):
        minor = charm_price(reais, rng)
        assert minor > 0
        if reais < 100:
            assert minor % 100 == 90
            assert abs(minor / 100 - reais) < 1
        else:
            assert minor % 100 in (0, 90, 99)
            assert (minor // 100) % 10 == 9
            assert abs(minor / 100 - reais) <= 11


def test_list_price_discount_stays_between_5_and_40_percent() -> None:
    rng = random.Random(3)
    for price in (2990, 9990, 49990, 189900, 1299999):
        for _ in range(200):
            original = list_price_for(price, rng)
            assert original % 100 == 0
            discount = 1 - price / original
            assert DISCOUNT_RANGE[0] <= discount <= 0.40


def test_reference_price_stays_in_the_line_range_and_rises_with_storage() -> None:
    leaf = next(leaf for leaf in leaf_categories() if leaf.spec.slug == "celulares-e-smartphones")
    rng = random.Random(5)
    for line in leaf.spec.lines:
        low, high = line.price_reais
        for choice in line_choices(line):
            assert 0.0 <= price_position(line, choice) <= 1.0
            assert low <= reference_price_reais(line, choice, rng) <= high
    iphone = next(line for line in leaf.spec.lines if line.brand == "Apple")
    small = {"modelo": "15", "armazenamento": "128GB", "cor": "Azul"}
    large = {"modelo": "15", "armazenamento": "512GB", "cor": "Azul"}
    assert price_position(iphone, small) < price_position(iphone, large)


def test_smartphone_offers_cost_what_smartphones_cost(catalog: DemoCatalog) -> None:
    phones = [p for p in catalog.products if p.category_slug == "celulares-e-smartphones"]
    prices = [offer.price_minor for product in phones for offer in product.offers]
    assert min(prices) >= 70_000
    assert max(prices) <= 1_000_000


# --------------------------------------------------------------------- offers


def test_offers_come_from_distinct_stores_that_sell_the_category(catalog: DemoCatalog) -> None:
    root_of = {leaf.spec.slug: leaf.root_slug for leaf in leaf_categories()}
    for product in catalog.products:
        stores = [offer.store_slug for offer in product.offers]
        assert 1 <= len(stores) <= 5
        assert len(set(stores)) == len(stores)
        sellers = {store.slug for store in stores_selling(root_of[product.category_slug])}
        assert set(stores) <= sellers


def test_offer_external_ids_are_unique_per_store(catalog: DemoCatalog) -> None:
    keys = [(o.store_slug, o.external_id) for p in catalog.products for o in p.offers]
    assert len(set(keys)) == len(keys)
    assert all(re.fullmatch(r"SKU-[A-Z]{3}-\d{6}", external_id) for _, external_id in keys)


def test_offer_prices_of_a_product_stay_close(catalog: DemoCatalog) -> None:
    for product in catalog.products:
        prices = [offer.price_minor for offer in product.offers]
        # OFFER_SPREAD is 0.93-1.10; charm rounding moves a price by at most
        # ten reais, which matters only for cheap products.
        assert max(prices) <= min(prices) * 1.10 / 0.93 + 2_000


def test_offer_discounts_and_stock(catalog: DemoCatalog) -> None:
    offers = [offer for product in catalog.products for offer in product.offers]
    for offer in offers:
        assert offer.price_minor > 0
        if offer.original_price_minor is not None:
            discount = 1 - offer.price_minor / offer.original_price_minor
            assert 0.05 <= discount <= 0.40
    in_stock = sum(offer.in_stock for offer in offers) / len(offers)
    assert abs(in_stock - IN_STOCK_SHARE) < 0.03
    assert 0.3 < sum(o.original_price_minor is not None for o in offers) / len(offers) < 0.6


def test_ratings_reviews_and_images(catalog: DemoCatalog) -> None:
    for product in catalog.products:
        assert Decimal("3.0") <= product.rating <= Decimal("5.0")
        assert product.rating == product.rating.quantize(Decimal("0.1"))
        assert product.review_count >= 1
        assert product.image_url.startswith("https://img.example.com.br/")
        assert product.image_url.endswith(".jpg")
        assert NOW - timedelta(days=366) <= product.created_at <= NOW - timedelta(days=1)


# -------------------------------------------------------------- price history


def test_history_ends_in_the_current_offer(catalog: DemoCatalog) -> None:
    for product in catalog.products:
        for offer in product.offers:
            last = offer.history[-1]
            assert (last.price_minor, last.original_price_minor, last.in_stock) == (
                offer.price_minor,
                offer.original_price_minor,
                offer.in_stock,
            )
            assert last.last_seen_at == offer.last_seen_at == offer.observed_at
            assert offer.price_since == last.valid_from
            assert offer.created_at == offer.history[0].valid_from


def test_history_is_a_sequence_of_changes_in_the_window(catalog: DemoCatalog) -> None:
    window_start = NOW - timedelta(days=HISTORY_DAYS)
    for product in catalog.products:
        for offer in product.offers:
            points = offer.history
            assert 1 <= len(points) <= 6
            assert points[0].valid_from >= max(product.created_at, window_start)
            assert offer.last_seen_at <= NOW
            for earlier, later in pairwise(points):
                assert earlier.valid_from <= earlier.last_seen_at < later.valid_from
                assert (earlier.price_minor, earlier.in_stock) != (
                    later.price_minor,
                    later.in_stock,
                )
            for point in points:
                assert point.price_minor > 0
                original = point.original_price_minor
                assert original is None or original > point.price_minor


def test_history_in_a_very_short_window_has_distinct_starts() -> None:
    start = NOW - timedelta(seconds=2)
    current = PriceState(price_minor=19_990, original_price_minor=None, in_stock=True)
    for seed in range(50):
        points = price_history(current, None, start, NOW, random.Random(seed))
        assert 1 <= len(points) <= 3
        starts = [point.valid_from for point in points]
        assert starts == sorted(set(starts))
        assert points[-1].last_seen_at == NOW
