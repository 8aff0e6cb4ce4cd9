"""The fault suite's stage: the real `loudao run` process against the sandbox, through proxies.

    bot process ──► TcpProxy (unplug: the network gone) ──► FaultProxy (drop, delay, 5xx,
    429, accepted-then-lost) ──► SandboxServer (Telegram, in this test process)

The bot runs as a subprocess (`python -m bot run`) with LOUDAO_TEST_MODE=1, its clock moved by a
file this stage writes, and optionally a kill point; its log goes to a file the assertions read.
The database is a SQLite file or a fresh PostgreSQL database, reached directly by the test.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.sandbox_mode import SANDBOX_TOKEN
from sandbox.client import SandboxClient
from sandbox.fault_proxy import FaultProxy
from sandbox.server import SandboxServer
from sandbox.tcp_proxy import TcpProxy
from storage.database import Database
from storage.models import InboxUpdate, OutboxMessage
from storage.models_tickets import TicketRow
from tests.e2e.world import DEMO

WEBHOOK_SECRET = "fault-suite-webhook-secret-1234"
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
JSON = dict[str, Any]
SOON = 120.0  # seconds: a pending message due within this is still on its way


@dataclass(frozen=True)
class SentRow:
    """An outbox row, as the assertions read it."""

    id: int
    chat_id: int
    method: str
    purpose: str
    status: str
    attempts: int
    sent_message_id: int | None
    claimed_until: datetime | None
    attempted_at: datetime | None


@dataclass
class BotProcess:
    """One `loudao run` subprocess and the file its log goes to."""

    proc: asyncio.subprocess.Process
    log_path: Path
    started: float

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def ready(self, timeout: float = 90.0) -> float:
        """Wait for the start-up line; return the seconds it took."""
        deadline = time.monotonic() + timeout
        while "Loudao started as @" not in self.log():
            if self.proc.returncode is not None or time.monotonic() > deadline:
                raise AssertionError(f"loudao run did not start:\n{self.log()[-3000:]}")
            await asyncio.sleep(0.1)
        return time.monotonic() - self.started

    async def exited(self, timeout: float = 30.0) -> int:
        """Wait for the process to end; return its exit code (-9: SIGKILL)."""
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"loudao run still running:\n{self.log()[-3000:]}") from None

    async def terminate(self, timeout: float = 30.0) -> tuple[int, float]:
        """Send SIGTERM from outside; return the exit code and how long the stop took."""
        began = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = await self.exited(timeout)
        return code, time.monotonic() - began

    async def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()


@dataclass
class Stage:
    """The sandbox, the proxies, the database and the bot processes of one scenario."""

    server: SandboxServer
    client: SandboxClient
    faults: FaultProxy
    network: TcpProxy
    database_url: str  # as the test reaches it
    bot_database_url: str  # as the bot reaches it (through a TcpProxy for an outage case)
    folder: Path
    residents: dict[str, list[tuple[int, str]]]
    db: Database
    processes: list[BotProcess] = field(default_factory=list)
    clock_offset: float = 0.0

    @property
    def clock_file(self) -> Path:
        return self.folder / "clock"

    def env(self, crash_at: str | None = None, **extra: str) -> dict[str, str]:
        """The process's environment: nothing of this shell's LOUDAO_* settings leaks in."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LOUDAO_", "BOT_TOKEN"))}
        base = f"http://127.0.0.1:{self.network.port}"
        env.update(
            BOT_TOKEN=SANDBOX_TOKEN,
            LOUDAO_BOT_API_BASE_URL=f"{base}/bot",
            LOUDAO_BOT_API_FILE_URL=f"{base}/file/bot",
            LOUDAO_DATABASE_URL=self.bot_database_url,
            LOUDAO_COMMUNITY_FILE=str(DEMO),
            LOUDAO_POLL_TIMEOUT="5",
            LOUDAO_TICK_SECONDS="1",
            LOUDAO_HTTP_PORT="0",
            LOUDAO_WEBHOOK_SECRET=WEBHOOK_SECRET,
            LOUDAO_TEST_MODE="1",
            LOUDAO_TEST_CLOCK_FILE=str(self.clock_file),
            PYTHONUNBUFFERED="1",
        )
        if crash_at is not None:
            env["LOUDAO_TEST_CRASH_AT"] = crash_at
        env.update(extra)
        return env

    async def start_bot(self, crash_at: str | None = None, **extra: str) -> BotProcess:
        """Start `loudao run` as a subprocess and wait until it serves."""
        log_path = self.folder / f"bot-{len(self.processes) + 1}.log"
        with log_path.open("wb") as out:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                cwd=self.folder,
                env=self.env(crash_at, **extra),
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
                stdin=asyncio.subprocess.DEVNULL,
            )
        bot = BotProcess(proc, log_path, time.monotonic())
        self.processes.append(bot)
        await bot.ready()
        return bot

    def move_clock(self, **delta: float) -> None:
        """Move the bot's clock forward from outside (LOUDAO_TEST_CLOCK_FILE)."""
        self.clock_offset += timedelta(**delta).total_seconds()
        self.clock_file.write_text(f"{self.clock_offset}\n", encoding="utf-8")

    def bot_now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.clock_offset)

    # -- people ------------------------------------------------------------------------
    def resident(self, building: str, index: int = 0) -> int:
        return self.residents[building][index][0]

    @staticmethod
    def group(building: str) -> int:
        return -int(f"1001{int(building):03d}")

    async def say(self, user: int, chat: int, text: str) -> JSON:
        return await self.client.say(user, chat, text)

    def bot_messages(self, chat: int) -> list[JSON]:
        """What the bot has posted in a chat and is still there (edits replace in place)."""
        return [
            m
            for m in self.server.messages(chat)
            if m["from"].get("is_bot") and not m.get("service")
        ]

    def all_bot_messages(self) -> list[JSON]:
        return [m for chat in self.server.state.chats for m in self.bot_messages(chat)]

    async def wait_for(
        self, check: Callable[[], bool | Awaitable[bool]], timeout: float = 60.0, what: str = ""
    ) -> float:
        """Wait until `check()` holds; return the seconds it took."""
        began = time.monotonic()
        while True:
            outcome = check()
            if not isinstance(outcome, bool):
                outcome = await outcome
            if outcome:
                return time.monotonic() - began
            if time.monotonic() - began > timeout:
                logs = "\n".join(p.log()[-2000:] for p in self.processes)
                raise AssertionError(f"timed out waiting for {what or check}:\n{logs}")
            await asyncio.sleep(0.1)

    # -- the database, read by the test ------------------------------------------------
    async def scalar(self, query: Any) -> Any:
        async with self.db.uow() as tx:
            return await tx.session.scalar(query)

    async def tickets(self) -> int:
        return int(await self.scalar(select(func.count()).select_from(TicketRow)) or 0)

    async def outbox_rows(self) -> list[SentRow]:
        """Every outbox row as the database has it now."""
        async with self.db.uow() as tx:
            rows = await tx.session.execute(
                select(
                    OutboxMessage.id,
                    OutboxMessage.chat_id,
                    OutboxMessage.method,
                    OutboxMessage.purpose,
                    OutboxMessage.status,
                    OutboxMessage.attempts,
                    OutboxMessage.sent_message_id,
                    OutboxMessage.claimed_until,
                    OutboxMessage.attempted_at,
                ).order_by(OutboxMessage.id)
            )
            return [SentRow(*row) for row in rows]

    async def settled(self) -> bool:
        """Telegram holds no unconfirmed update, none waits to be handled (or is being handled, or
        is due again after a failure), and no message is
        being sent or due soon (a retry's backoff or a 429's retry_after; later reminders are
        not waited for)."""
        if self.server.state.updates.unconfirmed:
            return False
        now = self.bot_now() + timedelta(seconds=SOON)
        waiting = await self.scalar(
            select(func.count())
            .select_from(InboxUpdate)
            .where(
                InboxUpdate.status.in_(("pending", "handling"))
                | ((InboxUpdate.status == "failed") & (InboxUpdate.next_attempt_at <= now))
            )
        )
        in_flight = await self.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                (OutboxMessage.status == "sending")
                | ((OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now))
            )
        )
        return not waiting and not in_flight

    async def settle(self, timeout: float = 60.0) -> float:
        """Wait until everything stored has been handled and delivered (a short quiet too)."""
        took = await self.wait_for(self.settled, timeout, "the bot to settle")
        await asyncio.sleep(0.5)
        return took + await self.wait_for(self.settled, timeout, "the bot to settle")

    async def close(self) -> None:
        for bot in self.processes:
            await bot.kill()


def ticket_cards(messages: list[JSON], seq_label: str | None = None) -> list[JSON]:
    """The ticket status cards among a chat's bot messages (those naming a ticket number)."""
    found = [m for m in messages if re.search(r"[A-Z]-\d{4}", m.get("text") or "")]
    if seq_label is not None:
        found = [m for m in found if seq_label in (m.get("text") or "")]
    return found


async def assert_sandbox_matches_outbox(stage: Stage, repeated: int = 0) -> None:
    """Exactly once, from both records: every row the database says was sent is one bot
    message in its chat, and every other bot message is accounted for – a send recorded
    `unknown` (it may have arrived under an id nobody learnt) or one of the `repeated` copies a
    safety message may get when its first answer was lost (at least once)."""
    rows = await stage.outbox_rows()
    sent = {
        (r.chat_id, r.sent_message_id)
        for r in rows
        if r.status == "sent" and r.method in ("send_message", "send_photo")
    }
    unknown = [r for r in rows if r.status == "unknown"]
    shown = {(m["chat_id"], m["message_id"]) for m in stage.all_bot_messages()}
    assert sent <= shown, f"sent rows missing from the chats: {sorted(sent - shown)}"
    extra = shown - sent
    assert repeated <= len(extra) <= len(unknown) + repeated, (
        f"{len(extra)} bot messages no sent row accounts for ({len(unknown)} unknown,"
        f" {repeated} repeated): {sorted(extra)}"
    )


def personal_data(stage: Stage, extra: Sequence[str] = ()) -> list[str]:
    """What must never appear in a group message or a log line: names, the token, the secret."""
    names = [name.split("(")[0] for people in stage.residents.values() for _, name in people]
    return [*names, SANDBOX_TOKEN, SANDBOX_TOKEN.split(":", 1)[1], WEBHOOK_SECRET, *extra]


def leaks(text: str, secrets: list[str]) -> list[str]:
    """The personal data found in `text`: phone numbers and any of `secrets`."""
    found = PHONE.findall(text)
    found += [s for s in secrets if s and s in text]
    return found


def assert_no_personal_data(stage: Stage, rooms: Sequence[str] = ()) -> None:
    """No phone, room, resident name, token or webhook secret in groups or in any log."""
    secrets = personal_data(stage, rooms)
    for m in stage.all_bot_messages():
        if m["chat_id"] < 0:
            found = leaks(m.get("text") or "", secrets)
            assert not found, f"personal data {found} in a group message: {m['text']!r}"
    for bot in stage.processes:
        for line in bot.log().splitlines():
            found = leaks(line, secrets)
            assert not found, f"personal data {found} in the log: {line!r}"


def report_figure(name: str, value: float, unit: str = "s") -> None:
    """Print a recovery time or a count (a figure for the note, never an assertion)."""
    print(
        f"\n[fault-suite] {name}: {value:.2f} {unit}"
        if unit == "s"
        else f"\n[fault-suite] {name}: {value:g} {unit}"
    )
