"""The RPC boundary's checks (rpc/guard.py, rpc/decoding.py) on requests of
the real API, without a server; and the throttled log they write to."""

from __future__ import annotations

import logging

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from vitrine.admin.v1 import admin_service_pb2 as admin
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine.pricing.v1 import pricing_service_pb2 as pricing
from vitrine.search.v1 import search_service_pb2 as search
from vitrine_server import log as vlog
from vitrine_server.errors import InvalidArgument
from vitrine_server.rpc.decoding import Undecodable, decoder
from vitrine_server.rpc.guard import MAX_VALUES, RequestGuard

OBSERVATIONS = "vitrine.pricing.v1.RecordPriceBatchRequest.observations"


def guard(request_type, exempt=()) -> RequestGuard:  # type: ignore[no-untyped-def]
    return RequestGuard(request_type.DESCRIPTOR, "/test/Method", exempt)


def refused(request) -> set[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgument) as caught:
        guard(type(request))(request)
    return {v.field for v in caught.value.violations}


def test_valid_requests_pass():
    guard(api.GetProductRequest)(api.GetProductRequest(id=1, max_staleness=dict(seconds=2)))
    guard(api.CreateProductRequest)(
        api.CreateProductRequest(
            product=dict(name="Nome é 🙂", attributes={"cor": "azul"}, rating=4.5)
        )
    )


def test_each_kind_of_value_anywhere_in_a_request():
    assert refused(api.CreateProductRequest(product=dict(attributes={"a\x00": "b"}))) == {
        "product.attributes['a\\x00']"
    }
    assert refused(admin.CreateApiKeyRequest(api_key=dict(scopes=[1, 99]))) == {"api_key.scopes[1]"}
    assert refused(api.ListProductsRequest(order_by=-1)) == {"order_by"}
    assert refused(search.SearchProductsRequest(filter=dict(min_rating=float("nan")))) == {
        "filter.min_rating"
    }
    assert refused(api.GetProductRequest(max_staleness=dict(seconds=1, nanos=-1))) == {
        "max_staleness"
    }
    assert refused(
        api.UpdateProductRequest(
            product=dict(update_time=Timestamp(nanos=1_000_000_000)),
            update_mask=dict(paths=["name", "x\x00"]),
        )
    ) == {"product.update_time", "update_mask.paths[1]"}
    assert refused(api.CheckFavoritesRequest(product_ids=[1] * 10_001)) == {"product_ids"}
    assert refused(api.AddFavoriteRequest(user_id="x" * 70_000)) == {"user_id"}


def test_lists_of_lists_are_bounded_in_all():
    groups = [dict(terms=["a"] * 200)] * (MAX_VALUES // 200 + 1)
    request = search.UpdateSearchSettingsRequest(settings=dict(synonym_groups=groups))
    (field,) = refused(request)
    assert field.startswith("settings.synonym_groups")


def test_items_a_service_judges_alone_are_left_to_it():
    bad = dict(external_id="a\x00", observed_time=Timestamp(nanos=-1))
    request = pricing.RecordPriceBatchRequest(batch_id="b", observations=[bad, bad])
    guard(pricing.RecordPriceBatchRequest, exempt=[OBSERVATIONS])(request)  # no error
    assert refused(request) == {
        "observations[0].external_id",
        "observations[0].observed_time",
        "observations[1].external_id",
        "observations[1].observed_time",
    }
    # Their number is still bounded, and the batch's own fields still checked.
    request.batch_id = "\x00"
    with pytest.raises(InvalidArgument):
        guard(pricing.RecordPriceBatchRequest, exempt=[OBSERVATIONS])(request)


def test_undecodable_bytes_are_refused_as_malformed():
    decode = decoder(api.AddFavoriteRequest)
    assert decode(b"\x0a\x01a").user_id == "a"
    for data in (b"\x0a\x03\xed\xa0\x80", b"\x00", b"\x0a\xff\xff\xff\xff\x0f", b"\x0a\x05ab"):
        request = decode(data)
        assert isinstance(request, Undecodable)
        with pytest.raises(InvalidArgument) as caught:
            guard(api.AddFavoriteRequest)(request)
        assert caught.value.reason == "MALFORMED_REQUEST"


def test_throttled_log_counts_what_it_held_back(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(vlog.time, "monotonic", lambda: clock[0])
    records: list[logging.LogRecord] = []
    logger = logging.getLogger("test.throttled")
    logger.addHandler(type("H", (logging.Handler,), {"emit": lambda self, r: records.append(r)})())
    throttled = vlog.Throttled(logger, interval=10.0)
    for _ in range(50):
        throttled.warning("bad %s", "x")
    clock[0] += 11
    throttled.warning("bad %s", "y")
    assert [r.getMessage() for r in records] == [
        "bad x",
        "bad y (and 49 more like it since the last such line, not logged)",
    ]
