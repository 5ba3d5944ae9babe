"""`python -m vitrine_server run | migrate | seed-demo` (also installed as `vitrine`)."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import sys

import asyncpg

from vitrine_server import log as logsetup
from vitrine_server import tls
from vitrine_server.config import ConfigError, Settings
from vitrine_server.db import server_settings
from vitrine_server.db.migrate import MigrationError, Migrator
from vitrine_server.pricing.partitions import maintain

log = logging.getLogger("vitrine")


async def _ensure_database(dsn: str) -> None:
    """Create the configured database if the server lacks it (local development)."""
    try:
        conn = await asyncpg.connect(dsn, timeout=5)
        await conn.close()
    except asyncpg.InvalidCatalogNameError:
        params = dsn.rsplit("/", 1)
        name = params[1].split("?")[0]
        admin = await asyncpg.connect(params[0] + "/postgres", timeout=5)
        try:
            # A database name cannot be a parameter; quote_ident makes it one identifier.
            quoted = await admin.fetchval("SELECT quote_ident($1)", name)
            await admin.execute(f"CREATE DATABASE {quoted}")
            log.info("created database %s", name)
        finally:
            await admin.close()


async def _prepare(settings: Settings, *, migrate: bool, seed: bool) -> None:
    await server_settings.log_warnings(settings.database_url, log)
    if migrate or seed:
        await _ensure_database(settings.database_url)
    if migrate:
        await Migrator(settings.database_url).up()
        await _ensure_partitions_ahead(settings)
    if seed:
        from vitrine_server.demo.seed import seed_demo

        conn = await asyncpg.connect(settings.database_url, timeout=5)
        try:
            counts = await seed_demo(conn)
        finally:
            await conn.close()
        if counts:
            log.info("loaded the demo catalog", extra={"counts": counts})


async def _ensure_partitions_ahead(settings: Settings) -> None:
    """Monthly price_points partitions ahead, and retention (pricing/partitions.py)."""
    conn = await asyncpg.connect(settings.database_url, timeout=5)
    try:
        await maintain(
            conn,
            retention_months=settings.price_retention_months,
            drop=settings.price_retention_drop,
        )
    finally:
        await conn.close()


async def _migrate(settings: Settings, action: str, steps: int) -> None:
    migrator = Migrator(settings.database_url)
    if action == "up":
        await _ensure_database(settings.database_url)
        done = await migrator.up()
        await _ensure_partitions_ahead(settings)
        print(f"applied {len(done)} migration(s): {done}")
    elif action == "down":
        done = await migrator.down(steps)
        print(f"reverted {len(done)} migration(s): {done}")
    else:
        for s in await migrator.status():
            mark = "applied" if s.applied else "pending"
            if s.applied and not s.checksum_ok:
                mark = "EDITED AFTER APPLY"
            print(f"{s.version:04d}_{s.name}: {mark}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="vitrine")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="serve gRPC")
    run.add_argument("--host")
    run.add_argument("--port", type=int)
    run.add_argument("--workers", type=int)
    run.add_argument("--migrate", action="store_true", help="apply pending migrations first")
    run.add_argument("--seed-demo", action="store_true", help="load the demo catalog if empty")
    mig = sub.add_parser("migrate", help="apply, revert or list migrations")
    mig.add_argument("action", choices=["up", "down", "status"], nargs="?", default="up")
    mig.add_argument("steps", type=int, nargs="?", default=1)
    sub.add_parser("seed-demo", help="load the demo catalog into an empty database")
    args = parser.parse_args(argv)

    try:
        settings = Settings.from_env()
    except ConfigError as err:
        print(f"configuration refused: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    logsetup.configure(settings.log_level, settings.log_format)
    try:
        if args.command == "run":
            overrides = {
                k: v for k in ("host", "port", "workers") if (v := getattr(args, k)) is not None
            }
            settings = dataclasses.replace(settings, **overrides)
            tls.server_credentials(settings)  # unreadable or mismatched files: fail before serving
            asyncio.run(
                _prepare(
                    settings,
                    migrate=args.migrate or settings.migrate_on_start,
                    seed=args.seed_demo or settings.seed_demo,
                )
            )
            from vitrine_server.workers import run_supervisor

            run_supervisor(settings)
        elif args.command == "migrate":
            asyncio.run(_migrate(settings, args.action, args.steps))
        else:
            asyncio.run(_prepare(settings, migrate=True, seed=True))
    except MigrationError as err:
        print(f"migration refused: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    except ConfigError as err:
        print(f"configuration refused: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    except (OSError, asyncpg.PostgresError) as err:
        print(f"cannot reach PostgreSQL at {settings.database_url}: {err}", file=sys.stderr)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
