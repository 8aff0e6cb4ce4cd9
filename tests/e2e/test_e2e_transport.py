"""Getting updates in never fails silently: a second poller (409), an update PTB cannot read,
a database that refuses the inbox and a Bot API that is down all back off and recover on their
own – nothing lost, nothing doubled – and a token Telegram refuses stops the service."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import LoudaoApp
from bot.services.loops import Fatal
from storage.models import InboxUpdate
from storage.models_tickets import TicketRow
from tests.e2e.conftest import app_settings
from tests.e2e.world import World

pytestmark = pytest.mark.e2e
REPORT = "@loudao_bot 3号楼2单元楼道灯不亮了"


async def until(check: Callable[[], bool], timeout: float = 15.0) -> None:
    """Wait until `check()` holds (the app's own loops run in the background)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def refuse_inbox(engine: AsyncEngine, refuse: bool) -> None:
    """Make the database refuse (or accept again) every new inbox row."""
    async with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            await conn.exec_driver_sql(
                "CREATE TRIGGER refuse_inbox BEFORE INSERT ON inbox_updates "
                "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                if refuse
                else "DROP TRIGGER refuse_inbox"
            )
        elif refuse:
            await conn.exec_driver_sql(
                "CREATE FUNCTION refuse_inbox() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql"
            )
            await conn.exec_driver_sql(
                "CREATE TRIGGER refuse_inbox BEFORE INSERT ON inbox_updates "
                "FOR EACH ROW EXECUTE FUNCTION refuse_inbox()"
            )
        else:
            await conn.exec_driver_sql("DROP TRIGGER refuse_inbox ON inbox_updates")
            await conn.exec_driver_sql("DROP FUNCTION refuse_inbox()")


async def tickets(world: World) -> int:
    async with world.app.uow() as tx:
        return int(await tx.session.scalar(select(func.count()).select_from(TicketRow)) or 0)


async def healthz(world: World) -> dict[str, object]:
    url = f"http://127.0.0.1:{world.app.http_port}/healthz"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        body: dict[str, object] = await response.json()
        return body


async def test_a_second_poller_is_backed_off_from_and_nothing_is_lost(world: World) -> None:
    poller = world.app.loops["poller"]
    base = f"{world.server.base_url}/bot{world.app.settings.bot_token}/getUpdates"
    stop = asyncio.Event()

    async def competitor() -> None:  # another process with our token: long polls, confirms none
        async with aiohttp.ClientSession() as http:
            while not stop.is_set():
                async with http.post(base, json={"timeout": 1}) as response:
                    await response.read()

    other = asyncio.create_task(competitor())
    try:
        await until(lambda: poller.error is not None and "409" in poller.error)
        said = await world.say(world.resident("3"), world.group("3"), REPORT)
        await asyncio.sleep(1.5)
    finally:
        stop.set()
        await other
    await until(lambda: poller.failing_since is None)  # ours polls again on its own
    await world.bot_says(world.group("3"), "工单 #A-0001", after=said, timeout=20)
    await world.settle()
    assert await tickets(world) == 1
    assert poller.failures >= 1


async def test_an_update_ptb_cannot_read_is_marked_failed_and_the_next_is_handled(
    world: World,
) -> None:
    bad = world.server.state.updates.push("message", {"message_id": "x", "chat": "not a chat"})
    assert bad is not None
    said = await world.say(world.resident("3"), world.group("3"), REPORT)
    await world.bot_says(world.group("3"), "工单 #A-0001", after=said)
    async with world.app.uow() as tx:
        row = await tx.session.scalar(select(InboxUpdate).where(InboxUpdate.update_id == bad))
        assert row is not None and row.status == "failed" and row.error == "KeyError"
    assert world.app.loops["poller"].failing_since is None


async def test_a_database_refusing_the_inbox_loses_no_report(world: World) -> None:
    poller = world.app.loops["poller"]
    await refuse_inbox(world.app.database.engine, True)
    try:
        said = await world.say(world.resident("3"), world.group("3"), REPORT)
        await until(lambda: poller.error is not None)
        assert "refused" not in (poller.error or "")  # the class only: SQL text holds values
    finally:
        await refuse_inbox(world.app.database.engine, False)
    await until(lambda: poller.failing_since is None)
    await world.bot_says(world.group("3"), "工单 #A-0001", after=said, timeout=20)
    await world.settle()
    assert await tickets(world) == 1
    acks = [m for m in await world.bot_messages(world.group("3"), said) if "#A-0001" in m["text"]]
    assert len(acks) == 1


async def test_a_bot_api_that_is_down_is_waited_for_and_shown_in_health(world: World) -> None:
    poller = world.app.loops["poller"]
    poller.stale_after = 0.5  # /healthz turns red after half a second of failing, for the test
    world.server.set_fault(error_5xx=1.0)  # every call: 502 Bad Gateway
    try:
        await until(lambda: poller.error is not None)
        await asyncio.sleep(0.6)
        health = await healthz(world)
        assert health["status"] == "failing"
        assert any("poller" in str(p) for p in health["problems"])  # type: ignore[attr-defined]
    finally:
        world.server.set_fault(error_5xx=0.0)
    await until(lambda: poller.failing_since is None, timeout=30)
    said = await world.say(world.resident("3"), world.group("3"), REPORT)
    await world.bot_says(world.group("3"), "工单 #A-0001", after=said)
    assert (await healthz(world))["status"] == "ok"


async def test_empty_polls_never_spin(world: World, database_url: str, tmp_path: Path) -> None:
    await world.app.stop()
    app = LoudaoApp(app_settings(world.server.base_url, database_url, poll_timeout=0))
    await app.start()
    try:
        before = world.server.state.stats["calls.getUpdates"]
        await asyncio.sleep(3)
        polls = world.server.state.stats["calls.getUpdates"] - before
    finally:
        await app.stop()
    assert 1 <= polls <= 5  # about one a second, not hundreds


async def test_a_token_telegram_refuses_stops_the_service_with_one_line(
    world: World, database_url: str
) -> None:
    settings = app_settings(world.server.base_url, database_url, bot_token="7000000001:WRONG")
    with pytest.raises(Fatal, match="Telegram refused BOT_TOKEN"):
        await LoudaoApp(settings).run_until_stopped()
    # a token revoked while running: the poller's 401 stops the service instead of idling
    world.server.bot_api.token = "7000000001:REVOKED"
    await asyncio.wait_for(world.app.stop_event.wait(), 20)
    assert isinstance(world.app.failure, Fatal)


async def test_a_telegram_that_cannot_be_reached_at_start_is_waited_for(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    import socket

    from bot.registry_file import read_registry
    from bot.sandbox_mode import SANDBOX_BOT, SANDBOX_TOKEN, seed_from_registry
    from sandbox.server import SandboxServer
    from tests.e2e.world import DEMO

    with socket.socket() as probe:  # a port nothing listens on yet
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = LoudaoApp(app_settings(f"http://127.0.0.1:{port}", database_url))
    starting = asyncio.ensure_future(app.start())
    await asyncio.sleep(2.5)  # the network is down: start-up waits, it does not crash
    assert not starting.done()
    server = SandboxServer(bot_token=SANDBOX_TOKEN, bot_username=SANDBOX_BOT)
    await server.start("127.0.0.1", port)
    seed_from_registry(server, read_registry(DEMO))
    try:
        await asyncio.wait_for(starting, 30)
        unreachable = [r for r in caplog.records if "cannot reach Telegram" in r.getMessage()]
        assert len(unreachable) == 1
    finally:
        await app.stop()
        await server.stop()
