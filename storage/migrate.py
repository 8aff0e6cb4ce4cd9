"""Run Alembic migrations programmatically (used by `loudao db upgrade` and start-up)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """Build an Alembic config pointing at our migrations, without needing alembic.ini."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


# Revisions that a released version recorded only implicitly. Release fc69ad9 shipped 0005
# (duty) with depends_on=("0002",), so Alembic kept 0005 in alembic_version and left out 0002
# (an ancestor through the dependency). 0005 was later changed to not depend on 0002, and the
# same database then seemed to lack 0002: "table ticket_counters already exists". Migrations
# that shipped are not edited again; the version table is told what the database already has.
IMPLIED_BY_RELEASES = (("0005", "0002", "ticket_counters"),)  # (recorded, implied, its table)


def recover_implied_revisions(connection: Connection) -> list[str]:
    """Record revisions an older release applied without naming them; return those added."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    context = MigrationContext.configure(connection)
    heads = set(context.get_current_heads())
    if not heads:
        return []
    script = ScriptDirectory.from_config(alembic_config())
    applied = {r.revision for r in script.iterate_revisions(tuple(heads), "base")}
    tables = set(inspect(connection).get_table_names())
    added: list[str] = []
    for recorded, implied, table in IMPLIED_BY_RELEASES:
        if recorded in applied and implied not in applied and table in tables:
            connection.execute(
                text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": implied}
            )
            added.append(implied)
    return added


async def upgrade(engine: AsyncEngine, revision: str = "heads") -> None:
    """Upgrade the database behind `engine` to `revision`."""

    def run(connection: Connection) -> None:
        recover_implied_revisions(connection)
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Downgrade the database behind `engine` to `revision`."""

    def run(connection: Connection) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)


async def current_heads(engine: AsyncEngine) -> set[str]:
    """Return the revisions the database is at (one per feature branch); empty when new."""
    from alembic.runtime.migration import MigrationContext

    def read(connection: Connection) -> set[str]:
        return set(MigrationContext.configure(connection).get_current_heads())

    async with engine.connect() as conn:
        return await conn.run_sync(read)


def script_heads() -> set[str]:
    """The newest revision of every migration branch in the code."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


async def is_up_to_date(engine: AsyncEngine) -> bool:
    """Return whether the database is at the newest revision of every migration branch."""
    return await current_heads(engine) == script_heads()
