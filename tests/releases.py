"""Databases as an earlier release left them: its migrations (kept verbatim under
tests/data/releases/<commit>/, as `git show <commit>:storage/migrations/versions/...` prints
them) applied to an empty database, then rows that release wrote, in its own schema.

A migration that shipped must never change; upgrading such a database to head is the check.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.db import make_engine
from storage.migrate import alembic_config

RELEASES = Path(__file__).resolve().parent / "data" / "releases"
FC69AD9 = "fc69ad9"  # tickets, FAQ in chat, scheduled notices (issues 4, 6, 7)
OLD_TICKETS = 3  # tickets #A-0001 … #A-0003 exist before the upgrade
WHEN = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _migrate(connection: Connection, release: str) -> None:
    cfg = alembic_config()
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(RELEASES / release))
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, "heads")


def _seed(connection: Connection) -> None:
    """A community with three tickets (one escalated), as release fc69ad9 stored them."""
    at = {"at": WHEN}
    connection.execute(
        text(
            "INSERT INTO communities (code, name, timezone, locale, extra, updated_at) "
            "VALUES ('A', '阳光花园', 'Asia/Shanghai', 'zh_CN', '{}', :at)"
        ),
        at,
    )
    community = connection.execute(text("SELECT id FROM communities")).scalar_one()
    connection.execute(
        text("INSERT INTO ticket_counters (community_id, last_seq) VALUES (:c, :n)"),
        {"c": community, "n": OLD_TICKETS},
    )
    for seq in range(1, OLD_TICKETS + 1):
        connection.execute(
            text(
                "INSERT INTO tickets (community_id, seq, number, source_key, source, status,"
                " category, level, building, unit, text, chat_id, message_id, reporter_id,"
                " reporter_name, card_version, created_at, updated_at) VALUES (:c, :seq,"
                " :number, :key, 'group', 'new', 'power', 3, '3', '2', '楼道灯不亮了',"
                " -1001003, :message, 7001, '住户', 1, :at, :at)"
            ),
            {
                "c": community,
                "seq": seq,
                "number": f"A-{seq:04d}",
                "key": f"group:-1001003:{seq}",
                "message": seq,
                **at,
            },
        )
    first = connection.execute(text("SELECT min(id) FROM tickets")).scalar_one()
    connection.execute(
        text(
            "INSERT INTO escalations (ticket_id, community_id, step_no, kind, target_key,"
            " target_name, reason, due_at, created_at) VALUES (:t, :c, 1, 'page', 'zhang',"
            " '张师傅', 'respond', :at, :at)"
        ),
        {"t": first, "c": community, **at},
    )


async def build_release_database(url: str, release: str = FC69AD9) -> None:
    """Make the empty database at `url` what `release` made, with its rows."""
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_migrate, release)
            await conn.run_sync(_seed)
    finally:
        await engine.dispose()
