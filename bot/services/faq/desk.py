"""Use case: answer a resident's question from the community's knowledge base.

`FaqDesk` implements the `QuestionDesk` port: a confident match is answered as a reply to the
asker's message, a close call offers "您是想问：" with up to three buttons, and nothing good
returns `FaqOutcome.NONE` having sent nothing (the tickets intake then offers to pass the
question to staff). Messages go through the outbox, deduplicated by update, so a repeated
update answers once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot import i18n, metrics
from bot.domain.clock import Clock
from bot.domain.errors import NotFound
from bot.domain.records import ButtonSpec, CommunityInfo
from bot.redaction import hide_personal
from bot.services.buttons import callback_data
from bot.services.outgoing import send
from bot.services.ports import (
    FaqOutcome,
    FaqUnitOfWork,
    FaqUnitOfWorkFactory,
    Question,
)
from faq.kb import FaqEntry
from faq.matcher import FaqMatcher, MatchResult, Thresholds, default_thresholds
from faq.normalize import question_key

BUTTON_KIND = "faq.show"
BUTTON_LIFETIME = timedelta(days=7)
BUTTON_CHARS = 40  # longer questions are cut on the button (Telegram shows ~40 anyway)
GAP_TEXT_CHARS = 300
# Intake intents that belong to tickets: an unasked answer never interrupts a repair report.
TICKET_INTENTS = frozenset({"report", "emergency"})


class FaqLibrary:
    """One matcher per community, cached; rebuilt when the stored base's revision moves on."""

    def __init__(self, thresholds: Thresholds | None = None) -> None:
        self.thresholds = thresholds if thresholds is not None else default_thresholds()
        self._cache: dict[int, tuple[int, FaqMatcher]] = {}

    async def matcher(self, tx: FaqUnitOfWork, community_id: int) -> FaqMatcher:
        """Return the community's matcher, reloading it if another process changed the base."""
        revision = await tx.faq.revision(community_id)
        cached = self._cache.get(community_id)
        if cached is not None and cached[0] == revision:
            return cached[1]
        entries = await tx.faq.entries(community_id)
        # building the index of a large base takes a noticeable part of a second: off the loop,
        # so the bot keeps answering other chats meanwhile
        matcher = await asyncio.to_thread(FaqMatcher, entries, self.thresholds)
        self._cache[community_id] = (revision, matcher)
        return matcher

    def changed(
        self, community_id: int, before: int, after: int, change: Callable[[FaqMatcher], None]
    ) -> None:
        """Apply a committed change to the cached matcher in place (or drop a stale one)."""
        cached = self._cache.get(community_id)
        if cached is not None and cached[0] == before:
            change(cached[1])
            self._cache[community_id] = (after, cached[1])
        else:
            self._cache.pop(community_id, None)

    def forget(self, community_id: int) -> None:
        """Drop a community's cached matcher (after an import)."""
        self._cache.pop(community_id, None)


@dataclass(frozen=True)
class _Context:
    community: CommunityInfo
    building: str | None


class FaqDesk:
    """The knowledge base's side of intake (the `QuestionDesk` port)."""

    def __init__(
        self,
        uow: FaqUnitOfWorkFactory,
        clock: Clock,
        library: FaqLibrary,
        *,
        is_ticket: Callable[[str], bool] | None = None,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.library = library
        self.is_ticket = is_ticket if is_ticket is not None else looks_like_ticket

    @property
    def cooldown(self) -> timedelta:
        return timedelta(minutes=self.library.thresholds.cooldown_minutes)

    async def answer(self, question: Question) -> FaqOutcome:
        """Answer, suggest or (returning NONE) send nothing; unaddressed: confident and rare."""
        text = question.text.strip()
        if not text:
            return FaqOutcome.NONE
        if not question.addressed and self.is_ticket(text):
            return FaqOutcome.NONE  # a repair or emergency: tickets win
        now = self.clock.now()
        async with self.uow() as tx:
            where = await _context(tx, question)
            if where is None:
                return FaqOutcome.NONE
            matcher = await self.library.matcher(tx, where.community.id)
            today = now.astimezone(ZoneInfo(where.community.timezone)).date()
            result = matcher.match(
                text, building=where.building, today=today, addressed=question.addressed
            )
            outcome = await self._act(tx, question, where, matcher, result)
            counted = _counted_as(outcome, question.addressed)
            if counted is not None:
                await tx.faq.tally(where.community.id, counted, question.update_id, now)
            await tx.commit()
        if question.addressed:
            metrics.FAQ.labels(outcome.value).inc()
        return outcome

    async def _act(
        self,
        tx: FaqUnitOfWork,
        question: Question,
        where: _Context,
        matcher: FaqMatcher,
        result: MatchResult,
    ) -> FaqOutcome:
        now = self.clock.now()
        if result.decision == "answer" and result.best is not None:
            entry = result.best
            if not question.addressed:
                claimed = await tx.faq.claim_cooldown(
                    question.chat_id, entry.id, question.update_id, now, now - self.cooldown
                )
                if not claimed:
                    return FaqOutcome.NONE
            await send(
                tx,
                question.chat_id,
                render_answer(question.locale, entry),
                now,
                f"faq:{question.update_id}",
                purpose="faq.answer",
                reply_to_message_id=question.message_id,
                thread_id=question.thread_id,
            )
            return FaqOutcome.ANSWERED
        if result.decision == "suggest" and question.addressed:
            rows = []
            for candidate in result.candidates[:3]:
                offered = matcher.get(candidate.entry_id)
                if offered is None:
                    continue
                button_id = await tx.buttons.create(
                    ButtonSpec(
                        kind=BUTTON_KIND,
                        subject=f"faq:{offered.id}",
                        payload={"entry_id": offered.id, "locale": question.locale},
                        community_id=where.community.id,
                        expires_at=now + BUTTON_LIFETIME,
                    ),
                    now,
                )
                rows.append(
                    [
                        {
                            "text": _short(offered.questions[0]),
                            "callback_data": callback_data(button_id),
                        }
                    ]
                )
            await send(
                tx,
                question.chat_id,
                i18n.t(question.locale, "faq.did_you_mean"),
                now,
                f"faq:{question.update_id}",
                purpose="faq.suggest",
                buttons=rows,
                reply_to_message_id=question.message_id,
                thread_id=question.thread_id,
            )
            return FaqOutcome.SUGGESTED
        if question.addressed:
            # counted by its wording without phones and rooms (the key is stored too), and
            # shown to admins the same way; retention forgets it after LOUDAO_KEEP_MESSAGES_DAYS
            kept = hide_personal(question.text.strip())
            await tx.faq.record_gap(
                where.community.id,
                question_key(kept),
                kept[:GAP_TEXT_CHARS],
                question.update_id,
                now,
            )
        return FaqOutcome.NONE

    async def show(
        self,
        community_id: int | None,
        entry_id: str,
        chat_id: int,
        reply_to_message_id: int | None,
        update_id: int,
        locale: str,
        thread_id: int | None = None,
    ) -> None:
        """A suggestion button was pressed: post that entry's answer (once per press), in the
        forum topic of the suggestion (`thread_id`)."""
        if community_id is None:
            raise NotFound("faq.gone")
        async with self.uow() as tx:
            matcher = await self.library.matcher(tx, community_id)
            entry = matcher.get(entry_id)
            if entry is None:
                raise NotFound("faq.gone")
            now = self.clock.now()
            await tx.faq.tally(community_id, "chosen", update_id, now)
            await send(
                tx,
                chat_id,
                render_answer(locale, entry),
                now,
                f"faq.show:{update_id}",
                purpose="faq.answer",
                reply_to_message_id=reply_to_message_id,
                thread_id=thread_id,
            )
            await tx.commit()


def _counted_as(outcome: FaqOutcome, addressed: bool) -> str | None:
    """What the figures count a question as (README: How Loudao counts); None: not a question
    put to the bot that it answered (a group message the FAQ let pass)."""
    if outcome is FaqOutcome.ANSWERED:
        return "direct" if addressed else "unasked"
    if outcome is FaqOutcome.SUGGESTED:
        return "menu"
    return "unanswered" if addressed else None


def render_answer(locale: str, entry: FaqEntry) -> str:
    """The answer as a message: the question it answers in bold, then the answer (escaped)."""
    return i18n.t(locale, "faq.answer", question=entry.questions[0], answer=entry.answer.strip())


def looks_like_ticket(text: str) -> bool:
    """Return whether intake reads the text as a repair request or an emergency."""
    from bot.domain.intake import classify
    from bot.intake_files import load_rules

    return classify(text, load_rules(), []).intent in TICKET_INTENTS


def _short(text: str) -> str:
    return text if len(text) <= BUTTON_CHARS else text[: BUTTON_CHARS - 1] + "…"


async def _context(tx: FaqUnitOfWork, question: Question) -> _Context | None:
    """Find the asker's community and building: given, the group's, the person's, or the first."""
    community_id, building = question.community_id, question.building
    if community_id is None and not question.private:
        chat = await tx.chats.get(question.chat_id)
        if chat is None or chat.community_id is None:
            return None
        community_id = chat.community_id
        building = building or chat.default_building
    if community_id is None:
        people = await tx.people.by_telegram_id(question.user_id)
        if people:
            community_id = people[0].community_id
    if community_id is None:
        communities = await tx.registry.communities()
        if not communities:
            return None
        community_id = min(c.id for c in communities)
    community = await tx.registry.community(community_id)
    return _Context(community, building) if community is not None else None
