"""Several addresses make one round-robin target; a session keeps the newest token."""

from __future__ import annotations

import pytest
from vitrine_client import service_config, target_of
from vitrine_client.consistency import TOKEN_KEY, Session


def test_several_addresses_make_one_target():
    assert target_of("vitrine.internal:50051") == "vitrine.internal:50051"
    assert target_of(["10.0.0.1:50051"]) == "10.0.0.1:50051"
    assert target_of(["10.0.0.1:50051", "10.0.0.2:50051"]) == "ipv4:10.0.0.1:50051,10.0.0.2:50051"
    assert target_of(["[::1]:1", "[::2]:2"]) == "ipv6:[::1]:1,[::2]:2"
    with pytest.raises(ValueError, match="dns:///"):
        target_of(["a.internal:1", "b.internal:1"])
    with pytest.raises(ValueError):
        target_of([])


def test_the_service_config_balances_round_robin():
    assert service_config()["loadBalancingConfig"] == [{"round_robin": {}}]


def test_a_session_keeps_the_newest_token_and_sends_it():
    session = Session()
    assert session.metadata([("a", "1")]) == [("a", "1")]
    session.saw([(TOKEN_KEY, "0/16B3748")])
    session.saw([(TOKEN_KEY, "0/16B0000")])  # older: kept out
    assert session.token == "0/16B3748"
    session.saw([("other", "x"), (TOKEN_KEY, b"1/0")])
    assert session.token == "1/0"
    assert session.metadata([(TOKEN_KEY, "0/1"), ("a", "1")]) == [("a", "1"), (TOKEN_KEY, "1/0")]
