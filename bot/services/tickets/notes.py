"""Staff notes: a private reply to the card or to the bot's prompt is a progress or resolve
note (with a photo if they like)."""

from __future__ import annotations

from bot import i18n
from bot.domain.records import CommunityInfo
from bot.domain.tickets import Action, Ticket, scrub
from bot.domain.tickets.changes import NO_CHANGE, noted, plan_stated
from bot.domain.tickets.plan import plan_text
from bot.services.escalation.plan import plan_given
from bot.services.outgoing import send
from bot.services.ports import TicketUnitOfWork
from bot.services.tickets.cards import refresh_card, reply_to_card
from bot.services.tickets.core import TicketEnv, change, locked_ticket, require_handler
from bot.services.tickets.dto import TicketMessage
from bot.services.tickets.verdict import resolve_and_ask


class StaffNotes:
    """Takes the notes staff write in private and shows them on the ticket."""

    def __init__(self, env: TicketEnv) -> None:
        self.env = env

    # -- notes from staff, by replying in private ---------------------------------------------
    async def staff_reply(self, msg: TicketMessage) -> bool:
        """A private reply to the card or a prompt is a progress or resolve note. True if so."""
        if not msg.private:
            return False
        now = self.env.clock.now()
        async with self.env.uow() as tx:
            prompt = None
            if msg.reply is not None:
                prompt = await tx.tickets.prompt_for_message(msg.chat_id, msg.reply.message_id)
            else:
                since = now - self.env.policy.prompt_window
                prompt = await tx.tickets.pending_prompt(msg.user_id, since)
            if prompt is None:
                return False
            ticket, community = await locked_ticket(tx, prompt.ticket_id)
            locale = community.locale
            person = await require_handler(tx, ticket, msg.user_id)
            text = msg.text.strip()[: self.env.policy.note_chars]
            if not text and not msg.photo_file_id:
                return True
            plan = plan_text(text) if ticket.level == 3 and prompt.kind != "resolve" else None
            kind = "resolve" if prompt.kind == "resolve" else ("plan" if plan else "progress")
            if not await tx.tickets.add_note(
                ticket.id, kind, msg.user_id, text, msg.photo_file_id, msg.update_id, now
            ):
                return True  # this update was handled before
            if msg.photo_file_id:
                await tx.tickets.add_photo(ticket.id, msg.photo_file_id, msg.user_id, now)
            name = person.name if person else (ticket.assignee_name or "")
            if kind == "resolve":
                await resolve_and_ask(
                    self.env, tx, ticket, community, msg.user_id, msg.update_id, text, now
                )
                ack = i18n.t(locale, "tickets.answer.resolved_saved")
            else:
                ack = await self._progress(tx, ticket, community, msg, text, name, plan)
            await tx.tickets.answer_prompts(ticket.id, msg.user_id)
            await send(
                tx,
                msg.chat_id,
                f"{ticket.label} · {ack}",
                now,
                f"tk:{ticket.id}:ack:{msg.update_id}",
                purpose="ticket.ack",
                reply_to_message_id=msg.message_id,
            )
            await tx.commit()
        return True

    async def _progress(
        self,
        tx: TicketUnitOfWork,
        ticket: Ticket,
        community: CommunityInfo,
        msg: TicketMessage,
        text: str,
        name: str,
        plan: str | None,
    ) -> str:
        """A progress note (or a complex matter's plan): on the ticket, and told to the group."""
        now, locale = self.env.clock.now(), community.locale
        ticket = await change(
            tx,
            ticket,
            Action.PROGRESS,
            now,
            actor=msg.user_id,
            update_id=msg.update_id,
            locale=locale,
            note=text,
            changes=noted(text)
            | (plan_stated(now) if plan is not None and ticket.planned_at is None else NO_CHANGE),
        )
        ticket = await refresh_card(tx, self.env.looks, ticket, community, now)
        if plan is not None:
            steps = await plan_given(tx, ticket, community, plan, now)
            shown = scrub(plan, ticket.room)
            note = i18n.t(locale, "tickets.group.plan", number=ticket.label, name=name, text=shown)
            await reply_to_card(tx, ticket, note, now, f"note:{msg.update_id}")
            return i18n.t(locale, "tickets.answer.plan_saved", count=steps)
        if text:
            shown = scrub(text, ticket.room)
            note = i18n.t(
                locale, "tickets.group.progress", number=ticket.label, name=name, text=shown
            )
            await reply_to_card(tx, ticket, note, now, f"note:{msg.update_id}")
        return i18n.t(locale, "tickets.answer.note_saved")
