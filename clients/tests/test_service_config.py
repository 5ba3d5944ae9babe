"""The service config covers every method of every service, explicitly, and
retries only what is safe to send twice."""

from __future__ import annotations

from vitrine.admin.v1 import admin_service_pb2
from vitrine.catalog.v1 import catalog_service_pb2
from vitrine.pricing.v1 import pricing_service_pb2
from vitrine.search.v1 import search_service_pb2
from vitrine_client import service_config

SERVICES = [
    catalog_service_pb2.DESCRIPTOR.services_by_name["CatalogService"],
    pricing_service_pb2.DESCRIPTOR.services_by_name["PricingService"],
    search_service_pb2.DESCRIPTOR.services_by_name["SearchService"],
    admin_service_pb2.DESCRIPTOR.services_by_name["AdminService"],
]

# Writes that must never be sent twice by the channel: each would create a
# second resource, add counts again, or answer an error for a change that
# happened (a retried delete sees NOT_FOUND). The client's README says why
# for each one.
NEVER_RETRIED = {
    "vitrine.catalog.v1.CatalogService/CreateProduct",
    "vitrine.catalog.v1.CatalogService/UpdateProduct",
    "vitrine.catalog.v1.CatalogService/DeleteProduct",
    "vitrine.catalog.v1.CatalogService/UndeleteProduct",
    "vitrine.catalog.v1.CatalogService/CreateCategory",
    "vitrine.catalog.v1.CatalogService/CreateStore",
    "vitrine.catalog.v1.CatalogService/RecordProductEvents",
    "vitrine.pricing.v1.PricingService/CreatePriceAlert",
    "vitrine.pricing.v1.PricingService/DeletePriceAlert",
    "vitrine.admin.v1.AdminService/ReindexSearch",
    "vitrine.admin.v1.AdminService/CreateApiKey",
}
# Streams stay open as long as the caller wants: no default deadline.
NO_DEADLINE = {
    "vitrine.pricing.v1.PricingService/RecordPrices",
    "vitrine.pricing.v1.PricingService/StreamTriggeredAlerts",
}


def _entries() -> dict[str, dict]:
    """Method config by "service/method"; each method named once, by name."""
    entries: dict[str, dict] = {}
    for config in service_config()["methodConfig"]:
        for name in config["name"]:
            assert "method" in name, f"a service-wide entry hides missing methods: {name}"
            key = f"{name['service']}/{name['method']}"
            assert key not in entries, f"{key} is configured twice"
            entries[key] = config
    return entries


def _all_methods() -> set[str]:
    return {f"{s.full_name}/{m.name}" for s in SERVICES for m in s.methods}


def test_every_method_of_every_service_has_an_entry():
    missing = _all_methods() - set(_entries())
    assert not missing, f"methods without a service config entry: {sorted(missing)}"


def test_no_entry_names_a_method_that_does_not_exist():
    unknown = set(_entries()) - _all_methods()
    assert not unknown, f"entries for methods the protos do not have: {sorted(unknown)}"


def test_retries_only_where_a_second_delivery_is_safe():
    entries = _entries()
    retried = {k for k, c in entries.items() if "retryPolicy" in c}
    assert retried == _all_methods() - NEVER_RETRIED
    # The two that motivated the rule.
    assert "vitrine.pricing.v1.PricingService/RecordPriceBatch" in retried  # batch_id
    assert "vitrine.catalog.v1.CatalogService/RecordProductEvents" not in retried  # adds counts
    for key in retried:
        policy = entries[key]["retryPolicy"]
        assert policy["retryableStatusCodes"] == ["UNAVAILABLE"], key
        assert 2 <= policy["maxAttempts"] <= 5, key  # grpc caps attempts at 5


def test_every_unary_method_has_a_default_deadline():
    entries = _entries()
    without = {k for k, c in entries.items() if "timeout" not in c}
    assert without == NO_DEADLINE


def test_retries_are_throttled():
    throttling = service_config()["retryThrottling"]
    assert throttling["maxTokens"] > 0 and 0 < throttling["tokenRatio"] <= 1
