"""What a group sees of a ticket: the card's fields only – never room, phone, text or reporter."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.domain.records import BuildingInfo, CommunityInfo, PersonInfo
from bot.domain.tickets import (
    Closure,
    DuplicatePolicy,
    Status,
    Ticket,
    find_phones,
    looks_like_duplicate,
    public_card,
    scrub,
    similarity,
)
from bot.services.tickets.cards import Looks
from bot.services.tickets.routing import pick_assignee

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
COMMUNITY = CommunityInfo(
    1, "A", "阳光花园", "Asia/Shanghai", "zh_CN",
    (BuildingInfo("3", (), ("1", "2"), "G1"), BuildingInfo("65", (), ("1",), "G2")), ("G1", "G2"),
)  # fmt: skip
TICKET = Ticket(
    id=1, community_id=1, number="A-0042", status=Status.ASSIGNED, category="water_leak",
    level=2, building="3", unit="2", room="401", phone="13812345678",
    text="3号楼2单元401室 厨房天花板滴水，电话13812345678", chat_id=-1001003, message_id=5,
    reporter_id=201, reporter_name="陈大爷", on_behalf_by=None, source="mention",
    assignee_id=9003, assignee_name="张师傅", card_outbox_id=1, card_version=1,
    verdict_outbox_id=None, created_at=NOW, updated_at=NOW,
)  # fmt: skip


def test_the_group_card_shows_number_category_place_status_and_handler() -> None:
    text = Looks().group_card("zh_CN", COMMUNITY, public_card(TICKET))
    assert "#A-0042" in text and "漏水" in text and "3号楼2单元" in text
    assert "张师傅" in text and "已派给工作人员" in text


def test_the_group_card_never_holds_room_phone_text_or_reporter() -> None:
    for status in Status:
        ticket = replace(TICKET, status=status, referred_to="hotline", level=1)
        text = Looks().group_card("zh_CN", COMMUNITY, public_card(ticket))
        for private in ("401", "13812345678", "陈大爷", "厨房"):
            assert private not in text, (status, private)


def test_the_private_card_has_what_the_assignee_needs() -> None:
    text = Looks().private_card("zh_CN", TICKET)
    assert "401室" in text and "13812345678" in text and "陈大爷" in text


def test_user_text_is_escaped_on_the_private_card() -> None:
    text = Looks().private_card("zh_CN", replace(TICKET, text="<b>漏水</b> & <script>"))
    assert "&lt;b&gt;" in text and "<script>" not in text


def test_a_closed_card_says_whether_the_resident_confirmed() -> None:
    looks = Looks()
    confirmed = replace(TICKET, status=Status.CLOSED, closure=Closure.CONFIRMED)
    unconfirmed = replace(TICKET, status=Status.CLOSED, closure=Closure.UNCONFIRMED)
    assert "居民已确认" in looks.group_card("zh_CN", COMMUNITY, public_card(confirmed))
    assert "未确认" in looks.group_card("zh_CN", COMMUNITY, public_card(unconfirmed))


def test_the_next_promised_time_is_shown_in_the_community_timezone() -> None:
    ticket = replace(TICKET, due_at=NOW + timedelta(hours=7))  # 17:00 in Shanghai
    assert "12月1日 17:00" in Looks().group_card("zh_CN", COMMUNITY, public_card(ticket))


def test_phones_and_rooms_are_found_and_scrubbed() -> None:
    assert find_phones("电话 138-1234-5678 或 021-64001234") == ["13812345678", "02164001234"]
    assert scrub("401室漏水 打13812345678", "401") == "***室漏水 打***"


def test_safety_advice_carries_the_emergency_numbers() -> None:
    text = Looks().safety("zh_CN", "gas")
    assert "962777" in text and "119" in text and "120" in text and "110" in text


def _dup(new: str, old: str, **kw: object) -> bool:
    args: dict[str, object] = dict(
        new_text=new, new_building="6", new_unit=None, new_category="sanitation", now=NOW,
        old_text=old, old_building="6", old_unit=None, old_category="sanitation",
        old_created_at=NOW - timedelta(hours=1),
    )  # fmt: skip
    args.update(kw)
    return looks_like_duplicate(DuplicatePolicy(), **args)  # type: ignore[arg-type]


def test_the_same_problem_in_other_words_is_a_duplicate() -> None:
    assert _dup("6号楼楼道也很脏", "6号楼楼道好脏啊")
    assert _dup("我家也是", "6号楼楼道垃圾没人收")  # "me too"
    assert similarity("楼道灯不亮了", "3号楼楼道灯不亮") > 0.5


def test_other_buildings_categories_units_or_old_tickets_are_not_duplicates() -> None:
    assert not _dup("5号楼楼道很脏", "6号楼楼道很脏", new_building="5")
    assert not _dup("楼道很脏", "楼道很脏", new_category="noise")
    assert not _dup("楼道很脏", "楼道很脏", new_unit="1", old_unit="2")
    assert not _dup("楼道很脏", "楼道很脏", old_created_at=NOW - timedelta(days=10))
    assert not _dup("垃圾桶满了没人倒", "楼道墙上有小广告")


def _person(
    pid: int, tid: int, roles: set[str], skills: frozenset[str] = frozenset(), **kw: object
) -> PersonInfo:
    return PersonInfo(pid, 1, f"p{pid}", f"P{pid}", tid, frozenset(roles), frozenset(skills),
                      frozenset(kw.get("buildings", ())), frozenset(kw.get("grids", ())))  # type: ignore[arg-type]  # fmt: skip


def test_routing_picks_skilled_staff_covering_the_building_else_supervisor_else_admin() -> None:
    plumber_g2 = _person(1, 11, {"staff"}, {"water_leak"}, grids={"G2"})
    plumber_3 = _person(2, 12, {"staff"}, {"water_leak"}, buildings={"3"})
    boss = _person(3, 13, {"supervisor"}, grids={"G2"})
    admin = _person(4, 14, {"admin"})
    people = [admin, boss, plumber_g2, plumber_3]
    assert pick_assignee(people, COMMUNITY, "3", "water_leak").person == plumber_3
    assert pick_assignee(people, COMMUNITY, "65", "water_leak").person == plumber_g2
    assert pick_assignee(people, COMMUNITY, "3", "noise").reason == "supervisor"
    assert pick_assignee([admin], COMMUNITY, "3", "noise").person == admin
    assert pick_assignee([], COMMUNITY, "3", "noise").person is None


def test_a_staff_member_the_resident_mentioned_is_preferred_when_skilled() -> None:
    a = _person(1, 11, {"staff"}, {"water_leak"}, grids={"G1"})
    b = _person(2, 12, {"staff"}, {"water_leak"}, grids={"G1"})
    assert pick_assignee([a, b], COMMUNITY, "3", "water_leak", prefer=[12]).person == b
    assert pick_assignee([a, b], COMMUNITY, "3", "noise", prefer=[12]).person is None
