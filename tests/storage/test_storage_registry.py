"""Loading the community registry: complete, idempotent, and kind to claimed accounts."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import i18n
from bot.domain.clock import FakeClock
from bot.domain.errors import LoudaoError
from bot.registry_file import read_registry
from bot.services.chats import ChatService
from bot.services.registry import load_registry
from storage.uow import SqlUnitOfWorkFactory

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo" / "community.yaml"


async def test_demo_community_loads(uow: SqlUnitOfWorkFactory, clock: FakeClock) -> None:
    reports = await load_registry(uow, read_registry(DEMO), clock)
    assert reports["A"].created > 0
    async with uow() as tx:
        community = await tx.registry.community_by_code("A")
        assert community is not None
        assert community.name == "阳光花园"
        assert [b.number for b in community.buildings] == [
            "1",
            "2",
            "3",
            "5",
            "6",
            "8",
            "65",
            "171",
        ]
        assert community.building("3") is not None
        assert community.building("3").aliases == ("老三栋",)  # type: ignore[union-attr]
        assert set(community.grids) == {"G1", "G2"}
        chat = await tx.chats.get(-1001003)
        assert chat is not None and chat.is_bound and chat.default_building == "3"
        zhang = await tx.people.by_telegram_id(9003)
        assert zhang[0].name == "张师傅" and "water_leak" in zhang[0].skills


async def test_reloading_the_same_file_changes_nothing(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    registry = read_registry(DEMO)
    await load_registry(uow, registry, clock)
    async with uow() as tx:
        audits = await tx.audit.count()
    clock.advance(hours=1)
    second = await load_registry(uow, registry, clock)
    assert second["A"].changed == 0
    async with uow() as tx:
        assert await tx.audit.count() == audits


async def test_a_groups_notice_topic_is_stored_and_follows_the_file(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "community.yaml"
    plain = '{chat_id: -1001005, title: 5号楼邻里群, covers: {building: "5"}}'
    text = DEMO.read_text(encoding="utf-8")
    path.write_text(text.replace(plain, plain[:-1] + ", notice_topic: 42}"), encoding="utf-8")
    await load_registry(uow, read_registry(path), clock)
    async with uow() as tx:
        forum, other = await tx.chats.get(-1001005), await tx.chats.get(-1001003)
    assert forum is not None and forum.notice_thread_id == 42
    assert other is not None and other.notice_thread_id is None
    path.write_text(text, encoding="utf-8")  # the line is taken out: back to General
    again = await load_registry(uow, read_registry(path), clock)
    assert again["A"].updated == 1
    async with uow() as tx:
        forum = await tx.chats.get(-1001005)
    assert forum is not None and forum.notice_thread_id is None


async def test_removed_staff_are_deactivated_not_deleted(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, tmp_path: Path
) -> None:
    await load_registry(uow, read_registry(DEMO), clock)
    text = DEMO.read_text(encoding="utf-8")
    start = text.index("      - key: chen")
    end = text.index("      - key: zhao")
    smaller = tmp_path / "community.yaml"
    # the roster's duty goes to someone else: a roster may only name staff of the file
    without = (text[:start] + text[end:]).replace("staff: chen\n", "staff: wu\n")
    smaller.write_text(without, encoding="utf-8")
    report = await load_registry(uow, read_registry(smaller), clock)
    assert report["A"].deactivated == 1
    async with uow() as tx:
        assert await tx.people.by_telegram_id(9005) == []


async def test_join_code_is_claimed_once_and_survives_reload(
    uow: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    registry = read_registry(DEMO)
    await load_registry(uow, registry, clock)
    chats = ChatService(uow, clock)
    person, community = await chats.join("WU-3-2026", 777, update_id=1)
    assert person.name == "吴阿姨" and community == "阳光花园"
    assert (await chats.identity(777)).is_("building_leader")
    again = await load_registry(uow, registry, clock)
    assert again["A"].changed == 0
    assert (await chats.identity(777)).is_("building_leader")


async def test_a_used_join_code_is_refused(uow: SqlUnitOfWorkFactory, clock: FakeClock) -> None:
    import pytest

    from bot.domain.errors import InvalidInput

    await load_registry(uow, read_registry(DEMO), clock)
    chats = ChatService(uow, clock)
    await chats.join("WU-3-2026", 777, update_id=1)
    with pytest.raises(InvalidInput) as err:
        await chats.join("WU-3-2026", 888, update_id=2)
    assert err.value.key == "join.bad_code"
    assert (await chats.identity(888)).people == ()


@pytest.mark.parametrize(
    ("target", "refusal"),
    [
        ("3号楼9单元", "「3号楼9单元」里的单元没有找到。3号楼的单元有：1、2、3。"),
        ("171号楼9单元", "171号楼没有登记单元，请绑定整栋楼：/bind 171号楼"),
    ],
)
async def test_binding_a_unit_that_does_not_exist_is_refused_politely(
    uow: SqlUnitOfWorkFactory, clock: FakeClock, tmp_path: Path, target: str, refusal: str
) -> None:
    text = DEMO.read_text(encoding="utf-8")
    path = tmp_path / "community.yaml"  # building 171 lists no units
    path.write_text(
        text.replace('{number: "171", grid: G2, units: ["1", "2"]}', '{number: "171", grid: G2}'),
        encoding="utf-8",
    )
    await load_registry(uow, read_registry(path), clock)
    chats = ChatService(uow, clock)
    with pytest.raises(LoudaoError) as refused:
        await chats.bind(-5005, "新群", 9001, target, None)
    assert i18n.t("zh_CN", refused.value.key, **refused.value.params) == refusal
    english = i18n.t("en", refused.value.key, **refused.value.params)
    assert english.startswith(("I can't find the unit", "Building 171 has no units"))
    async with uow() as tx:
        assert await tx.chats.get(-5005) is None  # nothing bound
