"""Migrations build the whole schema from an empty database, and can be rolled back."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.migrate import current_heads, downgrade, script_heads, upgrade
from storage.schema import metadata

TABLES = {
    "communities", "grids", "buildings", "building_aliases", "chats", "people",
    "inbox_updates", "outbox", "button_actions", "audit_log",
    "notices", "notice_occurrences", "notice_deliveries", "notice_drafts",
    "faq_bases", "faq_entries", "faq_cooldowns", "faq_gaps", "faq_outcomes",
    "tickets", "ticket_counters", "ticket_followers", "ticket_notes", "ticket_photos",
    "ticket_prompts", "known_usernames", "report_drafts",
    "escalations", "roster_overrides", "workday_overrides", "ticket_followups", "duty_daily_runs",
}  # fmt: skip


async def table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_empty_database_is_migrated_to_head(engine: AsyncEngine) -> None:
    assert await current_heads(engine) == script_heads()
    assert await table_names(engine) >= TABLES


async def test_downgrade_to_base_and_up_again(engine: AsyncEngine) -> None:
    await downgrade(engine, "base")
    assert not (TABLES & await table_names(engine))
    await upgrade(engine)
    assert await table_names(engine) >= TABLES


async def test_upgrade_twice_is_harmless(engine: AsyncEngine) -> None:
    before = await current_heads(engine)
    await upgrade(engine)
    assert await current_heads(engine) == before


async def test_the_models_and_the_migrations_describe_the_same_schema(
    engine: AsyncEngine,
) -> None:
    """A column changed in a model without a migration (or the reverse) is caught here."""

    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with engine.connect() as conn:
        diff = await conn.run_sync(differences)
    assert diff == []
