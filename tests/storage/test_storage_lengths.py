"""The longest value each code path can write fits its column – on PostgreSQL too.

SQLite ignores VARCHAR lengths and PostgreSQL refuses what does not fit, so a value built from
the code's own constants (reasons, prefixes, the file rules' maximum lengths) is written here
through the repositories on every database, and its length is also checked against the model
so that the gap shows without a PostgreSQL server as well.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import String
from sqlalchemy.orm import InstrumentedAttribute

from bot.domain.categories import CATEGORY_CHARS
from bot.domain.clock import FakeClock
from bot.domain.duty.records import GIVEN_UP, SETTLED_BY_STATUS, NewStep
from bot.domain.escalation.plan import ACCEPT
from bot.domain.records import ButtonSpec
from bot.domain.registry import (
    ALIAS_CHARS,
    NAME_CHARS,
    NUMBER_CHARS,
    PERSON_NAME_CHARS,
    PHONE_CHARS,
    TITLE_CHARS,
    RegistryFile,
)
from bot.domain.tickets import NewTicket, Prompt
from bot.services.registry import load_registry
from bot.services.tickets.cards import PAGE_PROMPT
from faq.kb import ENTRY_ID_CHARS
from storage.models import ButtonAction, Chat, Community, Person
from storage.models_duty import EscalationRow
from storage.models_tickets import TicketPrompt, TicketRow
from storage.uow import SqlUnitOfWorkFactory

PROMPT_KINDS = ["card", "progress", "resolve"] + [
    f"{PAGE_PROMPT}{reason}" for reason in (ACCEPT, *SETTLED_BY_STATUS)
]
OUTCOMES = ["sent", "reminded", "moot", "skipped", GIVEN_UP]


def width(column: InstrumentedAttribute[str] | InstrumentedAttribute[str | None]) -> int:
    kind = column.property.columns[0].type
    assert isinstance(kind, String) and kind.length is not None
    return kind.length


def test_the_models_are_wide_enough_for_the_longest_values() -> None:
    assert max(map(len, PROMPT_KINDS)) <= width(TicketPrompt.kind)
    assert max(map(len, SETTLED_BY_STATUS)) <= width(EscalationRow.reason)
    assert max(map(len, OUTCOMES)) <= width(EscalationRow.outcome)
    assert len(f"faq:{'e' * ENTRY_ID_CHARS}") <= width(ButtonAction.subject)
    assert width(TicketRow.category) >= CATEGORY_CHARS  # a category the rules file defines
    assert min(width(TicketRow.building), width(TicketRow.unit)) >= NUMBER_CHARS
    assert width(Chat.coverage_unit) >= NUMBER_CHARS
    assert width(Community.name) >= NAME_CHARS and width(Chat.title) >= TITLE_CHARS
    assert width(Person.name) >= PERSON_NAME_CHARS and width(Person.phone) >= PHONE_CHARS


def longest_community() -> RegistryFile:
    """A community whose every text is as long as the file rules allow."""
    number, unit = "9" * NUMBER_CHARS, "8" * NUMBER_CHARS
    return RegistryFile.model_validate(
        {
            "communities": [
                {
                    "code": "C" * 16,
                    "name": "园" * NAME_CHARS,
                    "timezone": "America/Argentina/ComodRivadavia",
                    "grids": [{"code": "G" * 16, "name": "格" * NAME_CHARS}],
                    "buildings": [
                        {
                            "number": number,
                            "name": "楼" * NAME_CHARS,
                            "grid": "G" * 16,
                            "aliases": ["别" * ALIAS_CHARS],
                            "units": [unit],
                        }
                    ],
                    "chats": [
                        {
                            "chat_id": -1009999999999999,
                            "title": "群" * TITLE_CHARS,
                            "covers": {"building": number, "unit": unit},
                        }
                    ],
                    "staff": [
                        {
                            "key": "k" * 16,
                            "name": "人" * PERSON_NAME_CHARS,
                            "join_code": "J" * 32,
                            "roles": ["staff"],
                            "phone": "1" * PHONE_CHARS,
                        }
                    ],
                }
            ]
        }
    )


async def test_the_longest_community_file_loads(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    reports = await load_registry(uow, longest_community(), clock)
    assert reports["C" * 16].changed
    async with uow() as tx:
        stored = await tx.registry.community_by_code("C" * 16)
    assert stored is not None and stored.name == "园" * NAME_CHARS
    assert stored.buildings[0].units == ("8" * NUMBER_CHARS,)


async def test_every_prompt_kind_and_step_outcome_is_stored(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    await load_registry(uow, longest_community(), clock)
    now = clock.now()
    async with uow() as tx:
        community = await tx.registry.community_by_code("C" * 16)
        assert community is not None
        ticket = await tx.tickets.create(
            NewTicket(
                community_id=community.id, source_key="k" * 64, source="staff_mention",
                category="neighbour_dispute", level=2, building="9" * NUMBER_CHARS,
                unit="8" * NUMBER_CHARS, room="4011", phone="1" * 15, text="漏水",
                chat_id=-1009999999999999, message_id=1, reporter_id=10**15,
                reporter_name="名" * 128,
            ),
            now,
        )  # fmt: skip
        for outbox_id, kind in enumerate(PROMPT_KINDS, start=1):
            await tx.tickets.add_prompt(Prompt(outbox_id, ticket.id, kind, 9001, False), 9001, now)
        steps = [
            NewStep(n, "page", "k" * 16, 9001, "人" * PERSON_NAME_CHARS, reason, now)
            for n, reason in enumerate(SETTLED_BY_STATUS, start=1)
        ]
        assert await tx.duty.add_steps(ticket.id, community.id, steps, now) == len(steps)
        stored = await tx.duty.steps(ticket.id)
        for step, outcome in zip(stored, OUTCOMES, strict=False):
            await tx.duty.set_outcome(step.id, outcome)
        failing = await tx.duty.record_failure(stored[-1].id, "E" * 200)  # cut to fit
        assert failing is not None and failing.attempts == 1
        await tx.buttons.create(
            ButtonSpec(
                kind="notice.flow.targets_done",
                subject=f"faq:{'e' * ENTRY_ID_CHARS}",
                community_id=community.id,
                expires_at=now + timedelta(hours=1),
            ),
            now,
        )
        await tx.commit()
    async with uow() as tx:
        kinds = {p.kind for p in await tx.tickets.live_cards(ticket.id)}
    assert kinds == {k for k in PROMPT_KINDS if k == "card" or k.startswith(PAGE_PROMPT)}
