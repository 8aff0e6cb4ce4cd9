"""Notices on a real database: each occurrence reaches each group once, survives crashes, reports."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.domain.clock import FakeClock
from bot.domain.errors import ConfigFileError, ConfigFileErrors, InvalidInput, NotAllowed
from bot.domain.notices.records import (
    ACTIVE,
    CANCELLED,
    DONE,
    PAUSED,
    NoticeRecord,
    dump_quiet,
    dump_schedule,
)
from bot.domain.notices.schedule import Once, QuietHours, Recurring
from bot.domain.notices.when import parse_when
from bot.notice_files import load_templates, read_notice_files
from bot.registry_file import read_registry
from bot.services.notices.importer import import_notices
from bot.services.notices.service import NoticeService
from bot.services.outbox import OutboxSender
from bot.services.ports import ChatUnavailable, TopicClosed
from bot.services.registry import load_registry
from storage.uow import SqlUnitOfWorkFactory
from tests.conftest import DEMO_COMMUNITY

SHANGHAI = ZoneInfo("Asia/Shanghai")
ADMIN, SUPERVISOR, PLUMBER = 9001, 9002, 9003


def group(building: str) -> int:
    return -int(f"1001{int(building):03d}")


class FakeGateway:
    """Records what would reach Telegram; chats in `gone` answer 403, forums in `closed` have
    their General topic closed (TOPIC_CLOSED for a message without a topic)."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str, dict[str, Any]]] = []
        self.gone: set[int] = set()
        self.closed: set[int] = set()

    async def deliver(self, chat_id: int, method: str, payload: dict[str, Any]) -> int | None:
        if chat_id in self.gone:
            raise ChatUnavailable("Forbidden: bot was kicked from the group chat")
        if chat_id in self.closed and "message_thread_id" not in payload:
            raise TopicClosed("Topic_closed")
        self.sent.append((chat_id, method, payload))
        return len(self.sent)

    def texts(self, chat_id: int) -> list[str]:
        return [p.get("text", "") for c, m, p in self.sent if c == chat_id and m == "send_message"]


@pytest.fixture
async def service(uow: SqlUnitOfWorkFactory, clock: FakeClock) -> NoticeService:
    clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # Tuesday 10:00 in Shanghai
    await load_registry(uow, read_registry(DEMO_COMMUNITY), clock)
    return NoticeService(uow, clock, load_templates())


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def sender(uow: SqlUnitOfWorkFactory, gateway: FakeGateway, clock: FakeClock) -> OutboxSender:
    return OutboxSender(uow, gateway, clock)


async def add(service: NoticeService, notice: NoticeRecord) -> NoticeRecord:
    async with service.uow() as tx:
        community = await tx.registry.community_by_code("A")
        assert community is not None
        created = await service.create(tx, replace(notice, community_id=community.id), community)
        await tx.commit()
    return created


def once(at: datetime, **kw: Any) -> NoticeRecord:
    values: dict[str, Any] = {
        "community_id": 0,
        "template": "fire_safety",
        "variables": {"contact": "物业"},
        "target": {"buildings": ["3", "5", "65"]},
        "schedule": dump_schedule(Once(at=at)),
        "author_telegram_id": ADMIN,
    }
    values.update(kw)
    return NoticeRecord(**values)


async def deliver(service: NoticeService, sender: OutboxSender) -> None:
    await service.tick()
    await sender.run_until_idle()
    await service.settle()
    await sender.run_until_idle()


async def test_a_notice_reaches_each_target_group_once_and_no_other(
    service: NoticeService, sender: OutboxSender, gateway: FakeGateway, clock: FakeClock
) -> None:
    await add(service, once(datetime(2026, 12, 1, 10, 0)))
    await deliver(service, sender)
    await deliver(service, sender)  # a second tick sends nothing again
    groups = {c for c, m, _ in gateway.sent if c < 0}
    assert groups == {group("3"), group("5"), group("65")}
    for b in ("3", "5", "65"):
        assert len(gateway.texts(group(b))) == 1
        assert "消防安全提醒" in gateway.texts(group(b))[0]
    (report,) = gateway.texts(ADMIN)
    assert "已发送 3/3" in report


async def test_a_one_time_notice_waits_for_its_time_in_the_community_timezone(
    service: NoticeService, sender: OutboxSender, gateway: FakeGateway, clock: FakeClock
) -> None:
    created = await add(service, once(datetime(2026, 12, 1, 18, 0)))  # 18:00 Shanghai
    assert created.next_due == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    clock.set(datetime(2026, 12, 1, 9, 59, tzinfo=UTC))
    await deliver(service, sender)
    assert gateway.sent == []
    clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    await deliver(service, sender)
    assert len(gateway.texts(group("3"))) == 1
    async with service.uow() as tx:
        stored = await tx.notices.get(created.id)
    assert stored is not None and stored.status == DONE


async def test_quiet_hours_hold_a_non_urgent_notice_until_morning(
    service: NoticeService, sender: OutboxSender, gateway: FakeGateway, clock: FakeClock
) -> None:
    created = await add(
        service, once(datetime(2026, 12, 1, 22, 0), quiet_hours=dump_quiet(QuietHours()))
    )
    assert created.next_due == datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # 07:30 next morning
    clock.set(datetime(2026, 12, 1, 14, 30, tzinfo=UTC))  # 22:30 local
    await deliver(service, sender)
    assert gateway.sent == []
    clock.set(datetime(2026, 12, 1, 23, 31, tzinfo=UTC))
    await deliver(service, sender)
    assert len(gateway.texts(group("65"))) == 1


async def test_a_weekly_notice_fires_on_monday_morning_shanghai_time(
    service: NoticeService, sender: OutboxSender, gateway: FakeGateway, clock: FakeClock
) -> None:
    created = await add(
        service,
        once(
            datetime(2000, 1, 1),
            schedule=dump_schedule(Recurring(rule="每周一 09:00")),
            author_telegram_id=None,
            target={"community": True},
        ),
    )
    assert created.last_done == clock.now()  # creation time: last week does not fire
    assert created.next_due == datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
    clock.set(datetime(2026, 12, 7, 1, 1, tzinfo=UTC))
    await deliver(service, sender)
    assert len({c for c, _, _ in gateway.sent if c < 0}) == 9
    assert gateway.texts(ADMIN) == []  # file-style notice, all delivered: no news for admins
    async with service.uow() as tx:
        stored = await tx.notices.get(created.id)
    assert stored is not None and stored.next_due == datetime(2026, 12, 14, 1, 0, tzinfo=UTC)


async def test_missed_occurrences_collapse_into_one_late_send(
    service: NoticeService, sender: OutboxSender, gateway: FakeGateway, clock: FakeClock
) -> None:
    await add(
        service,
        once(
            datetime(2000, 1, 1),
            schedule=dump_schedule(Recurring(rule="每天 08:00")),
            max_lateness_minutes=120,
        ),
    )
    clock.set(datetime(2026, 12, 4, 1, 0, tzinfo=UTC))  # 09:00 on the 4th: three 08:00s missed
    await deliver(service, sender)
    assert len(gateway.texts(group("3"))) == 1
    told = gateway.texts(ADMIN)
    assert any("错过了 2 次" in t for t in told) and any("已发送 3/3" in t for t in told)


async def test_an_occurrence_later_than_the_maximum_lateness_is_skipped_and_reported(
    service: NoticeService, sender: OutboxSender, gateway: FakeGateway, clock: FakeClock
) -> None:
    await add(service, once(datetime(2026, 12, 1, 12, 0), max_lateness_minutes=60))
    clock.set(datetime(2026, 12, 1, 6, 30, tzinfo=UTC))  # 14:30 local, 2.5 h late
    await deliver(service, sender)
    assert [c for c, _, _ in gateway.sent if c < 0] == []
    (note,) = gateway.texts(ADMIN)
    assert "没有补发" in note and "60 分钟" in note


async def test_a_group_that_removed_the_bot_is_reported_as_failed_and_the_rest_continue(
    service: NoticeService, sender: OutboxSender, gateway: FakeGateway, clock: FakeClock
) -> None:
    gateway.gone.add(group("5"))
    await add(service, once(datetime(2026, 12, 1, 10, 0)))
    await deliver(service, sender)
    assert len(gateway.texts(group("3"))) == 1 and len(gateway.texts(group("65"))) == 1
    reports = [t for t in gateway.texts(ADMIN) if "已发送" in t]
    assert len(reports) == 1
    assert "已发送 2/3，失败 1：5号楼邻里群（机器人已不在群里）" in reports[0]
    # The next notice does not even try the dead group, and says so.
    await add(service, once(datetime(2026, 12, 1, 10, 0), key="second"))
    await deliver(service, sender)
    assert len(gateway.texts(group("3"))) == 2
    assert sum("失败 1：5号楼邻里群" in t for t in gateway.texts(ADMIN)) == 2


async def test_a_closed_topic_fails_each_time_but_its_author_is_told_once_per_notice_and_group(
    service: NoticeService, sender: OutboxSender, gateway: FakeGateway, clock: FakeClock
) -> None:
    gateway.closed.add(group("5"))
    await add(
        service, once(datetime(2000, 1, 1), schedule=dump_schedule(Recurring(rule="每天 10:00")))
    )
    for day in (2, 3):
        clock.set(datetime(2026, 12, day, 2, 1, tzinfo=UTC))
        await deliver(service, sender)
    assert gateway.texts(group("5")) == [] and len(gateway.texts(group("3"))) == 2
    reports = [t for t in gateway.texts(ADMIN) if "已发送" in t]
    assert (
        reports
        == ["「消防安全提醒」已发送 2/3，失败 1：5号楼邻里群（群里发通知的话题已关闭）"] * 2
    )
    told = [t for t in gateway.texts(ADMIN) if "没能发到" in t]
    assert len(told) == 1 and "「5号楼邻里群」" in told[0] and "重新打开" in told[0]
    async with service.uow() as tx:
        chat = await tx.chats.get(group("5"))
    assert chat is not None and chat.status == "bound"  # tried again next time
    gateway.closed.clear()  # an admin reopened it
    clock.set(datetime(2026, 12, 4, 2, 1, tzinfo=UTC))
    await deliver(service, sender)
    assert len(gateway.texts(group("5"))) == 1


async def test_a_crash_after_the_tick_sends_each_group_once_after_restart(
    service: NoticeService, uow: SqlUnitOfWorkFactory, gateway: FakeGateway, clock: FakeClock
) -> None:
    created = await add(service, once(datetime(2026, 12, 1, 10, 0)))
    await service.run_due()  # deliveries and outbox rows committed; then the process "dies"
    restarted = NoticeService(uow, clock, load_templates())
    await restarted.run_due()  # nothing is due twice
    sender = OutboxSender(uow, gateway, clock)
    await deliver(restarted, sender)
    assert sorted(c for c, _, _ in gateway.sent if c < 0) == sorted(
        [group("3"), group("5"), group("65")]
    )
    async with uow() as tx:
        assert await tx.notices.count_deliveries(created.id) == 3
        assert await tx.notices.count_deliveries(created.id, "sent") == 3


async def test_pause_resume_and_cancel(
    service: NoticeService, sender: OutboxSender, gateway: FakeGateway, clock: FakeClock
) -> None:
    created = await add(
        service,
        once(datetime(2000, 1, 1), schedule=dump_schedule(Recurring(rule="每天 12:00"))),
    )
    staff = await service.staff(SUPERVISOR)
    paused = await service.set_status(created.id, PAUSED, staff, None)
    assert paused.status == PAUSED
    clock.set(datetime(2026, 12, 3, 5, 0, tzinfo=UTC))  # two noons pass while paused
    await deliver(service, sender)
    assert gateway.sent == []
    resumed = await service.set_status(created.id, ACTIVE, staff, None)
    assert resumed.next_due == datetime(2026, 12, 4, 4, 0, tzinfo=UTC)  # no burst on resume
    cancelled = await service.set_status(created.id, CANCELLED, staff, None)
    clock.set(datetime(2026, 12, 5, 5, 0, tzinfo=UTC))
    await deliver(service, sender)
    assert cancelled.status == CANCELLED and gateway.sent == []


async def test_only_admins_and_supervisors_may_manage_notices(service: NoticeService) -> None:
    assert (await service.staff(ADMIN)).community.code == "A"
    with pytest.raises(NotAllowed):
        await service.staff(PLUMBER)
    with pytest.raises(NotAllowed):
        await service.staff(201)


async def test_the_notices_file_loads_once_and_follows_edits(
    service: NoticeService, tmp_path: Path
) -> None:
    registry = read_registry(DEMO_COMMUNITY)
    files = read_notice_files(registry, DEMO_COMMUNITY, service.library)
    assert [s.id for s in files["A"]][:2] == ["fire-safety-weekly", "ebike-flying-wire-monthly"]
    first = await import_notices(service, files)
    assert first["A"].created == 4
    again = await import_notices(service, files)
    assert again["A"].unchanged == 4 and again["A"].created == 0
    edited = {"A": [files["A"][0].model_copy(update={"pin": True})]}
    result = await import_notices(service, edited)
    assert (result["A"].updated, result["A"].cancelled) == (1, 3)
    async with service.uow() as tx:
        fire = await tx.notices.by_key(1, "file:fire-safety-weekly")
        fraud = await tx.notices.by_key(1, "file:anti-fraud-monthly")
    assert fire is not None and fire.pin and fire.status == ACTIVE
    assert fraud is not None and fraud.status == CANCELLED


async def test_a_notice_aimed_at_a_list_of_buildings_is_unchanged_when_loaded_again(
    service: NoticeService, clock: FakeClock
) -> None:
    registry = read_registry(DEMO_COMMUNITY)
    files = read_notice_files(registry, DEMO_COMMUNITY, service.library)
    target = files["A"][0].target.model_copy(update={"community": False, "buildings": ("3", "5")})
    aimed = {"A": [files["A"][0].model_copy(update={"target": target})]}
    await import_notices(service, aimed)
    async with service.uow() as tx:
        before = await tx.notices.by_key(1, "file:fire-safety-weekly")
    clock.advance(days=3)  # another start-up, days later
    again = await import_notices(service, aimed)
    assert (again["A"].updated, again["A"].unchanged) == (0, 1)
    async with service.uow() as tx:
        after = await tx.notices.by_key(1, "file:fire-safety-weekly")
    assert before is not None and after is not None
    assert (after.last_done, after.next_due) == (before.last_done, before.next_due)


def test_a_wrong_notices_file_names_file_line_and_field(
    service: NoticeService, tmp_path: Path
) -> None:
    bad = tmp_path / "notices.yaml"
    bad.write_text(
        "- id: fire\n  template: fire_safety\n  target: {community: true}\n"
        "  schedule: {rule: 每周八 09:00}\n",
        encoding="utf-8",
    )
    registry_file = tmp_path / "community.yaml"
    registry_file.write_text(DEMO_COMMUNITY.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises((ConfigFileError, ConfigFileErrors)) as caught:
        read_notice_files(read_registry(registry_file), registry_file, service.library)
    text = str(caught.value)
    assert "notices.yaml:4" in text and "schedule.rule" in text


def test_typed_times_are_understood_in_the_community_timezone() -> None:
    now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 Shanghai
    assert parse_when("明天 9:00", now, SHANGHAI) == Once(at=datetime(2026, 12, 2, 9, 0))
    assert parse_when("12月5日 18:30", now, SHANGHAI) == Once(at=datetime(2026, 12, 5, 18, 30))
    assert parse_when("8:00", now, SHANGHAI) == Once(at=datetime(2026, 12, 2, 8, 0))
    assert parse_when("今晚8点", now, SHANGHAI) == Once(at=datetime(2026, 12, 1, 20, 0))
    assert parse_when("现在", now, SHANGHAI) == Once(at=datetime(2026, 12, 1, 10, 0))
    assert parse_when("每周一 09:00", now, SHANGHAI) == Recurring(rule="每周一 09:00")
    assert parse_when("1月3日 10:00", now, SHANGHAI) == Once(at=datetime(2027, 1, 3, 10, 0))
    with pytest.raises(InvalidInput):
        parse_when("下辈子", now, SHANGHAI)
    with pytest.raises(InvalidInput):
        parse_when("每周八 9:00", now, SHANGHAI)


async def test_a_repeated_creation_with_the_same_key_stores_one_notice(
    service: NoticeService,
) -> None:
    first = await add(service, once(datetime(2026, 12, 2, 10, 0), key="u77"))
    second = await add(service, once(datetime(2026, 12, 2, 10, 0), key="u77"))
    assert first.id == second.id
    async with service.uow() as tx:
        assert len(await tx.notices.of_community(first.community_id, (ACTIVE,))) == 1


async def test_a_pinned_notice_is_pinned_in_each_group_after_it_is_sent(
    service: NoticeService, sender: OutboxSender, gateway: FakeGateway
) -> None:
    await add(service, once(datetime(2026, 12, 1, 10, 0), pin=True))
    await deliver(service, sender)
    pins = [(c, p["message_id"]) for c, m, p in gateway.sent if m == "pin"]
    assert sorted(c for c, _ in pins) == sorted([group("3"), group("5"), group("65")])
    sent_ids = {c: i + 1 for i, (c, m, _) in enumerate(gateway.sent) if m == "send_message"}
    assert all(sent_ids[c] == message_id for c, message_id in pins)
