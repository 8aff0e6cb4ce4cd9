"""What the operator's log shows: one line (or one JSON object) an event, with the ids that
find it again – and never a resident's room or phone number, even when handling fails."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest

from bot.domain.clock import FakeClock
from bot.logs import LogFormat, configure_logging
from bot.sandbox_mode import SANDBOX_TOKEN
from tests.databases import refuse_table
from tests.e2e.test_e2e_tickets import card_of
from tests.e2e.test_e2e_webhook import SECRET, webhook_world  # noqa: F401
from tests.e2e.world import ELECTRICIAN, World

pytestmark = pytest.mark.e2e
REPORT = "@loudao_bot 3号楼2单元401室 楼道灯不亮了，电话13812345678"
# the room as the resident wrote it or as a stored value, the phone, the words themselves
PRIVATE = re.compile(r"401室|'401'|\"401\"|1381234|楼道灯不亮")
# what the libraries print at DEBUG: every Bot API call and its URL, updates, SQL and its values
LIBRARIES = ("httpx", "httpcore", "telegram", "sqlalchemy.engine", "aiosqlite", "asyncpg")


@pytest.fixture(params=["text", "json"])
def captured(request: pytest.FixtureRequest) -> Iterator[tuple[LogFormat, io.StringIO]]:
    """Everything logged while the test runs, configured as `loudao` does (at DEBUG)."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    out = io.StringIO()
    fmt: LogFormat = request.param
    configure_logging("DEBUG", fmt, stream=out, secrets=(SANDBOX_TOKEN, SECRET))
    try:
        yield fmt, out
    finally:
        for handler in root.handlers:
            if handler not in saved[0]:
                root.removeHandler(handler)
        for handler in saved[0]:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(saved[1])


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()  # a Tuesday morning: the electrician is on duty


def leaks(output: str) -> list[str]:
    return [line for line in output.splitlines() if PRIVATE.search(line)]


async def test_a_report_with_a_room_and_a_phone_leaves_neither_in_the_log(
    captured: tuple[LogFormat, io.StringIO], world: World
) -> None:
    fmt, out = captured
    group = world.group("3")
    # first the database refuses the ticket: the failure is logged with its traceback
    await refuse_table(world.app.database.engine, "tickets", True)
    try:
        failed = await world.say(world.resident("3"), group, REPORT)
        await world.bot_says(group, "没有处理好", after=failed)
    finally:
        await refuse_table(world.app.database.engine, "tickets", False)
    said = await world.say(world.resident("3"), group, REPORT)
    await card_of(world, group, said)
    private = await world.bot_says(ELECTRICIAN, "#A-")
    assert "401室" in private["text"] and "13812345678" in private["text"]
    await world.settle()

    output = out.getvalue()
    assert "failed" in output  # the refused update was logged ...
    assert leaks(output) == []  # ... without what the resident wrote
    if fmt == "json":
        records = [json.loads(line) for line in output.splitlines()]
        assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
        failure = next(
            r for r in records if r["message"].startswith("update ") and "exc_info" in r
        )
        assert failure["level"] == "ERROR" and isinstance(failure["update_id"], int)
    else:
        assert not output.lstrip().startswith("{")


@pytest.fixture
def everything(
    captured: tuple[LogFormat, io.StringIO],
) -> Iterator[tuple[LogFormat, io.StringIO]]:
    """`captured`, with the libraries logging everything, as an operator chasing a problem
    might make them (before the app starts, so its start-up calls are logged too)."""
    names = (*LIBRARIES, "aiohttp")
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield captured
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def loggers_heard(output: str, fmt: LogFormat) -> set[str]:
    if fmt == "json":
        return {json.loads(line)["logger"].split(".")[0] for line in output.splitlines()}
    return {m.group(1).split(".")[0] for m in re.finditer(r" [A-Z]+ ([\w.]+): ", output)}


async def test_libraries_logging_everything_at_debug_leak_no_token_and_no_resident_data(
    everything: tuple[LogFormat, io.StringIO], world: World
) -> None:
    fmt, out = everything
    group = world.group("3")
    await refuse_table(world.app.database.engine, "tickets", True)
    try:
        failed = await world.say(world.resident("3"), group, REPORT)
        await world.bot_says(group, "没有处理好", after=failed)
    finally:
        await refuse_table(world.app.database.engine, "tickets", False)
    said = await world.say(world.resident("3"), group, REPORT)
    await card_of(world, group, said)
    await world.bot_says(ELECTRICIAN, "#A-")
    await world.settle()

    output = out.getvalue()
    heard = loggers_heard(output, fmt)
    # the libraries did talk: Bot API calls with their URLs, updates, SQL ...
    assert {"httpx", "telegram", "sqlalchemy"} <= heard
    if world.app.database.engine.dialect.name == "sqlite":
        assert "aiosqlite" in heard
    assert "getUpdates" in output and "SELECT" in output
    # ... but never the token (in /bot<token>/getUpdates), a room, a phone or the words
    assert SANDBOX_TOKEN not in output and "SANDBOX-TOKEN" not in output
    assert leaks(output) == []


async def test_in_webhook_mode_neither_the_secret_nor_the_token_is_logged_at_debug(
    everything: tuple[LogFormat, io.StringIO],
    webhook_world: tuple[World, int],  # noqa: F811
) -> None:
    _, out = everything
    world, _ = webhook_world
    said = await world.say(world.resident("3"), world.group("3"), REPORT)
    await world.bot_says(world.group("3"), "工单 #A-", after=said)
    await world.settle()

    output = out.getvalue()
    assert "setWebhook" in output  # PTB logged the call that carries the secret ...
    assert SECRET not in output and "SANDBOX-TOKEN" not in output  # ... without it
    assert leaks(output) == []
