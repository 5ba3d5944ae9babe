"""Pieces of access control and the admin service that need no server:
tokens, scopes of unannotated methods, parameter conversion for EXPLAIN."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest
from grpc_health.v1 import health_pb2
from vitrine_server.access import scopes, tokens
from vitrine_server.access.authenticator import token_from
from vitrine_server.admin.explain import convert, discover


def test_tokens_carry_their_id_and_only_their_hash_is_kept():
    key_id, token = tokens.new_token()
    assert tokens.key_id_of(token) == key_id
    assert len(tokens.digest(token)) == 32
    assert tokens.same_digest(tokens.digest(token), tokens.digest(token))
    assert not tokens.same_digest(tokens.digest(token), tokens.digest(token + "x"))
    for bad in ("", "vtr_", "vtr_abc", "vtr__secret", "xyz_abc_secret"):
        assert tokens.key_id_of(bad) is None, bad


def test_a_method_without_a_declared_scope_is_admin_only():
    check = health_pb2.DESCRIPTOR.services_by_name["Health"].methods_by_name["Check"]
    assert scopes.declared(check) is None
    assert scopes.required(check) == scopes.ADMIN
    assert "grpc.health.v1.Health.Check" in scopes.undeclared([check.containing_service])


def test_admin_implies_every_scope_and_the_others_are_independent():
    assert all(scopes.allows(scopes.ADMIN, s) for s in scopes.NAME_OF)
    assert scopes.allows(scopes.READ | scopes.WRITE, scopes.WRITE)
    assert not scopes.allows(scopes.WRITE, scopes.READ)
    assert not scopes.allows(scopes.INGEST, scopes.ADMIN)


def test_token_from_metadata():
    assert token_from((("authorization", "Bearer abc"),)) == "abc"
    assert token_from((("authorization", "bearer  abc "),)) == "abc"
    assert token_from((("x-api-key", "abc"),)) == "abc"
    assert token_from((("authorization", "Basic abc"),)) is None
    assert token_from(()) is None


def test_explain_parameters_convert_by_type():
    assert convert("42", "int8", "scalar") == 42
    assert convert("", "int8", "scalar") is None
    assert convert("t", "bool", "scalar") is True
    assert convert("1.50", "numeric", "scalar") == decimal.Decimal("1.50")
    assert convert("2026-11-22T10:00:00Z", "timestamptz", "scalar") == dt.datetime(
        2026, 11, 22, 10, tzinfo=dt.UTC
    )
    assert convert("[1, 2, null]", "int8[]", "array") == [1, 2, None]
    assert convert('["a", "b"]', "text[]", "array") == ["a", "b"]
    assert convert('{"a": 1}', "jsonb", "scalar") == {"a": 1}
    for text, type_name in (("x", "int8"), ("maybe", "bool"), ("{}", "_int8")):
        with pytest.raises(ValueError):
            convert(text, type_name, "array" if type_name.startswith("_") else "scalar")


def test_every_named_statement_has_a_unique_qualified_name():
    statements = discover()
    assert "catalog.stores.get_store" in statements
    assert all(s.sql and not s.sql.startswith("--") for s in statements.values())
