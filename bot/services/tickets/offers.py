"""Offers: a plain group message that reads as a repair report gets one quiet offer of a ticket.

Only emergencies are taken at once from messages that do not mention the bot. A message that
intake reads as an everyday report with high confidence (bot.domain.intake.confidence) gets,
as a reply, one 「需要我帮您登记报修吗？」 with 「好的，帮我登记」 · 「不用了」 – at most
once per person and kind of problem within the offer window (stored, so a restart does not
repeat it), never for staff talking to neighbours, and only where the building is known (one
tap must be enough). Tapping it opens the ticket from that message, for its author. The
community file's `unaddressed_reports` turns it off, keeps it an offer (the default), or
opens tickets at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from bot import i18n
from bot.domain.intake import Classification, classify
from bot.domain.intake.confidence import OfferPolicy, sure_report
from bot.domain.intake.language import reply_locale
from bot.domain.records import ButtonSpec, CommunityInfo
from bot.domain.tickets import Ticket
from bot.services.buttons import Pressed, callback_data
from bot.services.outgoing import edit, send
from bot.services.ports import TicketUnitOfWork
from bot.services.tickets.cards import STAFF_ROLES
from bot.services.tickets.core import TicketEnv, building_refs, community_rules, person_in
from bot.services.tickets.dto import OpenTicket, Origin, Subject, TicketMessage

KIND = "ticket.offer"
OFF, OFFER, OPEN = "off", "offer", "open"
#: an offer left untouched this long is stale: its buttons say so when pressed
BUTTON_LIFETIME = timedelta(days=2)
_PURPOSE = "ticket.offer"


class Opener(Protocol):
    async def open(self, tx: TicketUnitOfWork, cmd: OpenTicket, now: datetime) -> Ticket: ...


def mode_of(community: CommunityInfo) -> str:
    """The community's choice for plain reports: off, offer (the default) or open."""
    mode = community.extra.get("unaddressed_reports")
    return mode if mode in (OFF, OFFER, OPEN) else OFFER


class ReportOffers:
    def __init__(self, env: TicketEnv, opener: Opener, policy: OfferPolicy | None = None):
        self.env = env
        self.opener = opener
        self.policy = policy or OfferPolicy()

    async def consider(
        self,
        tx: TicketUnitOfWork,
        msg: TicketMessage,
        community: CommunityInfo,
        reading: Classification,
        subject: Subject,
        now: datetime,
    ) -> None:
        """A group message nobody addressed, not an emergency: offer a ticket, open one, or
        (most of the time) stay quiet."""
        mode = mode_of(community)
        if mode == OFF or msg.private or not sure_report(reading, self.policy):
            return
        if reading.building is None or not reading.building_known:
            return
        person = await person_in(tx, msg.user_id, community.id)
        if person is not None and person.has_role(*STAFF_ROLES):
            return  # staff telling neighbours what is broken are not reporting it
        since = now - self.env.policy.offer_window
        if not await tx.offers.claim(
            community.id, subject.reporter_id, reading.category, msg.update_id, now, since
        ):
            return
        locale = reply_locale(subject.text, community.locale)
        if mode == OPEN:
            where = (msg.chat_id, msg.update_id, msg.thread_id)
            await self.opener.open(tx, _command(community, where, subject, reading, locale), now)
            return
        payload: dict[str, object] = {
            "chat": msg.chat_id,
            "m": subject.message_id,
            "text": subject.text,
            "ph": subject.photo_file_id,
            "name": subject.reporter_name,
            "by": subject.reporter_id,
            "b": reading.building,
            "upd": msg.update_id,
            "th": msg.thread_id,
            "l": locale,
        }
        rows = [
            [
                await self._button(tx, now, locale, "accept", payload, community.id),
                await self._button(tx, now, locale, "decline", payload, community.id),
            ]
        ]
        await send(
            tx,
            msg.chat_id,
            i18n.t(locale, "answers.offer.ask"),
            now,
            f"offer:{msg.update_id}",
            purpose=_PURPOSE,
            buttons=rows,
            reply_to_message_id=msg.message_id,
            thread_id=msg.thread_id,
        )

    async def press(self, pressed: Pressed, origin: Origin) -> str:
        """「好的，帮我登记」 opens the ticket from the offered message; 「不用了」 drops it."""
        p = pressed.spec.payload
        now = self.env.clock.now()
        async with self.env.uow() as tx:
            community = await tx.registry.community(int(pressed.spec.community_id or 0))
            if community is None:
                return ""
            locale = str(p.get("l") or community.locale)
            if p.get("a") != "accept":
                text, answer = "answers.offer.declined", "answers.offer.answer_declined"
                await self._close(tx, origin, i18n.t(locale, text), f"offer:{p['upd']}:no", now)
                await tx.commit()
                return i18n.t(locale, answer)
            subject = Subject(
                str(p["text"]),
                int(p["by"]),
                str(p.get("name") or ""),
                None,
                int(p["m"]),
                str(p["ph"]) if p.get("ph") else None,
            )
            b = str(p["b"]) if p.get("b") else None
            rules, buildings = community_rules(community), building_refs(community)
            reading = classify(subject.text, rules, buildings, b)
            thread = int(str(p["th"])) if p.get("th") is not None else None
            where = (int(p["chat"]), int(p["upd"]), thread)
            cmd = _command(community, where, subject, reading, locale, source="offer")
            ticket = await self.opener.open(tx, cmd, now)
            done = i18n.t(locale, "answers.offer.done", number=ticket.label)
            await self._close(tx, origin, done, f"offer:{p['upd']}:done", now)
            await tx.commit()
            return i18n.t(locale, "answers.offer.answer_done")

    async def _button(
        self,
        tx: TicketUnitOfWork,
        now: datetime,
        locale: str,
        answer: str,
        payload: dict[str, object],
        community_id: int,
    ) -> dict[str, str]:
        """One of the offer's two buttons: only the message's author may press it."""
        spec = ButtonSpec(
            kind=KIND,
            subject=f"offer:{payload['upd']}",
            payload={**payload, "a": answer},
            allowed_user_ids=(int(str(payload["by"])),),
            community_id=community_id,
            expires_at=now + BUTTON_LIFETIME,
        )
        button_id = await tx.buttons.create(spec, now)
        text = i18n.t(locale, f"answers.offer.{answer}")
        return {"text": text, "callback_data": callback_data(button_id)}

    @staticmethod
    async def _close(
        tx: TicketUnitOfWork, origin: Origin, text: str, key: str, now: datetime
    ) -> None:
        """The offer's last word, in its own message, without buttons."""
        await edit(
            tx, origin.chat_id, text, now, key, purpose=_PURPOSE, message_id=origin.message_id
        )


def _command(
    community: CommunityInfo,
    where: tuple[int, int, int | None],
    subject: Subject,
    reading: Classification,
    locale: str,
    source: str = "plain",
) -> OpenTicket:
    """Open a ticket for the message (chat, update, topic), keyed by its update like any
    report of it, so the same message never opens two."""
    chat_id, update_id, thread_id = where
    return OpenTicket(
        community,
        chat_id,
        subject,
        reading,
        reading.building if reading.building_known else None,
        source,
        f"u:{update_id}",
        update_id,
        thread_id=thread_id,
        locale=locale,
    )
