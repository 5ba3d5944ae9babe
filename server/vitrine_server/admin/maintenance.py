"""Migrations and partitions on demand: the same code that runs at start
(db/migrate.py, pricing/partitions.py), behind admin RPCs."""

from __future__ import annotations

from vitrine.admin.v1 import admin_service_pb2 as api

from vitrine_server import errors
from vitrine_server.config import Settings
from vitrine_server.db.database import Database, translated
from vitrine_server.db.migrate import MigrationError, Migrator
from vitrine_server.pricing.partitions import maintain

MAX_RETENTION_MONTHS = 1200


class Maintenance:
    def __init__(self, db: Database, settings: Settings):
        self.db = db
        self.settings = settings
        self.migrator = Migrator(settings.database_url)

    async def migration_status(self) -> api.GetMigrationStatusResponse:
        with translated():
            states = await self.migrator.status()
        return api.GetMigrationStatusResponse(
            migrations=[
                api.MigrationState(
                    version=s.version, name=s.name, applied=s.applied, checksum_ok=s.checksum_ok
                )
                for s in states
            ],
            current_version=max((s.version for s in states if s.applied), default=0),
            pending_count=sum(1 for s in states if not s.applied),
        )

    async def apply_migrations(
        self, request: api.ApplyMigrationsRequest
    ) -> api.ApplyMigrationsResponse:
        known = [m.version for m in self.migrator.migrations]
        target = request.target_version
        if target < 0 or (target and target not in known):
            raise errors.InvalidArgument(
                [
                    errors.FieldViolation(
                        "target_version", f"must be 0 (all) or a known version: {known}"
                    )
                ]
            )
        try:
            with translated():
                applied = await self.migrator.up(target or None)
                current = await self.migrator.current_version()
        except MigrationError as err:
            raise errors.FailedPrecondition(str(err), reason="MIGRATION_REFUSED") from None
        return api.ApplyMigrationsResponse(applied_versions=applied, current_version=current)

    async def maintain_partitions(
        self, request: api.MaintainPartitionsRequest
    ) -> api.MaintainPartitionsResponse:
        v = errors.Violations()
        months = self.settings.price_retention_months
        if request.HasField("retention_months"):
            months = request.retention_months
            if not 0 <= months <= MAX_RETENTION_MONTHS:
                v.add("retention_months", f"must be 0 (keep all) to {MAX_RETENTION_MONTHS}")
        if request.mode not in api.RetentionMode.values():
            v.add("mode", "is not a RetentionMode")
        v.raise_if_any()
        drop = {
            api.RETENTION_MODE_DETACH: False,
            api.RETENTION_MODE_DROP: True,
        }.get(request.mode, self.settings.price_retention_drop)
        with translated():
            async with self.db.acquire() as conn:
                report = await maintain(conn, retention_months=months, drop=drop)
        if report is None:
            raise errors.Aborted(
                "partition maintenance is running in another process right now; retry",
                reason="MAINTENANCE_BUSY",
            )
        return api.MaintainPartitionsResponse(created_count=report.created, retired=report.retired)
