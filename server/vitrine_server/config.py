"""Configuration from environment variables, with defaults for local development.

Every setting is listed in docs/operations.md ("Configuration").
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

# Where /metrics listens when VITRINE_METRICS_PORT is not set (the port
# OpenTelemetry's Prometheus exporter uses).
DEFAULT_METRICS_PORT = 9464
# The shortest interval between a client's keepalive pings the server accepts.
DEFAULT_MIN_CLIENT_PING_INTERVAL_MS = 10_000


# Page-token secrets shorter than this are refused: HMAC keys should carry
# at least the 256 bits of its hash.
MIN_SECRET_CHARS = 32


class ConfigError(ValueError):
    """A setting that cannot work (a TLS key without a certificate, a port taken)."""


# The spellings a boolean variable accepts; anything else is refused (a
# mistyped "ture" must not quietly read as off).
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")
_OFF_WORDS = ("off", "false", "no", "none")


class _Env:
    """Reads variables, each parsed strictly: a bad value is a ConfigError
    naming the variable and the value, never a traceback. An empty value is
    the same as an unset one."""

    def __init__(self, env: Mapping[str, str]):
        self.env = env

    def text(self, name: str, default: str) -> str:
        return self.env.get(name, default)

    def _raw(self, name: str) -> str | None:
        value = self.env.get(name, "").strip()
        return value or None

    def integer(self, name: str, default: int) -> int:
        value = self._raw(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise ConfigError(f"{name}={value!r}: must be a whole number") from None

    def number(self, name: str, default: float) -> float:
        value = self._raw(name)
        if value is None:
            return default
        try:
            parsed = float(value)
        except ValueError:
            raise ConfigError(f"{name}={value!r}: must be a number (seconds)") from None
        if not math.isfinite(parsed):
            raise ConfigError(f"{name}={value!r}: must be a finite number")
        return parsed

    def boolean(self, name: str, default: bool) -> bool:
        value = self._raw(name)
        if value is None:
            return default
        if value.lower() in TRUE_WORDS:
            return True
        if value.lower() in FALSE_WORDS:
            return False
        raise ConfigError(
            f"{name}={value!r}: must be one of {', '.join(TRUE_WORDS)} (on) "
            f"or {', '.join(FALSE_WORDS)} (off)"
        )

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self._raw(name)
        if value is None:
            return default
        if value.lower() not in choices:
            raise ConfigError(f"{name}={value!r}: must be one of {', '.join(choices)}")
        return value.lower()

    def metrics_port(self, name: str, default: int) -> int | None:
        """`off` (or empty) disables metrics; 0 asks for an ephemeral port."""
        value = self.env.get(name)
        if value is not None and value.strip().lower() in ("", *_OFF_WORDS):
            return None
        port = self.integer(name, default)
        if not 0 <= port <= 65535:
            raise ConfigError(f"{name}={port!r}: must be a port (0-65535) or off")
        return port


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = "postgresql://postgres@127.0.0.1:5432/vitrine"
    redis_url: str = "redis://127.0.0.1:6379/0"
    # A Redis Cluster: REDIS_URL naming it redis+cluster:// (or rediss+cluster://),
    # or VITRINE_REDIS_CLUSTER=1. redis_url then holds the plain scheme.
    redis_cluster: bool = False
    # Prefix of every Redis key, so several deployments (or test runs) can share a server.
    redis_prefix: str = "vitrine"
    host: str = "0.0.0.0"
    port: int = 50051
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    migrate_on_start: bool = False
    seed_demo: bool = False
    # "on": cache-aside through Redis; "off": every read goes to PostgreSQL.
    cache_enabled: bool = True
    pool_min_size: int = 2
    pool_max_size: int = 20
    pool_connect_timeout: float = 2.0
    pool_max_inactive_lifetime: float = 30.0
    pool_max_queries: int = 500_000
    # Upper bound of any statement when the caller sent no deadline.
    default_statement_timeout: float = 10.0
    # Redis calls are fast or failing: past this, the cache is treated as down.
    redis_timeout: float = 0.25
    # On SIGTERM: seconds of serving as usual after reporting NOT_SERVING (so
    # balancers and clients move away), then at most shutdown_grace seconds
    # for the calls running to finish and everything to close.
    shutdown_drain: float = 2.0
    shutdown_grace: float = 10.0
    # The shortest interval between client keepalive pings the server accepts
    # (faster pingers get GOAWAY "too_many_pings"); at most the client's 30 s.
    min_client_ping_interval_ms: int = DEFAULT_MIN_CLIENT_PING_INTERVAL_MS
    # PostgreSQL streaming replicas that serve reads which may lag (db/replicas.py).
    replica_urls: tuple[str, ...] = ()
    # A replica further behind the primary than this (replay lag) is skipped.
    replica_max_lag: float = 5.0
    # A read that sends a consistency token waits at most this long for a
    # replica to replay past it, then goes to the primary.
    replica_wait: float = 0.05
    log_level: str = "INFO"
    log_format: str = "json"
    # price_points months to keep (0: forever), and whether old ones are dropped or detached.
    price_retention_months: int = 0
    price_retention_drop: bool = False
    # The embedded search index (Tantivy): one folder per database under it.
    search_dir: str = ".local/search"
    # Seconds start() waits for the index to be ready before it returns (it
    # serves meanwhile either way; search says NOT_SERVING until ready).
    search_ready_wait: float = 0.0
    # Every search first waits until the index reflects every write committed
    # before it began (one PostgreSQL query per search): for tests and
    # callers that must read their own writes. Off: searches see a write
    # within about a second (docs/api.md, "Search").
    search_read_your_writes: bool = False
    # Outbox rows older than this are pruned (a consumer stopped for longer
    # rebuilds its index).
    outbox_retention_s: float = 86_400.0
    # MeiliSearch: used for search when set, else the embedded backend.
    meili_url: str = ""
    meili_api_key: str = ""
    meili_index: str = "products"
    # How long a search waits for MeiliSearch before the embedded backend answers.
    meili_timeout: float = 0.5
    # PEM files. A certificate and key serve TLS instead of plaintext; a client
    # CA on top requires every client to present a certificate it signed (mTLS).
    tls_cert: str = ""
    tls_key: str = ""
    tls_client_ca: str = ""
    # Prometheus /metrics: None disables it (the default of a Settings built in
    # code, such as the tests'); from_env defaults to DEFAULT_METRICS_PORT.
    metrics_port: int | None = None
    metrics_host: str = "0.0.0.0"

    # API keys required on every call (access/). "off" is for local development only.
    auth_enabled: bool = True
    # An admin token accepted without a database row: the way in for the first CreateApiKey.
    bootstrap_admin_key: str = field(default="", repr=False)
    # How long a verified key is trusted without asking PostgreSQL again; the
    # bound on a revocation that Redis pub/sub failed to announce.
    auth_cache_ttl: float = 10.0
    # Per-key rate limit defaults (a key may set its own); 0 turns limits off.
    rate_limit_per_minute: int = 1000
    rate_limit_burst: int = 100
    # Signs page tokens: comma-separated, the first signs, any verifies. Empty:
    # a secret generated once and kept in PostgreSQL (rpc/paging_secret.py).
    page_token_secret: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        scheme, sep, rest = self.redis_url.partition("://")
        if sep and scheme.endswith("+cluster"):
            object.__setattr__(self, "redis_url", f"{scheme.removesuffix('+cluster')}://{rest}")
            object.__setattr__(self, "redis_cluster", True)
        for url in self.replica_urls:
            if not url.startswith(("postgresql://", "postgres://")):
                raise ConfigError(f"VITRINE_REPLICA_URLS: {url!r} is not a postgresql:// URL")
        if bool(self.tls_cert) != bool(self.tls_key):
            raise ConfigError(
                "VITRINE_TLS_CERT and VITRINE_TLS_KEY go together: set both or neither"
            )
        if any(len(secret) < MIN_SECRET_CHARS for secret in self.page_token_secrets()):
            raise ConfigError(
                f"VITRINE_PAGE_TOKEN_SECRET: each secret must be at least {MIN_SECRET_CHARS} "
                "characters (e.g. `openssl rand -hex 32`)"
            )
        if self.tls_client_ca and not self.tls_cert:
            raise ConfigError(
                "VITRINE_TLS_CLIENT_CA (mutual TLS) needs VITRINE_TLS_CERT and VITRINE_TLS_KEY"
            )

    def page_token_secrets(self) -> list[str]:
        return [part.strip() for part in self.page_token_secret.split(",") if part.strip()]

    @property
    def tls(self) -> bool:
        return bool(self.tls_cert)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        e = _Env(os.environ if env is None else env)
        d = cls()
        return cls(
            database_url=e.text("DATABASE_URL", d.database_url),
            redis_url=e.text("REDIS_URL", d.redis_url),
            redis_prefix=e.text("VITRINE_REDIS_PREFIX", d.redis_prefix),
            redis_cluster=e.boolean("VITRINE_REDIS_CLUSTER", False),
            replica_urls=tuple(
                url.strip() for url in e.text("VITRINE_REPLICA_URLS", "").split(",") if url.strip()
            ),
            replica_max_lag=e.number("VITRINE_REPLICA_MAX_LAG", d.replica_max_lag),
            replica_wait=e.number("VITRINE_REPLICA_WAIT", d.replica_wait),
            host=e.text("VITRINE_HOST", d.host),
            port=e.integer("VITRINE_PORT", d.port),
            workers=e.integer("VITRINE_WORKERS", d.workers),
            migrate_on_start=e.boolean("VITRINE_MIGRATE_ON_START", d.migrate_on_start),
            seed_demo=e.boolean("VITRINE_SEED_DEMO", d.seed_demo),
            cache_enabled=e.boolean("VITRINE_CACHE", True),
            pool_min_size=e.integer("VITRINE_PG_POOL_MIN", d.pool_min_size),
            pool_max_size=e.integer("VITRINE_PG_POOL_MAX", d.pool_max_size),
            pool_connect_timeout=e.number("VITRINE_PG_CONNECT_TIMEOUT", d.pool_connect_timeout),
            default_statement_timeout=e.number(
                "VITRINE_STATEMENT_TIMEOUT", d.default_statement_timeout
            ),
            redis_timeout=e.number("VITRINE_REDIS_TIMEOUT", d.redis_timeout),
            shutdown_drain=e.number("VITRINE_SHUTDOWN_DRAIN", d.shutdown_drain),
            shutdown_grace=e.number("VITRINE_SHUTDOWN_GRACE", d.shutdown_grace),
            min_client_ping_interval_ms=e.integer(
                "VITRINE_MIN_CLIENT_PING_INTERVAL_MS", d.min_client_ping_interval_ms
            ),
            log_level=e.text("VITRINE_LOG_LEVEL", d.log_level).upper(),
            log_format=e.text("VITRINE_LOG_FORMAT", d.log_format).lower(),
            price_retention_months=e.integer("VITRINE_PRICE_RETENTION_MONTHS", 0),
            price_retention_drop=e.choice(
                "VITRINE_PRICE_RETENTION_MODE", "detach", ("detach", "drop")
            )
            == "drop",
            search_dir=e.text("VITRINE_SEARCH_DIR", d.search_dir),
            search_ready_wait=e.number("VITRINE_SEARCH_READY_WAIT", d.search_ready_wait),
            search_read_your_writes=e.boolean(
                "VITRINE_SEARCH_READ_YOUR_WRITES", d.search_read_your_writes
            ),
            outbox_retention_s=e.number("VITRINE_OUTBOX_RETENTION", d.outbox_retention_s),
            meili_url=e.text("MEILI_URL", d.meili_url),
            meili_api_key=e.text("MEILI_API_KEY", e.text("MEILI_MASTER_KEY", d.meili_api_key)),
            meili_index=e.text("VITRINE_MEILI_INDEX", d.meili_index),
            meili_timeout=e.number("VITRINE_MEILI_TIMEOUT", d.meili_timeout),
            tls_cert=e.text("VITRINE_TLS_CERT", ""),
            tls_key=e.text("VITRINE_TLS_KEY", ""),
            tls_client_ca=e.text("VITRINE_TLS_CLIENT_CA", ""),
            metrics_port=e.metrics_port("VITRINE_METRICS_PORT", DEFAULT_METRICS_PORT),
            metrics_host=e.text("VITRINE_METRICS_HOST", d.metrics_host),
            auth_enabled=e.boolean("VITRINE_AUTH", True),
            bootstrap_admin_key=e.text("VITRINE_BOOTSTRAP_ADMIN_KEY", "").strip(),
            auth_cache_ttl=e.number("VITRINE_AUTH_CACHE_TTL", d.auth_cache_ttl),
            rate_limit_per_minute=e.integer(
                "VITRINE_RATE_LIMIT_PER_MINUTE", d.rate_limit_per_minute
            ),
            rate_limit_burst=e.integer("VITRINE_RATE_LIMIT_BURST", d.rate_limit_burst),
            page_token_secret=e.text("VITRINE_PAGE_TOKEN_SECRET", ""),
        )
