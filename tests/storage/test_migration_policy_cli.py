"""One migration policy for every command: SQLite is migrated on start, PostgreSQL only by
`loudao db upgrade`; a PostgreSQL database that is behind is refused with one line, exit 2."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.bootstrap import NOT_UP_TO_DATE
from storage.database import Database
from storage.migrate import script_heads
from tests.databases import create_postgres, drop_postgres

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "bot" / "demo" / "community.yaml"
DEMO_FAQ = ROOT / "bot" / "demo" / "faq.yaml"
HEAD = ", ".join(sorted(script_heads()))
AT = ["--at", "2026-12-01T02:00", "--category", "water_leak"]
# Every command that works on the database, besides `loudao db`.
COMMANDS = {
    "load": ["load", str(DEMO)],
    "duty --db": ["duty", "--db", *AT],
    "corrections": ["corrections"],
    "faq import": ["faq", "import", str(DEMO_FAQ)],
    "faq export": ["faq", "export"],
    "audit": ["audit", "--ticket", "A-0001"],
    "points report": ["points", "report", "--community", "A"],
    "export tickets": ["export", "tickets", "--community", "A", "-o", "/tmp/never-written.csv"],
}


def revisions(url: str) -> set[str]:
    async def read() -> set[str]:
        database = Database(url)
        try:
            return await database.revisions()
        finally:
            await database.close()

    return asyncio.run(read())


def migrate_to(url: str, revision: str) -> None:
    async def run() -> None:
        database = Database(url)
        try:
            await database.upgrade(revision)
        finally:
            await database.close()

    asyncio.run(run())


@pytest.fixture
def postgres(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, empty PostgreSQL database that LOUDAO_DATABASE_URL points at."""
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("TEST_DATABASE_URL is not set: no PostgreSQL server to test against")
    url = asyncio.run(create_postgres())
    monkeypatch.setenv("LOUDAO_DATABASE_URL", url)
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    try:
        yield url
    finally:
        asyncio.run(drop_postgres(url))


def refused(capsys: pytest.CaptureFixture[str], argv: list[str]) -> bool:
    """Run a command; return whether it was refused with exit 2 and the one-line message."""
    code = main(argv)
    err = capsys.readouterr().err
    return code == 2 and NOT_UP_TO_DATE in err.splitlines()


def test_sqlite_is_migrated_by_any_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOUDAO_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'new.sqlite3'}")
    assert main(["load", str(DEMO)]) == 0
    assert "community A: 30 created" in capsys.readouterr().out
    assert main(["db", "current"]) == 0
    assert capsys.readouterr().out == f"database at revision {HEAD}\n"


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("state", ["empty", "old"])
def test_a_postgres_database_that_is_behind_is_refused_and_left_alone(
    postgres: str, capsys: pytest.CaptureFixture[str], command: str, state: str
) -> None:
    if state == "old":
        migrate_to(postgres, "0001")
    before = revisions(postgres)
    assert refused(capsys, COMMANDS[command])
    assert revisions(postgres) == before  # nothing migrated silently


def test_loudao_db_upgrade_makes_a_postgres_database_usable(
    postgres: str, capsys: pytest.CaptureFixture[str]
) -> None:
    migrate_to(postgres, "0001")
    assert main(["db", "current"]) == 0
    assert capsys.readouterr().out == "database at revision 0001\n"
    assert refused(capsys, ["load", str(DEMO)])
    assert main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out == f"database at revision {HEAD}\n"
    assert main(["load", str(DEMO)]) == 0
    assert "community A: 30 created" in capsys.readouterr().out
    assert main(["corrections", "--code", "A"]) == 0


def test_run_refuses_an_empty_postgres_database(
    postgres: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123456:ABC-def")  # Telegram is not contacted: it stops first
    assert refused(capsys, ["run"])
    assert revisions(postgres) == set()
