"""Where a group's chat id is kept, and moving it to the id of the supergroup it became.

A message id means something only in its own chat, and a supergroup numbers its messages from
1 again: where a row moves to the new id, the message id it kept from the old group is cleared,
so a message of the supergroup can never be taken for it. The bot can no longer reach the old
group's messages anyway (no reply, no edit).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, Delete, Update, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models_faq import FaqCooldown
from storage.models_notices import NoticeDelivery
from storage.models_tickets import ReportDraft, TicketFollower, TicketRow

#: tables with a chat id that move_history leaves alone, and why
NOT_MOVED = {
    "chats": "the binding itself: the old row stays, marked migrated, pointing at the new id",
    "outbox": "what is queued is re-aimed by the migration use case; what was sent stays",
    "ticket_prompts": "private chats only",
}


async def move_history(session: AsyncSession, old: int, new: int) -> dict[str, int]:
    """Re-key every row of the old group to the new id; return how many moved, per kind."""
    moved: dict[str, int] = {}
    for kind, statement in statements(old, new).items():
        result: Any = await session.execute(statement.execution_options(synchronize_session=False))
        assert isinstance(result, CursorResult)
        if result.rowcount:
            moved[kind] = int(result.rowcount)
    return moved


def statements(old: int, new: int) -> dict[str, Update | Delete]:
    """One statement per kind of row the old group keeps."""
    delivered = NoticeDelivery.__table__.alias("delivered")
    cooled = FaqCooldown.__table__.alias("cooled")
    return {
        "tickets": update(TicketRow)
        .where(TicketRow.chat_id == old)
        .values(chat_id=new, message_id=None),
        "followers": update(TicketFollower)
        .where(TicketFollower.chat_id == old)
        .values(chat_id=new, message_id=None),
        # a delivery (or cool-down) the new id has already is kept; the old one stays behind
        "notice_deliveries": update(NoticeDelivery)
        .where(
            NoticeDelivery.chat_id == old,
            ~exists(
                select(delivered.c.id).where(
                    delivered.c.chat_id == new,
                    delivered.c.notice_id == NoticeDelivery.notice_id,
                    delivered.c.occurrence == NoticeDelivery.occurrence,
                )
            ),
        )
        .values(chat_id=new),
        "faq_cooldowns": update(FaqCooldown)
        .where(
            FaqCooldown.chat_id == old,
            ~exists(
                select(cooled.c.entry_id).where(
                    cooled.c.chat_id == new, cooled.c.entry_id == FaqCooldown.entry_id
                )
            ),
        )
        .values(chat_id=new),
        # a /report half filled in the old group: its screen and buttons stayed there
        "report_drafts": delete(ReportDraft).where(ReportDraft.chat_id == old),
    }
