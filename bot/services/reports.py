"""Use case: a resident addressed the bot in a group – acknowledge what was understood.

The tickets feature turns this into a real ticket; until then the resident gets a clear
acknowledgement through the outbox (stored first, sent once, deduplicated by update).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import i18n
from bot.domain.clock import Clock
from bot.domain.errors import InvalidInput
from bot.domain.records import OutboundMessage
from bot.services.ports import UnitOfWorkFactory


@dataclass(frozen=True)
class Report:
    """A message a resident addressed to the bot, already stripped of the mention."""

    update_id: int
    chat_id: int
    message_id: int
    user_id: int
    text: str


class ReportDesk:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, max_chars: int) -> None:
        self.uow = uow
        self.clock = clock
        self.max_chars = max_chars

    async def acknowledge(self, report: Report) -> int | None:
        """Queue the acknowledgement reply; a repeated update queues nothing."""
        from bot.domain.intake import BuildingRef, classify, load_rules

        if len(report.text) > self.max_chars:
            raise InvalidInput("error.too_long", length=len(report.text), limit=self.max_chars)
        async with self.uow() as tx:
            chat = await tx.chats.get(report.chat_id)
            if chat is None or chat.community_id is None:
                return None
            community = await tx.registry.community(chat.community_id)
            if community is None:
                return None
            locale = community.locale
            refs = [BuildingRef(b.number, b.aliases, b.units) for b in community.buildings]
            result = classify(report.text, load_rules(), refs, chat.default_building)
            parts = []
            if result.building and result.unit:
                parts.append(
                    i18n.t(locale, "location.unit", building=result.building, unit=result.unit)
                )
            elif result.building:
                parts.append(i18n.t(locale, "location.building", building=result.building))
            parts.append(i18n.t(locale, f"categories.{result.category}"))
            text = i18n.t(locale, "intake.ack", summary=" · ".join(parts))
            item = await tx.outbox.enqueue(
                OutboundMessage(
                    chat_id=report.chat_id,
                    method="send_message",
                    payload={"text": text, "reply_to_message_id": report.message_id},
                    purpose="intake.ack",
                    dedup_key=f"ack:{report.update_id}",
                ),
                self.clock.now(),
            )
            await tx.commit()
        return item
