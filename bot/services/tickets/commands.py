"""Withdrawing a ticket (/cancel), an admin's close without the resident's word (/close), and
folding duplicates together (/merge, /unmerge)."""

from __future__ import annotations

from bot import i18n
from bot.domain.errors import NotAllowed
from bot.domain.tickets import Action, Follower, Status, scrub
from bot.domain.tickets.changes import cancelled, expired, merged_into, unmerged
from bot.services.outgoing import edit
from bot.services.tickets.cards import notify_assignee, refresh_card, reply_to_card
from bot.services.tickets.core import (
    TicketEnv,
    change,
    community_of,
    find_ticket,
    is_staff,
    person_in,
)


class TicketCommands:
    """The /cancel, /close, /merge and /unmerge commands."""

    def __init__(self, env: TicketEnv) -> None:
        self.env = env

    async def cancel(self, user_id: int, number: str, reason: str, update_id: int) -> str:
        """The reporter or staff withdraw a ticket, with a reason the group sees."""
        now = self.env.clock.now()
        async with self.env.uow() as tx:
            ticket = await find_ticket(tx, number, user_id)
            community = await community_of(tx, ticket)
            locale = community.locale
            reporter = user_id in (ticket.reporter_id, ticket.on_behalf_by)
            if not reporter and not await is_staff(tx, ticket, user_id):
                raise NotAllowed("tickets.error.not_yours")
            reason = scrub(reason.strip()[:200], ticket.room) or "—"
            ticket = await change(
                tx,
                ticket,
                Action.CANCEL,
                now,
                actor=user_id,
                update_id=update_id,
                locale=locale,
                note=reason,
                changes=cancelled(reason, now),
            )
            ticket = await refresh_card(tx, self.env.looks, ticket, community, now)
            text = i18n.t(locale, "tickets.group.cancelled", number=ticket.label, reason=reason)
            await reply_to_card(tx, ticket, text, now, "cancelled")
            await tx.commit()
        return i18n.t(locale, "tickets.command.cancelled", number=ticket.label)

    async def close(self, user_id: int, number: str, reason: str, update_id: int) -> str:
        """An admin closes a handled ticket the resident has not confirmed, as "handled, not
        confirmed" (never as confirmed), with a reason kept as a ticket note and audited."""
        now = self.env.clock.now()
        async with self.env.uow() as tx:
            ticket = await find_ticket(tx, number, user_id)
            community = await community_of(tx, ticket)
            locale = community.locale
            admin = await person_in(tx, user_id, ticket.community_id)
            if admin is None or not admin.has_role("admin"):
                raise NotAllowed("tickets.command.close_admins_only")
            if ticket.status is not Status.RESOLVED:
                raise NotAllowed("tickets.command.close_not_resolved", number=ticket.label)
            reason = scrub(reason.strip()[:200], ticket.room) or "—"
            await tx.tickets.add_note(ticket.id, "close", user_id, reason, None, update_id, now)
            ticket = await change(
                tx,
                ticket,
                Action.EXPIRE,
                now,
                actor=user_id,
                update_id=update_id,
                locale=locale,
                note=reason,
                changes=expired(now),
            )
            ticket = await refresh_card(tx, self.env.looks, ticket, community, now)
            if ticket.verdict_outbox_id is not None:  # the question's buttons go
                text = i18n.t(locale, "tickets.verdict.done_closed", number=ticket.label)
                await edit(
                    tx,
                    ticket.chat_id,
                    text,
                    now,
                    f"tk:{ticket.id}:closed",
                    purpose="ticket.verdict_expired",
                    outbox_id=ticket.verdict_outbox_id,
                )
            await tx.commit()
        return i18n.t(locale, "tickets.command.closed", number=ticket.label)

    async def merge(self, user_id: int, source: str, target: str, update_id: int) -> str:
        """Fold a duplicate into another ticket: its reporter and followers follow the target."""
        now = self.env.clock.now()
        async with self.env.uow() as tx:
            src = await find_ticket(tx, source, user_id)
            dst = await find_ticket(tx, target, user_id)
            community = await community_of(tx, src)
            locale = community.locale
            if src.id == dst.id or src.community_id != dst.community_id:
                raise NotAllowed("tickets.command.same_ticket")
            if not await is_staff(tx, src, user_id):
                raise NotAllowed("tickets.command.staff_only")
            src = await change(
                tx,
                src,
                Action.MERGE,
                now,
                actor=user_id,
                update_id=update_id,
                locale=locale,
                note=dst.number,
                changes=merged_into(dst.id),
            )
            people = [
                Follower(src.reporter_id, src.chat_id, src.message_id, src.id, src.thread_id)
            ]
            people += [
                Follower(f.telegram_id, f.chat_id, f.message_id, src.id, f.thread_id)
                for f in await tx.tickets.followers(src.id)
            ]
            for f in people:
                if f.telegram_id != dst.reporter_id:
                    await tx.tickets.add_follower(dst.id, f, now)
            await refresh_card(tx, self.env.looks, src, community, now)
            await tx.commit()
        return i18n.t(locale, "tickets.command.merged", source=src.label, target=dst.label)

    async def unmerge(self, user_id: int, source: str, update_id: int) -> str:
        """Undo a merge: the ticket lives again and its people stop following the other one."""
        now = self.env.clock.now()
        async with self.env.uow() as tx:
            src = await find_ticket(tx, source, user_id)
            community = await community_of(tx, src)
            locale = community.locale
            if not await is_staff(tx, src, user_id):
                raise NotAllowed("tickets.command.staff_only")
            if src.merged_into_id is None or src.status is not Status.CANCELLED:
                raise NotAllowed("tickets.command.not_merged", number=src.label)
            await tx.tickets.remove_followers_via(src.merged_into_id, src.id)
            src = await change(
                tx,
                src,
                Action.UNMERGE,
                now,
                actor=user_id,
                update_id=update_id,
                locale=locale,
                changes=unmerged(),
            )
            src = await refresh_card(tx, self.env.looks, src, community, now)
            await notify_assignee(tx, self.env.looks, src, community, now, again=True)
            await tx.commit()
        return i18n.t(
            locale, "tickets.command.unmerged", number=src.label, name=src.assignee_name or "—"
        )
