"""AIP-193: every error carries a RequestInfo whose request_id is in the
server's log line for that call, so a caller's report can be found."""

from __future__ import annotations

import json
import logging

import grpc
from vitrine.catalog.v1 import catalog_service_pb2 as api
from vitrine_server.log import JsonFormatter

from tests.support import details, expect_error


def _lines_with(caplog, request_id: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "request_id", None) == request_id]


async def test_a_callers_error_names_its_request_id_in_the_log(catalog, caplog):
    caplog.set_level(logging.INFO, logger="vitrine.rpc")
    err = await expect_error(
        catalog.GetProduct(api.GetProductRequest(id=987_654_321)), grpc.StatusCode.NOT_FOUND
    )
    request_id = details(err)["RequestInfo"].request_id
    (record,) = _lines_with(caplog, request_id)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == request_id
    assert line["code"] == "NOT_FOUND" and "GetProduct" in line["msg"]


async def test_each_failed_call_gets_its_own_request_id(catalog):
    ids = set()
    for _ in range(3):
        err = await expect_error(
            catalog.GetProduct(api.GetProductRequest(id=-1)), grpc.StatusCode.INVALID_ARGUMENT
        )
        ids.add(details(err)["RequestInfo"].request_id)
    assert len(ids) == 3
