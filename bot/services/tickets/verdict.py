"""The resident's verdict: on resolve the reporter (and followers) are asked; 已解决 closes the
ticket as confirmed, 没解决 reopens it; unanswered, it closes as "handled, not confirmed"."""

from __future__ import annotations

from datetime import datetime

from bot import i18n
from bot.domain.errors import NotAllowed
from bot.domain.points.rules import Trigger
from bot.domain.records import CommunityInfo
from bot.domain.tickets import Action, Follower, Ticket, Verdict, scrub
from bot.domain.tickets.changes import (
    confirmed,
    expired,
    reopened,
    reopened_by_follower,
    resolved,
    verdict_asked,
)
from bot.services.buttons import Pressed
from bot.services.outgoing import edit, send
from bot.services.points.earn import earn_automatic, holder_of
from bot.services.ports import TicketUnitOfWork
from bot.services.tickets.cards import STAFF_ROLES, button, notify_assignee, refresh_card
from bot.services.tickets.core import TicketEnv, change, community_of, locked_ticket
from bot.services.tickets.dto import Origin


async def resolve_and_ask(
    env: TicketEnv,
    tx: TicketUnitOfWork,
    ticket: Ticket,
    community: CommunityInfo,
    actor: int,
    update_id: int | None,
    note: str,
    now: datetime,
) -> Ticket:
    """Mark done, edit the card, and ask the reporter and followers for their verdict."""
    locale = community.locale
    ticket = await change(
        tx,
        ticket,
        Action.RESOLVE,
        now,
        actor=actor,
        update_id=update_id,
        locale=locale,
        note=note,
        changes=resolved(note, ticket.last_note, now, env.policy.verdict_window),
    )
    ticket = await refresh_card(tx, env.looks, ticket, community, now)
    followers = await tx.tickets.followers(ticket.id)
    voters = tuple(
        dict.fromkeys(
            [
                ticket.reporter_id,
                *([ticket.on_behalf_by] if ticket.on_behalf_by else []),
                *(f.telegram_id for f in followers),
            ]
        )
    )
    rows = [
        [
            await button(
                tx,
                now,
                i18n.t(locale, f"tickets.verdict.{v.value}"),
                "ticket.verdict",
                {"t": ticket.id, "v": v.value},
                users=voters,
                roles=STAFF_ROLES,
                community_id=ticket.community_id,
            )
        ]
        for v in Verdict
    ]
    if note:
        text = i18n.t(
            locale, "tickets.verdict.ask", number=ticket.label, note=scrub(note, ticket.room)
        )
    else:
        text = i18n.t(locale, "tickets.verdict.ask_no_note", number=ticket.label)
    on_report = ticket.message_id is not None  # a reply to the report, else to the card
    outbox_id = await send(
        tx,
        ticket.chat_id,
        text,
        now,
        f"tk:{ticket.id}:verdict:v{ticket.card_version}",
        purpose="ticket.verdict",
        buttons=rows,
        reply_to_message_id=ticket.message_id,
        reply_to_outbox_id=None if on_report else ticket.card_outbox_id,
        thread_id=ticket.thread_id,
    )
    ticket = await tx.tickets.update(ticket.id, verdict_asked(outbox_id), now)
    await _tell_followers_elsewhere(tx, ticket, followers, community, now)
    return ticket


async def _tell_followers_elsewhere(
    tx: TicketUnitOfWork,
    ticket: Ticket,
    followers: list[Follower],
    community: CommunityInfo,
    now: datetime,
) -> None:
    """Followers who reported in another group hear it there, as a reply to their message."""
    text = i18n.t(community.locale, "tickets.verdict.follower_notice", number=ticket.label)
    for f in followers:
        if f.chat_id is None or f.chat_id == ticket.chat_id or f.message_id is None:
            continue
        await send(
            tx,
            f.chat_id,
            text,
            now,
            f"tk:{ticket.id}:fnote:{f.telegram_id}:v{ticket.card_version}",
            purpose="ticket.follower_notice",
            reply_to_message_id=f.message_id,
            thread_id=f.thread_id,
        )


def _voice_of(ticket: Ticket, pressed: Pressed) -> str | None:
    """Whose answer a verdict button carries: the reporter's (or the person reported for), a
    follower's, staff's (who never answer for a resident – the assignee least of all), or none."""
    presser = pressed.presser_id
    if presser == ticket.assignee_id:
        return "staff"
    if presser in (ticket.reporter_id, ticket.on_behalf_by):
        return "reporter"
    if pressed.presser_roles.intersection(STAFF_ROLES):
        return "staff"
    if ticket.involves(presser):
        return "follower"
    return None


class Verdicts:
    """The verdict buttons, and the close of verdicts nobody gave in time."""

    def __init__(self, env: TicketEnv) -> None:
        self.env = env

    # -- the resident's verdict -------------------------------------------------------------
    async def verdict(self, pressed: Pressed, origin: Origin) -> str:
        """The reporter's 已解决，满意 or 基本满意 closes it (confirmed); 没解决 – the reporter's
        or a follower's – reopens it and tells staff. Staff never confirm for a resident."""
        now = self.env.clock.now()
        verdict = Verdict(str(pressed.spec.payload["v"]))
        async with self.env.uow() as tx:
            ticket, community = await locked_ticket(tx, int(pressed.spec.payload["t"]))
            voice = _voice_of(ticket, pressed)
            if voice is None:
                raise NotAllowed("tickets.error.verdict_not_allowed")
            if voice == "staff":
                raise NotAllowed("tickets.error.verdict_staff")
            if verdict is Verdict.NOT_SOLVED:
                ticket, done, answer = await self._reopen(tx, ticket, community, pressed, origin)
            elif voice == "follower":
                return i18n.t(community.locale, "tickets.answer.verdict_follower")
            else:
                ticket, done, answer = await self._confirm(
                    tx, ticket, community, verdict, pressed, origin
                )
            await edit(
                tx,
                origin.chat_id,
                done,
                now,
                f"tk:{ticket.id}:verdict_done:{origin.update_id}",
                purpose="ticket.verdict_done",
                message_id=origin.message_id,
            )
            await tx.commit()
        return answer

    async def _reopen(
        self,
        tx: TicketUnitOfWork,
        ticket: Ticket,
        community: CommunityInfo,
        pressed: Pressed,
        origin: Origin,
    ) -> tuple[Ticket, str, str]:
        """没解决: reopened; only the reporter's own answer is kept as the ticket's verdict."""
        now, locale = self.env.clock.now(), community.locale
        own = pressed.presser_id in (ticket.reporter_id, ticket.on_behalf_by)
        ticket = await change(
            tx,
            ticket,
            Action.REOPEN,
            now,
            actor=pressed.presser_id,
            update_id=origin.update_id,
            locale=locale,
            changes=reopened(Verdict.NOT_SOLVED) if own else reopened_by_follower(),
        )
        ticket = await refresh_card(tx, self.env.looks, ticket, community, now)
        await notify_assignee(tx, self.env.looks, ticket, community, now, reopened=True)
        await self._tell_supervisors(tx, ticket, community, now)
        key = "done_reopened" if own else "done_reopened_follower"
        done = i18n.t(
            locale, f"tickets.verdict.{key}", number=ticket.label, name=ticket.assignee_name or "—"
        )
        return ticket, done, i18n.t(locale, "tickets.answer.verdict_reopened")

    async def _confirm(
        self,
        tx: TicketUnitOfWork,
        ticket: Ticket,
        community: CommunityInfo,
        verdict: Verdict,
        pressed: Pressed,
        origin: Origin,
    ) -> tuple[Ticket, str, str]:
        now, locale = self.env.clock.now(), community.locale
        ticket = await change(
            tx,
            ticket,
            Action.CONFIRM,
            now,
            actor=pressed.presser_id,
            update_id=origin.update_id,
            locale=locale,
            changes=confirmed(verdict, now),
        )
        ticket = await refresh_card(tx, self.env.looks, ticket, community, now)
        # the repair the reporter confirmed earns its points in this same transaction
        holder = await holder_of(tx, community, ticket.reporter_id, ticket.building)
        event = f"ticket:{ticket.id}"
        await earn_automatic(tx, community, Trigger.TICKET_CONFIRMED, holder, event, now)
        done = i18n.t(locale, f"tickets.verdict.done_{verdict.value}", number=ticket.label)
        return ticket, done, i18n.t(locale, "tickets.answer.verdict_thanks")

    async def _tell_supervisors(
        self, tx: TicketUnitOfWork, ticket: Ticket, community: CommunityInfo, now: datetime
    ) -> None:
        text = i18n.t(community.locale, "tickets.verdict.reopened_staff", number=ticket.label)
        for p in await tx.people.of_community(community.id):
            if p.has_role("supervisor") and p.telegram_id not in (None, ticket.assignee_id):
                assert p.telegram_id is not None
                await send(
                    tx,
                    p.telegram_id,
                    text,
                    now,
                    f"tk:{ticket.id}:reopen:{p.telegram_id}:v{ticket.card_version}",
                    purpose="ticket.private",
                )

    async def auto_close(self) -> int:
        """Close resolved tickets nobody confirmed in time as "resolved, unconfirmed"."""
        now = self.env.clock.now()
        hours = int(self.env.policy.verdict_window.total_seconds() // 3600)
        async with self.env.uow() as tx:
            due = await tx.tickets.claim_verdict_due(now)
            for ticket in due:
                community = await community_of(tx, ticket)
                locale = community.locale
                ticket = await change(
                    tx,
                    ticket,
                    Action.EXPIRE,
                    now,
                    actor=None,
                    update_id=None,
                    locale=locale,
                    changes=expired(now),
                )
                ticket = await refresh_card(tx, self.env.looks, ticket, community, now)
                if ticket.verdict_outbox_id is not None:
                    text = i18n.t(
                        locale, "tickets.verdict.done_expired", number=ticket.label, hours=hours
                    )
                    await edit(
                        tx,
                        ticket.chat_id,
                        text,
                        now,
                        f"tk:{ticket.id}:expired",
                        purpose="ticket.verdict_expired",
                        outbox_id=ticket.verdict_outbox_id,
                    )
            await tx.commit()
        return len(due)
