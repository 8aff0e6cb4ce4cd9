"""The demo community running for real, as end-to-end tests see it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.app import LoudaoApp
from sandbox.client import SandboxClient
from sandbox.server import SandboxServer
from storage.models import OutboxMessage

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "bot" / "demo" / "community.yaml"
ADMIN, SUPERVISOR, PLUMBER, ELECTRICIAN = 9001, 9002, 9003, 9004
JSON = dict[str, Any]


@dataclass
class World:
    """The demo community running for real: sandbox + bot + a client acting as people."""

    server: SandboxServer
    app: LoudaoApp
    client: SandboxClient
    residents: dict[str, list[tuple[int, str]]]

    def resident(self, building: str, index: int = 0) -> int:
        return self.residents[building][index][0]

    @staticmethod
    def group(building: str) -> int:
        return -int(f"1001{int(building):03d}")

    async def say(self, user: int, chat: int, text: str, **kw: Any) -> JSON:
        return await self.client.say(user, chat, text, **kw)

    async def bot_says(
        self,
        chat: int,
        predicate: Callable[[JSON], bool] | str,
        after: JSON | int = 0,
        timeout: float = 10.0,
    ) -> JSON:
        """Wait for a bot message in `chat` (after a message or id) matching a predicate or text."""
        after_id = after["message_id"] if isinstance(after, dict) else after
        if isinstance(predicate, str):
            needle = predicate
            predicate = lambda m: needle in (m.get("text") or "")  # noqa: E731
        check = predicate
        return await self.client.wait_for(
            chat,
            lambda m: (
                bool(m["from"].get("is_bot"))
                and not m.get("sender_chat")
                and not m.get("service")
                and check(m)
            ),
            timeout,
            after_id,
        )

    async def bot_messages(self, chat: int, after: JSON | int = 0) -> list[JSON]:
        after_id = after["message_id"] if isinstance(after, dict) else after
        messages = await self.client.messages(chat, after_id)
        return [
            m
            for m in messages
            if m["from"].get("is_bot") and not m.get("sender_chat") and not m.get("service")
        ]

    async def settle(self, timeout: float = 10.0) -> None:
        """Let every stored update be handled and every queued message be delivered.

        The app's own sender task runs meanwhile: rows it is claiming or has claimed are in
        flight. On PostgreSQL its claim locks them (SKIP LOCKED) before its commit marks them
        sending, so a due row still reading "pending" may be in its hands: wait until no row is
        sending or due. Rows waiting for a later time (a 429's retry_after) are not due."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            await self.app.dispatcher.drain()
            await self.app.sender.run_until_idle()
            now = self.app.clock.now()
            async with self.app.uow() as tx:
                in_flight = await tx.session.scalar(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(
                        (OutboxMessage.status == "sending")
                        | (
                            (OutboxMessage.status == "pending")
                            & (OutboxMessage.next_attempt_at <= now)
                        )
                    )
                )
            if not in_flight or loop.time() > deadline:
                return
            await asyncio.sleep(0.02)
