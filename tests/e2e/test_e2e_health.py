"""The operator sees what residents and staff cannot: /healthz and /metrics tell when the
database is gone or an escalation could not go out – and the admin is told in chat."""

from __future__ import annotations

import aiohttp
import pytest

from bot.domain.clock import FakeClock
from bot.domain.escalation.plan import RETRY_DELAYS
from tests.e2e.test_e2e_duty import BURST, NIGHT_PLUMBER, TUESDAY_0200, pages, tick
from tests.e2e.test_e2e_tickets import card_of
from tests.e2e.world import ADMIN, SUPERVISOR, World
from tests.storage.test_storage_escalation_failures import refuse_pages

pytestmark = pytest.mark.e2e


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(TUESDAY_0200)


async def get(world: World, path: str) -> tuple[int, str]:
    url = f"http://127.0.0.1:{world.app.http_port}{path}"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


async def test_health_is_ok_on_a_working_service(world: World) -> None:
    await tick(world)
    status, body = await get(world, "/healthz")
    assert status == 200 and '"status": "ok"' in body
    status, body = await get(world, "/metrics")
    assert status == 200 and "loudao_up 1.0" in body and "loudao_database_up 1.0" in body


async def test_an_escalation_that_cannot_go_out_is_told_to_the_admin_and_shown_in_health(
    world: World, clock: FakeClock
) -> None:
    group = world.group("3")
    said = await world.say(world.resident("3"), group, BURST)
    await card_of(world, group, said)
    await world.bot_says(NIGHT_PLUMBER, "#A-0001")
    await refuse_pages(world.app.database.engine, True)  # the database refuses what a page stores
    clock.advance(minutes=5)
    await tick(world)
    for delay in RETRY_DELAYS:
        clock.advance(seconds=delay.total_seconds())
        await tick(world)

    told = await world.bot_says(ADMIN, "没能升级")
    assert "#A-0001" in told["text"] and "试了 4 次" in told["text"]
    assert await pages(world, SUPERVISOR) == []
    status, body = await get(world, "/healthz")
    assert status == 200 and '"status": "degraded"' in body and '"given_up_24h": 3' in body
    _, metrics = await get(world, "/metrics")
    assert "loudao_escalation_steps_given_up_24h 3.0" in metrics
    assert "loudao_escalation_steps_retrying 0.0" in metrics

    clock.advance(minutes=10)
    await tick(world)  # the admin is told once per ticket, not at every tick
    assert len([m for m in await world.bot_messages(ADMIN) if "没能升级" in m["text"]]) == 1
    await refuse_pages(world.app.database.engine, False)


def sample(body: str, name: str) -> float:
    """One sample's value from the Prometheus text (0 when absent)."""
    for line in body.splitlines():
        if line.split(" ")[0] == name:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_metrics_count_the_work_done(world: World) -> None:
    _, before = await get(world, "/metrics")
    group = world.group("3")
    said = await world.say(world.resident("3"), group, BURST)  # an emergency: level 1
    await card_of(world, group, said)
    question = await world.say(world.resident("3"), group, "@loudao_bot 访客停车怎么收费")
    await world.bot_says(group, "访客", after=question)
    await tick(world)
    await world.settle()
    _, after = await get(world, "/metrics")
    for name in (
        'loudao_tickets_opened_total{level="1"}',
        'loudao_updates_handled_total{outcome="handled"}',
        'loudao_outbox_messages_total{outcome="sent"}',
        'loudao_faq_questions_total{outcome="answered"}',
        "loudao_send_seconds_count",
        "loudao_tick_seconds_count",
    ):
        assert sample(after, name) > sample(before, name), name
