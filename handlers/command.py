"""One way to run a chat command: unpack the update, call one service, reply – for every command.

A command handler is written as `async def run(cmd: Command) -> str | None`; `command(...)`
turns it into a PTB callback that skips updates without a sender or chat, refuses groups for
private-only commands, queues the returned text as the reply (through the outbox: limits,
retries, long texts) and wakes the sender. Refusals (LoudaoError) go to the one error handler.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import Chat, Message, Update, User
from telegram.ext import ContextTypes

from bot.domain.errors import InvalidInput
from bot.services.container import Services
from handlers.incoming import locale_for, sender, topic_of

Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class Command:
    """A command as the services see it: who, where, the words after it, and the language."""

    message: Message
    user: User
    chat: Chat
    args: list[str]
    locale: str
    update_id: int
    bot_username: str

    @property
    def private(self) -> bool:
        return self.chat.type == "private"

    @property
    def thread_id(self) -> int | None:
        """The forum topic the command was sent in (None: General, or not a forum)."""
        return topic_of(self.message)

    def arg(self, index: int = 0) -> str | None:
        return self.args[index] if len(self.args) > index else None


def command(
    services: Services,
    run: Callable[[Command], Awaitable[str | None]],
    *,
    private_only: str | None = None,
) -> Callback:
    """A PTB callback for `run`; `private_only` is the refusal's text key for a group."""

    async def callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, sender(update)
        chat = update.effective_chat
        if message is None or user is None or chat is None:
            return
        if private_only is not None and chat.type != "private":
            raise InvalidInput(private_only)
        cmd = Command(
            message=message,
            user=user,
            chat=chat,
            args=list(context.args or []),
            locale=locale_for(update, services.settings.locale),
            update_id=update.update_id,
            bot_username=context.bot.username or "",
        )
        text = await run(cmd)
        if text:
            await services.replies.reply(
                chat.id, text, update.update_id, message.message_id, cmd.thread_id
            )
        services.wake_sender()

    return callback
