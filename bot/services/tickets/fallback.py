"""Answers for addressed messages that are neither a report nor a question for the FAQ.

Nobody who asks the bot for help is left without an answer: a greeting, or words the bot does
not understand, get a short menu (what it can do, 「一步步报修」 for /report and 「转给工作人员」);
thanks and "OK" get a short word; "我的工单" in words gets the resident's tickets (in a group:
a link to see them privately); an unknown command in private is told so, with the menu.

「转给工作人员」 opens a ticket of kind `question` (the same button as for a question the FAQ
cannot answer): what the resident wants is not a repair of a known kind but a person's reply,
so it goes to the supervisor on duty, who answers or re-classifies it, instead of a tradesman
with a repair deadline; and kind `other` stays what intake could not sort among repairs.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from bot import i18n
from bot.domain.intake.conversation import Talk
from bot.domain.intake.language import reply_locale
from bot.domain.records import CommunityInfo
from bot.domain.tickets import Ticket
from bot.services.buttons import Pressed
from bot.services.outgoing import Rows, send
from bot.services.ports import TicketUnitOfWork
from bot.services.tickets.cards import button
from bot.services.tickets.core import TicketEnv
from bot.services.tickets.dto import Origin, Subject, TicketMessage
from bot.services.tickets.queries import TicketQueries, is_staff_member

if TYPE_CHECKING:  # the flow is built on intake, which holds these answers
    from bot.services.tickets.report_flow import TicketReportFlow

MENU_KIND = "ticket.menu"  # 「一步步报修」: start /report from the menu
ASK_KIND = "ticket.ask"  # 「转给工作人员」: TicketIntake.ask_staff opens a `question` ticket
_PURPOSE = "ticket.fallback"


def fit(subject: Subject, limit: int) -> tuple[Subject, bool]:
    """Keep the first `limit` characters of an oversized message; say whether it was cut."""
    if len(subject.text) <= limit:
        return subject, False
    return replace(subject, text=subject.text[:limit]), True


class FallbackAnswers:
    def __init__(self, env: TicketEnv) -> None:
        self.env = env
        self.queries = TicketQueries(env)

    async def talk(
        self,
        tx: TicketUnitOfWork,
        msg: TicketMessage,
        community: CommunityInfo,
        talk: Talk,
        building: str | None,
        now: datetime,
    ) -> None:
        """Answer a greeting, thanks, an "OK", a request for help or for one's own tickets."""
        locale = reply_locale(msg.text, community.locale)
        if talk in (Talk.THANKS, Talk.ACK):
            await self._reply(tx, msg, i18n.t(locale, f"answers.{talk.value}"), now)
        elif talk is Talk.MY_TICKETS:
            await self._reply(tx, msg, await self._my_tickets(tx, msg, locale), now)
        else:
            text = i18n.t(locale, "answers.menu.greeting")
            await self.menu(tx, msg, community, text, building, now, locale)

    async def not_understood(
        self,
        tx: TicketUnitOfWork,
        msg: TicketMessage,
        community: CommunityInfo,
        subject: Subject,
        building: str | None,
        now: datetime,
    ) -> None:
        """Say so politely, with the way out: what the bot can do, /report, a person."""
        locale = reply_locale(subject.text, community.locale)
        text = i18n.t(locale, "answers.menu.not_understood")
        await self.menu(tx, msg, community, text, building, now, locale, subject=subject)

    async def unknown_command(self, msg: TicketMessage, locale: str) -> None:
        """A command the bot does not have: say so, with the menu."""
        now = self.env.clock.now()
        async with self.env.uow() as tx:
            community = await _community(tx, msg)
            if community is None:
                return
            text = i18n.t(locale, "answers.menu.unknown_command")
            await self.menu(tx, msg, community, text, None, now, locale)
            await tx.commit()

    async def menu(
        self,
        tx: TicketUnitOfWork,
        msg: TicketMessage,
        community: CommunityInfo,
        opening: str,
        building: str | None,
        now: datetime,
        locale: str,
        *,
        subject: Subject | None = None,
    ) -> None:
        """The opening line, what the bot can do, and the two big buttons."""
        where = "private" if msg.private else "group"
        body = i18n.t(locale, f"answers.menu.{where}", bot=msg.bot_username)
        report = await button(
            tx,
            now,
            i18n.t(locale, "answers.menu.report_button"),
            MENU_KIND,
            {"name": msg.user_name},
            users=(msg.user_id,),
            community_id=community.id,
        )
        said = subject or Subject(
            msg.text, msg.user_id, msg.user_name, None, msg.message_id, msg.photo_file_id
        )
        staff = await ask_staff_button(tx, msg, said, community.id, building, None, now, locale)
        await self._reply(tx, msg, f"{opening}\n{body}", now, [[report], [staff]])

    async def cut_note(
        self, tx: TicketUnitOfWork, msg: TicketMessage, ticket: Ticket, locale: str, now: datetime
    ) -> None:
        """Tell the resident that only the first part of a long message was registered."""
        limit = self.env.policy.max_chars
        text = i18n.t(locale, "answers.too_long", limit=limit, number=ticket.label)
        await self._reply(tx, msg, text, now, key=f"cut:{msg.update_id}")

    async def start_report(
        self, pressed: Pressed, origin: Origin, report: TicketReportFlow
    ) -> str:
        """「一步步报修」 on the menu: the /report flow, as if the presser had sent /report."""
        name = str(pressed.spec.payload.get("name") or "")
        await report.start(
            origin.chat_id,
            origin.chat_id > 0,  # a private chat's id is the person's id, always positive
            pressed.presser_id,
            name,
            origin.message_id,
            origin.update_id,
            origin.thread_id,
        )
        return ""

    async def _my_tickets(self, tx: TicketUnitOfWork, msg: TicketMessage, locale: str) -> str:
        if msg.private:  # staff asking for "my tickets" mean the ones they handle
            if await is_staff_member(tx, msg.user_id):
                return await self.queries.mine_in(tx, msg.user_id, locale)
            return await self.queries.my_in(tx, msg.user_id, locale)
        # a group sees ticket cards, not whose they are: the list is shown in private
        link = f"https://t.me/{msg.bot_username}?start=my"
        return i18n.t(locale, "answers.my_in_group", link=link)

    async def _reply(
        self,
        tx: TicketUnitOfWork,
        msg: TicketMessage,
        text: str,
        now: datetime,
        buttons: Rows | None = None,
        key: str | None = None,
    ) -> None:
        await send(
            tx,
            msg.chat_id,
            text,
            now,
            key or f"fallback:{msg.update_id}",
            purpose=_PURPOSE,
            buttons=buttons,
            reply_to_message_id=msg.message_id,
            thread_id=msg.thread_id,
        )


async def ask_staff_button(
    tx: TicketUnitOfWork,
    msg: TicketMessage,
    subject: Subject,
    community_id: int,
    building: str | None,
    unit: str | None,
    now: datetime,
    locale: str,
) -> dict[str, str]:
    """「转给工作人员」: pressed by the asker, it hands their words to staff as a `question`."""
    payload: dict[str, object] = {
        "chat": msg.chat_id,
        "m": subject.message_id,
        "text": subject.text[:1000],
        "b": building,
        "u": unit,
        "c": community_id,
        "upd": msg.update_id,
        "name": subject.reporter_name,
        "by": subject.reporter_id,
        "th": msg.thread_id,
        "l": locale,
    }
    return await button(
        tx,
        now,
        i18n.t(locale, "tickets.group.ask_staff_button"),
        ASK_KIND,
        payload,
        users=(msg.user_id,),
        community_id=community_id,
    )


async def _community(tx: TicketUnitOfWork, msg: TicketMessage) -> CommunityInfo | None:
    """The community of a chat: the group's, or in private the person's (or the only one)."""
    if not msg.private:
        chat = await tx.chats.get(msg.chat_id)
        if chat is None or chat.community_id is None:
            return None
        return await tx.registry.community(chat.community_id)
    people = await tx.people.by_telegram_id(msg.user_id)
    if people:
        return await tx.registry.community(people[0].community_id)
    communities = await tx.registry.communities()
    return communities[0] if len(communities) == 1 else None
