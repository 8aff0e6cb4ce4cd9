"""/report: a guided flow with big buttons for people who prefer tapping to typing.

building → kind of problem → description → optional photo → confirm. The draft is stored,
so a restart in the middle loses nothing; an abandoned draft expires.
"""

from __future__ import annotations

from datetime import datetime

from bot import i18n
from bot.domain.errors import InvalidInput
from bot.domain.intake import classify
from bot.domain.records import CommunityInfo, OutboundMessage
from bot.domain.tickets import Draft
from bot.intake_files import report_categories
from bot.services.buttons import Pressed
from bot.services.outgoing import Rows
from bot.services.ports import TicketUnitOfWork
from bot.services.tickets.cards import button
from bot.services.tickets.core import TicketEnv, building_refs, community_rules
from bot.services.tickets.intake import Subject, TicketIntake

REPORT_CATEGORIES = report_categories()  # the rules file's report_menu


class TicketReportFlow:
    def __init__(self, env: TicketEnv, intake: TicketIntake) -> None:
        self.env = env
        self.intake = intake

    async def start(
        self,
        chat_id: int,
        private: bool,
        user_id: int,
        user_name: str,
        message_id: int,
        update_id: int,
    ) -> None:
        """Begin a /report: ask for the building (skipped in a one-building group)."""
        now = self.env.clock.now()
        async with self.env.uow() as tx:
            community, default = await self._community(tx, chat_id, private, user_id)
            data: dict[str, object] = {"building": default, "name": user_name, "start": update_id}
            step = "category" if default else "building"
            draft = Draft(
                chat_id, user_id, community.id, step, data, now + self.env.policy.draft_window
            )
            await tx.tickets.save_draft(draft, now)
            text, rows = await self._screen(tx, draft, community, now)
            await tx.outbox.enqueue(
                OutboundMessage(
                    chat_id,
                    "send_message",
                    {"text": text, "buttons": rows, "reply_to_message_id": message_id},
                    "ticket.report",
                    f"rpt:{update_id}",
                ),
                now,
            )
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

    async def _screen(
        self, tx: TicketUnitOfWork, draft: Draft, community: CommunityInfo, now: datetime
    ) -> tuple[str, Rows]:
        """The text and big buttons of the draft's current step."""
        locale = community.locale
        users = (draft.telegram_id,)

        async def b(text: str, step: str, value: str = "") -> dict[str, str]:
            return await button(
                tx,
                now,
                text,
                "ticket.flow",
                {"s": step, "v": value},
                users=users,
                community_id=community.id,
            )

        cancel = [await b(i18n.t(locale, "tickets.report.cancel"), "cancel")]
        if draft.step == "building":
            names = [
                await b(self.env.looks.place(locale, x.number, None), "building", x.number)
                for x in community.buildings
            ]
            rows = [names[i : i + 3] for i in range(0, len(names), 3)]
            return i18n.t(locale, "tickets.report.choose_building"), [*rows, cancel]
        if draft.step == "category":
            cats = [
                await b(self.env.looks.category(locale, c), "category", c)
                for c in REPORT_CATEGORIES
            ]
            rows = [cats[i : i + 2] for i in range(0, len(cats), 2)]
            return i18n.t(locale, "tickets.report.choose_category"), [*rows, cancel]
        if draft.step == "text":
            return i18n.t(locale, "tickets.report.write_text"), [cancel]
        if draft.step == "photo":
            return i18n.t(locale, "tickets.report.send_photo"), [
                [await b(i18n.t(locale, "tickets.report.no_photo"), "nophoto")],
                cancel,
            ]
        d = draft.data
        text = i18n.t(
            locale,
            "tickets.report.confirm",
            place=self.env.looks.place(locale, str(d.get("building") or ""), None),
            category=self.env.looks.category(locale, str(d.get("category"))),
            text=str(d.get("text") or ""),
            photos=len(list(d.get("photos") or [])),  # type: ignore[call-overload]
        )
        return text, [[await b(i18n.t(locale, "tickets.report.submit"), "submit")], cancel]

    async def press(self, pressed: Pressed, chat_id: int, message_id: int, update_id: int) -> str:
        """A big button of the flow: move the draft on and redraw the same message."""
        step, value = str(pressed.spec.payload["s"]), str(pressed.spec.payload.get("v") or "")
        now = self.env.clock.now()
        async with self.env.uow() as tx:
            draft = await tx.tickets.draft(chat_id, pressed.presser_id, now)
            community = None if draft is None else await tx.registry.community(draft.community_id)
            if draft is None or community is None:
                await self._edit(
                    tx, chat_id, message_id, "tickets.report.expired", "zh_CN", update_id, now
                )
                await tx.commit()
                return ""
            locale = community.locale
            data = dict(draft.data)
            if step == "cancel":
                await tx.tickets.drop_draft(chat_id, pressed.presser_id)
                await self._edit(
                    tx, chat_id, message_id, "tickets.report.cancelled", locale, update_id, now
                )
                await tx.commit()
                return ""
            expected = {"submit": "confirm", "nophoto": "photo"}.get(step, step)
            if draft.step != expected:
                return ""  # an old button of an earlier step
            if step == "submit":
                number = await self._submit(tx, draft, community, update_id, now)
                await tx.tickets.drop_draft(chat_id, pressed.presser_id)
                text = i18n.t(locale, "tickets.report.submitted", number=number)
                await tx.outbox.enqueue(
                    OutboundMessage(
                        chat_id,
                        "edit_text",
                        {"text": text, "message_id": message_id},
                        "ticket.report",
                        f"rpt:{update_id}:done",
                    ),
                    now,
                )
                await tx.commit()
                return text
            next_step = {"building": "category", "category": "text", "nophoto": "confirm"}[step]
            if step in ("building", "category"):
                data[step] = value
            draft = Draft(
                draft.chat_id,
                draft.telegram_id,
                draft.community_id,
                next_step,
                data,
                now + self.env.policy.draft_window,
            )
            await tx.tickets.save_draft(draft, now)
            text, rows = await self._screen(tx, draft, community, now)
            await tx.outbox.enqueue(
                OutboundMessage(
                    chat_id,
                    "edit_text",
                    {"text": text, "buttons": rows, "message_id": message_id},
                    "ticket.report",
                    f"rpt:{update_id}:edit",
                ),
                now,
            )
            await tx.commit()
        return ""

    async def _edit(
        self,
        tx: TicketUnitOfWork,
        chat_id: int,
        message_id: int,
        key: str,
        locale: str,
        update_id: int,
        now: datetime,
    ) -> None:
        await tx.outbox.enqueue(
            OutboundMessage(
                chat_id,
                "edit_text",
                {"text": i18n.t(locale, key), "message_id": message_id},
                "ticket.report",
                f"rpt:{update_id}:edit",
            ),
            now,
        )

    async def take(
        self,
        chat_id: int,
        user_id: int,
        message_id: int,
        update_id: int,
        text: str,
        photo: str | None,
    ) -> bool:
        """A message while a draft waits for the description or the photo. True if taken."""
        now = self.env.clock.now()
        async with self.env.uow() as tx:
            draft = await tx.tickets.draft(chat_id, user_id, now)
            if draft is None or draft.step not in ("text", "photo"):
                return False
            community = await tx.registry.community(draft.community_id)
            if community is None:
                return False
            data = dict(draft.data)
            if draft.step == "text":
                if not text.strip():
                    await self._say(
                        tx,
                        chat_id,
                        message_id,
                        update_id,
                        i18n.t(community.locale, "tickets.report.text_please"),
                        [],
                        now,
                    )
                    await tx.commit()
                    return True
                data["text"] = text.strip()[: self.env.policy.max_chars]
                data["message_id"] = message_id
                step = "confirm" if photo else "photo"
            else:
                if text.strip():
                    data["text"] = f"{data.get('text', '')} {text.strip()}"[
                        : self.env.policy.max_chars
                    ]
                step = "confirm" if photo or text.strip() else "photo"
            if photo:
                data["photos"] = [*list(data.get("photos") or []), photo]  # type: ignore[call-overload]
            draft = Draft(
                draft.chat_id,
                draft.telegram_id,
                draft.community_id,
                step,
                data,
                now + self.env.policy.draft_window,
            )
            await tx.tickets.save_draft(draft, now)
            screen, rows = await self._screen(tx, draft, community, now)
            await self._say(tx, chat_id, message_id, update_id, screen, rows, now)
            await tx.commit()
        return True

    async def _say(
        self,
        tx: TicketUnitOfWork,
        chat_id: int,
        reply_to: int,
        update_id: int,
        text: str,
        rows: Rows,
        now: datetime,
    ) -> None:
        await tx.outbox.enqueue(
            OutboundMessage(
                chat_id,
                "send_message",
                {"text": text, "buttons": rows, "reply_to_message_id": reply_to},
                "ticket.report",
                f"rpt:{update_id}:say",
            ),
            now,
        )

    async def _submit(
        self,
        tx: TicketUnitOfWork,
        draft: Draft,
        community: CommunityInfo,
        update_id: int,
        now: datetime,
    ) -> str:
        d = draft.data
        text = str(d.get("text") or "")
        building = str(d.get("building") or "") or None
        category = str(d.get("category") or "other")
        c = classify(text, community_rules(community), building_refs(community), building)
        photos = [str(p) for p in list(d.get("photos") or [])]  # type: ignore[call-overload]
        message_id = d.get("message_id")
        subject = Subject(
            text,
            draft.telegram_id,
            str(d.get("name") or ""),
            None,
            int(str(message_id)) if message_id is not None else 0,
            photos[0] if photos else None,
        )
        ticket = await self.intake.open(
            tx,
            community,
            draft.chat_id,
            subject,
            c,
            building,
            "report",
            f"rpt:{draft.chat_id}:{draft.telegram_id}:{d.get('start')}",
            update_id,
            [],
            now,
            category=category,
        )
        for extra in photos[1:]:
            await tx.tickets.add_photo(ticket.id, extra, draft.telegram_id, now)
        return ticket.label
