"""A reminder whose deadline passed while the bot was down is not sent as if it were in time:
it says the deadline has passed (and is counted), while one on time names the deadline ahead."""

from __future__ import annotations

from datetime import timedelta

from bot import metrics
from bot.domain.clock import FakeClock
from bot.domain.records import CommunityInfo
from bot.services.escalation.desk import EscalationDesk
from storage.uow import SqlUnitOfWorkFactory
from tests.storage.test_storage_duty import community, open_ticket  # noqa: F401
from tests.storage.test_storage_escalation_failures import OPENED, outbox

# level 1, nobody accepts: at 4 minutes the assignee is reminded to confirm by then (02:05, the acknowledge deadline)


async def test_a_reminder_on_time_names_the_deadline_ahead(
    uow: SqlUnitOfWorkFactory,
    community: CommunityInfo,  # noqa: F811
    clock: FakeClock,
) -> None:
    await open_ticket(uow, community, OPENED, "u:1")
    clock.set(OPENED + timedelta(minutes=4))
    await EscalationDesk(uow, clock).tick()
    [(_, text)] = await outbox(uow, "duty.remind")
    assert "提醒：工单" in text and "需要在 12月1日 02:05 前接单确认" in text


async def test_a_reminder_whose_deadline_passed_while_the_bot_was_down_says_it_is_late(
    uow: SqlUnitOfWorkFactory,
    community: CommunityInfo,  # noqa: F811
    clock: FakeClock,
) -> None:
    await open_ticket(uow, community, OPENED, "u:1")
    late_before = metrics.LATE_REMINDERS._value.get()
    clock.set(OPENED + timedelta(minutes=40))  # down from minute 3 to minute 40
    await EscalationDesk(uow, clock).tick()
    texts = [text for _, text in await outbox(uow, "duty.remind")]
    assert texts and not [t for t in texts if "需要在" in t]
    assert any("本应在 12月1日 02:05 前接单确认，这个时间已经过了" in t for t in texts)
    assert all("已超时" in t for t in texts)
    assert metrics.LATE_REMINDERS._value.get() == late_before + len(texts)
