"""Settings from the environment: a bad value is refused by name, never a
traceback, and booleans take only their documented spellings."""

from __future__ import annotations

import subprocess
import sys

import pytest
from vitrine_server.config import FALSE_WORDS, TRUE_WORDS, ConfigError, Settings


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("VITRINE_PORT", "50o51"),
        ("VITRINE_WORKERS", "two"),
        ("VITRINE_PG_POOL_MAX", "1.5"),
        ("VITRINE_SHUTDOWN_GRACE", "ten"),
        ("VITRINE_REDIS_TIMEOUT", "nan"),
        ("VITRINE_METRICS_PORT", "70000"),
        ("VITRINE_METRICS_PORT", "metrics"),
    ],
)
def test_a_bad_number_names_the_variable_and_the_value(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({name: value})
    assert name in str(refused.value)
    assert repr(value) in str(refused.value) or value in str(refused.value)


@pytest.mark.parametrize(
    "name",
    [
        "VITRINE_CACHE",
        "VITRINE_AUTH",
        "VITRINE_REDIS_CLUSTER",
        "VITRINE_MIGRATE_ON_START",
        "VITRINE_SEED_DEMO",
        "VITRINE_SEARCH_READ_YOUR_WRITES",
    ],
)
def test_booleans_are_strict(name: str) -> None:
    for word in TRUE_WORDS:
        assert getattr(Settings.from_env({name: word.upper()}), _field(name)) is True
    for word in FALSE_WORDS:
        assert getattr(Settings.from_env({name: f" {word} "}), _field(name)) is False
    for typo in ("ture", "of", "enabled", "2"):
        with pytest.raises(ConfigError, match=name) as refused:
            Settings.from_env({name: typo})
        assert repr(typo) in str(refused.value)


def _field(name: str) -> str:
    return {
        "VITRINE_CACHE": "cache_enabled",
        "VITRINE_AUTH": "auth_enabled",
        "VITRINE_REDIS_CLUSTER": "redis_cluster",
        "VITRINE_MIGRATE_ON_START": "migrate_on_start",
        "VITRINE_SEED_DEMO": "seed_demo",
        "VITRINE_SEARCH_READ_YOUR_WRITES": "search_read_your_writes",
    }[name]


def test_unset_and_empty_values_are_the_defaults() -> None:
    default = Settings.from_env({})
    empty = Settings.from_env({"VITRINE_PORT": "", "VITRINE_CACHE": " ", "VITRINE_AUTH": ""})
    assert (empty.port, empty.cache_enabled, empty.auth_enabled) == (
        default.port,
        default.cache_enabled,
        default.auth_enabled,
    )
    assert Settings.from_env({"VITRINE_METRICS_PORT": "off"}).metrics_port is None
    assert Settings.from_env({"VITRINE_METRICS_PORT": "0"}).metrics_port == 0


def test_retention_mode_is_one_of_its_words() -> None:
    assert Settings.from_env({"VITRINE_PRICE_RETENTION_MODE": "DROP"}).price_retention_drop
    assert not Settings.from_env({}).price_retention_drop
    with pytest.raises(ConfigError, match="VITRINE_PRICE_RETENTION_MODE='delete'"):
        Settings.from_env({"VITRINE_PRICE_RETENTION_MODE": "delete"})


def test_the_server_refuses_a_bad_value_without_a_traceback() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "vitrine_server", "run"],
        env={"VITRINE_PORT": "fifty", "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 2
    assert "VITRINE_PORT='fifty'" in run.stderr
    assert "Traceback" not in run.stderr
