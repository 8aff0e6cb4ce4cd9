"""The life of a ticket after intake: staff buttons and notes, the resident's verdict,
the unanswered-verdict auto-close, cancel, merge and unmerge."""

from __future__ import annotations

from datetime import datetime

from bot import i18n
from bot.domain.errors import InvalidTransition, NotAllowed, NotFound
from bot.domain.records import CommunityInfo, OutboundMessage
from bot.domain.tickets import (
    Action,
    Closure,
    Follower,
    Prompt,
    Status,
    Ticket,
    Verdict,
    format_number,
    parse_number,
    scrub,
    transition,
)
from bot.services.buttons import Pressed
from bot.services.ports import TicketUnitOfWork
from bot.services.tickets.cards import (
    MANAGER_ROLES,
    REFER_TARGETS,
    STAFF_ROLES,
    Rows,
    button,
    notify_assignee,
    refresh_card,
    reply_to_card,
    send_private,
)
from bot.services.tickets.core import (
    TicketEnv,
    change,
    community_of,
    person_in,
    refuse_transition,
    require_handler,
)
from bot.services.tickets.dto import Origin, TicketMessage


def _allowed(ticket: Ticket, action: Action, locale: str) -> None:
    try:
        transition(ticket.status, action)
    except InvalidTransition as exc:
        raise refuse_transition(locale, exc) from exc


class TicketLifecycle:
    def __init__(self, env: TicketEnv) -> None:
        self.env = env

    # -- staff buttons on the private card -----------------------------------------------
    async def act(self, pressed: Pressed, origin: Origin) -> str:
        """Accept · Progress · Reassign · Resolve · Refer (and "resolve without a note")."""
        action = str(pressed.spec.payload["a"])
        now = self.env.clock.now()
        async with self.env.uow() as tx:
            ticket, community = await self._ticket(tx, int(pressed.spec.payload["t"]))
            locale = community.locale
            await require_handler(tx, ticket, pressed.presser_id)
            if action == "accept":
                ticket = await change(
                    tx,
                    ticket,
                    Action.ACCEPT,
                    now,
                    actor=pressed.presser_id,
                    update_id=origin.update_id,
                    locale=locale,
                )
                await refresh_card(tx, self.env.looks, ticket, community, now)
                answer = i18n.t(locale, "tickets.answer.accepted")
            elif action in ("progress", "resolve"):
                _allowed(ticket, Action(action), locale)
                await self._prompt(tx, ticket, community, action, pressed.presser_id, origin, now)
                answer = i18n.t(locale, "tickets.answer.prompt_sent")
            elif action == "resolve_now":
                await self._resolve(
                    tx, ticket, community, pressed.presser_id, origin.update_id, "", now
                )
                answer = i18n.t(locale, "tickets.answer.resolved")
            elif action == "reassign":
                _allowed(ticket, Action.REASSIGN, locale)
                await self._reassign_menu(tx, ticket, community, pressed.presser_id, origin, now)
                answer = ""
            elif action == "refer":
                _allowed(ticket, Action.REFER, locale)
                await self._refer_menu(tx, ticket, community, pressed.presser_id, origin, now)
                answer = ""
            else:
                raise NotFound()
            await tx.commit()
        return answer

    async def _ticket(self, tx: TicketUnitOfWork, ticket_id: int) -> tuple[Ticket, CommunityInfo]:
        ticket = await tx.tickets.get(ticket_id, lock=True)
        if ticket is None:
            raise NotFound()
        return ticket, await community_of(tx, ticket)

    async def _prompt(
        self,
        tx: TicketUnitOfWork,
        ticket: Ticket,
        community: CommunityInfo,
        kind: str,
        presser: int,
        origin: Origin,
        now: datetime,
    ) -> None:
        """Ask for the note in private; a reply to that message (or the next text) answers it."""
        locale = community.locale
        rows: Rows = []
        if kind == "resolve":
            payload: dict[str, object] = {"t": ticket.id, "a": "resolve_now"}
            rows = [
                [
                    await button(
                        tx,
                        now,
                        i18n.t(locale, "tickets.prompt.resolve_now"),
                        "ticket.act",
                        payload,
                        users=(presser,),
                        roles=MANAGER_ROLES,
                        community_id=ticket.community_id,
                    )
                ]
            ]
        text = i18n.t(locale, f"tickets.prompt.{kind}", number=ticket.label)
        outbox_id = await send_private(
            tx,
            presser,
            text,
            now,
            f"tk:{ticket.id}:prompt:{origin.update_id}",
            rows,
            "ticket.prompt",
        )
        if outbox_id is not None:
            await tx.tickets.add_prompt(
                Prompt(outbox_id, ticket.id, kind, presser, False), presser, now
            )

    async def _reassign_menu(
        self,
        tx: TicketUnitOfWork,
        ticket: Ticket,
        community: CommunityInfo,
        presser: int,
        origin: Origin,
        now: datetime,
    ) -> None:
        locale = community.locale
        people = [
            p
            for p in await tx.people.of_community(community.id)
            if p.telegram_id is not None
            and p.telegram_id != ticket.assignee_id
            and p.has_role("staff", "grid_worker", "supervisor")
        ]
        if not people:
            await send_private(
                tx,
                presser,
                i18n.t(locale, "tickets.prompt.nobody_to_reassign"),
                now,
                f"tk:{ticket.id}:menu:{origin.update_id}",
            )
            return
        ordered = sorted(people, key=lambda p: (ticket.category not in p.skills, p.id))
        buttons = [
            await button(
                tx,
                now,
                p.name,
                "ticket.pick",
                {"t": ticket.id, "to": p.telegram_id},
                users=(presser,),
                roles=MANAGER_ROLES,
                community_id=community.id,
            )
            for p in ordered[:12]
        ]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        await send_private(
            tx,
            presser,
            i18n.t(locale, "tickets.prompt.reassign", number=ticket.label),
            now,
            f"tk:{ticket.id}:menu:{origin.update_id}",
            rows,
        )

    async def _refer_menu(
        self,
        tx: TicketUnitOfWork,
        ticket: Ticket,
        community: CommunityInfo,
        presser: int,
        origin: Origin,
        now: datetime,
    ) -> None:
        locale = community.locale
        buttons = [
            await button(
                tx,
                now,
                self.env.looks.refer_label(locale, code),
                "ticket.refer",
                {"t": ticket.id, "to": code},
                users=(presser,),
                roles=MANAGER_ROLES,
                community_id=community.id,
            )
            for code in REFER_TARGETS
        ]
        rows = [[b] for b in buttons]
        await send_private(
            tx,
            presser,
            i18n.t(locale, "tickets.prompt.refer", number=ticket.label),
            now,
            f"tk:{ticket.id}:menu:{origin.update_id}",
            rows,
        )

    async def pick(self, pressed: Pressed, origin: Origin) -> str:
        """A name pressed in the reassign menu: hand the ticket over."""
        now = self.env.clock.now()
        to = int(pressed.spec.payload["to"])
        async with self.env.uow() as tx:
            ticket, community = await self._ticket(tx, int(pressed.spec.payload["t"]))
            locale = community.locale
            await require_handler(tx, ticket, pressed.presser_id)
            person = await person_in(tx, to, community.id)
            if person is None:
                raise NotFound()
            old = ticket.assignee_id
            ticket = await change(
                tx,
                ticket,
                Action.REASSIGN,
                now,
                actor=pressed.presser_id,
                update_id=origin.update_id,
                locale=locale,
                note=person.name,
                changes={"assignee_id": to, "assignee_name": person.name},
            )
            ticket = await refresh_card(tx, self.env.looks, ticket, community, now)
            await notify_assignee(tx, self.env.looks, ticket, community, now, again=True)
            answer = i18n.t(locale, "tickets.answer.reassigned", name=person.name)
            await _close_menu(tx, origin, f"{ticket.label} · {answer}", now)
            if old is not None and old not in (to, pressed.presser_id):
                await send_private(
                    tx,
                    old,
                    f"{ticket.label} · {answer}",
                    now,
                    f"tk:{ticket.id}:handover:v{ticket.card_version}",
                )
            await tx.commit()
        return answer

    async def refer(self, pressed: Pressed, origin: Origin) -> str:
        """A destination pressed in the refer menu: not ours – tell the group where to go."""
        now = self.env.clock.now()
        code = str(pressed.spec.payload["to"])
        async with self.env.uow() as tx:
            ticket, community = await self._ticket(tx, int(pressed.spec.payload["t"]))
            locale = community.locale
            await require_handler(tx, ticket, pressed.presser_id)
            ticket = await change(
                tx,
                ticket,
                Action.REFER,
                now,
                actor=pressed.presser_id,
                update_id=origin.update_id,
                locale=locale,
                note=code,
                changes={"referred_to": code, "closed_at": now},
            )
            ticket = await refresh_card(tx, self.env.looks, ticket, community, now)
            where = self.env.looks.refer_label(locale, code)
            text = i18n.t(locale, "tickets.group.referred", number=ticket.label, where=where)
            await reply_to_card(tx, ticket, text, now, "referred")
            await _close_menu(tx, origin, f"{ticket.label} · {where}", now)
            await tx.commit()
        return i18n.t(locale, "tickets.answer.referred")

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
            ticket, community = await self._ticket(tx, prompt.ticket_id)
            locale = community.locale
            person = await require_handler(tx, ticket, msg.user_id)
            text = msg.text.strip()[: self.env.policy.note_chars]
            if not text and not msg.photo_file_id:
                return True
            kind = "resolve" if prompt.kind == "resolve" else "progress"
            if not await tx.tickets.add_note(
                ticket.id, kind, msg.user_id, text, msg.photo_file_id, msg.update_id, now
            ):
                return True  # this update was handled before
            if msg.photo_file_id:
                await tx.tickets.add_photo(ticket.id, msg.photo_file_id, msg.user_id, now)
            name = person.name if person else (ticket.assignee_name or "")
            if kind == "resolve":
                await self._resolve(tx, ticket, community, msg.user_id, msg.update_id, text, now)
                ack = i18n.t(locale, "tickets.answer.resolved_saved")
            else:
                ticket = await change(
                    tx,
                    ticket,
                    Action.PROGRESS,
                    now,
                    actor=msg.user_id,
                    update_id=msg.update_id,
                    locale=locale,
                    note=text,
                    changes={"last_note": text},
                )
                ticket = await refresh_card(tx, self.env.looks, ticket, community, now)
                if text:
                    shown = scrub(text, ticket.room)
                    note = i18n.t(
                        locale,
                        "tickets.group.progress",
                        number=ticket.label,
                        name=name,
                        text=shown,
                    )
                    await reply_to_card(tx, ticket, note, now, f"note:{msg.update_id}")
                ack = i18n.t(locale, "tickets.answer.note_saved")
            await tx.tickets.answer_prompts(ticket.id, msg.user_id)
            await tx.outbox.enqueue(
                OutboundMessage(
                    msg.chat_id,
                    "send_message",
                    {"text": f"{ticket.label} · {ack}", "reply_to_message_id": msg.message_id},
                    "ticket.ack",
                    f"tk:{ticket.id}:ack:{msg.update_id}",
                ),
                now,
            )
            await tx.commit()
        return True

    async def _resolve(
        self,
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
            changes={
                "resolved_at": now,
                "last_note": note or ticket.last_note,
                "verdict_due_at": now + self.env.policy.verdict_window,
            },
        )
        ticket = await refresh_card(tx, self.env.looks, ticket, community, now)
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
        payload: dict[str, object] = {"text": text, "buttons": rows}
        if ticket.message_id is not None:
            payload["reply_to_message_id"] = ticket.message_id
        elif ticket.card_outbox_id is not None:
            payload["reply_to_outbox_id"] = ticket.card_outbox_id
        key = f"tk:{ticket.id}:verdict:v{ticket.card_version}"
        outbox_id = await tx.outbox.enqueue(
            OutboundMessage(ticket.chat_id, "send_message", payload, "ticket.verdict", key), now
        )
        ticket = await tx.tickets.update(
            ticket.id, {"verdict_outbox_id": outbox_id or await tx.outbox.by_dedup_key(key)}, now
        )
        await self._tell_followers_elsewhere(tx, ticket, followers, community, now)
        return ticket

    async def _tell_followers_elsewhere(
        self,
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
            await tx.outbox.enqueue(
                OutboundMessage(
                    f.chat_id,
                    "send_message",
                    {"text": text, "reply_to_message_id": f.message_id},
                    "ticket.follower_notice",
                    f"tk:{ticket.id}:fnote:{f.telegram_id}:v{ticket.card_version}",
                ),
                now,
            )

    # -- the resident's verdict -------------------------------------------------------------
    async def verdict(self, pressed: Pressed, origin: Origin) -> str:
        """已解决，满意 · 基本满意 close it (confirmed); 没解决 reopens it and tells staff."""
        now = self.env.clock.now()
        verdict = Verdict(str(pressed.spec.payload["v"]))
        async with self.env.uow() as tx:
            ticket, community = await self._ticket(tx, int(pressed.spec.payload["t"]))
            locale = community.locale
            if not (
                ticket.involves(pressed.presser_id)
                or pressed.presser_roles.intersection(STAFF_ROLES)
            ):
                raise NotAllowed("tickets.error.verdict_not_allowed")
            if verdict is Verdict.NOT_SOLVED:
                ticket = await change(
                    tx,
                    ticket,
                    Action.REOPEN,
                    now,
                    actor=pressed.presser_id,
                    update_id=origin.update_id,
                    locale=locale,
                    changes={"verdict": verdict, "verdict_due_at": None},
                )
                ticket = await refresh_card(tx, self.env.looks, ticket, community, now)
                await notify_assignee(tx, self.env.looks, ticket, community, now, reopened=True)
                await self._tell_supervisors(tx, ticket, community, now)
                done = i18n.t(
                    locale,
                    "tickets.verdict.done_reopened",
                    number=ticket.label,
                    name=ticket.assignee_name or "—",
                )
                answer = i18n.t(locale, "tickets.answer.verdict_reopened")
            else:
                ticket = await change(
                    tx,
                    ticket,
                    Action.CONFIRM,
                    now,
                    actor=pressed.presser_id,
                    update_id=origin.update_id,
                    locale=locale,
                    changes={
                        "verdict": verdict,
                        "closure": Closure.CONFIRMED,
                        "closed_at": now,
                        "verdict_due_at": None,
                    },
                )
                ticket = await refresh_card(tx, self.env.looks, ticket, community, now)
                done = i18n.t(locale, f"tickets.verdict.done_{verdict.value}", number=ticket.label)
                answer = i18n.t(locale, "tickets.answer.verdict_thanks")
            await tx.outbox.enqueue(
                OutboundMessage(
                    origin.chat_id,
                    "edit_text",
                    {"text": done, "message_id": origin.message_id},
                    "ticket.verdict_done",
                    f"tk:{ticket.id}:verdict_done:{origin.update_id}",
                ),
                now,
            )
            await tx.commit()
        return answer

    async def _tell_supervisors(
        self, tx: TicketUnitOfWork, ticket: Ticket, community: CommunityInfo, now: datetime
    ) -> None:
        text = i18n.t(community.locale, "tickets.verdict.reopened_staff", number=ticket.label)
        for p in await tx.people.of_community(community.id):
            if p.has_role("supervisor") and p.telegram_id not in (None, ticket.assignee_id):
                assert p.telegram_id is not None
                await send_private(
                    tx,
                    p.telegram_id,
                    text,
                    now,
                    f"tk:{ticket.id}:reopen:{p.telegram_id}:v{ticket.card_version}",
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
                    changes={
                        "closure": Closure.UNCONFIRMED,
                        "closed_at": now,
                        "verdict_due_at": None,
                    },
                )
                ticket = await refresh_card(tx, self.env.looks, ticket, community, now)
                if ticket.verdict_outbox_id is not None:
                    text = i18n.t(
                        locale, "tickets.verdict.done_expired", number=ticket.label, hours=hours
                    )
                    await tx.outbox.enqueue(
                        OutboundMessage(
                            ticket.chat_id,
                            "edit_text",
                            {"text": text, "target_outbox_id": ticket.verdict_outbox_id},
                            "ticket.verdict_expired",
                            f"tk:{ticket.id}:expired",
                        ),
                        now,
                    )
            await tx.commit()
        return len(due)

    # -- commands: cancel, merge, unmerge --------------------------------------------------------
    async def find(self, tx: TicketUnitOfWork, text: str, user_id: int) -> Ticket:
        """A ticket by the number someone typed (#A-0042, A-42, or 42 in their community)."""
        parsed = parse_number(text)
        if parsed is None:
            raise NotFound("tickets.error.not_found", number=text[:20])
        codes = [parsed.code] if parsed.code else []
        if not codes:
            for p in await tx.people.by_telegram_id(user_id):
                community = await tx.registry.community(p.community_id)
                if community is not None:
                    codes.append(community.code)
            if not codes:
                codes = [c.code for c in await tx.registry.communities()]
        for code in codes:
            ticket = await tx.tickets.by_number(format_number(code, parsed.seq))
            if ticket is not None:
                return ticket
        raise NotFound("tickets.error.not_found", number=text[:20])

    async def is_staff(self, tx: TicketUnitOfWork, ticket: Ticket, user_id: int) -> bool:
        person = await person_in(tx, user_id, ticket.community_id)
        return person is not None and person.has_role(*STAFF_ROLES)

    async def cancel(self, user_id: int, number: str, reason: str, update_id: int) -> str:
        """The reporter or staff withdraw a ticket, with a reason the group sees."""
        now = self.env.clock.now()
        async with self.env.uow() as tx:
            ticket = await self.find(tx, number, user_id)
            community = await community_of(tx, ticket)
            locale = community.locale
            reporter = user_id in (ticket.reporter_id, ticket.on_behalf_by)
            if not reporter and not await self.is_staff(tx, ticket, user_id):
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
                changes={"cancel_reason": reason, "closed_at": now},
            )
            ticket = await refresh_card(tx, self.env.looks, ticket, community, now)
            text = i18n.t(locale, "tickets.group.cancelled", number=ticket.label, reason=reason)
            await reply_to_card(tx, ticket, text, now, "cancelled")
            await tx.commit()
        return i18n.t(locale, "tickets.command.cancelled", number=ticket.label)

    async def merge(self, user_id: int, source: str, target: str, update_id: int) -> str:
        """Fold a duplicate into another ticket: its reporter and followers follow the target."""
        now = self.env.clock.now()
        async with self.env.uow() as tx:
            src = await self.find(tx, source, user_id)
            dst = await self.find(tx, target, user_id)
            community = await community_of(tx, src)
            locale = community.locale
            if src.id == dst.id or src.community_id != dst.community_id:
                raise NotAllowed("tickets.command.same_ticket")
            if not await self.is_staff(tx, src, user_id):
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
                changes={"merged_into_id": dst.id, "cancel_reason": "merged"},
            )
            people = [Follower(src.reporter_id, src.chat_id, src.message_id, src.id)]
            people += [
                Follower(f.telegram_id, f.chat_id, f.message_id, src.id)
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
            src = await self.find(tx, source, user_id)
            community = await community_of(tx, src)
            locale = community.locale
            if not await self.is_staff(tx, src, user_id):
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
                changes={"merged_into_id": None, "cancel_reason": None},
            )
            src = await refresh_card(tx, self.env.looks, src, community, now)
            await notify_assignee(tx, self.env.looks, src, community, now, again=True)
            await tx.commit()
        return i18n.t(
            locale, "tickets.command.unmerged", number=src.label, name=src.assignee_name or "—"
        )


async def _close_menu(tx: TicketUnitOfWork, origin: Origin, text: str, now: datetime) -> None:
    """An answered menu (转给谁？, 哪里处理？) says what was chosen and keeps no buttons."""
    await tx.outbox.enqueue(
        OutboundMessage(
            origin.chat_id,
            "edit_text",
            {"text": text, "message_id": origin.message_id},
            "ticket.menu_done",
            f"menu:{origin.chat_id}:{origin.message_id}:{origin.update_id}",
        ),
        now,
    )
