"""Every Redis key and TTL the service uses, in one place.

Keys look like `{prefix}:{entity}:{id}[:{facet}]`. TTLs are a safety net
only: correctness comes from invalidation on write (see cache/aside.py).
"""

from __future__ import annotations

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


@dataclass(frozen=True, slots=True)
class Keys:
    prefix: str

    def product(self, product_id: int) -> str:
        return f"{self.prefix}:product:{product_id}"

    def category(self, category_id: int) -> str:
        return f"{self.prefix}:category:{category_id}"

    def category_tree(self) -> str:
        return f"{self.prefix}:category:tree"

    def store(self, store_id: int) -> str:
        return f"{self.prefix}:store:{store_id}"

    def favorites(self, user_id: str) -> str:
        return f"{self.prefix}:user:{user_id}:favorites"

    def trending(self, category_id: int = 0) -> str:
        scope = "all" if category_id == 0 else f"category:{category_id}"
        return f"{self.prefix}:trending:{scope}"

    def trending_epoch(self) -> str:
        return f"{self.prefix}:trending:epoch"

    def alerts_stream(self) -> str:
        """The Redis Stream of triggered price alerts."""
        return f"{self.prefix}:alerts:triggered"

    def invalidations(self) -> str:
        """The pub/sub channel of invalidated keys (for in-process tiers)."""
        return f"{self.prefix}:cache:invalidations"

    def cache_generation(self) -> str:
        return f"{self.prefix}:cache:generation"

    def cache_stats(self) -> str:
        """A hash of hit/miss counters per cache, summed over every process."""
        return f"{self.prefix}:cache:stats"

    def rate_limit(self, key_id: str) -> str:
        """An API key's GCRA state: its theoretical arrival time."""
        return f"{self.prefix}:ratelimit:{key_id}"

    def revoked_keys(self) -> str:
        """The pub/sub channel of revoked API key ids (for in-process key caches)."""
        return f"{self.prefix}:auth:revoked"
