"""Answers to what people sent, queued in the outbox like everything the bot says.

So a reply after a command or a refusal gets the same care as a ticket card: Telegram's
limits and 429s, bounded retries, long texts in parts, and once per update (a replayed update
does not answer twice).
"""

from __future__ import annotations

from bot.domain.clock import Clock
from bot.services.outgoing import send
from bot.services.ports import UnitOfWorkFactory


class Replies:
    """Queue a reply to one message."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def reply(
        self,
        chat_id: int,
        text: str,
        update_id: int,
        reply_to_message_id: int | None = None,
        thread_id: int | None = None,
        kind: str = "reply",
    ) -> None:
        """Queue `text` as the answer to update `update_id` (once per `kind`: an apology for a
        failed attempt is sent once, and does not stand in for the answer a retry gives),
        replying to its message in its forum topic (`thread_id`)."""
        async with self.uow() as tx:
            await send(
                tx,
                chat_id,
                text,
                self.clock.now(),
                f"{kind}:{chat_id}:{update_id}",
                purpose=kind,
                reply_to_message_id=reply_to_message_id,
                thread_id=thread_id,
            )
            await tx.commit()
