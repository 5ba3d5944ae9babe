"""Every Redis key and TTL the service uses, in one place.

Keys look like `{prefix}:{tag}:{entity}:{id}[:{facet}]`, where `{tag}` (with
its braces) is a Redis Cluster hash tag: only the text between the braces
picks the key's hash slot, so keys that one script or MULTI touches share
a tag and land in one slot. The tags:

* `{cN}`, a cache shard (N < shards): cache entries, favorites sets and a
  copy of the cache generation. An entity's shard is a hash of its name, so
  entries spread over the cluster's slots, and every shard holds the
  generation its read script compares against (cache/aside.py). A batch
  read runs one script per shard it touches. On one Redis server there is
  one shard, `{c0}`, and a batch read is one script.
* `{t}`: trending (the sorted sets and their epochs change in one script).
* `{a}`: the alert stream; `{r:KEY}`: one API key's rate limit; `{s}`: the
  cache counters; `{p}`: the pub/sub channels (sharded pub/sub on a cluster).

TTLs are a safety net only: correctness comes from invalidation on write
(see cache/aside.py).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

PRODUCT_TTL_MS = 5 * 60 * 1000
CATEGORY_TTL_MS = 60 * 60 * 1000
STORE_TTL_MS = 60 * 60 * 1000
# "This id does not exist" is kept briefly: creating it invalidates it anyway.
ABSENT_TTL_MS = 60 * 1000
# How long a reader may hold the right to fill a missing entry.
LEASE_MS = 2_000
FAVORITES_TTL_S = 24 * 3600
TRENDING_KEEP = 1_000
# Cache shards on a Redis Cluster: enough that their slots spread evenly
# over the masters (128 slots over 3 masters: 43 each, give or take 6).
CLUSTER_CACHE_SHARDS = 128


@dataclass(frozen=True, slots=True)
class Keys:
    prefix: str
    # 1 on one Redis server; CLUSTER_CACHE_SHARDS on a cluster.
    shards: int = 1

    def __post_init__(self) -> None:
        if "{" in self.prefix or "}" in self.prefix:
            # A brace in the prefix would become the hash tag of every key.
            raise ValueError(f"VITRINE_REDIS_PREFIX must not contain braces: {self.prefix!r}")

    # -- the cache shards -------------------------------------------------

    def shard_tag(self, name: str) -> str:
        """The hash tag of the shard that holds `name` (e.g. "product:42")."""
        if self.shards == 1:
            return "{c0}"
        return f"{{c{zlib.crc32(name.encode()) % self.shards}}}"

    def shard_tags(self) -> list[str]:
        return [f"{{c{n}}}" for n in range(self.shards)]

    @staticmethod
    def tag_of(key: str) -> str:
        """The hash tag of a key built here."""
        start = key.index("{")
        return key[start : key.index("}", start) + 1]

    def _cached(self, name: str) -> str:
        return f"{self.prefix}:{self.shard_tag(name)}:{name}"

    def entity_of(self, key: str) -> str:
        """The entity a cache key holds ("product", "category", ...)."""
        return key[key.index("}") + 2 :].split(":", 1)[0]

    def product(self, product_id: int) -> str:
        return self._cached(f"product:{product_id}")

    def category(self, category_id: int) -> str:
        return self._cached(f"category:{category_id}")

    def category_tree(self) -> str:
        return self._cached("category:tree")

    def store(self, store_id: int) -> str:
        return self._cached(f"store:{store_id}")

    def favorites(self, user_id: str) -> str:
        return self._cached(f"user:{user_id}:favorites")

    def cache_generation(self, tag: str = "{c0}") -> str:
        """A shard's copy of the cache generation (cache/aside.py)."""
        return f"{self.prefix}:{tag}:cache:generation"

    def cache_pattern(self, name_prefix: str) -> str:
        """A SCAN pattern of the cache keys whose name starts with
        `name_prefix` (which holds no glob characters)."""
        return f"{self.prefix}:{{c*}}:{name_prefix}*"

    # -- the rest ------------------------------------------------------------

    def trending(self, category_id: int = 0) -> str:
        scope = "all" if category_id == 0 else f"category:{category_id}"
        return f"{self.prefix}:{{t}}:trending:{scope}"

    def trending_epoch(self) -> str:
        return f"{self.prefix}:{{t}}:trending:epoch"

    def alerts_stream(self) -> str:
        """The Redis Stream of triggered price alerts."""
        return f"{self.prefix}:{{a}}:alerts:triggered"

    def invalidations(self) -> str:
        """The pub/sub channel of invalidated keys (for in-process tiers)."""
        return f"{self.prefix}:{{p}}:cache:invalidations"

    def cache_stats(self) -> str:
        """A hash of hit/miss counters per cache, summed over every process."""
        return f"{self.prefix}:{{s}}:cache:stats"

    def rate_limit(self, key_id: str) -> str:
        """An API key's GCRA state: its theoretical arrival time."""
        return f"{self.prefix}:{{r:{key_id}}}:ratelimit"

    def revoked_keys(self) -> str:
        """The pub/sub channel of revoked API key ids (for in-process key caches)."""
        return f"{self.prefix}:{{p}}:auth:revoked"


def keys_for(prefix: str, cluster: bool) -> Keys:
    """The deployment's keys: sharded over CLUSTER_CACHE_SHARDS slots on a cluster."""
    return Keys(prefix, CLUSTER_CACHE_SHARDS if cluster else 1)
