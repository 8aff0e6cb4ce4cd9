"""The roster as iCal from a real database: a staff member's link from /ical, a feed that
parses with `icalendar` and shows the cover and the leave entered in chat, a wrong token's
404, and /ical new ending the old link."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.domain.clock import FakeClock
from bot.domain.errors import InvalidInput, NotAllowed
from bot.registry_file import read_registry
from bot.services.duty.desk import DutyDesk
from bot.services.ical.desk import CalendarDesk
from bot.services.registry import load_registry
from storage.uow import SqlUnitOfWorkFactory
from web.ical import ical_routes

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "community.yaml"
SH = ZoneInfo("Asia/Shanghai")
SUPERVISOR, PLUMBER, NIGHT_PLUMBER, CLEANER, RESIDENT = 9002, 9003, 9008, 9005, 201
LINK = re.compile(r"https://loudao\.example\.org/ical/roster/([a-z2-7]{32})\.ics")


@pytest.fixture
async def desk(uow: SqlUnitOfWorkFactory, clock: FakeClock) -> CalendarDesk:
    await load_registry(uow, read_registry(DEMO), clock)
    duty = DutyDesk(uow, clock)
    await duty.leave(SUPERVISOR, ["陈阿姨", "12-03", "12-04"], 1)
    await duty.cover(SUPERVISOR, ["张师傅", "周师傅", "12-05", "12-05"], 2)  # 周 takes 张's day
    return CalendarDesk(uow, clock, "https://loudao.example.org/")


async def token_of(desk: CalendarDesk, user: int, *args: str) -> str:
    found = LINK.search(await desk.link(user, list(args), 100 + user))
    assert found is not None
    return found.group(1)


def events(body: bytes | None) -> list[Any]:
    assert body is not None
    calendar = icalendar.Calendar.from_ical(body)
    return list(calendar.walk("VEVENT"))


def at(event: Any, name: str) -> datetime | date:
    value: datetime | date = event[name].dt
    return value


async def test_the_feed_shows_shifts_with_their_time_zone_and_the_cover_from_chat(
    desk: CalendarDesk,
) -> None:
    body = await desk.feed(await token_of(desk, NIGHT_PLUMBER))
    found = events(body)
    covers = [e for e in found if str(e["summary"]).startswith("代班")]
    # 张师傅's shifts starting that day: his day shift and his night on call
    assert [(str(e["summary"]), at(e, "dtstart"), at(e, "dtend")) for e in covers] == [
        (
            "代班：白班水工",
            datetime(2026, 12, 5, 8, tzinfo=SH),
            datetime(2026, 12, 5, 17, tzinfo=SH),
        ),
        (
            "代班：水工备班",
            datetime(2026, 12, 5, 17, tzinfo=SH),
            datetime(2026, 12, 6, 8, tzinfo=SH),
        ),
    ]
    assert all("替张师傅代班" in str(e["description"]) for e in covers)
    nights = [e for e in found if str(e["summary"]) == "值班：夜班水工"]
    # a week back and four weeks ahead: 24 Nov to 29 Dec, one night shift a day
    assert len(nights) == 36
    assert at(nights[0], "dtstart") == datetime(2026, 11, 24, 17, tzinfo=SH)
    assert len({str(e["uid"]) for e in found}) == len(found)  # a stable UID each
    assert b"DTSTART;TZID=Asia/Shanghai:20261205T080000" in (body or b"")
    assert b"BEGIN:VTIMEZONE" in (body or b"")
    # 张师傅 no longer has that day shift
    plumber = events(await desk.feed(await token_of(desk, PLUMBER)))
    days = [at(e, "dtstart") for e in plumber if str(e["summary"]) == "值班：白班水工"]
    assert datetime(2026, 12, 5, 8, tzinfo=SH) not in days and len(days) == 35


async def test_leave_is_an_all_day_event_and_its_shifts_are_gone(desk: CalendarDesk) -> None:
    found = events(await desk.feed(await token_of(desk, CLEANER)))
    leave = [e for e in found if str(e["summary"]) == "请假"]
    assert [(at(e, "dtstart"), at(e, "dtend")) for e in leave] == [
        (date(2026, 12, 3), date(2026, 12, 5))
    ]
    shifts = {at(e, "dtstart").date() for e in found if e not in leave}  # type: ignore[union-attr]
    assert date(2026, 12, 3) not in shifts and date(2026, 12, 4) not in shifts
    assert date(2026, 12, 5) in shifts


async def test_the_same_link_each_time_until_renewed_then_the_old_stops(
    desk: CalendarDesk,
) -> None:
    first = await token_of(desk, PLUMBER)
    assert await token_of(desk, PLUMBER) == first
    renewed = LINK.search(await desk.link(PLUMBER, ["new"], 7))
    assert renewed is not None and renewed.group(1) != first
    assert await desk.feed(first) is None
    assert await desk.feed(renewed.group(1)) is not None
    assert await token_of(desk, PLUMBER) == renewed.group(1)


async def test_only_staff_get_a_link_and_bad_arguments_are_told(desk: CalendarDesk) -> None:
    with pytest.raises(NotAllowed) as refused:
        await desk.link(RESIDENT, [], 1)
    assert refused.value.key == "ical.staff_only"
    with pytest.raises(InvalidInput) as bad:
        await desk.link(PLUMBER, ["please"], 2)
    assert bad.value.key == "ical.usage"


@pytest.fixture
async def http(desk: CalendarDesk) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = web.Application()
    ical_routes(desk)(app)
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


async def test_over_http_a_live_token_gets_a_calendar_and_any_other_a_404(
    desk: CalendarDesk, http: TestClient[web.Request, web.Application]
) -> None:
    token = await token_of(desk, PLUMBER)
    response = await http.get(f"/ical/roster/{token}.ics")
    assert response.status == 200 and response.content_type == "text/calendar"
    assert events(await response.read())
    wrong = token[:-1] + ("a" if token[-1] != "a" else "b")
    for path in (
        f"/ical/roster/{wrong}.ics",
        "/ical/roster/short.ics",
        f"/ical/roster/{token}.txt",
    ):
        assert (await http.get(path)).status == 404
    await desk.link(PLUMBER, ["new"], 9)
    assert (await http.get(f"/ical/roster/{token}.ics")).status == 404


async def test_the_generated_secret_is_kept_so_links_survive_a_restart(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, desk: CalendarDesk
) -> None:
    token = await token_of(desk, PLUMBER)
    restarted = CalendarDesk(uow, clock, "https://loudao.example.org")
    assert await restarted.feed(token) is not None
    other_secret = CalendarDesk(
        uow, clock, "https://loudao.example.org", "a-configured-secret-1234"
    )
    assert await other_secret.feed(token) is None  # LOUDAO_SECRET changed: links are new


async def test_a_make_up_working_day_set_with_workday_is_noted_on_that_days_shift(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, desk: CalendarDesk
) -> None:
    await DutyDesk(uow, clock).workday(9001, ["12-06", "on"])  # a Sunday worked
    found = events(await desk.feed(await token_of(desk, PLUMBER)))
    notes = {at(e, "dtstart").date(): str(e.get("description", "")) for e in found}  # type: ignore[union-attr]
    assert "调休上班日" in notes[date(2026, 12, 6)]
    assert (
        "调休上班日" not in notes[date(2026, 12, 7)] and "节假日" not in notes[date(2026, 12, 7)]
    )
