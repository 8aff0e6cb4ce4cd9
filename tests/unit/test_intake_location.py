import pytest

from bot.domain.intake import (
    BuildingRef,
    Location,
    default_aliases,
    parse_location,
    resolve_building,
)

BUILDINGS = (
    BuildingRef("1", units=("1", "2")),
    BuildingRef("3", aliases=("老三栋",), units=("1", "2", "3")),
    BuildingRef("5", units=("1", "2")),
    BuildingRef("65", units=("1", "2")),
    BuildingRef("171", units=("1", "2")),
)


def test_default_aliases_cover_the_usual_ways_of_writing_a_building() -> None:
    aliases = default_aliases("3")
    for name in ("3号楼", "3号", "3栋", "3幢", "3座", "3#", "三号楼", "三栋", "三幢"):
        assert name in aliases
    assert "一百七十一号楼" in default_aliases("171")
    assert default_aliases("B") == ["B座", "B栋", "B幢", "B号楼"]


@pytest.mark.parametrize(
    "name",
    [
        "3号楼",
        "三号楼",
        "3栋",
        "3幢",
        "3#",
        "3",
        "三",
        "/bind 三号楼",
        "/bind@loudao_bot 3栋",
        "老三栋",
    ],
)
def test_resolve_building_understands_aliases_and_commands(name: str) -> None:
    assert resolve_building(name, BUILDINGS) == "3"


def test_resolve_building_returns_none_for_a_building_not_in_the_registry() -> None:
    assert resolve_building("99号楼", BUILDINGS) is None
    assert resolve_building("", BUILDINGS) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("171号401室卫生间漏水", ("171", None, "401")),
        ("3号楼2单元楼道灯坏了", ("3", "2", None)),
        ("三号楼的电梯坏了", ("3", None, None)),
        ("5栋门口积水", ("5", None, None)),
        ("5#2单元水表漏水", ("5", "2", None)),
        ("三幢一单元门禁坏了", ("3", "1", None)),
        ("６５号楼１单元电梯坏了", ("65", "1", None)),
        ("一百七十一号二单元楼道灯坏了", ("171", "2", None)),
        ("5栋2单元201室天花板渗水", ("5", "2", "201")),
        ("171-2-401卫生间漏水", ("171", "2", "401")),
        ("5栋402冒烟了", ("5", None, "402")),
        ("老三栋楼道灯又坏了", ("3", None, None)),
    ],
)
def test_parse_location_reads_building_unit_and_room(
    text: str, expected: tuple[str | None, str | None, str | None]
) -> None:
    loc = parse_location(text, BUILDINGS)
    assert (loc.building, loc.unit, loc.room) == expected
    assert loc.building_known
    assert loc.building_from_text


def test_letter_buildings_are_read_but_unknown_ones_are_flagged() -> None:
    loc = parse_location("B座电梯坏了", BUILDINGS)
    assert loc.building == "B"
    assert not loc.building_known


def test_a_building_missing_from_the_registry_is_returned_as_written_and_flagged() -> None:
    loc = parse_location("99号楼的路灯不亮", BUILDINGS)
    assert loc == Location("99", None, None, building_known=False, building_from_text=True)


def test_the_group_building_is_the_default_when_the_text_names_none() -> None:
    loc = parse_location("2单元楼道灯坏了", BUILDINGS, default_building="5")
    assert (loc.building, loc.unit) == ("5", "2")
    assert loc.building_known
    assert not loc.building_from_text


def test_a_building_named_in_the_text_beats_the_group_default() -> None:
    assert parse_location("1号楼门口路灯坏了", BUILDINGS, default_building="5").building == "1"


@pytest.mark.parametrize("text", ["3楼的灯坏了", "三楼楼道灯坏了", "我住在3楼"])
def test_a_floor_is_never_taken_for_a_building_or_a_room(text: str) -> None:
    loc = parse_location(text, BUILDINGS)
    assert loc.building is None
    assert loc.room is None


@pytest.mark.parametrize("text", ["5月3号停水", "明天3号要停电？", "坐1号线过来"])
def test_dates_and_lines_are_not_buildings(text: str) -> None:
    assert parse_location(text, BUILDINGS, default_building="65").building == "65"


def test_prices_and_counts_are_not_rooms() -> None:
    assert parse_location("3号楼 300元一个月", BUILDINGS).room is None


@pytest.mark.parametrize(
    "text",
    [
        "3号楼12345678901234567单元漏水了",
        "12345678901234567号楼电梯什么时候修好？",
    ],
)
def test_a_run_of_digits_longer_than_any_building_or_unit_is_neither(text: str) -> None:
    location = parse_location(text, BUILDINGS)
    assert location.unit is None
    assert location.building in (None, "3")
