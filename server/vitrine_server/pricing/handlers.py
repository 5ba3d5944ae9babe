"""PricingService over gRPC: each method checks its request into model
values (validate.py), asks the service, and turns the answer into protobuf
(convert.py). RecordPriceBatch judges each observation on its own (a bad
one rejected while the batch goes on), and its service stores the response
it answers, serialized by convert.py, so that a replay answers the same
bytes.

Errors are not handled here: domain exceptions travel to rpc/handlers.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime

import grpc
from vitrine.pricing.v1 import observation_pb2 as obs
from vitrine.pricing.v1 import pricing_service_pb2 as api
from vitrine.pricing.v1 import pricing_service_pb2_grpc

from vitrine_server.pricing import convert, validate
from vitrine_server.pricing.alerts import AlertDelivery, AlertService
from vitrine_server.pricing.drops import DropService
from vitrine_server.pricing.history import HistoryService
from vitrine_server.pricing.model import BatchAnswer, ObservationBatch
from vitrine_server.pricing.service import IngestionService
from vitrine_server.rpc import paging

Context = grpc.aio.ServicerContext


class PricingHandlers(pricing_service_pb2_grpc.PricingServiceServicer):
    # A bad observation is rejected on its own (ObservationResult REJECTED,
    # with a reason) while the rest of its batch is recorded: the RPC
    # boundary bounds these lists but leaves their items to validate.py.
    items_checked_by_service = (
        "vitrine.pricing.v1.RecordPriceBatchRequest.observations",
        "vitrine.pricing.v1.RecordPricesRequest.observations",
    )

    def __init__(
        self,
        ingestion: IngestionService,
        history: HistoryService,
        drops: DropService,
        alerts: AlertService,
        delivery: AlertDelivery,
        tokens: paging.PageTokens,
    ):
        self.ingestion = ingestion
        self.history = history
        self.drops = drops
        self.alerts = alerts
        self.delivery = delivery
        self.tokens = tokens

    async def RecordPriceBatch(  # type: ignore[override]
        self, request: api.RecordPriceBatchRequest, context: Context
    ) -> bytes:
        return convert.batch_answer(await self._record(request.batch_id, request.observations))

    async def RecordPrices(
        self, requests: AsyncIterator[api.RecordPricesRequest], context: Context
    ) -> api.RecordPricesResponse:
        # Each streamed batch commits as it arrives: a stream cut halfway keeps
        # what was acknowledged, and re-sending it replays those batches.
        response = api.RecordPricesResponse()
        async for request in requests:
            answer = await self._record(request.batch_id, request.observations)
            result = api.RecordPriceBatchResponse.FromString(convert.batch_answer(answer))
            response.batches.append(result)
            response.accepted_count += result.accepted_count
            response.rejected_count += result.rejected_count
        return response

    async def _record(self, batch_id: str, sent: Sequence[obs.PriceObservation]) -> BatchAnswer:
        # The batch itself first (a bad one is refused whole), then each
        # observation against the horizon of the history kept.
        validate.batch(batch_id, sent)
        now = datetime.now(UTC)
        max_age = await self.ingestion.horizon(now, validate.MAX_AGE)
        valid, results = validate.observations(sent, now, max_age)
        return await self.ingestion.record_batch(
            ObservationBatch(batch_id, valid, results), convert.batch_response_bytes
        )

    async def GetPriceHistory(
        self, request: api.GetPriceHistoryRequest, context: Context
    ) -> api.GetPriceHistoryResponse:
        query = validate.history(request, datetime.now(UTC))
        return convert.history(await self.history.history(query))

    async def GetPriceStats(
        self, request: api.GetPriceStatsRequest, context: Context
    ) -> api.GetPriceStatsResponse:
        product_id = validate.stats_product(request)
        return convert.stats(await self.history.stats(product_id))

    async def ListPriceDrops(
        self, request: api.ListPriceDropsRequest, context: Context
    ) -> api.ListPriceDropsResponse:
        query = validate.drops(request, datetime.now(UTC))
        cursor = await self.tokens.decode(request, validate.DROP_CURSOR)
        if cursor is not None:
            query = replace(query, after=(cursor[0], cursor[1]))
        page = await self.drops.page(query)
        response = convert.drops(page)
        if page.next_cursor is not None:
            response.next_page_token = await self.tokens.encode(request, page.next_cursor)
        return response

    async def CreatePriceAlert(
        self, request: api.CreatePriceAlertRequest, context: Context
    ) -> api.CreatePriceAlertResponse:
        created = await self.alerts.create(validate.new_alert(request, datetime.now(UTC)))
        return api.CreatePriceAlertResponse(alert=convert.alert(created))

    async def GetPriceAlert(
        self, request: api.GetPriceAlertRequest, context: Context
    ) -> api.GetPriceAlertResponse:
        found = await self.alerts.get(validate.alert_id(request.id))
        return api.GetPriceAlertResponse(alert=convert.alert(found))

    async def ListPriceAlerts(
        self, request: api.ListPriceAlertsRequest, context: Context
    ) -> api.ListPriceAlertsResponse:
        query = validate.alert_list(request)
        cursor = await self.tokens.decode(request, validate.ALERT_CURSOR)
        if cursor is not None:
            query = replace(query, after=(cursor[0], cursor[1]))
        alerts, next_cursor = await self.alerts.page(query)
        response = api.ListPriceAlertsResponse(alerts=[convert.alert(a) for a in alerts])
        if next_cursor is not None:
            response.next_page_token = await self.tokens.encode(request, next_cursor)
        return response

    async def DeletePriceAlert(
        self, request: api.DeletePriceAlertRequest, context: Context
    ) -> api.DeletePriceAlertResponse:
        await self.alerts.delete(validate.alert_id(request.id))
        return api.DeletePriceAlertResponse()

    async def StreamTriggeredAlerts(
        self, request: api.StreamTriggeredAlertsRequest, context: Context
    ) -> AsyncIterator[api.StreamTriggeredAlertsResponse]:
        async for delivered in self.delivery.stream_to(validate.stream(request)):
            yield convert.delivered(delivered)

    async def AckAlerts(
        self, request: api.AckAlertsRequest, context: Context
    ) -> api.AckAlertsResponse:
        acknowledged = await self.delivery.ack(validate.ack(request))
        return api.AckAlertsResponse(acknowledged_count=acknowledged)
