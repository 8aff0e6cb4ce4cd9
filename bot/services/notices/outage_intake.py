"""Outage-aware intake: a report of an announced outage, in a group the outage notice covers.

While the outage is on, "怎么没水了" gets the notice's answer – what, until when, whom to call
– with a one-tap 「恢复后还不行就告诉我」, not a ticket with deadlines. Tapped, it queues a
reminder for the announced end (an outbox row due then: nothing is lost in a restart) that
offers to report it. After the end, or after "restored", a report of it – "还是没有水啊",
which the restore notice invites, addressed or not – opens a ticket as usual, linked to the
outage (`tickets.outage_id`) and saying so to staff. Emergencies never go this way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot import i18n
from bot.domain.intake import Classification
from bot.domain.intake.classify import REPORT
from bot.domain.notices.outage import format_local
from bot.domain.notices.outage_reports import (
    FOLLOW_UP,
    KIND_CATEGORY,
    Outage,
    outage_of,
    reports_missing,
)
from bot.domain.notices.records import NoticeRecord
from bot.domain.notices.targets import resolve_targets
from bot.domain.records import CommunityInfo, OutboundMessage
from bot.domain.tickets import Ticket
from bot.services.buttons import Pressed
from bot.services.notices.service import chat_coverage
from bot.services.outgoing import Rows, edit, send
from bot.services.ports import TicketUnitOfWork
from bot.services.tickets.cards import button
from bot.services.tickets.core import TicketEnv
from bot.services.tickets.dto import OpenTicket, Origin, Subject, TicketMessage

Opener = Callable[[TicketUnitOfWork, OpenTicket, datetime], Awaitable[Ticket]]
REMIND, STILL_BROKEN, FINE = "ticket.outage_remind", "ticket.outage_open", "ticket.outage_ok"
_LONGEST = timedelta(days=8)  # an outage lasts at most 7 days (parse_outage), then FOLLOW_UP


@dataclass(frozen=True)
class OutageLink:
    """What an outage makes of a report: answered already, or a ticket linked to it."""

    answered: bool
    notice_id: int
    note: str  # which outage, for staff
    reading: Classification  # the report as a report of the outage's kind


class OutageIntake:
    """Reports of announced outages, from the groups their notices went to."""

    def __init__(self, env: TicketEnv, open_ticket: Opener) -> None:
        self.env = env
        self.open_ticket = open_ticket

    async def consider(
        self,
        tx: TicketUnitOfWork,
        msg: TicketMessage,
        community: CommunityInfo,
        reading: Classification,
        now: datetime,
    ) -> OutageLink | None:
        """Answer a report of an outage that is on; link one of an outage just over; None
        when no outage of that group is concerned (or it is an emergency)."""
        if msg.private or reading.level == 1 or not msg.text.strip():
            return None
        for notice, outage in await self._covering(tx, community, msg.chat_id, now):
            if not reports_missing(msg.text, outage.kind):
                continue
            phase = outage.phase(now)
            note = self._note(community, notice, outage)
            if phase == "on":
                await self._answer(tx, msg, community, notice, outage, now)
                return OutageLink(True, outage.notice_id, note, reading)
            if phase == "over":
                return OutageLink(False, outage.notice_id, note, self._as_report(reading, notice))
        return None

    async def _covering(
        self, tx: TicketUnitOfWork, community: CommunityInfo, chat_id: int, now: datetime
    ) -> list[tuple[NoticeRecord, Outage]]:
        """Outages announced to this group that are on or just over, newest first."""
        found = []
        chats = chat_coverage(await tx.chats.of_community(community.id), community)
        for notice in await tx.notices.outages_since(community.id, now - _LONGEST - FOLLOW_UP):
            outage = outage_of(notice.id, notice.extra)
            if outage is None or outage.phase(now) is None:
                continue
            if chat_id in resolve_targets(notice.target_model, chats):
                found.append((notice, outage))
        return found

    @staticmethod
    def _as_report(reading: Classification, notice: NoticeRecord) -> Classification:
        """ "还是没有水啊" reads as a question; after an outage it is a report of its kind, in
        the group's building – or the outage's, when it names one."""
        info = notice.extra["outage"]
        building = reading.building
        if building is None and info.get("buildings") and len(info["buildings"]) == 1:
            building = info["buildings"][0]
        return replace(
            reading,
            intent=REPORT,
            category=KIND_CATEGORY[info["kind"]],
            building=building,
            building_known=building is not None,
        )

    # -- what is said ---------------------------------------------------------------------
    def _when(self, community: CommunityInfo, at: datetime, now: datetime) -> str:
        locale = "en" if community.locale == "en" else "zh"
        return format_local(at, ZoneInfo(community.timezone), now, locale)

    def _note(self, community: CommunityInfo, notice: NoticeRecord, outage: Outage) -> str:
        locale = community.locale
        looks = self.env.looks
        info = notice.extra["outage"]
        params: dict[str, Any] = {
            "what": info["what"],
            "buildings": notice.variables.get("buildings", ""),
            "start": looks.when(locale, community, outage.start),
            "end": looks.when(locale, community, outage.end),
        }
        if outage.restored_at is not None:
            restored = looks.when(locale, community, outage.restored_at)
            return i18n.t(locale, "outages.note_restored", restored=restored, **params)[:160]
        return i18n.t(locale, "outages.note", **params)[:160]

    def _answer_text(
        self, community: CommunityInfo, notice: NoticeRecord, outage: Outage, now: datetime
    ) -> str:
        locale = community.locale
        v = notice.variables
        params: dict[str, Any] = {
            "what": notice.extra["outage"]["what"],
            "buildings": v.get("buildings", ""),
            "start": self._when(community, outage.start, now),
            "end": self._when(community, outage.end, now),
            "reason": v.get("reason", ""),
            "contact": v.get("contact", ""),
        }
        hotline = getattr(self.env.looks.hotlines, outage.kind, None)
        if hotline is None:  # the lift: the property's own contact is the one to call
            return i18n.t(locale, "outages.answer", **params)
        utility = i18n.t(locale, f"outages.utility_{outage.kind}")
        return i18n.t(locale, "outages.answer_hotline", utility=utility, hotline=hotline, **params)

    async def _answer(
        self,
        tx: TicketUnitOfWork,
        msg: TicketMessage,
        community: CommunityInfo,
        notice: NoticeRecord,
        outage: Outage,
        now: datetime,
    ) -> None:
        """Reply with the notice's answer; to a message that did not address the bot, once
        per person and outage (neighbours chatting about it are not answered each time)."""
        payload: dict[str, object] = {
            "n": outage.notice_id,
            "c": community.id,
            "chat": msg.chat_id,
            "m": msg.message_id,
            "text": msg.text[:300],
            "by": msg.user_id,
            "name": msg.user_name,
            "th": msg.thread_id,
        }
        rows: Rows = [
            [
                await button(
                    tx,
                    now,
                    i18n.t(community.locale, "outages.remind_button"),
                    REMIND,
                    payload,
                    users=(msg.user_id,),
                    community_id=community.id,
                )
            ]
        ]
        key = f"outage:{outage.notice_id}:{msg.chat_id}:{msg.user_id}"
        if msg.addressed:
            key = f"outage:{outage.notice_id}:u{msg.update_id}"
        await send(
            tx,
            msg.chat_id,
            self._answer_text(community, notice, outage, now),
            now,
            key,
            purpose="outage.answer",
            buttons=rows,
            reply_to_message_id=msg.message_id,
            thread_id=msg.thread_id,
        )

    # -- the buttons ----------------------------------------------------------------------
    async def press(self, pressed: Pressed, origin: Origin) -> str:
        """「恢复后还不行就告诉我」, and the reminder's 「还是不行，帮我报修」 / 「已经好了」."""
        p = pressed.spec.payload
        now = self.env.clock.now()
        async with self.env.uow() as tx:
            community = await tx.registry.community(int(p["c"]))
            notice = await tx.notices.get(int(p["n"]))
            outage = None if notice is None else outage_of(notice.id, notice.extra)
            if community is None or notice is None or outage is None:
                return ""
            kind = pressed.spec.kind
            if kind == REMIND:
                answer = await self._remind_later(tx, p, community, notice, outage, origin, now)
            elif kind == STILL_BROKEN:
                answer = await self._report(tx, p, community, notice, outage, origin, now)
            else:
                answer = i18n.t(community.locale, "outages.fine")
                await self._close(tx, origin, answer, now)
            await tx.commit()
            return answer

    async def _remind_later(
        self,
        tx: TicketUnitOfWork,
        p: dict[str, Any],
        community: CommunityInfo,
        notice: NoticeRecord,
        outage: Outage,
        origin: Origin,
        now: datetime,
    ) -> str:
        locale = community.locale
        end = self._when(community, outage.end, now)
        at = max(outage.end, now)
        rows: Rows = [
            [
                await button(
                    tx,
                    now,
                    i18n.t(locale, label),
                    kind,
                    p,
                    users=(int(p["by"]),),
                    community_id=community.id,
                )
            ]
            for label, kind in (
                ("outages.still_broken_button", STILL_BROKEN),
                ("outages.fine_button", FINE),
            )
        ]
        text = i18n.t(
            locale,
            "outages.reminder",
            service=notice.extra["outage"]["service"],
            end=self._when(community, outage.end, at),
        )
        message: dict[str, object] = {"text": text, "buttons": rows}
        message["reply_to_message_id"] = p["m"]
        if p.get("th") is not None:
            message["message_thread_id"] = p["th"]
        await tx.outbox.enqueue(
            OutboundMessage(
                int(p["chat"]),
                "send_message",
                message,
                "outage.reminder",
                f"outage-remind:{outage.notice_id}:{p['by']}",
                not_before=at,
            ),
            now,
        )
        answer = i18n.t(locale, "outages.remind_set", end=end)
        text = f"{self._answer_text(community, notice, outage, now)}\n{answer}"
        await edit(
            tx,
            origin.chat_id,
            text,
            now,
            f"outage-remind-set:{outage.notice_id}:{p['by']}",
            purpose="outage.answer",
            message_id=origin.message_id,
        )
        return answer

    async def _report(
        self,
        tx: TicketUnitOfWork,
        p: dict[str, Any],
        community: CommunityInfo,
        notice: NoticeRecord,
        outage: Outage,
        origin: Origin,
        now: datetime,
    ) -> str:
        """Open the ticket the resident asked for, linked to the outage."""
        info = notice.extra["outage"]
        chat = await tx.chats.get(int(p["chat"]))
        building = chat.default_building if chat is not None else None
        if building is None and info.get("buildings") and len(info["buildings"]) == 1:
            building = info["buildings"][0]
        reading = Classification(
            REPORT, KIND_CATEGORY[outage.kind], 2, building, None, None, building_known=True
        )
        subject = Subject(
            str(p["text"]), int(p["by"]), str(p.get("name") or ""), None, int(p["m"]), None
        )
        ticket = await self.open_ticket(
            tx,
            OpenTicket(
                community,
                int(p["chat"]),
                subject,
                reading,
                building,
                "outage",
                f"outage:{outage.notice_id}:{p['by']}",
                origin.update_id,
                thread_id=p.get("th"),
                outage_id=outage.notice_id,
                outage_note=self._note(community, notice, outage),
            ),
            now,
        )
        answer = i18n.t(community.locale, "outages.reported", number=ticket.label)
        await self._close(tx, origin, answer, now)
        return answer

    @staticmethod
    async def _close(tx: TicketUnitOfWork, origin: Origin, text: str, now: datetime) -> None:
        """The reminder says what became of it, and loses its buttons."""
        await edit(
            tx,
            origin.chat_id,
            text,
            now,
            f"outage-done:{origin.chat_id}:{origin.message_id}",
            purpose="outage.reminder",
            message_id=origin.message_id,
        )
