"""Every Redis script and MULTI touches keys of one hash slot (a Redis
Cluster refuses it otherwise), and consistency tokens parse both ways."""

from __future__ import annotations

import pytest
from redis.crc import key_slot
from vitrine_server.cache.keys import CLUSTER_CACHE_SHARDS, Keys, keys_for
from vitrine_server.db.consistency import format_lsn, parse_lsn


def _slot(key: str) -> int:
    return key_slot(key.encode())


@pytest.mark.parametrize("cluster", [False, True])
def test_the_keys_of_each_script_share_a_slot(cluster):
    keys = keys_for("vitrine", cluster)
    # The read and fill scripts: entries with their shard's generation copy.
    for key in [keys.product(42), keys.category(7), keys.store(3), keys.category_tree()]:
        assert _slot(key) == _slot(keys.cache_generation(keys.tag_of(key)))
    # Favorites: the set, its version, the generation copy of its shard.
    favorites = keys.favorites("ana")
    group = [favorites, favorites + ":version", keys.cache_generation(keys.tag_of(favorites))]
    assert len({_slot(k) for k in group}) == 1
    # Trending: the epochs and every set.
    group = [keys.trending_epoch(), keys.trending(), keys.trending(12), keys.trending(99)]
    assert len({_slot(k) for k in group}) == 1


def test_cache_shards_spread_over_the_slots():
    keys = keys_for("vitrine", True)
    assert keys.shards == CLUSTER_CACHE_SHARDS
    tags = {keys.tag_of(keys.product(i)) for i in range(10_000)}
    assert len(tags) == CLUSTER_CACHE_SHARDS
    # Three masters own a third of the slots each: no master gets most shards.
    thirds = [0, 0, 0]
    for tag in keys.shard_tags():
        thirds[min(2, _slot(f"x:{tag}") * 3 // 16384)] += 1
    assert max(thirds) < CLUSTER_CACHE_SHARDS * 0.45, thirds


def test_one_server_keeps_one_shard_and_the_entity_parses():
    keys = Keys("vitrine")
    assert keys.product(1) == "vitrine:{c0}:product:1"
    assert keys.entity_of(keys.product(1)) == "product"
    assert keys.entity_of(keys_for("v", True).category(5)) == "category"
    with pytest.raises(ValueError):
        Keys("a{b}")


def test_consistency_tokens_parse_both_ways():
    assert parse_lsn("0/16B3748") == 0x16B3748
    assert parse_lsn("16/B374D848") == (0x16 << 32) | 0xB374D848
    assert format_lsn(parse_lsn("16/B374D848") or 0) == "16/B374D848"
    for bad in ["", "x", "0/", "/1", "g/1", "123456789/1", "1/2/3"]:
        assert parse_lsn(bad) is None, bad
