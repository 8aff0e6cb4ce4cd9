"""Use case: make a community's stored notices match its notices file (loaded with the registry).

Each notice of the file is stored under the key "file:<id>". Loading the same file again
changes nothing; a changed notice keeps its place in the schedule (`last_done`), a notice
removed from the file is cancelled, `enabled: false` pauses it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from bot.domain.notices.records import (
    ACTIVE,
    CANCELLED,
    DONE,
    PAUSED,
    NoticeRecord,
    dump_quiet,
    dump_schedule,
)
from bot.domain.notices.spec import NoticeSpec
from bot.domain.records import AuditRecord
from bot.services.notices.service import NoticeService

KEY_PREFIX = "file:"


@dataclass(frozen=True)
class ImportReport:
    created: int = 0
    updated: int = 0
    cancelled: int = 0
    unchanged: int = 0


def _record(spec: NoticeSpec, community_id: int) -> NoticeRecord:
    return NoticeRecord(
        community_id=community_id,
        key=KEY_PREFIX + spec.id,
        source="file",
        template=spec.template,
        variables=dict(spec.variables),
        # as JSON (lists, not tuples): what is stored compares equal when loaded again
        target=spec.target.model_dump(mode="json", exclude_defaults=True),
        schedule=dump_schedule(spec.schedule),
        pin=spec.pin,
        quiet_hours=dump_quiet(spec.quiet_hours),
        max_lateness_minutes=spec.max_lateness_minutes,
        urgent=spec.urgent,
        status=ACTIVE if spec.enabled else PAUSED,
    )


_CONTENT = (
    "template",
    "variables",
    "target",
    "schedule",
    "pin",
    "quiet_hours",
    "max_lateness_minutes",
    "urgent",
)


async def import_notices(
    service: NoticeService, files: dict[str, list[NoticeSpec]], source: str = ""
) -> dict[str, ImportReport]:
    """Store the notices of each community code; idempotent."""
    reports: dict[str, ImportReport] = {}
    now = service.clock.now()
    async with service.uow() as tx:
        for code, specs in files.items():
            community = await tx.registry.community_by_code(code)
            if community is None:
                continue
            tz = ZoneInfo(community.timezone)
            created = updated = cancelled = unchanged = 0
            wanted = {KEY_PREFIX + s.id for s in specs}
            for spec in specs:
                fresh = _record(spec, community.id)
                stored = await tx.notices.by_key(community.id, fresh.key or "")
                if stored is None:
                    await service.create(tx, fresh, community)
                    created += 1
                    continue
                same = all(getattr(stored, f) == getattr(fresh, f) for f in _CONTENT)
                want_status = stored.status if stored.status == DONE else fresh.status
                if same and stored.status == want_status:
                    unchanged += 1
                    continue
                merged = replace(stored, **{f: getattr(fresh, f) for f in _CONTENT})
                merged = replace(merged, status=want_status)
                if merged.is_recurring:
                    # A changed schedule applies from now on: no catching up on old times.
                    merged = replace(merged, last_done=max(stored.last_done or now, now))
                if want_status == ACTIVE:
                    merged = service.first_due(merged, tz, now)
                await tx.notices.save(merged, now)
                updated += 1
            for stored in await tx.notices.of_community(community.id, (ACTIVE, PAUSED), "file"):
                if stored.key not in wanted:
                    await tx.notices.save(replace(stored, status=CANCELLED, next_due=None), now)
                    cancelled += 1
            report = ImportReport(created, updated, cancelled, unchanged)
            reports[code] = report
            if created or updated or cancelled:
                await tx.audit.record(
                    AuditRecord(
                        action="notices.loaded",
                        subject=f"community:{code}",
                        community_id=community.id,
                        details={
                            "source": source,
                            "created": created,
                            "updated": updated,
                            "cancelled": cancelled,
                        },
                    ),
                    now,
                )
        await tx.commit()
    return reports
