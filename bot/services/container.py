"""What handlers are given: the use cases, wired once by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.config import Settings
from bot.domain.clock import Clock
from bot.services.chats import ChatService
from bot.services.ports import UnitOfWorkFactory


@dataclass
class Services:
    settings: Settings
    clock: Clock
    uow: UnitOfWorkFactory
    chats: ChatService
    # Called after a handler queued outbox messages, so they go out without waiting for a poll.
    wake_sender: Callable[[], None] = field(default=lambda: None)
