"""The audit log is append-only: the storage layer has no way to change or delete a row, a
session refuses to, and so does the database itself (by trigger) – on SQLite and PostgreSQL."""

from __future__ import annotations

import inspect
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.records import AuditRecord
from bot.services.ports import AuditRepo
from storage.append_only import AppendOnlyError
from storage.migrate import downgrade, upgrade
from storage.models import AuditEvent
from storage.repos_messaging import SqlAuditRepo
from storage.uow import SqlUnitOfWorkFactory

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


async def one_event(uow: SqlUnitOfWorkFactory) -> int:
    async with uow() as tx:
        await tx.audit.record(
            AuditRecord(action="ticket.cancel", subject="ticket:A-0001", actor_telegram_id=201),
            T0,
        )
        await tx.commit()
        found = await tx.session.scalar(select(AuditEvent.id))
    assert found is not None
    return int(found)


def test_the_audit_repository_can_only_add_and_read() -> None:
    for cls in (SqlAuditRepo, AuditRepo):
        methods = {
            n for n, _ in inspect.getmembers(cls, inspect.isfunction) if not n.startswith("_")
        }
        assert methods == {"record", "count", "of_subject"}, cls


async def test_a_session_refuses_to_change_or_delete_an_audit_row(
    uow: SqlUnitOfWorkFactory,
) -> None:
    row_id = await one_event(uow)
    for act in ("change", "delete", "bulk update", "bulk delete"):
        with pytest.raises(AppendOnlyError):
            async with uow() as tx:
                row = await tx.session.get(AuditEvent, row_id)
                assert row is not None
                if act == "change":
                    row.details = {"note": "rewritten"}
                    await tx.session.flush()
                elif act == "delete":
                    await tx.session.delete(row)
                    await tx.session.flush()
                elif act == "bulk update":
                    await tx.session.execute(update(AuditEvent).values(subject="x"))
                else:
                    await tx.session.execute(delete(AuditEvent))
    async with uow() as tx:
        kept = (await tx.session.execute(select(AuditEvent.subject, AuditEvent.details))).one()
    assert tuple(kept) == ("ticket:A-0001", {})


async def test_the_database_refuses_updates_and_deletes_of_the_audit_log(
    uow: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    row_id = await one_event(uow)
    for sql in (
        "UPDATE audit_log SET subject = 'x'",
        f"UPDATE audit_log SET details = '{{}}', actor_telegram_id = NULL WHERE id = {row_id}",
        "DELETE FROM audit_log",
        f"DELETE FROM audit_log WHERE id = {row_id}",
        *(["TRUNCATE audit_log"] if engine.dialect.name == "postgresql" else []),
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as conn:
                await conn.execute(text(sql))
    await one_event(uow)  # adding still works
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT actor_telegram_id, subject FROM audit_log"))).all()
    assert [tuple(r) for r in rows] == [(201, "ticket:A-0001")] * 2  # the first one unchanged


async def test_the_database_refuses_to_overwrite_an_audit_row_by_inserting_over_it(
    uow: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    """An insert that names an existing row's id cannot replace it: SQLite's REPLACE deletes
    the old row without firing a DELETE trigger, and an upsert updates it."""
    row_id = await one_event(uow)
    columns = "INSERT {verb} audit_log (id, at, action, subject, details) VALUES (:id, :at, 'x', 'x', '{{}}')"
    upsert = columns.format(verb="INTO") + " ON CONFLICT (id) DO UPDATE SET subject = 'x'"
    statements = [upsert]
    if engine.dialect.name == "sqlite":
        statements += [
            columns.format(verb="OR REPLACE INTO"),
            columns.format(verb="INTO").replace("INSERT", "REPLACE", 1),
        ]
    for sql in statements:
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as conn:
                await conn.execute(text(sql), {"id": row_id, "at": T0.replace(tzinfo=None)})
    async with engine.connect() as conn:
        kept = (await conn.execute(text("SELECT id, action, subject FROM audit_log"))).all()
    assert [tuple(r) for r in kept] == [(row_id, "ticket.cancel", "ticket:A-0001")]


async def test_upgrading_removes_the_notes_earlier_versions_put_in_the_audit_log(
    engine: AsyncEngine,
) -> None:
    await downgrade(engine, "0014")
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO audit_log (at, action, subject, details) "
                "VALUES (:at, 'ticket.cancel', 'ticket:A-0001', :details)"
            ),
            {"at": T0, "details": '{"from": "new", "to": "cancelled", "note": "电话13912345678"}'},
        )
    await upgrade(engine)
    async with engine.connect() as conn:
        details = await conn.scalar(text("SELECT details FROM audit_log"))
    if isinstance(details, str):
        details = json.loads(details)
    assert details == {"from": "new", "to": "cancelled"}
