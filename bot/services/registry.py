"""Use case: make the database match a registry file (idempotent)."""

from __future__ import annotations

from bot.domain.clock import Clock
from bot.domain.records import AuditRecord, LoadReport
from bot.domain.registry import RegistryFile
from bot.services.ports import UnitOfWorkFactory


async def load_registry(
    uow: UnitOfWorkFactory, registry: RegistryFile, clock: Clock, source: str = ""
) -> dict[str, LoadReport]:
    """Upsert every community in the file; re-loading the same file changes nothing."""
    reports: dict[str, LoadReport] = {}
    async with uow() as tx:
        for spec in registry.communities:
            report = await tx.registry.upsert_community(spec, clock.now())
            reports[spec.code] = report
            if report.changed:
                info = await tx.registry.community_by_code(spec.code)
                await tx.audit.record(
                    AuditRecord(
                        action="registry.loaded",
                        subject=f"community:{spec.code}",
                        community_id=info.id if info else None,
                        details={
                            "source": source,
                            "created": report.created,
                            "updated": report.updated,
                            "deactivated": report.deactivated,
                        },
                    ),
                    clock.now(),
                )
        await tx.commit()
    return reports
