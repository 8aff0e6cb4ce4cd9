"""Intake: one ordinary message becomes a ticket, a "me too", a question for the FAQ – or nothing.

Routing of a non-command message (group or private, outside /report and staff prompts):
reports and emergencies open tickets when the bot or a registered staff member is addressed
(an emergency always does); a new report that matches an open ticket makes the reporter a
follower instead; questions go to the FAQ's QuestionDesk, and when it has nothing and the bot
was addressed, the asker gets a "pass to staff" button. Whatever else addresses the bot gets an
answer too (fallback.py: greetings, "my tickets", "did not understand"); a plain group message
that reads as a report with high confidence gets one quiet offer (offers.py); other chit-chat
gets nothing. An oversized message is registered by its first part.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import i18n, metrics
from bot.domain.errors import InvalidInput, UnknownBuilding
from bot.domain.intake import Classification, classify
from bot.domain.intake.classify import QUESTION, REPORT
from bot.domain.intake.conversation import read_talk
from bot.domain.intake.language import reply_locale
from bot.domain.records import AuditRecord, CommunityInfo
from bot.domain.tickets import (
    Action,
    Follower,
    NewTicket,
    Status,
    Ticket,
    find_phones,
    looks_like_duplicate,
)
from bot.domain.tickets.changes import deadlines, handed_to
from bot.domain.tickets.duplicates import says_me_too
from bot.services.buttons import Pressed
from bot.services.notices.outage_intake import OutageIntake
from bot.services.outgoing import edit, send
from bot.services.ports import FaqOutcome, Question, TicketUnitOfWork
from bot.services.tickets.cards import (
    STAFF_ROLES,
    notify_assignee,
    post_card,
)
from bot.services.tickets.core import (
    TicketEnv,
    building_refs,
    change,
    community_rules,
    person_in,
)
from bot.services.tickets.dto import OpenTicket, Origin, Subject, TicketMessage
from bot.services.tickets.fallback import FallbackAnswers, ask_staff_button, fit
from bot.services.tickets.flood import FloodGuard
from bot.services.tickets.offers import ReportOffers
from bot.services.tickets.replies_to_cards import CardReplies
from bot.services.tickets.routing import pick_assignee


@dataclass(frozen=True)
class _Ask:
    """A question to try on the FAQ after the intake transaction."""

    question: Question
    subject: Subject
    community_id: int
    building: str | None
    unit: str | None
    addressed: bool


class TicketIntake:
    def __init__(self, env: TicketEnv) -> None:
        self.env = env
        self._usernames: dict[int, str] = {}
        self.card_replies = CardReplies(env, self.open)  # answers to the bot about a ticket
        self.outages = OutageIntake(env, self.open)  # reports of an announced outage
        self.answers = FallbackAnswers(env)  # addressed messages that are no report or question
        self.offers = ReportOffers(env, self)  # plain group messages that read as reports
        self.flood = FloodGuard(env, self.card_replies)  # one resident, ticket after ticket

    async def remember(self, user_id: int, username: str | None) -> None:
        """Keep the @username people write with, so a mention of a staff member finds them."""
        if not username or self._usernames.get(user_id) == username.lower():
            return
        async with self.env.uow() as tx:
            await tx.tickets.remember_username(user_id, username, self.env.clock.now())
            await tx.commit()
        self._usernames[user_id] = username.lower()

    async def take(self, msg: TicketMessage) -> None:
        """Handle one message; a repeated update never opens a second ticket."""
        await self.remember(msg.user_id, msg.username)
        async with self.env.uow() as tx:
            ask = await self._take(tx, msg)
            await tx.commit()
        if ask is not None:
            await self._ask_faq(ask, msg)

    # -- deciding -------------------------------------------------------------------------
    async def _take(self, tx: TicketUnitOfWork, msg: TicketMessage) -> _Ask | None:
        now = self.env.clock.now()
        community, default_building = await self._where(tx, msg)
        if community is None:
            return None
        staff_ids = await self._mentioned_staff(tx, msg, community.id)
        addressed = msg.addressed or bool(staff_ids)
        subject = self._subject(msg)

        if msg.reply is not None and not msg.private:
            if await self.card_replies.take(tx, msg, community, now):
                return None
            target = await tx.tickets.by_message(msg.chat_id, msg.reply.message_id)
            if target is not None and await self._about_ticket(tx, msg, target, community, now):
                return None

        subject, cut = fit(subject, self.env.policy.max_chars)
        locale = reply_locale(subject.text, community.locale)
        talk = read_talk(subject.text) if msg.addressed else None
        if talk is not None:  # 你好, 谢谢, 我的工单 …
            await self.answers.talk(tx, msg, community, talk, default_building, now)
            return None
        if not subject.text.strip():
            return None
        c = classify(
            subject.text, community_rules(community), building_refs(community), default_building
        )
        outage = await self.outages.consider(tx, msg, community, c, now)
        if outage is not None and outage.answered:
            return None  # the outage notice's answer, not a ticket
        if outage is not None:  # just after an outage: a report of it, invited by "restored"
            c, addressed = outage.reading, True
        if c.intent == REPORT:
            if not addressed and not c.urgent_enough_unasked:
                await self.offers.consider(tx, msg, community, c, subject, now)
                return None
            if await self.flood.holds(tx, msg, community, c.level, locale):
                return None
            building = self._check_building(c, msg, community, locale)
            source = "outage" if outage else self._source(msg, staff_ids, subject)
            ticket = await self.open(
                tx,
                OpenTicket(
                    community,
                    msg.chat_id,
                    subject,
                    c,
                    building,
                    source,
                    f"u:{msg.update_id}",
                    msg.update_id,
                    tuple(staff_ids),
                    thread_id=msg.thread_id,
                    outage_id=outage.notice_id if outage else None,
                    outage_note=outage.note if outage else None,
                    locale=locale,
                ),
                now,
            )
            if cut:
                await self.answers.cut_note(tx, msg, ticket, locale, now)
            return None
        if c.intent == QUESTION:
            question = Question(
                update_id=msg.update_id,
                chat_id=msg.chat_id,
                message_id=msg.message_id,
                user_id=msg.user_id,
                text=subject.text,
                addressed=msg.addressed,
                private=msg.private,
                community_id=community.id,
                building=c.building,
                locale=locale,
                thread_id=msg.thread_id,
            )
            return _Ask(question, subject, community.id, c.building, c.unit, msg.addressed)
        if msg.addressed:  # nothing we understood: say so, with the way out
            await self.answers.not_understood(tx, msg, community, subject, c.building, now)
        return None

    async def _where(
        self, tx: TicketUnitOfWork, msg: TicketMessage
    ) -> tuple[CommunityInfo | None, str | None]:
        """The community (and default building) a message belongs to."""
        if not msg.private:
            chat = await tx.chats.get(msg.chat_id)
            if chat is None or not chat.is_bound or chat.community_id is None:
                return None, None
            return await tx.registry.community(chat.community_id), chat.default_building
        people = await tx.people.by_telegram_id(msg.user_id)
        if people:
            return await tx.registry.community(people[0].community_id), None
        communities = await tx.registry.communities()
        return (communities[0] if len(communities) == 1 else None), None

    async def _mentioned_staff(
        self, tx: TicketUnitOfWork, msg: TicketMessage, community_id: int
    ) -> list[int]:
        """Registered staff @-ed in the message, found by Telegram id (never by display name):
        picked by name (text_mention), or by @username – seen writing, else the file's."""
        ids = list(msg.mentioned_user_ids)
        for name in msg.mentioned_usernames:
            found = await tx.tickets.user_by_username(name)
            if found is None and (listed := await tx.people.by_username(name, community_id)):
                found = listed.telegram_id
            if found is not None:
                ids.append(found)
        staff = []
        for telegram_id in dict.fromkeys(ids):
            person = await person_in(tx, telegram_id, community_id)
            if person is not None and person.has_role(*STAFF_ROLES) and telegram_id != msg.user_id:
                staff.append(telegram_id)
        return staff

    @staticmethod
    def _subject(msg: TicketMessage) -> Subject:
        """A reply with the bot's mention reports the replied-to message, for its author."""
        r = msg.reply
        if r is not None and msg.mentions_bot and not r.is_bot and r.user_id is not None:
            text = " ".join(t for t in (r.text, msg.text) if t)
            photo = msg.photo_file_id or r.photo_file_id
            if r.user_id != msg.user_id:
                return Subject(text, r.user_id, r.user_name, msg.user_id, r.message_id, photo)
            return Subject(text, msg.user_id, msg.user_name, None, r.message_id, photo)
        return Subject(
            msg.text, msg.user_id, msg.user_name, None, msg.message_id, msg.photo_file_id
        )

    @staticmethod
    def _source(msg: TicketMessage, staff_ids: list[int], subject: Subject) -> str:
        if msg.private:
            return "private"
        if subject.on_behalf_by is not None:
            return "reply"
        if msg.mentions_bot:
            return "mention"
        return "staff_mention" if staff_ids else "emergency"

    @staticmethod
    def _check_building(
        c: Classification, msg: TicketMessage, community: CommunityInfo, locale: str
    ) -> str | None:
        """Refuse reports about a building we do not know, or with no building at all."""
        if c.building is not None and c.building_known:
            return c.building
        if c.level == 1:
            return None  # safety first: an emergency is taken even without a known building
        if c.building is not None:
            known = "、".join(b.number for b in community.buildings)
            raise UnknownBuilding(
                name=i18n.t(locale, "tickets.place.building", building=c.building),
                known=known,
            )
        raise InvalidInput("tickets.group.need_building", bot=msg.bot_username)

    async def _about_ticket(
        self,
        tx: TicketUnitOfWork,
        msg: TicketMessage,
        ticket: Ticket,
        community: CommunityInfo,
        now: datetime,
    ) -> bool:
        """A reply to a ticket's card or report: a photo for it, or "me too". True if handled."""
        person = await person_in(tx, msg.user_id, community.id)
        is_staff = person is not None and person.has_role(*STAFF_ROLES)
        if msg.photo_file_id and (ticket.involves(msg.user_id) or is_staff):
            if await tx.tickets.add_photo(ticket.id, msg.photo_file_id, msg.user_id, now):
                text = i18n.t(community.locale, "tickets.group.photo_added", number=ticket.label)
                await send(
                    tx,
                    msg.chat_id,
                    text,
                    now,
                    f"tk:{ticket.id}:photo:{msg.update_id}",
                    purpose="ticket.photo",
                    reply_to_message_id=msg.message_id,
                    thread_id=msg.thread_id,
                )
            return not msg.text.strip() or not msg.mentions_bot
        if ticket.is_open and says_me_too(msg.text) and msg.user_id != ticket.reporter_id:
            await self.follow(
                tx,
                ticket,
                community,
                msg.user_id,
                msg.chat_id,
                msg.message_id,
                msg.update_id,
                now,
                thread_id=msg.thread_id,
            )
            return True
        return False

    # -- acting ---------------------------------------------------------------------------
    async def open(self, tx: TicketUnitOfWork, cmd: OpenTicket, now: datetime) -> Ticket:
        """Open a ticket (or join an open one), post its card, and tell whoever handles it."""
        existing = await tx.tickets.by_source_key(cmd.source_key)
        if existing is not None:
            return existing  # the same update handled again after a crash
        duplicate = await self._duplicate_of(tx, cmd, now)
        if duplicate is not None:
            subject = cmd.subject
            await self.follow(
                tx,
                duplicate,
                cmd.community,
                subject.reporter_id,
                cmd.chat_id,
                subject.message_id,
                cmd.update_id,
                now,
                thread_id=cmd.thread_id,
                locale=cmd.locale,
            )
            return duplicate
        ticket = await self._create(tx, cmd, now)
        ticket = await self._assign(tx, cmd, ticket, now)
        ticket = await post_card(tx, self.env.looks, ticket, cmd.community, now)
        if ticket.level == 1:
            await send(
                tx,
                cmd.chat_id,
                self.env.looks.safety(cmd.locale or cmd.community.locale, ticket.category),
                now,
                f"tk:{ticket.id}:safety",
                purpose="ticket.safety",
                reply_to_message_id=cmd.subject.message_id,
                thread_id=ticket.thread_id,
            )
        await notify_assignee(tx, self.env.looks, ticket, cmd.community, now)
        return ticket

    async def _duplicate_of(
        self, tx: TicketUnitOfWork, cmd: OpenTicket, now: datetime
    ) -> Ticket | None:
        """An open ticket about the same thing from someone else: the reporter follows it."""
        if cmd.building is None or cmd.kind == "question":
            return None
        since = now - self.env.policy.duplicates.window
        for old in await tx.tickets.open_like(cmd.community.id, cmd.building, cmd.kind, since):
            if cmd.subject.reporter_id != old.reporter_id and looks_like_duplicate(
                self.env.policy.duplicates,
                new_text=cmd.subject.text,
                new_building=cmd.building,
                new_unit=cmd.unit,
                new_category=cmd.kind,
                now=now,
                old_text=old.text,
                old_building=old.building,
                old_unit=old.unit,
                old_category=old.category,
                old_created_at=old.created_at,
            ):
                return old
        return None

    async def _create(self, tx: TicketUnitOfWork, cmd: OpenTicket, now: datetime) -> Ticket:
        """Store the new ticket (with its photo) and audit that it was opened."""
        subject, community = cmd.subject, cmd.community
        metrics.TICKETS_OPENED.labels(str(cmd.level)).inc()  # (a rolled-back open counts too)
        phones = find_phones(subject.text)
        ticket = await tx.tickets.create(
            NewTicket(
                community_id=community.id,
                source_key=cmd.source_key,
                source=cmd.source,
                category=cmd.kind,
                level=cmd.level,
                building=cmd.building,
                unit=cmd.unit,
                room=cmd.reading.room,
                phone=phones[0] if phones else None,
                text=subject.text,
                chat_id=cmd.chat_id,
                message_id=subject.message_id,
                reporter_id=subject.reporter_id,
                reporter_name=subject.reporter_name,
                on_behalf_by=subject.on_behalf_by,
                thread_id=cmd.thread_id,
                outage_id=cmd.outage_id,
                outage_note=cmd.outage_note,
            ),
            now,
        )
        await tx.audit.record(
            AuditRecord(
                action="ticket.opened",
                subject=f"ticket:{ticket.number}",
                actor_telegram_id=subject.on_behalf_by or subject.reporter_id,
                community_id=community.id,
                update_id=cmd.update_id,
                details={
                    "to": Status.NEW.value,
                    "category": cmd.kind,
                    "level": cmd.level,
                    "source": cmd.source,
                },
            ),
            now,
        )
        if subject.photo_file_id:
            await tx.tickets.add_photo(ticket.id, subject.photo_file_id, subject.reporter_id, now)
        return ticket

    async def _assign(
        self, tx: TicketUnitOfWork, cmd: OpenTicket, ticket: Ticket, now: datetime
    ) -> Ticket:
        """Hand the ticket to the staff member a resident @-ed, else to whoever is on duty."""
        community = cmd.community
        people = await tx.people.of_community(community.id)
        assignment = pick_assignee(people, community, cmd.building, cmd.kind, cmd.staff_ids)
        if assignment.reason != "chosen":
            assignment = await self.env.router.route(
                community, cmd.building, cmd.kind, cmd.level, now
            )
        person = assignment.person
        if person is None or person.telegram_id is None:
            return ticket
        return await change(
            tx,
            ticket,
            Action.ASSIGN,
            now,
            actor=None,
            update_id=cmd.update_id,
            locale=community.locale,
            note=assignment.reason,
            changes=handed_to(person.telegram_id, person.name)
            | deadlines(assignment.respond_by, assignment.due_at, assignment.promised),
        )

    async def follow(
        self,
        tx: TicketUnitOfWork,
        ticket: Ticket,
        community: CommunityInfo,
        user_id: int,
        chat_id: int,
        message_id: int | None,
        update_id: int | None,
        now: datetime,
        *,
        thread_id: int | None = None,
        locale: str | None = None,
    ) -> bool:
        """Add someone with the same problem and answer them (in their message's forum topic,
        `thread_id`, in `locale` or the community's) with the existing ticket's card."""
        added = await tx.tickets.add_follower(
            ticket.id, Follower(user_id, chat_id, message_id, thread_id=thread_id), now
        )
        if not added:
            return False
        await tx.audit.record(
            AuditRecord(
                action="ticket.followed",
                subject=f"ticket:{ticket.number}",
                actor_telegram_id=user_id,
                community_id=community.id,
                update_id=update_id,
            ),
            now,
        )
        if message_id is None:
            return True
        link = await self._card_link(tx, ticket)
        locale = locale or community.locale
        if link is not None:
            text = i18n.t(locale, "tickets.group.followed_link", number=ticket.label, link=link)
        else:
            text = i18n.t(locale, "tickets.group.followed", number=ticket.label)
        await send(
            tx,
            chat_id,
            text,
            now,
            f"tk:{ticket.id}:follow:{user_id}",
            purpose="ticket.followed",
            reply_to_message_id=message_id,
            thread_id=thread_id,
        )
        return True

    @staticmethod
    async def _card_link(tx: TicketUnitOfWork, ticket: Ticket) -> str | None:
        """A t.me link to the status card (supergroups only, once the card is sent)."""
        if ticket.card_outbox_id is None or not str(ticket.chat_id).startswith("-100"):
            return None
        if await tx.outbox.chat_of(ticket.card_outbox_id) != ticket.chat_id:
            return None  # the card stayed in the group this supergroup was upgraded from
        message_id = await tx.outbox.sent_message_id(ticket.card_outbox_id)
        if message_id is None:
            return None
        return f"https://t.me/c/{str(ticket.chat_id)[4:]}/{message_id}"

    # -- questions ------------------------------------------------------------------------
    async def _ask_faq(self, ask: _Ask, msg: TicketMessage) -> None:
        desk = self.env.questions
        outcome = FaqOutcome.NONE if desk is None else await desk.answer(ask.question)
        if outcome is not FaqOutcome.NONE or not ask.addressed:
            return
        now = self.env.clock.now()
        async with self.env.uow() as tx:
            community = await tx.registry.community(ask.community_id)
            if community is None:
                return
            locale = ask.question.locale
            rows = [
                [
                    await ask_staff_button(
                        tx, msg, ask.subject, community.id, ask.building, ask.unit, now, locale
                    )
                ]
            ]
            await send(
                tx,
                msg.chat_id,
                i18n.t(locale, "tickets.group.ask_staff"),
                now,
                f"ask:{msg.update_id}",
                purpose="ticket.ask_staff",
                reply_to_message_id=msg.message_id,
                buttons=rows,
                thread_id=msg.thread_id,
            )
            await tx.commit()

    async def ask_staff(self, pressed: Pressed, origin: Origin) -> str:
        """The "pass to staff" button: open a ticket of category `question`."""
        p = pressed.spec.payload
        now = self.env.clock.now()
        async with self.env.uow() as tx:
            community = await tx.registry.community(int(p["c"]))
            if community is None:
                return ""
            locale = str(p.get("l") or community.locale)  # the asker's language
            building = p.get("b")
            subject = Subject(
                str(p["text"]), int(p["by"]), str(p.get("name") or ""), None, int(p["m"]), None
            )
            c = Classification(
                "question", "question", 2, building if building else None, p.get("u"), None
            )
            ticket = await self.open(
                tx,
                OpenTicket(
                    community,
                    int(p["chat"]),
                    subject,
                    c,
                    c.building,
                    "question",
                    f"ask:{p['upd']}",
                    origin.update_id,
                    category="question",
                    thread_id=p.get("th"),
                ),
                now,
            )
            await edit(
                tx,
                origin.chat_id,
                i18n.t(locale, "tickets.answer.handed_to_staff") + f" {ticket.label}",
                now,
                f"ask:{p['upd']}:done",
                purpose="ticket.ask_done",
                message_id=origin.message_id,
            )
            await tx.commit()
            return i18n.t(locale, "tickets.answer.handed_to_staff")

    async def me_too(self, pressed: Pressed, origin: Origin) -> str:
        """The card's "me too" button: follow the ticket."""
        now = self.env.clock.now()
        async with self.env.uow() as tx:
            ticket = await tx.tickets.get(int(pressed.spec.payload["t"]))
            if ticket is None:
                return ""
            community = await tx.registry.community(ticket.community_id)
            assert community is not None
            locale = community.locale
            if not ticket.is_open or ticket.involves(pressed.presser_id):
                return i18n.t(locale, "tickets.answer.already_following")
            await self.follow(
                tx,
                ticket,
                community,
                pressed.presser_id,
                origin.chat_id,
                None,
                origin.update_id,
                now,
                thread_id=origin.thread_id,
            )
            await tx.commit()
            return i18n.t(locale, "tickets.answer.followed")
