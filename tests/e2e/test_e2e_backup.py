"""A backup taken while the bot works restores into a fresh place, and the bot started on it
finds every ticket and goes on numbering after them – SQLite by its online backup, PostgreSQL
by pg_dump / pg_restore – exactly as README "Backup and restore" tells an admin."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import LoudaoApp
from bot.domain.clock import FakeClock
from tests.databases import create_postgres, drop_postgres
from tests.e2e.conftest import app_settings
from tests.e2e.test_e2e_tickets import card_of
from tests.e2e.world import ROOT, World

pytestmark = pytest.mark.e2e
REPORTS = ("@loudao_bot 3号楼电梯坏了", "@loudao_bot 3号楼门禁坏了")
LATE = "@loudao_bot 3号楼2单元楼道里水管有点渗水"  # on its way while the backup is taken


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def loudao(url: str, cwd: Path, *args: str) -> tuple[int, str]:
    """Run `loudao …` as its own process, as an admin would next to the running bot."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOUDAO_", "BOT_TOKEN"))}
    env["LOUDAO_DATABASE_URL"] = url
    env["PYTHONPATH"] = str(ROOT)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode()


@pytest.fixture
async def fresh_place(database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """Where the backup is restored: a new SQLite file, or a new empty PostgreSQL database."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'loudao.sqlite3'}"
        return
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump / pg_restore are not installed here")
    url = await create_postgres()
    try:
        yield url
    finally:
        await drop_postgres(url)


async def my_tickets(world: World, resident: int) -> list[str]:
    said = await world.say(resident, resident, "/my")
    answer = await world.bot_says(resident, "您的工单", after=said)
    return sorted(set(re.findall(r"#(A-\d{4})", answer["text"])))


async def test_a_backup_taken_while_the_bot_runs_restores_with_every_ticket(
    world: World, database_url: str, fresh_place: str, clock: FakeClock, tmp_path: Path
) -> None:
    group, resident = world.group("3"), world.resident("3")
    for report in REPORTS:
        said = await world.say(resident, group, report)
        await card_of(world, group, said)
    folder = tmp_path / "backups"
    folder.mkdir()

    late = await world.say(resident, group, LATE)
    code, out = await loudao(database_url, tmp_path, "db", "backup", str(folder))
    assert code == 0, out
    assert "backup written" in out and "password" not in out
    await card_of(world, group, late)  # the bot went on working meanwhile
    [backup] = list(folder.iterdir())
    code, out = await loudao(database_url, tmp_path, "db", "check", str(backup))
    assert code == 0 and "backup is whole" in out, out

    code, out = await loudao(fresh_place, tmp_path, "db", "restore", str(backup))
    assert code == 0, out
    # the old process is gone; `loudao run` starts on the restored database under the policy
    await world.app.stop()
    app = LoudaoApp(app_settings(world.server.base_url, fresh_place), clock)
    await app.start()
    world.app = app
    try:
        restored = await my_tickets(world, resident)
        assert restored[:2] == ["A-0001", "A-0002"]  # the third, if the snapshot had it
        said = await world.say(resident, group, "@loudao_bot 3号楼楼道灯坏了")
        card = await card_of(world, group, said)
        assert f"#A-{len(restored) + 1:04d}" in card["text"]  # numbering goes on after them
    finally:
        await app.stop()


async def test_a_restore_refuses_a_database_that_is_in_use_and_a_damaged_file(
    world: World, database_url: str, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    code, out = await loudao(database_url, tmp_path, "db", "check", str(damaged))
    assert code == 1 and "damaged.sqlite3" in out
    if database_url.startswith("sqlite"):
        return
    dump = tmp_path / "loudao.dump"
    code, out = await loudao(database_url, tmp_path, "db", "backup", str(dump))
    if shutil.which("pg_dump") is None:
        assert code == 1 and "pg_dump --format=custom" in out  # the command to run elsewhere
        return
    code, out = await loudao(database_url, tmp_path, "db", "restore", str(dump))
    assert code == 1 and "not empty" in out


async def test_numbers_shown_after_the_backup_are_not_given_again_after_a_restore(
    world: World, database_url: str, fresh_place: str, clock: FakeClock, tmp_path: Path
) -> None:
    group, resident = world.group("3"), world.resident("3")
    for report in REPORTS:  # #A-0001, #A-0002
        await card_of(world, group, await world.say(resident, group, report))
    await world.settle()
    folder = tmp_path / "backups"
    folder.mkdir()
    code, out = await loudao(database_url, tmp_path, "db", "backup", str(folder))
    assert code == 0, out
    [backup] = list(folder.iterdir())
    for report in (LATE, "@loudao_bot 3号楼1单元电梯不动了"):  # #A-0003, #A-0004: in groups only
        await card_of(world, group, await world.say(resident, group, report))
    await world.settle()
    await world.app.stop()

    args = ("db", "restore", str(backup), "--previous", database_url)
    code, out = await loudao(fresh_place, tmp_path, *args)
    assert code == 0, out
    assert "tickets #A-0003 to #A-0004 were numbered after this backup" in out
    assert "numbering goes on at #A-0005" in out
    app = LoudaoApp(app_settings(world.server.base_url, fresh_place), clock)
    await app.start()
    world.app = app
    try:
        assert await my_tickets(world, resident) == ["A-0001", "A-0002"]
        said = await world.say(resident, group, "@loudao_bot 3号楼3单元门口的灯坏了")
        card = await card_of(world, group, said)
        assert "#A-0005" in card["text"]  # not #A-0003 again
    finally:
        await app.stop()
