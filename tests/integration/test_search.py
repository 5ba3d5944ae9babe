"""SearchService through real channels, embedded backend: writes become
searchable at once, filters and facets, sorts, pages, highlighting,
settings, and bad or hostile input."""

from __future__ import annotations

import asyncio
import math
import uuid
from typing import Any

import grpc
import pytest
from vitrine.catalog.v1 import catalog_service_pb2 as capi
from vitrine.search.v1 import search_service_pb2 as api

from tests.support import (
    Env,
    expect_error,
    make_category,
    make_offer,
    make_product,
    make_store,
    violated_fields,
)

pytestmark = pytest.mark.asyncio

INVALID = grpc.StatusCode.INVALID_ARGUMENT
BRAND, CATEGORY, STORE, PRICE = 1, 2, 3, 4


def word() -> str:
    """A word no other test uses: letters only, so typo rules apply to it."""
    return "zq" + "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:10])


async def search(env: Env, query: str, **fields: Any) -> api.SearchProductsResponse:
    return await env.search.SearchProducts(api.SearchProductsRequest(query=query, **fields))


def ids(response: api.SearchProductsResponse) -> list[int]:
    return [h.product.id for h in response.hits]


def facet(response: api.SearchProductsResponse, field: int) -> dict[str, int]:
    for f in response.facets:
        if f.field == field:
            return {v.value: v.count for v in f.values}
    raise AssertionError(f"facet {field} missing")


async def test_writes_are_searchable_at_once(env: Env) -> None:
    first, second = word(), word()
    category = await make_category(env.catalog)
    product = await make_product(env.catalog, category.id, name=f"Cafeteira {first}")
    assert ids(await search(env, first)) == [product.id]

    await env.catalog.UpdateProduct(
        capi.UpdateProductRequest(
            product=dict(id=product.id, name=f"Cafeteira {second}"),
            update_mask={"paths": ["name"]},
        )
    )
    assert ids(await search(env, second)) == [product.id]
    assert ids(await search(env, first)) == []

    await env.catalog.DeleteProduct(capi.DeleteProductRequest(id=product.id))
    assert ids(await search(env, second)) == []
    await env.catalog.UndeleteProduct(capi.UndeleteProductRequest(id=product.id))
    assert ids(await search(env, second)) == [product.id]


async def test_fields_are_weighted_name_first(env: Env) -> None:
    w = word()
    category = await make_category(env.catalog)
    in_description = await make_product(
        env.catalog, category.id, name="Produto A", description=f"Combina com {w}."
    )
    in_brand = await make_product(env.catalog, category.id, name="Produto B", brand=w)
    in_name = await make_product(env.catalog, category.id, name=f"Produto {w}")
    in_category = await make_product(
        env.catalog, (await make_category(env.catalog, name=f"Linha {w}")).id, name="Produto C"
    )
    assert ids(await search(env, w)) == [in_name.id, in_brand.id, in_category.id, in_description.id]


async def test_filters_and_facets_that_ignore_their_own_filter(env: Env) -> None:
    w = word()
    parent = await make_category(env.catalog, name="Casa")
    child = await make_category(env.catalog, parent_id=parent.id, name="Cozinha")
    other = await make_category(env.catalog, name="Outra")
    store_a, store_b = await make_store(env.catalog), await make_store(env.catalog)
    specs = [
        # (category, brand, price, store, in stock, rating)
        (child, "Arno", 10000, store_a, True, 4.5),
        (child, "Arno", 30000, store_b, True, 3.0),
        (parent, "Oster", 50000, store_a, False, 4.0),
        (other, "Mondial", 90000, store_b, True, 2.0),
    ]
    products = []
    for category, brand, price, store, in_stock, rating in specs:
        p = await make_product(
            env.catalog, category.id, name=f"Liquidificador {w}", brand=brand, rating=rating
        )
        await make_offer(env.catalog, p.id, store.id, price, in_stock=in_stock)
        products.append(p)
    facets = [
        dict(field=BRAND),
        dict(field=CATEGORY),
        dict(field=STORE),
        dict(field=PRICE, price_edges_minor=[20000, 60000]),
    ]

    everything = await search(env, w, facets=facets)
    assert everything.estimated_total_hits == 4
    assert facet(everything, BRAND) == {"Arno": 2, "Oster": 1, "Mondial": 1}
    assert facet(everything, CATEGORY) == {str(child.id): 2, str(parent.id): 1, str(other.id): 1}
    assert facet(everything, STORE) == {str(store_a.id): 2, str(store_b.id): 2}
    assert facet(everything, PRICE) == {"..20000": 1, "20000..60000": 2, "60000..": 1}
    labels = {v.value: v.label for f in everything.facets if f.field == CATEGORY for v in f.values}
    assert labels[str(child.id)] == "Cozinha"

    # A category filter takes descendants; its facet still shows the others.
    in_parent = await search(env, w, filter=dict(category_ids=[parent.id]), facets=facets)
    assert set(ids(in_parent)) == {p.id for p in products[:3]}
    assert facet(in_parent, CATEGORY) == facet(everything, CATEGORY)
    assert facet(in_parent, BRAND) == {"Arno": 2, "Oster": 1}

    arno = await search(env, w, filter=dict(brands=["ARNO"]), facets=facets)
    assert set(ids(arno)) == {products[0].id, products[1].id}
    assert facet(arno, BRAND) == facet(everything, BRAND)
    assert facet(arno, PRICE) == {"..20000": 1, "20000..60000": 1, "60000..": 0}

    store = await search(env, w, filter=dict(store_ids=[store_b.id]), facets=facets)
    assert set(ids(store)) == {products[1].id, products[3].id}
    assert facet(store, STORE) == facet(everything, STORE)

    priced = await search(env, w, filter=dict(min_price_minor=20000, max_price_minor=60000))
    assert set(ids(priced)) == {products[1].id, products[2].id}
    rated = await search(env, w, filter=dict(min_rating=3.5))
    assert set(ids(rated)) == {products[0].id, products[2].id}
    stocked = await search(env, w, filter=dict(in_stock_only=True))
    assert set(ids(stocked)) == {products[0].id, products[1].id, products[3].id}


async def test_sorts_and_pages(env: Env) -> None:
    w = word()
    category = await make_category(env.catalog)
    store = await make_store(env.catalog)
    prices = [50000, 10000, 30000, 20000, 40000]
    products = []
    for i, price in enumerate(prices):
        p = await make_product(env.catalog, category.id, name=f"Ventilador {w}", rating=i)
        await make_offer(env.catalog, p.id, store.id, price, original=60000)
        products.append(p)
    by_price = [p.id for _, p in sorted(zip(prices, products, strict=True))]

    cheapest = await search(env, w, sort=api.SEARCH_SORT_PRICE_ASC)
    assert ids(cheapest) == by_price
    dearest = await search(env, w, sort=api.SEARCH_SORT_PRICE_DESC)
    assert ids(dearest) == by_price[::-1]
    assert ids(await search(env, w, sort=api.SEARCH_SORT_DISCOUNT)) == by_price
    assert ids(await search(env, w, sort=api.SEARCH_SORT_RATING)) == [p.id for p in products[::-1]]
    assert ids(await search(env, w, sort=api.SEARCH_SORT_NEWEST)) == [p.id for p in products[::-1]]

    pages = [
        await search(env, w, sort=api.SEARCH_SORT_PRICE_ASC, page=n, page_size=2)
        for n in (1, 2, 3, 4)
    ]
    assert [ids(p) for p in pages] == [by_price[0:2], by_price[2:4], by_price[4:], []]
    assert {p.estimated_total_hits for p in pages} == {5}
    assert pages[0].hits[0].product.best_price.amount_minor == 10000
    assert pages[0].processing_time.ToNanoseconds() > 0
    assert pages[0].backend == "tantivy" and not pages[0].degraded


async def test_highlighting_with_caller_tags(env: Env) -> None:
    w = word()
    category = await make_category(env.catalog)
    filler = " ".join(f"palavra{i}" for i in range(60))
    await make_product(
        env.catalog,
        category.id,
        name=f"Geladeira {w} Inox",
        brand="Brastemp",
        description=f"{filler} A {w} gela rápido. {filler}",
    )
    response = await search(
        env,
        f"{w} brastemp",
        highlight=dict(pre_tag="[[", post_tag="]]", crop_words=10),
    )
    hit = response.hits[0]
    assert hit.name_highlighted == f"Geladeira [[{w}]] Inox"
    assert hit.brand_highlighted == "[[Brastemp]]"
    assert f"[[{w}]]" in hit.description_snippet
    assert len(hit.description_snippet.split()) <= 12
    default = await search(env, w)
    assert f"<em>{w}</em>" in default.hits[0].name_highlighted


async def test_typos_accents_and_prefixes_on_new_words(env: Env) -> None:
    category = await make_category(env.catalog)
    w = word()
    while w[3] == w[4]:  # swapping equal letters would be no typo at all
        w = word()
    product = await make_product(env.catalog, category.id, name=f"Aparelho {w} Câmera")
    misspelled = w[:3] + w[4] + w[3] + w[5:]  # two neighbours swapped: one typo
    response = await search(env, misspelled)
    assert ids(response) == [product.id]
    assert response.corrected_query == w
    assert ids(await search(env, f"{w} camera")) == [product.id]
    assert ids(await search(env, f"{w} CÂMERA")) == [product.id]
    prefix = await search(env, w[:-3])
    assert product.id in ids(prefix) and prefix.corrected_query == ""


async def test_partial_match_when_no_product_has_every_word(env: Env) -> None:
    w = word()
    category = await make_category(env.catalog)
    product = await make_product(env.catalog, category.id, name=f"Batedeira {w}")
    response = await search(env, f"{w} {word()}")
    assert ids(response) == [product.id] and response.partial_match


async def test_settings_change_synonyms_and_stop_words(env: Env) -> None:
    before = (await env.search.GetSearchSettings(api.GetSearchSettingsRequest())).settings
    assert ["geladeira", "refrigerador"] in [list(g.terms) for g in before.synonym_groups]
    assert "de" in before.stop_words
    a, b = word(), word()
    category = await make_category(env.catalog)
    product = await make_product(env.catalog, category.id, name=f"Forno {a}")
    assert ids(await search(env, b)) == []
    try:
        groups = [*before.synonym_groups, api.SynonymGroup(terms=[a, f"  {b.upper()} "])]
        updated = await env.search.UpdateSearchSettings(
            api.UpdateSearchSettingsRequest(
                settings=dict(synonym_groups=groups, stop_words=[*before.stop_words, "forno"])
            )
        )
        assert list(updated.settings.synonym_groups[-1].terms) == [a, b]
        assert ids(await search(env, b)) == [product.id]
        # "forno" is now a stop word: ignored beside other words, kept alone.
        assert ids(await search(env, f"forno {a}")) == [product.id]
        assert product.id in ids(await search(env, "forno"))
    finally:
        await env.search.UpdateSearchSettings(api.UpdateSearchSettingsRequest(settings=before))
    assert ids(await search(env, b)) == []


async def test_suggestions(env: Env) -> None:
    w = word()
    category = await make_category(env.catalog)
    names = [f"Panela {w} Inox", f"Panela {w} Cerâmica", f"Frigideira {w}"]
    for i, name in enumerate(names):
        await make_product(env.catalog, category.id, name=name, review_count=i)
    response = await env.search.SuggestProducts(
        api.SuggestProductsRequest(prefix=f"panela {w[:6]}", highlight=dict(pre_tag="*"))
    )
    assert [s.text for s in response.suggestions] == [names[1], names[0]]
    assert response.suggestions[0].highlighted.startswith("*Panela</em> *")
    limited = await env.search.SuggestProducts(api.SuggestProductsRequest(prefix=w, limit=1))
    assert [s.text for s in limited.suggestions] == [names[2]]
    other = await make_category(env.catalog)
    scoped = await env.search.SuggestProducts(
        api.SuggestProductsRequest(prefix=w, category_ids=[other.id])
    )
    assert list(scoped.suggestions) == []


@pytest.mark.parametrize(
    "hostile",
    [
        "'; DROP TABLE products; --",
        'brand = "Apple" OR 1=1',
        "a:* & !b | (c <-> d)",
        "%_\\ LIKE '%'",
        "\x01\x02 emoji 🎉 ﷽",
        "price < 10 AND category IN [1, 2]",
        "'" * 200,
    ],
)
async def test_hostile_strings_are_searched_literally(env: Env, hostile: str) -> None:
    response = await search(env, hostile, facets=[dict(field=BRAND)])
    assert response.estimated_total_hits >= 0
    assert await env.pool.fetchval("SELECT count(*) FROM products") > 0
    await env.search.SuggestProducts(api.SuggestProductsRequest(prefix=hostile[:100]))


async def test_nul_is_refused_like_in_every_text_field(env: Env) -> None:
    # No text field of the API takes U+0000 (PostgreSQL cannot store it):
    # the RPC boundary refuses it the same way everywhere, searches included.
    err = await expect_error(
        env.search.SearchProducts(api.SearchProductsRequest(query="\x00\x01 emoji 🎉")),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert violated_fields(err) == {"query"}
    err = await expect_error(
        env.search.SuggestProducts(api.SuggestProductsRequest(prefix="tv\x00")),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert violated_fields(err) == {"prefix"}


@pytest.mark.parametrize(
    ("fields", "violated"),
    [
        (dict(query=""), {"query"}),
        (dict(query="   "), {"query"}),
        (dict(query="x" * 201), {"query"}),
        (dict(query=" ".join(["palavra"] * 17)), {"query"}),
        (dict(query="tv", facets=[dict(field=0)]), {"facets[0].field"}),
        (dict(query="tv", facets=[dict(field=99)]), {"facets[0].field"}),
        (dict(query="tv", facets=[dict(field=BRAND), dict(field=BRAND)]), {"facets[1].field"}),
        (dict(query="tv", facets=[dict(field=PRICE)]), {"facets[0].price_edges_minor"}),
        (
            dict(query="tv", facets=[dict(field=PRICE, price_edges_minor=[500, 100])]),
            {"facets[0].price_edges_minor"},
        ),
        (
            dict(query="tv", facets=[dict(field=BRAND, price_edges_minor=[100])]),
            {"facets[0].price_edges_minor"},
        ),
        (dict(query="tv", page_size=101), {"page_size"}),
        (dict(query="tv", page_size=-1), {"page_size"}),
        (dict(query="tv", page=-1), {"page"}),
        (dict(query="tv", page=11, page_size=100), {"page"}),
        (dict(query="tv", sort=99), {"sort"}),
        (dict(query="tv", filter=dict(min_rating=5.5)), {"filter.min_rating"}),
        (dict(query="tv", filter=dict(min_rating=math.nan)), {"filter.min_rating"}),
        (dict(query="tv", filter=dict(category_ids=[0])), {"filter.category_ids[0]"}),
        (dict(query="tv", filter=dict(store_ids=[-3])), {"filter.store_ids[0]"}),
        (dict(query="tv", filter=dict(brands=[""])), {"filter.brands[0]"}),
        (
            dict(query="tv", filter=dict(min_price_minor=500, max_price_minor=100)),
            {"filter.max_price_minor"},
        ),
        (dict(query="tv", filter=dict(min_price_minor=-1)), {"filter.min_price_minor"}),
        (dict(query="tv", highlight=dict(pre_tag="<" * 65)), {"highlight.pre_tag"}),
        (dict(query="tv", highlight=dict(crop_words=3)), {"highlight.crop_words"}),
    ],
)
async def test_bad_search_requests(env: Env, fields: dict[str, Any], violated: set[str]) -> None:
    err = await expect_error(
        env.search.SearchProducts(api.SearchProductsRequest(**fields)), INVALID
    )
    assert violated_fields(err) == violated


@pytest.mark.parametrize(
    ("fields", "violated"),
    [
        (dict(prefix=""), {"prefix"}),
        (dict(prefix="x" * 101), {"prefix"}),
        (dict(prefix="tv", limit=21), {"limit"}),
        (dict(prefix="tv", category_ids=[0]), {"category_ids[0]"}),
    ],
)
async def test_bad_suggest_requests(env: Env, fields: dict[str, Any], violated: set[str]) -> None:
    err = await expect_error(
        env.search.SuggestProducts(api.SuggestProductsRequest(**fields)), INVALID
    )
    assert violated_fields(err) == violated


@pytest.mark.parametrize(
    ("settings", "violated"),
    [
        (dict(synonym_groups=[dict(terms=["tv"])]), {"settings.synonym_groups[0].terms"}),
        (
            dict(synonym_groups=[dict(terms=["tv", "a b c d"])]),
            {"settings.synonym_groups[0].terms[1]", "settings.synonym_groups[0].terms"},
        ),
        (dict(synonym_groups=[dict(terms=["tv", "TV"])]), {"settings.synonym_groups[0].terms"}),
        (dict(stop_words=["de da"]), {"settings.stop_words[0]"}),
        (dict(stop_words=["!!"]), {"settings.stop_words[0]"}),
        (None, {"settings"}),
    ],
)
async def test_bad_settings_change_nothing(
    env: Env, settings: dict[str, Any] | None, violated: set[str]
) -> None:
    before = await env.search.GetSearchSettings(api.GetSearchSettingsRequest())
    request = (
        api.UpdateSearchSettingsRequest()
        if settings is None
        else api.UpdateSearchSettingsRequest(settings=settings)
    )
    err = await expect_error(env.search.UpdateSearchSettings(request), INVALID)
    assert violated_fields(err) == violated
    assert await env.search.GetSearchSettings(api.GetSearchSettingsRequest()) == before


async def test_reindex_rebuilds_into_a_new_folder_while_searching(env: Env) -> None:
    w, gone, renamed = word(), word(), word()
    category = await make_category(env.catalog)
    product = await make_product(env.catalog, category.id, name=f"Grill {w}")
    deleted = await make_product(env.catalog, category.id, name=f"Grill {gone}")
    await env.catalog.DeleteProduct(capi.DeleteProductRequest(id=deleted.id))
    assert ids(await search(env, w)) == [product.id]  # the index has both writes
    # A change made behind the outbox's back (triggers off for this session)
    # leaves the index stale: only a rebuild from the tables sees it.
    async with env.pool.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL session_replication_role = replica")
        await conn.execute(
            "UPDATE products SET name = $2 WHERE id = $1", product.id, f"Grill {w} {renamed}"
        )
    assert ids(await search(env, renamed)) == []
    before = env.server.search_engine.reader.folder
    seen: list[tuple[int, int]] = []

    async def progress(done: int, total: int) -> None:
        seen.append((done, total))

    reindex = asyncio.create_task(env.server.search_maintenance.reindex(progress))
    while not reindex.done():  # searches go on, from the old folder, during the build
        assert ids(await search(env, w)) == [product.id]
        await asyncio.sleep(0.01)
    count = await reindex
    total = await env.pool.fetchval("SELECT count(*) FROM products WHERE deleted_at IS NULL")
    assert count == total and seen[0] == (0, total) and seen[-1] == (total, total)
    assert ids(await search(env, f"{w} {renamed}")) == [product.id]
    assert ids(await search(env, gone)) == []
    assert env.server.search_engine.reader.folder != before
    health = await env.server.search_maintenance.health()
    assert health.backend == "tantivy" and health.reachable and health.version
