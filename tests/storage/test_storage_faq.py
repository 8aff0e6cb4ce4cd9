"""The stored knowledge base: imports, chat edits, cached matchers, cool-downs and gaps."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.clock import FakeClock
from bot.domain.errors import InvalidInput, NotAllowed, NotFound
from bot.registry_file import read_registry
from bot.services.faq.admin import FaqAdmin
from bot.services.faq.desk import FaqDesk, FaqLibrary
from bot.services.ports import FaqOutcome, Question
from bot.services.registry import load_registry
from faq.kb import FaqEntry, KnowledgeBase, load_kb, load_kb_text
from storage.uow import SqlUnitOfWorkFactory

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "bot" / "demo" / "community.yaml"
DEMO_FAQ = ROOT / "bot" / "demo" / "faq.yaml"
ADMIN, SUPERVISOR, PLUMBER = 9001, 9002, 9003
GROUP_3 = -1001003


@pytest.fixture
async def admin(uow: SqlUnitOfWorkFactory, clock: FakeClock) -> FaqAdmin:
    await load_registry(uow, read_registry(DEMO), clock)
    return FaqAdmin(uow, clock, FaqLibrary())


def _question(text: str, update_id: int, *, addressed: bool, chat: int = GROUP_3) -> Question:
    return Question(
        update_id=update_id,
        chat_id=chat,
        message_id=update_id,
        user_id=201,
        text=text,
        addressed=addressed,
        private=chat > 0,
        community_id=None,
        building=None,
        locale="zh_CN",
    )


async def _outbox(uow: SqlUnitOfWorkFactory, key: str) -> int | None:
    async with uow() as tx:
        return await tx.outbox.by_dedup_key(key)


async def test_start_up_loads_the_demo_base_once_and_keeps_chat_edits(
    admin: FaqAdmin, uow: SqlUnitOfWorkFactory
) -> None:
    reports = await admin.sync_files(read_registry(DEMO), DEMO)
    assert reports["A"].created == len(load_kb(DEMO_FAQ))
    await admin.add(ADMIN, "wifi | 活动室无线网密码 | 贴在门口", 1, "zh_CN")
    assert await admin.sync_files(read_registry(DEMO), DEMO) == {}  # file unchanged
    _, entries = await admin.export_base(None)
    assert entries[-1].id == "wifi" and len(entries) == len(load_kb(DEMO_FAQ)) + 1


async def test_import_replaces_by_default_and_merge_keeps_other_entries(
    admin: FaqAdmin,
) -> None:
    first = load_kb_text(
        "- {id: a, questions: [甲], answer: x}\n- {id: b, questions: [乙], answer: y}"
    )
    _, report = await admin.import_base(first, None, replace=True)
    assert (report.created, report.deleted) == (2, 0)
    second = load_kb_text(
        "- {id: b, questions: [乙], answer: y2}\n- {id: c, questions: [丙], answer: z}"
    )
    _, report = await admin.import_base(second, "A", replace=False)
    assert (report.created, report.updated, report.deleted, report.unchanged) == (1, 1, 0, 0)
    _, entries = await admin.export_base("A")
    assert [e.id for e in entries] == ["a", "b", "c"]
    _, report = await admin.import_base(second, "A", replace=True)
    assert report.deleted == 1
    _, entries = await admin.export_base("A")
    assert [(e.id, e.answer) for e in entries] == [("b", "y2"), ("c", "z")]
    with pytest.raises(NotFound):
        await admin.import_base(second, "ZZ", replace=True)


async def test_only_admins_and_supervisors_edit_and_entries_are_validated(
    admin: FaqAdmin,
) -> None:
    with pytest.raises(NotAllowed):
        await admin.add(PLUMBER, "wifi | 密码 | 门口", 1, "zh_CN")
    with pytest.raises(NotAllowed):
        await admin.add(201, "wifi | 密码 | 门口", 1, "zh_CN")
    with pytest.raises(InvalidInput) as bad:
        await admin.add(ADMIN, "无线网 | 密码 | 门口", 1, "zh_CN")
    assert bad.value.key == "faq.bad_id"
    with pytest.raises(InvalidInput) as usage:
        await admin.add(ADMIN, "wifi | 密码", 1, "zh_CN")
    assert usage.value.key == "faq.usage_add"
    assert "wifi" in await admin.add(SUPERVISOR, "wifi | 密码；无线网 | 门口", 1, "zh_CN")
    with pytest.raises(InvalidInput) as exists:
        await admin.add(ADMIN, "wifi | 密码 | 门口", 2, "zh_CN")
    assert exists.value.key == "faq.exists"
    await admin.edit(ADMIN, "wifi | | 新答案", 3, "zh_CN")
    text = await admin.show(ADMIN, "wifi", "zh_CN")
    assert "密码；无线网" in text and "新答案" in text
    with pytest.raises(NotFound):
        await admin.delete(ADMIN, "nope", 4, "zh_CN")


async def test_a_chat_edit_answers_at_once_here_and_after_a_reload_elsewhere(
    admin: FaqAdmin, uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    desk = FaqDesk(uow, clock, admin.library)
    other_process = FaqDesk(uow, clock, FaqLibrary())
    private = _question("活动室无线网密码是多少", 10, addressed=True, chat=201)
    assert await desk.answer(private) is FaqOutcome.NONE
    assert await other_process.answer(private) is FaqOutcome.NONE
    await admin.add(ADMIN, "wifi | 活动室无线网密码是多少 | 贴在门口", 11, "zh_CN")
    assert await desk.answer(
        _question("活动室无线网密码是多少", 12, addressed=True, chat=201)
    ) is (FaqOutcome.ANSWERED)
    assert (
        await other_process.answer(
            _question("活动室无线网密码是多少", 13, addressed=True, chat=201)
        )
        is FaqOutcome.ANSWERED
    )
    await admin.delete(ADMIN, "wifi", 14, "zh_CN")
    assert await desk.answer(
        _question("活动室无线网密码是多少", 15, addressed=True, chat=201)
    ) is (FaqOutcome.NONE)


async def test_an_unasked_answer_cools_down_per_group_and_entry(
    admin: FaqAdmin, uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    await admin.sync_files(read_registry(DEMO), DEMO)
    desk = FaqDesk(uow, clock, admin.library)
    assert await desk.answer(_question("访客停车怎么收费", 1, addressed=False)) is (
        FaqOutcome.ANSWERED
    )
    assert await desk.answer(_question("访客停车怎么收费", 1, addressed=False)) is (
        FaqOutcome.ANSWERED  # the same update handled again after a crash
    )
    assert await desk.answer(_question("访客停车怎么收费？", 2, addressed=False)) is (
        FaqOutcome.NONE
    )
    other_group = _question("访客停车怎么收费", 3, addressed=False, chat=-1001005)
    assert await desk.answer(other_group) is FaqOutcome.ANSWERED
    assert await desk.answer(_question("访客停车怎么收费", 4, addressed=True)) is (
        FaqOutcome.ANSWERED  # asking the bot directly is always answered
    )
    clock.advance(desk.cooldown + timedelta(seconds=1))
    assert await desk.answer(_question("访客停车怎么收费", 5, addressed=False)) is (
        FaqOutcome.ANSWERED
    )
    assert await _outbox(uow, "faq:2") is None and await _outbox(uow, "faq:5") is not None


async def test_repairs_and_chatter_get_no_unasked_answer(
    admin: FaqAdmin, uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    await admin.sync_files(read_registry(DEMO), DEMO)
    desk = FaqDesk(uow, clock, admin.library)
    for n, text in enumerate(["楼道灯坏了好几天了", "大家早上好", "停车场车好多", "燃气味很重"]):
        assert await desk.answer(_question(text, 100 + n, addressed=False)) is FaqOutcome.NONE


async def test_close_calls_offer_buttons_and_misses_are_counted_as_gaps(
    admin: FaqAdmin, uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    await admin.sync_files(read_registry(DEMO), DEMO)
    desk = FaqDesk(uow, clock, admin.library)
    assert await desk.answer(_question("装修有什么要求", 1, addressed=True)) is (
        FaqOutcome.SUGGESTED
    )
    for update_id in (2, 2, 3, 4):  # update 2 is handled twice: counted once
        outcome = await desk.answer(
            _question("小区里有没有教钢琴的老师", update_id, addressed=True)
        )
        assert outcome is FaqOutcome.NONE
    await desk.answer(_question("哪里可以学游泳", 5, addressed=True))
    await desk.answer(_question("大家早上好", 6, addressed=False))  # chatter is not a gap
    await desk.answer(_question("谁会修古董钟 联系我13912345678", 7, addressed=True))
    text = await admin.gaps(ADMIN, "zh_CN")
    assert "3 次：小区里有没有教钢琴的老师" in text and "1 次：哪里可以学游泳" in text
    assert "早上好" not in text
    assert "古董钟" in text and "13912345678" not in text  # admins see the question, no phone
    with pytest.raises(NotAllowed):
        await admin.gaps(PLUMBER, "zh_CN")


async def test_a_stored_entry_keeps_every_field(admin: FaqAdmin) -> None:
    entry = FaqEntry.model_validate(
        {
            "id": "scoped",
            "questions": ["三号楼的水箱什么时候洗"],
            "answer": "每年两次",
            "keywords": ["水箱"],
            "tags": ["水"],
            "scope": {"buildings": ["3"]},
            "valid_until": "2027-06-30",
        }
    )
    await admin.import_base(KnowledgeBase([entry]), "A", replace=True)
    _, entries = await admin.export_base("A")
    assert entries == [entry]


async def test_nothing_good_sends_nothing_and_a_good_match_is_answered(
    admin: FaqAdmin, uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    await admin.sync_files(read_registry(DEMO), DEMO)
    desk = FaqDesk(uow, clock, admin.library)
    lost = _question("小区里有没有教钢琴的老师", 1, addressed=True, chat=201)
    assert await desk.answer(lost) is FaqOutcome.NONE
    assert await _outbox(uow, "faq:1") is None  # the intake offers "pass to staff" instead
    asked = _question("大件垃圾什么时候收", 3, addressed=True)
    assert await desk.answer(asked) is FaqOutcome.ANSWERED
    assert await _outbox(uow, "faq:3") is not None


async def test_only_admins_see_the_faq_usage(admin: FaqAdmin) -> None:
    assert "usage" not in await admin.usage(ADMIN, "zh_CN")
    with pytest.raises(NotAllowed):
        await admin.usage(PLUMBER, "zh_CN")
