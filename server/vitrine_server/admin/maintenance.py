"""Migrations and partitions on demand: the same code that runs at start
(db/migrate.py, pricing/partitions.py), behind admin RPCs."""

from __future__ import annotations

from vitrine_server import errors
from vitrine_server.admin.model import Retention
from vitrine_server.config import Settings
from vitrine_server.db.database import Database, translated
from vitrine_server.db.migrate import MigrationError, MigrationState, Migrator
from vitrine_server.pricing.partitions import MaintenanceReport, maintain


class Maintenance:
    def __init__(self, db: Database, settings: Settings):
        self.db = db
        self.settings = settings
        self.migrator = Migrator(settings.database_url)

    def known_versions(self) -> list[int]:
        return [m.version for m in self.migrator.migrations]

    async def migration_status(self) -> list[MigrationState]:
        with translated():
            return await self.migrator.status()

    async def apply_migrations(self, target: int | None) -> tuple[list[int], int]:
        """The versions applied, and the schema's version after."""
        try:
            with translated():
                applied = await self.migrator.up(target)
                current = await self.migrator.current_version()
        except MigrationError as err:
            raise errors.FailedPrecondition(str(err), reason="MIGRATION_REFUSED") from None
        return applied, current

    async def maintain_partitions(self, retention: Retention) -> MaintenanceReport:
        """Create partitions ahead and retire those past the retention (the
        server's settings where the request leaves them)."""
        months = retention.months
        if months is None:
            months = self.settings.price_retention_months
        drop = retention.drop
        if drop is None:
            drop = self.settings.price_retention_drop
        with translated():
            async with self.db.acquire() as conn:
                report = await maintain(conn, retention_months=months, drop=drop)
        if report is None:
            raise errors.Aborted(
                "partition maintenance is running in another process right now; retry",
                reason="MAINTENANCE_BUSY",
            )
        return report
