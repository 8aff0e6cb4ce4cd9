"""A statement the database refuses is logged with its traceback – never with the values it
carried (a resident's words, room, phone and name), on SQLite and PostgreSQL alike."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import DBAPIError

from bot.logs import LogFormat, configure_logging
from storage.database import Database
from storage.db import make_engine
from storage.models_tickets import TicketRow

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
PRIVATE = ("13912345678", "401", "陈大爷", "厨房漏水")


@pytest.fixture(params=["text", "json"])
def logged(request: pytest.FixtureRequest) -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    out = io.StringIO()
    fmt: LogFormat = request.param
    configure_logging("DEBUG", fmt, stream=out)
    try:
        yield out
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def test_every_engine_hides_the_values_of_its_statements(database: Database) -> None:
    assert database.engine.sync_engine.hide_parameters
    assert make_engine("sqlite+aiosqlite:///:memory:").sync_engine.hide_parameters


def refused_ticket(seq: int, chat_id: int | None) -> TicketRow:
    return TicketRow(
        community_id=424242, seq=seq, number=f"A-{seq:04d}", source_key=f"u:{seq}",
        source="mention", status="open", category="water_leak", level=2, building="171",
        room="401", phone="13912345678", text="171号401室厨房漏水，电话13912345678",
        chat_id=chat_id, reporter_id=201, reporter_name="陈大爷", created_at=T0, updated_at=T0,
    )  # fmt: skip


@pytest.mark.parametrize("broken", ["no community", "no chat"])
async def test_a_refused_insert_is_logged_without_the_rows_values(
    database: Database, logged: io.StringIO, broken: str
) -> None:
    # a foreign key the row breaks, or a NOT NULL: PostgreSQL's DETAIL prints the whole row
    row = refused_ticket(1, None if broken == "no chat" else -1001171)
    with pytest.raises(DBAPIError) as raised:
        async with database.uow() as tx:
            tx.session.add(row)
            await tx.session.flush()
    logging.getLogger("bot.services.inbox").error(
        "update %d failed", 7, exc_info=raised.value, extra={"update_id": 7}
    )
    output = logged.getvalue()
    assert "IntegrityError" in output and "INSERT INTO tickets" in output
    assert [p for p in PRIVATE if p in output] == []
