"""Escalation at run time: the tick that fires due steps exactly once, the page's 接单 button,
and the follow-up task's 回访完成 button and note."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import i18n, metrics
from bot.domain.clock import Clock
from bot.domain.duty.records import (
    FOLLOW_UP,
    MILESTONE,
    PAGE,
    REMIND,
    StepRecord,
    is_settled,
)
from bot.domain.duty.waited import waited_since
from bot.domain.errors import NotAllowed, NotFound
from bot.domain.escalation.plan import retry_delay
from bot.domain.records import PRIVATE_CLOSED, AuditRecord, CommunityInfo
from bot.domain.tickets import Action, Prompt, Status, Ticket, promise_of
from bot.domain.tickets.card import PROMISE_DEADLINE
from bot.domain.tickets.changes import handed_to
from bot.domain.tickets.plan import milestones, plan_text
from bot.services.buttons import Pressed
from bot.services.duty.setup import load_setup
from bot.services.escalation.followup import ensure_followup, followup_button, local_time
from bot.services.outgoing import Rows, edit, send, tell_admins
from bot.services.ports import TicketUnitOfWork, TicketUnitOfWorkFactory
from bot.services.tickets.cards import (
    MANAGER_ROLES,
    PAGE_PROMPT,
    Looks,
    button,
    notify_assignee,
    refresh_card,
    reply_to_card,
    show_card,
    staff_buttons,
)
from bot.services.tickets.core import change, community_of, person_in
from bot.services.tickets.dto import Origin

log = logging.getLogger(__name__)
LATE_AFTER = timedelta(minutes=1)  # a reminder fired this long after its deadline is late
NOTE_CHARS = 300


@dataclass(frozen=True)
class FollowUpNote:
    """A private reply to the "write how the call went" prompt."""

    update_id: int
    chat_id: int
    user_id: int
    message_id: int
    reply_to_message_id: int
    text: str


class EscalationDesk:
    """Fires due reminders and pages, and takes the buttons they carry."""

    def __init__(
        self, uow: TicketUnitOfWorkFactory, clock: Clock, looks: Looks | None = None
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.looks = looks or Looks()

    # -- the tick ----------------------------------------------------------------------------
    async def tick(self, limit: int = 200) -> int:
        """Fire every due step, one transaction each; return how many were fired.

        Each step is claimed by a conditional update of its row (fired_at), so it fires once
        even with several bot processes; its messages carry the outbox key esc:<ticket>:<step>.
        """
        passed: list[int] = []  # failed, or their ticket was busy: try again on a later tick
        done = 0
        while done + len(passed) < limit:
            now = self.clock.now()
            step_id: int | None = None
            try:
                async with self.uow() as tx:
                    due = await tx.duty.due_step(now, passed)
                    if due is None:
                        break
                    step_id = due.id
                    if not await tx.duty.lock_ticket(due.ticket_id):
                        passed.append(due.id)  # someone is changing this ticket right now
                        continue
                    step = await tx.duty.claim_step(due.id, now)
                    if step is None:
                        continue  # fired or cancelled meanwhile
                    await self._fire(tx, step, now)
                    await tx.commit()
                done += 1
            except Exception as exc:
                if step_id is None:
                    raise
                log.exception("escalation step %s failed", step_id, extra={"step_id": step_id})
                passed.append(step_id)
                await self._failed(step_id, exc)
        return done

    async def _failed(self, step_id: int, exc: Exception) -> None:
        """Count a failed try; after the last one give the step up and tell the admins once."""
        now = self.clock.now()
        try:
            async with self.uow() as tx:
                step = await tx.duty.record_failure(step_id, type(exc).__name__)
                if step is None:
                    return
                delay = retry_delay(step.attempts)
                if delay is not None:
                    await tx.duty.retry_step_at(step_id, now + delay)
                    await tx.commit()
                    log.warning(
                        "escalation step %s is tried again in %s",
                        step_id,
                        delay,
                        extra={"step_id": step_id},
                    )
                    return
                given_up = await tx.duty.give_up_step(step_id, now)
                await tx.commit()
            if given_up is not None:
                log.error(
                    "escalation step %s given up after %s tries",
                    step_id,
                    step.attempts,
                    extra={"step_id": step_id},
                )
                await self._tell_admins_given_up(given_up, now)
        except Exception:
            log.exception(
                "escalation step %s: its failure could not be recorded",
                step_id,
                extra={"step_id": step_id},
            )

    async def _tell_admins_given_up(self, step: StepRecord, now: datetime) -> None:
        """Tell the community's admins which ticket could not be escalated (no personal data)."""
        async with self.uow() as tx:
            ticket = await tx.tickets.get(step.ticket_id)
            if ticket is None:
                return
            community = await community_of(tx, ticket)
            locale = community.locale
            text = i18n.t(
                locale,
                "duty.failed.admin",
                number=ticket.label,
                name=step.target_name,
                what=self._what(locale, step.reason),
                when=local_time(community, step.due_at),
                tries=step.attempts,
            )
            # once per ticket: later failures of it are audited only
            admins = await tell_admins(
                tx,
                ticket.community_id,
                text,
                now,
                f"esc:{ticket.id}:failed",
                purpose="duty.failed",
            )
            await tx.audit.record(
                AuditRecord(
                    action="ticket.escalation_failed",
                    subject=f"ticket:{ticket.number}",
                    community_id=ticket.community_id,
                    details={"step": step.step_no, "to": step.target_key, "tries": step.attempts},
                ),
                now,
            )
            await tx.commit()
        if not admins:
            log.error(
                "ticket %s could not be escalated and has no admin to tell",
                ticket.number,
                extra={"ticket": ticket.number},
            )

    async def _fire(self, tx: TicketUnitOfWork, step: StepRecord, now: datetime) -> None:
        ticket = await tx.tickets.get(step.ticket_id)
        if ticket is None:
            await tx.duty.set_outcome(step.id, "moot")
            return
        community = await community_of(tx, ticket)
        followup = await tx.duty.followup(ticket.id) if step.reason == FOLLOW_UP else None
        if is_settled(step.reason, ticket.status, followup is not None and followup.done):
            await tx.duty.set_outcome(step.id, "moot")
            return
        holder = ticket.assignee_id
        if step.kind == REMIND or (step.kind == PAGE and step.target_id == holder):
            # a page meant for whoever now holds the ticket is a reminder to them
            if holder is None:
                await tx.duty.set_outcome(step.id, "skipped")
                return
            await self._remind(tx, step, ticket, community, holder, now)
            await tx.duty.set_outcome(step.id, "reminded")
            return
        if step.target_id is None:
            await tx.duty.set_outcome(step.id, "skipped")
            return
        states = await tx.people.private_states([step.target_id])
        if (
            states.get(step.target_id) == PRIVATE_CLOSED
        ):  # Telegram refuses them: the next page now
            await tx.duty.set_outcome(step.id, "unreachable")
            await tx.duty.bring_forward_page(ticket.id, now)
            return
        await self._page(tx, step, ticket, community, step.target_id, now)
        await tx.duty.set_outcome(step.id, "sent")
        metrics.PAGES.inc()
        await tx.audit.record(
            AuditRecord(
                action="ticket.escalated",
                subject=f"ticket:{ticket.number}",
                community_id=ticket.community_id,
                details={"step": step.step_no, "to": step.target_key, "reason": step.reason},
            ),
            now,
        )
        setup = await load_setup(tx, community, now)
        promise = promise_of(ticket, now)
        missed = promise is not None and promise.missed
        if missed and promise is not None and PROMISE_DEADLINE.get(promise.kind) == step.reason:
            await self._tell_group_late(tx, ticket, community, step.target_id, now)
        if setup.policy.show_escalation:
            await self._show_on_card(tx, ticket, community, step, now)
        elif missed:
            await show_card(tx, self.looks, ticket, community, now)  # the card says 已超时

    async def _tell_group_late(
        self,
        tx: TicketUnitOfWork,
        ticket: Ticket,
        community: CommunityInfo,
        target: int,
        now: datetime,
    ) -> None:
        """The promise the group read has passed: say so once, politely, with who now follows
        it up – no blame, no resident's detail."""
        promise = promise_of(ticket)
        person = await person_in(tx, target, ticket.community_id)
        if promise is None or person is None:
            return
        locale = community.locale
        what = self.looks.promise_words(locale, community, promise)
        text = i18n.t(
            locale, "duty.late.group", number=ticket.label, promise=what, name=person.name
        )
        await reply_to_card(tx, ticket, text, now, "late")

    def _what(self, locale: str, reason: str) -> str:
        return i18n.t(locale, f"duty.reason.{reason}")

    async def _remind(
        self,
        tx: TicketUnitOfWork,
        step: StepRecord,
        ticket: Ticket,
        community: CommunityInfo,
        holder: int,
        now: datetime,
    ) -> None:
        locale = community.locale
        if step.reason == MILESTONE:
            await self._remind_milestone(tx, step, ticket, community, holder, now)
            return
        if step.reason == FOLLOW_UP:
            task = await tx.duty.followup(ticket.id)
            due = task.due_at if task is not None else step.due_at
            if await ensure_followup(tx, ticket, community, due, now):
                return  # the task itself is the reminder
            rows = await followup_button(tx, ticket, holder, locale, now)
        else:
            rows = await staff_buttons(tx, ticket, locale, now)
        due_at = await self._deadline_of(tx, step, ticket, community, now)
        # the bot was down past the deadline: never "needed before" a time already gone
        late = now > due_at + LATE_AFTER
        if late:
            metrics.LATE_REMINDERS.inc()
            log.info(
                "reminder for ticket %s sent late: its deadline passed",
                ticket.number,
                extra={"ticket": ticket.number},
            )
        text = i18n.t(
            locale,
            "duty.remind.late" if late else "duty.remind.text",
            number=ticket.label,
            category=self.looks.category(locale, ticket.category),
            place=self.looks.place(locale, ticket.building, ticket.unit),
            what=self._what(locale, step.reason),
            when=local_time(community, due_at),
        )
        outbox_id = await send(
            tx,
            holder,
            text,
            now,
            f"esc:{ticket.id}:{step.step_no}",
            purpose="duty.remind",
            buttons=rows,
        )
        if outbox_id is not None and step.reason != FOLLOW_UP:
            # the reminder carries the card's buttons: it is the holder's newest card now
            await tx.tickets.add_prompt(
                Prompt(outbox_id, ticket.id, "card", holder, False), holder, now
            )

    async def _remind_milestone(
        self,
        tx: TicketUnitOfWork,
        step: StepRecord,
        ticket: Ticket,
        community: CommunityInfo,
        holder: int,
        now: datetime,
    ) -> None:
        """The day of a step of the plan: remind the holder of that step, in their own words."""
        tz = ZoneInfo(community.timezone)
        day = step.due_at.astimezone(tz).date()
        plans = [text for kind, text, _at in await tx.tickets.notes(ticket.id) if kind == "plan"]
        plan = plan_text(plans[-1]) if plans else None
        due = [m.what for m in milestones(plan or "", day) if m.day == day]
        text = i18n.t(
            community.locale,
            "duty.remind.milestone",
            number=ticket.label,
            place=self.looks.place(community.locale, ticket.building, ticket.unit),
            what="；".join(due) or "—",
        )
        await send(tx, holder, text, now, f"esc:{ticket.id}:{step.step_no}", purpose="duty.remind")

    @staticmethod
    async def _deadline_of(
        tx: TicketUnitOfWork,
        step: StepRecord,
        ticket: Ticket,
        community: CommunityInfo,
        now: datetime,
    ) -> datetime:
        """When the promise a reminder is about falls due: the deadline its reason names (a
        page at the same moment for another reason may have taken that deadline's place in the
        plan), else the page planned for that moment."""
        if step.kind == PAGE:
            return step.due_at
        if step.reason != FOLLOW_UP:  # the call is counted from the fix: its page says when
            setup = await load_setup(tx, community, now)
            named = dict(setup.deadlines(ticket.level, ticket.created_at).items()).get(step.reason)
            if named is not None:
                return named
        for later in await tx.duty.steps(step.ticket_id):
            if later.step_no > step.step_no and later.kind == PAGE and later.reason == step.reason:
                return later.due_at
        return step.due_at

    async def _page(
        self,
        tx: TicketUnitOfWork,
        step: StepRecord,
        ticket: Ticket,
        community: CommunityInfo,
        target: int,
        now: datetime,
    ) -> None:
        locale = community.locale
        holder = ticket.assignee_name or "—"
        if step.reason in ("accept", "acknowledge_by", "respond_by") and ticket.status in (
            Status.NEW,
            Status.ASSIGNED,
            Status.REOPENED,
        ):
            waited = waited_since(ticket.created_at, now, ZoneInfo(community.timezone))
            why = i18n.t(
                locale, f"duty.page.not_accepted.{waited.key}", name=holder, **waited.params
            )
        else:
            why = i18n.t(
                locale,
                "duty.page.overdue",
                what=self._what(locale, step.reason),
                when=local_time(community, step.due_at),
                name=holder,
            )
        card = self.looks.private_card(locale, ticket)
        text = i18n.t(locale, "duty.page.title", number=ticket.label) + "\n" + why + "\n\n" + card
        take = await button(
            tx,
            now,
            i18n.t(locale, "duty.page.take"),
            "duty.take",
            {"t": ticket.id},
            users=(target,),
            roles=MANAGER_ROLES,
            community_id=ticket.community_id,
        )
        rows: Rows = [[take]]
        if step.reason == FOLLOW_UP:  # a call nobody made: the call's own button, not 我来接单
            rows = await followup_button(tx, ticket, target, locale, now)
        person = await person_in(tx, target, ticket.community_id)
        if step.reason != FOLLOW_UP and person is not None and person.has_role(*MANAGER_ROLES):
            reassign = await button(
                tx,
                now,
                i18n.t(locale, "tickets.private.reassign"),
                "ticket.act",
                {"t": ticket.id, "a": "reassign"},
                roles=MANAGER_ROLES,
                community_id=ticket.community_id,
            )
            rows.append([reassign])
        outbox_id = await send(
            tx,
            target,
            text,
            now,
            f"esc:{ticket.id}:{step.step_no}",
            purpose="duty.page",
            buttons=rows,
        )
        if outbox_id is not None:  # its buttons come off once someone has acted (see cards)
            await tx.tickets.add_prompt(
                Prompt(outbox_id, ticket.id, f"{PAGE_PROMPT}{step.reason}", target, False),
                target,
                now,
            )

    async def _show_on_card(
        self,
        tx: TicketUnitOfWork,
        ticket: Ticket,
        community: CommunityInfo,
        step: StepRecord,
        now: datetime,
    ) -> None:
        """Edit the group card: "已超时，已升级至…" (communities that chose to show it)."""
        names = await tx.duty.paged_at(ticket.id, step.due_at)
        footer = i18n.t(community.locale, "duty.card.escalated", names="、".join(names))
        await show_card(
            tx, self.looks, ticket, community, now, footer=footer, purpose="duty.card_escalated"
        )

    # -- the page's 接单 button ----------------------------------------------------------------
    async def take(self, pressed: Pressed, origin: Origin) -> str:
        """A paged person takes the ticket over and accepts it; the chain stops."""
        now = self.clock.now()
        presser = pressed.presser_id
        async with self.uow() as tx:
            ticket = await tx.tickets.get(int(pressed.spec.payload["t"]), lock=True)
            if ticket is None:
                raise NotFound()
            community = await community_of(tx, ticket)
            locale = community.locale
            if ticket.status in (Status.ACCEPTED, Status.IN_PROGRESS):
                if ticket.assignee_id == presser:
                    return i18n.t(locale, "duty.take.already_yours")
                return i18n.t(locale, "duty.take.taken", name=ticket.assignee_name or "—")
            if not ticket.is_open:
                return i18n.t(locale, "duty.take.closed")
            person = await person_in(tx, presser, ticket.community_id)
            if person is None:
                raise NotAllowed("error.button_not_yours")
            old = ticket.assignee_id
            who = handed_to(presser, person.name)
            upd = origin.update_id
            if ticket.status is Status.NEW:
                ticket = await change(
                    tx, ticket, Action.ASSIGN, now, actor=presser, update_id=upd, locale=locale,
                    changes=who,
                )  # fmt: skip
            elif old != presser:
                ticket = await change(
                    tx, ticket, Action.REASSIGN, now, actor=presser, update_id=upd, locale=locale,
                    changes=who, note=person.name,
                )  # fmt: skip
            ticket = await change(
                tx, ticket, Action.ACCEPT, now, actor=presser, update_id=upd, locale=locale,
                note="page",
            )  # fmt: skip
            ticket = await refresh_card(tx, self.looks, ticket, community, now)
            if old != presser:
                await notify_assignee(tx, self.looks, ticket, community, now, again=True)
            if old is not None and old != presser:
                text = i18n.t(
                    locale, "duty.take.handed_over", number=ticket.label, name=person.name
                )
                await send(
                    tx,
                    old,
                    text,
                    now,
                    f"tk:{ticket.id}:taken:v{ticket.card_version}",
                    purpose="ticket.private",
                )
            await tx.commit()
        return i18n.t(locale, "duty.take.done", number=ticket.label)

    # -- the follow-up task ------------------------------------------------------------------
    async def followup_done(self, pressed: Pressed, origin: Origin) -> str:
        """回访完成: record the call, stop its reminders, and invite a short note."""
        now = self.clock.now()
        ticket_id = int(pressed.spec.payload["t"])
        async with self.uow() as tx:
            ticket = await tx.tickets.get(ticket_id)
            task = await tx.duty.followup(ticket_id, lock=True)
            if ticket is None or task is None:
                raise NotFound()
            community = await community_of(tx, ticket)
            locale = community.locale
            if task.done:
                return i18n.t(locale, "duty.followup.already")
            await tx.duty.followup_done(ticket_id, pressed.presser_id, now)
            await tx.duty.cancel_pending(ticket_id, [FOLLOW_UP], now)
            await tx.audit.record(
                AuditRecord(
                    action="ticket.followed_up",
                    subject=f"ticket:{ticket.number}",
                    actor_telegram_id=pressed.presser_id,
                    community_id=ticket.community_id,
                    update_id=origin.update_id,
                ),
                now,
            )
            if task.task_outbox_id is not None:
                await edit(
                    tx,
                    origin.chat_id,
                    i18n.t(locale, "duty.followup.task_done", number=ticket.label),
                    now,
                    f"duty:fu:{ticket_id}:done",
                    purpose="duty.followup_done",
                    outbox_id=task.task_outbox_id,
                )
            prompt = await send(
                tx,
                pressed.presser_id,
                i18n.t(locale, "duty.followup.note_prompt", number=ticket.label),
                now,
                f"duty:fu:{ticket_id}:prompt",
                purpose="duty.followup_prompt",
            )
            await tx.duty.followup_prompted(ticket_id, prompt)
            await tx.commit()
        return i18n.t(locale, "duty.followup.recorded")

    async def followup_note(self, note: FollowUpNote) -> bool:
        """A reply to the note prompt: store it with the follow-up. True if it was one."""
        now = self.clock.now()
        async with self.uow() as tx:
            task = await tx.duty.followup_for_message(note.chat_id, note.reply_to_message_id)
            if task is None:
                return False
            ticket = await tx.tickets.get(task.ticket_id)
            if ticket is None:
                return False
            community = await community_of(tx, ticket)
            person = await person_in(tx, note.user_id, ticket.community_id)
            if note.user_id not in (task.assignee_id, task.done_by) and not (
                person is not None and person.has_role(*MANAGER_ROLES)
            ):
                raise NotAllowed("tickets.error.not_assignee")
            text = note.text.strip()[:NOTE_CHARS]
            if text:
                await tx.duty.followup_noted(task.ticket_id, text)
                await tx.tickets.add_note(
                    ticket.id, "followup", note.user_id, text, None, note.update_id, now
                )
            await send(
                tx,
                note.chat_id,
                i18n.t(community.locale, "duty.followup.note_saved"),
                now,
                f"duty:fu:{ticket.id}:note:{note.update_id}",
                purpose="duty.followup_note",
                reply_to_message_id=note.message_id,
            )
            await tx.commit()
        return True
