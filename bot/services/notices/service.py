"""Use cases of scheduled notices: create them, send each due occurrence once, report back.

Durability: a periodic tick claims due notices one at a time and, in the same transaction,
decides what is due (`due_occurrences`), creates one delivery row per target group
(UNIQUE notice × occurrence × chat), queues one outbox message per delivery (dedup key per
delivery) and moves `last_done`/`next_due` on. A crash before the commit changes nothing; after
it, the outbox delivers. A second part of the tick copies the outbox outcome onto the
deliveries and, once an occurrence's deliveries are all settled, tells the author.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import i18n
from bot.domain.clock import Clock
from bot.domain.errors import NotAllowed, NotFound
from bot.domain.notices.outage import format_local
from bot.domain.notices.records import (
    ACTIVE,
    CANCELLED,
    DONE,
    PAUSED,
    DeliveryRecord,
    NoticeRecord,
    OccurrenceRecord,
)
from bot.domain.notices.schedule import DueDecision, Once, due_occurrences, next_occurrence
from bot.domain.notices.targets import ChatCoverage, ChatKind, Target, resolve_targets
from bot.domain.notices.templates import TemplateLibrary, render
from bot.domain.records import AuditRecord, ChatInfo, CommunityInfo, OutboundMessage, PersonInfo
from bot.domain.registry import Role
from bot.services.outgoing import send
from bot.services.ports import TOPIC_CLOSED, NoticeUnitOfWork, NoticeUnitOfWorkFactory

log = logging.getLogger(__name__)

NOTICE_ROLES = (Role.ADMIN.value, Role.SUPERVISOR.value)
# How many failed groups a delivery report names one by one.
_LISTED_FAILURES = 10


@dataclass(frozen=True)
class Staff:
    """An admin or supervisor acting on notices, with their community."""

    telegram_id: int
    person: PersonInfo
    community: CommunityInfo

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.community.timezone)

    @property
    def locale(self) -> str:
        return self.community.locale


def chat_coverage(chats: list[ChatInfo], community: CommunityInfo) -> list[ChatCoverage]:
    """Describe the community's live groups for target resolution."""
    out: list[ChatCoverage] = []
    for chat in chats:
        if chat.coverage_kind is None or chat.status not in ("bound", "dead"):
            continue
        kind: ChatKind
        if chat.coverage_kind == "unit":
            kind, ref, building = "unit", chat.coverage_unit, chat.coverage_ref
        elif chat.coverage_kind == "building":
            kind, ref, building = "building", chat.coverage_ref, chat.coverage_ref
        elif chat.coverage_kind == "grid":
            kind, ref, building = "grid", chat.coverage_ref, None
        else:
            kind, ref, building = "community", None, None
        info = community.building(building) if building else None
        grid = info.grid if info else None
        out.append(ChatCoverage(chat.chat_id, kind, ref, grid, building))
    return out


def notice_title(notice: NoticeRecord, library: TemplateLibrary, locale: str) -> str:
    """A short name for a notice in lists and reports (plain text)."""
    if notice.template is not None and notice.template in library:
        template = library.get(notice.template)
        return template.title_en if locale == "en" else template.title_zh
    text = " ".join((notice.text or "").split())
    return text[:18] + ("…" if len(text) > 18 else "")


def render_notice(notice: NoticeRecord, library: TemplateLibrary, locale: str) -> str:
    """The notice exactly as residents see it (HTML; every variable and free text escaped)."""
    if notice.template is not None:
        return render(library.get(notice.template), locale, notice.variables)
    heading = i18n.t(locale, "notice.free_heading")
    return f"<b>{heading}</b>\n{html.escape(notice.text or '', quote=False)}"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def _topic_closed(delivery: DeliveryRecord) -> bool:
    """Whether the group's topic for notices (or General) was closed when it was sent."""
    return TOPIC_CLOSED in (delivery.error or "").lower()


def _failure_reason(locale: str, error: str | None) -> str:
    text = (error or "").lower()
    if TOPIC_CLOSED in text:
        return i18n.t(locale, "notice.reason_topic_closed")
    if "chat unavailable" in text or "chat dead" in text or "forbidden" in text:
        return i18n.t(locale, "notice.reason_removed")
    return i18n.t(locale, "notice.reason_other")


class NoticeService:
    """Stored notices: creation, the periodic delivery tick and the author's reports."""

    def __init__(
        self,
        uow: NoticeUnitOfWorkFactory,
        clock: Clock,
        library: TemplateLibrary,
        *,
        max_notices_per_tick: int = 100,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.library = library
        self.max_notices_per_tick = max_notices_per_tick

    # -- who may -----------------------------------------------------------------------------
    async def staff(self, telegram_id: int) -> Staff:
        """Return the admin/supervisor behind a Telegram id; NotAllowed for anyone else."""
        async with self.uow() as tx:
            people = await tx.people.by_telegram_id(telegram_id)
            person = next((p for p in people if p.active and p.has_role(*NOTICE_ROLES)), None)
            if person is None:
                raise NotAllowed("notice.not_allowed")
            community = await tx.registry.community(person.community_id)
        if community is None:
            raise NotAllowed("notice.not_allowed")
        return Staff(telegram_id, person, community)

    # -- creation ----------------------------------------------------------------------------
    def first_due(self, notice: NoticeRecord, tz: ZoneInfo, now: datetime) -> NoticeRecord:
        """Set `last_done` (creation time, for recurring ones) and the first `next_due`."""
        last_done = notice.last_done
        if notice.is_recurring and last_done is None:
            last_done = now
        decision = self._decide(notice, last_done, now, tz)
        if decision.send_at is not None or decision.skipped:
            next_due: datetime | None = now  # due already: the next tick handles it
        else:
            next_due = decision.next_at
        status = notice.status if next_due is not None or notice.status != ACTIVE else DONE
        return replace(notice, last_done=last_done, next_due=next_due, status=status)

    async def create(
        self, tx: NoticeUnitOfWork, notice: NoticeRecord, community: CommunityInfo
    ) -> NoticeRecord:
        """Store a notice in the caller's transaction; an existing key returns the stored one."""
        now = self.clock.now()
        ready = self.first_due(notice, ZoneInfo(community.timezone), now)
        new_id = await tx.notices.add(ready, now)
        if new_id is None:
            assert notice.key is not None
            existing = await tx.notices.by_key(notice.community_id, notice.key)
            assert existing is not None
            return existing
        await tx.audit.record(
            AuditRecord(
                action="notice.created",
                subject=f"notice:{new_id}",
                actor_telegram_id=notice.author_telegram_id,
                community_id=community.id,
                details={"source": notice.source, "template": notice.template},
            ),
            now,
        )
        return replace(ready, id=new_id, created_at=now)

    async def targets_of(
        self, tx: NoticeUnitOfWork, community: CommunityInfo, target: Target
    ) -> list[ChatInfo]:
        """The groups a target reaches now (live and dead ones; dead ones will fail)."""
        chats = await tx.chats.of_community(community.id)
        by_id = {c.chat_id: c for c in chats}
        ids = resolve_targets(target, chat_coverage(chats, community))
        return [by_id[i] for i in ids if i in by_id and by_id[i].status in ("bound", "dead")]

    # -- state changes ---------------------------------------------------------------------
    async def set_status(
        self, notice_id: int, status: str, staff: Staff, update_id: int | None
    ) -> NoticeRecord:
        """Pause, resume or cancel a notice of the staff member's community."""
        now = self.clock.now()
        async with self.uow() as tx:
            notice = await tx.notices.get(notice_id)
            if notice is None or notice.community_id != staff.community.id:
                raise NotFound("notice.not_found")
            if notice.status in (CANCELLED, DONE) or notice.status == status:
                return notice
            changed = replace(notice, status=status)
            if status == ACTIVE and notice.is_recurring:
                # Occurrences missed while paused are not sent in a burst on resume.
                base = max(notice.last_done or now, now)
                changed = self.first_due(replace(changed, last_done=base), staff.tz, now)
            elif status == ACTIVE:
                changed = self.first_due(changed, staff.tz, now)
            await tx.notices.save(changed, now)
            await tx.audit.record(
                AuditRecord(
                    action=f"notice.{status}",
                    subject=f"notice:{notice_id}",
                    actor_telegram_id=staff.telegram_id,
                    community_id=staff.community.id,
                    update_id=update_id,
                ),
                now,
            )
            await tx.commit()
        return changed

    # -- the tick ----------------------------------------------------------------------------
    async def tick(self) -> None:
        """Send what is due, then settle deliveries and report finished occurrences."""
        await self.run_due()
        await self.settle()

    async def run_due(self) -> int:
        """Handle every due notice, each in its own transaction; return how many."""
        handled = 0
        while handled < self.max_notices_per_tick:
            now = self.clock.now()
            async with self.uow() as tx:
                claimed = await tx.notices.claim_due(now, 1)
                if not claimed:
                    return handled
                notice = claimed[0]
                try:
                    await self._handle(tx, notice, now)
                except Exception:
                    log.exception(
                        "notice %s could not be handled", notice.id, extra={"notice_id": notice.id}
                    )
                    await tx.notices.save(
                        replace(notice, next_due=now + timedelta(minutes=5)), now
                    )
                await tx.commit()
            handled += 1
        return handled

    def _decide(
        self, notice: NoticeRecord, last_done: datetime | None, now: datetime, tz: ZoneInfo
    ) -> DueDecision:
        lateness = (
            timedelta(minutes=notice.max_lateness_minutes)
            if notice.max_lateness_minutes is not None
            else None
        )
        return due_occurrences(
            notice.schedule_model,
            last_done,
            now,
            tz,
            lateness,
            quiet=notice.quiet_model,
            urgent=notice.urgent,
        )

    async def _handle(self, tx: NoticeUnitOfWork, notice: NoticeRecord, now: datetime) -> None:
        community = await tx.registry.community(notice.community_id)
        if community is None:
            await tx.notices.save(replace(notice, status=CANCELLED, next_due=None), now)
            return
        tz = ZoneInfo(community.timezone)
        decision = self._decide(notice, notice.last_done, now, tz)
        if decision.send_at is not None:
            await self._send_occurrence(tx, notice, community, decision.send_at, now)
        if decision.skipped:
            await self._tell_skipped(tx, notice, community, decision, now)
        last_done = decision.handled_through or notice.last_done
        next_due = decision.next_at
        status = DONE if next_due is None else notice.status
        await tx.notices.save(
            replace(notice, last_done=last_done, next_due=next_due, status=status), now
        )

    async def _send_occurrence(
        self,
        tx: NoticeUnitOfWork,
        notice: NoticeRecord,
        community: CommunityInfo,
        occurrence: datetime,
        now: datetime,
    ) -> None:
        if not await tx.notices.add_occurrence(notice.id, occurrence, now):
            return  # handled before (cannot happen while last_done moves in the same commit)
        text = render_notice(notice, self.library, community.locale)
        messages: list[OutboundMessage] = []
        for chat in await self.targets_of(tx, community, notice.target_model):
            if chat.status == "dead":
                await tx.notices.add_delivery(
                    notice.id, occurrence, chat.chat_id, "failed", now, error="chat dead"
                )
                continue
            payload: dict[str, object] = {"text": text}
            if chat.notice_thread_id is not None:  # a forum's topic for notices, else General
                payload["message_thread_id"] = chat.notice_thread_id
            messages.append(
                OutboundMessage(
                    chat_id=chat.chat_id,
                    method="send_message",
                    payload=payload,
                    purpose="notice",
                    dedup_key=f"notice:{notice.id}:{_stamp(occurrence)}:{chat.chat_id}",
                )
            )
        # One outbox message per delivery (dedup key per delivery), queued in bulk.
        await tx.notices.queue_deliveries(notice.id, occurrence, messages, now, pin=notice.pin)

    async def _recipients(
        self, tx: NoticeUnitOfWork, notice: NoticeRecord, community: CommunityInfo
    ) -> list[int]:
        """The author of a notice, or the community's admins for notices from a file."""
        if notice.author_telegram_id is not None:
            return [notice.author_telegram_id]
        return [
            p.telegram_id
            for p in await tx.people.of_community(community.id)
            if p.active and Role.ADMIN in p.roles and p.telegram_id is not None
        ]

    async def _tell(
        self,
        tx: NoticeUnitOfWork,
        recipients: list[int],
        text: str,
        purpose: str,
        key: str,
        now: datetime,
    ) -> None:
        for user_id in recipients:
            await send(tx, user_id, text, now, f"{key}:{user_id}", purpose=purpose)

    async def _tell_skipped(
        self,
        tx: NoticeUnitOfWork,
        notice: NoticeRecord,
        community: CommunityInfo,
        decision: DueDecision,
        now: datetime,
    ) -> None:
        locale, tz = community.locale, ZoneInfo(community.timezone)
        title = notice_title(notice, self.library, locale)
        times = "、".join(format_local(m, tz, now, locale) for m in decision.skipped[-3:])
        if decision.send_at is not None:
            text = i18n.t(
                locale,
                "notice.collapsed",
                title=title,
                count=decision.skipped_total,
                times=times,
                sent=format_local(decision.send_at, tz, now, locale),
            )
        else:
            text = i18n.t(
                locale,
                "notice.skipped",
                title=title,
                count=decision.skipped_total,
                times=times,
                minutes=notice.max_lateness_minutes or 0,
            )
        through = decision.handled_through or now
        key = f"notice.skipped:{notice.id}:{_stamp(through)}"
        await self._tell(
            tx, await self._recipients(tx, notice, community), text, "notice.skipped", key, now
        )
        await tx.audit.record(
            AuditRecord(
                action="notice.skipped",
                subject=f"notice:{notice.id}",
                community_id=community.id,
                details={
                    "count": decision.skipped_total,
                    "sent_late": decision.send_at is not None,
                },
            ),
            now,
        )

    async def settle(self) -> int:
        """Copy outbox outcomes onto deliveries; report each occurrence once all are settled."""
        now = self.clock.now()
        reported = 0
        async with self.uow() as tx:
            await tx.notices.settle_from_outbox(now)
            for occurrence in await tx.notices.unsettled_occurrences(200):
                deliveries = await tx.notices.deliveries(
                    occurrence.notice_id, occurrence.occurrence
                )
                if any(d.status not in ("sent", "failed") for d in deliveries):
                    continue
                sent = sum(1 for d in deliveries if d.status == "sent")
                failed = len(deliveries) - sent
                if await tx.notices.settle_occurrence(
                    occurrence.notice_id, occurrence.occurrence, sent, failed, now
                ):
                    await self._report(tx, occurrence, deliveries, sent, now)
                    reported += 1
            await tx.commit()
        return reported

    async def _report(
        self,
        tx: NoticeUnitOfWork,
        occurrence: OccurrenceRecord,
        deliveries: list[DeliveryRecord],
        sent: int,
        now: datetime,
    ) -> None:
        notice = await tx.notices.get(occurrence.notice_id)
        if notice is None:
            return
        community = await tx.registry.community(notice.community_id)
        if community is None:
            return
        failures = [d for d in deliveries if d.status == "failed"]
        if notice.author_telegram_id is None and not failures:
            return  # a notice from the file that went everywhere: no news for the admins
        locale = community.locale
        title = notice_title(notice, self.library, locale)
        text = i18n.t(locale, "notice.report", title=title, sent=sent, total=len(deliveries))
        if failures:
            names = []
            for d in failures[:_LISTED_FAILURES]:
                chat = await tx.chats.get(d.chat_id)
                names.append(
                    i18n.t(
                        locale,
                        "notice.failed_item",
                        chat=chat.title if chat and chat.title else str(d.chat_id),
                        reason=_failure_reason(locale, d.error),
                    )
                )
            more = len(failures) - len(names)
            text += i18n.t(
                locale,
                "notice.report_failed",
                failed=len(failures),
                items=i18n.Raw("、".join(names)),
                more=i18n.t(locale, "notice.report_more", count=more) if more > 0 else "",
            )
        key = f"notice.report:{notice.id}:{_stamp(occurrence.occurrence)}"
        recipients = await self._recipients(tx, notice, community)
        await self._tell(tx, recipients, text, "notice.report", key, now)
        for d in failures:
            if _topic_closed(d):
                await self._tell_topic_closed(tx, notice, d.chat_id, title, locale, recipients)

    async def _tell_topic_closed(
        self,
        tx: NoticeUnitOfWork,
        notice: NoticeRecord,
        chat_id: int,
        title: str,
        locale: str,
        recipients: list[int],
    ) -> None:
        """Say what to do about a closed topic – once per notice and group, not every week."""
        now = self.clock.now()
        chat = await tx.chats.get(chat_id)
        name = chat.title if chat is not None and chat.title else str(chat_id)
        text = i18n.t(locale, "notice.topic_closed", title=title, chat=name)
        key = f"notice.topic_closed:{notice.id}:{chat_id}"
        await self._tell(tx, recipients, text, "notice.topic_closed", key, now)

    # -- views ---------------------------------------------------------------------------------
    def describe_schedule(self, notice: NoticeRecord, tz: ZoneInfo, locale: str) -> str:
        """Say in words when a notice goes out ("每周一 09:00" or "12月5日 09:00")."""
        schedule = notice.schedule_model
        now = self.clock.now()
        if isinstance(schedule, Once):
            at = schedule.local_at(tz).replace(tzinfo=tz)
            return format_local(at, tz, now, locale)
        words = schedule.rule or schedule.cron or ""
        if schedule.season is not None:
            (m1, d1), (m2, d2) = schedule.season.start_md, schedule.season.end_md
            words += i18n.t(locale, "notice.season", start=f"{m1}月{d1}日", end=f"{m2}月{d2}日")
        return words

    def next_local(self, notice: NoticeRecord, tz: ZoneInfo, locale: str) -> str | None:
        """When a notice goes out next, in words, or None."""
        now = self.clock.now()
        if notice.next_due is not None:
            return format_local(max(notice.next_due, now), tz, now, locale)
        upcoming = next_occurrence(notice.schedule_model, now, tz)
        return format_local(upcoming, tz, now, locale) if upcoming else None

    async def upcoming(self, staff: Staff, limit: int = 20) -> list[NoticeRecord]:
        """Active and paused notices of the staff member's community, newest first."""
        async with self.uow() as tx:
            notices = await tx.notices.of_community(staff.community.id, (ACTIVE, PAUSED))
        return notices[:limit]
