"""A resident's reply to a ticket's card (or to any message the bot wrote about a ticket) is
addressed to that ticket: a note for whoever handles it, a new problem of its own, or – on a
finished ticket – a word on how to report again. Nobody who answers the bot is ignored.

The note is stored and audited, goes to the assignee in private (its photo too), and the
resident hears one short line in the group – never their own words back (rooms, phones).
A resident who writes a lot is not forwarded line by line: after one note went on, the next
ones wait FORWARD_QUIET and go together (a durable timer: the tick sends what is due).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from itertools import groupby

from bot import i18n
from bot.domain.intake import Classification, classify
from bot.domain.records import AuditRecord, CommunityInfo, OutboundMessage
from bot.domain.tickets import Prompt, Status, Ticket, find_phones
from bot.domain.tickets.changes import phone_given
from bot.domain.tickets.duplicates import says_me_too
from bot.domain.tickets.replies import (
    NewResidentNote,
    ResidentNote,
    forward_at,
    is_new_problem,
    takes_notes,
)
from bot.services.outgoing import send
from bot.services.ports import TicketUnitOfWork
from bot.services.tickets.cards import MANAGER_ROLES, STAFF_ROLES
from bot.services.tickets.core import TicketEnv, building_refs, community_rules, person_in
from bot.services.tickets.dto import OpenTicket, Subject, TicketMessage

Opener = Callable[[TicketUnitOfWork, OpenTicket, datetime], Awaitable[Ticket]]


class CardReplies:
    """Residents answering the bot about a ticket, in a group."""

    def __init__(self, env: TicketEnv, open_ticket: Opener) -> None:
        self.env = env
        self.open_ticket = open_ticket

    async def take(
        self, tx: TicketUnitOfWork, msg: TicketMessage, community: CommunityInfo, now: datetime
    ) -> bool:
        """Handle a group reply to a bot message about a ticket; False leaves it to intake
        (not such a reply, staff, or a "me too" from someone new)."""
        ticket = await self._ticket_replied_to(tx, msg)
        if ticket is None or (not msg.text.strip() and not msg.photo_file_id):
            return False
        person = await person_in(tx, msg.user_id, community.id)
        if person is not None and person.has_role(*STAFF_ROLES):
            return False  # staff write their notes in private
        if says_me_too(msg.text) and not ticket.involves(msg.user_id) and ticket.is_open:
            return False  # intake makes them a follower
        if msg.text.strip():
            reading = classify(
                msg.text, community_rules(community), building_refs(community), ticket.building
            )
            if is_new_problem(msg.text, reading, ticket):
                return await self._new_problem(tx, msg, community, ticket, reading, now)
        if not takes_notes(ticket):
            await self._finished(tx, msg, community, ticket, now)
            return True
        await self.note(tx, msg, community, ticket, now)
        return True

    async def _ticket_replied_to(self, tx: TicketUnitOfWork, msg: TicketMessage) -> Ticket | None:
        r = msg.reply
        if r is None or msg.private or not r.is_bot:
            return None
        ticket = await tx.tickets.of_bot_message(msg.chat_id, r.message_id)
        if ticket is not None and ticket.merged_into_id is not None:
            return await tx.tickets.get(ticket.merged_into_id) or ticket
        return ticket

    # -- a problem of its own -------------------------------------------------------------
    async def _new_problem(
        self,
        tx: TicketUnitOfWork,
        msg: TicketMessage,
        community: CommunityInfo,
        ticket: Ticket,
        reading: Classification,
        now: datetime,
    ) -> bool:
        """ "另外3楼的灯也坏了" under the door's card: a ticket of its own (its card answers),
        in the building the reply names, else the replied ticket's."""
        building = reading.building if reading.building_known else ticket.building
        subject = Subject(
            msg.text, msg.user_id, msg.user_name, None, msg.message_id, msg.photo_file_id
        )
        await self.open_ticket(
            tx,
            OpenTicket(
                community,
                msg.chat_id,
                subject,
                reading,
                building,
                "card_reply",
                f"u:{msg.update_id}",
                msg.update_id,
                thread_id=msg.thread_id,
            ),
            now,
        )
        return True

    async def _finished(
        self,
        tx: TicketUnitOfWork,
        msg: TicketMessage,
        community: CommunityInfo,
        ticket: Ticket,
        now: datetime,
    ) -> None:
        locale = community.locale
        if ticket.status is Status.REFERRED and ticket.referred_to:
            where = self.env.looks.refer_label(locale, ticket.referred_to)
            text = i18n.t(
                locale, "replies.referred", number=ticket.label, where=where, bot=msg.bot_username
            )
        else:
            text = i18n.t(locale, "replies.finished", number=ticket.label, bot=msg.bot_username)
        await self._answer(tx, msg, ticket, text, now)

    # -- a note for whoever handles it ----------------------------------------------------
    async def note(
        self,
        tx: TicketUnitOfWork,
        msg: TicketMessage,
        community: CommunityInfo,
        ticket: Ticket,
        now: datetime,
        *,
        answer: bool = True,
    ) -> bool:
        """Store a resident's words on a ticket for its handler (held to go with the next
        ones when they write a lot); answer them in the group unless `answer` is False.
        False when this update was handled before."""
        text = msg.text.strip()[: self.env.policy.note_chars]
        notes = await tx.tickets.notes(ticket.id)
        answered = max((at for kind, _, at in notes if kind != "resident"), default=None)
        at = forward_at(now, await tx.tickets.last_forwarded(ticket.id), answered)
        new = NewResidentNote(ticket.id, msg.user_id, text, msg.photo_file_id, msg.update_id, at)
        note_id = await tx.tickets.add_resident_note(new, now, forwarded=at <= now)
        if note_id is None:
            return False  # this update was handled before
        if msg.photo_file_id and ticket.involves(msg.user_id):  # as before: only theirs join
            await tx.tickets.add_photo(ticket.id, msg.photo_file_id, msg.user_id, now)
        phones = find_phones(text)
        if phones and ticket.phone is None:
            ticket = await tx.tickets.update(ticket.id, phone_given(phones[0]), now)
        await tx.audit.record(
            AuditRecord(
                action="ticket.resident_note",
                subject=f"ticket:{ticket.number}",
                actor_telegram_id=msg.user_id,
                community_id=community.id,
                update_id=msg.update_id,
                details={"photo": bool(msg.photo_file_id), "held": at > now},
            ),
            now,
        )
        if at <= now:
            note = ResidentNote(note_id, ticket.id, msg.user_id, text, msg.photo_file_id, now)
            await self._forward(tx, ticket, community, [note], now)
        if answer:
            ack = self._ack(community.locale, ticket, held=at > now, photo_only=not text)
            await self._answer(tx, msg, ticket, ack, now)
        return True

    @staticmethod
    def _ack(locale: str, ticket: Ticket, *, held: bool, photo_only: bool) -> str:
        name = ticket.assignee_name
        if not name or ticket.assignee_id is None:
            if photo_only:
                return i18n.t(locale, "replies.photo_nobody", number=ticket.label)
            return i18n.t(locale, "replies.passed_on_nobody")
        if photo_only:
            return i18n.t(locale, "replies.photo_passed_on", number=ticket.label, name=name)
        if held:
            return i18n.t(locale, "replies.gathered", name=name)
        if ticket.status is Status.RESOLVED:
            return i18n.t(locale, "replies.passed_on_resolved", name=name)
        return i18n.t(locale, "replies.passed_on", name=name)

    async def _answer(
        self, tx: TicketUnitOfWork, msg: TicketMessage, ticket: Ticket, text: str, now: datetime
    ) -> None:
        await send(
            tx,
            msg.chat_id,
            text,
            now,
            f"tk:{ticket.id}:rnote:{msg.update_id}",
            purpose="ticket.resident_note",
            reply_to_message_id=msg.message_id,
            thread_id=msg.thread_id,
        )

    # -- forwarding -----------------------------------------------------------------------
    async def flush(self) -> int:
        """Send staff the notes that were held back and are due now, one message a ticket."""
        now = self.env.clock.now()
        sent = 0
        async with self.env.uow() as tx:
            due = await tx.tickets.due_resident_notes(now)
            for ticket_id, group in groupby(due, key=lambda n: n.ticket_id):
                notes = list(group)
                if not await tx.tickets.mark_forwarded([n.id for n in notes], now):
                    continue  # another process took them
                ticket = await tx.tickets.get(ticket_id)
                community = (
                    None if ticket is None else await tx.registry.community(ticket.community_id)
                )
                if ticket is not None and community is not None and takes_notes(ticket):
                    await self._forward(tx, ticket, community, notes, now)
                    sent += 1
            await tx.commit()
        return sent

    async def _forward(
        self,
        tx: TicketUnitOfWork,
        ticket: Ticket,
        community: CommunityInfo,
        notes: list[ResidentNote],
        now: datetime,
    ) -> None:
        """Tell whoever holds the ticket (nobody yet: the managers) what residents said, with
        their photos; a reply to it is a progress note."""
        locale = community.locale
        text = self._forward_text(locale, ticket, notes)
        key = f"tk:{ticket.id}:rnote-fwd:{notes[0].id}"
        for staff_id in await self._recipients(tx, ticket):
            outbox_id = await send(
                tx, staff_id, text, now, f"{key}:{staff_id}", purpose="ticket.resident_note"
            )
            if outbox_id is None:
                continue
            await tx.tickets.add_prompt(
                Prompt(outbox_id, ticket.id, "note", staff_id, False), staff_id, now
            )
            photos = [n.photo_file_id for n in notes if n.photo_file_id]
            for index, photo in enumerate(photos):
                await tx.outbox.enqueue(
                    OutboundMessage(
                        staff_id,
                        "send_photo",
                        {"photo": photo, "reply_to_outbox_id": outbox_id},
                        "ticket.photo",
                        f"{key}:{staff_id}:photo{index}",
                    ),
                    now,
                )

    def _forward_text(self, locale: str, ticket: Ticket, notes: list[ResidentNote]) -> str:
        def who(note: ResidentNote) -> str:
            if note.author_id in (ticket.reporter_id, ticket.on_behalf_by):
                return i18n.t(locale, "replies.who_reporter")
            if note.author_id in ticket.followers:
                return i18n.t(locale, "replies.who_follower")
            return i18n.t(locale, "replies.who_neighbour")

        def said(note: ResidentNote) -> str:
            return note.text or i18n.t(locale, "replies.photo_only")

        if len(notes) == 1:
            (one,) = notes
            number, text = ticket.label, said(one)
            lines = [i18n.t(locale, "replies.forward_one", number=number, who=who(one), text=text)]
        else:
            lines = [i18n.t(locale, "replies.forward_many", number=ticket.label, count=len(notes))]
            lines += [
                i18n.t(locale, "replies.forward_line", who=who(n), text=said(n)) for n in notes
            ]
        lines.append(i18n.t(locale, "replies.forward_hint"))
        return "\n".join(lines)

    @staticmethod
    async def _recipients(tx: TicketUnitOfWork, ticket: Ticket) -> list[int]:
        if ticket.assignee_id is not None:
            return [ticket.assignee_id]
        people = await tx.people.of_community(ticket.community_id)
        for role in MANAGER_ROLES:  # supervisors first; admins when there is none
            found = [p.telegram_id for p in people if p.telegram_id and role in p.roles]
            if found:
                return found
        return []
