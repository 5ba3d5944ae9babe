"""validate.observations recognises a valid observation in one pass and
sends every other one through validate.observation: both must agree on
every observation, at the edges of every rule (times in microseconds
against the clock skew and the maximum age, prices and list prices,
references, external ids)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from google.protobuf.timestamp_pb2 import Timestamp
from vitrine.pricing.v1 import observation_pb2 as obs
from vitrine.type.v1 import money_pb2
from vitrine_server.pricing import validate
from vitrine_server.pricing.model import Result
from vitrine_server.validation import money, times

NOW = datetime(2026, 5, 17, 12, 30, 15, 123456, tzinfo=UTC)
MAX_AGE = timedelta(days=200)


def _stamp(at: datetime, extra_nanos: int = 0) -> Timestamp:
    us = times.micros(at)
    return Timestamp(seconds=us // 1_000_000, nanos=(us % 1_000_000) * 1000 + extra_nanos)


STAMPS = [
    None,
    _stamp(NOW),
    _stamp(NOW + times.CLOCK_SKEW),
    _stamp(NOW + times.CLOCK_SKEW, extra_nanos=999),  # the same microsecond
    _stamp(NOW + times.CLOCK_SKEW + timedelta(microseconds=1)),
    _stamp(NOW - MAX_AGE),
    _stamp(NOW - MAX_AGE - timedelta(microseconds=1)),
    Timestamp(seconds=times.MAX_SECONDS + 1),
    Timestamp(seconds=0, nanos=-1),
]
PRICES = [(1, "BRL"), (0, "BRL"), (money.MAX_MINOR - 1, "BRL"), (money.MAX_MINOR, "BRL")]
ORIGINALS = [None, (1, "BRL"), (2, "BRL"), (2, "USD"), (money.MAX_MINOR, "BRL")]
REFERENCES = [
    (5, 0, ""),
    (0, 3, "sku-1"),
    (0, 0, "sku-1"),
    (0, 3, ""),
    (-1, 0, ""),
    (5, 0, "x" * (validate.MAX_EXTERNAL_ID + 1)),
    (0, 3, "bad\x00id"),
]


def _observation(stamp, price, original, reference) -> obs.PriceObservation:
    offer_id, store_id, external_id = reference
    o = obs.PriceObservation(
        offer_id=offer_id,
        store_id=store_id,
        external_id=external_id,
        in_stock=True,
        price=money_pb2.Money(amount_minor=price[0], currency_code=price[1]),
    )
    if stamp is not None:
        o.observed_time.CopyFrom(stamp)
    if original is not None:
        o.original_price.CopyFrom(
            money_pb2.Money(amount_minor=original[0], currency_code=original[1])
        )
    return o


def test_observations_agree_with_the_one_by_one_checks() -> None:
    sent = [
        _observation(*combo) for combo in itertools.product(STAMPS, PRICES, ORIGINALS, REFERENCES)
    ]
    shaped, results = validate.observations(sent, NOW, MAX_AGE)

    expected_results = [Result() for _ in sent]
    expected = [
        checked
        for i, o in enumerate(sent)
        if (checked := validate.observation(i, o, expected_results[i], NOW, MAX_AGE)) is not None
    ]
    assert shaped == expected
    assert results == expected_results
    # Both kinds are present: the table exercises the pass and the fallback.
    assert 0 < len(shaped) < len(sent)
