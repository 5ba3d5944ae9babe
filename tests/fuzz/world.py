"""The fuzz run's ground: a small catalog built through the API, and one or
more valid requests ("seeds") for every RPC of every Vitrine service.

Seeds are written as dicts and built into each method's request type found
from the descriptors; `missing_seeds` names the RPCs without one, so a new
RPC fails the fuzz suite until it is given a valid request to mutate.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format, message_factory
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message
from vitrine.admin.v1 import admin_service_pb2
from vitrine.catalog.v1 import catalog_service_pb2
from vitrine.catalog.v1 import catalog_service_pb2 as catalog
from vitrine.pricing.v1 import pricing_service_pb2
from vitrine.pricing.v1 import pricing_service_pb2 as pricing
from vitrine.search.v1 import search_service_pb2

from tests.support import Env, brl, make_category, make_offer, make_product, make_store

SERVICES = (
    catalog_service_pb2.DESCRIPTOR.services_by_name["CatalogService"],
    pricing_service_pb2.DESCRIPTOR.services_by_name["PricingService"],
    search_service_pb2.DESCRIPTOR.services_by_name["SearchService"],
    admin_service_pb2.DESCRIPTOR.services_by_name["AdminService"],
)


def methods() -> list[MethodDescriptor]:
    return [m for s in SERVICES for m in s.methods]


def path_of(method: MethodDescriptor) -> str:
    return f"/{method.containing_service.full_name}/{method.name}"


@dataclass
class World:
    category_id: int
    child_category_id: int
    store_id: int
    product_ids: list[int]
    offer_ids: list[int]
    external_ids: list[str]
    alert_id: int
    api_key_id: str
    user: str


def _ts(at: dt.datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


async def build_world(env: Env) -> World:
    """A catalog with history, favorites, an alert and a key: enough for every
    seed to reach past validation into the stores."""
    root = await make_category(env.catalog, name="Fuzz")
    child = await make_category(env.catalog, parent_id=root.id, name="Fuzz child")
    store = await make_store(env.catalog)
    products, offers, externals = [], [], []
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for i in range(4):
        product = await make_product(
            env.catalog, child.id, name=f"Celular fuzz {i}", brand="Marca", description="texto"
        )
        external = f"FUZZ-{uuid.uuid4().hex[:8]}"
        offer = await make_offer(
            env.catalog,
            product.id,
            store.id,
            100_000 + i,
            original=150_000,
            external_id=external,
            observed=now - dt.timedelta(days=20),
        )
        products.append(product.id)
        offers.append(offer.id)
        externals.append(external)
    # A history with a drop, so history, stats and the deals feed have rows.
    await env.pricing.RecordPriceBatch(
        pricing.RecordPriceBatchRequest(
            batch_id=f"fuzz-world-{uuid.uuid4().hex}",
            observations=[
                dict(offer_id=o, price=brl(price), in_stock=True, observed_time=now - age)
                for o in offers
                for price, age in ((90_000, dt.timedelta(days=10)), (60_000, dt.timedelta(days=1)))
            ],
        )
    )
    user = f"fuzz-{uuid.uuid4().hex[:6]}"
    for p in products[:3]:
        await env.catalog.AddFavorite(catalog.AddFavoriteRequest(user_id=user, product_id=p))
    alerts = []
    for p in products[:3]:
        created = await env.pricing.CreatePriceAlert(
            pricing.CreatePriceAlertRequest(
                alert=dict(user_id=user, product_id=p, kind="ALERT_KIND_ANY_CHANGE")
            )
        )
        alerts.append(created.alert.id)
    key = await env.admin.CreateApiKey(
        admin_service_pb2.CreateApiKeyRequest(api_key=dict(name="fuzz", scopes=["SCOPE_READ"]))
    )
    for i in range(3):
        await env.admin.CreateApiKey(
            admin_service_pb2.CreateApiKeyRequest(api_key=dict(name=f"k{i}", scopes=["SCOPE_READ"]))
        )
    return World(
        category_id=root.id,
        child_category_id=child.id,
        store_id=store.id,
        product_ids=products,
        offer_ids=offers,
        external_ids=externals,
        alert_id=alerts[0],
        api_key_id=key.api_key.id,
        user=user,
    )


def _seed_dicts(w: World) -> dict[str, list[dict[str, Any]]]:
    p, o = w.product_ids, w.offer_ids
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    recent = _ts(now - dt.timedelta(hours=1))
    observation = dict(
        offer_id=o[0], price=brl(99_000), original_price=brl(120_000), in_stock=True,
        observed_time=recent,
    )  # fmt: skip
    by_external = dict(
        store_id=w.store_id, external_id=w.external_ids[1], price=brl(98_000),
        in_stock=False, observed_time=recent,
    )  # fmt: skip
    return {
        # CatalogService
        "GetProduct": [{"id": p[0]}, {"id": p[1], "max_staleness": "2s"}],
        "BatchGetProducts": [{"ids": [*p, 987_654]}, {"ids": p[:2], "show_deleted": True}],
        "ListProducts": [
            {"page_size": 1},
            {
                "page_size": 2,
                "order_by": "PRODUCT_ORDER_RATING",
                "filter": {
                    "category_id": w.category_id,
                    "brands": ["Marca"],
                    "store_ids": [w.store_id],
                    "min_price": brl(1),
                    "max_price": brl(10**9),
                    "in_stock_only": True,
                },
            },
            {"page_size": 1, "order_by": "PRODUCT_ORDER_BEST_PRICE"},
            {"page_size": 1, "order_by": "PRODUCT_ORDER_DISCOUNT"},
        ],
        "CreateProduct": [
            {
                "product": {
                    "slug": f"fuzz-{uuid.uuid4().hex[:8]}",
                    "name": "Produto",
                    "description": "d",
                    "brand": "b",
                    "category_id": w.child_category_id,
                    "attributes": {"cor": "azul"},
                    "image_url": "https://img.example.com/x.jpg",
                    "rating": 4.5,
                    "review_count": 3,
                    "external_id": "ext",
                    "source_store_id": w.store_id,
                }
            }
        ],
        "UpdateProduct": [
            {"product": {"id": p[3], "name": "Novo"}, "update_mask": "name"},
            {"product": {"id": p[3], "attributes": {"a": "b"}, "rating": 3.0}},
        ],
        "DeleteProduct": [{"id": p[3]}],
        "UndeleteProduct": [{"id": p[3]}],
        "ListOffers": [{"product_id": p[0], "page_size": 1}],
        "UpsertOffers": [
            {
                "offers": [
                    {
                        "product_id": p[2],
                        "store_id": w.store_id,
                        "external_id": w.external_ids[2],
                        "url": "https://loja.example.com/p",
                        "price": brl(97_000),
                        "original_price": brl(150_000),
                        "in_stock": True,
                        "observed_time": recent,
                    }
                ]
            }
        ],
        "CreateCategory": [
            {"category": {"slug": "fz", "name": "Fz", "parent_id": w.category_id}},
        ],
        "GetCategory": [{"id": w.category_id}],
        "ListCategories": [{}, {"root_id": w.category_id}],
        "CreateStore": [
            {
                "store": {
                    "slug": "fz-store",
                    "name": "Fz",
                    "country_code": "BR",
                    "currency_code": "BRL",
                    "url": "https://fz.example.com",
                }
            }
        ],
        "GetStore": [{"id": w.store_id}],
        "ListStores": [{"page_size": 1}],
        "AddFavorite": [{"user_id": w.user, "product_id": p[3]}],
        "RemoveFavorite": [{"user_id": w.user, "product_id": p[3]}],
        "ListFavorites": [{"user_id": w.user, "page_size": 1}],
        "CheckFavorites": [{"user_id": w.user, "product_ids": p}],
        "RecordProductEvents": [
            {
                "events": [
                    {"product_id": p[0], "kind": "PRODUCT_EVENT_KIND_VIEW", "count": 3},
                    {
                        "product_id": p[1],
                        "kind": "PRODUCT_EVENT_KIND_CLICK_OUT",
                        "occurred_time": recent,
                    },
                ]
            }
        ],
        "ListTrending": [{"limit": 5}, {"category_id": w.category_id}],
        # PricingService
        "RecordPriceBatch": [
            {"batch_id": f"fz-{uuid.uuid4().hex}", "observations": [observation, by_external]}
        ],
        "RecordPrices": [
            {"batch_id": f"fzs-{uuid.uuid4().hex}", "observations": [observation]},
        ],
        "GetPriceHistory": [
            {"offer_id": o[0], "granularity": "GRANULARITY_DAY"},
            {
                "product_id": p[0],
                "series": "PRODUCT_SERIES_BEST_PRICE",
                "start_time": _ts(now - dt.timedelta(days=30)),
                "end_time": _ts(now),
                "granularity": "GRANULARITY_HOUR",
            },
            {"product_id": p[1], "series": "PRODUCT_SERIES_ALL_OFFERS"},
        ],
        "GetPriceStats": [{"product_id": p[0]}],
        "ListPriceDrops": [
            {"min_drop_bps": 100, "page_size": 1},
            {
                "basis": "DROP_BASIS_RECENT_AVERAGE",
                "min_drop_bps": 100,
                "category_id": w.category_id,
                "store_ids": [w.store_id],
                "changed_after": _ts(now - dt.timedelta(days=30)),
                "page_size": 1,
            },
        ],
        "CreatePriceAlert": [
            {
                "alert": {
                    "user_id": w.user,
                    "product_id": p[3],
                    "kind": "ALERT_KIND_TARGET_PRICE",
                    "target_price_minor": 50_000,
                    "expire_time": _ts(now + dt.timedelta(days=30)),
                }
            },
            {
                "alert": {
                    "user_id": w.user,
                    "product_id": p[3],
                    "kind": "ALERT_KIND_PERCENT_DROP",
                    "drop_bps": 1000,
                }
            },
        ],
        "GetPriceAlert": [{"id": w.alert_id}],
        "ListPriceAlerts": [{"user_id": w.user, "page_size": 1}],
        "DeletePriceAlert": [{"id": w.alert_id + 100_000}],
        "StreamTriggeredAlerts": [
            {"consumer_group": "fuzz", "consumer": "c1", "ack_timeout": "5s"},
        ],
        "AckAlerts": [{"consumer_group": "fuzz", "delivery_ids": ["1-0", "1732269600000-0"]}],
        # SearchService
        "SearchProducts": [
            {"query": "celular", "page_size": 3},
            {
                "query": "celular marca",
                "filter": {
                    "category_ids": [w.category_id],
                    "brands": ["Marca"],
                    "store_ids": [w.store_id],
                    "min_price_minor": 1,
                    "max_price_minor": 10**9,
                    "min_rating": 0.5,
                    "in_stock_only": True,
                },
                "facets": [
                    {"field": "FIELD_BRAND"},
                    {"field": "FIELD_PRICE", "price_edges_minor": [50_000, 100_000]},
                ],
                "sort": "SEARCH_SORT_PRICE_ASC",
                "page": 2,
                "page_size": 5,
                "highlight": {"pre_tag": "<b>", "post_tag": "</b>", "crop_words": 10},
            },
        ],
        "SuggestProducts": [
            {"prefix": "cel", "limit": 5, "category_ids": [w.category_id]},
        ],
        "GetSearchSettings": [{}],
        "UpdateSearchSettings": [
            {
                "settings": {
                    "synonym_groups": [{"terms": ["celular", "smartphone"]}],
                    "stop_words": ["de", "da"],
                }
            }
        ],
        # AdminService
        "GetStatus": [{}],
        "GetMigrationStatus": [{}],
        "ApplyMigrations": [{}],
        "GetDatabaseStats": [{"limit": 5}],
        "ListSlowQueries": [{"limit": 5, "order_by": "SLOW_QUERY_ORDER_MEAN_TIME"}],
        "ListUnusedIndexes": [{"include_unique": True}],
        "ListStatements": [{}],
        "ExplainStatement": [
            {"statement": "catalog.products.get_products", "parameters": [f"[{p[0]}]"]},
        ],
        "GetCacheStats": [{}],
        "InvalidateCache": [
            {"entities": {"entity": "CACHE_ENTITY_PRODUCT", "ids": p}},
            {"key_prefix": "store:"},
        ],
        "ReindexSearch": [{}],
        "GetOperation": [{"name": "operations/0123456789abcdef"}],
        "ListPartitions": [{}],
        "MaintainPartitions": [{"retention_months": 0, "mode": "RETENTION_MODE_DETACH"}],
        "CreateApiKey": [
            {
                "api_key": {
                    "name": "fuzz-made",
                    "scopes": ["SCOPE_READ", "SCOPE_WRITE"],
                    "requests_per_minute": 600,
                    "burst": 10,
                    "expire_time": _ts(now + dt.timedelta(days=1)),
                }
            }
        ],
        "ListApiKeys": [{"page_size": 1}, {"page_size": 2, "show_revoked": True}],
        "RevokeApiKey": [{"id": w.api_key_id}],
    }


def seeds(world: World) -> dict[str, list[Message]]:
    """Valid requests per method path (`/package.Service/Method`)."""
    dicts = _seed_dicts(world)
    out: dict[str, list[Message]] = {}
    for method in methods():
        request_class = message_factory.GetMessageClass(method.input_type)
        out[path_of(method)] = [
            json_format.ParseDict(d, request_class()) for d in dicts.get(method.name, [])
        ]
    return out


def missing_seeds(world: World) -> list[str]:
    return [path for path, found in seeds(world).items() if not found]
