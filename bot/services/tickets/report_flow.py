"""/report: a guided flow with big buttons for people who prefer tapping to typing.

building → kind of problem → description → optional photo → confirm. The draft is stored,
so a restart in the middle loses nothing; an abandoned draft expires. A pure step
(bot.domain.tickets.report.STEPS) takes each answer; `TicketReportFlow.asks` draws each step.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from bot import i18n
from bot.domain.errors import InvalidInput
from bot.domain.intake import classify
from bot.domain.records import CommunityInfo
from bot.domain.tickets.report import STEPS, ReportAnswer, ReportFlowDraft, ReportStep
from bot.intake_files import report_categories
from bot.services.buttons import Pressed, in_rows
from bot.services.outgoing import Rows, edit, send
from bot.services.ports import TicketUnitOfWork
from bot.services.tickets.cards import button
from bot.services.tickets.core import TicketEnv, building_refs, community_rules
from bot.services.tickets.dto import OpenTicket, Subject
from bot.services.tickets.intake import TicketIntake

REPORT_CATEGORIES = report_categories()  # the rules file's report_menu


_PURPOSE = "ticket.report"


@dataclass(frozen=True)
class _Turn:
    """One update being answered: its transaction, the chat, the update and the time – and
    the forum topic of the person's message, where what is posted in reply to it goes."""

    tx: TicketUnitOfWork
    chat_id: int
    update_id: int
    now: datetime
    thread_id: int | None = None


@dataclass(frozen=True)
class _Screen:
    """What a step's screen is drawn for: the update, the draft and its community."""

    turn: _Turn
    draft: ReportFlowDraft
    community: CommunityInfo

    @property
    def locale(self) -> str:
        return self.community.locale

    async def button(self, text: str, step: str, value: str = "") -> dict[str, str]:
        """Store a big button that only the draft's reporter may press."""
        return await button(
            self.turn.tx,
            self.turn.now,
            text,
            "ticket.flow",
            {"s": step, "v": value},
            users=(self.draft.telegram_id,),
            community_id=self.community.id,
        )


Ask = Callable[[_Screen], Awaitable[tuple[str, Rows]]]


class TicketReportFlow:
    """Someone filling in a /report in a group or a private chat, one big-button step at a time."""

    def __init__(self, env: TicketEnv, intake: TicketIntake) -> None:
        self.env = env
        self.intake = intake
        #: the draft's step → what it asks: a text and its big buttons (cancel is added)
        self.asks: Mapping[ReportStep, Ask] = {
            "building": self._ask_building,
            "category": self._ask_category,
            "text": self._ask_text,
            "photo": self._ask_photo,
            "confirm": self._ask_confirm,
        }

    async def start(
        self,
        chat_id: int,
        private: bool,
        user_id: int,
        user_name: str,
        message_id: int,
        update_id: int,
        thread_id: int | None = None,
    ) -> None:
        """Begin a /report: ask for the building (skipped in a one-building group)."""
        now = self.env.clock.now()
        async with self.env.uow() as tx:
            community, default = await self._community(tx, chat_id, private, user_id)
            expires = now + self.env.policy.draft_window
            draft = ReportFlowDraft.opened(
                chat_id, user_id, community.id, default, user_name, update_id, expires
            )
            turn = _Turn(tx, chat_id, update_id, now, thread_id)
            await self._save(turn, draft)
            text, rows = await self._screen(turn, draft, community)
            await self._post(turn, message_id, text, rows, f"rpt:{update_id}")
            await tx.commit()

    async def _community(
        self, tx: TicketUnitOfWork, chat_id: int, private: bool, user_id: int
    ) -> tuple[CommunityInfo, str | None]:
        community = None
        default = None
        if not private:
            chat = await tx.chats.get(chat_id)
            if chat is not None and chat.community_id is not None:
                community = await tx.registry.community(chat.community_id)
                default = chat.default_building
        else:
            people = await tx.people.by_telegram_id(user_id)
            if people:
                community = await tx.registry.community(people[0].community_id)
            else:
                communities = await tx.registry.communities()
                community = communities[0] if len(communities) == 1 else None
        if community is None:
            raise InvalidInput("tickets.report.no_community")
        return community, default

    # -- plumbing ------------------------------------------------------------------------------
    async def _draft(
        self, tx: TicketUnitOfWork, chat_id: int, user_id: int, now: datetime
    ) -> ReportFlowDraft | None:
        """The person's live draft in the chat; one that cannot be read counts as expired."""
        record = await tx.tickets.draft(chat_id, user_id, now)
        return None if record is None else ReportFlowDraft.from_record(record)

    async def _save(self, turn: _Turn, draft: ReportFlowDraft) -> None:
        """Store the draft moved on; each answer gives it the whole window again."""
        expires = turn.now + self.env.policy.draft_window
        await turn.tx.tickets.save_draft(replace(draft, expires_at=expires).record(), turn.now)

    async def _post(self, turn: _Turn, reply_to: int, text: str, rows: Rows, key: str) -> None:
        """Send a screen, or a word, in reply to the person's message (in its topic)."""
        await send(
            turn.tx,
            turn.chat_id,
            text,
            turn.now,
            key,
            purpose=_PURPOSE,
            buttons=rows,
            reply_to_message_id=reply_to,
            thread_id=turn.thread_id,
        )

    async def _redraw(
        self, turn: _Turn, message_id: int, text: str, rows: Rows | None, key: str
    ) -> None:
        """Put a screen, or a last word without buttons, in the flow's own message."""
        tx, chat, now = turn.tx, turn.chat_id, turn.now
        await edit(tx, chat, text, now, key, purpose=_PURPOSE, message_id=message_id, buttons=rows)

    # -- what each step asks -------------------------------------------------------------------
    async def _screen(
        self, turn: _Turn, draft: ReportFlowDraft, community: CommunityInfo
    ) -> tuple[str, Rows]:
        """The text and big buttons of the draft's current step."""
        screen = _Screen(turn, draft, community)
        cancel = [await screen.button(i18n.t(screen.locale, "tickets.report.cancel"), "cancel")]
        text, rows = await self.asks[draft.step](screen)
        return text, [*rows, cancel]

    async def _ask_building(self, screen: _Screen) -> tuple[str, Rows]:
        locale = screen.locale
        names = [
            await screen.button(self.env.looks.place(locale, x.number, None), "building", x.number)
            for x in screen.community.buildings
        ]
        return i18n.t(locale, "tickets.report.choose_building"), in_rows(names, 3)

    async def _ask_category(self, screen: _Screen) -> tuple[str, Rows]:
        locale = screen.locale
        cats = [
            await screen.button(self.env.looks.category(locale, c), "category", c)
            for c in REPORT_CATEGORIES
        ]
        return i18n.t(locale, "tickets.report.choose_category"), in_rows(cats, 2)

    async def _ask_text(self, screen: _Screen) -> tuple[str, Rows]:
        return i18n.t(screen.locale, "tickets.report.write_text"), []

    async def _ask_photo(self, screen: _Screen) -> tuple[str, Rows]:
        skip = await screen.button(i18n.t(screen.locale, "tickets.report.no_photo"), "nophoto")
        return i18n.t(screen.locale, "tickets.report.send_photo"), [[skip]]

    async def _ask_confirm(self, screen: _Screen) -> tuple[str, Rows]:
        locale, draft = screen.locale, screen.draft
        text = i18n.t(
            locale,
            "tickets.report.confirm",
            place=self.env.looks.place(locale, draft.building or "", None),
            category=self.env.looks.category(locale, str(draft.category)),
            text=draft.text,
            photos=len(draft.photos),
        )
        submit = await screen.button(i18n.t(locale, "tickets.report.submit"), "submit")
        return text, [[submit]]

    # -- answers -------------------------------------------------------------------------------
    async def press(self, pressed: Pressed, chat_id: int, message_id: int, update_id: int) -> str:
        """A big button of the flow: move the draft on and redraw the same message."""
        pressed_step = str(pressed.spec.payload["s"])
        answer = ReportAnswer(
            self.env.policy.max_chars, value=str(pressed.spec.payload.get("v") or "")
        )
        now = self.env.clock.now()
        async with self.env.uow() as tx:
            turn = _Turn(tx, chat_id, update_id, now)
            draft = await self._draft(tx, chat_id, pressed.presser_id, now)
            community = None if draft is None else await tx.registry.community(draft.community_id)
            if draft is None or community is None:
                await self._close(turn, message_id, "tickets.report.expired", "zh_CN")
                return ""
            if pressed_step == "cancel":
                await tx.tickets.drop_draft(chat_id, pressed.presser_id)
                await self._close(turn, message_id, "tickets.report.cancelled", community.locale)
                return ""
            step = STEPS[draft.step]
            if pressed_step != step.button:
                return ""  # an old button of an earlier step
            if step.press is None:
                return await self._submit(turn, draft, community, message_id)
            draft = step.press(draft, answer)
            await self._save(turn, draft)
            text, rows = await self._screen(turn, draft, community)
            await self._redraw(turn, message_id, text, rows, f"rpt:{update_id}:edit")
            await tx.commit()
        return ""

    async def _close(self, turn: _Turn, message_id: int, key: str, locale: str) -> None:
        """Replace the flow's message with a last word (expired, cancelled) and commit."""
        text = i18n.t(locale, key)
        await self._redraw(turn, message_id, text, None, f"rpt:{turn.update_id}:edit")
        await turn.tx.commit()

    async def take(
        self,
        chat_id: int,
        user_id: int,
        message_id: int,
        update_id: int,
        text: str,
        photo: str | None,
        thread_id: int | None = None,
    ) -> bool:
        """A message while a draft waits for the description or the photo. True if taken."""
        now = self.env.clock.now()
        async with self.env.uow() as tx:
            draft = await self._draft(tx, chat_id, user_id, now)
            step = None if draft is None else STEPS[draft.step].message
            if draft is None or step is None:
                return False
            community = await tx.registry.community(draft.community_id)
            if community is None:
                return False
            turn = _Turn(tx, chat_id, update_id, now, thread_id)
            said = ReportAnswer(
                self.env.policy.max_chars,
                text=text,
                photo=photo,
                message_id=message_id,
                thread_id=thread_id,
            )
            try:
                draft = step(draft, said)
            except InvalidInput as refused:
                # nothing to move on with: say what is missing under the person's message
                again = i18n.t(community.locale, refused.key, **refused.params)
                await self._post(turn, message_id, again, [], f"rpt:{update_id}:say")
                await tx.commit()
                return True
            await self._save(turn, draft)
            screen, rows = await self._screen(turn, draft, community)
            await self._post(turn, message_id, screen, rows, f"rpt:{update_id}:say")
            await tx.commit()
        return True

    async def _submit(
        self, turn: _Turn, draft: ReportFlowDraft, community: CommunityInfo, message_id: int
    ) -> str:
        """Open the ticket, drop the draft, and say the ticket's number in the flow's message."""
        building = draft.building or None
        c = classify(draft.text, community_rules(community), building_refs(community), building)
        subject = Subject(
            draft.text,
            draft.telegram_id,
            draft.name,
            None,
            draft.message_id or 0,
            draft.photos[0] if draft.photos else None,
        )
        opened = OpenTicket(
            community,
            draft.chat_id,
            subject,
            c,
            building,
            "report",
            f"rpt:{draft.chat_id}:{draft.telegram_id}:{draft.start}",
            turn.update_id,
            category=draft.category or "other",
            thread_id=draft.thread_id,
        )
        ticket = await self.intake.open(turn.tx, opened, turn.now)
        for extra in draft.photos[1:]:
            await turn.tx.tickets.add_photo(ticket.id, extra, draft.telegram_id, turn.now)
        await turn.tx.tickets.drop_draft(draft.chat_id, draft.telegram_id)
        text = i18n.t(community.locale, "tickets.report.submitted", number=ticket.label)
        await self._redraw(turn, message_id, text, None, f"rpt:{turn.update_id}:done")
        await turn.tx.commit()
        return text
