"""The protos' google.api.field_behavior marks say what the server does.

REQUIRED: an empty request to a method whose request has required fields is
refused with INVALID_ARGUMENT, and BadRequest names each required field (or
a field inside it). OUTPUT_ONLY: what a client sends in such a field is
ignored (checked on CreateStore, whose every output-only field is set).
"""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from google.api import field_behavior_pb2
from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, MethodDescriptor
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine_server.app import SERVICES

from tests.support import expect_error, unique, violated_fields


def _behaviors(message: Descriptor, behavior: int) -> list[str]:
    return [
        f.name
        for f in message.fields
        if behavior in f.GetOptions().Extensions[field_behavior_pb2.field_behavior]
    ]


def _unary_methods_with_required_fields() -> list[tuple[MethodDescriptor, list[str]]]:
    return [
        (method, required)
        for service in SERVICES
        for method in service.methods
        if not method.client_streaming and not method.server_streaming
        if (required := _behaviors(method.input_type, field_behavior_pb2.REQUIRED))
    ]


CASES = _unary_methods_with_required_fields()


def test_the_protos_mark_required_and_output_only_fields():
    assert len(CASES) >= 25
    product = api.CreateProductRequest.DESCRIPTOR.fields_by_name["product"].message_type
    assert "create_time" in _behaviors(product, field_behavior_pb2.OUTPUT_ONLY)
    assert "name" in _behaviors(product, field_behavior_pb2.REQUIRED)


@pytest.mark.parametrize(
    ("method", "required"), CASES, ids=[f"{m.containing_service.name}.{m.name}" for m, _ in CASES]
)
async def test_an_empty_request_names_every_required_field(env, method, required):
    request_type: Any = message_factory.GetMessageClass(method.input_type)
    response_type: Any = message_factory.GetMessageClass(method.output_type)
    call = env.channel.unary_unary(
        f"/{method.containing_service.full_name}/{method.name}",
        request_serializer=request_type.SerializeToString,
        response_deserializer=response_type.FromString,
    )
    err = await expect_error(call(request_type()), grpc.StatusCode.INVALID_ARGUMENT)
    named = violated_fields(err)
    for field in required:
        assert any(n == field or n.startswith((f"{field}.", f"{field}[")) for n in named), (
            f"{field} is REQUIRED but the violations name only {sorted(named)}"
        )


async def test_output_only_fields_sent_by_a_client_are_ignored(catalog):
    slug = unique("store")
    sent = api.CreateStoreRequest(
        store=dict(
            id=987654321,
            slug=slug,
            name="Loja",
            country_code="BR",
            currency_code="BRL",
            create_time={"seconds": 86400},
        )
    )
    store = (await catalog.CreateStore(sent)).store
    assert store.id != 987654321 and store.create_time.seconds != 86400
