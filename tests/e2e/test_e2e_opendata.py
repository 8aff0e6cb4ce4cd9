"""Open data end to end, through the real Application, the sandbox and the bot's own HTTP
server: a staff member sends /ical in private and subscribes to the link it gives, which shows
the leave and the cover a supervisor entered in chat; /ical new ends the old link; residents
are told politely it is for staff; a street office reads Open311 from the same server."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import aiohttp
import icalendar
import pytest

from bot.domain.clock import FakeClock
from tests.e2e.world import PLUMBER, SUPERVISOR, World

pytestmark = pytest.mark.e2e
SH = ZoneInfo("Asia/Shanghai")
NIGHT_PLUMBER = 9008
LINK = re.compile(r"http://127\.0\.0\.1:\d+/ical/roster/[a-z2-7]{32}\.ics")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # Tuesday 10:00 in Shanghai


async def fetch(url: str) -> tuple[int, bytes]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.read()


async def link_of(world: World, user: int, command: str = "/ical") -> str:
    said = await world.say(user, user, command)
    answer = await world.bot_says(user, "ical/roster/", after=said)
    found = LINK.search(answer["text"])
    assert found is not None, answer["text"]
    return found.group(0)


async def test_staff_subscribe_to_their_roster_with_the_link_from_ical(world: World) -> None:
    said = await world.say(SUPERVISOR, SUPERVISOR, "/leave 周师傅 12-08 12-09")
    await world.bot_says(SUPERVISOR, "已记录", after=said)
    said = await world.say(SUPERVISOR, SUPERVISOR, "/cover 张师傅 周师傅 12-05 12-05")
    await world.bot_says(SUPERVISOR, "已记录", after=said)

    url = await link_of(world, NIGHT_PLUMBER)
    status, body = await fetch(url)
    assert status == 200
    events = list(icalendar.Calendar.from_ical(body).walk("VEVENT"))
    summaries = {(str(e["summary"]), e["dtstart"].dt) for e in events}
    assert ("代班：白班水工", datetime(2026, 12, 5, 8, tzinfo=SH)) in summaries
    assert ("请假", date(2026, 12, 8)) in summaries
    assert ("值班：夜班水工", datetime(2026, 12, 7, 17, tzinfo=SH)) in summaries
    assert not any(start == datetime(2026, 12, 8, 17, tzinfo=SH) for _s, start in summaries)

    renewed = await link_of(world, NIGHT_PLUMBER, "/ical new")
    assert renewed != url
    assert (await fetch(url))[0] == 404
    assert (await fetch(renewed))[0] == 200


async def test_residents_and_groups_are_told_politely(world: World) -> None:
    resident = world.resident("3")
    said = await world.say(resident, resident, "/ical")
    answer = await world.bot_says(resident, "值班日历", after=said)
    assert "工作人员" in answer["text"] and "ical/roster" not in answer["text"]
    group = world.group("3")
    said = await world.say(PLUMBER, group, "/ical")
    answer = await world.bot_says(group, "私聊", after=said)
    assert "ical/roster" not in answer["text"]


async def test_a_street_office_reads_open311_from_the_bots_http_server(world: World) -> None:
    said = await world.say(
        world.resident("3"), world.group("3"), "@loudao_bot 3号楼2单元楼道灯坏了"
    )
    await world.bot_says(world.group("3"), "A-0001", after=said)
    base = f"http://127.0.0.1:{world.app.http_port}/open311/v2"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/requests.json", params={"jurisdiction_id": "A"}) as response:
            assert response.status == 200
            found = await response.json()
        async with http.get(f"{base}/services.json", params={"jurisdiction_id": "B"}) as response:
            assert response.status == 404
            assert (await response.json())[0]["code"] == 404
    assert [(r["service_request_id"], r["status"], r["address"]) for r in found] == [
        ("A-0001", "open", "阳光花园 3号楼")
    ]
    assert "2单元" not in str(found)
