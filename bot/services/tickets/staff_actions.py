"""Staff buttons on the private card: 接单 · 进度 · 转派 · 完成 · 不属于我们, and the menus they
open (who to hand it to, where to refer it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot import i18n
from bot.domain.errors import InvalidTransition, NotFound
from bot.domain.records import CommunityInfo, PersonInfo
from bot.domain.tickets import Action, Prompt, Ticket, transition
from bot.domain.tickets.changes import handed_to, referred
from bot.services.buttons import Pressed, in_rows
from bot.services.outgoing import Rows, edit, send
from bot.services.ports import TicketUnitOfWork
from bot.services.tickets.cards import (
    MANAGER_ROLES,
    REFER_TARGETS,
    button,
    notify_assignee,
    refresh_card,
    reply_to_card,
)
from bot.services.tickets.core import (
    TicketEnv,
    change,
    community_of,
    locked_ticket,
    person_in,
    refuse_transition,
    require_handler,
)
from bot.services.tickets.dto import Origin
from bot.services.tickets.verdict import resolve_and_ask


def _allowed(ticket: Ticket, action: Action, locale: str) -> None:
    try:
        transition(ticket.status, action)
    except InvalidTransition as exc:
        raise refuse_transition(locale, exc) from exc


def reassign_choices(ticket: Ticket, people: Sequence[PersonInfo]) -> list[PersonInfo]:
    """Whom a ticket may be handed to, those with its category's skill first."""
    choices = [
        p
        for p in people
        if p.telegram_id is not None
        and p.telegram_id != ticket.assignee_id
        and p.has_role("staff", "grid_worker", "supervisor")
    ]
    return sorted(choices, key=lambda p: (ticket.category not in p.skills, p.id))


class StaffActions:
    """What the assignee (or a supervisor or admin) does with the card's buttons."""

    def __init__(self, env: TicketEnv) -> None:
        self.env = env

    # -- staff buttons on the private card -----------------------------------------------
    async def act(self, pressed: Pressed, origin: Origin) -> str:
        """Accept · Progress · Reassign · Resolve · Refer (and "resolve without a note")."""
        action = str(pressed.spec.payload["a"])
        now = self.env.clock.now()
        async with self.env.uow() as tx:
            ticket, community = await locked_ticket(tx, int(pressed.spec.payload["t"]))
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
                await resolve_and_ask(
                    self.env, tx, ticket, community, pressed.presser_id, origin.update_id, "", now
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
        outbox_id = await send(
            tx,
            presser,
            text,
            now,
            f"tk:{ticket.id}:prompt:{origin.update_id}",
            purpose="ticket.prompt",
            buttons=rows,
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
        people = reassign_choices(ticket, await tx.people.of_community(community.id))
        if not people:
            await send(
                tx,
                presser,
                i18n.t(community.locale, "tickets.prompt.nobody_to_reassign"),
                now,
                f"tk:{ticket.id}:menu:{origin.update_id}",
                purpose="ticket.private",
            )
            return
        choices = [(p.name, p.telegram_id) for p in people[:12] if p.telegram_id is not None]
        menu = _Menu("tickets.prompt.reassign", "ticket.pick", width=2)
        await menu.send(tx, ticket, community, presser, origin, now, choices)

    async def _refer_menu(
        self,
        tx: TicketUnitOfWork,
        ticket: Ticket,
        community: CommunityInfo,
        presser: int,
        origin: Origin,
        now: datetime,
    ) -> None:
        label = self.env.looks.refer_label
        choices = [(label(community.locale, code), code) for code in REFER_TARGETS]
        menu = _Menu("tickets.prompt.refer", "ticket.refer", width=1)
        await menu.send(tx, ticket, community, presser, origin, now, choices)

    async def pick(self, pressed: Pressed, origin: Origin) -> str:
        """A name pressed in the reassign menu: hand the ticket over."""
        now = self.env.clock.now()
        to = int(pressed.spec.payload["to"])
        async with self.env.uow() as tx:
            ticket, answer = await self._hand_over(
                tx, int(pressed.spec.payload["t"]), pressed.presser_id, to, origin.update_id, now
            )
            await _close_menu(tx, origin, f"{ticket.label} · {answer}", now)
            await tx.commit()
        return answer

    async def reassign(self, ticket_id: int, actor: int, to: int) -> str:
        """Hand a ticket to `to` for `actor` outside the chat (the web desk): the same checks,
        audit, cards and messages as the menu's name button."""
        now = self.env.clock.now()
        async with self.env.uow() as tx:
            _, answer = await self._hand_over(tx, ticket_id, actor, to, None, now)
            await tx.commit()
        return answer

    async def _hand_over(
        self,
        tx: TicketUnitOfWork,
        ticket_id: int,
        actor: int,
        to: int,
        update_id: int | None,
        now: datetime,
    ) -> tuple[Ticket, str]:
        ticket, community = await locked_ticket(tx, ticket_id)
        locale = community.locale
        await require_handler(tx, ticket, actor)
        person = await person_in(tx, to, community.id)
        if person is None:
            raise NotFound()
        old = ticket.assignee_id
        ticket = await change(
            tx,
            ticket,
            Action.REASSIGN,
            now,
            actor=actor,
            update_id=update_id,
            locale=locale,
            note=person.name,
            changes=handed_to(to, person.name),
        )
        ticket = await refresh_card(tx, self.env.looks, ticket, community, now)
        await notify_assignee(tx, self.env.looks, ticket, community, now, again=True)
        answer = i18n.t(locale, "tickets.answer.reassigned", name=person.name)
        if old is not None and old not in (to, actor):
            await send(
                tx,
                old,
                f"{ticket.label} · {answer}",
                now,
                f"tk:{ticket.id}:handover:v{ticket.card_version}",
                purpose="ticket.private",
            )
        return ticket, answer

    async def refer(self, pressed: Pressed, origin: Origin) -> str:
        """A destination pressed in the refer menu: not ours – tell the group where to go."""
        now = self.env.clock.now()
        code = str(pressed.spec.payload["to"])
        async with self.env.uow() as tx:
            ticket, community = await locked_ticket(tx, int(pressed.spec.payload["t"]))
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
                changes=referred(code, now),
            )
            ticket = await refresh_card(tx, self.env.looks, ticket, community, now)
            where = self.env.looks.refer_label(locale, code)
            text = i18n.t(locale, "tickets.group.referred", number=ticket.label, where=where)
            await reply_to_card(tx, ticket, text, now, "referred")
            await _close_menu(tx, origin, f"{ticket.label} · {where}", now)
            await tx.commit()
        return i18n.t(locale, "tickets.answer.referred")


async def cancel_menu(env: TicketEnv, pressed: Pressed, origin: Origin) -> str:
    """取消 on a 转给谁？ or 哪里处理？ menu: nothing changes, and the menu keeps no buttons."""
    now = env.clock.now()
    async with env.uow() as tx:
        ticket = await tx.tickets.get(int(pressed.spec.payload["t"]))
        if ticket is None:
            raise NotFound()
        community = await community_of(tx, ticket)
        text = i18n.t(community.locale, "tickets.prompt.menu_cancelled", number=ticket.label)
        await _close_menu(tx, origin, text, now)
        await tx.commit()
    return text


async def _close_menu(tx: TicketUnitOfWork, origin: Origin, text: str, now: datetime) -> None:
    """An answered menu (转给谁？, 哪里处理？) says what was chosen and keeps no buttons."""
    await edit(
        tx,
        origin.chat_id,
        text,
        now,
        f"menu:{origin.chat_id}:{origin.message_id}:{origin.update_id}",
        purpose="ticket.menu_done",
        message_id=origin.message_id,
    )


@dataclass(frozen=True)
class _Menu:
    """A private menu of choices about a ticket (转给谁？, 哪里处理？) for the one who asked."""

    title_key: str
    kind: str  # the button kind whose press takes the choice
    width: int  # buttons per row

    async def send(
        self,
        tx: TicketUnitOfWork,
        ticket: Ticket,
        community: CommunityInfo,
        presser: int,
        origin: Origin,
        now: datetime,
        choices: Sequence[tuple[str, int | str]],
    ) -> None:
        buttons = [
            await button(
                tx,
                now,
                label,
                self.kind,
                {"t": ticket.id, "to": value},
                users=(presser,),
                roles=MANAGER_ROLES,
                community_id=community.id,
            )
            for label, value in choices
        ]
        never_mind = await button(
            tx,
            now,
            i18n.t(community.locale, "tickets.prompt.menu_cancel"),
            "ticket.menu_cancel",
            {"t": ticket.id},
            users=(presser,),
            roles=MANAGER_ROLES,
            community_id=community.id,
        )
        await send(
            tx,
            presser,
            i18n.t(community.locale, self.title_key, number=ticket.label),
            now,
            f"tk:{ticket.id}:menu:{origin.update_id}",
            purpose="ticket.private",
            buttons=[*in_rows(buttons, self.width), [never_mind]],
        )
